"""The checklist assessment: validation results per checklist item and per process.

Unlike the named queries, this view needs the SHACL validation report, which is not in the graph:
it runs :func:`comgraph.validate.validate` on the store and joins the findings to the checklist
(``ontology/vocab/checklist.ttl``) through each shape's ``cg:enforces``. ``/checklist`` shows it
to people; ``/checklist.json`` and ``/checklist.csv`` (or the Accept header) give one row per
checklist item to machines.

This is the one place a page gets a judgement from. The home page, the process pages and the
RACI grid flag exactly the findings of this assessment (the same ``Report`` the CLI renders, for
the same data, shapes and as-of date); each flag names its checklist item and links to the
finding here (``/checklist#finding-FINGERPRINT``).

An item whose shape could not be evaluated (the engine refused its query, or stopped it at its
time limit) is **unknown**, never "passes": the pages that show the item say so, with the
reason (see ``comgraph.app.sections``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from comgraph.app import get_store
from comgraph.app.named_queries import as_of_arg
from comgraph.app.sections import Sections
from comgraph.app.tables import vocabulary_store
from comgraph.app.twins import twin_response
from flask import Blueprint, Response, current_app, render_template, url_for

from comgraph.namespaces import CG, PROCESS
from comgraph.queries import PROCESSES, as_of_date

bp = Blueprint("checklist", __name__)

STATUSES = ("fails", "warns", "unknown", "passes", "not checked")


@dataclass
class Finding:
    """One finding of the validation report, as the pages show it."""

    focus: str
    focus_label: str | None
    message: str
    severity: str
    shape: str
    item: str = ""
    notation: str = ""
    item_label: str = ""
    process: str = ""
    value: str | None = None
    fingerprint: str = ""
    #: Where the finding is shown in full: its line on the checklist page for the same date.
    href: str = ""


@dataclass
class Item:
    """One checklist item and what validation found about it."""

    iri: str
    notation: str
    label: str
    statement: str
    process: str
    checked: bool = False
    violations: int = 0
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: Why the item cannot be judged: a shape enforcing it could not be evaluated (None: all were).
    unknown: str | None = None

    @property
    def status(self) -> str:
        if self.violations:
            return "fails"  # a violation found by the shapes that ran is known, whatever else failed
        if self.unknown:
            return "unknown"
        if not self.checked and not self.findings:
            return "not checked"
        return "warns" if self.warnings else "passes"


@dataclass
class Assessment:
    as_of: str
    items: list[Item]
    error: str | None = None

    def findings(self) -> list[Finding]:
        """Every open finding that belongs to a checklist item, in the report's order."""
        return [f for i in self.items for f in i.findings]

    def by_process(self) -> list[dict]:
        summary = []
        for process in PROCESSES:
            items = [i for i in self.items if i.process == process]
            summary.append({
                "process": process, "items": items,
                "counts": {s: sum(1 for i in items if i.status == s) for s in STATUSES},
                "violations": sum(i.violations for i in items), "warnings": sum(i.warnings for i in items),
            })
        return summary


def _report(store, shapes_dir: str | None, as_of: str, run):
    """The validation report for this store, date and shapes, computed once per store version.

    Home, process and checklist pages all show it; validating on every page view would cost a
    full validation each time. A store that cannot tell when it changed (a remote engine, which
    others may write to) is validated afresh every time.
    """
    version = store.version()
    if version is None:
        return run()
    cache = current_app.extensions.setdefault("comgraph.validation_reports", {})
    key = (id(store), version, shapes_dir, as_of)
    if key not in cache:
        if len(cache) >= 16:
            cache.clear()
        cache[key] = run()
    return cache[key]


