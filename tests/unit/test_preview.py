"""dashboard.preview: keyed diff between versions, totals before/after, mapping table round trip."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from dashboard.mapping import auto_map
from dashboard.preview import (
    apply_overrides,
    audit_table,
    column_options,
    diff_versions,
    mapping_table,
    preview_deck,
    totals_change,
)


def frame(rows):
    return pd.DataFrame(rows, columns=["supply_id", "county_code", "area_mu"])


OLD = frame([("A", "530402", 1.0), ("B", "530402", 2.0), ("C", "530427", None)])


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (OLD.copy(), (0, 0, 0, 3)),
        (frame([("A", "530402", 1.0), ("B", "530402", 2.5), ("C", "530427", None)]), (0, 0, 1, 2)),
        (frame([("A", "530402", 1.0), ("D", "530402", 4.0)]), (1, 2, 0, 1)),
        (frame([("C", "530427", None), ("B", "530402", 2.0), ("A", "530402", 1.0)]), (0, 0, 0, 3)),  # order
        (frame([("A", "530402", 1.0000000000001), ("B", "530402", 2), ("C", "530427", float("nan"))]),
         (0, 0, 0, 3)),  # float noise and NaN == NaN
        (frame([]), (0, 3, 0, 0)),
    ],
    ids=["same", "one-changed", "added-removed", "reordered", "float-noise", "emptied"],
)
def test_diff_counts(new, expected):
    diff = diff_versions(OLD, new, ["supply_id"])
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == expected


def test_diff_samples_carry_the_rows():
    new = frame([("A", "530402", 9.0), ("D", "530402", 4.0)])
    diff = diff_versions(OLD, new, ["supply_id"])
    assert list(diff.sample_added["supply_id"]) == ["D"]
    assert sorted(diff.sample_removed["supply_id"]) == ["B", "C"]
    assert diff.sample_changed.to_dict("records") == [{"supply_id": "A", "county_code": "530402", "area_mu": 9.0}]


def test_diff_without_current_version_adds_everything():
    diff = diff_versions(None, OLD, ["supply_id"], sample=2)
    assert (diff.added, diff.removed, diff.changed) == (3, 0, 0)
    assert len(diff.sample_added) == 2


def test_diff_on_a_composite_key_ignores_geometry_and_one_sided_columns():
    old = gpd.GeoDataFrame({"k1": ["a", "a"], "k2": [1, 2], "v": ["x", "y"], "only_old": [0, 0]},
                           geometry=[Point(0, 0), Point(1, 1)])
    new = gpd.GeoDataFrame({"k1": ["a", "a"], "k2": [1, 3], "v": ["x", "z"]}, geometry=[Point(5, 5), Point(1, 1)])
    diff = diff_versions(old, new, ["k1", "k2"])
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 0, 1)
    assert "geometry" not in diff.sample_added.columns


def test_totals_change_sums_unit_columns():
    new = frame([("A", "530402", 1.0), ("D", "530402", 4.0)])
    table = totals_change(OLD, new, "supplies", "zh", {"rows": "行数"})
    rows = table.set_index("item")
    assert rows.loc["行数", "change"] == -1
    area = next(i for i in rows.index if "mu" in i)
    assert (rows.loc[area, "before"], rows.loc[area, "after"], rows.loc[area, "change"]) == (3.0, 5.0, 2.0)


def test_mapping_table_round_trip_and_override():
    mapping = auto_map(["供地编号", "批准文号", "备注"], "supplies")
    options = column_options("supplies", "zh", "（不导入）")
    labels = {"header": "h", "column": "c", "factor": "f"}
    table = mapping_table(mapping, options, labels)
    assert apply_overrides(mapping, table, options, labels) is mapping  # untouched table: same mapping
    table.loc[table["h"] == "批准文号", "c"] = "（不导入）"
    table.loc[table["h"] == "备注", "c"] = "approval_id · 批准文号"
    changed = apply_overrides(mapping, table, options, labels)
    assert changed.mapped["approval_id"] == "备注" and changed.origin == "override"
    assert "批准文号" in changed.unmapped


def test_mapping_table_hides_the_geometry_of_a_geo_upload_and_keeps_it_mapped():
    mapping = auto_map(["园区编号", "园区名称", "所在县区代码", "geometry"], "parks")
    assert mapping.mapped["geometry"] == "geometry"
    options = column_options("parks", "zh", "（不导入）")
    labels = {"header": "h", "column": "c", "factor": "f"}
    table = mapping_table(mapping, options, labels, hide=("geometry",))
    assert list(table["h"]) == ["园区编号", "园区名称", "所在县区代码"]
    assert apply_overrides(mapping, table, options, labels).mapped["geometry"] == "geometry"


def test_audit_table_newest_first():
    events = [{"time": "1", "event": "accepted"}, {"time": "2", "event": "publish", "version": "v2"}]
    labels = {c: c for c in ("time", "event", "user", "version", "previous", "original_name", "reason")}
    assert list(audit_table(events, labels)["event"]) == ["publish", "accepted"]


def test_preview_deck_is_offline_and_capped():
    points = gpd.GeoDataFrame({"a": range(5)}, geometry=[Point(102 + i / 10, 24) for i in range(5)], crs=4326)
    deck = preview_deck(points, max_features=3)
    assert deck is not None and deck.map_provider is None
    assert len(deck.layers[0].data["features"]) == 3
    assert preview_deck(pd.DataFrame({"a": [1]})) is None


def test_display_table_shows_words_dates_and_labels():
    from dashboard.io import conform
    from dashboard.preview import display_table

    frame = conform(
        pd.DataFrame(
            {
                "supply_id": ["0001"],
                "approval_id": ["批1"],
                "county_code": ["530402"],
                "supply_date": ["2026-03-01"],
                "area_mu": ["12.5"],
                "method": ["出让"],
            }
        ),
        "supplies",
    )
    zh = display_table(frame, "supplies", "zh")
    assert zh["供地方式（划拨/出让/租赁）"].tolist() == ["出让"]
    assert zh["供地日期"].tolist() == ["2026-03-01"]
    assert zh["供地编号"].tolist() == ["0001"]
    en = display_table(frame, "supplies", "en")
    assert en["Method"].tolist() == ["transfer"]
    assert "Supplied area (mu)" in en.columns


# ------------------------------------------------------------------------------------------ indicator changes


@pytest.fixture
def demo_current(tmp_path, monkeypatch):
    """The current versions as the page sees them with an empty store (the demo data) and their date."""
    from dashboard import store
    from dashboard.context import data_as_of

    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))
    versions = store.current_versions()
    return {name: v.path for name, v in versions.items() if v is not None}, data_as_of(versions)


def fewer_supplies(paths):
    """The demo supplies without 红塔区's supplies since 2023: its five-year supply rate drops."""
    from dashboard.io import read_dataset

    supplies = read_dataset("supplies", paths["supplies"])
    cut = (supplies["county_code"] == "530402") & (supplies["supply_date"] >= "2023-01-01")
    assert cut.any()
    return supplies[~cut].reset_index(drop=True)


