"""CRS doctor: find out what coordinates mean, and bring them to EPSG:4326 longitude-latitude.

Land data in China come as CGCS2000 longitude-latitude (EPSG:4490), CGCS2000 Gauss-Krüger (3-degree zones for
三调 and cadastral data, 6-degree zones for small-scale maps; eastings with or without the zone number in front),
Web Mercator from web tools, or GCJ-02 from Gaode/AMap.  Files often lose their ``.prj``.  The doctor reads the
declared CRS where there is one, infers candidates from the coordinate ranges where there is none, catches
swapped axes and data that land outside the region being worked on — but never *picks* a CRS for a file that
declares none: that needs the user's explicit choice (``crs=``), because a wrong guess moves parcels silently.

EPSG families used (CGCS2000 Gauss-Krüger, checked against the EPSG database with pyproj):

=========  ==========================================  =================================
EPSG       meaning                                     easting example (Yuxi, ~102.5°E)
=========  ==========================================  =================================
4513–4533  3-degree zones 25–45, zone prefix          34 550 000 (zone 34 = CM 102°E: 4522)
4534–4554  3-degree, CM 75°E…135°E, no prefix          550 000 (CM 102°E: 4543)
4491–4501  6-degree zones 13–23, zone prefix          18 250 000 (zone 18 = CM 105°E: 4496)
4502–4512  6-degree, CM 75°E…135°E, no prefix          — same numbers as the 3-degree CRS with that CM
=========  ==========================================  =================================

With a zone prefix the family is certain (zones 13–23 are 6-degree, 25–45 are 3-degree).  Without one, a
6-degree CRS is mathematically the 3-degree CRS with the same central meridian, so only the 3-degree codes are
offered; the central meridian comes from the region hint (the one CM under which the data land in the region).
Xi'an 1980 and Beijing 1954 Gauss-Krüger give nearly the same numbers (tens of metres apart) and cannot be told
from coordinates: only a ``.prj`` (or the user) can say so.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from dashboard.errors import UserError
from dashboard.geo import WGS84, gcj02_to_wgs84, transform_geometries

#: Longitude-latitude box around China (with its islands) plus ~1° of slack: coordinates that do not land here
#: under a CRS cannot be Chinese land data in that CRS.
CHINA_LONLAT_BOX = (72.0, 2.0, 137.0, 55.0)

#: Lon-lat CRSs treated as equal at dashboard scale (CGCS2000 and WGS84 differ by centimetres).
LONLAT_CRS = ("EPSG:4490", "EPSG:4326")
WEB_MERCATOR = "EPSG:3857"

#: How far (degrees) data may reach beyond the region's bounding box and still "land in the region": parcels
#: on a county border and a bounding box that hugs the outline should not count as elsewhere.
REGION_MARGIN_DEG = 0.25

_REASONS = {
    "declared": "upload.crs_reason.declared",
    "explicit": "upload.crs_reason.explicit",
    "lonlat": "upload.crs_reason.lonlat_range",
    "prefix": "upload.crs_reason.zone_prefix",
    "cm": "upload.crs_reason.central_meridian",
    "mercator": "upload.crs_reason.web_mercator",
    "mismatch": "upload.crs_reason.declared_mismatch",
    "none": "upload.crs_reason.none",
    "empty": "upload.crs_reason.no_coordinates",
}


def gk3_prefixed(zone: int) -> str:
    """CGCS2000 3-degree Gauss-Krüger with zone prefix (zones 25–45 → EPSG:4513–4533; CM = 3 × zone)."""
    return f"EPSG:{4513 + zone - 25}"


def gk6_prefixed(zone: int) -> str:
    """CGCS2000 6-degree Gauss-Krüger with zone prefix (zones 13–23 → EPSG:4491–4501; CM = 6 × zone − 3)."""
    return f"EPSG:{4491 + zone - 13}"


def gk3_cm(cm: int) -> str:
    """CGCS2000 3-degree Gauss-Krüger without prefix for central meridian ``cm`` (75…135 → EPSG:4534–4554)."""
    return f"EPSG:{4534 + (cm - 75) // 3}"


@dataclass(frozen=True)
class CrsReport:
    """What the CRS doctor found.

    Attributes
    ----------
    candidates
        CRSs (``EPSG:xxxx``) under which the coordinates make sense, most likely first.
    chosen
        The CRS used: the declared one (``.prj``, GeoPackage, GeoParquet, GeoJSON) or the user's explicit
        choice; ``None`` when the file declares none and nobody chose.
    reason_key
        Message key (``upload.crs_reason.*``) saying how ``chosen``/``candidates`` were found.
    swapped_axes
        The coordinates only make sense with x and y exchanged (latitude given as x).
    out_of_region
        Under ``chosen`` (or every candidate) the data do not overlap the region's bounding box.
    declared
        The CRS the file declares, if any.
    bounds
        Bounding box of the coordinates as stored.
    lonlat_bounds
        Bounding box in longitude-latitude under ``chosen`` (``None`` when nothing is chosen).
    """

    candidates: tuple[str, ...]
    chosen: str | None
    reason_key: str
    swapped_axes: bool = False
    out_of_region: bool = False
    declared: str | None = None
    bounds: tuple[float, float, float, float] | None = None
    lonlat_bounds: tuple[float, float, float, float] | None = field(default=None)


def crs_label(crs) -> str:
    """``EPSG:xxxx`` for a CRS with an EPSG identity, else its name."""
    crs = CRS.from_user_input(crs)
    authority = crs.to_authority(min_confidence=70)
    return f"{authority[0]}:{authority[1]}" if authority else crs.name


def describe(code: str) -> str:
    """``EPSG:4543 (CGCS2000 / 3-degree Gauss-Kruger CM 102E)`` — a candidate as shown to users."""
    try:
        return f"{code} ({CRS.from_user_input(code).name})"
    except CRSError:
        return code


def parse_crs(value) -> CRS:
    """A user's CRS choice (``"EPSG:4543"``, ``4543``, WKT, a ``pyproj.CRS``); ``error.upload.crs_unknown``."""
    try:
        return CRS.from_user_input(value)
    except (CRSError, TypeError, ValueError) as exc:
        raise UserError("error.upload.crs_unknown", crs=str(value)[:80]) from exc


