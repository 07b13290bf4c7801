"""The 批而未供与闲置 panel in AppTest: opens in zh and en, and its widgets (driven by key) change what it shows.

The issue's test: "switching profile changes the supply-rate line and flags".  Every shipped profile
(data/policy/*.toml) inherits the 40% supply-rate floor and the 3/7/15% quarterly disposal floors from the
default — no locality's seed publishes other numbers — so switching between shipped profiles cannot move them.
The test therefore adds a strict what-if profile (80%; Q3 55%) to a temporary copy of the policy folder, which
the app then lists in the sidebar's 政策口径 selectbox like any other profile.
"""

from __future__ import annotations

import shutil

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from dashboard import policy
from dashboard.indicators import registry
from dashboard.navigation import page_spec
from tests.app.helpers import frame_with, metric_text, metrics, open_app_page

SPEC = page_spec("stock_land")
STRICT_ID = "zz_strict_test"
STRICT_TOML = f"""
[profile]
id = "{STRICT_ID}"
name_zh = "测试口径（从严）"
name_en = "Test profile (strict)"
extends = "yunnan_yuxi"

[params.supply_rate_min]
value = 0.80
source = "test only"

[params.disposal_rate_quarterly_min]
value = {{ Q2 = 0.10, Q3 = 0.55, Q4 = 0.60 }}
source = "test only"
"""



def open_panel(query=None, state=None):
    return open_app_page(SPEC.file, query, state)




def chart_rows(at: AppTest) -> list[dict]:
    """Every row of every chart's datasets (Arrow in the proto)."""
    rows = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            rows += convert_arrow_bytes_to_pandas_df(dataset.data.data).to_dict("records")
    return rows


def policy_lines(at: AppTest) -> set[str]:
    """Labels of the red policy lines drawn on the charts ("下限 40%", …)."""
    return {row["text"] for row in chart_rows(at) if isinstance(row.get("text"), str) and "%" in row["text"]}


def flag(at: AppTest, county: str, column: str = "暂停报件") -> str:
    table = frame_with(at, "暂停报件")
    return table.loc[table["区域"] == county, column].iloc[0]


@pytest.fixture
def strict_profile(tmp_path):
    """A copy of the policy folder with a strict what-if profile, used by every caller of the policy module."""
    for path in policy.POLICY_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    (tmp_path / f"{STRICT_ID}.toml").write_text(STRICT_TOML, encoding="utf-8")
    ids_defaults = policy.profile_ids.__defaults__
    load_defaults = policy.load_profile.__wrapped__.__defaults__
    # Patch the functions' default folder, not a module name: every module imported them by name.
    policy.profile_ids.__defaults__ = (tmp_path,)
    policy.load_profile.__wrapped__.__defaults__ = (policy.DEFAULT_PROFILE, tmp_path)
    policy.load_profile.cache_clear()
    try:
        yield STRICT_ID
    finally:
        policy.profile_ids.__defaults__ = ids_defaults
        policy.load_profile.__wrapped__.__defaults__ = load_defaults
        policy.load_profile.cache_clear()


def test_page_opens_in_chinese_with_every_section():
    at = open_panel()
    headings = [s.value for s in at.subheader]
    for heading in ("批而未供存量与库龄", "近5年供地率", "批而未供和闲置土地处置率（分季度累计）", "“增存挂钩”暂停报件情形",
                    "闲置土地一地一策清单", "批而未供与闲置土地分布", "批 → 供 → 用：批次用地链条"):
        assert heading in headings
    cards = metrics(at)
    assert cards["批而未供（近5年批准）"] == "11,616.00 亩"  # published (seed 000)
    assert cards["近5年供地率"] == "79.22 %"  # published (seed 000)
    assert len(at.get("vega_lite_chart")) == 5 and len(at.get("deck_gl_json_chart")) == 1
    assert {"下限 40%", "下限 3%", "下限 7%", "下限 15%"} <= policy_lines(at)
    assert any(c.value.startswith("依据：五年供地率下限 40%：《玉溪市加强用地要素保障措施机制研究》") for c in at.caption)
    errors = [e.value for e in at.error]
    assert any(e.startswith("华宁县：") and "两项同时未达到7%" in e for e in errors)
    assert any(e.startswith("元江哈尼族彝族傣族自治县：供地率 36.0% < 40%") for e in errors)


