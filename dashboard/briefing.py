"""The county briefing (县域用地要素保障简报): an A4 PDF for a meeting, for one county or the whole city — a map of
the region with the three control lines, the KPI cards with their policy lines, the top alerts and the county
rankings, with the data date and version in the header and footer of every page.  Pure (never imports Streamlit).

Its figures are the meeting slides' (:mod:`dashboard.views.meeting`), which are the 总览 panel's
(:mod:`dashboard.views.overview`): the PDF, the meeting screen and the overview page cannot disagree.  The map and
the charts are Altair charts rendered to PNG offline by vl-convert (:func:`dashboard.charts.chart_png`); Chinese
text is an embedded Noto Sans CJK subset (:mod:`dashboard.pdf`).  Demo data: about 3–4 s, most of it rendering
the charts.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from dashboard import pdf as pdfkit
from dashboard.charts import chart_png
from dashboard.views import meeting as mv
from dashboard.views import overview as ov

STATUS_COLOURS = {"ok": (26, 120, 60), "warn": (190, 40, 30), "none": (90, 90, 90)}
SEVERITY_COLOURS = {"suspension": (183, 28, 28), "shortfall": (191, 54, 12), "below_floor": (230, 81, 0),
                    "overdue": (141, 110, 0), "below_benchmark": (109, 76, 65), "below_target": (84, 110, 122)}
#: Ranking charts in the briefing (metric keys), two per row.
CHARTS = ("cultivated_balance", "supply_rate", "unsupplied_disposal", "idle_land", "invest_per_mu", "output_per_mu")
CHART_WIDTH_PX = 520
MAP_WIDTH_PX, MAP_HEIGHT_PX = 640, 420
#: PNG pixels per chart pixel: 1.5 prints sharp at the sizes used (≈ 200 dpi) and renders faster than 2.
IMAGE_SCALE = 1.5


@dataclass(frozen=True)
class BriefingContext:
    """What the briefing says besides the figures.

    Attributes
    ----------
    version
        Data version text (``demo``; ``dataset=version`` pairs when they differ).
    data_date
        数据截止日期 (ISO).
    profile_name
        The policy profile's name in the briefing's language.
    regions_geo, control_lines
        The ``regions`` and ``control_lines`` datasets for the map (``None``: no map).
    generated_at
        When the briefing was made.
    """

    version: str
    data_date: str
    profile_name: str
    regions_geo: pd.DataFrame | None = None
    control_lines: pd.DataFrame | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())


def kpi_rows(data: mv.MeetingData) -> list[mv.Figure]:
    """The KPI cards of the region as :class:`~dashboard.views.meeting.Figure` (the meeting's first slide)."""
    return list(mv.slides(data)[0].figures)


def alert_frame(data: mv.MeetingData) -> pd.DataFrame:
    """The top alerts as printed: kind, subject and finding (plus the kind's key for the colour).  The clauses are
    left to the overview page's alert table: the profiles' clause texts run to several lines each."""
    alerts = mv.top_alerts(data)
    lang = data.lang
    subject = [r if s == r else f"{r} · {s}" for r, s in zip(alerts["region"], alerts["subject"], strict=True)]
    return pd.DataFrame({
        "kind": [ov.SEVERITY[int(r)] for r in alerts["severity_rank"]],
        mv.m("briefing.col.severity", lang): alerts["severity"].astype(str),
        mv.m("briefing.col.subject", lang): subject,
        mv.m("briefing.col.message", lang): alerts["message"].astype(str),
    })


def file_stem(data: mv.MeetingData, ctx: BriefingContext) -> str:
    """The download's file name without extension (``用地要素保障简报_红塔区_2026-09-30``)."""
    stem = mv.m("pdf_file", data.lang, region=mv.region_label(data), date=ctx.data_date)
    return re.sub(r"[^\w\u4e00-\u9fff.-]+", "_", stem).strip("_")


def render_images(data: mv.MeetingData, ctx: BriefingContext) -> tuple[bytes | None, dict[str, bytes]]:
    """The map and the ranking charts as PNG, one after the other (concurrent vl-convert calls are slower, not
    faster); :func:`to_pdf_bytes` runs this in a thread while the font is subset."""
    jobs = {k: mv.ranking(data, k, width=CHART_WIDTH_PX) for k in CHARTS if k in data.values}
    if ctx.regions_geo is not None:
        jobs["_map"] = mv.map_chart(data, ctx.regions_geo, ctx.control_lines, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    images = {}
    for key, chart in jobs.items():
        try:
            # The charts were built by code, not typed by a user: skipping Altair's schema validation saves ~0.2 s each.
            images[key] = chart_png(chart.to_dict(validate=False), scale=IMAGE_SCALE)
        except Exception:  # noqa: BLE001 - a chart that cannot be drawn is left out, the briefing still prints
            images[key] = None
    map_png = images.pop("_map", None)
    return map_png, {k: v for k, v in images.items() if v}


def to_pdf_bytes(data: mv.MeetingData, ctx: BriefingContext) -> bytes:
    """The briefing as an A4 PDF with the Chinese text embedded.

    Raises
    ------
    UserError
        ``site_check.error.no_font`` when the CJK fonts are not installed.
    """
    fonts = pdfkit.cjk_fonts()
    lang = data.lang
    region = mv.region_label(data)
    generated = ctx.generated_at.strftime("%Y-%m-%d %H:%M")
    texts = {
        "title": mv.m("briefing.title", lang, region=region),
        "subtitle": mv.m("briefing.subtitle", lang, date=ctx.data_date, version=ctx.version,
                         profile=ctx.profile_name, generated=generated),
        "header": mv.m("briefing.header", lang, region=region),
        "header_right": mv.m("briefing.header_right", lang, date=ctx.data_date, version=ctx.version),
        "footer": mv.m("briefing.footer", lang, date=ctx.data_date, version=ctx.version),
    }
    figures = kpi_rows(data)
    alerts = alert_frame(data)
    chart_titles = {k: ov.METRIC_BY_KEY[k].label_with_unit(lang) for k in CHARTS if k in data.values}
    fixed = [mv.m(k, lang) for k in ("briefing.map", "briefing.map_caption", "briefing.no_map", "briefing.kpis",
                                     "briefing.charts", "briefing.disclaimer", "no_alerts", "slide.kpis")]
    fixed += [mv.m(f"briefing.col.{k}", lang) for k in ("indicator", "value", "change", "note", "status")]
    fixed += [mv.m(f"briefing.status.{k}", lang) for k in ("ok", "warn", "none")]
    fixed.append(mv.m("briefing.alerts", lang, count=len(alerts)))
    printed = [*texts.values(), *fixed, *chart_titles.values(), *pdfkit.table_text(alerts.drop(columns="kind"))]
    for fig in figures:
        printed += [fig.label, fig.value, fig.change, fig.note]
    bold = [texts["title"], *fixed, *chart_titles.values(), *alerts.columns, *alerts.iloc[:, 1],
            *(fig.value for fig in figures)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        images = pool.submit(render_images, data, ctx)  # vl-convert works while fontTools subsets
        with pdfkit.subset_font_files("".join(printed), fonts, bold_text="".join(map(str, bold))) as files:
            map_png, charts = images.result()
            doc = pdfkit.new_document(files, title=texts["title"], footer=texts["footer"], header=texts["header"],
                                      header_right=texts["header_right"])
            _write(doc, data, texts, figures, alerts, map_png, charts, chart_titles)
            return bytes(doc.output())


def _heading(doc, text: str) -> None:
    doc.ln(3)
    if doc.will_page_break(45):
        doc.add_page()
    doc.set_font(pdfkit.FAMILY, style="B", size=12)
    doc.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _grey(doc, text: str, size: float = 7.5, align: str = "L") -> None:
    doc.set_font(pdfkit.FAMILY, size=size)
    doc.set_text_color(*pdfkit.GREY)
    doc.multi_cell(0, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)


def _write(doc, data, texts, figures, alerts, map_png, charts, chart_titles) -> None:
    from fpdf.fonts import FontFace

    lang = data.lang
    doc.add_page()
    doc.set_font(pdfkit.FAMILY, style="B", size=17)
    doc.multi_cell(0, 9, texts["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    _grey(doc, texts["subtitle"], 8, "C")
    doc.ln(1)
    doc.set_font(pdfkit.FAMILY, style="B", size=11)
    doc.multi_cell(0, 6, mv.m("briefing.map", lang), align="L", new_x="LMARGIN", new_y="NEXT")
    if map_png:
        width = doc.epw * 0.78
        doc.image(io.BytesIO(map_png), x=doc.l_margin + (doc.epw - width) / 2, w=width)
        _grey(doc, mv.m("briefing.map_caption", lang), 7, "C")
    else:
        _grey(doc, mv.m("briefing.no_map", lang), 9)

    _heading(doc, mv.m("briefing.kpis", lang))
    heads = FontFace(family=pdfkit.FAMILY, emphasis="BOLD", size_pt=8.5, fill_color=(235, 239, 245))
    doc.set_font(pdfkit.FAMILY, size=8.5)
    with doc.table(col_widths=(34, 26, 22, 78), text_align=("LEFT", "RIGHT", "RIGHT", "LEFT"), line_height=4.8,
                   padding=1.2, headings_style=heads, borders_layout="HORIZONTAL_LINES") as grid:
        head = grid.row()
        for key in ("indicator", "value", "change", "note"):
            head.cell(mv.m(f"briefing.col.{key}", lang))
        for fig in figures:
            colour = FontFace(color=STATUS_COLOURS.get(fig.status, (0, 0, 0)))
            row = grid.row()
            row.cell(fig.label)
            row.cell(fig.value, style=FontFace(emphasis="BOLD"))
            row.cell(fig.change or "—")
            row.cell(fig.note, style=colour)

    _heading(doc, mv.m("briefing.alerts", lang, count=len(alerts)))
    if alerts.empty:
        doc.set_font(pdfkit.FAMILY, size=9)
        doc.multi_cell(0, 5, mv.m("no_alerts", lang), align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        shown = alerts.drop(columns="kind")
        doc.set_font(pdfkit.FAMILY, size=8)
        with doc.table(col_widths=(18, 40, 102), text_align="LEFT", line_height=4.4, padding=1.2,
                       headings_style=pdfkit.headings_style(8), borders_layout="HORIZONTAL_LINES") as grid:
            head = grid.row()
            for column in shown.columns:
                head.cell(str(column))
            for kind, values in zip(alerts["kind"], shown.itertuples(index=False), strict=True):
                row = grid.row()
                row.cell(str(values[0]), style=FontFace(color=SEVERITY_COLOURS.get(kind, (0, 0, 0)), emphasis="BOLD"))
                for value in values[1:]:
                    row.cell(pdfkit.cell_text(value))

    if charts:
        _heading(doc, mv.m("briefing.charts", lang))
        _chart_grid(doc, charts, chart_titles)
    doc.ln(3)
    _grey(doc, mv.m("briefing.disclaimer", lang), 7.5)


def _chart_grid(doc, charts: dict[str, bytes], titles: dict[str, str]) -> None:
    """The ranking charts two per row, each under its title; a row that does not fit starts a new page."""
    from PIL import Image

    gap = 6
    width = (doc.epw - gap) / 2
    keys = list(charts)
    for start in range(0, len(keys), 2):
        pair = keys[start:start + 2]
        heights = []
        for key in pair:
            with Image.open(io.BytesIO(charts[key])) as image:
                heights.append(width * image.height / image.width)
        needed = max(heights) + 7
        if doc.will_page_break(needed):
            doc.add_page()
        top = doc.get_y()
        for column, key in enumerate(pair):
            x = doc.l_margin + column * (width + gap)
            doc.set_xy(x, top)
            doc.set_font(pdfkit.FAMILY, style="B", size=9)
            doc.cell(width, 5, titles[key], align="L")
            doc.image(io.BytesIO(charts[key]), x=x, y=top + 6, w=width)
        doc.set_xy(doc.l_margin, top + needed + 2)
