"""选址预审 (site pre-check): a proposed footprint against the three control lines, the land-use classes it
occupies, the arable balance it needs, and — for industrial projects — the stock land in parks that could take it
instead.  Pure (never imports Streamlit).

Seeds: 000 三、(二)(三) and 003 二、(一)2 (check every site against 永久基本农田, 生态保护红线 and 城镇开发边界 before
filing; industrial projects go into parks and use approved-unsupplied land and idle factories first; departments
reply within the profile's ``consultation_working_days``); DOMAIN.md §2 (the three arable indicators are balanced
separately) and §3 (regulation pools, 黔南州 rules).

Footprints come from an uploaded file (through :func:`dashboard.upload.read_upload` and its CRS doctor: a file
without a declared CRS needs the user's explicit choice; GCJ-02 is converted when the user says so), from a table
of vertex coordinates (same doctor), or from a polygon drawn on the map (GeoJSON in WGS84).  Every area is
computed in the CGCS2000 3-degree Gauss-Krüger zone of the footprint (:func:`dashboard.geo.gauss_kruger_crs`);
land-use parcels are found through the layer's spatial index, never by a loop over all parcels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from dashboard.citations import cite
from dashboard.errors import UserError
from dashboard.geo import WGS84, gauss_kruger_crs
from dashboard.indicators.arable import INDICATORS
from dashboard.indicators.common import M2_PER_MU
from dashboard.overlays import control_line_overlaps, open_idle_cases, unsupplied_approvals
from dashboard.policy import Profile
from dashboard.reference import landuse_classes
from dashboard.upload import read_upload
from dashboard.upload.crs import LONLAT_CRS, convert
from dashboard.views.arable import PoolSimulation, simulate_pools
from dashboard.workdays import add_working_days

#: The three control lines in report order: 永久基本农田, 生态保护红线, 城镇开发边界 (``control_lines.kind``).
CONTROL_KINDS = ("farmland", "eco_redline", "ubg")
UBG = "ubg"
#: 三调工作分类: first-level class 01 is 耕地 (0101 水田, 0102 水浇地, 0103 旱地); 0101 is 水田.
CULTIVATED_PREFIX = "01"
PADDY_CODE = "0101"
#: A footprint larger than this (≈100 km²) is not a project site but a mistake (a county outline, wrong units);
#: refused so that one upload cannot tie the server up.  A technical guard, not a policy number.
MAX_FOOTPRINT_MU = 150_000.0
#: Vertices a footprint may have in all (a surveyed 界址点 list has hundreds; a county outline has 10⁵).
MAX_VERTICES = 20_000
#: Areas below this (m²) are rounding noise of the overlay, not an overlap.
AREA_EPS_M2 = 0.01
#: Upload kinds that can carry a footprint.
FOOTPRINT_KINDS = ("geojson", "shapefile_zip", "kml", "gpkg", "csv", "xlsx")

# Column names of a vertex table (lower-cased, spaces removed).  In Chinese surveying X is the northing (纵坐标)
# and Y the easting (横坐标); a file that follows that convention is caught by the CRS doctor as swapped axes and
# the user ticks "swap axes" — the same path as for any other file.
_LON = ("lon", "lng", "long", "longitude", "经度", "x经度")
_LAT = ("lat", "latitude", "纬度", "y纬度")
_X = ("x", "x坐标", "easting", "east", "e", "东坐标", "横坐标", "坐标x")
_Y = ("y", "y坐标", "northing", "north", "n", "北坐标", "纵坐标", "坐标y")
_PART = ("part", "ring", "polygon", "parcel", "地块", "地块号", "地块编号", "图斑", "图斑号", "宗地号", "圈号")


# ----------------------------------------------------------------------------------------------------------
# footprints


@dataclass(frozen=True)
class Footprint:
    """A proposed site in WGS84 longitude-latitude.

    Attributes
    ----------
    geometry
        Polygon or MultiPolygon (valid, 2-D).
    source
        ``upload`` or ``draw``.
    name
        The uploaded file's name (metadata only, never a path) or empty for a drawing.
    crs
        The CRS the coordinates were read in (``EPSG:xxxx``), as the CRS doctor decided.
    warnings
        ``(message key, params)`` pairs from reading (CRS, geometry, text).
    """

    geometry: object
    source: str
    name: str = ""
    crs: str | None = None
    warnings: tuple[tuple[str, dict], ...] = ()

    @property
    def parts(self) -> int:
        """Number of polygons."""
        return len(shapely.get_parts(self.geometry))

    def to_geojson(self) -> dict:
        """The footprint as a GeoJSON geometry (for the session and the map)."""
        return shapely.geometry.mapping(self.geometry)


def footprint_geometry(geoms) -> object:
    """The union of the polygons among ``geoms`` (lon-lat), made valid and 2-D.

    Raises
    ------
    UserError
        ``site_check.error.no_polygon`` (points or lines only: a site is an area), ``site_check.error.empty``,
        ``site_check.error.too_many_vertices``.
    """
    values = np.asarray([g for g in geoms if g is not None], dtype=object)
    if len(values) == 0:
        raise UserError("site_check.error.empty")
    values = shapely.force_2d(values)
    parts = shapely.get_parts(values)
    types = shapely.get_type_id(parts)
    polygons = parts[types == 3]  # Polygon; MultiPolygons and collections were split by get_parts
    if len(polygons) == 0:
        found = sorted({shapely.get_type_id(p) for p in parts})
        names = "、".join(_TYPE_NAMES.get(int(t), str(t)) for t in found) or "—"
        raise UserError("site_check.error.no_polygon", found=names)
    if int(shapely.get_num_coordinates(polygons).sum()) > MAX_VERTICES:
        raise UserError("site_check.error.too_many_vertices", limit=MAX_VERTICES)
    merged = shapely.union_all(shapely.make_valid(polygons))
    # make_valid may leave slivers as lines; keep the areal part only.
    merged = shapely.union_all([p for p in shapely.get_parts(merged) if shapely.get_type_id(p) == 3])
    if merged is None or merged.is_empty or merged.area <= 0:
        raise UserError("site_check.error.empty")
    return merged


_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _normalise(name: str) -> str:
    return re.sub(r"[\s_（）()]+", "", str(name)).lower()


def _find_column(columns, names) -> str | None:
    wanted = {_normalise(n) for n in names}
    return next((c for c in columns if _normalise(c) in wanted), None)


def _coordinate(values: pd.Series, column: str, rows) -> np.ndarray:
    text = values.astype("string").str.strip().str.replace("，", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        i = int(np.argmax(bad))
        raise UserError("site_check.error.bad_coordinate", row=rows[i], column=column,
                        value=str(values.iloc[i])[:40])
    return numbers


def polygons_from_table(frame: pd.DataFrame, row_numbers=None) -> gpd.GeoDataFrame:
    """Polygons from a table of vertices: one row per vertex, in order, optionally grouped by a part column.

    Columns are recognised by name: ``经度/纬度`` (``lon/lat``, ``lng``…) for longitude-latitude, ``X/Y``
    (``东坐标/北坐标``, ``easting/northing``…) for projected coordinates, and a part column (``地块号``, ``part``…)
    when the table holds several polygons.  Rings are closed if the last vertex does not repeat the first.

    Returns a GeoDataFrame whose CRS is EPSG:4490 (CGCS2000 lon-lat) for ``经度/纬度`` columns — the header says
    they are degrees — and ``None`` for X/Y columns: the CRS doctor then needs the user's choice of zone.

    Raises
    ------
    UserError
        ``site_check.error.no_coordinate_columns``, ``site_check.error.bad_coordinate`` (row, column, value),
        ``site_check.error.too_few_vertices`` (part, count).
    """
    columns = [str(c) for c in frame.columns if str(c) != "geometry"]
    lon, lat = _find_column(columns, _LON), _find_column(columns, _LAT)
    declared = "EPSG:4490" if lon and lat else None
    if not declared:
        lon, lat = _find_column(columns, _X), _find_column(columns, _Y)
    if not (lon and lat):
        raise UserError("site_check.error.no_coordinate_columns", columns="、".join(columns[:12]) or "—")
    rows = list(row_numbers) if row_numbers is not None else list(range(2, len(frame) + 2))
    xs = _coordinate(frame[lon], lon, rows)
    ys = _coordinate(frame[lat], lat, rows)
    part_column = _find_column(columns, _PART)
    parts = frame[part_column].astype("string").fillna("").to_numpy() if part_column else np.full(len(frame), "")
    polygons, names = [], []
    for part in dict.fromkeys(parts):
        mask = parts == part
        ring = np.column_stack([xs[mask], ys[mask]])
        if len(ring) and not np.array_equal(ring[0], ring[-1]):
            ring = np.vstack([ring, ring[:1]])
        if len(ring) < 4:
            raise UserError("site_check.error.too_few_vertices", part=str(part) or "1", count=int(mask.sum()))
        polygons.append(shapely.Polygon(ring))
        names.append(str(part))
    return gpd.GeoDataFrame({"part": names}, geometry=polygons, crs=declared)


def read_footprint(path: str | Path, original_name: str, *, crs=None, source_is_gcj02: bool = False,
                   swap_axes: bool = False, region_bounds=None) -> Footprint:
    """Read an uploaded footprint: GeoJSON, zipped shapefile, KML, GeoPackage, or a CSV/XLSX of vertices.

    The file goes through :func:`dashboard.upload.read_upload` (size and content checks, safe archives, encoding,
    CRS doctor).  A vertex table is turned into polygons (:func:`polygons_from_table`) and then put through the
    same CRS doctor.

    Parameters
    ----------
    path, original_name
        Where the uploaded bytes are (a generated name) and the name the user gave (metadata only).
    crs
        The user's CRS choice, required when the file declares none (the doctor lists candidates).
    source_is_gcj02
        Longitude-latitude given in GCJ-02 (Gaode/AMap); converted to WGS84.
    swap_axes
        The file gives northing first (X = 北坐标 in Chinese surveying).
    region_bounds
        Lon-lat bounds of the city: a footprint elsewhere is refused.

    Raises
    ------
    UserError
        Any ``error.upload.*`` key of the reader and the doctor, or a ``site_check.error.*`` key.
    """
    upload = read_upload(path, original_name=original_name, crs=crs, source_is_gcj02=source_is_gcj02,
                         swap_axes=swap_axes, region_bounds=region_bounds)
    if upload.kind not in FOOTPRINT_KINDS:
        raise UserError("site_check.error.kind", kind=upload.kind)
    warnings = list(upload.warnings)
    frame = upload.frame
    if isinstance(frame, gpd.GeoDataFrame):
        used = upload.crs_report.chosen if upload.crs_report else None
    else:
        polygons = polygons_from_table(frame, upload.row_numbers)
        frame, report, crs_warnings = convert(polygons, crs, source_is_gcj02=source_is_gcj02,
                                              region_bounds=region_bounds, swap_axes=swap_axes)
        warnings += crs_warnings
        used = report.chosen
    geometry = footprint_geometry(frame.geometry.values)
    check_size(geometry)
    return Footprint(geometry, "upload", original_name, used, tuple(warnings))


def footprint_from_drawing(features) -> Footprint:
    """A footprint from the map's drawings (GeoJSON features or geometries in WGS84 lon-lat).

    Raises
    ------
    UserError
        ``site_check.error.no_polygon`` when only markers or lines were drawn, ``site_check.error.empty``.
    """
    geoms = []
    for feature in features or []:
        geometry = feature.get("geometry", feature) if isinstance(feature, dict) else None
        if not geometry:
            continue
        try:
            geoms.append(shape(geometry))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise UserError("site_check.error.bad_drawing") from exc
    geometry = footprint_geometry(geoms)
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise UserError("site_check.error.bad_drawing")
    check_size(geometry)
    return Footprint(geometry, "draw", "", LONLAT_CRS[1])


def footprint_from_geojson(obj: dict, source: str = "upload", name: str = "") -> Footprint:
    """A footprint rebuilt from :meth:`Footprint.to_geojson` (the session keeps the geometry as GeoJSON)."""
    return Footprint(footprint_geometry([shape(obj)]), source, name, LONLAT_CRS[1])


def projected_area_m2(geometry) -> float:
    """Area (m²) of a lon-lat geometry in its local Gauss-Krüger zone."""
    crs = gauss_kruger_crs(geometry.centroid.x)
    return float(gpd.GeoSeries([geometry], crs=WGS84).to_crs(crs).area.iloc[0])


def check_size(geometry) -> None:
    """Refuse a footprint above :data:`MAX_FOOTPRINT_MU` (``site_check.error.too_large``)."""
    mu = projected_area_m2(geometry) / M2_PER_MU
    if mu > MAX_FOOTPRINT_MU:
        raise UserError("site_check.error.too_large", mu=f"{mu:,.0f}", limit=f"{MAX_FOOTPRINT_MU:,.0f}")


def county_of(geometry, regions: pd.DataFrame) -> str | None:
    """The county (``regions.code``) holding most of ``geometry``, or ``None`` when it lies in none."""
    counties = regions[regions["level"].astype(str) == "county"]
    if counties.empty:
        return None
    shares = shapely.area(shapely.intersection(counties.geometry.values, geometry))
    best = int(np.argmax(shares))
    return str(counties["code"].iloc[best]) if shares[best] > 0 else None


# ----------------------------------------------------------------------------------------------------------
# the check


@dataclass(frozen=True)
class SiteLayers:
    """What a check reads: the current datasets and indicator tables (shared, read-only).

    ``landuse`` must be a GeoDataFrame (its spatial index is used); ``balance`` is the ``arable_balance``
    indicator; ``unsupplied`` and ``idle_cases`` the ``unsupplied_approvals`` and ``idle_cases`` indicators;
    ``pool_ledger`` the ``pool_ledger`` indicator computed with the pool profile and ``pool_prices`` its
    :func:`dashboard.views.arable.simulator_prices`.  Any of them may be ``None`` (that part of the check is
    then skipped and the check says so).
    """

    control_lines: pd.DataFrame | None = None
    landuse: gpd.GeoDataFrame | None = None
    balance: pd.DataFrame | None = None
    parks: pd.DataFrame | None = None
    approvals: pd.DataFrame | None = None
    unsupplied: pd.DataFrame | None = None
    idle_land: pd.DataFrame | None = None
    idle_cases: pd.DataFrame | None = None
    pool_ledger: pd.DataFrame | None = None
    pool_prices: dict = field(default_factory=dict)
    quotas: pd.DataFrame | None = None


@dataclass(frozen=True)
class Project:
    """The project being checked."""

    name: str
    county: str
    industrial: bool
    level: str
    submitted: date


@dataclass(frozen=True)
class SiteCheck:
    """The result of :func:`check_site`.

    Attributes
    ----------
    project, footprint
        What was checked.
    crs
        The Gauss-Krüger CRS the areas were computed in.
    area_m2, area_mu
        Footprint area.
    overlaps
        One row per control line kind (:data:`CONTROL_KINDS`, zeros kept): ``kind, lines, overlap_m2,
        overlap_mu, share_pct`` (share of the footprint).
    ubg_status
        ``inside``, ``partly`` or ``outside`` the urban development boundary.
    classes
        Land-use classes occupied, largest first: ``dlbm, dlmc, group_zh, group_en, area_m2, area_mu,
        share_pct``; the part of the footprint no parcel covers is a row with ``dlbm`` ``""``.
    need
        One row per arable indicator (``cultivated``, ``paddy``, ``grain``): ``indicator, unit, need, balance,
        available, covered, gap`` — the need from the classes occupied, the county's balance before the project,
        what of it is usable (a negative balance gives nothing) and what is left to find.
    pools
        The regulation-pool simulation for the gaps (``None`` when the county covers everything).
    candidates
        Industrial projects: approved-unsupplied and idle parcels in parks with enough area, best first
        (:func:`rank_candidates`); empty otherwise.
    due_date, consultation_days, consultation_source
        Department replies are due on the ``consultation_days``-th working day after ``project.submitted``.
    grain_yield, grain_yield_source
        The profile's grain capacity per mu used for the 粮食产能 need, and its clause.
    skipped
        Parts that could not be computed because a dataset is missing (dataset names).
    """

    project: Project
    footprint: Footprint
    crs: str
    area_m2: float
    area_mu: float
    overlaps: pd.DataFrame
    ubg_status: str
    classes: pd.DataFrame
    need: pd.DataFrame
    pools: PoolSimulation | None
    candidates: gpd.GeoDataFrame
    due_date: date | None
    consultation_days: int
    consultation_source: str
    grain_yield: float
    grain_yield_source: str
    skipped: tuple[str, ...] = ()

    @property
    def overlaps_protected(self) -> bool:
        """Whether the site touches 永久基本农田 or 生态保护红线 (both need an avoidance argument)."""
        protected = self.overlaps[self.overlaps["kind"].isin(["farmland", "eco_redline"])]
        return bool((protected["overlap_m2"] > AREA_EPS_M2).any())

    @property
    def covered(self) -> bool:
        """Whether the county's own reserve covers all three arable indicators."""
        return bool(self.need["covered"].all()) if len(self.need) else True


