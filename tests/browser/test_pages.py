"""Every registered page, opened in Chromium: it runs without an exception, shows its Chinese title and CJK
text, loads nothing from outside the machine, and leaves a 1920×1080 full-page screenshot in
``artifacts/screenshots/<url_path>.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.i18n import t
from dashboard.navigation import PAGES
from tests.browser.helpers import ARTIFACTS, wait_for_app

SCREENSHOTS = ARTIFACTS / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(page, app_server, url_path: str, query: str = "") -> None:
    page.goto(f"{app_server}/{url_path}{query}", wait_until="domcontentloaded")
    wait_for_app(page)


def assert_clean(page, fence) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "exception shown on the page:\n" + "\n---\n".join(exceptions.all_inner_texts())
    assert fence.broken == [], f"local assets failed to load: {fence.broken}"
    assert fence.offsite == [], f"requests outside the machine: {fence.offsite}"


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_page_renders_in_chinese(page, fence, app_server, spec):
    open_page(page, app_server, spec.url_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}.png"), full_page=True)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t(spec.title_key, "zh"), exact=True).first).to_be_visible()
    assert len(CJK.findall(page.locator("body").inner_text())) >= 10, "hardly any Chinese text on the page"
    assert_clean(page, fence)


def test_language_from_query_string_shows_english(page, fence, app_server):
    spec = PAGES[0]
    open_page(page, app_server, spec.url_path, "?lang=en")
    page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}-en.png"), full_page=True)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t(spec.title_key, "en"), exact=True).first).to_be_visible()
    expect(main.get_by_text(t(spec.title_key, "zh"), exact=True)).to_have_count(0)
    assert_clean(page, fence)
