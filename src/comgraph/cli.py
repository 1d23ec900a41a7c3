"""The ``comgraph`` command line: the front door that people and pipelines use.

Exit codes are part of the interface: 0 success, 1 findings (validate), 2 a usage, parse or
runtime error. Every command takes ``--store URL`` (or ``COMGRAPH_STORE``).
"""

from __future__ import annotations

import errno
import shutil
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from comgraph import __version__
from comgraph.catalog import export_group, link_group
from comgraph.diff.command import diff as diff_command
from comgraph.importers import import_group
from comgraph.output import RESULT_FORMATS, write_table
from comgraph.sources import expand_data_paths
from comgraph.store import (
    DEFAULT_STORE_URL,
    FORMAT_NAMES,
    LoadError,
    Store,
    StoreError,
    format_for_path,
    open_store,
    parse_format,
)

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


def _open(store_url: str) -> Store:
    try:
        return open_store(store_url)
    except StoreError as exc:
        raise Fail(str(exc)) from None


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
    except (StoreError, ValueError) as exc:
        raise Fail(str(exc)) from None


def _os_error_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)


class _Commands(click.Group):
    """The command group, with one net under every command: a StoreError (an engine that is
    down, refuses credentials or a write) or an OSError (a file that cannot be read or written)
    that a command did not turn into a Fail itself still ends as ``comgraph: message`` and exit
    code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Fail(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of our output went away
            raise Fail(_os_error_message(exc)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="comgraph")
def main() -> None:
    """comgraph: the knowledge graph of a co-managed business relationship.

    Load RDF, query it with SPARQL, validate it against the co-management shapes, and serve it
    to people and machines.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--graph", metavar="IRI", help="Named graph for triples (default: the default graph).")
@click.option("--format", "rdf_format", metavar="FORMAT",
              help=f"Override the format the extension implies ({', '.join(FORMAT_NAMES)}).")
@store_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def load(files: tuple[str, ...], graph: str | None, rdf_format: str | None, store_url: str,
         quiet: bool) -> None:
    """Load RDF files (or folders of them) into the store, all or nothing.

    If any file fails to parse, nothing is loaded, the error names FILE:LINE:COL, and the exit
    code is 2.
    """
    store = _open(store_url)
    with store:
        added = load_data(store, files, graph=graph, rdf_format=rdf_format, quiet=quiet)
    if not quiet:
        click.echo(f"loaded {len(expand_data_paths(files))} file(s), {added} quad(s) into {store.url}",
                   err=True)


@main.command()
@click.argument("sparql", metavar="QUERY", required=False)
@click.option("--demo", is_flag=True, help="Load the demo relationship and the vocabularies first.")
@click.option("--data", "data", multiple=True, metavar="PATH",
              help="Load these files or folders first (handy with the in-memory store).")
