"""The 园区与亩均 map's pure part: mapclassify classes, features, legends, the enterprise card and the park table."""

from __future__ import annotations

import json
import math
import warnings

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard import parks_map as pm
from dashboard.demo.ledgers import XSS_ENTERPRISE_NAME
from dashboard.indicators import Context, compute
from dashboard.indicators.per_mu import METRIC_BY_KEY, METRICS, benchmark_value
from dashboard.io import read_dataset
from dashboard.legend import legend_html
from dashboard.maps import TOOLTIP, deck, geojson_layer, view_state
from dashboard.policy import load_profile
from tests.unit.conftest import DEMO_AS_OF

XSS = "<img src=x onerror=alert(1)>"


# ----------------------------------------------------------------------------------------------------------
# classify


VALUES = np.array([3.0, 7.5, 12.0, 15.0, 40.0, 41.0, 44.0, 90.0, 95.0, 300.0, 310.0, 800.0])


@pytest.mark.parametrize(
    ("scheme", "classifier"),
    [("natural_breaks", mapclassify.FisherJenks), ("quantiles", mapclassify.Quantiles),
     ("equal_interval", mapclassify.EqualInterval)],
)
def test_classify_uses_the_mapclassify_bins(scheme, classifier):
    got = pm.classify(VALUES, 4, scheme, "万元/亩")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Numba not installed"
        expected = classifier(VALUES, k=4)
    np.testing.assert_allclose(got.bins, expected.bins)
    np.testing.assert_array_equal(got.classes, expected.yb)
    assert got.counts == tuple(np.bincount(expected.yb, minlength=4))
    assert got.k == 4 and got.lower == 3.0 and got.missing == 0


def test_labels_carry_the_unit_and_chain_the_bounds():
    got = pm.classify(VALUES, 3, "natural_breaks", "万元/亩")
    assert len(got.labels) == 3
    assert all(label.endswith(" 万元/亩") for label in got.labels)
    assert got.labels[0].startswith("3 – ")
    # Each class starts where the previous one ends.
    for previous, label in zip(got.labels, got.labels[1:], strict=False):
        assert label.split(" – ")[0] == previous.split(" – ")[1].removesuffix(" 万元/亩")
    assert got.labels[-1].endswith("800 万元/亩")


def test_percent_labels_have_no_space_before_the_sign():
    got = pm.classify([0.5, 1.0, 2.5, 4.0], 2, "equal_interval", "%")
    assert all(label.endswith("%") and not label.endswith(" %") for label in got.labels)


def test_natural_breaks_are_deterministic():
    rng = np.random.default_rng(7)
    values = rng.lognormal(5, 1, 300)
    first = pm.classify(values, 5, "natural_breaks")
    assert all(pm.classify(values, 5, "natural_breaks").bins == first.bins for _ in range(3))


def test_missing_values_get_no_class():
    values = pd.Series([1.0, None, 2.0, np.nan, 10.0, np.inf, 11.0], dtype="object")
    got = pm.classify(values, 2, "natural_breaks", "%")
    assert got.missing == 3
    assert list(got.classes) == [0, -1, 0, -1, 1, -1, 1]
    assert sum(got.counts) == 4


def test_constant_column_is_one_class_without_error():
    for scheme in pm.SCHEMES:  # EqualInterval and FisherJenks raise on constant input by themselves
        got = pm.classify([5.0, 5.0, 5.0, None], 5, scheme, "万元/亩")
        assert got.k == 1 and got.bins == (5.0,)
        assert list(got.classes) == [0, 0, 0, -1]
        assert got.labels == ("5.00 万元/亩",)


@pytest.mark.parametrize("scheme", pm.SCHEMES)
def test_more_classes_than_distinct_values(scheme):
    got = pm.classify([1.0, 1.0, 2.0, 2.0, 3.0], 7, scheme, "亩")
    assert 1 <= got.k <= 3
    assert len(got.labels) == got.k == len(got.counts)
    assert sum(got.counts) == 5
    assert set(got.classes) <= set(range(got.k))


