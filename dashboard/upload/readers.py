"""Read one uploaded file — whatever the official sent — into an all-text frame with everything we noticed.

:func:`read_upload` is the one entry point: it checks the size, detects the kind by content, refuses unsafe
archives, reads CSV / XLSX / Parquet / GeoJSON / GeoPackage / zipped shapefiles / KML, runs the CRS doctor (geometry
ends up in EPSG:4326) and the geometry doctor, and looks for garbled text.  Every attribute cell comes back as
text (``string`` dtype): typing is the validator's job, and codes such as ``0012`` keep their zeros.  Nothing
is written outside a private temp dir that is removed before it returns.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pyogrio

from dashboard.errors import UserError
from dashboard.upload.archive import Entry, extract, open_zip, upload_workdir
from dashboard.upload.crs import CrsReport, convert
from dashboard.upload.dbf import cpg_encoding, decode_text, detect_dbf_encoding
from dashboard.upload.geometry import GeometryReport, inspect_geometry
from dashboard.upload.limits import DEFAULT_LIMITS, Limits, megabytes
from dashboard.upload.sniff import check_kind, sniff
from dashboard.upload.tabular import Table, build_table, find_header, table_from_frame
from dashboard.upload.text import cell_text, decode_bytes, doubtful_decoding, scan_garbled, series_text

log = logging.getLogger(__name__)

#: Delimiters a CSV may use: Excel writes commas, its "Unicode text" export tabs, European locales semicolons.
DELIMITERS = (",", "\t", ";", "|")
#: XML markers that have no place in an OOXML package (the spec forbids DTDs) and carry XXE / billion-laughs
#: attacks, in the encodings an XML part may use.
_XML_FORBIDDEN = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHAPE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_LISTED = 10


@dataclass
class Upload:
    """An uploaded file, read.

    Attributes
    ----------
    frame
        ``DataFrame`` (or ``GeoDataFrame`` in EPSG:4326 with a ``geometry`` column); every attribute column
        has the nullable ``string`` dtype.
    original_name
        The name the user gave, verbatim: metadata only, never used as a path (and not HTML-escaped: that is
        the UI's job).
    kind
        Detected kind: ``csv``, ``xlsx``, ``parquet``, ``geojson``, ``gpkg``, ``shapefile_zip`` or ``kml``.
    size_bytes
        Size of the upload.
    row_numbers
        For each frame row, its row in the source as the official sees it (CSV line, sheet row, feature
        number) — for validation messages.
    encoding
        Text encoding used (CSV, ``.dbf``), as a Python codec name.
    delimiter
        CSV delimiter.
    sheet, sheets
        Sheet read and all sheets (XLSX).
    header_row
        Source row (1-based) of the header (CSV, XLSX).
    layer, layers
        Layer read and all layers (GeoPackage, zipped shapefiles).
    formula_cells
        Cells (``C5``) holding formulas; their cached values were read, never re-evaluated.
    crs_report, geometry_report
        CRS and geometry doctor findings (geo kinds only).
    warnings
        ``(message key, params)`` pairs for the upload summary.
    """

    frame: pd.DataFrame
    original_name: str
    kind: str
    size_bytes: int
    row_numbers: list[int]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int | None = None
    layer: str | None = None
    layers: tuple[str, ...] = ()
    formula_cells: tuple[str, ...] = ()
    crs_report: CrsReport | None = None
    geometry_report: GeometryReport | None = None
    warnings: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class _Read:
    frame: pd.DataFrame
    row_numbers: list[int]
    warnings: list[tuple[str, dict]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def _listed(items) -> str:
    items = list(items)
    return ", ".join(str(i) for i in items[:_LISTED]) + (" …" if len(items) > _LISTED else "")


# ---------------------------------------------------------------------------------------------------- CSV


def _delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines() if line.strip()][:50]
    sample = "\n".join(lines)
    counts = {d: sample.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _pick_header(rows: list[list], header_row: int | None, numbers: list[int], limits: Limits) -> int:
    if header_row is None:
        return find_header(rows, limits.max_header_scan_rows)
    if header_row not in numbers:
        raise UserError("error.upload.bad_header_row", row=header_row)
    return numbers.index(header_row)


def read_csv_bytes(data: bytes, *, encoding: str | None = None, header_row: int | None = None,
                   limits: Limits = DEFAULT_LIMITS) -> tuple[Table, str, str]:
    """Parse CSV bytes into an all-text :class:`Table`.

    The whole file is decoded strictly first (:func:`~dashboard.upload.text.decode_bytes`), title rows above
    the header are skipped, and every record below the header must have the header's number of fields.

    Returns
    -------
    (Table, encoding, delimiter)

    Raises
    ------
    UserError
        ``error.upload.undecodable``, ``error.upload.csv_malformed``, ``error.upload.ragged_rows`` (first line,
        its field count, the header's count, how many lines and which), ``error.upload.no_header``,
        ``error.upload.no_data_rows``.
    """
    text, used = decode_bytes(data, encoding)
    doubtful = None if encoding else doubtful_decoding(text, used)
    delimiter = _delimiter(text)
    # UTF-8 files are their own UTF-8 encoding: the fast path reads the bytes as they are, without a re-encode.
    utf8 = data[len(codecs.BOM_UTF8):] if used == "utf-8-sig" else data if used == "utf-8" else None
    fast = _fast_csv(text, delimiter, header_row, limits, utf8=utf8)
    if fast is not None:
        table, index = fast
        return _finish_csv(table, index, doubtful), used, delimiter
    table, index = _exact_csv(text, delimiter, header_row, limits)
    return _finish_csv(table, index, doubtful), used, delimiter


def _finish_csv(table: Table, index: int, doubtful: dict | None) -> Table:
    if index:
        table.warnings.insert(0, ("warning.upload.title_rows_skipped", {"count": index, "header_row": table.header_row}))
    if doubtful:
        table.warnings.insert(0, ("warning.upload.encoding_doubtful", doubtful))
    return table


def _exact_csv(text: str, delimiter: str, header_row: int | None, limits: Limits) -> tuple[Table, int]:
    """The reference parser: :mod:`csv` record by record (quoted line breaks, ragged-row messages).

    Returns the table and the index of the header among the non-empty records (the number of title rows).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list]] = []
    line = 0
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if cells:
                records.append((start, cells))
    except csv.Error as exc:
        raise UserError("error.upload.csv_malformed", line=reader.line_num) from exc
    if not records:
        raise UserError("error.upload.no_header")
    numbers = [n for n, _ in records]
    index = _pick_header([cells for _, cells in records], header_row, numbers, limits)
    header_line, header = records[index]
    body = records[index + 1:]
    ragged = [(n, len(cells)) for n, cells in body if len(cells) != len(header)]
    if ragged:
        raise UserError(
            "error.upload.ragged_rows",
            line=ragged[0][0],
            found=ragged[0][1],
            expected=len(header),
            count=len(ragged),
            lines=_listed(f"{n} ({k})" for n, k in ragged),
        )
    return build_table(header, body, header_line), index


