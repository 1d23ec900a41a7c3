"""The SHACL-to-SPARQL compiler: each constraint of each shape becomes one SELECT query that
the store answers with the violating (focus node, value) pairs.

Letting the store evaluate the constraints is what makes validation fast (Oxigraph joins in
Rust) and what lets a remote store be validated in place: only findings come back over the
wire, never the data. pySHACL stays the reference engine: a shape using anything this compiler
does not know (a custom constraint component, sh:qualifiedValueShape, …) is reported as
:class:`Unsupported` and the engine hands that whole shape to pySHACL instead, so no constraint
is ever skipped.

Nested shapes (sh:node, sh:not, sh:and, sh:or, sh:xone) compile to a *violation pattern*: a
group that matches when the node bound to a variable fails the shape, used inside FILTER
(NOT) EXISTS. This relies on EXISTS seeing the outer bindings (substitution semantics), which
Oxigraph and the common engines implement.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from comgraph.namespaces import XSD
from comgraph.sparql_text import split_prologue, substitute_variables
from comgraph.store.bindings import where_group_start
from comgraph.validate.classes import BlankSubclass, ClassHierarchy
from comgraph.validate.shapes import path_text, rdf_list, sparql_path

RDF_TYPE = f"<{RDF.type}>"

#: Predicates on a shape that are not constraints (or are handled by the walk itself).
NON_CONSTRAINTS = {
    RDF.type, SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order, SH.group,
    SH.defaultValue, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
    SH.property, SH.ignoredProperties, SH.flags, SH.qualifiedValueShapesDisjoint, SH.qualifiedMinCount,
    SH.qualifiedMaxCount, SH.prefixes, SH.declare, RDFS.label, RDFS.comment,
}

#: Datatypes whose well-formedness the store can test with a cast (an ill-formed literal of
#: such a datatype violates sh:datatype, as SHACL requires).
CASTABLE = {XSD + n for n in ("integer", "decimal", "float", "double", "boolean", "dateTime", "date",
                              "string")}


class Unsupported(Exception):
    """A shape uses something the compiler does not translate; the reference engine takes it."""


@dataclass
class Check:
    """One compiled constraint: a SELECT that yields ?this (and ?value, ?path where known)."""

    shape: Node
    component: str
    query: str
    path: str | None
    #: The sh:sparql constraint node, whose sh:message wins over the shape's.
    constraint: Node | None = None
    parameters: dict[str, str] = field(default_factory=dict)


class _Vars:
    """What one shape's compilation shares: fresh variable names (called) and the data's class
    hierarchy, which writes "a SHACL instance of C" out class by class."""

    def __init__(self, classes: ClassHierarchy) -> None:
        self._n = itertools.count()
        self.classes = classes

    def __call__(self) -> str:
        return f"?_v{next(self._n)}"

    def instance(self, node: str, cls: Node) -> str:
        """A group pattern matching when ``node`` is a SHACL instance of ``cls``: typed with it
        or with a class below it. Named classes, not ``rdf:type/rdfs:subClassOf*``: Virtuoso 7.2
        evaluates that path wrongly once both its ends are bound (:mod:`.classes`)."""
        if not isinstance(cls, URIRef):
            raise Unsupported("a blank node or literal used as a class")
        try:
            named = self.classes.classes(str(cls))
        except BlankSubclass as exc:
            raise Unsupported(str(exc)) from None
        return " UNION ".join(f"{{ {node} {RDF_TYPE} <{c}> . }}" for c in named)


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported("a blank node used as a constraint value")
    return node.n3()


def compile_shapes(graph: Graph, classes: ClassHierarchy | None = None) -> tuple[list[Check], list[Node]]:
    """Compile every targeted shape; return the checks and the top-level shapes that must go to
    the reference engine because the compiler cannot cover them.

    ``classes`` is the data's class hierarchy (:meth:`ClassHierarchy.of` the store to validate);
    without it no class has subclasses, so ``sh:targetClass`` and ``sh:class`` mean the class
    itself."""
    classes = classes if classes is not None else ClassHierarchy()
    checks: list[Check] = []
    fallback: list[Node] = []
    for top in _targeted_shapes(graph):
        try:
            fresh = _Vars(classes)
            focus = _focus_pattern(graph, top, fresh)
            found = list(_walk(graph, top, focus, fresh, set()))
        except Unsupported:
            fallback.append(top)
            continue
        checks += found
    return checks, fallback


def _targeted_shapes(graph: Graph) -> list[Node]:
    tops: set[Node] = set()
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        tops.update(graph.subjects(p, None))
    for t in (SH.NodeShape, SH.PropertyShape):
        for s in graph.subjects(RDF.type, t):
            if (s, RDF.type, RDFS.Class) in graph or (s, RDF.type, OWL.Class) in graph:
                tops.add(s)
    active = (s for s in tops if not _deactivated(graph, s))
    return sorted(active, key=lambda n: (isinstance(n, BNode), str(n)))


def _deactivated(graph: Graph, shape: Node) -> bool:
    value = graph.value(shape, SH.deactivated)
    return value is not None and value.toPython() is True


def _focus_pattern(graph: Graph, shape: Node, fresh: _Vars) -> str:
    """A group pattern binding ?this to every focus node of a targeted shape.

    Variables are named, never ``[]``: Oxigraph names a ``[]`` at random, and the order in
    which it evaluates the operands of ``&&`` and the patterns of a group follows those names,
    so a query with ``[]`` is planned differently from run to run (and its rows evaluated,
    ``comgraph.validate.profile``, would not be the same twice)."""
    parts = []
    if graph.value(shape, SH.target) is not None:
        raise Unsupported("SHACL-AF sh:target")
    for c in graph.objects(shape, SH.targetClass):
        parts.append(fresh.instance("?this", c))
    if (shape, RDF.type, RDFS.Class) in graph or (shape, RDF.type, OWL.Class) in graph:
        parts.append(fresh.instance("?this", shape))
    nodes = list(graph.objects(shape, SH.targetNode))
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_term(n) for n in nodes) + " }")
    for p in graph.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?this {_term(p)} ?_object .")
    for p in graph.objects(shape, SH.targetObjectsOf):
        parts.append(f"?_subject {_term(p)} ?this .")
    return "SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + p + " }" for p in parts) + " }"


def _walk(graph: Graph, shape: Node, focus_select: str, fresh: _Vars, seen: set) -> Iterator[Check]:
    """The checks of one shape whose focus nodes the ``focus_select`` subquery gives as ?this,
    and of the property shapes it holds."""
    if _deactivated(graph, shape) or shape in seen:
        return
    seen = seen | {shape}
    path_node = graph.value(shape, SH.path)
    path = sparql_path(graph, path_node) if path_node is not None else None
    for component, pattern, params, constraint in _constraints(graph, shape, "?this", "?value", path, fresh,
                                                              top=True):
        if component == str(SH.SPARQLConstraintComponent):
            query = pattern.replace("{{FOCUS}}", "{ " + focus_select + " }")
        else:
            query = ("SELECT DISTINCT ?this ?value ?path WHERE { { " + focus_select + " } " + pattern + " }")
        yield Check(shape, component, query, path_text(graph, path_node), constraint, params)
    for child in graph.objects(shape, SH.property):
        if path is None:
            yield from _walk(graph, child, focus_select, fresh, seen)
        else:
            # sh:property on a property shape: the inner shape's focus nodes are our values.
            inner = f"SELECT DISTINCT ?this WHERE {{ {{ {focus_select.replace('?this', '?_outer')} }} " \
                    f"?_outer {path} ?this }}"
            yield from _walk(graph, child, inner, fresh, seen)


def _value_pattern(focus: str, value: str, path: str | None) -> str:
    return f"{focus} {path} {value} ." if path else f"BIND({focus} AS {value})"


class _Form:
    """How one shape's violations are written, in one of two places.

    At the top of a check (``top``), a violation is a group pattern whose solutions bind
    ?this and ?value: the findings. Nested in another shape's test (sh:node, sh:not, sh:and,
    sh:or, sh:xone), it is a boolean expression over ``focus``, true when that node fails the
    shape. The expression keeps the node's binding where every engine sees it: in a triple
    pattern inside ``EXISTS``, or in the expression itself. A group made only of FILTERs (or of
    ``BIND(?outer AS ?v)``) inside ``EXISTS`` would rely on the outer binding reaching it, which
    Virtuoso 7.2 does not do (it dropped findings, invented others, or refused the query, SQ156).
    """

    def __init__(self, focus: str, value: str, path: str | None, top: bool):
        self.focus, self.value, self.path, self.top = focus, value, path, top
        self.values = _value_pattern(focus, value, path)

    def per_value(self, cond: str) -> str:
        """Violated by each value for which ``cond`` holds. Nested without a path, ``value`` is
        the focus node itself, so the condition is the expression."""
        if self.top:
            return f"{self.values} FILTER ({cond})"
        if self.path:
            return f"EXISTS {{ {self.focus} {self.path} {self.value} . FILTER ({cond}) }}"
        return cond

    def joined(self, pattern: str) -> str:
        """Violated by each value for which the triple ``pattern`` (over focus and value) matches."""
        if self.top:
            return f"{self.values} {pattern}"
        if self.path:
            return f"EXISTS {{ {self.focus} {self.path} {self.value} . {pattern} }}"
        return f"EXISTS {{ {pattern} }}"

    def absent(self, pattern: str) -> str:
        """Violated when ``pattern`` (which names the focus in a triple) does not match."""
        return f"FILTER NOT EXISTS {{ {pattern} }}" if self.top else f"NOT EXISTS {{ {pattern} }}"

    def present(self, pattern: str) -> str:
        """Violated when ``pattern`` (which names the focus in a triple) matches."""
        return pattern if self.top else f"EXISTS {{ {pattern} }}"


def _same_term(var: str, node: Node) -> str:
    """An expression true when ``var`` is the RDF term ``node``.

    ``sameTerm`` for an IRI. For a literal, its parts compared one by one (lexical form,
    language tag or datatype): Virtuoso 7.2 keeps strings in its own form, and its
    ``sameTerm(?v, "UK")`` is false for a stored "UK"; ``=`` would compare values, not terms
    (``"1.0"^^xsd:decimal = 1``)."""
    if isinstance(node, URIRef):
        return f"sameTerm({var}, {node.n3()})"
    if isinstance(node, Literal):
        lexical = Literal(str(node)).n3()
        if node.language:
            tag = f"LCASE(LANG({var})) = {Literal(node.language.lower()).n3()}"
        else:
            tag = f"LANG({var}) = \"\" && DATATYPE({var}) = <{node.datatype or XSD + 'string'}>"
        return f"(isLiteral({var}) && STR({var}) = {lexical} && {tag})"
    raise Unsupported("a blank node used as a constraint value")


NUMERIC = {XSD + n for n in (
    "integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long", "int", "short",
    "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    "positiveInteger")}


def _comparable(var: str, bound: Node) -> str:
    """An expression true when ``var`` can be ordered against the literal ``bound``: a number
    against a number, otherwise a literal of the bound's datatype. SPARQL makes any other
    comparison an error (a violation of sh:minInclusive and the like); Virtuoso 7.2 orders
    mixed types instead ("high" > 0.0 is true there), so the test is written out."""
    if isinstance(bound, Literal) and str(bound.datatype) in NUMERIC:
        return f"isNumeric({var})"
    if isinstance(bound, Literal) and bound.datatype is not None:
        return f"(isLiteral({var}) && datatype({var}) = <{bound.datatype}>)"
    return "true"


def _constraints(graph: Graph, shape: Node, focus: str, value: str, path: str | None, fresh: _Vars,
                 *, top: bool, depth: int = 0) -> Iterator[tuple[str, str, dict, Node | None]]:
    """(component IRI, violation over ``focus``/``value`` in the form :class:`_Form` says,
    parameters, constraint node)."""
    _check_known(graph, shape)
    form = _Form(focus, value, path, top)
    g = graph
    for c in g.objects(shape, SH["class"]):
        yield _cc("Class"), form.per_value(f"NOT EXISTS {{ {fresh.instance(value, c)} }}"), \
            {"class": str(c)}, None
    for d in g.objects(shape, SH.datatype):
        cond = f"!isLiteral({value}) || datatype({value}) != {_term(d)}"
        if str(d) in CASTABLE:
            # The cast only once the datatype is known to match: Virtuoso 7.2 evaluates both
            # sides of || and a failed cast of another value ("x" to xsd:integer) stops the
            # whole query (SR341) instead of being an expression error.
            cond = f"IF({cond}, true, !COALESCE(isLiteral({_term(d)}({value})), false))"
        yield _cc("Datatype"), form.per_value(cond), {"datatype": str(d)}, None
    for k in g.objects(shape, SH.nodeKind):
        tests = {
            SH.IRI: f"!isIRI({value})", SH.BlankNode: f"!isBlank({value})",
            SH.Literal: f"!isLiteral({value})",
            SH.BlankNodeOrIRI: f"isLiteral({value})", SH.BlankNodeOrLiteral: f"isIRI({value})",
            SH.IRIOrLiteral: f"isBlank({value})",
        }
        if k not in tests:
            raise Unsupported(f"sh:nodeKind {k}")
        yield _cc("NodeKind"), form.per_value(tests[k]), {"nodeKind": str(k)}, None
    for name, op in (("minInclusive", ">="), ("minExclusive", ">"), ("maxInclusive", "<="),
                     ("maxExclusive", "<")):
        for bound in g.objects(shape, SH[name]):
            test = f"!COALESCE({_comparable(value, bound)} && {value} {op} {_term(bound)}, false)"
            yield _cc(name[0].upper() + name[1:]), form.per_value(test), {name: str(bound)}, None
    for name, op in (("minLength", ">="), ("maxLength", "<=")):
        for n in g.objects(shape, SH[name]):
            yield _cc(name[0].upper() + name[1:]), form.per_value(
                f"isBlank({value}) || !COALESCE(STRLEN(STR({value})) {op} {int(n)}, false)"
            ), {name: str(n)}, None
    for pattern in g.objects(shape, SH.pattern):
        flags = g.value(shape, SH.flags)
        args = Literal(str(pattern)).n3() + (", " + Literal(str(flags)).n3() if flags is not None else "")
        yield _cc("Pattern"), form.per_value(
            f"isBlank({value}) || !COALESCE(REGEX(STR({value}), {args}), false)"
        ), {"pattern": str(pattern)}, None
    for head in g.objects(shape, SH.languageIn):
        test = _joined(g, head, " || ", "false",
                       lambda t: f"langMatches(lang({value}), {Literal(str(t)).n3()})")
        yield _cc("LanguageIn"), form.per_value(f"!isLiteral({value}) || !({test})"), {}, None
    for head in g.objects(shape, SH["in"]):
        # Each member ruled out in turn: Virtuoso 7.2 gets the negated disjunction,
        # !(sameTerm(…) || sameTerm(…)), wrong.
        test = _joined(g, head, " && ", "true", lambda m: f"!{_same_term(value, m)}")
        yield _cc("In"), form.per_value(test), {}, None
    for v in g.objects(shape, SH.hasValue):
        if path and top and not _one_pattern(path):
            has = fresh()
            pattern = (f"OPTIONAL {{ SELECT DISTINCT ?this (true AS {has}) WHERE {{ "
                       f"?this {path} {_term(v)} }} }} FILTER (!BOUND({has}))")
        elif path:
            pattern = form.absent(f"{focus} {path} {_term(v)}")
        elif top:
            pattern = f"FILTER (!{_same_term(focus, v)})"
        else:
            pattern = f"!{_same_term(focus, v)}"
        yield _cc("HasValue"), pattern, {"hasValue": str(v)}, None
    yield from _counts(g, shape, form, fresh)
    yield from _pairs(g, shape, form, fresh)
    closed = g.value(shape, SH.closed)
    if closed is not None and closed.toPython() is True:
        allowed = {p for ps in g.objects(shape, SH.property) for p in [g.value(ps, SH.path)]
                   if isinstance(p, URIRef)}
        for head in g.objects(shape, SH.ignoredProperties):
            allowed.update(rdf_list(g, head))
        p_var, o_var = ("?path", value) if top else (fresh(), fresh())
        filt = f"FILTER ({p_var} NOT IN ({', '.join(_term(a) for a in sorted(allowed))}))" if allowed else ""
        if path:
            raise Unsupported("sh:closed on a property shape")
        yield _cc("Closed"), form.present(f"{focus} {p_var} {o_var} . {filt}"), {}, None

    def fails(m: Node) -> str:
        return f"({violates(g, m, value, fresh, depth + 1)})"

    for inner in g.objects(shape, SH.node):
        yield _cc("Node"), form.per_value(fails(inner)), {"node": str(inner)}, None
    for inner in g.objects(shape, SH["not"]):
        yield _cc("Not"), form.per_value(f"!{fails(inner)}"), {}, None
    for head in g.objects(shape, SH["and"]):
        yield _cc("And"), form.per_value(_joined(g, head, " || ", "false", fails)), {}, None
    for head in g.objects(shape, SH["or"]):
        yield _cc("Or"), form.per_value(_joined(g, head, " && ", "true", fails)), {}, None
    for head in g.objects(shape, SH.xone):
        members = rdf_list(g, head)
        total = " + ".join(f"IF({fails(m)}, 0, 1)" for m in members) or "0"
        yield _cc("Xone"), form.per_value(f"({total}) != 1"), {}, None
    for constraint in g.objects(shape, SH.sparql):
        if not top:
            raise Unsupported("sh:sparql inside a nested shape")
        if _deactivated(g, constraint):
            continue
        query = _sparql_constraint(g, shape, constraint, path)
        yield str(SH.SPARQLConstraintComponent), query, {}, constraint


def _cc(name: str) -> str:
    return f"{SH}{name}ConstraintComponent"


def _check_known(graph: Graph, shape: Node) -> None:
    """Fail closed: a predicate on a shape that we do not translate sends the shape to pySHACL."""
    known = NON_CONSTRAINTS | {
        SH["class"], SH.datatype, SH.nodeKind, SH.minInclusive, SH.minExclusive, SH.maxInclusive,
        SH.maxExclusive, SH.minLength, SH.maxLength, SH.pattern, SH.languageIn, SH["in"], SH.hasValue,
        SH.minCount, SH.maxCount, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH.uniqueLang,
        SH.closed, SH.node, SH["not"], SH["and"], SH["or"], SH.xone, SH.sparql,
    }
    custom = _custom_parameters(graph)
    for p in set(graph.predicates(shape, None)):
        if p in custom:
            raise Unsupported(f"custom constraint component parameter {p}")
        if str(p).startswith(str(SH)) and p not in known:
            raise Unsupported(f"{p}")


def _custom_parameters(graph: Graph) -> set[Node]:
    found = set()
    for cc in graph.subjects(RDF.type, SH.ConstraintComponent):
        for param in graph.objects(cc, SH.parameter):
            p = graph.value(param, SH.path)
            if p is not None:
                found.add(p)
    return found


def _counts(g: Graph, shape: Node, form: _Form, fresh: _Vars):
    focus, path, top = form.focus, form.path, form.top
    if path is None:
        return
    for n in g.objects(shape, SH.minCount):
        n = int(n)
        if n <= 0:
            continue
        if n == 1 and (not top or _one_pattern(path)):
            pattern = form.absent(f"{focus} {path} {fresh()}")
        elif top:
            pattern = (f"OPTIONAL {{ SELECT ?this (COUNT(DISTINCT ?_m) AS ?_count) WHERE {{ "
                       f"?this {path} ?_m }} GROUP BY ?this }} FILTER (COALESCE(?_count, 0) < {n})")
        elif n <= 4:
            vs = [fresh() for _ in range(n)]
            distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2))
            pattern = form.absent(f"{' '.join(f'{focus} {path} {v} .' for v in vs)} FILTER ({distinct})")
        else:
            raise Unsupported("sh:minCount above 4 in a nested shape")
        yield _cc("MinCount"), pattern, {"minCount": str(n)}, None
    for n in g.objects(shape, SH.maxCount):
        n = int(n)
        if top:
            pattern = (f"{{ SELECT ?this WHERE {{ ?this {path} ?_m }} GROUP BY ?this "
                       f"HAVING (COUNT(DISTINCT ?_m) > {n}) }}")
        elif n <= 3:
            vs = [fresh() for _ in range(n + 1)]
            distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)) or "true"
            pattern = form.present(f"{' '.join(f'{focus} {path} {v} .' for v in vs)} FILTER ({distinct})")
        else:
            raise Unsupported("sh:maxCount above 3 in a nested shape")
        yield _cc("MaxCount"), pattern, {"maxCount": str(n)}, None


def _one_pattern(path: str) -> bool:
    """Whether a SPARQL path is one triple pattern (a predicate or its inverse).

    A longer path inside a correlated FILTER NOT EXISTS is re-evaluated for every focus node,
    and Oxigraph evaluates each of its steps without the others' bindings, scanning every
    triple of the later steps each time: a cost growing with the square of the data. At the top
    of a check such a path is evaluated once for all focus nodes instead (a sub-select joined
    in), which is why these constraints compile differently there."""
    return re.fullmatch(r"[(^]*<[^<>\s]*>\)*", path) is not None


def _pairs(g: Graph, shape: Node, form: _Form, fresh: _Vars):
    focus, value, path, top = form.focus, form.value, form.path, form.top
    for p in g.objects(shape, SH.equals):
        other = _term(p)
        if not top:
            raise Unsupported("sh:equals in a nested shape")
        yield _cc("Equals"), (
            f"{{ {form.values} FILTER NOT EXISTS {{ {focus} {other} {value} }} }} UNION "
            f"{{ {focus} {other} {value} . FILTER NOT EXISTS {{ {form.values} }} }}"
        ), {"equals": str(p)}, None
    for p in g.objects(shape, SH.disjoint):
        yield _cc("Disjoint"), form.joined(f"{focus} {_term(p)} {value} ."), {"disjoint": str(p)}, None
    for name, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for p in g.objects(shape, SH[name]):
            if not path:
                raise Unsupported(f"sh:{name} on a node shape")
            other = "?_other" if top else fresh()
            yield _cc(name[0].upper() + name[1:]), form.joined(
                f"{focus} {_term(p)} {other} . FILTER (!COALESCE({value} {op} {other}, false))"
            ), {name: str(p)}, None
    unique = g.value(shape, SH.uniqueLang)
    if unique is not None and unique.toPython() is True and path:
        if not top:
            raise Unsupported("sh:uniqueLang in a nested shape")
        yield _cc("UniqueLang"), (
            f"{{ SELECT DISTINCT ?this WHERE {{ ?this {path} ?_a , ?_b . FILTER (isLiteral(?_a) && "
            f"lang(?_a) != \"\" && lang(?_a) = lang(?_b) && !sameTerm(?_a, ?_b)) }} }}"
        ), {}, None


def _joined(g: Graph, head: Node, operator: str, empty: str, test) -> str:
    """``test`` of each member of the RDF list at ``head``, joined by ``operator``; ``empty`` when
    the list is empty."""
    return operator.join(test(m) for m in rdf_list(g, head)) or empty


def violates(graph: Graph, shape: Node, node: str, fresh: _Vars, depth: int = 0) -> str:
    """A boolean expression, true when the node bound to ``node`` fails ``shape`` (the nested
    form of :class:`_Form`)."""
    if depth > 8:
        raise Unsupported("shapes nested more than 8 deep (or recursive)")
    if _deactivated(graph, shape):
        return "false"
    tests = []
    path_node = graph.value(shape, SH.path)
    path = sparql_path(graph, path_node) if path_node is not None else None
    value = fresh() if path is not None else node
    for _component, test, _params, _c in _constraints(graph, shape, node, value, path, fresh, top=False,
                                                       depth=depth):
        tests.append(f"({test})")
    for child in graph.objects(shape, SH.property):
        if path is not None:
            raise Unsupported("sh:property on a nested property shape")
        tests.append(f"({violates(graph, child, node, fresh, depth + 1)})")
    return tests[0][1:-1] if len(tests) == 1 else " || ".join(tests) or "false"


def _sparql_constraint(graph: Graph, shape: Node, constraint: Node, path: str | None) -> str:
    """A SHACL-SPARQL SELECT with ``$this`` pre-bound: the focus subquery opens its WHERE group,
    which gives the pre-binding semantics SHACL asks for while the store evaluates it in one go."""
    select = graph.value(constraint, SH.select)
    if select is None:
        raise Unsupported("sh:sparql without sh:select")
    declared, text = split_prologue(str(select))
    prologue = {**_prefixes(graph, constraint), **declared}
    if "$shapesGraph" in text or "$currentShape" in text:
        if isinstance(shape, URIRef) and "$shapesGraph" not in text:
            text = substitute_variables(text, {"currentShape": f"<{shape}>"})
        else:
            raise Unsupported("$shapesGraph in a SHACL-SPARQL query")
    if "$PATH" in text:
        if path is None:
            raise Unsupported("$PATH in a node shape")
        text = substitute_variables(text, {"PATH": path})
    text = substitute_variables(text, {"this": "?this"})
    try:
        start = where_group_start(text)
    except Exception as exc:  # noqa: BLE001 - any reason means we cannot rewrite it safely
        raise Unsupported(f"a SHACL-SPARQL query we cannot rewrite ({exc})") from None
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prologue.items())
    return head + text[:start] + " {{FOCUS}} " + text[start:]


def _prefixes(graph: Graph, constraint: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for ontology in graph.objects(constraint, SH.prefixes):
        for decl in graph.objects(ontology, SH.declare):
            prefix = graph.value(decl, SH.prefix)
            namespace = graph.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                found[str(prefix)] = str(namespace)
    return found
