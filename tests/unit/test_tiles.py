"""Vector tiles: built with tippecanoe from the land-use parcels, keyed by version, atomic, reusable."""

import json
import os
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from dashboard import tiles
from dashboard.reference import class_colours

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def parcels():
    squares = [Polygon([(102.5 + i * 0.01, 24.3), (102.509 + i * 0.01, 24.3), (102.509 + i * 0.01, 24.309),
                        (102.5 + i * 0.01, 24.309)]) for i in range(3)]
    return gpd.GeoDataFrame(
        {"parcel_id": ["A1", "A2", "A3"], "county_code": ["530402"] * 3, "dlbm": ["0101", "0301", "9999"],
         "dlmc": ["水田", XSS, None], "area_m2": [1.0, 2.0, 3.0]},
        geometry=squares, crs="EPSG:4326",
    )


def _decode(folder, z, x, y):
    tool = tiles.tippecanoe_binary().with_name("tippecanoe-decode")
    out = subprocess.run([str(tool), str(folder / str(z) / str(x) / f"{y}.pbf"), str(z), str(x), str(y)],
                         capture_output=True, text=True, check=True).stdout
    return [f for layer in json.loads(out)["features"] for f in layer["features"]]


def test_tile_features_carry_id_name_and_standard_colours(parcels):
    features = tiles.landuse_tile_features(parcels)
    assert list(features["id"]) == ["A1", "A2", "A3"]
    assert features["name"].iloc[0] == "水田（0101）"
    assert features["name"].iloc[1] == f"{XSS}（0301）"  # kept as data; the map shows it as text
    assert tuple(features.loc[0, ["r", "g", "b"]]) == class_colours()["0101"]
    assert tuple(features.loc[2, ["r", "g", "b"]]) == tiles.UNKNOWN_COLOUR


def test_build_writes_uncompressed_tiles_with_numeric_colours(parcels, tmp_path):
    seen = []
    tileset = tiles.build_tileset(tiles.landuse_tile_features(parcels), key="k1", root=tmp_path, progress=seen.append)
    assert tileset.folder == tmp_path / "landuse-k1"
    assert tileset.features == 3 and tileset.min_zoom == tiles.MIN_ZOOM and tileset.max_zoom == tiles.MAX_ZOOM
    assert tileset.url_template.endswith("/landuse-k1/{z}/{x}/{y}.pbf")
    pbf = sorted(tileset.folder.glob(f"{tiles.MAX_ZOOM}/*/*.pbf"))
    assert pbf and pbf[0].read_bytes()[:2] != b"\x1f\x8b"  # not gzip: served as is
    z, x, y = tiles.MAX_ZOOM, pbf[0].parent.name, pbf[0].stem
    decoded = {f["properties"]["id"]: f["properties"] for f in _decode(tileset.folder, z, x, y)}
    assert decoded["A1"]["r"] == class_colours()["0101"][0]  # a number, not "248"
    assert all(p.get("dlbm") for p in decoded.values())
    assert not list(tmp_path.glob(".tmp-*"))  # the work folder is gone


def test_existing_tiles_are_reused_and_keys_change_with_version_and_datum(parcels, tmp_path):
    calls = []

    def load():
        calls.append(1)
        return parcels

    first = tiles.ensure_landuse_tiles(load, "sha-a", root=tmp_path)
    again = tiles.ensure_landuse_tiles(load, "sha-a", root=tmp_path)
    assert first.tilesets == again.tilesets and len(calls) == 1  # the manifest answers: the parcels are not read
    assert first.rebuilt == ("530402",) and again.rebuilt == ()
    assert tiles.tileset_key("sha-a") != tiles.tileset_key("sha-b")
    assert tiles.tileset_key("sha-a", "wgs84") != tiles.tileset_key("sha-a", "gcj02")
    with pytest.raises(ValueError):
        tiles.tileset_key("sha-a", "bd09")


def test_gcj02_tiles_are_shifted_for_display(parcels):
    wgs = tiles.landuse_tile_features(parcels, "wgs84").total_bounds
    gcj = tiles.landuse_tile_features(parcels, "gcj02").total_bounds
    assert 0.001 < gcj[0] - wgs[0] < 0.01  # a few hundred metres east in Yunnan


def _manifest(root, key: str, folders: list[str], mtime: int) -> None:
    for name in folders:
        (root / name).mkdir(exist_ok=True)
        (root / name / tiles.METADATA_FILE).write_text("{}")
    path = root / f"landuse-{key}.json"
    path.write_text(json.dumps({"counties": [{"county": name.split("-")[1], "folder": name} for name in folders]}))
    os.utime(path, (mtime, mtime))


