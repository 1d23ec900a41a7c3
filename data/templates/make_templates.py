"""Writes the import templates in this folder, so they can be made again and reviewed as code:

    python data/templates/make_templates.py

- ``raci-template.xlsx`` / ``.csv``: an empty RACI matrix with its instructions;
- ``raci-example.xlsx``: a filled-in one, a hospital's shared clinical-IT deal;
- ``obligations-template.xlsx`` / ``.csv``: an obligation register;
- ``odcs-contract.yaml``: an ODCS v3 data contract (team with dates, SLA properties, price),
  written after the standard's own documentation and examples.

The layout is what ``comgraph import raci|obligations|odcs`` reads (see docs/import.md).
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
PROCESSES = ["Strategy", "Membership", "Integration", "Equity", "Audit", "Feedback"]
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")

RACI_HEADER = ["Responsibility", "Process", "Description", "Frequency"]
TEMPLATE_PARTIES = ["Your company [company]", "Prime contractor name [prime contractor]",
                    "Subcontractor name [subcontractor]", "Business unit name [business unit]"]
TEMPLATE_ROWS = [
    ["Example: Monthly service review", "Integration",
     "Review service levels with the business every month.", "Monthly", "A", "R", "C", "I"],
]

# A hospital outsources its clinical IT to a prime contractor with two subcontractors.
EXAMPLE_PARTIES = [
    "Clínica São José [company]",
    "Clinical Directorate [business unit]",
    "Nursing Services [business unit]",
    "Procurement Office [supplier management]",
    "Board of Directors [executive management]",
    "MedIT Prime Ltd [prime contractor]",
    "NetCare Networks [subcontractor]",
    "CloudMed Hosting [subcontractor]",
    "Regional Health Fund [external funding provider]",
    "Patient Safety Office [business unit]",
]
EXAMPLE_ROWS = [
    # responsibility, process, description, frequency, then one letter cell per party
    ("Clinical IT strategy review", "Strategy", "Agree the clinical IT roadmap with the board.",
     "Annually", ["C", "C", "I", "R", "A", "C", "", "", "I", ""]),
    ("Supplier selection", "Membership", "Select and approve providers for clinical IT capabilities.", "",
     ["C", "C", "", "A/R", "I", "C", "", "", "", ""]),
    ("Service desk", "Integration", "Answer clinicians' IT calls around the clock.", "",
     ["I", "C", "C", "", "", "A/R", "", "", "", ""]),
    ("Electronic health record operations", "Integration", "Run the EHR application and its interfaces.", "",
     ["I", "C", "C", "", "", "A", "", "R", "", "C"]),
    ("Network operations", "Integration", "Run the wired and wireless networks on every ward.", "",
     ["", "I", "I", "", "", "A", "R", "", "", ""]),
    ("Patch management", "Integration", "Apply security patches to clinical systems.", "Monthly",
     ["I", "C", "", "", "", "A/R", "R", "R", "", "C"]),
    ("Major incident management", "Integration", "Coordinate the response to major incidents.", "",
     ["I", "C", "C", "", "I", "A/R", "R", "R", "", "C"]),
    ("Disaster recovery test", "Integration", "Fail the EHR over to the second site and back.", "Annually",
     ["I", "C", "", "", "", "A", "C", "R", "", "I"]),
    ("Monthly service review", "Integration", "Review service levels with the clinical units.", "Monthly",
     ["C", "C", "C", "R", "", "A", "C", "C", "", ""]),
    ("Invoicing and reconciliation", "Equity", "Check monthly invoices against pricing and credits.",
     "Monthly",
     ["A", "", "", "R", "", "R", "", "", "", ""]),
    ("Grant reporting", "Equity", "Report the use of the fund's grant.", "Quarterly",
     ["A", "", "", "R", "I", "C", "", "", "I", ""]),
    ("Clinical data licence register", "Equity", "Keep the register of data assets and licences.", "",
     ["A", "C", "", "R", "", "C", "", "C", "", ""]),
    ("Quarterly relationship audit", "Audit", "Audit every party on the four audit components.", "Quarterly",
     ["A", "C", "C", "R", "I", "C", "C", "C", "I", "C"]),
    ("Clinician satisfaction survey", "Audit", "Survey clinicians' satisfaction with IT services.",
     "Quarterly",
     ["A", "R", "R", "C", "I", "I", "", "", "", ""]),
    ("Lessons learned review", "Feedback", "Collect lessons from incidents and agree actions.", "Quarterly",
     ["C", "R", "C", "C", "", "A", "C", "C", "", "R"]),
]

OBLIGATIONS_HEADER = ["id", "obligor", "obligee", "description", "due", "metric", "target", "consequence",
                      "status"]
OBLIGATIONS_ROWS = [
    ["OBL-01", "MedIT Prime Ltd [prime contractor]", "Clínica São José [company]",
     "Monthly service report by the 10th", "monthly from 2026-01-10", "", "", "", "open"],
    ["OBL-02", "MedIT Prime Ltd", "Clínica São José", "EHR availability of at least 99.5% each quarter",
     "quarterly from 2026-03-31", "EHR availability", ">= 99.5 %", "service credit 5% of the quarter's fees",
     "open"],
    ["OBL-03", "CloudMed Hosting [subcontractor]", "MedIT Prime Ltd", "Annual disaster recovery test report",
     "2026-09-15", "", "", "", "in progress"],
    ["OBL-04", "Clínica São José", "MedIT Prime Ltd", "Pay the monthly service fee within 30 days",
     "monthly from 2026-01-30", "", "", "", "open"],
]

INSTRUCTIONS = [
    "How to fill in this RACI matrix (comgraph import raci FILE.xlsx --store URL)",
    "",
    "One row per responsibility. 'Responsibility' and 'Process' are required columns.",
    "Process is one of: Strategy, Membership, Integration, Equity, Audit, Feedback.",
    "Description and Frequency (Weekly, Monthly, Quarterly, Half-yearly, Annually) are optional.",
    "Every other column is a party. Write its kind in brackets after the name, for example",
    "'MedIT Prime Ltd [prime contractor]'. Kinds: company, business unit, service provider,",
    "prime contractor, subcontractor, supplier management, executive management, external funding provider.",
    "A party already in the store is matched by its name; the kind may then be left out.",
    "Cells hold R, A, C or I, a combination such as A/R or RA, or nothing.",
    "Each responsibility needs exactly one A and at least one R: comgraph validate reports the rows that",
    "do not.",
    "Importing the sheet again replaces what it imported before.",
]


def _style_header(ws, width: int) -> None:
    for cell in ws[1][:width]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"


def _raci_sheet(wb: Workbook, parties: list[str], rows: list[list[str]]) -> None:
    ws = wb.active
    ws.title = "RACI"
    header = RACI_HEADER + parties
    ws.append(header)
    for row in rows:
        ws.append(row)
    _style_header(ws, len(header))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 13
    ws.column_dimensions["C"].width = 44
    ws.column_dimensions["D"].width = 12
    for i in range(len(RACI_HEADER) + 1, len(header) + 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 16
        for r in range(2, max(len(rows) + 1, 200) + 1):
            ws.cell(r, i).alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 45
    processes = DataValidation(type="list", formula1='"' + ",".join(PROCESSES) + '"', allow_blank=True)
    processes.add("B2:B1000")
    ws.add_data_validation(processes)
    notes = wb.create_sheet("How to fill in")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    notes["A1"].font = Font(bold=True)


def write_raci() -> None:
    wb = Workbook()
    _raci_sheet(wb, TEMPLATE_PARTIES, TEMPLATE_ROWS)
    wb.save(HERE / "raci-template.xlsx")
    with open(HERE / "raci-template.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RACI_HEADER + TEMPLATE_PARTIES)
        writer.writerows(TEMPLATE_ROWS)
    wb = Workbook()
    _raci_sheet(wb, EXAMPLE_PARTIES, [[name, process, description, frequency, *letters]
                                      for name, process, description, frequency, letters in EXAMPLE_ROWS])
    wb.save(HERE / "raci-example.xlsx")


def write_obligations() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Obligations"
    ws.append(OBLIGATIONS_HEADER)
    for row in OBLIGATIONS_ROWS:
        ws.append(row)
    _style_header(ws, len(OBLIGATIONS_HEADER))
    for letter, width in zip("ABCDEFGHI", (9, 34, 26, 44, 26, 20, 12, 36, 12), strict=True):
        ws.column_dimensions[letter].width = width
    statuses = DataValidation(type="list", formula1='"open,in progress,met,missed,waived"', allow_blank=True)
    statuses.add("I2:I1000")
    ws.add_data_validation(statuses)
    wb.save(HERE / "obligations-template.xlsx")
    with open(HERE / "obligations-template.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(OBLIGATIONS_HEADER)
        writer.writerows(OBLIGATIONS_ROWS)


ODCS_CONTRACT = """\
# An Open Data Contract Standard v3 contract, written after the standard's documentation
# (team with dateIn/dateOut and replacedByUsername, slaProperties, price). Import it with
#   comgraph import odcs data/templates/odcs-contract.yaml --store URL
apiVersion: v3.0.2
kind: DataContract
id: patient-admissions
name: Patient admissions
version: 1.2.0
status: active
domain: Clinical operations
contractCreatedTs: 2026-01-05T09:00:00Z
description:
  purpose: Admissions, transfers and discharges at Clínica São José, for bed management and reporting.
  usage: Daily bed-management dashboards and the monthly activity return.
