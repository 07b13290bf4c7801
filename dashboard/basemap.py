"""Optional basemap: an XYZ raster tile service configured by the deployment (none by default).

Officials often work on an intranet with no internet, so the maps draw no basemap unless one is configured:
an intranet tile server, or 天地图 with the deployment's key.  Configuration lives in ``dashboard.toml`` at the
project root (``DASHBOARD_CONFIG`` to move it; see ``dashboard.example.toml``)::

    [map]
    basemap_url = "http://tiles.intranet/{z}/{x}/{y}.png"   # XYZ template; {s} is not supported
    basemap_datum = "wgs84"        # "gcj02" for providers in GCJ-02 (高德, 腾讯): the data is shifted for display
    basemap_attribution = "© 本单位"
    basemap_max_zoom = 18
    landuse_tiles_url = "http://tiles.intranet/landuse/{z}/{x}/{y}.pbf"   # optional: land-use tiles from a server

The basemap reaches the deck as a MapLibre style JSON written under ``static/generated/`` (Streamlit's pydeck
front end only accepts a style URL).  Stored coordinates never change: with a GCJ-02 basemap only the drawn
layers are shifted (:func:`dashboard.maps.display_geometries`, :func:`dashboard.tiles.landuse_tile_features`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from dashboard.config import config_section
from dashboard.offline import STATIC_DIR, STATIC_URL
from dashboard.tiles import DATUMS

GENERATED_DIR = STATIC_DIR / "generated"


@dataclass(frozen=True)
class Basemap:
    url: str
    datum: str = "wgs84"
    attribution: str = ""
    max_zoom: int = 18


def load_landuse_tiles_url(path: Path | None = None) -> str | None:
    """The configured URL template of a tile server for the land-use layer (``[map] landuse_tiles_url``), or
    ``None`` (the default: the app cuts and serves the tiles itself under ``static/tiles/``).

    Raises
    ------
    ValueError
        When the template lacks the ``{z}/{x}/{y}`` placeholders or is not an ``http(s)://`` or ``/`` URL.
    """
    url = str(config_section("map", path).get("landuse_tiles_url", "")).strip()
    if not url:
        return None
    if not all(p in url for p in ("{z}", "{x}", "{y}")):
        raise ValueError(f"landuse_tiles_url must contain {{z}}, {{x}} and {{y}}: {url!r}")
    if not url.startswith(("http://", "https://", "/")):
        raise ValueError(f"landuse_tiles_url must start with http://, https:// or /: {url!r}")
    return url


def load_basemap(path: Path | None = None) -> Basemap | None:
    """The configured basemap, or ``None`` (the default: no basemap, nothing fetched).

    Raises
    ------
    ValueError
        For a configuration that cannot work (no ``{z}/{x}/{y}`` placeholders, unknown datum).
    """
    section = config_section("map", path)
    url = str(section.get("basemap_url", "")).strip()
    if not url:
        return None
    if not all(p in url for p in ("{z}", "{x}", "{y}")):
        raise ValueError(f"basemap_url must contain {{z}}, {{x}} and {{y}}: {url!r}")
    datum = str(section.get("basemap_datum", "wgs84")).lower()
    if datum not in DATUMS:
        raise ValueError(f"basemap_datum must be one of {DATUMS}, not {datum!r}")
    return Basemap(url, datum, str(section.get("basemap_attribution", "")), int(section.get("basemap_max_zoom", 18)))


def style_json(basemap: Basemap) -> dict:
    """A MapLibre style with one raster source and layer (no glyphs or sprites: nothing else is fetched)."""
    return {
        "version": 8,
        "sources": {
            "basemap": {
                "type": "raster",
                "tiles": [basemap.url],
                "tileSize": 256,
                "maxzoom": basemap.max_zoom,
                "attribution": basemap.attribution,
            }
        },
        "layers": [{"id": "basemap", "type": "raster", "source": "basemap"}],
    }


def basemap_style_url(basemap: Basemap | None, folder: Path = GENERATED_DIR) -> str | None:
    """Write the basemap's style JSON under ``static/generated/`` and return its URL (``None`` without basemap)."""
    if basemap is None:
        return None
    text = json.dumps(style_json(basemap), ensure_ascii=False, sort_keys=True)
    name = f"basemap-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
    path = Path(folder) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return f"/{STATIC_URL}/generated/{name}"


def display_datum(basemap: Basemap | None) -> str:
    """The datum the map layers are drawn in: the basemap's, WGS84 without a basemap."""
    return basemap.datum if basemap else "wgs84"
