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
from comgraph.validate.shapes import path_text, rdf_list, sparql_path

RDF_TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"

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
    def __init__(self) -> None:
        self._n = itertools.count()

    def __call__(self) -> str:
        return f"?_v{next(self._n)}"


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported("a blank node used as a constraint value")
    return node.n3()


def compile_shapes(graph: Graph) -> tuple[list[Check], list[Node]]:
    """Compile every targeted shape; return the checks and the top-level shapes that must go to
    the reference engine because the compiler cannot cover them."""
    checks: list[Check] = []
    fallback: list[Node] = []
    for top in _targeted_shapes(graph):
        try:
            focus = _focus_pattern(graph, top)
            found = list(_walk(graph, top, focus, _Vars(), set()))
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


def _focus_pattern(graph: Graph, shape: Node) -> str:
    """A group pattern binding ?this to every focus node of a targeted shape.

    Variables are named, never ``[]``: Oxigraph names a ``[]`` at random, and the order in
    which it evaluates the operands of ``&&`` and the patterns of a group follows those names,
    so a query with ``[]`` is planned differently from run to run (and its rows evaluated,
    ``comgraph.validate.profile``, would not be the same twice)."""
    parts = []
    if graph.value(shape, SH.target) is not None:
        raise Unsupported("SHACL-AF sh:target")
    for c in graph.objects(shape, SH.targetClass):
        parts.append(f"?this {RDF_TYPE}/{SUBCLASS}* {_term(c)} .")
    if (shape, RDF.type, RDFS.Class) in graph or (shape, RDF.type, OWL.Class) in graph:
        parts.append(f"?this {RDF_TYPE}/{SUBCLASS}* {_term(shape)} .")
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


def _constraints(graph: Graph, shape: Node, focus: str, value: str, path: str | None, fresh: _Vars,
                 *, top: bool) -> Iterator[tuple[str, str, dict, Node | None]]:
    """(component IRI, violation pattern over ``focus``/``value``, parameters, constraint node)."""
    _check_known(graph, shape)
    values = _value_pattern(focus, value, path)
    g = graph
    for c in g.objects(shape, SH["class"]):
        yield _cc("Class"), f"{values} FILTER NOT EXISTS {{ {value} {RDF_TYPE}/{SUBCLASS}* {_term(c)} }}", \
            {"class": str(c)}, None
    for d in g.objects(shape, SH.datatype):
        cond = f"!isLiteral({value}) || datatype({value}) != {_term(d)}"
        if str(d) in CASTABLE:
            cond += f" || !COALESCE(isLiteral({_term(d)}({value})), false)"
        yield _cc("Datatype"), f"{values} FILTER ({cond})", {"datatype": str(d)}, None
    for k in g.objects(shape, SH.nodeKind):
        tests = {
            SH.IRI: f"!isIRI({value})", SH.BlankNode: f"!isBlank({value})",
            SH.Literal: f"!isLiteral({value})",
            SH.BlankNodeOrIRI: f"isLiteral({value})", SH.BlankNodeOrLiteral: f"isIRI({value})",
            SH.IRIOrLiteral: f"isBlank({value})",
        }
        if k not in tests:
            raise Unsupported(f"sh:nodeKind {k}")
        yield _cc("NodeKind"), f"{values} FILTER ({tests[k]})", {"nodeKind": str(k)}, None
    for name, op in (("minInclusive", ">="), ("minExclusive", ">"), ("maxInclusive", "<="),
                     ("maxExclusive", "<")):
        for bound in g.objects(shape, SH[name]):
            yield _cc(name[0].upper() + name[1:]), \
                f"{values} FILTER (!COALESCE({value} {op} {_term(bound)}, false))", {name: str(bound)}, None
    for name, op in (("minLength", ">="), ("maxLength", "<=")):
        for n in g.objects(shape, SH[name]):
            yield _cc(name[0].upper() + name[1:]), (
                f"{values} FILTER (isBlank({value}) || !COALESCE(STRLEN(STR({value})) {op} {int(n)}, false))"
            ), {name: str(n)}, None
    for pattern in g.objects(shape, SH.pattern):
        flags = g.value(shape, SH.flags)
        args = Literal(str(pattern)).n3() + (", " + Literal(str(flags)).n3() if flags is not None else "")
        yield _cc("Pattern"), (
            f"{values} FILTER (isBlank({value}) || !COALESCE(REGEX(STR({value}), {args}), false))"
        ), {"pattern": str(pattern)}, None
    for head in g.objects(shape, SH.languageIn):
        test = _joined(g, head, " || ", "false",
                       lambda t: f"langMatches(lang({value}), {Literal(str(t)).n3()})")
        yield _cc("LanguageIn"), f"{values} FILTER (!isLiteral({value}) || !({test}))", {}, None
    for head in g.objects(shape, SH["in"]):
        test = _joined(g, head, " || ", "false", lambda m: f"sameTerm({value}, {_term(m)})")
        yield _cc("In"), f"{values} FILTER (!({test}))", {}, None
    for v in g.objects(shape, SH.hasValue):
        if path and top and not _one_pattern(path):
            has = fresh()
            pattern = (f"OPTIONAL {{ SELECT DISTINCT ?this (true AS {has}) WHERE {{ "
                       f"?this {path} {_term(v)} }} }} FILTER (!BOUND({has}))")
        elif path:
            pattern = f"FILTER NOT EXISTS {{ {focus} {path} {_term(v)} }}"
        else:
            pattern = f"FILTER (!sameTerm({focus}, {_term(v)}))"
        yield _cc("HasValue"), pattern, {"hasValue": str(v)}, None
    yield from _counts(g, shape, focus, path, fresh, top)
    yield from _pairs(g, shape, focus, value, path, values, top)
    closed = g.value(shape, SH.closed)
    if closed is not None and closed.toPython() is True:
        allowed = {p for ps in g.objects(shape, SH.property) for p in [g.value(ps, SH.path)]
                   if isinstance(p, URIRef)}
        for head in g.objects(shape, SH.ignoredProperties):
            allowed.update(rdf_list(g, head))
        p_var = "?path" if top else fresh()
        filt = f"FILTER ({p_var} NOT IN ({', '.join(_term(a) for a in sorted(allowed))}))" if allowed else ""
        if path:
            raise Unsupported("sh:closed on a property shape")
        yield _cc("Closed"), f"{focus} {p_var} {value} . {filt}", {}, None
    for inner in g.objects(shape, SH.node):
        yield _cc("Node"), f"{values} FILTER EXISTS {{ {violates(g, inner, value, fresh)} }}", \
            {"node": str(inner)}, None
    for inner in g.objects(shape, SH["not"]):
        yield _cc("Not"), f"{values} FILTER NOT EXISTS {{ {violates(g, inner, value, fresh)} }}", {}, None
    def fails(m: Node) -> str:
        return f"EXISTS {{ {violates(g, m, value, fresh)} }}"

    for head in g.objects(shape, SH["and"]):
        yield _cc("And"), f"{values} FILTER ({_joined(g, head, ' || ', 'false', fails)})", {}, None
    for head in g.objects(shape, SH["or"]):
        yield _cc("Or"), f"{values} FILTER ({_joined(g, head, ' && ', 'true', fails)})", {}, None
    for head in g.objects(shape, SH.xone):
        members = rdf_list(g, head)
        total = " + ".join(f"IF(EXISTS {{ {violates(g, m, value, fresh)} }}, 0, 1)" for m in members) or "0"
        yield _cc("Xone"), f"{values} FILTER (({total}) != 1)", {}, None
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


