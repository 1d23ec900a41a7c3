"""The update token never appears on a command line, where `ps` shows it to every user: `comgraph
serve` reads it from a file (--update-token-file) or the environment (COMGRAPH_UPDATE_TOKEN) only
(issue 10, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from comgraph.cli import main
from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

TOKEN = "s3cret-token-for-ps-test"
UPDATE = 'INSERT DATA { <http://e/a> <http://e/b> "c" }'


def serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    full_env = {k: v for k, v in os.environ.items() if k != "COMGRAPH_UPDATE_TOKEN"}
    full_env.update(env or {})
    process = subprocess.Popen([str(comgraph), "serve", "--port", str(port), *args], env=full_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/healthz", process)
    except RuntimeError:
        process.kill()
        raise
    return process, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    process.stderr.close()


def write(base: str, token: str) -> int:
    return requests.post(f"{base}/sparql", data=UPDATE, timeout=30,
                         headers={"Content-Type": "application/sparql-update",
                                  "Authorization": f"Bearer {token}"}).status_code


def test_the_token_is_refused_on_the_command_line_and_nothing_is_served() -> None:
    port = free_port()
    comgraph = Path(sys.executable).parent / "comgraph"
    process = subprocess.Popen([str(comgraph), "serve", "--port", str(port), "--update-token", TOKEN],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("comgraph serve started with the token on its command line")
    message = process.stderr.read().decode()
    process.stderr.close()
    assert code == 2
    assert "--update-token-file" in message and "COMGRAPH_UPDATE_TOKEN" in message
    assert TOKEN not in message


def test_a_token_file_allows_writes_and_the_token_is_not_in_the_process_list(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")  # the newline an editor or `echo` leaves is not part of it
    token_file.chmod(0o600)
    process, base = serve("--update-token-file", str(token_file))
    try:
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert str(token_file) in cmdline and TOKEN not in cmdline
        assert write(base, "wrong") == 403
        assert write(base, TOKEN) == 204
    finally:
        stop(process)


def test_the_environment_still_gives_the_token() -> None:
    process, base = serve(env={"COMGRAPH_UPDATE_TOKEN": TOKEN})
    try:
        assert write(base, TOKEN) == 204
    finally:
        stop(process)


@pytest.mark.parametrize("content, fragment", [
    ("", "is empty"),
    ("\n  \n", "is empty"),
    ("two\nlines\n", "one line"),
])
def test_a_token_file_that_holds_no_token_is_refused(tmp_path: Path, content, fragment) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(content)
    result = CliRunner().invoke(main, ["serve", "--update-token-file", str(token_file)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"comgraph: --update-token-file {token_file}: ")
    assert fragment in result.stderr


def test_a_missing_token_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--update-token-file", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "nope" in result.stderr and "No such file" in result.stderr