@click.option("--format", "out_format", default="table", show_default=True,
              type=click.Choice(["table", *RESULT_FORMATS, *FORMAT_NAMES]),
              help="table/json/csv/tsv/xml for SELECT and ASK; an RDF format for CONSTRUCT.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of a named query (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@store_option
def query(sparql: str | None, data: tuple[str, ...], demo: bool, out_format: str, output: str | None,
          params: tuple[str, ...], list_queries: bool, store_url: str) -> None:
    """Run a named query, or SPARQL given as text, a .rq file, or - for standard input.

    A named query (see --list) takes its parameters as --param NAME=VALUE; each value is bound
    as a typed RDF term, never pasted into the query.
    """
    from comgraph import queries as catalogue_module

    try:
        catalogue = catalogue_module.Catalogue()
    except catalogue_module.CatalogueError as exc:
        raise Fail(str(exc)) from None
    if list_queries:
        _list_named_queries(catalogue)
        return
    if sparql is None:
        raise Fail("give a QUERY (a named query, SPARQL text, a .rq file or -), or --list")
    named = catalogue.get(sparql) if sparql in catalogue and not Path(sparql).is_file() else None
    if named is None and sparql.endswith(".rq") and Path(sparql).is_file():
        # A .rq file with a catalogue header is a named query wherever it lives: its parameters
        # (as_of above all) must be bound, or its date filters would silently match nothing.
        try:
            named = catalogue_module.parse_query_file(Path(sparql))
        except catalogue_module.CatalogueError:
            named = None
    if named is None and params:
        raise Fail(f"--param is for named queries; {sparql!r} is not one (see comgraph query --list)")
    text = named.sparql if named else _read_query(sparql)
    store = _open(store_url)
    with store:
        load_data(store, [*data, *(_demo_sources() if demo else [])], quiet=True)
        try:
            if named is not None:
                result = store.query(text, bindings=named.bind(_param_values(params), store))
            else:
                result = store.query(text)
            _write_result(result, out_format, output)
        except catalogue_module.ParameterError as exc:
            raise Fail(str(exc)) from None
        except StoreError as exc:
            raise Fail(str(exc)) from None


def _demo_sources() -> list[str]:
    """The demo relationship, with the SKOS vocabularies that label its codes (processes, RACI
    letters, statuses)."""
    from comgraph.paths import demo_dir, ontology_dir

    return [str(ontology_dir() / "vocab"), str(demo_dir())]


def _param_values(params: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise Fail(f"--param {item!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def _list_named_queries(catalogue) -> None:
    for process, members in catalogue.by_process():
        click.echo(f"{process}:")
        for q in members:
            params = " ".join(f"[{p.name}]" if not p.required else p.name for p in q.parameters)
            click.echo(f"  {q.name:<36} {q.title}" + (f"  ({params})" if params else ""))


def _read_query(arg: str) -> str:
    if arg == "-":
        return sys.stdin.read()
    path = Path(arg)
    if arg.endswith((".rq", ".sparql")) or ("\n" not in arg and " " not in arg and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Fail(f"{arg}: {exc.strerror}") from None
    return arg


def _write_result(result, out_format: str, output: str | None) -> None:
    sink = open(output, "wb") if output else sys.stdout.buffer
    try:
        if isinstance(result, ox.QueryBoolean):
            if out_format in RESULT_FORMATS:
                sink.write(result.serialize(format=RESULT_FORMATS[out_format]))
            else:
                sink.write(b"true\n" if bool(result) else b"false\n")
        elif hasattr(result, "variables"):
            if out_format == "table":
                import io

                text = io.StringIO()
                terminal = output is None and sys.stdout.isatty()
                write_table(result, text, width=shutil.get_terminal_size().columns if terminal else None)
                sink.write(text.getvalue().encode())
            elif out_format in RESULT_FORMATS:
                result.serialize(sink, RESULT_FORMATS[out_format])
            else:
                raise Fail(f"--format {out_format} is for CONSTRUCT; a SELECT takes table, "
                           "json, csv, tsv or xml")
        else:
            fmt = parse_format("turtle" if out_format in ("table", *RESULT_FORMATS) else out_format)
            result.serialize(sink, fmt)
        sink.flush()
    finally:
        if output:
            sink.close()


@main.command()
@click.option("--format", "rdf_format", default=None, metavar="FORMAT",
              help="nquads (default for the whole store), trig, turtle, ntriples, rdfxml, jsonld.")
@click.option("--graph", metavar="IRI", help="Dump one graph ('default' for the default graph).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (format from extension).")
@click.option("--data", "data", multiple=True, metavar="PATH", help="Load these first.")
@store_option
def dump(rdf_format: str | None, graph: str | None, output: str | None, data: tuple[str, ...],
         store_url: str) -> None:
    """Write the store (or one graph) out as RDF."""
    try:
        if rdf_format:
            fmt = parse_format(rdf_format)
        elif output:
            fmt = format_for_path(output)
        else:
            fmt = ox.RdfFormat.N_QUADS if graph is None else ox.RdfFormat.TURTLE
    except ValueError as exc:
        raise Fail(str(exc)) from None
    store = _open(store_url)
    with store:
        load_data(store, data, quiet=True)
        try:
            if output:
                with open(output, "wb") as sink:
                    store.dump(sink, fmt, graph=graph)
            else:
                store.dump(sys.stdout.buffer, fmt, graph=graph)
        except (StoreError, ValueError) as exc:
            raise Fail(str(exc)) from None


@main.command()
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

    store = _open(store_url)
    added = load_data(store, [*data, *(_demo_sources() if demo else [])])
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


# -- validate and check-shapes (issue 4): SHACL validation for people and pipelines ----------

def _format_spec(spec: str) -> tuple[str, str | None]:
    from comgraph.validate.render import RENDERERS

    name, _, path = spec.partition(":")
    if name not in RENDERERS:
        raise click.BadParameter(f"{spec!r}: expected one of {', '.join(RENDERERS)}, optionally "
                                 "followed by :PATH", param_hint="--format")
    return name, path or None


@main.command("validate")
@click.argument("data", nargs=-1, type=click.Path())
@store_option
@click.option("--shapes", "shapes_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of SHACL shapes (default: comgraph's own shapes).")
@click.option("--format", "formats", multiple=True, default=("text",), show_default=True,
              metavar="FORMAT[:PATH]",
              help="text, json, turtle, sarif, junit or github; repeat for several; :PATH writes a file.")
@click.option("--fail-on", type=click.Choice(["violation", "warning", "info", "never"]),
              default="violation", show_default=True, help="Lowest severity that makes the exit code 1.")
@click.option("--waivers", type=click.Path(dir_okay=False), metavar="FILE", help="YAML waivers file.")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="An earlier --format json report: fail only on findings that are new.")
@click.option("--inference", type=click.Choice(["none", "rdfs", "owlrl"]), default="none", show_default=True)
@click.option("--as-of", "as_of", metavar="DATE",
              help="The date that date checks use (default: the data's cg:asOfDate, else today).")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="sparql: shapes compiled to SPARQL, run by the store; pyshacl: the reference engine.")
@click.pass_context
def validate_command(ctx: click.Context, data: tuple[str, ...], store_url: str, shapes_dir: str | None,
                     formats: tuple[str, ...], fail_on: str, waivers: str | None, baseline: str | None,
                     inference: str, as_of: str | None, engine: str) -> None:
    """Validate DATA files or folders (or the store at --store) against the SHACL shapes.

    Exit codes: 0 conforms at the --fail-on level, 1 findings, 2 usage, parse or runtime error,
    3 a SHACL feature comgraph cannot check.
    """
    from comgraph.validate import Severity, UnsupportedFeature, ValidationError, validate
    from comgraph.validate.baseline import BaselineError, apply_baseline, load_baseline
    from comgraph.validate.render import render
    from comgraph.validate.render.github import summary
    from comgraph.validate.waivers import WaiverFileError, apply_waivers, load_waivers

    outputs = [_format_spec(f) for f in formats]
    level = None if fail_on == "never" else Severity.from_name(fail_on)
    store_given = ctx.get_parameter_source("store_url") == click.core.ParameterSource.COMMANDLINE
    if data and store_given:
        raise Fail("give DATA files or --store URL, not both (validate loads DATA into a private store)")
    if not data and store_url == DEFAULT_STORE_URL:
        raise Fail("nothing to validate: give DATA files or folders, or --store URL")
    try:
        waiver_list = load_waivers(waivers) if waivers else []
        known = load_baseline(baseline) if baseline else None
        target = list(data) if data else _open(store_url)
        try:
            report = validate(target, shapes_dir, as_of=as_of, inference=inference, engine=engine)
        finally:
            if isinstance(target, Store):
                target.close()
    except UnsupportedFeature as exc:
        click.echo(f"comgraph: unsupported SHACL feature: {exc}", err=True)
        sys.exit(3)
    except (ValidationError, WaiverFileError, BaselineError, StoreError, LoadError) as exc:
        raise Fail(str(exc)) from None
    if waivers:
        apply_waivers(report, waiver_list)
    if known is not None:
        apply_baseline(report, known)
    for name, path in outputs:
        text = render(report, name, level)
        if path:
            Path(path).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
        if name == "github":
            import os

            summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
            if summary_file:
                with open(summary_file, "a", encoding="utf-8") as sink:
                    sink.write(summary(report, level))
    sys.exit(0 if report.conforms(level) else 1)


@main.command("check-shapes")
@click.option("--shapes", "shapes_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of SHACL shapes (default: comgraph's own shapes).")
def check_shapes_command(shapes_dir: str | None) -> None:
    """Check the shapes: valid SHACL (SHACL-SHACL), and each with an IRI, sh:name, sh:message,
    sh:severity and a cg:enforces link to a checklist item. Exit 1 on any problem."""
    from comgraph.paths import shapes_dir as default_shapes_dir
    from comgraph.validate.lint import check_shapes
    from comgraph.validate.shapes import Shapes, ShapesError

    try:
        shapes = Shapes.load(shapes_dir or default_shapes_dir())
    except (ShapesError, LoadError) as exc:
        raise Fail(str(exc)) from None
    problems = check_shapes(shapes)
    for p in problems:
        click.echo(str(p))
    errors = [p for p in problems if p.level == "error"]
    click.echo(f"{len(errors)} problem(s) in {len(shapes.files)} shapes file(s)", err=True)
    sys.exit(1 if errors else 0)


@main.command("check-ontology")
@click.option("--data", "data", multiple=True, metavar="PATH",
              help="Also check that these Turtle files (or folders) use only declared terms. "
                   "data/ and shapes/ are always checked.")
@click.option("--skip-reasoner", is_flag=True, help="Skip the HermiT consistency run (the slow part).")
def check_ontology_command(data: tuple[str, ...], skip_reasoner: bool) -> None:
    """Check the ontology: HermiT consistency, OWL 2 DL profile, labels, declared terms.

    Exit 0 when every check passes, 1 when one finds a problem, 2 when a check cannot run
    (for example no Java, or a file that does not parse).
    """
    from comgraph import ontology

    try:
        report = ontology.check_ontology(reasoner=not skip_reasoner)
        extra = [p for p in expand_data_paths(data) if p.suffix.lower() == ".ttl"]
        if extra:
            report.findings += ontology.check_declared(extra)
    except ontology.OntologyError as exc:
        raise Fail(str(exc)) from None
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for finding in report.findings:
        click.echo(f"{finding.check}: {finding}")
    if report.findings:
        click.echo(f"check-ontology: {len(report.findings)} problem(s)", err=True)
        sys.exit(1)
    click.echo("check-ontology: ok (consistency, OWL 2 DL profile, labels, declared terms)"
               if not skip_reasoner else "check-ontology: ok (reasoner skipped)")


@main.command("docs")
@click.argument("out_dir", metavar="OUT", type=click.Path(file_okay=False))
def docs_command(out_dir: str) -> None:
    """Write the ontology's HTML documentation (pyLODE) into the folder OUT."""
    from comgraph import ontology

    try:
        html = ontology.write_docs(out_dir)
    except ontology.OntologyError as exc:
        raise Fail(str(exc)) from None
    click.echo(str(html))


main.add_command(diff_command)
main.add_command(import_group)
for catalog_group in (export_group, link_group):
    main.add_command(catalog_group)

if __name__ == "__main__":  # pragma: no cover
    main()