def test_no_value_at_all_gives_no_class():
    got = pm.classify([None, np.nan], 5)
    assert got.k == 0 and got.labels == () and got.missing == 2
    assert list(got.classes) == [-1, -1]


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="scheme"):
        pm.classify(VALUES, 5, "head_tail")


def test_large_inputs_use_a_deterministic_sample_for_jenks():
    values = np.random.default_rng(3).lognormal(3, 1, pm.JENKS_SAMPLE * 20)
    got = pm.classify(values, 5, "natural_breaks")
    assert got.k == 5 and sum(got.counts) == values.size
    assert got.bins[-1] == pytest.approx(values.max())
    assert pm.classify(values, 5, "natural_breaks").bins == got.bins


def test_ramp_goes_from_light_to_dark():
    for k in range(1, 8):
        colours = pm.ramp(k)
        assert len(colours) == k
        brightness = [sum(c) for c in colours]
        assert brightness == sorted(brightness, reverse=True)


# ----------------------------------------------------------------------------------------------------------
# Features and legends


def _square(x: float, y: float, size: float = 0.001):
    return shapely.box(x, y, x + size, y + size)


@pytest.fixture
def small_frame():
    return gpd.GeoDataFrame(
        {
            "parcel_id": ["G1", "G2", "G3", "G4"],
            "enterprise_id": ["E1", "E2", "E3", "E4"],
            "enterprise_name": [XSS, "玉溪甲公司", None, "玉溪丁公司"],
            "invest_per_mu_wan": [100.0, 250.0, np.nan, 400.0],
            "grade": ["A", "D", None, "B"],
        },
        geometry=[_square(102.5, 24.3), _square(102.51, 24.3), _square(102.52, 24.3), None],
        crs="EPSG:4326",
    )


def test_features_keep_names_as_plain_text(small_frame):
    data = pm.parcel_features(small_frame, pm.GRADE)
    props = [f["properties"] for f in data["features"]]
    assert [p["id"] for p in props] == ["G1", "G2", "G3"]  # G4 has no geometry
    assert props[0]["name"] == XSS  # stored as data, never turned into markup
    assert props[2]["name"] == "E3"  # no name: the enterprise id
    assert all(set(p) >= {"name", "id", "fill", "line", "width"} for p in props)
    text = json.dumps(data, ensure_ascii=False)
    assert "onerror" in text and "<img" in text  # the text itself, unchanged (deck.gl shows it as text)


def test_grade_colours_and_grey_for_missing(small_frame):
    props = [f["properties"] for f in pm.parcel_features(small_frame, pm.GRADE)["features"]]
    assert props[0]["fill"][:3] == list(pm.GRADE_COLOURS["A"])
    assert props[1]["fill"][:3] == list(pm.GRADE_COLOURS["D"])
    assert props[2]["fill"][:3] == list(pm.MISSING_COLOUR)
    assert props[2]["fill"][3] < props[0]["fill"][3]


def test_metric_colours_follow_the_classes(small_frame):
    classes = pm.classify(small_frame["invest_per_mu_wan"], 3, "equal_interval", "万元/亩")
    props = [f["properties"] for f in pm.parcel_features(small_frame, "invest_per_mu", classes)["features"]]
    ramp = pm.ramp(classes.k)
    assert props[0]["fill"][:3] == list(ramp[classes.classes[0]])
    assert props[1]["fill"][:3] == list(ramp[classes.classes[1]])
    assert props[2]["fill"][:3] == list(pm.MISSING_COLOUR)


def test_metric_colouring_needs_a_matching_classification(small_frame):
    with pytest.raises(ValueError):
        pm.parcel_features(small_frame, "invest_per_mu")
    with pytest.raises(ValueError):
        pm.parcel_features(small_frame, "invest_per_mu", pm.classify([1.0, 2.0], 2))


