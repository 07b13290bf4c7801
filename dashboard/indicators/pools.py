"""指标调节池 (regulation pools, seed 003 附件3 《黔南州土地要素保障指标调节工作细则（试行）》): what each county
owes and has put into the three pools, the pool ledger (台账), and pure simulators of a draw on each pool.

The three pools (第一条) and their rules:

``arable``   耕地占补平衡指标 (第九条–第十四条): 10% of each county's net filed indicators, ownership unchanged;
             a draw takes first the applicant's own pooled indicators (free), then prefecture-owned ones, then
             other counties' in descending order of how much each has pooled, at the mean platform price of the
             previous 6 months.
``quota``    年度新增建设用地计划指标 (第十五条–第二十条): 20% of each county's annual quota; a county may draw only
             when its own quota for the year is used up and last year's stock-disposal task is complete.
``boundary`` 城镇开发边界新增规模指标 (第三条–第八条): each year's unused scale inside the boundary rolls in; a draw
             takes from counties with the most left and the lowest use rate, from as few counties as possible.

Only the arable pool has draw records (``arable_ledger`` kind ``pooled_out``); the quota and boundary pools have
no draw dataset yet, so their ledger shows ``drawn = 0``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from dashboard.indicators import Context, indicator
from dashboard.indicators.arable import (
    INDICATORS,
    PREFECTURE_OWNER,
    PRICE_UNITS,
    arable_sums,
    tidy_by_indicator,
    to_wan,
)
from dashboard.indicators.common import filter_region, regions_frame, safe_ratio, with_city_row
from dashboard.policy import Profile

POOLS = ("arable", "quota", "boundary")
#: Indicator names of the one-indicator pools (the arable pool uses :data:`INDICATORS`).
QUOTA_INDICATOR = "quota"
BOUNDARY_INDICATOR = "ubg_scale"
#: Reason codes a draw can carry.  All but ``pool_insufficient`` make the applicant ineligible.
REASONS = (
    "project_level_ineligible",  # the project is not of a level the pool serves (第五条 / 第十一条 / 第十七条)
    "negative_list",  # the county is on the review negative list (第二十条)
    "no_quota_record",  # no plan_quotas row for the county and year
    "own_quota_not_used_up",  # 第十七条（二）: 本年度指标已使用完毕 not met
    "no_stock_task_record",  # no plan_quotas row for the previous year
    "stock_task_incomplete",  # 第十七条（二）: 上一年度存量建设用地目标处置任务已完成 not met
    "pool_insufficient",  # eligible, but the pool could not cover the whole need
)
LEDGER_COLUMNS = ["pool", "indicator", "unit", "region_code", "region_name", "level", "owner", "contributed", "drawn",
                  "available", "use_ratio"]
DRAW_COLUMNS = ["source_owner", "indicator", "unit", "quantity", "unit_price", "price_unit", "cost_wan", "payee"]
#: Float slack when comparing areas (a quota used to the last 0.01 亩 is used up).
EPS = 1e-9


# ----------------------------------------------------------------------------------------------------------
# contributions


@indicator("pool_arable_contributions")
def pool_arable_contributions(ctx: Context) -> pd.DataFrame:
    """10% of each county's net filed 占补 indicators per year: due to the pool, handed in, outstanding.

    Formula, per county, year (from ``pool_arable_start_year`` to the year of ``as_of``) and indicator:
    ``due = pool_arable_share × filed`` where ``filed`` is the ledger's ``filed`` entries of the year (the
    ledger records what was actually filed, i.e. 按规定扣除和省级统筹后实际入库可用指标); ``pooled`` = the
    county's ``pooled_in`` entries of the year that keep the county as owner (权属不变); ``outstanding =
    due − pooled`` (negative when a county has handed in more).  City rows sum the counties.

    Returns ``region_code``, ``region_name``, ``level``, ``year``, ``indicator``, ``unit``, ``filed``, ``due``,
    ``pooled``, ``outstanding`` (in the row's unit).

    Source: seed 003 附件3 第十条.
    """
    share = float(ctx.profile["pool_arable_share"])
    first_year = int(ctx.profile["pool_arable_start_year"])
    ledger = arable_sums(ctx)
    filed = ledger["kind"] == "filed"
    # Entries owned by the pool built the old city reserve (ownership transferred), not the 10% share.
    pooled = (ledger["kind"] == "pooled_in") & (ledger["owner"] == ledger["county_code"])
    flows = ledger[filed | pooled].assign(flow=np.where(filed[filed | pooled], "filed", "pooled"))
    blocks = []
    for year in range(first_year, ctx.as_of.year + 1):
        block = tidy_by_indicator(ctx, flows[flows["year"] == year], "flow", ["filed", "pooled"])
        block.insert(3, "year", year)
        blocks.append(block)
    columns = ["region_code", "region_name", "level", "year", "indicator", "unit", "filed", "due", "pooled",
               "outstanding"]
    if not blocks:
        return pd.DataFrame(columns=columns)
    table = pd.concat(blocks, ignore_index=True)
    table["due"] = share * table["filed"]
    table["outstanding"] = table["due"] - table["pooled"]
    return filter_region(ctx, table[columns])


def quota_pool_eligibility(quotas: pd.DataFrame, county: str, year: int, profile: Profile) -> tuple[str, ...]:
    """Why ``county`` may not draw on the quota pool in ``year`` (empty tuple: it may).

    Parameters
    ----------
    quotas
        ``plan_quotas`` rows (``county_code``, ``year``, ``quota_mu``, ``used_mu``, ``stock_task_mu``,
        ``stock_disposed_mu``).
    county, year
        The applicant and the year of the draw.
    profile
        Policy profile (``pool_quota_share``).

    Returns
    -------
    tuple of str
        Reason codes from :data:`REASONS`: ``no_quota_record`` / ``own_quota_not_used_up`` for the year,
        ``no_stock_task_record`` / ``stock_task_incomplete`` for the year before.

    Notes
    -----
    seed 003 附件3 第十七条（二）: 县（市）本年度指标已使用完毕，且上一年度存量建设用地目标处置任务已完成.  The
    county's own quota for the year is what is left after the pooled share (第十六条):
    ``quota_mu × (1 − pool_quota_share)``; it is used up when ``used_mu`` reaches it.  The task is complete when
    ``stock_disposed_mu ≥ stock_task_mu``.
    """
    share = float(profile["pool_quota_share"])
    rows = quotas[quotas["county_code"].astype(str) == str(county)]
    reasons = []
    this_year = rows[rows["year"] == year]
    if this_year.empty:
        reasons.append("no_quota_record")
    else:
        row = this_year.iloc[0]
        if float(row["used_mu"]) < float(row["quota_mu"]) * (1.0 - share) - EPS:
            reasons.append("own_quota_not_used_up")
    last_year = rows[rows["year"] == year - 1]
    if last_year.empty:
        reasons.append("no_stock_task_record")
    else:
        row = last_year.iloc[0]
        if float(row["stock_disposed_mu"]) < float(row["stock_task_mu"]) - EPS:
            reasons.append("stock_task_incomplete")
    return tuple(reasons)


def plan_quotas(ctx: Context) -> pd.DataFrame:
    """``plan_quotas`` as pandas with ``county_code`` as str and ``year`` as int (cached per context)."""
    key = "_pools_plan_quotas"
    if key not in ctx.cache:
        quotas = ctx.engine.to_pandas("plan_quotas")
        quotas["county_code"] = quotas["county_code"].astype(str)
        quotas["year"] = quotas["year"].astype(int)
        ctx.cache[key] = quotas
    return ctx.cache[key]


def quota_table(ctx: Context) -> pd.DataFrame:
    """:func:`pool_quota_contributions` for every region (no region filter; cached per context)."""
    key = "_pools_quota_table"
    if key in ctx.cache:
        return ctx.cache[key]
    share = float(ctx.profile["pool_quota_share"])
    year = ctx.as_of.year
    quotas = plan_quotas(ctx)
    this_year = quotas[quotas["year"] == year][["county_code", "quota_mu", "used_mu"]]
    last_year = quotas[quotas["year"] == year - 1][["county_code", "stock_task_mu", "stock_disposed_mu"]]
    last_year = last_year.rename(columns={"stock_task_mu": "prev_stock_task_mu",
                                          "stock_disposed_mu": "prev_stock_disposed_mu"})
    by_county = this_year.merge(last_year, on="county_code", how="outer")
    sums = ["quota_mu", "pooled_mu", "own_quota_mu", "used_mu", "own_remaining_mu", "prev_stock_task_mu",
            "prev_stock_disposed_mu"]
    by_county["pooled_mu"] = share * by_county["quota_mu"]
    by_county["own_quota_mu"] = by_county["quota_mu"] - by_county["pooled_mu"]
    by_county["own_remaining_mu"] = by_county["own_quota_mu"] - by_county["used_mu"]
    table = with_city_row(ctx, by_county[["county_code", *sums]], sums)
    table.insert(3, "year", year)
    # Eligibility belongs to a county; the city row has none.
    reasons = [None if level == "city" else quota_pool_eligibility(quotas, code, year, ctx.profile)
               for code, level in zip(table["region_code"], table["level"])]
    table["may_draw"] = [None if r is None else not r for r in reasons]
    table["reasons"] = [None if r is None else ",".join(r) for r in reasons]
    ctx.cache[key] = table
    return table


@indicator("pool_quota_contributions")
def pool_quota_contributions(ctx: Context) -> pd.DataFrame:
    """20% of each county's annual new-construction quota for the year of ``as_of``, and who may draw.

    Formula: ``pooled_mu = pool_quota_share × quota_mu``; ``own_quota_mu = quota_mu − pooled_mu``;
    ``own_remaining_mu = own_quota_mu − used_mu``.  ``may_draw`` is true when the own quota is used up
    (``used_mu ≥ own_quota_mu``) and last year's stock-disposal task is complete (``prev_stock_disposed_mu ≥
    prev_stock_task_mu``); ``reasons`` lists the failed conditions (see :func:`quota_pool_eligibility`).  The
    city row sums the areas and has no eligibility.

    Returns ``region_code``, ``region_name``, ``level``, ``year``, ``quota_mu``, ``pooled_mu``,
    ``own_quota_mu``, ``used_mu``, ``own_remaining_mu``, ``prev_stock_task_mu``, ``prev_stock_disposed_mu``,
    ``may_draw``, ``reasons``.

    Source: seed 003 附件3 第十六条 (20% 纳入州级统筹), 第十七条（二） (申请条件).
    """
    return filter_region(ctx, quota_table(ctx))


def boundary_table(ctx: Context) -> pd.DataFrame:
    """:func:`pool_boundary_contributions` for every region (no region filter; cached per context)."""
    key = "_pools_boundary_table"
    if key in ctx.cache:
        return ctx.cache[key]
    first_year = int(ctx.profile["pool_boundary_first_year"])
    quotas = plan_quotas(ctx)
    # A year's scale rolls over only once the year is over, so the year of as_of is not yet in the pool.
    closed = quotas[(quotas["year"] >= first_year) & (quotas["year"] < ctx.as_of.year)]
    closed = closed.assign(pooled_mu=(closed["ubg_scale_mu"] - closed["ubg_used_mu"]).clip(lower=0.0))
    by_county = closed.groupby("county_code", as_index=False)[["ubg_scale_mu", "ubg_used_mu", "pooled_mu"]].sum()
    sums = ["ubg_scale_mu", "ubg_used_mu", "pooled_mu"]
    table = with_city_row(ctx, by_county, sums)
    table["use_ratio"] = safe_ratio(table["ubg_used_mu"], table["ubg_scale_mu"])
    table.insert(3, "years", f"{first_year}–{ctx.as_of.year - 1}")
    ctx.cache[key] = table
    return table


@indicator("pool_boundary_contributions")
def pool_boundary_contributions(ctx: Context) -> pd.DataFrame:
    """Unused new-construction scale inside the urban development boundary, rolled into the pool per county.

    Formula: over the closed years from ``pool_boundary_first_year`` to the year before ``as_of``:
    ``pooled_mu = Σ max(0, ubg_scale_mu − ubg_used_mu)`` (each year's unused scale rolls in when the year
    ends); ``use_ratio = Σ ubg_used_mu ÷ Σ ubg_scale_mu``.  The city row uses the city's totals.

    Returns ``region_code``, ``region_name``, ``level``, ``years``, ``ubg_scale_mu``, ``ubg_used_mu``,
    ``pooled_mu``, ``use_ratio``.

    Source: seed 003 附件3 第四条 (年度可用城镇开发边界新增规模指标未用完的自动转入全州“调节池”).
    """
    return filter_region(ctx, boundary_table(ctx))


# ----------------------------------------------------------------------------------------------------------
# the pool ledger


def _owner_rows(ctx: Context, pool: str, ind: str, unit: str, by_owner: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows of one pool and indicator: the total, the prefecture's own row (arable only), the counties.

    ``by_owner`` has ``owner`` (county code or :data:`PREFECTURE_OWNER`), ``contributed``, ``drawn`` and
    optionally ``use_ratio``.
    """
    regions = regions_frame(ctx)
    city = regions[regions["level"] == "city"]
    owners = regions[regions["level"] == "county"].assign(owner=lambda f: f["region_code"])
    if pool == "arable":
        owners = pd.concat([city.assign(level="prefecture", owner=PREFECTURE_OWNER), owners])
    owners = owners.reset_index(drop=True)
    values = by_owner.groupby("owner").sum(min_count=1).reindex(owners["owner"].to_numpy())
    for column in ("contributed", "drawn"):
        owners[column] = values[column].fillna(0.0).to_numpy(dtype="float64")
    if "use_ratio" in values:
        owners["use_ratio"] = values["use_ratio"].to_numpy(dtype="float64")
    total = city.assign(owner="total", contributed=owners["contributed"].sum(), drawn=owners["drawn"].sum())
    frame = pd.concat([total, owners], ignore_index=True)
    frame["available"] = frame["contributed"] - frame["drawn"]
    if "use_ratio" not in frame:
        frame["use_ratio"] = np.nan
    return frame.assign(pool=pool, indicator=ind, unit=unit)[LEDGER_COLUMNS]


