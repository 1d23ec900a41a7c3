"""A real parse of a SPARQL operation, in helper processes: bounded in time and depth, and safe
however many requests ask at once.

The SPARQL service decides what it refuses (SERVICE, LOAD, FROM on a graph it does not hold,
nesting deeper than an engine's stack survives) from the parse tree of the operation, never from
a scan of its text: a scanner is fooled by what SPARQL allows (``e:a\\#`` is a prefixed name, not
a comment; ``e:a\\'`` is not a string). pyoxigraph exposes no parser, so the parse is rdflib's
(the user's named library), which is

* not safe across threads: concurrent parses raise bogus errors and leave the parser broken for
  the rest of the process;
* slow on big inputs, and recursive: a few dozen nested groups overflow Python's default limit.

So each parse runs in a helper process of its own (``python -m comgraph.sparql_parse``), one
operation at a time, on a thread with a large stack and a recursion limit sized for
:data:`MAX_NESTING` levels. A helper that is still parsing at the caller's deadline is killed, so
the parse is inside the operation's time limit. Helpers are kept and reused, a few per process.

A parse that fails is a refusal: if rdflib cannot read an operation, the service does not run it
(it cannot know what the operation would reach). The wire format between the caller and a helper
is one JSON object per line.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

#: The deepest nesting of groups (``{ }``), sub-queries, brackets (``( )``) and blank-node lists
#: (``[ ]``) accepted. The Oxigraph server's stack overflows (and the server aborts) near 1,000
#: nested groups; real queries stay far below 100.
MAX_NESTING = 100

#: Python frames rdflib's parser (pyparsing) needs per nesting level, measured (rdflib 7):
#: about 26 for a group, 37 for a bracket, 13 for a blank-node list; plus what a flat query needs.
_FRAMES_PER_LEVEL = 40
_BASE_FRAMES = 400
_STACK_BYTES = 512 << 20


class ParseRefused(Exception):
    """The operation could not be parsed (``kind`` "syntax"), is nested too deeply ("depth"),
    was not parsed before the deadline ("time"), or no parser could be started ("unavailable":
    the server's fault, not the operation's)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Outline:
    """What the service needs to know of a parsed operation."""

    services: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()
    from_default: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    depth: int = 0


# -- the helper process ----------------------------------------------------------------------


def _outline(text: str, update: bool, base: str | None) -> dict[str, Any]:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        return {"refused": "syntax", "message": f"line {exc.lineno}, column {exc.col}: {exc.msg}"}
    except RecursionError:
        return {"refused": "depth", "message": _too_deep()}
    except Exception as exc:  # noqa: BLE001 - rdflib raises assorted errors on odd input
        return {"refused": "syntax", "message": str(exc) or type(exc).__name__}
    services: list[str] = []
    loads: list[str] = []
    depth = 0
    for node, level in _walk(tree):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            services.append(_term_text(node.get("term")))
        elif name == "Load":
            loads.append(_term_text(node.get("iri")))
        depth = max(depth, level)
    if depth > MAX_NESTING:
        return {"refused": "depth", "message": _too_deep()}
    from_default: list[str] = []
    from_named: list[str] = []
    if not update:
        try:
            prologue = translatePrologue(tree[0], base)
            clauses = [c for c in (tree[1].get("datasetClause") or []) if isinstance(c, dict)]
            for clause in clauses:
                if "named" in clause:
                    from_named.append(str(prologue.absolutize(clause["named"])))
                else:
                    from_default.append(str(prologue.absolutize(clause["default"])))
        except Exception as exc:  # noqa: BLE001 - an undeclared prefix, say
            return {"refused": "syntax", "message": str(exc) or type(exc).__name__}
    return {"services": services, "loads": loads, "from_default": from_default,
            "from_named": from_named, "depth": depth}


def _too_deep() -> str:
    return (f"the operation is nested more than {MAX_NESTING} levels deep (groups, sub-queries, "
            "brackets or blank-node lists); this service refuses deeper nesting, which can "
            "overflow an engine's stack")


_NESTING_NODES = {"GroupGraphPatternSub", "SubSelect"}


