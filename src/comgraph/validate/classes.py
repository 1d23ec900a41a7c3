"""The data's class hierarchy, read once per run, so that compiled shapes name each class.

SHACL counts a node as an instance of C when it has an ``rdf:type`` that is C or a subclass of C
by the data's ``rdfs:subClassOf`` (a *SHACL instance*). The compiler used to say so with the
property path ``rdf:type/rdfs:subClassOf*``; Virtuoso 7.2 evaluates that path wrongly once both
its ends are bound (from a subquery's focus nodes, or inside ``FILTER NOT EXISTS``), dropping
findings or inventing them. Reading the ``rdfs:subClassOf`` triples first and writing the
classes out (``?this a C``, one branch per subclass) is plain SPARQL that every engine evaluates
alike, and it is what the engine does anyway: the hierarchy is small beside the data.

A blank node that is a subclass of a class the shapes name cannot be written into a query; a
shape that needs one is not compiled (:class:`~comgraph.validate.compiler.Unsupported`), so it
goes to the reference engine rather than losing its instances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from comgraph.store import Store

SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


class BlankSubclass(Exception):
    """A subclass of the named class is a blank node, which a query cannot name."""


class ClassHierarchy:
    """``rdfs:subClassOf`` as the data states it: for each class, every class below it."""

    def __init__(self, edges: Iterable[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode | ox.BlankNode]] = ()):
        self._below: dict[ox.Term, set[ox.Term]] = defaultdict(set)
        for sub, sup in edges:
            if sub != sup:
                self._below[sup].add(sub)

    @classmethod
    def of(cls, store: Store, *, timeout: float | None = None) -> ClassHierarchy:
        """The hierarchy the store's data states (its default graph: on an engine without a
        plain one, the union of its graphs, as the shapes' queries see it)."""
        rows = store.query(f"SELECT ?sub ?super WHERE {{ ?sub <{SUBCLASS_OF}> ?super }}", timeout=timeout)
        return cls((r["sub"], r["super"]) for r in rows
                   if isinstance(r["sub"], (ox.NamedNode, ox.BlankNode))
                   and isinstance(r["super"], (ox.NamedNode, ox.BlankNode)))

    def classes(self, iri: str) -> list[str]:
        """``iri`` and every class below it, ``iri`` first and the rest sorted (so a query is
        written the same way each run). :class:`BlankSubclass` when one of them is a blank node."""
        start = ox.NamedNode(iri)
        seen: set[ox.Term] = {start}
        todo = [start]
        while todo:
            for sub in self._below.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        if any(isinstance(c, ox.BlankNode) for c in seen):
            raise BlankSubclass(f"a blank node is a subclass of <{iri}>")
        return [iri, *sorted(c.value for c in seen if c != start)]
