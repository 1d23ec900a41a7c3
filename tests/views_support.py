"""Shared set-up for the query catalogue and views tests: the demo in a store, and the app on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from comgraph.app import create_app
from flask import Flask

from comgraph.store import Source, Store, open_store
from tests.conftest import DEMO

#: The demo relationship.
DEMO_DIR = DEMO
EX = "https://example.org/retail-it/"
PREFIXES = """
@prefix cg: <https://w3id.org/comgraph/ns#> .
@prefix cgraci: <https://w3id.org/comgraph/vocab/raci/> .
@prefix cgp: <https://w3id.org/comgraph/vocab/process/> .
@prefix cgsr: <https://w3id.org/comgraph/vocab/stakeholder-role/> .
@prefix dqv: <http://www.w3.org/ns/dqv#> .
@prefix ex: <https://example.org/retail-it/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def demo_files() -> list[Path]:
    return sorted(p for p in DEMO_DIR.glob("*.ttl") if p.name != "placeholder.ttl")


def demo_store(extra_turtle: str | None = None) -> Store:
    """The demo in a fresh in-memory store, plus any extra Turtle (the prefixes above are given)."""
    store = open_store("oxigraph:")
    store.load(demo_files())
    if extra_turtle:
        store.load([Source("extra.ttl", data=(PREFIXES + extra_turtle).encode())])
    return store


def demo_app(extra_turtle: str | None = None) -> Flask:
    return create_app({"STORE": demo_store(extra_turtle), "TESTING": True})


def demo_fixtures() -> tuple:
    """Module-scoped ``app`` (the demo) and ``client`` fixtures, for a test module that reads
    the demo through the app: ``app, client = demo_fixtures()``."""

    @pytest.fixture(scope="module")
    def app() -> Flask:
        return demo_app()

    @pytest.fixture(scope="module")
    def client(app: Flask):
        return app.test_client()

    return app, client