def _project(geometry, crs: str):
    return gpd.GeoSeries([geometry], crs=WGS84).to_crs(crs).iloc[0]


def line_overlaps(geometry, lines: pd.DataFrame | None, area_m2: float) -> pd.DataFrame:
    """:func:`dashboard.overlays.control_line_overlaps` with a row for every kind (zeros where none)."""
    found = control_line_overlaps(geometry, lines if lines is not None else pd.DataFrame())
    found = found.set_index("kind") if len(found) else pd.DataFrame(columns=["lines", "overlap_m2", "overlap_mu",
                                                                                 "share_pct"])
    rows = []
    for kind in CONTROL_KINDS:
        if kind in found.index:
            row = found.loc[kind]
            rows.append({"kind": kind, "lines": str(row["lines"]), "overlap_m2": float(row["overlap_m2"]),
                         "overlap_mu": float(row["overlap_mu"]), "share_pct": float(row["share_pct"])})
        else:
            rows.append({"kind": kind, "lines": "", "overlap_m2": 0.0, "overlap_mu": 0.0, "share_pct": 0.0})
    return pd.DataFrame(rows)


def ubg_status(overlaps: pd.DataFrame, area_m2: float) -> str:
    """``inside`` / ``partly`` / ``outside`` the urban development boundary, from the ``ubg`` overlap.

    Within :data:`AREA_EPS_M2` of all or nothing counts as all or nothing (overlay rounding).
    """
    inside = float(overlaps.loc[overlaps["kind"] == UBG, "overlap_m2"].sum())
    if inside <= AREA_EPS_M2:
        return "outside"
    if area_m2 - inside <= AREA_EPS_M2:
        return "inside"
    return "partly"


