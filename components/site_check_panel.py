"""The 选址预审 page's pieces (Streamlit-aware): project inputs, the footprint (uploaded file or polygon drawn on the
map), the check's findings and tables, and the PDF / Excel report downloads.

All analysis is in :mod:`dashboard.site_check`, the tables and maps in :mod:`dashboard.views.site_check`, the
report in :mod:`dashboard.site_check_report`.  The footprint lives in the session (:data:`FOOTPRINT`); the latest
action — a newly read upload or a new drawing — replaces it.  Nothing the user sent is rendered as HTML: file
names and messages go through Streamlit's escaping elements, map tooltips are escaped by the view.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from datetime import date
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from components import panels
from components.loaders import dataset_versions, indicator_table, load_dataset
from components.maps import configured_basemap
from components.state import current_lang, current_profile, hold_choice, t
from dashboard import site_check as sc
from dashboard import site_check_report as report
from dashboard.charts import chart_png
from dashboard.context import data_as_of, versions_signature
from dashboard.contracts import get_dataset
from dashboard.errors import UserError
from dashboard.legend import legend_html
from dashboard.policy import load_profile
from dashboard.upload.sniff import claimed_suffix
from dashboard.views import arable as arable_views
from dashboard.views import site_check as views

log = logging.getLogger(__name__)

#: The regulation-pool rules applied to a gap (黔南州, seed 003 附件3), as on the 耕地 page's simulator.
POOL_PROFILE = "qiannan"
DATASETS = ("control_lines", "landuse", "regions", "arable_ledger", "indicator_trades", "plan_quotas", "parks",
            "approvals", "supplies", "idle_land")
UPLOAD_TYPES = ["geojson", "json", "zip", "kml", "csv", "txt", "xlsx", "gpkg"]
CRS_ERRORS = ("error.upload.crs_missing", "error.upload.crs_mismatch")
FOOTPRINT = "_site_check_footprint"  # session: the current sc.Footprint
_SEEN = "_site_check_seen"  # session: {"upload" | "draw": signature of the last one applied}
_READS = "_site_check_reads"  # session: {upload signature: (Footprint | None, error key, params)}
_CHECKS = "_site_check_results"  # session: {check signature: SiteCheck | (error key, params)}
_DRAW_ERROR = "_site_check_draw_error"  # session: (key, params) of a drawing that is not a site
_PENDING_COUNTY = "_site_check_pending_county"  # session: the county of a new footprint, for the next run
MAP_KEY = "site_check_map"
MAP_HEIGHT = 540


def _m(key: str, **params) -> str:
    return t(f"site_check.{key}", **params)


def _error_text(key: str, params: dict | None) -> str:
    return t(key, **(params or {}))


# ----------------------------------------------------------------------------------------------------------
# footprint


def _read_upload(data: bytes, name: str, options: dict) -> tuple[sc.Footprint | None, str | None, dict]:
    """Read an uploaded footprint once per file and options (the page reruns on every click)."""
    signature = hashlib.sha256(data).hexdigest() + repr((name, sorted(options.items())))
    reads = st.session_state.setdefault(_READS, {})
    if signature in reads:
        return reads[signature]
    suffix = claimed_suffix(name) if claimed_suffix(name).lstrip(".") in UPLOAD_TYPES else ""
    result: tuple[sc.Footprint | None, str | None, dict]
    with tempfile.TemporaryDirectory(prefix="site-check-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            result = (sc.read_footprint(path, name, **options), None, {})
        except UserError as exc:
            log.info("site footprint refused: %s", exc.key, exc_info=True)
            result = (None, exc.key, dict(exc.params))
        except Exception:  # a bug must not take the page down; the log keeps the traceback
            log.exception("unexpected error reading a site footprint")
            result = (None, "site_check.error.unexpected", {})
    reads.clear()
    reads[signature] = result
    return result


def _set_footprint(footprint: sc.Footprint | None) -> None:
    st.session_state[FOOTPRINT] = footprint
    regions = load_dataset("regions")
    if footprint is not None and regions is not None:
        # The county box is already drawn in this run: its value is set at the start of the next one.
        st.session_state[_PENDING_COUNTY] = sc.county_of(footprint.geometry, regions)


def _fresh(source: str, signature: str) -> bool:
    """Whether ``signature`` is a new upload / drawing (each source remembers the last one it applied, so the
    latest action wins and neither re-applies itself on a rerun)."""
    seen = st.session_state.setdefault(_SEEN, {})
    if seen.get(source) == signature:
        return False
    seen[source] = signature
    return True


def render_upload(region_bounds) -> None:
    """The upload box with the CRS choice, GCJ-02 and axis-swap options; a newly read file becomes the footprint."""
    file = st.file_uploader(_m("upload.file"), type=UPLOAD_TYPES, key="site_check_file", help=_m("upload.help"))
    if file is None:
        return
    state = st.session_state
    options = {"source_is_gcj02": bool(state.get("site_check_gcj02")), "swap_axes": bool(state.get("site_check_swap")),
               "region_bounds": tuple(region_bounds) if region_bounds is not None else None}
    if state.get("site_check_crs"):
        options["crs"] = state["site_check_crs"]
    footprint, key, params = _read_upload(file.getvalue(), file.name, options)
    if key in CRS_ERRORS or state.get("site_check_crs"):
        candidates = [c.split(" (")[0] for c in str(params.get("candidates", "")).split(", ") if c.startswith("EPSG")]
        current = state.get("site_check_crs")
        choices = ["", *candidates, *([current] if current and current not in candidates else [])]
        hold_choice("site_check_crs", choices)
        st.selectbox(_m("upload.crs"), choices, key="site_check_crs",
                     format_func=lambda c: c or _m("upload.crs_auto"), help=_m("upload.crs_help"))
    cols = st.columns(2)
    cols[0].checkbox(_m("upload.gcj02"), key="site_check_gcj02", help=_m("upload.gcj02_help"))
    cols[1].checkbox(_m("upload.swap"), key="site_check_swap", help=_m("upload.swap_help"))
    if footprint is None:
        st.error(_error_text(key, params), icon=":material/error:")
        return
    for warning_key, warning_params in footprint.warnings:
        st.warning(_error_text(warning_key, warning_params))
    signature = hashlib.sha256(file.getvalue()).hexdigest() + repr(sorted(options.items()))
    if _fresh("upload", signature):
        _set_footprint(footprint)
        st.rerun()  # draw the inputs again with the footprint's county
    st.caption(_m("upload.read", name=footprint.name, parts=footprint.parts, crs=footprint.crs or "—"))


def apply_drawing(drawn) -> bool:
    """Make the map's drawings the footprint when they changed; ``True`` when something changed."""
    features = (drawn or {}).get("all_drawings") or []
    if not features:
        return False
    if not _fresh("draw", hashlib.sha256(json.dumps(features, sort_keys=True).encode()).hexdigest()):
        return False
    try:
        footprint = sc.footprint_from_drawing(features)
    except UserError as exc:
        st.session_state[_DRAW_ERROR] = (exc.key, dict(exc.params))
        return True
    st.session_state.pop(_DRAW_ERROR, None)
    _set_footprint(footprint)
    return True


