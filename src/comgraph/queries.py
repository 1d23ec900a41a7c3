"""The query catalogue: the named, parameterised SPARQL queries in ``queries/*.rq``.

Each ``.rq`` file is one view. Its leading block of ``#`` comment lines is a YAML header (title,
description, process, parameters with their types and defaults, and what each result column
means; the format is documented in ``queries/README.md``). The CLI (``comgraph query NAME``), the
web views (``/views/NAME``) and the tests all run named queries through this module, so a value
given for a parameter is always parsed into a typed RDF term and handed to the Store's
``bindings=`` (the serialised term stands for the variable), never pasted into the query text.

The queries stay inside SPARQL 1.1 (``comgraph.portability`` lints them), so what SPARQL 1.1
cannot say is done here: a date N months after the as-of date is computed in Python and bound
(:data:`DERIVED`), and the results are read the same on every engine (:meth:`NamedQuery.execute`:
the items of a ``GROUP_CONCAT`` column in one order, booleans as ``xsd:boolean``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from comgraph import sparql_text
from comgraph.namespaces import PREFIXES, PROCESS, XSD
from comgraph.paths import queries_dir
from comgraph.store import Store
from comgraph.store.base import QueryResult, Term
from comgraph.store.bindings import bind_terms

CG = PREFIXES["cg"]
PROCESS_SCHEME = PROCESS

#: The six co-management processes, in the order people read them, then the views that span
#: them all. A query's ``process`` header names one of these.
PROCESSES: tuple[str, ...] = ("strategy", "membership", "integration", "equity", "audit", "feedback")
ALL_PROCESSES = "all"

PARAMETER_TYPES = ("IRI", "string", "date", "integer", "decimal")

#: A parameter default that stands for "the date the data is current on" (cg:asOfDate), or
#: today when the data records none.
AS_OF_DEFAULT = "as-of"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):([^/\s].*)?$")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class CatalogueError(Exception):
    """A named query file is malformed; the message names the file."""


class UnknownQuery(KeyError):
    """No named query has this name. The message offers the closest names (``did you mean
    obligations-due?``), else lists the known ones."""

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = sorted(known)
        self.suggestions = closest(name, self.known)
        super().__init__(name)

    def __str__(self) -> str:
        if self.suggestions:
            return f"no named query {self.name!r}; did you mean {_one_of(self.suggestions)}?"
        return f"no named query {self.name!r}; known: {', '.join(self.known) or '(none)'}"


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names most like ``name``, best first (difflib's ratio, at least 0.6, and within
    0.05 of the best), for
    "did you mean" in the CLI and the app's 404 pages; none when nothing is close."""
    import difflib

    known = list(known)
    scored = []
    for candidate in known:
        matcher = difflib.SequenceMatcher(None, name.lower(), candidate.lower())
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((matcher.ratio(), candidate))
    scored.sort(key=lambda sc: (-sc[0], sc[1]))
    # Only those about as close as the best: "obligations-du" means obligations-due, not also
    # obligations-overdue.
    found = [c for score, c in scored if score >= scored[0][0] - 0.05][:n] if scored else []
    if not found:  # a prefix typed short of the whole name ("raci" for raci-matrix)
        folded = name.lower()
        found = [k for k in known if len(folded) >= 3 and k.lower().startswith(folded)][:n]
    return found


def _one_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def is_query_name(text: str) -> bool:
    """Whether ``text`` is shaped like a named query's name (letters, digits, ``-``, ``_``): such a
    word is never SPARQL, so a command given one means a named query."""
    return bool(_NAME.fullmatch(text))


class ParameterError(ValueError):
    """A parameter value was missing, unknown or not of the parameter's type.

    ``parameter`` is the parameter's name, so callers (HTTP 400, CLI exit 2) can say which one.
    """

    def __init__(self, parameter: str, reason: str):
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"parameter {parameter!r}: {reason}")


