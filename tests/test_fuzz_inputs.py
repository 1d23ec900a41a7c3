"""Fuzz targets (hypothesis) for what people and pipelines hand comgraph (issue 10, "standing
protection"): RDF files in every format it loads, named-query parameters, waiver files.

Allowed outcomes: success, or a clean refusal (a LoadError / exit 2 naming FILE:LINE:COL where
the format gives one, a 400 / exit 2 naming the parameter, exit 2 naming the waivers file). A
traceback, any other exception, a 5xx, or a store changed by a failed load fails the test.

The budget is fixed and the examples derandomised, so CI runs the same inputs every time; the
whole module takes well under a minute. How many inputs each target tried is written to
tests/artifacts/fuzz-inputs.json and printed at the end of the run.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comgraph.cli import main
from comgraph.store import LoadError, Source, open_store
from tests.browser import ARTIFACTS
from tests.views_support import demo_app, demo_files

TRIED: Counter[str] = Counter()


def budget(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def record_inputs_tried() -> Iterator[None]:
    # tests/conftest.py prints TRIED in the run's summary.
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-inputs.json").write_text(json.dumps(dict(sorted(TRIED.items())), indent=1) + "\n")


# -- (a) RDF loading, every format ---------------------------------------------------------

EX = "http://example.org/"
SEEDS: dict[ox.RdfFormat, bytes] = {
    ox.RdfFormat.TURTLE: (
        b"@prefix ex: <http://example.org/> .\n@base <http://example.org/base/> .\n"
        b'ex:a ex:b "lit"@en-GB , 42 , 4.2e1 , -0.5 , true ;\n'
        b'  ex:c [ ex:d <rel> ] , ( ex:e "x"^^ex:t ) ;\n'
        b'  ex:f """long\nstring""" , \'single\' , "esc\\u00e9\\t" .\n_:b1 a ex:Thing .\n'),
    ox.RdfFormat.N_TRIPLES: (
        b'<http://example.org/a> <http://example.org/b> "lit"@en .\n'
        b'<http://example.org/a> <http://example.org/c> "4"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        b'_:x <http://example.org/d> <http://example.org/e> .\n'),
    ox.RdfFormat.N_QUADS: (
        b'<http://example.org/a> <http://example.org/b> "lit" <http://example.org/g> .\n'
        b'_:x <http://example.org/d> <http://example.org/e> .\n'),
    ox.RdfFormat.TRIG: (
        b"@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b \"lit\" ; ex:c ex:d . }\n"
        b"GRAPH ex:h { ex:a ex:b 1 }\n{ ex:x ex:y ex:z }\n"),
    ox.RdfFormat.N3: b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ; ex:d \"e\" .\n",
    ox.RdfFormat.RDF_XML: (
        b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:ex="http://example.org/">\n  <rdf:Description rdf:about="http://example.org/a">\n'
        b'    <ex:b xml:lang="en">lit</ex:b>\n    <ex:c rdf:resource="http://example.org/d"/>\n'
        b'    <ex:e rdf:parseType="Resource"><ex:f>1</ex:f></ex:e>\n'
        b"  </rdf:Description>\n</rdf:RDF>\n"),
    ox.RdfFormat.JSON_LD: (
        b'{"@context": {"ex": "http://example.org/", "name": "ex:name"},\n'
        b' "@id": "ex:a", "@type": "ex:T", "name": "A",\n'
        b' "ex:b": [{"@id": "ex:c"}, {"@value": "2", "@type": "ex:int"}, {"@list": [1, 2]}],\n'
        b' "@graph": [{"@id": "ex:x", "ex:y": {"@value": "z", "@language": "en"}}]}\n'),
}
EXTENSIONS = {ox.RdfFormat.TURTLE: "ttl", ox.RdfFormat.N_TRIPLES: "nt", ox.RdfFormat.N_QUADS: "nq",
              ox.RdfFormat.TRIG: "trig", ox.RdfFormat.N3: "n3", ox.RdfFormat.RDF_XML: "rdf",
              ox.RdfFormat.JSON_LD: "jsonld"}
#: Formats whose parser reports a line and column for every error.
LINE_FORMATS = {ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG,
                ox.RdfFormat.N3}
COMMON_TOKENS = [b'"', b'"""', b"'", b"'''", b"<", b">", b"\\", b"\\u00", b"\\U0011FFFF", b"\\ud800",
                 b"@prefix", b"PREFIX", b"@base", b"_:", b".", b";", b",", b"[", b"]", b"(", b")",
                 b"{", b"}", b"^^", b"@", b"#", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
                 b"<<", b">>", b"GRAPH", b" a ", b"true", b"1e", b"-.", b"<http://example.org/x>",
                 b"ex:", b":", b"%", b"\t", b"\xef\xbb\xbf", b"1" * 400]
FORMAT_TOKENS = {
    ox.RdfFormat.RDF_XML: [b"<rdf:Description ", b'rdf:about="', b'rdf:nodeID="', b"&amp;", b"&#0;",
                           b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>', b"&b;",
                           b"<![CDATA[", b'xml:lang="', b'rdf:parseType="Literal"',
                           b'rdf:parseType="Collection"', b'rdf:resource="', b"</", b"/>", b"<?xml ",
                           b'xmlns:x="', b'xml:base="', b'rdf:datatype="'],
    ox.RdfFormat.JSON_LD: [b"{", b"}", b'"@context"', b'"@id"', b'"@graph"', b'"@value"', b'"@type"',
                           b'"@list"', b'"@reverse"', b'"@language"', b'"@vocab"', b'"@base"', b"null",
                           b":", b'"@context": "http://127.0.0.1:9/ctx"', b'"@included"', b'"@nest"',
                           b"1e400", b'"@json"', b'"@direction"'],
}


@st.composite
def mutated(draw: st.DrawFn, fmt: ox.RdfFormat) -> bytes:
    """A seed document in the format with a few mutations: tokens of the grammar (and bytes
    that are not UTF-8) inserted, spans deleted or repeated, bytes replaced, the end cut off."""
    data = bytearray(SEEDS[fmt])
    tokens = COMMON_TOKENS + FORMAT_TOKENS.get(fmt, [])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "repeat"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.one_of(st.sampled_from(tokens), st.binary(min_size=1, max_size=8)))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 12))]
        elif op == "replace" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[pos:]
        elif op == "repeat":
            end = min(len(data), pos + draw(st.integers(1, 40)))
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 3))
    return bytes(data)


def rdf_inputs(fmt: ox.RdfFormat) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(fmt), mutated(fmt), st.binary(max_size=120))


BASE_TRIPLES = (b'<http://example.org/kept> <http://example.org/p> "1" .\n'
                b'<http://example.org/kept> <http://example.org/p> "2" .\n')


def check_load(store, fmt: ox.RdfFormat, data: bytes, target: str) -> None:
    """One load: it succeeds, or it is a LoadError naming the spot and the store is unchanged."""
    name = f"fuzz.{EXTENSIONS[fmt]}"
    before = store.triple_count()
    TRIED[target] += 1
    try:
        store.load([Source(name, data=data, format=fmt)])
    except LoadError as exc:
        TRIED[f"{target}, refused"] += 1
        assert store.triple_count() == before, f"a failed load changed the store: {exc}"
        text = str(exc)
        assert text.startswith(f"{name}:") and exc.reason, text
        if fmt in LINE_FORMATS:
            assert exc.line is not None and exc.column is not None, text
            assert re.match(rf"{re.escape(name)}:\d+:\d+: \S", text), text
        elif exc.line is None:
            assert "gives no position" in text, text


def format_id(fmt: ox.RdfFormat) -> str:
    return EXTENSIONS[fmt]


@pytest.mark.parametrize("fmt", list(SEEDS), ids=format_id)
def test_fuzz_loading_rdf_into_the_embedded_store(fmt: ox.RdfFormat) -> None:
    for seed_fmt, seed in SEEDS.items():  # the seeds themselves are valid
        assert open_store("oxigraph:").load([Source("seed", data=seed, format=seed_fmt)]) > 0

    @budget(120)
    @given(data=rdf_inputs(fmt))
    def run(data: bytes) -> None:
        store = open_store("oxigraph:")
        store.load([Source("base.nt", data=BASE_TRIPLES)])
        check_load(store, fmt, data, f"load {EXTENSIONS[fmt]} (memory)")

    run()


def test_fuzz_loading_rdf_into_a_store_on_disk(tmp_path_factory: pytest.TempPathFactory) -> None:
    # On disk the load is parsed first, then bulk loaded: a different path to the same promise.
    store = open_store(f"oxigraph://{tmp_path_factory.mktemp('fuzz') / 'db'}")
    store.load([Source("base.nt", data=BASE_TRIPLES)])

    @budget(60)
    @given(fmt=st.sampled_from(list(SEEDS)), data=st.data())
    def run(fmt: ox.RdfFormat, data: st.DataObject) -> None:
        check_load(store, fmt, data.draw(rdf_inputs(fmt)), "load, any format (disk)")
        if store.triple_count() != 2:
            store.update("DROP ALL")
            store.load([Source("base.nt", data=BASE_TRIPLES)])

    try:
        run()
    finally:
        store.close()


def test_fuzz_comgraph_load_exits_0_or_2_with_one_line(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fuzz-cli")
    runner = CliRunner()

    @budget(50)
    @given(fmt=st.sampled_from(list(SEEDS)), data=st.data())
    def run(fmt: ox.RdfFormat, data: st.DataObject) -> None:
        TRIED["comgraph load, any format"] += 1
        path = folder / f"input.{EXTENSIONS[fmt]}"
        path.write_bytes(data.draw(rdf_inputs(fmt)))
        result = runner.invoke(main, ["load", "--store", "oxigraph:", str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            line = result.stderr.strip()
            assert "\n" not in line and line.startswith(f"comgraph: {path}:"), line
            if fmt in LINE_FORMATS:
                assert re.match(rf"comgraph: {re.escape(str(path))}:\d+:\d+: \S", line), line

    run()


# -- (b) named-query parameters: the catalogue, /views/NAME, comgraph query NAME -p ---------

HOSTILE = [
    "", " ", "\x00", "\n", "\r\nX-Injected: 1", "'", '"', "\\", "<", ">", "<>", "{", "}",
    '" } ; DROP ALL ; #', "\" . } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #",
    "<http://example.org/a> } UNION { ?s ?p ?o", "http://example.org/a b", "http://exa mple/",
    "urn:x", "cg:", "cg:Role", "cg://x", "ex:a", "javascript:alert(1)", "<script>alert(1)</script>",
    "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "2026-01-01T00:00:00", "-1", "+0",
    "1" * 40, "1e99999", "NaN", "inf", "0x10", "１２", "1_000", "%00", "%2F", "../../etc/passwd",
    "\U0010ffff", "\u202e", "a" * 5000, "?s", "$x", "VALUES ?s { 1 }", "\\u0022",
]
HOSTILE_VALUE = st.one_of(st.sampled_from(HOSTILE),
                          st.text(st.characters(exclude_categories=["Cs"]), max_size=60))


@pytest.fixture(scope="module")
def catalogue():
    from comgraph.queries import Catalogue

    return Catalogue()


def test_fuzz_parameter_values_of_every_type_parse_or_name_the_parameter() -> None:
    from comgraph.queries import PARAMETER_TYPES, Parameter, ParameterError

    @budget(400)
    @given(kind=st.sampled_from(PARAMETER_TYPES), raw=HOSTILE_VALUE)
    def run(kind: str, raw: str) -> None:
        TRIED["parameter parse, every type"] += 1
        try:
            term = Parameter("p", kind, "P").parse(raw)
        except ParameterError as exc:
            assert exc.parameter == "p" and str(exc).startswith("parameter 'p': ")
            return
        assert isinstance(term, ox.NamedNode | ox.Literal)

    run()


@pytest.fixture(scope="module")
def views_client():
    return demo_app().test_client()


def test_fuzz_views_answer_200_or_a_400_naming_the_parameter(views_client, catalogue) -> None:
    queries = list(catalogue)

    @budget(150)
    @given(data=st.data(), ext=st.sampled_from(["", ".json", ".csv"]))
    def run(data: st.DataObject, ext: str) -> None:
        TRIED["/views/NAME?param=..."] += 1
        query = data.draw(st.sampled_from(queries))
        names = [p.name for p in query.parameters] + ["unknown", "_page", "_size"]
        params = data.draw(st.dictionaries(st.sampled_from(names), HOSTILE_VALUE, max_size=3))
        response = views_client.get(f"/views/{query.name}{ext}", query_string=params)
        assert response.status_code in (200, 400), (query.name, params, response.status_code,
                                                    response.data[:300])
        if response.status_code == 400:
            assert names_a_parameter(response, params), response.get_data(as_text=True)[:2000]

    run()


def names_a_parameter(response, params: dict[str, str]) -> bool:
    """Whether a 400 says which of the given parameters was wrong, in the answer's own way."""
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        return json.loads(text).get("parameter") in params
    if response.mimetype == "text/html":
        # The form comes back with the wrong field marked and its message beside it, or (a
        # parameter the view does not take) with the message alone.
        marked = re.findall(r'<div class="field invalid">\s*<label for="param-([^"]+)"', text)
        if marked:
            return all(name in params for name in marked)
        text = html.unescape(text)
    return any(f"parameter '{n}'" in text or text.startswith(f"{n}: ") for n in params)


@pytest.fixture(scope="module")
def demo_on_disk(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"oxigraph://{tmp_path_factory.mktemp('demo') / 'db'}"
    with open_store(url) as store:
        store.load(demo_files())
    return url


def test_fuzz_comgraph_query_name_p_exits_0_or_2_naming_the_parameter(demo_on_disk, catalogue) -> None:
    queries = [q for q in catalogue if q.parameters]
    runner = CliRunner()

    @budget(40)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        TRIED["comgraph query NAME -p k=v"] += 1
        query = data.draw(st.sampled_from(queries))
        name = data.draw(st.sampled_from([p.name for p in query.parameters] + ["unknown"]))
        value = data.draw(HOSTILE_VALUE.filter(lambda v: "\x00" not in v))
        result = runner.invoke(main, ["query", query.name, "-p", f"{name}={value}", "--store", demo_on_disk,
                                      "--format", "json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert result.stderr.startswith(f"comgraph: parameter '{name}': "), result.stderr
        else:
            assert "results" in json.loads(result.stdout)

    run()


# -- (c) waiver files -------------------------------------------------------------------------

WAIVER_KEYS = ["fingerprint", "selector", "reason", "owner", "expires", "waivers", "shape", "focus",
               "path", "component", "severity", "checklist_item", "process", "other"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates(), st.datetimes(),
                    st.sampled_from(["0123456789abcdef", "cg:RoleShape", "*", "[", "violation",
                                     "2099-12-31", "2000-01-01", "sh:MinCountConstraintComponent"]))
YAML_TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(WAIVER_KEYS), children, max_size=5)),
    max_leaves=20)
RAW_YAML = st.sampled_from([
    "", "---\n...\n", "waivers:\n", "- [", "{a: b", "- &a x\n- *a\n- *b\n", "!!python/object:os.system x",
    "a: !!binary notbase64", "? [a, b]\n: c\n", "waivers: &w [x]\n<<: *w\n", "--- 1\n--- 2\n",
    "- expires: 2026-01-01 10:00:00\n  fingerprint: 0123456789abcdef\n  reason: r\n  owner: o\n",
    "\t- bad indent", "- fingerprint: 0123456789012345\n", "\xff", "%YAML 9.9\n---\n",
])


@st.composite
def waiver_files(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(RAW_YAML)
    if choice == 1:
        return draw(st.text(max_size=80))
    tree = draw(YAML_TREES)
    if choice == 2:
        tree = {"waivers": tree}
    return yaml.safe_dump(tree, allow_unicode=True)


@pytest.fixture(scope="module")
def defects_report():
    from comgraph.validate import validate

    here = Path(__file__).parent / "data" / "validate"
    return validate([here / "data" / "defects.ttl"], here / "shapes")


def test_fuzz_waiver_files_load_or_fail_with_a_message_naming_the_file(tmp_path_factory,
                                                                       defects_report) -> None:
    from comgraph.validate.render import RENDERERS, render
    from comgraph.validate.waivers import WaiverFileError, apply_waivers, load_waivers

    path = tmp_path_factory.mktemp("waivers") / "waivers.yaml"

    @budget(300)
    @given(text=waiver_files())
    def run(text: str) -> None:
        TRIED["waivers file (load, apply, render)"] += 1
        path.write_text(text, encoding="utf-8")
        try:
            waivers = load_waivers(path)
        except WaiverFileError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            return
        report = apply_waivers(copy.deepcopy(defects_report), waivers)
        for name in RENDERERS:
            render(report, name, None)

    run()


def test_fuzz_comgraph_validate_waivers_exits_0_1_or_2_with_a_clear_message(tmp_path_factory, defects_report,
                                                                              monkeypatch) -> None:
    import comgraph.validate

    # Validation itself is the same for every example: take the report computed once, so the
    # budget goes to what the waivers file changes (reading, applying, rendering, exit code).
    monkeypatch.setattr(comgraph.validate, "validate", lambda *a, **k: copy.deepcopy(defects_report))
    folder = tmp_path_factory.mktemp("waivers-cli")
    data = Path(__file__).parent / "data" / "validate" / "data" / "defects.ttl"
    runner = CliRunner()

    @budget(60)
    @given(text=waiver_files())
    def run(text: str) -> None:
        TRIED["comgraph validate --waivers"] += 1
        path = folder / "waivers.yaml"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(main, ["validate", str(data), "--waivers", str(path), "--format", "json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 2:
            line = result.stderr.strip()
            assert "\n" not in line and line.startswith(f"comgraph: {path}"), line
        else:
            assert "results" in json.loads(result.stdout)

    run()
