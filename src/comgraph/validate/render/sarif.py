"""SARIF 2.1.0 for code-scanning tools: one rule per shape (ruleId is the shape IRI), each
result with a partial fingerprint, its file region when known, and the focus node as a logical
location. Waived and baselined findings are kept, marked as suppressed or unchanged. A shape that
could not be checked makes the run's invocation ``executionSuccessful: false`` with one
``toolExecutionNotification`` (level ``error``, ``associatedRule`` the shape) per such shape."""

from __future__ import annotations

import json
from pathlib import Path

from comgraph import __version__
from comgraph.namespaces import compact
from comgraph.validate.model import Report, Severity, ShapeFailure
from comgraph.validate.render.common import focus_text, term_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return path.as_posix()


def _failure(f: ShapeFailure, index: dict[str, int]) -> dict:
    """A shape that could not be checked, as a notification about the rule it would have run."""
    return {
        "level": "error",
        "message": {"text": f"shape could not be checked: {f.title}: {f.reason}"},
        "associatedRule": {"id": f.shape.id, "index": index[f.shape.id]},
        "exception": {"kind": "QueryTimeout" if f.timed_out else "QueryError", "message": f.reason},
        "properties": {"kind": f.kind, "checklistItem": f.shape.checklist_item, "process": f.shape.process},
    }


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    shape_ids = sorted({r.shape for r in report.results} | set(report.shapes)
                       | {f.shape.id for f in report.failed_shapes})
    index = {sid: i for i, sid in enumerate(shape_ids)}
    rules = []
    for sid in shape_ids:
        info = report.shapes.get(sid)
        name = (info.name if info and info.name else None) or compact(sid)
        description = (info.description if info else None) or name
        help_lines = [description]
        if info and info.checklist_item:
            notation = f" ({info.checklist_item_notation})" if info.checklist_item_notation else ""
            help_lines.append(f"Checklist item: {info.checklist_item_label or info.checklist_item}{notation}")
        if info and info.process:
            help_lines.append(f"Process: {info.process_label or info.process}")
        rule = {
            "id": sid,
            "name": name,
            "shortDescription": {"text": name},
            "fullDescription": {"text": description},
            "help": {"text": "\n".join(help_lines)},
            "defaultConfiguration": {"level": _LEVEL[info.severity if info else Severity.VIOLATION]},
            "properties": {
                "checklistItem": info.checklist_item if info else None,
                "process": info.process if info else None,
            },
        }
        rules.append(rule)
    results = []
    for r in report.results:
        location: dict = {
            "logicalLocations": [{
                "name": r.focus_label or compact(term_text(r.focus) or ""),
                "fullyQualifiedName": term_text(r.focus),
                "kind": "object",
            }],
        }
        if r.location:
            location["physicalLocation"] = {"artifactLocation": {"uri": _uri(r.location.file)}}
            if r.location.line > 0:
                # For a spreadsheet cell, the row and the column's number (E7: line 7, column 5).
                location["physicalLocation"]["region"] = {"startLine": r.location.line,
                                                          "startColumn": r.location.column}
            if r.location.ref:
                # The cell (Sheet1!E7) or YAML path the finding was imported from.
                location["logicalLocations"].insert(0, {
                    "name": r.location.ref,
                    "fullyQualifiedName": f"{r.location.file}#{r.location.ref}",
                    "kind": "element",
                })
        result = {
            "ruleId": r.shape,
            "ruleIndex": index[r.shape],
            "level": _LEVEL[r.severity],
            "message": {"text": f"{focus_text(r)}: {r.message}"},
            "locations": [location],
            "partialFingerprints": {"comgraphFinding/v1": r.fingerprint},
            "baselineState": "unchanged" if r.in_baseline else "new",
            "properties": {
                "component": r.component,
                "path": r.path,
                "value": term_text(r.value),
                "checklistItem": r.checklist_item,
                "process": r.process,
            },
        }
        if r.waived_by is not None:
            result["suppressions"] = [{"kind": "external", "justification": r.waived_by}]
        results.append(result)
    sarif = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "comgraph",
                "version": __version__,
                "informationUri": "https://w3id.org/comgraph",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.complete,
                "toolExecutionNotifications": [_failure(f, index) for f in report.failed_shapes] + [
                    {"level": "warning", "message": {"text": n}} for n in report.notices
                ],
            }],
            "results": results,
            "properties": {"asOf": report.as_of.isoformat(), "asOfSource": report.as_of_source},
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