def occupied_classes(geometry, landuse: gpd.GeoDataFrame | None, crs: str, area_m2: float) -> pd.DataFrame:
    """Land-use classes inside ``geometry``: the parcels found through the layer's spatial index, intersected
    in the Gauss-Krüger ``crs``, summed by class code.  The footprint's part that no parcel covers is a row
    with an empty ``dlbm``."""
    columns = ["dlbm", "dlmc", "group_zh", "group_en", "area_m2", "area_mu", "share_pct"]
    if landuse is None or landuse.empty:
        return pd.DataFrame(columns=columns)
    hits = landuse.sindex.query(geometry, predicate="intersects")
    shape_gk = _project(geometry, crs)
    sums = pd.Series(dtype=float)
    if len(hits):
        parcels = landuse.iloc[np.sort(hits)]
        projected = gpd.GeoSeries(parcels.geometry.values, crs=WGS84).to_crs(crs).values
        areas = shapely.area(shapely.intersection(projected, shape_gk))
        sums = pd.Series(areas, index=parcels["dlbm"].astype(str).to_numpy()).groupby(level=0).sum()
        sums = sums[sums > AREA_EPS_M2]
    reference = landuse_classes().set_index("dlbm")
    rows = []
    for code, area in sums.sort_values(ascending=False).items():
        known = code in reference.index
        rows.append({"dlbm": code, "dlmc": reference.at[code, "dlmc"] if known else "",
                     "group_zh": reference.at[code, "group_zh"] if known else "",
                     "group_en": reference.at[code, "group_en"] if known else "", "area_m2": float(area)})
    uncovered = area_m2 - float(sums.sum())
    if uncovered > max(AREA_EPS_M2, 1e-6 * area_m2):
        rows.append({"dlbm": "", "dlmc": "", "group_zh": "", "group_en": "", "area_m2": uncovered})
    out = pd.DataFrame(rows, columns=columns)
    out["area_mu"] = out["area_m2"].astype(float) / M2_PER_MU
    out["share_pct"] = 100.0 * out["area_m2"].astype(float) / area_m2 if area_m2 else np.nan
    return out


