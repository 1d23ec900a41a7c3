"""Small helpers every renderer shares: how terms and locations read to a person."""

from __future__ import annotations

import pyoxigraph as ox

from comgraph.namespaces import compact
from comgraph.validate.model import Result


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    """IRIs as plain IRIs, other terms in N-Triples form (machine formats)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def display(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """Prefixed IRIs and bare literal values (human formats)."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return repr(term.value) if len(term.value) < 60 else repr(term.value[:57] + "...")
    return "a blank node"


def focus_text(r: Result) -> str:
    shown = display(r.focus)
    return f"{r.focus_label} ({shown})" if r.focus_label else shown


def path_display(path: str | None) -> str:
    if not path:
        return ""
    return path if path.startswith(("(", "^", "<")) else compact(path)


def short_shape(r_shape: str, name: str | None) -> str:
    return name or compact(r_shape)
