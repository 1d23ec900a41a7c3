"""The Store contract shared by the embedded and the remote store, and its errors."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    parse,
)

from comgraph.store.formats import format_for_path

if TYPE_CHECKING:
    from comgraph.store.engines import EngineProfile

Term = NamedNode | BlankNode | Literal | Triple
GraphName = NamedNode | DefaultGraph
#: Progress callback for long loads: (bytes read so far, total bytes).
Progress = Callable[[int, int], None]


class StoreError(Exception):
    """Something went wrong talking to a store. Messages never carry credentials."""


class StoreUnavailable(StoreError):
    """The store could not be reached or opened."""


class EngineAnswerBroken(StoreUnavailable):
    """A remote engine's answer was cut off or did not parse (an engine that reaches its own
    time limit mid-answer sends HTTP 200 and truncated results): the engine failed, not the
    query, so the service answers 503 rather than "malformed query"."""


class QueryError(StoreError):
    """The engine refused a query or update; the message carries its reason and position."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped."""


class QueryMemoryExceeded(StoreError):
    """A query needed more memory than a query may use, and was stopped."""


class LoadError(StoreError):
    """A file could not be loaded. Nothing from the whole load was kept.

    ``str()`` reads ``FILE:LINE:COL: reason`` so editors and CI logs can jump to the spot.
    """

    def __init__(self, source: str, reason: str, line: int | None = None, column: int | None = None):
        self.source = source
        # One line, whatever the parser quoted from the input: CLI errors and logs are one line.
        self.reason = reason.replace("\r", "\\r").replace("\n", "\\n")
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"


_POSITION = re.compile(r"^Parser error (?:at|between) line \d+ column \d+(?: and line \d+ column \d+)?: ")


def load_error_from_syntax_error(source: str, error: SyntaxError, item: Source | None = None) -> LoadError:
    """Turn pyoxigraph's parser SyntaxError into a LoadError that names the spot.

    pyoxigraph's RDF/XML parser gives no position, so for RDF/XML the XML itself is read again
    with expat, which does: an error in the XML gets its line and column; an error in the RDF
    reading of well-formed XML is said to have no position rather than left without one.
    """
    reason = _POSITION.sub("", str(error.msg or error))
    if error.lineno is None and item is not None and item.format_is(RdfFormat.RDF_XML):
        line, column = _xml_error_position(item)
        if line is None:
            return LoadError(source, f"{reason} (the RDF/XML parser gives no position)")
        return LoadError(source, reason, line, column)
    return LoadError(source, reason, error.lineno, error.offset)


#: pyoxigraph's parsers hold at most this much of one term (a literal, IRI, comment) at once and
#: raise MemoryError("Reached the buffer maximal size of N") past it.
_BUFFER_FULL = re.compile(r"Reached the buffer maximal size of (\d+)")


def load_error_from_parse_failure(source: str, error: BaseException, item: Source | None = None) -> LoadError:
    """Turn whatever pyoxigraph's parser raised on bad input into a LoadError naming the spot.

    Besides SyntaxError, the parser raises MemoryError for a term longer than its buffer (16
    MiB), with no position. That one is found again here, from how far the parser had read.
    Anything else (a real out-of-memory among them) is raised again unchanged.
    """
    if isinstance(error, SyntaxError):
        return load_error_from_syntax_error(source, error, item)
    match = _BUFFER_FULL.search(str(error)) if isinstance(error, MemoryError) else None
    if match is None:
        raise error
    limit = int(match.group(1))
    size = f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit} bytes"
    line = column = kind = None
    if item is not None:
        line, column, kind = _oversized_term(item, limit)
    what = f"this {kind}" if kind else "a term"
    reason = (f"{what} is longer than {size}, the most the RDF parser takes in one piece; "
              "split it or keep it outside the graph")
    if line is None:
        reason += " (the parser gives no position for this format)"
    return LoadError(source, reason, line, column)


def source_base_iri(item: Source) -> str | None:
    """The base IRI a file's relative IRIs resolve against: the file's own ``file:`` IRI."""
    return item.path.resolve().as_uri() if item.path is not None else None


def check_parses(item: Source) -> int:
    """Parse a source without storing it; return how many quads it holds (LoadError, with the
    place, when it does not parse)."""
    count = 0
    with item.open() as stream:
        try:
            for _ in parse(stream, item.rdf_format(), base_iri=source_base_iri(item)):
                count += 1
        except (SyntaxError, MemoryError) as exc:
            raise load_error_from_parse_failure(item.name, exc, item) from None
    return count


class _ReadCounter:
    """A binary reader that counts the bytes read through it."""

    def __init__(self, raw: IO[bytes]):
        self.raw, self.count = raw, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.count += len(chunk)
        return chunk


