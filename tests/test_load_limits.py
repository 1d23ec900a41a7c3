"""A term longer than the parser's 16 MiB buffer: a clean LoadError naming FILE:LINE:COL, on every
store, in `comgraph load`, and a 4xx from `POST /validate` (issue 10, item 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from comgraph.store import LoadError, Source, Store

BIG = 17 << 20
PREFIX = b"@prefix e: <http://e/> .\n"


def big_turtle() -> bytes:
    # Line 3, column 9: the opening quote of the 17 MiB literal.
    return PREFIX + b'e:a e:b "small" .\ne:a e:c "' + b"x" * BIG + b'" .\n'


def big_ntriples() -> bytes:
    # Line 2, column 27.
    return (b'<http://e/a> <http://e/b> "c" .\n<http://e/a> <http://e/b> "' + b"x" * BIG
            + b'" .\n')


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "comgraph.cli", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name, content, where", [
    ("big.ttl", big_turtle, "big.ttl:3:9:"),
    ("big.nt", big_ntriples, "big.nt:2:27:"),
])
def test_a_17_mib_literal_makes_load_exit_2_naming_the_spot(tmp_path: Path, name, content, where) -> None:
    path = tmp_path / name
    path.write_bytes(content())
    db = tmp_path / "db"
    out = run("load", "--store", f"oxigraph://{db}", str(path))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith(f"comgraph: {path}".replace(name, "") + where), line
    assert "16 MiB" in line
    # Nothing was kept.
    count = run("query", "--store", f"oxigraph://{db}", "--format", "csv",
                "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert count.stdout.splitlines() == ["n", "0"], count.stderr


def test_a_17_mib_literal_is_a_load_error_on_every_store_and_changes_nothing(store: Store) -> None:
    store.load([Source("first.ttl", data=PREFIX + b"e:a e:b e:c .\n")])
    with pytest.raises(LoadError) as caught:
        store.load([Source("big.ttl", data=big_turtle())])
    assert (caught.value.line, caught.value.column) == (3, 9)
    assert str(caught.value).startswith("big.ttl:3:9: ")
    assert store.triple_count() == 1


def test_a_long_literal_after_a_multibyte_character_counts_columns_in_characters(tmp_path: Path) -> None:
    from comgraph.store import open_store

    data = PREFIX + 'e:é e:b "'.encode() + b"x" * BIG + b'" .\n'
    with open_store("oxigraph:") as store, pytest.raises(LoadError) as caught:
        store.load([Source("big.ttl", data=data)])
    assert (caught.value.line, caught.value.column) == (2, 9)


@pytest.fixture
def validation_service(tmp_path: Path):
    import contextlib

    from comgraph.app import create_app

    from comgraph.store import open_store
    from tests.readiness import serving_app

    shapes = Path(__file__).parent / "data" / "validate" / "shapes"
    with contextlib.ExitStack() as servers:

        def serve(max_body: int) -> str:
            app = create_app({"STORE": open_store("oxigraph:"), "SHAPES_DIR": str(shapes),
                              "TESTING": True, "MAX_CONTENT_LENGTH": max_body})
            return servers.enter_context(serving_app(app))

        yield serve


def _chunks(data: bytes):
    for i in range(0, len(data), 1 << 20):
        yield data[i:i + (1 << 20)]


@pytest.mark.parametrize("chunked", [True, False])
def test_a_17_mib_literal_posted_to_validate_is_a_400_naming_the_spot(validation_service, chunked) -> None:
    base = validation_service(64 << 20)
    body = big_turtle()
    answer = requests.post(f"{base}/validate", data=_chunks(body) if chunked else body,
                           headers={"Content-Type": "text/turtle"}, timeout=300)
    assert answer.status_code == 400, answer.text[:500]
    assert answer.text.startswith("request body:3:9: "), answer.text[:500]
    assert "16 MiB" in answer.text


def test_a_chunked_17_mib_body_over_the_default_cap_is_a_413(validation_service) -> None:
    base = validation_service(16 << 20)
    answer = requests.post(f"{base}/validate", data=_chunks(big_turtle()),
                           headers={"Content-Type": "text/turtle"}, timeout=300)
    # Over the cap is 413, chunked or not (issue 10 item 2): never a cut body, never a 500.
    assert answer.status_code == 413, answer.text[:500]
    assert answer.text.startswith("the request body is larger"), answer.text[:500]
