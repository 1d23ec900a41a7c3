"""Every command that reads or writes a store, or a file, ends a failure with one line
`comgraph: <message>` and exit code 2, never a traceback (issue 10, item 7): a remote engine that
is down, answers 401, or refuses a write; an output file that cannot be written."""

from __future__ import annotations

import subprocess
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from comgraph.cli import main
from tests.oxigraph_server import OxigraphServer, free_port, oxigraph_binary
from tests.readiness import serving_handler, wait_until_ready

TRIPLES = '<http://e/a> <http://e/b> "c" .\n'


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.nt"
    path.write_text(TRIPLES)
    return path


def cli(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), env=env)
    # A traceback under CliRunner is an exception it caught, with exit code 1.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    return result


def assert_clean_failure(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("comgraph: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- an engine that is down ------------------------------------------------------------------

@pytest.fixture
def down_store() -> str:
    return f"sparql+http://127.0.0.1:{free_port()}/query"


@pytest.mark.parametrize("command", [
    ["load", "{data}"],
    ["query", "--data", "{data}", "ASK {{}}"],
    ["query", "ASK {{}}"],
    ["query", "raci-matrix"],  # a named query: its as_of default reads the store
    ["dump"],
    ["dump", "--graph", "default"],
    ["validate"],
    ["serve", "{data}", "--port", "{port}"],
])
def test_a_command_on_an_engine_that_is_down_says_so_in_one_line(down_store, data_file, command) -> None:
    args = [a.format(data=data_file, port=free_port()) for a in command]
    result = cli(*args, "--store", down_store)
    assert_clean_failure(result, "cannot reach http://127.0.0.1:", "connection refused")


# -- an engine that wants credentials ---------------------------------------------------------

class _Unauthorized(BaseHTTPRequestHandler):
    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"authentication required\n"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="engine"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _refuse

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def locked_store():
    with serving_handler(_Unauthorized) as base:
        yield f"sparql+{base}/query"


@pytest.mark.parametrize("command", [
    ["load", "{data}"],
    ["query", "--data", "{data}", "ASK {{}}"],
    ["query", "ASK {{}}"],
    ["dump"],
    ["validate"],
])
def test_a_command_on_an_engine_that_answers_401_asks_for_credentials(locked_store, data_file,
                                                                     command) -> None:
    result = cli(*[a.format(data=data_file) for a in command], "--store", locked_store)
    assert_clean_failure(result, "(401: authentication required)", "COMGRAPH_STORE_TOKEN")


# -- an engine that refuses writes ------------------------------------------------------------

@pytest.fixture
def read_only_engine(tmp_path: Path):
    """`oxigraph serve-read-only` over a store holding one triple: every write gets 403."""
    location = tmp_path / "engine"
    seed = tmp_path / "seed.nt"
    seed.write_text(TRIPLES)
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(seed)],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/query", process, status=None)  # any answer: it is up
    except RuntimeError:
        process.kill()
        raise
    yield f"sparql+{base}/query"
    process.terminate()
    process.wait(timeout=10)


def test_load_into_an_engine_that_refuses_writes_exits_2(read_only_engine, data_file) -> None:
    result = cli("load", str(data_file), "--store", read_only_engine)
    assert_clean_failure(result, "(403: The server is read-only)")
    out = cli("query", "--store", read_only_engine, "--format", "csv", "SELECT (COUNT(*) AS ?n) {?s ?p ?o}")
    assert out.stdout.splitlines() == ["n", "1"]


def test_load_whose_update_is_refused_exits_2_and_leaves_no_staged_graph(data_file, monkeypatch) -> None:
    # The update URL points at the query endpoint, which refuses an update: the staged graph
    # was already written through the Graph Store Protocol and must be taken away again. (Only
    # an engine whose Graph Store POST is not atomic stages a load: the profile says so here.)
    from comgraph.store.engines import PROFILES
    from comgraph.store.remote import RemoteStore

    monkeypatch.setattr(RemoteStore, "profile",
                        property(lambda self: PROFILES["generic"], lambda self, value: None))
    with OxigraphServer() as engine:
        env = {"COMGRAPH_UPDATE_URL": engine.query_url}
        result = cli("load", str(data_file), "--store", engine.store_url, env=env)
        assert_clean_failure(result, "update")
        left = requests.post(engine.query_url, data={"query": "SELECT (COUNT(*) AS ?n) "
                                                     "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert left.json()["results"]["bindings"][0]["n"]["value"] == "0"


# -- files that cannot be written ---------------------------------------------------------------

@pytest.fixture
def not_a_folder(tmp_path: Path) -> Path:
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    return blocker / "out"


@pytest.mark.parametrize("command", [
    ["query", "--data", "{data}", "-o", "{out}/x.csv", "--format", "csv", "SELECT * {{?s ?p ?o}}"],
    ["dump", "--data", "{data}", "-o", "{out}/x.nq"],
    ["validate", "{data}", "--format", "json:{out}/report.json"],
    ["docs", "{out}"],
])
def test_an_output_that_cannot_be_written_is_named_in_one_line(not_a_folder, data_file, command) -> None:
    result = cli(*[a.format(data=data_file, out=not_a_folder) for a in command])
    assert_clean_failure(result, str(not_a_folder), "Not a directory")
