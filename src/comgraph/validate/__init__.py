"""Validation: SHACL shapes over a comgraph store or RDF files, one Report model, many formats.

``validate(data, shapes_dir, as_of=...)`` returns a :class:`Report`; the renderers in
:mod:`comgraph.validate.render` write it as text, JSON, Turtle, SARIF, JUnit or GitHub
annotations; :mod:`.waivers` and :mod:`.baseline` filter it. See ``docs/validation.md``.
"""

from comgraph.validate.engine import (
    ENGINES,
    INFERENCE_MODES,
    UnsupportedFeature,
    ValidationError,
    validate,
)
from comgraph.validate.model import JSON_SCHEMA_VERSION, Report, Result, Severity, ShapeInfo, SourceLocation

__all__ = [
    "ENGINES",
    "INFERENCE_MODES",
    "JSON_SCHEMA_VERSION",
    "Report",
    "Result",
    "Severity",
    "ShapeInfo",
    "SourceLocation",
    "UnsupportedFeature",
    "ValidationError",
    "validate",
]
