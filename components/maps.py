"""Rendering map objects built by :mod:`dashboard.maps` (Streamlit-aware part)."""

from __future__ import annotations

import streamlit as st

from components.loaders import load_display_regions
from components.state import t
from dashboard.maps import region_deck


def render_region_map(selected: str | None, key: str, height: int = 520) -> None:
    """The county boundary map, highlighting and fitting the selected county (offline: no basemap)."""
    regions = load_display_regions()
    if regions is None:
        st.info(t("data.no_regions"))
        return
    st.pydeck_chart(region_deck(regions, selected, height_px=height), height=height, key=key)
