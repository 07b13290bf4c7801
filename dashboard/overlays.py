"""The map's small layers and its "what is this?" answers: control lines, parks, approved-but-unsupplied and idle
land as inline features, and the detail of a clicked parcel.  Pure (never imports Streamlit).

Inline layers are small (tens to hundreds of polygons), drawn as compact GeoJSON by :mod:`dashboard.maps`.  Every
feature carries the tooltip properties ``name`` and ``id`` plus its colours; names come from data and are shown as
text, never as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from dashboard.geo import WGS84, gauss_kruger_crs
from dashboard.i18n import t
from dashboard.indicators.common import M2_PER_MU
from dashboard.maps import feature_collection
from dashboard.reference import landuse_classes

#: Outline colours of the three control lines (RGBA): farmland gold, ecological red line green, urban boundary red.
CONTROL_LINE_COLOURS = {
    "farmland": [214, 160, 0, 255],
    "eco_redline": [0, 128, 64, 255],
    "ubg": [200, 30, 30, 255],
}
PARK_LINE = [70, 40, 160, 255]
PARK_FILL = [70, 40, 160, 30]
UNSUPPLIED_FILL = [255, 140, 0, 150]
UNSUPPLIED_LINE = [180, 80, 0, 255]
IDLE_FILL = [120, 0, 160, 150]
IDLE_LINE = [80, 0, 110, 255]
#: The inline overlays, drawn in this order (later on top).
OVERLAYS = ("control_lines", "parks", "unsupplied", "idle")


def _rgba(colour, alpha: int) -> list[int]:
    return [*colour[:3], alpha]


def control_line_features(lines: pd.DataFrame, lang: str = "zh", datum: str = "wgs84") -> dict:
    """Control-line polygons, outlined in the colour of their kind and lightly filled."""
    props = [
        {
            "id": str(line_id),
            "name": t(f"maps.kind.{kind}", lang),
            "kind": kind,
            "line": CONTROL_LINE_COLOURS.get(kind, [90, 90, 90, 255]),
            "fill": _rgba(CONTROL_LINE_COLOURS.get(kind, [90, 90, 90]), 25),
            "width": 2,
        }
        for line_id, kind in zip(lines["line_id"], lines["kind"], strict=True)
    ]
    return feature_collection(lines.geometry.values, props, datum)


def park_features(parks: pd.DataFrame, datum: str = "wgs84") -> dict:
    """Park boundaries with the park's name and id."""
    props = [
        {"id": str(park_id), "name": str(name), "line": PARK_LINE, "fill": PARK_FILL, "width": 2.5}
        for park_id, name in zip(parks["park_id"], parks["name"], strict=True)
    ]
    return feature_collection(parks.geometry.values, props, datum)


def unsupplied_approvals(approvals: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    """The approvals with land still unsupplied, with their geometry, from the per-approval stock table.

    ``stock`` is the ``unsupplied_approvals`` indicator (``approval_id, approved_mu, supplied_mu,
    unsupplied_mu``…); approvals without geometry are left out (they cannot be drawn).
    """
    shapes = approvals[["approval_id", "geometry"]]
    merged = stock[stock["unsupplied_mu"] > 0].merge(shapes, on="approval_id", how="inner")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=WGS84)


def unsupplied_features(parcels: gpd.GeoDataFrame, lang: str = "zh", datum: str = "wgs84") -> dict:
    """Approved-unsupplied parcels (from :func:`unsupplied_approvals`), named by their unsupplied area."""
    props = [
        {
            "id": str(approval_id),
            "name": t("maps.unsupplied_tip", lang, mu=f"{mu:,.2f}"),
            "line": UNSUPPLIED_LINE,
            "fill": UNSUPPLIED_FILL,
            "width": 1.5,
        }
        for approval_id, mu in zip(parcels["approval_id"], parcels["unsupplied_mu"], strict=True)
    ]
    return feature_collection(parcels.geometry.values, props, datum)


def open_idle_cases(idle_land: pd.DataFrame, cases: pd.DataFrame) -> gpd.GeoDataFrame:
    """Idle-land cases not yet disposed, with geometry, from the ``idle_cases`` indicator table."""
    open_cases = cases[~cases["disposed"].astype(bool)]
    merged = open_cases.merge(idle_land[["case_id", "geometry"]], on="case_id", how="inner")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=WGS84)


