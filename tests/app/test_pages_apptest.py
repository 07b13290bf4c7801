"""AppTest smoke over every registered page: no exception, its title present, in both languages, and no internal
reference (the project's seed numbers or design-note sections) in anything it shows."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.i18n import t
from dashboard.navigation import PAGES

APP = str(Path(__file__).resolve().parents[2] / "app.py")
#: What only developers read: the seed files' numbers and DOMAIN.md's sections (sources cite documents by title).
INTERNAL_REFERENCE = re.compile(r"\bseed \d{3}|DOMAIN(\.md)? §")
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


def internal_references(at) -> list[str]:
    """Internal references in every text, table, HTML block and chart of the page."""
    texts = [str(element.value) for kind in TEXT_ELEMENTS for element in getattr(at, kind)]
    texts += [str(m.label) for m in at.metric]
    texts += [h.proto.body for h in at.get("html")] + [c.proto.spec for c in at.get("vega_lite_chart")]
    texts += [frame.value.to_string() for frame in [*at.dataframe, *at.table]]
    return sorted({match.group(0) for text in texts for match in INTERNAL_REFERENCE.finditer(text)})


def open_page(spec, query=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(spec.file)
    at.run()
    return at


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders_without_exception(spec):
    at = open_page(spec)
    assert not at.exception, [e.value for e in at.exception]
    assert t(spec.title_key, "zh") in [title.value for title in at.title]
    assert internal_references(at) == []


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders_in_english(spec):
    at = open_page(spec, {"lang": "en"})
    assert not at.exception, [e.value for e in at.exception]
    assert t(spec.title_key, "en") in [title.value for title in at.title]
    assert internal_references(at) == []


def test_region_comes_from_the_url_and_goes_back_into_it():
    at = open_page(PAGES[0], {"region": "530402"})
    assert at.selectbox(key="region").value == "530402"
    at.selectbox(key="region").set_value("530427").run()
    assert at.query_params["region"] in ("530427", ["530427"])
    assert "新平彝族傣族自治县" in " ".join(c.value for c in at.caption)


def test_language_switch_is_one_click_and_goes_into_the_url():
    at = open_page(PAGES[0])
    language = at.segmented_control(key="lang")
    assert language.value == "zh" and language.options == ["中文", "English"]
    language.set_value("en").run()
    assert not at.exception, [e.value for e in at.exception]
    assert t(PAGES[0].title_key, "en") in [title.value for title in at.title]
    assert at.query_params["lang"] in ("en", ["en"])
    at.segmented_control(key="lang").set_value("zh").run()
    assert t(PAGES[0].title_key, "zh") in [title.value for title in at.title]
    assert "lang" not in at.query_params


def test_unknown_region_in_url_falls_back_to_city():
    at = open_page(PAGES[0], {"region": "999999"})
    assert at.selectbox(key="region").value == "city"
    assert not at.exception


def test_demo_pages_say_demo_data_with_the_date():
    at = open_page(PAGES[0])
    captions = " ".join(c.value for c in at.caption)
    assert "2026-09-30" in captions
    assert any("badge[" in m.value and "示例数据" in m.value for m in at.main.markdown)


def test_profile_comes_from_the_url_and_goes_back_into_it():
    at = open_page(PAGES[0], {"profile": "ningxia"})
    assert at.selectbox(key="profile").value == "ningxia"
    at.selectbox(key="profile").set_value("qiannan").run()
    assert at.query_params["profile"] in ("qiannan", ["qiannan"])


def test_public_pages_have_no_profile_switch():
    public = next(spec for spec in PAGES if spec.public)
    at = open_page(public)
    assert not [s for s in at.selectbox if s.key == "profile"]