def ledger_table(ctx: Context) -> pd.DataFrame:
    """:func:`pool_ledger` for every region (no region filter; cached per context)."""
    key = "_pools_ledger"
    if key in ctx.cache:
        return ctx.cache[key]
    ledger = arable_sums(ctx)
    moves = ledger[ledger["kind"].isin(["pooled_in", "pooled_out"])]
    sums = moves.groupby(["owner", "kind"])[[column for column, _ in INDICATORS.values()]].sum()
    blocks = []
    for ind, (column, unit) in INDICATORS.items():
        by_owner = sums[column].unstack("kind").reindex(columns=["pooled_in", "pooled_out"]).fillna(0.0)
        by_owner = by_owner.rename(columns={"pooled_in": "contributed", "pooled_out": "drawn"}).reset_index()
        blocks.append(_owner_rows(ctx, "arable", ind, unit, by_owner))
    quota = quota_table(ctx)
    quota = quota[quota["level"] == "county"]
    blocks.append(_owner_rows(ctx, "quota", QUOTA_INDICATOR, "mu", pd.DataFrame(
        {"owner": quota["region_code"], "contributed": quota["pooled_mu"], "drawn": 0.0})))
    boundary = boundary_table(ctx)
    counties = boundary[boundary["level"] == "county"]
    block = _owner_rows(ctx, "boundary", BOUNDARY_INDICATOR, "mu", pd.DataFrame(
        {"owner": counties["region_code"], "contributed": counties["pooled_mu"], "drawn": 0.0,
         "use_ratio": counties["use_ratio"]}))
    block.loc[block["level"] == "city", "use_ratio"] = boundary.loc[boundary["level"] == "city", "use_ratio"].iloc[0]
    blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    ctx.cache[key] = table
    return table