def _bounds(data) -> tuple[float, float, float, float] | None:
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        values = data.total_bounds
    elif isinstance(data, tuple) and len(data) == 4 and all(np.isscalar(v) for v in data):
        values = np.asarray(data, dtype=float)
    else:
        array = np.asarray(data)
        if array.dtype == object:
            values = shapely.total_bounds(array)
        else:
            coords = array.reshape(-1, 2).astype(float)
            values = np.array([*np.nanmin(coords, axis=0), *np.nanmax(coords, axis=0)]) if len(coords) else [np.nan] * 4
    if not np.all(np.isfinite(values)):
        return None
    return tuple(float(v) for v in values)


def _swap(bounds):
    minx, miny, maxx, maxy = bounds
    return (miny, minx, maxy, maxx)


_local = threading.local()


def _to_lonlat_transformer(crs: CRS) -> Transformer:
    """A cached CRS → lon-lat transformer: building one costs ~0.2 s and inference tries dozens of CRSs.

    Cached per thread because Streamlit serves sessions from several threads.
    """
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    if crs not in cache:
        cache[crs] = Transformer.from_crs(crs, WGS84, always_xy=True)
    return cache[crs]


def _lonlat_bounds(crs: CRS, bounds) -> tuple[float, float, float, float] | None:
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic:
        if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
            return bounds
        return None
    try:
        result = _to_lonlat_transformer(crs).transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
    except (ProjError, CRSError, ValueError):  # coordinates outside the projection's domain
        return None
    return tuple(result) if all(math.isfinite(v) for v in result) else None


