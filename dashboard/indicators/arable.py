"""耕地占补平衡 (arable balance): the county reserves of the three indicators, their cover, the cost of the
shortfall, the published 玉溪 figures, and the Jiangsu province:county split.

Every project that occupies cultivated land is balanced in **three separate indicators** (DOMAIN.md §2):
耕地数量 ``cultivated`` (亩), 水田规模 ``paddy`` (亩) and 粮食产能 ``grain`` (公斤).  A county can be in surplus on
one and short on another, so every table here has one row per (region, indicator) with a ``unit`` column
(``mu`` or ``kg``) instead of unit-suffixed value columns; money columns are in 万元 (``_wan``).

Ledger convention (``arable_ledger``, see ``dashboard/demo/ledgers.py``): amounts are ≥ 0 and the ``kind``
gives the sign for the county in ``county_code``: ``filed``, ``bought`` and ``pooled_out`` (received from the
pool) add; ``occupied``, ``sold``, ``debt_repaid`` and ``pooled_in`` (handed to the pool) subtract.  ``owner``
is whose indicators the entry moves (the county, or ``pool`` for the city-held reserve).

The ledger grows with every project, so it is summed in the engine (:func:`arable_sums`, one pass per context,
and one more for :func:`published_arable_check`) and only those sums — a few hundred rows — reach pandas; the
same expressions run on DuckDB and on Spark.  The trades table is small and read whole.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from dashboard.indicators import Context, indicator
from dashboard.indicators.common import city_code, filter_region, regions_frame, safe_ratio, with_city_rows
from dashboard.policy import Profile
from dashboard.reference import published_figures

#: Indicator → (ledger column, unit).  The keys are the ``indicator_trades.indicator`` choices.
INDICATORS = {"cultivated": ("cultivated_mu", "mu"), "paddy": ("paddy_mu", "mu"), "grain": ("grain_kg", "kg")}
#: Unit in which the provincial platform quotes each indicator's price (contract ``indicator_trades``).
PRICE_UNITS = {"cultivated": "wan_per_mu", "paddy": "wan_per_mu", "grain": "yuan_per_kg"}
#: Ledger kinds that add to / subtract from the county in ``county_code``.
ADDING_KINDS = ("filed", "bought", "pooled_out")
SUBTRACTING_KINDS = ("occupied", "sold", "debt_repaid", "pooled_in")
KINDS = ADDING_KINDS + SUBTRACTING_KINDS
#: ``owner`` of the indicators held by the city/prefecture itself (库存结余储备, 州级所有指标).
PREFECTURE_OWNER = "pool"
YUAN_PER_WAN = 10_000.0

#: Half of the last published digit: 0.01 亩, and 0.01 万公斤 = 100 kg (the report quotes grain in 万公斤).
MATCH_TOLERANCE = {"mu": 0.005, "kg": 50.0, "count": 0.0}


# ----------------------------------------------------------------------------------------------------------
# shared helpers


def _day_after(day) -> pd.Timestamp:
    """Exclusive end of a window that ends on ``day`` (entries dated any time on ``day`` are inside)."""
    return pd.Timestamp(day) + pd.Timedelta(days=1)


def months_before(ctx_or_day, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window ``(day − months, day]`` as ``(start_exclusive, end_exclusive)`` timestamps.

    Parameters
    ----------
    ctx_or_day
        A :class:`Context` (its ``as_of`` is used) or a date.
    months
        Window length in calendar months.
    """
    day = ctx_or_day.as_of if isinstance(ctx_or_day, Context) else ctx_or_day
    return pd.Timestamp(day) - pd.DateOffset(months=int(months)), _day_after(day)


def arable_sums(ctx: Context) -> pd.DataFrame:
    """The arable ledger up to ``ctx.as_of`` (inclusive), summed in the engine (cached per context).

    One row per county, ``owner`` (the county when the entry names none), ``kind`` and ``year``, with the sums of
    the three indicator columns.  The arable and pool tables sum these rows in place of the entries (a sum over
    the rows of a key is the sum over its entries), so the ledger's size never reaches pandas.
    """
    key = "_arable_sums"
    if key not in ctx.cache:
        ledger = _ledger(ctx)
        grouped = ledger.group_by(
            county_code=ledger.county_code,
            owner=ibis.coalesce(ledger.owner, ledger.county_code),
            kind=ledger.kind,
            year=ledger["date"].year().cast("int64"),
        )
        sums = grouped.aggregate(**{col: ledger[col].sum() for col, _ in INDICATORS.values()})
        ctx.cache[key] = ctx.engine.execute(sums.order_by(["county_code", "owner", "kind", "year"]))
    return ctx.cache[key]


