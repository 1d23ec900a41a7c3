"""How compat compares answers from two stores: terms, rows and JSON twins, normalised so that
only differences a reader would see count.

* An IRI is its text.
* A blank node is ``_:`` alone (its label is the engine's own; a view should not show one).
* A literal is (its lexical form, its datatype, its language tag in lower case). Numbers and
  booleans are compared by value within their datatype: ``"77.0"^^xsd:decimal`` equals
  ``"77"^^xsd:decimal`` and ``"1"^^xsd:boolean`` equals ``"true"^^xsd:boolean``, but
  ``"1"^^xsd:integer`` never equals ``"true"^^xsd:boolean`` (a boolean that comes back as an
  integer is a difference a page shows).
* A cell of a ``GROUP_CONCAT`` column is its sorted list of items (SPARQL leaves their order to
  the engine), split on the aggregate's separator, which is read from the query text.
* Rows are compared as a multiset: two answers are equal when they hold the same rows the same
  number of times, in any order (``ORDER BY`` ties are the engine's to break).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                             "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
                             "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
                             "unsignedByte")}

Cell = tuple[Any, ...] | None
Row = tuple[Cell, ...]


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Cell:
    """One term as compat compares it (see the module docstring)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return ("literal", _lexical(term.value, datatype), datatype, (term.language or "").lower())
    return ("triple", term_key(term.subject), term_key(term.predicate), term_key(term.object))


def _lexical(value: str, datatype: str) -> str:
    if datatype == XSD + "boolean":
        return {"1": "true", "0": "false"}.get(value.strip(), value.strip())
    if datatype in NUMERIC:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        if number.is_finite():
            number = number.normalize()
            return format(number, "f") if number == number.to_integral() else str(number)
    return value


def shown(cell: Cell) -> str:
    """A cell as a person reads it in a failure reason."""
    if cell is None:
        return "unbound"
    kind = cell[0]
    if kind == "iri":
        return f"<{cell[1]}>"
    if kind == "bnode":
        return "_:b"
    if kind == "literal":
        _, lexical, datatype, language = cell
        if language:
            return f'"{lexical}"@{language}'
        if datatype == XSD + "string":
            return f'"{lexical}"'
        if datatype.startswith(XSD):
            return f'"{lexical}"^^xsd:{datatype[len(XSD):]}'
        return f'"{lexical}"^^<{datatype}>'
    if kind == "items":
        return "[" + ", ".join(cell[1]) + "]"
    return repr(cell)


# -- GROUP_CONCAT columns ---------------------------------------------------------------------

_GROUP_CONCAT = re.compile(r"GROUP_CONCAT\s*\(", re.IGNORECASE)
_SEPARATOR = re.compile(r"""separator\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""", re.IGNORECASE)
_ALIAS = re.compile(r"\bAS\s+[?$](\w+)", re.IGNORECASE)


def group_concat_columns(sparql: str) -> dict[str, str]:
    """The variables a query binds to a ``GROUP_CONCAT``, with each one's separator.

    A harness's reading of the text (the aggregate, its balanced parentheses, then the first
    ``AS ?var`` after it), not a safety decision: it only decides which cells are compared as
    item lists.
    """
    found: dict[str, str] = {}
    for match in _GROUP_CONCAT.finditer(sparql):
        depth, end = 1, match.end()
        while end < len(sparql) and depth:
            depth += {"(": 1, ")": -1}.get(sparql[end], 0)
            end += 1
        inside = sparql[match.end():end - 1]
        separator = _SEPARATOR.search(inside)
        alias = _ALIAS.search(sparql, end)
        if alias:
            text = separator.group(1)[1:-1].encode().decode("unicode_escape") if separator else " "
            found[alias.group(1)] = text
    return found


# -- result sets -------------------------------------------------------------------------------


def solutions_key(variables: Iterable[str], solutions: Iterable[Mapping[str, Any]],
                  group_concat: Mapping[str, str] | None = None) -> Counter[Row]:
    """The rows of a SELECT answer (pyoxigraph solutions, or dicts of terms) as a multiset."""
    names = list(variables)
    group_concat = group_concat or {}
    rows: Counter[Row] = Counter()
    for solution in solutions:
        row = []
        for name in names:
            term = solution[name]
            cell = term_key(term)
            if name in group_concat and isinstance(term, ox.Literal):
                items = term.value.split(group_concat[name]) if term.value else []
                cell = ("items", tuple(sorted(items)))
            row.append(cell)
        rows[tuple(row)] += 1
    return rows


