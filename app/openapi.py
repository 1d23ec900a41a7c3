"""``/openapi.json``: an OpenAPI 3.1 description of the app's JSON API, made from the app itself.

What it describes: the view catalogue and each named query's JSON twin (``/views.json``,
``/views/NAME.json``), validation (``POST /validate``, ``/validation.json``), the checklist
assessment (``/checklist.json``), the DCAT-AP catalogue (``/catalog`` and its ``.ttl``, ``.jsonld``
and ``.rdf`` twins) and health (``/healthz``, ``/readyz``). The SPARQL endpoint and
the Graph Store (``/sparql``, ``/data``) follow the W3C protocols and their service description;
they are not repeated here.

The named-query paths are generated from the query catalogue (:mod:`comgraph.queries`, the
app's ``QUERIES_DIR`` when set): one path per query, its parameters with their declared types
and defaults, and a result schema whose columns are the query's documented columns. A new
``.rq`` file is described as soon as the app reads it; nothing here is kept by hand per query.

Each part of the document is written by a *describer*, keyed by the blueprint whose routes it
describes (:data:`DESCRIBERS`). A describer runs only when its blueprint is registered on the
app, so the document never promises a route the app does not serve. To describe a new
blueprint, write ``_describe_NAME(spec, app)`` and add it to :data:`DESCRIBERS`, as the catalog
(``/catalog`` and its ``.ttl``/``.jsonld``/``.rdf`` twins) is.

apispec assembles the document (components, ``$ref`` resolution, duplicate checks); the
schemas themselves are JSON Schema written against what the renderers emit, and
``tests/test_openapi.py`` runs schemathesis against the app to keep the two in step.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from apispec import APISpec
from flask import Blueprint, Flask, Response, current_app

from comgraph import __version__
from comgraph.queries import ALL_PROCESSES, AS_OF_DEFAULT, PARAMETER_TYPES, PROCESSES, NamedQuery, Parameter

bp = Blueprint("openapi", __name__)

OPENAPI_VERSION = "3.1.0"
SPARQL_JSON = "application/sparql-results+json"
SEVERITIES = ("Violation", "Warning", "Info")
REPORT_FORMATS = ("text", "json", "turtle", "sarif", "junit", "github")
#: RDF syntaxes ``POST /validate`` reads, by the media type that names them.
RDF_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/trig", "application/n-quads",
                   "application/rdf+xml")


@bp.get("/openapi.json")
def document() -> Response:
    """The document, built once per app (the catalogue is read once per app too)."""
    body = current_app.extensions.get("comgraph.openapi")
    if body is None:
        body = json.dumps(build(current_app), indent=1) + "\n"
        current_app.extensions["comgraph.openapi"] = body
    return Response(body, mimetype="application/json")


def build(app: Flask) -> dict:
    """The OpenAPI document for this app, as a dict."""
    spec = APISpec(
        title="comgraph", version=__version__, openapi_version=OPENAPI_VERSION,
        info={"description": "The JSON API of a comgraph service: named-query views, SHACL "
                             "validation, the checklist assessment and health. The SPARQL 1.1 "
                             "Protocol (/sparql) and Graph Store Protocol (/data) endpoints follow "
                             "their W3C specifications and are not described here."},
    )
    _common_components(spec)
    spec.path(path="/openapi.json", operations={"get": {
        "summary": "This document", "operationId": "openapi", "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI 3.1 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }})
    for blueprint, describe in DESCRIBERS.items():
        if blueprint in app.blueprints:
            describe(spec, app)
    return spec.to_dict()


# -- shared components --------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """A closed JSON object: every property listed is required unless named in ``optional``."""
    return {"type": "object", "properties": properties,
            "required": [k for k in properties if k not in optional], "additionalProperties": False}


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
COUNT = {"type": "integer", "minimum": 0}


def _common_components(spec: APISpec) -> None:
    spec.components.schema("PlainText", {"type": "string", "description": "A message for people."})
    spec.components.response("PlainError", {
        "description": "The request was refused; the body says why",
        "content": {"text/plain": {"schema": "PlainText"}},
    })
    spec.components.parameter("as_of", "query", {
        "description": "The date to assess on (YYYY-MM-DD); by default the data's cg:asOfDate, "
                       "else today.",
        "schema": {"type": "string", "format": "date"},
    })
    spec.components.parameter("fail_on", "query", {
        "description": "The lowest severity that makes the data not conform (default violation); "
                       "never judges as violation does (it only changes the CLI's exit code).",
        "schema": {"type": "string", "enum": ["violation", "warning", "info", "never"]},
    })


# -- views ------------------------------------------------------------------------------------


def _describe_views(spec: APISpec, app: Flask) -> None:
    from comgraph.app.named_queries import get_catalogue

    with app.app_context():
        catalogue = sorted(get_catalogue(), key=lambda q: q.name)
    spec.components.schema("RdfTerm", _rdf_term())
    spec.components.schema("ParameterError", _object({
        "error": {"type": "string", "description": "What is wrong with the value"},
        "parameter": {"type": "string", "description": "The parameter's name"},
    }))
    spec.components.schema("ViewDescription", _object({
        "name": STRING, "title": STRING, "description": STRING,
        "process": {"type": "string", "enum": [ALL_PROCESSES, *PROCESSES]},
        "parameters": {"type": "array", "items": _object({
            "name": STRING, "type": {"type": "string", "enum": list(PARAMETER_TYPES)},
            "default": NULLABLE_STRING, "required": {"type": "boolean"}, "label": STRING,
            "description": STRING,
        })},
        "columns": {"type": "array", "items": _object({"name": STRING, "description": STRING})},
        "html": STRING, "json": STRING, "csv": STRING,
    }))
    spec.tag({"name": "views", "description": "Named queries (queries/*.rq) and their results"})
    spec.path(path="/views.json", operations={"get": {
        "summary": "The view catalogue", "operationId": "views", "tags": ["views"],
        "description": "Every named query with its parameters, columns and links, by name.",
        "responses": {"200": {"description": "The catalogue", "content": {"application/json": {
            "schema": {"type": "array", "items": "ViewDescription"}}}}},
    }})
    for query in catalogue:
        _describe_view(spec, query)


def _describe_view(spec: APISpec, query: NamedQuery) -> None:
    schema_name = f"Results.{query.name}"
    spec.components.schema(schema_name, _results(query))
    spec.path(path=f"/views/{query.name}.json", operations={"get": {
        "summary": query.title, "operationId": f"view.{query.name}", "tags": ["views", query.process],
        "description": query.description or query.title,
        "parameters": [_parameter(p) for p in query.parameters],
        "responses": {
            "200": {"description": "The rows, as SPARQL 1.1 Query Results JSON",
                    "content": {SPARQL_JSON: {"schema": schema_name}}},
            "400": {"description": "A parameter value is not of its type (JSON, naming the "
                                   "parameter), or the engine refused the query (text)",
                    "content": {"application/json": {"schema": "ParameterError"},
                                "text/plain": {"schema": "PlainText"}}},
            "503": {"description": "A remote engine's answer broke off (its own time limit)",
                    "content": {"text/plain": {"schema": "PlainText"}}},
        },
    }})


def _parameter(parameter: Parameter) -> dict:
    """A named query's parameter as an OpenAPI query parameter, from its declared type."""
    schema: dict = {
        "IRI": {"type": "string", "description": "An absolute IRI, or prefix:name with a prefix "
                                                 "comgraph knows (cg:Role)"},
        "string": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "integer": {"type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000},
        "decimal": {"type": "number"},
    }[parameter.type]
    description = parameter.description or parameter.label
    if parameter.default == AS_OF_DEFAULT:
        description += " Default: the data's cg:asOfDate, else today."
    elif parameter.default is not None:
        schema = {**schema, "default": _typed(parameter.type, parameter.default)}
    return {"name": parameter.name, "in": "query", "required": parameter.required,
            "description": description, "schema": schema}


def _typed(kind: str, value: str) -> object:
    if kind == "integer":
        return int(value)
    if kind == "decimal":
        return float(value)
    return value


def _results(query: NamedQuery) -> dict:
    """SPARQL 1.1 Query Results JSON for a SELECT whose variables are the query's columns.

    A query that documents no columns gets the general form (any variable names).
    """
    columns = [c.name for c in query.columns]
    variable = {"type": "string", "enum": columns} if columns else STRING
    row: dict = {"type": "object", "additionalProperties": _ref("RdfTerm")}
    if columns:
        row = {"type": "object", "properties": {c: "RdfTerm" for c in columns},
               "additionalProperties": False}
    return {
        "type": "object", "required": ["head", "results"],
        "properties": {
            "head": {"type": "object", "required": ["vars"], "properties": {
                "vars": {"type": "array", "items": variable, "uniqueItems": True},
                "link": {"type": "array", "items": STRING},
            }},
            "results": {"type": "object", "required": ["bindings"], "properties": {
                "bindings": {"type": "array", "items": row},
            }},
        },
    }


def _rdf_term() -> dict:
    """One bound value in SPARQL JSON results (RDF 1.2 triple terms included)."""
    return {"oneOf": [
        _object({"type": {"const": "uri"}, "value": STRING}),
        _object({"type": {"const": "bnode"}, "value": STRING}),
        _object({"type": {"const": "literal"}, "value": STRING, "datatype": STRING,
                 "xml:lang": STRING, "its:dir": {"enum": ["ltr", "rtl"]}},
                optional=("datatype", "xml:lang", "its:dir")),
        _object({"type": {"const": "triple"}, "value": _object({
            "subject": _ref("RdfTerm"), "predicate": _ref("RdfTerm"), "object": _ref("RdfTerm")})}),
    ]}


# -- validation ---------------------------------------------------------------------------------


def _describe_validation(spec: APISpec, app: Flask) -> None:
    spec.components.schema("SourceLocation", _object({
        "file": STRING, "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 1},
    }))
    spec.components.schema("SeverityCounts", _object({s: COUNT for s in SEVERITIES}))
    spec.components.schema("ValidationResult", _object({
        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "severity": {"type": "string", "enum": list(SEVERITIES)},
        "shape": STRING, "shapeName": NULLABLE_STRING, "component": STRING,
        "focus": STRING, "focusLabel": NULLABLE_STRING, "path": NULLABLE_STRING,
        "value": NULLABLE_STRING, "message": STRING,
        "checklistItem": NULLABLE_STRING, "checklistItemLabel": NULLABLE_STRING,
        "process": NULLABLE_STRING, "processLabel": NULLABLE_STRING,
        "location": {"oneOf": [{"type": "null"}, _ref("SourceLocation")]},
        "waived": {"type": "boolean"}, "waiverReason": NULLABLE_STRING, "inBaseline": {"type": "boolean"},
    }))
    spec.components.schema("FailedShape", _object({
        "shape": STRING, "shapeName": NULLABLE_STRING,
        "checklistItem": NULLABLE_STRING, "checklistItemLabel": NULLABLE_STRING,
        "checklistItemNotation": NULLABLE_STRING,
        "process": NULLABLE_STRING, "processLabel": NULLABLE_STRING,
        "kind": {"type": "string", "enum": ["timeout", "error"]},
        "reason": STRING,
    }))
    spec.components.schema("ValidationReport", _object({
        "schemaVersion": {"const": "1.0"},
        "tool": _object({"name": {"const": "comgraph"}, "version": STRING}),
        "conforms": {"type": "boolean"},
        "complete": {"type": "boolean",
                     "description": "Every shape was evaluated; false when one is in failedShapes"},
        "failOn": {"type": "string", "enum": ["Violation", "Warning", "Info", "never"]},
        "asOf": {"type": "string", "format": "date"}, "asOfSource": STRING,
        "data": {"type": "array", "items": STRING}, "shapesDir": STRING, "engine": STRING,
        "counts": "SeverityCounts", "countsIncludingWaived": "SeverityCounts",
        "results": {"type": "array", "items": "ValidationResult"},
        "failedShapes": {"type": "array", "items": "FailedShape",
                         "description": "Shapes the store could not evaluate (refused, broken off, "
                                        "timed out); the other shapes' findings are in results"},
        "staleWaivers": {"type": "array", "items": STRING},
        "fallbackShapes": {"type": "array", "items": STRING},
        "notices": {"type": "array", "items": STRING},
    }))
    spec.tag({"name": "validation", "description": "SHACL validation (shapes/ or SHAPES_DIR)"})
    report_formats = {
        "application/json": {"schema": "ValidationReport"},
        "application/sarif+json": {"schema": {"type": "object"}},
        "text/turtle": {"schema": "PlainText"},
        "application/xml": {"schema": "PlainText"},
        "text/plain": {"schema": "PlainText"},
    }
    spec.path(path="/validate", operations={"post": {
        "summary": "Validate the RDF in the request body", "operationId": "validate",
        "tags": ["validation"],
        "description": "The Content-Type names the RDF syntax (Turtle when absent); the Accept "
                       "header or `format` picks the report's format (JSON by default).",
        "parameters": [
            {"name": "format", "in": "query", "description": "The report format; overrides Accept.",
             "schema": {"type": "string", "enum": list(REPORT_FORMATS)}},
            "as_of", "fail_on",
        ],
        "requestBody": {"required": False, "description": "RDF data",
                        "content": {media: {"schema": STRING} for media in RDF_MEDIA_TYPES}},
        "responses": {
            "200": {"description": "The validation report",
                    "headers": {"X-Comgraph-Conforms": {
                        "description": "Whether the data conforms at the fail_on level",
                        "required": True, "schema": {"type": "string", "enum": ["true", "false"]}}},
                    "content": report_formats},
            "400": "PlainError",
            "406": "PlainError",
            "413": "PlainError",
            "415": "PlainError",
            "501": "PlainError",
        },
    }})
    spec.path(path="/validation.json", operations={"get": {
        "summary": "The validation report for the store this app serves",
        "operationId": "validation", "tags": ["validation"],
        "parameters": ["as_of", "fail_on"],
        "responses": {
            "200": {"description": "The report",
                    "content": {"application/json": {"schema": "ValidationReport"}}},
            "400": "PlainError", "501": "PlainError",
        },
    }})


# -- checklist --------------------------------------------------------------------------------


def _describe_checklist(spec: APISpec, app: Flask) -> None:
    from comgraph.app.checklist import STATUSES

    spec.components.schema("ChecklistFinding", _object({
        "focus": STRING, "focus_label": NULLABLE_STRING, "message": STRING,
        "severity": {"type": "string", "enum": list(SEVERITIES)}, "shape": STRING,
        "item": STRING, "notation": STRING, "item_label": STRING,
        "process": {"type": "string", "enum": list(PROCESSES)}, "value": NULLABLE_STRING,
        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "href": {"type": "string", "description": "The finding on the checklist page for the same date"},
    }))
    spec.components.schema("ChecklistItem", _object({
        "iri": STRING, "notation": STRING, "label": STRING, "statement": STRING,
        "process": {"type": "string", "enum": list(PROCESSES)},
        "checked": {"type": "boolean"}, "violations": COUNT, "warnings": COUNT,
        "findings": {"type": "array", "items": "ChecklistFinding"},
        "unknown": {"type": ["string", "null"],
                    "description": "Why the item cannot be judged (a shape enforcing it could not be "
                                   "evaluated, or validation did not run); null when it can"},
        "status": {"type": "string", "enum": list(STATUSES)},
    }))
    spec.components.schema("FailedSection", _object({
        "section": STRING, "heading": STRING,
        "reason": {"type": "string", "description": "Why the section could not be computed"},
        "timed_out": {"type": "boolean"},
    }))
    spec.components.schema("ChecklistAssessment", _object({
        "as_of": {"type": "string", "format": "date"},
        "error": {"type": ["string", "null"], "description": "Why validation did not run, if it did not"},
        "items": {"type": "array", "items": "ChecklistItem"},
        "failed_sections": {"type": "array", "items": "FailedSection"},
    }))
    spec.tag({"name": "checklist", "description": "The co-management checklist, assessed"})
    spec.path(path="/checklist.json", operations={"get": {
        "summary": "The checklist assessment", "operationId": "checklist", "tags": ["checklist"],
        "description": "Each checklist item fails, warns, passes or is not checked, from validating "
                       "the store.",
        "parameters": ["as_of"],
        "responses": {"200": {"description": "One entry per checklist item",
                              "content": {"application/json": {"schema": "ChecklistAssessment"}}},
                      "400": "PlainError"},
    }})


# -- health -----------------------------------------------------------------------------------


def _describe_health(spec: APISpec, app: Flask) -> None:
    spec.tag({"name": "operations", "description": "Liveness and readiness"})
    spec.path(path="/healthz", operations={"get": {
        "summary": "Liveness: the process answers", "operationId": "healthz", "tags": ["operations"],
        "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"const": "ok\n"}}}}},
    }})
    spec.path(path="/readyz", operations={"get": {
        "summary": "Readiness: the store answers a query", "operationId": "readyz", "tags": ["operations"],
        "responses": {
            "200": {"description": "ready", "content": {"text/plain": {"schema": {"const": "ready\n"}}}},
            "503": {"description": "The store did not answer; the body says why",
                    "content": {"text/plain": {"schema": {"type": "string", "pattern": "^not ready: "}}}},
        },
    }})


# -- catalog ----------------------------------------------------------------------------------


def _describe_catalog(spec: APISpec, app: Flask) -> None:
    rdf = {"text/turtle": {"schema": {"type": "string"}},
           "application/ld+json": {"schema": {"type": ["object", "array"]}},
           "application/rdf+xml": {"schema": {"type": "string"}}}
    spec.tag({"name": "catalog", "description": "The governance resources as a DCAT-AP 3 catalogue"})
    spec.path(path="/catalog", operations={"get": {
        "summary": "The DCAT-AP 3 catalogue, by content negotiation", "operationId": "catalog",
        "tags": ["catalog"],
        "description": "Turtle, JSON-LD or RDF/XML by the Accept header; an HTML page otherwise.",
        "parameters": ["as_of"],
        "responses": {"200": {"description": "The catalogue", "content": {
            "text/html": {"schema": {"type": "string"}}, **rdf}}, "400": "PlainError", "503": "PlainError"},
    }})
    for extension, media_type in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                  ("rdf", "application/rdf+xml")):
        spec.path(path=f"/catalog.{extension}", operations={"get": {
            "summary": f"The DCAT-AP 3 catalogue as {media_type}", "operationId": f"catalog-{extension}",
            "tags": ["catalog"], "parameters": ["as_of"],
            "responses": {"200": {"description": "The catalogue", "content": {media_type: rdf[media_type]}},
                          "400": "PlainError", "503": "PlainError"},
        }})


#: Which blueprint each part of the document describes; a part is written only when the app
#: registers that blueprint. The extension point for new JSON routes (see the module docstring).
DESCRIBERS: dict[str, Callable[[APISpec, Flask], None]] = {
    "views": _describe_views,
    "validation": _describe_validation,
    "checklist": _describe_checklist,
    "ops": _describe_health,
    "catalog": _describe_catalog,
}
