"""Table exports (CSV, XLSX) that are safe to open in a spreadsheet and say where their data came from.

Formula injection
-----------------
A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (also after leading
spaces) is read by Excel/WPS/LibreOffice as a formula, which can run commands (DDE) or leak data.  Following
the OWASP "CSV Injection" guidance, :func:`escape_cell` prefixes such text with an apostrophe, which makes
the spreadsheet show it as text.  Choices made here:

- Real numbers (``int``, ``float``, ``Decimal``, numpy numbers, negative ones included) are never touched:
  they are written as numbers, which a spreadsheet cannot execute.
- Text that is a plain decimal number (``"-12.5"``, ``"+3"``, ``"1e5"``) is left as it is.  OWASP advises
  prefixing unless the data is known to be numeric; a string matching the strict number pattern below can
  only ever evaluate to that number, so prefixing it would only damage legitimate values (signed
  differences, coordinates kept as text).  Anything else starting with a trigger (``"-1+1"``, ``"-"``,
  ``"+cmd|..."``) is prefixed.
- Header cells are escaped like data cells; so are the metadata cells (filter values come from users).
- Leading whitespace that spreadsheets skip (space, no-break space, ideographic space, newline) does not
  hide a trigger: ``"  =1"`` is prefixed.

Geometry is not exported: a table format has no place for it, so geometry columns are dropped and the
metadata says which.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from numbers import Number
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# Texts through i18n, not the store: the public app exports with this module and never loads the store.
from dashboard.i18n import t as message

if TYPE_CHECKING:
    from dashboard.store import DatasetVersion

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV Injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")

#: Leading characters spreadsheets skip before looking for a formula trigger.
SKIPPED_LEADING = " \u00a0\u3000\n"

#: Text that is exactly one decimal number: exempt from escaping (see the module docstring).
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

#: Characters an XLSX file cannot hold (XML 1.0 control characters); removed before escaping.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_escape(text: str) -> bool:
    """Whether ``text`` would be evaluated as a formula by a spreadsheet (see the module docstring)."""
    head = text.lstrip(SKIPPED_LEADING)
    if not head or head[0] not in FORMULA_TRIGGERS:
        return False
    return not PLAIN_NUMBER.fullmatch(text.strip(" "))


def escape_cell(value):
    """``value`` made safe for a spreadsheet cell: formula-like text gets a leading ``'``.

    Parameters
    ----------
    value
        Any cell value.  Only ``str`` values can change; numbers, dates and missing values come back as
        they are.

    Examples
    --------
    >>> escape_cell("=1+1"), escape_cell("-12.5"), escape_cell(-5), escape_cell("0012")
    ("'=1+1", '-12.5', -5, '0012')
    """
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportMeta:
    """What an export says about itself (the XLSX "元数据" sheet, the CSV preamble).

    Attributes
    ----------
    dataset
        Dataset name (shown with its contract title).
    source
        Data source text in the export's language.
    version
        Data version id (``demo`` for demo data).
    data_date
        数据截止日期 (ISO date).
    filters
        ``{label: value}`` of the filters applied to the exported rows (empty = all rows).
    exported_at
        Export time (timezone-aware); defaults to now.
    """

    dataset: str
    source: str
    version: str
    data_date: str
    filters: Mapping[str, object] = field(default_factory=dict)
    exported_at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    @classmethod
    def for_version(
        cls, version: DatasetVersion, *, lang: str = "zh", filters: Mapping[str, object] | None = None
    ) -> ExportMeta:
        """The metadata of an export of ``version`` (source in ``lang``)."""
        return cls(
            dataset=version.dataset,
            source=version.source(lang),
            version=version.version,
            data_date=version.data_date,
            filters=dict(filters or {}),
        )


def _geometry_columns(frame: pd.DataFrame) -> list[str]:
    if "geopandas" not in sys.modules:  # no geometry column can exist; and the public app never loads geopandas
        return []
    from geopandas.array import GeometryDtype

    return [str(c) for c in frame.columns if isinstance(frame[c].dtype, GeometryDtype)]


def _table(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    dropped = _geometry_columns(frame)
    table = pd.DataFrame(frame.drop(columns=dropped)).reset_index(drop=True)
    return table, dropped


def meta_rows(meta: ExportMeta, *, rows: int, dropped: list[str], lang: str = "zh") -> list[tuple[str, str]]:
    """``(label, value)`` pairs describing an export, in display order, values as text (not yet escaped)."""
    from dashboard.contracts import get_dataset

    try:
        title = f"{get_dataset(meta.dataset).title(lang)}（{meta.dataset}）"
    except Exception:  # noqa: BLE001 - an export of a non-contract table still gets its name shown
        title = meta.dataset
    filters = "；".join(f"{k}={_text(v)}" for k, v in meta.filters.items()) or message("export.no_filters", lang)
    exported_at = meta.exported_at
    if isinstance(exported_at, datetime):
        exported_at = exported_at.isoformat(timespec="seconds")
    pairs = [
        ("dataset", title),
        ("source", meta.source),
        ("version", meta.version),
        ("data_date", meta.data_date),
        ("filters", filters),
        ("exported_at", str(exported_at)),
        ("rows", str(rows)),
    ]
    if dropped:
        pairs.append(("note", message("export.geometry_dropped", lang, columns="、".join(dropped))))
    return [(message(f"export.meta.{key}", lang), str(value)) for key, value in pairs]


def _text(value) -> str:
    if isinstance(value, (list, tuple, set)):
        return "、".join(_text(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists
        return False


def _csv_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        # Dates as ISO dates (the contracts' date columns are midnight-normalised), datetimes to the second.
        fmt = "%Y-%m-%d" if (values.dropna() == values.dropna().dt.normalize()).all() else "%Y-%m-%dT%H:%M:%S"
        return values.dt.strftime(fmt)
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    return values.map(escape_cell, na_action="ignore")


def to_csv_bytes(frame: pd.DataFrame, *, meta: ExportMeta | None, lang: str = "zh") -> bytes:
    """``frame`` as CSV bytes that Excel opens correctly (UTF-8 with BOM, CRLF) with formulas neutralised.

    Parameters
    ----------
    frame
        The rows to export; geometry columns are dropped.
    meta
        With metadata, the file starts with ``label,value`` lines (source, version, data date, filters,
        export time, rows), then one empty line, then the table: the way statistical offices' CSV downloads
        look, readable in a spreadsheet.  ``None`` writes the table alone, for a file meant to be read by
        programs or re-imported.
    lang
        Language of the metadata labels.
    """
    table, dropped = _table(frame)
    out = pd.DataFrame({i: _csv_column(table[c]) for i, c in enumerate(table.columns)})
    out.columns = [escape_cell(str(c)) for c in table.columns]
    buffer = io.StringIO()
    if meta is not None:
        writer = csv.writer(buffer, lineterminator="\r\n")
        for label, value in meta_rows(meta, rows=len(table), dropped=dropped, lang=lang):
            writer.writerow([escape_cell(label), escape_cell(value)])
        writer.writerow([])
    out.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value):
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return escape_cell(_XLSX_ILLEGAL.sub("", value))
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; openpyxl refuses aware datetimes
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Number, Decimal, date, datetime, bool)):
        return value
    return escape_cell(_XLSX_ILLEGAL.sub("", str(value)))


def _xlsx_column(values: pd.Series, sheet, cell_type) -> list:
    """One column as openpyxl cell values (converted column-wise: per-cell type checks are the slow part)."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)  # Excel has no time zones; openpyxl refuses aware datetimes
        cells = []
        for stamp, gap in zip(values.dt.to_pydatetime(), missing, strict=True):
            if gap:
                cells.append(None)
                continue
            cell = cell_type(sheet, value=stamp)
            cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        return cells
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return [None if gap else value for value, gap in zip(values.tolist(), missing, strict=True)]
    return [None if gap else _xlsx_value(value) for value, gap in zip(values.tolist(), missing, strict=True)]