def arable_need(classes: pd.DataFrame, balance: pd.DataFrame | None, county: str, profile: Profile) -> pd.DataFrame:
    """The arable balance the site needs on the three indicators, against the county's reserve.

    Formula: 数量 = area of 三调 classes ``01xx`` (亩); 水田 = area of class ``0101`` (亩); 粮食产能 = 数量 ×
    the profile's ``grain_yield_kg_per_mu`` (公斤).  ``available = max(balance, 0)`` of the county in the
    ``arable_balance`` indicator; ``gap = max(need − available, 0)``; ``covered = gap == 0``.

    Source: DOMAIN.md §2 (占一补一, three indicators balanced separately); the yield's clause is in the profile.
    """
    codes = classes["dlbm"].astype(str)
    cultivated = float(classes.loc[codes.str.startswith(CULTIVATED_PREFIX), "area_mu"].sum())
    paddy = float(classes.loc[codes == PADDY_CODE, "area_mu"].sum())
    need = {"cultivated": cultivated, "paddy": paddy, "grain": cultivated * float(profile["grain_yield_kg_per_mu"])}
    rows = []
    for ind, (_, unit) in INDICATORS.items():
        held = np.nan
        if balance is not None and len(balance):
            match = balance[(balance["region_code"].astype(str) == str(county)) & (balance["indicator"] == ind)]
            held = float(match["balance"].iloc[0]) if len(match) else np.nan
        available = max(held, 0.0) if not math.isnan(held) else 0.0
        gap = max(need[ind] - available, 0.0)
        rows.append({"indicator": ind, "unit": unit, "need": need[ind], "balance": held, "available": available,
                     "covered": gap <= 1e-9, "gap": gap})
    return pd.DataFrame(rows)


