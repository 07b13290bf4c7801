"""Meeting mode: one slide per screen, next / previous change the slide and the URL, the region stays fixed (from
``?region=``), Chinese and English, and the county briefing PDF download is there."""

from __future__ import annotations

from dashboard.navigation import page_spec
from dashboard.views import meeting as mv
from tests.app.helpers import metrics, open_app_page

SPEC = page_spec("meeting")


def _headers(at) -> list[str]:
    return [h.value for h in at.header]


def _metrics(at) -> dict[str, str]:
    return {label: value.strip() for label, value in metrics(at).items()}


def test_county_meeting_pages_forward_and_back_in_chinese():
    at = open_app_page(SPEC.file, {"region": "530428"})
    assert "会议模式" in [t.value for t in at.title]
    assert _headers(at) == ["元江哈尼族彝族傣族自治县 · 核心指标一览"]
    assert at.query_params["slide"] == "1" and at.query_params["region"] == "530428"
    assert _metrics(at)["五年供地率"] == "36.00%"  # the overview's county figure
    assert at.button(key="meeting_prev").disabled
    assert {d.key for d in at.get("download_button")} >= {"meeting_briefing_pdf"}
    at.button(key="meeting_next").click().run()
    assert not at.exception
    assert _headers(at) == ["元江哈尼族彝族傣族自治县 · 耕地占补平衡"]
    assert at.query_params["slide"] == "2" and at.query_params["region"] == "530428"
    at.button(key="meeting_next").click().run()
    assert _headers(at) == ["元江哈尼族彝族傣族自治县 · 五年供地率"]
    assert at.query_params["slide"] == "3"
    at.button(key="meeting_prev").click().run()
    assert _headers(at) == ["元江哈尼族彝族傣族自治县 · 耕地占补平衡"]
    assert at.query_params["slide"] == "2" and at.query_params["region"] == "530428"
    assert {d.key for d in at.get("download_button")} >= {"meeting_briefing_pdf", "meeting_chart_cultivated_balance_png"}


def test_url_opens_a_slide_in_english_and_the_last_slide_has_the_alerts():
    last = len(mv.SLIDES)
    at = open_app_page(SPEC.file, {"lang": "en", "region": "530428", "slide": str(last)})
    assert "Meeting mode" in [t.value for t in at.title]
    assert _headers(at) == ["Yuanjiang Hani, Yi and Dai Autonomous County · Top alerts"]
    assert at.button(key="meeting_next").disabled and not at.button(key="meeting_prev").disabled
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "supply rate 36.0% &lt; 40%" in html
    assert "meeting_briefing_pdf" in {d.key for d in at.get("download_button")}


def test_city_meeting_and_an_out_of_range_slide():
    at = open_app_page(SPEC.file, {"slide": "99"})
    assert _headers(at)[0].endswith(" · 主要预警")
    assert at.query_params["slide"] == str(len(mv.SLIDES))
    # the city has more alerts than the slide lists: the lead says so, and the table below holds them all
    table = next(d.value for d in at.dataframe if len(d.value) > mv.TOP_ALERTS)
    lead = f"共 {len(table)} 条预警，此处按严重程度列出前 {mv.TOP_ALERTS} 条"
    assert any(lead in md.value for md in at.markdown), [md.value for md in at.markdown][:5]
    at.button(key="meeting_prev").click().run()
    assert _headers(at)[0].endswith("园区亩均效益与地均GDP")
    assert _metrics(at)["园区亩均投资强度（2025年）"] == "234.75 万元/亩"
