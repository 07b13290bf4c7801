"""选址预审 in Chromium: draw a rectangle with the Leaflet.draw control (served by the app), get the pre-check, and
download the PDF report — with nothing leaving the machine."""

from __future__ import annotations

from playwright.sync_api import expect

from dashboard.navigation import page_spec
from tests.browser.helpers import ARTIFACTS, wait_for_app
from tests.browser.test_pages import assert_clean


def test_draw_a_site_and_download_the_report(page, fence, app_server):
    for path in ("", f"{page_spec('site_check').url_path}?region=530402"):
        page.goto(f"{app_server}/{path}", wait_until="domcontentloaded")
        wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("尚未提供用地范围", exact=False)).to_be_visible()

    frame = page.frame_locator('[data-testid="stMain"] iframe').first
    tool = frame.locator("a.leaflet-draw-draw-rectangle")
    expect(tool).to_be_visible(timeout=60_000)
    tool.click()
    box = main.locator("iframe").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 20, y - 15)
    page.mouse.down()
    page.mouse.move(x, y, steps=5)
    page.mouse.move(x + 20, y + 15, steps=5)
    page.mouse.up()

    expect(main.get_by_text("预审结果", exact=True)).to_be_visible(timeout=120_000)
    wait_for_app(page)
    expect(main.get_by_text("三、与三条控制线关系", exact=True)).to_be_visible()
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "site_check_drawn.png"), full_page=True)

    with page.expect_download(timeout=120_000) as download:
        main.get_by_role("button", name="下载预审报告（PDF）").click()
    path = download.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    assert_clean(page, fence)
