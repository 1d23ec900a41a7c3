"""Binding query variables to RDF terms, the same way on every store.

pyoxigraph's own substitution (SEP-0007) only accepts variables that the query projects, and
remote engines have none, so comgraph binds by opening the query's WHERE group with a VALUES
block. The values are serialised RDF terms, escaped by pyoxigraph, never raw user text: a
hostile value cannot change the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from comgraph import sparql_text
from comgraph.store.base import QueryError, Term

_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def inject_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """Pre-bind variables by opening the query's WHERE group with a VALUES block.

    Values are serialised RDF terms (escaped by pyoxigraph), never raw user text, so a hostile
    value cannot change the query. Joining at the start of the group gives the same answers as
    SEP-0007 substitution for the patterns and filters of that group.
    """
    names, terms = [], []
    for name, term in bindings.items():
        if not _VARNAME.match(name):
            raise QueryError(f"binding name {name!r} is not a SPARQL variable name")
        if isinstance(term, ox.BlankNode):
            raise QueryError(f"binding {name!r}: a blank node cannot be sent to a remote engine")
        names.append(f"?{name}")
        terms.append(str(term))
    position = where_group_start(sparql)
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    return sparql[:position] + block + sparql[position:]


def where_group_start(sparql: str) -> int:
    """The offset just inside the query's WHERE group, where a VALUES block or pattern may go
    (:func:`comgraph.sparql_text.where_group_start`); QueryError when there is none."""
    position = sparql_text.where_group_start(sparql)
    if position is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return position
