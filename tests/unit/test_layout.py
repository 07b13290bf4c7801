"""The widths the layout gives maps and charts (dashboard.layout), against what Streamlit draws."""

from __future__ import annotations

import pytest

from dashboard import layout


def test_main_column_is_the_projector_width_less_sidebar_padding_and_scrollbar():
    assert layout.MAIN_WIDTH_PX == 1366 - 300 - 2 * 80 - 16 == 890


@pytest.mark.parametrize(("spec", "gap", "total", "measured"), [
    # Measured in Chromium at 1366 × 768 (overlay scrollbar: a 906 px main column), Streamlit 1.67.
    ((11, 10), "medium", 906, [459, 415]),
    ((3, 2), "medium", 906, [528, 346]),
    (2, "small", 906, [445, 445]),
])
def test_column_widths_match_streamlit(spec, gap, total, measured):
    assert layout.column_widths(spec, gap, total) == pytest.approx(measured, abs=1)
    assert sum(layout.column_widths(spec, gap, total)) <= total - layout.GAP_PX[gap] * (len(measured) - 1)


def test_text_widths_estimate_cjk_wider_than_latin_and_wrap_at_spaces():
    assert layout.text_width_px("通海县", 15) == 45
    assert layout.text_width_px("Tonghai", 15) < layout.text_width_px("Tonghai County", 15)
    assert layout.max_text_width_px(["a", "通海县\n红"], 10) == 30
    lines = layout.wrap_text("Yuanjiang Hani, Yi and Dai Autonomous County", 200, 14)
    assert len(lines) == 2 and all(layout.text_width_px(line, 14) <= 200 for line in lines)
    assert layout.wrap_text("元江哈尼族彝族傣族自治县", 50, 14) == ["元江哈尼族彝族傣族自治县"]


def test_legend_columns_wrap_entries_that_do_not_fit_in_one_row():
    bands = ["Under 1 year", "1–2 years", "2–3 years", "3–5 years", "Over 5 years"]
    columns = layout.legend_columns(bands, 437, 14)
    assert 1 <= columns < len(bands)
    assert columns * (layout.max_text_width_px(bands, 14) + layout.LEGEND_ENTRY_CHROME_PX) <= 437
    assert layout.legend_columns(["a", "b"], 900, 14) == 2
    assert layout.legend_columns(["a" * 100], 100, 14) == 1
