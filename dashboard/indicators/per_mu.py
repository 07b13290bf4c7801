"""亩均论英雄 (per-mu performance) in parks — DOMAIN §5, seeds 000, 002, 004.

Per enterprise land unit (a ``park_parcels`` row) and aggregated per park and per county: investment, output,
tax, value added and revenue per 亩, plot ratio, building density, value added per tonne of standard coal and
per tonne of emissions, labour productivity and R&D intensity, each against its benchmark; the weighted
enterprise score and A/B/C/D grade; the 标准地 controls of seed 004; and the share of each park inside the urban
development boundary (seed 000).

The year evaluated is the latest year in ``park_parcels`` not after ``ctx.as_of`` (:func:`per_mu_year`): to see an
earlier year, set ``as_of`` inside it.  Aggregates are sums ÷ sums (a park's investment intensity is
Σ investment ÷ Σ area), never means of enterprise ratios.

The engine selects the evaluation year's enterprise rows, fetched once per context (:func:`_enterprises`; the
row-wise ratios and checks are computed on the fetched values), and sums the parks in another query
(:func:`_park_sums`); the three enterprise tables select their columns from those rows, and the grades rank them
in pandas (:func:`grade_enterprises`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard.geo import WGS84, crs_object, gauss_kruger_crs
from dashboard.indicators import Context, indicator
from dashboard.indicators.common import (
    M2_PER_MU,
    filter_region,
    lookup,
    regions_frame,
    safe_ratio,
    with_city_row,
)
from dashboard.io import read_stored_geometry
from dashboard.policy import Profile

M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class Metric:
    """One per-mu indicator: ``column = numerator ÷ denominator × scale``.

    ``benchmark`` is the policy-profile key of its benchmark (``None``: no benchmark), stated in the profile's
    unit; ``benchmark_scale`` converts it to the column's unit (100 for a ratio shown in percent).  ``key`` is
    the name used by the grading weights.
    """

    key: str
    column: str
    numerator: str
    denominator: str
    scale: float = 1.0
    benchmark: str | None = None
    benchmark_scale: float = 1.0


METRICS = (
    Metric("invest_per_mu", "invest_per_mu_wan", "invest_wan", "area_mu",
           benchmark="invest_intensity_benchmark_wan_per_mu"),
    Metric("output_per_mu", "output_per_mu_wan", "output_wan", "area_mu", benchmark="output_benchmark_wan_per_mu"),
    Metric("tax_per_mu", "tax_per_mu_wan", "tax_wan", "area_mu", benchmark="tax_benchmark_wan_per_mu"),
    Metric("value_added_per_mu", "value_added_per_mu_wan", "value_added_wan", "area_mu",
           benchmark="value_added_benchmark_wan_per_mu"),
    Metric("revenue_per_mu", "revenue_per_mu_wan", "revenue_wan", "area_mu"),
    # Floor area and footprint are in m², land in 亩.
    Metric("floor_area_ratio", "floor_area_ratio", "floor_area_m2", "area_mu", scale=1.0 / M2_PER_MU),
    Metric("building_density", "building_density_pct", "footprint_m2", "area_mu", scale=100.0 / M2_PER_MU,
           benchmark="building_density_min", benchmark_scale=100.0),
    Metric("energy_productivity", "energy_productivity_wan_per_tce", "value_added_wan", "energy_tce",
           benchmark="energy_productivity_benchmark_wan_per_tce"),
    Metric("emission_productivity", "emission_productivity_wan_per_t", "value_added_wan", "emission_t",
           benchmark="emission_productivity_benchmark_wan_per_t"),
    Metric("labour_productivity", "labour_productivity_wan_per_person", "value_added_wan", "employees",
           benchmark="labour_productivity_benchmark_wan_per_person"),
    Metric("rd_intensity", "rd_intensity_pct", "rd_wan", "revenue_wan", scale=100.0,
           benchmark="rd_intensity_benchmark", benchmark_scale=100.0),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
#: Metrics that can carry a grading weight: those with a benchmark (the score uses value ÷ benchmark).
GRADABLE_METRICS = tuple(m for m in METRICS if m.benchmark)

#: The two published standards a park is flagged against (seed 000: 280 万元/亩 investment, 400 万元/亩 output).
FLAGGED = {"invest_per_mu": "invest_below_benchmark", "output_per_mu": "output_below_benchmark"}

ENTERPRISE_COLUMNS = ["parcel_id", "enterprise_id", "enterprise_name", "park_id", "park_name", "region_code",
                      "region_name", "level", "industry", "scale", "status", "year"]


def benchmark_value(metric: Metric, profile: Profile) -> float | None:
    """The metric's benchmark in the metric column's unit, or ``None`` when it has none."""
    if metric.benchmark is None:
        return None
    return float(profile[metric.benchmark]) * metric.benchmark_scale


def per_mu_year(ctx: Context) -> int:
    """The evaluation year: the latest ``park_parcels.year`` not after ``ctx.as_of.year`` (that year if none)."""
    key = "_per_mu_year"
    if key not in ctx.cache:
        parcels = ctx.engine.table("park_parcels")
        latest = ctx.engine.execute(parcels.filter(parcels.year <= ctx.as_of.year).year.max())
        ctx.cache[key] = ctx.as_of.year if latest is None or pd.isna(latest) else int(latest)
    return ctx.cache[key]


def _column(table: ibis.Table, name: str, dtype: str = "float64"):
    """A column of ``table``, or a typed NULL when an upload lacks that optional column."""
    return table[name] if name in table.columns else ibis.null().cast(dtype)


def _parcels(ctx: Context) -> ibis.Table:
    """The evaluation year's ``park_parcels`` rows (the park's name and county are added by :func:`_with_parks`).

    No join in the engine: a scan and a filter keep the file's row order (curated files are written by park and
    parcel, so the enterprise rows need no sort), and five parks are looked up faster in pandas.
    """
    parcels = ctx.engine.table("park_parcels")
    parcels = parcels.filter(parcels.year == per_mu_year(ctx))
    return parcels.select(
        "parcel_id",
        enterprise_id=_column(parcels, "enterprise_id", "string"),
        enterprise_name=_column(parcels, "enterprise_name", "string"),
        park_id=parcels.park_id,
        industry=_column(parcels, "industry", "string"),
        scale=_column(parcels, "scale", "string"),
        status=_column(parcels, "status", "string"),
        year=parcels.year,
        **{col: _column(parcels, col) for col in _source_columns()},
    )


def _with_parks(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``park_name`` and ``region_code`` (the park's county; missing for an unknown park) after ``park_id``."""
    key = "_per_mu_parks"
    if key not in ctx.cache:
        ctx.cache[key] = ctx.engine.to_pandas("parks").set_index("park_id")
    parks = ctx.cache[key]
    at = frame.columns.get_loc("park_id") + 1
    frame.insert(at, "park_name", lookup(frame["park_id"], parks["name"]))
    frame.insert(at + 1, "region_code", lookup(frame["park_id"], parks["county_code"]))
    return frame