def test_deck_tooltip_stays_a_text_template(small_frame):
    layer = geojson_layer("enterprises", pm.parcel_features(small_frame, pm.GRADE))
    chart = deck([layer], view_state((102.5, 24.3, 102.53, 24.31), 500))
    # Streamlit sends ``_tooltip`` beside the spec; a "text" template is rendered as text, never as HTML.
    assert chart._tooltip == TOOLTIP == {"text": "{name}\n{id}"}
    assert XSS in chart.to_json()


def test_legends_escape_their_texts(small_frame):
    classes = pm.classify(small_frame["invest_per_mu_wan"], 3, "quantiles", "万元/亩")
    metric = pm.metric_legend(classes, METRIC_BY_KEY["invest_per_mu"], "zh")
    assert metric.title == "亩均投资强度 · 分位数"
    assert all("万元/亩" in item.label for item in metric.items[:-1])
    assert metric.items[-1].label == "无数据（1 宗）"
    grades = pm.grade_legend(small_frame, "en")
    assert [item.label for item in grades.items][:1] == ["A — priority development (1 parcels)"]
    assert grades.items[-1].label == "No data (1 parcels)"
    out = legend_html([metric, grades])
    assert "<img" not in out


def test_metric_labels_have_units_in_both_languages():
    for metric in METRICS:
        for lang in ("zh", "en"):
            label = pm.metric_label(metric, lang)
            unit = pm.unit_label(metric, lang)
            assert (unit in label) if unit else label == pm.metric_label(metric, lang, with_unit=False)
    assert pm.metric_label("invest_per_mu") == "亩均投资强度（万元/亩）"
    assert pm.metric_label("invest_per_mu", "en") == "Investment per mu (10k yuan/mu)"
    assert pm.metric_label("floor_area_ratio") == "容积率"


def test_format_value():
    assert pm.format_value(None, "万元/亩") == "—"
    assert pm.format_value(float("nan"), "%") == "—"
    assert pm.format_value(pd.NA, "%") == "—"
    assert pm.format_value(1233.6318, "万元/亩", 2) == "1,233.63 万元/亩"
    assert pm.format_value(34.22, "%", 2) == "34.22%"


# ----------------------------------------------------------------------------------------------------------
# Over the demo data and the engine


@pytest.fixture(scope="module")
def demo(demo_engine):
    ctx = Context(engine=demo_engine, profile=load_profile(), as_of=DEMO_AS_OF)
    return {
        "ctx": ctx,
        "parcels": read_dataset("park_parcels", demo_engine.paths["park_parcels"]),
        "metrics": compute("per_mu_enterprise", ctx),
        "grades": compute("enterprise_grades", ctx),
        "parks": compute("per_mu_park", ctx),
    }


def test_enterprise_parcels_join_geometry_and_grade(demo):
    metrics, grades = demo["metrics"], demo["grades"]
    before = metrics.copy()
    frame = pm.enterprise_parcels(demo["parcels"], metrics, grades)
    pd.testing.assert_frame_equal(metrics, before)  # shared engine table untouched
    assert len(frame) == len(metrics)
    assert list(frame["parcel_id"]) == list(metrics["parcel_id"])
    assert frame.geometry.notna().all()
    by_id = grades.set_index("parcel_id")
    np.testing.assert_allclose(frame["score"], by_id.loc[frame["parcel_id"], "score"])
    assert (frame["grade"].to_numpy() == by_id.loc[frame["parcel_id"], "grade"].to_numpy()).all()
    year = int(metrics["year"].iloc[0])
    parcels = demo["parcels"]
    same_year = parcels[parcels["year"] == year].set_index("parcel_id").geometry
    assert frame.geometry.iloc[0].equals(same_year.loc[frame["parcel_id"].iloc[0]])


def test_demo_features_carry_the_xss_name_as_text(demo):
    frame = pm.enterprise_parcels(demo["parcels"], demo["metrics"], demo["grades"])
    classes = pm.classify(frame["invest_per_mu_wan"], 5, "natural_breaks", "万元/亩")
    names = [f["properties"]["name"] for f in pm.parcel_features(frame, "invest_per_mu", classes)["features"]]
    assert len(names) == len(frame)
    assert XSS_ENTERPRISE_NAME in names


