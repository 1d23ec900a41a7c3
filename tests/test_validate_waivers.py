"""Waivers and baselines: what they suppress, when they stop, and what they say about it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from comgraph.validate import validate
from comgraph.validate.baseline import BaselineError, apply_baseline, load_baseline
from comgraph.validate.render import render
from comgraph.validate.waivers import WaiverFileError, apply_waivers, load_waivers

HERE = Path(__file__).parent / "data" / "validate"
SHAPES = HERE / "shapes"
DEFECTS = HERE / "data" / "defects.ttl"
SHP = "https://example.org/shapes/"
TWIN = "https://example.org/data/twin-role"


def _twin_fingerprint() -> str:
    report = validate([DEFECTS], SHAPES)
    return next(r.fingerprint for r in report.results if r.focus.value == TWIN)


def _waive(tmp_path, body: str):
    path = tmp_path / "waivers.yaml"
    path.write_text(body)
    report = validate([DEFECTS], SHAPES)
    return apply_waivers(report, load_waivers(path))


def test_a_waiver_in_force_suppresses_its_finding(tmp_path):
    fp = _twin_fingerprint()
    tomorrow = date.today() + timedelta(days=1)
    report = _waive(tmp_path, f"waivers:\n  - fingerprint: {fp}\n    reason: merger in progress\n"
                              f"    owner: jane@example.org\n    expires: {tomorrow}\n")
    twin = next(r for r in report.results if r.focus.value == TWIN)
    assert twin.waived_by.startswith("merger in progress (owner jane@example.org")
    assert not twin.active
    assert report.counts()["Violation"] == 3
    assert report.stale_waivers == []


def test_a_waiver_that_expired_yesterday_no_longer_suppresses_its_finding(tmp_path):
    fp = _twin_fingerprint()
    yesterday = date.today() - timedelta(days=1)
    report = _waive(tmp_path, f"- fingerprint: {fp}\n  reason: merger in progress\n  owner: jane\n"
                              f"  expires: {yesterday}\n")
    twin = next(r for r in report.results if r.focus.value == TWIN)
    assert twin.waived_by is None and twin.active
    assert report.counts()["Violation"] == 4
    assert any(f"expired on {yesterday}" in n and fp in n for n in report.notices)


def test_a_malformed_expiry_date_brings_the_finding_back_with_a_notice(tmp_path):
    fp = _twin_fingerprint()
    report = _waive(tmp_path, f"- fingerprint: {fp}\n  reason: r\n  owner: o\n  expires: next spring\n")
    assert next(r for r in report.results if r.focus.value == TWIN).active
    assert any("'next spring' is not a date" in n for n in report.notices)


def test_a_waiver_without_an_owner_is_not_used(tmp_path):
    fp = _twin_fingerprint()
    report = _waive(tmp_path, f"- fingerprint: {fp}\n  reason: r\n  expires: 2999-01-01\n")
    assert next(r for r in report.results if r.focus.value == TWIN).active
    assert any("has no owner" in n for n in report.notices)


def test_a_selector_waives_every_finding_it_matches(tmp_path):
    report = _waive(tmp_path, "- selector:\n    shape: https://example.org/shapes/RoleLabelShape\n"
                              "    component: MinCount\n  reason: names come from HR next week\n"
                              "  owner: hr\n  expires: 2999-12-31\n")
    waived = [(r.shape, r.component_name, r.focus.value) for r in report.results if r.waived_by]
    assert waived == [(SHP + "RoleLabelShape", "MinCount", "https://example.org/data/ghost-role")]


def test_waivers_that_match_nothing_are_reported_as_stale(tmp_path):
    report = _waive(tmp_path, "- fingerprint: 0000000000000000\n  reason: old\n  owner: me\n"
                              "  expires: 2999-01-01\n")
    assert report.stale_waivers == ["waiver #1 (line 1): 0000000000000000"]
    assert all(r.waived_by is None for r in report.results)


def test_a_waivers_file_that_is_not_yaml_names_the_line(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("- fingerprint: [unclosed\n  reason: x\n")
    with pytest.raises(WaiverFileError, match=r"w.yaml:\d+:\d+"):
        load_waivers(path)


def test_an_expires_with_a_time_of_day_is_not_a_date_and_suppresses_nothing(tmp_path):
    # YAML reads 2026-01-01 10:00:00 as a datetime; comparing it with today crashed (fuzz find).
    path = tmp_path / "w.yaml"
    path.write_text("- fingerprint: 0123456789abcdef\n  reason: r\n  owner: o\n"
                    "  expires: 2099-01-01 10:00:00\n")
    [waiver] = load_waivers(path)
    assert waiver.problem == "expires '2099-01-01 10:00:00' is not a date (YYYY-MM-DD)"


def test_a_baseline_fails_only_on_new_findings(tmp_path):
    before = validate([DEFECTS], SHAPES, as_of="2025-01-01")  # the objective review is not yet due
    baseline = tmp_path / "previous.json"
    baseline.write_text(render(before, "json"))
    now = apply_baseline(validate([DEFECTS], SHAPES), load_baseline(baseline))
    new = [(r.shape, r.focus.value) for r in now.active()]
    assert new == [(SHP + "ObjectiveReviewShape", "https://example.org/data/stale-objective")]
    assert now.conforms()  # the only new finding is a Warning
    assert not now.conforms(now.active()[0].severity)


def test_a_baseline_that_is_not_a_report_is_refused(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(BaselineError, match="not a comgraph JSON report"):
        load_baseline(path)


def test_a_control_character_in_the_waivers_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("- fingerprint: 0123456789abcdef\n  reason: a\x1fb\n")
    with pytest.raises(WaiverFileError) as caught:
        load_waivers(path)
    assert str(caught.value) == f"{path}:2:12: not valid YAML (character U+001F is not allowed)"
