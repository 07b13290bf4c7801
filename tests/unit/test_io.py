"""Readers enforce the contracts: aliases, strict types, leading zeros, clear errors."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dashboard import io
from dashboard.contracts import DATASET_NAMES
from dashboard.errors import DataError


def write_csv(tmp_path, text, name="input.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_every_dataset_has_a_reader():
    for name in DATASET_NAMES:
        assert callable(getattr(io, f"read_{name}"))


def test_chinese_headers_map_and_codes_keep_leading_zeros(tmp_path):
    path = write_csv(
        tmp_path,
        "供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式,备注\n"
        "0001,批001,530402,2024-03-01,12.5,出让,x\n"
        "0002,批002,530403,2024/04/02,\"1,200\",划拨,y\n",
    )
    frame = io.read_supplies(path)
    assert frame["supply_id"].tolist() == ["0001", "0002"]
    assert frame["area_mu"].tolist() == [12.5, 1200.0]
    assert frame["method"].tolist() == ["transfer", "allocation"]
    assert frame["supply_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-04-02"]
    assert frame.attrs["extra_columns"] == ["备注"]


def test_round_trip_through_parquet_keeps_codes_and_chinese(tmp_path):
    frame = io.conform(
        pd.DataFrame({"code": ["530402", "010203"], "name": ["红塔区", "测试<b>区</b>"], "level": ["county", "county"]}),
        "regions",
    )
    path = io.to_parquet(frame, tmp_path / "regions.parquet")
    back = io.read_regions(path)
    assert back["code"].tolist() == ["530402", "010203"]
    assert back["name"].tolist() == ["红塔区", "测试<b>区</b>"]


def test_county_code_derived_from_zldwdm(tmp_path):
    path = write_csv(tmp_path, "BSM,ZLDWDM,DLBM,TBMJ\n1,530402001001000,0101,1000.5\n")
    frame = io.read_landuse(path)
    assert frame["county_code"].tolist() == ["530402"]
    assert frame["area_m2"].tolist() == [1000.5]


@pytest.mark.parametrize(
    ("csv", "key", "params"),
    [
        ("供地编号,批准文号,县区代码,供地日期\n1,a,530402,2024-01-01\n", "error.missing_columns", {"dataset": "supplies"}),
        ("supply_id,approval_id,county_code,supply_date,area_mu\n1,a,530402,2024-01-01,约12亩\n",
         "error.bad_number", {"row": 1, "value": "约12亩"}),
        ("supply_id,approval_id,county_code,supply_date,area_mu\n1,a,530402,2024-01-01,5\n2,b,530402,2024-13-01,5\n",
         "error.bad_date", {"row": 2}),
        ("supply_id,approval_id,county_code,supply_date,area_mu\n1,a,5304,2024-01-01,5\n", "error.bad_code", {"row": 1}),
        ("supply_id,approval_id,county_code,supply_date,area_mu\n1,a,530402,2024-01-01,-5\n",
         "error.out_of_range_gt", {"row": 1}),
        ("supply_id,approval_id,county_code,supply_date,area_mu,method\n1,a,530402,2024-01-01,5,赠送\n",
         "error.bad_choice", {"value": "赠送"}),
        ("supply_id,approval_id,county_code,supply_date,area_mu\n,a,530402,2024-01-01,5\n",
         "error.required_blank", {"row": 1}),
    ],
)
def test_bad_values_raise_a_clear_error(tmp_path, csv, key, params):
    with pytest.raises(DataError) as info:
        io.read_supplies(write_csv(tmp_path, csv))
    assert info.value.key == key
    for name, value in params.items():
        assert info.value.params[name] == value
    assert info.value.message("zh") and info.value.message("en")


def test_projected_geometry_is_stored_as_lonlat(tmp_path):
    frame = gpd.GeoDataFrame(
        {"line_id": ["L1"], "kind": ["生态保护红线"], "county_code": ["530402"]},
        geometry=[shapely.box(102.5, 24.3, 102.51, 24.31)],
        crs="EPSG:4326",
    ).to_crs("EPSG:4543")
    path = tmp_path / "lines.gpkg"
    frame.to_file(path)
    back = io.read_control_lines(path)
    assert back.crs.to_epsg() == 4326
    assert back["kind"].tolist() == ["eco_redline"]
    minx, miny, _, _ = back.total_bounds
    assert minx == pytest.approx(102.5, abs=1e-6) and miny == pytest.approx(24.3, abs=1e-6)


def test_required_geometry_missing_is_an_error(tmp_path):
    path = write_csv(tmp_path, "line_id,kind,county_code\nL1,farmland,530402\n")
    with pytest.raises(DataError) as info:
        io.read_control_lines(path)
    assert info.value.key == "error.missing_columns"
    assert "geometry" in info.value.params["columns"]


def test_unsupported_format(tmp_path):
    path = tmp_path / "x.doc"
    path.write_bytes(b"xx")
    with pytest.raises(DataError) as info:
        io.read_supplies(path)
    assert info.value.key == "error.unsupported_format"


def test_read_stored_geometry_reads_lonlat_as_stored_and_reprojects_anything_else(tmp_path):
    from shapely.geometry import box

    from dashboard.io import read_stored_geometry

    lonlat = gpd.GeoDataFrame({"kind": ["ubg", "farmland"], "name": ["a", "b"]},
                              geometry=[box(102.5, 24.3, 102.6, 24.4), box(102.7, 24.3, 102.8, 24.4)], crs="EPSG:4326")
    lonlat.to_parquet(tmp_path / "lonlat.parquet")
    got = read_stored_geometry(tmp_path / "lonlat.parquet", ["kind"], filters=[("kind", "=", "ubg")])
    assert got.crs.to_epsg() == 4326 and got["kind"].tolist() == ["ubg"] and "name" not in got.columns
    assert got.geometry.iloc[0].equals(lonlat.geometry.iloc[0])

    lonlat.to_crs("EPSG:4543").to_parquet(tmp_path / "gk.parquet")  # CGCS2000 3-degree Gauss-Krüger, CM 102°E
    got = read_stored_geometry(tmp_path / "gk.parquet", ["kind"])
    assert got.crs.to_epsg() == 4326 and got["kind"].tolist() == ["ubg", "farmland"]
    assert got.geometry.iloc[1].bounds == pytest.approx(lonlat.geometry.iloc[1].bounds, abs=1e-7)