def test_enterprise_card_numbers_are_the_indicator_values(demo):
    metrics, grades, profile = demo["metrics"], demo["grades"], demo["ctx"].profile
    for parcel_id in metrics["parcel_id"].iloc[::37]:
        card = pm.enterprise_card(parcel_id, metrics, grades, profile)
        row = metrics[metrics["parcel_id"] == parcel_id].iloc[0]
        graded = grades[grades["parcel_id"] == parcel_id].iloc[0]
        assert card.parcel_id == parcel_id and card.enterprise_name == row["enterprise_name"]
        assert card.score == pytest.approx(graded["score"])
        assert card.rank == graded["rank"] and card.grade == graded["grade"] and card.ranked == len(grades)
        assert card.area_mu == pytest.approx(row["area_mu"])
        assert [r.key for r in card.rows] == [m.key for m in METRICS]
        for card_row, metric in zip(card.rows, METRICS, strict=True):
            value = row[metric.column]
            if pd.isna(value):
                assert card_row.value is None and card_row.below is None
            else:
                assert card_row.value == pytest.approx(value)
            assert card_row.benchmark == benchmark_value(metric, profile)
            if metric.benchmark is None or pd.isna(row[f"{metric.key}_to_benchmark"]):
                assert card_row.ratio is None
            else:
                assert card_row.ratio == pytest.approx(row[f"{metric.key}_to_benchmark"])
                assert card_row.below == (value < card_row.benchmark)


def test_card_flags_the_investment_benchmark(demo):
    metrics, grades, profile = demo["metrics"], demo["grades"], demo["ctx"].profile
    below = metrics[metrics["invest_below_benchmark"]].iloc[0]
    card = pm.enterprise_card(below["parcel_id"], metrics, grades, profile)
    invest = card.rows[0]
    assert invest.key == "invest_per_mu" and invest.benchmark == 280.0 and invest.below is True
    table = pm.card_table(card, "zh")
    assert table.loc[0, "benchmark"] == "280.00 万元/亩"
    assert table.loc[0, "compare"] == "低于基准"
    assert table.loc[0, "ratio"] == f"{below['invest_per_mu_to_benchmark']:.2f} 倍"


def test_card_shows_a_dash_for_missing_values(demo):
    metrics, grades, profile = demo["metrics"], demo["grades"], demo["ctx"].profile
    missing = metrics[metrics["rd_intensity_pct"].isna()].iloc[0]
    card = pm.enterprise_card(missing["parcel_id"], metrics, grades, profile)
    table = pm.card_table(card, "en").set_index("metric")
    assert table.loc["R&D intensity", "value"] == "—"
    assert table.loc["R&D intensity", "ratio"] == "—"
    assert table.loc["R&D intensity", "benchmark"] == "2.00%"
    assert table.loc["Plot ratio", "benchmark"] == "—"
    assert table.loc["Plot ratio", "compare"] == "None set"


def test_card_of_an_unknown_parcel_is_none(demo):
    assert pm.enterprise_card("NOPE", demo["metrics"], demo["grades"], demo["ctx"].profile) is None


def test_park_comparison_uses_the_profile_standards(demo):
    table = pm.park_comparison(demo["parks"], demo["ctx"].profile)
    assert list(table["park_id"]) == sorted(demo["parks"]["park_id"])
    assert (table["invest_benchmark"] == 280.0).all() and (table["output_benchmark"] == 400.0).all()
    yimen = table[table["park_name"] == "云南易门工业园区"].iloc[0]
    assert yimen["invest_per_mu_wan"] == pytest.approx(150.4, abs=0.01)
    assert yimen["output_per_mu_wan"] == pytest.approx(316.8, abs=0.01)
    assert bool(yimen["invest_below_benchmark"]) and bool(yimen["output_below_benchmark"])
    one = pm.park_comparison(demo["parks"], demo["ctx"].profile, county="530425")
    assert list(one["park_name"]) == ["云南易门工业园区"]
    assert math.isclose(one["area_mu"].iloc[0], yimen["area_mu"])


