"""A grammar-based fuzzer for the SPARQL guard: SERVICE, LOAD and FROM hidden behind every lexical
form SPARQL allows, sent to the endpoint of an embedded store, whose engine would really connect.

Each example builds an operation from the grammar's own pieces: keywords in mixed case or with
letters written as ``\\u``/``\\U`` escapes; prefixed names with escaped local parts (``e:a\\#``,
``e:a\\'``, which fooled the old keyword scan); strings holding quotes, braces, ``#`` and the
keywords; IRIs with fragments; comments (some holding a SERVICE); ``\\u0023`` (a ``#`` after
decoding, so a real comment); and the clause nested in groups, OPTIONAL, UNION, MINUS and
sub-queries. The target of every SERVICE and LOAD is a listener on 127.0.0.1: any connection
fails the test, and so does any answer but 200 or 400 (a 5xx, a traceback).

The budget is fixed (``derandomize=True``): the same examples on every run, so CI is stable.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from comgraph.app import create_app
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from comgraph.store import Source, open_store
from tests.conftest import UPDATE_TOKEN
from tests.test_hardening import Listener

QUERY_EXAMPLES = 250
UPDATE_EXAMPLES = 120
TRIED = {"query": 0, "update": 0}
DECOY_DATA = """@prefix e: <http://e/> .
e:s e:a\\# e:o ; e:a\\' e:o ; e:a\\'b\\' e:o ; e:a\\#b e:o ; e:a\\~\\.\\- e:o ; e:a e:o ;
    e:SERVICE e:LOAD ; e:p "a # b" , "x" ; e:b e:c .
e:s <http://e/#x> e:o .
"""


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[object, Listener]]:
    listener = Listener()
    store = open_store("oxigraph:")
    # Data every decoy pattern matches: on an empty store the engine skips a SERVICE joined to
    # a pattern with no match, and a leak would go unseen.
    store.load([Source("decoys.ttl", data=DECOY_DATA.encode())])
    app = create_app({"STORE": store, "TESTING": True, "SPARQL_UPDATE_TOKEN": UPDATE_TOKEN})
    try:
        yield app.test_client(), listener
    finally:
        listener.close()
        store.close()


def _escape(char: str, form: str) -> str:
    if form == "u":
        return f"\\u{ord(char):04X}"
    if form == "U":
        return f"\\U{ord(char):08x}"
    return char.lower() if form == "lower" else char.upper()


@st.composite
def keyword(draw: st.DrawFn, word: str) -> str:
    forms = draw(st.lists(st.sampled_from(["upper", "lower", "upper", "u", "U"]),
                          min_size=len(word), max_size=len(word)))
    return "".join(_escape(c, f) for c, f in zip(word, forms, strict=True))


SPACE = st.sampled_from([" ", "\n", "\t", "  ", " # a comment { SERVICE\n", "\n#\n", " \r\n "])

DECOYS = st.sampled_from([
    "?s e:a\\# ?o .",
    "?s e:a\\' ?o .",
    "?s e:a\\'b\\' ?o .",
    "?s e:a\\#b ?o .",
    "?s e:a\\~\\.\\- ?o .",
    '?s ?p "a # b \\" } { " .',
    "?s ?p 'it\\'s # { ' .",
    '?s ?p """x\n# } SERVICE\n""" .',
    "?s ?p '''y ''' .",
    "?s <http://e/#x> ?o .",
    '?s ?p "SERVICE <http://127.0.0.1:1/> { }" .',
    "?s e:SERVICE e:LOAD .",
    "?service ?load ?from .",
    "FILTER(?o != \"{\")",
    "?s e:a\\u0023 ?o .\n",
    "?s ?p \"\\u0022 # \" .",
    "BIND(\"FROM\" AS ?from)",
    "",
])


@st.composite
def service_clause(draw: st.DrawFn, port: int) -> str:
    iri = draw(st.sampled_from([
        f"<http://127.0.0.1:{port}/admin>",
        "t:admin",
        f"<http://127.0.0.1:{port}/\\u0061dmin>",
        f"<http://127.0.0.1:{port}/a#frag>",
    ]))
    silent = draw(keyword("SILENT")) + draw(SPACE) if draw(st.booleans()) else ""
    return (f"{draw(keyword('SERVICE'))}{draw(SPACE)}{silent}{iri}{draw(SPACE)}"
            f"{{ ?leak ?b ?c }}")


