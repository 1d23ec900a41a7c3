"""Source locations: where in the input files a finding comes from (file:line:col).

Neither pyoxigraph nor rdflib report positions per triple (only for syntax errors), and no
well-kept Python library does, so this module runs a small tokenizer over the Turtle, TriG,
N-Triples and N-Quads files that were loaded (they already parsed, so the tokenizer only needs
to find statements, not to judge them). It records, for the subjects a report asks about, where
each of their subject blocks starts and where each predicate-object pair sits. Blank nodes in
the files cannot be matched to the store's (their labels differ), so they are passed over.

Data that ``comgraph import`` brought in from a spreadsheet or a data contract carries its
origin in the graph itself (``cg:sourceFile``, ``cg:sourceRef`` such as ``Sheet1!E7``, and
``cg:sourceLine``); :func:`imported_locations` reads those from the store, and they win over a
position in a Turtle file the importer wrote, because the cell is where a person fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox

from comgraph.namespaces import CG, RDF_TYPE, XSD
from comgraph.validate.model import SourceLocation

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<dt>\^\^)
  | (?P<bnode>_:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)
  | (?P<number>[+-]?(?:\d+\.\d+(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+))
  | (?P<pname>(?:[A-Za-z][A-Za-z0-9_\-.]*)?:(?:[A-Za-z0-9_:%\-\\]|\.(?=[A-Za-z0-9_:%\-\\]))*)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>[;,.\[\](){}])
    """,
    re.VERBOSE,
)

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)

TermKey = tuple  # ("iri", value) | ("lit", lexical, datatype-or-@lang) | ("bnode",)


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> TermKey | None:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        return ("lit", term.value, "@" + term.language.lower() if term.language else term.datatype.value)
    return None


def _unescape(text: str) -> str:
    def one(m: re.Match) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _ESCAPES.get(m.group(3), m.group(3))

    return _ESCAPE.sub(one, text)


class _Done(Exception):
    pass