@indicator("pool_ledger")
def pool_ledger(ctx: Context) -> pd.DataFrame:
    """The pool ledger (台账): per pool, indicator and owner, what was contributed, drawn and is available.

    Formula: ``available = contributed − drawn``.  Arable pool: ``contributed`` = ``pooled_in`` entries and
    ``drawn`` = ``pooled_out`` entries of the arable ledger up to ``as_of``, by ``owner`` (a county, whose
    indicators stay its own, or ``pool``, the prefecture-owned reserve).  Quota pool: ``contributed`` = the
    20% of the year's quota (:func:`pool_quota_contributions`).  Boundary pool: ``contributed`` = the rolled-over
    unused scale (:func:`pool_boundary_contributions`), with each county's ``use_ratio``.  Quota and boundary
    draws have no dataset yet: ``drawn = 0``.

    Returns ``pool``, ``indicator``, ``unit``, ``region_code``, ``region_name``, ``level`` (``city`` for the
    pool's total, ``prefecture`` for the prefecture-owned row, ``county``), ``owner``, ``contributed``,
    ``drawn``, ``available``, ``use_ratio``.  Per pool and indicator the total row comes first and equals the
    sum of the owner rows.  A negative ``available`` means more was drawn on an owner than it put in.

    Source: seed 003 附件3 第二十一条 (三项指标分别建立指标库，实行台账式管理), 第四条, 第十条, 第十六条.
    """
    return filter_region(ctx, ledger_table(ctx))


