"""Economical and intensive land-use evaluation (节约集约评价): land productivity, land per GDP and its decline,
development intensity, urban-industrial land per urban resident, and the stock share of land supply.

Inputs are the yearly county table ``economy`` (small: pandas) and, for development intensity, the county areas
summed from the land-use parcels.  Every table has one row per region and year up to the data date's year; city
rows are computed from summed numerators and denominators.  The pure helpers (:func:`growth_rate`,
:func:`decline_rate`, :func:`average_yearly_decline`) reproduce the published province-level targets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.contracts import get_dataset
from dashboard.indicators import Context, indicator
from dashboard.indicators.common import filter_region, safe_ratio, with_city_rows
from dashboard.indicators.landuse import area_columns, class_areas

#: 1 亿元 = 10⁴ 万元.
WAN_PER_YI = 1e4
#: Comparisons at a target's exact value must not fail on float noise (1 − 95/100 = 0.05000000000000004).
EPS = 1e-9


# -- pure helpers ------------------------------------------------------------------------------------------


def growth_rate(start, end):
    """Relative growth ``end ÷ start − 1`` (e.g. 地均GDP 19.2 → 28.8 万元/亩 is +0.50); NaN when ``start`` is 0."""
    return safe_ratio(end, start) - 1.0


def decline_rate(previous, current):
    """Relative decline ``1 − current ÷ previous`` (e.g. land per GDP 100 → 95 is 0.05); NaN when ``previous`` is 0.

    For a period, pass its first and last values: Jiangsu's 单位GDP建设用地 −31% over 2011–15 is
    ``decline_rate(100, 69) == 0.31``.
    """
    return 1.0 - safe_ratio(current, previous)


def average_yearly_decline(total_decline, years):
    """The constant yearly decline that compounds to ``total_decline`` over ``years``: ``1 − (1 − total)^(1/years)``.

    Jiangsu's −31% over the five years 2011–15 is about 7.1% a year, above Hefei's 5% floor.
    """
    return 1.0 - np.power(1.0 - np.asarray(total_decline, dtype=float), 1.0 / np.asarray(years, dtype=float))


# -- table helpers -----------------------------------------------------------------------------------------


def economy(ctx: Context) -> pd.DataFrame:
    """The ``economy`` rows of the years up to the data date's year, with every contract column (memoised).

    Optional columns an upload lacked are empty, so the rates that need them are undefined (NaN), not errors.
    """
    key = "_economy"
    if key not in ctx.cache:
        dataset = get_dataset("economy")
        frame = ctx.engine.to_pandas("economy").reindex(columns=dataset.column_names)
        measures = [c.name for c in dataset.columns if c.type in ("float", "int") and c.name != "year"]
        frame[measures] = frame[measures].astype("float64")
        frame["county_code"] = frame["county_code"].astype(str)
        frame["year"] = frame["year"].astype(int)
        ctx.cache[key] = frame[frame["year"] <= ctx.as_of.year].reset_index(drop=True)
    return ctx.cache[key]


def by_year(ctx: Context, sums: list[str], frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """County-year ``sums`` completed with every county and a city row per year, ordered region then year.

    ``frame`` defaults to :func:`economy`; it needs ``county_code``, ``year`` and the ``sums`` columns.
    """
    frame = economy(ctx) if frame is None else frame
    out = with_city_rows(ctx, frame[["county_code", "year", *sums]], sums, by="year")
    return out.astype({"year": "int64"})[["region_code", "region_name", "level", "year", *sums]]


def _flag(condition, value) -> pd.Series:
    """A nullable boolean: ``condition``, or missing where ``value`` (the rate it tests) is undefined."""
    return pd.Series(np.asarray(condition), dtype="boolean").mask(pd.isna(np.asarray(value, dtype=float)))


# -- indicators --------------------------------------------------------------------------------------------


@indicator("gdp_per_land")
def gdp_per_land(ctx: Context) -> pd.DataFrame:
    """地均GDP: GDP per mu of construction land, per county and city, per year, against a reference target.

    Formula: ``gdp_per_land_wan_per_mu`` = GDP (万元) ÷ construction land (亩);
    ``meets_target`` = 地均GDP ≥ ``gdp_per_land_target_wan_per_mu``.

    Source: seed 001 江苏省节约集约用地“双提升”行动计划（建设用地地均GDP 19.2 → 28.8 万元/亩）; DOMAIN.md §7.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, gdp_wan, construction_land_mu, gdp_per_land_wan_per_mu,
        target_wan_per_mu, meets_target``.
    """
    target = float(ctx.profile["gdp_per_land_target_wan_per_mu"])
    frame = by_year(ctx, ["gdp_wan", "construction_land_mu"])
    per_mu = safe_ratio(frame["gdp_wan"], frame["construction_land_mu"])
    frame["gdp_per_land_wan_per_mu"] = per_mu
    frame["target_wan_per_mu"] = target
    frame["meets_target"] = _flag(per_mu >= target - EPS, per_mu)
    return filter_region(ctx, frame)


@indicator("land_per_gdp")
def land_per_gdp(ctx: Context) -> pd.DataFrame:
    """单位GDP建设用地使用面积 (亩/亿元) and its yearly decline, against the target decline rate.

    Formula: ``land_per_gdp_mu_per_yi`` = construction land (亩) ÷ GDP (亿元);
    ``decline_pct`` = (1 − this year ÷ last year) × 100 (missing without last year's value);
    ``meets_target`` = decline ≥ ``land_per_gdp_decline_min``.

    Source: seed 002 合肥市土地节约集约利用综合改革试点方案 一、(五)：单位GDP建设用地使用面积年下降率不低于5%;
    seed 001 (江苏 −31% over 2011–15, −33% over 2016–20).

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, construction_land_mu, gdp_yi, land_per_gdp_mu_per_yi,
        decline_pct, target_decline_pct, meets_target``.
    """
    target = float(ctx.profile["land_per_gdp_decline_min"])
    frame = by_year(ctx, ["construction_land_mu", "gdp_wan"])
    frame["gdp_yi"] = frame.pop("gdp_wan") / WAN_PER_YI
    frame["land_per_gdp_mu_per_yi"] = safe_ratio(frame["construction_land_mu"], frame["gdp_yi"])
    last_year = frame[["region_code", "year", "land_per_gdp_mu_per_yi"]].assign(year=frame["year"] + 1)
    previous = frame.merge(last_year, on=["region_code", "year"], how="left", suffixes=("", "_prev"))
    decline = decline_rate(previous["land_per_gdp_mu_per_yi_prev"], previous["land_per_gdp_mu_per_yi"])
    frame["decline_pct"] = 100.0 * decline
    frame["target_decline_pct"] = 100.0 * target
    frame["meets_target"] = _flag(decline >= target - EPS, decline)
    return filter_region(ctx, frame)


def intensity_cap(region_code: str, zones: dict, default: float) -> float:
    """The development-intensity cap of a region: its zone's cap (matched by region-code prefix), else ``default``.

    ``zones`` is the ``development_intensity_zone_max`` parameter: ``{zone: {"max": cap, "region_prefixes": [...]}}``
    (e.g. Jiangsu's 苏南 29.3%, 苏中 21%, 苏北 19.2%); empty where a locality has one cap.
    """
    for zone in zones.values():
        if any(region_code.startswith(prefix) for prefix in zone["region_prefixes"]):
            return float(zone["max"])
    return float(default)


@indicator("development_intensity")
def development_intensity(ctx: Context) -> pd.DataFrame:
    """开发强度: construction land as a share of the total area, per county and city, per year.

    Formula: ``development_intensity_pct`` = construction land (亩, ``economy``) ÷ total area (亩) × 100, the
    total area being the sum of the 三调 parcel areas (TBMJ) of the region (the surveyed land area, so the
    ratio does not depend on a map projection); ``exceeds_max`` = intensity > the region's cap
    (``development_intensity_zone_max`` by region-code prefix, else ``development_intensity_max``).

    Source: seed 001 江苏（苏南、苏中、苏北土地开发强度分别控制在 29.3%、21%、19.2% 以内）; DOMAIN.md §7.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, construction_land_mu, total_area_mu, development_intensity_pct,
        max_pct, exceeds_max``.
    """
    default = ctx.profile["development_intensity_max"]
    zones = ctx.profile["development_intensity_zone_max"]
    county_area = class_areas(ctx).groupby("county_code")["area_m2"].sum()
    frame = economy(ctx)[["county_code", "year", "construction_land_mu"]].copy()
    frame["total_area_mu"] = frame["county_code"].map(area_columns(county_area)["area_mu"]).fillna(0.0)
    frame = by_year(ctx, ["construction_land_mu", "total_area_mu"], frame)
    intensity = safe_ratio(frame["construction_land_mu"], frame["total_area_mu"])
    cap = frame["region_code"].map(lambda code: intensity_cap(code, zones, default)).to_numpy(dtype=float)
    frame["development_intensity_pct"] = 100.0 * intensity
    frame["max_pct"] = 100.0 * cap
    frame["exceeds_max"] = _flag(intensity > cap + EPS, intensity)
    return filter_region(ctx, frame)


@indicator("urban_industrial_land_per_capita")
def urban_industrial_land_per_capita(ctx: Context) -> pd.DataFrame:
    """人均城镇工矿用地: urban and industrial land per urban resident (m²/人), per county and city, per year.

    Formula: ``per_capita_m2`` = 城镇工矿用地面积 (m²) ÷ 城镇常住人口 (the urban resident population, as the
    indicator's name says: it measures how much town and mining land each town dweller uses);
    ``exceeds_max`` = per capita > ``urban_industrial_land_per_capita_max_m2``.

    Source: seed 001 江苏（到 2020 年，人均城镇工矿用地力争控制在 125 平方米以内）; DOMAIN.md §7.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, urban_industrial_land_m2, urban_population, per_capita_m2,
        max_m2, exceeds_max``.
    """
    limit = float(ctx.profile["urban_industrial_land_per_capita_max_m2"])
    frame = by_year(ctx, ["urban_industrial_land_m2", "urban_population"])
    per_capita = safe_ratio(frame["urban_industrial_land_m2"], frame["urban_population"])
    frame["urban_population"] = frame["urban_population"].round().astype("int64")
    frame["per_capita_m2"] = per_capita
    frame["max_m2"] = limit
    frame["exceeds_max"] = _flag(per_capita > limit + EPS, per_capita)
    return filter_region(ctx, frame)


@indicator("stock_supply_share")
def stock_supply_share(ctx: Context) -> pd.DataFrame:
    """存量用地供应占比: stock (existing construction land) share of the land supplied, per county and city, per year.

    Formula: ``stock_share_pct`` = 存量建设用地供应面积 ÷ 建设用地供应总面积 × 100;
    ``meets_target`` = share ≥ ``stock_supply_share_target``.

    Source: seed 001 江苏（逐步将存量用地供应占比提高至 70%）; seed 002 合肥（城镇存量建设用地供应比例稳步提升）.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, stock_supply_mu, total_supply_mu, stock_share_pct, target_pct,
        meets_target``.
    """
    target = float(ctx.profile["stock_supply_share_target"])
    frame = by_year(ctx, ["stock_supply_mu", "total_supply_mu"])
    share = safe_ratio(frame["stock_supply_mu"], frame["total_supply_mu"])
    frame["stock_share_pct"] = 100.0 * share
    frame["target_pct"] = 100.0 * target
    frame["meets_target"] = _flag(share >= target - EPS, share)
    return filter_region(ctx, frame)
