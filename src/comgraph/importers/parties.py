"""What is in the store already: the relationship a sheet joins, its dates, its members, and the
parties a sheet names (matched by label, or made new)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from comgraph.importers.common import CG, cg, clean, match_key, mint, relationship_iri_for, term, vocabulary
from comgraph.importers.problems import ImportFailed, Problem, Problems
from comgraph.importers.writing import GraphBuilder
from comgraph.store import Store

# -- what is in the store already ------------------------------------------------------------


def relationships(store: Store) -> list[ox.NamedNode]:
    rows = store.select(f"SELECT DISTINCT ?r WHERE {{ ?r a <{CG}Relationship> }} ORDER BY ?r")
    return [r["r"] for r in rows if isinstance(r.get("r"), ox.NamedNode)]


def pick_relationship(store: Store | None, given: str | None, file: str) -> tuple[ox.NamedNode, bool]:
    """The relationship an import joins, and whether it must be created: ``--relationship``,
    else the store's only relationship, else (empty store) a new one named after the file."""
    known = relationships(store) if store is not None else []
    if given:
        try:
            node = ox.NamedNode(given)
        except ValueError as exc:
            raise ImportFailed(Path(file).name, [Problem("--relationship", f"not an absolute IRI: {exc}")]) \
                from None
        return node, node not in known
    if len(known) == 1:
        return known[0], False
    if not known:
        return relationship_iri_for(file), True
    raise ImportFailed(Path(file).name, [Problem(
        "--relationship", "the store holds several relationships; choose one: " +
        ", ".join(r.value for r in known))])


def relationship_dates(store: Store | None, relationship: ox.NamedNode) -> tuple[date | None, date | None]:
    if store is None:
        return None, None
    rows = store.select(
        f"SELECT ?start ?end WHERE {{ OPTIONAL {{ <{relationship.value}> <{CG}startDate> ?start }} "
        f"OPTIONAL {{ <{relationship.value}> <{CG}endDate> ?end }} }}")
    row = rows[0] if rows else {}

    def get(key: str) -> date | None:
        try:
            return date.fromisoformat(row[key].value) if key in row else None
        except ValueError:
            return None

    return get("start"), get("end")


_AGENT_TYPES = ("cg:Stakeholder", "prov:Agent", "prov:Organization", "prov:Person", "org:Organization",
                "org:FormalOrganization", "org:OrganizationalUnit")


def agents_by_label(store: Store | None) -> dict[str, list[ox.NamedNode]]:
    """Every organisation, unit or person in the store by the match key of its label (the
    relationship and its team are organisations too, but never parties)."""
    if store is None:
        return {}
    types = " ".join(f"<{term(t).value}>" for t in _AGENT_TYPES)
    # VALUES, not FILTER IN: the store then looks up each type rather than every typed node
    # (a large import has hundreds of thousands).
    rows = store.select(
        f"SELECT DISTINCT ?a ?label WHERE {{ VALUES ?type {{ {types} }} ?a a ?type ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label "
        f"FILTER NOT EXISTS {{ ?a a <{CG}Relationship> }} "
        f"FILTER NOT EXISTS {{ ?a a <{CG}CoManagementTeam> }} }}")
    found: dict[str, list[ox.NamedNode]] = {}
    for r in rows:
        if isinstance(r["a"], ox.NamedNode):
            bucket = found.setdefault(match_key(r["label"].value), [])
            if r["a"] not in bucket:
                bucket.append(r["a"])
    return found


def memberships(store: Store | None, relationship: ox.NamedNode) -> dict[tuple[str, str], set[str]]:
    """(member IRI, stakeholder role IRI) -> the memberships that say so, in the relationship."""
    if store is None:
        return {}
    rows = store.select(
        f"SELECT ?x ?m ?role WHERE {{ ?x <http://www.w3.org/ns/org#organization> <{relationship.value}> ; "
        "<http://www.w3.org/ns/org#member> ?m ; <http://www.w3.org/ns/org#role> ?role }")
    found: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        found.setdefault((r["m"].value, r["role"].value), set()).add(r["x"].value)
    return found


def client_of(store: Store | None, relationship: ox.NamedNode) -> ox.NamedNode | None:
    if store is None:
        return None
    rows = store.select(f"SELECT ?c WHERE {{ <{relationship.value}> <{CG}client> ?c }}")
    return rows[0]["c"] if rows else None


