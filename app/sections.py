"""Pages made of sections that fail on their own.

A dashboard shows several things at once (the health cards, the audit scores, the look-ahead,
the store's size ...), each from its own named queries. An engine that refuses one query (a
compiler error), stops it at its time limit, or breaks off its answer must not take the whole
page down: the section that needed it says "This section could not be computed: REASON" in
place, every other section is shown, and the page is still a 200.

One truth still holds: a section that could not be computed never reads as "all good". Its
numbers are ``None`` (JSON ``null``), never 0 or an empty list, and a judgement that depends on
it (a health card, a checklist item) says it is unknown.

A store that cannot be reached at all (``StoreUnavailable``, other than an answer that broke off)
is not one section's trouble: it is raised, and the error table answers the page with a 503.

The twins carry the same (:func:`comgraph.app.twins.twin_response`): the JSON has a
``failed_sections`` list (``section``, ``heading``, ``reason``, ``timed_out``; empty when every
section was computed); the CSV, which holds only rows, is a 503 naming the section when a section
its rows come from failed (a short CSV would read as a complete one), and is served as usual
otherwise; every twin names the failed sections in the ``X-Comgraph-Failed-Sections`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

from flask import current_app

from comgraph.store import EngineAnswerBroken, QueryTimeout, StoreError, StoreUnavailable

T = TypeVar("T")


@dataclass(frozen=True)
class SectionFailure:
    """A section of a page that could not be computed, and why (one line)."""

    section: str
    heading: str
    reason: str
    timed_out: bool = False


class Sections:
    """The sections of one page answer: computes each on its own and remembers which failed."""

    def __init__(self) -> None:
        self.failures: list[SectionFailure] = []

    def compute(self, section: str, heading: str, compute: Callable[[], T], fallback: T = None) -> T:
        """``compute()``, or ``fallback`` (None unless given) when a store error stops it."""
        try:
            return compute()
        except EngineAnswerBroken as exc:
            return self._failed(section, heading, exc, fallback)
        except StoreUnavailable:
            raise  # the store is gone, not this section's query: the page is a 503 (errors.py)
        except StoreError as exc:
            return self._failed(section, heading, exc, fallback)

    def _failed(self, section: str, heading: str, exc: StoreError, fallback: T) -> T:
        reason = _reason(exc)
        self.fail(section, heading, reason, timed_out=isinstance(exc, QueryTimeout))
        current_app.logger.warning("section %s could not be computed: %s", section, reason)
        return fallback

    def fail(self, section: str, heading: str, reason: str, *, timed_out: bool = False) -> None:
        """Record a section that could not be computed for a reason found another way (the
        checklist's validation report did not run, say)."""
        if self.failed(section) is None:
            self.failures.append(SectionFailure(section, heading, reason, timed_out))

    def failed(self, section: str) -> SectionFailure | None:
        return next((f for f in self.failures if f.section == section), None)

    def reason(self, section: str) -> str | None:
        failure = self.failed(section)
        return failure.reason if failure else None

    def any_failed(self, *sections: str) -> SectionFailure | None:
        return next((f for f in self.failures if f.section in sections), None)

    def to_json(self) -> list[dict]:
        return [asdict(f) for f in self.failures]


def _reason(error: StoreError) -> str:
    """One line, the engine's own words first; engines quote the whole query back after them."""
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:299] + "…" if len(text) <= 400 else text[:399] + "…"
