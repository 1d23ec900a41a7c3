"""Portable SPARQL: the one written form of date arithmetic, its rendering per engine, and the
lint that keeps ``queries/`` and the shapes inside SPARQL 1.1.

SPARQL 1.1 has no date arithmetic. Adding a duration to a date is an XPath extension that
engines answer differently (Oxigraph and Jena follow XPath, Virtuoso adds the duration as
seconds, and pyoxigraph 0.5 evaluates ``date + duration`` in some forms and not others). So
comgraph's queries and shapes write a shifted date as a call of an extension function, which is
valid SPARQL 1.1 syntax on every engine:

    cgfn:addDays(?endedOn, 1)        the day after ?endedOn
    cgfn:addMonths($asOf, -3)        three months before the as-of date (31 May - 3 months is
                                     28 February: the day is clamped to the month's last, as in
                                     XPath and dateutil's relativedelta)

with ``PREFIX cgfn: <https://w3id.org/comgraph/fn#>``. :func:`render` turns each call into the
engine's own form just before the store sends the query (``Store.query``, with the store
profile's ``date_dialect``): a call whose arguments are both constants (``$asOf`` is replaced
by a date before a shape runs) becomes the date itself, computed here, so no engine does any
date arithmetic for it; the others become ``date - duration`` ("xpath", the one form
pyoxigraph 0.5 evaluates in every case) or ``bif:dateadd`` ("virtuoso"). pySHACL evaluates the
same calls through the rdflib functions :func:`register_rdflib_functions` installs.

Where a date comes from parameters only (a horizon N months after the as-of date), the query
catalogue computes it in Python and binds it: no call is needed at all.

:func:`lint` refuses what is not portable (see :data:`RULES`); ``make test`` runs it over every
file in ``queries/`` and the SPARQL of every shape (``tests/test_portability.py``), and
``python -m comgraph.portability [FILES]`` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dateutil.relativedelta import relativedelta

from comgraph.sparql_text import TOKEN, split_prologue

#: The namespace of comgraph's SPARQL extension functions.
FN = "https://w3id.org/comgraph/fn#"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Each function and the unit it shifts a date by.
FUNCTIONS = {"addDays": "days", "addMonths": "months"}
DIALECTS = ("xpath", "virtuoso")

_DATE_LITERAL = re.compile(r'"(\d{4}-\d{2}-\d{2})"\^\^(?:<' + re.escape(XSD) + r'date>|(\w*):date)')
_INTEGER = re.compile(r'[+-]?\d+|"([+-]?\d+)"\^\^(?:<' + re.escape(XSD) + r'integer>|(\w*):integer)')


class PortabilityError(ValueError):
    """A call of a comgraph function that cannot be rendered (wrong number of arguments, an
    unknown function or dialect)."""


# -- dates ----------------------------------------------------------------------------------


def shift(day: dt.date, unit: str, amount: int) -> dt.date:
    """``day`` moved by ``amount`` days or months (a month-end day is clamped, as in XPath)."""
    return day + (relativedelta(days=amount) if unit == "days" else relativedelta(months=amount))


# -- rendering --------------------------------------------------------------------------------


def render(sparql: str, dialect: str) -> str:
    """``sparql`` with every ``cgfn:`` call written in ``dialect`` ("xpath" or "virtuoso");
    calls on constants become the date they compute. Text without a call is returned as is."""
    if dialect not in DIALECTS:
        raise PortabilityError(f"date dialect {dialect!r}: expected one of {', '.join(DIALECTS)}")
    if not any(name in sparql for name in FUNCTIONS):
        return sparql
    prefixes = split_prologue(sparql)[0]
    return _render(sparql, dialect, prefixes)


def _render(text: str, dialect: str, prefixes: dict[str, str]) -> str:
    parts: list[str] = []
    last = 0
    for call in _calls(text, prefixes):
        args = [_render(text[start:end], dialect, prefixes).strip() for start, end in call.args]
        parts += [text[last:call.start], _rendered_call(call.name, args, dialect, prefixes)]
        last = call.end
    return "".join(parts) + text[last:]


@dataclass(frozen=True)
class _Call:
    name: str  # the function's local name
    start: int  # where its name starts
    end: int  # just after its closing parenthesis
    args: tuple[tuple[int, int], ...]  # each argument's span


def _function_name(match: re.Match[str], prefixes: dict[str, str]) -> str | None:
    """The comgraph function a token names (a ``cgfn:`` name or its full IRI), else None."""
    text = match.group()
    if match.lastgroup == "iri":
        iri = text[1:-1]
    elif match.lastgroup == "pname":
        prefix, _, local = text.partition(":")
        if prefix not in prefixes:
            return None
        iri = prefixes[prefix] + local
    else:
        return None
    return iri[len(FN):] if iri.startswith(FN) else None


def _calls(text: str, prefixes: dict[str, str]) -> Iterator[_Call]:
    """The outermost calls of comgraph functions in ``text``, in order (nested calls are in
    their arguments)."""
    tokens = [m for m in TOKEN.finditer(text) if m.lastgroup != "comment"]
    i = 0
    while i < len(tokens):
        name = _function_name(tokens[i], prefixes)
        if name is None or i + 1 >= len(tokens) or tokens[i + 1].group() != "(":
            i += 1
            continue
        depth, args, arg_start, j = 0, [], tokens[i + 1].end(), i + 1
        while j < len(tokens):
            t = tokens[j].group()
            if t == "(":
                depth += 1
            elif t == ")":
                depth -= 1
                if depth == 0:
                    args.append((arg_start, tokens[j].start()))
                    break
            elif t == "," and depth == 1:
                args.append((arg_start, tokens[j].start()))
                arg_start = tokens[j].end()
            j += 1
        else:
            raise PortabilityError(f"cgfn:{name}: the call is not closed")
        yield _Call(name, tokens[i].start(), tokens[j].end(), tuple(args))
        i = j + 1


def _rendered_call(name: str, args: list[str], dialect: str, prefixes: dict[str, str]) -> str:
    unit = FUNCTIONS.get(name)
    if unit is None:
        raise PortabilityError(f"cgfn:{name} is not a comgraph function (known: "
                               f"{', '.join('cgfn:' + f for f in FUNCTIONS)})")
    if len(args) != 2 or not all(args):
        raise PortabilityError(f"cgfn:{name} takes two arguments (a date and a whole number of {unit})")
    date_text, amount_text = args
    day, amount = _constant_date(date_text, prefixes), _constant_integer(amount_text, prefixes)
    if day is not None and amount is not None:
        return f'"{shift(day, unit, amount).isoformat()}"^^<{XSD}date>'
    if dialect == "virtuoso":
        return _virtuoso(unit, date_text, amount_text if amount is None else str(amount))
    return _xpath(unit, date_text, amount_text, amount)


def _xpath(unit: str, date_text: str, amount_text: str, amount: int | None) -> str:
    """``date - duration`` with the duration negated: the form pyoxigraph 0.5 evaluates for
    dates however they were bound (it returns nothing for some ``date + duration``)."""
    letter, datatype = ("D", "dayTimeDuration") if unit == "days" else ("M", "yearMonthDuration")
    if amount is not None:
        negated = f"-P{amount}{letter}" if amount > 0 else f"P{-amount}{letter}"
        return f'({date_text} - "{negated}"^^<{XSD}{datatype}>)'
    n = f"({amount_text})"
    return (f'({date_text} - STRDT(CONCAT(IF({n} > 0, "-P", "P"), STR(ABS({n})), "{letter}"), '
            f"<{XSD}{datatype}>))")


def _virtuoso(unit: str, date_text: str, amount_text: str) -> str:
    """``bif:dateadd``; Virtuoso rolls 31 January + 1 month over to 3 March, so a month shift
    that lands on another day of the month steps back to the last day of the month before."""
    if unit == "days":
        return f'bif:dateadd("day", {amount_text}, {date_text})'
    moved = f'bif:dateadd("month", {amount_text}, {date_text})'
    return f'IF(DAY({moved}) = DAY({date_text}), {moved}, bif:dateadd("day", -DAY({moved}), {moved}))'


def _constant_date(text: str, prefixes: dict[str, str]) -> dt.date | None:
    match = _DATE_LITERAL.fullmatch(text)
    if match is None or (match.group(2) is not None and prefixes.get(match.group(2)) != XSD):
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _constant_integer(text: str, prefixes: dict[str, str]) -> int | None:
    match = _INTEGER.fullmatch(text)
    if match is None or (match.group(2) is not None and prefixes.get(match.group(2)) != XSD):
        return None
    return int(match.group(1) if match.group(1) is not None else text)


# -- pySHACL ------------------------------------------------------------------------------------


def register_rdflib_functions() -> None:
    """Let rdflib's SPARQL engine (which pySHACL runs shapes with) evaluate the ``cgfn:`` calls,
    with the same arithmetic :func:`render` folds constants with. Safe to call again."""
    from rdflib import Literal, URIRef
    from rdflib.plugins.sparql.operators import register_custom_function
    from rdflib.plugins.sparql.sparql import SPARQLError

    def make(unit: str):
        def shifted(day: Literal, amount: Literal) -> Literal:
            start, n = getattr(day, "value", None), getattr(amount, "value", None)
            if not isinstance(start, dt.date) or isinstance(n, bool) or not isinstance(n, int):
                raise SPARQLError(f"cgfn: expected a date and an integer, not {day!r}, {amount!r}")
            try:
                return Literal(start + (relativedelta(days=n) if unit == "days" else relativedelta(months=n)),
                               datatype=day.datatype)
            except (OverflowError, ValueError) as exc:
                raise SPARQLError(str(exc)) from None

        return shifted

    for name, unit in FUNCTIONS.items():
        register_custom_function(URIRef(FN + name), make(unit), override=True)


# -- the lint ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One non-portable construct: where it is and why it is refused."""

    source: str
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.reason}"


