"""PDF building blocks shared by the printable reports (选址预审 report, county briefing): the embedded Chinese font,
an A4 document with a header and a footer on every page, and tables.  Pure (never imports Streamlit).

Chinese text is set in Noto Sans CJK SC, from the ``.ttc`` collections Debian's ``fonts-noto-cjk`` installs
(``make fonts``; the face is picked by name).  Those fonts have CFF outlines, which fpdf2 embeds as a CID-keyed
font with its own encoding CMap: viewers draw it, but text extraction (pypdf, and so search and copy-paste in some
tools) misreads it.  So a report first cuts the face down to the characters it prints (fontTools subsetter,
~0.5 s) and converts that subset's outlines to TrueType quadratics (cu2qu): fpdf2 then embeds an ordinary
Identity-H TrueType font whose text every reader gets back.  Subsets are cached by their character set, so
printing the same report twice does not subset twice.  Without the fonts a report cannot show Chinese, so it is
refused with a message (``site_check.error.no_font``) rather than printed with empty boxes.
"""

from __future__ import annotations

import io
import string
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from dashboard.charts import CJK_FONT_DIRS
from dashboard.errors import UserError

#: The face used from the Noto CJK collections (Simplified Chinese).
CJK_FACE = "Noto Sans CJK SC"
#: File names of the regular and bold collections in Debian's fonts-noto-cjk.
CJK_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
#: Font family name the reports use in fpdf2.
FAMILY = "cjk"
#: Characters every report may print besides its own texts (digits, Latin, punctuation, marks).
BASE_CHARACTERS = string.printable + "—–…·×✓▲▼↑↓≥≤−！!，。：；（）、%％“”‘’/《》【】"
#: Grey of headers, footers and notes.
GREY = (100, 100, 100)


def find_cjk_fonts(folders: Iterable[Path]) -> dict[str, tuple[Path, int]]:
    """``{style: (collection file, face index)}`` of :data:`CJK_FACE` in the Noto CJK collections of ``folders``
    (``""`` regular, ``"B"`` bold; bold falls back to regular).

    Raises
    ------
    UserError
        ``site_check.error.no_font`` when the fonts are not installed (``make fonts``).
    """
    from fontTools.ttLib import TTCollection

    found = {}
    for style, file_name in CJK_FILES.items():
        for folder in folders:
            path = Path(folder) / file_name
            if not path.is_file():
                continue
            collection = TTCollection(str(path), lazy=True)
            for index, font in enumerate(collection.fonts):
                if font["name"].getDebugName(1) == CJK_FACE:
                    found[style] = (path, index)
                    break
            if style in found:
                break
    if "" not in found:
        raise UserError("site_check.error.no_font", font=CJK_FACE)
    found.setdefault("B", found[""])
    return found


@cache
def cjk_fonts() -> dict[str, tuple[Path, int]]:
    """:func:`find_cjk_fonts` of the system font folders (:data:`dashboard.charts.CJK_FONT_DIRS`), cached."""
    return find_cjk_fonts(CJK_FONT_DIRS)


def truetype_subset(path: Path, index: int, text: str) -> bytes:
    """Face ``index`` of the collection ``path`` cut down to the glyphs of ``text``, with TrueType outlines.

    CFF cubic outlines are converted to quadratic ones (cu2qu, 1 font unit tolerance); hinting and layout
    features are dropped (the reports need neither).
    """
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(path), fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features, options.hinting, options.desubroutinize = [], False, True
    options.name_IDs, options.notdef_outline = ["*"], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        outlines = font.getGlyphSet()
        glyphs = {}
        for name in order:
            pen = TTGlyphPen(outlines)
            outlines[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        font["loca"] = newTable("loca")
        font["glyf"] = glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, glyphs
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        font["maxp"] = maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                     "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        post = font["post"]
        post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
        font["head"].glyphDataFormat = 0
        font.sfntVersion = "\x00\x01\x00\x00"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=16)
def _cached_subset(path: Path, index: int, characters: str) -> bytes:
    return truetype_subset(path, index, characters)


def characters(texts: Iterable[str]) -> str:
    """The distinct characters of ``texts`` and :data:`BASE_CHARACTERS`, sorted (a stable subset cache key)."""
    return "".join(sorted(set(BASE_CHARACTERS).union(*(set(str(t)) for t in texts))))