# ----------------------------------------------------------------------------------------------------------
# the check


def _layers(profile_id: str, as_of: date) -> sc.SiteLayers:
    trades = load_dataset("indicator_trades")
    pool_profile = load_profile(POOL_PROFILE)
    return sc.SiteLayers(
        control_lines=load_dataset("control_lines"),
        landuse=load_dataset("landuse"),
        balance=indicator_table("arable_balance", profile_id) if load_dataset("arable_ledger") is not None else None,
        parks=load_dataset("parks"),
        approvals=load_dataset("approvals"),
        unsupplied=indicator_table("unsupplied_approvals", profile_id) if load_dataset("approvals") is not None else None,
        idle_land=load_dataset("idle_land"),
        idle_cases=indicator_table("idle_cases", profile_id) if load_dataset("idle_land") is not None else None,
        pool_ledger=indicator_table("pool_ledger", POOL_PROFILE) if load_dataset("arable_ledger") is not None else None,
        pool_prices=arable_views.simulator_prices(trades, as_of, pool_profile) if trades is not None else {},
        quotas=load_dataset("plan_quotas"),
    )


def run_check(footprint: sc.Footprint, project: sc.Project):
    """The check of ``footprint`` for ``project`` (remembered for the same inputs and data), or ``(key, params)``
    of the error a user can cause (a due date beyond the calendar)."""
    profile_id = current_profile()
    signature = (footprint.geometry.wkb_hex, project, profile_id, versions_signature())
    memo = st.session_state.setdefault(_CHECKS, {})
    if signature not in memo:
        with st.spinner(_m("running")):
            try:
                result = sc.check_site(footprint, project, _layers(profile_id, data_as_of()), load_profile(profile_id),
                                       load_profile(POOL_PROFILE))
            except UserError as exc:
                result = (exc.key, dict(exc.params))
        memo.clear()
        memo[signature] = result
    return memo[signature]


