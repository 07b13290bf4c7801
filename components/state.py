"""Session state shared by every page: language, region and policy profile, mirrored in the URL query string.

A copied link (``?lang=en&region=530402&profile=ningxia``) reopens the same view: the query string seeds the widgets on the
first run of a session, and every run writes the current choice back.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import DEFAULT_LANG, LANGUAGES, normalise_lang
from dashboard.i18n import t as _t
from dashboard.policy import DEFAULT_PROFILE, profile_ids

CITY = "city"  # region value meaning the whole city (全市)

# The choices live in plain session keys; the sidebar widgets (keys "lang" and "region") only display and
# change them.  A widget's identity depends on which script draws it, so widget-keyed state alone would be
# reset whenever the frame is drawn by a page instead of app.py (see components.frame._ensure_frame).
LANG = "_lang"
REGION = "_region"
PROFILE = "_profile"


def hold_choice(key: str, options, choice=None, default=None):
    """Hand the select box (or radio) ``key`` its choice through its state before it is drawn (without ``index``).

    The choice is ``choice`` when given (a value kept elsewhere, e.g. the region), else the box's current value,
    else ``default``, else the first option; a value no longer offered gives way to ``default`` / the first option.
    Handing it over on every run keeps the shown label in the page's language: Streamlit keeps a keyed select box's
    shown label when only its labels change (a language switch) unless its value is set.  Returns the choice.
    """
    options = list(options)
    value = choice if choice is not None else st.session_state.get(key, default)
    if value not in options:
        value = default if default in options else (options[0] if options else None)
    st.session_state[key] = value
    return value


def hold_choices(key: str, options, default=()) -> list:
    """:func:`hold_choice` for a multiselect: its current values (else ``default``) still offered, handed over
    through its state before it is drawn (draw it without ``default``), so that its chips follow the language."""
    options = list(options)
    values = [v for v in st.session_state.get(key, default) if v in options]
    st.session_state[key] = values
    return values


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
    profile = params.get("profile", DEFAULT_PROFILE)
    st.session_state[PROFILE] = profile if profile in profile_ids() else DEFAULT_PROFILE


def sync_query_params() -> None:
    """Write the current language, region and profile into the URL (defaults are left out to keep links short)."""
    lang, region, profile = current_lang(), current_region(), current_profile()
    wanted = {}
    if lang != DEFAULT_LANG:
        wanted["lang"] = lang
    if region != CITY:
        wanted["region"] = region
    if profile != DEFAULT_PROFILE:
        wanted["profile"] = profile
    extra = {k: v for k, v in st.query_params.to_dict().items() if k not in ("lang", "region", "profile")}
    if st.query_params.to_dict() != {**extra, **wanted}:
        st.query_params.from_dict({**extra, **wanted})


def current_lang() -> str:
    """The session's UI language (``zh`` unless the user chose otherwise)."""
    lang = st.session_state.get(LANG, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def current_region() -> str:
    """The selected region: a county code, or :data:`CITY` for the whole city."""
    return st.session_state.get(REGION, CITY)


def current_profile() -> str:
    """The policy profile every indicator, threshold line, flag and grade of the session uses."""
    profile = st.session_state.get(PROFILE, DEFAULT_PROFILE)
    return profile if profile in profile_ids() else DEFAULT_PROFILE


def t(key: str, **params) -> str:
    """Translate ``key`` into the session's language."""
    return _t(key, current_lang(), **params)
