"""Helpers shared by the indicator modules (:mod:`dashboard.indicators.common`)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dashboard.indicators.common import lookup

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
