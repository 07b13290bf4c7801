"""Land-use layers of any size for the map benchmark, and the two decks it compares (``scripts/bench_maps.py``).

:func:`make_landuse` turns the demo 三调 layer (55,126 parcels over 玉溪市) into a layer of ``n`` parcels over the
same city extent, deterministically (seeded):

* ``n`` ≤ the demo size: a random sample of demo parcels (ids and attributes kept);
* ``n`` > the demo size: every demo parcel is cut by a grid into pieces, as many as its share of the total area
  asks for (a large forest parcel gives many pieces, a small house plot stays whole), with the grid shifted at
  random per parcel.  Pieces are the intersections of the parcel with the grid cells (vectorised shapely), so
  they tile the parcel: no overlaps, class and county inherited, ``area_m2`` the parent's area times the piece's
  share.  Multi-part intersections become separate parcels, slivers under :data:`MIN_PIECE_M2` are dropped, and
  pieces beyond ``n`` are dropped at random (a few small holes).  Ids are the county code and a 7-digit number.

The two decks are what a browser receives for the city view:

* :func:`project_deck` — the project's map path (as on the 土地利用 page): county fills, the parcels as one
  ``MVTLayer`` over vector tiles cut per county and merged (:mod:`dashboard.tiles`,
  :func:`dashboard.maps.landuse_tiles_layer`), county outlines, compact JSON;
* :func:`naive_deck` — what a naive app sends: one pydeck ``PolygonLayer`` with every parcel inline, in pydeck's
  default JSON (indented, ASCII-escaped, full precision), ``map_provider=None``.

Pure: never imports streamlit.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from dashboard.demo import DEMO_DIR

SEED = 20261122
DEMO_LANDUSE = DEMO_DIR / "landuse.parquet"
DEMO_REGIONS = DEMO_DIR / "regions.parquet"
#: Pieces smaller than this (m²) are slivers of the grid cut and dropped.
MIN_PIECE_M2 = 5.0
#: Map height and the width the view is fitted to, as on the 土地利用 page.
MAP_HEIGHT_PX = 580
MAP_WIDTH_PX = 900
COLUMNS = ("parcel_id", "county_code", "dlbm", "dlmc", "area_m2", "czcsxm")
#: Pieces asked for above ``n`` before the random trim (slivers and multi-part cuts change the count a little).
_OVERSHOOT = 1.01
#: Square metres per square degree at the demo's latitude (≈24°N); only used for the sliver threshold.
_M2_PER_DEG2 = (111_320.0**2) * np.cos(np.radians(24.1))


def load_demo_landuse(path: Path = DEMO_LANDUSE) -> gpd.GeoDataFrame:
    """The demo land-use layer, conformed."""
    from dashboard.io import read_dataset

    return read_dataset("landuse", path)


def load_demo_regions(path: Path = DEMO_REGIONS) -> gpd.GeoDataFrame:
    """The demo regions (city and counties), conformed."""
    from dashboard.io import read_dataset

    return read_dataset("regions", path)


def make_landuse(n: int, source: gpd.GeoDataFrame | None = None, seed: int = SEED) -> gpd.GeoDataFrame:
    """A land-use layer of exactly ``n`` parcels over the extent of ``source`` (default: the demo layer).

    Columns ``parcel_id`` (unique), ``county_code``, ``dlbm``, ``dlmc``, ``area_m2``, ``czcsxm`` and valid lon-lat
    polygons.  The same ``n``, ``source`` and ``seed`` always give the same layer.
    """
    if n < 1:
        raise ValueError("n must be positive")
    if source is None:
        source = load_demo_landuse()
    source = source.reset_index(drop=True)
    rng = np.random.default_rng([seed, n])
    if n <= len(source):
        picked = np.sort(rng.choice(len(source), size=n, replace=False))
        out = source.iloc[picked][[*COLUMNS, "geometry"]].reset_index(drop=True)
        return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    return _split(source, n, rng)


def _grid(geoms: np.ndarray, want: np.ndarray, shift: np.ndarray):
    """A grid per geometry of about ``want[i]`` cells inside it, shifted by ``shift[i]`` (fractions of a cell).

    Returns ``(parent index, boxes)`` of the cells that touch their parent's bounding box; geometries with
    ``want == 1`` get one cell (their bounding box).  Cell edges are rounded to 6 decimals, shared by neighbours.
    """
    minx, miny, maxx, maxy = shapely.bounds(geoms).T
    width = np.maximum(maxx - minx, 1e-9)
    height = np.maximum(maxy - miny, 1e-9)
    fill = np.clip(shapely.area(geoms) / (width * height), 0.05, 1.0)  # share of the bbox the parcel covers
    split = want > 1
    cells = np.where(split, want / fill, 1.0)
    cols = np.maximum(1, np.round(np.sqrt(cells * width / height))).astype(np.int64)
    rows = np.maximum(1, np.round(cells / cols)).astype(np.int64)
    cell_w, cell_h = width / cols, height / rows
    # A shifted grid needs one more column and row to cover the bounding box.
    cols = np.where(split, cols + 1, 1)
    rows = np.where(split, rows + 1, 1)
    origin_x = minx - np.where(split, shift[:, 0] * cell_w, 0.0)
    origin_y = miny - np.where(split, shift[:, 1] * cell_h, 0.0)
    counts = cols * rows
    parent = np.repeat(np.arange(len(geoms)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cx, cy = local % cols[parent], local // cols[parent]
    x0 = np.round(origin_x[parent] + cx * cell_w[parent], 6)
    x1 = np.round(origin_x[parent] + (cx + 1) * cell_w[parent], 6)
    y0 = np.round(origin_y[parent] + cy * cell_h[parent], 6)
    y1 = np.round(origin_y[parent] + (cy + 1) * cell_h[parent], 6)
    whole = ~split[parent]
    x0, y0 = np.where(whole, minx[parent], x0), np.where(whole, miny[parent], y0)
    x1, y1 = np.where(whole, maxx[parent], x1), np.where(whole, maxy[parent], y1)
    return parent, shapely.box(x0, y0, x1, y1), whole


def _pieces(geoms: np.ndarray, parent: np.ndarray, boxes: np.ndarray, whole: np.ndarray):
    """Each geometry cut by its cells: ``(parent index, polygon)`` arrays, slivers and invalid pieces dropped."""
    inside = np.zeros(len(parent), dtype=bool)
    cut = ~whole
    inside[cut] = shapely.contains_properly(geoms[parent[cut]], boxes[cut])
    edge = cut & ~inside
    pieces = np.empty(len(parent), dtype=object)
    pieces[whole] = geoms[parent[whole]]
    pieces[inside] = boxes[inside]
    pieces[edge] = shapely.transform(
        shapely.intersection(geoms[parent[edge]], boxes[edge]), lambda xy: np.round(xy, 6)
    )
    # Multi-part results and geometry collections are exploded; polygons over a sliver's area are kept.
    parts, index = shapely.get_parts(pieces, return_index=True)
    kept_whole = whole[index]
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) * _M2_PER_DEG2 >= MIN_PIECE_M2)
    keep &= kept_whole | shapely.is_valid(parts)
    keep |= kept_whole  # a parcel kept whole stays, however small
    return parent[index[keep]], parts[keep]


def _split(source: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    geoms = np.asarray(source.geometry.values, dtype=object)
    shapely.prepare(geoms)
    area = shapely.area(geoms)
    # Pieces per parcel: its share of the area, jittered per parcel so that piece sizes vary as in a real layer.
    weight = area * rng.lognormal(0.0, 0.5, len(geoms))
    share = weight / weight.sum()
    shift = rng.random((len(geoms), 2))
    # Calibrate the grid on the cheap count of cells that touch their parcel, then cut once.
    factor = 1.0
    for _ in range(12):
        want = np.maximum(1, np.round(share * n * factor)).astype(np.int64)
        parent, boxes, whole = _grid(geoms, want, shift)
        touching = whole | shapely.intersects(geoms[parent], boxes)
        count = int(touching.sum())
        if n * _OVERSHOOT <= count <= n * (_OVERSHOOT + 0.02):
            break
        factor *= (n * (_OVERSHOOT + 0.01)) / count
    parent, pieces = _pieces(geoms, parent[touching], boxes[touching], whole[touching])
    if len(pieces) < n:
        raise RuntimeError(f"cutting {len(source)} parcels gave {len(pieces)} pieces, fewer than {n}")
    keep = np.sort(rng.choice(len(pieces), size=n, replace=False))
    parent, pieces = parent[keep], pieces[keep]
    parents = source.iloc[parent].reset_index(drop=True)
    area_m2 = parents["area_m2"].to_numpy(dtype=float) * shapely.area(pieces) / area[parent]
    county = parents["county_code"].astype("string")
    order = np.lexsort((np.arange(n), county.to_numpy(dtype=object)))
    county_sorted = county.iloc[order].reset_index(drop=True)
    sequence = county_sorted.groupby(county_sorted).cumcount() + 1
    out = pd.DataFrame(
        {
            "parcel_id": (county_sorted + sequence.astype("string").str.zfill(7)).astype("string"),
            "county_code": county_sorted,
            "dlbm": parents["dlbm"].iloc[order].reset_index(drop=True),
            "dlmc": parents["dlmc"].iloc[order].reset_index(drop=True),
            "area_m2": np.round(area_m2[order], 2),
            "czcsxm": parents["czcsxm"].iloc[order].reset_index(drop=True),
        }
    )
    return gpd.GeoDataFrame(out, geometry=pieces[order], crs="EPSG:4326")


def city_bounds(regions: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of the counties: the city view the 土地利用 page opens on."""
    counties = regions[regions["level"] == "county"]
    return tuple(float(v) for v in counties.total_bounds)


