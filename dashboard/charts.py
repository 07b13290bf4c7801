"""Altair charts exported as PNG, offline (vl-convert renders Vega-Lite without a browser or the internet).

Chinese labels need a CJK font: the Noto CJK fonts that ``make test`` / ``make run`` install from Debian
(``fonts-noto-cjk``) are registered with vl-convert and set as the chart font.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: Where Debian's fonts-noto-cjk puts its fonts.
CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
CJK_FONT = "Noto Sans CJK SC"


@cache
def _vl_convert():
    import vl_convert

    for folder in CJK_FONT_DIRS:
        if folder.is_dir():
            vl_convert.register_font_directory(str(folder))
    return vl_convert


def cjk_font_available() -> bool:
    """Whether a CJK font is installed for PNG export (without one, Chinese text would render as boxes)."""
    return any(folder.is_dir() and any(folder.glob("*CJK*")) for folder in CJK_FONT_DIRS)


def chart_png(chart, scale: float = 2.0) -> bytes:
    """``chart`` (an Altair chart or a Vega-Lite dict) as PNG bytes, Chinese text in Noto Sans CJK.

    ``scale`` 2 gives a sharp image on a projector or in a printed briefing.
    """
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    config = dict(spec.get("config", {}))
    config.setdefault("font", CJK_FONT)
    spec["config"] = config
    spec.setdefault("background", "white")
    return _vl_convert().vegalite_to_png(spec, scale=scale)
