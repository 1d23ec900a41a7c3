"""The wheel carries every part of comgraph (pyproject lists packages by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_of_src_comgraph_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT / "src").parts)
        for p in (ROOT / "src" / "comgraph").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_every_subpackage_of_app_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(("comgraph", *p.parent.relative_to(ROOT).parts))
        for p in (ROOT / "app").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_an_installed_wheel_finds_its_resources_and_serves(tmp_path: Path) -> None:
    """Build the wheel, install it outside the repository, and run it from elsewhere."""
    import json
    import os
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    from tests.oxigraph_server import free_port
    from tests.readiness import wait_until_ready

    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(wheels), str(ROOT)], check=True, timeout=300)
    wheel = next(wheels.glob("comgraph-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, timeout=300)
    assert not (target / "app").exists(), "a bare top-level 'app' package must not be installed"
    env = {**os.environ, "PYTHONPATH": str(target)}
    cli = [sys.executable, "-c", "from comgraph.cli import main; main()"]
    helped = subprocess.run([*cli, "--help"], capture_output=True, text=True, cwd=tmp_path, env=env,
                            timeout=60)
    for command in ("load", "query", "dump", "serve"):
        assert f"  {command}" in helped.stdout
    where = subprocess.run([sys.executable, "-c", "import comgraph.paths as p; print(p.demo_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert where.stdout.strip().startswith(str(target))
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--demo", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        wait_until_ready(f"http://127.0.0.1:{port}/healthz", server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?{query}", timeout=60) as r:
            answer = json.load(r)
        assert int(answer["results"]["bindings"][0]["n"]["value"]) > 0
    finally:
        server.terminate()
        server.wait(timeout=10)
