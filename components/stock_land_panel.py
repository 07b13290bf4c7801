"""The 批而未供与闲置 panel's sections (Streamlit-aware): KPI cards, stock and aging, supply rate, disposal rates,
suspension flags, the idle-case table, the small map and the parcel chain 批 → 供 → 用.

Every number comes from the indicator tables (``components.panels.indicator``) shaped by
:mod:`dashboard.views.stock_land`; every policy line from the session's profile.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import panels
from components.frame import region_names
from components.loaders import dataset_versions, load_dataset, load_display_regions
from components.maps import configured_basemap, picked_feature
from components.state import current_lang, current_profile, t
from dashboard import overlays
from dashboard.basemap import basemap_style_url, display_datum
from dashboard.context import data_as_of
from dashboard.indicators import registry
from dashboard.legend import LegendGroup, LegendItem, legend_html
from dashboard.policy import Profile, load_profile
from dashboard.views import stock_land as view

NS = "stock_land_panel"
#: Datasets behind each export (the header lists the page's own; the chain also reads parcels and parks).
DATASETS = ("approvals", "supplies", "idle_land")
CHAIN_DATASETS = ("approvals", "supplies", "idle_land", "park_parcels", "parks")
CHAIN_KEY = "stock_land_chain"
#: ``?approval=`` opens the chain on that approval (links from the enterprise card and the project chain).
APPROVAL_PARAM = "approval"
_LINKED = "_stock_land_linked_approval"
IDLE_SCOPE_KEY = "stock_land_idle_scope"
MAP_KEY = "stock_land_map"
MAP_HEIGHT = 460


def _t(key: str, **params) -> str:
    return t(f"{NS}.{key}", **params)


def profile() -> Profile:
    """The session's policy profile (the sidebar's 政策口径)."""
    return load_profile(current_profile())


def tables() -> dict[str, pd.DataFrame]:
    """The page's indicator tables for the session's profile, region names in the UI language (copies)."""
    names = region_names()
    ids = ("unsupplied_stock", "unsupplied_aging", "supply_rate_5y", "disposal_rates_quarterly",
           "suspension_flags", "idle_cases")
    return {ind: view.localise_regions(panels.indicator(ind), names) for ind in ids}


def _chart_title(text: str, indicator: str) -> None:
    """A chart's bold title with the explain popover of the indicator it draws."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{text}**")
        panels.explain(indicator)


def _fmt(value: float, digits: int = 2) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def render_kpis(data: dict[str, pd.DataFrame], region: str | None, prof: Profile) -> None:
    """Five cards: 5-year unsupplied, stock vs year start, supply rate vs floor, disposal rates vs floor, idle."""
    k = view.kpis(data["unsupplied_stock"], data["supply_rate_5y"], data["disposal_rates_quarterly"],
                  data["idle_cases"], prof, region)
    cols = [*st.columns(3), *st.columns(3)]  # two rows: five cards in one row cut their figures at 1366 px
    with cols[0]:
        panels.kpi(_t("kpi_window_unsupplied", years=k.window_years), k.window_unsupplied_mu, _t("unit_mu"),
                   higher_is_better=None, note=_t("kpi_window_note", years=k.window_years), key="sl_kpi_window")
    with cols[1]:
        panels.kpi(_t("kpi_stock"), k.stock_mu, _t("unit_mu"), delta=k.stock_delta_mu, higher_is_better=False,
                   note=_t("kpi_stock_note", start=_fmt(k.year_start_stock_mu)), key="sl_kpi_stock")
    with cols[2]:
        status = "none" if k.supply_ok is None else ("ok" if k.supply_ok else "warn")
        note = _t("kpi_supply_ok" if k.supply_ok else "kpi_supply_warn", floor=f"{k.supply_floor_pct:g}")
        panels.kpi(_t("kpi_supply_rate", years=k.window_years), k.supply_rate_pct, "%", status=status,
                   note=note, key="sl_kpi_supply")
    with cols[3]:
        status = "none" if k.disposal_ok is None else ("ok" if k.disposal_ok else "warn")
        if k.disposal_ok is None:
            note = _t("kpi_disposal_none", quarter=k.quarter)
        else:
            note = _t("kpi_disposal_ok" if k.disposal_ok else "kpi_disposal_warn", quarter=k.quarter,
                      floor=f"{k.disposal_floor_pct:g}", idle=_fmt(k.idle_rate_pct, 1))
        if pd.notna(k.unsupplied_rate_delta_pp):  # a change of a rate is in points, not in %: said in words
            note += "；" if current_lang() == "zh" else "; "
            note += _t("kpi_disposal_change", delta=f"{k.unsupplied_rate_delta_pp:+.1f}")
        panels.kpi(_t("kpi_disposal", quarter=k.quarter), k.unsupplied_rate_pct, "%", status=status, note=note,
                   key="sl_kpi_disposal")
    with cols[4]:
        panels.kpi(_t("kpi_idle"), k.open_idle_mu, _t("unit_mu"), higher_is_better=None,
                   status="warn" if k.overdue_cases else "ok",
                   note=_t("kpi_idle_note", cases=k.open_cases, overdue=k.overdue_cases), key="sl_kpi_idle")


