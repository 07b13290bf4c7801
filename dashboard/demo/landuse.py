"""Demo ``landuse`` (三调 parcels), ``parks`` (development zones) and ``control_lines`` (三区三线) for 玉溪市.

Everything here is synthetic but calibrated to the published figures in DOMAIN.md (seed 000):

* the city totals of the nine 三调 summary groups equal the published structure to the square metre (the misprinted
  其他土地 row is replaced by the remainder of the total, see ``data/reference/yuxi_landuse_published.csv``);
* the county split follows the published "n counties hold x% of group g" statements;
* the five development zones plan 18947.08 ha, of which 8496.88 ha (44.85%) lie inside the urban development
  boundary.

Geography is fixed (county seats, the three plateau lakes, the 元江 river, the main expressways and railways); the
randomness only shapes parcels, class patches and park outlines, so two builds with equal generators are equal.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from dashboard.geo import WGS84, gauss_kruger_crs

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
CLASSES_CSV = REFERENCE_DIR / "landuse_classes.csv"
PUBLISHED_CSV = REFERENCE_DIR / "yuxi_landuse_published.csv"

#: Local CGCS2000 3-degree Gauss-Krüger projection (central meridian 102°E, EPSG:4543) used for every area.
GK_CRS = gauss_kruger_crs(102.5)

#: About 55,000 parcels once roads and rivers have split the Voronoi cells.
N_SEEDS = 51_500
#: Coordinates are stored on a 1e-6 degree grid (about 0.1 m): enough for parcels, and it keeps files small.
GRID = 1e-6

GROUPS = ("耕地", "园地", "林地", "草地", "湿地", "城镇村及工矿用地", "交通运输用地", "水域及水利设施用地", "其他土地")
OTHER_GROUP = "其他土地"

# ---------------------------------------------------------------------------------------------------------------
# Fixed geography (WGS84 lon/lat, approximate real positions)
# ---------------------------------------------------------------------------------------------------------------

#: County seats (政府驻地): the centres of the towns and of the flat basins (坝区) around them.
SEATS = {
    "530402": (102.543, 24.352),  # 红塔区 玉兴街道
    "530403": (102.753, 24.288),  # 江川区 大街街道
    "530423": (102.760, 24.112),  # 通海县 秀山街道
    "530424": (102.929, 24.193),  # 华宁县 宁州街道
    "530425": (102.163, 24.672),  # 易门县 龙泉街道
    "530426": (102.405, 24.169),  # 峨山县 双江街道
    "530427": (101.990, 24.070),  # 新平县 桂山街道
    "530428": (101.998, 23.597),  # 元江县 澧江街道
    "530481": (102.908, 24.673),  # 澄江市 凤麓街道
}

#: Basin (坝子) radius in km and depth around each seat: the central lake basins are the widest and flattest.
BASINS = {
    "530402": (7.0, 1.6), "530403": (5.5, 1.4), "530423": (5.5, 1.4), "530424": (3.5, 1.0), "530425": (4.0, 1.2),
    "530426": (3.0, 1.0), "530427": (3.0, 1.0), "530428": (3.0, 1.0), "530481": (5.0, 1.2),
}

#: The plateau lakes: centre, area (km²), half-length (km), axis bearing (degrees from north), asymmetry (positive =
#: wider at the northern end) and fixed shoreline harmonics (k, amplitude, phase).  Their county split comes from
#: the real boundaries, which cut 抚仙湖 between 澄江, 江川 and 华宁.
LAKES = {
    "抚仙湖": ((102.885, 24.512), 216.6, 15.5, 12.0, 0.30, ((3, 0.05, 0.4), (5, 0.03, 1.9), (7, 0.02, 0.8))),
    "星云湖": ((102.775, 24.345), 34.7, 5.3, 20.0, 0.15, ((3, 0.05, 2.1), (4, 0.03, 0.3), (6, 0.02, 1.2))),
    "杞麓湖": ((102.768, 24.166), 37.3, 5.3, 78.0, -0.10, ((2, 0.04, 1.0), (3, 0.05, 2.6), (5, 0.03, 0.5))),
}

#: Linear features: (name, dlbm, width m, meander amplitude m, control points).  Rivers win over railways, railways
#: over roads where they cross, and lakes over all.
CORRIDORS = (
    ("元江", "1101", 150.0, 450.0, (
        (101.40, 24.20), (101.50, 24.10), (101.58, 24.04), (101.68, 23.98), (101.78, 23.91), (101.85, 23.82),
        (101.92, 23.71), (101.99, 23.61), (102.08, 23.52), (102.18, 23.45), (102.30, 23.38), (102.40, 23.33))),
    ("玉磨铁路", "1001", 30.0, 150.0, (
        (102.58, 24.56), (102.543, 24.36), (102.47, 24.26), (102.405, 24.18), (102.33, 23.98), (102.20, 23.80),
        (102.05, 23.64), (101.95, 23.52), (101.85, 23.38))),
    ("玉蒙铁路", "1001", 30.0, 150.0, (
        (102.55, 24.34), (102.66, 24.31), (102.745, 24.27), (102.76, 24.13), (102.86, 24.12), (102.93, 24.17),
        (103.02, 24.10), (103.16, 24.04))),
    ("昆磨高速", "1003", 50.0, 200.0, (
        (102.62, 24.60), (102.58, 24.50), (102.553, 24.36), (102.48, 24.27), (102.41, 24.16), (102.33, 23.97),
        (102.20, 23.79), (102.06, 23.66), (102.00, 23.60), (101.90, 23.50), (101.80, 23.36))),
    ("玉通高速", "1003", 50.0, 200.0, (
        (102.553, 24.345), (102.65, 24.32), (102.75, 24.28), (102.74, 24.20), (102.765, 24.11), (102.79, 24.00),
        (102.82, 23.88))),
    ("江澄高速", "1003", 50.0, 200.0, (
        (102.75, 24.29), (102.80, 24.40), (102.82, 24.52), (102.87, 24.63), (102.908, 24.67), (102.93, 24.80),
        (102.95, 24.96))),
    ("通华公路", "1003", 40.0, 250.0, ((102.765, 24.115), (102.84, 24.15), (102.929, 24.19))),
    ("玉易公路", "1003", 40.0, 250.0, ((102.543, 24.352), (102.45, 24.45), (102.30, 24.58), (102.163, 24.672))),
    ("峨新公路", "1003", 40.0, 250.0, ((102.405, 24.169), (102.30, 24.15), (102.15, 24.10), (101.99, 24.07))),
    ("新戛公路", "1003", 30.0, 300.0, ((101.99, 24.07), (101.85, 24.10), (101.72, 24.06), (101.58, 24.04))),
    ("华宁公路", "1003", 30.0, 250.0, ((102.929, 24.193), (102.96, 24.30), (102.95, 24.42), (102.93, 24.52))),
)

# ---------------------------------------------------------------------------------------------------------------
# Development zones (seed 000 §开发区; planned areas split plausibly, summing to the published 18947.08 ha)
# ---------------------------------------------------------------------------------------------------------------

#: Published: 5 development zones plan 18947.08 ha, 8496.88 ha of it inside the urban development boundary (44.85%).
PARKS_PLANNED_TOTAL_HA = 18947.08
PARKS_IN_UBG_HA = 8496.88

#: park_id, name, level, county, planned ha, share of the planned area inside the boundary before calibration,
#: and the pieces (片区) as (lon, lat, share of the planned area).
PARK_SPECS = (
    ("P01", "玉溪高新技术产业开发区", "national", "530402", 6128.45, 0.62,
     ((102.585, 24.372, 0.45), (102.505, 24.292, 0.35), (102.548, 24.425, 0.20))),
    ("P02", "云南新平工业园区", "provincial", "530427", 4236.72, 0.30,
     ((102.025, 24.105, 0.65), (101.640, 24.035, 0.35))),
    ("P03", "云南易门工业园区", "provincial", "530425", 3020.18, 0.38,
     ((102.195, 24.700, 0.60), (102.125, 24.640, 0.40))),
    ("P04", "云南通海工业园区", "provincial", "530423", 2514.36, 0.50, ((102.805, 24.095, 1.00),)),
    ("P05", "云南澄江工业园区", "provincial", "530481", 3047.37, 0.32,
     ((102.955, 24.705, 0.60), (102.875, 24.755, 0.40))),
)
#: Park name → park_id, for the ledger generators.
PARK_IDS = {name: park_id for park_id, name, *_ in PARK_SPECS}

# ---------------------------------------------------------------------------------------------------------------
# County structure: a prior (km², guessed from the county's terrain) that is fitted to the county areas, the city
# group totals and the published "these counties hold x% of the city's group g" statements (seed 000).
# ---------------------------------------------------------------------------------------------------------------

_PRIOR_COUNTIES = ("530402", "530403", "530423", "530424", "530425", "530426", "530427", "530428", "530481")
_PRIOR_KM2 = {
    #              红塔   江川   通海   华宁   易门   峨山   新平   元江   澄江
    "耕地":      (200, 170, 190, 230, 170, 225, 520, 170, 133),
    "园地":      (30, 25, 40, 150, 30, 40, 230, 330, 19),
    "林地":      (560, 430, 370, 650, 1063, 1450, 3200, 1900, 254),
    "草地":      (10, 10, 10, 50, 36, 30, 15, 90, 30),
    "湿地":      (0.5, 2.5, 0.8, 0.3, 1.66, 0.24, 5.0, 4.5, 2.5),
    "城镇村及工矿用地": (95, 45, 50, 40, 55, 45, 80, 45, 43),
    "交通运输用地": (35, 22, 22, 25, 30, 35, 55, 30, 14),
    "水域及水利设施用地": (15, 15, 13, 12, 15, 15, 30, 20, 15),  # besides the lakes and the 元江
    "其他土地":    (45, 45, 45, 70, 60, 80, 160, 90, 47),
}
#: (group, counties, share of the city total) as published in seed 000.
PUBLISHED_COUNTY_SHARES = (
    ("耕地", ("530427", "530424", "530426"), 0.4856),
    ("园地", ("530428", "530427", "530424"), 0.7941),
    ("林地", ("530427", "530428", "530426", "530425"), 0.7708),
    ("草地", ("530428", "530424", "530481", "530425", "530426"), 0.841),
    ("湿地", ("530427", "530428", "530403", "530425", "530481"), 0.8978),
)
#: 城市 (czcsxm 201) land: published 0.37万ha (7.46% of 城镇村及工矿用地), in the districts and the county-level city.
CITY_201_KM2 = {"530402": 28.0, "530403": 5.0, "530481": 4.0}
#: Share of a county's 城镇村及工矿用地 in its seat and town cores (201/202), mines (204) and scenic land (205); the
#: rest is villages (203).
CORE_SHARE = {"530402": 0.60, "530403": 0.36, "530423": 0.36, "530424": 0.26, "530425": 0.26, "530426": 0.26,
              "530427": 0.22, "530428": 0.26, "530481": 0.34}
MINE_SHARE = {"530402": 0.04, "530403": 0.03, "530423": 0.03, "530424": 0.06, "530425": 0.15, "530426": 0.08,
              "530427": 0.18, "530428": 0.05, "530481": 0.03}
SCENIC_SHARE = {"530481": 0.05, "530403": 0.03, "530424": 0.03}
#: Split of the cores between the seat (which must hold the 201 city proper), industrial clusters at the park pieces
#: and the towns (the rest).
SEAT_SHARE = {"530402": 0.60}
PARK_CORE_SHARE = 0.15
#: Towns (乡镇) per county besides the seat: Yuxi has 75 townships and sub-districts.
TOWNS = {"530402": 8, "530403": 6, "530423": 8, "530424": 5, "530425": 6, "530426": 7, "530427": 11,
         "530428": 9, "530481": 4}

# Class mixes.  Each group's parcels are sorted by a smooth field and cut at these area shares, so classes form
# patches instead of salt-and-pepper; the first class gets the lowest field values.
_CULTIVATED_MIX = (("0101", 0.25), ("0102", 0.06), ("0103", 0.69))          # paddy in the flattest basins
_GARDEN_MIX = (("0201", 0.62), ("0202", 0.12), ("0204", 0.26))
_FOREST_MIX = (("0301", 0.70), ("0302", 0.01), ("0307", 0.10), ("0305", 0.19))  # shrub on the dry side
_GRASS_MIX = (("0404", 0.93), ("0401", 0.05), ("0403", 0.02))
_WETLAND_MIX = (("1106", 0.66), ("0402", 0.12), ("1108", 0.12), ("0306", 0.05), ("0304", 0.05))
_WATER_REST_MIX = (("1103", 0.46), ("1104", 0.32), ("1107", 0.16), ("1109", 0.06))
_TRANSPORT_REST_MIX = (("1004", 0.30), ("1005", 0.04), ("1006", 0.66))
_OTHER_MIX = (("1203", 0.70), ("1202", 0.09), ("1201", 0.03), ("1205", 0.02), ("1206", 0.05), ("1207", 0.11))
#: Construction classes by kind of built-up cluster (dlbm, weight).
_URBAN_MIX = {
    "inner": (("0701", 0.44), ("05H1", 0.20), ("08H1", 0.06), ("08H2", 0.12), ("0810", 0.08), ("0809", 0.04),
              ("0601", 0.04), ("0508", 0.02)),
    "outer": (("0701", 0.28), ("05H1", 0.08), ("0601", 0.30), ("0508", 0.08), ("0809", 0.06), ("08H2", 0.08),
              ("0810", 0.04), ("08H1", 0.02), ("0702", 0.06)),
    "park": (("0601", 0.70), ("0508", 0.12), ("05H1", 0.05), ("0809", 0.05), ("0701", 0.05), ("08H2", 0.03)),
    "town": (("0701", 0.35), ("0702", 0.15), ("05H1", 0.15), ("0601", 0.12), ("08H2", 0.10), ("08H1", 0.05),
             ("0809", 0.05), ("0810", 0.03)),
    "village": (("0702", 0.80), ("0601", 0.06), ("05H1", 0.04), ("08H2", 0.04), ("0701", 0.03), ("0809", 0.03)),
    "mine": (("0602", 0.90), ("0601", 0.10)),
    "scenic": (("0810", 0.50), ("05H1", 0.30), ("08H2", 0.20)),
}

# Control lines (三区三线)
#: Published 永久基本农田 task 224.71万亩 (DOMAIN §6) in hectares.
FARMLAND_LINE_HA = 224.71e4 / 15
ECO_SHARE_RANGE = (0.20, 0.30)
#: Published boundary expansion factor (DOMAIN §6): the boundary outside the parks is 1.293 × the town cores.
UBG_EXPANSION = 1.293
LINE_SUFFIX = {"farmland": "YJJBNT", "eco_redline": "STBHHX", "ubg": "CZKFBJ"}


# ---------------------------------------------------------------------------------------------------------------
# Reference tables
# ---------------------------------------------------------------------------------------------------------------


def load_landuse_classes(path: Path = CLASSES_CSV) -> pd.DataFrame:
    """The 三调 class table: ``dlbm, dlmc, group_zh, group_en, color`` (codes kept as text)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def published_group_targets(path: Path = PUBLISHED_CSV) -> pd.Series:
    """City area per 三调 summary group in m², indexed by ``group_zh`` in :data:`GROUPS` order.

    Every group takes its published area except 其他土地, whose published "0.06万ha" is a misprint (it contradicts
    its own 4.29% share); it is the published total minus the other eight groups.
    """
    table = pd.read_csv(path, dtype={"group_zh": str}, encoding="utf-8").set_index("group_zh")
    # Integer square metres: 1万ha = 1e8 m², and every published figure has at most 4 decimals of 万ha.
    wan_ha = table["area_wan_ha"].astype(float)
    m2 = (wan_ha * 1e8).round().astype("int64")
    total = int(m2["合计"])
    targets = m2.reindex(GROUPS)
    targets[OTHER_GROUP] = total - int(targets.drop(OTHER_GROUP).sum())
    return targets.astype(float)


