"""``comgraph import``: governance data from where people keep it (RACI and obligation
spreadsheets, ODCS data contracts) into the graph, without writing Turtle.

One module per importer (``raci``, ``obligations``, ``odcs``) reads its input into triples and
collects every problem with its cell or YAML path; ``common`` holds what they share. This module
is the click group that ``comgraph.cli`` registers. Each command either loads into ``--store``
(replacing what an earlier import of the same sheet or contract put there) or writes Turtle
with ``-o``; bad input exits 2 and changes nothing.
"""

from __future__ import annotations

import sys

import click

from comgraph.cli_common import Fail, open_or_fail, parse_date
from comgraph.store import DEFAULT_STORE_URL, Store, StoreError

ImportProblem = Fail  # what the import commands raise: "comgraph: message", exit code 2


def _options(f):
    f = click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE.ttl",
                     help="Write Turtle here instead of loading into the store (the store, if given, is "
                          "only read, to match parties).")(f)
    f = click.option("--store", "store_url", envvar="COMGRAPH_STORE", default=DEFAULT_STORE_URL,
                     metavar="URL", help="The store to import into: oxigraph:///path or "
                                         "sparql+http://host:port/query.")(f)
    f = click.option("--relationship", "relationship", metavar="IRI",
                     help="The relationship the rows join (default: the store's only relationship, or a "
                          "new one named after the file).")(f)
    return f


def _start_option(f):
    return click.option("--start", "start", metavar="DATE",
                        help="First day the imported assignments and memberships hold (default: the "
                             "relationship's start date).")(f)




def _open(store_url: str, output: str | None) -> Store | None:
    if store_url == DEFAULT_STORE_URL and not output:
        raise ImportProblem("give --store URL to import into (oxigraph:///path or a SPARQL endpoint), "
                            "or -o FILE.ttl to write Turtle")
    if store_url == DEFAULT_STORE_URL:
        return None
    return open_or_fail(store_url)  # with comgraph --engine NAME's engine


def _run(store_url: str, output: str | None, quiet: bool, read) -> None:
    """Open the store, read the input (all problems at once), then write: all or nothing."""
    # Imported here so that other comgraph commands do not pay for openpyxl at start-up.
    from comgraph.importers.problems import ImportFailed
    from comgraph.importers.writing import write_output

    store = _open(store_url, output)
    error = summary = None
    try:
        builder, graph = read(store)
        summary = write_output(builder, store, output, graph)
    except (ImportFailed, StoreError) as exc:
        error = str(exc)
    finally:
        if store is not None:
            store.close()
        # Nothing may keep the store open after the command (an on-disk store holds a lock):
        # the error is raised outside the except block, so no traceback holds its frames.
        store = None
    if error is not None:
        raise ImportProblem(error)
    if not quiet:
        click.echo(f"comgraph import: {summary}", err=True)


@click.group("import", context_settings={"help_option_names": ["-h", "--help"]})
def import_group() -> None:
    """Import RACI matrices, obligation registers (CSV or XLSX) and ODCS data contracts.

    Importing the same sheet again replaces what it imported before. Anything that cannot be
    read is reported with its cell (Sheet1!B7) or YAML path, exit code 2, and nothing is loaded.
    """


@import_group.command("raci")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx workbook (default: the first).")
@_start_option
@_options
def raci_command(file: str, sheet: str | None, start: str | None, relationship: str | None, store_url: str,
                 output: str | None, quiet: bool) -> None:
    """Import a RACI matrix: one row per responsibility, one column per party."""
    from comgraph.importers.raci import read_raci
    from comgraph.importers.tables import read_table

    when = parse_date(start, "--start")

    def read(store):
        result = read_raci(read_table(file, sheet), store, relationship, when)
        return result.builder, result.graph

    _run(store_url, output, quiet, read)


@import_group.command("obligations")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx workbook (default: the first).")
@_options
def obligations_command(file: str, sheet: str | None, relationship: str | None, store_url: str,
                        output: str | None, quiet: bool) -> None:
    """Import an obligation register: id, obligor, obligee, description, due, metric, target,
    consequence, status."""
    from comgraph.importers.obligations import read_obligations
    from comgraph.importers.tables import read_table

    def read(store):
        result = read_obligations(read_table(file, sheet), store, relationship)
        return result.builder, result.graph

    _run(store_url, output, quiet, read)


@import_group.command("odcs")
@click.argument("file", type=click.Path(dir_okay=False))
@_options
def odcs_command(file: str, relationship: str | None, store_url: str, output: str | None,
                 quiet: bool) -> None:
    """Import an Open Data Contract Standard (v3) contract: team tenures, SLA targets, the
    dataset as an asset with its owner, and its price."""
    from comgraph.importers.odcs import read_contract

    def read(store):
        result = read_contract(file, store, relationship)
        for note in result.notes:
            if not quiet:
                click.echo(f"comgraph import: note: {note}", err=True)
        return result.builder, result.graph

    _run(store_url, output, quiet, read)


__all__ = ["import_group", "ImportProblem"]

if __name__ == "__main__":  # pragma: no cover
    import_group(sys.argv[1:])
