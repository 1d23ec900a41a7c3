"""``comgraph lookahead`` and ``comgraph calendar``: the next 3 to 6 months, and the same dates as
an iCalendar feed. Both read the graph the way ``comgraph query`` does (--store, --data, --demo)."""

from __future__ import annotations

import sys
from urllib.parse import quote

import click

from comgraph.cli_common import Fail, data_options, open_with_data, parse_date
from comgraph.output import write_file
from comgraph.store import StoreError


@click.command("lookahead")
@click.option("--months", type=click.IntRange(3, 6), default=6, show_default=True,
              help="How many months ahead to look (3 to 6).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="The day to look ahead from (default: the data's cg:asOfDate, else today).")
@click.option("--format", "out_format", type=click.Choice(["text", "json", "markdown", "csv"]),
              default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here.")
@data_options
def lookahead_command(months: int, as_of: str | None, out_format: str, output: str | None,
                      data: tuple[str, ...], demo: bool, store_url: str) -> None:
    """What the next 3 to 6 months hold: obligations coming due (recurrences expanded), terms
    ending, roles falling vacant, targets trending toward a miss, audits, reports and reviews
    due, forecast coverage and risks, each with its evidence and a severity.

    What the checklist also judges (overdue obligations, reports, forecast coverage) is read from
    the validation report, so the two always agree.
    """
    from comgraph.lookahead import compute
    from comgraph.lookahead.render import render

    day = parse_date(as_of, "--as-of")
    with open_with_data(store_url, data, demo) as store:
        try:
            look = compute(store, day, months)
        except StoreError as exc:
            raise Fail(str(exc)) from None
    _write(render(look, out_format).encode(), output)
    if look.failed:  # written with what could be computed; exit 2 says it is not all there
        for kind, reason in look.failed.items():
            click.echo(f"comgraph: could not compute {kind}: {reason}", err=True)
        sys.exit(2)


@click.command("calendar")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the .ics file here (default: standard output).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="The day next audits and reports are counted from (default: the data's cg:asOfDate).")
@click.option("--stakeholder", metavar="IRI", help="Only events that involve this stakeholder.")
@click.option("--process", metavar="NAME", help="Only events of this process (equity, audit, ...).")
@click.option("--base-url", metavar="URL",
              help="The comgraph server whose pages the events link to (default: link to the IRIs).")
@data_options
def calendar_command(output: str | None, as_of: str | None, stakeholder: str | None, process: str | None,
                     base_url: str | None, data: tuple[str, ...], demo: bool, store_url: str) -> None:
    """The iCalendar feed (RFC 5545) of obligations (recurring ones as RRULE), audits, report due
    dates, reviews and term ends: the same as /calendar.ics."""
    from comgraph.lookahead.calendar import feed
    from comgraph.queries import Parameter, ParameterError

    day = parse_date(as_of, "--as-of")
    if stakeholder:
        try:
            stakeholder = Parameter("stakeholder", "IRI", "stakeholder").parse(stakeholder).value
        except ParameterError as exc:
            raise Fail(str(exc)) from None

    def link(iri: str) -> str:
        return f"{base_url.rstrip('/')}/resource?iri={quote(iri, safe='')}" if base_url else iri

    with open_with_data(store_url, data, demo) as store:
        try:
            body = feed(store, link, as_of=day, stakeholder=stakeholder, process=process)
        except StoreError as exc:
            raise Fail(str(exc)) from None
    _write(body, output)


def _write(body: bytes, output: str | None) -> None:
    if output:
        write_file(output, body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
