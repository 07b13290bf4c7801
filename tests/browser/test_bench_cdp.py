"""The map benchmark's raw DevTools driver (:class:`dashboard.bench_browser.CdpBrowser`), used for inline layers
whose single websocket frame Playwright's driver cannot pass on: it opens the real app, counts the websocket bytes in
the page and screenshots an element, with the same calls :func:`dashboard.bench_browser.measure` makes."""

from __future__ import annotations

import time

from dashboard.bench_browser import VIEWPORT, CdpBrowser
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS

TITLE = "() => { const h = document.querySelector('h1'); return h ? h.innerText : ''; }"


def test_cdp_driver_opens_the_app_counts_its_websocket_bytes_and_screenshots(app_server, tmp_path):
    browser = CdpBrowser(CHROMIUM, CHROMIUM_ARGS)
    try:
        assert browser.version  # Chromium answered over DevTools
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.goto(app_server + "/arable")
        deadline = time.monotonic() + 90
        while not page.evaluate(TITLE) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert "耕地" in page.evaluate(TITLE)
        # Streamlit's page arrives over its websocket: the page's own counter saw it (CDP's network events are off)
        assert page.evaluate("() => window.__benchWsBytes") > 1_000
        shot = tmp_path / "title.png"
        page.locator("h1").first.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        context.close()
    finally:
        browser.close()
    assert browser.proc.poll() is not None  # Chromium is gone
