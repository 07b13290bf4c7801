"""dashboard.preview: keyed diff between versions, totals before/after, mapping table round trip."""

from __future__ import annotations

import geopandas as gpd
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