#: Largest integer parameter value accepted.
MAX_INTEGER = 1_000_000_000


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query; it binds the query variable of the same name."""

    name: str
    type: str
    label: str
    description: str = ""
    default: str | None = None
    required: bool = False
    #: For IRI parameters: a class whose instances a form offers as choices.
    choices_class: str | None = None

    def parse(self, raw: str) -> Term:
        """Turn a value as typed by a person (form field, --param) into a typed RDF term."""
        text = raw.strip() if self.type != "string" else raw
        if self.type == "string":
            return ox.Literal(text)
        if self.type == "IRI":
            return ox.NamedNode(_expand_iri(self.name, text))
        if self.type == "date":
            try:
                day = dt.date.fromisoformat(text)
                return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
            except ValueError:
                raise ParameterError(self.name, f"{_shown(raw)} is not a date (YYYY-MM-DD)") from None
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                raise ParameterError(self.name, f"{_shown(raw)} is not an integer")
            if abs(int(text)) > MAX_INTEGER:
                # Engines overflow on huge numbers (a duration of 10^20 months) and then match
                # nothing: say so instead of answering with a silently empty result.
                raise ParameterError(self.name, f"{_shown(raw)} is out of range "
                                                f"(-{MAX_INTEGER:,} to {MAX_INTEGER:,})")
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "decimal":
            if not _DECIMAL.fullmatch(text):
                raise ParameterError(self.name, f"{_shown(raw)} is not a decimal number")
            number = Decimal(text)
            return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
        raise ParameterError(self.name, f"unknown parameter type {self.type!r}")  # pragma: no cover


@dataclass(frozen=True)
class Column:
    """One result column and what it means."""

    name: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One ``queries/NAME.rq`` file: its header and its SPARQL text."""

    name: str
    title: str
    description: str
    process: str
    sparql: str
    path: Path
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[Column, ...] = ()
    #: Columns that hold booleans (the header's ``booleans``): engines that answer booleans as
    #: 1 and 0 (Virtuoso) have them read back as ``true`` and ``false``.
    booleans: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def process_iri(self) -> str | None:
        return PROCESS_SCHEME + self.process if self.process in PROCESSES else None

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise ParameterError(name, f"{self.name} has no such parameter"
                             + (f" (it takes {', '.join(p.name for p in self.parameters)})"
                                if self.parameters else " (it takes none)"))

    def bind(self, values: Mapping[str, str | None], store: Store | None = None) -> dict[str, Term]:
        """Parse raw values (and defaults) into the typed terms the query is run with.

        Empty values count as not given. An unknown name, a missing required value or a value of
        the wrong type raises ParameterError naming the parameter.
        """
        given = {k: v for k, v in values.items() if v is not None and v.strip()}
        for name in given:
            self.parameter(name)
        bound: dict[str, Term] = {}
        for p in self.parameters:
            if p.name in given:
                bound[p.name] = p.parse(given[p.name])
            elif p.default == AS_OF_DEFAULT:
                bound[p.name] = p.parse(as_of_date(store).isoformat())
            elif p.default is not None:
                bound[p.name] = p.parse(p.default)
            elif p.required:
                raise ParameterError(p.name, "a value is required")
        for name, derive in DERIVED.items():
            if name in self.variables and name not in bound:
                term = derive(bound)
                if term is not None:
                    bound[name] = term
        return bound

    @property
    def variables(self) -> frozenset[str]:
        """The names of the variables the query's text uses."""
        return _variables(self.sparql)

    @property
    def group_concat_columns(self) -> dict[str, str]:
        """The columns the query projects as ``GROUP_CONCAT(...)``, each with its separator."""
        return group_concat_columns(self.sparql)

    def text_with(self, bindings: Mapping[str, Term]) -> str:
        """The exact SPARQL that runs for these bindings (for the editor link and /sparql)."""
        return bind_terms(self.sparql, bindings) if bindings else self.sparql

    def execute(self, store: Store, bindings: Mapping[str, Term], *,
                timeout: float | None = None) -> QueryResult:
        """Run the query with terms already bound (:meth:`bind`), its results read the same on
        every engine: the items of each ``GROUP_CONCAT`` column sorted, and the declared
        ``booleans`` columns as ``xsd:boolean`` where the engine answers 1 and 0."""
        result = store.query(self.sparql, bindings=bindings, timeout=timeout)
        booleans = self.booleans if store.profile.booleans_as_integers else ()
        return normalise(result, self.group_concat_columns, booleans)

    def run(self, store: Store, values: Mapping[str, str | None] | None = None, *,
            timeout: float | None = None) -> QueryResult:
        return self.execute(store, self.bind(values or {}, store), timeout=timeout)


def horizon_end(bound: Mapping[str, Term]) -> Term | None:
    """``horizon_end``: the day ``months`` months after ``as_of`` (30 June + 6 months is
    30 December; 31 August + 6 months is 28 February), computed in Python because SPARQL 1.1
    cannot add months to a date. A query compares with it inclusively or not, as it says."""
    as_of, months = bound.get("as_of"), bound.get("months")
    if not isinstance(as_of, ox.Literal) or not isinstance(months, ox.Literal):
        return None
    from dateutil.relativedelta import relativedelta

    n = int(months.value)
    try:
        end = dt.date.fromisoformat(as_of.value) + relativedelta(months=n)
    except (OverflowError, ValueError):
        # Past the years Python's dates hold (1 to 9999): the horizon is as far as they go,
        # which gives the same rows for any data.
        end = dt.date.max if n > 0 else dt.date.min
    return ox.Literal(end.isoformat(), datatype=ox.NamedNode(XSD + "date"))