def idle_features(cases: gpd.GeoDataFrame, lang: str = "zh", datum: str = "wgs84") -> dict:
    """Open idle-land cases (from :func:`open_idle_cases`), named by area and overdue days."""
    props = [
        {
            "id": str(case_id),
            "name": t("maps.idle_tip", lang, mu=f"{mu:,.2f}", days=int(days)),
            "line": IDLE_LINE,
            "fill": IDLE_FILL,
            "width": 1.5,
        }
        for case_id, mu, days in zip(cases["case_id"], cases["area_mu"], cases["overdue_days"], strict=True)
    ]
    return feature_collection(cases.geometry.values, props, datum)


@dataclass(frozen=True)
class ParcelDetail:
    """What the detail panel shows for one 三调 parcel.

    ``area_m2`` is the surveyed area (图斑面积) from the data; ``overlaps`` has one row per control-line kind the
    parcel touches: ``kind, lines, overlap_m2, overlap_mu, share_pct`` (share of the parcel's mapped area).
    """

    parcel_id: str
    dlbm: str
    dlmc: str
    group_zh: str
    group_en: str
    county_code: str
    area_m2: float
    area_mu: float
    bounds: tuple[float, float, float, float]
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)


def find_parcel(landuse: pd.DataFrame, parcel_id: str) -> pd.Series | None:
    """The land-use row with ``parcel_id`` (text comparison), or ``None``."""
    match = landuse[landuse["parcel_id"].astype("string") == str(parcel_id)]
    return None if match.empty else match.iloc[0]


def control_line_overlaps(geometry, lines: pd.DataFrame) -> pd.DataFrame:
    """Area of ``geometry`` (lon-lat) inside each kind of control line, in the local Gauss-Krüger projection.

    Overlapping polygons of one kind are dissolved first, so no area counts twice.  Returns ``kind, lines,
    overlap_m2, overlap_mu, share_pct`` for the kinds with a positive overlap.
    """
    columns = ["kind", "lines", "overlap_m2", "overlap_mu", "share_pct"]
    if geometry is None or geometry.is_empty or lines.empty:
        return pd.DataFrame(columns=columns)
    candidates = lines[shapely.intersects(lines.geometry.values, geometry)]
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    crs = gauss_kruger_crs(geometry.centroid.x)
    shape = gpd.GeoSeries([geometry], crs=WGS84).to_crs(crs).iloc[0]
    projected = gpd.GeoDataFrame(candidates, geometry="geometry", crs=WGS84).to_crs(crs)
    rows = []
    for kind, group in projected.groupby("kind", sort=False):
        overlap = shapely.intersection(shapely.union_all(group.geometry.values), shape).area
        if overlap > 0:
            rows.append(
                {
                    "kind": kind,
                    "lines": "、".join(str(v) for v in group["line_id"]),
                    "overlap_m2": overlap,
                    "overlap_mu": overlap / M2_PER_MU,
                    "share_pct": 100.0 * overlap / shape.area if shape.area else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def parcel_detail(landuse: pd.DataFrame, parcel_id: str, lines: pd.DataFrame | None = None) -> ParcelDetail | None:
    """The detail of parcel ``parcel_id``: class, group, surveyed area in m² and 亩, county, control-line overlaps.

    Returns ``None`` when no parcel has that id (e.g. a stale link after a new version was published).
    """
    row = find_parcel(landuse, parcel_id)
    if row is None:
        return None
    classes = landuse_classes().set_index("dlbm")
    code = str(row["dlbm"])
    known = code in classes.index
    name = row.get("dlmc")
    if name is None or pd.isna(name) or not str(name):
        name = classes.at[code, "dlmc"] if known else ""
    area_m2 = float(row["area_m2"])
    geometry = row["geometry"]
    return ParcelDetail(
        parcel_id=str(row["parcel_id"]),
        dlbm=code,
        dlmc=str(name),
        group_zh=classes.at[code, "group_zh"] if known else "",
        group_en=classes.at[code, "group_en"] if known else "",
        county_code=str(row["county_code"]),
        area_m2=area_m2,
        area_mu=area_m2 / M2_PER_MU,
        bounds=tuple(float(v) for v in geometry.bounds),
        overlaps=control_line_overlaps(geometry, lines if lines is not None else pd.DataFrame()),
    )