# Just enough of the Turtle family's lexical grammar to step from one term to the next; used
# only to find where an oversized term starts.
_TERM = re.compile(b"|".join([
    rb"[ \t\r\n]+",
    rb"#[^\r\n]*",
    rb"<[^<>\r\n]*>",
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""',
    rb"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''",
    rb'"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"',
    rb"'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'",
    rb"[^ \t\r\n\"'<#]+",
]), re.DOTALL)
_KINDS = {ord('"'): "literal", ord("'"): "literal", ord("<"): "IRI", ord("#"): "comment"}


def _oversized_term(item: Source, limit: int) -> tuple[int | None, int | None, str | None]:
    """Line, column (in characters, as the parser counts) and kind of the first term that does
    not fit the parser's buffer.

    The parser's buffer starts at a term boundary (in practice the start of that term's line)
    and had grown to ``limit`` bytes when it gave up, so the term starts in the last ``limit``
    bytes read; stepping over whole terms from there finds the one still open at the end.
    """
    line_formats = (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N_TRIPLES, RdfFormat.N_QUADS,
                    RdfFormat.N3)
    try:
        fmt = item.rdf_format()
    except LoadError:
        return None, None, None
    if fmt not in line_formats:
        return None, None, None
    with item.open() as raw:
        counter = _ReadCounter(raw)
        try:
            for _ in _parse(counter, fmt):
                pass
            return None, None, None
        except MemoryError:
            reached = counter.count
        except SyntaxError:
            return None, None, None
    start = max(reached - limit, 0)
    with item.open() as raw:
        newlines, line_head, done = 0, b"", 0
        while done < start:
            chunk = raw.read(min(1 << 20, start - done))
            if not chunk:
                break
            done += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk.rfind(b"\n")
            line_head = chunk[last + 1:] if last >= 0 else line_head + chunk
        window = raw.read(reached - done)
    pos = 0
    while pos < len(window):
        match = _TERM.match(window, pos)
        if match is None or match.end() >= len(window):
            break
        pos = match.end()
    before = window[:pos]
    last = before.rfind(b"\n")
    if last >= 0:
        line_head = before[last + 1:]
    else:
        line_head += before
    column = len(line_head.decode("utf-8", errors="replace")) + 1
    kind = _KINDS.get(window[pos]) if pos < len(window) else None
    return newlines + before.count(b"\n") + 1, column, kind or "term"


def _parse(stream: _ReadCounter, fmt: RdfFormat) -> Iterator[Any]:
    # Any base will do: only how far the parser reads matters here.
    return parse(stream, fmt, base_iri="http://comgraph.invalid/")


def _xml_error_position(item: Source) -> tuple[int | None, int | None]:
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        with item.open() as stream:
            parser.ParseFile(stream)
    except xml.parsers.expat.ExpatError as exc:
        return exc.lineno, exc.offset + 1
    return None, None


