"""Binding query variables to RDF terms, the same way on every store.

A bound variable is replaced, token by token (:func:`comgraph.sparql_text.bind_variables`),
by its RDF term as pyoxigraph serialises it: the term is escaped by pyoxigraph, never raw user
text, so a hostile value cannot change the query. A constant in the text is seen the same way
by every engine, inside ``OPTIONAL``, ``FILTER``, ``EXISTS`` and subqueries; a ``VALUES`` block
at the start of WHERE was not (Virtuoso does not see its variables in a filter inside
``OPTIONAL``), and pyoxigraph's own substitution (SEP-0007) takes only projected variables and
exists on no remote engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from comgraph import sparql_text
from comgraph.store.base import QueryError, Term

_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def term_text(term: Term) -> str:
    """A term as SPARQL text: pyoxigraph's serialisation (``<iri>``, ``"text"@en``,
    ``"2026-06-30"^^<…#date>``), a triple term as ``<<( s p o )>>``."""
    if isinstance(term, ox.Triple):
        return f"<<( {term_text(term.subject)} {term_text(term.predicate)} {term_text(term.object)} )>>"
    return str(term)


def bind_terms(sparql: str, bindings: Mapping[str, Term]) -> str:
    """``sparql`` with each bound variable replaced by its serialised term.

    QueryError names the binding when its name is not a variable name, its term is a blank node
    (which no remote engine could match) or the query assigns the variable (``AS ?x``,
    ``VALUES ?x``).
    """
    texts: dict[str, str] = {}
    for name, term in bindings.items():
        if not _VARNAME.match(name):
            raise QueryError(f"binding name {name!r} is not a SPARQL variable name")
        if isinstance(term, ox.BlankNode):
            raise QueryError(f"binding {name!r}: a blank node cannot be sent to a remote engine")
        texts[name] = term_text(term)
    try:
        return sparql_text.bind_variables(sparql, texts)
    except sparql_text.BindingConflict as exc:
        raise QueryError(str(exc)) from None


def where_group_start(sparql: str) -> int:
    """The offset just inside the query's WHERE group, where a pattern may go
    (:func:`comgraph.sparql_text.where_group_start`); QueryError when there is none."""
    position = sparql_text.where_group_start(sparql)
    if position is None:
        raise QueryError("cannot rewrite the query: it has no WHERE group")
    return position
