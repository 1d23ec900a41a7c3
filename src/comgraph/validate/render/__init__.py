"""Renderers: each writes the one Report model in one format. ``render(report, name)``."""

from __future__ import annotations

from collections.abc import Callable

from comgraph.validate.model import Report, Severity
from comgraph.validate.render import github, junit, sarif, text, turtle
from comgraph.validate.render import json as json_format

Renderer = Callable[[Report, Severity | None], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "turtle": turtle.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
}

#: Media types for HTTP content negotiation, in the order the app prefers them.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "turtle": "text/turtle",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "text": "text/plain",
}


def render(report: Report, name: str, fail_on: Severity | None = Severity.VIOLATION) -> str:
    try:
        renderer = RENDERERS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r}; expected one of {', '.join(RENDERERS)}") from None
    return renderer(report, fail_on)