def pool_draw(need: pd.DataFrame, county: str, level: str, layers: SiteLayers, pool_profile: Profile,
              year: int) -> PoolSimulation | None:
    """What the regulation pools would supply for the gaps, and at what price, with the pool profile's rules
    (:func:`dashboard.views.arable.simulate_pools`, as the pool simulator of the 耕地 page runs it)."""
    gaps = {INDICATORS[row.indicator][0]: float(row.gap) for row in need.itertuples() if row.gap > 1e-9}
    if not gaps or layers.pool_ledger is None:
        return None
    return simulate_pools(layers.pool_ledger, county, gaps, layers.pool_prices, pool_profile,
                          quotas=layers.quotas, year=year, project_level=level)


def stock_candidates(layers: SiteLayers) -> gpd.GeoDataFrame:
    """Approved-unsupplied land (by approval, the unsupplied 亩) and open idle cases, with geometry.

    Returns ``kind`` (``unsupplied``/``idle``), ``candidate_id``, ``county_code``, ``available_mu``, geometry.
    """
    frames = []
    if layers.approvals is not None and layers.unsupplied is not None:
        unsupplied = unsupplied_approvals(layers.approvals, layers.unsupplied)
        frames.append(gpd.GeoDataFrame({
            "kind": "unsupplied", "candidate_id": unsupplied["approval_id"].astype(str).to_numpy(),
            "county_code": unsupplied["region_code"].astype(str).to_numpy(),
            "available_mu": unsupplied["unsupplied_mu"].astype(float).to_numpy(),
        }, geometry=unsupplied.geometry.values, crs=WGS84))
    if layers.idle_land is not None and layers.idle_cases is not None:
        idle = open_idle_cases(layers.idle_land, layers.idle_cases)
        frames.append(gpd.GeoDataFrame({
            "kind": "idle", "candidate_id": idle["case_id"].astype(str).to_numpy(),
            "county_code": idle["region_code"].astype(str).to_numpy(),
            "available_mu": idle["area_mu"].astype(float).to_numpy(),
        }, geometry=idle.geometry.values, crs=WGS84))
    if not frames:
        return gpd.GeoDataFrame({"kind": [], "candidate_id": [], "county_code": [], "available_mu": []},
                                geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)


