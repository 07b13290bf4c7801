"""The 园区与亩均 panels below the map: enterprise table, grade distribution, grading simulator, 标准地 checks,
parks inside the urban development boundary and the published-figure check.

Each section reads widgets, calls ``dashboard.views.parks`` and renders; no pandas computation here.  The
sections follow the map's county and park choice; grades stay city-wide rankings.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from components import panels
from components.frame import region_name, region_names
from components.loaders import indicator_table
from components.state import current_lang, current_profile, hold_choice, t
from dashboard.indicators.per_mu import GRADABLE_METRICS
from dashboard.parks_map import metric_label
from dashboard.policy import load_profile, profile_ids
from dashboard.reference import published_figures
from dashboard.views import parks as views

ENTERPRISE_DATASETS = ("park_parcels", "parks", "regions")
UBG_DATASETS = ("parks", "control_lines", "regions")
SIM_BASE_KEY = "parks_sim_base"
_SIM_RESET = "_parks_sim_reset"


def render_parks_panel(county: str | None, parks: Collection[str] | None) -> None:
    """Every section for the county (``None``: the city) and the parks shown on the map (``None``: all)."""
    profile_id = current_profile()
    with st.spinner(t("parks_panel.loading")):
        metrics = indicator_table("per_mu_enterprise", profile_id)
        grades = indicator_table("enterprise_grades", profile_id)
    if metrics.empty:
        st.info(t("parks_panel.no_data"))
        return
    park_names = views.in_view(grades, county, parks)["park_name"].dropna().unique() if parks else ()
    scope = {t("parks_panel.filter.county"): region_name(county) if county else t("parks_panel.filter.city"),
             t("parks_panel.filter.parks"): "、".join(map(str, park_names)) or t("parks_panel.all_parks")}
    render_enterprises(metrics, grades, county, parks, scope)
    render_simulator(metrics, county, parks, scope)
    render_standard_land(county, parks, scope)
    render_ubg(county)
    if county is None:
        render_published()


def render_enterprises(metrics, grades, county, parks, scope: dict) -> None:
    """The enterprise table (metrics, score, city-wide rank, grade) and the grade distribution of the parks shown."""
    lang = current_lang()
    profile = load_profile(current_profile())
    order = views.grade_order(profile)
    here = views.in_view(grades, county, parks)
    panels.heading(t("parks_panel.enterprises.heading"), "enterprise_grades")
    year = int(here["year"].max()) if len(here) else None
    st.caption(t("parks_panel.enterprises.caption", count=len(here), year=year or "—", profile=profile.name(lang)))
    cards = st.columns(len(order))
    for card, grade in zip(cards, order):
        count = int((here["grade"] == grade).sum())
        card.metric(t(f"parks_map.grade_label.{grade}"), t("parks_panel.units", count=count))
    dist = views.grade_distribution(here, metrics, order)
    if len(here):
        panels.chart(views.grade_distribution_chart(dist, order, lang), t("parks_panel.distribution.name"),
                     key="parks_distribution")
    with st.expander(t("parks_panel.distribution.table")):
        table = views.distribution_table(dist, order, lang)
        panels.number_table(table, t("parks_panel.distribution.name"), ENTERPRISE_DATASETS, key="parks_distribution_table",
                            filters=scope)
    table = views.enterprise_table(here, metrics, lang, region_names())
    panels.number_table(table, t("parks_panel.enterprises.name"), ENTERPRISE_DATASETS, key="parks_enterprises",
                        filters=scope, height=420)


def _rules_inputs(base_id: str) -> views.GradingRules:
    """The simulator's rule editor, seeded from the base profile; keys carry the base and a reset count so that
    switching the base or pressing 恢复 starts again from that profile's values."""
    lang = current_lang()
    base = load_profile(base_id)
    rules = views.GradingRules.of(base)
    prefix = f"parks_sim_{base_id}_{st.session_state.get(_SIM_RESET, 0)}"
    header = st.columns([3, 2, 2, 3])
    for col, key in zip(header, ("metric", "weight_above", "weight_below", "benchmark")):
        col.markdown(f"**{t(f'parks_panel.sim.{key}')}**")
    above, below, benchmarks = {}, {}, {}
    for metric in GRADABLE_METRICS:
        row = st.columns([3, 2, 2, 3], vertical_alignment="center")
        row[0].write(metric_label(metric.key, lang))
        above[metric.key] = row[1].number_input(
            t("parks_panel.sim.weight_above"), min_value=0.0, max_value=100.0, step=5.0, format="%.0f",
            value=rules.weights_above[metric.key], key=f"{prefix}_above_{metric.key}", label_visibility="collapsed")
        below[metric.key] = row[2].number_input(
            t("parks_panel.sim.weight_below"), min_value=0.0, max_value=100.0, step=5.0, format="%.0f",
            value=rules.weights_below[metric.key], key=f"{prefix}_below_{metric.key}", label_visibility="collapsed")
        shown = rules.benchmarks[metric.benchmark] * metric.benchmark_scale
        value = row[3].number_input(
            t("parks_panel.sim.benchmark"), min_value=0.0, value=float(shown), format="%.2f",
            key=f"{prefix}_bench_{metric.key}", label_visibility="collapsed")
        benchmarks[metric.benchmark] = value / metric.benchmark_scale
    bands_row = st.columns(len(rules.bands) + 1)
    bands = {}
    grades = list(rules.bands)
    for col, grade in zip(bands_row, grades[:-1]):
        bands[grade] = col.number_input(
            t("parks_panel.sim.band", grade=grade), min_value=0.0, max_value=100.0, step=5.0, format="%.0f",
            value=100.0 * rules.bands[grade], key=f"{prefix}_band_{grade}", help=t("parks_panel.sim.band_help")) / 100
    bands[grades[-1]] = 1.0
    bands_row[len(grades) - 1].number_input(t("parks_panel.sim.band", grade=grades[-1]), value=100.0, disabled=True,
                                            format="%.0f", key=f"{prefix}_band_last")
    cap = bands_row[-1].number_input(t("parks_panel.sim.cap"), min_value=0.0, step=0.5, format="%.1f",
                                     value=rules.cap, key=f"{prefix}_cap", help=t("parks_panel.sim.cap_help"))
    return views.GradingRules(above, below, benchmarks, cap, bands)