def assess(as_of: str | None = None) -> Assessment:
    """Validate the store and lay the findings out by checklist item."""
    from comgraph.validate import Severity, ValidationError, validate
    from comgraph.validate.shapes import Shapes, ShapesError

    store = get_store()
    effective = as_of or as_of_date(store).isoformat()
    items = {i.iri: i for i in sorted(_checklist_items(), key=_order)}
    shapes_dir = current_app.config.get("SHAPES_DIR")
    try:
        report = _report(store, shapes_dir, effective,
                         lambda: validate(store, Path(shapes_dir) if shapes_dir else None, as_of=effective))
    except ValidationError as exc:
        # Every item reads "not checked", and every page that judges from this assessment says
        # that validation did not run (a failed section, never "all good").
        return Assessment(effective, list(items.values()), error=str(exc))
    try:
        shapes = Shapes.load(Path(shapes_dir) if shapes_dir else _default_shapes_dir())
        for _, item in shapes.graph.subject_objects(_enforces()):
            if str(item) in items:
                items[str(item)].checked = True
    except ShapesError:  # validate() read the same folder just now, so this is not expected
        pass
    for failure in report.failed_shapes:
        item = items.get(failure.shape.checklist_item or "")
        if item is not None:
            shape = failure.shape.name or failure.shape.id
            item.unknown = "; ".join(filter(None, [item.unknown, f"shape {shape} could not be checked: "
                                                                 f"{failure.reason}"]))
    for result in report.active():
        item = items.get(result.checklist_item or "")
        if item is None:
            continue
        if result.severity >= Severity.VIOLATION:
            item.violations += 1
        else:
            item.warnings += 1
        item.findings.append(Finding(
            _text(result.focus), result.focus_label, result.message, result.severity.label, result.shape,
            item=item.iri, notation=item.notation, item_label=item.label, process=item.process,
            value=None if result.value is None else _text(result.value), fingerprint=result.fingerprint,
            href=finding_href(effective, result.fingerprint)))
    return Assessment(effective, list(items.values()))


def finding_href(as_of: str, fingerprint: str) -> str:
    """The link to one finding: its line on the checklist page for that date."""
    return url_for("checklist.page", as_of=as_of) + f"#finding-{fingerprint}"


@bp.get("/checklist")
@bp.get("/checklist.<any(json, csv):extension>")
def page(extension: str | None = None) -> Response:
    assessment = assess(as_of_arg())
    sections = Sections()
    if assessment.error:
        sections.fail("checklist", "Checklist assessment", f"validation did not run: {assessment.error}")

    def data() -> dict:
        return {"as_of": assessment.as_of, "error": assessment.error,
                "items": [asdict(i) | {"status": i.status} for i in assessment.items]}

    def rows():
        yield ["item", "notation", "label", "process", "status", "violations", "warnings", "unknown"]
        for i in assessment.items:
            yield [i.iri, i.notation, i.label, i.process, i.status, i.violations, i.warnings, i.unknown]

    def html() -> str:
        return render_template("dashboards/checklist.html", assessment=assessment,
                               processes=assessment.by_process(), statuses=STATUSES,
                               titles={p: p.capitalize() for p in PROCESSES}, sections=sections)

    return twin_response(extension, html=html, data=data, rows=rows, filename="checklist",
                         sections=sections, csv_from=["checklist"])


def _checklist_items() -> list[Item]:
    rows = vocabulary_store().select(
        "PREFIX cg: <https://w3id.org/comgraph/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?item ?notation ?label ?statement ?process WHERE { ?item a cg:ChecklistItem ; "
        "skos:notation ?notation ; skos:prefLabel ?label ; cg:process ?process "
        "OPTIONAL { ?item skos:definition ?statement } }"
    )
    return [Item(r["item"].value, r["notation"].value, r["label"].value,
                 r["statement"].value if "statement" in r else "",
                 r["process"].value.removeprefix(PROCESS)) for r in rows]


def _order(item: Item) -> tuple[int, str]:
    return (PROCESSES.index(item.process) if item.process in PROCESSES else len(PROCESSES), item.notation)


def _default_shapes_dir() -> Path:
    from comgraph.paths import shapes_dir

    return shapes_dir()


def _enforces():
    from rdflib import URIRef

    return URIRef(CG + "enforces")


def _text(term: object) -> str:
    return getattr(term, "value", str(term))


def item_link(item: Item) -> str:
    return url_for("checklist.page") + f"#{item.notation}"