def _counts(g: Graph, shape: Node, focus: str, path: str | None, fresh: _Vars, top: bool):
    if path is None:
        return
    for n in g.objects(shape, SH.minCount):
        n = int(n)
        if n <= 0:
            continue
        if n == 1 and (not top or _one_pattern(path)):
            pattern = f"FILTER NOT EXISTS {{ {focus} {path} {fresh()} }}"
        elif top:
            pattern = (f"OPTIONAL {{ SELECT ?this (COUNT(DISTINCT ?_m) AS ?_count) WHERE {{ "
                       f"?this {path} ?_m }} GROUP BY ?this }} FILTER (COALESCE(?_count, 0) < {n})")
        elif n <= 4:
            vs = [fresh() for _ in range(n)]
            distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2))
            pattern = (f"FILTER NOT EXISTS {{ {' '.join(f'{focus} {path} {v} .' for v in vs)} "
                       f"FILTER ({distinct}) }}")
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
            pattern = f"{' '.join(f'{focus} {path} {v} .' for v in vs)} FILTER ({distinct})"
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


def _pairs(g: Graph, shape: Node, focus: str, value: str, path: str | None, values: str, top: bool):
    for p in g.objects(shape, SH.equals):
        other = _term(p)
        if not top:
            raise Unsupported("sh:equals in a nested shape")
        yield _cc("Equals"), (
            f"{{ {values} FILTER NOT EXISTS {{ {focus} {other} {value} }} }} UNION "
            f"{{ {focus} {other} {value} . FILTER NOT EXISTS {{ {_value_pattern(focus, value, path)} }} }}"
        ), {"equals": str(p)}, None
    for p in g.objects(shape, SH.disjoint):
        yield _cc("Disjoint"), f"{values} {focus} {_term(p)} {value} .", {"disjoint": str(p)}, None
    for name, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for p in g.objects(shape, SH[name]):
            if not path:
                raise Unsupported(f"sh:{name} on a node shape")
            yield _cc(name[0].upper() + name[1:]), (
                f"{values} {focus} {_term(p)} ?_other . FILTER (!COALESCE({value} {op} ?_other, false))"
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
    """A group pattern that matches when the node bound to ``node`` fails ``shape``."""
    if depth > 8:
        raise Unsupported("shapes nested more than 8 deep (or recursive)")
    if _deactivated(graph, shape):
        return "FILTER (false)"
    branches = []
    path_node = graph.value(shape, SH.path)
    path = sparql_path(graph, path_node) if path_node is not None else None
    for _component, pattern, _params, _c in _constraints(graph, shape, node, fresh(), path, fresh, top=False):
        branches.append("{ " + pattern + " }")
    for child in graph.objects(shape, SH.property):
        if path is not None:
            raise Unsupported("sh:property on a nested property shape")
        branches.append("{ " + violates(graph, child, node, fresh, depth + 1) + " }")
    return " UNION ".join(branches) if branches else "FILTER (false)"


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