schema:
  - name: admissions
    physicalName: admissions
    physicalType: table
    properties:
      - name: admission_id
        logicalType: string
        primaryKey: true
      - name: admitted_at
        logicalType: date
team:
  name: Clinical Data Platform
  members:
    - username: jcosta
      name: João Costa
      role: Data Steward
      dateIn: 2026-01-05
      dateOut: 2026-09-01
      replacedByUsername: asilva
    - username: asilva
      name: Ana Silva
      role: Data Steward
      dateIn: 2026-09-01
    - username: mferreira
      name: Marta Ferreira
      role: Data Owner
      description: Answers for the dataset to the clinical directorate.
      dateIn: 2026-01-05
slaProperties:
  - property: latency
    value: 4
    unit: h
    element: admissions.admitted_at
  - property: availability
    value: 99.5
    unit: "%"
  - property: timeToRepair
    value: 8
    unit: h
  - property: generalAvailability
    value: 2026-02-01T00:00:00Z
    description: Generally available from 1 February 2026.
price:
  priceAmount: 1500
  priceCurrency: EUR
  priceUnit: month
"""


def write_odcs() -> None:
    (HERE / "odcs-contract.yaml").write_text(ODCS_CONTRACT, encoding="utf-8")


def write_screenshot(png: Path) -> None:
    """docs/img: the example sheet as a spreadsheet shows it, rendered as HTML by headless
    Chromium (``--screenshot``; needs /usr/bin/chromium)."""
    import html
    import subprocess
    import tempfile

    from openpyxl import load_workbook

    ws = load_workbook(HERE / "raci-example.xlsx").worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    letters = [chr(65 + i) for i in range(len(rows[0]))]
    cells = ["<tr><th></th>" + "".join(f"<th class=col>{c}</th>" for c in letters) + "</tr>"]
    for n, row in enumerate(rows, start=1):
        tag = "th class=head" if n == 1 else "td"
        cells.append(f"<tr><th class=row>{n}</th>" + "".join(
            f"<{tag}>{html.escape(str(v or ''))}</{tag.split()[0]}>" for v in row) + "</tr>")
    page = ("<html><head><meta charset=utf-8><style>body{font:12px Calibri,Arial,sans-serif;margin:8px}"
            "table{border-collapse:collapse}td,th{border:1px solid #c8c8c8;padding:3px 6px;max-width:190px}"
            "td{text-align:center}td:nth-child(2),td:nth-child(4){text-align:left}"
            "td:nth-child(4){min-width:300px}td:nth-child(2){min-width:200px}"
            "th.col,th.row{background:#efefef;font-weight:normal;color:#555}"
            "th.head{background:#1f4e79;color:#fff;vertical-align:top;font-weight:bold}</style></head><body>"
            "<table>" + "".join(cells) + "</table></body></html>")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "sheet.html"
        page_file.write_text(page, encoding="utf-8")
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--screenshot={png}", "--window-size=1900,860",
                        page_file.as_uri()],
                       check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    import sys

    write_raci()
    write_obligations()
    write_odcs()
    print(f"wrote the templates in {HERE}")
    if "--screenshot" in sys.argv:
        target = HERE.parents[1] / "docs" / "img" / "raci-example-sheet.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_screenshot(target)
        print(f"wrote {target}")
