"""What ``comgraph link catalog`` reads from any catalogue: its datasets, each with the
identifiers the catalogue knows it by, its name and its owners. One reader per format (DCAT or a
CKAN feed, DataHub, OpenMetadata) turns its input into these; matching never sees the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class CatalogReadError(Exception):
    """The catalogue cannot be read; ``where`` says where (``file:line:col``, a JSON path, a
    page's URL). Nothing is linked or written."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class CatalogOwner:
    """An owner a catalogue records for a dataset.

    ``accountable`` is true for the kinds of ownership that answer for the data (DataHub's
    DATAOWNER and BUSINESS_OWNER, a DCAT owner or, failing one, the publisher, OpenMetadata's
    owners); a technical owner or a steward is an owner too, but not the accountable one.
    """

    name: str
    id: str | None
    kind: str
    accountable: bool


@dataclass
class CatalogEntry:
    """One dataset of a catalogue."""

    id: str
    name: str
    identifiers: set[str]
    owners: list[CatalogOwner] = field(default_factory=list)
    where: str = ""


@dataclass
class Catalogue:
    """What was read: the format, where from, and the datasets (in the catalogue's order)."""

    kind: str
    location: str
    entries: list[CatalogEntry]
    pages: list[str] = field(default_factory=list)
