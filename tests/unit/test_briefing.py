"""Meeting slides and the county briefing PDF over the demo data: the slides' figures are the 总览 panel's KPI cards;
the PDF's extracted text has the county name, the data date and the version on every page, and the KPI values of
:func:`dashboard.views.overview.kpi_cards`."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from dashboard import briefing
from dashboard.charts import cjk_font_available
from dashboard.demo import DEMO_DIR
from dashboard.indicators import Context, compute
from dashboard.io import read_dataset
from dashboard.policy import load_profile
from dashboard.views import meeting as mv
from dashboard.views import overview as ov

AS_OF = date(2026, 9, 30)
PROFILE = load_profile()
HONGTA, YUANJIANG = "530402", "530428"


@pytest.fixture(scope="module")
def regions_geo():
    return read_dataset("regions", DEMO_DIR / "regions.parquet")


@pytest.fixture(scope="module")
def lines():
    return read_dataset("control_lines", DEMO_DIR / "control_lines.parquet")


@pytest.fixture(scope="module")
def tables(demo_engine):
    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF)
    return {ind: compute(ind, ctx) for ind in ov.CURRENT_TABLES}


@pytest.fixture(scope="module")
def previous_tables(demo_engine, tables):
    return {ind: compute(ind, Context(engine=demo_engine, profile=PROFILE, as_of=day))
            for ind, day in ov.previous_requests(tables, AS_OF).items()}


def meeting_data(regions_geo, tables, previous_tables, county, lang="zh") -> mv.MeetingData:
    regions = ov.region_frame(regions_geo, lang)
    values = ov.all_metric_values(tables, PROFILE, regions)
    previous = ov.all_metric_values(previous_tables, PROFILE, regions, ov.KPI_METRICS)
    return mv.MeetingData(lang, PROFILE, county, AS_OF, regions, tables, values, previous)


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text as pypdf extracts it, without whitespace and NULs."""
    return [re.sub(r"[\s\x00]+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def test_slides_are_the_overview_cards(regions_geo, tables, previous_tables):
    data = meeting_data(regions_geo, tables, previous_tables, YUANJIANG)
    slides = mv.slides(data)
    assert [s.key for s in slides] == list(mv.SLIDES)
    cards = ov.kpi_cards(data.values, data.previous, YUANJIANG)
    kpis = slides[0].figures
    assert [f.key for f in kpis] == [c.metric.key for c in cards]
    for fig, card in zip(kpis, cards, strict=True):
        assert fig.raw == card.value
        assert fig.value == ov.format_number(card.value, card.metric.unit, "zh", card.metric.decimals)
        assert fig.note == ov.kpi_note(card, "zh", fig.note if card.line is None else "")
    supply = next(f for f in slides[2].figures if f.key == "supply_rate")
    assert supply.value == "36.00%" and supply.status == "warn"
    disposal = {f.key: f for f in slides[3].figures}
    assert set(disposal) == {"unsupplied_disposal", "idle_disposal"} and all("%" in f.value for f in disposal.values())
    assert "40%" in slides[2].lead
    alerts = slides[-1].alerts
    assert len(alerts) <= mv.TOP_ALERTS and set(alerts["region_code"]) == {YUANJIANG}
    assert alerts["severity_rank"].is_monotonic_increasing


def test_slide_numbers_from_the_url_are_clamped():
    assert [mv.clamp_slide(v, 7) for v in (None, "", "x", "0", "3", "7", "99", 2)] == [1, 1, 1, 1, 3, 7, 7, 2]


@pytest.mark.skipif(not cjk_font_available(), reason="fonts-noto-cjk not installed (make fonts)")
@pytest.mark.parametrize(("county", "lang", "name"), [(HONGTA, "zh", "红塔区"), (None, "zh", "玉溪市"),
                                                       (YUANJIANG, "en", "YuanjiangHani")])
def test_briefing_pdf_names_the_region_date_and_version_on_every_page(regions_geo, lines, tables, previous_tables,
                                                                      county, lang, name):
    data = meeting_data(regions_geo, tables, previous_tables, county, lang)
    ctx = briefing.BriefingContext(version="demo-20260930", data_date="2026-09-30", profile_name=PROFILE.name(lang),
                                   regions_geo=regions_geo, control_lines=lines,
                                   generated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    pdf = briefing.to_pdf_bytes(data, ctx)
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert name in page and "2026-09-30" in page and "demo-20260930" in page
    text = "".join(pages)
    title = mv.m("briefing.title", lang, region=mv.region_label(data))
    assert re.sub(r"\s+", "", title) in text
    for card in ov.kpi_cards(data.values, data.previous, county):
        shown = ov.format_number(card.value, card.metric.unit, lang, card.metric.decimals)
        assert re.sub(r"\s+", "", shown) in text, (card.metric.key, shown)
    for message in mv.top_alerts(data)["severity"]:
        assert re.sub(r"\s+", "", message) in text
    assert PdfReader(io.BytesIO(pdf)).pages[0].images  # the map
    assert briefing.file_stem(data, ctx).endswith("2026-09-30")


def test_slide_rankings_are_laid_out_for_their_column(regions_geo, tables, previous_tables):
    """Two rankings side by side on a slide each get half the slide (the sidebar is hidden in meeting mode), so
    their name column is sized for that width, not for the main column of a page with a sidebar."""
    data = meeting_data(regions_geo, tables, previous_tables, None, lang="en")
    half = mv.slide_chart_width(2)
    assert half < mv.slide_chart_width(1) == mv.SLIDE_WIDTH_PX
    for key in mv.SLIDE_CHARTS["parks"]:
        spec = mv.ranking(data, key, count=2).to_dict()
        limits = [layer["encoding"]["y"]["axis"]["labelLimit"] for layer in spec["layer"]
                  if "y" in layer.get("encoding", {}) and "axis" in layer["encoding"]["y"]]
        assert limits and max(limits) <= 0.45 * half