# ---------------------------------------------------------------------------------------------------------------
# Small geometry helpers
# ---------------------------------------------------------------------------------------------------------------

_TO_GK = pyproj.Transformer.from_crs(WGS84, GK_CRS, always_xy=True)
_TO_LL = pyproj.Transformer.from_crs(GK_CRS, WGS84, always_xy=True)


def _to_gk(geoms):
    return shapely.transform(geoms, lambda c: np.column_stack(_TO_GK.transform(c[:, 0], c[:, 1])))


def _to_ll(geoms):
    return shapely.transform(geoms, lambda c: np.column_stack(_TO_LL.transform(c[:, 0], c[:, 1])))


def gk_area(geoms) -> np.ndarray:
    """Area in m² of lon/lat geometries, measured in the local Gauss-Krüger projection (EPSG:4543)."""
    return shapely.area(_to_gk(np.asarray(geoms, dtype=object)))


def _polygons(geoms: np.ndarray, index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Explode to single Polygons (dropping lines and points an overlay may leave), keeping the source index."""
    geoms = np.asarray(geoms, dtype=object)
    index = np.arange(len(geoms)) if index is None else np.asarray(index)
    while True:
        multi = shapely.get_type_id(geoms) >= 4  # Multi* and GeometryCollection
        if not multi.any():
            break
        parts, which = shapely.get_parts(geoms, return_index=True)
        geoms, index = parts, index[which]
    keep = (shapely.get_type_id(geoms) == 3) & ~shapely.is_empty(geoms)
    return geoms[keep], index[keep]


def _snap(geoms: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round to the storage grid, repair what rounding broke and drop what it collapsed."""
    geoms = shapely.set_precision(geoms, GRID)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    return _polygons(geoms, index)


def _gumbel_top(weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a weighted sample of ``k`` items without replacement (Gumbel top-k, vectorised)."""
    keys = np.log(np.maximum(weights, 1e-300)) + rng.gumbel(size=len(weights))
    return np.argsort(-keys, kind="stable")[:k]


def _take(candidates: np.ndarray, key: np.ndarray, area: np.ndarray, quota: float) -> np.ndarray:
    """``candidates`` in ascending ``key`` order until their area reaches ``quota`` (nearest stopping point)."""
    if quota <= 0 or len(candidates) == 0:
        return candidates[:0]
    order = candidates[np.argsort(key, kind="stable")]
    cum = np.cumsum(area[order])
    k = int(np.searchsorted(cum, quota))
    if k >= len(order):
        return order
    if k > 0 and quota - cum[k - 1] < cum[k] - quota:
        return order[:k]
    return order[: k + 1]


def _split_by_mix(members: np.ndarray, key: np.ndarray, area: np.ndarray, mix) -> list[tuple[str, np.ndarray]]:
    """Cut ``members`` sorted by ``key`` into consecutive runs whose areas follow the ``mix`` shares."""
    order = members[np.argsort(key, kind="stable")]
    cum = np.cumsum(area[order])
    total = cum[-1] if len(cum) else 0.0
    shares = np.cumsum([share for _, share in mix])
    cuts = np.searchsorted(cum, shares[:-1] / shares[-1] * total)
    return list(zip([code for code, _ in mix], np.split(order, cuts)))


def _choose(codes_weights, n: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.array([c for c, _ in codes_weights], dtype=object)
    weights = np.array([w for _, w in codes_weights], dtype=float)
    return codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]


def _counties(regions: gpd.GeoDataFrame) -> gpd.GeoSeries:
    counties = regions[regions["level"] == "county"]
    return counties.set_index(counties["code"].astype(str))["geometry"].sort_index()


# ---------------------------------------------------------------------------------------------------------------
# Fixed features: lakes and corridors
# ---------------------------------------------------------------------------------------------------------------


def _lake_polygons() -> dict[str, shapely.Polygon]:
    """The three plateau lakes as lon/lat polygons with their real surface areas (fixed shapes, no randomness)."""
    lakes = {}
    t = np.linspace(0.0, 2.0 * np.pi, 241)[:-1]
    for name, ((lon, lat), area_km2, half_len, bearing, asym, harmonics) in LAKES.items():
        x0, y0 = _TO_GK.transform(lon, lat)
        radius = 1.0 + sum(a * np.cos(k * t + p) for k, a, p in harmonics)
        u = half_len * 1000.0 * np.cos(t) * radius
        # An egg shape: the half-width grows towards one end of the axis.
        v = half_len * 400.0 * np.sin(t) * radius * (1.0 + asym * np.cos(t))
        theta = np.radians(bearing)
        axis, perp = np.array([np.sin(theta), np.cos(theta)]), np.array([np.cos(theta), -np.sin(theta)])
        xy = np.column_stack([x0 + u * axis[0] + v * perp[0], y0 + u * axis[1] + v * perp[1]])
        poly = shapely.Polygon(xy)
        scale = np.sqrt(area_km2 * 1e6 / poly.area)
        xy = np.column_stack([x0 + (xy[:, 0] - x0) * scale, y0 + (xy[:, 1] - y0) * scale])
        lakes[name] = _to_ll(shapely.Polygon(xy))
    return lakes


def _corridor_centrelines() -> list[tuple[str, str, float, shapely.LineString]]:
    """Meandering centrelines in Gauss-Krüger metres: Chaikin-smoothed control points plus a fixed sine wiggle."""
    out = []
    for i, (name, dlbm, width, amplitude, points) in enumerate(CORRIDORS):
        xy = np.column_stack(_TO_GK.transform(*np.asarray(points, dtype=float).T))
        for _ in range(3):  # Chaikin corner cutting keeps the ends and rounds the bends.
            q = 0.75 * xy[:-1] + 0.25 * xy[1:]
            r = 0.25 * xy[:-1] + 0.75 * xy[1:]
            xy = np.vstack([xy[:1], np.column_stack([q, r]).reshape(-1, 2), xy[-1:]])
        line = shapely.segmentize(shapely.LineString(xy), 200.0)
        xy = shapely.get_coordinates(line)
        seg = np.diff(xy, axis=0)
        s = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
        tangent = np.gradient(xy, axis=0)
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.hypot(*tangent.T)[:, None]
        wiggle = amplitude * (np.sin(2 * np.pi * s / 5200.0 + i) + 0.5 * np.sin(2 * np.pi * s / 1900.0 + 2 * i))
        out.append((name, dlbm, width, shapely.LineString(xy + normal * wiggle[:, None])))
    return out


def _fixed_features(city: shapely.Geometry) -> list[tuple[str, shapely.Geometry]]:
    """(dlbm, lon/lat geometry) of lakes, river, railways and roads, each minus the features that win over it."""
    lakes = shapely.union_all(list(_lake_polygons().values()))
    taken = lakes
    features = [("1102", shapely.intersection(lakes, city))]
    for dlbm in ("1101", "1001", "1003"):
        lines = [
            shapely.buffer(line, width / 2.0, cap_style="flat", quad_segs=2)
            for _, code, width, line in _corridor_centrelines()
            if code == dlbm
        ]
        geom = shapely.difference(shapely.intersection(_to_ll(shapely.union_all(lines)), city), taken)
        features.append((dlbm, geom))
        taken = shapely.union(taken, geom)
    return features


# ---------------------------------------------------------------------------------------------------------------
# Smooth random fields (terrain proxies)
# ---------------------------------------------------------------------------------------------------------------


class _Field:
    """A smooth stationary random field with unit variance: random Fourier features of a Gaussian kernel.

    ``length_km`` is the correlation length, so patches of a class come out roughly that size.
    """

    def __init__(self, rng: np.random.Generator, length_km: float, n: int = 48):
        self.k = rng.normal(size=(n, 2)) / length_km
        self.phase = rng.uniform(0.0, 2.0 * np.pi, n)
        self.norm = np.sqrt(2.0 / n)

    def __call__(self, x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x_km))
        for start in range(0, len(x_km), 20_000):  # bounded memory for large point sets
            sl = slice(start, start + 20_000)
            out[sl] = np.cos(np.outer(x_km[sl], self.k[:, 0]) + np.outer(y_km[sl], self.k[:, 1]) + self.phase).sum(1)
        return out * self.norm


class _Terrain:
    """Ruggedness and other fields evaluated at Gauss-Krüger points (km).

    Ruggedness is low in the basins around the seats, along lake shores and in the 元江 valley: that is where
    seeds are densest (small parcels), and where farmland and towns go.
    """

    def __init__(self, rng: np.random.Generator, lakes_ll, river_ll):
        self.relief = _Field(rng, 16.0)
        self.detail = _Field(rng, 4.0)
        self.patch = _Field(rng, 1.5)
        self.garden = _Field(rng, 6.0)
        self.dry = _Field(rng, 12.0)
        self.mix = _Field(rng, 3.0)
        seats = np.column_stack(_TO_GK.transform(*np.array(list(SEATS.values())).T)) / 1000.0
        self.basins = [(seats[i], *BASINS[code]) for i, code in enumerate(SEATS)]
        self.lake_pts = self._vertices(_to_gk(lakes_ll))
        self.river_pts = self._vertices(_to_gk(river_ll))

    @staticmethod
    def _vertices(geom_gk) -> shapely.STRtree:
        # Distances to densified vertices through an STRtree: vectorised and within 100 m of the true distance.
        dense = shapely.segmentize(shapely.boundary(geom_gk) if geom_gk.geom_type.endswith("Polygon") else geom_gk,
                                   200.0)
        return shapely.STRtree(shapely.points(shapely.get_coordinates(dense)))

    @staticmethod
    def _distance_km(tree: shapely.STRtree, x_km, y_km) -> np.ndarray:
        pts = shapely.points(np.column_stack([x_km, y_km]) * 1000.0)
        (src, _), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        out = np.empty(len(pts))
        out[src] = dist / 1000.0
        return out

    def ruggedness(self, x_km, y_km) -> np.ndarray:
        r = 0.9 * self.relief(x_km, y_km) + 0.45 * self.detail(x_km, y_km) + 0.2 * self.patch(x_km, y_km)
        for (cx, cy), radius, depth in self.basins:
            r -= depth * np.exp(-((x_km - cx) ** 2 + (y_km - cy) ** 2) / (2.0 * radius**2))
        r -= 1.2 * np.exp(-self._distance_km(self.lake_pts, x_km, y_km) / 3.0)
        r -= 1.0 * np.exp(-self._distance_km(self.river_pts, x_km, y_km) / 1.5)
        return r

    def water_distance_km(self, x_km, y_km) -> np.ndarray:
        return np.minimum(self._distance_km(self.lake_pts, x_km, y_km), self._distance_km(self.river_pts, x_km, y_km))


# ---------------------------------------------------------------------------------------------------------------
# County × group quotas
# ---------------------------------------------------------------------------------------------------------------


def _fit_quotas(county_free_m2: pd.Series, group_free_m2: pd.Series) -> pd.DataFrame:
    """Iterative proportional fitting of the prior to county areas, group totals and the published county shares.

    Returns m² per county (rows) and group (columns) for the parcels still to be classed (fixed features excluded).
    """
    prior = pd.DataFrame(_PRIOR_KM2, index=list(_PRIOR_COUNTIES)).reindex(county_free_m2.index) * 1e6
    m = prior[list(GROUPS)].to_numpy(dtype=float)
    rows, cols = county_free_m2.to_numpy(float), group_free_m2.reindex(list(GROUPS)).to_numpy(float)
    codes = list(county_free_m2.index)
    constraints = [(GROUPS.index(g), np.isin(codes, subset), share) for g, subset, share in PUBLISHED_COUNTY_SHARES]
    for _ in range(500):
        m *= (rows / m.sum(1))[:, None]
        m *= cols / m.sum(0)
        for g, inside, share in constraints:
            m[inside, g] *= share * cols[g] / m[inside, g].sum()
            m[~inside, g] *= (1.0 - share) * cols[g] / m[~inside, g].sum()
    return pd.DataFrame(m, index=codes, columns=list(GROUPS))


# ---------------------------------------------------------------------------------------------------------------
# build_landuse
# ---------------------------------------------------------------------------------------------------------------


def _tessellate(county: shapely.Geometry, n: int, fixed_c: list, terrain: _Terrain, lakes_ll,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi parcels of ``n`` seeds inside ``county``, cut by the fixed features; returns (geoms, fixed dlbm)."""
    shapely.prepare(county)
    x0, y0, x1, y1 = county.bounds
    inside_share = county.area / ((x1 - x0) * (y1 - y0))
    m = int(3 * n / inside_share) + 1000
    cand = np.column_stack([rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)])
    ok = shapely.contains_xy(county, cand[:, 0], cand[:, 1]) & ~shapely.contains_xy(lakes_ll, cand[:, 0], cand[:, 1])
    cand = cand[ok]
    gx, gy = _TO_GK.transform(cand[:, 0], cand[:, 1])
    # Denser seeds (smaller parcels) on flat land, as in real survey maps.
    weight = np.exp(-0.9 * np.clip(terrain.ruggedness(np.asarray(gx) / 1000, np.asarray(gy) / 1000), -3, 3))
    seeds = cand[np.sort(_gumbel_top(weight, min(n, len(cand)), rng))]
    envelope = shapely.buffer(shapely.envelope(county), 0.05)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope))
    # Only cells that cross the boundary need the (costly) overlay with the detailed county outline.
    inner = shapely.contains_properly(county, cells)
    cells = cells.copy()
    cells[~inner] = shapely.intersection(cells[~inner], county)
    geoms, fixed = [cells], [np.full(len(cells), None, dtype=object)]
    fixed_all = shapely.union_all([g for _, g in fixed_c])
    if not shapely.is_empty(fixed_all):
        shapely.prepare(fixed_all)
        hit = shapely.intersects(fixed_all, cells)
        cut = cells[hit]
        geoms[0] = np.concatenate([cells[~hit], shapely.difference(cut, fixed_all)])
        fixed[0] = np.full(len(geoms[0]), None, dtype=object)
        for dlbm, feature in fixed_c:
            if shapely.is_empty(feature):
                continue
            shapely.prepare(feature)
            pieces = shapely.intersection(cut[shapely.intersects(feature, cut)], feature)
            if dlbm == "1102":
                # A lake stays one parcel per county (slices among the shore cells would look like a pie), dissolved
                # from its per-cell pieces so that its shore keeps the vertices the shore parcels have.
                pieces = np.array([shapely.union_all(pieces)], dtype=object)
            geoms.append(pieces)
            fixed.append(np.full(len(pieces), dlbm, dtype=object))
    geoms, fixed = np.concatenate(geoms), np.concatenate(fixed)
    geoms, which = _polygons(geoms)
    geoms, which = _snap(geoms, which)
    return geoms, fixed[which]


