"""Which twin of a page a request asks for: the URL's extension when it has one (``.json``,
``.ttl``, ...), else the best match of the ``Accept`` header among the media types the page
offers, else the page's default.

Every page with machine twins (the views, the dashboards and the checklist, the resource pages,
the ontology and the validation report) asks here, so a browser's ``Accept: text/html,*/*`` and a client's
``Accept: application/json`` are read the same way everywhere. Responses that depend on the
header say ``Vary: Accept``. The dashboards answer through ``twin_response``: the page, its data
as ``.json`` and its rows as ``.csv`` (Datasette's rule: whatever a page shows, a machine can
read). A dashboard's sections fail on their own (:mod:`comgraph.app.sections`): the JSON names
them in ``failed_sections``, the CSV is a 503 when its own rows could not be computed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence

from comgraph.app.sections import Sections
from flask import Response, request


def twin_format(extension: str | None, offered: Mapping[str, str], default: str = "html") -> str:
    """The format name to answer with.

    ``offered`` maps media types to format names, most preferred first (a client that accepts
    anything gets the first); ``default`` is the answer when the client accepts none of them."""
    if extension:
        return extension
    best = request.accept_mimetypes.best_match(list(offered))
    return offered.get(best, default) if best is not None else default


#: What a dashboard offers: its page, its data as JSON, its rows as CSV.
DASHBOARD_TWINS = {"text/html": "html", "application/json": "json", "text/csv": "csv"}


def twin_response(extension: str | None, *, html: Callable[[], str], data: Callable[[], object],
                  rows: Callable[[], Iterable[Sequence[object]]], filename: str,
                  sections: Sections | None = None, csv_from: Iterable[str] = ()) -> Response:
    """A dashboard's answer in the format asked for (``twin_format`` over ``DASHBOARD_TWINS``).

    ``data`` is what the page shows, as plain JSON values (the ``.json`` twin); ``rows`` is the
    same as a table whose first row is the header (the ``.csv`` twin, a download named
    ``filename.csv``); ``html`` renders the page. Only the one asked for is computed.

    ``sections`` are the page's sections that could not be computed: the JSON object gets them
    as ``failed_sections``; when one of ``csv_from`` (the sections the CSV's rows come from)
    failed, the CSV twin is a 503 that names it instead of rows that would read as complete."""
    fmt = twin_format(extension, DASHBOARD_TWINS)
    failures = sections.failures if sections is not None else []
    if fmt == "json":
        body = data()
        if sections is not None and isinstance(body, dict):
            body = body | {"failed_sections": sections.to_json()}
        response = Response(json.dumps(body, indent=1, ensure_ascii=False) + "\n",
                            mimetype="application/json")
    elif fmt == "csv" and (missing := sections.any_failed(*csv_from) if sections is not None else None):
        response = Response(f"this section could not be computed: {missing.heading}: {missing.reason}\n",
                            status=503, mimetype="text/plain",
                            headers={"Retry-After": "1"} if missing.timed_out else None)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows():
            writer.writerow(["" if v is None else v for v in row])
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        response = Response(html(), mimetype="text/html")
    if failures:
        response.headers["X-Comgraph-Failed-Sections"] = ", ".join(f.section for f in failures)
    response.vary.add("Accept")
    return response
