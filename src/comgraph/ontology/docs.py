"""Documentation: the ontology's HTML pages by pyLODE, for ``comgraph docs OUT/``
(:func:`write_docs`) and the app's ``/ontology`` route (:func:`documentation_html`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from comgraph.ontology.files import OntologyError, core_file


def _import_pylode():
    """pyLODE configures the root logger (DEBUG, to stderr) when imported; undo that, so a
    library import does not turn on every other library's debug output in comgraph."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from pylode import OntPub

    root.setLevel(level)
    root.handlers[:] = handlers
    return OntPub


def write_docs(out_dir: Path | str) -> Path:
    """Write ``index.html`` (pyLODE) and ``comgraph.ttl`` into ``out_dir``; return the HTML path.

    pyLODE prints an error and writes nothing on bad input instead of raising, so the file is
    checked afterwards.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = out / "index.html"
    if html.exists():
        html.unlink()
    _import_pylode()(ontology=str(core_file())).make_html(destination=html)
    if not html.is_file() or html.stat().st_size == 0:
        raise OntologyError(f"pyLODE did not write {html}")
    shutil.copyfile(core_file(), out / "comgraph.ttl")
    return html


def documentation_html() -> str:
    """The ontology's HTML documentation as a string (for the app's ``/ontology`` route)."""
    with tempfile.TemporaryDirectory(prefix="comgraph-docs-") as tmp:
        return write_docs(tmp).read_text(encoding="utf-8")
