"""Looking inside SPARQL text without a parser: one lexer, its helpers, and one memo.

Several places need a quick look at a query's text before (or instead of) a real parse: which
form it is (to choose the answer's formats), where its WHERE group opens (where the compiled
shapes put their focus), where a variable stands and in which clause (to bind parameters by
writing their terms in, :func:`bind_variables`), where an update's top-level WHERE clauses are
(to write in the Protocol's USING clauses), its short hash for the access log. They all read the same tokens:
:data:`TOKEN` skips comments, strings and IRIs, so a brace or a keyword inside them never
misleads a helper. A decision about safety is never made here: that needs a real parse
(:mod:`comgraph.sparql_parse`).

A service sees the same short texts again and again (dashboards, a client polling, a
benchmark), and looking inside a text costs more than a dictionary lookup, so what is learnt
about a text is kept in one bounded memo (:func:`memo_short_texts`), for texts up to
``MEMO_MAX_TEXT`` characters. Only pure functions of the text may be memoised: nothing that
depends on the configuration or on what the store holds.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyoxigraph as ox

TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_]+)
  | (?P<pname>[A-Za-z_][A-Za-z0-9_.\-]*:[A-Za-z0-9_.\-:%]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def keywords(sparql: str) -> Iterator[tuple[str, int, int, int]]:
    """(upper-cased word, depth in braces, start, end) for each bare word outside strings,
    IRIs and comments. Words before a colon are prefixes, not keywords, and are skipped."""
    depth = 0
    for match in TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            end = match.end()
            if end < len(sparql) and sparql[end] == ":":
                continue
            yield match.group().upper(), depth, match.start(), end


# -- the memo ---------------------------------------------------------------------------------

#: The longest text the memo keeps: GET queries (the repeated kind) are short, and a memo of a
#: few hundred entries this long stays under a few MB.
MEMO_MAX_TEXT = 4096
MEMO_ENTRIES = 512

_T = TypeVar("_T")


class _TextMemo:
    """What has been computed about each recent short text: ``{text: {function: value}}``,
    least recently used first, at most ``MEMO_ENTRIES`` texts."""

    def __init__(self) -> None:
        self._texts: OrderedDict[str, dict[Callable[[str], Any], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, function: Callable[[str], _T]) -> _T:
        if len(text) > MEMO_MAX_TEXT:
            return function(text)
        facts = self._texts.get(text)
        if facts is not None and function in facts:
            try:
                self._texts.move_to_end(text)  # one call, atomic: no lock on the common path
            except KeyError:  # another thread dropped it just now
                pass
            return facts[function]
        value = function(text)  # outside the lock: a function may itself use the memo
        with self._lock:
            facts = self._texts.get(text)
            if facts is None:
                facts = self._texts[text] = {}
                if len(self._texts) > MEMO_ENTRIES:
                    self._texts.popitem(last=False)
            facts[function] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()


_memo = _TextMemo()


def memo_short_texts(function: Callable[[str], _T]) -> Callable[[str], _T]:
    """Memoise ``function`` of a query text in the one memo (see the module's docstring)."""

    @functools.wraps(function)
    def memoised(text: str) -> _T:
        return _memo.get(text, function)

    memoised.cache_clear = _memo.clear  # type: ignore[attr-defined]
    return memoised


# -- helpers ----------------------------------------------------------------------------------


@memo_short_texts
def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword (the prologue comes first)."""
    for word, _depth, _start, _end in keywords(sparql):
        if word in FORMS:
            return word
    return "SELECT"


@memo_short_texts
def query_hash(text: str) -> str:
    """The access log's short name for a query: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class UsingConflict(ValueError):
    """The Protocol's using-graph-uri parameters cannot be applied to this update."""


def add_using_clauses(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply the Protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update.

    They act as ``USING`` / ``USING NAMED`` on every DELETE/INSERT ... WHERE operation, so they
    are written in just before each such top-level ``WHERE``. An update that names its own
    dataset (``USING`` or ``WITH``) conflicts with them, and the Protocol says to refuse it:
    :class:`UsingConflict`, as for an IRI that is not absolute.
    """
    for name, iris in (("using-graph-uri", using), ("using-named-graph-uri", using_named)):
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError:
                raise UsingConflict(f"{name}: {iri!r} is not an absolute IRI") from None
    clause = " ".join([f"USING <{iri}>" for iri in using] +
                      [f"USING NAMED <{iri}>" for iri in using_named])
    inserts: list[int] = []
    previous = ""
    for word, depth, start, _end in keywords(update):
        if depth == 0 and word in ("USING", "WITH"):
            raise UsingConflict(f"the update has its own {word} clause and the request also "
                                "gives using-graph-uri/using-named-graph-uri; use one or the other")
        if depth == 0 and word == "WHERE" and previous != "DELETE":
            inserts.append(start)
        if depth == 0:
            previous = word
    for position in reversed(inserts):
        update = update[:position] + clause + " " + update[position:]
    return update


def where_group_start(sparql: str) -> int | None:
    """The offset just inside the query's WHERE group, where a VALUES block or pattern may go;
    None when the query has no WHERE group.

    Comments, strings and IRIs are skipped, so braces inside them never mislead it.
    """
    depth = 0
    previous_word = ""
    first_form = ""
    first_open: int | None = None
    for match in TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind in ("comment", "string", "iri"):
            continue
        if kind == "word":
            word = match.group().upper()
            if not first_form and word in FORMS:
                first_form = word
            previous_word = word
            continue
        if kind == "open":
            if depth == 0:
                if previous_word == "WHERE":
                    return match.end()
                if first_open is None:
                    first_open = match.end()
            depth += 1
        elif kind == "close":
            depth -= 1
        previous_word = ""
    if first_open is not None and first_form != "CONSTRUCT":
        return first_open
    return None


def split_prologue(sparql: str) -> tuple[dict[str, str], str]:
    """The ``PREFIX`` declarations at the head of a query (prefix → namespace) and the text
    after them. Comments between declarations are skipped; a ``BASE`` ends the prologue."""
    prefixes: dict[str, str] = {}
    position = 0
    tokens = [m for m in TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    i = 0
    while i + 2 < len(tokens) and tokens[i].lastgroup == "word" and tokens[i].group().upper() == "PREFIX":
        name, iri = tokens[i + 1], tokens[i + 2]
        # The empty prefix ":" lexes as "other".
        if (not name.group().endswith(":") or name.lastgroup not in ("pname", "other")
                or iri.lastgroup != "iri"):
            break
        prefixes[name.group()[:-1]] = iri.group()[1:-1]
        position = iri.end()
        i += 3
    return prefixes, sparql[position:].lstrip()


def substitute_variables(sparql: str, values: dict[str, str]) -> str:
    """``sparql`` with each variable named in ``values`` (``$this`` or ``?this`` for "this")
    replaced by the given text; variables inside strings, IRIs and comments are never touched."""
    parts: list[str] = []
    last = 0
    for match in TOKEN.finditer(sparql):
        if match.lastgroup == "var" and match.group()[1:] in values:
            parts += [sparql[last:match.start()], values[match.group()[1:]]]
            last = match.end()
    return "".join(parts) + sparql[last:]



class BindingConflict(ValueError):
    """A bound parameter stands where a constant cannot: the query assigns it (``AS ?x``,
    ``VALUES ?x``). ``parameter`` is its name."""

    def __init__(self, parameter: str, reason: str):
        self.parameter = parameter
        super().__init__(f"parameter {parameter!r}: {reason}")


#: Words that end a GROUP BY or ORDER BY clause (or start the next one).
_SOLUTION_MODIFIERS = {"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}


def bind_variables(sparql: str, values: dict[str, str]) -> str:
    """``sparql`` with each variable named in ``values`` replaced by its text (a serialised RDF
    term) everywhere it occurs, subqueries included: a bound parameter is a constant of the
    whole query, as in a prepared statement, so every engine sees it inside ``OPTIONAL``,
    ``FILTER``, ``EXISTS`` and subqueries alike (a ``VALUES`` block joined at the top is not
    seen by a filter inside ``OPTIONAL`` on some engines).

    Where a term cannot stand, the place is rewritten so the query keeps its meaning: a
    variable in the query's own projection becomes ``(TERM AS ?x)`` (the column stays); in a
    subquery's projection it is dropped (every use outside is the constant too), or becomes
    ``(TERM AS ?_bound_x)`` when it is all the subquery projects; ``BOUND(?x)`` becomes ``true``,
    and a variable in GROUP BY or ORDER BY becomes ``(TERM)``. A query that
    assigns the variable (``(... AS ?x)``, ``BIND (... AS ?x)``, ``VALUES ?x``) cannot be bound
    this way: :class:`BindingConflict` names it. Variables inside strings, IRIs and comments
    are never touched; ``$x`` is ``?x``.
    """
    if not values:
        return sparql
    tokens = [m for m in TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    parts: list[str] = []
    last = 0
    clause = ""  # "projection", "modifier" (GROUP BY / ORDER BY) or "values" (a VALUES header)
    parens = 0  # parentheses open within the clause
    depth = 0  # braces open
    drop = False  # whether bound variables leave this (a subquery's) projection
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind, text = token.lastgroup, token.group()
        previous = tokens[i - 1].group().upper() if i else ""
        if kind == "word" and not sparql.startswith(":", token.end()):
            word = text.upper()
            if word == "SELECT":
                clause, parens = "projection", 0
                drop = depth > 0 and _projects_more_than(tokens, i, values)
            elif word == "BY" and previous in ("GROUP", "ORDER"):
                clause, parens = "modifier", 0
            elif word == "VALUES":
                clause, parens = "values", 0
            elif word in ("WHERE", "FROM") and clause == "projection" and parens == 0:
                clause = ""
            elif word in _SOLUTION_MODIFIERS and clause == "modifier":
                clause = ""
            elif word == "BOUND" and _is_bound_call(tokens, i, values):
                parts += [sparql[last:token.start()], "true"]
                last = tokens[i + 3].end()
                i += 4
                continue
        elif kind in ("open", "close"):
            clause = ""
            depth += 1 if kind == "open" else -1
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif kind == "var" and text[1:] in values:
            name, term = text[1:], values[text[1:]]
            if previous == "AS":
                raise BindingConflict(name, f"the query assigns {text} (AS {text}), so it cannot "
                                            "be bound to a value")
            if clause == "values":
                raise BindingConflict(name, f"the query gives {text} its own VALUES, so it cannot "
                                            "be bound to a value")
            if clause == "projection" and parens == 0:
                if depth == 0:
                    term = f"({term} AS {text})"
                else:
                    # A subquery's column would clash with the outer query's (TERM AS ?x); one
                    # that projects nothing else keeps a column of another name, so it still
                    # returns as many rows.
                    term = "" if drop else f"({term} AS ?_bound_{name})"
            elif clause == "modifier" and parens == 0:
                term = f"({term})"
            parts += [sparql[last:token.start()], term]
            last = token.end()
        i += 1
    return "".join(parts) + sparql[last:]


def _projects_more_than(tokens: list[re.Match[str]], select: int, values: dict[str, str]) -> bool:
    """Whether the projection after token ``select`` has an item besides the bound variables."""
    parens = 0
    for token in tokens[select + 1:]:
        text = token.group()
        ends = token.lastgroup == "word" and text.upper() in ("WHERE", "FROM") and parens == 0
        if token.lastgroup in ("open", "close") or ends:
            return False
        if parens == 0 and (text in ("(", "*") or (token.lastgroup == "var" and text[1:] not in values)):
            return True
        parens += (text == "(") - (text == ")")
    return False


def _is_bound_call(tokens: list[re.Match[str]], i: int, values: dict[str, str]) -> bool:
    """Whether tokens ``i``.. read ``BOUND ( ?x )`` for a variable being bound."""
    if i + 3 >= len(tokens):
        return False
    open_, var, close = tokens[i + 1], tokens[i + 2], tokens[i + 3]
    return (open_.group() == "(" and var.lastgroup == "var" and var.group()[1:] in values
            and close.group() == ")")


#: A SELECT of one triple pattern (prologue, projection, one pattern, optional LIMIT).
_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = r"(?:[A-Za-z][\w-]*)?:(?:[\w-]+(?:\.[\w-]+)*)?"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*"
_LITERAL = (r"(?:\"(?:[^\"\\\n\r]|\\[tbnrf\"'\\])*\"|'(?:[^'\\\n\r]|\\[tbnrf\"'\\])*')"
            rf"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_PNAME}))?|[+-]?\d+(?:\.\d+)?")
_ONE_PATTERN_SELECT = re.compile(
    rf"""\s*(?:(?:PREFIX\s+(?:[A-Za-z][\w-]*)?:\s*{_IRI}|BASE\s+{_IRI})\s*)*
    SELECT\s+(?:\*|(?:{_VAR}\s*)+)\s*(?:WHERE\s*)?
    \{{\s*(?P<s>{_IRI}|{_VAR}|{_PNAME})\s+(?P<p>{_IRI}|{_VAR}|{_PNAME}|a)
    \s+(?P<o>{_IRI}|{_VAR}|{_PNAME}|{_LITERAL})\s*\.?\s*\}}
    \s*(?:LIMIT\s+\d+\s*)?""",
    re.IGNORECASE | re.VERBOSE,
)


@memo_short_texts
def is_one_pattern_select(sparql: str) -> bool:
    """Whether ``sparql`` is a SELECT of one triple pattern whose variables are all distinct,
    which one scan answers row by row (``?x ?x ?o`` would make the engine skip, inside one step,
    every triple whose two positions differ)."""
    if len(sparql) > MEMO_MAX_TEXT:
        return False
    match = _ONE_PATTERN_SELECT.fullmatch(sparql)
    if match is None:
        return False
    names = [t[1:] for t in match.group("s", "p", "o") if t[0] in "?$"]
    return len(names) == len(set(names))
