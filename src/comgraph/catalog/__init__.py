"""comgraph for data-catalogue teams: ``comgraph export dcat|skos`` and ``comgraph link catalog``.

- ``export_dcat``: the governance resources as a DCAT-AP 3 catalogue (also served at /catalog);
- ``export_skos``: the vocabularies as SKOS, or as OpenMetadata's glossary CSV;
- ``read_dcat``, ``read_json``: catalogues to link against (DCAT files and CKAN feeds; DataHub
  and OpenMetadata exports), read into ``entries``;
- ``link``: matching, the mismatch report and the links written back.

This module holds the two click groups that ``comgraph.cli`` registers. Bad input exits 2 with
where it is (``file:line:col``, a JSON path, a page's URL) and writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from comgraph.cli_common import Fail, data_options, open_with_data, parse_date
from comgraph.output import write_file
from comgraph.store import DEFAULT_STORE_URL, StoreError

CatalogProblem = Fail  # what the catalogue commands raise: "comgraph: message", exit code 2


def _store_options(f):
    f = click.option("--as-of", "as_of", metavar="DATE",
                     help="The date owners and RACI roles are current on (default: the data's "
                          "cg:asOfDate, else today).")(f)
    return data_options(f)


def _write(payload: bytes, output: str | None) -> None:
    if output:
        write_file(output, payload)  # whole or not at all
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()


@click.group("export", context_settings={"help_option_names": ["-h", "--help"]})
def export_group() -> None:
    """Export the governance graph for data catalogues: a DCAT-AP 3 catalogue, a SKOS glossary."""


@export_group.command("dcat")
@click.option("--format", "fmt", type=click.Choice(["turtle", "jsonld", "rdfxml"]), default="turtle",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write here instead of standard output.")
@click.option("--license", "license_iri", metavar="IRI",
              help="The catalogue's licence (default: the relationship's dct:license, else CC BY 4.0).")
@click.option("--homepage", metavar="URL", help="The catalogue's home page (foaf:homepage).")
@_store_options
def dcat_command(fmt: str, output: str | None, license_iri: str | None, homepage: str | None,
                 store_url: str, data: tuple[str, ...], demo: bool, as_of: str | None) -> None:
    """The agreements, reports, report series, IP and data assets as a DCAT-AP 3 catalogue, with
    who owns, keeps and answers for each (prov:qualifiedAttribution, dcat:hadRole)."""
    from comgraph.asof import AsOfError
    from comgraph.catalog.export_dcat import build_catalog

    when = parse_date(as_of, "--as-of")
    store = open_with_data(store_url, data, demo)
    try:
        catalog = build_catalog(store, as_of=when, homepage=homepage, license=license_iri)
    except (AsOfError, StoreError, ValueError) as exc:
        raise CatalogProblem(str(exc)) from None
    finally:
        store.close()
    _write(catalog.serialize(fmt), output)


@export_group.command("skos")
@click.option("--format", "fmt", type=click.Choice(["turtle", "csv"]), default="turtle", show_default=True,
              help="turtle: SKOS (DataHub's RDF glossary); csv: OpenMetadata's glossary CSV.")
@click.option("--glossary", default="comgraph", show_default=True, metavar="NAME",
              help="For csv: the OpenMetadata glossary the terms are imported into.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write here instead of standard output.")
def skos_command(fmt: str, glossary: str, output: str | None) -> None:
    """comgraph's vocabularies (stakeholder roles, processes, audit components, RACI codes, the
    checklist with the shapes that enforce each item, and the code lists) as one glossary."""
    from comgraph.catalog.export_skos import build_skos, openmetadata_csv, skos_turtle

    triples = build_skos()
    _write(skos_turtle(triples) if fmt == "turtle" else openmetadata_csv(triples, glossary).encode(), output)


@click.group("link", context_settings={"help_option_names": ["-h", "--help"]})
def link_group() -> None:
    """Link the governance graph to what other tools hold."""


@link_group.command("catalog")
@click.argument("source")
@click.option("--source-format", type=click.Choice(["auto", "dcat", "datahub", "openmetadata"]),
              default="auto", show_default=True,
              help="What SOURCE is (auto: an http(s) URL or an RDF file is DCAT; a JSON file is told "
                   "by its content).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE.ttl",
              help="Write the links as Turtle here (the store is then only read).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the report.")
@_store_options
def catalog_command(source: str, source_format: str, fmt: str, output: str | None, quiet: bool,
                    store_url: str, data: tuple[str, ...], demo: bool, as_of: str | None) -> None:
    """Link SOURCE's datasets (a DCAT file, a CKAN /catalog.ttl feed, a DataHub or OpenMetadata
    JSON export) to the governance graph's assets and stakeholders, and report: datasets whose
    catalogue owner disagrees with the graph, assets with no catalogue entry, and datasets owned
    by a party with no role in the relationship. Exit 0 when they agree, 1 on mismatches, 2 on
    an error.

    The links are written into --store, or to -o FILE.ttl; with neither (an in-memory store) they
    are only reported.
    """
    from comgraph.asof import AsOfError, effective_as_of
    from comgraph.catalog.entries import CatalogReadError
    from comgraph.catalog.link import Governance, link_catalogue, link_triples, render_markdown, render_text
    from comgraph.importers.common import slug
    from comgraph.importers.writing import GraphBuilder, write_output

    when = parse_date(as_of, "--as-of")
    catalogue = None
    try:
        catalogue = read_catalogue(source, source_format)
    except CatalogReadError as exc:
        raise CatalogProblem(f"{exc}\nnothing was linked or written") from None
    store = open_with_data(store_url, data, demo)
    summary = error = None
    try:
        date, _ = effective_as_of(store, when)
        report = link_catalogue(catalogue, Governance.read(store, date))
        builder = GraphBuilder(Path(source).name if not source.startswith("http") else source)
        link_triples(report, builder)
        if output or store_url != DEFAULT_STORE_URL:
            graph_name = f"urn:comgraph:catalog-links:{slug(source)}"
            import pyoxigraph as ox

            summary = write_output(builder, None if output else store, output, ox.NamedNode(graph_name))
    except (AsOfError, StoreError, ValueError) as exc:
        error = str(exc)
    finally:
        store.close()
        store = None
    if error is not None:
        raise CatalogProblem(error)
    text = {"text": render_text, "markdown": render_markdown}.get(fmt, lambda r: r.to_json())(report)
    click.echo(text, nl=False)
    if not quiet:
        click.echo(f"comgraph link: {summary}" if summary else
                   "comgraph link: the links were not written (give --store URL or -o FILE.ttl)", err=True)
    sys.exit(1 if report.mismatches else 0)


def read_catalogue(source: str, source_format: str = "auto"):
    """Read SOURCE as the given format, or tell it from the source."""
    from comgraph.catalog.entries import CatalogReadError
    from comgraph.catalog.read_dcat import read_dcat
    from comgraph.catalog.read_json import (
        load_json,
        looks_like_datahub,
        looks_like_openmetadata,
        read_datahub,
        read_openmetadata,
    )

    is_url = source.startswith(("http://", "https://"))
    is_json = source.lower().endswith(".json")
    if source_format == "dcat" or (source_format == "auto" and (is_url or not is_json)):
        return read_dcat(source)
    data = load_json(source)
    if source_format == "datahub" or (source_format == "auto" and looks_like_datahub(data)):
        return read_datahub(source, data)
    if source_format == "openmetadata" or (source_format == "auto" and looks_like_openmetadata(data)):
        return read_openmetadata(source, data)
    raise CatalogReadError(f"{source}:$", "neither a DataHub metadata file (objects with entityUrn) nor an "
                                          "OpenMetadata table export (tables with fullyQualifiedName); give "
                                          "--source-format")


__all__ = ["export_group", "link_group", "CatalogProblem", "read_catalogue"]
