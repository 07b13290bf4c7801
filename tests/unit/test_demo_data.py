"""The committed demo data is exactly what the seeded generator produces, and it meets its contracts."""

import hashlib
import json

import geopandas as gpd
import pandas as pd
import pytest

from dashboard.contracts import DATASET_NAMES, get_dataset
from dashboard.demo import DATA_DATE, DEMO_DIR, write_demo
from dashboard.io import read_dataset

MANIFEST = json.loads((DEMO_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    manifest = write_demo(out)
    return out, manifest


def test_manifest_lists_every_dataset_with_date_and_source():
    assert sorted(MANIFEST["datasets"]) == sorted(DATASET_NAMES)
    assert MANIFEST["data_date"] == DATA_DATE
    assert MANIFEST["version"] == "demo" and MANIFEST["source_zh"] and MANIFEST["source_en"]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_committed_file_matches_its_manifest(name):
    entry = MANIFEST["datasets"][name]
    data = (DEMO_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    frame = read_dataset(name, DEMO_DIR / entry["file"])
    assert len(frame) == entry["rows"]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_generator_reproduces_committed_data(regenerated, name):
    out, manifest = regenerated
    committed = read_dataset(name, DEMO_DIR / f"{name}.parquet")
    fresh = read_dataset(name, out / f"{name}.parquet")
    assert manifest["datasets"][name]["rows"] == MANIFEST["datasets"][name]["rows"]
    if isinstance(committed, gpd.GeoDataFrame):
        assert committed.geometry.to_wkb().tolist() == fresh.geometry.to_wkb().tolist()
        committed, fresh = pd.DataFrame(committed.drop(columns="geometry")), pd.DataFrame(fresh.drop(columns="geometry"))
    pd.testing.assert_frame_equal(committed, fresh)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_keys_are_unique(name):
    frame = read_dataset(name, DEMO_DIR / f"{name}.parquet")
    key = list(get_dataset(name).key)
    assert not frame.duplicated(key).any()


def test_landuse_is_large_and_inside_the_real_boundaries():
    landuse = read_dataset("landuse", DEMO_DIR / "landuse.parquet")
    regions = read_dataset("regions", DEMO_DIR / "regions.parquet")
    assert len(landuse) >= 50_000
    assert set(landuse["county_code"]) == set(regions.loc[regions["level"] == "county", "code"])
    city = regions.loc[regions["level"] == "city"].geometry.iloc[0].buffer(1e-4)
    assert landuse.geometry.representative_point().within(city).all()
