"""Every registered page, opened in Chromium: it runs without an exception, shows its Chinese title and CJK
text, loads nothing from outside the machine, and leaves a 1920×1080 full-page screenshot in
``artifacts/screenshots/<url_path>.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.i18n import t
from dashboard.navigation import PAGES, SECTION_ORDER, page_link, page_spec
from dashboard.views import overview
from tests.browser.helpers import ARTIFACTS, wait_for_app

SCREENSHOTS = ARTIFACTS / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(page, app_server, url_path: str, query: str = "") -> None:
    page.goto(f"{app_server}/{url_path}{query}", wait_until="domcontentloaded")
    wait_for_app(page)


def assert_clean(page, fence) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "exception shown on the page:\n" + "\n---\n".join(exceptions.all_inner_texts())
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, "a dialog covers the page: " + " / ".join(dialogs.all_inner_texts())
    assert fence.broken == [], f"local assets failed to load: {fence.broken}"
    assert fence.offsite == [], f"requests outside the machine: {fence.offsite}"


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_page_renders_in_chinese(page, fence, app_server, spec):
    open_page(page, app_server, page_link(spec))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}.png"), full_page=True)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t(spec.title_key, "zh"), exact=True).first).to_be_visible()
    assert len(CJK.findall(page.locator("body").inner_text())) >= 10, "hardly any Chinese text on the page"
    assert_clean(page, fence)


@pytest.mark.parametrize("spec", [PAGES[0], PAGES[1]], ids=[PAGES[0].url_path, PAGES[1].url_path])
def test_language_from_query_string_shows_english(page, fence, app_server, spec):
    open_page(page, app_server, page_link(spec), "?lang=en")
    page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}-en.png"), full_page=True)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t(spec.title_key, "en"), exact=True).first).to_be_visible()
    expect(main.get_by_text(t(spec.title_key, "zh"), exact=True)).to_have_count(0)
    assert_clean(page, fence)


@pytest.mark.parametrize("url_path", ["landuse", "data_manager"])
def test_deep_link_as_first_request_opens_the_framed_page(page, fence, fresh_app_server, url_path):
    """A copied link reopens the same view, even as the first request a new server sees."""
    spec = page_spec(url_path)
    open_page(page, fresh_app_server, page_link(spec), "?lang=en&region=530427")
    page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}-deeplink.png"), full_page=True)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t(spec.title_key, "en"), exact=True).first).to_be_visible()
    # the frame: the page menus in the top bar (the section's, or "… more" when English names overflow it)
    expect(page.locator('[data-testid="stTopNav"]')).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Region")).to_be_visible()
    expect(main.get_by_text("Region: Xinping Yi and Dai Autonomous County", exact=False).first).to_be_visible()
    assert_clean(page, fence)


def test_the_sidebars_choices_are_in_view_on_a_projector(page, fence, app_server):
    """At 1366×768 the language, region and profile choices show without scrolling the sidebar, and every section
    of pages is a menu in the top bar."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_page(page, app_server, page_link(PAGES[0]))
    sidebar = page.locator('[data-testid="stSidebar"]')
    for control in (sidebar.get_by_role("combobox", name="行政区"), sidebar.get_by_role("combobox", name="政策口径"),
                    sidebar.get_by_text("English", exact=True)):
        box = control.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 768, box
    menus = page.locator('[data-testid="stTopNavSection"]').all_inner_texts()
    assert [m.strip() for m in menus] == [t(key, "zh") for key in SECTION_ORDER]
    page.screenshot(path=str(SCREENSHOTS / "projector-1366x768.png"))
    assert_clean(page, fence)


def test_switching_language_relabels_the_select_boxes(page, fence, app_server):
    """Select boxes show the new language's names after a switch, not the old ones (Streamlit keeps a keyed select
    box's shown label when only its labels change): the sidebar's region and profile, and a page's own (the
    overview's indicator)."""
    open_page(page, app_server, page_link(PAGES[0]), "?region=530427")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="行政区")).to_have_value("新平彝族傣族自治县")
    metric_box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name=t("overview_panel.choose_metric", "zh"))
    shown = metric_box.input_value()
    metric = next(m for m in overview.METRICS if m.option_label("zh") == shown)
    sidebar.get_by_text("English", exact=True).click()
    expect(page.locator('[data-testid="stMain"]').get_by_text(t(PAGES[0].title_key, "en"), exact=True).first
           ).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(sidebar.get_by_role("combobox", name="Region")).to_have_value("Xinping Yi and Dai Autonomous County")
    expect(sidebar.get_by_role("combobox", name="Policy profile")).to_have_value("Yunnan / Yuxi (default)")
    expect(page.locator('[data-testid="stMain"]').get_by_role("combobox", name=t("overview_panel.choose_metric", "en"))
           ).to_have_value(metric.option_label("en"))
    assert "lang=en" in page.url and "region=530427" in page.url
    assert_clean(page, fence)


def test_switching_language_relabels_a_multiselects_chosen_chips(page, fence, app_server):
    open_page(page, app_server, page_link(page_spec("projects")))
    levels = page.locator('[data-testid="stMultiSelect"]').first
    levels.click()
    page.get_by_role("option", name="国家级").click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    expect(levels).to_contain_text("国家级")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_for_app(page)
    levels = page.locator('[data-testid="stMultiSelect"]').first
    expect(levels).to_contain_text("National", timeout=30_000)
    expect(levels).not_to_contain_text("国家级")
    assert_clean(page, fence)


def test_switching_language_keeps_a_radios_choice_shown(page, fence, app_server):
    open_page(page, app_server, page_link(page_spec("arable")))
    radio = page.locator('[data-testid="stRadio"]').first
    radio.get_by_text("水田规模（亩）", exact=True).click()
    wait_for_app(page)
    expect(radio.get_by_role("radio", name="水田规模（亩）")).to_be_checked()
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_for_app(page)
    radio = page.locator('[data-testid="stRadio"]').first
    expect(radio.get_by_role("radio", name="Paddy (mu)")).to_be_checked(timeout=30_000)
    assert_clean(page, fence)
