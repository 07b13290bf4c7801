"""PNG export of Altair charts, offline, with Chinese text."""

import io

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from dashboard.charts import chart_png, cjk_font_available


def _chart(title):
    data = pd.DataFrame({"地类": ["耕地", "林地"], "面积（万亩）": [301.2, 1481.55]})
    return alt.Chart(data).mark_bar().encode(x="面积（万亩）:Q", y="地类:N").properties(title=title, width=300)


def test_chart_png_is_a_png_with_chinese_glyphs():
    assert cjk_font_available(), "fonts-noto-cjk is installed by make test"
    png = chart_png(_chart("土地利用结构"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 300
    # Different Chinese titles draw different pixels (no tofu boxes, which would all look alike).
    other = np.asarray(Image.open(io.BytesIO(chart_png(_chart("耕地保护目标")))).convert("L"))
    same_size = other.shape == np.asarray(image.convert("L")).shape
    assert not same_size or (other != np.asarray(image.convert("L"))).any()


def test_chart_png_keeps_an_explicit_font_and_adds_a_white_background():
    spec = _chart("x").to_dict()
    spec["config"] = {"font": "Noto Serif CJK SC"}
    png = chart_png(spec)
    corner = Image.open(io.BytesIO(png)).convert("RGB").getpixel((0, 0))
    assert corner == (255, 255, 255)
