"""The home page: what this comgraph instance holds, and where to go next."""

from __future__ import annotations

from comgraph.app import get_store
from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    store = get_store()
    return render_template(
        "home.html", store_url=store.url, triples=store.triple_count(), graphs=store.graphs()
    )
