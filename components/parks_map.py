"""The 园区与亩均 map: park boundaries and enterprise parcels coloured by grade or by a classed per-mu metric, the
classed legend, the enterprise card of a clicked parcel, and the parks against the two published standards.

Drill-down lives in the URL: ``?region=`` (the sidebar's county), ``?park=`` (the chosen park; the map opens
fitted to it) and ``?parcel=`` (the enterprise parcel whose card is shown), so a copied link reopens the view.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from components import panels
from components.frame import region_name
from components.loaders import indicator_table, load_dataset, load_display_regions
from components.maps import configured_basemap, picked_feature
from components.state import current_lang, current_profile, hold_choice, t
from dashboard import i18n, maps
from dashboard import parks_map as pm
from dashboard.basemap import basemap_style_url, display_datum
from dashboard.indicators import registry
from dashboard.indicators.per_mu import METRIC_BY_KEY, METRICS, benchmark_value
from dashboard.legend import legend_html
from dashboard.policy import load_profile

PARK_PARAM = "park"
PARCEL_PARAM = "parcel"
ALL_PARKS = "all"
MAP_HEIGHT = 600
PARCEL_LAYER = "enterprises"
PARK_LAYER = "parks"
#: Widget keys, and the session keys that drive them.
PARK_KEY = "parks_map_park"
COLOUR_KEY = "parks_map_colour"
SCHEME_KEY = "parks_map_scheme"
CLASSES_KEY = "parks_map_classes"
_PENDING_PARK = "_parks_map_pending_park"
_SHOWN_PARK = "_parks_map_shown_park"
_FIT = "_parks_map_fit"
_PICK_GEN = "_parks_map_pick_gen"
#: Outline of the parcel whose card is shown: magenta, apart from the grade colours and the blue ramp.
SELECTED_LINE = (230, 0, 120)


def _query_value(name: str) -> str | None:
    value = st.query_params.get(name)
    return str(value) if value else None


def _set_query(name: str, value: str | None) -> None:
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def _choose_park(parks_here: pd.DataFrame) -> str:
    """The park selector (all parks of the region, or one), seeded from ``?park=`` and written back to it."""
    ids = [str(p) for p in parks_here["park_id"]]
    names = dict(zip(ids, (str(n) for n in parks_here["name"]), strict=True))
    options = [ALL_PARKS, *ids]
    all_label = t("parks_map.all_parks", count=len(ids))
    if _PENDING_PARK in st.session_state:  # a click on a park on the previous run
        st.session_state[PARK_KEY] = st.session_state.pop(_PENDING_PARK)
    elif PARK_KEY not in st.session_state:
        st.session_state[PARK_KEY] = _query_value(PARK_PARAM) or ALL_PARKS
    hold_choice(PARK_KEY, options, default=ALL_PARKS)
    choice = st.selectbox(
        t("parks_map.park"), options, key=PARK_KEY,
        format_func=lambda p: all_label if p == ALL_PARKS else names.get(p, p),
    )
    shown = st.session_state.get(_SHOWN_PARK)
    if shown is not None and shown != choice:
        _set_query(PARCEL_PARAM, None)  # another park: the old card no longer belongs to the view
    st.session_state[_SHOWN_PARK] = choice
    _set_query(PARK_PARAM, None if choice == ALL_PARKS else choice)
    return choice


def _controls(lang: str, parks_here: pd.DataFrame) -> tuple[str, str, int, str]:
    """Colour-by, scheme, class count and park selectors, and the fit button: ``(colour_by, scheme, k, park)``."""
    options = [pm.GRADE, *(m.key for m in METRICS)]
    # Two rows on one grid, so the scheme's name and the button's label show in full (pm.CONTROL_COLUMNS).
    cols = st.columns(pm.CONTROL_COLUMNS, vertical_alignment="bottom")
    with cols[0]:
        hold_choice(COLOUR_KEY, options)
        colour_by = st.selectbox(
            t("parks_map.colour_by"), options, key=COLOUR_KEY,
            format_func=lambda k: i18n.t("parks_map.grade", lang) if k == pm.GRADE else pm.metric_label(k, lang),
            help=t("parks_map.colour_by_help", formula=registry()["per_mu_enterprise"].formula(lang)),
        )
    by_grade = colour_by == pm.GRADE
    with cols[1]:
        hold_choice(SCHEME_KEY, pm.SCHEMES)
        scheme = st.selectbox(
            t("parks_map.scheme"), pm.SCHEMES, key=SCHEME_KEY, disabled=by_grade,
            format_func=lambda s: i18n.t(f"parks_map.scheme_name.{s}", lang),
            help=t("parks_map.scheme_disabled") if by_grade else t("parks_map.scheme_help"),
        )
    with cols[2]:
        k = st.select_slider(t("parks_map.classes"), options=list(range(pm.CLASS_RANGE[0], pm.CLASS_RANGE[1] + 1)),
                             value=pm.DEFAULT_CLASSES, key=CLASSES_KEY, disabled=by_grade)
    cols = st.columns(pm.CONTROL_COLUMNS, vertical_alignment="bottom")
    with cols[0]:
        park = _choose_park(parks_here)
    with cols[1]:
        if st.button(t("parks_map.fit"), icon=":material/fit_screen:", key="parks_map_fit", width="stretch"):
            st.session_state[_FIT] = st.session_state.get(_FIT, 0) + 1
    return colour_by, scheme, int(k), park


def _region_layers(county: str | None, datum: str, lang: str) -> tuple[list, list]:
    """County fills (under everything, all neutral so the classes read true) and outlines (over everything, the
    selected county's drawn strong); neither pickable."""
    regions = load_display_regions()
    if regions is None:
        return [], []
    name_column = "name" if lang == "zh" else "name_en"
    neutral = maps.regions_geojson(regions, None, datum, name_column)
    fills = maps.geojson_layer("regions", neutral, pickable=False, stroked=False)
    lines = maps.regions_geojson(regions, county, datum, name_column) if county else neutral
    outlines = maps.geojson_layer("region-outlines", lines, pickable=False, filled=False)
    return [fills], [outlines]


def _handle_pick(picked: tuple[str, dict] | None, park: str) -> str | None:
    """Act on a click: an enterprise parcel goes into ``?parcel=`` (returned); a park other than the shown one
    becomes the chosen park (on a rerun, since its selector is already drawn).

    Every pick starts a new pick generation: the pickable layers get new ids, so Streamlit drops the old
    selection instead of dimming every other parcel (which would wash out the classes); the clicked parcel is
    outlined instead.
    """
    if not picked or not picked[1].get("id"):
        return None
    layer_id, props = picked
    kind = layer_id.rsplit("-", 1)[0]
    st.session_state[_PICK_GEN] = st.session_state.get(_PICK_GEN, 0) + 1
    if kind == PARCEL_LAYER:
        parcel = str(props["id"])
        _set_query(PARCEL_PARAM, parcel)
        return parcel
    if kind == PARK_LAYER and str(props["id"]) != park:
        st.session_state[_PENDING_PARK] = str(props["id"])
        st.rerun()
    return None


def _render_legend(colour_by: str, classification, frame, lang: str) -> None:
    if colour_by == pm.GRADE:
        group = pm.grade_legend(frame, lang)
    else:
        group = pm.metric_legend(classification, METRIC_BY_KEY[colour_by], lang)
    st.markdown(f"**{t('parks_map.legend')}**")
    st.html(legend_html([group, pm.park_legend(lang)], columns=1))


def _label(prefix: str, value: str | None) -> str:
    if value is None:
        return pm.DASH
    key = f"{prefix}.{value}"
    return t(key) if i18n.has_key(key) else value


def _render_card(parcel: str, metrics, grades, profile, lang: str, parcels: pd.DataFrame) -> None:
    card = pm.enterprise_card(parcel, metrics, grades, profile)
    st.subheader(t("parks_map.card.title"))
    if card is None:
        st.info(t("parks_map.card.missing", parcel=parcel))
        return
    name = card.enterprise_name or card.enterprise_id or pm.DASH
    # Data is escaped here and shown as text: a name such as <img src=x onerror=…> stays a name.
    st.html(f'<div style="font-size:1.2rem;font-weight:600;margin:0">{html.escape(name)}</div>')
    grade, score = st.columns(2)
    grade.metric(t("parks_map.card.grade"),
                 t("parks_map.card.grade_value", grade=card.grade) if card.grade else pm.DASH)
    score.metric(t("parks_map.card.score"),
                 t("parks_map.card.score_value", score=f"{card.score:.1f}") if card.score is not None else pm.DASH)
    facts = [
        (t("parks_map.card.rank"),
         t("parks_map.card.rank_value", rank=card.rank, count=card.ranked) if card.rank else pm.DASH),
        (t("parks_map.card.parcel_id"), card.parcel_id),
        (t("parks_map.card.enterprise_id"), card.enterprise_id or pm.DASH),
        (t("parks_map.card.park"), card.park_name or pm.DASH),
        (t("parks_map.card.county"), region_name(card.region_code) if card.region_code else pm.DASH),
        (t("parks_map.card.industry"), card.industry or pm.DASH),
        (t("parks_map.card.scale"), _label("parks_map.scale_value", card.scale)),
        (t("parks_map.card.status"), _label("parks_map.status_value", card.status)),
        (t("parks_map.card.area"), pm.format_value(card.area_mu, t("parks_map.unit.mu"), pm.CARD_DECIMALS)),
        (t("parks_map.card.year"), str(card.year)),
    ]
    supply, approval = pm.supply_link(parcel, parcels, load_dataset("supplies"))
    facts.append((t("parks_map.card.supply"), supply or pm.DASH))
    facts.append((t("parks_map.card.approval"), approval or pm.DASH))
    st.dataframe(pd.DataFrame(facts, columns=["", " "]), hide_index=True, width="stretch", height="content",
                 key="parks_card_facts")
    if approval:  # one hop to the chain 批 → 供 → 用 of the approval this parcel was supplied on
        st.page_link("pages/stock_land.py", label=t("parks_map.card.chain", approval=approval),
                     icon=":material/account_tree:", query_params={"approval": approval})
    st.markdown(f"**{t('parks_map.card.metrics')}**")
    st.caption(t("parks_map.card.benchmark_caption", profile=profile.name(lang)))
    table = pm.card_table(card, lang).rename(columns={c: t(f"parks_map.card.{c}") for c in
                                                      ("metric", "value", "benchmark", "ratio", "compare")})
    st.dataframe(table, hide_index=True, width="stretch", height="content", key="parks_card_metrics")
    panels.table_downloads(table, f"{t('parks_map.card.metrics')}_{name}", ("park_parcels", "parks"),
                           key="parks_card_metrics", filters={t("parks_map.card.parcel_id"): card.parcel_id})


def _render_park_comparison(county: str | None, profile_id: str, lang: str) -> None:
    """Each park against the two published standards (280 / 400 万元/亩 in Yuxi) and, as multiples of the
    benchmark, the profile's other per-mu benchmarks; with Excel/CSV downloads."""
    profile = load_profile(profile_id)
    st.subheader(t("parks_map.parks.heading"))
    table = pm.park_comparison(indicator_table("per_mu_park", profile_id), profile, county)
    if table.empty:
        st.info(t("parks_map.parks.empty"))
        return
    invest, output = float(table["invest_benchmark"].iloc[0]), float(table["output_benchmark"].iloc[0])
    st.caption(t("parks_map.parks.caption", year=int(table["year"].iloc[0]), profile=profile.name(lang),
                 invest=f"{invest:g}", output=f"{output:g}"))

    def check(below: pd.Series, bench: float) -> list[str]:
        return [pm.DASH if pd.isna(b) else t("parks_map.parks.below" if b else "parks_map.parks.meets", bench=f"{bench:g}")
                for b in below]

    columns = {k: t(f"parks_map.parks.{k}") for k in
               ("park", "county", "enterprises", "area", "invest", "invest_check", "output", "output_check")}
    display = pd.DataFrame({
        columns["park"]: table["park_name"].astype(str),
        columns["county"]: [region_name(str(c)) for c in table["region_code"]],
        columns["enterprises"]: table["enterprises_count"],
        columns["area"]: table["area_mu"],
        columns["invest"]: table["invest_per_mu_wan"],
        columns["invest_check"]: check(table["invest_below_benchmark"], invest),
        columns["output"]: table["output_per_mu_wan"],
        columns["output_check"]: check(table["output_below_benchmark"], output),
    })
    for key in pm.OTHER_PARK_BENCHMARKS:
        metric = METRIC_BY_KEY[key]
        display[pm.metric_label(key, lang)] = table[metric.column].to_numpy(dtype=float)
        display[t("parks_map.parks.ratio", metric=pm.metric_label(key, lang, with_unit=False),
                  bench=pm.format_value(benchmark_value(metric, profile), pm.unit_label(metric, lang)))] = \
            table[f"{key}_to_benchmark"].to_numpy(dtype=float)
    panels.number_table(display, t("parks_map.parks.heading"), ("parks", "park_parcels"), key="parks_comparison",
                        filters={t("parks_map.parks.county"): region_name(county) if county else "—"})


def render_parks_explorer(county: str | None) -> list[str] | None:
    """The map, its legend and card, and the park comparison; returns the park chosen on the map (``[park_id]``)
    or ``None`` for all parks of the region, so the panels below follow the map."""
    lang = current_lang()
    profile_id = current_profile()  # the sidebar's 政策口径: benchmarks, weights and bands
    profile = load_profile(profile_id)
    parks = load_dataset("parks")
    parcels = load_dataset("park_parcels")
    if parks is None or parcels is None:
        st.info(t("parks_map.no_parcels"))
        return None
    parks_here = parks if county is None else parks[parks["county_code"].astype(str) == county]
    if parks_here.empty:
        st.info(t("parks_map.no_parks"))
        _render_park_comparison(county, profile_id, lang)
        return None

    colour_by, scheme, k, park = _controls(lang, parks_here)
    metrics = indicator_table("per_mu_enterprise", profile_id)
    grades = indicator_table("enterprise_grades", profile_id)
    parks_shown = parks_here if park == ALL_PARKS else parks_here[parks_here["park_id"].astype(str) == park]
    shown_ids = set(parks_shown["park_id"].astype(str))
    rows = metrics[metrics["park_id"].astype(str).isin(shown_ids)]
    frame = pm.drawable(pm.enterprise_parcels(parcels, rows, grades)).reset_index(drop=True)

    classification = None
    if colour_by != pm.GRADE:
        metric = METRIC_BY_KEY[colour_by]
        classification = pm.classify(frame[metric.column], k, scheme, pm.unit_label(metric, lang))

    key = f"parks_map_{county or 'city'}_{park}_{st.session_state.get(_FIT, 0)}"
    # The chart's selection is in the session before the chart is drawn: the clicked parcel is outlined now.
    parcel = _handle_pick(picked_feature(st.session_state.get(key)), park) or _query_value(PARCEL_PARAM)

    basemap = configured_basemap()
    datum = display_datum(basemap)
    under, over = _region_layers(county, datum, lang)
    gen = st.session_state.get(_PICK_GEN, 0)
    layers = [
        *under,
        maps.geojson_layer(f"{PARK_LAYER}-{gen}", pm.park_outline_features(parks_shown, datum)),
        maps.geojson_layer(f"{PARCEL_LAYER}-{gen}", pm.parcel_features(frame, colour_by, classification, datum),
                           auto_highlight=True, highlight_color=[255, 255, 255, 110]),
    ]
    chosen = frame[frame["parcel_id"].astype(str) == parcel] if parcel else frame.iloc[:0]
    if not chosen.empty:
        layers.append(maps.highlight_layer("selected-parcel", chosen.geometry.iloc[0], datum, SELECTED_LINE))
    layers += over
    view = maps.view_state(pm.focus_bounds(parks_shown, frame), height_px=MAP_HEIGHT, width_px=pm.MAP_WIDTH_PX)
    deck = maps.deck(layers, view, basemap_style_url(basemap))

    map_area, side = st.columns(pm.MAP_COLUMNS, gap=pm.MAP_GAP)
    with map_area:
        if frame.empty:
            st.info(t("parks_map.no_parcels_here"))
        st.pydeck_chart(deck, height=MAP_HEIGHT, on_select="rerun", selection_mode="single-object", key=key)
        st.caption(t("parks_map.click_hint"))
    with side:
        _render_legend(colour_by, classification, frame, lang)
        if parcel:
            _render_card(parcel, metrics, grades, profile, lang, parcels)
        else:
            st.subheader(t("parks_map.card.title"))
            st.caption(t("parks_map.card.empty"))
    _render_park_comparison(county, profile_id, lang)
    return None if park == ALL_PARKS else [park]
