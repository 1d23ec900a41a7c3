"""What the importers share: where a value came from (a cell such as ``Sheet1!B7`` or a YAML
path), errors that name it, the words of comgraph's vocabularies a sheet may use, stable IRIs
slugged from names, and writing one source's triples so that importing it again replaces them.

Every importer reads its whole input first and collects *all* the problems it finds; only when
there are none does anything reach the store. What it writes for one source (one sheet, one
contract) is also kept in a named graph of its own, so a later import of the same source can
take away exactly what the earlier one put in the default graph.
"""

from __future__ import annotations

import csv
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
        rows = [(i, list(values)) for i, values in enumerate(ws.iter_rows(values_only=True), start=1)]
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


def progress_rows(rows: list, label: str) -> Iterator:
    """Iterate rows, with a progress bar on a terminal when there are many."""
    if len(rows) >= PROGRESS_ROWS and sys.stderr.isatty():
        with click.progressbar(rows, label=label, file=sys.stderr) as bar:
            yield from bar
    else:
        yield from rows


# -- building and writing the graph ----------------------------------------------------------


class GraphBuilder:
    """The triples one source asserts, with each node's source recorded on it."""

    def __init__(self, file: str):
        self.file = file
        self.triples: dict[ox.Triple, None] = {}

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.triples[ox.Triple(s, p, o)] = None

    def label(self, node: ox.NamedNode, text: str) -> None:
        self.add(node, RDFS_LABEL, ox.Literal(text))

    def types(self, node: ox.NamedNode, *classes: str) -> None:
        for c in classes:
            self.add(node, RDF_TYPE, term(c))

    def literal(self, node: ox.NamedNode, p: str, value: object) -> None:
        self.add(node, term(p), to_literal(value))

    def source(self, node: ox.NamedNode, ref: object, line: int | None = None) -> None:
        """Record where ``node`` was read (validate reports findings on it there)."""
        self.add(node, cg("sourceFile"), ox.Literal(self.file))
        self.add(node, cg("sourceRef"), ox.Literal(str(ref)))
        if line is None and isinstance(ref, CellRef):
            line = ref.row
        if line is not None:
            self.add(node, cg("sourceLine"), ox.Literal(str(line), datatype=ox.NamedNode(XSD + "integer")))

    def __len__(self) -> int:
        return len(self.triples)

    def ntriples(self) -> bytes:
        return ox.serialize(list(self.triples), format=ox.RdfFormat.N_TRIPLES) or b""

    def turtle(self) -> bytes:
        used = {k: v for k, v in PREFIXES.items() if k not in ("sh", "owl", "foaf", "cgsh", "cgchk")}
        return ox.serialize(sorted(self.triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=used) or b""


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
    """The named graph that remembers what one source (a file, or one sheet of it) asserted."""
    names = [Path(file).name] + ([part] if part else [])
    return mint(relationship, "import/" + kind, *names)


@dataclass
class WriteResult:
    added: int
    removed: int


def replace_source(store: Store, graph: ox.NamedNode, builder: GraphBuilder) -> WriteResult:
    """Put ``builder``'s triples in the default graph in place of what the last import of the
    same source put there, and keep a copy in ``graph`` (the source's record).

    Only the difference is written: importing the same sheet again writes nothing, and editing
    one cell changes that cell's triples. A triple the old import asserted is taken out of the
    default graph unless another named graph (another import) asserts it too. Up to
    ``ATOMIC_LIMIT`` changed triples go in one SPARQL update, which a store applies as one
    transaction; a bigger first import is loaded as N-Quads (parsed whole before the store is
    touched) and then the few removals are applied.
    """
    old = set(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))
    new = set(builder.triples)
    to_add, to_remove = new - old, old - new
    if not to_add and not to_remove:
        return WriteResult(0, 0)
    g = f"<{graph.value}>"
    removal = ""
    if to_remove:
        rows = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in to_remove)
        removal = (f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} FILTER NOT EXISTS "
                   f"{{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {g}) }} }} ;\n"
                   f"DELETE DATA {{ GRAPH {g} {{ {_nt(to_remove)} }} }}")
    if len(to_add) + len(to_remove) <= ATOMIC_LIMIT:
        parts = [removal] if removal else []
        if to_add:
            parts.append(f"INSERT DATA {{ {_nt(to_add)} GRAPH {g} {{ {_nt(to_add)} }} }}")
        store.update(" ;\n".join(parts))
    else:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in to_add]
        quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in to_add]
        store.load([Source(builder.file, data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
                           format=ox.RdfFormat.N_QUADS)])
        if removal:
            store.update(removal)
    return WriteResult(added=len(to_add), removed=len(to_remove))


#: Changed triples that go in one SPARQL update (one transaction); more are loaded as N-Quads.
ATOMIC_LIMIT = 20000


def _nt(triples: Iterable[ox.Triple]) -> str:
    return " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


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
    types = ", ".join(f"<{term(t).value}>" for t in _AGENT_TYPES)
    rows = store.select(
        "SELECT DISTINCT ?a ?label WHERE { ?a a ?type ; <http://www.w3.org/2000/01/rdf-schema#label> ?label "
        f"FILTER (?type IN ({types})) "
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
    return store is not None and store.ask(
        f"ASK {{ <{node.value}> <{CG}sourceFile> {ox.Literal(Path(file).name)} }}")


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
    return (f"{len(builder)} triple(s) from {builder.file}: {result.added} added, {result.removed} removed "
            f"in {store.url}")


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