def test_gc_keeps_the_current_and_recent_manifests_and_the_folders_they_list(tmp_path):
    _manifest(tmp_path, "v0", ["landuse-530402-a", "landuse-530403-a"], 1000)
    _manifest(tmp_path, "v1", ["landuse-530402-a", "landuse-530403-b"], 1001)  # shares a county with v0
    _manifest(tmp_path, "v2", ["landuse-530402-c", "landuse-530403-b"], 1002)
    _manifest(tmp_path, "v3", ["landuse-530402-d", "landuse-530403-d"], 1003)
    (tmp_path / "landuse-0123456789abcdef").mkdir()  # a whole-layer folder of the previous format
    removed = tiles.gc_tilesets("landuse", keep={"v0"}, root=tmp_path, keep_old=1)
    assert sorted(p.name for p in removed) == ["landuse-0123456789abcdef", "landuse-530402-c", "landuse-530403-b",
                                               "landuse-v1.json", "landuse-v2.json"]
    assert sorted(p.name for p in tmp_path.glob("landuse-*")) == [
        "landuse-530402-a", "landuse-530402-d", "landuse-530403-a", "landuse-530403-d", "landuse-v0.json",
        "landuse-v3.json"]


def test_failed_build_leaves_no_tileset(parcels, tmp_path, monkeypatch):
    monkeypatch.setattr(tiles, "tippecanoe_binary", lambda: Path("/bin/false"))
    with pytest.raises(RuntimeError, match="tippecanoe failed"):
        tiles.build_tileset(tiles.landuse_tile_features(parcels), key="bad", root=tmp_path)
    assert tiles.load_tileset("bad", root=tmp_path) is None
    assert not list(tmp_path.glob(".tmp-*"))


