"""``comgraph diff``: what changed in the governance graph between two versions, in words.

``sides`` reads each side (files, a folder or a store URL) into one rdflib graph; both are
canonicalised with ``rdflib.compare`` so that blank nodes compare by content, not by label;
``rules`` phrases the differences and claims the triples each sentence explains; the rest are
"other changes". ``render`` writes the one ``Diff`` model as text, JSON or Markdown.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from comgraph.diff.facts import Sides
from comgraph.diff.model import Change, Diff
from comgraph.diff.rules import explain
from comgraph.diff.sides import SideError, read_side

__all__ = ["Change", "Diff", "SideError", "compare", "diff_sides"]


def _canonical(graph: Graph) -> Graph:
    canonical = Graph()
    canonical += to_canonical_graph(graph)
    return canonical


def _vocabularies() -> Graph:
    """comgraph's own SKOS vocabularies, to name codes (RACI letters, statuses, units) that a
    side uses without carrying their labels. They are only read for names, never compared."""
    from comgraph.paths import ontology_dir

    vocab = Graph()
    for path in sorted((ontology_dir() / "vocab").glob("*.ttl")):
        vocab.parse(path)
    return vocab


def compare(old: Graph, new: Graph, *, old_name: str = "OLD", new_name: str = "NEW") -> Diff:
    """Compare two graphs: blank nodes by graph isomorphism, then every difference phrased or
    listed."""
    sides = Sides(_canonical(old), _canonical(new), _vocabularies())
    changes, other_removed, other_added = explain(sides)
    return Diff(old_name, new_name, changes, sorted(other_removed), sorted(other_added),
                len(sides.removed), len(sides.added))


def diff_sides(old: str, new: str) -> Diff:
    """Read both sides (files, comma-separated files, a folder or a store URL) and compare them.
    Raises SideError naming the file, line and column when a side cannot be read."""
    return compare(read_side(old), read_side(new), old_name=old, new_name=new)
