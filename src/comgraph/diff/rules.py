"""The phrasing rules: which changed triples mean what, in words a manager reads.

Each rule looks at one kind of governance fact (role tenures, RACI assignments, obligations,
targets, ownership shares, memberships of the relationship and of its team) on both sides,
writes sentences, and claims the changed triples those sentences explain. Whatever no rule
claims is left for the report's "other changes", so nothing is silently dropped.

The rules navigate the two canonical rdflib graphs (``rdflib.compare.to_canonical_graph``)
rather than querying the stores: there a blank node has the same label on both sides when its
content is the same, so the sets of removed and added triples and the graphs agree.

Facts with a history (tenures, assignments, shares, memberships) are compared as timelines:
what is in force from the latest start date on each side. A change there is one sentence ("now
held by Ana Silva (was João Costa) from 2026-09-01") however it was written, by editing a
holder in place or by ending one tenure and starting another. Changes to the dates of the
other spells get a sentence each.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import RDF, RDFS, Graph
from rdflib.term import Node

from comgraph.diff.facts import CG, ORG, Sides, value
from comgraph.diff.model import Change, Triple
from comgraph.diff.timeline import (
    Spell,
    Timeline,
    _earliest_start,
    _from,
    _merge,
    _names,
    spell_sentence,
)


def _tenure_headline(sides: Sides, key, old_now, new_now, since) -> str:
    role = sides.label(key[0])
    if not new_now:
        return f"{role}: no longer held (was {_names(sides, old_now)})"
    if not old_now:
        return f"{role}: now held by {_names(sides, new_now)}{_from(_earliest_start(new_now))}"
    return f"{role}: now held by {_names(sides, new_now)} (was {_names(sides, old_now)}){_from(since)}"


def _tenure_spell(sides: Sides, key, old: Spell | None, new: Spell | None) -> str:
    spell = new or old
    assert spell is not None
    return spell_sentence(sides.label(key[0]), f"{sides.label(spell.value[0])}'s tenure", old, new)


role_tenures = Timeline(
    kind="role", rdf_type=CG.RoleTenure,
    key=lambda g, n: (r,) if (r := value(g, n, CG.ofRole)) is not None else None,
    value=lambda g, n: (value(g, n, CG.holder),),
    predicates=frozenset({RDFS.label, CG.ofRole, CG.holder, CG.startDate, CG.endDate}),
    headline=_tenure_headline, spell_text=_tenure_spell,
)


# RACI letters: "Patch management: MedIT Prime Ltd R → A"

RACI_ORDER = "RACI"


def _letters(sides: Sides, spells: list[Spell]) -> str:
    letters = sorted({sides.notation(s.value[0]) for s in spells},
                     key=lambda x: (RACI_ORDER.find(x) if x in RACI_ORDER else 9, x))
    return "/".join(letters) if letters else "none"


def _raci_headline(sides: Sides, key, old_now, new_now, since) -> str:
    responsibility, party = sides.label(key[0]), sides.label(key[1])
    return (f"{responsibility}: {party} {_letters(sides, old_now)} → {_letters(sides, new_now)}"
            f"{_from(since)}")


def _raci_spell(sides: Sides, key, old: Spell | None, new: Spell | None) -> str:
    spell = new or old
    assert spell is not None
    return spell_sentence(sides.label(key[0]), f"{sides.label(key[1])} {sides.notation(spell.value[0])}",
                          old, new)


def _raci_key(g: Graph, n: Node) -> tuple[Node, ...] | None:
    responsibility, party = value(g, n, CG.responsibility), value(g, n, CG.party)
    return (responsibility, party) if responsibility is not None and party is not None else None


raci_assignments = Timeline(
    kind="raci", rdf_type=CG.ResponsibilityAssignment, key=_raci_key,
    value=lambda g, n: (value(g, n, CG.raci),),
    predicates=frozenset({RDFS.label, CG.responsibility, CG.party, CG.raci, CG.startDate, CG.endDate}),
    headline=_raci_headline, spell_text=_raci_spell,
)


# Ownership shares: "Store automation toolkit: owned by Atlas IT 60%, Northwind 40% (was ...)"

def _percent(share: Node | None) -> str:
    try:
        number = float(str(share)) * 100
    except (TypeError, ValueError):
        return f"share {share}"
    return f"{number:.2f}".rstrip("0").rstrip(".") + "%"


def _shares(sides: Sides, spells: list[Spell]) -> str:
    parts = sorted({(sides.label(s.value[0]), _percent(s.value[1])) for s in spells})
    return ", ".join(f"{owner} {pct}" for owner, pct in parts) if parts else "nobody"


def _ownership_headline(sides: Sides, key, old_now, new_now, since) -> str:
    return (f"{sides.label(key[0])}: owned by {_shares(sides, new_now)} "
            f"(was {_shares(sides, old_now)}){_from(since)}")


def _ownership_spell(sides: Sides, key, old: Spell | None, new: Spell | None) -> str:
    spell = new or old
    assert spell is not None
    share = f"{sides.label(spell.value[0])}'s {_percent(spell.value[1])} share"
    return spell_sentence(sides.label(key[0]), share, old, new)


ownership_shares = Timeline(
    kind="ownership", rdf_type=CG.Ownership,
    key=lambda g, n: (a,) if (a := value(g, n, CG.ownedAsset)) is not None else None,
    value=lambda g, n: (value(g, n, CG.owner), value(g, n, CG.share)),
    predicates=frozenset({RDFS.label, CG.ownedAsset, CG.owner, CG.share, CG.startDate, CG.endDate}),
    headline=_ownership_headline, spell_text=_ownership_spell,
)


# Stakeholders joining or leaving the relationship (org:Membership of a cg:Relationship)

def _roles(sides: Sides, spells: list[Spell]) -> str:
    return _names(sides, spells).lower() if spells else "nothing"


def _joining(describe, preposition: str):
    """The headline and spell sentences of a membership-like timeline: somebody joins, leaves or
    changes the part they play in something, the part being phrased by ``describe``."""

    def headline(sides: Sides, key, old_now, new_now, since) -> str:
        who, where = sides.label(key[0]), sides.label(key[1])
        if not old_now:
            return f"{who} joined {where} as {describe(sides, new_now)}{_from(_earliest_start(new_now))}"
        if not new_now:
            return f"{who} left {where} (was {describe(sides, old_now)})"
        return (f"{who} {preposition} {where}: now {describe(sides, new_now)} "
                f"(was {describe(sides, old_now)}){_from(since)}")

    def spell_text(sides: Sides, key, old: Spell | None, new: Spell | None) -> str:
        spell = new or old
        assert spell is not None
        return spell_sentence(f"{sides.label(key[0])} {preposition} {sides.label(key[1])} as "
                              f"{describe(sides, [spell])}", "membership", old, new)

    return headline, spell_text


_membership_headline, _membership_spell = _joining(_roles, "in")


def _relationship_membership_key(g: Graph, n: Node) -> tuple[Node, ...] | None:
    member, where = value(g, n, ORG.member), value(g, n, ORG.organization)
    if member is None or where is None or (n, RDF.type, CG.TeamMembership) in g:
        return None
    return (member, where) if (where, RDF.type, CG.Relationship) in g else None


stakeholder_memberships = Timeline(
    kind="stakeholder", rdf_type=ORG.Membership, key=_relationship_membership_key,
    value=lambda g, n: (value(g, n, ORG.role),),
    predicates=frozenset({RDFS.label, ORG.member, ORG.organization, ORG.role, CG.startDate, CG.endDate}),
    headline=_membership_headline, spell_text=_membership_spell,
)


# People joining or leaving the co-management team, for the stakeholder they represent

def _seats(sides: Sides, spells: list[Spell]) -> str:
    seats = sorted({f"{sides.label(s.value[0]).lower()} for {sides.label(s.value[1])}"
                    if s.value[1] is not None else sides.label(s.value[0]).lower() for s in spells})
    return " and ".join(seats) if seats else "nothing"


_team_headline, _team_spell = _joining(_seats, "on")


def _team_key(g: Graph, n: Node) -> tuple[Node, ...] | None:
    member, team = value(g, n, ORG.member), value(g, n, ORG.organization)
    return (member, team) if member is not None and team is not None else None


team_memberships = Timeline(
    kind="team", rdf_type=CG.TeamMembership, key=_team_key,
    value=lambda g, n: (value(g, n, ORG.role), value(g, n, CG.represents)),
    predicates=frozenset({RDFS.label, ORG.member, ORG.organization, ORG.role, CG.represents,
                          CG.startDate, CG.endDate}),
    headline=_team_headline, spell_text=_team_spell,
)


# -- things without a history: obligations and targets ---------------------------------------

def _whole(sides: Sides, kind: str, node: Node, text: str) -> Change:
    """An obligation or target added or removed: the sentence explains all its triples, and the
    links to it (an agreement's odrl:obligation, an obligation's cg:hasTarget)."""
    change = Change(kind, text)
    _merge(change, sides.about(node))
    _merge(change, sides.pointing_at(node))
    return change


def obligations(sides: Sides) -> list[Change]:
    changes = []
    for node in sorted(sides.typed(CG.Obligation), key=sides.label):
        if not sides.changed(node):
            continue
        name = sides.label(node)
        if sides.is_new(node):
            g = sides.new
            due = value(g, node, CG.dueDate)
            obligor, obligee = value(g, node, CG.obligor), value(g, node, CG.obligee)
            parties = f"{sides.label(obligor)} to {sides.label(obligee)}"
            changes.append(_whole(sides, "obligation", node, f"Obligation added: {name} ({parties}"
                                  + (f", due {due})" if due is not None else ")")))
            continue
        if sides.is_gone(node):
            changes.append(_whole(sides, "obligation", node, f"Obligation removed: {name}"))
            continue
        old_due, new_due = value(sides.old, node, CG.dueDate), value(sides.new, node, CG.dueDate)
        if old_due != new_due:
            if old_due is None:
                text = f"{name}: now due {new_due}"
            elif new_due is None:
                text = f"{name}: no longer has a due date (was {old_due})"
            else:
                text = f"{name}: due date moved from {old_due} to {new_due}"
            change = Change("obligation", text)
            _merge(change, sides.about(node, {CG.dueDate, RDFS.label}))
            changes.append(change)
        old_status, new_status = value(sides.old, node, CG.status), value(sides.new, node, CG.status)
        old_done = value(sides.old, node, CG.completedDate)
        new_done = value(sides.new, node, CG.completedDate)
        if old_status != new_status or old_done != new_done:
            if old_status != new_status:
                text = f"{name}: status {sides.label(old_status)} → {sides.label(new_status)}"
                if new_done is not None and new_done != old_done:
                    text += f", completed {new_done}"
            else:
                text = f"{name}: completed {new_done or 'date removed'} (was {old_done or 'not recorded'})"
            change = Change("obligation", text)
            _merge(change, sides.about(node, {CG.status, CG.completedDate, RDFS.label}))
            changes.append(change)
    return changes


def _target_level(sides: Sides, graph: Graph, node: Node) -> str:
    operator = sides.label(value(graph, node, CG.operator)).lower()
    threshold = value(graph, node, CG.threshold)
    unit = value(graph, node, CG.unit)
    symbol = sides.notation(unit) if unit is not None else ""
    joiner = "" if symbol == "%" or not symbol else " "
    return f"{operator} {threshold}{joiner}{symbol}"


def _target_name(sides: Sides, graph: Graph, node: Node) -> str:
    who, metric = value(graph, node, CG.appliesTo), value(graph, node, CG.metric)
    if who is None or metric is None:
        return sides.label(node)
    return f"{sides.label(who)} on {sides.label(metric)}"


def targets(sides: Sides) -> list[Change]:
    changes = []
    for node in sorted(sides.typed(CG.Target), key=sides.label):
        if not sides.changed(node):
            continue
        if sides.is_new(node):
            text = (f"Target added for {_target_name(sides, sides.new, node)}: "
                    f"{_target_level(sides, sides.new, node)}")
            changes.append(_whole(sides, "target", node, text))
            continue
        if sides.is_gone(node):
            text = (f"Target removed for {_target_name(sides, sides.old, node)} "
                    f"(was {_target_level(sides, sides.old, node)})")
            changes.append(_whole(sides, "target", node, text))
            continue
        before = _target_level(sides, sides.old, node)
        after = _target_level(sides, sides.new, node)
        if before != after:
            change = Change("target", f"Target for {_target_name(sides, sides.new, node)}: "
                                      f"{before} → {after}")
            _merge(change, sides.about(node, {CG.operator, CG.threshold, CG.unit, RDFS.label}))
            changes.append(change)
    return changes


#: Every rule, in the order the report lists their kinds. Each claims the triples it explains.
RULES: list[Callable[[Sides], list[Change]]] = [
    role_tenures, raci_assignments, obligations, targets, ownership_shares,
    stakeholder_memberships, team_memberships,
]


def explain(sides: Sides) -> tuple[list[Change], set[Triple], set[Triple]]:
    """Run every rule; return the sentences and the removed and added triples none explained."""
    removed, added = set(sides.removed), set(sides.added)
    changes = []
    for rule in RULES:
        for change in rule(sides):
            change.removed &= removed
            change.added &= added
            if not (change.removed or change.added):
                continue  # another rule already said it
            removed -= change.removed
            added -= change.added
            changes.append(change)
    return changes, removed, added
