"""Building one source's triples and writing them so that importing the same source again
replaces exactly what the earlier import put there (the record in the source's named graph)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from comgraph.importers.common import CG, RDF_TYPE, RDFS_LABEL, XSD, mint, term
from comgraph.importers.problems import CellRef
from comgraph.namespaces import PREFIXES
from comgraph.output import write_file
from comgraph.store import Source, Store

# -- building and writing the graph ----------------------------------------------------------

_SOURCE_PREDICATES = (CG + "sourceFile", CG + "sourceRef", CG + "sourceLine")
_SOURCE_FILE = f"<{CG}sourceFile>"


class GraphBuilder:
    """What one source asserts: the triples that go in the default graph, and the *record* that
    goes in the source's own named graph (where each node it wrote about was read).

    Both are kept as N-Triples text, one ``s p o`` string a triple, in the exact form pyoxigraph
    writes (each term is pyoxigraph's own ``str()``), so they are compared with what a store
    answers as plain strings and loaded without building a pyoxigraph object per triple.
    """

    def __init__(self, file: str):
        self.file = file
        self.triples: dict[str, None] = {}
        self.record: dict[str, None] = {}
        self._file = str(ox.Literal(file))
        self._terms: dict[str, str] = {}

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.triples[f"{s} {p} {o}"] = None

    def label(self, node: ox.NamedNode, text: str) -> None:
        self.add(node, RDFS_LABEL, ox.Literal(text))

    def types(self, node: ox.NamedNode, *classes: str) -> None:
        for c in classes:
            self.add(node, RDF_TYPE, self._term(c))

    def literal(self, node: ox.NamedNode, p: str, value: object) -> None:
        self.add(node, self._term(p), to_literal(value))

    def _term(self, prefixed: str) -> str:
        found = self._terms.get(prefixed)
        if found is None:
            found = self._terms[prefixed] = str(term(prefixed))
        return found

    def source(self, node: ox.NamedNode, ref: object, line: int | None = None) -> None:
        """Record where ``node`` was read (validate reports findings on it there). The record
        also says the node is this source's: a re-import replaces what the default graph says
        about it. A cell's line is its row, which ``validate`` reads from the reference itself."""
        self.record[f"{node} {_SOURCE_FILE} {self._file}"] = None
        self.record[f"{node} <{CG}sourceRef> {ox.Literal(str(ref))}"] = None
        if line is not None and not (isinstance(ref, CellRef) and line == ref.row):
            self.record[f"{node} <{CG}sourceLine> "
                        f"{ox.Literal(str(line), datatype=ox.NamedNode(XSD + 'integer'))}"] = None

    def __len__(self) -> int:
        return len(self.triples) + len(self.record)

    def ntriples(self) -> bytes:
        """Everything, the record included, as N-Triples (one graph)."""
        return "".join(f"{t} .\n" for t in (*self.triples, *self.record)).encode()

    def turtle(self) -> bytes:
        used = {k: v for k, v in PREFIXES.items() if k not in ("sh", "owl", "foaf", "cgsh", "cgchk")}
        triples = sorted(ox.parse(self.ntriples(), format=ox.RdfFormat.N_TRIPLES), key=str)
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used) or b""


def to_literal(value: object) -> ox.Literal:
    if isinstance(value, ox.Literal):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, date) and not isinstance(value, datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, (float, Decimal)):
        return decimal(value)
    return ox.Literal(str(value))


def decimal(value: float | Decimal | str) -> ox.Literal:
    """An xsd:decimal in the canonical form a store keeps (``1.0`` is stored as ``1``), so that a
    re-import compares equal to what the last one wrote."""
    text = format(Decimal(str(value)).normalize(), "f")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))


def import_graph(relationship: ox.NamedNode, kind: str, file: str, part: str | None = None) -> ox.NamedNode:
    """The named graph that records what one source (a file, or one sheet of it) asserted."""
    names = [Path(file).name] + ([part] if part else [])
    return mint(relationship, "import/" + kind, *names)


@dataclass
class WriteResult:
    added: int
    removed: int


def _lines(result) -> set[str]:
    """A CONSTRUCT's triples as ``s p o`` strings, in the form GraphBuilder writes them."""
    data = result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return {line[:-2] for line in data.decode().splitlines() if line}


_DIGEST = f"<{CG}sourceDigest>"


@dataclass
class _Assertions:
    """What one import asserts: each node of the source's (one with a ``cg:sourceFile`` in its
    record) with its default-graph triples, record triples and digest; and the triples about
    other nodes (a relationship's client, a metric), which go in both graphs as they are."""

    nodes: dict[str, tuple[list[str], list[str]]]
    foreign: set[str]

    @classmethod
    def of(cls, builder: GraphBuilder) -> _Assertions:
        nodes: dict[str, tuple[list[str], list[str]]] = {}
        for line in builder.record:
            if line.split(" ", 2)[1] == _SOURCE_FILE:
                nodes[line.split(" ", 1)[0]] = ([], [])
        foreign = set()
        for line in builder.triples:
            found = nodes.get(line.split(" ", 1)[0])
            if found is None:
                foreign.add(line)
            else:
                found[0].append(line)
        for line in builder.record:
            nodes[line.split(" ", 1)[0]][1].append(line)
        return cls(nodes, foreign)

    def digest(self, node: str) -> str:
        triples, record = self.nodes[node]
        text = "\n".join(sorted(triples) + sorted(record))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    def default_lines(self, nodes: Iterable[str]) -> set[str]:
        return {t for n in nodes if n in self.nodes for t in self.nodes[n][0]} | self.foreign

    def record_lines(self, nodes: Iterable[str]) -> set[str]:
        out = set(self.foreign)
        for n in nodes:
            if n in self.nodes:
                out.update(self.nodes[n][1])
                out.add(f"{n} {_DIGEST} {ox.Literal(self.digest(n))}")
        return out