class _Parser:
    """Just enough of Turtle/TriG to know which triple sits where."""

    def __init__(self, text: str, file: str, base: str, wanted: set[TermKey]):
        self.file = file
        self.base = base
        self.prefixes: dict[str, str] = {}
        self.wanted = wanted
        self.subjects: dict[TermKey, SourceLocation] = {}
        self.triples: dict[tuple[TermKey, str, TermKey], SourceLocation] = {}
        self.tokens = self._tokenize(text)
        self.i = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str, int, int]]:
        out = []
        line, line_start = 1, 0
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise _Done()
            kind = m.lastgroup
            if kind not in ("ws", "comment"):
                out.append((kind, m.group(), line, pos - line_start + 1))
            chunk = m.group()
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                line_start = pos + chunk.rfind("\n") + 1
            pos = m.end()
        return out

    def peek(self) -> tuple[str, str, int, int]:
        if self.i >= len(self.tokens):
            raise _Done()
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int, int]:
        tok = self.peek()
        self.i += 1
        return tok

    def run(self) -> None:
        try:
            while self.i < len(self.tokens):
                self.statement()
        except (_Done, KeyError, IndexError):
            pass  # the file parsed with pyoxigraph; whatever was indexed so far stays useful

    def statement(self) -> None:
        kind, text, _, _ = self.peek()
        upper = text.upper()
        if text in ("@prefix", "@base") or (kind in ("word", "pname") and upper in ("PREFIX", "BASE")):
            self.directive()
            return
        if kind == "word" and upper == "GRAPH":
            self.take()
            self.term()
            self.block()
            return
        if text == "{":
            self.block()
            return
        if text == "}":
            self.take()
            return
        subject, pos = self.subject()
        if self.peek()[1] == "{":  # a TriG graph name
            self.block()
            return
        if self.peek()[1] != ".":
            self.predicate_objects(subject, pos)
        if self.peek()[1] == ".":
            self.take()

    def block(self) -> None:
        self.take()  # {
        while self.peek()[1] != "}":
            self.statement()
        self.take()

    def directive(self) -> None:
        kind, text, _, _ = self.take()
        if text == "@prefix" or text.upper() == "PREFIX":
            name = self.take()[1]
            iri = self.take()[1][1:-1]
            self.prefixes[name[:-1]] = urljoin(self.base, iri)
        else:
            self.base = urljoin(self.base, self.take()[1][1:-1])
        if text.startswith("@"):
            self.take()  # the closing dot

    def subject(self) -> tuple[TermKey | None, SourceLocation]:
        kind, text, line, col = self.peek()
        pos = SourceLocation(self.file, line, col)
        if text == "[":
            self.blank_property_list()
            return None, pos
        if text == "(":
            self.collection()
            return None, pos
        key = self.term()
        if key is not None and key in self.wanted and key not in self.subjects:
            self.subjects[key] = pos
        return key, pos

    def predicate_objects(self, subject: TermKey | None, _pos: SourceLocation) -> None:
        while True:
            kind, text, line, col = self.peek()
            if text in (".", "]", "}"):
                return
            if text == ";":
                self.take()
                continue
            self.take()
            predicate = RDF_TYPE if kind == "word" and text == "a" else self._iri(kind, text)
            first = True
            while True:
                okind, otext, oline, ocol = self.peek()
                where = SourceLocation(self.file, *((line, col) if first else (oline, ocol)))
                obj = self.object()
                if subject is not None and subject in self.wanted and obj is not None:
                    self.triples.setdefault((subject, predicate, obj), where)
                first = False
                if self.peek()[1] == ",":
                    self.take()
                    continue
                break

    def object(self) -> TermKey | None:
        text = self.peek()[1]
        if text == "[":
            self.blank_property_list()
            return None
        if text == "(":
            self.collection()
            return None
        return self.term()

    def blank_property_list(self) -> None:
        self.take()
        self.predicate_objects(None, SourceLocation(self.file, 0, 0))
        self.take()  # ]

    def collection(self) -> None:
        self.take()
        while self.peek()[1] != ")":
            self.object()
        self.take()

    def term(self) -> TermKey | None:
        kind, text, _, _ = self.take()
        if kind in ("iri", "pname"):
            return ("iri", self._iri(kind, text))
        if kind == "bnode":
            return None
        if kind == "number":
            dt = "decimal" if "." in text and "e" not in text.lower() else "double" if "e" in text.lower() \
                else "integer"
            return ("lit", text, XSD + dt)
        if kind == "word" and text in ("true", "false"):
            return ("lit", text, XSD + "boolean")
        if kind == "string":
            quote = 3 if text[:3] in ('"""', "'''") else 1
            lexical = _unescape(text[quote:-quote])
            nxt = self.peek() if self.i < len(self.tokens) else ("", "", 0, 0)
            if nxt[0] == "lang":
                self.take()
                return ("lit", lexical, nxt[1].lower())
            if nxt[0] == "dt":
                self.take()
                dkind, dtext, _, _ = self.take()
                return ("lit", lexical, self._iri(dkind, dtext))
            return ("lit", lexical, XSD + "string")
        raise _Done()

    def _iri(self, kind: str, text: str) -> str:
        if kind == "iri":
            return urljoin(self.base, _unescape(text[1:-1]))
        prefix, _, local = text.partition(":")
        return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