def describe_row_difference(variables: list[str], want: Counter[Row], got: Counter[Row]) -> str:
    """One line: how the rows differ. When both sides have the same number of rows and only some
    columns differ, it names those columns with one example; otherwise it counts the missing and
    unexpected rows and shows the first of each (their first columns)."""
    missing = sorted((want - got).elements(), key=repr)
    extra = sorted((got - want).elements(), key=repr)
    head = f"{sum(got.values())} rows, embedded {sum(want.values())}"
    if missing and len(missing) == len(extra):
        columns: dict[str, tuple[int, Cell, Cell]] = {}
        for a, b in zip(missing, extra, strict=True):
            for name, x, y in zip(variables, a, b, strict=True):
                if x != y:
                    count, first_x, first_y = columns.get(name, (0, x, y))
                    columns[name] = (count + 1, first_x, first_y)
        if len(columns) <= 3:
            return f"{head}; {len(missing)} differ in " + ", ".join(
                f"{name} (e.g. {shown(y)}, embedded {shown(x)})" for name, (_, x, y) in columns.items())

    def row_text(row: Row) -> str:
        cells = [f"{v}={shown(c)}" for v, c in zip(variables, row, strict=True) if c is not None]
        return "{" + ", ".join(cells[:3]) + (", …" if len(cells) > 3 else "") + "}"

    parts = [head]
    if missing:
        parts.append(f"{len(missing)} missing, e.g. {row_text(missing[0])}")
    if extra:
        parts.append(f"{len(extra)} unexpected, e.g. {row_text(extra[0])}")
    return "; ".join(parts)


# -- JSON twins of pages -----------------------------------------------------------------------


def json_key(value: Any, *, ignore: frozenset[str] = frozenset()) -> Any:
    """A JSON document normalised for comparison: keys in ``ignore`` dropped (at any depth),
    numbers by value, and lists of items sorted (a page's rows are a multiset, like a view's)."""
    if isinstance(value, dict):
        return tuple(sorted((k, json_key(v, ignore=ignore)) for k, v in value.items() if k not in ignore))
    if isinstance(value, list):
        return ("list", tuple(sorted((json_key(v, ignore=ignore) for v in value), key=repr)))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return ("number", Decimal(str(value)).normalize())
    return value


def first_json_difference(want: Any, got: Any, path: str = "$") -> str | None:
    """Where two (normalised with :func:`json_key`) documents first differ, as a JSON path."""
    if want == got:
        return None
    if _is_object(want) and _is_object(got):
        a, b = dict(want), dict(got)
        for key in sorted(set(a) | set(b)):
            if key not in a:
                return f"{path}.{key}: only on the engine"
            if key not in b:
                return f"{path}.{key}: missing on the engine"
            inner = first_json_difference(a[key], b[key], f"{path}.{key}")
            if inner:
                return inner
    if isinstance(want, tuple) and isinstance(got, tuple) and want[:1] == got[:1] == ("list",):
        if len(want[1]) != len(got[1]):
            return f"{path}: {len(got[1])} items, embedded {len(want[1])}"
        for index, (a, b) in enumerate(zip(want[1], got[1], strict=True)):
            inner = first_json_difference(a, b, f"{path}[{index}]")
            if inner:
                return inner
    return f"{path}: {_brief(got)}, embedded {_brief(want)}"


def _is_object(value: Any) -> bool:
    """Whether a :func:`json_key` value was a JSON object (a tuple of (key, value) pairs)."""
    return (isinstance(value, tuple) and bool(value) and value[0] != "list"
            and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in value))


def _brief(value: Any) -> str:
    """A normalised JSON value as a person reads it: 5, "text", true, [3 items], {2 keys}."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "number":
        text = str(value[1])
    elif isinstance(value, tuple) and value[:1] == ("list",):
        text = f"[{len(value[1])} items]"
    elif _is_object(value):
        text = "{" + ", ".join(k for k, _ in value[:4]) + (", …" if len(value) > 4 else "") + "}"
    else:
        text = json.dumps(value) if isinstance(value, (str, bool)) or value is None else repr(value)
    return text if len(text) < 120 else text[:117] + "..."