def render_simulator(metrics, county, parks, scope: dict) -> None:
    """The grading simulator: change weights, benchmarks, cap or bands, or start from another locality's profile,
    and see which enterprises would change grade against the grades shown now."""
    lang = current_lang()
    current = load_profile(current_profile())
    panels.heading(t("parks_panel.sim.heading"), "enterprise_grades")
    st.caption(t("parks_panel.sim.caption", profile=current.name(lang)))
    ids = profile_ids()
    names = {i: load_profile(i).name(lang) for i in ids}
    hold_choice(SIM_BASE_KEY, ids, default=current.id)
    with st.container(border=True):
        top = st.columns([3, 1], vertical_alignment="bottom")
        base_id = top[0].selectbox(t("parks_panel.sim.base"), ids, key=SIM_BASE_KEY, format_func=names.get,
                                   help=t("parks_panel.sim.base_help"))
        if top[1].button(t("parks_panel.sim.reset"), icon=":material/restart_alt:", key="parks_sim_reset"):
            st.session_state[_SIM_RESET] = st.session_state.get(_SIM_RESET, 0) + 1
            st.rerun()
        rules = _rules_inputs(base_id)
    problems = rules.problems()
    if problems:
        for key, params in problems:
            params = {k: t(f"parks_panel.sim.scale.{v}") for k, v in params.items()}
            st.error(t(f"parks_panel.{key}", **params), icon=":material/error:")
        return
    changed = rules.changed_from(views.GradingRules.of(current))
    if not changed and base_id == current.id:
        st.caption(t("parks_panel.sim.unchanged"))
        return
    simulated = rules.profile(load_profile(base_id), note=t("parks_panel.sim.note"))
    comparison = views.simulate_grading(metrics, current, simulated)
    rows = views.in_view(comparison.rows, county, parks)
    moved = rows[rows["change"] != 0]
    cols = st.columns(3)
    cols[0].metric(t("parks_panel.sim.changed"), t("parks_panel.units", count=len(moved)))
    cols[1].metric(t("parks_panel.sim.up"), t("parks_panel.units", count=int((moved["change"] > 0).sum())))
    cols[2].metric(t("parks_panel.sim.down"), t("parks_panel.units", count=int((moved["change"] < 0).sum())))
    if not changed:
        st.info(t("parks_panel.sim.same_rules", profile=names[base_id], current=current.name(lang)))
    filters = {**scope, t("parks_panel.sim.base"): names[base_id],
               t("parks_panel.sim.changed_rules"): "、".join(t(f"parks_panel.sim.group.{c}") for c in changed) or "—"}
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{t('parks_panel.sim.transitions')}**")
        panels.table(views.transitions_display(comparison, lang), t("parks_panel.sim.transitions"),
                     ENTERPRISE_DATASETS, key="parks_sim_transitions", filters=filters)
        st.caption(t("parks_panel.sim.transitions_caption"))
    with right:
        st.markdown(f"**{t('parks_panel.sim.changes')}**")
        table = views.changes_display(comparison, lang, county, parks)
        if table.empty:
            st.caption(t("parks_panel.sim.no_changes"))
        else:
            panels.number_table(table, t("parks_panel.sim.changes"), ENTERPRISE_DATASETS, key="parks_sim_changes",
                         filters=filters)


