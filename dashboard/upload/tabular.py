"""Tables from spreadsheets and CSV: find the header row under title rows, build an all-text frame.

Ledgers (台账) are rarely a bare table: a merged title such as ``玉溪市2025年供地台账``, a 填报单位/日期 line and a
blank row often sit above the header.  The header is the first row that looks like one — several text cells
spanning most of the table's width, preferring rows whose cells are known contract headers or aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.contracts import load_contracts, normalise_header
from dashboard.errors import UserError


@cache
def known_headers() -> frozenset[str]:
    """Every canonical column name and alias of every dataset contract, normalised."""
    return frozenset(key for dataset in load_contracts().values() for key in dataset.alias_map())


def _filled(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def _is_text(cell) -> bool:
    if not _filled(cell):
        return False
    try:
        float(str(cell).replace(",", ""))
    except ValueError:
        return True
    return False


def find_header(rows: list[list], max_scan: int = 30) -> int:
    """Index (0-based, into ``rows``) of the header row.

    A candidate has at least two filled cells, covering at least half the table's width, and mostly text (not
    numbers).  The candidate with the most known contract headers wins (earliest on a tie).  Without any known
    header, the first candidate that fills at least 80% of the width (a 填报单位 … 填报日期 line above the
    header fills two cells; the header fills them all), else the first candidate, else the first row that is
    at least half filled.

    Raises
    ------
    UserError
        ``error.upload.no_header`` when every scanned row is blank.
    """
    scanned = rows[:max_scan]
    widths = [sum(_filled(c) for c in row) for row in scanned]
    width = max(widths, default=0)
    if width == 0:
        raise UserError("error.upload.no_header")
    known = known_headers()
    candidates: list[tuple[int, int, int]] = []  # (index, filled, known hits)
    for index, row in enumerate(scanned):
        filled = [c for c in row if _filled(c)]
        if len(filled) < 2 or len(filled) < 0.5 * width:
            continue  # title rows are one merged cell
        if sum(_is_text(c) for c in filled) < 0.6 * len(filled):
            continue
        candidates.append((index, len(filled), sum(normalise_header(c) in known for c in filled)))
    if not candidates:
        return next(i for i, w in enumerate(widths) if w >= max(1, 0.5 * width))
    best_hits = max(hits for _, _, hits in candidates)
    if best_hits:
        return next(index for index, _, hits in candidates if hits == best_hits)
    full = [index for index, filled, _ in candidates if filled >= 0.8 * width]
    return full[0] if full else candidates[0][0]


def blank_cells(values: pd.Series) -> np.ndarray:
    """Boolean array: the cell is missing, empty or only whitespace (what ``str.strip() == ""`` finds).

    Computed in Arrow (``utf8_is_space``) rather than by stripping every cell: several times faster on the
    million-row ledgers the CSV fast path reads.
    """
    arrow = pa.array(values.astype("string").array, type=pa.large_string())
    empty = pc.or_(pc.equal(pc.binary_length(arrow), 0), pc.utf8_is_space(arrow))
    return pc.fill_null(empty, True).to_numpy(zero_copy_only=False)


def clean_header(cell) -> str:
    """A header cell as a column name: trimmed, line breaks (Alt+Enter in Excel) removed."""
    text = "" if cell is None else str(cell)
    return "".join(text.split("\n")).replace("\r", "").strip()


@dataclass
class Table:
    """An all-text frame plus where its rows came from and what was noticed on the way."""

    frame: pd.DataFrame
    row_numbers: list[int]
    header_row: int
    warnings: list[tuple[str, dict]] = field(default_factory=list)


def build_table(header: list, records: list[tuple[int, list]], header_row: int) -> Table:
    """Turn a header and ``(source row number, cells)`` records into a :class:`Table`.

    Cells are text or ``None``.  Entirely blank records are skipped (and counted in a warning); blank cells
    become missing values; blank header cells get ``column_<n>`` names unless their whole column is empty
    (then the column is dropped: Excel's used range often runs past the table); duplicate headers get ``_2``,
    ``_3`` suffixes.
    """
    width = max([len(header), *(len(cells) for _, cells in records)], default=0)
    # Column-wise pandas string operations: a Python loop over every cell takes minutes on a 200 MB ledger.
    raw = pd.DataFrame([cells for _, cells in records], columns=range(width), dtype=object)
    raw = raw.astype("string") if width else raw
    return table_from_frame(header, raw, [n for n, _ in records], header_row)


def table_from_frame(header: list, raw: pd.DataFrame, numbers: list[int], header_row: int) -> Table:
    """:func:`build_table` from the records already in a frame: columns ``0 … width-1`` of the ``string``
    dtype (missing or text cells) and each record's source row number in ``numbers``.
    """
    warnings: list[tuple[str, dict]] = []
    names = [clean_header(c) for c in header]
    width = raw.shape[1]
    names += [""] * (width - len(names))
    blank = pd.DataFrame({c: blank_cells(raw[c]) for c in raw.columns}, index=raw.index, columns=raw.columns)
    blank_row = blank.all(axis=1).to_numpy() if width else np.ones(len(raw), dtype=bool)
    if blank_row.any():
        warnings.append(("warning.upload.blank_rows_skipped", {"count": int(blank_row.sum())}))
    keep = ~blank_row
    raw, blank = raw[keep], blank[keep]
    columns: dict[str, pd.Series] = {}
    blank_named: list[str] = []
    duplicates: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if blank[position].all():
                continue
            name = f"column_{position + 1}"
            blank_named.append(name)
        base = name
        if base in seen:
            seen[base] += 1
            name = f"{base}_{seen[base]}"
            duplicates.append(base)
        else:
            seen[base] = 1
        columns[name] = raw[position].mask(blank[position]).reset_index(drop=True)
    if blank_named:
        warnings.append(("warning.upload.blank_headers", {"columns": ", ".join(blank_named)}))
    if duplicates:
        warnings.append(("warning.upload.duplicate_headers", {"columns": ", ".join(dict.fromkeys(duplicates))}))
    numbers = list(numbers) if keep.all() else np.asarray(numbers, dtype=np.int64)[keep].tolist()
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(numbers)))
    return Table(frame, numbers, header_row, warnings)
