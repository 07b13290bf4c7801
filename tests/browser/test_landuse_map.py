"""The 土地利用 map in Chromium: vector tiles paint the standard class colours within the byte budget, a click on a
parcel opens its detail, a parcel named like an HTML tag shows as text, and nothing leaves the machine.

Headless Chromium renders WebGL in software, so deck.gl's picking at pointer-down is slow: a click is sent without
a delay between press and release (deck.gl drops clicks whose press outlasts its tap window), on a zoomed-in view.
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboard.geo import view_for_bounds
from dashboard.io import read_dataset
from dashboard.maps import LANDUSE_MAP_HEIGHT, LANDUSE_MAP_WIDTH
from dashboard.reference import class_colours
from tests.browser.conftest import SERVER_LOG, _running_app
from tests.browser.helpers import ARTIFACTS, wait_for_app
from tests.browser.test_pages import assert_clean
from tests.conftest import ROOT

SCREENSHOTS = ARTIFACTS / "screenshots"
XSS = "<img src=x onerror=alert(1)>"
CITY_VIEW_BUDGET_BYTES = 2_000_000
MAP = '[data-testid="stDeckGlJsonChart"]'


@pytest.fixture(scope="module")
def landuse():
    return read_dataset("landuse", ROOT / "data" / "demo" / "landuse.parquet")


def _tile_bytes(page) -> list[int]:
    sizes = []

    def on_response(response):
        if response.url.endswith(".pbf") and response.status == 200:
            sizes.append(len(response.body()))

    page.on("response", on_response)
    return sizes


def _wait_for_map(page, tiles: list[int] | None = None) -> None:
    wait_for_app(page, timeout_ms=120_000)
    page.locator(MAP).first.scroll_into_view_if_needed()
    if tiles is not None:
        page.wait_for_function("() => true")
        for _ in range(60):
            if tiles:
                break
            page.wait_for_timeout(500)
    page.wait_for_timeout(2500)  # let deck.gl draw the decoded tiles


def _map_pixels(page) -> np.ndarray:
    from PIL import Image

    png = page.locator(MAP).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _share_near(pixels: np.ndarray, rgb, tolerance: int = 40) -> float:
    """Share of pixels whose colour is within ``tolerance`` of ``rgb`` blended as drawn (some white shows through)."""
    drawn = 0.75 * np.asarray(rgb) + 0.25 * 245
    close = np.abs(pixels - drawn).max(axis=2) <= tolerance
    return float(close.mean())


def _pixel_offset(view: dict, lon: float, lat: float) -> tuple[float, float]:
    """Screen offset (px) of ``lon, lat`` from the centre of a web-mercator view (deck.gl: 512 px world at z0)."""
    scale = 512 * 2 ** view["zoom"]

    def world(lo, la):
        x = (lo + 180) / 360 * scale
        y = (1 - math.log(math.tan(math.radians(la)) + 1 / math.cos(math.radians(la))) / math.pi) / 2 * scale
        return x, y

    cx, cy = world(view["longitude"], view["latitude"])
    px, py = world(lon, lat)
    return px - cx, py - cy


def test_city_view_paints_class_colours_from_local_tiles(page, fence, app_server):
    tiles = _tile_bytes(page)
    page.goto(f"{app_server}/landuse", wait_until="domcontentloaded")
    _wait_for_map(page, tiles)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "landuse-map.png"), full_page=True)

    assert tiles, "no vector tile reached the browser"
    assert sum(tiles) <= CITY_VIEW_BUDGET_BYTES, f"city view shipped {sum(tiles):,} bytes of tiles"
    pixels = _map_pixels(page)
    colours = class_colours()
    forest = _share_near(pixels, colours["0301"])
    assert forest > 0.01, f"乔木林地 colour covers {forest:.2%} of the map"
    legend = page.locator('[data-testid="stHtml"]').first
    expect(legend.get_by_text("乔木林地 0301")).to_be_visible()
    assert_clean(page, fence)


def test_clicking_a_parcel_opens_its_detail(page, fence, app_server, landuse):
    anchor = landuse.iloc[2000]
    minx, miny, maxx, maxy = anchor.geometry.bounds
    bounds = (minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01)
    page.goto(f"{app_server}/landuse?parcel={anchor['parcel_id']}", wait_until="domcontentloaded")
    _wait_for_map(page)
    chart = page.locator(MAP).first
    box = chart.locator("canvas").first.bounding_box()
    view = view_for_bounds(bounds, width_px=LANDUSE_MAP_WIDTH[False], height_px=LANDUSE_MAP_HEIGHT[False])  # as the page fits it

    # A neighbour well inside the view, clicked at a point inside it.
    near = landuse[landuse.geometry.intersects(anchor.geometry.buffer(0.006)) & (landuse.index != anchor.name)]
    target = near.iloc[len(near) // 2]
    point = target.geometry.representative_point()
    dx, dy = _pixel_offset(view, point.x, point.y)
    x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy
    page.mouse.move(x, y)  # the first pick compiles deck.gl's picking shaders: do it on hover, not on the click
    expect(page.locator(".deck-tooltip")).to_contain_text(target["parcel_id"], timeout=15_000)
    for _ in range(3):  # a click whose pick outlasts deck.gl's tap window is dropped: click again
        page.mouse.click(x, y)
        try:
            page.wait_for_url(f"**parcel={target['parcel_id']}**", timeout=10_000)
            break
        except PlaywrightTimeoutError:
            continue
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(target["parcel_id"], exact=True).first).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.wait_for_timeout(2000)
    # The map stays where it was (no jump back to the city) and the land-use colours stay.
    pixels = _map_pixels(page)
    assert _share_near(pixels, class_colours()[target["dlbm"]]) > 0.005
    page.screenshot(path=str(SCREENSHOTS / "landuse-parcel-detail.png"), full_page=True)
    assert_clean(page, fence)


def _store_with_xss_parcel(store_dir, parcel_id: str) -> None:
    """Publish a land-use version whose parcel ``parcel_id`` has an HTML tag as its class name."""
    script = (
        "import sys; from dashboard import store; from dashboard.io import read_dataset;"
        "frame = read_dataset('landuse', 'data/demo/landuse.parquet');"
        f"frame.loc[frame.parcel_id == {parcel_id!r}, 'dlmc'] = {XSS!r};"
        "v = store.write_version('landuse', frame, uploader='test', original_name='xss.gpkg',"
        " data_date='2026-09-30', source='test');"
        "store.publish('landuse', v.version, user='test')"
    )
    env = {**os.environ, "DASHBOARD_STORE": str(store_dir), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


def test_parcel_named_like_html_shows_as_text(page, fence, landuse):
    parcel_id = landuse.iloc[3000]["parcel_id"]
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log = SERVER_LOG.with_name("streamlit-server-xss.log")
    with _running_app(log, prepare_store=lambda path: _store_with_xss_parcel(path, parcel_id)) as base_url:
        page.goto(f"{base_url}/landuse?parcel={parcel_id}", wait_until="domcontentloaded")
        _wait_for_map(page)
        main = page.locator('[data-testid="stMain"]')
        # The detail panel (a data grid drawn on canvas) and the hover tooltip both show the text itself.
        box = main.locator(MAP).first.locator("canvas").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator(".deck-tooltip")
        expect(tooltip).to_contain_text(XSS, timeout=15_000)
        page.screenshot(path=str(SCREENSHOTS / "landuse-xss.png"), full_page=True)
        expect(main.locator('[data-testid="stTable"]').first).to_contain_text(XSS)
        assert page.locator("img[src='x']").count() == 0
        assert dialogs == []
        assert_clean(page, fence)