def render_standard_land(county, parks, scope: dict) -> None:
    """The 标准地 checks: counts over/under the limits, and the units that need attention (or all)."""
    lang = current_lang()
    profile = load_profile(current_profile())
    checks = views.in_view(panels.indicator("standard_land_checks"), county, parks)
    panels.heading(t("parks_panel.standard.heading"), "standard_land_checks")
    st.caption(t("parks_panel.standard.caption", land=f"{100 * profile['admin_land_share_max']:g}",
                 floor=f"{100 * profile['admin_floor_share_max']:g}", mu=f"{profile['scale_review_min_mu']:g}"))
    summary = views.standard_land_summary(checks)
    cols = st.columns(5)
    for col, key in zip(cols, ("units", "admin_land_over", "admin_floor_over", "unjudged", "scale_review")):
        col.metric(t(f"parks_panel.standard.{key}"), t("parks_panel.units", count=summary[key]))
    show_all = st.toggle(t("parks_panel.standard.show_all"), key="parks_standard_all")
    table = views.standard_land_display(checks, lang, problems_only=not show_all)
    panels.number_table(table, t("parks_panel.standard.name"), ENTERPRISE_DATASETS, key="parks_standard",
                 filters={**scope, t("parks_panel.standard.show_all"): str(show_all)})


def render_ubg(county) -> None:
    """Each park's area inside the 城镇开发边界 (Gauss-Krüger areas), and the all-parks share."""
    lang = current_lang()
    panels.heading(t("parks_panel.ubg.heading"), "park_ubg_share")
    table = views.ubg_display(panels.indicator("park_ubg_share"), lang, county, region_names())
    panels.number_table(table, t("parks_panel.ubg.heading"), UBG_DATASETS, key="parks_ubg")


def render_published() -> None:
    """The published park figures (seed 000) recomputed from the data."""
    lang = current_lang()
    check = views.published_park_check(panels.indicator("per_mu_park"), panels.indicator("park_ubg_share"),
                                       published_figures())
    st.subheader(t("parks_panel.published.heading"))
    if check["matches"].all():
        st.success(t("parks_panel.published.all_match", count=len(check)), icon=":material/verified:")
    else:
        st.warning(t("parks_panel.published.mismatch", count=int((~check["matches"]).sum())), icon=":material/warning:")
    table = views.published_display(check, lang)
    panels.number_table(table, t("parks_panel.published.heading"), ENTERPRISE_DATASETS + UBG_DATASETS, key="parks_published")