def _walk(tree: Any) -> Iterator[tuple[Any, int]]:
    """Every dict node of rdflib's parse tree (CompValues are dicts, ParseResults are lists),
    with how many groups and sub-queries enclose it."""
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            if getattr(item, "name", None) in _NESTING_NODES:
                level += 1
            yield item, level
            stack.extend((value, level) for value in item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend((value, level) for value in item)


def _term_text(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, dict) and "prefix" in term:  # a prefixed name, unexpanded
        return f"{term.get('prefix') or ''}:{term.get('localname') or ''}"
    return str(term)


def _serve(requests: IO[str], answers: IO[str]) -> None:
    for line in requests:
        job = json.loads(line)
        try:
            result = _outline(job["text"], job["update"], job.get("base"))
        except RecursionError:
            result = {"refused": "depth", "message": _too_deep()}
        answers.write(json.dumps(result) + "\n")
        answers.flush()


def main() -> None:
    """The helper's loop: one JSON request per line on stdin, one JSON answer per line out."""
    sys.setrecursionlimit(_BASE_FRAMES + _FRAMES_PER_LEVEL * MAX_NESTING)
    threading.stack_size(_STACK_BYTES)
    requests = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)
    answers = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    sys.stdout = sys.stderr  # nothing else may write to the answer pipe
    worker = threading.Thread(target=_serve, args=(requests, answers), name="sparql-parse")
    worker.start()
    worker.join()


# -- the caller's side -----------------------------------------------------------------------


class _Helper:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "comgraph.sparql_parse"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            bufsize=1, close_fds=True, start_new_session=True)
        self.pid = os.getpid()

    def ask(self, job: dict[str, Any], deadline: float) -> dict[str, Any] | None:
        """The answer, or None when the deadline passed first (the helper is then killed)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([self.process.stdout], [], [], max(remaining, 0))
        if not ready:
            self.kill()
            return None
        line = self.process.stdout.readline()
        if not line:
            raise EOFError
        return json.loads(line)

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


class ParserPool:
    """Up to ``size`` helper processes per process, started on first use and reused."""

    def __init__(self, size: int = 2):
        self.size = max(1, size)
        self._lock = threading.Condition()
        self._idle: list[_Helper] = []
        self._running = 0
        self._pid = os.getpid()

    def outline(self, text: str, *, update: bool, deadline: float, base: str | None = None) -> Outline:
        """Parse ``text`` (a query, or an update) and say what it reaches; raise ParseRefused."""
        helper = self._checkout(deadline)
        try:
            answer = helper.ask({"text": text, "update": update, "base": base}, deadline)
        except (OSError, EOFError, ValueError):
            helper.kill()
            self._release(None)
            raise ParseRefused("syntax", "the parser process ended without an answer") from None
        if answer is None:
            self._release(None)
            raise ParseRefused("time", "the operation was not parsed within its time limit (it is "
                                       "too large or too complex to check)")
        self._release(helper)
        if "refused" in answer:
            raise ParseRefused(answer["refused"], answer["message"])
        return Outline(tuple(answer["services"]), tuple(answer["loads"]),
                       tuple(answer["from_default"]), tuple(answer["from_named"]), answer["depth"])

    def _checkout(self, deadline: float) -> _Helper:
        with self._lock:
            if self._pid != os.getpid():  # forked: the helpers belong to the parent
                self._idle, self._running, self._pid = [], 0, os.getpid()
            while True:
                while self._idle:
                    helper = self._idle.pop()
                    if helper.process.poll() is None:
                        return helper
                    self._running -= 1
                if self._running < self.size:
                    self._running += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ParseRefused("time", "the operation was not parsed within its time "
                                               "limit: every parser was busy")
                self._lock.wait(remaining)
        try:
            return _Helper()
        except OSError as exc:
            self._release(None)
            raise ParseRefused("unavailable", f"no parser process could be started: {exc}") from None

    def _release(self, helper: _Helper | None) -> None:
        with self._lock:
            if helper is not None and helper.pid == os.getpid():
                self._idle.append(helper)
            else:
                self._running -= 1
            self._lock.notify()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._running -= len(idle)
        for helper in idle:
            helper.kill()


_POOL: ParserPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> ParserPool:
    """This process's parser pool (``COMGRAPH_PARSERS`` helpers at most, 2 by default)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ParserPool(int(os.environ.get("COMGRAPH_PARSERS") or 2))
        return _POOL


if __name__ == "__main__":
    main()