@dataclass(frozen=True)
class Source:
    """One thing to load: a file on disk, or bytes with a name to report errors against."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    format: RdfFormat | None = None

    @classmethod
    def coerce(cls, item: Source | str | Path, format: RdfFormat | None = None) -> Source:
        if isinstance(item, Source):
            return item if item.format or not format else cls(item.name, item.path, item.data, format)
        path = Path(item)
        return cls(name=str(item), path=path, format=format)

    def format_is(self, fmt: RdfFormat) -> bool:
        try:
            return self.rdf_format() == fmt
        except LoadError:
            return False

    def rdf_format(self) -> RdfFormat:
        if self.format is not None:
            return self.format
        try:
            return format_for_path(self.path if self.path is not None else self.name)
        except ValueError as exc:
            raise LoadError(self.name, str(exc).split(": ", 1)[-1]) from None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def open(self) -> IO[bytes]:
        import io

        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise LoadError(self.name, exc.strerror or str(exc)) from None


class TripleResults(Protocol):
    """What a CONSTRUCT or DESCRIBE answers on any store (pyoxigraph's QueryTriples fits)."""

    def __iter__(self) -> Iterator[Triple]: ...

    def serialize(self, output: Any = None, format: RdfFormat = ...) -> bytes | None: ...


QueryResult = QuerySolutions | QueryBoolean | QueryTriples | TripleResults


class Store(ABC):
    """One graph store. Both implementations pass the same contract test suite.

    The contract is about data: query, update, load, dump, list graphs, and the version and
    lifetime of what a store holds. How a store evaluates a query (in this process, in a child,
    on a remote engine) is its own business.
    """

    #: The store URL with any secret removed; safe to print and log.
    url: str

    #: Whether the data lives in this process, so reading all of it (for pySHACL, or for a
    #: private copy to reason over) is cheap and sends nothing anywhere.
    holds_data_in_process: bool = False

    #: How this store's engine differs from plain SPARQL 1.1 (``comgraph.store.engines``);
    #: a remote store sets its own, the embedded store is Oxigraph.
    @property
    def profile(self) -> EngineProfile:
        from comgraph.store.engines import EMBEDDED

        return EMBEDDED

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        timeout: float | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query and return streaming results.

        ``bindings`` pre-binds variables (by name, without ``?``) to RDF terms before evaluation:
        each occurrence of the variable is replaced by the term as pyoxigraph serialises it
        (``comgraph.store.bindings``), the same on every store; user text is never pasted into
        the query. The portable date functions (``cgfn:addDays``, ``cgfn:addMonths``) are then
        written in this store's own form (``comgraph.portability.render`` with the profile's
        ``date_dialect``). ``default_graph`` and ``named_graphs`` set the RDF dataset, as the
        Protocol's ``default-graph-uri`` and ``named-graph-uri`` do. Raises QueryError on a
        malformed query and QueryTimeout when the time limit (seconds) is reached.
        """
        # Imported here: the bindings module builds on this one.
        from comgraph.portability import PortabilityError, render
        from comgraph.store.bindings import bind_terms

        if bindings:
            sparql = bind_terms(sparql, bindings)
        try:
            sparql = render(sparql, self.profile.date_dialect)
        except PortabilityError as exc:
            raise QueryError(str(exc)) from None
        return self._evaluate(sparql, timeout, default_graph, named_graphs, base_iri)

    @abstractmethod
    def _evaluate(self, sparql: str, timeout: float | None, default_graph: Sequence[GraphName] | None,
                  named_graphs: Sequence[NamedNode] | None, base_iri: str | None) -> QueryResult:
        """The store's own evaluation of a query whose parameters are already bound."""

    @abstractmethod
    def update(self, sparql: str, *, timeout: float | None = None, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update request, all of it or none of it."""

    def load(
        self,
        sources: Iterable[Source | str | Path],
        *,
        graph: NamedNode | str | None = None,
        format: RdfFormat | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Load files or bytes, all or nothing, and return how many quads were added (or read).

        Triples go into ``graph`` (the default graph when None); quad formats keep their own
        graphs, so ``graph`` with a quad format is refused. If any source fails to parse, the
        store is left exactly as it was and a LoadError names the source, line and column.
        """
        items = [Source.coerce(s, format) for s in sources]
        target = as_graph_name(graph)
        for item in items:
            if isinstance(target, NamedNode) and item.rdf_format().supports_datasets:
                raise LoadError(item.name, f"--graph applies to triple formats only; "
                                           f"{item.rdf_format().name} names its own graphs")
        return self._load(items, target, progress)

    @abstractmethod
    def _load(self, items: list[Source], target: GraphName | None, progress: Progress | None) -> int:
        """The store's own all-or-nothing load of sources already checked against ``target``."""

    @abstractmethod
    def dump(self, output: IO[bytes], format: RdfFormat, *, graph: GraphName | str | None = None) -> None:
        """Write the store out. With no graph: the whole dataset in a quad format, or the
        default graph in a triple format."""

    @abstractmethod
    def graphs(self) -> list[NamedNode]:
        """The named graphs that hold at least one triple, sorted by IRI."""

    def limit_query_memory(self, megabytes: int | None) -> None:  # noqa: B027 - optional hook
        """Cap the memory each timed query may allocate (MB; 0 for no cap, None for the store's
        default). Only stores that evaluate queries in processes of their own can; others
        ignore it."""

    def version(self) -> int | None:
        """A number that changes whenever this process writes to the store, so callers can cache
        what they derive from it; None when the store cannot tell (others may write to it)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing to release
        """Release what the store holds (files, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Conveniences built only on the contract, so every store has them for free.

    def ask(self, sparql: str, **kwargs: Any) -> bool:
        result = self.query(sparql, **kwargs)
        if not isinstance(result, QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Term]]:
        """Run a SELECT and return its rows as dicts (for small results; stream big ones)."""
        result = self.query(sparql, **kwargs)
        if not hasattr(result, "variables"):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in result]

    def triple_count(self) -> int:
        """Triples in the default graph and every named graph."""
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )
        return int(rows[0]["n"].value)


def as_graph_name(graph: NamedNode | DefaultGraph | str | None) -> NamedNode | DefaultGraph | None:
    """Accept a graph given as an IRI string, a term, ``"default"`` or None."""
    if graph is None or isinstance(graph, (NamedNode, DefaultGraph)):
        return graph
    if graph == "default":
        return DefaultGraph()
    try:
        return NamedNode(graph)
    except ValueError as exc:
        raise ValueError(f"graph: {graph!r} is not an absolute IRI ({exc})") from None


RESULTS_JSON = QueryResultsFormat.JSON
