"""Panel data of the 节约集约评价 page: yearly series of the evaluation indicators for one region against the
policy profile's target lines, a statement of whether the latest year meets its line, KPI values with the change
from the previous year, and the county comparison of the latest year.

Everything here works on the indicator tables of :mod:`dashboard.indicators.evaluation` (their target columns
are already the session profile's values); the clause behind each line is read from the :class:`Profile`.
Nothing here imports Streamlit: texts are translated with :func:`dashboard.i18n.t` for the ``lang`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from dashboard.citations import cite
from dashboard.i18n import t
from dashboard.layout import MAIN_WIDTH_PX, legend_columns, max_text_width_px
from dashboard.policy import Profile

#: Colours of a year's / county's status (meets its line, misses it, no line or no data).
STATUS_COLOURS = {"ok": "#2e7d32", "warn": "#e65100", "none": "#9e9e9e"}
LINE_COLOUR = "#1565c0"
TARGET_COLOUR = "#b3261e"
#: Projector-readable chart text (px).
FONT = {"label": 15, "title": 16, "mark": 14}


@dataclass(frozen=True)
class Series:
    """One yearly series on the page, read from an evaluation indicator table.

    ``bound`` says whether the target line is a floor (``"min"``: higher is better) or a cap (``"max"``);
    ``flag`` is the indicator's own verdict column and ``flag_ok`` whether ``True`` in it means the line is met
    (``meets_target``) or missed (``exceeds_max``).  ``target`` is the table column holding the profile's line,
    or ``None`` when the line is derived (the land-per-GDP level: last year's value lowered by the target decline).
    """

    key: str
    ind_id: str
    value: str
    target: str | None
    flag: str
    flag_ok: bool
    bound: str
    unit: str  # key under ``evaluation_panel.unit``
    params: tuple[str, ...]  # profile parameters behind the line (their clauses are cited)

    @property
    def higher_is_better(self) -> bool:
        return self.bound == "min"

    @property
    def percent(self) -> bool:
        return self.unit == "pct"


SERIES: tuple[Series, ...] = (
    Series("gdp_per_land", "gdp_per_land", "gdp_per_land_wan_per_mu", "target_wan_per_mu", "meets_target", True,
           "min", "wan_per_mu", ("gdp_per_land_target_wan_per_mu",)),
    Series("land_per_gdp", "land_per_gdp", "land_per_gdp_mu_per_yi", None, "meets_target", True,
           "max", "mu_per_yi", ("land_per_gdp_decline_min",)),
    Series("land_per_gdp_decline", "land_per_gdp", "decline_pct", "target_decline_pct", "meets_target", True,
           "min", "pct", ("land_per_gdp_decline_min",)),
    Series("development_intensity", "development_intensity", "development_intensity_pct", "max_pct", "exceeds_max",
           False, "max", "pct", ("development_intensity_max", "development_intensity_zone_max")),
    Series("per_capita", "urban_industrial_land_per_capita", "per_capita_m2", "max_m2", "exceeds_max", False,
           "max", "m2_per_person", ("urban_industrial_land_per_capita_max_m2",)),
    Series("stock_share", "stock_supply_share", "stock_share_pct", "target_pct", "meets_target", True,
           "min", "pct", ("stock_supply_share_target",)),
)
SERIES_BY_KEY = {s.key: s for s in SERIES}
#: The indicator tables the page reads, in the order of the series.
INDICATORS: tuple[str, ...] = tuple(dict.fromkeys(s.ind_id for s in SERIES))

STANDARD_COLUMNS = ["region_code", "region_name", "level", "year", "value", "target", "status", "previous",
                    "delta"]


# -- formatting ----------------------------------------------------------------------------------------------


def fmt_number(value: float, decimals: int = 2) -> str:
    """``value`` with thousands separators and at most ``decimals`` decimals, trailing zeros dropped (28.8, 5, 125)."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def unit_label(series: Series, lang: str) -> str:
    """The unit of ``series`` as shown (万元/亩, 亩/亿元, %, 平方米/人)."""
    return t(f"evaluation_panel.unit.{series.unit}", lang)


def with_unit(value: float, series: Series, lang: str, decimals: int = 2) -> str:
    """A number with its unit: ``"22.91 万元/亩"``, ``"4.84%"``."""
    number = fmt_number(value, decimals)
    return f"{number}%" if series.percent else f"{number} {unit_label(series, lang)}"


def axis_title(series: Series, lang: str, short: bool = False) -> str:
    """Chart axis or column title with the unit: ``"地均GDP（万元/亩）"``; ``short`` fits a vertical axis."""
    group = "axis" if short else "series"
    return t("evaluation_panel.with_unit", lang, label=t(f"evaluation_panel.{group}.{series.key}", lang),
             unit=unit_label(series, lang))


# -- shaping -------------------------------------------------------------------------------------------------


def series_frame(table: pd.DataFrame, series: Series) -> pd.DataFrame:
    """The indicator ``table`` reduced to one series, every region and year, in standard columns.

    Columns: ``region_code, region_name, level, year, value, target, status, previous, delta``; ``status`` is
    ``"ok"`` (line met), ``"warn"`` (missed) or ``"none"`` (no verdict: no value, or no previous year for a
    decline); ``previous`` is the region's value of the year before and ``delta = value − previous``.  For the
    land-per-GDP level the target is last year's value lowered by the profile's minimum decline,
    ``previous × (1 − target_decline_pct ÷ 100)``, so the level meets its line exactly when the decline meets its.
    """
    frame = table.sort_values(["region_code", "year"]).reset_index(drop=True)
    value = frame[series.value].astype("float64")
    previous = frame.groupby("region_code")[series.value].shift(1).astype("float64")
    consecutive = frame.groupby("region_code")["year"].diff().eq(1)
    previous = previous.where(consecutive)
    if series.target is None:
        target = previous * (1.0 - frame["target_decline_pct"].astype("float64") / 100.0)
    else:
        target = frame[series.target].astype("float64")
    flag = frame[series.flag].astype("boolean")
    ok = flag if series.flag_ok else ~flag
    status = np.where(ok.isna() | value.isna(), "none", np.where(ok.fillna(False), "ok", "warn"))
    out = frame[["region_code", "region_name", "level", "year"]].copy()
    out["value"] = value
    out["target"] = target
    out["status"] = status
    out["previous"] = previous
    out["delta"] = value - previous
    return out[STANDARD_COLUMNS]


def region_code_of(frame: pd.DataFrame, county: str | None) -> str:
    """The region code shown: ``county``, or the city's code when ``county`` is ``None``."""
    if county is not None:
        return county
    city = frame.loc[frame["level"] == "city", "region_code"]
    return str(city.iloc[0]) if len(city) else ""


def region_series(frame: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """The years of one region from a :func:`series_frame`, oldest first."""
    return frame[frame["region_code"] == region_code].sort_values("year").reset_index(drop=True)


def latest(frame: pd.DataFrame, region_code: str) -> pd.Series | None:
    """The region's latest year that has a value (a row of :func:`series_frame`), or ``None`` without data."""
    rows = region_series(frame, region_code).dropna(subset=["value"])
    return None if rows.empty else rows.iloc[-1]


def value_in(frame: pd.DataFrame, region_code: str, year: int) -> float | None:
    """The region's value in ``year`` from a :func:`series_frame`, or ``None`` when there is none."""
    rows = frame[(frame["region_code"] == region_code) & (frame["year"] == year)]["value"].dropna()
    return None if rows.empty else float(rows.iloc[0])


def latest_year(frames: dict[str, pd.DataFrame]) -> int | None:
    """The latest year with a value in any series (the year the county comparison shows)."""
    years = [int(f.loc[f["value"].notna(), "year"].max()) for f in frames.values() if f["value"].notna().any()]
    return max(years) if years else None


def series_frames(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """:func:`series_frame` of every :data:`SERIES` from the indicator ``tables`` (by indicator id)."""
    return {s.key: series_frame(tables[s.ind_id], s) for s in SERIES}


# -- statements ----------------------------------------------------------------------------------------------


def verdict(series: Series, row: pd.Series | None, profile: Profile, lang: str) -> str:
    """The statement of whether the latest year meets its line, naming the target and the profile.

    E.g. ``"2025年单位GDP建设用地使用面积下降 4.84%，未达到年下降 5% 的目标（云南省·玉溪市口径）。"``
    """
    label = t(f"evaluation_panel.series.{series.key}", lang)
    if row is None:
        return t("evaluation_panel.verdict.no_data", lang, label=label)
    name = profile.name(lang)
    year = int(row["year"])
    if row["status"] == "none":
        return t("evaluation_panel.verdict.no_target", lang, year=year, label=label,
                 value=with_unit(row["value"], series, lang))
    met = row["status"] == "ok"
    gap = abs(row["value"] - row["target"])
    params = {"year": year, "profile": name, "target": with_unit(row["target"], series, lang),
              "value": with_unit(row["value"], series, lang), "gap": with_unit(gap, series, lang)}
    if series.key == "land_per_gdp_decline":
        rose = row["value"] < 0
        params["value"] = with_unit(abs(row["value"]), series, lang)
        key = "rose" if rose else ("met" if met else "missed")
        return t(f"evaluation_panel.verdict.land_per_gdp_decline_{key}", lang, **params)
    if series.key == "land_per_gdp":
        # The line is last year's value lowered by the target decline: recover the rate for the sentence.
        params["rate"] = fmt_number((1.0 - row["target"] / row["previous"]) * 100.0)
    if series.percent:
        params["gap"] = fmt_number(gap)  # percentage points
    return t(f"evaluation_panel.verdict.{series.key}_{'met' if met else 'missed'}", lang, **params)


def target_text(series: Series, row: pd.Series | None, lang: str) -> str:
    """The line as a short label: ``"目标 ≥ 28.8 万元/亩"`` / ``"上限 ≤ 15%"``."""
    if row is None or pd.isna(row["target"]):
        return t("evaluation_panel.no_line", lang)
    sign = "≥" if series.bound == "min" else "≤"
    kind = t(f"evaluation_panel.line_{series.bound}", lang)
    return f"{kind} {sign} {with_unit(row['target'], series, lang)}"


def active_params(series: Series, profile: Profile, region_code: str) -> list[str]:
    """The profile parameters behind the series' line for ``region_code``.

    Development intensity uses a zone's cap when the region's code starts with one of the zone's prefixes
    (Jiangsu's 苏南/苏中/苏北), else the general cap; other series use their one parameter.
    """
    keys = [k for k in series.params if k in profile.params]
    if series.key != "development_intensity":
        return keys
    zones = profile["development_intensity_zone_max"] or {}
    zoned = any(region_code.startswith(p) for zone in zones.values() for p in zone["region_prefixes"])
    return ["development_intensity_zone_max" if zoned else "development_intensity_max"]


def clause(series: Series, profile: Profile, region_code: str, lang: str) -> str:
    """Where the line comes from: the profile's name and the clause of each parameter behind it."""
    colon, semicolon = ("：", "；") if lang == "zh" else (": ", "; ")
    parts = []
    for key in active_params(series, profile, region_code):
        param = profile.param(key)
        parts.append(f"{param.zh if lang == 'zh' else param.en}{colon}{cite(param.source)}")
    return t("evaluation_panel.clause", lang, profile=profile.name(lang), clauses=semicolon.join(parts))


# -- KPI cards -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """What one KPI card shows (arguments of ``components.panels.kpi``)."""

    key: str
    label: str
    value: float | None
    unit: str
    fmt: str
    delta: float | None
    delta_fmt: str
    higher_is_better: bool
    status: str
    note: str


def kpis(frames: dict[str, pd.DataFrame], region_code: str, lang: str) -> list[Kpi]:
    """One card per series: the region's latest value, its change from the year before and the line it meets.

    Percentages change in percentage points: their value carries the ``%`` and the change says 个百分点.
    """
    cards = []
    for series in SERIES:
        row = latest(frames[series.key], region_code)
        label = t(f"evaluation_panel.series.{series.key}", lang)
        if row is None:
            cards.append(Kpi(series.key, label, None, unit_label(series, lang), "{:,.2f}", None, "{:+,.2f}",
                             series.higher_is_better, "none", t("evaluation_panel.no_data", lang)))
            continue
        label = t("evaluation_panel.kpi_label", lang, year=int(row["year"]), label=label)
        note = target_text(series, row, lang)
        if row["status"] != "none":
            note += " · " + t(f"evaluation_panel.status.{row['status']}", lang)
        if series.percent:
            unit, fmt, delta_fmt = "", "{:,.2f}%", "{:+,.2f} " + t("evaluation_panel.unit.pp", lang)
        else:
            unit, fmt, delta_fmt = unit_label(series, lang), "{:,.2f}", "{:+,.2f}"
        delta = None if pd.isna(row["delta"]) else float(row["delta"])
        cards.append(Kpi(series.key, label, float(row["value"]), unit, fmt, delta, delta_fmt,
                         series.higher_is_better, str(row["status"]), note))
    return cards


# -- county comparison ---------------------------------------------------------------------------------------


def county_ranking(frame: pd.DataFrame, series: Series, year: int | None = None,
                   names: dict[str, str] | None = None) -> pd.DataFrame:
    """The counties of ``year`` (default: the latest year with a value), best first, with rank and gap.

    Best is the highest value for a floor (地均GDP, decline, stock share) and the lowest for a cap (land per
    GDP, intensity, per capita); counties without a value come last, unranked.  ``gap`` is how far a county
    misses its line (positive, in the series' unit; 0 when met; missing without a line).  ``names`` relabels
    counties by code (the English names of the region selector).
    """
    counties = frame[frame["level"] == "county"]
    if year is None:
        with_value = counties.loc[counties["value"].notna(), "year"]
        year = int(with_value.max()) if len(with_value) else None
    rows = counties[counties["year"] == year].copy()
    if names:
        rows["region_name"] = rows["region_code"].map(names).fillna(rows["region_name"])
    rows = rows.sort_values("value", ascending=not series.higher_is_better, na_position="last")
    rows["rank"] = pd.array(rows["value"].rank(ascending=not series.higher_is_better, method="min"),
                            dtype="Int64")
    missing = (rows["target"] - rows["value"]) if series.higher_is_better else (rows["value"] - rows["target"])
    rows["gap"] = missing.clip(lower=0.0)
    return rows[["rank", "region_code", "region_name", "year", "value", "target", "gap", "status", "previous"]].reset_index(
        drop=True)


def ranking_table(ranking: pd.DataFrame, series: Series, lang: str) -> pd.DataFrame:
    """:func:`county_ranking` with translated column names carrying units, for the page and the downloads.

    The year is the comparison's heading (and the export's filter), not a column.
    """
    unit = unit_label(series, lang)
    gap_unit = t("evaluation_panel.unit.pp", lang) if series.percent else unit
    label = t(f"evaluation_panel.series.{series.key}", lang)
    return pd.DataFrame({
        t("evaluation_panel.col.rank", lang): ranking["rank"],
        t("evaluation_panel.col.county", lang): ranking["region_name"],
        t("evaluation_panel.with_unit", lang, label=label, unit=unit): ranking["value"].round(2),
        t("evaluation_panel.with_unit", lang, label=t(f"evaluation_panel.line_{series.bound}", lang),
          unit=unit): ranking["target"].round(2),
        t("evaluation_panel.with_unit", lang, label=t("evaluation_panel.col.gap", lang), unit=gap_unit):
            ranking["gap"].round(2),
        t("evaluation_panel.col.status", lang): ranking["status"].map(
            lambda s: t(f"evaluation_panel.status.{s}", lang)),
    })


def region_table(frames: dict[str, pd.DataFrame], region_code: str, lang: str) -> pd.DataFrame:
    """Every series of one region by year (one column per series, unit in the header), for export."""
    out: pd.DataFrame | None = None
    for series in SERIES:
        rows = region_series(frames[series.key], region_code)[["year", "value"]]
        rows = rows.rename(columns={"value": axis_title(series, lang)})
        out = rows if out is None else out.merge(rows, on="year", how="outer")
    out = out.sort_values("year").rename(columns={"year": t("evaluation_panel.col.year", lang)})
    return out.round(2).reset_index(drop=True)


# -- charts --------------------------------------------------------------------------------------------------


def _status_scale(lang: str) -> alt.Scale:
    return alt.Scale(domain=[t(f"evaluation_panel.status.{s}", lang) for s in STATUS_COLOURS],
                     range=list(STATUS_COLOURS.values()))


def _configure(chart, height: int, line_title: str | None):
    """Projector-sized text; the target line is named in a red title (it never collides with data labels)."""
    if line_title:
        chart = chart.properties(title=alt.TitleParams(f"- - {line_title}", anchor="end", color=TARGET_COLOUR,
                                                       fontSize=FONT["title"], fontWeight="bold"))
    return (
        chart.properties(height=height)
        .configure_axis(labelFontSize=FONT["label"], titleFontSize=FONT["title"], grid=True, gridOpacity=0.4)
        .configure_legend(labelFontSize=FONT["label"], orient="top", direction="horizontal", title=None)
        .configure_view(strokeWidth=0)
    )


def line_title(series: Series, frame: pd.DataFrame, lang: str) -> str | None:
    """The name of the target line drawn on a chart of ``frame`` (rows with ``value``, ``target``, ``previous``).

    A constant line reads ``"目标 ≥ 28.8 万元/亩"``; the land-per-GDP level's per-year line names the decline
    it is derived from; ``None`` without a line.
    """
    targets = frame.dropna(subset=["value", "target"])
    if targets.empty:
        return None
    if series.target is None:
        row = targets.iloc[-1]
        rate = (1.0 - row["target"] / row["previous"]) * 100.0
        return t("evaluation_panel.derived_line", lang, rate=fmt_number(rate))
    if targets["target"].nunique() == 1:
        return target_text(series, targets.iloc[-1], lang)
    return t("evaluation_panel.varying_line", lang, kind=t(f"evaluation_panel.line_{series.bound}", lang))


def trend_chart(frame: pd.DataFrame, series: Series, lang: str, height: int = 320) -> alt.Chart:
    """Line chart of one region's series by year: points coloured by status, the target line dashed in red.

    ``frame`` is :func:`region_series`.  A constant line is one rule; a line that moves with the year (the
    land-per-GDP level's line derived from last year's value) is a red tick per year.
    """
    data = frame.dropna(subset=["value"]).copy()
    data["year_label"] = data["year"].astype(str)
    data["status_label"] = data["status"].map(lambda s: t(f"evaluation_panel.status.{s}", lang))
    data["value_text"] = data["value"].map(lambda v: with_unit(v, series, lang))
    data["target_text"] = data["target"].map(lambda v: with_unit(v, series, lang))
    x_title = t("evaluation_panel.col.year", lang)
    y_title = axis_title(series, lang, short=True)
    x = alt.X("year_label:O", title=x_title, axis=alt.Axis(labelAngle=0))
    data["above"] = ~(data["value"] < data["target"])
    base = alt.Chart(data)
    tooltip = [alt.Tooltip("year_label:O", title=x_title), alt.Tooltip("value_text:N", title=y_title),
               alt.Tooltip("target_text:N", title=t(f"evaluation_panel.line_{series.bound}", lang)),
               alt.Tooltip("status_label:N", title=t("evaluation_panel.col.status", lang))]
    line = base.mark_line(color=LINE_COLOUR, strokeWidth=3).encode(
        x=x, y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False, padding=30)))  # room for labels
    points = base.mark_point(filled=True, size=160, opacity=1).encode(
        x=x, y="value:Q", color=alt.Color("status_label:N", scale=_status_scale(lang)), tooltip=tooltip)
    # Value labels sit on the side of the point away from the target line, so the line never strikes them.
    labels = [
        base.transform_filter(alt.datum.above == above)
        .mark_text(dy=-16 if above else 18, fontSize=FONT["mark"], color="#212121")
        .encode(x=x, y="value:Q", text=alt.Text("value:Q", format=",.2f"))
        for above in (True, False)
    ]
    layers = [line, points, *labels]
    targets = data.dropna(subset=["target"])
    if not targets.empty:
        if series.target is not None and targets["target"].nunique() == 1:
            rule = alt.Chart(targets.iloc[[-1]]).mark_rule(color=TARGET_COLOUR, strokeDash=[8, 5], strokeWidth=2.5)
            layers.insert(0, rule.encode(y="target:Q"))
        else:
            ticks = alt.Chart(targets).mark_tick(color=TARGET_COLOUR, thickness=4, size=44).encode(
                x=x, y="target:Q",
                tooltip=[alt.Tooltip("year_label:O", title=x_title),
                         alt.Tooltip("target_text:N", title=t(f"evaluation_panel.line_{series.bound}", lang))])
            layers.insert(0, ticks)
    return _configure(alt.layer(*layers), height, line_title(series, data, lang))


#: Room (px) the county comparison spends outside its plot: padding, the name axis' offset and ticks.
RANKING_CHROME_PX = 30


def ranking_domain(values, targets, plot_px: float, label_px: float) -> list[float]:
    """The x domain of :func:`ranking_chart`: from 0 past the largest value and target, so that the plot's right
    ``label_px`` (of ``plot_px``), where the value labels stand, holds no bar and no target line."""
    numbers = [float(v) for v in [*values, *targets] if v is not None and np.isfinite(v)]
    share = min(label_px / max(plot_px, 1.0), 0.6)
    return [0.0, (max([0.0, *numbers]) or 1.0) / (1.0 - share)]


def ranking_chart(ranking: pd.DataFrame, series: Series, lang: str, highlight: str | None = None,
                  height: int = 420, width_px: int = MAIN_WIDTH_PX) -> alt.Chart:
    """Horizontal bars of the counties (best at the top), coloured by status, with the target line.

    ``ranking`` is :func:`county_ranking`; ``highlight`` (a county code) is outlined in black.  The land-per-GDP
    level's line differs by county (each county's last year lowered by the target decline): a tick per county.

    The chart is laid out for ``width_px`` (its width at the smallest screen; it stretches wider on larger ones):
    the names get their full width, the x domain leaves room for the value labels right of the bars, the target
    line and the bars stay left of the value labels, which stand right-aligned at the plot's right edge, so the line
    never runs through a number.
    """
    data = ranking.dropna(subset=["value"]).copy()
    data["status_label"] = data["status"].map(lambda s: t(f"evaluation_panel.status.{s}", lang))
    data["value_text"] = data["value"].map(lambda v: with_unit(v, series, lang))
    data["selected"] = data["region_code"] == highlight
    title = axis_title(series, lang)
    county = t("evaluation_panel.col.county", lang)
    name_px = max_text_width_px(data["region_name"], FONT["label"]) + 4
    label_px = max_text_width_px(data["value_text"], FONT["mark"]) + 16
    plot_px = width_px - name_px - RANKING_CHROME_PX
    targets = data.dropna(subset=["target"])
    domain = ranking_domain(data["value"], targets["target"], plot_px, label_px)
    statuses = [t(f"evaluation_panel.status.{s}", lang) for s in STATUS_COLOURS]
    y = alt.Y("region_name:N", sort=list(data["region_name"]), title=None, axis=alt.Axis(labelLimit=name_px))
    base = alt.Chart(data)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("value:Q", title=title, scale=alt.Scale(domain=domain, nice=False),
                axis=alt.Axis(titleLimit=plot_px)), y=y,
        color=alt.Color("status_label:N", scale=_status_scale(lang),
                        legend=alt.Legend(columns=legend_columns(statuses, plot_px, FONT["label"]),
                                          labelLimit=max_text_width_px(statuses, FONT["label"]) + 8)),
        stroke=alt.condition("datum.selected", alt.value("#000000"), alt.value(None)),
        strokeWidth=alt.condition("datum.selected", alt.value(3), alt.value(0)),
        tooltip=[alt.Tooltip("rank:Q", title=t("evaluation_panel.col.rank", lang)),
                 alt.Tooltip("region_name:N", title=county), alt.Tooltip("value_text:N", title=title),
                 alt.Tooltip("status_label:N", title=t("evaluation_panel.col.status", lang))])
    # A column of values at the right edge (a bar-end label would cross the target line of a shorter bar).
    labels = base.mark_text(align="right", fontSize=FONT["mark"], color="#212121").encode(
        x=alt.value("width"), y=y, text="value_text:N")
    layers = []
    if not targets.empty:
        if series.target is not None and targets["target"].nunique() == 1:
            line = pd.DataFrame({"target": [float(targets["target"].iloc[0])]})
            layers.append(alt.Chart(line).mark_rule(color=TARGET_COLOUR, strokeDash=[8, 5],
                                                    strokeWidth=2.5).encode(x="target:Q"))
        else:
            layers.append(alt.Chart(targets).mark_tick(color=TARGET_COLOUR, thickness=4).encode(x="target:Q", y=y))
    layers += [bars, labels]  # the line under the bars
    chart = alt.layer(*layers).properties(width=width_px)
    return _configure(chart, height, line_title(series, data, lang))
