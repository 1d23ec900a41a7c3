"""The ``comgraph diff`` click command, registered on the main group by one line in cli.py."""

from __future__ import annotations

import sys

import click


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "out_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="text for a terminal, json for programs, markdown for a PR comment.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here.")
def diff(old: str, new: str, out_format: str, output: str | None) -> None:
    """Say in words what changed in the governance graph from OLD to NEW.

    Each side is an RDF file, several joined with commas (a.ttl,b.ttl), a folder of them, or a
    store URL (oxigraph:///path, sparql+http://host:port/query). Role tenures, RACI letters,
    obligations, targets, ownership shares and memberships are phrased; triples no rule can
    phrase are counted and listed last. Blank nodes compare by content (graph isomorphism).

    Exit codes, as diff(1): 0 no changes, 1 changes found, 2 an error (a file that does not
    parse is named FILE:LINE:COL).
    """
    from comgraph.cli_common import Fail
    from comgraph.diff import SideError, diff_sides
    from comgraph.diff.render import render
    from comgraph.output import write_file

    try:
        result = diff_sides(old, new)
    except SideError as exc:
        raise Fail(str(exc)) from None
    text = render(result, out_format)
    if output:
        write_file(output, text.encode("utf-8"))  # whole or not at all
    else:
        click.echo(text, nl=False)
    sys.exit(1 if result.has_changes else 0)