class SourceIndex:
    """Positions of the given subjects' blocks and triples across a set of input files."""

    def __init__(self) -> None:
        self.subjects: dict[TermKey, SourceLocation] = {}
        self.triples: dict[tuple[TermKey, str, TermKey], SourceLocation] = {}
        self.pairs: dict[tuple[TermKey, str], SourceLocation] = {}

    @classmethod
    def build(cls, files: Iterable[Path], wanted: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal],
              display: dict[Path, str] | None = None) -> SourceIndex:
        index = cls()
        keys = {k for k in (term_key(t) for t in wanted) if k is not None}
        if not keys:
            return index
        for path in files:
            if path.suffix.lower() not in (".ttl", ".trig", ".nt", ".nq"):
                continue
            name = (display or {}).get(path, str(path))
            if path.suffix.lower() in (".nt", ".nq"):
                try:
                    index._line_based(path, name, keys)
                except (OSError, UnicodeDecodeError):
                    pass
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            parser = _Parser(text, name, path.resolve().as_uri(), keys)
            try:
                parser.run()
            except _Done:
                pass
            for k, v in parser.subjects.items():
                index.subjects.setdefault(k, v)
            for k, v in parser.triples.items():
                index.triples.setdefault(k, v)
                index.pairs.setdefault((k[0], k[1]), v)
        return index

    def _line_based(self, path: Path, name: str, keys: set[TermKey]) -> None:
        """N-Triples and N-Quads hold one statement per line, so only the lines whose subject is
        wanted need parsing: the file is read line by line (never held whole), and the wanted
        lines are parsed together by pyoxigraph, one statement each, in order."""
        wanted = {f"<{k[1]}>" for k in keys if k[0] == "iri"}
        if not wanted:
            return
        lines: list[str] = []
        places: list[tuple[int, int, int]] = []  # line, subject column, predicate column
        # Text mode ends lines at \n, \r and \r\n only: N-Triples' end of line.
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                stripped = line.lstrip(" \t")
                if not stripped.startswith("<"):
                    continue
                end = stripped.find(">") + 1
                if stripped[:end] not in wanted:
                    continue
                indent = len(line) - len(stripped)
                rest = stripped[end:]
                predicate = indent + end + len(rest) - len(rest.lstrip(" \t")) + 1
                lines.append(stripped.rstrip("\r\n"))
                places.append((number, indent + 1, predicate))
        fmt = ox.RdfFormat.N_QUADS if path.suffix.lower() == ".nq" else ox.RdfFormat.N_TRIPLES
        try:
            statements = list(ox.parse("\n".join(lines).encode("utf-8"), fmt))
        except SyntaxError:
            statements = []
        if len(statements) != len(lines):  # not one statement a line after all: the slow way
            self._lines_one_by_one(lines, places, name, keys)
            return
        subjects, triples, pairs = self.subjects, self.triples, self.pairs
        for statement, (number, subject_column, predicate_column) in zip(statements, places, strict=True):
            subject = term_key(statement.subject)
            if subject not in subjects:
                subjects[subject] = SourceLocation(name, number, subject_column)
            obj = term_key(statement.object)
            triple = (subject, statement.predicate.value, obj)
            if obj is not None and triple not in triples:
                at = SourceLocation(name, number, predicate_column)
                triples[triple] = at
                pairs.setdefault(triple[:2], at)

    def _lines_one_by_one(self, lines: list[str], places: list[tuple[int, int, int]], name: str,
                          keys: set[TermKey]) -> None:
        for line, (number, indent, _predicate) in zip(lines, places, strict=True):
            parser = _Parser(line, name, "", keys)
            parser.run()
            for k, where in parser.subjects.items():
                self.subjects.setdefault(k, SourceLocation(name, number, where.column + indent - 1))
            for k, where in parser.triples.items():
                at = SourceLocation(name, number, where.column + indent - 1)
                self.triples.setdefault(k, at)
                self.pairs.setdefault((k[0], k[1]), at)

    def locate(self, focus, path: str | None, value) -> SourceLocation | None:
        """The offending triple when the path is a predicate and the value is known, else the
        focus node's subject block."""
        fkey = term_key(focus)
        if fkey is None:
            return None
        if path and not path.startswith(("<", "^", "(")) and value is not None:
            vkey = term_key(value)
            if vkey is not None and (fkey, path, vkey) in self.triples:
                return self.triples[(fkey, path, vkey)]
        if path and (fkey, path) in self.pairs:
            return self.pairs[(fkey, path)]
        return self.subjects.get(fkey)


_CELL = re.compile(r"^(?:'(?:[^']|'')*'|[^!]+)!\$?([A-Z]{1,3})\$?(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def imported_locations(store, nodes: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal | None]) \
        -> dict[str, SourceLocation]:
    """Where each of ``nodes`` (by IRI) was imported from, for those that record it."""
    iris = sorted({n.value for n in nodes if isinstance(n, ox.NamedNode)})
    found: dict[str, SourceLocation] = {}
    for i in range(0, len(iris), 400):
        chunk = " ".join(f"<{v}>" for v in iris[i:i + 400])
        # An import records them in its own named graph; Turtle written with -o and then
        # loaded has them in the default graph.
        where = (f"?n <{CG}sourceFile> ?file ; <{CG}sourceRef> ?ref "
                 f"OPTIONAL {{ ?n <{CG}sourceLine> ?line }}")
        rows = store.select(
            f"SELECT ?n ?file ?ref ?line WHERE {{ VALUES ?n {{ {chunk} }} "
            f"{{ {where} }} UNION {{ GRAPH ?g {{ {where} }} }} }}")
        for r in rows:
            ref = r["ref"].value
            cell = _CELL.match(ref)
            try:
                line = int(r["line"].value) if "line" in r else (int(cell.group(2)) if cell else 0)
            except ValueError:
                line = 0
            column = _column_number(cell.group(1)) if cell else 1
            found.setdefault(r["n"].value, SourceLocation(r["file"].value, line, column, ref))
    return found


def locate_imported(imported: dict[str, SourceLocation], focus, value) -> SourceLocation | None:
    """The imported origin of a finding: the value's (the offending record, say the second
    Accountable assignment's cell) when it has one, else the focus node's."""
    for node in (value, focus):
        if isinstance(node, ox.NamedNode) and node.value in imported:
            return imported[node.value]
    return None