def render_inputs(names: dict[str, str], counties: list[str], default_county: str | None) -> tuple[str, str, bool, str, date]:
    """Project name, county, type, level and the date the consultation goes out."""
    lang = current_lang()
    pending = st.session_state.pop(_PENDING_COUNTY, None)
    if pending in counties:
        st.session_state["site_check_county"] = pending
    hold_choice("site_check_county", counties, default=default_county)
    pool_profile = load_profile(POOL_PROFILE)
    levels = arable_views.simulator_levels(pool_profile, list(get_dataset("projects").column("level").choices))
    with st.container(border=True):
        top = st.columns([3, 2, 2])
        name = top[0].text_input(_m("input.name"), key="site_check_name", max_chars=80,
                                 placeholder=_m("input.name_hint"))
        county = top[1].selectbox(_m("input.county"), counties, format_func=lambda c: names.get(c, c),
                                  key="site_check_county", help=_m("input.county_help"))
        submitted = top[2].date_input(_m("input.submitted"), value=date.today(), key="site_check_submitted",
                                      format="YYYY-MM-DD", help=_m("input.submitted_help"))
        row = st.columns([3, 4], vertical_alignment="center")
        industrial = row[0].toggle(_m("input.industrial"), value=True, key="site_check_industrial",
                                   help=_m("input.industrial_help"))
        level = row[1].selectbox(_m("input.level"), levels, key="site_check_level",
                                 format_func=lambda v: views.level_label(v, lang), help=_m("input.level_help"))
    return name.strip(), county, industrial, level, submitted


def render_map(check, footprint, county: str | None) -> dict | None:
    """The folium map with the draw control; returns what streamlit-folium reports (the drawings).

    The base map is drawn once; the layers that change and the view are passed as feature groups and
    ``center``/``zoom``, which streamlit-folium updates in place (it never redraws a map it has drawn).
    """
    lang = current_lang()
    regions = load_dataset("regions")
    basemap = configured_basemap()
    tiles = (basemap.url, basemap.attribution, basemap.max_zoom) if basemap and basemap.datum == "wgs84" else None
    shape = footprint.geometry if footprint is not None else None
    groups = views.overlay_groups(county, load_dataset("control_lines"), load_dataset("parks"), check, shape, lang)
    centre, zoom = views.map_view(views.map_bounds(regions, county, check, shape))
    drawn = st_folium(views.base_map(regions, lang, tiles), key=MAP_KEY, height=MAP_HEIGHT, use_container_width=True,
                      returned_objects=["all_drawings"], feature_group_to_add=groups, center=centre, zoom=zoom,
                      layer_control=folium.LayerControl(collapsed=True))
    st.html(legend_html(views.map_legend(lang), columns=3))
    return drawn


def _report_context(check: sc.SiteCheck, names: dict) -> report.ReportContext:
    lang = current_lang()
    versions = {k: v for k, v in dataset_versions().items() if k in DATASETS}
    return report.ReportContext(
        names=names, versions=versions, titles={k: get_dataset(k).title(lang) for k in versions},
        profile_name=load_profile(current_profile()).name(lang), pool_profile_name=load_profile(POOL_PROFILE).name(lang),
        data_date=data_as_of(versions).isoformat(), map_png=None,
    )


def _with_map(check: sc.SiteCheck, ctx: report.ReportContext) -> report.ReportContext:
    try:
        chart = views.report_map_chart(check, load_dataset("control_lines"), load_dataset("parks"),
                                       load_dataset("regions"), current_lang())
        png = chart_png(chart)
    except Exception:  # the report is still useful without its map; the log says why
        log.exception("site-check map could not be rendered")
        png = None
    return report.ReportContext(**{**ctx.__dict__, "map_png": png})


def render_downloads(check: sc.SiteCheck, names: dict) -> None:
    """PDF and Excel report downloads (built when clicked)."""
    lang = current_lang()
    ctx = _report_context(check, names)
    stem = report.file_stem(check, lang)
    try:
        report.cjk_fonts()
        font_ok = True
    except UserError as exc:
        st.warning(_error_text(exc.key, exc.params))
        font_ok = False
    with st.container(horizontal=True):
        st.download_button(_m("report.download_pdf"), lambda: report.to_pdf_bytes(check, _with_map(check, ctx), lang),
                           file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                           key="site_check_pdf", disabled=not font_ok, type="primary")
        st.download_button(_m("report.download_xlsx"), lambda: report.to_xlsx_bytes(check, _with_map(check, ctx), lang),
                           file_name=f"{stem}.xlsx", mime=report.XLSX_MIME, icon=":material/table_view:",
                           key="site_check_xlsx")


