"""Panel data of the 耕地占补平衡 page: KPI rows, the side-by-side county comparison, the balance waterfall, the
shortfall cost, the cover forecast with the project pipeline, the ledger filter, the pool simulator and the
published-figure check.

Everything here is pure (no Streamlit): functions take indicator tables (``dashboard.indicators.arable`` /
``pools`` / ``projects``) or datasets and return frames or Altair charts; texts come from the
``arable_panel`` catalog in the language passed in.  The three indicators — 耕地数量 (亩), 水田规模 (亩) and
粮食产能 (公斤) — stay in separate rows, columns or chart panels: they are never added together.  Only money
(万元) is summed across them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from dashboard.citations import cite
from dashboard.i18n import catalog
from dashboard.i18n import t as _t
from dashboard.indicators.arable import (
    ADDING_KINDS,
    INDICATORS,
    KINDS,
    PREFECTURE_OWNER,
    PRICE_UNITS,
    SUBTRACTING_KINDS,
    platform_prices,
)
from dashboard.indicators.pools import (
    Allocation,
    allocate_arable_pool,
    allocate_boundary_pool,
    allocate_quota_pool,
    arable_draw_order,
    pool_positions,
)
from dashboard.layout import MAIN_WIDTH_PX, max_text_width_px, wrap_text
from dashboard.policy import Profile
from dashboard.views.tables import number_display

#: The three indicators in display order, and the ledger column of each.
INDICATOR_ORDER = tuple(INDICATORS)
COLUMNS = {ind: column for ind, (column, _) in INDICATORS.items()}
UNITS = {ind: unit for ind, (_, unit) in INDICATORS.items()}
#: Waterfall steps: the issue's order (filed → occupied → bought → debt repaid), then the pool moves and sales
#: that the balance also counts, so that the bars add up to the balance.
WATERFALL_STEPS = ("filed", "occupied", "bought", "debt_repaid", "pooled_out", "pooled_in", "sold")
#: Pools of the simulator, in the order they are simulated, and the need key of each.
POOL_NEEDS = {"arable": tuple(COLUMNS.values()), "quota": ("quota_mu",), "boundary": ("ubg_scale_mu",)}
#: The project stage from which a project's land is supplied: stages before it are the pipeline.
SUPPLY_STAGE = "supply"
#: Chart colours (surplus / shortfall / total) readable on a projector.
COLOURS = {"up": "#2e7d32", "down": "#c62828", "total": "#1f4e79", "pipeline": "#ef6c00"}
CHART_FONT = 14


def _m(key: str, lang: str, **params) -> str:
    """A message of the ``arable_panel`` catalog (``key`` without the ``arable_panel.`` prefix)."""
    return _t(f"arable_panel.{key}", lang, **params)


def _t_or(key: str, lang: str, fallback: str) -> str:
    """A catalog message when the key exists, else ``fallback`` (data codes the catalog may not know)."""
    return catalog(lang).get(f"arable_panel.{key}", fallback)


def unit_label(unit: str, lang: str) -> str:
    """Display unit of a unit code (``mu`` → 亩, ``kg`` → 公斤, ``wan`` → 万元 …)."""
    return _t_or(f"unit.{unit}", lang, unit)


def indicator_label(ind: str, lang: str, *, with_unit: bool = True) -> str:
    """``耕地数量（亩）`` / ``Cultivated land (mu)``; ``with_unit=False`` gives the bare name."""
    name = _m(f"indicator.{ind}", lang)
    return _m("with_unit", lang, name=name, unit=unit_label(UNITS[ind], lang)) if with_unit else name


def kind_label(kind: str, lang: str) -> str:
    """Display name of a ledger ``kind``."""
    return _t_or(f"kind.{kind}", lang, kind)


def region_names(regions: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """``{region code: display name}`` for the city and its counties (English names when ``lang`` is ``en``)."""
    if regions is None:
        return {}
    column = "name_en" if lang == "en" and "name_en" in regions.columns else "name"
    return {str(code): str(name) for code, name in zip(regions["code"], regions[column])}


def city_code(table: pd.DataFrame) -> str:
    """The city's region code in a regional indicator table (its ``level == "city"`` row)."""
    return str(table.loc[table["level"] == "city", "region_code"].iloc[0])


def county_codes(regions: pd.DataFrame | None) -> list[str]:
    """The county codes of the regions dataset, in code order."""
    if regions is None:
        return []
    return sorted(str(c) for c in regions.loc[regions["level"] == "county", "code"])


def owner_label(owner: str, names: Mapping[str, str], lang: str) -> str:
    """Display name of a pool owner: a county's name, or the prefecture-owned reserve."""
    if owner == PREFECTURE_OWNER:
        return _m("sim.prefecture_owner", lang)
    return names.get(str(owner), str(owner))


def _region_order(frame: pd.DataFrame) -> list[str]:
    """Region codes in the order of an indicator table (city first, counties by code)."""
    return list(dict.fromkeys(frame["region_code"]))


def _style(chart: alt.TopLevelMixin, *, fit_width: bool = True) -> alt.TopLevelMixin:
    """Font sizes readable on a projector.  ``fit_width`` stretches a single (or layered) chart to the page width
    while keeping its declared height (Streamlit would otherwise fit the height too, squeezing the bars); the
    declared width is what the PNG export uses."""
    if fit_width:
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return (chart.configure_axis(labelFontSize=CHART_FONT, titleFontSize=CHART_FONT + 1, labelLimit=260)
            .configure_legend(labelFontSize=CHART_FONT, titleFontSize=CHART_FONT, orient="top", labelLimit=400)
            .configure_title(fontSize=CHART_FONT + 2, anchor="start")
            .configure_view(strokeWidth=0))


