"""Renderers of one ``Diff``: text for a terminal, JSON for programs, Markdown for a pull-request
comment. The phrased changes come first, grouped by kind; the triples no rule could phrase come
last, counted and listed, so nothing is silently dropped."""

from __future__ import annotations

import json

from rdflib.term import Node

from comgraph.diff.model import KINDS, Diff, Triple
from comgraph.namespaces import compact


def _term(node: Node) -> str:
    text = node.n3()
    if text.startswith("<") and text.endswith(">"):
        return compact(text[1:-1])
    return text


def triple_text(triple: Triple) -> str:
    return " ".join(_term(t) for t in triple) + " ."


def _summary(diff: Diff) -> str:
    if not diff.has_changes:
        return "no changes"
    n = len(diff.changes)
    return (f"{n} change{'s' if n != 1 else ''}, {diff.other_count} other triple"
            f"{'s' if diff.other_count != 1 else ''} ({diff.removed_count} triples removed, "
            f"{diff.added_count} added)")


def _other_lines(diff: Diff) -> list[str]:
    return ([f"- {triple_text(t)}" for t in diff.other_removed]
            + [f"+ {triple_text(t)}" for t in diff.other_added])


def render_text(diff: Diff) -> str:
    lines = [f"comgraph diff {diff.old} {diff.new}: {_summary(diff)}"]
    for kind, changes in diff.by_kind():
        lines += ["", KINDS[kind]]
        lines += [f"  {c.text}" for c in changes]
    if diff.other_count:
        lines += ["", f"Other changes ({diff.other_count} triples comgraph cannot phrase)"]
        lines += [f"  {line}" for line in _other_lines(diff)]
    return "\n".join(lines) + "\n"


def render_json(diff: Diff) -> str:
    document = {
        "old": diff.old,
        "new": diff.new,
        "changed": diff.has_changes,
        "triples": {"removed": diff.removed_count, "added": diff.added_count},
        "changes": [
            {"kind": c.kind, "text": c.text,
             "removed": sorted(" ".join(t.n3() for t in triple) + " ." for triple in c.removed),
             "added": sorted(" ".join(t.n3() for t in triple) + " ." for triple in c.added)}
            for _kind, changes in diff.by_kind() for c in changes
        ],
        "other": {
            "count": diff.other_count,
            "removed": [" ".join(t.n3() for t in triple) + " ." for triple in diff.other_removed],
            "added": [" ".join(t.n3() for t in triple) + " ." for triple in diff.other_added],
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def _md(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIAL)


def render_markdown(diff: Diff) -> str:
    lines = [f"### comgraph diff: {_summary(diff)}", "",
             f"`{diff.old}` → `{diff.new}`"]
    for kind, changes in diff.by_kind():
        lines += ["", f"**{KINDS[kind]}**", ""]
        lines += [f"- {_md(c.text)}" for c in changes]
    if diff.other_count:
        lines += ["", "<details>",
                  f"<summary>Other changes: {diff.other_count} triples comgraph cannot phrase</summary>",
                  "", "```diff", *_other_lines(diff), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


def render(diff: Diff, fmt: str) -> str:
    return RENDERERS[fmt](diff)
