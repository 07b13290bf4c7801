"""The 园区与亩均 map in Chromium: a park link opens the park, a click on an enterprise parcel opens its card (the
XSS-named enterprise shows as text, in the tooltip and in the card), colouring by a metric paints the classed
legend's colours on the canvas, and nothing leaves the machine.

The click position is computed from the view the page fits (:func:`dashboard.parks_map.focus_bounds`) over the
demo data the test server serves.  In headless software WebGL deck.gl only sees a fast click.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboard import parks_map as pm
from dashboard.demo import DEMO_DIR
from dashboard.demo.ledgers import XSS_ENTERPRISE_NAME
from dashboard.engine import Engine
from dashboard.indicators import Context, compute
from dashboard.io import read_dataset
from dashboard.maps import view_state
from dashboard.policy import load_profile
from tests.browser.helpers import ARTIFACTS, wait_for_app
from tests.browser.test_pages import assert_clean
from tests.unit.conftest import DEMO_AS_OF

SCREENSHOTS = ARTIFACTS / "screenshots"
PARK = "P01"
XSS_PARCEL = "530402003001GB00006"
MAP = '[data-testid="stDeckGlJsonChart"]'


@pytest.fixture(scope="module")
def demo():
    """The demo parks and every enterprise parcel, as the test server (which serves the demo data) draws them."""
    engine = Engine.from_dir(DEMO_DIR)
    ctx = Context(engine=engine, profile=load_profile(), as_of=DEMO_AS_OF)
    parcels = read_dataset("park_parcels", engine.paths["park_parcels"])
    frame = pm.enterprise_parcels(parcels, compute("per_mu_enterprise", ctx), compute("enterprise_grades", ctx))
    return read_dataset("parks", engine.paths["parks"]), pm.drawable(frame).reset_index(drop=True)


@pytest.fixture(scope="module")
def demo_park(demo):
    """The parcels of :data:`PARK` and the view a link to it opens on."""
    parks, frame = demo
    frame = frame[frame["park_id"] == PARK].reset_index(drop=True)
    return frame, view_state(pm.focus_bounds(parks[parks["park_id"] == PARK], frame), height_px=600,
                             width_px=pm.MAP_WIDTH_PX)  # as the page fits it


def _mercator(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = 512.0 * 2.0**zoom
    return size * (lon + 180.0) / 360.0, size * (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _screen_point(page, view, lon: float, lat: float) -> tuple[float, float]:
    box = page.locator(f"{MAP} canvas").first.bounding_box()
    cx, cy = _mercator(view.longitude, view.latitude, view.zoom)
    px, py = _mercator(lon, lat, view.zoom)
    return box["x"] + box["width"] / 2 + (px - cx), box["y"] + box["height"] / 2 + (py - cy)


def _open(page, app_server, query: str) -> None:
    page.goto(f"{app_server}/parks{query}", wait_until="domcontentloaded")
    wait_for_app(page)
    # A fresh server's first request reruns through app.py and computes the indicators: allow for it.
    expect(page.locator(f"{MAP} canvas").first).to_be_visible(timeout=90_000)
    wait_for_app(page)


def test_click_on_a_parcel_opens_its_card_with_the_name_as_text(page, fence, app_server, demo_park):
    frame, view = demo_park
    _open(page, app_server, f"?park={PARK}")
    expect(page.get_by_text("点击地图上的企业宗地", exact=False)).to_be_visible()

    point = frame.loc[frame["parcel_id"] == XSS_PARCEL, "geometry"].iloc[0].representative_point()
    x, y = _screen_point(page, view, point.x, point.y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)  # no delay: software WebGL loses slow clicks
    page.wait_for_url(f"**parcel={XSS_PARCEL}**", timeout=30_000)
    wait_for_app(page)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(XSS_ENTERPRISE_NAME, exact=True).first).to_be_visible()
    # The card's tables are canvas grids (their cells are not DOM text): AppTest checks their values.
    expect(main.get_by_text("各项指标与基准对比", exact=True)).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0, "a data value was rendered as markup"
    assert "park=P01" in page.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "parks-map-click.png"), full_page=True)
    assert_clean(page, fence)


def test_colouring_by_a_metric_paints_the_legend_colours(page, fence, app_server, demo_park):
    frame, _ = demo_park
    _open(page, app_server, f"?park={PARK}")
    page.get_by_role("combobox", name="着色依据").click()
    page.get_by_role("option", name="亩均投资强度（万元/亩）").click()
    wait_for_app(page)
    legend = page.locator('[data-testid="stMain"]').get_by_text("亩均投资强度 · 自然断点（Jenks）")
    expect(legend).to_be_visible()
    classes = pm.classify(frame["invest_per_mu_wan"], pm.DEFAULT_CLASSES, pm.DEFAULT_SCHEME, "万元/亩")
    for label in classes.labels:
        expect(page.get_by_text(label, exact=False).first).to_be_visible()

    page.wait_for_timeout(1500)  # let deck.gl draw the new colours
    shot = Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")
    pixels = np.asarray(shot, dtype=float).reshape(-1, 3)
    painted = 0
    for colour in pm.ramp(classes.k):
        # Fills are drawn at FILL_ALPHA over the light county fill: allow for the blend.
        near = np.abs(pixels - np.asarray(colour, dtype=float)).max(axis=1) < 40
        painted += int(near.sum() > 30)
    assert painted >= classes.k - 1, f"only {painted} of {classes.k} class colours found on the map"
    page.screenshot(path=str(SCREENSHOTS / "parks-map-metric.png"), full_page=True)
    assert_clean(page, fence)


def test_city_view_in_english_lists_every_park(page, fence, app_server):
    _open(page, app_server, "?lang=en")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("Per-mu performance of the parks", exact=True)).to_be_visible()
    expect(main.get_by_text("A — priority development", exact=False).first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "parks-map-en.png"), full_page=True)
    assert_clean(page, fence)


def test_click_on_a_park_opens_that_park(page, fence, app_server, demo):
    parks, frame = demo
    view = view_state(pm.focus_bounds(parks, frame), height_px=600, width_px=pm.MAP_WIDTH_PX)  # the city view
    park = parks[parks["park_id"] == "P04"].iloc[0]
    # A point of the park away from its enterprise parcels (those are picked first).
    empty = park.geometry.difference(frame.union_all().buffer(0.003))
    point = empty.representative_point()
    _open(page, app_server, "")
    x, y = _screen_point(page, view, point.x, point.y)
    page.mouse.move(x, y)  # the first pick compiles deck.gl's picking shaders: do it on hover, not on the click
    for _ in range(3):  # a click whose pick outlasts deck.gl's tap window (a loaded machine) is dropped: again
        page.mouse.click(x, y)
        try:
            page.wait_for_url("**park=P04**", timeout=20_000)
            break
        except PlaywrightTimeoutError:
            continue
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="园区")).to_have_value(str(park["name"]), timeout=30_000)
    assert_clean(page, fence)
