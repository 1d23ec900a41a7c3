"""Store failures through the CLI (issue 17): every command ends a StoreError (of any kind) or a
connection that broke half-way with one line `comgraph: <message>` and exit code 2, never a
traceback; a failed command leaves no empty or partial `-o` file (and an existing one as it
was); `comgraph --engine NAME` reaches the store."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from comgraph.cli import main
from tests.oxigraph_server import OxigraphServer, free_port
from tests.readiness import serving_handler

ROOT = Path(__file__).resolve().parents[1]
TRIPLES = '<http://e/a> <http://e/b> "c" .\n'


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


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.nt"
    path.write_text(TRIPLES)
    return path


class _Broken(BaseHTTPRequestHandler):
    """An engine that answers every request with a 500."""

    def _fail(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        elif self.headers.get("Transfer-Encoding") == "chunked":
            while (size := int(self.rfile.readline().strip() or b"0", 16)):
                self.rfile.read(size + 2)
            self.rfile.readline()
        body = b"the engine fell over\n"
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _fail

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def broken_store():
    with serving_handler(_Broken) as base:
        yield f"sparql+{base}/query"


@pytest.fixture
def stopped_store() -> str:
    """An Oxigraph server that was started, then stopped: its port refuses connections."""
    with OxigraphServer() as engine:
        url = engine.store_url
    return url


# -- comgraph load into a remote store --------------------------------------------------------

def test_load_into_a_stopped_server_says_so_in_one_line(stopped_store, data_file) -> None:
    assert_clean_failure(cli("load", str(data_file), "--store", stopped_store),
                         "cannot reach http://127.0.0.1:", "connection refused")


@pytest.mark.parametrize("url, said", [
    ("sparql+http://[::1/query", "Invalid IPv6 URL"),
    ("sparql+http://127.0.0.1:99999/query", "the engine's URL cannot be used"),
    ("sparql+http:///query", "no host"),
])
def test_load_into_a_bad_url_says_so_in_one_line(url, said, data_file) -> None:
    assert_clean_failure(cli("load", str(data_file), "--store", url), said)


def test_load_into_an_engine_that_answers_500_says_so_in_one_line(broken_store, data_file) -> None:
    assert_clean_failure(cli("load", str(data_file), "--store", broken_store),
                         "HTTP 500", "the engine fell over")


def test_load_of_several_files_into_an_engine_that_answers_500_says_so_in_one_line(
        broken_store, data_file, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text("<http://e/x> <http://e/y> <http://e/z> .\n")
    assert_clean_failure(cli("load", str(data_file), str(other), "--store", broken_store), "HTTP 500")


# -- every command that opens a store ---------------------------------------------------------

COMMANDS = [
    ["load", "{data}"],
    ["dump"],
    ["dump", "-o", "{out}/dump.nq"],
    ["query", "ASK {{}}"],
    ["query", "obligations-due"],
    ["validate"],
    ["lookahead"],
    ["calendar"],
    ["export", "dcat"],
    ["import", "raci", str(ROOT / "data/templates/raci-example.xlsx")],
    ["link", "catalog", str(ROOT / "tests/data/catalog/ckan-page-1.ttl")],
    ["serve", "{data}", "--port", "{port}"],  # without DATA it serves (503 until the engine is back)
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_on_an_engine_that_answers_500_fails_in_one_line(broken_store, data_file,
                                                                       tmp_path, command) -> None:
    args = [a.format(data=data_file, out=tmp_path, port=free_port()) for a in command]
    assert_clean_failure(cli(*args, "--store", broken_store), "HTTP 500")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_on_a_stopped_server_fails_in_one_line(stopped_store, data_file, tmp_path,
                                                             command) -> None:
    args = [a.format(data=data_file, out=tmp_path, port=free_port()) for a in command]
    assert_clean_failure(cli(*args, "--store", stopped_store), "connection refused")


# -- no empty output file ---------------------------------------------------------------------

OUTPUTS = [
    ["dump", "-o", "{out}"],
    ["dump", "--graph", "default", "-o", "{out}"],
    ["query", "--format", "csv", "-o", "{out}", "SELECT * {{ ?s ?p ?o }}"],
    ["validate", "--format", "json:{out}"],
    ["lookahead", "-o", "{out}"],
    ["calendar", "-o", "{out}"],
    ["export", "dcat", "-o", "{out}"],
]


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_fails_leaves_no_output_file(stopped_store, tmp_path: Path, command) -> None:
    out = tmp_path / "out.txt"
    result = cli(*[a.format(out=out) for a in command], "--store", stopped_store)
    assert_clean_failure(result, "connection refused")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # nor a temporary file beside it


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_fails_leaves_an_existing_output_file_as_it_was(stopped_store, tmp_path: Path,
                                                                       command) -> None:
    out = tmp_path / "out.txt"
    out.write_text("the last good answer\n")
    result = cli(*[a.format(out=out) for a in command], "--store", stopped_store)
    assert_clean_failure(result, "connection refused")
    assert out.read_text() == "the last good answer\n"
    assert list(tmp_path.iterdir()) == [out]


class _CutOff(BaseHTTPRequestHandler):
    """An engine whose Graph Store answer stops half-way: it promises more than it sends."""

    def do_GET(self) -> None:
        body = TRIPLES.encode() * 100 + b"<http://e/half"
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body) + 1000))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def test_a_dump_whose_answer_is_cut_off_leaves_the_old_file_and_says_so_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "dump.nt"
    out.write_text("the last good dump\n")
    with serving_handler(_CutOff) as base:
        result = cli("dump", "--graph", "default", "--format", "ntriples", "-o", str(out),
                     "--store", f"sparql+{base}/query")
    assert_clean_failure(result, "the connection to the engine broke", "IncompleteRead")
    assert out.read_text() == "the last good dump\n"
    assert list(tmp_path.iterdir()) == [out]


def test_a_successful_dump_replaces_the_file_and_keeps_its_mode(oxigraph_server, data_file,
                                                                 tmp_path: Path) -> None:
    oxigraph_server.clear()
    out = tmp_path / "dump.nt"
    out.write_text("old\n")
    out.chmod(0o640)
    assert cli("load", str(data_file), "--store", oxigraph_server.store_url).exit_code == 0
    result = cli("dump", "--graph", "default", "-o", str(out), "--store", oxigraph_server.store_url)
    assert result.exit_code == 0, result.output
    assert out.read_text() == TRIPLES
    assert out.stat().st_mode & 0o777 == 0o640
    assert set(tmp_path.iterdir()) == {out, data_file}  # no temporary file left


# -- comgraph --engine NAME -------------------------------------------------------------------

@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The keyword arguments each command opened its store with."""
    import comgraph.cli_common as common

    seen: list[dict] = []
    real = common.open_store

    def spy(url, **kwargs):
        seen.append(kwargs)
        return real(url, **kwargs)

    monkeypatch.setattr(common, "open_store", spy)
    return seen