def _ledger(ctx: Context) -> ibis.Table:
    """Ibis: the ``arable_ledger`` entries dated up to ``ctx.as_of`` (inclusive)."""
    ledger = ctx.engine.table("arable_ledger")
    return ledger.filter(ledger["date"] < _day_after(ctx.as_of))


def tidy_by_indicator(ctx: Context, ledger: pd.DataFrame, by: str, sums: list[str]) -> pd.DataFrame:
    """Sum ``ledger`` rows per county and ``by`` value, one block of rows per indicator, with city rows.

    ``ledger`` has ``county_code``, the column ``by`` (whose values become the ``sums`` columns) and the three
    indicator columns.  Returns ``region_code``, ``region_name``, ``level``, ``indicator``, ``unit`` and
    ``sums``; the city row of each indicator is the sum of its county rows.  Rows are ordered city first, then
    counties by code, the three indicators in :data:`INDICATORS` order within a region.
    """
    n = len(ledger)
    flows = np.tile(ledger[by].to_numpy(dtype=object), len(INDICATORS))
    amounts = np.concatenate([ledger[column].to_numpy(dtype="float64", na_value=np.nan)
                              for column, _ in INDICATORS.values()])
    long = pd.DataFrame({
        "county_code": np.tile(ledger["county_code"].astype(str).to_numpy(dtype=object), len(INDICATORS)),
        "indicator": np.repeat(list(INDICATORS), n),
        **{flow: np.where(flows == flow, amounts, 0.0) for flow in sums},
    })
    table = with_city_rows(ctx, long, sums, by="indicator", keys=list(INDICATORS))
    table.insert(4, "unit", table["indicator"].map({ind: unit for ind, (_, unit) in INDICATORS.items()}))
    return table


