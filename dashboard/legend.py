"""Map legends as data and as escaped HTML.  Pure (never imports Streamlit).

The HTML is built here, with every text escaped, so pages render it with ``st.html`` and no data can inject
markup.  Colours come from the reference tables, never from uploads.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dashboard.reference import hex_to_rgb, landuse_classes


@dataclass(frozen=True)
class LegendItem:
    label: str
    rgb: tuple[int, int, int]
    outline: bool = False


@dataclass(frozen=True)
class LegendGroup:
    title: str
    items: tuple[LegendItem, ...]


def landuse_legend(present: Iterable[str] | None = None, lang: str = "zh") -> list[LegendGroup]:
    """The 三调 classes grouped by summary group (file order), each with its standard colour and its name in
    ``lang`` (``dlmc`` in Chinese, ``dlmc_en`` in English) followed by the class code.

    ``present`` limits the legend to the class codes found in the data on screen (``None``: every class).
    """
    classes = landuse_classes()
    if present is not None:
        wanted = {str(code) for code in present}
        classes = classes[classes["dlbm"].isin(wanted)]
    groups = []
    title_column = "group_zh" if lang == "zh" else "group_en"
    name_column = "dlmc" if lang == "zh" else "dlmc_en"
    for title, rows in classes.groupby(title_column, sort=False):
        items = tuple(
            LegendItem(f"{name} {code}", hex_to_rgb(colour))
            for code, name, colour in zip(rows["dlbm"], rows[name_column], rows["color"], strict=True)
        )
        groups.append(LegendGroup(str(title), items))
    return groups


def legend_html(groups: Sequence[LegendGroup], *, large: bool = False, columns: int = 2) -> str:
    """A compact legend: a heading per group and a swatch per item, every text escaped.

    ``large`` doubles the text size for a projector (meeting mode).
    """
    size = 18 if large else 12.5
    swatch = 18 if large else 12
    parts = [
        f'<div style="font-size:{size}px;line-height:1.35;columns:{int(columns)};column-gap:16px">'
    ]
    for group in groups:
        parts.append(
            f'<div style="break-inside:avoid;margin-bottom:6px"><div style="font-weight:600">'
            f"{html.escape(group.title)}</div>"
        )
        for item in group.items:
            r, g, b = (int(v) for v in item.rgb)
            fill = "transparent" if item.outline else f"rgb({r},{g},{b})"
            parts.append(
                f'<div><span style="display:inline-block;width:{swatch}px;height:{swatch}px;'
                f"background:{fill};border:{2 if item.outline else 1}px solid rgb({r},{g},{b});"
                f'vertical-align:-2px;margin-right:6px"></span>{html.escape(item.label)}</div>'
            )
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)