def test_engine_option_reaches_the_store(opened, oxigraph_server, data_file) -> None:
    oxigraph_server.clear()
    result = cli("--engine", "Oxigraph", "load", str(data_file), "--store", oxigraph_server.store_url)
    assert result.exit_code == 0, result.output
    assert opened == [{"engine": "oxigraph"}]


def test_engine_option_reaches_every_command_that_opens_a_store(opened, data_file) -> None:
    result = cli("--engine", "oxigraph", "query", "--data", str(data_file), "ASK {}")
    assert result.exit_code == 0, result.output
    assert opened == [{"engine": "oxigraph"}]


def test_without_the_option_the_store_is_opened_as_before(opened, data_file) -> None:
    # COMGRAPH_ENGINE is open_store's to read (for remote stores only), not the CLI's to pass.
    result = cli("query", "--data", str(data_file), "ASK {}", env={"COMGRAPH_ENGINE": "virtuoso"})
    assert result.exit_code == 0, result.output
    assert opened == [{}]


def test_an_unknown_engine_is_a_usage_error_naming_the_known_ones(data_file) -> None:
    result = CliRunner().invoke(main, ["--engine", "stardust", "load", str(data_file)])
    assert result.exit_code == 2
    assert "'stardust' is not one of" in result.output and "virtuoso" in result.output


def test_an_output_that_is_not_a_regular_file_is_written_in_place(data_file) -> None:
    # Renaming a temporary file over /dev/null (as root) would replace the device with a file.
    import stat

    result = cli("query", "--data", str(data_file), "--format", "csv", "-o", "/dev/null",
                 "SELECT * { ?s ?p ?o }")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
