"""What every ``comgraph`` command shares: the one error that prints as ``comgraph: message``
with exit code 2 (``Fail``), the ``--store`` option, opening a store, and loading DATA arguments
all-or-nothing. The command groups outside ``comgraph.cli`` (import, export, link, diff) use it
too, so it lives outside that package (which imports them)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from comgraph.sources import expand_data_paths
from comgraph.store import DEFAULT_STORE_URL, Store, StoreError, open_store, parse_format

store_option = click.option(
    "--store",
    "store_url",
    envvar="COMGRAPH_STORE",
    default=DEFAULT_STORE_URL,
    show_default=True,
    metavar="URL",
    help="oxigraph: (memory), oxigraph:///path (disk) or sparql+http://host:port/query (remote).",
)


class Fail(click.ClickException):
    """An error the user can act on: printed as 'comgraph: message', exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"comgraph: {self.format_message()}", err=True)


#: Where ``comgraph --engine NAME`` keeps the engine's name for the command (``click.Context.meta``).
ENGINE_KEY = "comgraph.engine"


def chosen_engine() -> str | None:
    """The engine ``comgraph --engine NAME`` named, if any (``open_store`` reads
    ``COMGRAPH_ENGINE`` itself)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(ENGINE_KEY) if ctx is not None else None


def open_or_fail(store_url: str) -> Store:
    """The store at STORE_URL (of the engine ``--engine`` names, if given); Fail otherwise."""
    engine = chosen_engine()
    try:
        # engine= only when given, so a store URL opens the same with or without the option.
        return open_store(store_url, engine=engine) if engine else open_store(store_url)
    except (StoreError, ValueError) as exc:  # ValueError: a URL urllib cannot split ("[::1")
        raise Fail(f"store URL {store_url!r}: {exc}" if isinstance(exc, ValueError) else str(exc)) from None


def load_data(store: Store, data: tuple[str, ...] | list[str], *, graph: str | None = None,
              rdf_format: str | None = None, quiet: bool = False) -> int:
    """Load DATA arguments (files or folders) all-or-nothing, with a progress bar on a terminal."""
    paths = expand_data_paths(data)
    if not paths:
        return 0
    fmt = parse_format(rdf_format) if rdf_format else None
    total = sum(p.stat().st_size for p in paths if p.is_file())
    show_bar = not quiet and sys.stderr.isatty() and total > 8 << 20
    try:
        if show_bar:
            with click.progressbar(length=total, label="loading", file=sys.stderr) as bar:
                state = {"done": 0}

                def progress(done: int, _total: int) -> None:
                    bar.update(done - state["done"])
                    state["done"] = done

                return store.load(paths, graph=graph, format=fmt, progress=progress)
        return store.load(paths, graph=graph, format=fmt)
    except Exception as exc:
        message = engine_connection_failure(exc)
        if message is None and isinstance(exc, (StoreError, ValueError)):
            message = str(exc)
        if message is None:
            raise
        raise Fail(message) from None


def engine_connection_failure(exc: BaseException) -> str | None:
    """requests' or urllib3's own error (an answer cut off while it was read straight from the
    socket, a URL they cannot use) as one line; None for any other error. Looked up only if they
    were imported: a command that never talked HTTP cannot have raised one, and the CLI does not
    import them."""
    requests = sys.modules.get("requests")
    urllib3 = sys.modules.get("urllib3")
    if not ((requests is not None and isinstance(exc, requests.RequestException))
            or (urllib3 is not None and isinstance(exc, urllib3.exceptions.HTTPError))):
        return None
    # They wrap each other's errors, each as its first argument: say the innermost text.
    reason: Any = exc
    while isinstance(reason, BaseException) and reason.args:
        reason = reason.args[0]
    if requests is not None and isinstance(exc, requests.exceptions.InvalidURL):
        return f"the engine's URL cannot be used: {reason}"
    return f"the connection to the engine broke: {reason}"


def os_error_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)



def demo_sources() -> list[str]:
    """The demo relationship, with the SKOS vocabularies that label its codes (processes, RACI
    letters, statuses)."""
    from comgraph.paths import demo_dir, ontology_dir

    return [str(ontology_dir() / "vocab"), str(demo_dir())]


def parse_date(value: str | None, param_hint: str) -> dt.date | None:
    """A YYYY-MM-DD option value, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected a date as YYYY-MM-DD", param_hint=param_hint) from None


def data_options(f):
    """``--store``, ``--data`` and ``--demo``: where a command that reads the graph gets it, the
    same for every such command (query, export, link, …)."""
    f = click.option("--demo", is_flag=True, help="Load the demo relationship and the vocabularies first.")(f)
    f = click.option("--data", "data", multiple=True, metavar="PATH",
                     help="Load these files or folders first (handy with the in-memory store).")(f)
    return store_option(f)


def open_with_data(store_url: str, data: tuple[str, ...] | list[str], demo: bool) -> Store:
    """The store at STORE_URL with DATA (and the demo, if asked) loaded into it, all or nothing."""
    store = open_or_fail(store_url)
    try:
        load_data(store, [*data, *(demo_sources() if demo else [])], quiet=True)
    except BaseException:
        store.close()
        raise
    return store