def _previous(store: Store, g: str) -> tuple[dict[str, str | None], set[str]]:
    """The last import's nodes with their digests (None for a record written before digests),
    and its triples about other nodes: read from the record alone, a few lines a node."""
    # CONSTRUCT, serialised by the store, is several times faster than SELECT rows for this.
    digests: dict[str, str | None] = {}
    claims = (f"CONSTRUCT {{ ?s {_SOURCE_FILE} ?f . ?s {_DIGEST} ?d }} WHERE {{ "
              f"GRAPH {g} {{ ?s {_SOURCE_FILE} ?f OPTIONAL {{ ?s {_DIGEST} ?d }} }} }}")
    for line in _lines(store.query(claims)):
        node, predicate, value = line.split(" ", 2)
        if predicate == _DIGEST:
            digests[node] = value
        else:
            digests.setdefault(node, None)
    foreign = _lines(store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o "
        f"FILTER NOT EXISTS {{ ?s {_SOURCE_FILE} ?f }} }} }}"))
    return digests, foreign


def _about(store: Store, nodes: list[str], g: str | None) -> set[str]:
    """What the default graph (or graph ``g``) says about ``nodes``."""
    found: set[str] = set()
    for i in range(0, len(nodes), 2000):
        values = " ".join(nodes[i:i + 2000])
        pattern = f"GRAPH {g} {{ ?s ?p ?o }}" if g else "?s ?p ?o"
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} {pattern} }}"
        found |= _lines(store.query(query))
    return found


def replace_source(store: Store, graph: ox.NamedNode, builder: GraphBuilder) -> WriteResult:
    """Put ``builder``'s triples in the default graph in place of what the last import of the
    same source put there, and its record in ``graph``.

    Only the difference is written: importing the same sheet again writes nothing, and editing
    one cell changes that cell's triples. The record keeps a digest of what the import said
    about each of its nodes, so only the nodes whose digest changed (or that are gone) are read
    back: what the default graph says about such a node is replaced by what the sheet says now.
    A triple taken away stays when another import's record claims it too (its node, or the
    triple itself). The difference is one write, all or nothing: when nothing is removed (a
    first import), one ``Store.load`` of N-Quads (parsed whole before the store is touched);
    otherwise one SPARQL update, which a store applies as one transaction.
    """
    g = f"<{graph.value}>"
    now = _Assertions.of(builder)
    digests, old_foreign = _previous(store, g)
    changed = [n for n, d in digests.items() if n not in now.nodes or d != str(ox.Literal(now.digest(n)))]
    changed += [n for n in now.nodes if n not in digests]
    old_nodes = [n for n in changed if n in digests]
    old = _about(store, old_nodes, None) | old_foreign
    old_record = _about(store, old_nodes, g) | old_foreign
    new, new_record = now.default_lines(changed), now.record_lines(changed)
    to_add, to_remove = new - old, _unclaimed(store, graph, old - new)
    record_add, record_remove = new_record - old_record, old_record - new_record
    if not (to_add or to_remove or record_add or record_remove):
        return WriteResult(0, 0)
    if not to_remove and not record_remove:
        text = "".join([*(f"{t} .\n" for t in to_add), *(f"{t} {g} .\n" for t in record_add)])
        store.load([Source(builder.file, data=text.encode(), format=ox.RdfFormat.N_QUADS)])
        return WriteResult(added=len(to_add), removed=0)
    parts = []
    if to_remove:
        parts.append(f"DELETE DATA {{ {_nt(to_remove)} }}")
    if record_remove:
        parts.append(f"DELETE DATA {{ GRAPH {g} {{ {_nt(record_remove)} }} }}")
    if to_add or record_add:
        parts.append(f"INSERT DATA {{ {_nt(to_add)} GRAPH {g} {{ {_nt(record_add)} }} }}")
    store.update(" ;\n".join(parts))
    return WriteResult(added=len(to_add), removed=len(to_remove))


def _unclaimed(store: Store, graph: ox.NamedNode, triples: set[str]) -> set[str]:
    """Those of ``triples`` that no other import's record claims: neither the triple itself nor
    (by a ``cg:sourceFile``) its subject. Those another import asserts stay in the store."""
    if not triples:
        return triples
    g = f"<{graph.value}>"
    rows = " ".join(f"({t})" for t in triples)
    claimed = store.select(
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} "
        f"{{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {g}) }} UNION "
        f"{{ GRAPH ?other {{ ?s {_SOURCE_FILE} ?file }} FILTER (?other != {g}) }} }}")
    return triples - {f"{r['s']} {r['p']} {r['o']}" for r in claimed}


def _nt(triples: Iterable[str]) -> str:
    return " ".join(f"{t} ." for t in triples)



def write_output(builder: GraphBuilder, store: Store | None, output: str | None,
                 graph: ox.NamedNode) -> str:
    """Write Turtle to ``output``, or replace the source's triples in ``store``; a summary."""
    if output:
        write_file(output, builder.turtle())  # whole or not at all
        return f"wrote {len(builder)} triple(s) to {output}"
    assert store is not None
    result = replace_source(store, graph, builder)
    # The triples the views see (the default graph's); the record of where they were read is extra.
    return (f"{len(builder.triples)} triple(s) from {builder.file}: {result.added} added, {result.removed} "
            f"removed in {store.url}")
