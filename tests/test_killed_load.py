"""A disk load killed half-way leaves nothing behind once the store is opened again (issue 10,
item 8).

pyoxigraph's ``bulk_load`` builds table files named ``bulk-<number>.sst`` in the store's folder
and hands them to RocksDB at the end. A ``comgraph load`` killed before that left them there for
ever (537 MB after a 3M-triple load). Opening the store for writing now deletes them: RocksDB
never refers to a file of that name (it links what it ingests under its own numbers).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from comgraph.store.oxigraph import OxigraphStore

KILLED = "http://killed.example/"
KEPT = "http://kept.example/"


def _bulk_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("bulk-*.sst"))


def _load(folder: Path, source: Path) -> None:
    with OxigraphStore(folder) as store:
        store.load([source])


def test_a_killed_disk_load_leaves_no_bulk_files_and_no_triples(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    kept = tmp_path / "kept.nt"
    kept.write_text("".join(f'<{KEPT}s{i}> <{KEPT}p> "{i}" .\n' for i in range(10)))
    _load(folder, kept)  # in a function: its store (and RocksDB's lock) is released on return
    big = tmp_path / "big.nt"  # about 30 MB: parsed first, then bulk loaded for several seconds
    with big.open("w") as out:
        for i in range(400_000):
            out.write(f'<{KILLED}s{i}> <{KILLED}p{i % 50}> "value {i}" .\n')
    comgraph = Path(sys.executable).parent / "comgraph"
    process = subprocess.Popen([str(comgraph), "load", str(big), "--store", f"oxigraph://{folder}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Kill it while it writes its table files: once one of them holds a megabyte.
        deadline = time.monotonic() + 180
        while not any(f.stat().st_size > 1 << 20 for f in _bulk_files(folder) if f.exists()):
            assert process.poll() is None, (
                f"the load ended (exit {process.returncode}) before it was caught writing: "
                f"{process.stderr.read().decode()[-500:]}")
            assert time.monotonic() < deadline, "no bulk-*.sst file appeared within 180 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    left = _bulk_files(folder)
    assert left, "the killed load left no bulk files: nothing to clean up, the test proves nothing"
    assert sum(f.stat().st_size for f in left) > 1 << 20

    _reopen_and_check(folder)
    # RocksDB's own files were left alone: the store opens again with everything in it.
    with OxigraphStore(folder) as store:
        assert store.triple_count() == 11


def _reopen_and_check(folder: Path) -> None:
    with OxigraphStore(folder) as store:
        assert _bulk_files(folder) == []
        assert store.triple_count() == 10
        assert not store.ask(f"ASK {{ ?s <{KILLED}p1> ?o }}")
        # Still answers, in a query child too, and takes writes.
        assert store.ask(f'ASK {{ <{KEPT}s3> <{KEPT}p> "3" }}', timeout=30)
        store.update(f'INSERT DATA {{ <{KEPT}s10> <{KEPT}p> "10" }}')
        assert store.select("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", timeout=30)[0]["n"].value == "11"
