"""Loading into a remote engine, all or nothing, at the engine's own speed where it allows.

``RemoteStore.load`` comes here. Every file is parsed here first (so a bad file is refused with
``FILE:LINE:COL`` before the engine sees a byte, and the count of quads is known); then one of
two ways:

* **Straight to the target** when the engine's profile says its Graph Store POST is atomic
  (``EngineProfile.atomic_graph_store_post``: Oxigraph, Fuseki, GraphDB) and every file is a
  triple format: one Graph Store POST to the target graph, streamed, never held in memory. One
  N-Triples or Turtle file goes as it is (Turtle with an ``@base`` of the file's own IRI put in
  front, on the same line, so relative IRIs resolve as they do on the embedded store); several
  files, or another format, go as one N-Triples stream made by parsing them again (blank nodes
  renamed per file, as the embedded store scopes them). One POST is one transaction on such an
  engine, so the load is all or nothing: a file that fails on the engine, or a stream cut off
  half-way (a file that changed between the check and the send), leaves the graph as it was.
* **Stage and move** otherwise (an engine whose POST may keep half a file, or quad files, whose
  several graphs no single Graph Store POST takes): each target graph is POSTed into a fresh
  staging graph, then one SPARQL update adds every staged graph to its target and drops it. The
  update is atomic on every engine; the price is that the engine copies every triple a second
  time (on the Oxigraph server, ten times the POST's own time at 1M triples).

``docs/store.md`` ("Remote load: how and what it costs") says the same for users.
"""

from __future__ import annotations

import itertools
import re
import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from comgraph.store.base import (
    GraphName,
    LoadError,
    Progress,
    QueryError,
    Source,
    StoreError,
    _ReadCounter,
    check_parses,
    load_error_from_parse_failure,
    source_base_iri,
)

#: The ``timeout`` a load gives its requests: none. An engine takes minutes to ingest a
#: large file in one POST (the Oxigraph server, 10M triples: more than the 300 s a query gets),
#: and a load is not a query that may run away; interrupt it to stop it.
LOAD_TIMEOUT = float("inf")

if TYPE_CHECKING:
    from comgraph.store.remote import RemoteStore

#: Bytes read from a file per chunk of a request body.
CHUNK = 1 << 20
#: Quads serialised at a time into an N-Triples stream or a staging spool.
BATCH = 20_000
#: Formats whose bytes mean on the engine what they mean here, so a file in them can go as it is.
_AS_IS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE)


def load(store: RemoteStore, items: list[Source], target: GraphName | None,
         progress: Progress | None) -> int:
    """Load ``items`` into ``store`` all or nothing; return how many quads they hold."""
    target = target or ox.DefaultGraph()
    count = sum(check_parses(item) for item in items)
    if not items:
        return 0
    if store.profile.atomic_graph_store_post and not any(
            item.rdf_format().supports_datasets for item in items):
        _post_straight(store, items, target, progress)
    else:
        _stage_and_move(store, items, target, progress)
    return count


# -- straight to the target -------------------------------------------------------------------

def _post_straight(store: RemoteStore, items: list[Source], target: GraphName,
                   progress: Progress | None) -> None:
    total = sum(item.size() for item in items)
    if len(items) == 1 and items[0].rdf_format() in _AS_IS:
        item = items[0]
        body = _FileBody(item, progress, total)
        media = item.rdf_format().media_type
        try:
            store._gsp("POST", target, data=body, headers={"Content-Type": media},
                       timeout=LOAD_TIMEOUT)
        except QueryError as exc:
            raise _engine_refusal(item, exc, body.prefix_length) from None
        finally:
            body.close()
        return
    # A stream cannot be rewound: when the engine answered the first send with a challenge
    # (HTTP Digest) or a redirect, requests sent it again empty, which loads nothing. Send it
    # once more, now that the authentication is primed.
    for _ in range(2):
        try:
            response = store._gsp("POST", target, data=_ntriples_stream(items, progress, total),
                                  headers={"Content-Type": "application/n-triples"},
                                  timeout=LOAD_TIMEOUT)
        except QueryError as exc:
            raise StoreError(f"the engine refused the load of {len(items)} file(s), so nothing "
                             f"of them was kept: {exc}") from None
        if not response.history:
            return
    raise StoreError(f"{store.graph_store_url} asked for the load again each time it was sent "
                     f"(HTTP {response.history[0].status_code}); if it redirects, set "
                     "COMGRAPH_GRAPH_STORE_URL to where it redirects")


class _FileBody:
    """One file as a request body of known length (sent with Content-Length, which every engine
    takes), read as the connection takes it, with ``@base <file IRI> .`` in front of a Turtle
    file that has a path."""

    def __init__(self, item: Source, progress: Progress | None, total: int):
        self._progress, self._total, self._done = progress, total, 0
        self._stream = item.open()
        base = source_base_iri(item)
        # No line break: the engine's line numbers stay the file's own.
        self._prefix = (f"@base <{base}> . ".encode()
                        if base is not None and item.rdf_format() == ox.RdfFormat.TURTLE else b"")
        self._head = self._prefix
        self.prefix_length = len(self._prefix)
        self._length = self.prefix_length + item.size()

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        chunk = self._stream.read(CHUNK if size is None or size < 0 else max(size, CHUNK))
        if self._progress is not None and chunk:
            self._done += len(chunk)
            self._progress(self._done, self._total)
        return chunk

    # requests rewinds a body it must send again (after an HTTP Digest challenge) with these.

    def tell(self) -> int:
        return self.prefix_length - len(self._head) + self._stream.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0:
            offset += self._length if whence == 2 else self.tell()
        self._head = self._prefix[offset:]
        self._stream.seek(max(offset - self.prefix_length, 0))
        self._done = self._stream.tell()
        return offset

    def close(self) -> None:
        self._stream.close()


