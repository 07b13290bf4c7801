"""批而未供与闲置土地 (unused approved land and idle land) — DOMAIN §4, seed 000 三、(二).

The stock of approved-but-unsupplied land (批而未供) and its age, the five-year supply rate (供地率), the quarterly
cumulative disposal rates of 批而未供 and 闲置 land, the two sanctions of seed 000 ("增存挂钩": a county whose
five-year supply rate is below the floor, or whose two disposal rates are both below the quarter's floor, has its
non-key land applications suspended) and the one-plan-per-case idle-land table (一地一策).

Conventions shared by every function here:

* Supplied area is counted **per approval** and capped at the approved area, so an over-recorded supply never
  makes another approval's stock look smaller and unsupplied area is never negative.  Supplies whose
  ``approval_id`` matches no approval are not counted (they cannot be placed in a window or a county).
* A date "on or before D" is ``< D + 1 day``, so timestamps with a time of day behave as their calendar day.
* Rates are percentages (``_pct``); a rate whose denominator is 0 is NaN (undefined), never 0.
* Approvals and supplies grow with the land approved and supplied: they are joined and summed in the engine
  once per context (:func:`approval_sums`), and each table below sums that small result in pandas.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from dashboard.indicators import Context, compute, indicator
from dashboard.indicators.common import (
    filter_region,
    lookup,
    quarter_of,
    regions_frame,
    safe_ratio,
    with_city_row,
    years_back,
)

#: Age bands of the unsupplied stock: (label, minimum age in whole years, maximum age or None).  These are
#: reporting bands for the aging chart, not policy thresholds.
AGE_BANDS = (("0-1", 0, 1), ("1-2", 1, 2), ("2-3", 2, 3), ("3-5", 3, 5), ("5+", 5, None))

#: Areas are summed in floating point; results are rounded to 0.0001 亩 (ledgers record 0.01 亩) so that a
#: fully supplied approval shows 0, not 1e-13.
AREA_DECIMALS = 4


# ----------------------------------------------------------------------------------------------------------
# Shared building blocks


def on_or_before(column, day: date):
    """Ibis predicate ``column`` ≤ ``day`` for a timestamp column (the whole calendar day included)."""
    return column < pd.Timestamp(day) + pd.Timedelta(days=1)


def _approvals_supplied(ctx: Context, cutoffs: dict[str, date]) -> ibis.Table:
    """One row per approval dated on or before ``ctx.as_of`` with the area supplied on it as of each cutoff day.

    Parameters
    ----------
    ctx
        The context (its engine provides ``approvals`` and ``supplies``).
    cutoffs
        ``{column name: day}``: for each, the area of the approval's supplies dated on or before ``day``,
        capped at the approved area.

    Returns
    -------
    ibis.Table
        ``approval_id, county_code, approval_date, approved_mu`` and one column per cutoff.
    """
    approvals = ctx.engine.table("approvals")
    supplies = ctx.engine.table("supplies")
    supplied = supplies.group_by("approval_id").aggregate(
        **{
            name: ibis.ifelse(on_or_before(supplies.supply_date, day), supplies.area_mu, 0.0).sum()
            for name, day in cutoffs.items()
        }
    )
    joined = approvals.filter(on_or_before(approvals.approval_date, ctx.as_of)).left_join(supplied, "approval_id")
    return joined.select(
        "approval_id",
        "county_code",
        "approval_date",
        approved_mu=joined.approved_area_mu,
        **{name: ibis.least(joined[name].fill_null(0.0), joined.approved_area_mu) for name in cutoffs},
    )


def _per_approval(ctx: Context) -> ibis.Table:
    """:func:`_approvals_supplied` at the cutoffs every table here needs, computed once per context into an engine
    temporary table (the join of approvals and supplies is the expensive part; :func:`approval_sums` and
    :func:`unsupplied_approvals` both read its result).

    Cutoffs: ``supplied_mu`` at ``as_of``, ``supplied_before`` on 31 December of the year before, and
    ``supplied_q1``, ``supplied_q2``, … at each of :func:`quarter_ends`.
    """
    key = "_stock_land_per_approval"
    if key not in ctx.cache:
        prior_day = date(ctx.as_of.year, 1, 1) - timedelta(days=1)
        cutoffs = {"supplied_mu": ctx.as_of, "supplied_before": prior_day}
        cutoffs |= {f"supplied_q{q}": end for q, end in enumerate(quarter_ends(ctx.as_of), 1)}
        ctx.cache[key] = ctx.engine.materialize(_approvals_supplied(ctx, cutoffs), "stock_land_per_approval")
    return ctx.cache[key]


def approval_sums(ctx: Context) -> pd.DataFrame:
    """Approvals up to ``ctx.as_of`` with their supplied area, summed in the engine (cached per context).

    One row per county, ``approval_year`` and ``age_years`` (whole years of age at ``as_of``: an approval is at
    least *k* years old when ``approval_date ≤ as_of − k years``), so every 批而未供 table below is a sum over
    these few rows and one engine pass over approvals and supplies serves them all.  Columns:

    * ``approvals_count``, ``approved_mu``; ``supplied_mu`` and ``unsupplied_mu`` as of ``as_of``;
    * ``stock_mu``: unsupplied on 31 December of the year before ``as_of``'s;
    * ``disposed_q1``, ``disposed_q2``, …: supplied between that day and each of :func:`quarter_ends`.

    Supplied areas are per approval and capped at the approved area (see the module notes).  The engine groups by
    year and by whether the approval's calendar day falls after ``as_of``'s day of the year (its birthday is
    then still to come): the age is ``as_of.year − approval_year``, one less after the birthday.  This agrees
    with :func:`years_back` on 29 February too.
    """
    key = "_stock_land_approval_sums"
    if key not in ctx.cache:
        ends = quarter_ends(ctx.as_of)
        per = _per_approval(ctx)
        month, day = per.approval_date.month(), per.approval_date.day()
        grouped = per.group_by(
            "county_code",
            approval_year=per.approval_date.year().cast("int64"),
            birthday_ahead=(month > ctx.as_of.month) | ((month == ctx.as_of.month) & (day > ctx.as_of.day)),
        )
        sums = grouped.aggregate(
            approvals_count=per.count(),
            approved_mu=per.approved_mu.sum(),
            supplied_mu=per.supplied_mu.sum(),
            unsupplied_mu=(per.approved_mu - per.supplied_mu).sum(),
            stock_mu=(per.approved_mu - per.supplied_before).sum(),
            **{f"disposed_q{q}": (per[f"supplied_q{q}"] - per.supplied_before).sum() for q in range(1, len(ends) + 1)},
        )
        frame = ctx.engine.execute(sums.order_by(["county_code", "approval_year", "birthday_ahead"]))
        age = ctx.as_of.year - frame["approval_year"] - frame.pop("birthday_ahead").astype("int64")
        frame.insert(2, "age_years", age)
        ctx.cache[key] = frame
    return ctx.cache[key]


def _stock_by_county(ctx: Context, max_age_years: int | None = None) -> pd.DataFrame:
    """Approved, supplied and unsupplied area per county and for the city, of approvals up to ``ctx.as_of``
    (only those younger than ``max_age_years`` when given)."""
    per = approval_sums(ctx)
    if max_age_years is not None:
        per = per[per["age_years"] < max_age_years]
    sums = ["approvals_count", "approved_mu", "supplied_mu", "unsupplied_mu"]
    frame = with_city_row(ctx, per.groupby("county_code", as_index=False)[sums].sum(), sums)
    frame["approvals_count"] = frame["approvals_count"].astype("int64")
    frame[sums[1:]] = frame[sums[1:]].round(AREA_DECIMALS)
    return frame


def _rate_text(value: float) -> str:
    """A measured rate for rule texts, one decimal: ``36.2%``."""
    return f"{value:.1f}%"


def _floor_text(value: float) -> str:
    """A policy floor for rule texts as the policy writes it: ``40%``, ``7%``, ``2.5%``."""
    return f"{round(value, 6):g}%"


def _texts(values: pd.Series, fmt) -> pd.Series:
    """``fmt`` applied to each value, ``""`` where the value is missing (a rule that does not apply)."""
    return values.map(fmt, na_action="ignore").astype(object).fillna("").astype(str)


# ----------------------------------------------------------------------------------------------------------
# 批而未供 stock, aging and supply rate


@indicator("unsupplied_stock")
def unsupplied_stock(ctx: Context) -> pd.DataFrame:
    """批而未供: approved, supplied and unsupplied area per county and for the city, all approvals to date.

    Formula: per approval, ``supplied = min(Σ supplies.area_mu with supply_date ≤ as_of, approved_area_mu)``
    and ``unsupplied = approved − supplied`` (never negative); summed per county, the city row is the sum.
    Source: DOMAIN §4, seed 000 三、(四)"全市目前批而未供土地余量 11616 亩".

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, approvals_count, approved_mu, supplied_mu, unsupplied_mu``.
    """
    return filter_region(ctx, _stock_by_county(ctx))


@indicator("unsupplied_aging")
def unsupplied_aging(ctx: Context) -> pd.DataFrame:
    """Unsupplied area by approval year and age band, per county and for the city.

    Formula: the per-approval unsupplied area of :func:`unsupplied_stock`, grouped by county, calendar year of
    ``approval_date`` and age at ``as_of`` (bands :data:`AGE_BANDS`: an approval is at least *k* years old when
    ``approval_date ≤ as_of − k years``).  Source: DOMAIN §4 (old stock is the hardest to dispose).

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, approval_year, age_band, approved_mu, supplied_mu, unsupplied_mu``;
        one row per region, year and band that has approvals; the city rows are the sums over counties.
    """
    sums = ["approved_mu", "supplied_mu", "unsupplied_mu"]
    per = approval_sums(ctx)
    # Oldest band first: the first band whose minimum age the approval has reached.
    older = [(label, low) for label, low, _ in reversed(AGE_BANDS) if low > 0]
    per = per.assign(age_band=np.select([per["age_years"] >= low for _, low in older], [label for label, _ in older],
                                        AGE_BANDS[0][0]))
    by_county = per.groupby(["county_code", "approval_year", "age_band"], as_index=False)[sums].sum()
    by_county[sums] = by_county[sums].round(AREA_DECIMALS)
    regions = regions_frame(ctx)
    counties = regions[regions["level"] == "county"].merge(
        by_county.rename(columns={"county_code": "region_code"}), on="region_code"
    )
    city = regions[regions["level"] == "city"].merge(
        by_county.groupby(["approval_year", "age_band"], as_index=False)[sums].sum(), how="cross"
    )
    frame = pd.concat([city, counties], ignore_index=True)
    frame["approval_year"] = frame["approval_year"].astype("int64")
    band_order = {label: i for i, (label, _, _) in enumerate(AGE_BANDS)}
    frame["_city"] = frame["level"] != "city"
    frame["_band"] = frame["age_band"].map(band_order)
    frame = frame.sort_values(["_city", "region_code", "approval_year", "_band"]).drop(columns=["_city", "_band"])
    return filter_region(ctx, frame)


@indicator("supply_rate_5y")
def supply_rate_5y(ctx: Context) -> pd.DataFrame:
    """五年供地率: supplied ÷ approved over the approvals of the window ending at ``as_of``, vs the floor.

    Formula: approvals with ``as_of − supply_rate_window_years < approval_date ≤ as_of``;
    ``supply_rate = Σ supplied ÷ Σ approved`` (supplied per approval as in :func:`unsupplied_stock`);
    ``below_min = supply_rate < supply_rate_min``; ``gap_pp = supply_rate − supply_rate_min`` in percentage
    points (negative: below the floor by that much).  Source: seed 000 三、(二)"对前5年供地率低于40%的县
    （市、区），暂停其除国家、省级、市级重点项目和民生保障项目外的用地报件受理"; 供地率提升至 79.22%.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, window_start, window_end, approvals_count, approved_mu,
        supplied_mu, unsupplied_mu, supply_rate_pct, supply_rate_min_pct, below_min, gap_pp``.  A region
        without approvals in the window has a NaN rate and is not flagged.
    """
    window = int(ctx.profile["supply_rate_window_years"])
    start = years_back(ctx.as_of, window)
    frame = _stock_by_county(ctx, max_age_years=window)
    floor_pct = 100.0 * float(ctx.profile["supply_rate_min"])
    frame.insert(3, "window_start", pd.Timestamp(start + timedelta(days=1)))
    frame.insert(4, "window_end", pd.Timestamp(ctx.as_of))
    frame["supply_rate_pct"] = 100.0 * safe_ratio(frame["supplied_mu"], frame["approved_mu"])
    frame["supply_rate_min_pct"] = floor_pct
    frame["below_min"] = (frame["supply_rate_pct"] < floor_pct).to_numpy()
    frame["gap_pp"] = frame["supply_rate_pct"] - floor_pct
    return filter_region(ctx, frame)


# ----------------------------------------------------------------------------------------------------------
# Disposal rates and sanctions


def quarter_ends(as_of: date) -> list[date]:
    """The cumulative periods of ``as_of``'s year: each quarter's last day, the current one cut at ``as_of``."""
    ends = []
    for q in range(1, quarter_of(as_of) + 1):
        last = date(as_of.year, 12, 31) if q == 4 else date(as_of.year, 3 * q + 1, 1) - timedelta(days=1)
        ends.append(min(last, as_of))
    return ends


def _quarterly_sums(ctx: Context, ends: list[date]) -> pd.DataFrame:
    """Per county: 批而未供 stock at the start of the year and what was disposed of it and of idle land by each end."""
    prior_day = date(ctx.as_of.year, 1, 1) - timedelta(days=1)
    names = {"stock_mu": "unsupplied_stock_mu"}
    names |= {f"disposed_q{q}": f"unsupplied_disposed_q{q}" for q in range(1, len(ends) + 1)}
    approvals = approval_sums(ctx)
    before_year = approvals[approvals["approval_year"] < ctx.as_of.year]  # approved on or before prior_day
    stock = before_year.groupby("county_code", as_index=False)[list(names)].sum().rename(columns=names)
    idle = ctx.engine.table("idle_land")
    # A case counts for the year if it was still open on 1 January (no disposal date, or one in the year).
    open_in_year = idle.disposal_date.isnull() | ~on_or_before(idle.disposal_date, prior_day)
    idle_sums = {}
    for q, end in enumerate(ends, 1):
        in_base = open_in_year & on_or_before(idle.identified_date, end)
        disposed = in_base & idle.disposal_date.notnull() & on_or_before(idle.disposal_date, end)
        idle_sums[f"idle_open_q{q}"] = ibis.ifelse(in_base, idle.area_mu, 0.0).sum()
        idle_sums[f"idle_disposed_q{q}"] = ibis.ifelse(disposed, idle.area_mu, 0.0).sum()
    idle_by_county = idle.group_by("county_code").aggregate(**idle_sums)
    merged = stock.merge(ctx.engine.execute(idle_by_county), on="county_code", how="outer")
    sums = [c for c in merged.columns if c != "county_code"]
    merged[sums] = merged[sums].astype("float64").round(AREA_DECIMALS)
    return with_city_row(ctx, merged, sums)


@indicator("disposal_rates_quarterly")
def disposal_rates_quarterly(ctx: Context) -> pd.DataFrame:
    """Cumulative disposal rates of 批而未供 and 闲置 land by quarter of ``as_of``'s year, with the quarter's floor.

    Formula (cumulative from 1 January Y to the quarter end E, the current quarter cut at ``as_of``):

    * 批而未供 rate = area supplied in [1 Jan Y, E] on approvals dated before Y ÷ their unsupplied area on
      31 Dec Y−1 (per approval, capped as in :func:`unsupplied_stock`);
    * 闲置 rate = area of cases disposed in [1 Jan Y, E] ÷ area of cases identified by E and not disposed
      before Y (open at some point of the period);
    * ``both_below_floor`` = both rates below the floor of ``disposal_rate_quarterly_min`` for the quarter
      (Q1 has none; an undefined rate — nothing to dispose — is not below).

    These are the definitions the demo generator is calibrated to (``dashboard/demo/ledgers.py``, "Disposal-rate
    design").  Source: seed 000 三、(二)"当年二至四季度，对批而未供和闲置土地处置率两项同时未达到3%、7%、15%的县
    （市、区）暂停其……用地报件受理".

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, year, quarter, period_end, unsupplied_stock_mu,
        unsupplied_disposed_mu, unsupplied_disposal_rate_pct, idle_open_mu, idle_disposed_mu,
        idle_disposal_rate_pct, disposal_floor_pct, both_below_floor``, one row per region and quarter.
    """
    ends = quarter_ends(ctx.as_of)
    sums = _quarterly_sums(ctx, ends)
    floors = ctx.profile["disposal_rate_quarterly_min"]
    parts = []
    for q, end in enumerate(ends, 1):
        part = sums[["region_code", "region_name", "level"]].copy()
        part["year"] = ctx.as_of.year
        part["quarter"] = q
        part["period_end"] = pd.Timestamp(end)
        part["unsupplied_stock_mu"] = sums["unsupplied_stock_mu"]
        part["unsupplied_disposed_mu"] = sums[f"unsupplied_disposed_q{q}"]
        part["unsupplied_disposal_rate_pct"] = 100.0 * safe_ratio(
            part["unsupplied_disposed_mu"], part["unsupplied_stock_mu"]
        )
        part["idle_open_mu"] = sums[f"idle_open_q{q}"]
        part["idle_disposed_mu"] = sums[f"idle_disposed_q{q}"]
        part["idle_disposal_rate_pct"] = 100.0 * safe_ratio(part["idle_disposed_mu"], part["idle_open_mu"])
        floor = floors.get(f"Q{q}")
        part["disposal_floor_pct"] = np.nan if floor is None else 100.0 * float(floor)
        unsupplied_below = part["unsupplied_disposal_rate_pct"] < part["disposal_floor_pct"]
        idle_below = part["idle_disposal_rate_pct"] < part["disposal_floor_pct"]
        part["both_below_floor"] = (unsupplied_below & idle_below).to_numpy()
        part["any_below_floor"] = (unsupplied_below | idle_below).to_numpy()
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["_city"] = frame["level"] != "city"
    frame = frame.sort_values(["_city", "region_code", "quarter"]).drop(columns="_city")
    return filter_region(ctx, frame)


#: Names of the project levels a suspension still accepts (``suspension_exempt_levels``), for the rule text.
EXEMPT_LEVEL_ZH = {"national": "国家", "provincial": "省级", "prefecture": "市级"}
EXEMPT_LEVEL_EN = {"national": "national", "provincial": "provincial", "prefecture": "prefecture"}


def _join_nonempty(first: pd.Series, second: pd.Series, sep: str) -> pd.Series:
    """Element-wise ``first + sep + second``, leaving out the separator where either part is empty."""
    return (first + np.where((first != "") & (second != ""), sep, "") + second).astype(str)


@indicator("suspension_flags")
def suspension_flags(ctx: Context) -> pd.DataFrame:
    """The two 增存挂钩 sanctions of seed 000 per county, with the rule and the shortfall in words.

    Formula: ``suspended_supply_rate`` = five-year supply rate < ``supply_rate_min`` (see
    :func:`supply_rate_5y`); ``suspended_disposal`` = in the quarter of ``as_of`` (cumulative to ``as_of``),
    when it has a floor in ``disposal_rate_quarterly_min`` (Q2–Q4), both the 批而未供 and the 闲置 disposal
    rates are below it — or either, when ``disposal_suspension_both_required`` is false (宁夏, seed 004
    （十二）) — (see :func:`disposal_rates_quarterly`); ``suspended`` = either sanction.  The rule text names the
    project levels still accepted (``suspension_exempt_levels``) besides livelihood projects.  Source: seed 000
    三、(二).

    Returns
    -------
    DataFrame
        County rows: ``region_code, region_name, level, supply_rate_pct, supply_rate_min_pct,
        suspended_supply_rate, quarter, unsupplied_disposal_rate_pct, idle_disposal_rate_pct,
        disposal_floor_pct, suspended_disposal, suspended, rule_zh, rule_en, shortfall_zh, shortfall_en``
        (texts empty when the county is not suspended).
    """
    window = int(ctx.profile["supply_rate_window_years"])
    supply = compute("supply_rate_5y", ctx)
    supply = supply.loc[supply["level"] == "county", ["region_code", "region_name", "level", "supply_rate_pct",
                                                      "supply_rate_min_pct", "below_min"]]
    disposal = compute("disposal_rates_quarterly", ctx)
    current = disposal[(disposal["level"] == "county") & (disposal["quarter"] == quarter_of(ctx.as_of))]
    frame = supply.rename(columns={"below_min": "suspended_supply_rate"}).merge(
        current[["region_code", "quarter", "unsupplied_disposal_rate_pct", "idle_disposal_rate_pct",
                 "disposal_floor_pct", "both_below_floor", "any_below_floor"]],
        on="region_code",
        how="left",
    )
    both_required = bool(ctx.profile["disposal_suspension_both_required"])
    frame["suspended_disposal"] = frame.pop("both_below_floor" if both_required else "any_below_floor")
    frame = frame.drop(columns=["any_below_floor" if both_required else "both_below_floor"])
    frame["suspended_disposal"] = frame["suspended_disposal"].fillna(False).astype(bool)
    frame["suspended"] = frame["suspended_supply_rate"] | frame["suspended_disposal"]

    floor_pct = frame["supply_rate_min_pct"]
    levels = list(ctx.profile["suspension_exempt_levels"])
    exempt_zh = "、".join(EXEMPT_LEVEL_ZH.get(level, level) for level in levels)
    exempt_en = ", ".join(EXEMPT_LEVEL_EN.get(level, level) for level in levels)
    sanction_zh = f"，暂停除{exempt_zh}重点项目和民生保障项目外的用地报件受理"
    sanction_en = f": land applications suspended except {exempt_en} key projects and livelihood projects"
    supply_rule_zh = f"前{window}年供地率低于" + _texts(floor_pct, _floor_text) + sanction_zh
    supply_rule_en = f"{window}-year supply rate below " + _texts(floor_pct, _floor_text) + sanction_en
    supply_short_zh = "供地率 " + _texts(frame["supply_rate_pct"], _rate_text) + " < " + _texts(floor_pct, _floor_text)
    supply_short_en = "supply rate " + _texts(frame["supply_rate_pct"], _rate_text) + " < " + _texts(floor_pct, _floor_text)
    floor = _texts(frame["disposal_floor_pct"], _floor_text)
    quarter = frame["quarter"].astype("Int64").astype(str)
    which_zh, which_en = ("两项同时", "both") if both_required else ("任一项", "either")
    disposal_rule_zh = "第" + quarter + f"季度批而未供和闲置土地处置率{which_zh}未达到" + floor + sanction_zh
    disposal_rule_en = "Q" + quarter + f": disposal rate of unsupplied or idle land ({which_en}) below " + floor + sanction_en
    unsupplied_rate = frame["unsupplied_disposal_rate_pct"]
    idle_rate = frame["idle_disposal_rate_pct"]
    unsupplied, idle = _texts(unsupplied_rate, _rate_text), _texts(idle_rate, _rate_text)
    # the shortfall names the rates that missed the floor (with "either", one may have met it)
    unsupplied_missed = (unsupplied_rate < frame["disposal_floor_pct"]).to_numpy()
    idle_missed = (idle_rate < frame["disposal_floor_pct"]).to_numpy()
    missed_zh = [("批而未供处置率 " + unsupplied + " < " + floor).where(unsupplied_missed, ""),
                 ("闲置土地处置率 " + idle + " < " + floor).where(idle_missed, "")]
    missed_en = [("unsupplied disposal " + unsupplied + " < " + floor).where(unsupplied_missed, ""),
                 ("idle disposal " + idle + " < " + floor).where(idle_missed, "")]
    disposal_short_zh = _join_nonempty(*missed_zh, sep="，")
    disposal_short_en = _join_nonempty(*missed_en, sep=", ")

    def join(first: pd.Series, second: pd.Series, sep: str) -> pd.Series:
        return _join_nonempty(first.where(frame["suspended_supply_rate"], ""),
                              second.where(frame["suspended_disposal"], ""), sep=sep)

    frame["rule_zh"] = join(supply_rule_zh, disposal_rule_zh, "；")
    frame["rule_en"] = join(supply_rule_en, disposal_rule_en, "; ")
    frame["shortfall_zh"] = join(supply_short_zh, disposal_short_zh, "；")
    frame["shortfall_en"] = join(supply_short_en, disposal_short_en, "; ")
    return filter_region(ctx, frame.reset_index(drop=True))


# ----------------------------------------------------------------------------------------------------------
# 一地一策


@indicator("idle_cases")
def idle_cases(ctx: Context) -> pd.DataFrame:
    """The idle-land case table (一地一策): one row per case identified by ``as_of``, with deadline and overdue days.

    Formula: ``deadline`` = the recorded deadline, else ``identified_date + idle_disposal_deadline_months``;
    ``disposed`` = a disposal date on or before ``as_of`` (or status "disposed" without a date);
    ``overdue_days = max(0, as_of − deadline)`` for cases not disposed, 0 for disposed ones.  Source: DOMAIN §4
    (闲置土地 one parcel one plan: identified date, cause, method, deadline); 《闲置土地处置办法》第十四条.

    Returns
    -------
    DataFrame
        ``case_id, region_code, region_name, level, area_mu, parcel_id, supply_id, cause, status, method,
        identified_date, disposal_date, deadline, deadline_defaulted, disposed, overdue_days, overdue``, most
        overdue first.
    """
    cases = ctx.engine.table("idle_land")
    known = cases.identified_date.isnull() | on_or_before(cases.identified_date, ctx.as_of)
    wanted = ["case_id", "county_code", "area_mu", "parcel_id", "supply_id", "cause", "status", "method",
              "identified_date", "disposal_date", "deadline"]
    frame = ctx.engine.execute(cases.filter(known).select(*[c for c in wanted if c in cases.columns]))
    for col in wanted:
        if col not in frame.columns:  # optional contract columns the upload lacked
            frame[col] = pd.NaT if col.endswith("date") or col == "deadline" else None
    for col in ("identified_date", "disposal_date", "deadline"):
        frame[col] = pd.to_datetime(frame[col]).dt.tz_localize(None).dt.normalize()
    as_of = pd.Timestamp(ctx.as_of)
    months = int(ctx.profile["idle_disposal_deadline_months"])
    frame["deadline_defaulted"] = frame["deadline"].isna() & frame["identified_date"].notna()
    frame["deadline"] = frame["deadline"].fillna(frame["identified_date"] + pd.DateOffset(months=months))
    frame["disposed"] = (frame["disposal_date"] <= as_of) | (
        frame["disposal_date"].isna() & (frame["status"] == "disposed")
    ).fillna(False).astype(bool)
    late = (as_of - frame["deadline"]).dt.days.clip(lower=0).fillna(0).astype("int64")
    frame["overdue_days"] = np.where(frame["disposed"], 0, late)
    frame["overdue"] = frame["overdue_days"] > 0

    names = regions_frame(ctx)[["region_code", "region_name", "level"]]
    frame = frame.rename(columns={"county_code": "region_code"}).merge(names, on="region_code", how="left")
    frame["level"] = "case"
    frame = frame.sort_values(["overdue_days", "case_id"], ascending=[False, True])
    columns = ["case_id", "region_code", "region_name", "level", "area_mu", "parcel_id", "supply_id", "cause",
               "status", "method", "identified_date", "disposal_date", "deadline", "deadline_defaulted",
               "disposed", "overdue_days", "overdue"]
    return filter_region(ctx, frame[columns])


@indicator("unsupplied_approvals")
def unsupplied_approvals(ctx: Context) -> pd.DataFrame:
    """批而未供 per approval: each approval to date with its supplied and unsupplied area (the map's parcels).

    Formula: as :func:`unsupplied_stock`, per approval: ``supplied = min(Σ supplies.area_mu with supply_date ≤
    as_of, approved_area_mu)``, ``unsupplied = approved − supplied``; the county sums are
    :func:`unsupplied_stock`.  Source: DOMAIN §4, seed 000 三、(四).

    Returns
    -------
    DataFrame
        ``approval_id, region_code, region_name, level, approval_date, approved_mu, supplied_mu, unsupplied_mu``,
        largest unsupplied area first (level "approval").
    """
    per = _per_approval(ctx)
    if ctx.region is not None:  # a county view: filter in the engine, before the rows are fetched
        per = per.filter(per.county_code == ctx.region)
    # Arithmetic, rounding and the sort run in the engine (parallel, no pandas pass over a million rows).
    unsupplied = ibis.greatest(per.approved_mu - per.supplied_mu, 0.0)
    per = per.select(
        "approval_id",
        region_code=per.county_code,
        approval_date=per.approval_date,
        approved_mu=per.approved_mu.round(AREA_DECIMALS),
        supplied_mu=per.supplied_mu.round(AREA_DECIMALS),
        unsupplied_mu=unsupplied.round(AREA_DECIMALS),
    ).order_by([ibis.desc("unsupplied_mu"), "approval_id"])
    frame = ctx.engine.execute(per)
    names = regions_frame(ctx).set_index("region_code")["region_name"]
    frame.insert(2, "region_name", lookup(frame["region_code"], names))
    frame.insert(3, "level", "approval")
    return frame.reset_index(drop=True)