def computed(paths, ind_id, as_of):
    from dashboard.engine import Engine
    from dashboard.indicators import Context, compute
    from dashboard.policy import load_profile

    return compute(ind_id, Context(engine=Engine(paths), profile=load_profile(), as_of=as_of))


def test_indicator_changes_are_the_values_the_indicators_compute(demo_current, tmp_path):
    from dashboard.io import to_parquet
    from dashboard.preview import indicator_changes

    paths, as_of = demo_current
    new = fewer_supplies(paths)
    changes = indicator_changes("supplies", paths, new, as_of=as_of, limit=100_000)
    table = changes.table
    assert changes.total == len(table) > 0 and table["error"].isna().all()

    before = computed(paths, "supply_rate_5y", as_of).set_index("region_code")
    after = computed({**paths, "supplies": to_parquet(new, tmp_path / "s.parquet")}, "supply_rate_5y", as_of)
    after = after.set_index("region_code")
    rate = table[(table["indicator"] == "supply_rate_5y") & (table["column"] == "supply_rate_pct")]
    assert set(rate["region"]) == {"红塔区", "玉溪市"}  # the county and the city total; the others unchanged
    for row in rate.itertuples():
        code = before.index[before["region_name"] == row.region][0]
        assert row.before == pytest.approx(before.loc[code, "supply_rate_pct"])
        assert row.after == pytest.approx(after.loc[code, "supply_rate_pct"])
        assert row.change == pytest.approx(row.after - row.before) and row.after < row.before
        assert row.label_zh == "五年供地率" and row.label_en == "Five-year supply rate"
    # Only indicators that read supplies change; row-level tables are not compared.
    assert {"supply_rate_5y", "unsupplied_stock", "disposal_rates_quarterly"} <= set(table["indicator"])
    assert not set(table["indicator"]) & {"landuse_structure", "arable_balance", "gdp_per_land"}
    assert not set(changes.indicators) & {"per_mu_enterprise", "enterprise_grades", "idle_cases", "project_tracking"}
    # Every changed value's largest relative change (∞: no value before) first, then the second ones, …
    values = table[["indicator", "column"]]
    changed = len(values.drop_duplicates())
    assert not values.head(changed).duplicated().any()
    first = table["relative"].head(changed).to_numpy()
    assert (first[:-1] >= first[1:]).all()
    for _, rows in table.groupby(["indicator", "column"]):
        relative = rows["relative"].to_numpy()
        assert (relative[:-1] >= relative[1:]).all()
    # The breakdown within a region is named in both languages.
    aging = table[table["indicator"] == "unsupplied_aging"].iloc[0]
    assert aging["detail_zh"] == aging["detail_en"] and " · " in aging["detail_zh"]