def pool_positions(ledger: pd.DataFrame, pool: str) -> pd.DataFrame:
    """The owner rows of one pool from a :func:`pool_ledger` table (the input of the ``allocate_*`` simulators).

    Returns ``owner``, ``indicator``, ``unit``, ``contributed``, ``drawn``, ``available``, ``use_ratio``.
    """
    rows = ledger[(ledger["pool"] == pool) & (ledger["level"] != "city")]
    return rows[["owner", "indicator", "unit", "contributed", "drawn", "available", "use_ratio"]].reset_index(
        drop=True)


# ----------------------------------------------------------------------------------------------------------
# allocation simulators (pure: they take frames and return new ones)


@dataclass(frozen=True)
class Allocation:
    """The outcome of a simulated draw on a pool.

    Attributes
    ----------
    eligible
        Whether the applicant may draw at all.
    reasons
        Reason codes from :data:`REASONS` (ineligibility, or ``pool_insufficient`` for a partial draw).
    draws
        One row per (source owner, indicator): ``source_owner``, ``indicator``, ``unit``, ``quantity``,
        ``unit_price``, ``price_unit``, ``cost_wan`` and ``payee`` (``prefecture``, the owner county, or
        ``None`` when free).  Quota and boundary draws carry no price (NaN).
    ledger
        The positions after the draws (same columns as the input positions).
    unmet
        What the pool could not cover, keyed like the need.
    """

    eligible: bool
    reasons: tuple[str, ...]
    draws: pd.DataFrame
    ledger: pd.DataFrame
    unmet: dict[str, float] = field(default_factory=dict)

    @property
    def cost_wan(self) -> float:
        """Total price of the draws in 万元."""
        return float(self.draws["cost_wan"].sum())


