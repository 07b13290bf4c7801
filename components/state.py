"""Session state shared by every page: language and region, mirrored in the URL query string.

A copied link (``?lang=en&region=530402``) reopens the same view: the query string seeds the widgets on the
first run of a session, and every run writes the current choice back.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import DEFAULT_LANG, LANGUAGES, normalise_lang
from dashboard.i18n import t as _t

CITY = "city"  # region value meaning the whole city (全市)

# The choices live in plain session keys; the sidebar widgets (keys "lang" and "region") only display and
# change them.  A widget's identity depends on which script draws it, so widget-keyed state alone would be
# reset whenever the frame is drawn by a page instead of app.py (see components.frame._ensure_frame).
LANG = "_lang"
REGION = "_region"


def remember_choice(widget_key: str, state_key: str) -> None:
    """Widget ``on_change`` callback: copy the widget's new value into the plain session key."""
    st.session_state[state_key] = st.session_state[widget_key]


def init_state(region_codes: list[str]) -> None:
    """Seed ``lang`` and ``region`` from the query string on a session's first run.

    Later runs keep what the widgets hold: the URL is then only written, never read, so a widget change is
    not undone by the query string of the previous run.
    """
    if st.session_state.get("_state_seeded"):
        return
    st.session_state["_state_seeded"] = True
    params = st.query_params
    st.session_state[LANG] = normalise_lang(params.get("lang", DEFAULT_LANG))
    region = params.get("region", CITY)
    st.session_state[REGION] = region if region in region_codes else CITY


def sync_query_params() -> None:
    """Write the current language and region into the URL (default values are left out to keep links short)."""
    lang, region = current_lang(), current_region()
    wanted = {}
    if lang != DEFAULT_LANG:
        wanted["lang"] = lang
    if region != CITY:
        wanted["region"] = region
    extra = {k: v for k, v in st.query_params.to_dict().items() if k not in ("lang", "region")}
    if st.query_params.to_dict() != {**extra, **wanted}:
        st.query_params.from_dict({**extra, **wanted})


def current_lang() -> str:
    """The session's UI language (``zh`` unless the user chose otherwise)."""
    lang = st.session_state.get(LANG, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def current_region() -> str:
    """The selected region: a county code, or :data:`CITY` for the whole city."""
    return st.session_state.get(REGION, CITY)


def t(key: str, **params) -> str:
    """Translate ``key`` into the session's language."""
    return _t(key, current_lang(), **params)
