"""Facts with a history (tenures, assignments, shares, memberships) compared as timelines: what
is in force from the latest start date on each side, one sentence for a change in force, one
for each other spell whose dates changed. ``rules`` defines the timelines; this is the
machinery they share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from comgraph.diff.facts import CG, NAMING, Sides, text_of, value
from comgraph.diff.model import Change

# -- timelines: tenures, assignments, shares, memberships ------------------------------------


@dataclass(frozen=True)
class Spell:
    """One fact that holds over an interval: a tenure, an assignment, a share, a membership."""

    node: Node
    value: tuple[Node, ...]
    start: str | None
    end: str | None

    def covers(self, day: str) -> bool:
        return (self.start or "") <= day and (self.end is None or self.end >= day)


def in_force(spells: list[Spell]) -> tuple[str | None, list[Spell]]:
    """The latest start date and the spells in force on it: what holds "from now on"."""
    if not spells:
        return None, []
    latest = max(s.start or "" for s in spells)
    return latest or None, [s for s in spells if s.covers(latest)]


def period(spell: Spell) -> str:
    if spell.start and spell.end:
        return f"from {spell.start} to {spell.end}"
    if spell.start:
        return f"from {spell.start}"
    if spell.end:
        return f"until {spell.end}"
    return "with no dates"


def period_change(old: Spell, new: Spell) -> str:
    if old.start == new.start:
        return f"now ends {new.end or 'open-ended'} (was {old.end or 'open-ended'})"
    if old.end == new.end:
        return f"now starts {new.start or 'undated'} (was {old.start or 'undated'})"
    return f"now runs {period(new)} (was {period(old)})"


def spell_sentence(subject: str, thing: str, old: Spell | None, new: Spell | None) -> str:
    """The sentence for one spell that changed: "SUBJECT: THING now ends …", "SUBJECT: THING
    added, from …" or "SUBJECT: THING removed (from …)"."""
    if old and new:
        return f"{subject}: {thing} {period_change(old, new)}"
    if new:
        return f"{subject}: {thing} added, {period(new)}"
    assert old is not None
    return f"{subject}: {thing} removed ({period(old)})"


@dataclass
class Timeline:
    """How one rule reads a kind of spell, and how it words a change in it."""

    kind: str
    rdf_type: URIRef
    #: The group a spell belongs to (a role, a responsibility and party, an asset...), or None
    #: for nodes of the type that the rule is not about.
    key: Callable[[Graph, Node], tuple[Node, ...] | None]
    value: Callable[[Graph, Node], tuple[Node, ...]]
    #: Predicates whose changes the sentences explain, on spells that exist on both sides.
    predicates: frozenset[URIRef]
    #: (sides, key, old spells in force, new spells in force, since) -> sentence
    headline: Callable[[Sides, tuple[Node, ...], list[Spell], list[Spell], str | None], str]
    #: (sides, key, old spell or None, new spell or None) -> sentence about one spell's dates
    spell_text: Callable[[Sides, tuple[Node, ...], Spell | None, Spell | None], str]

    def spells(self, graph: Graph, nodes: Iterable[Node]) -> list[Spell]:
        return [Spell(n, self.value(graph, n), text_of(value(graph, n, CG.startDate)),
                      text_of(value(graph, n, CG.endDate))) for n in nodes]

    def groups(self, sides: Sides, graph: Graph) -> dict[tuple[Node, ...], list[Node]]:
        found: dict[tuple[Node, ...], list[Node]] = defaultdict(list)
        for node in graph.subjects(RDF.type, self.rdf_type):
            key = self.key(graph, node)
            if key is not None:
                found[key].append(node)
        return found

    def __call__(self, sides: Sides) -> list[Change]:
        old_groups, new_groups = self.groups(sides, sides.old), self.groups(sides, sides.new)
        keys = {k for groups in (old_groups, new_groups) for k, nodes in groups.items()
                if any(sides.changed(n) for n in nodes)}
        changes = []
        for key in sorted(keys, key=lambda k: [sides.label(n) for n in k]):
            changes += self._compare(sides, key, self.spells(sides.old, old_groups.get(key, [])),
                                     self.spells(sides.new, new_groups.get(key, [])))
        return changes

    def _compare(self, sides: Sides, key: tuple[Node, ...], old: list[Spell],
                 new: list[Spell]) -> list[Change]:
        changes: list[Change] = []
        old_day, old_now = in_force(old)
        new_day, new_now = in_force(new)
        covered: set[Node] = set()
        if {s.value for s in old_now} != {s.value for s in new_now}:
            since = new_day if new_now and new_day != old_day else None
            text = self.headline(sides, key, old_now, new_now, since)
            spells = old_now + new_now
            covered = {s.node for s in spells}
            changes.append(self._change(sides, text, spells))
        rest_old = [s for s in old if s.node not in covered]
        rest_new = [s for s in new if s.node not in covered]
        for o, n in _pair(rest_old, rest_new):
            if o is not None and n is not None and (o.start, o.end) == (n.start, n.end):
                continue
            if o is None and n is None:
                continue
            text = self.spell_text(sides, key, o, n)
            changes.append(self._change(sides, text, [s for s in (o, n) if s is not None]))
        return changes

    def _change(self, sides: Sides, text: str, spells: list[Spell]) -> Change:
        change = Change(self.kind, text)
        for spell in spells:
            whole = sides.is_new(spell.node) or sides.is_gone(spell.node)
            _merge(change, sides.about(spell.node, None if whole else self.predicates))
            for mentioned in spell.value:
                _claim_naming(sides, change, mentioned)
        return change


def _pair(old: list[Spell], new: list[Spell]) -> list[tuple[Spell | None, Spell | None]]:
    """Match spells across the sides: the same node, else the only one with the same value."""
    pairs: list[tuple[Spell | None, Spell | None]] = []
    new_by_node = {s.node: s for s in new}
    unmatched_old = []
    for o in old:
        n = new_by_node.pop(o.node, None)
        if n is not None and n.value == o.value:
            pairs.append((o, n))
        else:
            unmatched_old.append(o)
            if n is not None:
                new_by_node[n.node] = n
    remaining_new = list(new_by_node.values())
    for o in unmatched_old:
        same = [n for n in remaining_new if n.value == o.value]
        if len(same) == 1 and sum(1 for x in unmatched_old if x.value == o.value) == 1:
            pairs.append((o, same[0]))
            remaining_new.remove(same[0])
        else:
            pairs.append((o, None))
    pairs += [(None, n) for n in remaining_new]
    return pairs


def _merge(change: Change, more: Change) -> None:
    change.removed |= more.removed
    change.added |= more.added


def _claim_naming(sides: Sides, change: Change, node: Node) -> None:
    """A person or organisation that appears (or disappears) with this change is explained by
    the sentence that names it: its type and label triples belong to that sentence."""
    if isinstance(node, Literal):
        return
    if sides.is_new(node) or sides.is_gone(node):
        _merge(change, sides.about(node, NAMING))


def _names(sides: Sides, spells: list[Spell], index: int = 0) -> str:
    names = sorted({sides.label(s.value[index]) for s in spells})
    return " and ".join(names) if names else "nobody"


def _earliest_start(spells: list[Spell]) -> str | None:
    starts = [s.start for s in spells if s.start]
    return min(starts) if starts else None


def _from(day: str | None) -> str:
    return f" from {day}" if day else ""


# Role tenures: "Service Desk Lead: now held by Ana Silva (was João Costa) from 2026-09-01"
