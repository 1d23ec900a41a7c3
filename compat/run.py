"""``make compat`` / ``python -m compat``: start each engine, run every check, print the matrix and
write ``compat/results.md``.

The order per engine: load the demo (``comgraph load``), compare the views, the dumps and the
pages, run the W3C suites through ``comgraph serve`` on the engine, then load demo-defects and
compare validation. The embedded store is the reference for every comparison; the W3C suites
also run against the embedded store's service, so its row shows what comgraph passes there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from comgraph.store import Store, open_store
from compat import checks, conformance, engines
from compat.checks import CHECKS, Outcome

RESULTS = Path(__file__).resolve().parent / "results.md"
EMBEDDED = "embedded"


@dataclass
class EngineRun:
    name: str
    version: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None  # why the engine did not run
    seconds: float = 0.0

    def cell(self, check: str) -> str:
        if self.skipped:
            return "skipped"
        mine = [o for o in self.outcomes if o.check == check]
        if not mine:
            return "-"
        return f"{sum(o.ok for o in mine)}/{len(mine)}"

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def _guarded(check: str, items: Sequence[str], produce: Callable[[], Iterable[Outcome]],
             progress: Callable[[str], None] = lambda s: None, who: str = "") -> list[Outcome]:
    """The outcomes of one check; when the check itself breaks, each item it has not checked yet
    fails with the reason (so a broken phase never shows as fewer checks)."""
    started = time.monotonic()
    outcomes: list[Outcome] = []
    try:
        outcomes += produce()
    except Exception as exc:  # noqa: BLE001 - reported in the matrix, with its last frame
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = checks._one_line(f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})")
        done = {o.item for o in outcomes}
        outcomes += [Outcome(check, item, False, reason) for item in items if item not in done] or [
            Outcome(check, "(all)", False, reason)]
    passed = sum(o.ok for o in outcomes)
    progress(f"{who}: {check} {passed}/{len(outcomes)} in {time.monotonic() - started:.0f} s")
    return outcomes


SUITES = {"protocol": conformance.PROTOCOL, "graph-store": conformance.GRAPH_STORE}


def _suites(base: checks.Served | str, reset: conformance.Reset, selected: Sequence[str],
            progress: Callable[[str], None], who: str) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for check, cases in SUITES.items():
        if check in selected:
            outcomes += _guarded(check, [c.name for c in cases],
                                 lambda cases=cases: checks.check_conformance(base, reset, cases),
                                 progress, who)
    return outcomes


def run_embedded(selected: Sequence[str], progress: Callable[[str], None]) -> EngineRun:
    """The W3C suites against the embedded store's service (the same ``create_app`` as
    ``comgraph serve``, served by werkzeug in this process, so the harness can empty its store)."""
    import logging

    from comgraph.app import create_app

    from tests.readiness import serving_app

    result = EngineRun(EMBEDDED, "pyoxigraph (in memory), the reference")
    if not set(SUITES) & set(selected):
        return result
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with open_store("oxigraph:") as store:
        app = create_app({"STORE": store, "SPARQL_UPDATE_TOKEN": checks.UPDATE_TOKEN})
        with serving_app(app) as base:
            result.outcomes += _suites(base, checks.store_reset(store), selected, progress, EMBEDDED)
    return result


def run_engine(engine: engines.Engine, reference: Store, pages: Sequence[str], embedded_base: str | None,
               selected: Sequence[str], folder: Path, progress: Callable[[str], None]) -> list[Outcome]:
    """Every selected check on one running engine (the module docstring gives the order)."""
    outcomes: list[Outcome] = []
    who = engine.name
    views = sorted(q.name for q in checks.Catalogue())
    dumps = ["whole store", "data graph"]
    failed_load = checks.load_into_engine(engine, checks.DEMO)
    if failed_load:
        progress(f"{who}: {failed_load}")
        for check, items in (("views", views), ("dump", dumps), ("pages", pages)):
            if check in selected:
                outcomes += [Outcome(check, i, False, failed_load) for i in items]
    else:
        if "views" in selected:
            outcomes += _guarded("views", views, lambda: checks.check_views(engine, reference), progress, who)
        if "dump" in selected:
            outcomes += _guarded("dump", dumps, lambda: checks.check_dump(engine, reference, folder),
                                 progress, who)
    if {"pages", *SUITES} & set(selected):
        try:
            with checks.serving("--store", engine.store_url, engine=engine) as served:
                if "pages" in selected and not failed_load and embedded_base:
                    compare = lambda: checks.check_pages(served, embedded_base, pages)  # noqa: E731
                    outcomes += _guarded("pages", pages, compare, progress, who)
                with checks.open_engine_store(engine) as store:
                    outcomes += _suites(served, checks.engine_reset(engine, store), selected, progress, who)
        except checks.ServeFailed as exc:
            reason = checks._one_line(str(exc))
            progress(f"{who}: {reason}")
            for check, items in (("pages", [] if failed_load else pages),
                                 *((c, [case.name for case in cases]) for c, cases in SUITES.items())):
                if check in selected:
                    outcomes += [Outcome(check, i, False, reason) for i in items]
    if "validation" in selected:
        outcomes += _guarded("validation", ["report"], lambda: checks.check_validation(engine), progress, who)
    return outcomes


def run(names: Sequence[str], selected: Sequence[str], *, required: bool, quick: bool = False,
        progress: Callable[[str], None] = lambda s: None) -> list[EngineRun]:
    """Run the checks in ``selected`` on each engine in ``names``; an engine that cannot run
    here is skipped with the reason (``required``: raise :class:`EngineMissing` instead).
    ``quick`` compares fewer of the pages that differ only by their subject (2 stakeholder
    pages, 4 resource pages), which are the slow ones on a remote store."""
    runs = [run_embedded(selected, progress)]
    with checks.embedded(checks.DEMO) as reference, \
            tempfile.TemporaryDirectory(prefix="comgraph-compat-") as tmp, \
            contextlib.ExitStack() as stack:
        sample = {"stakeholders": 2, "resources": 4} if quick else {}
        pages = checks.page_paths(reference, **sample) if "pages" in selected else []
        embedded_base = stack.enter_context(checks.serving(*map(str, checks.DEMO))).base if pages else None
        for name in names:
            why_not = engines.available(name)
            if why_not:
                if required:
                    raise EngineMissing(f"{name}: {why_not}")
                runs.append(EngineRun(name, skipped=why_not))
                progress(f"{name}: skipped: {why_not}")
                continue
            started = time.monotonic()
            try:
                with engines.start(name) as engine:
                    progress(f"{name}: {engine.version} on {engine.store_url}")
                    outcomes = run_engine(engine, reference, pages, embedded_base, selected, Path(tmp),
                                          progress)
                runs.append(EngineRun(name, engine.version, outcomes, seconds=time.monotonic() - started))
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:  # it did not start
                reason = checks._one_line(f"the engine did not start: {exc}")
                runs.append(EngineRun(name, "?", [Outcome(c, "(all)", False, reason) for c in selected],
                                      seconds=time.monotonic() - started))
            progress(f"{name}: done in {runs[-1].seconds:.0f} s, {len(runs[-1].failures)} failed")
    return runs


class EngineMissing(Exception):
    """An engine asked for by name cannot run here."""


# -- the matrix -----------------------------------------------------------------------------------


def matrix(runs: Sequence[EngineRun], selected: Sequence[str]) -> str:
    header = ["engine", *selected]
    rows = []
    for r in runs:
        cells = [r.cell(c) if (r.name != EMBEDDED or c in ("protocol", "graph-store")) else "reference"
                 for c in selected]
        rows.append([f"{r.name}" + (f" ({r.version})" if r.version and r.name != EMBEDDED else ""), *cells])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def failure_lines(runs: Sequence[EngineRun]) -> list[str]:
    lines = []
    for r in runs:
        if r.skipped:
            lines.append(f"- {r.name}: skipped: {r.skipped}")
        for o in r.failures:
            lines.append(f"- {r.name} · {o.check} · `{o.item}`: {o.reason}")
    return lines


def _commit() -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=root, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=root, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def results_markdown(runs: Sequence[EngineRun], selected: Sequence[str]) -> str:
    import platform

    import pyoxigraph

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    engines_text = "\n".join(
        f"- {r.name}: {r.skipped and 'skipped: ' + r.skipped or r.version}"
        + (f" ({r.seconds:.0f} s)" if r.seconds else "") for r in runs)
    failures = failure_lines(runs)
    return f"""# Compatibility results