def test_unchanged_data_changes_nothing(demo_current, monkeypatch):
    from dashboard import preview
    from dashboard.io import read_dataset

    monkeypatch.setattr(preview, "aggregate_indicators", lambda: ["supply_rate_5y", "landuse_structure"])
    paths, as_of = demo_current
    same = read_dataset("supplies", paths["supplies"])
    changes = preview.indicator_changes("supplies", paths, same, as_of=as_of)
    assert changes.total == 0 and len(changes.table) == 0
    assert changes.indicators == ("supply_rate_5y", "landuse_structure")


def test_an_indicator_failing_on_the_new_data_is_a_row_not_a_crash(demo_current, monkeypatch):
    from dashboard import preview
    from dashboard.indicators import FUNCTIONS, load_modules

    load_modules()
    paths, as_of = demo_current
    real = FUNCTIONS["supply_rate_5y"]

    def fussy(ctx):
        if ctx.engine.paths["supplies"] != paths["supplies"]:
            raise ValueError("负数面积")
        return real(ctx)

    monkeypatch.setitem(FUNCTIONS, "supply_rate_5y", fussy)
    monkeypatch.setattr(preview, "aggregate_indicators", lambda: ["unsupplied_stock", "supply_rate_5y"])
    changes = preview.indicator_changes("supplies", paths, fewer_supplies(paths), as_of=as_of, limit=3)
    first = changes.table.iloc[0]
    assert first["indicator"] == "supply_rate_5y" and first["error"] == "ValueError: 负数面积"
    assert pd.isna(first["before"]) and pd.isna(first["after"]) and pd.isna(first["relative"])
    assert changes.total > 3 and len(changes.table) == 3  # capped; the count says how many there are
    assert list(changes.table["indicator"]) == ["supply_rate_5y", "unsupplied_stock", "unsupplied_stock"]
    labels = {k: k for k in ("indicator", "region", "detail", "column", "before", "after", "change", "relative")}
    shown = preview.indicator_change_table(changes, "en", labels, "Fails on the new data:")
    assert shown.loc[0, "column"] == "Fails on the new data: ValueError: 负数面积"
    assert shown.loc[0, "indicator"] == "Five-year supply rate"
    assert shown.loc[1, "indicator"] == "Approved but unsupplied land" and shown.loc[1, "column"].endswith("_mu")


def test_indicator_table_changes_match_rows_on_region_and_breakdown():
    from dashboard.preview import _table_changes

    def table(values, shares):
        return pd.DataFrame({
            "region_code": ["5304", "530402", "530402"], "region_name": ["玉溪市", "红塔区", "红塔区"],
            "level": ["city", "county", "county"], "group_zh": ["耕地", "耕地", "园地"],
            "group_en": ["Arable", "Arable", "Garden"], "area_mu": values, "share_pct": shares,
            "meets": [True, False, True],  # flags are not values
        })

    before = table([10.0, 4.0, np.nan], [50.0, 40.0, 10.0])
    after = table([10.0, 5.0, 2.0], [50.0, 40.0, 10.0]).iloc[::-1]  # row order does not matter
    after.loc[0, "meets"] = False
    changes = _table_changes(before, after).sort_values("detail_en").reset_index(drop=True)
    assert changes[["region", "detail_zh", "detail_en", "column"]].to_dict("records") == [
        {"region": "红塔区", "detail_zh": "耕地", "detail_en": "Arable", "column": "area_mu"},
        {"region": "红塔区", "detail_zh": "园地", "detail_en": "Garden", "column": "area_mu"},
    ]
    assert changes["before"].tolist()[0] == 4.0 and np.isnan(changes["before"].tolist()[1])
    assert changes["after"].tolist() == [5.0, 2.0]
    listed = pd.DataFrame({"region_code": ["530402", "530402"], "area_mu": [1.0, 2.0]})  # not a headline table
    assert _table_changes(listed, listed.assign(area_mu=[3.0, 4.0])).empty


def test_frame_fingerprint_sees_values_and_geometry():
    from dashboard.preview import frame_fingerprint

    points = gpd.GeoDataFrame({"a": [1.0, 2.0]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    assert frame_fingerprint(points) == frame_fingerprint(points.copy())
    assert frame_fingerprint(points) != frame_fingerprint(points.assign(a=[1.0, 2.5]))
    assert frame_fingerprint(points) != frame_fingerprint(points.set_geometry([Point(0, 0), Point(1, 2)]))
    assert frame_fingerprint(OLD) != frame_fingerprint(OLD.rename(columns={"area_mu": "price_wan"}))
