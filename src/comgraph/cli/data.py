"""``comgraph load``, ``query`` and ``dump``: data in, questions, data out."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import IO

import click
import pyoxigraph as ox

from comgraph.cli_common import Fail, data_options, load_data, open_or_fail, open_with_data, store_option
from comgraph.output import RESULT_FORMATS, replaced_on_success, write_table
from comgraph.sources import expand_data_paths
from comgraph.store import FORMAT_NAMES, StoreError, format_for_path, parse_format


@click.command()
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
    store = open_or_fail(store_url)
    with store:
        added = load_data(store, files, graph=graph, rdf_format=rdf_format, quiet=quiet)
    if not quiet:
        click.echo(f"loaded {len(expand_data_paths(files))} file(s), {added} quad(s) into {store.url}",
                   err=True)


@click.command()
@click.argument("sparql", metavar="QUERY", required=False)
@click.option("--format", "out_format", default="table", show_default=True,
              type=click.Choice(["table", *RESULT_FORMATS, *FORMAT_NAMES]),
              help="table/json/csv/tsv/xml for SELECT and ASK; an RDF format for CONSTRUCT.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of a named query (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@data_options
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
    try:
        named = None if Path(sparql).is_file() else catalogue.find(sparql)
    except catalogue_module.UnknownQuery as exc:  # "did you mean obligations-due?"
        raise Fail(str(exc)) from None
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
    with open_with_data(store_url, data, demo) as store:
        try:
            if named is not None:
                result = named.run(store, _param_values(params))
            else:
                result = store.query(text)
            _write_result(result, out_format, output)
        except catalogue_module.ParameterError as exc:
            raise Fail(str(exc)) from None
        except StoreError as exc:
            raise Fail(str(exc)) from None



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
    if output:
        with replaced_on_success(output) as sink:
            _render_result(result, out_format, sink, terminal=False)
    else:
        _render_result(result, out_format, sys.stdout.buffer, terminal=sys.stdout.isatty())
        sys.stdout.buffer.flush()


def _render_result(result, out_format: str, sink: IO[bytes], *, terminal: bool) -> None:
    if isinstance(result, ox.QueryBoolean):
        if out_format in RESULT_FORMATS:
            sink.write(result.serialize(format=RESULT_FORMATS[out_format]))
        else:
            sink.write(b"true\n" if bool(result) else b"false\n")
    elif hasattr(result, "variables"):
        if out_format == "table":
            import io

            text = io.StringIO()
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


@click.command()
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
    store = open_or_fail(store_url)
    with store:
        load_data(store, data, quiet=True)
        try:
            if output:
                with replaced_on_success(output) as sink:
                    store.dump(sink, fmt, graph=graph)
            else:
                store.dump(sys.stdout.buffer, fmt, graph=graph)
        except (StoreError, ValueError) as exc:
            raise Fail(str(exc)) from None
