"""The JSON report: a schema version, counts by severity, every result, and the shapes that could
not be evaluated (``complete`` false, ``failedShapes``). It is also the format ``--baseline``
reads back."""

from __future__ import annotations

import json

from comgraph import __version__
from comgraph.validate.model import JSON_SCHEMA_VERSION, Report, Result, Severity, ShapeFailure
from comgraph.validate.render.common import term_text


def result_dict(r: Result) -> dict:
    return {
        "fingerprint": r.fingerprint,
        "severity": r.severity.label,
        "shape": r.shape,
        "shapeName": r.shape_name,
        "component": r.component,
        "focus": term_text(r.focus),
        "focusLabel": r.focus_label,
        "path": r.path,
        "value": term_text(r.value),
        "message": r.message,
        "checklistItem": r.checklist_item,
        "checklistItemLabel": r.checklist_item_label,
        "process": r.process,
        "processLabel": r.process_label,
        "location": (
            {"file": r.location.file, "line": r.location.line, "column": r.location.column,
             "ref": r.location.ref}
            if r.location else None
        ),
        "waived": r.waived_by is not None,
        "waiverReason": r.waived_by,
        "inBaseline": r.in_baseline,
    }


def failure_dict(f: ShapeFailure) -> dict:
    return {
        "shape": f.shape.id,
        "shapeName": f.shape.name,
        "checklistItem": f.shape.checklist_item,
        "checklistItemLabel": f.shape.checklist_item_label,
        "checklistItemNotation": f.shape.checklist_item_notation,
        "process": f.shape.process,
        "processLabel": f.shape.process_label,
        "kind": f.kind,
        "reason": f.reason,
    }


def report_dict(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> dict:
    return {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "tool": {"name": "comgraph", "version": __version__},
        "conforms": report.conforms(fail_on),
        "complete": report.complete,
        "failOn": fail_on.label if fail_on else "never",
        "asOf": report.as_of.isoformat(),
        "asOfSource": report.as_of_source,
        "data": report.data,
        "shapesDir": report.shapes_dir,
        "engine": report.engine,
        "counts": report.counts(),
        "countsIncludingWaived": report.counts(active_only=False),
        "results": [result_dict(r) for r in report.results],
        "failedShapes": [failure_dict(f) for f in report.failed_shapes],
        "staleWaivers": report.stale_waivers,
        "fallbackShapes": report.fallback_shapes,
        "notices": report.notices,
    }


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    return json.dumps(report_dict(report, fail_on), indent=2, ensure_ascii=False) + "\n"
