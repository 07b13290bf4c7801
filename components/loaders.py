"""Cached data loaders: the only home of ``st.cache_*`` in the project.

Large frames are shared read-only objects (``st.cache_resource``: ``st.cache_data`` would copy them on every
hit, ~1 s per rerun for 100k polygons).  Callers must never mutate what these return.  The cache key includes
the version's sha256, so publishing a new version is picked up without a restart.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import store
from dashboard.geo import display_boundaries


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
