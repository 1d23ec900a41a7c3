"""RDF serialisation formats: names, file extensions and media types, in one place."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat

# Names a user may type after --format, mapped to pyoxigraph's formats.
_BY_NAME: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ttl": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nt": RdfFormat.N_TRIPLES,
    "n-triples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "nq": RdfFormat.N_QUADS,
    "n-quads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdfxml": RdfFormat.RDF_XML,
    "rdf/xml": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "json-ld": RdfFormat.JSON_LD,
    "n3": RdfFormat.N3,
}

FORMAT_NAMES = ("turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld")


def parse_format(name: str) -> RdfFormat:
    """Turn a user-given format name (``turtle``, ``nt``, ``json-ld``, a media type…) into a format."""
    key = name.strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    found = RdfFormat.from_media_type(key)
    if found is None:
        raise ValueError(
            f"unknown RDF format {name!r}; expected one of {', '.join(FORMAT_NAMES)} or a media type"
        )
    return found


def format_for_path(path: str | Path) -> RdfFormat:
    """Pick the format from a file's extension (``.ttl``, ``.nt``, ``.nq``, ``.trig``, ``.rdf``…)."""
    suffixes = Path(path).suffixes
    ext = suffixes[-1].lstrip(".").lower() if suffixes else ""
    if ext in _BY_NAME:
        return _BY_NAME[ext]
    found = RdfFormat.from_extension(ext) if ext else None
    if found is None:
        raise ValueError(
            f"{path}: cannot tell the RDF format from the extension {ext or '(none)'!r}; "
            f"pass --format ({', '.join(FORMAT_NAMES)})"
        )
    return found
