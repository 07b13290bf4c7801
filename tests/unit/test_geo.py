"""Coordinate helpers: GCJ-02 round trip, Gauss-Krüger zone choice, view fitting."""

import numpy as np
import pyproj
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.geo import gauss_kruger_crs, gcj02_to_wgs84, view_for_bounds, wgs84_to_gcj02


@given(st.floats(101.0, 104.0), st.floats(23.0, 25.5))
def test_gcj02_round_trip_within_a_centimetre(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.allclose(back, (lon, lat), atol=1e-7)


def test_gcj02_offset_in_yuxi_is_a_few_hundred_metres():
    glon, glat = wgs84_to_gcj02(102.55, 24.35)
    assert 0.001 < abs(glon - 102.55) < 0.01 and 0.001 < abs(glat - 24.35) < 0.01


@pytest.mark.parametrize(("lon", "epsg", "cm"), [(102.5, 4543, 102), (100.4, 4542, 99), (103.6, 4544, 105)])
def test_gauss_kruger_zone(lon, epsg, cm):
    crs = pyproj.CRS(gauss_kruger_crs(lon))
    assert crs.to_epsg() == epsg
    assert f"CM {cm}E" in crs.name


def test_view_fits_bounds():
    view = view_for_bounds((101.27, 23.31, 103.15, 24.96), width_px=1000, height_px=520)
    assert view["longitude"] == pytest.approx(102.21)
    assert 7 < view["zoom"] < 8.5
