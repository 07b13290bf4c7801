"""The printable 选址预审 report: a PDF (A4, Chinese text in an embedded Noto Sans CJK subset) and the same content
as an Excel workbook (one sheet per section, formula-escaped cells, a metadata sheet).  Pure (never imports
Streamlit).

Both are built from the tables of :mod:`dashboard.views.site_check`, so the page, the PDF and the workbook show
the same numbers.  The map is the Altair chart :func:`dashboard.views.site_check.report_map_chart` rendered to PNG
offline by vl-convert (:func:`dashboard.charts.chart_png`).

The PDF is written with fpdf2 in Noto Sans CJK SC through :mod:`dashboard.pdf` (shared with the county
briefing): the face is cut down to the characters the report prints and converted to TrueType so that text
extraction works.  Without the fonts the report cannot show Chinese, so it is refused with a message
(``site_check.error.no_font``) rather than printed with empty boxes.
"""

from __future__ import annotations

import io
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import pandas as pd

from dashboard.charts import CJK_FONT_DIRS
from dashboard.export import ExportMeta, escape_cell, meta_rows
from dashboard.pdf import CJK_FACE, CJK_FILES, cell_text, find_cjk_fonts, subset_font_files, truetype_subset  # noqa: F401
from dashboard.pdf import pdf_class as _pdf_class
from dashboard.pdf import table as pdf_table
from dashboard.site_check import SiteCheck
from dashboard.views import site_check as views

#: Rows of the candidate table in the report (the page lists all of them).
REPORT_CANDIDATES = views.MAP_CANDIDATES
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportContext:
    """What the report says besides the check: names, data versions, profiles, the map and the time.

    Attributes
    ----------
    names
        County code → name in the report's language.
    versions
        Dataset → :class:`dashboard.store.DatasetVersion` (or ``None``) of every dataset the check read.
    titles
        Dataset → its title in the report's language.
    profile_name, pool_profile_name
        The session's policy profile and the regulation-pool rules' profile.
    data_date
        The data's reference date (ISO).
    map_png
        The map (:func:`dashboard.charts.chart_png` of :func:`~dashboard.views.site_check.report_map_chart`);
        ``None`` leaves it out with a note.
    generated_at
        When the report was made.
    """

    names: Mapping[str, str]
    versions: Mapping
    titles: Mapping[str, str]
    profile_name: str
    pool_profile_name: str
    data_date: str
    map_png: bytes | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())


@dataclass(frozen=True)
class Section:
    """One section of the report: heading, messages (``(level, text)``), table and a note under it."""

    heading: str
    messages: list[tuple[str, str]] = field(default_factory=list)
    table: pd.DataFrame | None = None
    note: str = ""
    sheet: str = ""


def sections(check: SiteCheck, ctx: ReportContext, lang: str) -> list[Section]:
    """The report's sections in order, shared by the PDF and the workbook."""
    m = views.m
    out = [
        Section(m("report.s_summary", lang), table=views.summary_frame(check, ctx.names, lang),
                sheet=m("report.sheet_summary", lang)),
        Section(m("report.s_findings", lang), messages=views.conclusions(check, lang)),
        Section(m("report.s_lines", lang), table=views.overlaps_table(check, lang), sheet=m("report.sheet_lines", lang),
                note=m("report.lines_note", lang, crs=check.crs)),
        Section(m("report.s_classes", lang), table=views.classes_table(check, lang),
                sheet=m("report.sheet_classes", lang), note=m("report.classes_note", lang)),
        Section(m("report.s_arable", lang), table=views.need_table(check, lang), sheet=m("report.sheet_arable", lang),
                note=m("report.arable_note", lang, yield_=f"{check.grain_yield:,.0f}")),
    ]
    pools = views.pool_table(check, ctx.names, lang)
    cost = views.pool_cost(check)
    note = m("report.pool_cost", lang, cost=f"{cost:,.2f}", profile=ctx.pool_profile_name) if len(pools) else ""
    out.append(Section(m("report.s_pools", lang), messages=views.pool_messages(check, lang),
                       table=pools if len(pools) else None, note=note, sheet=m("report.sheet_pools", lang)))
    if check.project.industrial:
        table = views.candidates_table(check, lang, REPORT_CANDIDATES)
        out.append(Section(m("report.s_candidates", lang), table=table if len(table) else None,
                           messages=[] if len(table) else [("info", m("finding.no_candidates", lang,
                                                                      mu=f"{check.area_mu:,.2f}"))],
                           note=m("report.candidates_note", lang, shown=len(table), total=len(check.candidates)),
                           sheet=m("report.sheet_candidates", lang)))
    due = check.due_date.isoformat() if check.due_date else "—"
    out.append(Section(m("report.s_consultation", lang),
                       messages=[("info", m("report.consultation", lang, submitted=check.project.submitted.isoformat(),
                                            days=check.consultation_days, due=due))],
                       note=m("report.clause", lang, clause=check.consultation_source)))
    out.append(Section(m("report.s_params", lang), table=views.parameters_table(check, ctx.pool_profile_name, lang),
                       sheet=m("report.sheet_params", lang), note=m("report.profile", lang, profile=ctx.profile_name)))
    out.append(Section(m("report.s_data", lang), table=views.versions_table(ctx.versions, ctx.titles, lang),
                       sheet=m("report.sheet_data", lang), note=m("report.data_date", lang, date=ctx.data_date)))
    return out


