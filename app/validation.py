"""Validation over HTTP: ``POST /validate`` checks the RDF in the request body; ``GET
/validation`` (HTML, or JSON at ``/validation.json`` or with ``Accept: application/json``)
shows the report for the store this app serves. Both render the one Report model."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from comgraph.app import get_store
from comgraph.app.twins import twin_format
from flask import Blueprint, Response, current_app, render_template, request

from comgraph.store import Source
from comgraph.validate import Severity, UnsupportedFeature, ValidationError, validate
from comgraph.validate.render import MEDIA_TYPES, RENDERERS, render

bp = Blueprint("validation", __name__)


def _shapes_dir() -> Path | None:
    configured = current_app.config.get("SHAPES_DIR")
    return Path(configured) if configured else None


def _negotiate() -> str:
    # JSON first in MEDIA_TYPES, so a client that accepts anything gets JSON.
    offered = {media: name for name, media in MEDIA_TYPES.items()}
    return twin_format(request.args.get("format"), offered, default="json")


def _fail_on() -> Severity:
    """The level the answer judges at; ``never`` judges at violation, as the CLI's report does
    (an HTTP answer has no exit code for it to spare)."""
    return Severity.judging(request.args.get("fail_on", "violation"))


def _error(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


@bp.post("/validate")
def validate_posted() -> Response:
    """Validate the RDF in the body (its Content-Type says the syntax; Turtle by default)."""
    media = request.mimetype or "text/turtle"
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None:
        return _error(f"cannot read RDF sent as {media!r}; send text/turtle, application/n-triples, "
                      "application/trig or another RDF media type", 415)
    name = _negotiate()
    if name not in RENDERERS:
        return _error(f"format {name!r}: expected one of {', '.join(RENDERERS)}", 406)
    try:
        level = _fail_on()
        report = validate(Source("request body", data=request.get_data(), format=fmt), _shapes_dir(),
                          as_of=request.args.get("as_of"))
    except ValueError as exc:
        return _error(str(exc), 400)
    except ValidationError as exc:
        return _error(str(exc), 400)
    except UnsupportedFeature as exc:
        return _error(f"unsupported SHACL feature: {exc}", 501)
    body = render(report, name, level)
    return Response(body, mimetype=MEDIA_TYPES.get(name, "text/plain"),
                    headers={"X-Comgraph-Conforms": str(report.conforms(level)).lower()})


@bp.get("/validation")
@bp.get("/validation.json", endpoint="report_json", defaults={"as_json": True})
def report(as_json: bool = False) -> Response | str:
    """The report for the current store, as a page a person reads, or its JSON twin."""
    try:
        level = _fail_on()
        result = validate(get_store(), _shapes_dir(), as_of=request.args.get("as_of"))
    except (ValueError, ValidationError) as exc:
        return _error(str(exc), 400)
    except UnsupportedFeature as exc:
        return _error(f"unsupported SHACL feature: {exc}", 501)
    if twin_format("json" if as_json else None, {"text/html": "html", "application/json": "json"}) == "json":
        return Response(render(result, "json", level), mimetype="application/json")
    return render_template("validation.html", report=result, conforms=result.conforms(level),
                           counts=result.counts(), results=result.active())
