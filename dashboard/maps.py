"""Map objects (pydeck / folium) built from conformed frames.  Pure: callers render them.

Offline by construction: pydeck decks use ``map_provider=None`` (no Carto/Mapbox style is fetched) and draw the
county boundaries as the base layer; a basemap is optional configuration (later issues).
"""

from __future__ import annotations

import json

import pydeck as pdk

from dashboard.geo import view_for_bounds

#: Outline and fill colours (RGBA) for regions: selected county stands out, others stay quiet.
REGION_LINE = [90, 90, 90, 255]
REGION_FILL = [235, 235, 230, 160]
SELECTED_FILL = [179, 38, 30, 70]
SELECTED_LINE = [179, 38, 30, 255]


def regions_geojson(regions, selected: str | None = None) -> dict:
    """County features as GeoJSON with ``name``, ``code`` and colour properties (compact, no index)."""
    counties = regions[regions["level"] == "county"]
    features = []
    for code, name, geom in zip(counties["code"], counties["name"], counties.geometry, strict=True):
        chosen = code == selected
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(json.dumps(geom.__geo_interface__)),
                "properties": {
                    "code": code,
                    "name": name,
                    "fill": SELECTED_FILL if chosen else REGION_FILL,
                    "line": SELECTED_LINE if chosen else REGION_LINE,
                    "width": 3 if chosen else 1.2,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def region_deck(regions, selected: str | None = None, height_px: int = 520) -> pdk.Deck:
    """A pydeck map of the county boundaries, fitted to the selected county (or the whole city).

    Parameters
    ----------
    regions
        Conformed ``regions`` frame (simplified for display by the caller).
    selected
        County code to highlight and fit, or ``None`` for the whole city.
    """
    counties = regions[regions["level"] == "county"]
    focus = counties[counties["code"] == selected] if selected else counties
    if focus.empty:
        focus = counties
    layer = pdk.Layer(
        "GeoJsonLayer",
        data=regions_geojson(regions, selected),
        id="regions",
        stroked=True,
        filled=True,
        pickable=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        # Widths are in pixels via the scale: pydeck turns plain string arguments into JS expressions, so
        # line_width_units="pixels" would become an undefined variable; min/max pixels pin the width instead.
        get_line_width="properties.width",
        line_width_scale=1,
        line_width_min_pixels=1,
        line_width_units="'pixels'",
    )
    view = pdk.ViewState(**view_for_bounds(focus.total_bounds, height_px=height_px))
    return pdk.Deck(
        layers=[layer],
        initial_view_state=view,
        # map_provider=None with the default style sentinel: Streamlit's front end then draws no basemap.
        # Passing map_style=None instead makes it fetch a Carto style from the internet.
        map_provider=None,
        tooltip={"text": "{name}"},
    )