def order_rows(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """City rows first, then counties by code; indicators in :data:`INDICATORS` order within a region."""
    regions = regions_frame(ctx)
    rank = {code: i for i, code in enumerate(regions["region_code"])}
    ind_rank = {ind: i for i, ind in enumerate([*INDICATORS, "total"])}
    keys = frame["region_code"].map(rank) * 10 + frame["indicator"].map(ind_rank)
    return frame.iloc[np.argsort(keys.to_numpy(), kind="stable")].reset_index(drop=True)


def to_wan(quantity, unit_price, price_unit: str):
    """Money in 万元 for ``quantity`` (亩 or 公斤) at ``unit_price`` in ``price_unit``.

    ``wan_per_mu`` prices multiply directly; ``yuan_per_kg`` prices give 元, divided by 10⁴.
    """
    if price_unit == "wan_per_mu":
        return quantity * unit_price
    if price_unit == "yuan_per_kg":
        return quantity * unit_price / YUAN_PER_WAN
    raise ValueError(f"unknown price unit {price_unit!r}")


def platform_prices(trades: pd.DataFrame, as_of, months: int) -> pd.DataFrame:
    """Mean provincial-platform unit price per indicator over the ``months`` months ending on ``as_of``.

    Parameters
    ----------
    trades
        ``indicator_trades`` rows (``trade_date``, ``indicator``, ``unit_price``, ``price_unit``).
    as_of
        Last day of the window (inclusive); the window is ``(as_of − months, as_of]``.
    months
        Window length (profile ``pool_price_window_months``).

    Returns
    -------
    DataFrame
        One row per indicator of :data:`INDICATORS`: ``indicator``, ``unit_price`` (plain mean of the published
        trade prices, NaN when there was no trade), ``price_unit`` and ``trades`` (count).

    Notes
    -----
    seed 003 附件3 第十四条: 按照前6个月省级指标流转平台公示交易价格的平均值确定 — the mean of the published
    prices, not weighted by quantity.
    """
    start, end = months_before(as_of, months)
    dates = pd.to_datetime(trades["trade_date"])
    window = trades[(dates > start) & (dates < end)]
    rows = []
    for ind, price_unit in PRICE_UNITS.items():
        # A price quoted in another unit cannot be averaged with these; the contract allows only these units.
        prices = window.loc[(window["indicator"] == ind) & (window["price_unit"].fillna(price_unit) == price_unit),
                            "unit_price"]
        rows.append({"indicator": ind, "unit_price": float(prices.mean()) if len(prices) else float("nan"),
                     "price_unit": price_unit, "trades": len(prices)})
    return pd.DataFrame(rows)


def pool_prices(ctx: Context) -> pd.DataFrame:
    """:func:`platform_prices` over the profile's ``pool_price_window_months`` before ``ctx.as_of``."""
    key = "_arable_pool_prices"
    if key not in ctx.cache:
        trades = ctx.engine.to_pandas("indicator_trades")
        ctx.cache[key] = platform_prices(trades, ctx.as_of, ctx.profile["pool_price_window_months"])
    return ctx.cache[key]


# ----------------------------------------------------------------------------------------------------------
# indicators


def balance_table(ctx: Context) -> pd.DataFrame:
    """:func:`arable_balance` for every region (no region filter; cached per context)."""
    key = "_arable_balance"
    if key not in ctx.cache:
        table = tidy_by_indicator(ctx, arable_sums(ctx), "kind", list(KINDS))
        table["balance"] = table[list(ADDING_KINDS)].sum(axis=1) - table[list(SUBTRACTING_KINDS)].sum(axis=1)
        table["shortfall"] = (-table["balance"]).clip(lower=0.0)
        # Each county balances on its own (属地占补): the city's shortfall is what its counties lack in total,
        # not the shortfall of the netted city balance.
        is_city = table["level"] == "city"
        for ind in INDICATORS:
            counties = (table["indicator"] == ind) & ~is_city
            table.loc[is_city & (table["indicator"] == ind), "shortfall"] = table.loc[counties, "shortfall"].sum()
        ctx.cache[key] = table
    return ctx.cache[key]


@indicator("arable_balance")
def arable_balance(ctx: Context) -> pd.DataFrame:
    """Arable indicator balance per county and city, each of the three indicators on its own.

    Formula: ``balance = filed + bought + pooled_out − occupied − sold − debt_repaid − pooled_in`` over all
    ledger entries dated up to ``ctx.as_of``; ``shortfall = max(0, −balance)`` for a county; the city row sums
    the county rows (its shortfall is the sum of the county shortfalls, since counties balance on their own).

    Returns one row per (region, indicator): ``region_code``, ``region_name``, ``level``, ``indicator``
    (cultivated / paddy / grain), ``unit`` (mu / mu / kg), the seven flows, ``balance`` and ``shortfall`` in
    that unit.

    Source: seed 000 三、(三) 耕地占补平衡压力巨大 (入库、核销、购买、归还欠账); DOMAIN.md §2 (three indicators
    balanced separately); seed 003 附件3 第十条 (pool contributions leave the county's free balance).
    """
    return filter_region(ctx, balance_table(ctx))


@indicator("arable_cover")
def arable_cover(ctx: Context) -> pd.DataFrame:
    """Months of occupation the current balance covers at the recent occupation rate.

    Formula: ``occupied_per_month = occupied in (as_of − N months, as_of] ÷ N`` with N the profile's
    ``cover_rate_months``; ``cover_months = max(balance, 0) ÷ occupied_per_month`` (NaN when nothing was
    occupied in the window: the rate is undefined; 0 whenever the balance is ≤ 0).  The city row uses the
    city's totals.

    Returns one row per (region, indicator): ``balance``, ``occupied_window``, ``occupied_per_month`` (in the
    row's ``unit``) and ``cover_months``.

    Source: product convention over the seed 000 ledger (入不敷出: how long the reserve lasts).
    """
    months = int(ctx.profile["cover_rate_months"])
    start, _ = months_before(ctx, months)
    ledger = _ledger(ctx)
    recent = ledger.filter((ledger.kind == "occupied") & (ledger["date"] > start))
    sums = recent.group_by("county_code").aggregate(**{col: recent[col].sum() for col, _ in INDICATORS.values()})
    table = tidy_by_indicator(ctx, ctx.engine.execute(sums).assign(flow="occupied_window"), "flow", ["occupied_window"])
    balance = balance_table(ctx)[["region_code", "indicator", "balance"]]
    table = table.merge(balance, on=["region_code", "indicator"], how="left")
    table["occupied_per_month"] = table["occupied_window"] / months
    cover = safe_ratio(table["balance"], table["occupied_per_month"])
    # A reserve at or below zero covers nothing, whatever the rate; a positive one with no recent occupation has
    # no defined cover (NaN), not an infinite one.
    table["cover_months"] = np.where(table["balance"] <= 0, 0.0, cover)
    columns = ["region_code", "region_name", "level", "indicator", "unit", "balance", "occupied_window",
               "occupied_per_month", "cover_months"]
    return filter_region(ctx, table[columns])


@indicator("arable_shortfall_cost")
def arable_shortfall_cost(ctx: Context) -> pd.DataFrame:
    """What buying each county's shortfall would cost at the recent mean platform price, in 万元.

    Formula: ``cost_wan = shortfall × mean unit price`` of the provincial platform's trades over the
    ``pool_price_window_months`` months ending at ``as_of`` (耕地数量 and 水田规模 in 万元/亩; 粮食产能 in
    元/公斤, so ÷ 10⁴).  One row per (region, indicator) plus a ``total`` row per region (sum of the three).
    The city row's cost is the sum of its counties' costs.

    Returns ``region_code``, ``region_name``, ``level``, ``indicator``, ``unit``, ``shortfall``,
    ``unit_price``, ``price_unit``, ``cost_wan``.

    Source: seed 003 附件3 第十四条 (price = mean of the previous 6 months' platform prices); seed 000
    (缺口指标通过省内交易平台购买解决).
    """
    table = balance_table(ctx)[["region_code", "region_name", "level", "indicator", "unit", "shortfall"]]
    table = table.merge(pool_prices(ctx)[["indicator", "unit_price", "price_unit"]], on="indicator", how="left")
    table["cost_wan"] = [to_wan(q, p, u) for q, p, u in zip(table["shortfall"], table["unit_price"],
                                                            table["price_unit"])]
    totals = table.groupby(["region_code", "region_name", "level"], as_index=False, sort=False)["cost_wan"].sum(
        min_count=1)
    totals = totals.assign(indicator="total", unit="wan", shortfall=np.nan, unit_price=np.nan, price_unit=None)
    return filter_region(ctx, order_rows(ctx, pd.concat([table, totals[table.columns]], ignore_index=True)))


def published_arable_check(ctx: Context, figures: dict) -> pd.DataFrame:
    """Each published arable figure recomputed from the ledger with the filter the reference file documents.

    Parameters
    ----------
    ctx
        The context: its engine's ``arable_ledger`` and its ``as_of`` (a figure's period is cut there: no entry
        after the data date counts).
    figures
        The reference file (``[[arable.figure]]``: ``kind``, ``date_from``, ``date_to`` inclusive, optional
        ``project_name_contains``, ``owner`` and ``count``).

    Returns
    -------
    DataFrame
        ``figure``, ``label_zh``, ``indicator`` (the three, plus ``count`` where the figure states one),
        ``unit``, ``computed``, ``published``, ``difference``, ``matches`` (within half the last published
        digit) and ``source``.  Every figure's sums come from one engine query over the ledger.
    """
    ledger = ctx.engine.table("arable_ledger")
    dates, owner = ledger["date"], ibis.coalesce(ledger.owner, ledger.county_code)
    figs = figures.get("arable", {}).get("figure", [])
    sums = {}
    for i, fig in enumerate(figs):
        end = min(_day_after(fig["date_to"]), _day_after(ctx.as_of))
        sel = (ledger.kind == fig["kind"]) & (dates >= pd.Timestamp(fig["date_from"])) & (dates < end)
        if "project_name_contains" in fig:
            sel &= ledger.project_name.fill_null("").contains(fig["project_name_contains"])
        if "owner" in fig:
            sel &= owner == fig["owner"]
        for col, _ in INDICATORS.values():
            sums[f"{col}_{i}"] = ibis.ifelse(sel, ledger[col], 0.0).sum().fill_null(0.0)
        sums[f"count_{i}"] = ibis.ifelse(sel, 1, 0).sum().fill_null(0)
    totals = ctx.engine.execute(ledger.aggregate(**sums)).iloc[0] if sums else {}
    rows = []
    for i, fig in enumerate(figs):
        checks = [(ind, unit, float(totals[f"{col}_{i}"]), float(fig[col])) for ind, (col, unit) in INDICATORS.items()]
        if "count" in fig:
            checks.append(("count", "count", float(totals[f"count_{i}"]), float(fig["count"])))
        for ind, unit, computed, published in checks:
            rows.append({"figure": fig["id"], "label_zh": fig.get("label_zh", ""), "indicator": ind, "unit": unit,
                         "computed": computed, "published": published, "difference": computed - published,
                         "matches": bool(abs(computed - published) <= MATCH_TOLERANCE[unit]),
                         "source": fig.get("source", "")})
    columns = ["figure", "label_zh", "indicator", "unit", "computed", "published", "difference", "matches", "source"]
    return pd.DataFrame(rows, columns=columns)


@indicator("arable_published_check")
def arable_published_check(ctx: Context) -> pd.DataFrame:
    """The published 玉溪 arable figures recomputed from the ledger, side by side with the published values.

    Formula: for each figure of ``data/reference/yuxi_published_figures.toml`` ``[[arable.figure]]``, the sum
    of each indicator over the ledger rows of that ``kind`` dated in ``[date_from, min(date_to, as_of)]``
    (and ``project_name`` containing / ``owner`` equal to the figure's filter where it gives one).

    Returns ``figure``, ``label_zh``, ``indicator``, ``unit``, ``computed``, ``published``, ``difference``,
    ``matches``, ``source``; empty when the data are not 玉溪's (the reference file names its city code).

    Source: seed 000 三、(二)/(三) (20 个项目入库, 竞价取得, 重点项目使用, 库存结余储备, 2019 年以来占用、归还欠账
    和缺口指标).
    """
    figures = published_figures()
    if figures.get("meta", {}).get("city_code") != city_code(ctx):
        return published_arable_check(ctx, {})
    return published_arable_check(ctx, figures)


# ----------------------------------------------------------------------------------------------------------
# Jiangsu province:county split (a pure rule, not a regional table)


def jiangsu_split(new_cultivated_mu: float, project_scale_mu: float, profile: Profile) -> tuple[float, float]:
    """Split the new cultivated land of a provincially funded project between province and county.

    Parameters
    ----------
    new_cultivated_mu
        New cultivated land the project created (亩, ≥ 0).
    project_scale_mu
        The project's construction scale (亩, > 0).
    profile
        Policy profile with ``jiangsu_split_bands``: bands ``{max_share, province}`` of the share
        ``new_cultivated_mu ÷ project_scale_mu``; a band applies up to and **including** its ``max_share``.

    Returns
    -------
    (province_mu, county_mu)
        ``province_mu = new_cultivated_mu × province share of the band``; the county gets the rest.

    Notes
    -----
    seed 001: 新增耕地占项目建设规模5%（含）以内的，由省国土资源厅统筹安排；5%~10%或10%以上的，可分别按8:2或6:4的比例
    在省和县（市、区）之间分配.  So exactly 5% → all to the province; exactly 10% falls in the "5%~10%" band
    (8:2) — the text's "10%以上" would also include 10% by Chinese drafting convention, so 10% itself is
    ambiguous; the band table decides.  A share above the last band's ``max_share`` uses the last band.
    """
    if project_scale_mu <= 0:
        raise ValueError("project scale must be positive")
    if new_cultivated_mu < 0:
        raise ValueError("new cultivated land cannot be negative")
    share = new_cultivated_mu / project_scale_mu
    bands = sorted(profile["jiangsu_split_bands"], key=lambda band: band["max_share"])
    # Shares are quotients of areas, so compare with a float tolerance: 5/100 must land in the "5%(含)" band.
    band = next((b for b in bands if share <= b["max_share"] + 1e-12), bands[-1])
    province = new_cultivated_mu * band["province"]
    return province, new_cultivated_mu - province
