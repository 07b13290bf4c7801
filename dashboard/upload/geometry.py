"""Geometry doctor: report null, empty, invalid and mixed-type geometries; repair only when asked.

Invalid polygons (self-intersecting "bow-ties", rings that touch themselves) are common in hand-digitised
parcels.  Overlays and areas on them are wrong or fail, but a silent repair changes areas too, so inspection
and repair are separate calls and the repair returns each repaired row's area before and after, computed in
the local Gauss-Krüger projection as the data contracts ask.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.geo import WGS84, gauss_kruger_crs

#: Geometry type → family; Polygon and MultiPolygon in one layer are normal, Polygon and LineString are not.
FAMILIES = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "LinearRing": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
    "GeometryCollection": "collection",
}


@dataclass(frozen=True)
class GeometryReport:
    """Counts of geometry problems and the first problem rows.

    Attributes
    ----------
    total
        Number of rows.
    null_count, empty_count, invalid_count
        Rows with no geometry, an empty geometry, an invalid geometry.
    types
        Geometry type → count (null and empty rows excluded).
    mixed_types
        More than one family (point / line / polygon / collection) in one layer.
    rows
        The first problem rows: ``row`` (source row number), ``issue`` (``null``/``empty``/``invalid``) and
        ``reason`` (:func:`shapely.is_valid_reason`, e.g. ``Self-intersection[102.5 24.3]``).
    """

    total: int
    null_count: int
    empty_count: int
    invalid_count: int
    types: dict[str, int]
    mixed_types: bool
    rows: pd.DataFrame

    @property
    def ok(self) -> bool:
        return not (self.null_count or self.empty_count or self.invalid_count or self.mixed_types)

    def warnings(self) -> list[tuple[str, dict]]:
        """``(key, params)`` warnings for the upload summary."""
        found: list[tuple[str, dict]] = []
        if self.invalid_count:
            first = self.rows[self.rows.issue == "invalid"].iloc[0]
            found.append(("warning.upload.invalid_geometries",
                          {"count": self.invalid_count, "row": int(first.row), "reason": first.reason}))
        if self.null_count:
            found.append(("warning.upload.null_geometries", {"count": self.null_count}))
        if self.empty_count:
            found.append(("warning.upload.empty_geometries", {"count": self.empty_count}))
        if self.mixed_types:
            found.append(("warning.upload.mixed_geometry_types",
                          {"types": ", ".join(f"{t} ({n})" for t, n in self.types.items())}))
        return found


def _row_numbers(gdf, row_numbers) -> np.ndarray:
    return np.asarray(row_numbers) if row_numbers is not None else np.arange(1, len(gdf) + 1)


def inspect_geometry(gdf: gpd.GeoDataFrame, max_rows: int = 20, row_numbers=None) -> GeometryReport:
    """Check every geometry of ``gdf`` without changing anything.

    Parameters
    ----------
    gdf
        The frame to check.
    max_rows
        How many problem rows to list in ``rows`` (counts are always complete).
    row_numbers
        Source row number of each row (feature 1, 2, … when ``None``).

    Returns
    -------
    GeometryReport
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    numbers = _row_numbers(gdf, row_numbers)
    null = shapely.is_missing(geoms)
    empty = ~null & shapely.is_empty(geoms)
    present = ~null & ~empty
    valid = shapely.is_valid(geoms)
    invalid = present & ~valid
    types = pd.Series(shapely.get_type_id(geoms[present])).map(
        dict(enumerate(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                        "MultiPolygon", "GeometryCollection"]))
    ).value_counts().to_dict()
    families = {FAMILIES[t] for t in types}
    problems = np.flatnonzero(null | empty | invalid)[:max_rows]
    rows = pd.DataFrame(
        {
            "row": numbers[problems].astype(int),
            "issue": np.where(null[problems], "null", np.where(empty[problems], "empty", "invalid")),
            "reason": [shapely.is_valid_reason(g) if invalid[i] else "" for i, g in zip(problems, geoms[problems])],
        }
    )
    return GeometryReport(
        total=len(geoms),
        null_count=int(null.sum()),
        empty_count=int(empty.sum()),
        invalid_count=int(invalid.sum()),
        types={str(k): int(v) for k, v in types.items()},
        mixed_types=len(families) > 1,
        rows=rows,
    )


def _same_family(fixed, original):
    """Keep only the parts of ``fixed`` of the original's dimension (make_valid may add stray lines/points)."""
    family = FAMILIES.get(original.geom_type)
    if family not in ("polygon", "line", "point") or FAMILIES.get(fixed.geom_type) == family:
        return fixed
    parts = [p for p in shapely.get_parts(fixed) if FAMILIES.get(p.geom_type) == family]
    if not parts:
        return fixed
    if family == "polygon":
        return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
    if family == "line":
        return shapely.multilinestrings(parts) if len(parts) > 1 else parts[0]
    return shapely.multipoints(parts) if len(parts) > 1 else parts[0]


def repair_geometry(gdf: gpd.GeoDataFrame, row_numbers=None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Repair invalid geometries with :func:`shapely.make_valid` (only the invalid rows change).

    Parameters
    ----------
    gdf
        A frame with a CRS (normally the EPSG:4326 frame of an upload).
    row_numbers
        Source row number of each row, for the table.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The repaired copy, and one row per repaired geometry: ``row``, ``reason`` (why it was invalid),
        ``type_before``, ``type_after``, ``area_before_m2``, ``area_after_m2`` and ``area_change_m2``, areas in
        the local CGCS2000 3-degree Gauss-Krüger projection.  A bow-tie's "area before" is what a naive area
        computation reports (its two lobes cancel), which is exactly why the repair matters.

    Raises
    ------
    ValueError
        If ``gdf`` has no CRS (areas in m² would be meaningless).
    """
    if gdf.crs is None:
        raise ValueError("repair_geometry needs a frame with a CRS")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    numbers = _row_numbers(gdf, row_numbers)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    invalid = np.flatnonzero(present & ~shapely.is_valid(geoms))
    out = gdf.copy()
    columns = ["row", "reason", "type_before", "type_after", "area_before_m2", "area_after_m2", "area_change_m2"]
    if not len(invalid):
        return out, pd.DataFrame(columns=columns)
    before = geoms[invalid]
    fixed = np.array([_same_family(f, g) for f, g in zip(shapely.make_valid(before), before)], dtype=object)
    repaired = geoms.copy()
    repaired[invalid] = fixed
    out[out.geometry.name] = gpd.GeoSeries(repaired, index=out.index, crs=gdf.crs)

    lonlat = gpd.GeoSeries(list(before) + list(fixed), crs=gdf.crs).to_crs(WGS84)
    minx, _, maxx, _ = lonlat.total_bounds
    local = lonlat.to_crs(gauss_kruger_crs((minx + maxx) / 2)).area.to_numpy()
    area_before, area_after = local[: len(invalid)], local[len(invalid):]
    table = pd.DataFrame(
        {
            "row": numbers[invalid].astype(int),
            "reason": [shapely.is_valid_reason(g) for g in before],
            "type_before": [g.geom_type for g in before],
            "type_after": [g.geom_type for g in fixed],
            "area_before_m2": area_before,
            "area_after_m2": area_after,
            "area_change_m2": area_after - area_before,
        },
        columns=columns,
    )
    return out, table