@contextmanager
def subset_font_files(text: str, fonts: Mapping[str, tuple[Path, int]] | None = None, bold_text: str | None = None):
    """Yield ``{style: path}`` of TrueType subsets of the CJK faces holding the characters of ``text``, written to
    a temporary folder that is removed afterwards (fpdf2 reads fonts from files).

    ``bold_text``: the only text printed in bold, when known; the bold subset then holds just its characters
    (subsetting time grows with the number of glyphs: ~1 s per few hundred CJK characters).
    """
    fonts = cjk_fonts() if fonts is None else fonts
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as tmp:
        files = {}
        for style, (path, index) in fonts.items():
            chars = characters([bold_text if style == "B" and bold_text is not None else text])
            files[style] = Path(tmp) / f"cjk{style or 'R'}.ttf"
            files[style].write_bytes(_cached_subset(Path(path), index, chars))
        yield files


def pdf_class():
    """An fpdf2 ``FPDF`` subclass printing ``header_text`` (left) and ``header_right`` (right) at the top of every
    page after the first when ``header_on_first`` is false, and ``footer_text`` with ``page/total`` at the bottom."""
    from fpdf import FPDF

    class ReportPdf(FPDF):
        header_text = ""
        header_right = ""
        header_on_first = True
        footer_text = ""

        def header(self):
            if not (self.header_text or self.header_right) or (self.page_no() == 1 and not self.header_on_first):
                return
            self.set_font(FAMILY, size=8)
            self.set_text_color(*GREY)
            top = self.get_y()
            self.cell(self.epw / 2, 5, self.header_text, align="L")
            self.set_xy(self.l_margin + self.epw / 2, top)
            self.cell(self.epw / 2, 5, self.header_right, align="R")
            self.set_draw_color(200, 200, 200)
            self.line(self.l_margin, top + 6, self.l_margin + self.epw, top + 6)
            self.set_xy(self.l_margin, top + 8)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-12)
            self.set_font(FAMILY, size=8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, f"{self.footer_text}  {self.page_no()}/{{nb}}", align="C")

    return ReportPdf


def new_document(files: Mapping[str, Path], *, title: str, footer: str = "", header: str = "",
                 header_right: str = "", header_on_first: bool = True, orientation: str = "portrait"):
    """An A4 document with the CJK subset ``files`` registered as :data:`FAMILY`, its title, header and footer."""
    pdf = pdf_class()(orientation=orientation, unit="mm", format="A4")
    for style, path in files.items():
        pdf.add_font(FAMILY, style=style, fname=str(path))
    pdf.set_title(title)
    pdf.set_creator("用地要素保障一张图")
    pdf.footer_text, pdf.header_text, pdf.header_right = footer, header, header_right
    pdf.header_on_first = header_on_first
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 12, 15)
    return pdf


def cell_text(value) -> str:
    """A table cell as printed: numbers with thousands separators and two decimals, ``—`` when missing."""
    if isinstance(value, float):
        return "—" if pd.isna(value) else f"{value:,.2f}"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
        if isinstance(value, float):
            return "—" if pd.isna(value) else f"{value:,.2f}"
    if value is None or value is pd.NA:
        return "—"
    return str(value)


def table_text(frame: pd.DataFrame) -> list[str]:
    """Every text :func:`table` prints for ``frame`` (for the font subset)."""
    return [str(c) for c in frame.columns] + [cell_text(v) for v in frame.to_numpy().ravel()]


def headings_style(size: float = 8):
    from fpdf.fonts import FontFace

    return FontFace(family=FAMILY, emphasis="BOLD", size_pt=size, fill_color=(235, 239, 245))


def table(pdf, frame: pd.DataFrame, size: float = 8) -> None:
    """``frame`` as a table with a shaded header, numbers right-aligned, column widths from the longest text."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    widths = []
    for column, is_number in zip(frame.columns, numeric, strict=True):
        longest = max([len(str(column))] + [len(cell_text(v)) for v in frame[column].head(50)])
        widths.append(min(max(longest, 4), 40 if not is_number else 14))
    align = tuple("RIGHT" if n else "LEFT" for n in numeric)
    pdf.set_font(FAMILY, size=size)
    with pdf.table(col_widths=tuple(widths), text_align=align, line_height=size * 0.575, padding=1,
                   headings_style=headings_style(size), borders_layout="HORIZONTAL_LINES") as grid:
        head = grid.row()
        for column in frame.columns:
            head.cell(str(column))
        for values in frame.itertuples(index=False):
            row = grid.row()
            for value in values:
                row.cell(cell_text(value))