def _source_columns() -> list[str]:
    """The ``park_parcels`` value columns the metrics and checks read, area first."""
    names = ["area_mu"]
    for m in METRICS:
        names += [c for c in (m.numerator, m.denominator) if c not in names]
    return names + ["admin_area_m2", "admin_floor_m2"]


def _enterprises(ctx: Context) -> pd.DataFrame:
    """One row per enterprise land unit of the evaluation year, every region, ordered by park and parcel: the
    source values, the metrics and the 标准地 checks (:func:`_check_columns`).

    The engine selects the year's rows; they are fetched once per context (:func:`per_mu_enterprise`,
    :func:`enterprise_grades` and :func:`standard_land_checks` each select their columns from this frame, since
    moving the rows into pandas is what a large table costs).  The metrics are row-wise ratios of the fetched
    values, computed by :func:`_metrics_from_sums` — the function that computes a park's or county's metrics from
    its sums, an enterprise unit being its own sum — rather than carried from the engine as 30 more columns.
    """
    key = "_per_mu_enterprises"
    if key not in ctx.cache:
        frame = ctx.engine.execute(_parcels(ctx), order_by=["park_id", "parcel_id"])
        frame.insert(frame.columns.get_loc("year"), "level", "enterprise")
        frame = _metrics_from_sums(frame, ctx.profile)
        frame = _check_columns(frame, ctx.profile)
        ctx.cache[key] = _with_region_names(ctx, _with_parks(ctx, frame))
    return ctx.cache[key]


