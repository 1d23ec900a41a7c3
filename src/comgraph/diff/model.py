"""The one result of a diff, which every output format renders: sentences and leftovers."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.term import Node

Triple = tuple[Node, Node, Node]

#: The kinds of change, in the order reports list them, with their headings.
KINDS: dict[str, str] = {
    "role": "Role tenures",
    "raci": "RACI",
    "obligation": "Obligations",
    "target": "Targets",
    "ownership": "Ownership shares",
    "stakeholder": "Stakeholders in the relationship",
    "team": "Co-management team",
}


@dataclass
class Change:
    """One sentence a manager reads, and the triples it explains."""

    kind: str
    text: str
    removed: set[Triple] = field(default_factory=set)
    added: set[Triple] = field(default_factory=set)


@dataclass
class Diff:
    """What changed from OLD to NEW: the phrased changes, and every triple no rule explained."""

    old: str
    new: str
    changes: list[Change]
    other_removed: list[Triple]
    other_added: list[Triple]
    removed_count: int
    added_count: int

    @property
    def other_count(self) -> int:
        return len(self.other_removed) + len(self.other_added)

    @property
    def has_changes(self) -> bool:
        return bool(self.removed_count or self.added_count)

    def by_kind(self) -> list[tuple[str, list[Change]]]:
        return [(kind, [c for c in self.changes if c.kind == kind]) for kind in KINDS
                if any(c.kind == kind for c in self.changes)]
