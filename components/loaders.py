"""Cached data loaders: the only home of ``st.cache_*`` in the project.

Large frames are shared read-only objects (``st.cache_resource``: ``st.cache_data`` would copy them on every
hit, ~1 s per rerun for 100k polygons).  Callers must never mutate what these return.  The cache key includes
the version's sha256, so publishing a new version is picked up without a restart.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.state import t
from dashboard import store
from dashboard.context import versions_signature
from dashboard.geo import display_boundaries
from dashboard.policy import DEFAULT_PROFILE
from dashboard.tiles import ensure_landuse_tiles, load_tileset, tileset_key


@st.cache_resource(show_spinner=False, max_entries=64)
def _load_version(name: str, sha256: str) -> pd.DataFrame:
    return store.load_current(name)


def load_dataset(name: str) -> pd.DataFrame | None:
    """The current version of dataset ``name`` (shared, read-only), or ``None`` when there is none."""
    version = store.current_version(name)
    if version is None:
        return None
    return _load_version(name, version.sha256)


@st.cache_resource(show_spinner=False, max_entries=8)
def _display_regions(sha256: str) -> pd.DataFrame:
    return display_boundaries(store.load_current("regions"))


def load_display_regions() -> pd.DataFrame | None:
    """Region boundaries simplified for display (a few kB per county instead of the full outline)."""
    version = store.current_version("regions")
    if version is None:
        return None
    return _display_regions(version.sha256)


def dataset_versions() -> dict[str, store.DatasetVersion | None]:
    """Current version of every dataset (cheap: reads small manifests)."""
    return store.current_versions()


@st.cache_resource(show_spinner=False, max_entries=8)
def _context(signature: tuple, profile_id: str):
    from dashboard.context import store_context

    return store_context(profile_id)


def indicator_table(ind_id: str, profile_id: str = DEFAULT_PROFILE) -> pd.DataFrame:
    """An indicator table over the current data (shared, read-only; recomputed when a version is published).

    One context per data signature holds every table computed so far, so pages asking for the same indicator
    share one computation.  Region filtering is the caller's (tables carry ``region_code``).
    """
    from dashboard.indicators import compute

    ctx = _context(versions_signature(), profile_id)
    return compute(ind_id, ctx)


@st.cache_resource(show_spinner=False, max_entries=8)
def _context_as_of(signature: tuple, profile_id: str, as_of: date):
    from dashboard.context import store_context

    return store_context(profile_id, as_of=as_of)


def indicator_table_as_of(ind_id: str, profile_id: str, as_of: date) -> pd.DataFrame:
    """An indicator table at another reference date (a previous period), shared and read-only like
    :func:`indicator_table`: one context per (data signature, profile, date) holds its tables."""
    from dashboard.indicators import compute

    ctx = _context_as_of(versions_signature(), profile_id, as_of)
    return compute(ind_id, ctx)


def landuse_tileset(datum: str = "wgs84"):
    """The vector tiles of the current land-use version, built first (with a progress bar) when missing."""
    version = store.current_version("landuse")
    if version is None:
        return None
    key = tileset_key(version.sha256, datum)
    found = load_tileset(key)
    if found is not None:
        return found
    bar = st.progress(0.0, text=t("maps.building_tiles"))
    try:
        return ensure_landuse_tiles(
            lambda: _load_version("landuse", version.sha256), version.sha256, datum=datum,
            progress=lambda f: bar.progress(f, text=t("maps.building_tiles")),
        )
    finally:
        bar.empty()
