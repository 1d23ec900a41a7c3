"""Where the ontology, shapes, named queries and demo data are found at run time.

In a checkout (and an editable install) they are the top-level folders ``ontology/``,
``shapes/``, ``queries/`` and ``data/``. An installed wheel carries copies of them inside the
package as ``comgraph/resources/<name>/`` (see ``[tool.setuptools]`` in pyproject.toml). Callers
ask this module and never guess at paths themselves.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]

# resource name -> (folder inside the installed package, folder in a checkout)
_LOCATIONS = {
    "ontology": ("ontology", "ontology"),
    "shapes": ("shapes", "shapes"),
    "queries": ("queries", "queries"),
    "data": ("data", "data"),
}


def resource_dir(name: str) -> Path:
    """Return the folder that holds a resource set: ontology, shapes, queries or data."""
    try:
        installed, checkout = _LOCATIONS[name]
    except KeyError:
        raise ValueError(f"unknown resource set {name!r}; expected one of {sorted(_LOCATIONS)}") from None
    packaged = _PACKAGE_DIR / "resources" / installed
    if packaged.is_dir():
        return packaged
    in_checkout = _CHECKOUT_ROOT / checkout
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file() and in_checkout.is_dir():
        return in_checkout
    raise FileNotFoundError(f"comgraph resource set {name!r} is missing from this installation")


def ontology_dir() -> Path:
    return resource_dir("ontology")


def shapes_dir() -> Path:
    return resource_dir("shapes")


def queries_dir() -> Path:
    return resource_dir("queries")


def demo_dir() -> Path:
    """The demo relationship (``data/demo``)."""
    return resource_dir("data") / "demo"
