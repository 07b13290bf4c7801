"""Helpers shared by the indicator modules (:mod:`dashboard.indicators.common`)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.indicators.common import lookup, regions_frame, with_city_row, with_city_rows

CODES = ["530402", "530421", "530422", None, "999999"]


@given(st.lists(st.sampled_from(CODES), max_size=30))
def test_lookup_agrees_with_map(keys):
    mapping = pd.Series({"530402": "红塔区", "530421": "江川区", "530422": "澄江市"}, name="region_name")
    series = pd.Series(keys, index=range(10, 10 + len(keys)), dtype="str")
    got = lookup(series, mapping)
    expected = series.map(mapping)
    assert list(got.index) == list(series.index)
    assert got.isna().tolist() == expected.isna().tolist()  # unknown and missing keys stay missing
    assert got.dropna().tolist() == expected.dropna().tolist()


def test_lookup_numbers_and_duplicate_keys():
    mapping = pd.Series([1.5, 2.5, 9.0], index=pd.Index(["a", "b", "a"], dtype="str"))
    got = lookup(pd.Series(["b", "a", "c"], dtype="str"), mapping)
    assert got.tolist()[:2] == [2.5, 1.5] and pd.isna(got.iloc[2])  # the first value of a repeated key wins


def _reference_city_rows(ctx, frame, sums, by, keys):
    """with_city_rows the slow, obvious way: per key, a left merge of the counties and a city sum."""
    regions = regions_frame(ctx)
    counties = regions[regions["level"] == "county"]
    blocks = []
    for key in keys:
        rows = frame[frame[by] == key].groupby("county_code", as_index=False)[sums].sum()
        merged = counties.merge(rows.rename(columns={"county_code": "region_code"}), on="region_code", how="left")
        merged[sums] = merged[sums].fillna(0.0)
        city = regions[regions["level"] == "city"].assign(**{c: merged[c].sum() for c in sums})
        blocks.append(pd.concat([city, merged], ignore_index=True).assign(**{by: key}))
    out = pd.concat(blocks, ignore_index=True)
    rank = {code: i for i, code in enumerate(regions["region_code"])}
    out["_r"] = out["region_code"].map(rank)
    out["_k"] = out[by].map({key: i for i, key in enumerate(keys)})
    return out.sort_values(["_r", "_k"]).drop(columns=["_r", "_k"]).reset_index(drop=True)


RECORD = st.tuples(
    st.sampled_from(["530402", "530403", "530424", "999999"]),  # one code is not a county
    st.sampled_from([2023, 2024, 2025, 2030]),  # one year is not asked for
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))),
    st.floats(0, 1e6, allow_nan=False),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RECORD, max_size=25))
def test_with_city_rows_agrees_with_merging_per_key(demo_ctx, records):
    frame = pd.DataFrame(records, columns=["county_code", "year", "a_mu", "b_mu"])
    frame["county_code"] = frame["county_code"].astype("str")
    keys = [2023, 2024, 2025]
    got = with_city_rows(demo_ctx, frame, ["a_mu", "b_mu"], by="year", keys=keys)
    expected = _reference_city_rows(demo_ctx, frame, ["a_mu", "b_mu"], "year", keys)
    assert got.columns.tolist() == ["region_code", "region_name", "level", "year", "a_mu", "b_mu"]
    assert got[["region_code", "region_name", "level"]].equals(expected[["region_code", "region_name", "level"]])
    assert got["year"].tolist() == expected["year"].tolist()
    for column in ("a_mu", "b_mu"):  # unknown codes and keys left out, missing values count as 0
        assert got[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-9, abs=1e-6)


def test_with_city_row_is_one_block_city_first(demo_ctx):
    frame = pd.DataFrame({"county_code": ["530403", "530403"], "x_mu": [1.0, 2.5]})
    got = with_city_row(demo_ctx, frame, ["x_mu"])
    regions = regions_frame(demo_ctx)
    assert got["region_code"].tolist() == regions["region_code"].tolist()
    assert got.set_index("region_code")["x_mu"].to_dict() == {
        code: (3.5 if code in ("530403", regions["region_code"].iloc[0]) else 0.0) for code in regions["region_code"]
    }