# ----------------------------------------------------------------------------------------------------------
# PDF


@cache
def cjk_fonts() -> dict[str, tuple[Path, int]]:
    """``{style: (collection file, face index)}`` of the Noto CJK face (:func:`dashboard.pdf.find_cjk_fonts` over
    :data:`CJK_FONT_DIRS`), cached.

    Raises
    ------
    UserError
        ``site_check.error.no_font`` when the fonts are not installed (``make fonts``).
    """
    return find_cjk_fonts(CJK_FONT_DIRS)


_LEVEL_COLOURS = {"error": (180, 30, 30), "warning": (170, 100, 0), "success": (30, 110, 50), "info": (40, 60, 120)}
_LEVEL_MARKS = {"error": "×", "warning": "!", "success": "✓", "info": "·"}


_cell_text = cell_text
_pdf_table = pdf_table


def to_pdf_bytes(check: SiteCheck, ctx: ReportContext, lang: str = "zh") -> bytes:
    """The report as an A4 PDF with the Chinese text embedded (subset of Noto Sans CJK SC).

    Raises
    ------
    UserError
        ``site_check.error.no_font`` when the CJK fonts are not installed.
    """
    fonts = cjk_fonts()
    parts = sections(check, ctx, lang)
    with subset_font_files(_printed_text(check, ctx, parts, lang), fonts) as files:
        return _write_pdf(check, ctx, parts, lang, files)


def _printed_text(check: SiteCheck, ctx: ReportContext, parts: list[Section], lang: str) -> str:
    """Every character the PDF may print (the font subset's contents)."""
    m = views.m
    texts = [string.printable, "—…·×✓！!，。：；（）、%％“”‘’/",
             m("report.title", lang), check.project.name, m("summary.unnamed", lang),
             m("report.subtitle", lang, date=ctx.data_date, generated=ctx.generated_at.strftime("%Y-%m-%d %H:%M")),
             m("report.footer", lang, generated=ctx.generated_at.strftime("%Y-%m-%d %H:%M")),
             m("report.map_caption", lang, crs=check.crs), m("report.no_map", lang), m("report.disclaimer", lang)]
    for section in parts:
        texts += [section.heading, section.note, *(text for _, text in section.messages)]
        if section.table is not None:
            texts += [str(c) for c in section.table.columns]
            texts += [_cell_text(v) for v in section.table.to_numpy().ravel()]
    return "".join(dict.fromkeys("".join(texts)))