def _fast_csv(text: str, delimiter: str, header_row: int | None, limits: Limits,
              utf8: bytes | None = None) -> tuple[Table, int] | None:
    """:func:`_exact_csv`'s result parsed by pyarrow, or ``None`` when it could differ (then the exact parser runs).

    Safe only when every record is one physical line: no line break inside quotes, no bare ``\r``, no empty
    line below the header, and every quote opens and closes a whole field (``"a,b"``, doubled quotes inside).  The
    title rows and header are parsed with :mod:`csv` (the same header detection); the body below the header by
    pyarrow, every column as text, so record ``i`` of the body is line ``header line + 1 + i``.  Ragged rows
    make pyarrow fail and fall back, so they get the exact parser's precise message.

    ``utf8`` is ``text`` encoded as UTF-8 when the caller has it (a UTF-8 file's own bytes); otherwise it is
    encoded here.  The whole-file checks run on these bytes: in UTF-8 the ASCII characters they look for are
    single bytes that never occur inside another character, and bytes are searched several times faster.
    """
    try:
        encoded = text.encode("utf-8") if utf8 is None else utf8
    except UnicodeEncodeError:
        return None  # a lone surrogate: only the exact parser can carry it
    if b"\x00" in encoded or (b"\r" in encoded and encoded.count(b"\r") != encoded.count(b"\r\n")):
        return None
    if b'"' in encoded:
        field_sep = re.escape(delimiter)
        quoted = re.compile(rf'(?<![^{field_sep}\n])"(?:[^"\r\n]|"")*"(?=[{field_sep}\r\n]|$)')
        if '"' in quoted.sub("", text):
            return None
    # Title rows and header: the first lines, parsed exactly (same records as the exact parser's first ones).
    max_scan = limits.max_header_scan_rows
    records: list[tuple[int, list]] = []
    ends: list[int] = []
    position = line = 0
    while position < len(text) and (len(records) < max_scan if header_row is None else line < header_row):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end + 1
        line += 1
        cells = next(csv.reader([text[position:end]], delimiter=delimiter, strict=True), [])
        if cells:
            records.append((line, cells))
            ends.append(end)
        position = end
    if not records:
        return None
    numbers = [n for n, _ in records]
    try:
        index = _pick_header([cells for _, cells in records], header_row, numbers, limits)
    except UserError:
        return None  # the exact parser gives the message
    header_line, header = records[index]
    start = len(text[:ends[index]].encode("utf-8"))  # the body's first byte
    names = [f"f{i}" for i in range(len(header))]
    try:
        parsed = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(encoded).slice(start)),  # a view: the body is not copied
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                              escape_char=False, newlines_in_values=False,
                                              ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowException:
        return None  # ragged rows and anything else pyarrow refuses: the exact parser says what is wrong
    # pyarrow reads an empty line as a record of empty fields, where the exact parser skips it (shifting the line
    # numbers); such a record is rare, so the file is searched for empty lines only when one turns up.
    empty = np.ones(parsed.num_rows, dtype=bool)
    for column in parsed.columns:
        empty &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
    if empty.any() and (encoded.startswith((b"\n", b"\r\n"), start) or encoded.find(b"\n\n", start) >= 0
                        or encoded.find(b"\n\r\n", start) >= 0):
        return None
    raw = pd.DataFrame({i: parsed.column(i).to_pandas().astype("string") for i in range(len(names))},
                       index=pd.RangeIndex(parsed.num_rows))
    rows = list(range(header_line + 1, header_line + 1 + parsed.num_rows))
    return table_from_frame(header, raw, rows, header_line), index


