"""``comgraph serve``: the web app and SPARQL endpoint, on Flask's server or gunicorn."""

from __future__ import annotations

from pathlib import Path

import click

from comgraph.cli_common import Fail, demo_sources, load_data, open_or_fail, store_option


@click.command()
@click.argument("data", nargs=-1, type=click.Path(exists=True))
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, envvar="COMGRAPH_HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="COMGRAPH_PORT")
@click.option("--demo", is_flag=True,
              help="Also load the demo relationship shipped with comgraph, with the vocabularies.")
@click.option("--debug", is_flag=True, help="Flask debug mode (never in production).")
@click.option("--workers", type=int, default=None, metavar="N",
              help="Serve with the production server (gunicorn with uvicorn workers: HTTP in C on "
                   "an event loop) and N worker processes. With an embedded store the service is "
                   "read-only for N > 1 (each worker holds its own copy) and on disk for any N (the "
                   "workers only read it).")
@click.option("--threads", type=int, default=4, show_default=True,
              help="Threads per worker that evaluate queries and run the app.")
@click.option("--update-token-file", type=click.Path(dir_okay=False), metavar="PATH",
              help="File holding the bearer token that allows SPARQL Update and Graph Store writes "
                   "(or set COMGRAPH_UPDATE_TOKEN). Without a token the service is read-only.")
# Refused: a token on the command line is shown by `ps` to every user of the machine.
@click.option("--update-token", "token_on_command_line", hidden=True)
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Origin allowed to call the service from a browser (repeatable; '*' for any) "
                   "[env COMGRAPH_CORS_ORIGINS, comma-separated].")
@click.option("--query-timeout", type=float, envvar="COMGRAPH_QUERY_TIMEOUT", default=30.0,
              show_default=True, help="Most seconds a query may run; clients may ask for less.")
@click.option("--max-rows", type=int, envvar="COMGRAPH_MAX_ROWS", default=100_000, show_default=True,
              help="Row cap on query answers (signalled in X-Comgraph-Row-Cap).")
@click.option("--max-body", type=int, envvar="COMGRAPH_MAX_BODY", default=16 << 20, show_default=True,
              help="Largest request body accepted, in bytes (413 above).")
@click.option("--query-memory", type=click.IntRange(min=0), envvar="COMGRAPH_QUERY_MEMORY", default=None,
              metavar="MB", help="Most memory a query may allocate on the embedded store, in MB "
                                 "(default 1024; 0 for no cap); past it the query is stopped (503).")
def serve(data: tuple[str, ...], store_url: str, host: str, port: int, demo: bool, debug: bool,
          workers: int | None, threads: int, update_token_file: str | None,
          token_on_command_line: str | None, cors_origins: tuple[str, ...], query_timeout: float,
          max_rows: int, max_body: int, query_memory: int | None) -> None:
    """Serve the web app and SPARQL endpoint, after loading DATA (files or folders).

    Writes (SPARQL Update, Graph Store PUT/POST/DELETE) need a bearer token, read from the file
    --update-token-file names or from COMGRAPH_UPDATE_TOKEN, never from the command line.
    """
    import os

    if token_on_command_line is not None:
        raise Fail("--update-token would show the token to every user of this machine (ps); put "
                   "it in a file readable only by you and pass --update-token-file PATH, or set "
                   "COMGRAPH_UPDATE_TOKEN")
    update_token = (_read_token_file(update_token_file) if update_token_file
                    else os.environ.get("COMGRAPH_UPDATE_TOKEN") or None)

    if workers is not None and workers < 1:
        raise click.BadParameter("must be at least 1", param_hint="--workers")
    if workers and workers > 1:
        # Metrics from every worker are summed through files in this folder (prometheus_client's
        # multiprocess mode); it must be set before any metric exists.
        import tempfile

        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="comgraph-metrics-"))
    # Imported only now: prometheus_client picks its multiprocess mode when it is imported.
    from comgraph.app import create_app
    from comgraph.app.serve_logging import configure_serve_logging

    if workers and workers > 1:
        # Each worker's pool keeps its share of the cores as idle query children (set before the
        # store, and so its pool, exists): one kept copy of an in-memory store per core in all.
        from comgraph.store.pool import share_cores_among_workers

        share_cores_among_workers(workers)
    store = open_or_fail(store_url)
    added = load_data(store, [*data, *(demo_sources() if demo else [])])
    # Only once there is something to serve: it takes over the process's logging (the access
    # log stops propagating), which a serve that failed to load must not leave behind.
    configure_serve_logging()
    config = {
        "STORE": store,
        "SPARQL_UPDATE_TOKEN": update_token or None,
        "SPARQL_TIMEOUT": query_timeout,
        "SPARQL_MAX_ROWS": max_rows,
        "MAX_CONTENT_LENGTH": max_body,
        "SPARQL_QUERY_MEMORY": query_memory,
    }
    if cors_origins:
        config["CORS_ORIGINS"] = list(cors_origins)
    embedded = not store.url.startswith("sparql+")
    if workers and embedded and store.url.startswith("oxigraph://"):
        # comgraph.store.handle: a process forked from the one that opened a disk store reads
        # through a read-only instance of its own, and cannot write (RocksDB's threads are gone).
        config["SPARQL_READ_ONLY"] = ("the workers are forked from the process that opened the disk "
                                      "store and only read it; serve writes without --workers or "
                                      "from a remote store")
    elif workers and workers > 1 and embedded:
        config["SPARQL_READ_ONLY"] = (f"{workers} workers each hold their own copy of the embedded "
                                      "store; serve writes with one worker or a remote store")
    app = create_app(config)
    click.echo(f"comgraph: {store.url} ({added} quads loaded) on http://{host}:{port}/", err=True)
    if workers:
        from comgraph.app.serving import serve_with_gunicorn

        if embedded:
            # The workers are forked from this process: let go of the store's files first, so that
            # a fork never finds RocksDB's threads busy and each worker opens its own instance.
            store.close()
        serve_with_gunicorn(app, host=host, port=port, workers=workers, threads=threads)
        return
    app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


def _read_token_file(path: str) -> str:
    """The update token: the one line of the file (its line break is not part of it)."""
    import stat

    try:
        text = Path(path).read_text(encoding="utf-8")
        mode = Path(path).stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise Fail(f"--update-token-file {path}: {reason}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise Fail(f"--update-token-file {path}: the file is empty; write the token in it")
    if len(lines) > 1:
        raise Fail(f"--update-token-file {path}: expected the token alone on one line, found "
                   f"{len(lines)} lines")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        click.echo(f"comgraph: warning: {path} can be read by other users (chmod 600 {path})", err=True)
    return lines[0]