def _inside(box, outer, margin: float = 0.0) -> bool:
    return (box[0] >= outer[0] - margin and box[1] >= outer[1] - margin
            and box[2] <= outer[2] + margin and box[3] <= outer[3] + margin)


def _overlaps(box, outer, margin: float = 0.0) -> bool:
    return not (box[2] < outer[0] - margin or box[0] > outer[2] + margin
                or box[3] < outer[1] - margin or box[1] > outer[3] + margin)


def _lands(crs: CRS, bounds, region) -> bool:
    """Whether data with ``bounds`` in ``crs`` land in China (and overlap ``region`` when one is given)."""
    lonlat = _lonlat_bounds(crs, bounds)
    if lonlat is None or not _inside(lonlat, CHINA_LONLAT_BOX):
        return False
    return region is None or _overlaps(lonlat, region, REGION_MARGIN_DEG)


def _guesses(bounds, region) -> list[tuple[str, str]]:
    """``(code, reason)`` CRSs the number ranges allow, before checking where they land."""
    minx, miny, maxx, maxy = bounds
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        # Degrees; no projected CRS has metre values this small over a real dataset.
        return [(code, "lonlat") for code in LONLAT_CRS]
    guesses: list[tuple[str, str]] = []
    zone, zone_max = int(minx // 1_000_000), int(maxx // 1_000_000)
    if zone == zone_max and 25 <= zone <= 45:
        guesses.append((gk3_prefixed(zone), "prefix"))
    elif zone == zone_max and 13 <= zone <= 23:
        guesses.append((gk6_prefixed(zone), "prefix"))
    if 0 < minx and maxx < 1_000_000 and 0 < miny < 10_000_000:
        # Nearest central meridian to the region first: that is the zone a local surveyor would use.
        centre = (region[0] + region[2]) / 2 if region else 105.0
        for cm in sorted(range(75, 136, 3), key=lambda cm: (abs(cm - centre), cm)):
            if _near(cm, bounds, region):
                guesses.append((gk3_cm(cm), "cm"))
    guesses.append((WEB_MERCATOR, "mercator"))
    return guesses


def _near(cm: int, bounds, region) -> bool:
    """Cheap pre-check that no-prefix eastings under central meridian ``cm`` could land in the region/China.

    Spherical approximation (good to a few hundredths of a degree within a zone), so only a few of the 21
    central meridians need an exact (and, the first time, slow to build) pyproj transformer.
    """
    minx, miny, maxx, maxy = bounds
    lat = min(max(abs(miny), abs(maxy)) / 110_574.0, 80.0)
    per_degree = 111_320.0 * math.cos(math.radians(lat))
    box = (cm + (minx - 500_000) / per_degree, miny / 110_574.0, cm + (maxx - 500_000) / per_degree,
           maxy / 110_574.0)
    if region is None:
        return _inside(box, CHINA_LONLAT_BOX, 0.5)
    return _overlaps(box, region, REGION_MARGIN_DEG + 0.5)


def _infer(bounds, region) -> tuple[list[tuple[str, str]], bool, bool]:
    """Candidates, whether the axes are swapped, and whether no candidate reaches the region."""
    for check_region in ([region, None] if region is not None else [None]):
        for swapped in (False, True):
            probe = _swap(bounds) if swapped else bounds
            # Without a region, no-prefix zones are only a list to choose from: the approximate check in
            # _guesses is enough, and skipping a dozen exact transformers saves seconds on a cold start.
            found = [(c, r) for c, r in _guesses(probe, check_region)
                     if (r == "cm" and check_region is None) or _lands(CRS.from_user_input(c), probe, check_region)]
            if found:
                return found, swapped, check_region is None and region is not None
    return [], False, False


def detect_crs(data, prj_text: str | None = None, region_bounds=None, declared=None,
               explicit=None) -> CrsReport:
    """Work out the CRS of ``data`` and whether its coordinates make sense.

    Parameters
    ----------
    data
        A GeoDataFrame/GeoSeries, an array of shapely geometries, an ``(n, 2)`` coordinate array or a bounds
        tuple ``(minx, miny, maxx, maxy)``.
    prj_text
        Content of a ``.prj`` file (ESRI or OGC WKT), if there is one.
    region_bounds
        Longitude-latitude ``(minx, miny, maxx, maxy)`` of the region being worked on (e.g. Yuxi's
        ``regions`` frame's ``total_bounds``).  Narrows no-prefix Gauss-Krüger to one central meridian and
        flags data elsewhere.
    declared
        A CRS the container declares (defaults to ``data.crs`` for geo frames; ``prj_text`` wins over both).
    explicit
        The user's explicit choice; checked like a declared CRS but reported as ``explicit``.

    Returns
    -------
    CrsReport
    """
    bounds = _bounds(data)
    if prj_text and prj_text.strip():
        declared = parse_crs(prj_text)
    elif declared is None and isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        declared = data.crs
    declared_crs = CRS.from_user_input(declared) if declared is not None else None
    declared_label = crs_label(declared_crs) if declared_crs is not None else None
    region = tuple(float(v) for v in region_bounds) if region_bounds is not None else None
    given = parse_crs(explicit) if explicit is not None else declared_crs
    reason = "explicit" if explicit is not None else "declared"
    if bounds is None:
        chosen = crs_label(given) if given is not None else None
        return CrsReport((chosen,) if chosen else (), chosen, _REASONS[reason if chosen else "empty"],
                         declared=declared_label)
    if given is not None:
        label = crs_label(given)
        for swapped in (False, True):
            probe = _swap(bounds) if swapped else bounds
            if _lands(given, probe, region):
                return CrsReport((label,), label, _REASONS[reason], swapped, False, declared_label, bounds,
                                 _lonlat_bounds(given, probe))
        for swapped in (False, True):
            probe = _swap(bounds) if swapped else bounds
            if region is not None and _lands(given, probe, None):
                others = [c for c, _ in _infer(bounds, region)[0] if c != label]
                return CrsReport((label, *others), label, _REASONS[reason], swapped, True, declared_label, bounds,
                                 _lonlat_bounds(given, probe))
        found, swapped, elsewhere = _infer(bounds, region)
        return CrsReport(tuple(c for c, _ in found), None, _REASONS["mismatch"], swapped, elsewhere, declared_label,
                         bounds)
    found, swapped, elsewhere = _infer(bounds, region)
    key = _REASONS[found[0][1]] if found else _REASONS["none"]
    return CrsReport(tuple(c for c, _ in found), None, key, swapped, elsewhere, None, bounds)


def _span(low: float, high: float) -> str:
    return f"{low:.2f}–{high:.2f}"


def _swap_axes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out[gdf.geometry.name] = shapely.transform(gdf.geometry.values, lambda xy: xy[:, ::-1])
    return out


def convert(gdf: gpd.GeoDataFrame, crs=None, *, source_is_gcj02: bool = False, region_bounds=None,
            swap_axes: bool = False) -> tuple[gpd.GeoDataFrame, CrsReport, list[tuple[str, dict]]]:
    """:func:`to_lonlat` plus the report and the warnings (``(key, params)``) it produced."""
    warnings: list[tuple[str, dict]] = []
    declared = gdf.crs
    if swap_axes:
        # The user said the columns are (lat, lon) / (northing, easting): exchange before judging anything.
        gdf = _swap_axes(gdf)
    report = detect_crs(gdf, region_bounds=region_bounds, declared=declared, explicit=crs)
    if report.bounds is None:
        # Nothing to transform (all geometries null or empty): the geometry report says so.
        return gdf.set_crs(WGS84, allow_override=True), report, warnings
    candidates = ", ".join(describe(c) for c in report.candidates) or "—"
    if report.chosen is None:
        if report.declared is None:
            raise UserError("error.upload.crs_missing", candidates=candidates)
        raise UserError("error.upload.crs_mismatch", declared=describe(report.declared), candidates=candidates)
    if crs is not None and report.declared is not None and report.declared != report.chosen:
        warnings.append(("warning.upload.crs_overridden", {"declared": report.declared, "chosen": report.chosen}))
    if report.swapped_axes:
        raise UserError("error.upload.swapped_axes", crs=describe(report.chosen))
    if report.out_of_region:
        lon0, lat0, lon1, lat1 = report.lonlat_bounds
        r = [float(v) for v in region_bounds]
        others = ", ".join(describe(c) for c in report.candidates if c != report.chosen) or "—"
        raise UserError("error.upload.out_of_region", lon=_span(lon0, lon1), lat=_span(lat0, lat1),
                        region_lon=_span(r[0], r[2]), region_lat=_span(r[1], r[3]), candidates=others)
    chosen = CRS.from_user_input(report.chosen)
    if source_is_gcj02 and not chosen.is_geographic:
        raise UserError("error.upload.gcj02_needs_lonlat", crs=describe(report.chosen))
    gdf = gdf.set_crs(chosen, allow_override=True)
    if report.chosen in LONLAT_CRS:
        out = gdf.set_crs(WGS84, allow_override=True)
    else:
        out = gdf.to_crs(WGS84)
    if source_is_gcj02:
        out = out.copy()
        out[out.geometry.name] = transform_geometries(out.geometry.values, gcj02_to_wgs84)
    if region_bounds is not None:
        box = tuple(float(v) for v in region_bounds)
        parts = out.geometry.bounds.dropna()
        outside = ~((parts.maxx >= box[0] - REGION_MARGIN_DEG) & (parts.minx <= box[2] + REGION_MARGIN_DEG)
                    & (parts.maxy >= box[1] - REGION_MARGIN_DEG) & (parts.miny <= box[3] + REGION_MARGIN_DEG))
        if outside.any():
            warnings.append(("warning.upload.partly_outside_region",
                             {"count": int(outside.sum()), "total": len(parts)}))
    return out, report, warnings


def to_lonlat(gdf: gpd.GeoDataFrame, crs=None, source_is_gcj02: bool = False, region_bounds=None,
              swap_axes: bool = False) -> gpd.GeoDataFrame:
    """Reproject ``gdf`` to EPSG:4326 longitude-latitude after checking its CRS.

    Parameters
    ----------
    gdf
        Geometries as read; ``gdf.crs`` is the declared CRS (``None`` when the file declares none).
    crs
        The user's explicit CRS (overrides the declared one, with a warning).  Required when the file declares
        none: a guess is never applied silently.
    source_is_gcj02
        The lon-lat coordinates are GCJ-02 (Gaode/AMap); converted with :func:`dashboard.geo.gcj02_to_wgs84`.
    region_bounds
        Longitude-latitude bounds of the region; data entirely outside are rejected.
    swap_axes
        Exchange x and y first (for files that give latitude/northing as x).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326; the :class:`CrsReport` is in ``attrs["crs_report"]``, warnings in
        ``attrs["crs_warnings"]``.

    Raises
    ------
    UserError
        ``error.upload.crs_missing`` (with the inferred ``candidates``), ``error.upload.crs_mismatch``,
        ``error.upload.crs_unknown``, ``error.upload.swapped_axes``, ``error.upload.out_of_region`` or
        ``error.upload.gcj02_needs_lonlat``.
    """
    out, report, warnings = convert(gdf, crs, source_is_gcj02=source_is_gcj02, region_bounds=region_bounds,
                                    swap_axes=swap_axes)
    out.attrs["crs_report"] = report
    out.attrs["crs_warnings"] = warnings
    return out