def render_stock(data: dict[str, pd.DataFrame], region: str | None, region_label: str) -> None:
    """批而未供 by county (stacked by age band) and the selected region's stock by approval year."""
    lang = current_lang()
    panels.heading(_t("stock_heading"))
    left, right = st.columns(2)
    with left:
        _chart_title(_t("stock_by_county"), "unsupplied_stock")
        frame = view.county_aging_frame(data["unsupplied_aging"], lang)
        if frame.empty:
            st.info(_t("no_stock"))
        else:
            panels.chart(view.county_aging_chart(frame, lang, region), _t("stock_by_county"), key="sl_chart_county")
    with right:
        _chart_title(_t("stock_by_year", region=region_label), "unsupplied_aging")
        frame = view.year_aging_frame(data["unsupplied_aging"], region, lang)
        if frame.empty:
            st.info(_t("no_stock"))
        else:
            panels.chart(view.year_aging_chart(frame, lang), _t("stock_by_year", region=region_label),
                         key="sl_chart_year")
    with st.expander(_t("stock_table")):
        panels.table(view.stock_table(data["unsupplied_stock"], lang), _t("stock_table"), DATASETS,
                     key="sl_table_stock")


def render_supply_rate(data: dict[str, pd.DataFrame], region: str | None, prof: Profile) -> None:
    """Five-year supply rate per county against the profile's floor."""
    lang = current_lang()
    years = int(prof["supply_rate_window_years"])
    panels.heading(_t("supply_heading", years=years), "supply_rate_5y")
    floor = view.supply_floor_pct(prof)
    st.caption(_t("supply_caption", years=years, floor=f"{floor:g}"))
    frame = view.supply_rate_frame(data["supply_rate_5y"], prof, lang)
    panels.chart(view.supply_rate_chart(frame, prof, lang, region), _t("supply_heading", years=years),
                 key="sl_chart_supply")
    with st.expander(_t("supply_table")):
        panels.table(view.supply_table(data["supply_rate_5y"], prof, lang), _t("supply_table"), DATASETS,
                     key="sl_table_supply")


def render_disposal(data: dict[str, pd.DataFrame], region: str | None, region_label: str, prof: Profile) -> None:
    """The region's cumulative disposal rates by quarter, and the counties' this quarter, against the floors."""
    lang = current_lang()
    panels.heading(_t("disposal_heading"), "disposal_rates_quarterly")
    floors = view.disposal_floors_pct(prof)
    st.caption(_t("disposal_caption", floors="、".join(f"Q{q} {v:g}%" for q, v in floors.items())))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{_t('disposal_trend', region=region_label)}**")
        frame = view.disposal_trend_frame(data["disposal_rates_quarterly"], region, lang)
        panels.chart(view.disposal_trend_chart(frame, prof, lang), _t("disposal_trend", region=region_label),
                     key="sl_chart_disposal_trend")
    with right:
        frame = view.county_disposal_frame(data["disposal_rates_quarterly"], lang)
        quarter = int(frame["quarter"].max()) if len(frame) else 0
        st.markdown(f"**{_t('disposal_counties', quarter=quarter)}**")
        panels.chart(view.county_disposal_chart(frame, prof, lang), _t("disposal_counties", quarter=quarter),
                     key="sl_chart_disposal_county")
    with st.expander(_t("disposal_table")):
        panels.table(view.disposal_table(data["disposal_rates_quarterly"], prof, lang), _t("disposal_table"),
                     DATASETS, key="sl_table_disposal")