def test_page_opens_in_english():
    at = open_panel({"lang": "en"})
    headings = [s.value for s in at.subheader]
    assert "5-year supply rate" in headings and "Idle-land cases (one plan per parcel)" in headings
    assert {"Floor 40%", "Floor 7%"} <= policy_lines(at)
    cases = frame_with(at, "Overdue (days)")
    assert set(cases["Cause"]) <= {"Government", "Enterprise"}
    assert any("supply rate 36.0% < 40%" in e.value for e in at.error)
    # the policy clauses: English punctuation, the Chinese quotation labelled as the original text
    clauses = [c.value for c in at.caption if c.value.startswith("Clause")]
    assert clauses and all("：" not in c.split("Original text (Chinese): ")[0] for c in clauses)
    assert clauses[0].startswith("Clause: Minimum five-year supply rate 40%. Original text (Chinese): 《玉溪市")
    assert any("Q2 3%, Q3 7%, Q4 15%" in c for c in clauses)


def test_switching_profile_changes_the_supply_rate_line_and_flags(strict_profile):
    at = open_panel()
    assert "下限 40%" in policy_lines(at) and "下限 80%" not in policy_lines(at)
    assert flag(at, "峨山彝族自治县") == "✔ 否" and flag(at, "澄江市") == "✔ 否"

    at.selectbox(key="profile").set_value(strict_profile).run()
    assert not at.exception, [e.value for e in at.exception]
    lines = policy_lines(at)
    assert "下限 80%" in lines and "下限 40%" not in lines  # the supply-rate line moved
    assert "下限 55%" in lines and "下限 7%" not in lines  # and the Q3 disposal floor
    assert flag(at, "峨山彝族自治县", "供地率暂停") == "✖ 暂停"  # 78.0% < 80%
    assert flag(at, "澄江市", "供地率暂停") == "✔ 否"  # 80.8% ≥ 80% …
    assert flag(at, "澄江市", "处置率暂停") == "✖ 暂停"  # … but 53.9% and 29.5% are both < 55%
    assert any(e.value.startswith("峨山彝族自治县：供地率 78.0% < 80%") for e in at.error)
    assert metrics(at)["近5年供地率"] == "79.22 %"  # the data did not change

    at.selectbox(key="profile").set_value(policy.DEFAULT_PROFILE).run()
    assert "下限 40%" in policy_lines(at) and flag(at, "峨山彝族自治县") == "✔ 否"


def test_profile_from_the_url_sets_the_lines(strict_profile):
    at = open_panel({"profile": strict_profile, "region": "530426"})
    assert "下限 80%" in policy_lines(at)
    metric = next(m for m in at.metric if m.label == "近5年供地率")
    assert metric_text(metric.value) == "78.00 %"


def test_idle_scope_control_filters_the_case_table():
    at = open_panel()
    open_cases = frame_with(at, "逾期天数（天）")
    at.segmented_control(key="stock_land_idle_scope").set_value("overdue").run()
    overdue = frame_with(at, "逾期天数（天）")
    at.segmented_control(key="stock_land_idle_scope").set_value("all").run()
    every = frame_with(at, "逾期天数（天）")
    assert 0 < len(overdue) < len(open_cases) < len(every)
    assert (overdue["逾期天数（天）"] > 0).all()
    assert set(every["处置状态"]) == {"已认定", "处置中", "已处置"}


def test_chain_picker_shows_the_chosen_approvals_supplies_and_cases():
    from dashboard.io import read_dataset
    from tests.conftest import ROOT

    supplies = read_dataset("supplies", ROOT / "data" / "demo" / "supplies.parquet")
    at = open_panel({"region": "530423"})
    picker = at.selectbox(key="stock_land_chain")
    assert any(option.startswith(f"{picker.value} · ") for option in picker.options)  # options show labels
    approval = supplies.loc[supplies["county_code"] == "530423", "approval_id"].value_counts().index[0]
    picker.set_value(approval).run()
    assert not at.exception
    shown = frame_with(at, "供地编号")
    assert sorted(shown["供地编号"]) == sorted(supplies.loc[supplies["approval_id"] == approval, "supply_id"])
    cards = metrics(at)
    assert cards["供：已供面积"].endswith(" 亩") and cards["用：园区宗地"].endswith(" 宗")


def test_county_view_focuses_its_numbers():
    at = open_panel({"region": "530424"})
    cards = metrics(at)
    assert cards["近5年供地率"] == "72.00 %"
    cases = frame_with(at, "逾期天数（天）")
    assert set(cases["区域"]) <= {"华宁县"}
    assert "华宁县批而未供面积（按批准年份）" in " ".join(m.value for m in at.markdown)


def test_map_layers_or_a_clear_message_for_the_missing_indicator():
    at = open_panel()
    spec = at.get("deck_gl_json_chart")[0].proto.json
    assert '"id":"idle"' in spec and '"id":"idle-markers"' in spec
    if "unsupplied_approvals" in registry():
        assert '"id":"unsupplied"' in spec
    else:
        assert any("unsupplied_approvals" in i.value for i in at.info)