def _refused(positions: pd.DataFrame, need: dict[str, float], reasons: list[str]) -> Allocation:
    return Allocation(False, tuple(reasons), pd.DataFrame(columns=DRAW_COLUMNS), positions.copy(), dict(need))


def _level_reasons(project_level: str | None, eligible_levels) -> list[str]:
    """``project_level_ineligible`` when a level is given and is not one the pool serves."""
    return ["project_level_ineligible"] if project_level is not None and project_level not in eligible_levels else []


def _take(after: pd.DataFrame, at: pd.Series, quantity: float) -> None:
    """Book ``quantity`` as drawn on the position selected by ``at`` (in place on the working copy)."""
    after.loc[at, "drawn"] += quantity
    after.loc[at, "available"] -= quantity


def arable_draw_order(positions: pd.DataFrame, applicant: str, ind: str) -> list[str]:
    """Owners in the order seed 003 附件3 第十四条 draws on them for indicator ``ind``.

    First the applicant's own pooled indicators, then the prefecture-owned ones (:data:`PREFECTURE_OWNER`), then
    the other counties by how much of ``ind`` each has had pooled (``contributed``), most first; ties by code.
    """
    rows = positions[positions["indicator"] == ind]
    others = rows[~rows["owner"].isin([applicant, PREFECTURE_OWNER])]
    others = others.sort_values(["contributed", "owner"], ascending=[False, True])
    head = [o for o in (applicant, PREFECTURE_OWNER) if o in set(rows["owner"])]
    return head + list(others["owner"])