def _write_pdf(check: SiteCheck, ctx: ReportContext, parts: list[Section], lang: str, files: dict) -> bytes:
    m = views.m
    pdf = _pdf_class()(orientation="portrait", unit="mm", format="A4")
    for style, path in files.items():
        pdf.add_font("cjk", style=style, fname=str(path))
    title = m("report.title", lang)
    pdf.set_title(f"{title} — {check.project.name}" if check.project.name else title)
    pdf.set_creator("用地要素保障一张图")
    pdf.footer_text = m("report.footer", lang, generated=ctx.generated_at.strftime("%Y-%m-%d %H:%M"))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 14, 15)
    pdf.add_page()
    pdf.set_font("cjk", style="B", size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(0, 6, check.project.name or m("summary.unnamed", lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 5, m("report.subtitle", lang, date=ctx.data_date,
                           generated=ctx.generated_at.strftime("%Y-%m-%d %H:%M")),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    if ctx.map_png:
        width = pdf.epw * 0.86
        pdf.image(io.BytesIO(ctx.map_png), x=pdf.l_margin + (pdf.epw - width) / 2, w=width)
        pdf.set_font("cjk", size=7.5)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, m("report.map_caption", lang, crs=check.crs), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    else:
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(0, 5, m("report.no_map", lang), align="L", new_x="LMARGIN", new_y="NEXT")
    for section in parts:
        pdf.ln(3)
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.set_font("cjk", style="B", size=12)
        pdf.multi_cell(0, 7, section.heading, align="L", new_x="LMARGIN", new_y="NEXT")
        for level, text in section.messages:
            pdf.set_font("cjk", size=9)
            pdf.set_text_color(*_LEVEL_COLOURS.get(level, (0, 0, 0)))
            pdf.multi_cell(0, 5, f"{_LEVEL_MARKS.get(level, '·')} {text}", align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        if section.table is not None and len(section.table):
            _pdf_table(pdf, section.table)
        if section.note:
            pdf.set_font("cjk", size=7.5)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 4, section.note, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(0, 4.5, m("report.disclaimer", lang), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ----------------------------------------------------------------------------------------------------------
# Excel


def _xlsx(value):
    """A cell value as the table exports write it: numbers as numbers, text escaped (no formulas)."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, (int, float, bool)):
        return value
    return escape_cell(str(value))


def export_meta(check: SiteCheck, ctx: ReportContext, lang: str) -> ExportMeta:
    """The metadata sheet: sources, versions and data date of the datasets read, and the project as filters."""
    versions = {k: v for k, v in ctx.versions.items() if v is not None}
    sources = "；".join(dict.fromkeys(v.source(lang) for v in versions.values()))
    version = "、".join(f"{k}={v.version}" for k, v in versions.items())
    filters = {label: value for label, value in views.summary_rows(check, ctx.names, lang)}
    return ExportMeta(dataset=views.m("report.title", lang), source=sources, version=version,
                      data_date=ctx.data_date, filters=filters, exported_at=ctx.generated_at)


def to_xlsx_bytes(check: SiteCheck, ctx: ReportContext, lang: str = "zh") -> bytes:
    """The report as an XLSX workbook: the map and findings on the first sheet, one sheet per table, and the
    metadata sheet ("元数据") of the table exports."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    from dashboard.store import message

    m = views.m
    book = Workbook()
    first = book.active
    first.title = m("report.sheet_report", lang)
    first.append([_xlsx(m("report.title", lang))])
    first["A1"].font = Font(bold=True, size=14)
    first.append([_xlsx(check.project.name or m("summary.unnamed", lang))])
    for section in sections(check, ctx, lang):
        if not section.messages and not section.note:
            continue
        first.append([])
        first.append([_xlsx(section.heading)])
        first.cell(row=first.max_row, column=1).font = Font(bold=True)
        for _, text in section.messages:
            first.append([_xlsx(text)])
        if section.note:
            first.append([_xlsx(section.note)])
    row = first.max_row + 2
    first.column_dimensions["A"].width = 100
    if ctx.map_png:
        image = Image(io.BytesIO(ctx.map_png))
        scale = 640 / max(image.width, 1)
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        first.add_image(image, f"A{row}")
    used = set()
    for section in sections(check, ctx, lang):
        if section.table is None or not len(section.table) or not section.sheet:
            continue
        name = section.sheet[:31]
        while name in used:
            name = name[:29] + "_2"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([_xlsx(str(c)) for c in section.table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in section.table.itertuples(index=False):
            sheet.append([_xlsx(v) for v in values])
        for i, column in enumerate(section.table.columns, start=1):
            longest = max([len(str(column))] + [len(str(v)) for v in section.table[column].head(200)])
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(max(longest + 2, 8), 60)
        if section.note:
            sheet.append([])
            sheet.append([_xlsx(section.note)])
    info = book.create_sheet(message("export.sheet_meta", lang))
    info.append([message("export.item", lang), message("export.value", lang)])
    meta = export_meta(check, ctx, lang)
    rows = sum(len(s.table) for s in sections(check, ctx, lang) if s.table is not None)
    for label, value in meta_rows(meta, rows=rows, dropped=[], lang=lang):
        info.append([_xlsx(label), _xlsx(value)])
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_stem(check: SiteCheck, lang: str) -> str:
    """A download file name without extension: the report title and the project name, path-safe."""
    import re

    base = f"{views.m('report.title', lang)}-{check.project.name}" if check.project.name else views.m("report.title", lang)
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", base).strip("_")[:80] or "site_check"
