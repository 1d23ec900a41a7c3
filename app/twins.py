"""Which twin of a page a request asks for: the URL's extension when it has one (``.json``,
``.ttl``, ...), else the best match of the ``Accept`` header among the media types the page
offers, else the page's default.

Every page with machine twins (the views, the checklist, the resource pages, the ontology and
the validation report) asks here, so a browser's ``Accept: text/html,*/*`` and a client's
``Accept: application/json`` are read the same way everywhere. Responses that depend on the
header say ``Vary: Accept``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import request


def twin_format(extension: str | None, offered: Mapping[str, str], default: str = "html") -> str:
    """The format name to answer with.

    ``offered`` maps media types to format names, most preferred first (a client that accepts
    anything gets the first); ``default`` is the answer when the client accepts none of them."""
    if extension:
        return extension
    best = request.accept_mimetypes.best_match(list(offered))
    return offered.get(best, default) if best is not None else default