def _ntriples_stream(items: list[Source], progress: Progress | None, total: int) -> Iterator[bytes]:
    """Every file's triples as one N-Triples stream, a batch at a time. A parse failure here
    (the file changed since it was checked) raises out of the request and cuts the body off,
    which the engine takes as a failed POST."""
    done = 0
    for item in items:
        with item.open() as raw:
            reader = _ReadCounter(raw)
            try:
                quads = ox.parse(reader, item.rdf_format(), base_iri=source_base_iri(item),
                                 rename_blank_nodes=True)
                while batch := [q.triple for q in itertools.islice(quads, BATCH)]:
                    yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
                    if progress is not None:
                        progress(done + reader.count, total)
            except (SyntaxError, MemoryError) as exc:
                raise load_error_from_parse_failure(item.name, exc, item) from None
        done += item.size()


#: Where an engine's parse error says it happened: Oxigraph ("at line 3 column 5", "between line
#: 3 column 5 and …", "at line 3 between columns 5 and 9"), Jena ("[line: 3, col: 5 ]"), RDF4J
#: ("[line 3, column 5]", "[line 3]").
_ENGINE_POSITION = (
    re.compile(r"line:? (\d+),? col(?:umn)?s?:? (\d+)", re.IGNORECASE),
    re.compile(r"line (\d+) between columns (\d+)", re.IGNORECASE),
    re.compile(r"\[line:? (\d+)\]", re.IGNORECASE),
)
_ENGINE_PREFIX = re.compile(r"^.*?refused by the engine: (?:Parser error [^:]*: )?", re.DOTALL)


def _engine_refusal(item: Source, exc: QueryError, shift: int) -> LoadError:
    """The engine's 400 for a file it was sent as it is, as ``FILE:LINE:COL: reason`` where its
    message says where (line-1 columns corrected for the ``@base`` put in front)."""
    said = str(exc)
    line = column = None
    for pattern in _ENGINE_POSITION:
        match = pattern.search(said)
        if match:
            line = int(match.group(1))
            column = int(match.group(2)) if match.lastindex and match.lastindex > 1 else None
            break
    if line == 1 and column is not None:
        column = max(column - shift, 1)
    reason = _ENGINE_PREFIX.sub("", said, count=1).strip() or said
    return LoadError(item.name, f"the engine refused the file, so nothing of it was kept: {reason}",
                     line, column)


# -- stage and move ---------------------------------------------------------------------------

def _stage_and_move(store: RemoteStore, items: list[Source], target: GraphName,
                    progress: Progress | None) -> None:
    spools: dict[GraphName, IO[bytes]] = {}
    total = sum(item.size() for item in items) if progress else 0
    done = 0
    try:
        for item in items:
            fmt = item.rdf_format()
            with item.open() as stream:
                try:
                    quads = ox.parse(stream, fmt, base_iri=source_base_iri(item), rename_blank_nodes=True)
                    while batch := list(itertools.islice(quads, BATCH)):
                        by_graph: dict[GraphName, list[ox.Triple]] = {}
                        for quad in batch:
                            dest = quad.graph_name if fmt.supports_datasets else target
                            by_graph.setdefault(dest, []).append(quad.triple)
                        for dest, triples in by_graph.items():
                            spool = spools.get(dest)
                            if spool is None:
                                spool = spools[dest] = tempfile.SpooledTemporaryFile(8 << 20)
                            ox.serialize(triples, spool, ox.RdfFormat.N_TRIPLES)
                except (SyntaxError, MemoryError) as exc:
                    raise load_error_from_parse_failure(item.name, exc, item) from None
            if progress:
                done += item.size()
                progress(done, total)
        commit_staged(store, spools)
    finally:
        for spool in spools.values():
            spool.close()


def commit_staged(store: RemoteStore, spools: dict[GraphName, IO[bytes]]) -> None:
    """POST each spool (N-Triples) into a fresh staging graph, then add every staged graph to
    its target and drop it, in one update; on any failure, take the staged graphs away."""
    staged: dict[GraphName, ox.NamedNode] = {}
    try:
        for dest, spool in spools.items():
            stage = ox.NamedNode(f"urn:comgraph:staging:{uuid.uuid4()}")
            staged[dest] = stage
            spool.seek(0)
            store._gsp("POST", stage, data=spool, headers={"Content-Type": "application/n-triples"},
                       timeout=LOAD_TIMEOUT)
        moves = " ;\n".join(
            f"ADD {stage} TO {'DEFAULT' if isinstance(dest, ox.DefaultGraph) else dest} ;\n"
            f"DROP SILENT GRAPH {stage}"
            for dest, stage in staged.items()
        )
        if moves:
            store.update(moves, timeout=LOAD_TIMEOUT)
    except BaseException:
        for stage in staged.values():
            drop_staged(store, stage)
        raise


def drop_staged(store: RemoteStore, stage: ox.NamedNode) -> None:
    """Take a staged graph away after a failed load, by update or else by the Graph Store (an
    engine that refused the update may still take a DELETE)."""
    try:
        store.update(f"DROP SILENT GRAPH {stage}")
        return
    except StoreError:
        pass
    try:
        store._gsp("DELETE", stage)
    except StoreError:
        pass


# -- shared -----------------------------------------------------------------------------------