def rank_candidates(geometry, need_mu: float, stock: gpd.GeoDataFrame, parks: pd.DataFrame | None,
                    county: str | None, crs: str) -> gpd.GeoDataFrame:
    """Stock parcels inside a park with at least ``need_mu`` 亩 available, best first.

    A parcel is "in a park" when it intersects a park polygon (the park with the largest overlap is named).
    ``fit_pct`` = (available − need) ÷ need × 100 (the land left over; 0 is a perfect fit) and ``distance_m`` is
    the shortest distance from the footprint in the Gauss-Krüger ``crs`` (0 when they touch).  The rank is the
    mean of the rank by fit and the rank by distance (both count equally), ties broken by distance then id.

    Source: seed 000 (工业项目入园, 优先使用批而未供和闲置土地); DOMAIN.md §6.
    """
    columns = ["rank", "kind", "candidate_id", "park_id", "park_name", "county_code", "available_mu",
               "fit_pct", "distance_m"]
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    if parks is None or parks.empty or stock.empty or need_mu <= 0:
        return empty
    pool = stock[stock["available_mu"] >= need_mu - 1e-9]
    if county is not None:
        pool = pool[pool["county_code"] == str(county)]
    if pool.empty:
        return empty
    park_frame = gpd.GeoDataFrame(parks[["park_id", "name"]].reset_index(drop=True),
                                  geometry=gpd.GeoSeries(parks.geometry.values, crs=WGS84))
    pairs = park_frame.sindex.query(pool.geometry.values, predicate="intersects")
    if pairs.shape[1] == 0:
        return empty
    overlap = shapely.area(shapely.intersection(pool.geometry.values[pairs[0]], park_frame.geometry.values[pairs[1]]))
    best = pd.DataFrame({"row": pairs[0], "park": pairs[1], "overlap": overlap})
    best = best.sort_values(["row", "overlap"], ascending=[True, False]).drop_duplicates("row")
    chosen = pool.iloc[best["row"].to_numpy()].reset_index(drop=True)
    chosen["park_id"] = park_frame["park_id"].astype(str).to_numpy()[best["park"].to_numpy()]
    chosen["park_name"] = park_frame["name"].astype(str).to_numpy()[best["park"].to_numpy()]
    site = _project(geometry, crs)
    projected = gpd.GeoSeries(chosen.geometry.values, crs=WGS84).to_crs(crs).values
    chosen["distance_m"] = shapely.distance(projected, site)
    chosen["fit_pct"] = 100.0 * (chosen["available_mu"] - need_mu) / need_mu
    score = (chosen["fit_pct"].rank(method="min") + chosen["distance_m"].rank(method="min")) / 2
    chosen = chosen.assign(_score=score).sort_values(["_score", "distance_m", "candidate_id"]).reset_index(drop=True)
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    return gpd.GeoDataFrame(chosen[[*columns, "geometry"]], geometry="geometry", crs=WGS84)


