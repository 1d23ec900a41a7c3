"""Pages that show validation results validate once per store version, not once per view."""

from __future__ import annotations

import pytest

import comgraph.validate
from tests.views_support import demo_app


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = comgraph.validate.validate

    def counting(*args, **kwargs):
        calls.append(kwargs.get("as_of"))
        return real(*args, **kwargs)

    monkeypatch.setattr(comgraph.validate, "validate", counting)
    return calls


def test_home_and_checklist_share_one_validation_until_the_store_changes(counted) -> None:
    app = demo_app()
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/checklist").status_code == 200
    assert client.get("/").status_code == 200
    assert len(counted) == 1
    app.config["STORE"].update(
        "INSERT DATA { <https://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> 'x' }")
    assert client.get("/checklist").status_code == 200
    assert len(counted) == 2


def test_another_as_of_date_is_validated_on_its_own(counted) -> None:
    client = demo_app().test_client()
    client.get("/checklist")
    client.get("/checklist?as_of=2026-01-31")
    client.get("/checklist?as_of=2026-01-31")
    assert counted == [counted[0], "2026-01-31"]