def build_landuse(regions: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Synthetic 三调 land-use parcels (图斑) for the nine counties, calibrated to the published city structure.

    Parameters
    ----------
    regions : GeoDataFrame
        The ``regions`` dataset; rows with ``level == "county"`` are tessellated.
    rng : numpy.random.Generator
        Source of all randomness; equal generators give equal frames.

    Returns
    -------
    GeoDataFrame
        ``parcel_id, county_code, dlbm, dlmc, area_m2, czcsxm, geometry`` (EPSG:4326 Polygons).  About 55,000
        non-overlapping parcels (Voronoi cells of seeds that are denser on flat land, clipped to the counties and
        cut by lakes, the 元江, railways and roads).  ``area_m2`` plays the role of the authoritative 三调 TBMJ:
        the Gauss-Krüger area scaled per summary group so that each group's city total equals
        :func:`published_group_targets` exactly (to the cent of a square metre).
    """
    classes = load_landuse_classes().set_index("dlbm")
    targets = published_group_targets()
    counties = _counties(regions)
    if sorted(counties.index) != sorted(SEATS):
        raise ValueError(f"build_landuse needs the nine Yuxi counties {sorted(SEATS)}, got {sorted(counties.index)}")
    city = shapely.union_all(counties.to_numpy())
    lakes_ll = shapely.union_all(list(_lake_polygons().values()))
    fixed = _fixed_features(city)
    river_ll = next(g for code, g in fixed if code == "1101")
    terrain = _Terrain(rng, lakes_ll, river_ll)

    # 1. Parcels: seed counts in proportion to county area.
    county_area = gk_area(counties.to_numpy())
    n_seeds = np.round(N_SEEDS * county_area / county_area.sum()).astype(int)
    parts, county_of, fixed_of = [], [], []
    for (code, county), n in zip(counties.items(), n_seeds):
        fixed_c = [(dlbm, shapely.intersection(g, county)) for dlbm, g in fixed]
        geoms, fixed_dlbm = _tessellate(county, int(n), fixed_c, terrain, lakes_ll, rng)
        parts.append(geoms)
        county_of.append(np.full(len(geoms), code, dtype=object))
        fixed_of.append(fixed_dlbm)
    geoms, county_of, dlbm = np.concatenate(parts), np.concatenate(county_of), np.concatenate(fixed_of)
    gk = _to_gk(geoms)
    area = shapely.area(gk)
    keep = area >= 1.0  # overlay slivers under 1 m² are noise, not parcels
    geoms, gk, area, county_of, dlbm = geoms[keep], gk[keep], area[keep], county_of[keep], dlbm[keep]
    centre = shapely.get_coordinates(shapely.point_on_surface(gk)) / 1000.0
    x, y = centre[:, 0], centre[:, 1]
    # Terrain proxies at every parcel, evaluated once.
    rugged = terrain.ruggedness(x, y)
    patch, detail, mix_f = terrain.patch(x, y), terrain.detail(x, y), terrain.mix(x, y)
    garden, dry, wdist = terrain.garden(x, y), terrain.dry(x, y), terrain.water_distance_km(x, y)
    jitter = np.exp(0.35 * mix_f)  # irregular town edges: distance is stretched or shrunk along a smooth field
    czcsxm = np.full(len(geoms), None, dtype=object)
    group_of = classes["group_zh"].to_dict()

    # 2. Quotas: what the fixed features already cover is taken off the county and group totals.
    scale_to_geom = area.sum() / targets.sum()
    geom_targets = targets * scale_to_geom
    fixed_mask = pd.notna(dlbm)
    fixed_groups = pd.Series([group_of[d] for d in dlbm[fixed_mask]], dtype=object)
    fixed_by_group = pd.Series(area[fixed_mask]).groupby(fixed_groups.to_numpy()).sum()
    free_by_county = pd.Series(area[~fixed_mask]).groupby(county_of[~fixed_mask]).sum()
    group_free = (geom_targets - fixed_by_group.reindex(GROUPS).fillna(0.0)).clip(lower=0.0)
    group_free *= free_by_county.sum() / group_free.sum()
    quotas = _fit_quotas(free_by_county, group_free)

    # 3. Class the parcels county by county, most constrained uses first; forest takes what is left.
    park_points = {code: [(lon, lat, spec[4] * share) for lon, lat, share in spec[6]]
                   for spec in PARK_SPECS for code in [spec[3]]}
    for code in counties.index:
        in_county = county_of == code
        q = quotas.loc[code]

        def free(in_county=in_county):
            return np.flatnonzero(in_county & pd.isna(dlbm))

        # Built-up cores: the seat, park pieces and towns grow as compact clusters by (jittered) distance.
        urban_q = q["城镇村及工矿用地"]
        core_q = urban_q * CORE_SHARE[code]
        cand = free()
        sx, sy = (np.array(_TO_GK.transform(*SEATS[code])) / 1000.0)
        centres = [("seat", sx, sy, SEAT_SHARE.get(code, 0.5))]
        for lon, lat, ha in park_points.get(code, []):
            px, py = np.array(_TO_GK.transform(lon, lat)) / 1000.0
            centres.append(("park", px, py, PARK_CORE_SHARE * ha / sum(h for *_, h in park_points[code])))
        n_towns = TOWNS[code]
        flat_w = np.exp(-1.5 * rugged[cand])
        far = np.hypot(x[cand] - sx, y[cand] - sy) > 5.0
        order = cand[far][_gumbel_top(flat_w[far], len(cand[far]), rng)]
        towns: list[tuple[float, float]] = []
        for i in order:  # spaced town sites; stops after a handful of accepted candidates
            if all(np.hypot(x[i] - tx, y[i] - ty) > 4.0 for tx, ty in towns):
                towns.append((x[i], y[i]))
                if len(towns) == n_towns:
                    break
        town_w = rng.uniform(0.6, 1.4, len(towns))
        town_share = 1.0 - sum(c[3] for c in centres)
        centres += [("town", tx, ty, town_share * w / town_w.sum()) for (tx, ty), w in zip(towns, town_w)]
        city_q = CITY_201_KM2.get(code, 0.0) * 1e6 * scale_to_geom
        for kind, cx, cy, share in centres:
            cand = free()
            dist = np.hypot(x[cand] - cx, y[cand] - cy)
            picked = _take(cand, dist * jitter[cand], area, core_q * share)
            rank = np.argsort(np.argsort(np.hypot(x[picked] - cx, y[picked] - cy)))
            if kind == "seat":
                inner = rank < len(picked) // 2
                dlbm[picked[inner]] = _choose(_URBAN_MIX["inner"], int(inner.sum()), rng)
                dlbm[picked[~inner]] = _choose(_URBAN_MIX["outer"], int((~inner).sum()), rng)
                proper = _take(picked, rank, area, city_q)  # the city proper (201) is the centre of the seat
                czcsxm[picked] = "202"
                czcsxm[proper] = "201"
            else:
                dlbm[picked] = _choose(_URBAN_MIX[kind], len(picked), rng)
                czcsxm[picked] = "202"

        # Mines (204): a few clusters in rugged country.
        mine_q = urban_q * MINE_SHARE[code]
        n_mines = max(1, round(mine_q / 3e6))
        for _ in range(n_mines):
            cand = free()
            site = cand[_gumbel_top(np.exp(1.5 * rugged[cand]), 1, rng)[0]]
            picked = _take(cand, np.hypot(x[cand] - x[site], y[cand] - y[site]), area, mine_q / n_mines)
            dlbm[picked] = _choose(_URBAN_MIX["mine"], len(picked), rng)
            czcsxm[picked] = "204"
        # Scenic and special land (205): lake shores where there are lakes.
        scenic_q = urban_q * SCENIC_SHARE.get(code, 0.0)
        if scenic_q > 0:
            cand = free()
            key = wdist[cand] + rng.uniform(0.0, 3.0, len(cand))
            picked = _take(cand, key, area, scenic_q)
            dlbm[picked] = _choose(_URBAN_MIX["scenic"], len(picked), rng)
            czcsxm[picked] = "205"
        # Villages (203): single small parcels scattered over the land, more of them where it is flatter (Yunnan
        # villages also sit on mountain slopes, so flatness is only a preference).
        cand = free()
        village_q = urban_q * (1.0 - CORE_SHARE[code] - MINE_SHARE[code] - SCENIC_SHARE.get(code, 0.0))
        key = 0.6 * rugged[cand] + patch[cand] + rng.normal(0.0, 0.8, len(cand))
        picked = _take(cand, key, area, village_q)
        dlbm[picked] = _choose(_URBAN_MIX["village"], len(picked), rng)
        czcsxm[picked] = "203"

        # Transport besides the corridors: town streets next to the cores, rural roads among the fields.  Small
        # parcels first, because real road parcels are narrow.
        core_ids = np.flatnonzero(in_county & np.isin(czcsxm, ["201", "202"]))
        tree = shapely.STRtree(gk[core_ids])
        cand = free()
        near_core = tree.query_nearest(gk[cand], return_distance=True, all_matches=False)[1] / 1000.0
        road_q = q["交通运输用地"]
        mix = dict(_TRANSPORT_REST_MIX)
        picked = _take(cand, near_core + 0.3 * np.log(area[cand]), area, road_q * (mix["1004"] + mix["1005"]))
        dlbm[picked] = _choose((("1004", mix["1004"]), ("1005", mix["1005"])), len(picked), rng)
        cand = free()
        picked = _take(cand, rugged[cand] + 0.5 * np.log(area[cand]) + rng.normal(0, 0.5, len(cand)), area,
                       road_q * mix["1006"])
        dlbm[picked] = "1006"

        # Water besides lakes and the river: reservoirs as clusters in valleys, ponds and ditches among the fields.
        water_q = q["水域及水利设施用地"]
        mix = dict(_WATER_REST_MIX)
        n_res = max(1, round(water_q * mix["1103"] / 1.5e6))
        for _ in range(n_res):
            cand = free()
            mid = np.exp(-((rugged[cand] - 0.3) ** 2))
            site = cand[_gumbel_top(mid, 1, rng)[0]]
            picked = _take(cand, np.hypot(x[cand] - x[site], y[cand] - y[site]), area, water_q * mix["1103"] / n_res)
            dlbm[picked] = "1103"
            # The dam (水工建筑) is the small parcel at the reservoir's edge.
            cand = free()
            if len(cand):
                dam = _take(cand, np.hypot(x[cand] - x[site], y[cand] - y[site]) + 0.2 * np.log(area[cand]), area,
                            water_q * mix["1109"] / n_res)
                dlbm[dam] = "1109"
        for code_w in ("1104", "1107"):
            cand = free()
            key = rugged[cand] + 0.5 * np.log(area[cand]) + rng.normal(0, 0.5, len(cand))
            dlbm[_take(cand, key, area, water_q * mix[code_w])] = code_w

        # Wetland along the shores and the river, small parcels first: the county quotas are a few km² at most.
        cand = free()
        key = wdist[cand] + 0.5 * np.log(area[cand]) + 0.3 * rng.uniform(size=len(cand))
        dlbm[_take(cand, key, area, q["湿地"])] = "湿地"

        # Cultivated land on the flattest remaining land; 田坎 and facility farmland right next in that order (the
        # terraced fringe), bare rock and soil on the most rugged land.
        cand = free()
        dlbm[_take(cand, rugged[cand] + 0.25 * patch[cand], area, q["耕地"])] = "耕地"
        other = [(c, w * q["其他土地"]) for c, w in _OTHER_MIX]
        fringe = [(c, w) for c, w in other if c in ("1203", "1202", "1201")]
        cand = free()
        picked = _take(cand, rugged[cand] + 0.25 * patch[cand], area, sum(w for _, w in fringe))
        dlbm[picked] = _choose(fringe, len(picked), rng)
        cand = free()
        dlbm[_take(cand, wdist[cand], area, dict(other)["1205"])] = "1205"  # sand bars by the water
        bare = [(c, w) for c, w in other if c in ("1206", "1207")]
        cand = free()
        picked = _take(cand, -rugged[cand], area, sum(w for _, w in bare))
        dlbm[picked] = _choose(bare, len(picked), rng)

        # Gardens on the mid slopes where the garden field is high; grass on high dry land; forest is the rest.
        cand = free()
        key = np.abs(rugged[cand] - np.quantile(rugged[cand], 0.35)) - 0.8 * garden[cand]
        dlbm[_take(cand, key, area, q["园地"])] = "园地"
        cand = free()
        key = -rugged[cand] - dry[cand]
        dlbm[_take(cand, key, area, q["草地"])] = "草地"
        dlbm[free()] = "林地"

    # 4. Classes within the broad groups, as city-wide patches along a smooth field.
    for group, mix, key in (
        ("耕地", _CULTIVATED_MIX, rugged + 0.5 * patch + 0.3 * detail),
        ("园地", _GARDEN_MIX, garden + 0.5 * dry),
        ("林地", _FOREST_MIX, dry + 0.4 * mix_f),
        ("草地", _GRASS_MIX, mix_f),
        ("湿地", _WETLAND_MIX, wdist + 0.3 * mix_f),
    ):
        members = np.flatnonzero(dlbm == group)
        for code, idx in _split_by_mix(members, key[members], area, mix):
            dlbm[idx] = code

    # 5. TBMJ: scale the geometric areas per group so that each group's city total is the published figure.
    groups = np.array([group_of[d] for d in dlbm], dtype=object)
    cents = np.zeros(len(geoms), dtype=np.int64)
    for group, target in targets.items():
        idx = np.flatnonzero(groups == group)
        scaled = np.round(area[idx] * (target / area[idx].sum()) * 100.0).astype(np.int64)
        # The rounding residue goes to the largest parcel, so the cents add up to the target exactly.
        scaled[np.argmax(scaled)] += round(target * 100) - int(scaled.sum())
        cents[idx] = scaled

    # 6. Ids in survey order: county, then north to south, west to east.
    lon_lat = shapely.get_coordinates(shapely.point_on_surface(geoms))
    order = np.lexsort((np.round(lon_lat[:, 0], 4), -np.round(lon_lat[:, 1], 4), county_of))
    frame = gpd.GeoDataFrame(
        {
            "county_code": county_of[order],
            "dlbm": dlbm[order],
            "dlmc": classes.loc[dlbm[order], "dlmc"].to_numpy(),
            "area_m2": cents[order] / 100.0,
            "czcsxm": czcsxm[order],
        },
        geometry=geoms[order],
        crs=WGS84,
    )
    seq = frame.groupby("county_code").cumcount() + 1
    frame.insert(0, "parcel_id", frame["county_code"] + seq.map("{:06d}".format))
    return frame


# ---------------------------------------------------------------------------------------------------------------
# build_parks
# ---------------------------------------------------------------------------------------------------------------


def _blob(cx: float, cy: float, radius: float, harmonics: np.ndarray) -> shapely.Polygon:
    """Star-shaped outline around (cx, cy) in metres with radial harmonics (k, amplitude, phase)."""
    t = np.linspace(0.0, 2.0 * np.pi, 97)[:-1]
    r = radius * (1.0 + sum(a * np.cos(k * t + p) for k, a, p in harmonics))
    return shapely.Polygon(np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)]))


def _bisect(f, lo: float, hi: float, target: float, iterations: int = 60) -> float:
    """Root of the increasing function ``f(s) = target`` in ``[lo, hi]``."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def build_parks(regions: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The five development zones (开发区) of DOMAIN §5 with irregular outlines near their county seats.

    Parameters
    ----------
    regions : GeoDataFrame
        The ``regions`` dataset (county outlines clip the parks).
    rng : numpy.random.Generator
        Shapes the outlines.

    Returns
    -------
    GeoDataFrame
        ``park_id, name, level, county_code, planned_area_ha, geometry``.  Planned areas sum to the published
        18947.08 ha; each outline (one to three pieces, inside its county and off the lakes) has a Gauss-Krüger
        area within 0.01% of its planned area.
    """
    counties = _counties(regions)
    lakes_gk = _to_gk(shapely.union_all(list(_lake_polygons().values())))
    rows = []
    for park_id, name, level, code, planned_ha, _, pieces in PARK_SPECS:
        county_gk = _to_gk(counties[code])
        taken = lakes_gk
        shapes = []
        for lon, lat, share in pieces:
            cx, cy = _TO_GK.transform(lon, lat)
            ks = np.arange(2, 6)
            harmonics = np.column_stack([ks, rng.normal(0.0, 0.10, len(ks)) / ks * 2, rng.uniform(0, 2 * np.pi, 4)])
            target = planned_ha * share * 1e4
            base = np.sqrt(target / np.pi)

            def piece(scale, cx=cx, cy=cy, harmonics=harmonics, base=base, taken=taken, county_gk=county_gk):
                blob = _blob(cx, cy, base * scale, harmonics)
                return shapely.difference(shapely.intersection(blob, county_gk), taken)

            scale = _bisect(lambda s: shapely.area(piece(s)), 0.2, 4.0, target)
            shape = piece(scale)
            shapes.append(shape)
            taken = shapely.union(taken, shape)
        geom = shapely.set_precision(_to_ll(shapely.union_all(shapes)), GRID)
        geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
        rows.append({"park_id": park_id, "name": name, "level": level, "county_code": code,
                     "planned_area_ha": planned_ha, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


# ---------------------------------------------------------------------------------------------------------------
# build_control_lines
# ---------------------------------------------------------------------------------------------------------------


def _parks_inside_boundary(parks: gpd.GeoDataFrame, rng: np.random.Generator) -> dict[str, shapely.Geometry]:
    """The part of each park inside the urban development boundary, united per county.

    Each park is cut by a straight line at a random angle, its position found by bisection so that the inside parts
    of the five parks add up to the published 8496.88 ha (44.85% of the planned 18947.08 ha).  The parks' shares
    differ (:data:`PARK_SPECS`: the national high-tech zone has the most inside) but are scaled to the total.
    """
    planned_gk = gk_area(parks.geometry.to_numpy())
    base = parks["park_id"].map({spec[0]: spec[5] for spec in PARK_SPECS}).to_numpy(dtype=float)
    fractions = base * (PARKS_IN_UBG_HA * 1e4) / float((base * planned_gk).sum())
    parts: dict[str, shapely.Geometry] = {}
    for geom, code, fraction, total in zip(parks.geometry, parks["county_code"], fractions, planned_gk):
        angle = rng.uniform(0.0, 2.0 * np.pi)
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        coords = shapely.get_coordinates(geom)
        proj = coords @ direction
        lo, hi = proj.min(), proj.max()
        centre = coords.mean(0)
        span = 1.0 + (hi - lo)  # degrees: far wider than any park
        start = centre - direction * (centre @ direction - lo + span)

        def inside(t, geom=geom, direction=direction, normal=normal, start=start, span=span, lo=lo):
            # The park on the low side of the line {p · direction = t}: a large rectangle clipped by the park.
            end = start + direction * (t - lo + span)
            box = shapely.Polygon([start + normal * 2 * span, end + normal * 2 * span,
                                   end - normal * 2 * span, start - normal * 2 * span])
            return shapely.intersection(geom, box)

        t = _bisect(lambda t: gk_area([inside(t)])[0], lo, hi, fraction * total)
        parts[code] = shapely.union(parts.get(code, shapely.Polygon()), inside(t))
    return parts


def build_control_lines(regions: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame,
                        rng: np.random.Generator) -> gpd.GeoDataFrame:
    """三区三线 per county: permanent basic farmland, ecological red line and urban development boundary.

    Parameters
    ----------
    regions : GeoDataFrame
        The ``regions`` dataset.
    parks : GeoDataFrame
        Output of :func:`build_parks`.
    landuse : GeoDataFrame
        Output of :func:`build_landuse`: the farmland line is drawn on cultivated parcels, the red line on
        forest, grass, wetland and lake parcels, the boundary around the town cores (czcsxm 201/202).
    rng : numpy.random.Generator
        Shapes the selections.

    Returns
    -------
    GeoDataFrame
        ``line_id, kind, county_code, geometry``: one (Multi)Polygon per county and kind (27 rows); the three lines
        of a county do not overlap.  The farmland line totals about 224.71万亩 (149806.67 ha); the five parks have
        8496.88 ha (44.85%) of their planned area inside the urban development boundary.
    """
    counties = _counties(regions)
    geoms = landuse.geometry.to_numpy()
    gk = _to_gk(geoms)
    area = shapely.area(gk)
    centre = shapely.get_coordinates(shapely.point_on_surface(gk)) / 1000.0
    x, y = centre[:, 0], centre[:, 1]
    dlbm = landuse["dlbm"].to_numpy(dtype=object)
    group_of = load_landuse_classes().set_index("dlbm")["group_zh"].to_dict()
    groups = np.array([group_of[d] for d in dlbm], dtype=object)
    county_of = landuse["county_code"].to_numpy(dtype=object)
    core = np.isin(landuse["czcsxm"].to_numpy(dtype=object), ["201", "202"])
    # Every line is a union of whole parcels (plus, for the boundary, the park parts), and no line parcel touches a
    # park: the lines then share the tessellation's own edges and need no overlay against each other, which keeps
    # them exactly disjoint (differences of independently noded polygons leave centimetre slivers).
    parks_union = shapely.union_all(parks.geometry.to_numpy())
    shapely.prepare(parks_union)
    free = ~shapely.intersects(parks_union, geoms)
    # Distance to the nearest town core: farmland and red lines keep clear of where towns will grow.
    core_tree = shapely.STRtree(gk[core])
    near_core = core_tree.query_nearest(gk, return_distance=True, all_matches=False)[1] / 1000.0
    farm_field, eco_field = _Field(rng, 5.0), _Field(rng, 8.0)
    park_parts = _parks_inside_boundary(parks, rng)
    cultivated = groups == "耕地"
    farm_share = FARMLAND_LINE_HA * 1e4 / area[cultivated].sum()
    paddy_bonus = pd.Series(dlbm).map({"0101": -1.0, "0102": -0.6}).fillna(0.0).to_numpy()
    eligible_eco = np.isin(groups, ["林地", "草地", "湿地"]) | (dlbm == "1102")
    rows = []
    for code in counties.index:
        in_county = (county_of == code) & free
        # 永久基本农田: most of the county's cultivated land, paddy first.  Land right next to a core is left for
        # the towns unless the county cannot meet its task without it.
        cand = np.flatnonzero(in_county & cultivated)
        key = 0.8 * farm_field(x[cand], y[cand]) + paddy_bonus[cand] + 10.0 * (near_core[cand] < 0.8)
        farm_ids = _take(cand, key, area, farm_share * area[(county_of == code) & cultivated].sum())
        # 生态保护红线: the lakes, then large forest, grass and wetland blocks away from the cores.
        eco_q = rng.uniform(*ECO_SHARE_RANGE) * area[county_of == code].sum()
        cand = np.flatnonzero(in_county & eligible_eco & ((near_core > 2.0) | (dlbm == "1102")))
        key = eco_field(x[cand], y[cand]) - 0.15 * near_core[cand] - 100.0 * (dlbm[cand] == "1102")
        eco_ids = _take(cand, key, area, eco_q)
        # 城镇开发边界: the cores grown by the expansion factor into the nearest land on neither line nor water,
        # plus the parks' share.
        taken = np.zeros(len(geoms), dtype=bool)
        taken[farm_ids] = taken[eco_ids] = True
        core_ids = np.flatnonzero(in_county & core)
        cand = np.flatnonzero(in_county & ~core & ~taken & ~np.isin(dlbm, ["1101", "1102"]))
        grow_ids = _take(cand, near_core[cand] + 0.3 * farm_field(x[cand], y[cand]), area,
                         (UBG_EXPANSION - 1.0) * area[core_ids].sum())
        ubg = shapely.union_all(geoms[np.concatenate([core_ids, grow_ids])], grid_size=GRID)
        ubg = shapely.union(ubg, park_parts.get(code, shapely.Polygon()))
        shapes = {
            "farmland": shapely.union_all(geoms[farm_ids], grid_size=GRID),
            "eco_redline": shapely.union_all(geoms[eco_ids], grid_size=GRID),
            "ubg": ubg,
        }
        rows += [{"line_id": f"{code}{LINE_SUFFIX[kind]}", "kind": kind, "county_code": code, "geometry": geom}
                 for kind, geom in shapes.items()]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
