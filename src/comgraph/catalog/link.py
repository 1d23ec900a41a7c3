"""``comgraph link catalog``: link a catalogue's datasets to the governance graph's assets and
their owners to its stakeholders, and report where the two disagree.

Matching is by identifier first: a catalogue identifier that is the asset's IRI, or one the asset
already records with ``dct:identifier`` or ``owl:sameAs`` (a catalogue that harvested ``comgraph
export dcat`` keeps the IRI as ``dct:identifier``; an earlier link by identifier is an
``owl:sameAs``; an earlier link by name, an ``rdfs:seeAlso``, is no identifier, so it is matched
by name again and a rerun writes the same links). Then by exact normalised name (Unicode NFC;
case, spacing, ``-`` and ``_`` do not count; nothing fuzzier). A name that fits two assets links
neither. Every link says how it was made.

The report, as of a date, has three kinds of mismatch:

- ``owner-disagrees``: a linked dataset whose accountable owners in the catalogue include none
  of the asset's owners in the governance graph on that date (an owner answers for its asset);
- ``not-in-catalogue``: a governance asset that no dataset of the catalogue links to;
- ``owner-without-role``: a dataset owned by a party that has no role in the relationship on that
  date (no membership, not the client, no role tenure, no seat on the team), or that the
  governance graph does not know at all.

The links are written as RDF (``-o FILE.ttl``, or into the store): the asset ``owl:sameAs`` the
catalogue entry when matched by identifier, ``rdfs:seeAlso`` when matched by name, and a
``dcat:qualifiedRelation`` whose ``dcat:hadRole`` says how, read by the ``catalog-links`` view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from comgraph.catalog.entries import CatalogEntry, CatalogOwner, Catalogue
from comgraph.namespaces import PREFIXES
from comgraph.store import Store

LINK_VOCAB = "https://w3id.org/comgraph/vocab/catalog-link/"
#: How a link was made: the concepts of ``ontology/vocab/catalog-link.ttl``.
METHODS = ("identifier", "exact-name")
MISMATCH_KINDS = ("owner-disagrees", "not-in-catalogue", "owner-without-role")
XSD_DATE = ox.NamedNode(PREFIXES["xsd"] + "date")

_ASSETS = """
PREFIX cg: <https://w3id.org/comgraph/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?asset ?label ?title ?identifier WHERE {
  VALUES ?class { cg:Asset cg:IntellectualProperty }
  ?asset a ?class .
  OPTIONAL { ?asset rdfs:label ?label }
  OPTIONAL { ?asset dct:title ?title }
  OPTIONAL { { ?asset dct:identifier ?identifier } UNION { ?asset owl:sameAs ?identifier } }
}
"""
_OWNERS = """
PREFIX cg: <https://w3id.org/comgraph/ns#>
SELECT DISTINCT ?asset ?owner WHERE {
  ?ownership cg:ownedAsset ?asset ; cg:owner ?owner .
  OPTIONAL { ?ownership cg:startDate ?start }
  OPTIONAL { ?ownership cg:endDate ?end }
  FILTER ((!BOUND(?start) || ?start <= ?as_of) && (!BOUND(?end) || ?end >= ?as_of))
}
"""
_PARTIES = """
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?party ?name ?identifier WHERE {
  VALUES ?class { prov:Agent prov:Organization prov:Person org:Organization org:FormalOrganization
                  org:OrganizationalUnit foaf:Agent }
  ?party a ?class .
  { ?party rdfs:label ?name } UNION { ?party foaf:name ?name }
  OPTIONAL { ?party owl:sameAs ?identifier }
}
"""
#: Parties with a role in a relationship on ?as_of: members, the client, holders of a role, and
#: people on the co-management team.
_WITH_ROLE = """
PREFIX cg: <https://w3id.org/comgraph/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?party WHERE {
  {
    ?m org:member ?party ; org:organization ?relationship .
    ?relationship a cg:Relationship .
    OPTIONAL { ?m cg:startDate ?start } OPTIONAL { ?m cg:endDate ?end }
  } UNION {
    ?relationship cg:client ?party .
  } UNION {
    ?tenure cg:holder ?party .
    OPTIONAL { ?tenure cg:startDate ?start } OPTIONAL { ?tenure cg:endDate ?end }
  } UNION {
    ?tm a cg:TeamMembership ; org:member ?party .
    OPTIONAL { ?tm cg:startDate ?start } OPTIONAL { ?tm cg:endDate ?end }
  }
  FILTER ((!BOUND(?start) || ?start <= ?as_of) && (!BOUND(?end) || ?end >= ?as_of))
}
"""


def normalise(name: str) -> str:
    """How names are compared: NFC, case-folded, with hyphens, underscores and runs of spaces as
    one space. Accents and every other character count."""
    text = unicodedata.normalize("NFC", name).casefold().replace("-", " ").replace("_", " ")
    return " ".join(text.split())


@dataclass
class Asset:
    iri: str
    name: str
    identifiers: set[str]
    owners: set[str] = field(default_factory=set)


@dataclass
class Governance:
    """What the graph says, on one date: the assets and their owners, the parties by name."""

    as_of: dt.date
    assets: dict[str, Asset]
    party_names: dict[str, str]
    party_by_key: dict[str, set[str]]
    party_by_identifier: dict[str, str]
    with_role: set[str]

    @classmethod
    def read(cls, store: Store, as_of: dt.date) -> Governance:
        date = {"as_of": ox.Literal(as_of.isoformat(), datatype=XSD_DATE)}
        assets: dict[str, Asset] = {}
        for row in store.select(_ASSETS):
            iri = row["asset"].value
            name = (row.get("title") or row.get("label") or row["asset"]).value
            asset = assets.setdefault(iri, Asset(iri, name, {iri}))
            if row.get("title") is not None:
                asset.name = row["title"].value
            if row.get("identifier") is not None:
                asset.identifiers.add(row["identifier"].value)
        for row in store.select(_OWNERS, bindings=date):
            if row["asset"].value in assets:
                assets[row["asset"].value].owners.add(row["owner"].value)
        names: dict[str, str] = {}
        by_key: dict[str, set[str]] = {}
        by_identifier: dict[str, str] = {}
        for row in store.select(_PARTIES):
            party = row["party"].value
            names.setdefault(party, row["name"].value)
            by_key.setdefault(normalise(row["name"].value), set()).add(party)
            by_identifier[party] = party
            if row.get("identifier") is not None:
                by_identifier[row["identifier"].value] = party
        with_role = {row["party"].value for row in store.select(_WITH_ROLE, bindings=date)}
        return cls(as_of, assets, names, by_key, by_identifier, with_role)

    def party_for(self, owner: CatalogOwner) -> tuple[str | None, str | None]:
        """The party a catalogue owner is, and how that was found (None when not found)."""
        if owner.id and owner.id in self.party_by_identifier:
            return self.party_by_identifier[owner.id], "identifier"
        found = self.party_by_key.get(normalise(owner.name), set())
        if len(found) == 1:
            return next(iter(found)), "exact-name"
        return None, None


@dataclass
class Link:
    """A catalogue entry linked to a governance resource (an asset, or a party for an owner)."""

    kind: str
    entry: str
    entry_name: str
    resource: str
    resource_name: str
    method: str
    how: str


@dataclass
class Mismatch:
    kind: str
    entry: str | None
    entry_name: str | None
    resource: str | None
    resource_name: str | None
    catalogue_says: str
    governance_says: str


@dataclass
class LinkReport:
    source: str
    catalogue_kind: str
    as_of: str
    datasets: int
    pages: list[str]
    links: list[Link]
    mismatches: list[Mismatch]
    unlinked: list[str]
    notes: list[str]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def _name_of(governance: Governance, party: str) -> str:
    return governance.party_names.get(party, party)


def link_catalogue(catalogue: Catalogue, governance: Governance) -> LinkReport:
    """Match the catalogue against the governance graph and say where they disagree."""
    links: list[Link] = []
    mismatches: list[Mismatch] = []
    notes: list[str] = []
    unlinked: list[str] = []
    by_identifier: dict[str, Asset] = {}
    by_name: dict[str, list[Asset]] = {}
    for asset in governance.assets.values():
        for identifier in asset.identifiers:
            by_identifier[identifier] = asset
        by_name.setdefault(normalise(asset.name), []).append(asset)
    linked_assets: set[str] = set()
    owner_links: dict[tuple[str, str], Link] = {}
    for entry in catalogue.entries:
        asset, link = _match(entry, by_identifier, by_name, notes)
        if link is not None and asset is not None:
            links.append(link)
            linked_assets.add(asset.iri)
        else:
            unlinked.append(f"{entry.name} ({entry.id})")
        resolved = []
        for owner in entry.owners:
            party, method = governance.party_for(owner)
            resolved.append((owner, party))
            if party is not None and owner.id and (owner.id, party) not in owner_links:
                owner_links[(owner.id, party)] = Link(
                    "owner", owner.id, owner.name, party, _name_of(governance, party), method or "",
                    f"identifier {owner.id}" if method == "identifier" else f"name {normalise(owner.name)!r}")
            if party is None or party not in governance.with_role:
                known = f"{_name_of(governance, party)}, known to the governance graph but with no role " \
                        f"on {governance.as_of}" if party else "a party the governance graph does not know"
                mismatches.append(Mismatch("owner-without-role", entry.id, entry.name,
                                           asset.iri if asset and link else None,
                                           asset.name if asset and link else None,
                                           f"{owner.name} ({owner.kind})", known))
        if asset is not None and link is not None and asset.owners:
            accountable = [(o, p) for o, p in resolved if o.accountable]
            if accountable and not any(p in asset.owners for _, p in accountable):
                mismatches.append(Mismatch(
                    "owner-disagrees", entry.id, entry.name, asset.iri, asset.name,
                    ", ".join(f"{o.name} ({o.kind})" for o, _ in accountable),
                    ", ".join(sorted(_name_of(governance, p) for p in asset.owners))
                    + f" (owner on {governance.as_of})"))
    for asset in sorted(governance.assets.values(), key=lambda a: normalise(a.name)):
        if asset.iri not in linked_assets:
            owners = ", ".join(sorted(_name_of(governance, p) for p in asset.owners)) or "no owner"
            mismatches.append(Mismatch("not-in-catalogue", None, None, asset.iri, asset.name,
                                       "no entry", f"owned by {owners} on {governance.as_of}"))
    mismatches.sort(key=lambda m: (MISMATCH_KINDS.index(m.kind),
                                   normalise(m.entry_name or m.resource_name or ""), m.catalogue_says))
    owners = sorted(owner_links.values(), key=lambda k: normalise(k.entry_name))
    return LinkReport(catalogue.location, catalogue.kind, governance.as_of.isoformat(),
                      len(catalogue.entries), catalogue.pages, links + owners, mismatches, unlinked, notes)


def _match(entry: CatalogEntry, by_identifier: dict[str, Asset], by_name: dict[str, list[Asset]],
           notes: list[str]) -> tuple[Asset | None, Link | None]:
    for identifier in sorted(entry.identifiers):
        if identifier in by_identifier:
            asset = by_identifier[identifier]
            return asset, Link("dataset", entry.id, entry.name, asset.iri, asset.name, "identifier",
                               f"identifier {identifier}")
    candidates = by_name.get(normalise(entry.name), [])
    if len(candidates) == 1:
        asset = candidates[0]
        return asset, Link("dataset", entry.id, entry.name, asset.iri, asset.name, "exact-name",
                           f"name {normalise(entry.name)!r}")
    if len(candidates) > 1:
        notes.append(f"{entry.name} ({entry.id}): its name fits {len(candidates)} assets ("
                     + ", ".join(sorted(a.iri for a in candidates)) + "); linked to none")
    return None, None


# -- writing the links ----------------------------------------------------------------------------

_IRI_SAFE = re.compile(r"^(https?|urn):[^\s<>\"{}|\\^`]+$")


def entry_node(identifier: str) -> ox.NamedNode:
    """The catalogue entry as an IRI: its own when it is an http(s) IRI or a URN (a DCAT dataset, a
    DataHub URN), else a URN made from it (an OpenMetadata fully qualified name, ``team:name``)."""
    if _IRI_SAFE.match(identifier):
        try:
            return ox.NamedNode(identifier)
        except ValueError:
            pass
    return ox.NamedNode("urn:comgraph:catalog-entry:" + quote(identifier, safe=""))


def link_triples(report: LinkReport, builder) -> None:
    """Add the report's links to ``builder`` (an importers GraphBuilder)."""
    t = lambda p: ox.NamedNode(PREFIXES[p.split(":")[0]] + p.split(":")[1])  # noqa: E731
    date = ox.Literal(report.as_of, datatype=XSD_DATE)
    # The link methods' own description goes with the links, so a store without comgraph's
    # vocabularies still names them (the catalog-links view shows the label).
    from comgraph.paths import ontology_dir

    methods = ontology_dir() / "vocab" / "catalog-link.ttl"
    for triple in ox.parse(path=str(methods), format=ox.RdfFormat.TURTLE):
        if triple.subject.value.startswith(LINK_VOCAB):
            builder.add(triple.subject, triple.predicate, triple.object)
    for link in report.links:
        resource, entry = ox.NamedNode(link.resource), entry_node(link.entry)
        digest = hashlib.md5(f"{link.resource} {link.entry}".encode()).hexdigest()[:16]
        record = ox.NamedNode(f"urn:comgraph:catalog-link:{digest}")
        builder.add(resource, t("owl:sameAs") if link.method == "identifier" else t("rdfs:seeAlso"), entry)
        builder.add(resource, t("dcat:qualifiedRelation"), record)
        builder.add(record, t("rdf:type"), t("dcat:Relationship"))
        builder.add(record, t("dcterms:relation"), entry)
        builder.add(record, t("dcat:hadRole"), ox.NamedNode(LINK_VOCAB + link.method))
        builder.add(record, t("dcterms:source"), ox.Literal(report.source))
        builder.add(record, t("dcterms:date"), date)
        builder.add(record, t("rdfs:label"), ox.Literal(
            f"{link.resource_name} is {link.entry_name} in the {report.catalogue_kind} catalogue "
            f"({link.how})"))
        builder.add(entry, t("dcterms:identifier"), ox.Literal(link.entry))
        builder.add(entry, t("dcterms:title"), ox.Literal(link.entry_name))


