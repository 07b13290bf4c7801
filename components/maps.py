"""Rendering map objects built by :mod:`dashboard.maps` (Streamlit-aware part), and what every map page shares:
the configured basemap and the feature a click picked."""

from __future__ import annotations

import streamlit as st

from components.loaders import load_display_regions
from components.state import t
from dashboard.basemap import Basemap, load_basemap, load_landuse_tiles_url
from dashboard.maps import region_deck


def configured_basemap() -> Basemap | None:
    """The deployment's basemap, or ``None``; a broken configuration is reported and the map drawn without it."""
    try:
        return load_basemap()
    except ValueError as exc:
        st.warning(t("maps.basemap_error", error=str(exc)))
        return None


def configured_landuse_tiles_url() -> str | None:
    """The deployment's tile-server URL for the land-use layer (``[map] landuse_tiles_url``), or ``None``; a broken
    setting is reported and the app's own tiles are drawn instead."""
    try:
        return load_landuse_tiles_url()
    except ValueError as exc:
        st.warning(t("maps.basemap_error", error=str(exc)))
        return None


def picked_feature(event) -> tuple[str, dict] | None:
    """``(layer id, feature properties)`` of the feature clicked in ``st.pydeck_chart(on_select=...)``, or ``None``."""
    selection = getattr(event, "selection", None) or (event or {}).get("selection", {})
    objects = getattr(selection, "objects", None) or selection.get("objects", {}) or {}
    for layer_id, features in objects.items():
        if features:
            feature = features[0] or {}
            props = feature.get("properties", feature)
            return layer_id, dict(props)
    return None


def render_region_map(selected: str | None, key: str, height: int = 520) -> None:
    """The county boundary map, highlighting and fitting the selected county (offline: no basemap)."""
    regions = load_display_regions()
    if regions is None:
        st.info(t("data.no_regions"))
        return
    st.pydeck_chart(region_deck(regions, selected, height_px=height), height=height, key=key)
