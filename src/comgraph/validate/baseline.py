"""Baselines: ``--baseline previous.json`` fails a run only on findings that are new.

The baseline is a JSON report written earlier by ``--format json``; findings are matched by
fingerprint, which is stable across runs and blank-node relabelling.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from comgraph.validate.model import Report


class BaselineError(Exception):
    """The baseline file cannot be read (exit code 2)."""


def load_baseline(path: str | Path) -> set[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or "schemaVersion" not in data or not isinstance(data.get("results"), list):
        raise BaselineError(f"{path}: not a comgraph JSON report (write one with --format json)")
    return {r["fingerprint"] for r in data["results"] if isinstance(r, dict) and "fingerprint" in r}


def apply_baseline(report: Report, fingerprints: set[str]) -> Report:
    report.results = [replace(r, in_baseline=True) if r.fingerprint in fingerprints else r
                      for r in report.results]
    fixed = len(fingerprints - {r.fingerprint for r in report.results})
    if fixed:
        unchecked = (f", or their shape could not be checked ({len(report.failed_shapes)} shape(s))"
                     if report.failed_shapes else "")
        report.notices.append(f"{fixed} finding(s) in the baseline are gone: fixed, or no longer found"
                              + unchecked)
    return report
