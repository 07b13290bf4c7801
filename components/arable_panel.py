"""The 耕地占补平衡 panel: each section reads widgets, calls ``dashboard.views.arable`` and renders.

No pandas computation here; numbers are formatted for display only.  Every indicator shown has its 指标说明
popover, every chart a PNG download and every table Excel/CSV downloads (``components.panels``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import panels
from components.frame import region_name
from components.loaders import indicator_table, load_dataset
from components.state import current_lang, current_profile, hold_choice, hold_choices, t
from dashboard.context import data_as_of
from dashboard.contracts import get_dataset
from dashboard.indicators.arable import KINDS
from dashboard.indicators.projects import stages
from dashboard.policy import load_profile
from dashboard.reference import published_figures
from dashboard.views import arable as views

#: The policy profile whose pool rules the simulator applies, whatever the sidebar's profile (issue #6: the
#: pool simulator is for 黔南州's rules, seed 003 附件3; no other profile has regulation pools of its own).
SIMULATOR_PROFILE = "qiannan"
LEDGER_DATASETS = ("arable_ledger",)
BALANCE_DATASETS = ("arable_ledger", "regions")
COST_DATASETS = ("arable_ledger", "indicator_trades", "regions")
COVER_DATASETS = ("arable_ledger", "projects", "regions")
POOL_DATASETS = ("arable_ledger", "indicator_trades", "plan_quotas", "regions")


def _fmt(value: float, unit: str) -> str:
    """Number for a KPI card: whole 公斤, two decimals otherwise."""
    return f"{value:,.0f}" if unit == "kg" else f"{value:,.2f}"


def _table(frame: pd.DataFrame, name: str, datasets: tuple[str, ...], key: str, filters: dict | None = None) -> None:
    """A table shown with thousands separators, whole 公斤 and "—" for undefined values; raw numbers downloaded."""
    kg = views.unit_label("kg", current_lang())
    panels.number_table(frame, name, datasets, key, filters, whole=lambda column: f"（{kg}）" in column or f"({kg})" in column)


def render_arable_panel(county: str | None) -> None:
    """The whole panel for the selected county (``None``: the whole city)."""
    lang = current_lang()
    ledger = load_dataset("arable_ledger")
    if ledger is None:
        st.info(t("arable_panel.no_data"))
        return
    with st.spinner(t("arable_panel.loading")):
        balance = panels.indicator("arable_balance")
        cover = panels.indicator("arable_cover")
        cost = panels.indicator("arable_shortfall_cost")
    names = views.region_names(load_dataset("regions"), lang)
    code = county or views.city_code(balance)
    as_of = data_as_of()

    render_balance(balance, cover, ledger, code, county, names, as_of)
    render_waterfall(balance, code)
    render_cost(cost, code, names)
    render_cover(cover, code, county, names)
    render_simulator(county, names, as_of)
    render_ledger(ledger, county, names, as_of)
    if county is None:
        render_published_check()


def render_balance(balance, cover, ledger, code, county, names, as_of: date) -> None:
    """KPI cards of the three indicators for the region, the county comparison chart and the wide table."""
    lang = current_lang()
    panels.heading(t("arable_panel.balance.heading", region=region_name()), "arable_balance")
    change = views.balance_change(ledger, date(as_of.year, 1, 1), as_of)
    cards = views.balance_cards(balance, cover, change, code)
    for column, row in zip(st.columns(3), cards.itertuples()):
        unit = views.unit_label(row.unit, lang)
        if row.shortfall > 0:
            key = "balance.note_city_short" if county is None else "balance.note_short"
            note, status = t(f"arable_panel.{key}", value=_fmt(row.shortfall, row.unit), unit=unit), "warn"
        elif pd.notna(row.cover_months):
            note, status = t("arable_panel.balance.note_cover", months=f"{row.cover_months:,.1f}"), "ok"
        else:
            note, status = t("arable_panel.balance.note_ok"), "ok"
        with column:
            panels.kpi(views.indicator_label(row.indicator, lang), row.balance, unit,
                       fmt="{:,.0f}" if row.unit == "kg" else "{:,.2f}",
                       delta_fmt="{:+,.0f}" if row.unit == "kg" else "{:+,.2f}", delta=row.change or None,
                       status=status, note=note, key=f"arable_kpi_{row.indicator}")
    st.caption(t("arable_panel.balance.caption", start=f"{as_of.year}-01-01", date=as_of.isoformat()))
    panels.chart(views.balance_chart(balance, names, lang, highlight=county),
                 t("arable_panel.balance.chart_name"), key="arable_balance_chart")
    _table(views.balance_wide(balance, cover, names, lang), t("arable_panel.balance.table_name"),
           BALANCE_DATASETS, key="arable_balance_table")


def render_waterfall(balance, code) -> None:
    """Waterfall 入库 → 占用 → 购买 → 归还欠账 → … → 余额 of one indicator (chosen by radio)."""
    lang = current_lang()
    panels.heading(t("arable_panel.waterfall.heading"), "arable_balance")
    hold_choice("arable_waterfall_indicator", views.INDICATOR_ORDER)
    ind = st.radio(t("arable_panel.indicator_choice"), views.INDICATOR_ORDER, horizontal=True,
                   format_func=lambda i: views.indicator_label(i, lang), key="arable_waterfall_indicator")
    frame = views.waterfall_frame(balance, code, ind, lang)
    title = t("arable_panel.waterfall.title", region=region_name(), name=views.indicator_label(ind, lang))
    panels.chart(views.waterfall_chart(frame, ind, lang, title), title, key="arable_waterfall_chart")
    st.caption(t("arable_panel.waterfall.caption"))


def render_cost(cost, code, names) -> None:
    """Shortfall and what buying it costs at the recent mean platform price (万元)."""
    lang = current_lang()
    months = load_profile(current_profile())["pool_price_window_months"]
    panels.heading(t("arable_panel.cost.heading"), "arable_shortfall_cost")
    rows = views.cost_cards(cost, code).set_index("indicator")
    columns = st.columns(4)
    for column, ind in zip(columns, views.INDICATOR_ORDER):
        row, unit = rows.loc[ind], views.unit_label(views.UNITS[ind], lang)
        note = t("arable_panel.cost.note", shortfall=_fmt(row["shortfall"], views.UNITS[ind]), unit=unit)
        with column:
            panels.kpi(t("arable_panel.cost.kpi", name=views.indicator_label(ind, lang, with_unit=False)),
                       row["cost_wan"], views.unit_label("wan", lang), higher_is_better=None,
                       status="warn" if row["shortfall"] > 0 else "ok", note=note, key=f"arable_cost_{ind}")
    total = rows.loc["total", "cost_wan"]
    with columns[3]:
        panels.kpi(t("arable_panel.cost.total"), total, views.unit_label("wan", lang), higher_is_better=None,
                   status="warn" if total > 0 else "ok",
                   note=t("arable_panel.cost.total_note", yi=f"{total / 10_000:,.2f}"), key="arable_cost_total")
    st.caption(t("arable_panel.cost.caption", months=months, prices=views.price_text(views.cost_prices(cost), lang)))
    left, right = st.columns([3, 2])
    with left:
        panels.chart(views.cost_chart(cost, names, lang), t("arable_panel.chart.cost_title"), key="arable_cost_chart")
    with right:
        _table(views.cost_table(cost, names, lang),
               t("arable_panel.cost.table_name"), COST_DATASETS, key="arable_cost_table")


def render_cover(cover, code, county, names) -> None:
    """How many months the reserve lasts at the recent rate, and once the pipeline projects take their land."""
    lang = current_lang()
    profile = load_profile(current_profile())
    window = int(profile["cover_rate_months"])
    panels.heading(t("arable_panel.cover.heading"), "arable_cover")
    by_stage = panels.indicator("projects_by_stage")
    forecast = views.cover_forecast(cover, views.pipeline_occupation(by_stage, stages()))
    pipeline_names = t("arable_panel.and_sep").join(t(f"arable_panel.stage.{stage}")
                                                     for stage in views.pipeline_stages(stages()))
    st.caption(t("arable_panel.cover.caption", months=window, stages=pipeline_names))
    _table(views.cover_table(forecast, code, lang, window), t("arable_panel.cover.table_name"), COVER_DATASETS,
           key="arable_cover_table")
    left, right = st.columns([1, 3])
    with left:
        hold_choice("arable_cover_indicator", views.INDICATOR_ORDER)
        ind = st.radio(t("arable_panel.indicator_choice"), views.INDICATOR_ORDER,
                       format_func=lambda i: views.indicator_label(i, lang), key="arable_cover_indicator")
        horizon = st.slider(t("arable_panel.cover.horizon"), min_value=6, max_value=120, value=36, step=6,
                            key="arable_cover_horizon")
        if ind != "cultivated":
            st.caption(t("arable_panel.cover.no_pipeline"))
    with right:
        title = t("arable_panel.cover.title", region=region_name(), name=views.indicator_label(ind, lang))
        frame = views.forecast_frame(forecast, code, ind, horizon, lang)
        panels.chart(views.forecast_chart(frame, ind, lang, title), title, key="arable_cover_chart")
    with st.expander(t("arable_panel.cover.projects")):
        panels.explain("projects_by_stage")
        projects = views.pipeline_projects(panels.indicator("project_tracking"), stages(), county, names, lang)
        _table(projects, t("arable_panel.cover.projects"), COVER_DATASETS, key="arable_pipeline_table")


def render_simulator(county: str | None, names: dict, as_of: date) -> None:
    """The regulation-pool simulator with 黔南州's rules: county and needs in, draws and the pool ledger out."""
    lang = current_lang()
    profile = load_profile(SIMULATOR_PROFILE)
    panels.heading(t("arable_panel.sim.heading"), "pool_ledger", profile_id=SIMULATOR_PROFILE)
    st.info(t("arable_panel.sim.profile_note", profile=profile.name(lang),
              share=f"{profile['pool_arable_share']:.0%}", months=profile["pool_price_window_months"]),
            icon=":material/gavel:")
    counties = views.county_codes(load_dataset("regions"))
    levels = views.simulator_levels(profile, _project_levels())
    with st.container(border=True):
        top = st.columns([2, 2, 3])
        hold_choice("arable_sim_county", counties, default=county)
        applicant = top[0].selectbox(t("arable_panel.sim.county"), counties,
                                     format_func=lambda c: names.get(c, c), key="arable_sim_county")
        hold_choice("arable_sim_level", levels)
        level = top[1].selectbox(t("arable_panel.sim.level"), levels,
                                 format_func=lambda v: t(f"arable_panel.level.{v}"), key="arable_sim_level")
        top[2].caption(t("arable_panel.sim.level_help"))
        needs = st.columns(3)
        need = {}
        for column, ind in zip(needs, views.INDICATOR_ORDER):
            key = views.COLUMNS[ind]
            need[key] = column.number_input(views.indicator_label(ind, lang), min_value=0.0, value=0.0,
                                            step=1000.0 if views.UNITS[ind] == "kg" else 10.0,
                                            format="%.0f" if views.UNITS[ind] == "kg" else "%.2f",
                                            key=f"arable_sim_need_{ind}")
        with st.expander(t("arable_panel.sim.other_pools")):
            other = st.columns(3)
            need["quota_mu"] = other[0].number_input(views.need_label("quota_mu", lang), min_value=0.0, value=0.0,
                                                     step=10.0, key="arable_sim_need_quota")
            need["ubg_scale_mu"] = other[1].number_input(views.need_label("ubg_scale_mu", lang), min_value=0.0,
                                                         value=0.0, step=10.0, key="arable_sim_need_boundary")
            hold_choices("arable_sim_negative", counties)
            negative = other[2].multiselect(t("arable_panel.sim.negative_list"), counties,
                                            format_func=lambda c: names.get(c, c), key="arable_sim_negative")
    if not any(v > 0 for v in need.values()):
        st.caption(t("arable_panel.sim.enter_need"))
        return
    with st.spinner(t("arable_panel.sim.running")):
        ledger = indicator_table("pool_ledger", SIMULATOR_PROFILE)
        trades = load_dataset("indicator_trades")
        prices = views.simulator_prices(trades, as_of, profile) if trades is not None else {}
        sim = views.simulate_pools(ledger, applicant, need, prices, profile, quotas=load_dataset("plan_quotas"),
                                   year=as_of.year, project_level=level, negative_list=negative)
    for kind, text in views.outcome_messages(sim, lang):
        getattr(st, kind)(text)
    for line in views.order_text(sim, names, lang):
        st.caption(line)
    filters = {t("arable_panel.sim.county"): names.get(applicant, applicant),
               t("arable_panel.sim.level"): t(f"arable_panel.level.{level}"),
               **{views.need_label(k, lang): f"{v:,.2f}" for k, v in need.items() if v > 0}}
    if len(sim.draws):
        st.markdown(f"**{t('arable_panel.sim.draws')}**")
        panels.kpi(t("arable_panel.sim.cost"), sim.cost_wan, views.unit_label("wan", lang), higher_is_better=None,
                   note=t("arable_panel.sim.cost_note", months=profile["pool_price_window_months"],
                          prices=views.price_text(prices, lang)), key="arable_sim_cost")
        _table(views.draws_display(sim, names, lang), t("arable_panel.sim.draws"), POOL_DATASETS,
               key="arable_sim_draws", filters=filters)
    after = views.ledger_after(sim, names, lang)
    if not after.empty:
        st.markdown(f"**{t('arable_panel.sim.ledger_after')}**")
        _table(after, t("arable_panel.sim.ledger_after"), POOL_DATASETS, key="arable_sim_ledger", filters=filters)