def display_table(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` made ready to show (:func:`dashboard.views.tables.number_display`): columns in 公斤 whole (grain
    capacity is counted in whole 公斤), other float columns with two decimals, "—" where undefined."""
    kg = unit_label("kg", lang)
    return number_display(frame, whole=lambda column: f"（{kg}）" in column or f"({kg})" in column)


# ----------------------------------------------------------------------------------------------------------
# the three indicators side by side


def balance_change(ledger: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Net change of each county's balance over the ledger entries dated in ``[start, end]`` (inclusive).

    Parameters
    ----------
    ledger
        ``arable_ledger`` rows (``county_code``, ``date``, ``kind`` and the three indicator columns; amounts ≥ 0,
        the kind gives the sign as in :func:`dashboard.indicators.arable.arable_balance`).
    start, end
        First and last day of the period (the KPI cards use 1 January of the data year to the data date: the
        change since the end of last year).

    Returns
    -------
    DataFrame
        ``region_code`` (each county, and ``"city"`` for the sum of all), ``indicator``, ``unit``, ``change``.
    """
    dates = pd.to_datetime(ledger["date"])
    inside = ledger[(dates >= pd.Timestamp(start)) & (dates < pd.Timestamp(end) + pd.Timedelta(days=1))]
    sign = inside["kind"].map({**{k: 1.0 for k in ADDING_KINDS}, **{k: -1.0 for k in SUBTRACTING_KINDS}}).fillna(0.0)
    rows = []
    for ind, column in COLUMNS.items():
        signed = (inside[column].astype(float) * sign).groupby(inside["county_code"].astype(str)).sum()
        rows += [{"region_code": code, "indicator": ind, "unit": UNITS[ind], "change": float(v)}
                 for code, v in signed.items()]
        rows.append({"region_code": "city", "indicator": ind, "unit": UNITS[ind], "change": float(signed.sum())})
    return pd.DataFrame(rows, columns=["region_code", "indicator", "unit", "change"])


def balance_cards(balance: pd.DataFrame, cover: pd.DataFrame, change: pd.DataFrame,
                  region_code: str) -> pd.DataFrame:
    """One KPI row per indicator for one region: balance, shortfall, change, cover months.

    Parameters
    ----------
    balance, cover
        The ``arable_balance`` and ``arable_cover`` tables (all regions).
    change
        :func:`balance_change` (its city row is keyed ``"city"``).
    region_code
        The region shown: the city's code or a county's.

    Returns
    -------
    DataFrame
        ``indicator``, ``unit``, ``balance``, ``shortfall`` (for the city: the sum of the county shortfalls,
        as the indicator defines it), ``change`` and ``cover_months``, in :data:`INDICATOR_ORDER`.
    """
    rows = balance[balance["region_code"] == region_code].set_index("indicator")
    is_city = bool((rows["level"] == "city").any())
    months = cover[cover["region_code"] == region_code].set_index("indicator")["cover_months"]
    delta = change[change["region_code"] == ("city" if is_city else region_code)].set_index("indicator")["change"]
    return pd.DataFrame([{"indicator": ind, "unit": UNITS[ind], "balance": float(rows.at[ind, "balance"]),
                          "shortfall": float(rows.at[ind, "shortfall"]), "change": float(delta.get(ind, 0.0)),
                          "cover_months": float(months.get(ind, np.nan))} for ind in INDICATOR_ORDER])


def balance_wide(balance: pd.DataFrame, cover: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The three indicators side by side for the city and every county: balance, shortfall, cover months.

    One row per region (city first); per indicator three columns labelled with their unit.  Nothing is summed
    across indicators.
    """
    months = cover.set_index(["region_code", "indicator"])["cover_months"]
    frame = pd.DataFrame({_m("col.region", lang): [names.get(c, c) for c in _region_order(balance)]})
    by_key = balance.set_index(["region_code", "indicator"])
    for ind in INDICATOR_ORDER:
        unit = unit_label(UNITS[ind], lang)
        name = indicator_label(ind, lang, with_unit=False)
        codes = _region_order(balance)
        frame[_m("col.ind_balance", lang, name=name, unit=unit)] = [by_key.at[(c, ind), "balance"] for c in codes]
        frame[_m("col.ind_shortfall", lang, name=name, unit=unit)] = [by_key.at[(c, ind), "shortfall"] for c in codes]
        frame[_m("col.ind_cover", lang, name=name)] = [months.get((c, ind), np.nan) for c in codes]
    return frame


#: The balance chart's panels: gap between them (px), widest county name before it wraps (px), and the room (px)
#: the chart spends outside its plots (padding, the name axis' ticks, the last x label's overhang).
BALANCE_SPACING_PX, BALANCE_NAME_PX, BALANCE_CHROME_PX = 24, 200, 40


def balance_panel_width(names: Iterable[str], width_px: int = MAIN_WIDTH_PX) -> tuple[int, int]:
    """``(panel width, name column width)`` (px) of :func:`balance_chart` in a column ``width_px`` wide: the three
    panels, the county names left of the first and the gaps fill the column, no more."""
    name_px = max_text_width_px(("\n".join(wrap_text(n, BALANCE_NAME_PX, CHART_FONT)) for n in names), CHART_FONT) + 4
    panel = (width_px - name_px - 2 * BALANCE_SPACING_PX - BALANCE_CHROME_PX) // 3
    return int(panel), int(name_px)


def balance_chart(balance: pd.DataFrame, names: Mapping[str, str], lang: str,
                  highlight: str | None = None, width_px: int = MAIN_WIDTH_PX) -> alt.HConcatChart:
    """Three bar charts side by side, one per indicator (own axis and unit), of each county's balance.

    Bars right of zero are a surplus (green), left a shortfall (red); ``highlight`` (a county code) is outlined.
    The three panels fit a column ``width_px`` wide (the main column at the smallest screen,
    :func:`balance_panel_width`): long county names wrap onto two lines.
    """
    counties = balance[balance["level"] == "county"]
    order = [names.get(c, c) for c in _region_order(counties)]
    panel_px, name_px = balance_panel_width(order, width_px)
    # A name's lines joined by "|", split back into lines by the axis (Vega draws an array as lines).
    wrapped = {n: "|".join(wrap_text(n, BALANCE_NAME_PX, CHART_FONT)) for n in order}
    panels = []
    for i, ind in enumerate(INDICATOR_ORDER):
        rows = counties[counties["indicator"] == ind]
        data = pd.DataFrame({
            "region": [wrapped[names.get(c, c)] for c in rows["region_code"]],
            "region_name": [names.get(c, c) for c in rows["region_code"]],
            "balance": rows["balance"].astype(float).to_numpy(),
            "state": np.where(rows["balance"] < 0, _m("chart.shortfall", lang), _m("chart.surplus", lang)),
            "selected": (rows["region_code"] == highlight).to_numpy(),
        })
        axis_title = indicator_label(ind, lang)
        bars = alt.Chart(data).mark_bar().encode(
            x=alt.X("balance:Q", title=_m("chart.balance_axis", lang, unit=unit_label(UNITS[ind], lang)),
                    axis=alt.Axis(format=",.0f", tickCount=4)),
            y=alt.Y("region:N", sort=[wrapped[n] for n in order], title=None,
                    axis=alt.Axis(labels=i == 0, ticks=i == 0, labelLimit=name_px,
                                  labelExpr="split(datum.label, '|')")),
            color=alt.Color("state:N", title=None,
                            scale=alt.Scale(domain=[_m("chart.surplus", lang), _m("chart.shortfall", lang)],
                                            range=[COLOURS["up"], COLOURS["down"]])),
            stroke=alt.condition("datum.selected", alt.value("#111111"), alt.value(None)),
            strokeWidth=alt.condition("datum.selected", alt.value(2.5), alt.value(0)),
            tooltip=[alt.Tooltip("region_name:N", title=_m("col.region", lang)),
                     alt.Tooltip("balance:Q", title=axis_title, format=",.2f")],
        )
        zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#333333").encode(x="x:Q")
        panels.append((bars + zero).properties(title=alt.TitleParams(axis_title, limit=panel_px), width=panel_px,
                                               height=330))
    return _style(alt.hconcat(*panels, spacing=BALANCE_SPACING_PX), fit_width=False)


# ----------------------------------------------------------------------------------------------------------
# waterfall


def waterfall_frame(balance: pd.DataFrame, region_code: str, ind: str, lang: str) -> pd.DataFrame:
    """The bars of the balance waterfall of one region and indicator.

    Steps in :data:`WATERFALL_STEPS` order — 入库 (+), 占用核销 (−), 购买 (+), 归还欠账 (−), 调节池调入 (+),
    划入调节池 (−), 出让 (−) — each bar running from the running total before it to the one after it, then the
    balance bar from 0.  The last running total equals ``balance`` by construction of the indicator.

    Returns ``order``, ``step`` (kind code or ``balance``), ``label``, ``amount`` (signed), ``start``, ``end``,
    ``direction`` (``up`` / ``down`` / ``total``).
    """
    row = balance[(balance["region_code"] == region_code) & (balance["indicator"] == ind)].iloc[0]
    rows, running = [], 0.0
    for order, kind in enumerate(WATERFALL_STEPS):
        amount = float(row[kind]) * (1.0 if kind in ADDING_KINDS else -1.0)
        rows.append({"order": order, "step": kind, "label": kind_label(kind, lang), "amount": amount,
                     "start": running, "end": running + amount, "direction": "up" if amount >= 0 else "down"})
        running += amount
    rows.append({"order": len(WATERFALL_STEPS), "step": "balance", "label": _m("chart.balance", lang),
                 "amount": float(row["balance"]), "start": 0.0, "end": float(row["balance"]), "direction": "total"})
    return pd.DataFrame(rows)


def waterfall_chart(frame: pd.DataFrame, ind: str, lang: str, title: str) -> alt.LayerChart:
    """An Altair waterfall of :func:`waterfall_frame` (axis titled with the indicator's unit)."""
    directions = ["up", "down", "total"]
    legend = {d: _m(f"chart.{d}", lang) for d in directions}
    data = frame.assign(direction_label=frame["direction"].map(legend),
                        top=frame[["start", "end"]].max(axis=1))
    unit = unit_label(UNITS[ind], lang)
    base = alt.Chart(data).encode(x=alt.X("label:N", sort=list(data["label"]), title=None,
                                          axis=alt.Axis(labelAngle=0, labelLimit=160)))
    bars = base.mark_bar(size=60).encode(
        y=alt.Y("start:Q", title=_m("chart.amount_axis", lang, name=indicator_label(ind, lang, with_unit=False),
                                   unit=unit), axis=alt.Axis(format=",.0f")),
        y2="end:Q",
        color=alt.Color("direction_label:N", title=None,
                        scale=alt.Scale(domain=[legend[d] for d in directions],
                                        range=[COLOURS["up"], COLOURS["down"], COLOURS["total"]])),
        tooltip=[alt.Tooltip("label:N", title=_m("chart.step", lang)),
                 alt.Tooltip("amount:Q", title=_m("chart.amount", lang, unit=unit), format="+,.2f")],
    )
    text = base.mark_text(dy=-10, fontSize=CHART_FONT, color="#222222").encode(
        y="top:Q", text=alt.Text("amount:Q", format="+,.0f"))
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#333333").encode(y="y:Q")
    return _style((bars + text + zero).properties(title=title, width=1200, height=380))


# ----------------------------------------------------------------------------------------------------------
# shortfall and its cost


def cost_cards(cost: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """The ``arable_shortfall_cost`` rows of one region: three indicators and the ``total`` row (万元)."""
    rows = cost[cost["region_code"] == region_code]
    return rows[["indicator", "unit", "shortfall", "unit_price", "price_unit", "cost_wan"]].reset_index(drop=True)


def cost_prices(cost: pd.DataFrame) -> dict[str, float]:
    """``{indicator: unit price}`` the ``arable_shortfall_cost`` table used (one price per indicator)."""
    rows = cost[cost["indicator"].isin(INDICATOR_ORDER)].drop_duplicates("indicator")
    return dict(zip(rows["indicator"], rows["unit_price"].astype(float)))


def price_text(prices: Mapping[str, float], lang: str) -> str:
    """The unit prices, e.g. ``耕地数量 21.84 万元/亩；…`` (one per indicator, in its price unit)."""
    parts = []
    for ind in INDICATOR_ORDER:
        price = prices.get(ind, np.nan)
        value = "—" if pd.isna(price) else f"{price:,.2f}"
        parts.append(_m("price_part", lang, name=indicator_label(ind, lang, with_unit=False), price=value,
                       unit=unit_label(PRICE_UNITS[ind], lang)))
    return _m("list_sep", lang).join(parts)


def cost_table(cost: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Display table of the shortfall cost: per region and indicator, shortfall with its unit, unit price with
    its unit, and cost in 万元; the per-region total row names no quantity (units differ)."""
    unit_text = [unit_label(u, lang) if ind != "total" else "" for ind, u in zip(cost["indicator"], cost["unit"])]
    price_unit = [unit_label(u, lang) if isinstance(u, str) else "" for u in cost["price_unit"]]
    return pd.DataFrame({
        _m("col.region", lang): [names.get(c, c) for c in cost["region_code"]],
        _m("col.indicator", lang): [_m("indicator.total", lang) if i == "total" else indicator_label(i, lang, with_unit=False)
                                   for i in cost["indicator"]],
        _m("col.shortfall", lang): cost["shortfall"].to_numpy(),
        _m("col.unit", lang): unit_text,
        _m("col.unit_price", lang): cost["unit_price"].to_numpy(),
        _m("col.price_unit", lang): price_unit,
        _m("col.cost_wan", lang): cost["cost_wan"].to_numpy(),
    })


def cost_chart(cost: pd.DataFrame, names: Mapping[str, str], lang: str) -> alt.Chart:
    """Stacked bars of each county's shortfall cost (万元) by indicator — money is the one thing that adds up."""
    rows = cost[(cost["level"] == "county") & cost["indicator"].isin(INDICATOR_ORDER)]
    order = [names.get(c, c) for c in _region_order(rows)]
    ind_names = [indicator_label(i, lang, with_unit=False) for i in INDICATOR_ORDER]
    data = pd.DataFrame({"region": [names.get(c, c) for c in rows["region_code"]],
                         "indicator": [indicator_label(i, lang, with_unit=False) for i in rows["indicator"]],
                         "order": rows["indicator"].map({i: n for n, i in enumerate(INDICATOR_ORDER)}).to_numpy(),
                         "cost_wan": rows["cost_wan"].fillna(0.0).to_numpy()})
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("region:N", sort=order, title=None),
        x=alt.X("sum(cost_wan):Q", title=_m("chart.cost_axis", lang), axis=alt.Axis(format=",.0f", tickCount=5)),
        color=alt.Color("indicator:N", title=None, sort=ind_names,
                        scale=alt.Scale(domain=ind_names, range=["#8d6e63", "#26a69a", "#f9a825"])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("region:N", title=_m("col.region", lang)),
                 alt.Tooltip("indicator:N", title=_m("col.indicator", lang)),
                 alt.Tooltip("cost_wan:Q", title=_m("col.cost_wan", lang), format=",.2f")],
    )
    return _style(chart.properties(title=_m("chart.cost_title", lang), width=800, height=330))


# ----------------------------------------------------------------------------------------------------------
# cover forecast with the pipeline


def pipeline_stages(stages: Iterable[str]) -> tuple[str, ...]:
    """The project stages before land supply (选址, 预审, 报批): projects there will still occupy land."""
    stages = tuple(stages)
    return stages[: stages.index(SUPPLY_STAGE)] if SUPPLY_STAGE in stages else stages


def pipeline_occupation(by_stage: pd.DataFrame, stages: Iterable[str]) -> pd.DataFrame:
    """Cultivated land the pipeline projects will occupy, per region.

    Parameters
    ----------
    by_stage
        The ``projects_by_stage`` table (``region_code``, ``stage``, ``project_count``, ``cultivated_mu``).
    stages
        The contract's stage codes in order (``dashboard.indicators.projects.stages()``).

    Returns
    -------
    DataFrame
        ``region_code``, ``projects`` and ``pipeline_mu`` (Σ cultivated_mu over the stages before 供地).
    """
    rows = by_stage[by_stage["stage"].isin(pipeline_stages(stages))]
    out = rows.groupby("region_code", sort=False).agg(projects=("project_count", "sum"),
                                                       pipeline_mu=("cultivated_mu", "sum")).reset_index()
    return out


def cover_forecast(cover: pd.DataFrame, pipeline: pd.DataFrame) -> pd.DataFrame:
    """Months of cover at the recent occupation rate, and once the pipeline projects have taken their land.

    Formula, per region and indicator: ``cover_months`` from ``arable_cover`` (balance ÷ recent monthly
    occupation); ``after_pipeline = balance − pipeline`` and ``cover_with_pipeline = max(after_pipeline, 0) ÷
    occupied_per_month`` (NaN when the rate is 0).  The project list records only the cultivated land a
    project occupies, so the pipeline applies to 耕地数量; 水田规模 and 粮食产能 have no pipeline figure (NaN).

    Returns the ``arable_cover`` columns plus ``projects``, ``pipeline``, ``after_pipeline`` and
    ``cover_with_pipeline``.
    """
    frame = cover.merge(pipeline, on="region_code", how="left")
    is_area = frame["indicator"] == "cultivated"
    frame["projects"] = frame["projects"].fillna(0).astype(int)
    frame["pipeline"] = np.where(is_area, frame["pipeline_mu"].fillna(0.0), np.nan)
    frame = frame.drop(columns="pipeline_mu")
    frame["after_pipeline"] = frame["balance"] - frame["pipeline"]
    rate = frame["occupied_per_month"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.clip(frame["after_pipeline"].to_numpy(dtype=float), 0.0, None) / rate
    frame["cover_with_pipeline"] = np.where(rate > 0, months, np.where(frame["after_pipeline"] <= 0, 0.0, np.nan))
    frame.loc[~is_area, "cover_with_pipeline"] = np.nan
    return frame


def cover_table(forecast: pd.DataFrame, region_code: str, lang: str, window_months: int) -> pd.DataFrame:
    """Display rows of :func:`cover_forecast` for one region: one row per indicator, units in the cells."""
    rows = forecast[forecast["region_code"] == region_code].set_index("indicator")
    out = []
    for ind in INDICATOR_ORDER:
        row, unit = rows.loc[ind], unit_label(UNITS[ind], lang)
        out.append({
            _m("col.indicator", lang): indicator_label(ind, lang),
            _m("col.balance", lang): row["balance"],
            _m("col.rate", lang, months=window_months): row["occupied_per_month"],
            _m("col.cover", lang): row["cover_months"],
            _m("col.pipeline", lang): row["pipeline"],
            _m("col.cover_pipeline", lang): row["cover_with_pipeline"],
            _m("col.unit", lang): unit,
        })
    return pd.DataFrame(out)


def forecast_frame(forecast: pd.DataFrame, region_code: str, ind: str, horizon: int, lang: str) -> pd.DataFrame:
    """Projected balance month by month at the recent occupation rate, with and without the pipeline.

    ``balance − rate × m`` for ``m = 0 … horizon``; the pipeline scenario starts from ``balance − pipeline``
    (the pipeline projects take their land first).  Returns ``month``, ``scenario`` (label), ``balance``.
    """
    row = forecast[(forecast["region_code"] == region_code) & (forecast["indicator"] == ind)].iloc[0]
    months = np.arange(int(horizon) + 1)
    rate = float(row["occupied_per_month"]) if pd.notna(row["occupied_per_month"]) else 0.0
    frames = [pd.DataFrame({"month": months, "scenario": _m("chart.at_rate", lang),
                            "balance": float(row["balance"]) - rate * months})]
    if pd.notna(row["pipeline"]):
        frames.append(pd.DataFrame({"month": months, "scenario": _m("chart.with_pipeline", lang),
                                    "balance": float(row["after_pipeline"]) - rate * months}))
    return pd.concat(frames, ignore_index=True)


def forecast_chart(frame: pd.DataFrame, ind: str, lang: str, title: str) -> alt.LayerChart:
    """Lines of :func:`forecast_frame` with the zero line (the month a line crosses it, the reserve is gone)."""
    scenarios = list(dict.fromkeys(frame["scenario"]))
    unit = unit_label(UNITS[ind], lang)
    lines = alt.Chart(frame).mark_line(strokeWidth=3).encode(
        x=alt.X("month:Q", title=_m("chart.months_ahead", lang), axis=alt.Axis(tickMinStep=1),
                scale=alt.Scale(domain=[0, int(frame["month"].max())], nice=False)),
        y=alt.Y("balance:Q", title=_m("chart.projected_axis", lang,
                                     name=indicator_label(ind, lang, with_unit=False), unit=unit),
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("scenario:N", title=None, sort=scenarios,
                        scale=alt.Scale(domain=scenarios, range=[COLOURS["total"], COLOURS["pipeline"]][:len(scenarios)])),
        tooltip=[alt.Tooltip("month:Q", title=_m("chart.months_ahead", lang)),
                 alt.Tooltip("scenario:N", title=_m("chart.scenario", lang)),
                 alt.Tooltip("balance:Q", title=_m("chart.amount", lang, unit=unit), format=",.2f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=COLOURS["down"], strokeDash=[6, 4],
                                                            strokeWidth=2).encode(y="y:Q")
    return _style((lines + zero).properties(title=title, width=1000, height=340))


def pipeline_projects(tracking: pd.DataFrame, stages: Iterable[str], region_code: str | None,
                      names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The pipeline projects (stage before 供地) of a county, or of the whole city when ``region_code`` is None.

    From the ``project_tracking`` table; columns name, county, level, stage, land area and cultivated land (亩).
    """
    rows = tracking[tracking["stage"].isin(pipeline_stages(stages))]
    if region_code is not None:
        rows = rows[rows["region_code"] == region_code]
    return pd.DataFrame({
        _m("col.project", lang): rows["name"].to_numpy(),
        _m("col.region", lang): [names.get(c, c) for c in rows["region_code"]],
        _m("col.level", lang): [_t_or(f"level.{v}", lang, str(v)) for v in rows["project_level"]],
        _m("col.stage", lang): [_t_or(f"stage.{v}", lang, str(v)) for v in rows["stage"]],
        _m("col.area_mu", lang): rows["area_mu"].to_numpy(),
        _m("col.cultivated_mu", lang): rows["cultivated_mu"].to_numpy(),
    })


# ----------------------------------------------------------------------------------------------------------
# ledger


def filter_ledger(ledger: pd.DataFrame, counties: Collection[str] = (), kinds: Collection[str] = (),
                  start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Ledger entries of the chosen counties and kinds dated in ``[start, end]``, newest first.

    Empty ``counties`` / ``kinds`` and ``None`` dates mean no filter on that field.
    """
    keep = pd.Series(True, index=ledger.index)
    if counties:
        keep &= ledger["county_code"].astype(str).isin([str(c) for c in counties])
    if kinds:
        keep &= ledger["kind"].isin(list(kinds))
    dates = pd.to_datetime(ledger["date"])
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates < pd.Timestamp(end) + pd.Timedelta(days=1)
    return ledger[keep].sort_values(["date", "entry_id"], ascending=[False, True]).reset_index(drop=True)


def ledger_first_date(ledger: pd.DataFrame, default: date) -> date:
    """The date of the ledger's first entry (``default`` for an empty ledger): the date filter's lower bound."""
    return pd.Timestamp(ledger["date"].min()).date() if len(ledger) else default


def ledger_display(ledger: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Display/export columns of ledger entries: names instead of codes, kind and its effect, units in headers."""
    effect = ledger["kind"].map(lambda k: _m("effect.add", lang) if k in ADDING_KINDS else _m("effect.subtract", lang))
    owner = ledger["owner"].fillna(ledger["county_code"]) if "owner" in ledger else ledger["county_code"]
    return pd.DataFrame({
        _m("col.entry_id", lang): ledger["entry_id"].astype(str).to_numpy(),
        _m("col.region", lang): [names.get(str(c), str(c)) for c in ledger["county_code"]],
        _m("col.date", lang): pd.to_datetime(ledger["date"]).dt.date.to_numpy(),
        _m("col.kind", lang): [kind_label(k, lang) for k in ledger["kind"]],
        _m("col.effect", lang): effect.to_numpy(),
        **{indicator_label(ind, lang): ledger[COLUMNS[ind]].astype(float).to_numpy() for ind in INDICATOR_ORDER},
        _m("col.project", lang): _text_column(ledger, "project_name"),
        _m("col.owner", lang): [owner_label(str(o), names, lang) for o in owner],
    })


def _text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column with missing values as empty strings (an optional contract column may be absent)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].astype("object")
    return values.where(values.notna(), "").astype(str).to_numpy()


def ledger_totals(ledger: pd.DataFrame) -> pd.DataFrame:
    """Sum of each indicator per kind over (filtered) ledger entries: ``kind`` and the three columns."""
    sums = ledger.groupby("kind")[list(COLUMNS.values())].sum()
    return sums.reindex([k for k in KINDS if k in sums.index]).reset_index()


# ----------------------------------------------------------------------------------------------------------
# pool simulator


@dataclass(frozen=True)
class PoolSimulation:
    """A simulated draw on the regulation pools.

    Attributes
    ----------
    applicant
        The applying county's code.
    draws
        One row per draw in rule order: ``pool``, ``indicator``, ``unit``, ``source_owner``, ``quantity``,
        ``unit_price``, ``price_unit``, ``cost_wan``, ``payee``.
    outcomes
        Per simulated pool: the :class:`~dashboard.indicators.pools.Allocation`.
    orders
        Per arable indicator: the owners in the order the rule draws on them.
    before
        Pool positions before the draw (``pool`` + the :func:`pool_positions` columns).
    """

    applicant: str
    draws: pd.DataFrame
    outcomes: dict[str, Allocation]
    orders: dict[str, list[str]] = field(default_factory=dict)
    before: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def cost_wan(self) -> float:
        """Total price of the draws in 万元 (the applicant's own pooled indicators are free)."""
        return float(self.draws["cost_wan"].sum(min_count=1)) if len(self.draws) else 0.0

    @property
    def unmet(self) -> dict[str, float]:
        """What the pools could not cover (or refused), by need key."""
        out: dict[str, float] = {}
        for allocation in self.outcomes.values():
            out.update(allocation.unmet)
        return out


def simulator_prices(trades: pd.DataFrame, as_of: date, profile: Profile) -> dict[str, float]:
    """Pool prices per indicator: the mean provincial-platform price over the profile's
    ``pool_price_window_months`` before ``as_of`` (seed 003 附件3 第十四条), in :data:`PRICE_UNITS`."""
    prices = platform_prices(trades, as_of, int(profile["pool_price_window_months"]))
    return dict(zip(prices["indicator"], prices["unit_price"].astype(float)))


def simulator_levels(profile: Profile, project_levels: Iterable[str] = ()) -> list[str]:
    """Project levels the simulator offers: those any pool of ``profile`` serves, then the project list's other
    levels (which no pool serves, so a draw is refused with the clause)."""
    levels: list[str] = []
    for pool in POOL_NEEDS:
        levels += list(profile[f"pool_{pool}_eligible_levels"])
    return list(dict.fromkeys([*levels, *project_levels]))


def simulate_pools(ledger: pd.DataFrame, applicant: str, need: Mapping[str, float], prices: Mapping[str, float],
                   profile: Profile, *, quotas: pd.DataFrame | None = None, year: int | None = None,
                   project_level: str | None = None, negative_list: Collection[str] = ()) -> PoolSimulation:
    """Simulate a county's draw on the three regulation pools with the rules of ``profile``.

    Parameters
    ----------
    ledger
        The ``pool_ledger`` table (computed with the same profile).
    applicant
        The applying county's code.
    need
        What the project lacks, by need key: ``cultivated_mu``, ``paddy_mu`` (亩), ``grain_kg`` (公斤) from the
        arable pool; ``quota_mu`` (亩) from the annual-quota pool; ``ubg_scale_mu`` (亩) from the boundary-scale
        pool.  A pool is simulated only when something is needed from it.
    prices
        Arable pool prices per indicator (:func:`simulator_prices`).
    profile
        The policy profile whose pool rules apply (the page uses 黔南州's, seed 003 附件3).
    quotas, year
        ``plan_quotas`` and the year of the draw, for the quota pool's eligibility test.
    project_level, negative_list
        The project's level and the counties on the review negative list.

    Returns
    -------
    PoolSimulation
        Draws of every simulated pool in rule order (arable: the applicant's own indicators, then the
        prefecture's, then other counties by what they have pooled; quota: pro rata; boundary: fewest counties
        with the most left and the lowest use).
    """
    need = {k: max(float(v or 0.0), 0.0) for k, v in need.items()}
    outcomes: dict[str, Allocation] = {}
    befores, draws = [], []
    orders: dict[str, list[str]] = {}
    for pool, keys in POOL_NEEDS.items():
        if not any(need.get(k, 0.0) > 0 for k in keys):
            continue
        positions = pool_positions(ledger, pool)
        befores.append(positions.assign(pool=pool))
        if pool == "arable":
            outcome = allocate_arable_pool(positions, applicant, {k: need.get(k, 0.0) for k in keys}, prices,
                                           profile, project_level=project_level)
            orders = {ind: arable_draw_order(positions, applicant, ind) for ind in INDICATOR_ORDER}
        elif pool == "quota":
            quota_rows = quotas if quotas is not None else pd.DataFrame(
                columns=["county_code", "year", "quota_mu", "used_mu", "stock_task_mu", "stock_disposed_mu"])
            quota_rows = quota_rows.assign(county_code=quota_rows["county_code"].astype(str),
                                           year=quota_rows["year"].astype("int64"))
            outcome = allocate_quota_pool(quota_rows, positions, applicant, need["quota_mu"], int(year or 0),
                                          profile, project_level=project_level, negative_list=negative_list)
        else:
            outcome = allocate_boundary_pool(positions, applicant, need["ubg_scale_mu"], profile,
                                             project_level=project_level)
        outcomes[pool] = outcome
        if len(outcome.draws):
            draws.append(outcome.draws.assign(pool=pool))
    columns = ["pool", "indicator", "unit", "source_owner", "quantity", "unit_price", "price_unit", "cost_wan", "payee"]
    frame = pd.concat(draws, ignore_index=True)[columns] if draws else pd.DataFrame(columns=columns)
    before = pd.concat(befores, ignore_index=True) if befores else pd.DataFrame()
    return PoolSimulation(applicant, frame, outcomes, orders, before)


def _pool_indicator_label(pool: str, ind: str, lang: str) -> str:
    if pool == "arable":
        return indicator_label(ind, lang, with_unit=False)
    return _m(f"sim.indicator.{ind}", lang)


def draws_display(sim: PoolSimulation, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The draws in rule order for the page and the export: pool, indicator, source, quantity and unit, unit
    price and its unit, amount (万元), payee.  Free draws (own indicators) show price 0; quota and boundary
    draws have no price."""
    d = sim.draws
    payee = []
    for p in d["payee"]:
        if p is None or (isinstance(p, float) and np.isnan(p)):
            payee.append(_m("sim.payee_none", lang))
        elif p == "prefecture":
            payee.append(_m("sim.payee_prefecture", lang))
        else:
            payee.append(_m("sim.payee_county", lang, name=names.get(str(p), str(p))))
    return pd.DataFrame({
        _m("col.step", lang): np.arange(1, len(d) + 1),
        _m("col.pool", lang): [_m(f"pool.{p}", lang) for p in d["pool"]],
        _m("col.indicator", lang): [_pool_indicator_label(p, i, lang) for p, i in zip(d["pool"], d["indicator"])],
        _m("col.source_owner", lang): [owner_label(str(o), names, lang) for o in d["source_owner"]],
        _m("col.quantity", lang): d["quantity"].astype(float).to_numpy(),
        _m("col.unit", lang): [unit_label(u, lang) for u in d["unit"]],
        _m("col.unit_price", lang): d["unit_price"].astype(float).to_numpy(),
        _m("col.price_unit", lang): [unit_label(u, lang) if isinstance(u, str) else "" for u in d["price_unit"]],
        _m("col.cost_wan", lang): d["cost_wan"].astype(float).to_numpy(),
        _m("col.payee", lang): payee,
    })


def outcome_messages(sim: PoolSimulation, lang: str) -> list[tuple[str, str]]:
    """One ``(level, text)`` per simulated pool: ``error`` when refused (with every reason and its clause),
    ``warning`` when the pool could not cover the need (with what is left), ``success`` otherwise."""
    messages = []
    for pool, outcome in sim.outcomes.items():
        name = _m(f"pool.{pool}", lang)
        if not outcome.eligible:
            reasons = _m("list_sep", lang).join(_m(f"reason.{r}", lang) for r in outcome.reasons)
            messages.append(("error", _m("sim.refused", lang, pool=name, reasons=reasons)))
            continue
        unmet = {k: v for k, v in outcome.unmet.items() if v > 1e-9}
        if unmet:
            parts = _m("list_sep", lang).join(_m("sim.unmet_part", lang, name=need_label(k, lang, with_unit=False),
                                                value=f"{v:,.2f}", unit=unit_label(need_unit(k), lang))
                                             for k, v in unmet.items())
            messages.append(("warning", _m("sim.partial", lang, pool=name, unmet=parts)))
        else:
            messages.append(("success", _m("sim.covered", lang, pool=name)))
    return messages


def need_unit(key: str) -> str:
    """Unit code of a need key (``grain_kg`` → ``kg``, the others ``mu``)."""
    return "kg" if key.endswith("_kg") else "mu"


def need_label(key: str, lang: str, *, with_unit: bool = True) -> str:
    """Display name of a need key (the three arable indicators, the annual quota, the boundary scale)."""
    by_column = {column: ind for ind, column in COLUMNS.items()}
    if key in by_column:
        return indicator_label(by_column[key], lang, with_unit=with_unit)
    name = _m(f"sim.need.{key}", lang)
    return _m("with_unit", lang, name=name, unit=unit_label(need_unit(key), lang)) if with_unit else name


def ledger_after(sim: PoolSimulation, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The pool ledger after the draw, for every simulated pool: per indicator and owner, contributed, drawn
    before, available before, this draw and available after; a total row per indicator first."""
    if sim.before.empty:
        return pd.DataFrame()
    blocks = []
    for pool, outcome in sim.outcomes.items():
        before = sim.before[sim.before["pool"] == pool].reset_index(drop=True)
        after = outcome.ledger.reset_index(drop=True)
        frame = before[["indicator", "unit", "owner", "contributed", "drawn", "available"]].copy()
        frame["this_draw"] = after["drawn"].to_numpy(dtype=float) - frame["drawn"].to_numpy(dtype=float)
        frame["available_after"] = after["available"].to_numpy(dtype=float)
        for ind, rows in frame.groupby("indicator", sort=False):
            total = rows[["contributed", "drawn", "available", "this_draw", "available_after"]].sum()
            head = pd.DataFrame([{"indicator": ind, "unit": rows["unit"].iloc[0], "owner": "total", **total}])
            blocks.append(pd.concat([head, rows], ignore_index=True).assign(pool=pool))
    frame = pd.concat(blocks, ignore_index=True)
    return pd.DataFrame({
        _m("col.pool", lang): [_m(f"pool.{p}", lang) for p in frame["pool"]],
        _m("col.indicator", lang): [_pool_indicator_label(p, i, lang) for p, i in zip(frame["pool"], frame["indicator"])],
        _m("col.owner", lang): [_m("sim.total", lang) if o == "total" else owner_label(o, names, lang)
                               for o in frame["owner"]],
        _m("col.unit", lang): [unit_label(u, lang) for u in frame["unit"]],
        _m("col.contributed", lang): frame["contributed"].to_numpy(),
        _m("col.drawn_before", lang): frame["drawn"].to_numpy(),
        _m("col.available_before", lang): frame["available"].to_numpy(),
        _m("col.this_draw", lang): frame["this_draw"].to_numpy(),
        _m("col.available_after", lang): frame["available_after"].to_numpy(),
    })


def order_text(sim: PoolSimulation, names: Mapping[str, str], lang: str) -> list[str]:
    """Per arable indicator, the draw order the rule gives (owners with nothing available are left out)."""
    if "arable" not in sim.outcomes:
        return []
    before = sim.before[sim.before["pool"] == "arable"].set_index(["indicator", "owner"])["available"]
    lines = []
    for ind, owners in sim.orders.items():
        shown = [owner_label(o, names, lang) for o in owners if before.get((ind, o), 0.0) > 1e-9]
        lines.append(_m("sim.order_line", lang, name=indicator_label(ind, lang, with_unit=False),
                       order=" → ".join(shown) if shown else _m("sim.order_empty", lang)))
    return lines


# ----------------------------------------------------------------------------------------------------------
# published figures


def published_display(check: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ``arable_published_check`` table for display: figure, indicator, computed and published value in the
    figure's unit (grain in 公斤: the report's 万公斤 × 10⁴), difference, match."""
    labels = [_t_or(f"figure.{f}", lang, lab) for f, lab in zip(check["figure"], check["label_zh"])]
    ind = [_m("indicator.count", lang) if i == "count" else indicator_label(i, lang, with_unit=False)
           for i in check["indicator"]]
    return pd.DataFrame({
        _m("col.figure", lang): labels,
        _m("col.indicator", lang): ind,
        _m("col.unit", lang): [unit_label(u, lang) for u in check["unit"]],
        _m("col.computed", lang): check["computed"].to_numpy(),
        _m("col.published", lang): check["published"].to_numpy(),
        # the sums carry float noise (−9e-13): no "-0.00" on the page
        _m("col.difference", lang): np.round(check["difference"].to_numpy(dtype=float), 6) + 0.0,
        _m("col.matches", lang): check["matches"].astype(bool).to_numpy(),
        _m("col.source", lang): check["source"].map(cite).to_numpy(),
    })