def to_xlsx_bytes(frame: pd.DataFrame, *, meta: ExportMeta, lang: str = "zh") -> bytes:
    """``frame`` as an XLSX workbook: a data sheet and a metadata sheet ("元数据" in Chinese).

    Text cells are written as strings (escaped like the CSV, so they never become formulas); numbers stay
    numbers; dates are date cells shown as ``yyyy-mm-dd``.  Geometry columns are dropped and the metadata
    sheet names them.

    Parameters
    ----------
    frame
        The rows to export.
    meta
        Source, version, data date, filters and export time for the metadata sheet.
    lang
        Language of the sheet names and metadata labels.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    table, dropped = _table(frame)
    book = Workbook(write_only=True)  # streams rows: a 55k-parcel table would not fit the normal mode's memory
    sheet = book.create_sheet(message("export.sheet_data", lang))
    sheet.append([_xlsx_value(str(c)) for c in table.columns])
    columns = [_xlsx_column(table[c], sheet, WriteOnlyCell) for c in table.columns]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    info = book.create_sheet(message("export.sheet_meta", lang))
    info.append([message("export.item", lang), message("export.value", lang)])
    for label, value in meta_rows(meta, rows=len(table), dropped=dropped, lang=lang):
        info.append([_xlsx_value(label), _xlsx_value(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