def allocate_arable_pool(
    positions: pd.DataFrame,
    applicant: str,
    need: Mapping[str, float],
    prices: Mapping[str, float],
    profile: Profile,
    *,
    project_level: str | None = None,
) -> Allocation:
    """Simulate a county's draw on the arable (占补平衡) pool.

    Parameters
    ----------
    positions
        The arable pool's owner rows (:func:`pool_positions` of :func:`pool_ledger`): ``owner``, ``indicator``,
        ``contributed``, ``drawn``, ``available``.
    applicant
        The applying county's code.
    need
        The gap to cover, keyed by ledger column: ``cultivated_mu``, ``paddy_mu``, ``grain_kg`` (missing = 0).
    prices
        Unit price per indicator (``cultivated``, ``paddy``, ``grain``) in :data:`PRICE_UNITS` (万元/亩,
        元/公斤): the mean platform price of the previous ``pool_price_window_months`` months
        (``dashboard.indicators.arable.platform_prices``).
    profile
        Policy profile (``pool_arable_eligible_levels``).
    project_level
        The project's level (``national``, ``provincial``, ``five_plus_three``, ``prefecture`` …); ``None``
        skips the level check.

    Returns
    -------
    Allocation
        Draws in the order of :func:`arable_draw_order`, each indicator on its own; the applicant's own
        indicators are free, others are priced at ``prices`` and paid to the owner (州级财政 for the
        prefecture's, 县级财政 for a county's).  Nothing is drawn beyond an owner's positive ``available``.

    Notes
    -----
    seed 003 附件3 第十一条 (eligible projects), 第十四条 (price and order).
    """
    reasons = _level_reasons(project_level, profile["pool_arable_eligible_levels"])
    need = {col: float(need.get(col, 0.0)) for col, _ in INDICATORS.values()}
    if reasons:
        return _refused(positions, need, reasons)
    after = positions.copy()
    draws, unmet = [], {}
    for ind, (column, unit) in INDICATORS.items():
        remaining = need[column]
        for owner in arable_draw_order(after, applicant, ind):
            if remaining <= EPS:
                break
            at = (after["owner"] == owner) & (after["indicator"] == ind)
            quantity = min(remaining, max(float(after.loc[at, "available"].sum()), 0.0))
            if quantity <= EPS:
                continue
            free = owner == applicant
            price = 0.0 if free else float(prices[ind])
            draws.append({"source_owner": owner, "indicator": ind, "unit": unit, "quantity": quantity,
                          "unit_price": price, "price_unit": PRICE_UNITS[ind],
                          "cost_wan": to_wan(quantity, price, PRICE_UNITS[ind]),
                          "payee": None if free else ("prefecture" if owner == PREFECTURE_OWNER else owner)})
            _take(after, at, quantity)
            remaining -= quantity
        unmet[column] = max(remaining, 0.0)
    reasons = ["pool_insufficient"] if any(v > EPS for v in unmet.values()) else []
    return Allocation(True, tuple(reasons), pd.DataFrame(draws, columns=DRAW_COLUMNS), after, unmet)


def allocate_quota_pool(
    quotas: pd.DataFrame,
    positions: pd.DataFrame,
    applicant: str,
    need_mu: float,
    year: int,
    profile: Profile,
    *,
    project_level: str | None = None,
    negative_list: Collection[str] = (),
) -> Allocation:
    """Simulate a county's draw on the annual-quota (年度计划指标) pool.

    Parameters
    ----------
    quotas
        ``plan_quotas`` rows, for the eligibility test (:func:`quota_pool_eligibility`).
    positions
        The quota pool's owner rows (:func:`pool_positions`): ``owner``, ``contributed``, ``drawn``,
        ``available``.
    applicant
        The applying county's code.
    need_mu
        Quota needed (亩).
    year
        Year of the draw.
    profile
        Policy profile (``pool_quota_share``, ``pool_quota_eligible_levels``).
    project_level
        The project's level; ``None`` skips the level check.  Provincial and national major projects get quota
        directly from the province (第十七条（一）), so the default profile does not list them.
    negative_list
        Counties on the review negative list for having wasted a previous draw (第二十条).

    Returns
    -------
    Allocation
        Refused with reason codes when the applicant is ineligible.  Otherwise ``min(need, pool available)``,
        charged to the owners in proportion to their available contribution: the seed names no order for this
        pool, which the prefecture holds as one pot (州级统筹), and pro rata keeps each county's share of
        what is left unchanged.
    """
    need = {"quota_mu": float(need_mu)}
    reasons = list(quota_pool_eligibility(quotas, applicant, year, profile))
    reasons += _level_reasons(project_level, profile["pool_quota_eligible_levels"])
    if applicant in set(negative_list):
        reasons.append("negative_list")
    if reasons:
        return _refused(positions, need, reasons)
    after = positions.copy()
    available = after["available"].clip(lower=0.0)
    taken = min(float(need_mu), float(available.sum()))
    draws = []
    for i in after.index[available > EPS]:
        quantity = taken * float(available[i]) / float(available.sum())
        draws.append({"source_owner": after.at[i, "owner"], "indicator": QUOTA_INDICATOR, "unit": "mu",
                      "quantity": quantity, "unit_price": np.nan, "price_unit": None, "cost_wan": np.nan,
                      "payee": None})
        after.at[i, "drawn"] += quantity
        after.at[i, "available"] -= quantity
    unmet = {"quota_mu": max(float(need_mu) - taken, 0.0)}
    reasons = ["pool_insufficient"] if unmet["quota_mu"] > EPS else []
    return Allocation(True, tuple(reasons), pd.DataFrame(draws, columns=DRAW_COLUMNS), after, unmet)