def render_results(check: sc.SiteCheck, names: dict) -> None:
    """Findings, KPI cards, the tables and the report downloads."""
    lang = current_lang()
    st.subheader(_m("results.heading"))
    for level, text in views.conclusions(check, lang):
        getattr(st, level)(text)
    if check.skipped:
        st.caption(_m("results.skipped", datasets="、".join(check.skipped)))
    o = check.overlaps.set_index("kind")
    cards = st.columns(4)
    with cards[0]:
        panels.kpi(_m("kpi.area"), check.area_mu, views.unit("mu", lang), higher_is_better=None,
                   note=_m("kpi.area_note", m2=f"{check.area_m2:,.0f}"), key="site_check_kpi_area")
    for card, kind in zip(cards[1:3], ("farmland", "eco_redline")):
        mu = float(o.at[kind, "overlap_mu"])
        with card:
            panels.kpi(views.kind_label(kind, lang), mu, views.unit("mu", lang), higher_is_better=None,
                       status="warn" if mu > 0 else "ok",
                       note=_m("kpi.share", pct=f"{float(o.at[kind, 'share_pct']):,.2f}"), key=f"site_check_kpi_{kind}")
    with cards[3]:
        panels.kpi(views.kind_label("ubg", lang), float(o.at["ubg", "overlap_mu"]), views.unit("mu", lang),
                   higher_is_better=None, status="ok" if check.ubg_status == "inside" else "warn",
                   note=_m(f"ubg.{check.ubg_status}"), key="site_check_kpi_ubg")
    filters = {label: value for label, value in views.summary_rows(check, names, lang)[:5]}
    st.markdown(f"**{_m('report.s_lines')}**")
    panels.number_table(views.overlaps_table(check, lang), _m("report.s_lines"), ("control_lines",),
                        key="site_check_lines", filters=filters)
    st.markdown(f"**{_m('report.s_classes')}**")
    panels.number_table(views.classes_table(check, lang), _m("report.s_classes"), ("landuse",),
                        key="site_check_classes", filters=filters)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.markdown(f"**{_m('report.s_arable')}**")
        panels.explain("arable_balance")
    st.caption(_m("report.arable_note", yield_=f"{check.grain_yield:,.0f}"))
    kg = views.unit("kg", lang)
    panels.number_table(views.need_table(check, lang), _m("report.s_arable"), ("arable_ledger", "landuse"),
                        key="site_check_need", filters=filters)
    st.markdown(f"**{_m('report.s_pools')}**")
    for level, text in views.pool_messages(check, lang):
        getattr(st, level)(text)
    pools = views.pool_table(check, names, lang)
    if len(pools):
        pool_profile = load_profile(POOL_PROFILE)
        panels.kpi(_m("kpi.pool_cost"), views.pool_cost(check), views.unit("wan", lang), higher_is_better=None,
                   note=_m("report.pool_cost", cost=f"{views.pool_cost(check):,.2f}", profile=pool_profile.name(lang)),
                   key="site_check_kpi_pool")
        panels.number_table(pools, _m("report.s_pools"), ("arable_ledger", "indicator_trades", "plan_quotas"),
                            key="site_check_pools", filters=filters, whole=lambda c: f"（{kg}）" in c)
    if check.project.industrial:
        st.markdown(f"**{_m('report.s_candidates')}**")
        st.caption(_m("results.candidates_caption"))
        table = views.candidates_table(check, lang)
        if len(table):
            metres = f"（{views.unit('m', lang)}）" if lang == "zh" else f"({views.unit('m', lang)})"
            panels.number_table(table, _m("report.s_candidates"), ("approvals", "supplies", "idle_land", "parks"),
                                key="site_check_candidates", filters=filters, whole=lambda c: c.endswith(metres))
    st.markdown(f"**{_m('report.s_consultation')}**")
    st.info(_m("report.consultation", submitted=check.project.submitted.isoformat(), days=check.consultation_days,
               due=check.due_date.isoformat() if check.due_date else "—"), icon=":material/event:")
    st.caption(_m("report.clause", clause=check.consultation_source))
    st.subheader(_m("report.heading"))
    render_downloads(check, names)


def render_site_check(default_county: str | None) -> None:
    """The whole page below the header."""
    lang = current_lang()
    regions = load_dataset("regions")
    if regions is None:
        st.info(t("data.no_regions"))
        return
    names = arable_views.region_names(regions, lang)
    counties = arable_views.county_codes(regions)
    name, county, industrial, level, submitted = render_inputs(names, counties, default_county)
    st.markdown(f"**{_m('footprint.heading')}**")
    st.caption(_m("footprint.help"))
    render_upload(regions.total_bounds)
    draw_error = st.session_state.get(_DRAW_ERROR)
    if draw_error:
        st.error(_error_text(*draw_error), icon=":material/error:")
    footprint = st.session_state.get(FOOTPRINT)
    if footprint is not None and st.button(_m("footprint.clear"), key="site_check_clear", icon=":material/delete:"):
        _set_footprint(None)
        st.rerun()
    check = None
    if footprint is not None:
        result = run_check(footprint, sc.Project(name, county, industrial, level, submitted))
        if isinstance(result, sc.SiteCheck):
            check = result
        else:
            st.error(_error_text(*result), icon=":material/error:")
    else:
        st.info(_m("footprint.none"), icon=":material/draw:")
    drawn = render_map(check, footprint, county)
    if apply_drawing(drawn):
        st.rerun()
    if check is not None:
        render_results(check, names)