def _grid(n: int, size: float = 0.002, x0: float = 102.5, y0: float = 24.3) -> gpd.GeoDataFrame:
    """``n × n`` abutting square parcels (a coverage), alternating 水田 / 旱地, two counties (left / right half)."""
    cells, ids, codes, counties = [], [], [], []
    for i in range(n):
        for j in range(n):
            x, y = x0 + i * size, y0 + j * size
            cells.append(Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)]))
            ids.append(f"P{i}-{j}")
            codes.append("0101" if (i + j) % 2 else "0103")
            counties.append("530402" if i < n // 2 else "530403")
    return gpd.GeoDataFrame({"parcel_id": ids, "county_code": counties, "dlbm": codes}, geometry=cells,
                            crs="EPSG:4326")


# Areas in square degrees are fine here: the test compares the same polygons before and after dissolving.
@pytest.mark.filterwarnings("ignore:Geometry is in a geographic CRS")
def test_overview_dissolves_by_county_and_class_without_losing_area():
    frame = _grid(6)
    features = tiles.landuse_tile_features(frame)
    overview = tiles.overview_features(features, frame["county_code"])
    assert len(overview) == 4  # 2 counties × 2 classes
    assert set(overview["id"]) == {""}  # not parcels: nothing to open on a click
    assert overview.geometry.area.sum() == pytest.approx(frame.geometry.area.sum(), rel=1e-9)
    paddy = overview[overview["dlbm"] == "0101"]
    assert set(paddy["name"]) == {"水田（0101）"} and tuple(paddy[["r", "g", "b"]].iloc[0]) == class_colours()["0101"]


def test_overview_falls_back_when_parcels_are_not_noded():
    frame = _grid(2)
    frame.loc[0, "geometry"] = frame.geometry.iloc[0].buffer(0.0005)  # overlaps its neighbours
    frame["dlbm"] = "0101"
    overview = tiles.overview_features(tiles.landuse_tile_features(frame), frame["county_code"])
    assert len(overview) == 2 and overview.geometry.is_valid.all()


def test_parcel_zoom_grows_with_density():
    city = (102.0, 23.5, 103.0, 24.5)  # ~100 km square
    assert tiles.parcel_min_zoom(city, 50_000) == tiles.PARCEL_ZOOM_FLOOR
    assert tiles.parcel_min_zoom(city, 500_000) > tiles.parcel_min_zoom(city, 50_000)
    assert tiles.parcel_min_zoom(city, 10**9) == tiles.MAX_ZOOM


def _ids_at(folder, zoom: int) -> set[str]:
    """Parcel ids in the first non-empty tile of ``zoom``."""
    pbf = min(p for p in folder.glob(f"{zoom}/*/*.pbf") if p.stat().st_size)
    return {f["properties"]["id"] for f in _decode(folder, zoom, pbf.parent.name, pbf.stem)}


def test_low_zooms_hold_the_overview_and_high_zooms_the_parcels(tmp_path, monkeypatch):
    monkeypatch.setattr(tiles, "PARCELS_PER_TILE", 1)  # force a parcel zoom above the floor on a tiny layer
    layer = tiles.build_landuse_tiles(_grid(4), key="ov", root=tmp_path)
    assert tiles.MIN_ZOOM < layer.parcel_zoom <= tiles.MAX_ZOOM
    for tileset in layer.tilesets:
        assert tileset.parcel_zoom == layer.parcel_zoom  # one parcel zoom for every county
        assert tiles.load_landuse_tiles("ov", root=tmp_path).parcel_zoom == layer.parcel_zoom  # kept in the manifest

        assert _ids_at(tileset.folder, layer.parcel_zoom - 1) == {""}
        high_ids = _ids_at(tileset.folder, tiles.MAX_ZOOM)
        assert high_ids and "" not in high_ids


def _mtimes(layer: tiles.LayerTiles) -> dict[str, float]:
    return {t.county: t.folder.stat().st_mtime_ns for t in layer.tilesets}


def test_republishing_one_changed_county_cuts_only_that_county(tmp_path):
    frame = _grid(6)  # counties 530402 (left half) and 530403 (right half)
    seen = []
    first = tiles.build_landuse_tiles(frame, key="v1", root=tmp_path, progress=seen.append)
    assert first.rebuilt == ("530402", "530403")
    assert [t.folder.name.split("-")[1] for t in first.tilesets] == ["530402", "530403"]
    assert {t.parcel_zoom for t in first.tilesets} == {first.parcel_zoom}  # one parcel zoom for the whole layer
    assert first.features == len(frame) and first.bounds == pytest.approx(tuple(frame.total_bounds))
    # progress: each county starts at its share of the layer, the last report is the whole layer done
    starts = {}
    for p in seen:
        starts.setdefault((p.county, p.index, p.total), p.fraction)
    assert starts == {("530402", 1, 2): 0.0, ("530403", 2, 2): 0.5}  # two counties of 18 parcels each
    assert [p.fraction for p in seen] == sorted(p.fraction for p in seen) and seen[-1].fraction == 1.0
    assert not any(p.reused for p in seen)
    # the map's one folder: every county's parcels, a tile both counties share holds both counties' layers
    merged = first.merged
    assert merged.features == len(frame) and merged.parcel_zoom == first.parcel_zoom
    ids = {f["properties"]["id"] for pbf in merged.folder.glob(f"{tiles.MAX_ZOOM}/*/*.pbf") if pbf.stat().st_size
           for f in _decode(merged.folder, tiles.MAX_ZOOM, pbf.parent.name, pbf.stem)}
    assert ids == set(frame["parcel_id"])
    for zoom in (tiles.MIN_ZOOM, merged.parcel_zoom, tiles.MAX_ZOOM):  # every tile the map may request exists
        x0, y0, x1, y1 = tiles.tile_range(merged.bounds, zoom)
        assert all((merged.folder / str(zoom) / str(x) / f"{y}.pbf").is_file()
                   for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))
    before = _mtimes(first)

    changed = frame.copy()
    row = changed.index[changed["county_code"] == "530403"][0]
    changed.loc[row, "dlbm"] = "0301"  # one parcel of one county changes class
    seen.clear()
    second = tiles.build_landuse_tiles(changed.sample(frac=1, random_state=1), key="v2", root=tmp_path,
                                       progress=seen.append)
    assert second.rebuilt == ("530403",)
    old, new = {t.county: t for t in first.tilesets}, {t.county: t for t in second.tilesets}
    assert new["530402"] == old["530402"] and _mtimes(second)["530402"] == before["530402"]  # reused as it was
    assert new["530403"].key != old["530403"].key and new["530403"].folder.is_dir()
    assert [(p.county, p.reused) for p in seen if p.reused] == [("530402", True)]
    assert tiles.load_landuse_tiles("v2", root=tmp_path).tilesets == second.tilesets
    # the paddy parcel is now forest in the new county tiles only
    parcel_id = changed.loc[row, "parcel_id"]
    decoded = {f["properties"]["id"]: f["properties"] for pbf in new["530403"].folder.glob(f"{tiles.MAX_ZOOM}/*/*.pbf")
               for f in _decode(new["530403"].folder, tiles.MAX_ZOOM, pbf.parent.name, pbf.stem)}
    assert decoded[parcel_id]["dlbm"] == "0301"

    assert second.merged.folder != first.merged.folder and second.merged.features == len(frame)

    tiles.gc_tilesets("landuse", keep={"v2"}, root=tmp_path, keep_old=0)
    assert sorted(p.name for p in tmp_path.glob("landuse-*")) == sorted(
        [t.folder.name for t in second.tilesets] + [second.merged.folder.name, "landuse-v2.json"])


def test_county_key_follows_content_not_row_order():
    features = tiles.landuse_tile_features(_grid(4))
    key = tiles.county_tileset_key(features, parcel_zoom=12)
    assert tiles.county_tileset_key(features.iloc[::-1], parcel_zoom=12) == key
    assert tiles.county_tileset_key(features, parcel_zoom=13) != key
    assert tiles.county_tileset_key(features, parcel_zoom=12, datum="gcj02") != key
    moved = features.copy()
    moved.loc[0, "geometry"] = moved.geometry.iloc[0].buffer(-0.0001)
    assert tiles.county_tileset_key(moved, parcel_zoom=12) != key
