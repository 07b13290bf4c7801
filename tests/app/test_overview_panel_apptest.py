"""The 总览 page: KPI cards with their changes, the alert list, the indicator map and ranking, in zh and en; the
indicator and classification widgets driven by key; the sidebar's policy profile moving lines and alerts."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from dashboard import policy
from dashboard.navigation import page_spec
from tests.app.helpers import metrics, open_app_page

SPEC = page_spec("overview")



def open_overview(query=None, state=None):
    return open_app_page(SPEC.file, query, state)


def _metrics(at) -> dict[str, str]:
    return metrics(at)


def _html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def _decks(at) -> str:
    return " ".join(d.proto.json for d in at.get("deck_gl_json_chart"))


def _charts(at) -> str:
    """Every chart's spec and its data (Streamlit sends inline data apart, as Arrow tables), as text."""
    parts = []
    for chart in at.get("vega_lite_chart"):
        parts.append(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False))
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            parts.append(table.to_pandas().to_csv(index=False))
    return " ".join(parts)


def test_city_overview_in_chinese():
    at = open_overview()
    assert "总览" in [t.value for t in at.title]
    metrics = _metrics(at)
    assert len(metrics) == 9
    assert metrics["五年供地率"].strip() == "79.22%"
    assert metrics["园区亩均投资强度（2025年）"].strip() == "234.75 万元/亩"
    deltas = {m.label: m.proto.delta for m in at.metric}
    assert deltas["五年供地率"].startswith("+1.84") and "个百分点" in deltas["五年供地率"]
    captions = " ".join(c.value for c in at.caption)
    assert "上季末（2026-06-30）" in captions and "2024年" in captions
    assert "其中近5年批准的未供 11,616.00 亩" in captions
    html = _html(at)
    assert "元江哈尼族彝族傣族自治县" in html and "供地率 36.0% &lt; 40%，暂停非重点项目用地报件" in html
    alerts = next(d.value for d in at.dataframe if "依据条款" in d.value.columns)
    assert alerts.iloc[0]["类别"] == "暂停报件" and alerts["依据条款"].str.len().min() > 0
    assert "红塔区" in _decks(at) and "政策线 0 亩" in _charts(at)
    downloads = {d.key for d in at.get("download_button")}
    assert {"overview_alerts_xlsx", "overview_alerts_csv", "overview_ranking_png", "overview_metric_table_xlsx",
            "overview_metric_table_csv"} <= downloads


def test_county_overview_in_english():
    at = open_overview({"lang": "en", "region": "530428"})
    metrics = _metrics(at)
    assert metrics["Five-year supply rate"].strip() == "36.00%"
    assert "Alerts: counties below a policy line (3)" in [s.value for s in at.subheader]
    html = _html(at)
    assert "supply rate 36.0% &lt; 40%: non-key land applications suspended" in html
    assert "Huaning County" not in html  # only the selected county's alerts
    assert "Yuanjiang Hani, Yi and Dai Autonomous County" in _decks(at)


def test_indicator_and_classification_widgets_drive_map_and_ranking():
    at = open_overview()
    at.selectbox(key="overview_metric").set_value("supply_rate").run()
    assert not at.exception
    charts = _charts(at)
    assert "五年供地率（%）" in charts and "政策线 40%" in charts and "全市 79.22%" in charts
    decks = _decks(at)
    assert "元江哈尼族彝族傣族自治县 36.00%" in decks and "overview-below" in decks
    assert "五年供地率（%），自然断点" in _html(at)
    at.segmented_control(key="overview_scheme").set_value("quantiles").run()
    assert not at.exception
    assert "五年供地率（%），分位数" in _html(at)
    table = next(d.value for d in at.dataframe if "五年供地率（%）" in d.value.columns)
    assert table.iloc[0]["县（市、区）"] == "玉溪市" and len(table) == 10


@pytest.fixture
def strict_ningxia(monkeypatch):
    """The 宁夏 profile with an 80% supply-rate floor (a what-if: no real profile changes the 40%)."""
    read = policy._read

    def patched(profile_id, folder):
        raw = read(profile_id, folder)
        if profile_id == "ningxia":
            raw = {**raw, "params": {**raw.get("params", {}),
                                     "supply_rate_min": {"value": 0.80, "source": "test: 80% floor"}}}
        return raw

    policy.load_profile.cache_clear()
    monkeypatch.setattr(policy, "_read", patched)
    yield
    monkeypatch.undo()
    policy.load_profile.cache_clear()


def test_switching_the_profile_moves_the_supply_rate_line_cards_and_alerts(strict_ningxia):
    at = open_overview(state={"overview_metric": "supply_rate"})
    assert "政策线 40%" in _charts(at)
    assert "供地率 78.0%" not in _html(at)
    at.selectbox(key="profile").set_value("ningxia").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = _charts(at)
    assert "政策线 80%" in charts and "政策线 40%" not in charts
    html = _html(at)
    assert "峨山彝族自治县" in html and "供地率 78.0% &lt; 80%，暂停非重点项目用地报件" in html  # now suspended
    captions = " ".join(c.value for c in at.caption)
    assert "未达到政策线 ≥ 80%" in captions and "宁夏回族自治区" in captions
    alerts = next(d.value for d in at.dataframe if "依据条款" in d.value.columns)
    assert "test: 80% floor" in set(alerts["依据条款"])
