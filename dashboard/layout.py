"""Widths the page layout gives its maps and charts, on the smallest screen the dashboard is shown on.  Pure.

Maps are fitted and charts padded in pixels, so they need the width they will really get.  Streamlit does not
tell the script, so the width is derived from the layout: a 1366 px wide projector, Streamlit's wide layout with
the sidebar open (300 px) and 5 rem (80 px) of padding each side of the main column, less a classic 16 px
scrollbar.  Larger screens only give more room, so what fits here fits everywhere.

``st.columns(spec, gap=...)`` lays out CSS flex items whose basis is ``weight % − gap`` and which share the one
gap left over equally, so column *i* of *n* is ``weight_i × W − gap × (n − 1) / n`` wide (Streamlit 1.67,
``Column`` in its front end; measured in Chromium: 459 + 415 px for ``[11, 10]`` in a 906 px main column).

Text widths are estimated (CJK characters one em, Latin about 0.6 em), generously: they size label limits and
padding, where too wide costs a few pixels and too narrow cuts a label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

#: The smallest screen served: a 1366 × 768 projector.
SCREEN_WIDTH_PX = 1366
#: Streamlit's sidebar (open) and the wide layout's padding each side of the main column.
SIDEBAR_WIDTH_PX = 300
PAGE_PADDING_PX = 80
#: A classic (non-overlay) vertical scrollbar, as on a Windows laptop driving the projector.
SCROLLBAR_PX = 16
#: Width of the main column at :data:`SCREEN_WIDTH_PX`.
MAIN_WIDTH_PX = SCREEN_WIDTH_PX - SIDEBAR_WIDTH_PX - 2 * PAGE_PADDING_PX - SCROLLBAR_PX
#: ``st.columns`` gaps (1 rem = 16 px).
GAP_PX = {"xxsmall": 2, "xsmall": 8, "small": 16, "medium": 32, "large": 64}


def column_widths(spec: int | Sequence[float], gap: str = "small", total_px: float = MAIN_WIDTH_PX) -> list[int]:
    """Widths (px, rounded down) of the columns of ``st.columns(spec, gap=gap)`` in a container ``total_px`` wide.

    ``spec`` is what ``st.columns`` takes: a number of equal columns or their relative weights.  Streamlit's own
    default gap is ``"small"``.
    """
    weights = [1.0] * spec if isinstance(spec, int) else [float(w) for w in spec]
    if not weights or min(weights) <= 0:
        raise ValueError(f"column weights must be positive: {spec!r}")
    total = sum(weights)
    share = GAP_PX[gap] * (len(weights) - 1) / len(weights)
    return [int(w / total * total_px - share) for w in weights]


def column_width(spec: int | Sequence[float], index: int, gap: str = "small",
                 total_px: float = MAIN_WIDTH_PX) -> int:
    """Width (px) of column ``index`` of ``st.columns(spec, gap=gap)``: see :func:`column_widths`."""
    return column_widths(spec, gap, total_px)[index]


def text_width_px(text: str, font_px: float) -> int:
    """An upper estimate of the width of one line of ``text`` at ``font_px``: wide (CJK, full-width) characters one
    em, capitals, digits and signs 0.65 em, spaces and punctuation 0.35 em, other characters 0.55 em."""
    ems = 0.0
    for char in str(text):
        if unicodedata.east_asian_width(char) in ("W", "F"):
            ems += 1.0
        elif char.isupper() or char.isdigit() or char in "−—–%≥≤+":
            ems += 0.65
        elif char in " ,.;:'()[]/-|!":
            ems += 0.35
        else:
            ems += 0.55
    return int(ems * font_px + 0.999)


def max_text_width_px(texts: Iterable[str], font_px: float) -> int:
    """The widest of ``texts`` (lines split at ``\\n``) by :func:`text_width_px`; 0 for none."""
    return max((text_width_px(line, font_px) for text in texts for line in str(text).split("\n")), default=0)


def wrap_text(text: str, max_px: float, font_px: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``max_px`` (by :func:`text_width_px`) where it can be: a
    single word wider than that keeps its own line; text without spaces (Chinese names) stays one line."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and text_width_px(f"{lines[-1]} {word}", font_px) <= max_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


#: A legend entry's room besides its label (px): the symbol (10), the gap to the label (4) and to the next entry (10).
LEGEND_ENTRY_CHROME_PX = 30


def legend_columns(labels: Sequence[str], width_px: float, font_px: float) -> int:
    """How many entries of a legend fit side by side in ``width_px``, each as wide as the widest label: a legend
    laid out with that many ``columns`` wraps onto more rows instead of running off the chart."""
    entry = max_text_width_px(labels, font_px) + LEGEND_ENTRY_CHROME_PX
    return max(1, min(len(labels), int(width_px // entry)))


def wrapped_labels(names: Iterable[str], max_px: float, font_px: float) -> tuple[str | None, int]:
    """An axis ``labelExpr`` that shows each of ``names`` wider than ``max_px`` on several lines
    (:func:`wrap_text`; Vega draws an array as lines), and the width (px) the widest line then needs.
    ``None`` when no name needs wrapping."""
    import json

    names = [str(n) for n in names]
    expr = "datum.label"
    for name in reversed(names):
        lines = wrap_text(name, max_px, font_px)
        if len(lines) > 1:
            quoted, shown = json.dumps(name, ensure_ascii=False), json.dumps(lines, ensure_ascii=False)
            expr = f"datum.label == {quoted} ? {shown} : {expr}"
    width = max_text_width_px(("\n".join(wrap_text(n, max_px, font_px)) for n in names), font_px)
    return (None if expr == "datum.label" else expr), width
