"""The two sides of a diff as the rules see them: both canonical graphs, the removed and added
triples, labels in the reader's language, and the claims rules make on triples."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from comgraph.diff.model import Change, Triple
from comgraph.namespaces import PREFIXES, compact

CG, ORG, ODRL = (Namespace(PREFIXES[p]) for p in ("cg", "org", "odrl"))

#: Triples that only name or type a thing: a sentence that introduces a new person or
#: organisation by its label explains them.
NAMING = {RDF.type, RDFS.label, SKOS.prefLabel}


class Sides:
    """The two canonical graphs, the triples that differ, and how to name things."""

    def __init__(self, old: Graph, new: Graph, vocab: Graph):
        self.old, self.new, self.vocab = old, new, vocab
        old_set, new_set = set(old), set(new)
        self.removed: set[Triple] = old_set - new_set
        self.added: set[Triple] = new_set - old_set
        self._removed_by_subject: dict[Node, set[Triple]] = defaultdict(set)
        self._added_by_subject: dict[Node, set[Triple]] = defaultdict(set)
        self._removed_by_object: dict[Node, set[Triple]] = defaultdict(set)
        self._added_by_object: dict[Node, set[Triple]] = defaultdict(set)
        for t in self.removed:
            self._removed_by_subject[t[0]].add(t)
            self._removed_by_object[t[2]].add(t)
        for t in self.added:
            self._added_by_subject[t[0]].add(t)
            self._added_by_object[t[2]].add(t)

    # -- what changed ------------------------------------------------------------------

    def changed(self, node: Node) -> bool:
        return node in self._removed_by_subject or node in self._added_by_subject

    def is_new(self, node: Node) -> bool:
        """Described in NEW and not at all in OLD."""
        return node in self._added_by_subject and (node, None, None) not in self.old

    def is_gone(self, node: Node) -> bool:
        """Described in OLD and not at all in NEW."""
        return node in self._removed_by_subject and (node, None, None) not in self.new

    def about(self, node: Node, predicates: Iterable[Node] | None = None) -> Change:
        """The changed triples with ``node`` as subject (with one of ``predicates``, if given)."""
        keep = set(predicates) if predicates is not None else None
        return Change("", "",
                      {t for t in self._removed_by_subject.get(node, ()) if keep is None or t[1] in keep},
                      {t for t in self._added_by_subject.get(node, ()) if keep is None or t[1] in keep})

    def pointing_at(self, node: Node) -> Change:
        return Change("", "", set(self._removed_by_object.get(node, ())),
                      set(self._added_by_object.get(node, ())))

    def typed(self, rdf_type: URIRef) -> set[Node]:
        return set(self.old.subjects(RDF.type, rdf_type)) | set(self.new.subjects(RDF.type, rdf_type))

    # -- naming things -----------------------------------------------------------------

    def label(self, node: Node | None) -> str:
        if node is None:
            return "(none)"
        if isinstance(node, Literal):
            return str(node)
        for graph in (self.new, self.old, self.vocab):
            for predicate in (RDFS.label, SKOS.prefLabel):
                labels = list(graph.objects(node, predicate))
                if labels:
                    return str(min(labels, key=_language_preference))
        if isinstance(node, BNode):
            return "(a blank node)"
        return compact(str(node))

    def notation(self, node: Node | None) -> str:
        for graph in (self.new, self.old, self.vocab):
            value = graph.value(node, SKOS.notation) if node is not None else None
            if value is not None:
                return str(value)
        return self.label(node)


def _language_preference(label: Node) -> tuple[int, str]:
    lang = getattr(label, "language", None)
    return (0 if lang in (None, "en") else 1 if lang and lang.startswith("en") else 2, str(label))


def value(graph: Graph, node: Node, predicate: URIRef) -> Node | None:
    return graph.value(node, predicate, any=True)


def text_of(literal: Node | None) -> str | None:
    return None if literal is None else str(literal)