def render_suspensions(data: dict[str, pd.DataFrame], prof: Profile) -> None:
    """Suspended counties as alerts with the rule text, the flag table, and the profile's clauses."""
    lang = current_lang()
    panels.heading(_t("flags_heading"), "suspension_flags")
    flags = data["suspension_flags"]
    alerts = view.suspension_alerts(flags, lang)
    if alerts:
        for alert in alerts:
            st.error(alert, icon=":material/block:")
    else:
        st.success(_t("no_suspension"), icon=":material/check_circle:")
    table = view.suspension_table(flags, lang)
    wide = {column: st.column_config.TextColumn(width="large") for column in table.columns[-2:]}
    panels.table(table, _t("flags_heading"), DATASETS, key="sl_table_flags", column_config=wide)
    for rule, source in view.policy_clauses(prof, lang):  # an English page labels the Chinese quotation
        st.caption(_t("clause_line", rule=rule, source=source))


def render_idle_cases(data: dict[str, pd.DataFrame], region: str | None) -> None:
    """The 一地一策 idle-case table, open cases by default."""
    lang = current_lang()
    panels.heading(_t("idle_heading"), "idle_cases")
    scope = st.segmented_control(_t("idle_scope"), view.IDLE_SCOPES, default="open", key=IDLE_SCOPE_KEY,
                                 format_func=lambda s: _t(f"scope_{s}")) or "open"
    frame = view.idle_case_table(data["idle_cases"], region, scope, lang)
    if frame.empty:
        st.info(_t("no_cases"))
    panels.table(frame, _t("idle_heading"), DATASETS, key="sl_table_idle", filters={_t("idle_scope"): _t(f"scope_{scope}")})


def _legend(unsupplied: bool, idle: bool) -> str:
    """The legend of the layers on the map (escaped HTML)."""
    items = []
    if unsupplied:
        items.append(LegendItem(_t("legend_unsupplied"), tuple(overlays.UNSUPPLIED_FILL[:3])))
    if idle:
        items.append(LegendItem(_t("legend_idle"), tuple(overlays.IDLE_FILL[:3])))
    return legend_html([LegendGroup(_t("legend"), tuple(items))], columns=1) if items else ""


def render_map(data: dict[str, pd.DataFrame], region: str | None) -> tuple[str, str] | None:
    """The unsupplied approvals and open idle cases of the region on a small map.

    Returns ``(layer, feature id)`` of a feature clicked since the last run (the chain opens on its approval).
    """
    lang = current_lang()
    panels.heading(_t("map_heading"))
    regions = load_display_regions()
    if regions is None:
        st.info(_t("no_regions"))
        return None
    basemap = configured_basemap()
    datum = display_datum(basemap)
    with st.spinner(_t("loading_map")):
        unsupplied = None
        approvals = load_dataset("approvals")
        if "unsupplied_approvals" not in registry():
            st.info(_t("no_unsupplied_indicator"), icon=":material/info:")
        elif approvals is not None:
            stock = view.in_region(panels.indicator("unsupplied_approvals"), region)
            unsupplied = overlays.unsupplied_approvals(approvals, stock)
        idle_land = load_dataset("idle_land")
        idle = None
        if idle_land is not None:
            idle = overlays.open_idle_cases(idle_land, view.in_region(data["idle_cases"], region))
        deck = view.stock_deck(regions, unsupplied, idle, region, lang, MAP_HEIGHT, datum, basemap_style_url(basemap))
    map_col, legend_col = st.columns([5, 1])
    with map_col:
        event = st.pydeck_chart(deck, height=MAP_HEIGHT, on_select="rerun", selection_mode="single-object",
                                key=MAP_KEY)
    with legend_col:
        legend = _legend(unsupplied is not None and len(unsupplied) > 0, idle is not None and len(idle) > 0)
        if legend:
            st.html(legend)
        st.caption(_t("map_hint"))
    picked = picked_feature(event)
    if picked is None:
        return None
    layer, props = picked
    pick = (layer.split("-")[0], str(props.get("id", "")))  # "idle-markers" → "idle"
    if st.session_state.get("_stock_land_last_pick") == pick:
        return None
    st.session_state["_stock_land_last_pick"] = pick
    return pick