def _read_csv(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    table, used, delimiter = read_csv_bytes(path.read_bytes(), encoding=opts["encoding"],
                                            header_row=opts["header_row"], limits=limits)
    return _Read(table.frame, table.row_numbers, table.warnings,
                 {"encoding": used, "delimiter": delimiter, "header_row": table.header_row})


# ---------------------------------------------------------------------------------------------------- XLSX


def _check_xml_parts(zf, entries: list[Entry]) -> None:
    """Reject an xlsx whose XML parts declare a DTD or entities (XXE, billion laughs).

    openpyxl parses with defusedxml when it is installed; this scan does not depend on that (or on lxml being
    configured safely) and gives the user a clear message instead of a parser traceback.
    """
    keep = max(len(m) for m in _XML_FORBIDDEN)
    for entry in entries:
        if entry.is_dir or not entry.name.lower().endswith(_XML_SUFFIXES):
            continue
        tail = b""
        with zf.open(entry.info) as fh:
            while chunk := fh.read(1024 * 1024):
                window = tail + chunk
                if any(marker in window for marker in _XML_FORBIDDEN):
                    raise UserError("error.upload.unsafe_xml", entry=entry.name[:200])
                tail = window[-keep:]


def _choose_sheet(workbook, sheet) -> tuple[str, list[str]]:
    names = [ws.title for ws in workbook.worksheets]
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if 0 <= sheet < len(names):
                return names[sheet], names
        elif str(sheet) in names:
            return str(sheet), names
        raise UserError("error.upload.sheet_not_found", sheet=str(sheet), sheets=_listed(names))
    # Officials hide helper sheets (code lists, lookups): prefer visible ones, fall back to hidden ones.
    by_visibility = sorted(workbook.worksheets, key=lambda ws: ws.sheet_state != "visible")
    for ws in by_visibility:
        ws.reset_dimensions()
        if any(c.value is not None and str(c.value).strip() for row in ws.iter_rows() for c in row):
            return ws.title, names
    raise UserError("error.upload.all_sheets_empty", sheets=_listed(names))


def _read_xlsx(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    import openpyxl
    from openpyxl.utils import get_column_letter

    with open_zip(path, limits, allow_nested=True) as (zf, entries):
        _check_xml_parts(zf, entries)
    try:
        # Two read-only passes: data_only=False shows which cells hold formulas, data_only=True gives the values
        # Excel cached when it last saved.  Nothing is ever evaluated.
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except UserError:
        raise
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors on bad files
        log.warning("xlsx unreadable: %r", exc)
        raise UserError("error.upload.xlsx_unreadable") from exc
    try:
        sheet, sheets = _choose_sheet(values, opts["sheet"])
        ws_f, ws_v = formulas[sheet], values[sheet]
        ws_f.reset_dimensions()
        ws_v.reset_dimensions()
        rows: list[list] = []
        numbers: list[int] = []
        formula_cells: list[str] = []
        uncached: list[str] = []
        error_cells: list[str] = []
        for number, (row_f, row_v) in enumerate(zip(ws_f.iter_rows(), ws_v.iter_rows()), start=1):
            cells = []
            for col, (cf, cv) in enumerate(zip(row_f, row_v), start=1):
                value = cv.value
                if getattr(cf, "data_type", None) == "f" or type(cf.value).__name__ == "ArrayFormula":
                    ref = f"{get_column_letter(col)}{number}"
                    formula_cells.append(ref)
                    if value is None:
                        uncached.append(ref)
                if getattr(cv, "data_type", None) == "e":
                    error_cells.append(f"{get_column_letter(col)}{number}")
                cells.append(cell_text(value, getattr(cv, "number_format", None)))
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                rows.append(cells)
                numbers.append(number)
    finally:
        formulas.close()
        values.close()
    if uncached:
        raise UserError("error.upload.formula_uncached", count=len(uncached), cells=_listed(uncached))
    if not rows:
        raise UserError("error.upload.all_sheets_empty", sheets=_listed(sheets))
    index = _pick_header(rows, opts["header_row"], numbers, limits)
    table = build_table(rows[index], list(zip(numbers[index + 1:], rows[index + 1:])), numbers[index])
    warnings = list(table.warnings)
    if index:
        warnings.insert(0, ("warning.upload.title_rows_skipped", {"count": index, "header_row": numbers[index]}))
    if len(sheets) > 1:
        warnings.append(("warning.upload.other_sheets", {"sheet": sheet, "sheets": _listed(sheets)}))
    if formula_cells:
        warnings.append(("warning.upload.formula_cells", {"count": len(formula_cells), "cells": _listed(formula_cells)}))
    if error_cells:
        warnings.append(("warning.upload.error_cells", {"count": len(error_cells), "cells": _listed(error_cells)}))
    return _Read(table.frame, table.row_numbers, warnings,
                 {"sheet": sheet, "sheets": tuple(sheets), "header_row": table.header_row,
                  "formula_cells": tuple(formula_cells)})


# ---------------------------------------------------------------------------------------------------- geo


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every attribute column as text; the active geometry renamed ``geometry``."""
    if isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry
        attrs = frame.drop(columns=[frame.geometry.name])
        out = pd.DataFrame({str(c): series_text(attrs[c]) for c in attrs.columns}, index=pd.RangeIndex(len(frame)))
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry.values, crs=frame.crs), crs=frame.crs)
    return pd.DataFrame({str(c): series_text(frame[c]) for c in frame.columns}, index=pd.RangeIndex(len(frame)))


def _gdal_read(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pyogrio.read_dataframe(path, **kwargs)
    except UnicodeDecodeError as exc:
        raise UserError("error.upload.undecodable", tried=str(kwargs.get("encoding", "UTF-8")).upper(),
                        offset=exc.start, line="-", byte=f"0x{exc.object[exc.start]:02X}") from exc
    except Exception as exc:  # GDAL errors come in many classes; the log keeps the detail
        log.warning("GDAL could not read %s: %r", path.name, exc)
        raise UserError("error.upload.unreadable") from exc


def _link(path: Path, workdir: Path, name: str) -> Path:
    """The upload under a generated name with the suffix GDAL expects, inside the workdir."""
    target = workdir / name
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)
    return target


def _read_parquet(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    try:
        meta = pq.ParquetFile(path).metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        geo = b"geo" in (meta.metadata or {})
    except Exception as exc:  # pyarrow raises OSError/ArrowInvalid on damaged files
        log.warning("parquet unreadable: %r", exc)
        raise UserError("error.upload.unreadable") from exc
    # Column chunks are compressed: bound what reading them would allocate, as for zips.
    if unpacked > limits.max_unpacked_bytes:
        raise UserError("error.upload.zip_too_big_unpacked", size_mb=megabytes(unpacked),
                        limit_mb=megabytes(limits.max_unpacked_bytes))
    try:
        frame = gpd.read_parquet(path) if geo else pd.read_parquet(path)
    except Exception as exc:
        log.warning("parquet unreadable: %r", exc)
        raise UserError("error.upload.unreadable") from exc
    return _Read(_as_text(frame), list(range(1, len(frame) + 1)))


def _read_geojson(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    # DATE_AS_STRING keeps "2025-03-01" as typed instead of letting GDAL turn it into a date.
    frame = _gdal_read(_link(path, workdir, "upload.geojson"), DATE_AS_STRING="YES")
    return _Read(_as_text(frame), list(range(1, len(frame) + 1)))


def _read_kml(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    """KML (Google Earth, 奥维): placemark geometries, always WGS84 longitude-latitude by the KML standard.

    A DTD or entity declaration has no place in a KML exported by a mapping tool and carries XXE / billion-laughs
    attacks, so such a file is refused before GDAL's XML parser sees it.
    """
    keep = max(len(m) for m in _XML_FORBIDDEN)
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            window = tail + chunk
            if any(marker in window for marker in _XML_FORBIDDEN):
                raise UserError("error.upload.unsafe_kml")
            tail = window[-keep:]
    local = _link(path, workdir, "upload.kml")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(local)]
    except Exception as exc:  # GDAL errors come in many classes; the log keeps the detail
        log.warning("kml unreadable: %r", exc)
        raise UserError("error.upload.unreadable") from exc
    layer, warnings = _choose_layer(layers, opts["layer"])
    frame = _gdal_read(local, layer=layer)
    return _Read(_as_text(frame), list(range(1, len(frame) + 1)), warnings, {"layer": layer, "layers": tuple(layers)})


def _choose_layer(layers: list[str], layer) -> tuple[str, list[tuple[str, dict]]]:
    if not layers:
        raise UserError("error.upload.no_layers")
    if layer is not None:
        if str(layer) not in layers:
            raise UserError("error.upload.layer_not_found", layer=str(layer), layers=_listed(layers))
        return str(layer), []
    warnings = [("warning.upload.other_layers", {"layer": layers[0], "layers": _listed(layers)})] if len(layers) > 1 else []
    return layers[0], warnings


def _read_gpkg(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    local = _link(path, workdir, "upload.gpkg")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(local)]
    except Exception as exc:
        log.warning("gpkg unreadable: %r", exc)
        raise UserError("error.upload.unreadable") from exc
    layer, warnings = _choose_layer(layers, opts["layer"])
    frame = _gdal_read(local, layer=layer)
    return _Read(_as_text(frame), list(range(1, len(frame) + 1)), warnings, {"layer": layer, "layers": tuple(layers)})


def _shapefile_layers(entries: list[Entry]) -> dict[str, dict[str, Entry]]:
    """Layer name → {suffix: entry} for every ``.shp`` in the archive, sidecars matched by path stem."""
    by_stem: dict[str, dict[str, Entry]] = {}
    for entry in entries:
        if not entry.is_dir and entry.suffix in _SHAPE_PARTS:
            by_stem.setdefault(entry.stem.casefold(), {})[entry.suffix] = entry
    shapes = {stem: parts for stem, parts in by_stem.items() if ".shp" in parts}
    basenames = [parts[".shp"].basename[:-4] for parts in shapes.values()]
    unique = len(set(basenames)) == len(basenames)
    return {(parts[".shp"].basename[:-4] if unique else parts[".shp"].stem): parts for parts in shapes.values()}


def _decode_frame(frame: pd.DataFrame, encoding: str) -> tuple[pd.DataFrame, list[tuple[str, dict]]]:
    """Re-decode a frame read as ISO-8859-1 (bytes 1:1) with the ``.dbf``'s real encoding: names and text."""
    cut: list[str] = []
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    names = {}
    for column in frame.columns:
        if column != geometry:
            name, truncated = decode_text(str(column).encode("latin-1"), encoding)
            names[column] = name
            if truncated:
                cut.append(name)
    out = frame.rename(columns=names)
    for name in names.values():
        values = out[name]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        # Decode each distinct value once: ledgers repeat the same names thousands of times.
        decoded = {}
        for value in values.dropna().unique():
            if isinstance(value, str):
                decoded[value], truncated = decode_text(value.encode("latin-1"), encoding)
                if truncated:
                    cut.append(name)
        out[name] = values.map(lambda v, d=decoded: d.get(v, v) if isinstance(v, str) else v)
    warnings = []
    if cut:
        warnings.append(("warning.upload.dbf_truncated", {"count": len(cut), "fields": _listed(dict.fromkeys(cut))}))
    return out, warnings


def _read_shapefile_zip(path: Path, opts: dict, limits: Limits, workdir: Path) -> _Read:
    with open_zip(path, limits) as (zf, entries):
        layers = _shapefile_layers(entries)
        layer, warnings = _choose_layer(list(layers), opts["layer"])
        parts = layers[layer]
        missing = [s for s in (".shx", ".dbf") if s not in parts]
        if missing:
            raise UserError("error.upload.shapefile_incomplete", layer=layer, missing=", ".join(missing))
        budget = [limits.max_unpacked_bytes]
        # Generated names: the entry names (user text, maybe hostile) never become paths.  The .cpg is kept
        # away from the .shp so GDAL cannot recode the text behind our back: we decide the encoding.
        local = {
            s: extract(zf, e, workdir / ("codepage.txt" if s == ".cpg" else f"layer{s}"), limits, budget)
            for s, e in parts.items()
        }
    preferred = [opts["encoding"]] if opts["encoding"] else []
    cpg = None
    if ".cpg" in local and not opts["encoding"]:
        cpg_text = local[".cpg"].read_bytes()[:100].decode("ascii", errors="replace")
        cpg = cpg_encoding(cpg_text)
        if cpg:
            preferred.append(cpg)
        else:
            warnings.append(("warning.upload.cpg_unknown", {"cpg": cpg_text.strip()[:40]}))
    encoding = detect_dbf_encoding(local[".dbf"], preferred)
    if cpg and encoding != cpg:
        warnings.append(("warning.upload.cpg_ignored", {"cpg": cpg, "encoding": encoding}))
    # ISO-8859-1 maps every byte to one character and back, so the raw .dbf bytes survive GDAL untouched.
    # (GDAL's own name: pyogrio hands it to GDAL, which does not know Python's "latin-1" spelling.)
    frame = _gdal_read(local[".shp"], encoding="ISO-8859-1")
    try:
        frame, cut = _decode_frame(frame, encoding)
    except UnicodeDecodeError as exc:  # pragma: no cover - detect_dbf_encoding decoded the same bytes
        raise UserError("error.upload.dbf_undecodable", record="-", field="-", tried=encoding.upper()) from exc
    warnings += cut
    if encoding == "gb18030":
        text_columns = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
        sample = " ".join([*map(str, frame.columns),
                           *(str(v) for c in text_columns for v in frame[c].dropna().head(2000).tolist())])
        if doubtful := doubtful_decoding(sample, encoding):
            warnings.append(("warning.upload.encoding_doubtful", doubtful))
    if ".prj" in local and frame.crs is None:
        warnings.append(("warning.upload.prj_unreadable", {}))
    return _Read(_as_text(frame), list(range(1, len(frame) + 1)), warnings,
                 {"layer": layer, "layers": tuple(layers), "encoding": encoding})


_READERS = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
    "geojson": _read_geojson,
    "gpkg": _read_gpkg,
    "shapefile_zip": _read_shapefile_zip,
    "kml": _read_kml,
}


def read_upload(
    path: str | Path,
    *,
    original_name: str,
    sheet: str | int | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    crs=None,
    source_is_gcj02: bool = False,
    swap_axes: bool = False,
    region_bounds=None,
    limits: Limits = DEFAULT_LIMITS,
    workdir: str | Path | None = None,
) -> Upload:
    """Read an uploaded file into an all-text frame (geometry in EPSG:4326) with its metadata and warnings.

    Parameters
    ----------
    path
        Where the server stored the uploaded bytes (under a generated name).
    original_name
        The user's file name: used only for its extension (checked against the content) and returned
        verbatim.  Never used as a path.
    sheet
        XLSX sheet name or 0-based index; default the first non-empty sheet.
    layer
        GeoPackage layer or shapefile name inside a zip; default the first (others listed in a warning).
    encoding
        Text encoding of a CSV or ``.dbf``; default strict detection (UTF-8, then GB18030).
    header_row
        Source row (1-based) of the header; default detected under title rows.
    crs
        The user's CRS choice, required when the file declares none (see :func:`dashboard.upload.crs.to_lonlat`).
    source_is_gcj02
        Lon-lat coordinates are GCJ-02 (Gaode/AMap) and are converted to WGS84.
    swap_axes
        Exchange x and y (the file gives latitude/northing first).
    region_bounds
        Lon-lat bounds of the region worked on; data entirely outside are rejected.
    limits
        Size and archive limits.
    workdir
        Parent of the private temp dir (system temp by default); the temp dir is removed before returning.

    Returns
    -------
    Upload

    Raises
    ------
    UserError
        One of the ``error.upload.*`` keys; nothing else for bad input.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_upload_bytes:
        raise UserError("error.upload.too_large", size_mb=megabytes(size), limit_mb=megabytes(limits.max_upload_bytes))
    if size == 0:
        raise UserError("error.upload.empty", name=original_name)
    sniffed = sniff(path, limits)
    check_kind(sniffed, original_name)
    opts = {"sheet": sheet, "layer": layer, "encoding": encoding, "header_row": header_row}
    with upload_workdir(workdir) as tmp:
        read = _READERS[sniffed.kind](path, opts, limits, tmp)
    frame = read.frame
    warnings = list(read.warnings)
    if len(frame) == 0:
        raise UserError("error.upload.no_data_rows", name=original_name)
    crs_report = geometry_report = None
    if isinstance(frame, gpd.GeoDataFrame):
        frame, crs_report, crs_warnings = convert(frame, crs, source_is_gcj02=source_is_gcj02,
                                                  region_bounds=region_bounds, swap_axes=swap_axes)
        warnings += crs_warnings
        geometry_report = inspect_geometry(frame, row_numbers=read.row_numbers)
        warnings += geometry_report.warnings()
    warnings += scan_garbled(frame, read.row_numbers)
    meta = read.meta
    return Upload(
        frame=frame,
        original_name=original_name,
        kind=sniffed.kind,
        size_bytes=size,
        row_numbers=list(read.row_numbers),
        encoding=meta.get("encoding"),
        delimiter=meta.get("delimiter"),
        sheet=meta.get("sheet"),
        sheets=meta.get("sheets", ()),
        header_row=meta.get("header_row"),
        layer=meta.get("layer"),
        layers=meta.get("layers", ()),
        formula_cells=meta.get("formula_cells", ()),
        crs_report=crs_report,
        geometry_report=geometry_report,
        warnings=warnings,
    )