# -- the report as text and Markdown ----------------------------------------------------------------

_TITLES = {
    "owner-disagrees": "Catalogue owner disagrees with the governance graph",
    "not-in-catalogue": "Governance assets with no catalogue entry",
    "owner-without-role": "Datasets owned by a party with no role in the relationship",
}


def render_text(report: LinkReport) -> str:
    pages = f" ({len(report.pages)} pages)" if len(report.pages) > 1 else ""
    lines = [f"comgraph link catalog: {report.datasets} dataset(s) in the {report.catalogue_kind} catalogue "
             f"{report.source}{pages}, as of {report.as_of}: {len(report.links)} link(s), "
             f"{len(report.mismatches)} mismatch(es)", "", "Links"]
    for link in report.links:
        lines.append(f"  {link.kind:<7} {link.entry_name} -> {link.resource_name} <{link.resource}>  "
                     f"[{link.method}: {link.how}]")
    if not report.links:
        lines.append("  none")
    for kind in MISMATCH_KINDS:
        rows = [m for m in report.mismatches if m.kind == kind]
        lines += ["", f"{_TITLES[kind]} ({len(rows)})"]
        for m in rows:
            subject = f"{m.entry_name} ({m.entry})" if m.entry else f"{m.resource_name} <{m.resource}>"
            lines.append(f"  {subject}: catalogue says {m.catalogue_says}; "
                         f"governance says {m.governance_says}")
        if not rows:
            lines.append("  none")
    if report.unlinked:
        lines += ["", f"Datasets linked to no asset ({len(report.unlinked)})"]
        lines += [f"  {u}" for u in report.unlinked]
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: LinkReport) -> str:
    lines = [f"# Catalogue links: {report.source}", "",
             f"{report.datasets} dataset(s) in the {report.catalogue_kind} catalogue, as of {report.as_of}: "
             f"{len(report.links)} link(s), {len(report.mismatches)} mismatch(es).", "", "## Links", "",
             "| kind | catalogue entry | governance resource | matched by | how |", "|---|---|---|---|---|"]
    for link in report.links:
        lines.append(f"| {link.kind} | {_cell(link.entry_name)} (`{_cell(link.entry)}`) | "
                     f"{_cell(link.resource_name)} (`{link.resource}`) | {link.method} | {_cell(link.how)} |")
    for kind in MISMATCH_KINDS:
        rows = [m for m in report.mismatches if m.kind == kind]
        lines += ["", f"## {_TITLES[kind]} ({len(rows)})", ""]
        if not rows:
            lines.append("None.")
            continue
        lines += ["| catalogue entry | governance resource | catalogue says | governance says |",
                  "|---|---|---|---|"]
        for m in rows:
            entry = f"{_cell(m.entry_name)} (`{_cell(m.entry)}`)" if m.entry else ""
            resource = f"{_cell(m.resource_name)} (`{m.resource}`)" if m.resource else ""
            lines.append(f"| {entry} | {resource} | {_cell(m.catalogue_says)} | {_cell(m.governance_says)} |")
    if report.unlinked:
        lines += ["", "## Datasets linked to no asset", ""] + [f"- {_cell(u)}" for u in report.unlinked]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {_cell(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"
