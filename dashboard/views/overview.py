"""The 总览 (overview) panel: KPI values with their previous-period change, the alert list of counties below a policy
line, and the county choropleth and ranking of a chosen indicator.  Pure (never imports Streamlit).

Everything is read from the engine's indicator tables and the session's policy profile: a line is either a
column the indicator already filled from the profile (``supply_rate_min_pct``) or a profile parameter, and every
alert cites the parameter's clause.  The only line that is not a profile value is the arable balance's zero: 占补
平衡 means "balanced", so a negative balance is a shortfall whatever the locality.

The previous period is the same indicator computed with the context's ``as_of`` one period earlier
(:func:`previous_as_of`): the previous quarter end for stock figures (balances, unsupplied and idle land, supply
rate), the end of the previous evaluation year for annual ones (per-mu performance, 地均GDP).
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import mapclassify
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from dashboard.citations import cite
from dashboard.i18n import t
from dashboard.indicators import registry
from dashboard.layout import MAIN_WIDTH_PX, max_text_width_px
from dashboard.legend import LegendGroup, LegendItem
from dashboard.maps import CompactDeck, deck, feature_collection, geojson_layer, view_state
from dashboard.policy import Profile

CITY_LEVEL = "city"
COUNTY_LEVEL = "county"
DASH = "—"
#: Periods a metric is compared over (see :func:`previous_as_of`).
QUARTER, YEAR = "quarter", "year"
#: KPI groups, in page order.
GROUPS = ("arable", "stock", "efficiency")


@dataclass(frozen=True)
class Metric:
    """One number the overview shows per region: which indicator table and column, its unit and its policy line.

    ``rows`` filters the table (``indicator == "cultivated"``); ``scale`` converts the column to the displayed
    unit (公斤 → 万公斤).  The line is ``line_column`` (already in display units, set by the indicator from the
    profile) or ``line_param`` × ``line_scale`` (a profile ratio → %); ``line_param`` also names the clause.
    ``zero_line``: the line is a balance of 0 (占补平衡).  ``summed``: the city value is the sum of the counties, so
    the city misses the line when any county does (each county balances on its own).
    """

    key: str
    indicator: str
    column: str
    unit: str
    period: str
    higher_is_better: bool | None
    group: str
    rows: tuple[tuple[str, str], ...] = ()
    scale: float = 1.0
    line_param: str | None = None
    line_column: str | None = None
    line_scale: float = 1.0
    zero_line: bool = False
    summed: bool = False
    kpi: bool = True
    decimals: int = 2

    def label(self, lang: str = "zh") -> str:
        """Short name of the metric (``五年供地率``)."""
        return t(f"overview_panel.metric.{self.key}", lang)

    def unit_text(self, lang: str = "zh") -> str:
        return unit_text(self.unit, lang)

    def label_with_unit(self, lang: str = "zh") -> str:
        """``五年供地率（%）``."""
        return t("overview_panel.with_unit", lang, label=self.label(lang), unit=self.unit_text(lang))

    def option_label(self, lang: str = "zh") -> str:
        """The indicator selector's text: the registry's label of the indicator, the metric and its unit."""
        spec = registry()[self.indicator]
        name = spec.label(lang)
        if self.label(lang) != name:
            name = t("overview_panel.option", lang, indicator=name, metric=self.label(lang))
        return t("overview_panel.with_unit", lang, label=name, unit=self.unit_text(lang))


METRICS: tuple[Metric, ...] = (
    Metric("cultivated_balance", "arable_balance", "balance", "mu", QUARTER, True, "arable",
           rows=(("indicator", "cultivated"),), zero_line=True, summed=True),
    Metric("paddy_balance", "arable_balance", "balance", "mu", QUARTER, True, "arable",
           rows=(("indicator", "paddy"),), zero_line=True, summed=True),
    Metric("grain_balance", "arable_balance", "balance", "wan_kg", QUARTER, True, "arable",
           rows=(("indicator", "grain"),), scale=1e-4, zero_line=True, summed=True),
    Metric("unsupplied_stock", "unsupplied_stock", "unsupplied_mu", "mu", QUARTER, False, "stock", summed=True),
    Metric("supply_rate", "supply_rate_5y", "supply_rate_pct", "pct", QUARTER, True, "stock",
           line_param="supply_rate_min", line_column="supply_rate_min_pct"),
    Metric("idle_land", "idle_cases", "idle_mu", "mu", QUARTER, False, "stock", summed=True),
    Metric("invest_per_mu", "per_mu_county", "invest_per_mu_wan", "wan_per_mu", YEAR, True, "efficiency",
           line_param="invest_intensity_benchmark_wan_per_mu"),
    Metric("output_per_mu", "per_mu_county", "output_per_mu_wan", "wan_per_mu", YEAR, True, "efficiency",
           line_param="output_benchmark_wan_per_mu"),
    Metric("gdp_per_land", "gdp_per_land", "gdp_per_land_wan_per_mu", "wan_per_mu", YEAR, True, "efficiency",
           line_param="gdp_per_land_target_wan_per_mu", line_column="target_wan_per_mu"),
    Metric("unsupplied_disposal", "disposal_rates_quarterly", "unsupplied_disposal_rate_pct", "pct", QUARTER, True,
           "stock", line_param="disposal_rate_quarterly_min", line_column="disposal_floor_pct", kpi=False),
    Metric("idle_disposal", "disposal_rates_quarterly", "idle_disposal_rate_pct", "pct", QUARTER, True,
           "stock", line_param="disposal_rate_quarterly_min", line_column="disposal_floor_pct", kpi=False),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
KPI_METRICS = tuple(m for m in METRICS if m.kpi)

#: Indicator tables the panel reads (the previous period's are those of :data:`KPI_METRICS`, see
#: :func:`previous_requests`).
CURRENT_TABLES = tuple(dict.fromkeys(
    [m.indicator for m in METRICS]
    + ["suspension_flags", "arable_shortfall_cost", "per_mu_park", "per_mu_enterprise"]
))


# ----------------------------------------------------------------------------------------------------------
# Units and numbers


def unit_text(unit: str, lang: str = "zh") -> str:
    """A unit code as shown (``mu`` → ``亩``)."""
    return t(f"overview_panel.unit.{unit}", lang)


def format_number(value, unit: str = "", lang: str = "zh", decimals: int = 2) -> str:
    """``12,729.94 亩``, ``79.22%``, ``−2,436.36 亩``; ``—`` when missing.  ``unit`` is a unit code or ``""``."""
    if value is None or pd.isna(value) or not math.isfinite(float(value)):
        return DASH
    text = f"{float(value):,.{decimals}f}".replace("-", "−")
    if not unit:
        return text
    shown = unit_text(unit, lang)
    return f"{text}{shown}" if unit == "pct" else f"{text} {shown}"


def line_text(metric: Metric, line: float | None, lang: str = "zh") -> str:
    """The policy line as a condition: ``≥ 40%``, ``≥ 0 亩``; ``—`` when the metric has none."""
    if line is None or pd.isna(line):
        return DASH
    op = "≥" if metric.higher_is_better else "≤"
    return f"{op} {format_number(line, metric.unit, lang, _line_decimals(line))}"


def _line_decimals(line: float) -> int:
    """Decimals that print a policy value as published: 40%, 280 万元/亩, 28.8 万元/亩."""
    for decimals in range(4):
        if abs(round(line, decimals) - line) < 1e-9:
            return decimals
    return 4


# ----------------------------------------------------------------------------------------------------------
# Periods


def quarter_start(day: date) -> date:
    """First day of ``day``'s calendar quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_quarter_end(day: date) -> date:
    """Last day of the quarter before ``day``'s (30 June for any day of July–September)."""
    return quarter_start(day) - timedelta(days=1)