def render_chain(data: dict[str, pd.DataFrame], region: str | None, picked: tuple[str, str] | None) -> None:
    """The parcel chain 批 → 供 → 用 for an approval chosen in a picker (or by a click on the map)."""
    lang = current_lang()
    panels.heading(_t("chain_heading"))
    approvals, supplies = load_dataset("approvals"), load_dataset("supplies")
    if approvals is None or supplies is None:
        st.info(_t("no_approvals"))
        return
    cases = data["idle_cases"]
    ids, default = view.approval_choices(approvals, supplies, cases, region)
    if not ids:
        st.info(_t("no_approvals"))
        return
    linked = st.query_params.get(APPROVAL_PARAM)
    if linked and st.session_state.get(_LINKED) != linked:  # a link from another page (e.g. an enterprise card)
        st.session_state[_LINKED] = linked
        if linked in ids:
            st.session_state[CHAIN_KEY] = linked
    if picked is not None:
        chosen = view.approval_for_feature(*picked, supplies, cases)
        if chosen in ids:
            st.session_state[CHAIN_KEY] = chosen
    if st.session_state.get(CHAIN_KEY) not in ids:  # first run, or another county was chosen
        st.session_state[CHAIN_KEY] = ids[default]
    labels = view.approval_label(approvals, lang)
    approval_id = st.selectbox(_t("chain_pick"), ids, key=CHAIN_KEY, format_func=labels.get,
                               help=_t("chain_pick_help"))
    with st.spinner(_t("loading_chain")):
        chain = view.parcel_chain(approval_id, approvals, supplies, data_as_of(dataset_versions()),
                                  load_dataset("park_parcels"), load_dataset("parks"),
                                  panels.indicator("enterprise_grades"), cases)
    a = chain.approval
    kind = _t(f"kind.{a.get('kind')}") if a.get("kind") in ("batch", "single_site") else ""
    date = pd.Timestamp(a["approval_date"]).date().isoformat()
    st.caption(_t("chain_caption", date=date, region=region_names().get(str(a["county_code"]), a["county_code"]),
                  kind=kind))
    flow = st.columns([3, 0.4, 3, 0.4, 3])
    with flow[0]:
        panels.kpi(_t("step_approved"), a["approved_area_mu"], _t("unit_mu"), higher_is_better=None,
                   note=_t("step_approved_note", unsupplied=_fmt(a["unsupplied_mu"])), key="sl_chain_approved")
    flow[1].markdown("### →")
    with flow[2]:
        panels.kpi(_t("step_supplied"), a["supplied_mu"], _t("unit_mu"), higher_is_better=None,
                   note=_t("step_supplied_note", count=a["supplies_count"]), key="sl_chain_supplied")
    flow[3].markdown("### →")
    with flow[4]:
        open_cases = int((~chain.cases["disposed"].astype(bool)).sum()) if len(chain.cases) else 0
        panels.kpi(_t("step_used"), float(len(chain.parcels)), _t("parcels_unit"), fmt="{:,.0f}",
                   higher_is_better=None, status="warn" if open_cases else "none",
                   note=_t("step_used_note", cases=len(chain.cases), open=open_cases), key="sl_chain_used")

    st.markdown(f"**{_t('chain_supplies')}**")
    if chain.supplies.empty:
        st.info(_t("no_supplies"))
    else:
        panels.number_table(view.chain_supply_table(chain, lang), _t("chain_supplies"), CHAIN_DATASETS,
                            key="sl_table_chain_supplies", filters={_t("chain_pick"): approval_id})
    st.markdown(f"**{_t('chain_parcels')}**")
    if chain.parcels.empty:
        st.info(_t(f"no_parcels_{chain.parcel_link}"))
    else:
        panels.number_table(view.chain_parcel_table(chain, lang), _t("chain_parcels"), CHAIN_DATASETS,
                            key="sl_table_chain_parcels", filters={_t("chain_pick"): approval_id})
        st.caption(_t(f"link_{chain.parcel_link}"))
    st.markdown(f"**{_t('chain_cases')}**")
    if chain.cases.empty:
        st.info(_t("no_chain_cases"))
    else:
        panels.number_table(view.chain_case_table(chain, lang), _t("chain_cases"), CHAIN_DATASETS,
                            key="sl_table_chain_cases", filters={_t("chain_pick"): approval_id})