def _with_region_names(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``region_name`` (the county's name) after ``region_code``."""
    names = regions_frame(ctx).set_index("region_code")["region_name"]
    frame.insert(frame.columns.get_loc("region_code") + 1, "region_name", lookup(frame["region_code"], names))
    return frame


# ----------------------------------------------------------------------------------------------------------
# Metrics per enterprise, park and county


@indicator("per_mu_enterprise")
def per_mu_enterprise(ctx: Context) -> pd.DataFrame:
    """Per-mu metrics of every enterprise land unit in the evaluation year, each against its benchmark.

    Formula: ``invest/output/tax/value_added/revenue_per_mu = 万元 ÷ area_mu``; ``floor_area_ratio =
    floor_area_m2 ÷ (area_mu × 666.67)``; ``building_density = footprint_m2 ÷ land m²``; ``energy_productivity =
    value_added ÷ energy_tce`` (万元/吨标煤); ``emission_productivity = value_added ÷ emission_t``;
    ``labour_productivity = value_added ÷ employees`` (万元/人); ``rd_intensity = rd_wan ÷ revenue_wan``;
    ``<key>_to_benchmark = metric ÷ benchmark``.  A zero or missing denominator gives NaN.
    Source: DOMAIN §5; seed 000 四、(四)4 "亩均论英雄"; seed 004 （十）标准地 controls.

    Returns
    -------
    DataFrame
        ``parcel_id, enterprise_id, enterprise_name, park_id, park_name, region_code, region_name, level,
        industry, scale, status, year``, the source values, the metric columns (see :data:`METRICS`), the
        ``*_to_benchmark`` ratios and ``invest_below_benchmark`` / ``output_below_benchmark``.
    """
    columns = [*ENTERPRISE_COLUMNS, *_source_columns(), *[m.column for m in METRICS], *_ratio_columns(),
               *FLAGGED.values()]
    return filter_region(ctx, _enterprises(ctx)[columns])


def _ratio_columns() -> list[str]:
    """The ``<key>_to_benchmark`` columns, in :data:`METRICS` order."""
    return [f"{m.key}_to_benchmark" for m in METRICS if m.benchmark is not None]


def _metrics_from_sums(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Metric, ratio-to-benchmark and flag columns computed from summed numerators and denominators."""
    for m in METRICS:
        frame[m.column] = safe_ratio(frame[m.numerator], frame[m.denominator]) * m.scale
    for m in METRICS:
        bench = benchmark_value(m, profile)
        if bench is not None:
            frame[f"{m.key}_to_benchmark"] = frame[m.column] / bench
    for key, flag in FLAGGED.items():
        metric = METRIC_BY_KEY[key]
        frame[flag] = (frame[metric.column] < benchmark_value(metric, profile)).to_numpy()
    return frame


def _park_sums(ctx: Context) -> pd.DataFrame:
    """Σ of every source column and the number of enterprise units per park and its county (``region_code``),
    summed in the engine once per context (the county sums add up the parks of the county)."""
    key = "_per_mu_park_sums"
    if key not in ctx.cache:
        t = _parcels(ctx)
        sums = t.group_by("park_id").aggregate(enterprises_count=t.count(), **{c: t[c].sum() for c in _source_columns()})
        frame = _with_parks(ctx, ctx.engine.execute(sums)).drop(columns="park_name")
        ctx.cache[key] = frame
    return ctx.cache[key]


@indicator("per_mu_park")
def per_mu_park(ctx: Context) -> pd.DataFrame:
    """Per-mu metrics of each park in the evaluation year (sums ÷ sums), against the benchmarks.

    Formula: e.g. investment intensity = Σ invest_wan ÷ Σ area_mu over every unit of the park (any status);
    other metrics as in :func:`per_mu_enterprise` with sums in place of values.  Source: seed 000 三、(四)
    "除新平（350 万元）外，高新区（276.8 万元）、易门（150.4 万元）、通海（161.1 万元）、澄江（194.7 万元）4 个园区的亩均
    投资强度低于全省平均水平（280 万元），仍有易门（316.8 万元）、澄江（190.9 万元）园区亩均产值低于 400 万元的标准".

    Returns
    -------
    DataFrame
        ``park_id, park_name, region_code, region_name, level, year, enterprises_count``, the sums, metric
        columns, ``*_to_benchmark`` and the two ``*_below_benchmark`` flags.
    """
    sums = _park_sums(ctx).drop(columns="region_code")
    parks = ctx.engine.to_pandas("parks")
    frame = parks[["park_id", "name", "county_code"]].rename(
        columns={"name": "park_name", "county_code": "region_code"}
    ).merge(sums, on="park_id", how="inner")
    frame.insert(3, "level", "park")
    frame.insert(4, "year", per_mu_year(ctx))
    frame = _metrics_from_sums(_with_region_names(ctx, frame), ctx.profile)
    return filter_region(ctx, frame.sort_values("park_id").reset_index(drop=True))


@indicator("per_mu_county")
def per_mu_county(ctx: Context) -> pd.DataFrame:
    """Per-mu metrics of the park land of each county and of the city (sums ÷ sums), against the benchmarks.

    Formula: as :func:`per_mu_park`, grouped by the park's county; the city row from the city's sums.  A county
    without park land has NaN metrics.  Source: DOMAIN §5.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, enterprises_count``, the sums, metric columns,
        ``*_to_benchmark`` and the two ``*_below_benchmark`` flags.
    """
    columns = ["enterprises_count"] + _source_columns()
    sums = _park_sums(ctx).groupby("region_code", as_index=False)[columns].sum()
    sums = sums.rename(columns={"region_code": "county_code"})
    frame = with_city_row(ctx, sums, columns)
    frame["enterprises_count"] = frame["enterprises_count"].astype("int64")
    frame.insert(3, "year", per_mu_year(ctx))
    return filter_region(ctx, _metrics_from_sums(frame, ctx.profile))


# ----------------------------------------------------------------------------------------------------------
# Grading (A/B/C/D)


def _point_factors(profile: Profile) -> list[tuple[Metric, float, float, float]]:
    """``(metric, points per unit above, points per unit below, benchmark)`` for every weighted metric.

    A unit of ``min(metric ÷ benchmark, cap)`` earns ``100 × weight ÷ (cap × Σ weights)`` points, so an
    enterprise at the cap on every item scores 100.
    """
    weights = {"above": profile["grade_weights_above"], "below": profile["grade_weights_below"]}
    cap = float(profile["grade_score_cap"])
    keys = set(weights["above"]) | set(weights["below"])
    unknown = sorted(keys - {m.key for m in GRADABLE_METRICS})
    if unknown:
        raise ValueError(f"grade weights name metrics without a benchmark: {unknown}")
    totals = {scale: float(sum(w.values())) for scale, w in weights.items()}
    return [
        (
            m,
            100.0 * float(weights["above"].get(m.key, 0.0)) / (cap * totals["above"]),
            100.0 * float(weights["below"].get(m.key, 0.0)) / (cap * totals["below"]),
            benchmark_value(m, profile),
        )
        for m in METRICS
        if m.key in keys
    ]


def grade_bands(profile: Profile) -> list[tuple[str, float]]:
    """Grades with the upper bound of their cumulative rank share, best grade first."""
    return sorted(((grade, float(bound)) for grade, bound in profile["grade_bands"].items()), key=lambda b: b[1])


def grade_enterprises(metrics: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Score and grade enterprise units in pandas: :func:`enterprise_grades` and the grading simulator's what-if.

    Parameters
    ----------
    metrics
        A :func:`per_mu_enterprise` table (needs ``parcel_id``, ``year``, ``scale`` and the weighted metric
        columns).  Changing benchmarks only needs a new profile: ratios are recomputed from the metric values.
    profile
        Policy profile (e.g. ``load_profile().with_overrides({...})``): ``grade_weights_above``,
        ``grade_weights_below``, ``grade_score_cap``, ``grade_bands`` and the benchmarks.

    Returns
    -------
    DataFrame
        ``metrics`` with ``points_<key>`` per weighted metric, ``score`` (0–100), ``rank`` (1 = best, per
        year), ``rank_share`` (rank ÷ units of the year) and ``grade``; ordered by year and rank.  See
        :func:`enterprise_grades` for the rules.
    """
    cap = float(profile["grade_score_cap"])
    above = metrics["scale"].eq("above").to_numpy(dtype=bool, na_value=False)
    points = {}
    score = pd.Series(0.0, index=metrics.index)
    for metric, per_above, per_below, bench in _point_factors(profile):
        ratio = np.minimum((metrics[metric.column] / bench).fillna(0.0), cap)
        points[f"points_{metric.key}"] = ratio * np.where(above, per_above, per_below)
        score = score + points[f"points_{metric.key}"]
    # Arrow sorts on the three keys directly (pandas would first factorise every parcel id); stable, nulls last.
    keys = pa.table({"year": metrics["year"], "score": score, "parcel_id": metrics["parcel_id"]})
    order = pc.sort_indices(keys, [("year", "ascending"), ("score", "descending"), ("parcel_id", "ascending")])
    out = metrics.assign(**points, score=score).take(order.to_numpy()).reset_index(drop=True)
    out["rank"] = out.groupby("year").cumcount() + 1
    out["rank_share"] = out["rank"] / out.groupby("year")["rank"].transform("size")
    bands = grade_bands(profile)
    out["grade"] = np.select(
        [out["rank_share"] <= bound for _, bound in bands[:-1]], [grade for grade, _ in bands[:-1]], bands[-1][0]
    )
    return out


@indicator("enterprise_grades")
def enterprise_grades(ctx: Context) -> pd.DataFrame:
    """Weighted per-mu score and A/B/C/D grade of every enterprise unit, ranked across the whole city.

    Formula: ``score = 100 × Σ wᵢ × min(xᵢ ÷ benchmarkᵢ, cap) ÷ (cap × Σ wᵢ)`` with weights
    ``grade_weights_above`` for 规上 (``scale == "above"``) and ``grade_weights_below`` otherwise; a missing
    indicator earns 0.  Normalised so that an enterprise at the cap on every item scores 100 (at the benchmark on
    every item: 100 ÷ cap).  Units are ranked per year over the whole city (every status, every park) by score,
    ties by ``parcel_id``; ``rank_share = rank ÷ n`` and the grade is the first band of ``grade_bands`` whose
    upper bound is ≥ ``rank_share`` (A top 20%, B 20–80%, C 80–95%, D the rest), so the bands partition all
    units.  A county view keeps the city-wide grades.  Source: DOMAIN §5 (浙江 "亩均论英雄" practice);
    seed 000 四、(四)4.

    Computed by :func:`grade_enterprises` (the grading simulator's helper, so the rules exist once) over the
    metrics the engine computed for :func:`per_mu_enterprise`: ranking sorts rows already fetched, which costs a
    fraction of a window function that carries every column through the engine's sort.

    Returns
    -------
    DataFrame
        ``parcel_id, enterprise_id, enterprise_name, park_id, park_name, region_code, region_name, level,
        industry, scale, status, year, points_<key>…, score, rank, rank_share, grade``, best first.
    """
    factors = _point_factors(ctx.profile)
    metrics = _enterprises(ctx)[[*ENTERPRISE_COLUMNS, *[metric.column for metric, *_ in factors]]]
    points = [f"points_{metric.key}" for metric, *_ in factors]
    graded = grade_enterprises(metrics, ctx.profile)
    return filter_region(ctx, graded[[*ENTERPRISE_COLUMNS, *points, "score", "rank", "rank_share", "grade"]])


# ----------------------------------------------------------------------------------------------------------
# 标准地 controls


@indicator("standard_land_checks")
def standard_land_checks(ctx: Context) -> pd.DataFrame:
    """标准地 controls of seed 004 per enterprise unit: admin land and floor shares, and the scale review.

    Formula: ``admin_land_share = admin_area_m2 ÷ (area_mu × 666.67)`` must be ≤ ``admin_land_share_max``;
    ``admin_floor_share = admin_floor_m2 ÷ floor_area_m2`` ≤ ``admin_floor_share_max``; ``scale_review`` when
    ``area_mu ≥ scale_review_min_mu``; ``passes`` = both shares within their limits (unknown when a share is
    undefined and the other passes).  Source: seed 004 （十一）"行政办公及生活服务设施用地面积占总用地面积的比例
    不超过7%，兼容设施建筑面积比例不得超过项目总建筑面积的15%"; （十）"对用地面积100亩以上的工业项目……对用地规模
    合理性一并予以论证".

    Returns
    -------
    DataFrame
        ``parcel_id, enterprise_id, enterprise_name, park_id, park_name, region_code, region_name, level,
        industry, scale, status, year, area_mu, admin_area_m2, admin_floor_m2, floor_area_m2,
        admin_land_share_pct, admin_land_share_max_pct, admin_land_ok, admin_floor_share_pct,
        admin_floor_share_max_pct, admin_floor_ok, scale_review, scale_review_min_mu, passes`` (the ``_ok`` and
        ``passes`` flags are nullable booleans: NA = cannot be judged).
    """
    land_max = float(ctx.profile["admin_land_share_max"])
    floor_max = float(ctx.profile["admin_floor_share_max"])
    review_mu = float(ctx.profile["scale_review_min_mu"])
    columns = [*ENTERPRISE_COLUMNS, "area_mu", "admin_area_m2", "admin_floor_m2", "floor_area_m2",
               "admin_land_share_pct", "admin_land_ok", "admin_floor_share_pct", "admin_floor_ok", "scale_review"]
    frame = _enterprises(ctx)[columns]
    frame.insert(frame.columns.get_loc("admin_land_ok"), "admin_land_share_max_pct", 100.0 * land_max)
    frame.insert(frame.columns.get_loc("admin_floor_ok"), "admin_floor_share_max_pct", 100.0 * floor_max)
    frame.insert(frame.columns.get_loc("scale_review") + 1, "scale_review_min_mu", review_mu)
    frame["passes"] = frame["admin_land_ok"] & frame["admin_floor_ok"]
    return filter_region(ctx, frame)


def _check_columns(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Add the shares and checks of :func:`standard_land_checks` to enterprise rows (a check is missing when its
    share is undefined)."""
    land_share = safe_ratio(frame["admin_area_m2"], frame["area_mu"] * M2_PER_MU)
    floor_share = safe_ratio(frame["admin_floor_m2"], frame["floor_area_m2"])
    frame["admin_land_share_pct"] = land_share * 100.0
    frame["admin_land_ok"] = _within(land_share, float(profile["admin_land_share_max"]), frame.index)
    frame["admin_floor_share_pct"] = floor_share * 100.0
    frame["admin_floor_ok"] = _within(floor_share, float(profile["admin_floor_share_max"]), frame.index)
    frame["scale_review"] = (frame["area_mu"] >= float(profile["scale_review_min_mu"])).to_numpy()
    return frame


def _within(share: np.ndarray, maximum: float, index: pd.Index) -> pd.Series:
    """``share ≤ maximum`` as a nullable boolean, missing where the share is undefined."""
    return pd.Series(share <= maximum, index=index, dtype="boolean").mask(np.isnan(share))


# ----------------------------------------------------------------------------------------------------------
# Parks and the urban development boundary


def park_ubg_areas(parks: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area of each park and of its part inside the boundary, in the local Gauss-Krüger projection.

    Parameters
    ----------
    parks
        ``park_id`` and geometry (any CRS).
    boundary
        Urban-development-boundary polygons (any CRS); overlapping pieces are dissolved first, so no area
        counts twice.

    Returns
    -------
    DataFrame
        ``park_id, area_ha, in_ubg_ha, ubg_share_pct`` in the order of ``parks``.
    """
    minx, _, maxx, _ = parks.to_crs(WGS84).total_bounds
    crs = crs_object(gauss_kruger_crs((minx + maxx) / 2))
    parks_gk = parks[["park_id", "geometry"]].to_crs(crs)
    dissolved = gpd.GeoDataFrame(geometry=[boundary.to_crs(crs).union_all()], crs=crs)
    inside = gpd.overlay(parks_gk, dissolved, how="intersection", keep_geom_type=True)
    in_ha = (inside.area / M2_PER_HA).groupby(inside["park_id"]).sum()
    frame = pd.DataFrame({"park_id": parks_gk["park_id"].to_numpy(), "area_ha": (parks_gk.area / M2_PER_HA).to_numpy()})
    frame["in_ubg_ha"] = frame["park_id"].map(in_ha).fillna(0.0).to_numpy()
    frame["ubg_share_pct"] = 100.0 * safe_ratio(frame["in_ubg_ha"], frame["area_ha"])
    return frame


@indicator("park_ubg_share")
def park_ubg_share(ctx: Context) -> pd.DataFrame:
    """Share of each park's area inside the urban development boundary (城镇开发边界), and of all parks.

    Formula: ``ubg_share = area(park ∩ boundary) ÷ area(park)``, areas in the local Gauss-Krüger CRS (CGCS2000
    3-degree zone), the boundary being every ``control_lines`` polygon of kind "ubg"; the total row is
    Σ inside ÷ Σ park area.  Source: seed 000 三、(五)"全市 5 个开发区总体规划（修编）范围面积共计 18947.08 公顷，
    划入城镇开发边界面积 8496.88 公顷，划入比例为 44.85%".

    Returns
    -------
    DataFrame
        ``park_id, park_name, region_code, region_name, level, planned_area_ha, area_ha, in_ubg_ha,
        ubg_share_pct``: one row per park (level "park") and a city total (level "city", no park id).
    """
    # Curated files were conformed when they were published: read only the columns used, as stored.
    parks_path = ctx.engine.paths["parks"]
    optional = [c for c in ("planned_area_ha",) if c in pq.read_schema(parks_path).names]
    parks = read_stored_geometry(parks_path, ["park_id", "name", "county_code", *optional])
    lines = read_stored_geometry(ctx.engine.paths["control_lines"], ["kind"], filters=[("kind", "=", "ubg")])
    areas = park_ubg_areas(parks, lines)
    frame = pd.DataFrame({"park_id": parks["park_id"].astype(str), "park_name": parks["name"].astype(str),
                          "region_code": parks["county_code"].astype(str)})
    frame = _with_region_names(ctx, frame)
    frame["level"] = "park"
    frame["planned_area_ha"] = parks["planned_area_ha"].astype("float64") if optional else np.nan
    frame = frame.merge(areas, on="park_id")
    regions = regions_frame(ctx)
    city = regions[regions["level"] == "city"].iloc[0]
    total = {
        "park_id": None,
        "park_name": None,
        "region_code": city["region_code"],
        "region_name": city["region_name"],
        "level": "city",
        "planned_area_ha": frame["planned_area_ha"].sum(min_count=1),
        "area_ha": frame["area_ha"].sum(),
        "in_ubg_ha": frame["in_ubg_ha"].sum(),
    }
    total["ubg_share_pct"] = 100.0 * safe_ratio(total["in_ubg_ha"], total["area_ha"])
    frame = pd.concat([pd.DataFrame([total]), frame.sort_values("park_id")], ignore_index=True)
    return filter_region(ctx, frame)