def previous_as_of(metric: Metric, as_of: date, year: int | None = None) -> date:
    """The reference date of the previous period of ``metric``.

    Quarterly (stock) figures: the previous quarter end.  Annual figures: 31 December of the year before the one
    evaluated (``year``, the year of the current table; ``as_of``'s year when unknown) — annual tables evaluate
    the latest year not after ``as_of``, so going back a calendar year from ``as_of`` could land in the same
    evaluation year.
    """
    if metric.period == QUARTER:
        return previous_quarter_end(as_of)
    evaluated = as_of.year if year is None else int(year)
    return date(evaluated - 1, 12, 31)


def previous_requests(tables: Mapping[str, pd.DataFrame], as_of: date) -> dict[str, date]:
    """The reference date to recompute each KPI's indicator at for its previous period, by indicator id."""
    return {m.indicator: previous_as_of(m, as_of, table_year(tables.get(m.indicator))) for m in KPI_METRICS}


def latest_period(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the table's latest period: its latest ``year`` and, within it, its latest ``quarter``."""
    out = table
    if "year" in out.columns and out["year"].notna().any():
        out = out[out["year"] == out["year"].max()]
    if "quarter" in out.columns and out["quarter"].notna().any():
        out = out[out["quarter"] == out["quarter"].max()]
    return out


def table_year(table: pd.DataFrame | None) -> int | None:
    """The latest ``year`` of an annual table (``None`` for a table without years)."""
    if table is None or "year" not in table.columns or not table["year"].notna().any():
        return None
    return int(table["year"].max())


# ----------------------------------------------------------------------------------------------------------
# Regions and values


def region_frame(regions: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """City and counties of the ``regions`` dataset: ``region_code, name, level``, city first, counties by code."""
    name = "name_en" if lang == "en" and "name_en" in regions.columns else "name"
    frame = pd.DataFrame({
        "region_code": regions["code"].astype(str).to_numpy(),
        "name": regions[name].astype(str).to_numpy(),
        "level": regions["level"].astype(str).to_numpy(),
    })
    frame = frame[frame["level"].isin([CITY_LEVEL, COUNTY_LEVEL])]
    frame = frame.assign(_order=(frame["level"] != CITY_LEVEL).astype(int))
    return frame.sort_values(["_order", "region_code"]).drop(columns="_order").reset_index(drop=True)


def idle_land_by_region(cases: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Idle land not yet disposed per region, from the ``idle_cases`` table (cases identified by the data date).

    Returns ``region_code, idle_mu, idle_count, overdue_mu, overdue_count, max_overdue_days``; a county without
    open cases has 0 (no idle land), the city row sums the counties.
    """
    open_cases = cases[~cases["disposed"].astype(bool)]
    overdue = open_cases["overdue"].astype(bool)
    per = open_cases.assign(
        overdue_mu=open_cases["area_mu"].where(overdue, 0.0),
        overdue_n=overdue.astype(int),
        days=open_cases["overdue_days"].where(overdue, 0),
    ).groupby("region_code").agg(
        idle_mu=("area_mu", "sum"), idle_count=("case_id", "count"), overdue_mu=("overdue_mu", "sum"),
        overdue_count=("overdue_n", "sum"), max_overdue_days=("days", "max"),
    )
    counties = regions.loc[regions["level"] == COUNTY_LEVEL, "region_code"]
    per = per.reindex(counties).fillna(0.0)
    city = regions.loc[regions["level"] == CITY_LEVEL, "region_code"]
    total = per.sum().to_frame().T
    total["max_overdue_days"] = per["max_overdue_days"].max() if len(per) else 0.0
    total.index = city.to_numpy()[:1]
    out = pd.concat([total, per]).rename_axis("region_code").reset_index()
    for col in ("idle_count", "overdue_count", "max_overdue_days"):
        out[col] = out[col].astype("int64")
    return out


def _policy_line(metric: Metric, rows: pd.DataFrame, profile: Profile) -> float | None:
    if metric.zero_line:
        return 0.0
    if metric.line_column and metric.line_column in rows.columns:
        found = pd.to_numeric(rows[metric.line_column], errors="coerce").dropna()
        return float(found.iloc[0]) if len(found) else None
    if metric.line_param and metric.line_param in profile.params:
        value = profile[metric.line_param]
        return float(value) * metric.line_scale if isinstance(value, int | float) else None
    return None


def _status(value: float, line: float | None, higher_is_better: bool | None) -> str:
    if line is None or pd.isna(value) or higher_is_better is None:
        return "none"
    meets = value >= line if higher_is_better else value <= line
    return "ok" if meets else "warn"


def metric_values(metric: Metric, table: pd.DataFrame, profile: Profile, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per region (city first) with the metric's value in display units, its line and status.

    Parameters
    ----------
    metric
        What to read (see :class:`Metric`).
    table
        The metric's indicator table (``idle_cases`` for idle land).
    profile
        The session's policy profile (lines not carried by the table).
    regions
        :func:`region_frame`: every region gets a row, ``NaN`` where the table has no value.

    Returns
    -------
    DataFrame
        ``region_code, name, level, value, line, status, miss, period``: ``status`` is ``ok`` / ``warn`` / ``none``;
        ``miss`` is how far the value is on the wrong side of the line (0 when it meets it, in display units);
        ``period`` is the evaluated year of annual metrics (else ``NaN``).  For a ``summed`` metric the city row
        is ``warn`` when any county is, and its ``miss`` is the sum of the counties' misses (the city shortfall is
        the sum of county shortfalls: a surplus in one county does not cover another's gap).
    """
    if metric.key == "idle_land":
        rows = idle_land_by_region(table, regions)
    else:
        rows = table
        for column, wanted in metric.rows:
            rows = rows[rows[column] == wanted]
        rows = latest_period(rows)
    line = _policy_line(metric, rows, profile)
    period = table_year(rows) if metric.period == YEAR else None
    values = rows.drop_duplicates("region_code").set_index("region_code")[metric.column]
    out = regions[["region_code", "name", "level"]].copy()
    out["value"] = pd.to_numeric(out["region_code"].map(values), errors="coerce") * metric.scale
    out["line"] = np.nan if line is None else line
    out["status"] = [_status(v, line, metric.higher_is_better) for v in out["value"]]
    if line is None:
        out["miss"] = 0.0
    else:
        gap = (line - out["value"]) if metric.higher_is_better else (out["value"] - line)
        out["miss"] = gap.clip(lower=0).fillna(0.0)
    counties = out["level"] == COUNTY_LEVEL
    if metric.summed and line is not None:
        city = out["level"] == CITY_LEVEL
        if (out.loc[counties, "status"] == "warn").any():
            out.loc[city, "status"] = "warn"
        out.loc[city, "miss"] = out.loc[counties, "miss"].sum()
    out["period"] = np.nan if period is None else period
    return out.reset_index(drop=True)


def all_metric_values(tables: Mapping[str, pd.DataFrame], profile: Profile, regions: pd.DataFrame,
                      metrics: Sequence[Metric] = METRICS) -> dict[str, pd.DataFrame]:
    """:func:`metric_values` of every metric whose table is in ``tables``, by metric key."""
    return {m.key: metric_values(m, tables[m.indicator], profile, regions) for m in metrics if m.indicator in tables}


# ----------------------------------------------------------------------------------------------------------
# KPI cards


@dataclass(frozen=True)
class KpiCard:
    """What one KPI card shows for the selected region.

    ``delta`` is value − previous (percentage points for rates); ``below`` names the counties that miss the line;
    ``miss`` is the region's distance to the line (for a summed metric at city level: the counties' total).
    """

    metric: Metric
    value: float | None
    previous: float | None
    delta: float | None
    line: float | None
    status: str
    below: tuple[str, ...]
    miss: float
    period: int | None
    county: bool = False


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _row(values: pd.DataFrame, region_code: str) -> pd.Series | None:
    found = values[values["region_code"] == region_code]
    return None if found.empty else found.iloc[0]


def city_code(values: pd.DataFrame) -> str:
    """The city's region code in a :func:`metric_values` frame."""
    return str(values.loc[values["level"] == CITY_LEVEL, "region_code"].iloc[0])


def kpi_cards(current: Mapping[str, pd.DataFrame], previous: Mapping[str, pd.DataFrame],
              region_code: str | None) -> list[KpiCard]:
    """The KPI cards of ``region_code`` (``None``: the city) in :data:`KPI_METRICS` order.

    ``current`` and ``previous`` are :func:`all_metric_values` of this and the previous period; a metric missing
    from ``previous`` (no data yet) has no delta.
    """
    cards = []
    for metric in KPI_METRICS:
        values = current.get(metric.key)
        if values is None:
            continue
        code = region_code or city_code(values)
        row = _row(values, code)
        prev_values = previous.get(metric.key)
        prev_row = None if prev_values is None else _row(prev_values, code)
        value = None if row is None else _number(row["value"])
        before = None if prev_row is None else _number(prev_row["value"])
        delta = None if value is None or before is None else value - before
        counties = values[(values["level"] == COUNTY_LEVEL) & (values["status"] == "warn")]
        if region_code is not None:
            counties = counties[counties["region_code"] == region_code]
        cards.append(KpiCard(
            metric=metric, value=value, previous=before, delta=delta,
            line=None if row is None else _number(row["line"]),
            status="none" if row is None else str(row["status"]),
            below=tuple(counties["name"]),
            miss=0.0 if row is None else float(row["miss"]),
            period=None if row is None or pd.isna(row["period"]) else int(row["period"]),
            county=region_code is not None,
        ))
    return cards


def kpi_details(tables: Mapping[str, pd.DataFrame], profile: Profile, regions: pd.DataFrame,
                region_code: str | None, lang: str = "zh") -> dict[str, str]:
    """Context for the cards without a policy line, by metric key.

    批而未供: how much of it was approved in the supply-rate window (the published 11616 亩 is that figure);
    闲置土地: open cases, and how many of them are past their disposal deadline.
    """
    code = region_code or str(regions.loc[regions["level"] == CITY_LEVEL, "region_code"].iloc[0])
    details = {}
    supply = tables.get("supply_rate_5y")
    if supply is not None:
        found = supply[supply["region_code"] == code]
        if not found.empty:
            details["unsupplied_stock"] = t(
                "overview_panel.detail.unsupplied_window", lang, years=profile["supply_rate_window_years"],
                area=format_number(found["unsupplied_mu"].iloc[0], "mu", lang))
    cases = tables.get("idle_cases")
    if cases is not None:
        idle = idle_land_by_region(cases, regions)
        found = idle[idle["region_code"] == code]
        if not found.empty:
            row = found.iloc[0]
            details["idle_land"] = t(
                "overview_panel.detail.idle", lang, count=int(row["idle_count"]),
                overdue=int(row["overdue_count"]), area=format_number(row["overdue_mu"], "mu", lang))
    return details


def kpi_note(card: KpiCard, lang: str = "zh", detail: str = "") -> str:
    """The line under a KPI card: the policy line and who misses it (``≥ 40% · 1 个县低于：元江…``), or, for a
    figure without a line, ``detail`` (see :func:`kpi_details`)."""
    metric = card.metric
    if card.line is None:
        return detail or t("overview_panel.note_no_line", lang)
    line = line_text(metric, card.line, lang)
    if card.value is None:
        return t("overview_panel.note_no_data", lang, line=line)
    names = ("、" if lang == "zh" else ", ").join(card.below)
    if metric.zero_line:
        if card.status != "warn":
            return t("overview_panel.note_balanced", lang, line=line)
        amount = format_number(card.miss, metric.unit, lang)
        if card.county:
            return t("overview_panel.note_shortfall_county", lang, amount=amount)
        return t("overview_panel.note_shortfall", lang, amount=amount, count=len(card.below), names=names)
    if card.status == "warn":
        return t("overview_panel.note_missed", lang, line=line,
                 gap=format_number(card.miss, "pp" if metric.unit == "pct" else metric.unit, lang))
    if card.below:
        return t("overview_panel.note_met_some_below", lang, line=line, count=len(card.below), names=names)
    return t("overview_panel.note_met", lang, line=line)


# ----------------------------------------------------------------------------------------------------------
# Alerts

#: Alert kinds, most severe first.
SEVERITY = ("suspension", "shortfall", "below_floor", "overdue", "below_benchmark", "below_target")

ALERT_COLUMNS = ("severity_rank", "severity", "region_code", "region", "subject", "indicator", "value", "line",
                 "gap", "relative_gap", "message", "rule", "clause")


def _alert(kind: str, lang: str, **fields) -> dict:
    return {"severity_rank": SEVERITY.index(kind), "severity": t(f"overview_panel.severity.{kind}", lang),
            **fields}


def _param_text(profile: Profile, key: str, lang: str) -> tuple[str, str]:
    """``(name, clause)`` of a profile parameter."""
    param = profile.param(key)
    return (param.zh if lang == "zh" else param.en), cite(param.source)


def _suspension_alerts(flags: pd.DataFrame, profile: Profile, names: Mapping[str, str], lang: str) -> list[dict]:
    rows = []
    supply_clause = cite(profile.param("supply_rate_min").source)
    disposal_clause = cite(profile.param("disposal_rate_quarterly_min").source)
    for _, flag in flags[flags["suspended"].astype(bool)].iterrows():
        supply, disposal = bool(flag["suspended_supply_rate"]), bool(flag["suspended_disposal"])
        gaps = []
        if supply:
            gaps.append((flag["supply_rate_min_pct"] - flag["supply_rate_pct"]) / flag["supply_rate_min_pct"])
        if disposal:
            floor = flag["disposal_floor_pct"]
            gaps.append(min(floor - flag["unsupplied_disposal_rate_pct"], floor - flag["idle_disposal_rate_pct"])
                        / floor)
        value = format_number(flag["supply_rate_pct"], "pct", lang, 1) if supply else ""
        line = format_number(flag["supply_rate_min_pct"], "pct", lang, _line_decimals(flag["supply_rate_min_pct"])) \
            if supply else ""
        if disposal:
            rates = "/".join(format_number(flag[c], "pct", lang, 1)
                             for c in ("unsupplied_disposal_rate_pct", "idle_disposal_rate_pct"))
            sep = "；" if lang == "zh" else "; "
            value = f"{value}{sep}{rates}" if value else rates
            floor_text = format_number(flag["disposal_floor_pct"], "pct", lang,
                                       _line_decimals(flag["disposal_floor_pct"]))
            line = f"{line}{sep}{floor_text}" if line else floor_text
        gap_pp = flag["supply_rate_pct"] - flag["supply_rate_min_pct"] if supply else np.nan
        clause = "；".join(c for c, on in ((supply_clause, supply), (disposal_clause, disposal)) if on)
        rows.append(_alert(
            "suspension", lang, region_code=flag["region_code"], region=names.get(flag["region_code"],
                                                                                   flag["region_name"]),
            subject=names.get(flag["region_code"], flag["region_name"]),
            indicator=registry()["suspension_flags"].label(lang), value=value, line=line,
            gap=gap_pp, relative_gap=max(gaps) if gaps else 0.0,
            message=t("overview_panel.alert.suspended", lang, shortfall=flag[f"shortfall_{lang}"]),
            rule=str(flag[f"rule_{lang}"]), clause=clause,
        ))
    return rows


def _disposal_alerts(values: Mapping[str, pd.DataFrame], flags: pd.DataFrame, profile: Profile,
                     quarter: int | None, lang: str) -> list[dict]:
    suspended = set(flags.loc[flags["suspended_disposal"].astype(bool), "region_code"])
    rule, clause = _param_text(profile, "disposal_rate_quarterly_min", lang)
    rows = []
    for key in ("unsupplied_disposal", "idle_disposal"):
        metric, frame = METRIC_BY_KEY[key], values.get(key)
        if frame is None:
            continue
        below = frame[(frame["level"] == COUNTY_LEVEL) & (frame["status"] == "warn")
                      & ~frame["region_code"].isin(suspended)]
        for _, row in below.iterrows():
            value, line = format_number(row["value"], "pct", lang, 1), line_text(metric, row["line"], lang)
            rows.append(_alert(
                "below_floor", lang, region_code=row["region_code"], region=row["name"], subject=row["name"],
                indicator=metric.label(lang), value=value, line=line, gap=row["value"] - row["line"],
                relative_gap=row["miss"] / row["line"] if row["line"] else 0.0,
                message=t("overview_panel.alert.below_floor", lang, metric=metric.label(lang), value=value,
                          line=format_number(row["line"], "pct", lang, _line_decimals(row["line"])),
                          quarter=quarter if quarter is not None else DASH),
                rule=rule, clause=clause,
            ))
    return rows


def _arable_alerts(balance: pd.DataFrame, cost: pd.DataFrame | None, profile: Profile,
                   names: Mapping[str, str], lang: str) -> list[dict]:
    """One row per county short on any of the three indicators: each shortfall, and the cost of buying them."""
    spec = registry()["arable_balance"]
    months = profile["pool_price_window_months"] if "pool_price_window_months" in profile.params else DASH
    short = balance[(balance["level"] == COUNTY_LEVEL) & (balance["shortfall"] > 0)]
    sep = "、" if lang == "zh" else ", "
    rows = []
    for code, county in short.groupby("region_code", sort=True):
        shortfalls, balances, indicators, shares = [], [], [], []
        for _, row in county.iterrows():
            metric = METRIC_BY_KEY[f"{row['indicator']}_balance"]
            name = t(f"overview_panel.arable.{row['indicator']}", lang)
            indicators.append(name)
            shortfalls.append(t("overview_panel.alert.shortfall_item", lang, metric=name,
                                amount=format_number(row["shortfall"] * metric.scale, metric.unit, lang)))
            balances.append(format_number(row["balance"] * metric.scale, metric.unit, lang))
            shares.append(float(row["shortfall"] / row["occupied"]) if row["occupied"] else 1.0)
        message = t("overview_panel.alert.shortfall", lang, items=sep.join(shortfalls))
        total = None
        if cost is not None:
            found = cost[(cost["region_code"] == code) & (cost["indicator"] == "total")]
            total = None if found.empty else _number(found["cost_wan"].iloc[0])
        if total:
            message += t("overview_panel.alert.shortfall_cost", lang, months=months,
                         cost=format_number(total, "wan", lang))
        region = names.get(code, county["region_name"].iloc[0])
        rows.append(_alert(
            "shortfall", lang, region_code=code, region=region, subject=region, indicator=sep.join(indicators),
            value=sep.join(balances), line="≥ 0", gap=np.nan, relative_gap=max(shares), message=message,
            rule=t("overview_panel.rule.arable", lang), clause=cite(spec.source),
        ))
    return rows


def _idle_alerts(idle: pd.DataFrame, profile: Profile, lang: str) -> list[dict]:
    late = idle[(idle["level"] == COUNTY_LEVEL) & (idle["overdue_count"] > 0)]
    months = profile["idle_disposal_deadline_months"]
    clause = cite(profile.param("idle_disposal_deadline_months").source)
    rows = []
    for _, row in late.iterrows():
        area = format_number(row["overdue_mu"], "mu", lang)
        rows.append(_alert(
            "overdue", lang, region_code=row["region_code"], region=row["name"], subject=row["name"],
            indicator=METRIC_BY_KEY["idle_land"].label(lang),
            value=t("overview_panel.alert.overdue_value", lang, count=int(row["overdue_count"]), area=area),
            line=t("overview_panel.alert.overdue_line", lang), gap=-float(row["overdue_mu"]),
            relative_gap=float(row["overdue_mu"] / row["idle_mu"]) if row["idle_mu"] else 0.0,
            message=t("overview_panel.alert.overdue", lang, count=int(row["overdue_count"]), area=area,
                      days=f"{int(row['max_overdue_days']):,}"),
            rule=t("overview_panel.rule.idle", lang, months=months), clause=clause,
        ))
    return rows


def _park_alerts(parks: pd.DataFrame, enterprises: pd.DataFrame | None, profile: Profile,
                 names: Mapping[str, str], lang: str) -> list[dict]:
    rows = []
    for key, flag in (("invest_per_mu", "invest_below_benchmark"), ("output_per_mu", "output_below_benchmark")):
        metric = METRIC_BY_KEY[key]
        rule, clause = _param_text(profile, metric.line_param, lang)
        line = float(profile[metric.line_param])
        ratio = f"{metric.column.removesuffix('_wan')}_to_benchmark"
        for _, park in parks[parks[flag].astype(bool)].iterrows():
            value = park[metric.column]
            count = total = None
            if enterprises is not None and ratio in enterprises.columns:
                units = enterprises[enterprises["park_id"] == park["park_id"]]
                total, count = len(units), int((units[ratio] < 1).sum())
            value_text = format_number(value, metric.unit, lang)
            line_value = format_number(line, metric.unit, lang, _line_decimals(line))
            message = t("overview_panel.alert.below_benchmark", lang, metric=metric.label(lang),
                        value=value_text, line=line_value, gap=format_number(line - value, metric.unit, lang))
            if total:
                message += t("overview_panel.alert.enterprises_below", lang, count=count, total=total)
            region = names.get(park["region_code"], park["region_name"])
            rows.append(_alert(
                "below_benchmark", lang, region_code=park["region_code"], region=region, subject=park["park_name"],
                indicator=metric.label(lang), value=value_text, line=line_text(metric, line, lang),
                gap=value - line, relative_gap=(line - value) / line if line else 0.0, message=message,
                rule=rule, clause=clause,
            ))
    return rows


def _target_alerts(values: pd.DataFrame, profile: Profile, lang: str) -> list[dict]:
    metric = METRIC_BY_KEY["gdp_per_land"]
    rule, clause = _param_text(profile, metric.line_param, lang)
    rows = []
    for _, row in values[(values["level"] == COUNTY_LEVEL) & (values["status"] == "warn")].iterrows():
        value = format_number(row["value"], metric.unit, lang)
        line = format_number(row["line"], metric.unit, lang, _line_decimals(row["line"]))
        rows.append(_alert(
            "below_target", lang, region_code=row["region_code"], region=row["name"], subject=row["name"],
            indicator=metric.label(lang), value=value, line=line_text(metric, row["line"], lang),
            gap=row["value"] - row["line"], relative_gap=row["miss"] / row["line"] if row["line"] else 0.0,
            message=t("overview_panel.alert.below_target", lang, metric=metric.label(lang), value=value, line=line,
                      year=int(row["period"]) if pd.notna(row["period"]) else DASH),
            rule=rule, clause=clause,
        ))
    return rows


def alert_rows(tables: Mapping[str, pd.DataFrame], values: Mapping[str, pd.DataFrame], profile: Profile,
               regions: pd.DataFrame, lang: str = "zh", region_code: str | None = None) -> pd.DataFrame:
    """Counties (and parks) below a policy line, by how much, with the rule and its clause, most severe first.

    Kinds, in order (:data:`SEVERITY`): applications suspended (``suspension_flags``: rule and shortfall texts
    from the indicator); an arable indicator short (shortfall and its cost at the platform's average price);
    a disposal rate below the quarter's floor without suspension (the other rate met it); idle land past its
    disposal deadline; a park below the investment or output benchmark (with how many of its enterprises are);
    地均GDP below the target.  Within a kind, the largest relative miss comes first.

    Parameters
    ----------
    tables
        Indicator tables by id (see :data:`CURRENT_TABLES`); missing tables give no alerts of their kind.
    values
        :func:`all_metric_values` of the same period.
    regions
        :func:`region_frame` (names in ``lang``).
    region_code
        Keep only this county's alerts (``None``: every county).

    Returns
    -------
    DataFrame
        Columns :data:`ALERT_COLUMNS`; ``gap`` is value − line in the metric's unit (percentage points for rates,
        negative when below) and ``relative_gap`` the miss as a share of the line (of occupation for arable).
    """
    names = dict(zip(regions["region_code"], regions["name"], strict=True))
    rows: list[dict] = []
    flags = tables.get("suspension_flags")
    if flags is not None:
        rows += _suspension_alerts(flags, profile, names, lang)
    if "arable_balance" in tables:
        rows += _arable_alerts(tables["arable_balance"], tables.get("arable_shortfall_cost"), profile, names, lang)
    if flags is not None:
        disposal = tables.get("disposal_rates_quarterly")
        quarter = None if disposal is None or disposal.empty else int(latest_period(disposal)["quarter"].iloc[0])
        rows += _disposal_alerts(values, flags, profile, quarter, lang)
    if "idle_cases" in tables:
        rows += _idle_alerts(idle_land_by_region(tables["idle_cases"], regions).merge(
            regions[["region_code", "name", "level"]], on="region_code"), profile, lang)
    if "per_mu_park" in tables:
        rows += _park_alerts(tables["per_mu_park"], tables.get("per_mu_enterprise"), profile, names, lang)
    if "gdp_per_land" in values:
        rows += _target_alerts(values["gdp_per_land"], profile, lang)
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    if region_code is not None:
        frame = frame[frame["region_code"] == region_code]
    frame = frame.assign(_rel=frame["relative_gap"].astype(float).fillna(0.0))
    frame = frame.sort_values(["severity_rank", "_rel", "region_code"], ascending=[True, False, True])
    return frame.drop(columns="_rel").reset_index(drop=True)


def alert_table(alerts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The alert rows as shown and exported: localised headers, no internal columns."""
    shown = ["severity", "region", "subject", "indicator", "value", "line", "message", "rule", "clause"]
    return alerts[shown].rename(columns={c: t(f"overview_panel.col.{c}", lang) for c in shown})


#: Alert colours (text, background) per kind: red for sanctions, orange for shortfalls, amber for the rest.
ALERT_COLOURS = {
    "suspension": ("#b71c1c", "#fdecea"),
    "shortfall": ("#bf360c", "#fff3e0"),
    "below_floor": ("#e65100", "#fff8e1"),
    "overdue": ("#8d6e00", "#fffde7"),
    "below_benchmark": ("#6d4c41", "#f5f5f5"),
    "below_target": ("#546e7a", "#f5f7f8"),
}


def alerts_html(alerts: pd.DataFrame, lang: str = "zh", large: bool = False) -> str:
    """The alert list as escaped HTML, one coloured block per kind (most severe first): the kind and its rule,
    then one line per county (and park) saying by how much it misses the line.

    Every text is data or translation and is escaped, so a name cannot inject markup.
    """
    size = 19 if large else 15
    parts = [f'<div style="font-size:{size}px;line-height:1.5">']
    for rank, rows in alerts.groupby("severity_rank", sort=True):
        colour, background = ALERT_COLOURS[SEVERITY[int(rank)]]
        rules = ("；" if lang == "zh" else "; ").join(html.escape(r) for r in dict.fromkeys(rows["rule"].astype(str)))
        kind = t("overview_panel.alert.kind_count", lang, kind=rows["severity"].iloc[0], count=len(rows))
        parts.append(
            f'<div style="border-left:6px solid {colour};background:{background};padding:6px 12px;'
            f'margin:0 0 8px 0;border-radius:4px">'
            f'<div><span style="color:#fff;background:{colour};border-radius:3px;padding:1px 8px;'
            f'margin-right:8px;font-weight:600">{html.escape(kind)}</span>'
            f'<span style="color:#555;font-size:0.85em">{rules}</span></div>'
        )
        for _, row in rows.iterrows():
            subject = html.escape(str(row["region"]))
            if row["subject"] != row["region"]:
                subject = f"{subject} · {html.escape(str(row['subject']))}"
            parts.append(f'<div style="margin-left:4px">▸ <b>{subject}</b>　{html.escape(str(row["message"]))}</div>')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


# ----------------------------------------------------------------------------------------------------------
# Choropleth

#: Class colours, light to dark (ColorBrewer YlGnBu, 5 classes); fewer classes take evenly spaced ones.
CLASS_COLOURS = ((199, 233, 180), (127, 205, 187), (65, 182, 196), (44, 127, 184), (37, 52, 148))
MISSING_COLOUR = (200, 200, 200)
BELOW_LINE = (198, 40, 40)
SELECTED_LINE = (20, 20, 20)
OUTLINE = (110, 110, 110)
#: County labels: the CJK font the app's machines have (Debian fonts-noto-cjk), else the browser's sans-serif.
LABEL_FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
SCHEMES = ("natural_breaks", "quantiles")
MAX_CLASSES = 5


@dataclass(frozen=True)
class Classes:
    """Classes of the counties' values: ``classes`` per value (``-1`` missing), colour and legend label per class."""

    scheme: str
    classes: np.ndarray
    colours: tuple[tuple[int, int, int], ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]


def class_colours(k: int) -> tuple[tuple[int, int, int], ...]:
    """``k`` colours from :data:`CLASS_COLOURS`, evenly spaced, light to dark."""
    if k <= 0:
        return ()
    picks = np.rint(np.linspace(0, len(CLASS_COLOURS) - 1, k)).astype(int) if k > 1 else [len(CLASS_COLOURS) // 2]
    return tuple(CLASS_COLOURS[i] for i in picks)


def classify(values, unit: str = "", lang: str = "zh", scheme: str = "natural_breaks", k: int = MAX_CLASSES,
             decimals: int = 2) -> Classes:
    """Class ``values`` with mapclassify (Fisher–Jenks natural breaks or quantiles), at most ``k`` classes.

    Ties are kept together and classes never come out empty: with no more distinct values than ``k`` each value
    is its own class; otherwise mapclassify's bins are used and classes no value fell in (quantiles over tied
    values) are dropped.  Legend labels give each class's actual range (``72.00 – 78.00%``; one number when the
    class holds one value), so ranges never overlap.  Missing values get class ``-1``.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    array = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(array)
    classes = np.full(array.shape, -1, dtype=int)
    found = array[finite]
    if found.size == 0:
        return Classes(scheme, classes, (), (), ())
    distinct = np.unique(found)
    if distinct.size <= k:
        binned = np.searchsorted(distinct, found)
    else:
        with warnings.catch_warnings():
            # "Numba not installed": Fisher–Jenks over a handful of counties needs no compiler.
            warnings.simplefilter("ignore", UserWarning)
            classifier = (mapclassify.FisherJenks(found, k=k) if scheme == "natural_breaks"
                          else mapclassify.Quantiles(found, k=k))
        binned = np.asarray(classifier.yb)
    used = np.unique(binned)
    binned = np.searchsorted(used, binned)
    classes[finite] = binned
    labels, counts = [], []
    for c in range(used.size):
        members = found[binned == c]
        low, high = members.min(), members.max()
        counts.append(int(members.size))
        if low == high:
            labels.append(format_number(low, unit, lang, decimals))
        else:
            labels.append(f"{format_number(low, '', lang, decimals)} – {format_number(high, unit, lang, decimals)}")
    return Classes(scheme, classes, class_colours(used.size), tuple(labels), tuple(counts))


#: English words that make a county's name an administrative one ("Eshan Yi Autonomous County"); the map labels
#: drop them (see :func:`map_label_name`).
ADMIN_WORDS = ("County", "District", "City", "Autonomous", "Banner")


def map_label_name(name: str, lang: str = "zh") -> str:
    """A county's name as labelled on the choropleth: in English the place name alone (``Yuanjiang Hani, Yi and
    Dai Autonomous County`` → ``Yuanjiang``), since full names overlap each other on a map a few hundred pixels
    wide; the tooltip, legend and ranking keep the full name.  Chinese names are kept whole."""
    words = str(name).split(" ")
    if lang == "zh" or len(words) < 2 or not set(words[1:]) & set(ADMIN_WORDS):
        return str(name)
    return words[0].rstrip(",")


def choropleth(values: pd.DataFrame, geometry: pd.DataFrame, metric: Metric, lang: str = "zh",
               selected: str | None = None, scheme: str = "natural_breaks",
               height_px: int = 560, width_px: int = MAIN_WIDTH_PX) -> tuple[CompactDeck, list[LegendGroup]]:
    """A county map coloured by the classes of ``metric``, with a red marker on each county missing the policy
    line, county names with their values, and its legend.

    Tooltips are the shared text template ``{name}\n{id}``: the name carries the value (``红塔区 87.99%``), the
    id the county code.  The selected county is outlined in black.

    Parameters
    ----------
    values
        :func:`metric_values` of ``metric``.
    geometry
        The ``regions`` dataset (simplified for display) with ``code``, ``level`` and ``geometry``.
    height_px, width_px
        The map's size on the page: the view is fitted to it so every county shows (the width is the map's column
        at the smallest screen, :mod:`dashboard.layout`).
    """
    counties = geometry[geometry["level"] == COUNTY_LEVEL]
    rows = values.set_index("region_code").reindex(counties["code"].astype(str))
    classes = classify(rows["value"], metric.unit, lang, scheme, decimals=metric.decimals)
    anchors = shapely.point_on_surface(np.asarray(counties.geometry.values, dtype=object))
    props, markers, labels = [], [], []
    for code, (_, row), cls, anchor in zip(counties["code"].astype(str), rows.iterrows(), classes.classes, anchors,
                                           strict=True):
        fill = classes.colours[cls] if cls >= 0 else MISSING_COLOUR
        chosen = code == selected
        value = format_number(row["value"], metric.unit, lang, metric.decimals) if cls >= 0 \
            else t("overview_panel.no_data", lang)
        name = f"{row['name']} {value}"
        props.append({"id": code, "name": name, "fill": [*fill, 215], "line": [*(SELECTED_LINE if chosen else OUTLINE),
                                                                              255], "width": 4 if chosen else 1.2})
        position = [round(anchor.x, 5), round(anchor.y, 5)]
        labels.append({"position": position, "text": f"{map_label_name(row['name'], lang)}\n{value}"})
        if row["status"] == "warn":
            markers.append({"position": position, "name": name, "id": code})
    data = feature_collection(counties.geometry.values, props)
    # The selected county's outline on top of its neighbours'.
    data["features"].sort(key=lambda f: f["properties"]["width"])
    layers = [geojson_layer("overview-choropleth", data)]
    layers.append(pdk.Layer(
        "TextLayer", data=labels, id="overview-labels", get_position="position", get_text="text",
        get_size=14 if lang == "zh" else 12,
        get_color=[25, 25, 25, 255], get_pixel_offset=[0, 26], background=True,
        get_background_color=[255, 255, 255, 200], background_padding=[3, 1],
        # pydeck reads plain strings as JavaScript expressions, hence the quotes.  "auto": the font atlas holds
        # every character of the labels (deck.gl's default is ASCII only).
        font_family=f"'{LABEL_FONT}'", character_set="'auto'",
        pickable=False, line_height=1.15,
    ))
    if markers:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=markers, id="overview-below", get_position="position", get_radius=8,
            radius_units="'pixels'", get_fill_color=[*BELOW_LINE, 255], get_line_color=[255, 255, 255, 255],
            stroked=True, line_width_min_pixels=2, pickable=True,
        ))
    view = view_state(counties.total_bounds, height_px, width_px)
    return deck(layers, view), choropleth_legend(classes, values, metric, lang, selected)


def choropleth_legend(classes: Classes, values: pd.DataFrame, metric: Metric, lang: str = "zh",
                      selected: str | None = None) -> list[LegendGroup]:
    """The legend of :func:`choropleth`: class ranges with units and counts, then the outlines."""
    title = t("overview_panel.legend_title", lang, metric=metric.label_with_unit(lang),
              scheme=t(f"overview_panel.scheme.{classes.scheme}", lang))
    items = [LegendItem(t("overview_panel.legend_count", lang, label=label, count=count), colour)
             for label, count, colour in zip(classes.labels, classes.counts, classes.colours, strict=True)]
    missing = int((classes.classes < 0).sum())
    if missing:
        items.append(LegendItem(t("overview_panel.legend_count", lang, label=t("overview_panel.no_data", lang),
                                  count=missing), MISSING_COLOUR))
    groups = [LegendGroup(title, tuple(items))]
    outlines = []
    line = values["line"].dropna()
    if len(line):
        outlines.append(LegendItem(t("overview_panel.legend_below", lang,
                                     line=line_text(metric, float(line.iloc[0]), lang)), BELOW_LINE))
    if selected:
        outlines.append(LegendItem(t("overview_panel.legend_selected", lang), SELECTED_LINE, outline=True))
    if outlines:
        groups.append(LegendGroup(t("overview_panel.legend_outlines", lang), tuple(outlines)))
    return groups


# ----------------------------------------------------------------------------------------------------------
# Ranking chart

STATUS_COLOURS = {"warn": "#d7301f", "ok": "#1a9850", "none": "#4575b4"}


def ranking_frame(values: pd.DataFrame, metric: Metric, lang: str = "zh", selected: str | None = None) -> pd.DataFrame:
    """The counties with a value, largest first (the most stock, the highest rate), for the chart; the colour,
    not the order, says who misses the line.

    Columns ``region_code, name, value, label, status, status_text, selected, rank``.
    """
    counties = values[(values["level"] == COUNTY_LEVEL) & values["value"].notna()].copy()
    counties = counties.sort_values(["value", "region_code"], ascending=[False, True])
    counties["label"] = [format_number(v, metric.unit, lang, metric.decimals) for v in counties["value"]]
    counties["status_text"] = [t(f"overview_panel.status.{s}", lang) for s in counties["status"]]
    counties["selected"] = counties["region_code"] == selected
    counties["rank"] = range(1, len(counties) + 1)
    return counties[["region_code", "name", "value", "label", "status", "status_text", "selected", "rank"]]


#: Ranking chart text sizes (px): county names, value labels, legend.
RANK_FONT = {"name": 15, "value": 14, "legend": 14}
#: Gap (px) between a bar's end and its value label.
LABEL_GAP_PX = 5
#: Horizontal room (px) the ranking chart spends outside its plot: padding, the axis' label offset and tick.
RANK_CHROME_PX = 5 + 10 + 14


def _domain(numbers: Sequence[float], plot_px: float = 500.0, left_px: float = 0.0, right_px: float = 0.0,
            pad: float = 0.05) -> list[float]:
    """An x domain holding 0 and every number, with ``left_px`` / ``right_px`` of a ``plot_px`` wide plot free
    beyond the smallest / largest number (for the value labels at the bar ends), and ``pad`` of the span besides
    on each side that has bars.

    Pixels, not a share of the span: a label is as wide whatever the values, and a fixed share (the old 30%)
    left a −2,436 label too little room, so it ran over the county names.
    """
    finite = [float(v) for v in numbers if v is not None and np.isfinite(v)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    span = (high - low) or 1.0
    low = low - pad * span if low < 0 else low
    high = high + pad * span
    left_px = left_px if low < 0 else 0.0
    # Labels take at most 70% of the plot, so the bars keep some length on a narrow page.
    share = min((left_px + right_px) / max(plot_px, 1.0), 0.7)
    scale = (high - low) / (1.0 - share)  # data units across the whole plot
    total = left_px + right_px or 1.0
    return [low - share * scale * left_px / total, high + share * scale * right_px / total]


def ranking_chart(values: pd.DataFrame, metric: Metric, lang: str = "zh", selected: str | None = None,
                  width_px: int = MAIN_WIDTH_PX) -> alt.Chart:
    """Horizontal bars of the counties (largest at the top), coloured by whether each meets the policy line, with the
    line as a red rule and, for a rate or intensity, the city's value as a grey dotted rule (labelled above).

    Value labels sit at the bar ends away from the zero line (right of a positive bar, left of a negative one).
    ``width_px`` is the chart's width on the smallest screen (it stretches wider on larger ones): the name column
    is as wide as the longest name, and the x domain leaves room for the widest label on each side, so no label
    runs over a name or off the plot.
    """
    frame = ranking_frame(values, metric, lang, selected)
    title = metric.label_with_unit(lang)
    line = values["line"].dropna()
    line_value = float(line.iloc[0]) if len(line) else None
    city = values[values["level"] == CITY_LEVEL]["value"].dropna()
    city_value = float(city.iloc[0]) if not metric.summed and len(city) else None
    # The names' column at most 45% of the chart, so a narrow chart (the meeting's slides) keeps its bars.
    name_px = min(max_text_width_px(frame["name"], RANK_FONT["name"]) + 4, int(0.45 * width_px))
    plot_px = width_px - name_px - RANK_CHROME_PX

    def label_px(rows: pd.DataFrame) -> float:
        return max_text_width_px(rows["label"], RANK_FONT["value"]) + LABEL_GAP_PX + 6 if len(rows) else 0.0

    domain = _domain([*frame["value"], line_value, city_value], plot_px,
                     left_px=label_px(frame[frame["value"] < 0]), right_px=label_px(frame[frame["value"] >= 0]))
    statuses = [s for s in ("warn", "ok", "none") if s in set(frame["status"])]
    status_texts = [t(f"overview_panel.status.{s}", lang) for s in statuses]
    colour = alt.Color(
        "status_text:N", title=None,
        scale=alt.Scale(domain=status_texts, range=[STATUS_COLOURS[s] for s in statuses]),
        legend=alt.Legend(orient="bottom", direction="horizontal", columns=len(statuses),
                          labelFontSize=RANK_FONT["legend"], symbolSize=160,
                          labelLimit=max_text_width_px(status_texts, RANK_FONT["legend"]) + 8),
    )
    x = alt.X("value:Q", title=title, scale=alt.Scale(domain=domain, nice=False),
              axis=alt.Axis(labelFontSize=13, titleFontSize=15, grid=True, format=",~r", tickCount=6))
    y = alt.Y("name:N", sort=list(frame["name"]), title=None,
              axis=alt.Axis(labelFontSize=RANK_FONT["name"], labelLimit=name_px))
    base = alt.Chart(frame)
    tooltip = [alt.Tooltip("name:N", title=t("overview_panel.col.region", lang)), alt.Tooltip("label:N", title=title),
               alt.Tooltip("status_text:N", title=t("overview_panel.status_title", lang))]
    opacity = (alt.condition(alt.datum.selected, alt.value(1.0), alt.value(0.45)) if frame["selected"].any()
               else alt.value(1.0))
    layers = [
        base.mark_bar(height={"band": 0.7}).encode(x=x, y=y, color=colour, opacity=opacity, tooltip=tooltip),
        base.transform_filter(alt.datum.value >= 0).mark_text(align="left", dx=LABEL_GAP_PX,
                                                              fontSize=RANK_FONT["value"]).encode(
            x="value:Q", y=y, text="label:N"),
        base.transform_filter(alt.datum.value < 0).mark_text(align="right", dx=-LABEL_GAP_PX,
                                                             fontSize=RANK_FONT["value"]).encode(
            x="value:Q", y=y, text="label:N"),
    ]
    labels = []
    if line_value is not None:
        labels.append((line_value, t("overview_panel.line_label", lang, line=format_number(
            line_value, metric.unit, lang, _line_decimals(line_value))), STATUS_COLOURS["warn"], [6, 3], -24))
    if city_value is not None:
        labels.append((city_value, t("overview_panel.city_label", lang, value=format_number(
            city_value, metric.unit, lang, metric.decimals)), "#444", [2, 3], -6))
    for value, text, colour_hex, dash, offset in labels:
        ref = alt.Chart(pd.DataFrame({"x": [value], "text": [text]}))
        layers.append(ref.mark_rule(color=colour_hex, strokeWidth=2.5, strokeDash=dash).encode(x="x:Q"))
        layers.append(ref.mark_text(align="center", baseline="bottom", y=offset, color=colour_hex, fontSize=14,
                                    fontWeight="bold").encode(x="x:Q", text="text:N"))
    height = max(160, 42 * len(frame))
    # fit-x: the width follows the page, the height is the plot's own (Streamlit's default "fit" would squeeze the
    # bars into ``height`` minus axis, legend and padding, and Vega would then drop every other county's label).
    return (alt.layer(*layers)
            .properties(width=width_px, height=height, padding={"top": 48, "left": 5, "right": 10, "bottom": 5},
                        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
            .configure_view(strokeWidth=0))


def missing_names(values: pd.DataFrame) -> list[str]:
    """Counties without a value (no park, no data): named under the chart instead of drawn as zero."""
    return list(values.loc[(values["level"] == COUNTY_LEVEL) & values["value"].isna(), "name"])


def metric_table(values: pd.DataFrame, metric: Metric, lang: str = "zh") -> pd.DataFrame:
    """The chosen metric per region (city first) as shown and exported: value, line, status and miss."""
    unit = metric.unit_text(lang)
    miss_unit = unit_text("pp", lang) if metric.unit == "pct" else unit
    out = pd.DataFrame({
        t("overview_panel.col.region", lang): values["name"],
        t("overview_panel.with_unit", lang, label=metric.label(lang), unit=unit): values["value"].round(4),
        t("overview_panel.with_unit", lang, label=t("overview_panel.col.line", lang), unit=unit): values["line"],
        t("overview_panel.col.status", lang): [t(f"overview_panel.status.{s}", lang) for s in values["status"]],
        t("overview_panel.with_unit", lang, label=t("overview_panel.col.miss", lang), unit=miss_unit):
            values["miss"].round(4),
    })
    if values["period"].notna().any():
        out.insert(1, t("overview_panel.col.year", lang), values["period"].astype("Int64"))
    return out
