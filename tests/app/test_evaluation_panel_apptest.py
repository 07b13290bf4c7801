"""The 节约集约评价 page: verdicts against the profile's lines, the profile switch moving them, the county view and
the county comparison driven by its selectbox."""

import json

import pandas as pd
import pyarrow as pa
import pytest

from dashboard.navigation import page_spec
from dashboard.policy import load_profile
from tests.app.helpers import metric_text, open_app_page

SPEC = page_spec("evaluation")



def open_evaluation(query=None, state=None):
    return open_app_page(SPEC.file, query, state)


def statements(at) -> str:
    return "\n".join(box.value for box in [*at.success, *at.warning, *at.info])


def chart_data(chart, column: str) -> pd.DataFrame:
    """The dataset of a rendered Altair chart that has ``column`` (Streamlit ships datasets as Arrow)."""
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return next(f for f in frames if column in f.columns)


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec).get("title", {}).get("text", "") for c in at.get("vega_lite_chart")]


def test_city_in_chinese_states_each_line_and_has_every_chart():
    at = open_evaluation()
    text = statements(at)
    name = load_profile().name("zh")
    # Demo city 2025: 4.84% decline against the default (Hefei) 5% line.
    assert f"2025年单位GDP建设用地下降 4.84%，未达到年下降 5% 的目标（政策口径：{name}）。" in text
    assert "2025年土地开发强度 5.52%，未超过 15% 的上限" in text
    assert "2025年存量用地供应占比 54.46%，低于 70% 的目标 15.54 个百分点" in text
    assert len(at.get("vega_lite_chart")) == 7  # six series and the county comparison
    assert "- - 目标 ≥ 5%" in chart_titles(at)
    labels = [m.label for m in at.metric]
    assert "2025年地均GDP" in labels and len(labels) == 6
    gdp = next(m for m in at.metric if m.label == "2025年地均GDP")
    assert metric_text(gdp.value).strip() == "22.91 万元/亩" and gdp.delta.strip() == "+1.11 万元/亩"


def test_english_page_renders():
    at = open_evaluation({"lang": "en"})
    assert "2025: construction land per unit of GDP fell 4.84%, short of the 5% yearly decline target" in statements(at)
    assert any(m.label == "GDP per mu of construction land, 2025" for m in at.metric)


def test_switching_the_profile_moves_the_lines_and_the_statements():
    at = open_evaluation()
    assert "未达到年下降 5% 的目标" in statements(at)
    assert "未超过 15% 的上限" in statements(at)
    at.selectbox(key="profile").set_value("jiangsu").run()
    assert not at.exception, [e.value for e in at.exception]
    jiangsu = load_profile("jiangsu")
    text = statements(at)
    # Jiangsu (seed 001): −33% over 2016–20 ≈ 7.7% a year; development intensity capped at 19.2% outside the zones.
    assert f"未达到年下降 {jiangsu['land_per_gdp_decline_min'] * 100:g}% 的目标（政策口径：{jiangsu.name('zh')}）" in text
    assert f"未超过 {jiangsu['development_intensity_max'] * 100:g}% 的上限" in text
    assert "年下降 5% 的目标" not in text
    titles = chart_titles(at)
    assert "- - 目标 ≥ 7.7%" in titles and "- - 上限 ≤ 19.2%" in titles and "- - 目标 ≥ 5%" not in titles
    assert any("上限 ≤ 19.2%" in c.value for c in at.caption)  # the KPI card's note moved too


def test_profile_and_county_from_the_url():
    at = open_evaluation({"region": "530424", "profile": "jiangsu"})
    text = statements(at)
    assert "2025年单位GDP建设用地下降 3.35%，未达到年下降 7.7% 的目标" in text
    assert "2025年人均城镇工矿用地 130.14 平方米/人，超过 125 平方米/人 的上限 5.14 平方米/人" in text
    assert any(s.value.startswith("华宁县") for s in at.subheader)
    bars = chart_data(at.get("vega_lite_chart")[-1], "selected")
    assert bars.loc[bars["selected"], "region_code"].tolist() == ["530424"]  # outlined in the comparison


@pytest.mark.parametrize(("metric", "column", "misses"), [
    # The demo's designed misses (dashboard/demo/ledgers.py).
    ("land_per_gdp_decline", "单位GDP建设用地年下降率（%）", {"华宁县", "峨山彝族自治县", "新平彝族傣族自治县",
                                                         "元江哈尼族彝族傣族自治县"}),
    ("per_capita", "人均城镇工矿用地（平方米/人）", {"江川区", "华宁县", "易门县", "新平彝族傣族自治县",
                                               "元江哈尼族彝族傣族自治县"}),
])
def test_county_comparison_follows_its_selectbox(metric, column, misses):
    at = open_evaluation()
    at.selectbox(key="evaluation_metric").set_value(metric).run()
    assert not at.exception, [e.value for e in at.exception]
    ranking = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert column in ranking.columns and len(ranking) == 9
    assert set(ranking.loc[ranking["评价"] == "未达标", "区县"]) == misses
    assert ranking["排名"].tolist() == list(range(1, 10))
