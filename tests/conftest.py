"""Shared fixtures (stores of each kind, a real Oxigraph server, the app, its client and a CLI
runner) and the one place that sorts tests into the kinds `make test-fast` leaves out."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from comgraph.store import Source, Store, open_store
from tests.oxigraph_server import OxigraphServer

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One real Oxigraph server process for the whole run; each test clears it first."""
    with OxigraphServer() as server:
        yield server


@pytest.fixture(params=["embedded", "disk", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind (in memory, on disk, a real server): every test runs on all."""
    if request.param == "embedded":
        s = open_store("oxigraph:")
    elif request.param == "disk":
        s = open_store(f"oxigraph://{tmp_path / 'store'}")
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        server.clear()
        s = open_store(server.store_url)
    with s:
        yield s


# -- the SPARQL service: the app over each store, and the same app on a real socket ----------

UPDATE_TOKEN = "test-update-token"


@pytest.fixture
def service(store: Store):
    """The web app over each kind of store (so every HTTP test runs on both), writes enabled."""
    from comgraph.app import create_app

    return create_app({"STORE": store, "TESTING": True, "SPARQL_UPDATE_TOKEN": UPDATE_TOKEN})


@pytest.fixture
def live_service(service) -> Iterator[str]:
    """The app served by werkzeug on 127.0.0.1 on a free port, in a thread; yields its base URL."""
    from tests.readiness import serving_app

    with serving_app(service) as base:
        yield base


# -- the app, its client and the CLI, as in Flask's tutorial -----------------------------------


@pytest.fixture
def app_data() -> Sequence[Source | Path]:
    """What the `app` fixture's store holds: the demo. A module that wants a small graph of its
    own overrides this fixture."""
    return sorted(p for p in DEMO.glob("*.ttl") if p.name != "placeholder.ttl")


@pytest.fixture
def app(app_data: Sequence[Source | Path]) -> Iterator[Flask]:
    """The web app over its own in-memory store loaded with `app_data`; change `app.config` freely."""
    from comgraph.app import create_app

    with open_store("oxigraph:") as s:
        s.load(list(app_data))
        yield create_app({"STORE": s, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ComgraphRunner(CliRunner):
    """click's runner with the `comgraph` command as the default, like Flask's `test_cli_runner`:
    `runner.invoke(args=["query", "--list"])`."""

    def invoke(self, cli=None, args=None, **kwargs) -> Result:  # type: ignore[override]
        from comgraph.cli import main

        return super().invoke(main if cli is None else cli, args, **kwargs)


@pytest.fixture
def runner() -> ComgraphRunner:
    return ComgraphRunner()


# -- kinds of test: `make test-fast` runs none of them ---------------------------------------
#
# The kinds are registered in pyproject.toml ([tool.pytest.ini_options] markers) and given here,
# by module and by fixture, so a new test in a listed module, a new module named *fuzz*, a new
# hypothesis test or a new test that takes a `browser` fixture is sorted without an edit. A
# module that mixes kinds marks its own tests: @pytest.mark.serve, .reasoner, .slow.

#: Tests of a kind, by module: "*" for every test in the module, else test function names (with
#: all their parameters). `slow` is what took over about a second with --durations=0 on the loaded
#: 2-core box (load average 10-13, about 0.2-0.3 s on a quiet one); a module most of whose time
#: is slow is slow as a whole. Re-measure with `pytest --durations=0` when a test grows.
KINDS: dict[str, dict[str, str | set[str]]] = {
    # server processes
    "test_sparql_serve": {"serve": "*"},  # comgraph serve under gunicorn as a real process
    "test_disk_stress": {"serve": "*"},  # comgraph serve on disk under writers and readers
    "test_sparqlwrapper_formats": {"serve": "*"},  # SPARQLWrapper's formats against comgraph serve
    "test_serve_token": {"serve": {
        "test_the_token_is_refused_on_the_command_line_and_nothing_is_served",
        "test_a_token_file_allows_writes_and_the_token_is_not_in_the_process_list",
        "test_the_environment_still_gives_the_token"}},
    "test_packaging": {"serve": {"test_an_installed_wheel_finds_its_resources_and_serves"}},
    "test_query_memory": {"serve": {"test_serve_takes_the_cap_from_its_option"},
                          "slow": {"test_a_child_that_dies_otherwise_is_not_called_out_of_memory",
                                   "test_the_endpoint_answers_503_with_the_reason"}},
    # HermiT through owlready2, and the Java OWL 2 DL profile checker (check-ontology runs both)
    "test_ontology_reasoning": {"reasoner": "*"},
    "test_ontology_cli": {"reasoner": {
        "test_check_ontology_passes_on_the_shipped_ontology_with_the_reasoner",
        "test_check_ontology_exits_1_and_names_the_undeclared_term",
        "test_check_ontology_exits_2_on_a_file_that_does_not_parse"}, "slow": "*"},  # pyLODE
    "test_ontology_hygiene": {"reasoner": {
        "test_the_core_and_its_vocabularies_are_in_the_owl2_dl_profile",
        "test_the_profile_checker_rejects_punning_non_simple_cardinality_and_xsd_date_ranges"},
        "slow": {"test_every_term_used_in_data_and_shapes_is_declared",
                 "test_an_undeclared_term_and_a_misspelt_checklist_item_are_found_with_their_line"}},
    # slow as a whole: pySHACL runs, CLI round trips over the demo, big inputs, subprocesses
    "test_shapes": {"slow": "*"},
    "test_diff": {"slow": "*"},
    "test_hardening": {"slow": "*"},
    "test_import_raci": {"slow": "*"},
    "test_import_odcs": {"slow": "*"},
    "test_import_obligations": {"slow": "*"},
    "test_load_limits": {"slow": "*"},
    "test_sparql_conformance": {"slow": "*"},
    "test_killed_load": {"slow": "*"},
    "test_validation_cache": {"slow": "*"},
    # slow tests in otherwise quick modules
    "test_app_basics": {"slow": {"test_home_page_shows_the_store_size"}},
    "test_cli_errors": {"slow": {"test_a_command_on_an_engine_that_answers_401_asks_for_credentials"}},
    "test_cli_store_commands": {"slow": {
        "test_a_syntax_error_on_line_7_loads_nothing_and_names_the_spot", "test_help_lists_the_commands",
        "test_load_into_a_named_graph_and_dump_it", "test_load_then_query_on_a_disk_store",
        "test_remote_store_through_the_cli"}},
    "test_graph_store_jsonld": {"slow": {
        "test_json_ld_naming_its_own_graphs_is_refused_and_changes_nothing",
        "test_json_ld_that_does_not_parse_is_a_400_and_changes_nothing",
        "test_put_of_json_ld_replaces_a_graph_and_reads_back"}},
    "test_named_query_paths": {"slow": {
        "test_a_rq_file_given_by_path_binds_its_parameters_like_the_named_query"}},
    "test_openapi": {"slow": {"test_a_result_schema_that_misses_a_column_fails_the_schema_check"}},
    "test_queries_demo": {"slow": {"test_every_named_query_answers_on_the_demo"}},
    "test_security_headers": {"slow": {"test_pages_and_json_answers_carry_nosniff_and_the_policy"}},
    "test_service_description_cache": {"slow": {
        "test_concurrent_first_requests_count_the_store_once",
        "test_the_description_is_counted_once_per_store_version"}},
    "test_sparql_clients": {"slow": {
        "test_a_client_may_ask_for_less_time_but_not_more",
        "test_a_one_pattern_select_streams_here_and_is_stopped_between_rows",
        "test_a_runaway_query_is_stopped_while_other_requests_are_answered",
        "test_a_timed_query_raises_query_timeout_within_a_second_of_its_limit",
        "test_rdflib_sparqlstore_gets_what_comgraph_query_prints"}},
    "test_sparql_service": {"slow": {"test_construct_answers_in_every_rdf_format"}},
    "test_validate_app": {"slow": {"test_post_validate_negotiates_the_report_format"}},
    "test_validate_cli": {"slow": {
        "test_a_remote_store_is_validated_in_place",
        "test_check_shapes_passes_fit_shapes_and_names_every_problem",
        "test_fail_on_chooses_which_severity_fails_the_run",
        "test_waivers_and_baseline_options_change_the_exit_code"}},
    "test_validate_engine": {"slow": {"test_the_compiled_engine_and_pyshacl_report_the_same_findings"}},
    "test_views": {"slow": {
        "test_a_script_literal_is_shown_as_text_on_every_page_that_renders_it",
        "test_every_view_answers_as_html_json_and_csv_with_the_same_rows_as_sparql",
        "test_the_ontology_is_documented_for_people_and_served_to_machines"}},
    "test_views_checklist": {"slow": {
        "test_the_sound_demo_passes_every_checked_item_and_says_which_are_not_checked"}},
}

#: Fixtures that make a test of a kind.
FIXTURE_KINDS: dict[str, str] = {
    "browser": "browser",  # a Chromium session (tests/browser.py)
    "read_only_engine": "serve",  # `oxigraph serve-read-only` of its own
}


def kinds_of(item: pytest.Item) -> set[str]:
    module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    function = getattr(item, "originalname", item.name)
    kinds = {kind for kind, names in KINDS.get(module, {}).items() if names == "*" or function in names}
    kinds.update(kind for name, kind in FIXTURE_KINDS.items() if name in item.fixturenames)
    # Fuzz targets run a fixed budget of inputs: seconds each, whatever the machine.
    if "fuzz" in module or getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        kinds.add("slow")
    return kinds


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    named = {(module, name) for module, by_kind in KINDS.items() for names in by_kind.values()
             if names != "*" for name in names}
    seen = set()
    for item in items:
        for kind in sorted(kinds_of(item) - {mark.name for mark in item.iter_markers()}):
            item.add_marker(kind)
        if item.module:
            seen.add((item.module.__name__.rsplit(".", 1)[-1], getattr(item, "originalname", item.name)))
    # A renamed test would silently leave its kind: say so when its module was collected whole.
    collected = {module for module, _ in seen}
    narrowed = (config.getoption("keyword") or config.getoption("deselect")
                or any("::" in arg for arg in config.args))
    for module, name in sorted(named - seen):
        if module in collected and not narrowed:
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"tests/conftest.py KINDS names {module}::{name}, which was not collected"), stacklevel=2)


# -- how many inputs each fuzz target tried (tests/test_fuzz_inputs.py), when it ran ----------
#
# Under pytest-xdist the fuzz module runs in a worker: the worker hands its counts over at the
# end, and the controller, which prints the summary, adds them up.

FUZZ_TRIED: Counter[str] = Counter()


def _fuzz_tried_here() -> dict[str, int]:
    fuzz = sys.modules.get("tests.test_fuzz_inputs")
    return dict(fuzz.TRIED) if fuzz is not None else {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_tried"] = _fuzz_tried_here()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    FUZZ_TRIED.update(getattr(node, "workeroutput", {}).get("fuzz_tried", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    tried = FUZZ_TRIED + Counter(_fuzz_tried_here())
    if tried:
        terminalreporter.section("fuzz inputs tried")
        for target, count in sorted(tried.items()):
            terminalreporter.write_line(f"{target}: {count}")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (tests/browser.py), one per test module."""
    from tests.browser import chromium

    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()
