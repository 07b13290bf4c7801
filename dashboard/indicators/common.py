"""Helpers shared by the indicator modules: regions, city rows, windows, unit conversion."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.indicators import Context

#: 1 公顷 = 15 亩; 1 亩 = 10000/15 m².
MU_PER_HA = 15.0
M2_PER_MU = 10000.0 / 15.0


def m2_to_mu(m2):
    """Square metres → 亩."""
    return np.asarray(m2, dtype=float) / M2_PER_MU if not np.isscalar(m2) else m2 / M2_PER_MU


def mu_to_m2(mu):
    """亩 → square metres."""
    return mu * M2_PER_MU


def ha_to_mu(ha):
    """公顷 → 亩."""
    return ha * MU_PER_HA


def mu_to_ha(mu):
    """亩 → 公顷."""
    return mu / MU_PER_HA


def safe_ratio(numerator, denominator):
    """numerator ÷ denominator, NaN where the denominator is 0 or missing (a rate that is undefined)."""
    num = pd.Series(numerator, dtype="float64") if not np.isscalar(numerator) else numerator
    den = pd.Series(denominator, dtype="float64") if not np.isscalar(denominator) else denominator
    if np.isscalar(num) and np.isscalar(den):
        return float(num) / float(den) if den else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.where(np.asarray(den, dtype=float) == 0, np.nan, out)
    return out


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` for a long column of a few distinct codes: each key's value in ``mapping`` (indexed by
    key), missing where the key is unknown or missing.

    Matched in Arrow (``index_in`` then ``take``), about 7× faster than pandas' ``map`` on a million string keys,
    which row-level tables (one row per enterprise or approval) pay for every name they add.
    """
    mapping = mapping[~mapping.index.duplicated()]
    key_type = pa.array(mapping.index).type
    positions = pc.index_in(pa.array(keys, from_pandas=True).cast(key_type), value_set=pa.array(mapping.index))
    values = pc.take(pa.array(mapping, from_pandas=True), positions)
    return values.to_pandas().set_axis(keys.index).rename(keys.name)


def regions_frame(ctx: Context) -> pd.DataFrame:
    """City and county codes and names (``region_code``, ``region_name``, ``level``), city first."""
    key = "_regions"
    if key not in ctx.cache:
        regions = ctx.engine.to_pandas("regions")
        regions = regions[regions["level"].isin(["city", "county"])]
        frame = pd.DataFrame(
            {
                "region_code": regions["code"].astype(str),
                "region_name": regions["name"].astype(str),
                "level": regions["level"].astype(str),
            }
        )
        frame["_order"] = (frame["level"] != "city").astype(int)
        ctx.cache[key] = frame.sort_values(["_order", "region_code"]).drop(columns="_order").reset_index(drop=True)
    return ctx.cache[key]


def city_code(ctx: Context) -> str:
    """The city's region code."""
    regions = regions_frame(ctx)
    return regions.loc[regions["level"] == "city", "region_code"].iloc[0]


def with_city_row(ctx: Context, by_county: pd.DataFrame, sums: list[str]) -> pd.DataFrame:
    """County rows (``county_code`` + additive ``sums``) completed with every county and a city total row.

    Counties without records get zeros; the city row is the sum.  Returns ``region_code``, ``region_name``,
    ``level`` and the ``sums`` columns; callers derive rates from the summed columns afterwards.
    """
    regions = regions_frame(ctx)
    counties = regions[regions["level"] == "county"]
    merged = counties.merge(
        by_county.rename(columns={"county_code": "region_code"}), on="region_code", how="left"
    )
    merged[sums] = merged[sums].fillna(0.0).astype("float64")
    city = regions[regions["level"] == "city"].copy()
    for col in sums:
        city[col] = float(merged[col].sum())
    return pd.concat([city, merged], ignore_index=True)


def filter_region(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the selected county's rows (``ctx.region``), or everything when the whole city is selected."""
    if ctx.region is None or "region_code" not in frame.columns:
        return frame.reset_index(drop=True)
    return frame[frame["region_code"] == ctx.region].reset_index(drop=True)


def years_back(day: date, years: int) -> date:
    """The day ``years`` years before ``day`` (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def quarter_of(day: date) -> int:
    """Calendar quarter (1–4) of ``day``."""
    return (day.month - 1) // 3 + 1