def test_focus_bounds_keeps_the_park_parts_holding_parcels():
    near, far = shapely.box(102.0, 24.0, 102.01, 24.01), shapely.box(102.5, 24.5, 102.51, 24.51)
    empty_park = shapely.box(103.0, 25.0, 103.02, 25.02)
    parks = gpd.GeoDataFrame({"park_id": ["P1", "P2"]}, geometry=[shapely.MultiPolygon([near, far]), empty_park],
                             crs="EPSG:4326")
    parcels = gpd.GeoDataFrame({"parcel_id": ["G1"]}, geometry=[_square(102.002, 24.002)], crs="EPSG:4326")
    # P1's far part holds no parcel; P2 has none at all, so it is kept whole.
    assert pm.focus_bounds(parks, parcels) == pytest.approx((102.0, 24.0, 103.02, 25.02))
    assert pm.focus_bounds(parks.iloc[:1], parcels) == pytest.approx((102.0, 24.0, 102.01, 24.01))
    nothing = parcels.iloc[:0]
    assert pm.focus_bounds(parks.iloc[:1], nothing) == pytest.approx((102.0, 24.0, 102.51, 24.51))
    outside = gpd.GeoDataFrame({"parcel_id": ["G9"]}, geometry=[_square(101.0, 23.0)], crs="EPSG:4326")
    assert pm.focus_bounds(parks.iloc[:1], outside) == pytest.approx((101.0, 23.0, 102.51, 24.51))


def test_supply_link_follows_the_parcel_to_its_supply_and_approval():
    parcels = pd.DataFrame({"parcel_id": ["G1", "G1", "G2", "G3"], "supply_id": ["S1", "S1", None, " "]})
    supplies = pd.DataFrame({"supply_id": ["S1"], "approval_id": ["云政土〔2022〕45号"]})
    assert pm.supply_link("G1", parcels, supplies) == ("S1", "云政土〔2022〕45号")
    assert pm.supply_link("G2", parcels, supplies) == (None, None)
    assert pm.supply_link("G3", parcels, supplies) == (None, None)  # blank is no key
    assert pm.supply_link("G1", parcels, None) == ("S1", None)
    assert pm.supply_link("G1", parcels.drop(columns="supply_id"), supplies) == (None, None)


def test_map_view_fitted_to_its_column_shows_every_parcel_and_its_park(demo, demo_engine):
    from dashboard.layout import MAIN_WIDTH_PX, column_width
    from dashboard.maps import visible_bounds

    assert pm.MAP_WIDTH_PX == column_width(pm.MAP_COLUMNS, 0, pm.MAP_GAP) < MAIN_WIDTH_PX
    parks = read_dataset("parks", demo_engine.paths["parks"])
    frame = pm.drawable(pm.enterprise_parcels(demo["parcels"], demo["metrics"], demo["grades"]))
    bounds = pm.focus_bounds(parks, frame)
    view = view_state(bounds, height_px=600, width_px=pm.MAP_WIDTH_PX)
    minx, miny, maxx, maxy = visible_bounds(view, pm.MAP_WIDTH_PX, 600)
    assert minx < bounds[0] and miny < bounds[1] and maxx > bounds[2] and maxy > bounds[3]
    for parcel in frame.geometry.bounds.itertuples(index=False):
        assert minx < parcel.minx and maxx > parcel.maxx and miny < parcel.miny and maxy > parcel.maxy


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scheme_selector_and_fit_button_have_room_for_their_texts(lang):
    from dashboard.layout import column_widths, max_text_width_px

    widths = column_widths(pm.CONTROL_COLUMNS)
    for control, (column, kind, texts) in pm.control_texts(lang).items():
        needed = max_text_width_px(texts, 16) + pm.CONTROL_CHROME_PX[kind]
        assert needed <= widths[column], (control, needed, widths[column])
