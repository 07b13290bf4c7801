"""The map benchmark's land-use generator: exact counts, unique ids, valid parcels inside the source extent,
deterministic with the seed (no browser here; timings are never asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from dashboard import bench_maps
from dashboard.bench_maps import COLUMNS, make_landuse


@pytest.fixture(scope="module")
def demo():
    return bench_maps.load_demo_landuse()


@pytest.fixture(scope="module")
def source(demo):
    """A few hundred demo parcels of two counties: small enough to cut in well under a second."""
    counties = demo["county_code"].unique()[:2]
    return demo[demo["county_code"].isin(counties)].groupby("county_code").head(150).reset_index(drop=True)


def _check_layer(layer, n, source):
    assert len(layer) == n
    assert list(layer.columns) == [*COLUMNS, "geometry"]
    assert layer["parcel_id"].is_unique and layer["parcel_id"].notna().all()
    geoms = np.asarray(layer.geometry.values, dtype=object)
    assert shapely.is_valid(geoms).all()
    assert (shapely.get_type_id(geoms) == 3).all()  # polygons
    assert (layer["area_m2"] > 0).all()
    minx, miny, maxx, maxy = source.total_bounds
    lminx, lminy, lmaxx, lmaxy = layer.total_bounds
    eps = 1e-6
    assert minx - eps <= lminx and miny - eps <= lminy and lmaxx <= maxx + eps and lmaxy <= maxy + eps
    assert set(layer["dlbm"]) <= set(source["dlbm"])
    assert set(layer["county_code"]) <= set(source["county_code"])


def test_sampling_below_the_source_size_keeps_demo_parcels(source):
    layer = make_landuse(120, source, seed=7)
    _check_layer(layer, 120, source)
    assert layer["parcel_id"].isin(source["parcel_id"]).all()


def test_splitting_above_the_source_size_tiles_the_parcels(source):
    n = 3 * len(source) + 17
    layer = make_landuse(n, source, seed=7)
    _check_layer(layer, n, source)
    # Pieces tile their parents: total area close to the source's (a few pieces trimmed), no overlaps to speak of.
    geoms = np.asarray(layer.geometry.values, dtype=object)
    pieces_area = shapely.area(geoms).sum()
    source_area = shapely.area(np.asarray(source.geometry.values, dtype=object)).sum()
    assert 0.85 * source_area <= pieces_area <= source_area * (1 + 1e-6)
    assert shapely.union_all(geoms).area == pytest.approx(pieces_area, rel=1e-4)
    # area_m2 follows the parents' areas
    assert layer["area_m2"].sum() == pytest.approx(source["area_m2"].sum(), rel=0.15)
    # every piece lies inside a source parcel of its class
    points = shapely.point_on_surface(geoms)
    tree = shapely.STRtree(np.asarray(source.geometry.values, dtype=object))
    inside = tree.query(points, predicate="within")
    hit = np.full(len(layer), -1)
    hit[inside[0]] = inside[1]
    assert (hit >= 0).all()
    assert (source["dlbm"].to_numpy()[hit] == layer["dlbm"].to_numpy()).all()


def test_generation_is_deterministic_with_the_seed(source):
    n = 2 * len(source) + 5
    first, second = make_landuse(n, source, seed=11), make_landuse(n, source, seed=11)
    assert first.drop(columns="geometry").equals(second.drop(columns="geometry"))
    assert shapely.equals_exact(np.asarray(first.geometry.values), np.asarray(second.geometry.values), 0).all()
    other = make_landuse(n, source, seed=12)
    assert not shapely.equals_exact(np.asarray(first.geometry.values), np.asarray(other.geometry.values), 0).all()
    assert make_landuse(50, source, seed=11)["parcel_id"].tolist() == make_landuse(50, source, seed=11)[
        "parcel_id"].tolist()


def test_default_source_is_the_demo_layer(demo):
    layer = make_landuse(40, seed=3)
    _check_layer(layer, 40, demo)


def test_naive_deck_is_pydeck_default_json_with_every_parcel(source):
    layer = make_landuse(30, source, seed=1)
    prepared = bench_maps.naive_frame(layer)
    view = bench_maps.city_view(bench_maps.load_demo_regions())
    spec = bench_maps.naive_deck(prepared, view).to_json()
    assert "\n  " in spec  # pydeck's indented default, as a naive app sends it
    deck = json.loads(spec)
    (polygons,) = deck["layers"]
    assert polygons["@@type"] == "PolygonLayer"
    assert len(polygons["data"]) == 30
    assert sorted(row["id"] for row in polygons["data"]) == sorted(layer["parcel_id"])
    assert "mapStyle" not in deck or deck["mapStyle"] is not None