def imported_from(store: Store | None, node: ox.NamedNode, file: str) -> bool:
    """Whether ``node`` was made by an earlier import of ``file`` (which must then assert it again,
    or the re-import would take it away)."""
    if store is None:
        return False
    claim = f"<{node.value}> <{CG}sourceFile> {ox.Literal(Path(file).name)}"
    return store.ask(f"ASK {{ {{ GRAPH ?g {{ {claim} }} }} UNION {{ {claim} }} }}")


@dataclass
class Parties:
    """Resolves party names (with an optional ``[kind]``) to stakeholders: a party already in
    the store is matched by its label; any other is minted under the relationship."""

    store: Store | None
    relationship: ox.NamedNode
    builder: GraphBuilder
    start: date | None
    created_relationship: bool
    known: dict[str, list[ox.NamedNode]] = field(init=False)
    members: dict[tuple[str, str], set[str]] = field(init=False)
    client: ox.NamedNode | None = field(init=False)

    def __post_init__(self) -> None:
        self.known = agents_by_label(self.store)
        self.members = memberships(self.store, self.relationship)
        self.client = client_of(self.store, self.relationship)

    def resolve(self, text: str, where: object, problems: Problems) -> ox.NamedNode | None:
        name, kind_text = split_kind(text)
        if not name:
            problems.add(where, "empty party name: expected a name such as "
                         "'MedIT Prime Ltd [prime contractor]'")
            return None
        kind = None
        if kind_text is not None:
            kind = vocabulary()["stakeholder-role"].find(kind_text)
            if kind is None:
                problems.add(where, f"unknown kind of party [{kind_text}]: expected one of "
                             + vocabulary()["stakeholder-role"].expected())
                return None
        key = match_key(name)
        minted = mint(self.relationship, "party", name)
        matches = self.known.get(key, [])
        if len(matches) > 1 and minted not in matches:
            problems.add(where, f"party {name!r} matches several parties in the store: "
                         + ", ".join(m.value for m in matches))
            return None
        node = matches[0] if len(matches) == 1 and minted not in matches else minted
        if node == minted:
            # Ours (new, or made by an earlier import): asserted again, so re-imports keep it.
            self.builder.types(node, "cg:Stakeholder", "org:Organization", "prov:Organization")
            self.builder.label(node, name)
            self.builder.source(node, where)
        membership = mint(self.relationship, "membership", name, kind.value.rsplit("/", 1)[-1]) \
            if kind is not None else None
        # A membership with this role that someone else wrote is left alone; ours is stated again.
        if membership is not None and membership.value in self.members.get((node.value, kind.value),
                                                                            {membership.value}):
            self.builder.types(membership, "org:Membership")
            self.builder.label(membership, f"{name} as {vocab_label(kind)}")
            self.builder.add(membership, term("org:member"), node)
            self.builder.add(membership, term("org:organization"), self.relationship)
            self.builder.add(membership, term("org:role"), kind)
            if self.start is not None:
                self.builder.literal(membership, "cg:startDate", self.start)
            self.builder.source(membership, where)
        if kind is not None and kind.value.endswith("/company") and self.client in (None, node):
            self.builder.add(self.relationship, cg("client"), node)
            self.client = node
        return node


def vocab_label(concept: ox.NamedNode) -> str:
    for scheme in vocabulary().values():
        for key, node in scheme.by_key.items():
            if node == concept and key in scheme.labels:
                return key
    return concept.value.rsplit("/", 1)[-1]


_KIND = re.compile(r"^(?P<name>.*?)\s*\[(?P<kind>[^\[\]]*)\]\s*$", re.DOTALL)


def split_kind(text: str) -> tuple[str, str | None]:
    """``MedIT Prime Ltd [prime contractor]`` -> (``MedIT Prime Ltd``, ``prime contractor``)."""
    m = _KIND.match(text)
    if m:
        return clean(m.group("name")), clean(m.group("kind"))
    return clean(text), None


def new_relationship(builder: GraphBuilder, relationship: ox.NamedNode, label: str, start: date | None,
                     where: object) -> None:
    builder.types(relationship, "cg:Relationship", "org:OrganizationalCollaboration", "org:Organization")
    builder.label(relationship, label)
    if start is not None:
        builder.literal(relationship, "cg:startDate", start)
    builder.source(relationship, where)