def city_view(regions: gpd.GeoDataFrame) -> pdk.ViewState:
    """The city view, fitted as on the 土地利用 page."""
    from dashboard.maps import view_state

    return view_state(city_bounds(regions), height_px=MAP_HEIGHT_PX, width_px=MAP_WIDTH_PX)


def project_deck(tiles, regions: gpd.GeoDataFrame) -> pdk.Deck:
    """The project's map: county fills, the parcels' vector tiles (``tiles``: :class:`dashboard.tiles.LayerTiles`,
    drawn as on the 土地利用 page) and county outlines (compact JSON, offline).

    ``regions`` are the conformed regions; they are simplified for display here, as the app does.
    """
    from dashboard import maps
    from dashboard.geo import display_boundaries

    shown = display_boundaries(regions)
    fills, outlines = maps.region_layers(shown, None, "wgs84", "name", pickable=False)
    return maps.deck([fills, maps.landuse_tiles_layer(tiles), outlines], city_view(regions))


def naive_frame(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The parcels as a naive app prepares them for a ``PolygonLayer``: rings as nested coordinate lists.

    Columns ``id``, ``name`` (class name and code), ``r``, ``g``, ``b`` and ``polygon`` (``[[[x, y], ...], ...]``,
    full precision).
    """
    from dashboard.tiles import landuse_tile_features

    features = landuse_tile_features(frame)
    geoms = np.asarray(features.geometry.values, dtype=object)
    rings, ring_owner = shapely.get_rings(geoms, return_index=True)
    coords, coord_owner = shapely.get_coordinates(rings, return_index=True)
    ring_coords = np.split(coords, np.flatnonzero(np.diff(coord_owner)) + 1) if len(coords) else []
    polygons: list[list] = [[] for _ in range(len(geoms))]
    for owner, ring in zip(ring_owner, ring_coords, strict=True):
        polygons[owner].append(ring.tolist())
    return pd.DataFrame(
        {
            "id": features["id"].astype(object),
            "name": features["name"].astype(object),
            "r": features["r"].astype(int),
            "g": features["g"].astype(int),
            "b": features["b"].astype(int),
            "polygon": polygons,
        }
    )


def naive_deck(prepared: pd.DataFrame, view: pdk.ViewState) -> pdk.Deck:
    """Every parcel inline in one ``PolygonLayer``, serialised with pydeck's default JSON (``pdk.Deck``).

    ``prepared`` comes from :func:`naive_frame`.  Same colours, outline and tooltip as the project's map; no
    basemap (``map_provider=None``, the default style sentinel: nothing is fetched from the internet).
    """
    layer = pdk.Layer(
        "PolygonLayer",
        prepared,
        id="landuse",
        get_polygon="polygon",
        get_fill_color="[r, g, b, 235]",
        get_line_color=[120, 120, 120, 90],
        line_width_min_pixels=0.3,
        stroked=True,
        filled=True,
        pickable=True,
        opacity=0.85,
    )
    return pdk.Deck(layers=[layer], initial_view_state=view, map_provider=None, tooltip={"text": "{name}\n{id}"})
