"""The text report: grouped by process and checklist item, with labels, for a person."""

from __future__ import annotations

from itertools import groupby

from comgraph.namespaces import compact
from comgraph.validate.model import Report, Severity
from comgraph.validate.render.common import display, focus_text, path_display

_MARK = {Severity.VIOLATION: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    counts = report.counts()
    lines = [
        f"comgraph validate: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
        f"{counts['Info']} info(s) as of {report.as_of.isoformat()} ({report.as_of_source})",
    ]
    active = report.active()
    if report.failed_shapes:
        lines.append(f"INCOMPLETE: {len(report.failed_shapes)} shape(s) could not be checked; "
                     "what they check is unknown (see the end)")
    if not active:
        lines.append(("The data conforms." if report.complete else "No open findings from the shapes "
                      "that ran.") if not report.results else "No open findings.")
    for process, by_process in groupby(active, key=lambda r: r.process_label or "(no process)"):
        lines.append("")
        lines.append(process)
        for item, by_item in groupby(list(by_process),
                                     key=lambda r: (r.checklist_item_label, r.checklist_item)):
            label, iri = item
            lines.append(f"  {label or (compact(iri) if iri else '(no checklist item)')}")
            for r in by_item:
                lines.append(f"    {_MARK[r.severity]} {r.severity.label}: {focus_text(r)}: {r.message}")
                detail = [f"shape {r.shape_name or compact(r.shape)}"]
                if r.path:
                    detail.append(f"path {path_display(r.path)}")
                if r.value is not None:
                    detail.append(f"value {display(r.value)}")
                if r.location:
                    detail.append(str(r.location))
                detail.append(f"fingerprint {r.fingerprint}")
                lines.append("        " + " · ".join(detail))
    waived = [r for r in report.results if r.waived_by is not None]
    if waived:
        lines += ["", f"Waived ({len(waived)}):"]
        lines += [f"  - {focus_text(r)}: {r.message} (waiver: {r.waived_by})" for r in waived]
    baseline = [r for r in report.results if r.in_baseline and r.waived_by is None]
    if baseline:
        lines += ["", f"Already in the baseline ({len(baseline)}), not counted."]
    if report.fallback_shapes:
        lines += ["", "Checked by pySHACL (not compilable to SPARQL): " +
                  ", ".join(compact(s) for s in report.fallback_shapes)]
    if report.notices:
        lines += ["", "Notices:"] + [f"  - {n}" for n in report.notices]
    if report.failed_shapes:
        lines += ["", f"Could not check ({len(report.failed_shapes)}):"]
        for f in report.failed_shapes:
            lines.append(f"  ✗ {f.title}: {f.reason}")
            lines.append(f"        shape {compact(f.shape.id)}")
    verdict = "PASS" if report.conforms(fail_on) else ("INCOMPLETE" if not report.complete else "FAIL")
    level = fail_on.label.lower() if fail_on else "never"
    lines += ["", f"{verdict} (fail on {level})"]
    return "\n".join(lines) + "\n"
