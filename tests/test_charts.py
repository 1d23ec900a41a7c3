"""The scorecard's scales (app/charts.py): round ends, round ticks, one scale per component for
scores and per metric otherwise, the same for every stakeholder; and the page hands them over."""

from __future__ import annotations

import json
import re

import pytest
from comgraph.app.charts import nice_scale, scale_key, shared_scales

from tests.views_support import demo_app

SCORE = "https://w3id.org/comgraph/vocab/unit/score"
PERCENT = "https://w3id.org/comgraph/vocab/unit/percent"


@pytest.mark.parametrize(("values", "domain", "ticks"), [
    ([64, 85, 75, 70], [60, 90], [60, 70, 80, 90]),
    ([74, 83, 75], [70, 85], [70, 75, 80, 85]),
    ([99.2, 99.8, 99.5], [99.2, 99.8], [99.2, 99.4, 99.6, 99.8]),
    ([91, 97.5, 95], [90, 98], [90, 92, 94, 96, 98]),
    ([1200, 4800], [1000, 5000], [1000, 2000, 3000, 4000, 5000]),
    ([-3, 7], [-5, 10], [-5, 0, 5, 10]),
    ([5, 5], [4, 6], [4, 4.5, 5, 5.5, 6]),
])
def test_a_scale_has_round_ends_and_round_ticks(values, domain, ticks) -> None:
    scale = nice_scale(values)
    assert scale.domain == domain and scale.ticks == ticks
    assert scale.domain[0] <= min(values) and max(values) <= scale.domain[1]


def test_a_three_point_dip_stays_small_on_a_shared_score_scale() -> None:
    scale = nice_scale([79, 76, 81, 64, 85, 75])  # one stakeholder's dip among the others' scores
    assert (79 - 76) / (scale.high - scale.low) <= 0.15


def test_scores_share_a_scale_per_component_and_other_units_per_metric() -> None:
    price, satisfaction = "cgac:price", "cgac:satisfaction"
    assert scale_key(price, SCORE, "m:a") == scale_key(price, SCORE, "m:b")
    assert scale_key(price, SCORE, "m:a") != scale_key(satisfaction, SCORE, "m:a")
    assert scale_key(price, PERCENT, "m:availability") != scale_key(price, PERCENT, "m:incidents")
    scales = shared_scales([(scale_key(price, SCORE, "m:a"), [79, 81, 75]),
                            (scale_key(price, SCORE, "m:b"), [64, 70])])
    assert list(scales.values()) == [nice_scale([79, 81, 75, 64, 70])]


def test_the_scorecard_page_gives_every_chart_of_a_shared_scale_the_same_domain() -> None:
    body = demo_app().test_client().get("/scorecard").get_data(as_text=True)
    picture = json.loads(re.search(r'<script id="scorecard-data" type="application/json">(.*?)</script>',
                                   body, re.DOTALL).group(1))
    assert picture["data"].startswith("/views/audit-scorecard.json?")
    domains: dict[str, set] = {}
    for chart in picture["charts"]:
        domains.setdefault(chart["scale"], set()).add(tuple(chart["domain"]))
        assert f'id="{chart["id"]}"' in body
    assert all(len(found) == 1 for found in domains.values())
    satisfaction = [c for c in picture["charts"] if c["title"] == "Stakeholder satisfaction score"]
    assert len(satisfaction) >= 8 and {tuple(c["domain"]) for c in satisfaction} == {(60, 90)}
    # The latest value is printed beside each chart, coloured by whether it met its target.
    assert ('<p class="latest missed" title="Latest measurement, 2026-06-30">'
            '<span class="value">73</span>') in body