def check_site(footprint: Footprint, project: Project, layers: SiteLayers, profile: Profile,
               pool_profile: Profile) -> SiteCheck:
    """Pre-check ``footprint`` for ``project`` against the current data.

    Parameters
    ----------
    footprint
        The site (:func:`read_footprint`, :func:`footprint_from_drawing`).
    project
        Name, county (whose reserve and parks count), industrial or not, level, date the consultation is sent.
    layers
        The datasets and indicator tables (:class:`SiteLayers`).
    profile
        The session's policy profile: grain capacity per mu and the consultation window.
    pool_profile
        The profile whose regulation-pool rules apply (黔南州, seed 003 附件3).

    Returns
    -------
    SiteCheck

    Raises
    ------
    UserError
        ``error.calendar_out_of_range`` when the due date is beyond the working-day calendar.
    """
    geometry = footprint.geometry
    crs = gauss_kruger_crs(geometry.centroid.x)
    area_m2 = float(_project(geometry, crs).area)
    skipped = [name for name, value in (("control_lines", layers.control_lines), ("landuse", layers.landuse),
                                        ("arable_ledger", layers.balance)) if value is None]
    overlaps = line_overlaps(geometry, layers.control_lines, area_m2)
    classes = occupied_classes(geometry, layers.landuse, crs, area_m2)
    need = arable_need(classes, layers.balance, project.county, profile)
    pools = pool_draw(need, project.county, project.level, layers, pool_profile, project.submitted.year)
    area_mu = area_m2 / M2_PER_MU
    if project.industrial:
        if layers.parks is None:
            skipped.append("parks")
        candidates = rank_candidates(geometry, area_mu, stock_candidates(layers), layers.parks, project.county, crs)
    else:
        candidates = rank_candidates(geometry, 0.0, stock_candidates(SiteLayers()), None, None, crs)
    days = profile.param("consultation_working_days")
    grain = profile.param("grain_yield_kg_per_mu")
    return SiteCheck(
        project=project, footprint=footprint, crs=crs, area_m2=area_m2, area_mu=area_mu, overlaps=overlaps,
        ubg_status=ubg_status(overlaps, area_m2), classes=classes, need=need, pools=pools, candidates=candidates,
        due_date=add_working_days(project.submitted, int(days.value)), consultation_days=int(days.value),
        consultation_source=cite(days.source), grain_yield=float(grain.value), grain_yield_source=cite(grain.source),
        skipped=tuple(skipped),
    )