#: What the lint refuses, and why (each Problem's reason starts with one of these).
RULES = {
    "duration": "a duration (xsd:{local}): date + duration is an XPath extension, not SPARQL 1.1, "
                "and engines disagree (Virtuoso adds it as seconds); write cgfn:addDays / "
                "cgfn:addMonths, or bind a date computed in Python",
    "alias": "?{name} is an alias of this SELECT used again in a later expression of the same "
             "SELECT (Virtuoso refuses it, SP031); compute it with BIND inside WHERE or in a subquery",
    "function": "{name}() is not a SPARQL 1.1 function: engines without it fail or answer "
                "differently; use SPARQL 1.1 built-ins (or cgfn:addDays / cgfn:addMonths for dates)",
    "cgfn": "{reason}",
}

_DURATIONS = ("duration", "dayTimeDuration", "yearMonthDuration")


def lint(sparql: str, source: str = "<query>", *, line: int = 1, column: int = 1) -> list[Problem]:
    """What is not portable in one query's text. ``line`` and ``column`` say where the text
    starts in its file (a shape's query sits inside a Turtle file)."""
    prefixes = split_prologue(sparql)[0]
    problems: list[tuple[int, str]] = []
    tokens = [m for m in TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    for i, token in enumerate(tokens):
        iri = _iri(token, prefixes)
        if iri is None:
            continue
        following = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if iri.startswith(XSD) and iri[len(XSD):] in _DURATIONS:
            # At the literal ("P6M"^^xsd:duration) when the datatype is a literal's.
            typed = i >= 3 and tokens[i - 1].group() == tokens[i - 2].group() == "^"
            start = tokens[i - 3].start() if typed and tokens[i - 3].lastgroup == "string" else token.start()
            problems.append((start, RULES["duration"].format(local=iri[len(XSD):])))
        elif following == "(" and not iri.startswith(XSD) and not iri.startswith(FN):
            problems.append((token.start(), RULES["function"].format(name=token.group())))
    try:
        for call in _calls(sparql, prefixes):
            try:
                _rendered_call(call.name, [sparql[s:e].strip() for s, e in call.args], "xpath", prefixes)
            except PortabilityError as exc:
                problems.append((call.start, str(exc)))
    except PortabilityError as exc:
        problems.append((len(sparql), str(exc)))
    problems += _alias_reuse(tokens)
    return [Problem(source, *_position(sparql, offset, line, column), reason)
            for offset, reason in sorted(problems)]


def _iri(token: re.Match[str], prefixes: dict[str, str]) -> str | None:
    if token.lastgroup == "iri":
        return token.group()[1:-1]
    if token.lastgroup == "pname":
        prefix, _, local = token.group().partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
        # An undeclared prefix (a shape's come from sh:prefixes): read the usual ones.
        return {"xsd": XSD, "cgfn": FN}.get(prefix, "urn:undeclared:") + local
    return None


def _alias_reuse(tokens: list[re.Match[str]]) -> list[tuple[int, str]]:
    """Uses of a SELECT alias in a later expression of the same projection."""
    found: list[tuple[int, str]] = []
    aliases: set[str] | None = None  # None outside a projection
    parens = 0
    for i, token in enumerate(tokens):
        text = token.group()
        if token.lastgroup == "word" and text.upper() == "SELECT":
            aliases, parens = set(), 0
        elif aliases is None:
            continue
        elif token.lastgroup in ("open", "close") or (
                token.lastgroup == "word" and text.upper() in ("WHERE", "FROM") and parens == 0):
            aliases = None
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif token.lastgroup == "var":
            name = text[1:]
            if i and tokens[i - 1].group().upper() == "AS":
                aliases.add(name)
            elif parens > 0 and name in aliases:
                found.append((token.start(), RULES["alias"].format(name=name)))
    return found


def _position(text: str, offset: int, line: int, column: int) -> tuple[int, int]:
    before = text[:offset]
    newlines = before.count("\n")
    if newlines:
        return line + newlines, offset - before.rfind("\n")
    return line, column + offset


# -- files ------------------------------------------------------------------------------------

_SPARQL_PREDICATES = ("select", "ask", "construct")


def lint_file(path: Path) -> list[Problem]:
    """The lint of a named query (``.rq``) or of every SHACL-SPARQL query in a shapes file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ttl":
        return lint(text, str(path))
    return [p for query, line, column in _shape_queries(path, text)
            for p in lint(query, str(path), line=line, column=column)]


def _shape_queries(path: Path, text: str) -> Iterator[tuple[str, int, int]]:
    """Each sh:select / sh:ask / sh:construct text of a Turtle file, with the line and column
    where it starts in the file (found by its text; line 1 when escapes hide it)."""
    from rdflib import Graph
    from rdflib.namespace import SH

    graph = Graph().parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    queries = sorted({str(o) for p in _SPARQL_PREDICATES for o in graph.objects(None, SH[p])})
    for query in queries:
        offset = text.find(query)
        if offset < 0:
            yield query, 1, 1
        else:
            yield query, *_position(text, offset, 1, 1)


def lint_paths(paths: Iterable[Path]) -> list[Problem]:
    """The lint of files and folders (``*.rq`` and ``*.ttl`` in a folder)."""
    problems: list[Problem] = []
    for path in paths:
        files = sorted([*path.glob("*.rq"), *path.glob("*.ttl")]) if path.is_dir() else [path]
        for file in files:
            problems += lint_file(file)
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m comgraph.portability [FILES]``: the lint of the given files and folders (the
    shipped ``queries/`` and ``shapes/`` when none); exit 1 when anything is not portable."""
    from comgraph.paths import queries_dir, shapes_dir

    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or [queries_dir(), shapes_dir()]
    problems = lint_paths(paths)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