#: Variables the catalogue binds from the parameters when a query's text uses them, because
#: SPARQL 1.1 cannot compute them portably.
DERIVED = {"horizon_end": horizon_end}


@functools.lru_cache(maxsize=256)
def _variables(sparql: str) -> frozenset[str]:
    return frozenset(m.group()[1:] for m in sparql_text.TOKEN.finditer(sparql) if m.lastgroup == "var")


@functools.lru_cache(maxsize=256)
def group_concat_columns(sparql: str) -> dict[str, str]:
    """The columns the outermost SELECT projects as ``(GROUP_CONCAT(...) AS ?column)``, each
    with its separator (a single space when none is given)."""
    tokens = [m for m in sparql_text.TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    found: dict[str, str] = {}
    start = next((i for i, t in enumerate(tokens) if t.lastgroup == "word" and t.group().upper() == "SELECT"),
                 None)
    if start is None:
        return found
    i, parens = start + 1, 0
    while i < len(tokens):
        t = tokens[i]
        if t.lastgroup in ("open", "close") or (t.lastgroup == "word" and t.group().upper() == "WHERE"):
            break
        if t.group() == "(":
            parens += 1
            head = tokens[i + 1] if i + 1 < len(tokens) else None
            if parens == 1 and head is not None and head.group().upper() == "GROUP_CONCAT":
                end, separator = _group_concat_call(tokens, i + 2)
                rest = [x.group() for x in tokens[end + 1:end + 4]]
                if len(rest) == 3 and rest[0].upper() == "AS" and rest[2] == ")" and rest[1][0] in "?$":
                    found[rest[1][1:]] = separator
        elif t.group() == ")":
            parens -= 1
        i += 1
    return found


def _group_concat_call(tokens: list[re.Match[str]], i: int) -> tuple[int, str]:
    """From the ``(`` after GROUP_CONCAT: the index of its ``)`` and its separator."""
    depth, separator = 0, " "
    while i < len(tokens):
        text = tokens[i].group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                return i, separator
        elif (text.upper() == "SEPARATOR" and depth == 1 and i + 2 < len(tokens)
              and tokens[i + 1].group() == "=" and tokens[i + 2].lastgroup == "string"):
            separator = _string_value(tokens[i + 2].group())
        i += 1
    return i, separator


def _string_value(token: str) -> str:
    """The value of a SPARQL string token (its quotes removed, its escapes read)."""
    quote = 3 if token[:3] in ('"""', "'''") else 1
    body = token[quote:-quote]
    escapes = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


_XSD_BOOLEAN = XSD + "boolean"
_XSD_INTEGER = XSD + "integer"


def normalise(result: QueryResult, group_concats: Mapping[str, str], booleans: Iterable[str]) -> QueryResult:
    """``result`` with the items of each ``GROUP_CONCAT`` column (split at its separator)
    sorted, and 1/0 integers in the ``booleans`` columns as ``true``/``false``. Results with
    neither kind of column stream through untouched."""
    booleans = set(booleans)
    variables = [v.value for v in getattr(result, "variables", [])]
    concats = {c: sep for c, sep in group_concats.items() if c in variables and sep}
    booleans &= set(variables)
    if not concats and not booleans:
        return result
    data = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
    for row in data["results"]["bindings"]:
        for column, separator in concats.items():
            cell = row.get(column)
            if cell and cell.get("type") == "literal":
                cell["value"] = separator.join(sorted(cell["value"].split(separator)))
        for column in booleans:
            cell = row.get(column)
            # Virtuoso answers a computed boolean as 1 or 0 typed xsd:integer (or xsd:boolean).
            if (cell and cell.get("type") == "literal" and cell.get("value") in ("0", "1")
                    and cell.get("datatype") in (_XSD_INTEGER, _XSD_BOOLEAN)):
                row[column] = {"type": "literal", "datatype": _XSD_BOOLEAN,
                               "value": "true" if cell["value"] == "1" else "false"}
    return ox.parse_query_results(json.dumps(data).encode(), format=ox.QueryResultsFormat.JSON)


def as_of_date(store: Store | None) -> dt.date:
    """The date the data is current on (its cg:asOfDate), or today when none is recorded.

    The same rule as validation's (``comgraph.asof``), so a view and a check never disagree.
    """
    from comgraph.asof import effective_as_of

    return effective_as_of(store)[0]


class Catalogue:
    """All the named queries of one folder, by name."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else queries_dir()
        self._queries = {q.name: q for q in (parse_query_file(p) for p in sorted(self.folder.glob("*.rq")))}

    def __iter__(self):
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        return sorted(self._queries)

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQuery(name, self._queries) from None

    def find(self, text: str) -> NamedQuery | None:
        """The named query ``text`` names; None when ``text`` is not shaped like a name (SPARQL
        text, a file's path, ``-``); UnknownQuery ("did you mean ...?") for a name it lacks, so a
        mistyped name is never run as SPARQL and refused as a parse error."""
        if not is_query_name(text):
            return None
        return self.get(text)

    def by_process(self) -> list[tuple[str, list[NamedQuery]]]:
        """Queries grouped by process: the cross-process ones first, then the six in order."""
        groups = []
        for process in (ALL_PROCESSES, *PROCESSES):
            members = sorted((q for q in self if q.process == process), key=lambda q: q.title.lower())
            if members:
                groups.append((process, members))
        return groups


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file; a malformed header raises CatalogueError naming the file."""
    text = path.read_text(encoding="utf-8")
    header_lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header_lines.append(line[2:] if line.startswith("# ") else line[1:])
    where = f"{path}"
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where += f":{mark.line + 1}:{mark.column + 3}"
        reason = getattr(exc, "problem", None) or exc
        raise CatalogueError(f"{where}: the header is not valid YAML: {reason}") from None
    if not isinstance(header, dict):
        raise CatalogueError(f"{where}: the header must be a mapping of keys (title, description, ...)")
    name = path.stem
    if not _NAME.match(name):
        raise CatalogueError(f"{where}: a query name is letters, digits, '-' and '_'")
    for key in ("title", "process"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise CatalogueError(f"{where}: the header needs a '{key}'")
    process = header["process"].strip()
    if process not in (*PROCESSES, ALL_PROCESSES):
        known = ", ".join((*PROCESSES, ALL_PROCESSES))
        raise CatalogueError(f"{where}: process {process!r} is not one of {known}")
    return NamedQuery(
        name=name,
        title=header["title"].strip(),
        description=str(header.get("description") or "").strip(),
        process=process,
        sparql=text,
        path=path,
        parameters=tuple(_parameters(where, header.get("parameters") or {})),
        columns=tuple(Column(str(k), str(v or "").strip()) for k, v in (header.get("columns") or {}).items()),
        booleans=_booleans(where, header.get("booleans")),
        extra={k: v for k, v in header.items()
               if k not in ("title", "description", "process", "parameters", "columns", "booleans")},
    )


def _booleans(where: str, spec: Any) -> tuple[str, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list) or not all(isinstance(c, str) and _VARIABLE.match(c) for c in spec):
        raise CatalogueError(f"{where}: 'booleans' must list the names of the boolean columns")
    return tuple(spec)


def _parameters(where: str, spec: Any) -> Iterable[Parameter]:
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where}: 'parameters' must map each name to its settings")
    for name, settings in spec.items():
        settings = settings or {}
        if not isinstance(settings, dict) or not _VARIABLE.match(str(name)):
            raise CatalogueError(f"{where}: parameter {name!r} must be a variable name with settings")
        kind = settings.get("type")
        if kind not in PARAMETER_TYPES:
            raise CatalogueError(f"{where}: parameter {name!r} has type {kind!r}; "
                                 f"expected one of {', '.join(PARAMETER_TYPES)}")
        default = settings.get("default")
        if isinstance(default, dt.date):  # YAML reads 2026-01-31 as a date
            default = default.isoformat()
        parameter = Parameter(
            name=str(name), type=kind,
            label=str(settings.get("label") or str(name).replace("_", " ")).strip(),
            description=str(settings.get("description") or "").strip(),
            default=None if default is None else str(default),
            required=bool(settings.get("required", False)),
            choices_class=settings.get("choices"),
        )
        if parameter.default == AS_OF_DEFAULT and kind != "date":
            raise CatalogueError(f"{where}: parameter {name!r}: default '{AS_OF_DEFAULT}' is for dates")
        if parameter.default not in (None, AS_OF_DEFAULT):
            try:
                parameter.parse(parameter.default)
            except (ParameterError, ValueError) as exc:
                raise CatalogueError(f"{where}: the default of {name!r} is not valid: {exc}") from None
        yield parameter


def _expand_iri(name: str, text: str) -> str:
    """An absolute IRI as typed, or a CURIE with a prefix comgraph knows (``cg:Role``)."""
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    curie = _CURIE.match(text)
    if curie and curie.group(1) in PREFIXES and not text.startswith(curie.group(1) + "://"):
        text = PREFIXES[curie.group(1)] + (curie.group(2) or "")
    if not _IRI_SCHEME.match(text):
        raise ParameterError(name, f"{_shown(text)} is not an absolute IRI or a known prefix:name")
    try:
        ox.NamedNode(text)
    except ValueError as exc:
        raise ParameterError(name, f"{_shown(text)} is not a valid IRI ({exc})") from None
    return text


def _shown(value: str, limit: int = 60) -> str:
    """A user value quoted for an error message, cut short and with newlines made visible."""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(shown)