def boundary_donors(positions: pd.DataFrame, applicant: str, need_mu: float) -> list[str]:
    """The counties a boundary-scale draw of ``need_mu`` takes from, in the order it takes from them.

    Rule (seed 003 附件3 第六条（三）: 指标调配优先从剩余指标多、使用率低的县（市）提取，并尽量减少被调剂县（市）数量):

    1. as few donor counties as possible: the smallest ``k`` for which some ``k`` counties together have
       ``need_mu`` available (the applicant is not a donor: it balances within the county first, 第五条（一）);
    2. among the sets of that size that cover the need, the one whose most-used member has the lowest use
       ratio, then the one with the most available in total, then by county codes;
    3. within the set, lowest use ratio first (then most available).

    When no set covers the need, every county with something available, in the order of step 3.
    """
    donors = positions[(positions["owner"] != applicant) & (positions["available"] > EPS)]
    donors = donors.assign(use_ratio=donors["use_ratio"].fillna(0.0))
    by_owner = donors.set_index("owner")
    owners = sorted(by_owner.index)

    def order(chosen) -> list[str]:
        return sorted(chosen, key=lambda o: (by_owner.at[o, "use_ratio"], -by_owner.at[o, "available"], o))

    # The k largest positions are the most any k counties can give, so they tell the smallest k that can cover.
    largest_first = np.cumsum(sorted(by_owner["available"], reverse=True))
    k = int(np.searchsorted(largest_first, need_mu - EPS)) + 1
    if k <= len(owners):
        covering = [c for c in combinations(owners, k) if by_owner.loc[list(c), "available"].sum() >= need_mu - EPS]
        best = min(covering, key=lambda c: (by_owner.loc[list(c), "use_ratio"].max(),
                                            -by_owner.loc[list(c), "available"].sum(), c))
        return order(best)
    return order(owners)


def allocate_boundary_pool(
    positions: pd.DataFrame,
    applicant: str,
    need_mu: float,
    profile: Profile,
    *,
    project_level: str | None = None,
) -> Allocation:
    """Simulate a county's draw on the urban-development-boundary scale pool.

    Parameters
    ----------
    positions
        The boundary pool's owner rows (:func:`pool_positions`): ``owner``, ``available``, ``use_ratio``.
    applicant
        The applying county's code.
    need_mu
        Scale needed (亩).
    profile
        Policy profile (``pool_boundary_eligible_levels``).
    project_level
        The project's level; ``None`` skips the level check.

    Returns
    -------
    Allocation
        Draws from the donors chosen by :func:`boundary_donors`, each giving up to its available scale.

    Notes
    -----
    seed 003 附件3 第五条 (eligible cases), 第六条（三） (order).
    """
    need = {"ubg_scale_mu": float(need_mu)}
    reasons = _level_reasons(project_level, profile["pool_boundary_eligible_levels"])
    if reasons:
        return _refused(positions, need, reasons)
    after = positions.copy()
    remaining = float(need_mu)
    draws = []
    for owner in boundary_donors(after, applicant, remaining):
        if remaining <= EPS:
            break
        at = after["owner"] == owner
        quantity = min(remaining, float(after.loc[at, "available"].sum()))
        draws.append({"source_owner": owner, "indicator": BOUNDARY_INDICATOR, "unit": "mu", "quantity": quantity,
                      "unit_price": np.nan, "price_unit": None, "cost_wan": np.nan, "payee": None})
        _take(after, at, quantity)
        remaining -= quantity
    unmet = {"ubg_scale_mu": max(remaining, 0.0)}
    reasons = ["pool_insufficient"] if unmet["ubg_scale_mu"] > EPS else []
    return Allocation(True, tuple(reasons), pd.DataFrame(draws, columns=DRAW_COLUMNS), after, unmet)