@st.composite
def nested(draw: st.DrawFn, inner: str) -> str:
    for _ in range(draw(st.integers(0, 4))):
        decoy = draw(DECOYS)
        wrap = draw(st.sampled_from(["group", "optional", "union", "minus", "subselect", "graph"]))
        if wrap == "group":
            inner = f"{{ {decoy} {inner} }}"
        elif wrap == "optional":
            inner = f"OPTIONAL {{ {inner} {decoy} }}"
        elif wrap == "union":
            inner = f"{{ {decoy} }} UNION {{ {inner} }}"
        elif wrap == "minus":
            inner = f"?x ?y ?z MINUS {{ {inner} }}"
        elif wrap == "graph":
            inner = f"GRAPH ?g {{ {inner} }}"
        else:
            inner = f"{{ SELECT * WHERE {{ {decoy} {inner} }} }}"
    return inner


def _prologue(port: int) -> str:
    return f"PREFIX e: <http://e/>\nPREFIX t: <http://127.0.0.1:{port}/>\n"


@st.composite
def hidden_query(draw: st.DrawFn, port: int) -> str:
    clause = draw(st.sampled_from(["service", "service", "from", "from named"]))
    before, after = draw(DECOYS), draw(DECOYS)
    if clause == "service":
        body = draw(nested(f"{before}{draw(SPACE)}{draw(service_clause(port))}{draw(SPACE)}{after}"))
        return f"{_prologue(port)}SELECT ?leak WHERE {{ {body} }}"
    named = draw(keyword("NAMED")) + draw(SPACE) if clause == "from named" else ""
    body = draw(nested(f"{before} ?leak ?b ?c . {after}"))
    return (f"{_prologue(port)}SELECT ?leak {draw(keyword('FROM'))}{draw(SPACE)}{named}"
            f"<http://127.0.0.1:{port}/g>{draw(SPACE)}WHERE {{ {body} }}")


@st.composite
def hidden_update(draw: st.DrawFn, port: int) -> str:
    decoy = draw(st.sampled_from(["e:c\\#", "e:c\\'", '"a # b"', "'\\' #'", "<http://e/#c>", "e:c"]))
    load = draw(keyword("LOAD"))
    silent = draw(keyword("SILENT")) + draw(SPACE) if draw(st.booleans()) else ""
    into = draw(st.sampled_from(["", " INTO GRAPH <http://e/g>", " into graph e:g"]))
    iri = draw(st.sampled_from([f"<http://127.0.0.1:{port}/x>", "t:x",
                                f"<http://127.0.0.1:{port}/\\u0078>"]))
    tail = draw(st.sampled_from(["", " ;", " ; INSERT DATA { e:d e:e e:f }"]))
    service = draw(service_clause(port))
    form = draw(st.sampled_from(["load", "load", "where-service"]))
    if form == "load":
        return (f"{_prologue(port)}INSERT DATA {{ e:a e:b {decoy} }}{draw(SPACE)};{draw(SPACE)}"
                f"{load}{draw(SPACE)}{silent}{iri}{into}{tail}")
    return (f"{_prologue(port)}INSERT {{ e:a e:b ?leak }} WHERE {{ ?s e:b {decoy} . "
            f"{draw(nested(service))} }}")


def _check(answer, listener: Listener, text: str) -> None:
    assert answer.status_code in (200, 204, 400), (text, answer.status_code, answer.text)
    assert listener.connections == 0, f"the guard let this reach the network:\n{text}"


@settings(max_examples=QUERY_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
@example(data=None)
def test_no_hidden_service_or_from_reaches_the_network(target, data) -> None:
    client, listener = target
    if data is None:  # the issue's own attack, always tried
        text = (f"PREFIX e: <http://e/> SELECT ?leak WHERE {{ OPTIONAL {{ ?s e:a\\# ?o }} "
                f"SERVICE <http://127.0.0.1:{listener.port}/admin> {{ ?leak ?b ?c }} }}")
    else:
        text = data.draw(hidden_query(listener.port))
    TRIED["query"] += 1
    how = TRIED["query"] % 3
    if how == 0:
        answer = client.get("/sparql", query_string={"query": text})
    elif how == 1:
        answer = client.post("/sparql", data={"query": text})
    else:
        answer = client.post("/sparql", data=text.encode(),
                             headers={"Content-Type": "application/sparql-query"})
    _check(answer, listener, text)


@settings(max_examples=UPDATE_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_hidden_load_or_service_in_an_update_reaches_the_network(target, data) -> None:
    client, listener = target
    text = data.draw(hidden_update(listener.port))
    TRIED["update"] += 1
    answer = client.post("/sparql", data=text.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {UPDATE_TOKEN}"})
    _check(answer, listener, text)


def test_the_fuzzers_ran_their_whole_budget() -> None:
    """Runs after the two above (file order): each tried its whole budget of inputs."""
    assert TRIED["query"] >= QUERY_EXAMPLES
    assert TRIED["update"] >= UPDATE_EXAMPLES
    print(f"\nSPARQL guard fuzz inputs: {TRIED['query']} queries, {TRIED['update']} updates")
