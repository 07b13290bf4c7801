"""The 园区与亩均 panels below the map: the enterprise table and grade cards, the grading simulator (changing a
weight lists the enterprises whose grade changes, exactly those the engine's grading names), 标准地 checks, the
boundary table and the published figures — in Chinese and English, following the map's park."""

from __future__ import annotations

import pytest

from dashboard.demo import DEMO_DIR
from dashboard.engine import Engine
from dashboard.indicators import Context, compute
from dashboard.indicators.per_mu import GRADABLE_METRICS
from dashboard.navigation import page_spec
from dashboard.policy import load_profile
from dashboard.views import parks as views
from tests.app.helpers import frame_with, open_app_page
from tests.unit.conftest import DEMO_AS_OF

SPEC = page_spec("parks")
PREFIX = "parks_sim_yunnan_yuxi_0"


def open_parks(query=None):
    return open_app_page(SPEC.file, query)


@pytest.fixture(scope="module")
def expected_rd_only():
    """The grade changes the engine's grading gives when only R&D intensity carries weight (above size)."""
    profile = load_profile()
    metrics = compute("per_mu_enterprise", Context(Engine.from_dir(DEMO_DIR), profile, DEMO_AS_OF))
    rules = views.GradingRules.of(profile)
    weights = {m.key: (100.0 if m.key == "rd_intensity" else 0.0) for m in GRADABLE_METRICS}
    simulated = views.GradingRules(weights, rules.weights_below, rules.benchmarks, rules.cap, rules.bands)
    return views.simulate_grading(metrics, profile, simulated.profile(profile, "test"))


def set_rd_only(at):
    for metric in GRADABLE_METRICS:
        at.number_input(key=f"{PREFIX}_above_{metric.key}").set_value(100.0 if metric.key == "rd_intensity" else 0.0)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_city_panels_in_chinese(expected_rd_only):
    at = open_parks()
    headers = [h.value for h in at.subheader]
    for heading in ("企业亩均效益与综合评价", "分档模拟器", "标准地控制指标核查", "开发区纳入城镇开发边界情况", "与公布数据核对"):
        assert heading in headers
    table = frame_with(at, "全市名次")
    assert table["全市名次"].is_monotonic_increasing and set(table["分档"]) == {"A", "B", "C", "D"}
    cards = {m.label: m.value for m in at.metric}
    assert sum(int(cards[f"{g}"].split()[0]) for g in cards if g.startswith(("A 类", "B 类", "C 类", "D 类"))) \
        == len(table)
    assert "尚未调整" in "\n".join(c.value for c in at.caption)
    assert any("全部由当前数据重算得到" in s.value for s in at.success)
    ubg = frame_with(at, "纳入比例（%）")
    assert ubg["园区"].iloc[-1] == "全部园区" and round(float(ubg["纳入比例（%）"].iloc[-1]), 2) == 44.85

    set_rd_only(at)
    changes = frame_with(at, "模拟分档")
    expected = expected_rd_only.changed
    assert len(changes) == len(expected) > 0
    assert set(changes["宗地编号"]) == set(expected["parcel_id"])
    upgrades = int((expected["change"] > 0).sum())
    assert f"{upgrades} 家" in [m.value for m in at.metric if m.label == "升档"]


def test_simulator_in_english_follows_the_chosen_park(expected_rd_only):
    at = open_parks({"lang": "en", "park": "P01"})
    set_rd_only(at)
    changes = frame_with(at, "Simulated grade")
    in_park = expected_rd_only.changed[expected_rd_only.changed["park_id"] == "P01"]
    assert set(changes["Parcel id"]) == set(in_park["parcel_id"])
    assert set(frame_with(at, "City rank")["Park"]) == {in_park["park_name"].iloc[0]}
    assert "Check against published figures" in [h.value for h in at.subheader]


def test_impossible_rules_get_a_message_not_an_exception():
    at = open_parks()
    for metric in GRADABLE_METRICS:
        at.number_input(key=f"{PREFIX}_below_{metric.key}").set_value(0.0)
    at.run()
    assert not at.exception
    assert any("规下企业的权重合计为 0" in e.value for e in at.error)


def test_switching_the_starting_profile_with_the_same_rules_says_so():
    at = open_parks()
    at.selectbox(key="parks_sim_base").set_value("hefei").run()
    assert not at.exception
    assert any("分档规则与当前口径" in i.value for i in at.info)
