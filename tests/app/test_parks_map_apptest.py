"""AppTest of the 园区与亩均 page: colour by a metric → classed legend; ``?park=`` and ``?parcel=`` links → the
park's map and the enterprise card, in Chinese and English, data shown as text."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.parks_map import CLASSES_KEY, COLOUR_KEY, PARK_KEY, SCHEME_KEY
from components.stock_land_panel import CHAIN_KEY
from dashboard.demo.ledgers import XSS_ENTERPRISE_NAME
from dashboard.i18n import t
from dashboard.navigation import page_spec
from tests.app.helpers import open_app_page

SPEC = page_spec("parks")
XSS_PARCEL = "530402003001GB00006"  # the demo enterprise named <img src=x onerror=alert(1)>…


def open_parks(query: dict | None = None) -> AppTest:
    return open_app_page(SPEC.file, query)


def html_text(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def query(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def table(at: AppTest, first_column: str):
    """The table whose first column is ``first_column`` (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if df.value.columns[0] == first_column)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_metric_legend_and_card_render(lang):
    at = open_parks({"lang": lang, "park": "P01", "parcel": XSS_PARCEL})
    assert t(SPEC.title_key, lang) in [title.value for title in at.title]
    assert at.selectbox(key=PARK_KEY).value == "P01"
    # Grade legend first.
    assert t("parks_map.grade_label.A", lang) in html_text(at)

    at.selectbox(key=COLOUR_KEY).set_value("invest_per_mu").run()
    assert not at.exception, [e.value for e in at.exception]
    legend = html_text(at)
    unit = t("parks_map.unit.wan_per_mu", lang)
    assert t("parks_map.metric.invest_per_mu", lang) in legend
    assert legend.count(unit) >= 3  # one label per class
    assert t("parks_map.scheme_name.natural_breaks", lang) in legend

    # The enterprise card of the linked parcel: its name escaped, its metrics against the benchmarks.
    assert "&lt;img src=x onerror=alert(1)&gt;" in legend
    assert "<img src=x" not in legend
    facts = table(at, "")
    assert XSS_PARCEL in facts.iloc[:, 1].tolist()
    metrics = table(at, t("parks_map.card.metric", lang))
    assert list(metrics.columns) == [t(f"parks_map.card.{c}", lang)
                                     for c in ("metric", "value", "benchmark", "ratio", "compare")]
    assert metrics.iloc[0, 2] == f"280.00 {unit}"
    assert metrics.iloc[0, 0] == t("parks_map.metric.invest_per_mu", lang)
    assert [m.label for m in at.metric][:2] == [t(f"parks_map.card.{k}", lang) for k in ("grade", "score")]
    assert t("parks_map.card.rank", lang) in facts.iloc[:, 0].tolist()

    # The parks against the two standards.
    comparison = table(at, t("parks_map.parks.park", lang))
    assert len(comparison) == 5
    assert t("parks_map.parks.invest", lang) in comparison.columns


def test_every_metric_and_scheme_renders():
    at = open_parks()
    for metric in ("output_per_mu", "floor_area_ratio", "building_density", "rd_intensity"):
        at.selectbox(key=COLOUR_KEY).set_value(metric).run()
        assert not at.exception, (metric, [e.value for e in at.exception])
    for scheme in ("quantiles", "equal_interval"):
        at.selectbox(key=SCHEME_KEY).set_value(scheme).run()
        assert not at.exception, (scheme, [e.value for e in at.exception])
        assert t(f"parks_map.scheme_name.{scheme}", "zh") in html_text(at)
    at.select_slider(key=CLASSES_KEY).set_value(7).run()
    assert not at.exception
    # R&D intensity is missing for some enterprises: they are counted as "no data".
    assert t("parks_map.missing", "zh") in html_text(at)
    assert "%" in html_text(at)


def test_park_choice_goes_into_the_url():
    at = open_parks()
    assert query(at, "park") is None
    assert t("parks_map.card.empty", "zh") in [c.value for c in at.caption]
    at.selectbox(key=PARK_KEY).set_value("P03").run()
    assert query(at, "park") == "P03"
    assert not at.exception
    at.selectbox(key=PARK_KEY).set_value("all").run()
    assert query(at, "park") is None


def test_county_limits_the_parks_and_ignores_a_foreign_park():
    at = open_parks({"region": "530425", "park": "P01"})  # P01 is in 红塔区, not in 易门县
    park = at.selectbox(key=PARK_KEY)
    assert park.options == [t("parks_map.all_parks", "zh", count=1), "云南易门工业园区"]
    assert park.value == "all"
    comparison = table(at, t("parks_map.parks.park", "zh"))
    assert list(comparison.iloc[:, 0]) == ["云南易门工业园区"]


def test_county_without_park_says_so():
    at = open_parks({"region": "530424"})  # 华宁县: no park
    assert t("parks_map.no_parks", "zh") in [i.value for i in at.info]


def test_stale_parcel_link_is_reported():
    at = open_parks({"parcel": "NO-SUCH-PARCEL"})
    assert t("parks_map.card.missing", "zh", parcel="NO-SUCH-PARCEL") in [i.value for i in at.info]


def test_name_stays_text_in_the_card_table():
    at = open_parks({"park": "P01", "parcel": XSS_PARCEL})
    assert XSS_ENTERPRISE_NAME.replace("<", "&lt;").replace(">", "&gt;") in html_text(at)
    assert XSS_ENTERPRISE_NAME not in html_text(at)


def test_sidebar_policy_profile_drives_the_card_and_the_park_table():
    at = open_parks({"park": "P03", "parcel": "530425005001GB00004"})
    at.selectbox(key="profile").set_value("ningxia").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "「宁夏回族自治区」" in captions
    assert "云南省·玉溪市" not in captions


LINKED_PARCEL = "530402003001GB00003"  # demo parcel granted on supply 5304022023B00005 of 云政土〔2022〕45号


def test_card_links_to_the_chain_of_its_approval():
    at = open_parks({"park": "P01", "parcel": LINKED_PARCEL})
    facts = table(at, "")
    values = dict(zip(facts.iloc[:, 0], facts.iloc[:, 1]))
    assert values[t("parks_map.card.supply", "zh")] == "5304022023B00005"
    assert values[t("parks_map.card.approval", "zh")] == "云政土〔2022〕45号"
    link = next(p for p in at.get("page_link") if "云政土〔2022〕45号" in p.proto.label)
    assert "approval=" in link.proto.page or link.proto.page.endswith("stock_land")


def test_stock_land_chain_opens_on_a_linked_approval():
    at = open_app_page(page_spec("stock_land").file, {"approval": "云政土〔2022〕45号"})
    assert at.selectbox(key=CHAIN_KEY).value == "云政土〔2022〕45号"