Written by `make compat` (compat/README.md says what each check compares). Do not edit by hand.

- Date: {now}
- Commit: {_commit()}
- Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}
{engines_text}

Each cell is checks passed / checks run. The embedded store is the reference for the comparisons;
the W3C suites run against every store's `comgraph serve`, the embedded one included.

{matrix(runs, selected)}

## Failures

{chr(10).join(failures) if failures else "None."}
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="",
                        help=f"comma-separated, from {', '.join(engines.KNOWN)} (default: every one "
                             "installed here; a named one that is missing is an error)")
    parser.add_argument("--checks", default=",".join(CHECKS),
                        help=f"comma-separated, from {', '.join(CHECKS)} (default: all)")
    parser.add_argument("--results", default=None, metavar="PATH",
                        help="where to write the results in Markdown (default: compat/results.md after a "
                             "full run, nowhere after a partial one; '-' for nowhere)")
    parser.add_argument("--quick", action="store_true",
                        help="2 stakeholder pages and 4 resource pages instead of all and 12")
    parser.add_argument("--install", action="store_true",
                        help="install Virtuoso first when running as root with apt (as make compat does)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.engines.split(",") if n.strip()] or list(engines.KNOWN)
    selected = [c.strip() for c in args.checks.split(",") if c.strip()]
    for bad in [n for n in names if n not in engines.KNOWN] + [c for c in selected if c not in CHECKS]:
        parser.error(f"{bad!r} is not an engine ({', '.join(engines.KNOWN)}) or check ({', '.join(CHECKS)})")
    selected = [c for c in CHECKS if c in selected]
    if args.install and "virtuoso" in names:
        engines.install_virtuoso_if_root()

    def progress(text: str) -> None:
        print(f"compat: {text}", file=sys.stderr, flush=True)

    try:
        runs = run(names, selected, required=bool(args.engines), quick=args.quick,
                   progress=progress)
    except (EngineMissing, checks.ServeFailed) as exc:  # nothing to compare with
        print(f"compat: {exc}", file=sys.stderr)
        return 2
    print(matrix(runs, selected))
    failures = failure_lines(runs)
    if failures:
        print("\nFailures:")
        print("\n".join(failures))
    full = not args.engines and selected == list(CHECKS) and not args.quick
    target = args.results or (str(RESULTS) if full else "-")
    if target != "-":
        Path(target).write_text(results_markdown(runs, selected), encoding="utf-8")
        progress(f"wrote {target}")
    elif args.results is None:
        progress(f"a partial run: {RESULTS.name} left as it was (--results PATH writes this one)")
    return 1 if any(r.failures for r in runs) else 0
