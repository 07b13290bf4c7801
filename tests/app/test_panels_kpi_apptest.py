"""KPI cards keep their whole figure and unit: the value is the full number with its unit a size smaller, and the
card style lets label, value and change wrap instead of ending in "…" on a 1366 px projector."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import metric_text


def _cards(unit: str, per_row: int):
    import streamlit as st

    from components import panels

    with st.columns(per_row)[0]:
        panels.kpi("耕地数量缺口购买成本", 114659.56, unit, delta=-1234.5, higher_is_better=None, status="warn",
                   note="缺口 5,249.98 亩", key="kpi_test_cost")
    panels.kpi("Construction land per unit of GDP, 2025", 436.56, "mu per 100M yuan", delta=-22.2,
               higher_is_better=False, status="warn", note="Cap ≤ 435.83", key="kpi_test_land")
    panels.kpi("Missing", None, "万元", key="kpi_test_missing")
    panels.kpi("Rate", 79.2222, "%", key="kpi_test_rate")
    panels.kpi("Odd unit", 1.0, "a[b]", key="kpi_test_odd")


def test_kpi_shows_the_full_value_and_unit_and_wraps():
    at = AppTest.from_function(_cards, args=("万元", 4), default_timeout=60).run()
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    cost = cards["耕地数量缺口购买成本"]
    assert cost.value == "114,659.56 :small[万元]" and metric_text(cost.value) == "114,659.56 万元"
    assert cost.proto.delta == "-1,234.50 万元"
    land = cards["Construction land per unit of GDP, 2025"]
    assert metric_text(land.value) == "436.56 mu per 100M yuan" and land.proto.delta == "-22.20 mu per 100M yuan"
    assert cards["Missing"].value == "—"
    assert metric_text(cards["Rate"].value) == "79.22 %"
    assert cards["Odd unit"].value == "1.00 :small[a\\[b\\]]" and metric_text(cards["Odd unit"].value) == "1.00 a[b]"
    assert any("⚠" in c.value or ":material/warning:" in c.value for c in at.caption)  # the status note stays
    styles = [h.proto.body for h in at.get("html")]
    assert styles and all("white-space: normal" in s and "text-overflow: clip" in s for s in styles)
