"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per
open finding, on its file and line, and one ``::error`` per shape that could not be checked.
When ``$GITHUB_STEP_SUMMARY`` names a file, the full table
is appended there too (the CLI does the appending; :func:`summary` builds it)."""

from __future__ import annotations

from comgraph.namespaces import compact
from comgraph.validate.model import Report, Severity
from comgraph.validate.render.common import display, focus_text, path_display

_COMMAND = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    lines = []
    for r in report.active():
        props = []
        if r.location:
            props += [f"file={_prop(r.location.file)}", f"line={r.location.line}", f"col={r.location.column}"]
        props.append(f"title={_prop(r.shape_name or compact(r.shape))}")
        lines.append(f"::{_COMMAND[r.severity]} {','.join(props)}::{_data(focus_text(r) + ': ' + r.message)}")
    for f in report.failed_shapes:
        lines.append(f"::error title={_prop('shape not checked: ' + (f.shape.name or compact(f.shape.id)))}"
                     f"::{_data(f.title + ': ' + f.reason)}")
    for notice in report.notices:
        lines.append(f"::warning title=comgraph validate::{_data(notice)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    """A Markdown table of every finding, for the job summary page."""
    counts = report.counts()
    verdict = "passed" if report.conforms(fail_on) else ("incomplete" if not report.complete else "failed")
    out = [
        f"### comgraph validate {verdict}",
        "",
        f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), {counts['Info']} info(s) "
        f"as of {report.as_of.isoformat()}.",
        "",
        "| Severity | Process | Checklist item | Focus | Message | Path | Value | Where | Status |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if report.failed_shapes:
        out[4:4] = [f"{len(report.failed_shapes)} shape(s) could not be checked:", ""] + [
            f"- {_cell(f.title)}: {_cell(f.reason)}" for f in report.failed_shapes] + [""]
    for r in report.results:
        status = ("waived: " + r.waived_by if r.waived_by is not None
                  else "baseline" if r.in_baseline else "open")
        out.append("| " + " | ".join(_cell(c) for c in (
            r.severity.label, r.process_label or "", r.checklist_item_label or "", focus_text(r), r.message,
            path_display(r.path), display(r.value), str(r.location or ""), status)) + " |")
    return "\n".join(out) + "\n"
