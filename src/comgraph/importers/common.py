"""What the importers share: where a value came from (a cell such as ``Sheet1!B7`` or a YAML
path), errors that name it, the words of comgraph's vocabularies a sheet may use, stable IRIs
slugged from names, and writing one source's triples so that importing it again replaces them.

Every importer reads its whole input first and collects *all* the problems it finds; only when
there are none does anything reach the store. What it writes for one source (one sheet, one
contract) goes in the default graph, and a record of it in a named graph of the source's own:
where each node it wrote about was read (which also says the node is the source's), and the few
triples it asserted about other nodes. A later import of the same source reads that record to
take away exactly what the earlier one put in the default graph.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import click
import pyoxigraph as ox
from openpyxl.utils import get_column_letter
from slugify import slugify

from comgraph.namespaces import PREFIXES
from comgraph.store import Source, Store

CG = PREFIXES["cg"]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
XSD = PREFIXES["xsd"]

#: Rows above which a terminal gets a progress bar.
PROGRESS_ROWS = 2000


def cg(local: str) -> ox.NamedNode:
    return ox.NamedNode(CG + local)


def term(prefixed: str) -> ox.NamedNode:
    prefix, _, local = prefixed.partition(":")
    return ox.NamedNode(PREFIXES[prefix] + local)


# -- where a value came from -----------------------------------------------------------------


@dataclass(frozen=True)
class CellRef:
    """A cell of a sheet, 1-based: ``CellRef("Sheet1", 7, 2)`` reads ``Sheet1!B7``."""

    sheet: str
    row: int
    column: int

    def __str__(self) -> str:
        return f"{_quoted_sheet(self.sheet)}!{get_column_letter(self.column)}{self.row}"


def _quoted_sheet(name: str) -> str:
    # As spreadsheet formulas write it: a sheet name with spaces or punctuation is quoted.
    return name if re.fullmatch(r"\w+", name) else "'" + name.replace("'", "''") + "'"


def row_ref(sheet: str, row: int) -> str:
    """A whole row in A1 notation, ``Sheet1!1:1``."""
    return f"{_quoted_sheet(sheet)}!{row}:{row}"


@dataclass(frozen=True)
class Problem:
    """One thing in the input that cannot be read, where it is and what was expected."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportFailed(Exception):
    """The input cannot be imported; nothing was written. Carries every problem found."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}:{p}" for p in self.problems]
        n = len(self.problems)
        lines.append(f"{n} error{'s' if n != 1 else ''} in {self.file}; nothing was imported")
        return "\n".join(lines)


class Problems:
    """Collects problems as a reader goes, so one run reports all of them."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: object, message: str) -> None:
        self.items.append(Problem(str(where), message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFailed(self.file, self.items)


# -- names, slugs and IRIs -------------------------------------------------------------------


def clean(text: object) -> str:
    """A cell's text as a name: Unicode NFC, spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def match_key(text: str) -> str:
    """How names are compared: case and spacing do not matter, accents do."""
    return clean(text).casefold().replace("-", " ").replace("_", " ")


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """A stable, readable IRI segment: ``Clínica São José`` -> ``clínica-são-josé``. IRIs may
    hold any Unicode letter, so names in any script keep their identity."""
    return slugify(clean(text), allow_unicode=True) or "x" + uuid.uuid5(uuid.NAMESPACE_URL, text).hex[:8]


def mint(base: ox.NamedNode | str, kind: str, *names: str) -> ox.NamedNode:
    """An IRI derived from a base (the relationship) and names, the same on every import."""
    root = base.value if isinstance(base, ox.NamedNode) else base
    return ox.NamedNode(root.rstrip("/#") + "/" + kind + "/" + "/".join(slug(n) for n in names))


def relationship_iri_for(file: str) -> ox.NamedNode:
    """The IRI of a relationship created for a file imported into an empty store."""
    return ox.NamedNode("urn:comgraph:relationship:" + slug(Path(file).stem))


# -- vocabularies ----------------------------------------------------------------------------


@dataclass
class Scheme:
    """The concepts of one SKOS scheme, findable by label, notation or local name."""

    name: str
    by_key: dict[str, ox.NamedNode] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    def find(self, text: str) -> ox.NamedNode | None:
        return self.by_key.get(match_key(text))

    def expected(self) -> str:
        return ", ".join(self.labels)

    def read(self, value: object, where: object, problems: Problems, what: str) -> ox.NamedNode | None:
        """The concept a cell names, or None with a problem at ``where`` saying what was expected."""
        found = self.find(str(value))
        if found is None:
            problems.add(where, f"unknown {what} {clean(value)!r}: expected one of {self.expected()}")
        return found


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Scheme]:
    """comgraph's code lists (processes, RACI codes, stakeholder roles, ...) from
    ``ontology/vocab``, keyed by the scheme's last path segment (``process``, ``raci``...)."""
    from comgraph.paths import ontology_dir

    skos = PREFIXES["skos"]
    schemes: dict[str, Scheme] = {}
    for path in sorted((ontology_dir() / "vocab").glob("*.ttl")):
        facts: dict[str, dict[str, list[str]]] = {}
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(t.subject, ox.NamedNode):
                facts.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
        for iri, props in facts.items():
            scheme_iri = (props.get(skos + "inScheme") or [None])[0]
            if scheme_iri is None:
                continue
            scheme = schemes.setdefault(scheme_iri.rsplit("/", 1)[-1], Scheme(scheme_iri.rsplit("/", 1)[-1]))
            node = ox.NamedNode(iri)
            pref = (props.get(skos + "prefLabel") or [iri.rsplit("/", 1)[-1]])[0]
            scheme.labels.append(pref.lower())
            keys = [pref, *props.get(PREFIXES["rdfs"] + "label", []), *props.get(skos + "notation", []),
                    iri.rsplit("/", 1)[-1], re.sub(r"(?<!^)(?=[A-Z])", " ", iri.rsplit("/", 1)[-1])]
            for k in keys:
                scheme.by_key.setdefault(match_key(k), node)
    return schemes


# -- reading tables: CSV and XLSX ------------------------------------------------------------


@dataclass
class Table:
    """The cells of one sheet as rows of values, with the row numbers they had."""

    file: str
    sheet: str
    rows: list[tuple[int, list[object]]]

    def cell(self, row: int, column: int) -> CellRef:
        return CellRef(self.sheet, row, column)


def read_table(path: str | Path, sheet: str | None = None) -> Table:
    """Read a CSV file or one sheet of an XLSX workbook (the first unless ``sheet`` is given)."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFailed(name, [Problem("", f"no such file: {path}")])
    if suffix in (".csv", ".tsv", ".txt"):
        if sheet:
            raise ImportFailed(name, [Problem("", "--sheet is for .xlsx workbooks; a CSV file has one "
                                                  "sheet")])
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    what = suffix or "a file without an extension"
    raise ImportFailed(name, [Problem("", f"expected a .csv or .xlsx file, not {what}")])


def _read_csv(path: Path) -> Table:
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed(name, [Problem(f"{path.stem}!{line}:{line}",
                                          "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    sheet = path.stem
    rows: list[tuple[int, list[object]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for values in reader:
            rows.append((reader.line_num, list(values)))
    except csv.Error as exc:
        raise ImportFailed(name, [Problem(f"{sheet}!{reader.line_num}:{reader.line_num}",
                                          f"not readable as CSV: {exc}")]) from None
    # A quoted cell can span lines; the row number is the record's, which is what a
    # spreadsheet shows when it opens the file.
    return Table(name, sheet, [(i, values) for i, (_, values) in enumerate(rows, start=1)])


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(name, [Problem("", f"not a readable Excel workbook (.xlsx): {exc}")]) from None
    try:
        if sheet is None:
            ws = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            ws = workbook[sheet]
        else:
            raise ImportFailed(name, [Problem("", f"no sheet named {sheet!r}; the workbook has "
                                              + ", ".join(repr(s) for s in workbook.sheetnames))])
        rows = [(i, list(values)) for i, values in
                enumerate(progress_rows(ws.iter_rows(values_only=True), f"reading {name}", ws.max_row),
                          start=1)]
        return Table(name, ws.title, rows)
    finally:
        workbook.close()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str | None:
    """A cell's text, or None when the cell holds something else (a number, a date)."""
    if isinstance(value, str):
        return value
    return None


def as_date(value: object) -> date | None:
    """A cell's date: an Excel date, or text written YYYY-MM-DD."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def progress_rows(rows: Iterable, label: str, length: int | None = None) -> Iterator:
    """Iterate rows, with a progress bar on standard error when it is a terminal and there are
    many (``length``, for an iterator, as the sheet says it; nothing on a pipe or in a log)."""
    length = len(rows) if length is None and hasattr(rows, "__len__") else length
    if length is not None and length >= PROGRESS_ROWS and sys.stderr.isatty():
        with click.progressbar(rows, length=length, label=label, file=sys.stderr) as bar:
            yield from bar
    else:
        yield from rows


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


# -- what is in the store already ------------------------------------------------------------


def relationships(store: Store) -> list[ox.NamedNode]:
    rows = store.select(f"SELECT DISTINCT ?r WHERE {{ ?r a <{CG}Relationship> }} ORDER BY ?r")
    return [r["r"] for r in rows if isinstance(r.get("r"), ox.NamedNode)]


def pick_relationship(store: Store | None, given: str | None, file: str) -> tuple[ox.NamedNode, bool]:
    """The relationship an import joins, and whether it must be created: ``--relationship``,
    else the store's only relationship, else (empty store) a new one named after the file."""
    known = relationships(store) if store is not None else []
    if given:
        try:
            node = ox.NamedNode(given)
        except ValueError as exc:
            raise ImportFailed(Path(file).name, [Problem("--relationship", f"not an absolute IRI: {exc}")]) \
                from None
        return node, node not in known
    if len(known) == 1:
        return known[0], False
    if not known:
        return relationship_iri_for(file), True
    raise ImportFailed(Path(file).name, [Problem(
        "--relationship", "the store holds several relationships; choose one: " +
        ", ".join(r.value for r in known))])


def relationship_dates(store: Store | None, relationship: ox.NamedNode) -> tuple[date | None, date | None]:
    if store is None:
        return None, None
    rows = store.select(
        f"SELECT ?start ?end WHERE {{ OPTIONAL {{ <{relationship.value}> <{CG}startDate> ?start }} "
        f"OPTIONAL {{ <{relationship.value}> <{CG}endDate> ?end }} }}")
    row = rows[0] if rows else {}

    def get(key: str) -> date | None:
        try:
            return date.fromisoformat(row[key].value) if key in row else None
        except ValueError:
            return None

    return get("start"), get("end")


_AGENT_TYPES = ("cg:Stakeholder", "prov:Agent", "prov:Organization", "prov:Person", "org:Organization",
                "org:FormalOrganization", "org:OrganizationalUnit")


def agents_by_label(store: Store | None) -> dict[str, list[ox.NamedNode]]:
    """Every organisation, unit or person in the store by the match key of its label (the
    relationship and its team are organisations too, but never parties)."""
    if store is None:
        return {}
    types = " ".join(f"<{term(t).value}>" for t in _AGENT_TYPES)
    # VALUES, not FILTER IN: the store then looks up each type rather than every typed node
    # (a large import has hundreds of thousands).
    rows = store.select(
        f"SELECT DISTINCT ?a ?label WHERE {{ VALUES ?type {{ {types} }} ?a a ?type ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label "
        f"FILTER NOT EXISTS {{ ?a a <{CG}Relationship> }} "
        f"FILTER NOT EXISTS {{ ?a a <{CG}CoManagementTeam> }} }}")
    found: dict[str, list[ox.NamedNode]] = {}
    for r in rows:
        if isinstance(r["a"], ox.NamedNode):
            bucket = found.setdefault(match_key(r["label"].value), [])
            if r["a"] not in bucket:
                bucket.append(r["a"])
    return found


def memberships(store: Store | None, relationship: ox.NamedNode) -> dict[tuple[str, str], set[str]]:
    """(member IRI, stakeholder role IRI) -> the memberships that say so, in the relationship."""
    if store is None:
        return {}
    rows = store.select(
        f"SELECT ?x ?m ?role WHERE {{ ?x <http://www.w3.org/ns/org#organization> <{relationship.value}> ; "
        "<http://www.w3.org/ns/org#member> ?m ; <http://www.w3.org/ns/org#role> ?role }")
    found: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        found.setdefault((r["m"].value, r["role"].value), set()).add(r["x"].value)
    return found


def client_of(store: Store | None, relationship: ox.NamedNode) -> ox.NamedNode | None:
    if store is None:
        return None
    rows = store.select(f"SELECT ?c WHERE {{ <{relationship.value}> <{CG}client> ?c }}")
    return rows[0]["c"] if rows else None


def imported_from(store: Store | None, node: ox.NamedNode, file: str) -> bool:
    """Whether ``node`` was made by an earlier import of ``file`` (which must then assert it again,
    or the re-import would take it away)."""
    if store is None:
        return False
    claim = f"<{node.value}> <{CG}sourceFile> {ox.Literal(Path(file).name)}"
    return store.ask(f"ASK {{ {{ GRAPH ?g {{ {claim} }} }} UNION {{ {claim} }} }}")


@dataclass
class Parties:
    """Resolves party names (with an optional ``[kind]``) to stakeholders: a party already in
    the store is matched by its label; any other is minted under the relationship."""

    store: Store | None
    relationship: ox.NamedNode
    builder: GraphBuilder
    start: date | None
    created_relationship: bool
    known: dict[str, list[ox.NamedNode]] = field(init=False)
    members: dict[tuple[str, str], set[str]] = field(init=False)
    client: ox.NamedNode | None = field(init=False)

    def __post_init__(self) -> None:
        self.known = agents_by_label(self.store)
        self.members = memberships(self.store, self.relationship)
        self.client = client_of(self.store, self.relationship)

    def resolve(self, text: str, where: object, problems: Problems) -> ox.NamedNode | None:
        name, kind_text = split_kind(text)
        if not name:
            problems.add(where, "empty party name: expected a name such as "
                         "'MedIT Prime Ltd [prime contractor]'")
            return None
        kind = None
        if kind_text is not None:
            kind = vocabulary()["stakeholder-role"].find(kind_text)
            if kind is None:
                problems.add(where, f"unknown kind of party [{kind_text}]: expected one of "
                             + vocabulary()["stakeholder-role"].expected())
                return None
        key = match_key(name)
        minted = mint(self.relationship, "party", name)
        matches = self.known.get(key, [])
        if len(matches) > 1 and minted not in matches:
            problems.add(where, f"party {name!r} matches several parties in the store: "
                         + ", ".join(m.value for m in matches))
            return None
        node = matches[0] if len(matches) == 1 and minted not in matches else minted
        if node == minted:
            # Ours (new, or made by an earlier import): asserted again, so re-imports keep it.
            self.builder.types(node, "cg:Stakeholder", "org:Organization", "prov:Organization")
            self.builder.label(node, name)
            self.builder.source(node, where)
        membership = mint(self.relationship, "membership", name, kind.value.rsplit("/", 1)[-1]) \
            if kind is not None else None
        # A membership with this role that someone else wrote is left alone; ours is stated again.
        if membership is not None and membership.value in self.members.get((node.value, kind.value),
                                                                            {membership.value}):
            self.builder.types(membership, "org:Membership")
            self.builder.label(membership, f"{name} as {vocab_label(kind)}")
            self.builder.add(membership, term("org:member"), node)
            self.builder.add(membership, term("org:organization"), self.relationship)
            self.builder.add(membership, term("org:role"), kind)
            if self.start is not None:
                self.builder.literal(membership, "cg:startDate", self.start)
            self.builder.source(membership, where)
        if kind is not None and kind.value.endswith("/company") and self.client in (None, node):
            self.builder.add(self.relationship, cg("client"), node)
            self.client = node
        return node


def vocab_label(concept: ox.NamedNode) -> str:
    for scheme in vocabulary().values():
        for key, node in scheme.by_key.items():
            if node == concept and key in scheme.labels:
                return key
    return concept.value.rsplit("/", 1)[-1]


_KIND = re.compile(r"^(?P<name>.*?)\s*\[(?P<kind>[^\[\]]*)\]\s*$", re.DOTALL)


def split_kind(text: str) -> tuple[str, str | None]:
    """``MedIT Prime Ltd [prime contractor]`` -> (``MedIT Prime Ltd``, ``prime contractor``)."""
    m = _KIND.match(text)
    if m:
        return clean(m.group("name")), clean(m.group("kind"))
    return clean(text), None


def new_relationship(builder: GraphBuilder, relationship: ox.NamedNode, label: str, start: date | None,
                     where: object) -> None:
    builder.types(relationship, "cg:Relationship", "org:OrganizationalCollaboration", "org:Organization")
    builder.label(relationship, label)
    if start is not None:
        builder.literal(relationship, "cg:startDate", start)
    builder.source(relationship, where)


def write_output(builder: GraphBuilder, store: Store | None, output: str | None,
                 graph: ox.NamedNode) -> str:
    """Write Turtle to ``output``, or replace the source's triples in ``store``; a summary."""
    if output:
        Path(output).write_bytes(builder.turtle())
        return f"wrote {len(builder)} triple(s) to {output}"
    assert store is not None
    result = replace_source(store, graph, builder)
    # The triples the views see (the default graph's); the record of where they were read is extra.
    return (f"{len(builder.triples)} triple(s) from {builder.file}: {result.added} added, {result.removed} "
            f"removed in {store.url}")


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
