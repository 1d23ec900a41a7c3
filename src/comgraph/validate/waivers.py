"""Waivers: known findings a named owner has accepted, for a reason, until a date.

A waivers file is YAML: a list (or a ``waivers:`` key holding one) of entries with either a
``fingerprint`` or a ``selector`` (any of shape, focus, path, component, severity,
checklist_item, process; IRIs, ``cg:``-style names, or globs with ``*``), plus ``reason``,
``owner`` and ``expires`` (YYYY-MM-DD, valid through that day). Waivers fail closed: one that
has expired, or whose date or fields are malformed, suppresses nothing and says so in a notice.
Waivers that match nothing are reported as stale, so they get cleaned up.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import yaml

from comgraph.namespaces import PREFIXES
from comgraph.validate.model import Report, Result
from comgraph.validate.render.common import term_text

SELECTOR_KEYS = ("shape", "focus", "path", "component", "severity", "checklist_item", "process")


class WaiverFileError(Exception):
    """The waivers file cannot be read at all (exit code 2)."""


@dataclass
class Waiver:
    number: int
    line: int | None
    reason: str = ""
    owner: str = ""
    expires: date | None = None
    fingerprint: str | None = None
    selector: dict[str, str] = field(default_factory=dict)
    #: Why this waiver cannot be used (malformed or expired), or None when it is in force.
    problem: str | None = None

    @property
    def where(self) -> str:
        return f"waiver #{self.number}" + (f" (line {self.line})" if self.line else "")

    def matches(self, r: Result) -> bool:
        if self.fingerprint is not None:
            return r.fingerprint == self.fingerprint
        fields = {
            "shape": r.shape, "focus": term_text(r.focus) or "", "path": r.path or "",
            "component": r.component, "severity": r.severity.label.lower(),
            "checklist_item": r.checklist_item or "", "process": r.process or "",
        }
        return all(_match(pattern, fields[key], key) for key, pattern in self.selector.items())


def _expand(text: str) -> str:
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return text


def _match(pattern: str, value: str, key: str) -> bool:
    if key == "severity":
        return pattern.lower() == value
    if key == "component" and ":" not in pattern:
        pattern = "sh:" + pattern + ("" if pattern.endswith("ConstraintComponent") else "ConstraintComponent")
    return fnmatch.fnmatchcase(value, _expand(pattern))


def load_waivers(path: str | Path, today: date | None = None) -> list[Waiver]:
    """Read a waivers file; entries with problems come back with ``problem`` set."""
    today = today or date.today()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WaiverFileError(f"{path}: {exc.strerror}") from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WaiverFileError(_yaml_error(path, text, exc)) from None
    lines: list[int | None] = []
    if isinstance(data, dict) and "waivers" in data:
        data = data["waivers"]
        node = next((v for k, v in node.value if k.value == "waivers"), None) if node else None
    if data is None:
        return []
    if not isinstance(data, list):
        raise WaiverFileError(f"{path}: expected a list of waivers (or a 'waivers:' key holding one)")
    raw_prints: list[str | None] = []
    if node is not None and hasattr(node, "value") and isinstance(node.value, list):
        lines = [item.start_mark.line + 1 for item in node.value]
        # YAML would read a fingerprint such as 0123456789012345 as a number: take its text.
        raw_prints = [next((v.value for k, v in item.value if getattr(k, "value", None) == "fingerprint"
                            and isinstance(v, yaml.ScalarNode)), None)
                      if isinstance(item, yaml.MappingNode) else None for item in node.value]
    waivers = []
    for i, entry in enumerate(data, start=1):
        if isinstance(entry, dict) and i - 1 < len(raw_prints) and raw_prints[i - 1] is not None:
            entry = {**entry, "fingerprint": raw_prints[i - 1]}
        waivers.append(_one(i, entry, lines[i - 1] if i - 1 < len(lines) else None, today))
    return waivers


def _yaml_error(path: str | Path, text: str, exc: yaml.YAMLError) -> str:
    """One line: FILE:LINE:COL: not valid YAML (why)."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        # A character YAML does not allow (a control character): its position, not its mark.
        before = text[:exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character or 0)
        return f"{path}:{line}:{column}: not valid YAML (character U+{ord(char):04X} is not allowed)"
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    reason = getattr(exc, "problem", None) or str(exc)
    return f"{where}: not valid YAML ({' '.join(str(reason).split())})"


def _one(number: int, entry: object, line: int | None, today: date) -> Waiver:
    w = Waiver(number, line)
    if not isinstance(entry, dict):
        w.problem = "is not a mapping"
        return w
    w.reason = str(entry.get("reason") or "").strip()
    w.owner = str(entry.get("owner") or "").strip()
    fp = entry.get("fingerprint")
    selector = entry.get("selector")
    if fp is not None:
        w.fingerprint = str(fp).strip().lower()
        if not re.fullmatch(r"[0-9a-f]{16}", w.fingerprint):
            w.problem = f"fingerprint {fp!r} is not 16 hex digits"
            return w
    if isinstance(selector, dict):
        unknown = set(selector) - set(SELECTOR_KEYS)
        if unknown:
            w.problem = f"selector has unknown key(s) {', '.join(sorted(map(str, unknown)))}"
            return w
        w.selector = {str(k): str(v) for k, v in selector.items()}
    elif selector is not None:
        w.problem = "selector must be a mapping"
        return w
    if w.fingerprint is None and not w.selector:
        w.problem = "has neither a fingerprint nor a selector"
    elif not w.reason:
        w.problem = "has no reason"
    elif not w.owner:
        w.problem = "has no owner"
    raw = entry.get("expires")
    if isinstance(raw, datetime):
        # YAML reads "2026-01-01 10:00:00" as a datetime: a waiver ends on a day, not at a time.
        w.problem = w.problem or f"expires '{raw}' is not a date (YYYY-MM-DD)"
    elif isinstance(raw, date):
        w.expires = raw
    elif raw is None:
        w.problem = w.problem or "has no expires date"
    else:
        try:
            w.expires = date.fromisoformat(str(raw).strip())
        except ValueError:
            w.problem = w.problem or f"expires {raw!r} is not a date (YYYY-MM-DD)"
    if w.problem is None and w.expires is not None and w.expires < today:
        w.problem = f"expired on {w.expires.isoformat()}"
    return w


def apply_waivers(report: Report, waivers: list[Waiver]) -> Report:
    """Mark waived results, bring back those whose waiver cannot be used (with a notice), and
    list waivers that matched nothing as stale."""
    used: set[int] = set()
    results = []
    for r in report.results:
        waived_by = None
        for w in waivers:
            if not w.matches(r):
                continue
            if w.problem is not None:
                report.notices.append(f"{w.where} {w.problem}, so it no longer suppresses "
                                      f"{r.fingerprint} ({r.shape_name or r.shape} on {term_text(r.focus)})")
                used.add(w.number)
                continue
            used.add(w.number)
            waived_by = waived_by or f"{w.reason} (owner {w.owner}, until {w.expires.isoformat()})"
        results.append(replace(r, waived_by=waived_by) if waived_by else r)
    report.results = results
    for w in waivers:
        if w.number in used:
            continue
        if w.problem is not None and not w.problem.startswith("expired"):
            report.notices.append(f"{w.where} {w.problem}; it is ignored")
        target = w.fingerprint or ", ".join(f"{k}={v}" for k, v in w.selector.items())
        report.stale_waivers.append(f"{w.where}: {target}")
        report.notices.append(f"{w.where} matched no finding ({target}); remove it")
    return report
