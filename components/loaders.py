"""Cached data loaders: the only home of ``st.cache_*`` in the project.

Large frames are shared read-only objects (``st.cache_resource``: ``st.cache_data`` would copy them on every
hit, ~1 s per rerun for 100k polygons).  Callers must never mutate what these return.  The cache key includes
the version's sha256, so publishing a new version is picked up without a restart.

Indicator contexts are shared by every session too, and one context holds one DuckDB connection, which refuses a
second call while one is running (``ResourceInUseException``: seen with two sessions opening the overview at once).
Computing an indicator therefore holds the context's lock; a table already computed is returned without it.
"""

from __future__ import annotations

import threading
from datetime import date

import pandas as pd
import streamlit as st

from components.state import t
from dashboard import store
from dashboard.context import versions_signature
from dashboard.geo import display_boundaries
from dashboard.policy import DEFAULT_PROFILE
from dashboard.tiles import ensure_landuse_tiles, load_landuse_tiles, tileset_key


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
    return display_boundaries(_load_version("regions", sha256))


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

    return store_context(profile_id), threading.RLock()


def _compute_shared(ind_id: str, ctx, lock) -> pd.DataFrame:
    """``compute(ind_id, ctx)`` for a context shared between sessions: one computation at a time per context
    (its DuckDB connection runs one call at a time), none when the table is already in the context's memo."""
    from dashboard.indicators import compute

    found = ctx.cache.get(ind_id)
    if found is not None:
        return found
    with lock:
        return compute(ind_id, ctx)


def indicator_table(ind_id: str, profile_id: str = DEFAULT_PROFILE) -> pd.DataFrame:
    """An indicator table over the current data (shared, read-only; recomputed when a version is published).

    One context per data signature holds every table computed so far, so pages asking for the same indicator
    share one computation.  Region filtering is the caller's (tables carry ``region_code``).
    """
    ctx, lock = _context(versions_signature(), profile_id)
    return _compute_shared(ind_id, ctx, lock)


@st.cache_resource(show_spinner=False, max_entries=8)
def _public_tables(signature: tuple, profile_id: str) -> dict[str, pd.DataFrame]:
    from dashboard.public_extract import checked_tables

    ctx, lock = _context(signature, profile_id)
    with lock:
        return checked_tables(ctx)


def public_tables(profile_id: str = DEFAULT_PROFILE) -> dict[str, pd.DataFrame]:
    """The public extract's tables over the current data (aggregates, small groups withheld, checked for
    row-level values), as ``python -m dashboard publish-public`` would write them; shared and read-only.  Raises
    :class:`dashboard.public_schema.LeakError` when a table fails the check."""
    return _public_tables(versions_signature(), profile_id)


@st.cache_resource(show_spinner=False, max_entries=8)
def _context_as_of(signature: tuple, profile_id: str, as_of: date):
    from dashboard.context import store_context

    return store_context(profile_id, as_of=as_of), threading.RLock()


def indicator_table_as_of(ind_id: str, profile_id: str, as_of: date) -> pd.DataFrame:
    """An indicator table at another reference date (a previous period), shared and read-only like
    :func:`indicator_table`: one context per (data signature, profile, date) holds its tables."""
    ctx, lock = _context_as_of(versions_signature(), profile_id, as_of)
    return _compute_shared(ind_id, ctx, lock)


def landuse_tileset(datum: str = "wgs84"):
    """The county vector tilesets of the current land-use version (:class:`dashboard.tiles.LayerTiles`), built
    first with a progress bar naming the county being cut when missing (unchanged counties are reused)."""
    version = store.current_version("landuse")
    if version is None:
        return None
    key = tileset_key(version.sha256, datum)
    found = load_landuse_tiles(key)
    if found is not None:
        return found
    bar = st.progress(0.0, text=t("maps.building_tiles"))

    def progress(step) -> None:
        bar.progress(step.fraction, text=t("maps.building_tiles_county", county=step.county, index=step.index,
                                           total=step.total))

    try:
        return ensure_landuse_tiles(lambda: _load_version("landuse", version.sha256), version.sha256, datum=datum,
                                    progress=progress)
    finally:
        bar.empty()
