"""CRS doctor: EPSG families checked against pyproj, inference from coordinates, swapped axes, regions."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS, Transformer

from dashboard.demo.regions import build_regions
from dashboard.errors import UserError
from dashboard.upload import detect_crs, to_lonlat
from dashboard.upload.crs import gk3_cm, gk3_prefixed, gk6_prefixed

BEIJING = (116.40, 39.90)
HONGTA = (102.55, 24.35)


@pytest.fixture(scope="module")
def yuxi() -> tuple[float, float, float, float]:
    return tuple(float(v) for v in build_regions().total_bounds)


def _params(code: str) -> dict[str, float]:
    op = CRS.from_user_input(code).coordinate_operation
    return {p.name: p.value for p in op.params}


def _frame(lon: float, lat: float, epsg: int | None, *, to: int | None = None, size: float = 500.0):
    """Two squares at ``lon, lat`` with coordinates in EPSG ``to`` (labelled ``epsg``, or unlabelled)."""
    x, y = Transformer.from_crs(4326, to or epsg, always_xy=True).transform(lon, lat)
    if CRS.from_epsg(to or epsg).is_geographic:
        size = size / 100_000
    geoms = [shapely.box(x, y, x + size, y + size), shapely.box(x + 2 * size, y, x + 3 * size, y + size)]
    return gpd.GeoDataFrame({"id": ["0012", "0013"]}, geometry=geoms, crs=epsg)


# ------------------------------------------------------------------------------ EPSG families vs pyproj


@pytest.mark.parametrize("zone", range(25, 46))
def test_3_degree_prefixed_zones(zone):
    params = _params(gk3_prefixed(zone))
    assert params["Longitude of natural origin"] == 3 * zone
    assert params["False easting"] == zone * 1_000_000 + 500_000


@pytest.mark.parametrize("cm", range(75, 136, 3))
def test_3_degree_central_meridians_without_prefix(cm):
    params = _params(gk3_cm(cm))
    assert params["Longitude of natural origin"] == cm
    assert params["False easting"] == 500_000


@pytest.mark.parametrize("zone", range(13, 24))
def test_6_degree_prefixed_zones(zone):
    params = _params(gk6_prefixed(zone))
    assert params["Longitude of natural origin"] == 6 * zone - 3
    assert params["False easting"] == zone * 1_000_000 + 500_000


def test_the_codes_the_issue_asks_about():
    assert gk3_prefixed(34) == "EPSG:4522"  # zone 34 → CM 102°E, eastings 34xxxxxx
    assert gk3_cm(102) == "EPSG:4543"
    assert "zone 34" in CRS.from_epsg(4522).name and "CM 102E" in CRS.from_epsg(4543).name


# ------------------------------------------------------------------------------------------- inference


@pytest.mark.parametrize(
    ("epsg", "region", "candidates", "reason"),
    [
        (4490, True, ("EPSG:4490", "EPSG:4326"), "lonlat_range"),
        (4522, True, ("EPSG:4522",), "zone_prefix"),
        (4522, False, ("EPSG:4522",), "zone_prefix"),
        (4543, True, ("EPSG:4543",), "central_meridian"),
        (4496, True, ("EPSG:4496",), "zone_prefix"),  # 6-degree zone 18 (CM 105°E) with prefix
        (3857, True, ("EPSG:3857",), "web_mercator"),
    ],
)
def test_inferred_candidates_without_declared_crs(yuxi, epsg, region, candidates, reason):
    frame = _frame(*HONGTA, None, to=epsg)
    report = detect_crs(frame, region_bounds=yuxi if region else None)
    assert report.candidates == candidates
    assert report.chosen is None
    assert report.reason_key == f"upload.crs_reason.{reason}"
    assert not report.swapped_axes and not report.out_of_region


def test_six_digit_eastings_without_region_are_ambiguous(yuxi):
    frame = _frame(*HONGTA, None, to=4543)
    report = detect_crs(frame)
    assert "EPSG:4543" in report.candidates and len(report.candidates) > 3


def test_yuxi_west_edge_in_cm_99_is_found_with_the_region(yuxi):
    # Xinping's west edge (101.3°E) surveyed in the CM 99°E zone: only that zone puts it in Yuxi.
    frame = _frame(101.35, 23.9, None, to=4542)
    assert detect_crs(frame, region_bounds=yuxi).candidates == ("EPSG:4542",)


@pytest.mark.parametrize("epsg", [4490, 4543, 4522])
def test_swapped_axes_are_caught(yuxi, epsg):
    frame = _frame(*HONGTA, None, to=epsg)
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    report = detect_crs(frame, region_bounds=yuxi)
    assert report.swapped_axes
    assert f"EPSG:{epsg}" in report.candidates


def test_out_of_region_is_flagged(yuxi):
    report = detect_crs(_frame(*BEIJING, 4326), region_bounds=yuxi)
    assert report.chosen == "EPSG:4326" and report.out_of_region
    undeclared = detect_crs(_frame(*BEIJING, None, to=4490), region_bounds=yuxi)
    assert undeclared.out_of_region and undeclared.candidates[:2] == ("EPSG:4490", "EPSG:4326")


def test_declared_crs_that_does_not_fit_the_coordinates(yuxi):
    # Gauss-Krüger numbers in a GeoJSON (which always claims EPSG:4326).
    frame = _frame(*HONGTA, None, to=4543).set_crs(4326, allow_override=True)
    report = detect_crs(frame, region_bounds=yuxi)
    assert report.chosen is None
    assert report.reason_key == "upload.crs_reason.declared_mismatch"
    assert report.candidates == ("EPSG:4543",)


def test_esri_prj_text_is_understood(yuxi):
    prj = CRS.from_epsg(4543).to_wkt("WKT1_ESRI")
    assert "CGCS2000_3_Degree_GK_CM_102E" in prj
    report = detect_crs(_frame(*HONGTA, None, to=4543), prj_text=prj, region_bounds=yuxi)
    assert report.chosen == "EPSG:4543" and report.declared == "EPSG:4543"


def test_bounds_and_coordinate_arrays_are_accepted(yuxi):
    x, y = Transformer.from_crs(4326, 4522, always_xy=True).transform(*HONGTA)
    assert detect_crs((x, y, x + 10, y + 10)).candidates == ("EPSG:4522",)
    assert detect_crs([[x, y], [x + 10, y + 10]]).candidates == ("EPSG:4522",)


# ------------------------------------------------------------------------------------------- to_lonlat


def test_missing_crs_needs_an_explicit_choice(yuxi):
    frame = _frame(*HONGTA, None, to=4543)
    with pytest.raises(UserError) as info:
        to_lonlat(frame, region_bounds=yuxi)
    assert info.value.key == "error.upload.crs_missing"
    assert info.value.params["candidates"] == "EPSG:4543 (CGCS2000 / 3-degree Gauss-Kruger CM 102E)"
    out = to_lonlat(frame, crs="EPSG:4543", region_bounds=yuxi)
    assert out.crs.to_epsg() == 4326
    minx, miny, _, _ = out.total_bounds
    assert minx == pytest.approx(HONGTA[0], abs=1e-6) and miny == pytest.approx(HONGTA[1], abs=1e-4)


def test_8_digit_eastings_zone_34_convert_with_epsg_4522(yuxi):
    out = to_lonlat(_frame(*HONGTA, None, to=4522), crs=4522, region_bounds=yuxi)
    assert out.total_bounds[0] == pytest.approx(HONGTA[0], abs=1e-6)


def test_cgcs2000_lonlat_is_relabelled_not_shifted(yuxi):
    frame = _frame(*HONGTA, 4490)
    out = to_lonlat(frame, region_bounds=yuxi)
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].equals(frame.geometry.iloc[0])


def test_explicit_crs_overrides_declared_with_a_warning(yuxi):
    frame = _frame(*HONGTA, None, to=4543).set_crs(4326, allow_override=True)
    with pytest.raises(UserError) as info:
        to_lonlat(frame, region_bounds=yuxi)
    assert info.value.key == "error.upload.crs_mismatch"
    assert "EPSG:4543" in info.value.params["candidates"]
    out = to_lonlat(frame, crs="EPSG:4543", region_bounds=yuxi)
    assert ("warning.upload.crs_overridden", {"declared": "EPSG:4326", "chosen": "EPSG:4543"}) in out.attrs[
        "crs_warnings"]


def test_swapped_axes_error_then_fix(yuxi):
    frame = _frame(*HONGTA, 4490)
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    with pytest.raises(UserError) as info:
        to_lonlat(frame, region_bounds=yuxi)
    assert info.value.key == "error.upload.swapped_axes"
    out = to_lonlat(frame, region_bounds=yuxi, swap_axes=True)
    assert out.total_bounds[0] == pytest.approx(HONGTA[0])


def test_out_of_region_error_names_both_boxes(yuxi):
    with pytest.raises(UserError) as info:
        to_lonlat(_frame(*BEIJING, 4326), region_bounds=yuxi)
    params = info.value.params
    assert info.value.key == "error.upload.out_of_region"
    assert params["lon"].startswith("116.40") and params["region_lon"] == "101.28–103.15"
    # Without a region, Beijing is simply Beijing.
    assert to_lonlat(_frame(*BEIJING, 4326)).crs.to_epsg() == 4326


def test_partly_outside_region_is_a_warning(yuxi):
    inside = _frame(*HONGTA, 4326)
    outside = _frame(110.0, 24.35, 4326)
    out = to_lonlat(gpd.GeoDataFrame(gpd.pd.concat([inside, outside], ignore_index=True), crs=4326),
                    region_bounds=(101.0, 23.0, 111.0, 25.0))
    assert out.attrs["crs_warnings"] == []
    out = to_lonlat(gpd.GeoDataFrame(gpd.pd.concat([inside, outside], ignore_index=True), crs=4326),
                    region_bounds=yuxi)
    assert ("warning.upload.partly_outside_region", {"count": 2, "total": 4}) in out.attrs["crs_warnings"]


def test_gcj02_flag_converts_lonlat_and_refuses_projected(yuxi):
    from dashboard.geo import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(*HONGTA)
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(float(lon), float(lat))], crs=4326)
    out = to_lonlat(frame, source_is_gcj02=True, region_bounds=yuxi)
    assert out.geometry.iloc[0].x == pytest.approx(HONGTA[0], abs=1e-7)
    assert out.geometry.iloc[0].y == pytest.approx(HONGTA[1], abs=1e-7)
    with pytest.raises(UserError) as info:
        to_lonlat(_frame(*HONGTA, 4543), source_is_gcj02=True, region_bounds=yuxi)
    assert info.value.key == "error.upload.gcj02_needs_lonlat"


def test_unknown_explicit_crs():
    with pytest.raises(UserError) as info:
        to_lonlat(_frame(*HONGTA, 4326), crs="EPSG:999999")
    assert info.value.key == "error.upload.crs_unknown"


def test_no_coordinates_needs_no_crs():
    frame = gpd.GeoDataFrame({"id": ["1"]}, geometry=[None])
    out = to_lonlat(frame)
    assert out.crs.to_epsg() == 4326
    assert out.attrs["crs_report"].reason_key == "upload.crs_reason.no_coordinates"
