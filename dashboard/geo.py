"""Coordinate helpers: GCJ-02 ⇄ WGS84, local Gauss-Krüger projections and geometry-wide transforms.

Stored geometry is always WGS84 / CGCS2000 longitude-latitude (EPSG:4326; CGCS2000 = EPSG:4490 is treated
as equal at dashboard scale).  GCJ-02 ("Mars coordinates", used by Gaode/AMap) appears only in inputs and in
display-only basemap shifting.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import CRS

WGS84 = "EPSG:4326"

# Krasovsky 1940 ellipsoid parameters used by the published GCJ-02 obfuscation.
_A = 6378245.0
_EE = 0.00669342162296594323


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (degrees) at WGS84 point(s) ``lon, lat``."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """Forward GCJ-02 transform of WGS84 ``lon, lat`` (arrays or scalars)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, iterations: int = 6):
    """Inverse GCJ-02 transform by fixed-point iteration (error < 1e-7° after a few steps)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (flon - glon), wlat - (flat - glat)
    return wlon, wlat


def transform_geometries(geoms, func):
    """Apply a vectorised ``func(lon, lat) -> (lon, lat)`` to every vertex of a geometry array."""

    def _xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), _xy)


@cache
def crs_object(name: str) -> CRS:
    """The pyproj CRS for ``name`` (e.g. ``"EPSG:4545"``), parsed once per process (a parse costs ~3–10 ms)."""
    return CRS.from_user_input(name)


def gauss_kruger_crs(lon: float) -> str:
    """CGCS2000 3-degree Gauss-Krüger CRS (no zone prefix, EPSG:4534–4554) whose central meridian is nearest ``lon``.

    Areas are computed in this local projection, as the data contracts ask.
    """
    cm = int(round(lon / 3.0) * 3)
    if not 75 <= cm <= 135:
        raise ValueError(f"longitude {lon} is outside China's 3-degree zones")
    return f"EPSG:{4534 + (cm - 75) // 3}"


def display_boundaries(frame, tolerance_deg: float = 0.002):
    """A copy of ``frame`` with outlines simplified for display (~200 m tolerance, topology kept, 5 decimals).

    Only for drawing: areas and overlays always use the stored geometry.
    """
    out = frame.copy()
    simplified = shapely.simplify(out.geometry.values, tolerance_deg, preserve_topology=True)
    out["geometry"] = shapely.set_precision(simplified, 1e-5)
    return out


def view_for_bounds(bounds, width_px: int = 900, height_px: int = 560) -> dict:
    """Centre and web-mercator zoom that fit lon-lat ``bounds`` (minx, miny, maxx, maxy) in a viewport."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    lon_span = max(maxx - minx, 1e-6)
    # deck.gl: the world is 512 px wide at zoom 0.  Mercator stretches latitude by 1/cos(lat); a 10% margin
    # keeps outlines off the frame edge.
    lat_mid = (miny + maxy) / 2
    lat_span = max((maxy - miny) / np.cos(np.radians(lat_mid)), 1e-6)
    zoom_x = np.log2(width_px * 360.0 / (512.0 * lon_span * 1.1))
    zoom_y = np.log2(height_px * 360.0 / (512.0 * lat_span * 1.1))
    return {"longitude": (minx + maxx) / 2, "latitude": lat_mid, "zoom": float(min(zoom_x, zoom_y, 18.0))}