def render_ledger(ledger, county, names, as_of: date) -> None:
    """The arable ledger with county, kind and date filters, and its Excel/CSV export."""
    lang = current_lang()
    st.subheader(t("arable_panel.ledger.heading"))
    counties = views.county_codes(load_dataset("regions"))
    first = views.ledger_first_date(ledger, as_of)
    cols = st.columns([3, 3, 2])
    hold_choices("arable_ledger_counties", counties, default=[county] if county in counties else [])
    hold_choices("arable_ledger_kinds", KINDS)
    chosen = cols[0].multiselect(t("arable_panel.ledger.counties"), counties,
                                 format_func=lambda c: names.get(c, c), placeholder=t("arable_panel.ledger.all"),
                                 key="arable_ledger_counties")
    kinds = cols[1].multiselect(t("arable_panel.ledger.kinds"), list(KINDS),
                                format_func=lambda k: views.kind_label(k, lang),
                                placeholder=t("arable_panel.ledger.all"), key="arable_ledger_kinds")
    period = cols[2].date_input(t("arable_panel.ledger.period"), value=(first, as_of), min_value=first,
                                max_value=as_of, key="arable_ledger_period")
    start, end = (tuple(period) + (None, None))[:2] if isinstance(period, (tuple, list)) else (period, None)
    rows = views.filter_ledger(ledger, chosen, kinds, start, end)
    st.caption(t("arable_panel.ledger.count", count=len(rows)))
    everything, sep = t("arable_panel.ledger.all"), t("arable_panel.and_sep")
    filters = {t("arable_panel.ledger.counties"): sep.join(names.get(c, c) for c in chosen) or everything,
               t("arable_panel.ledger.kinds"): sep.join(views.kind_label(k, lang) for k in kinds) or everything,
               t("arable_panel.ledger.period"): f"{start or '-'} — {end or '-'}"}
    _table(views.ledger_display(rows, names, lang), t("arable_panel.ledger.name"), LEDGER_DATASETS,
           key="arable_ledger_table", filters=filters)


def render_published_check() -> None:
    """The published 玉溪 arable figures recomputed from the ledger (city-wide; only for 玉溪's data)."""
    check = panels.indicator("arable_published_check")
    if check.empty:
        return
    lang = current_lang()
    panels.heading(t("arable_panel.published.heading"), "arable_published_check")
    matched = int(check["matches"].sum())
    st.caption(t("arable_panel.published.caption", matched=matched, total=len(check)))
    _table(views.published_display(check, lang), t("arable_panel.published.heading"), LEDGER_DATASETS,
           key="arable_published_table")
    context = published_figures().get("arable", {}).get("context", {})
    if context:
        st.caption(t("arable_panel.published.context", cost=context.get("gap_cost_yi", "-"),
                     cost_2022=context.get("gap_cost_2022_yi", "-"), debt=context.get("paddy_debt_owed_mu", "-")))


def _project_levels() -> list[str]:
    """The project-list contract's level codes."""
    return list(get_dataset("projects").column("level").choices)

