"""Validate an upload against its dataset contract and report every problem a person must fix.

:func:`dashboard.io.conform` stops at the first bad value, which is right for trusted files but useless for an
analyst's 50 000-row spreadsheet.  :func:`validate` checks everything at once and returns a
:class:`ValidationReport`: each problem with its file line, column, offending value and a translated message,
the count per problem type, the columns set aside, and — when there is nothing to fix — the conformed, typed
frame (equal to what ``conform`` returns for the same input).

How the work is split, and why:

* parsing text cells into numbers / dates / codes is vectorised pandas + pyarrow here, because a cell that does
  not parse must be reported with its value, never silently become ``NaN``;
* the declarative column checks (required, choices, code patterns, ranges) run as a pandera
  ``DataFrameSchema`` generated from ``contracts.toml`` (:func:`contract_schema`), lazily so every failure is
  collected;
* what pandera does not know — a code that lost its leading zero, the 统一社会信用代码 check character, county
  codes that must exist, duplicate keys with all their lines — is plain vectorised pandas/numpy.

No loop runs over rows; loops run over columns, problem types or distinct values.
"""

from __future__ import annotations

import io as _io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.contracts import Column, Dataset, get_dataset
from dashboard.errors import UserError
from dashboard.export import escape_cell
from dashboard.mapping import Mapping, apply_mapping, auto_map, mapping_for, numbers_from_text

MESSAGES_FILE = Path(__file__).parent / "locales" / "modules" / "validate.toml"

#: Problem codes in report order (structural first); the message key is ``validate.<code>``.
PROBLEM_CODES = (
    "missing_column",
    "ambiguous_column",
    "missing_geometry",
    "bad_geometry",
    "missing_crs",
    "required_blank",
    "bad_number",
    "bad_integer",
    "bad_date",
    "bad_choice",
    "bad_code",
    "code_as_number",
    "lost_leading_zero",
    "bad_check_char",
    "unknown_county",
    "out_of_range_gt",
    "out_of_range_min",
    "out_of_range_max",
    "duplicate_key",
)

#: Check-character rules, keyed by a header alias the contract gives the column: any column that carries the
#: alias gets the rule.  (The contract has no ``check =`` attribute yet; the alias says what the code is.)
CHECK_CHAR_ALIASES = {"统一社会信用代码": "uscc"}

#: Columns whose values must exist in the current ``regions`` dataset.
COUNTY_COLUMNS = ("county_code",)

#: Longest cell text shown in a problem; a pasted paragraph would drown the report.
VALUE_WIDTH = 60

#: Lines of one duplicate group named in its message (the group size is given too).
LINES_LISTED = 10

#: Excel's sheet has 1 048 576 rows; one is the header.
EXCEL_MAX_ROWS = 1_048_575

# 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, each optionally with a time of day (Excel exports add one).
_DATE_YMD = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
# What a code looks like after a spreadsheet turned it into a number: "530402.0", "5.30402E+05".
_CODE_AS_NUMBER = r"^(?:\d+\.0+|\d+(?:\.\d+)?[eE]\+?\d+)$"

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[np.frombuffer(_USCC_ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(31)


# ----------------------------------------------------------------------------------------------------------
# Messages


@cache
def message_keys() -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` of this module's own message file (for the catalog merge and its test)."""
    from dashboard.i18n import module_catalog

    return {lang: module_catalog("validate", lang) for lang in ("zh", "en")}


def _msg(key: str, lang: str = "zh", **params) -> str:
    """Translated message (this module's keys live in ``locales/modules/validate.toml``)."""
    from dashboard.i18n import t

    return t(key, lang, **params)


# ----------------------------------------------------------------------------------------------------------
# Problems and the report


@dataclass(frozen=True)
class Problem:
    """One thing a person must fix.

    Attributes
    ----------
    line
        Line (row) in the source file as a person counts it; ``None`` for a problem of the whole file.
    column
        Contract column (``"parcel_id+year"`` for a composite key), or ``None``.
    header
        The header the person's file uses for that column; ``None`` when the file has none (a missing
        column), and messages then name the column by its contract label.
    code
        Problem type, one of :data:`PROBLEM_CODES`.
    value
        The offending cell as written (truncated to :data:`VALUE_WIDTH` characters), or ``None``.
    params
        Further message parameters (``choices``, ``bound``, ``expected``, ``lines`` …).
    dataset
        Contract name, for the column's label.
    """

    line: int | None
    column: str | None
    header: str | None
    code: str
    value: str | None
    params: dict = field(default_factory=dict)
    dataset: str | None = None

    @property
    def key(self) -> str:
        """Message key in the catalogs."""
        return f"validate.{self.code}"

    def message(self, lang: str = "zh") -> str:
        """The problem as a sentence in ``lang``."""
        return _msg(self.key, lang, **self._format_params(lang))

    def _format_params(self, lang: str) -> dict:
        column = self.header
        if column is None and self.column and self.dataset:
            column = _column_label(get_dataset(self.dataset), self.column, lang)
        params = {"line": self.line, "column": column or self.column, "value": self.value, **self.params}
        if isinstance(params.get("lines"), list):
            lines = params["lines"]
            text = ("、" if lang == "zh" else ", ").join(str(v) for v in lines)
            params["lines"] = text + ("…" if params.get("count", len(lines)) > len(lines) else "")
        return params

    def to_dict(self) -> dict:
        """JSON-safe form."""
        return {
            "line": self.line,
            "column": self.column,
            "header": self.header,
            "code": self.code,
            "value": self.value,
            "key": self.key,
            "params": dict(self.params),
        }


@dataclass
class _Chunk:
    """Problems of one code in one column, as arrays (cheap even for a million bad cells)."""

    code: str
    column: str | None
    header: str | None
    rows: np.ndarray  # row positions; [-1] for one problem of the whole file
    values: np.ndarray  # object array of str | None, aligned with rows
    params: dict
    row_params: dict[str, np.ndarray] = field(default_factory=dict)
    order: int = 0  # column position in the contract, for sorting


@dataclass
class ValidationReport:
    """What :func:`validate` found.

    Attributes
    ----------
    dataset
        Contract name.
    rows
        Data rows in the upload.
    problems
        The first ``max_problems`` problems, ordered by line, then column, then problem type.
    total
        ``{problem code: count}`` over *all* problems (not just the listed ones).
    extra_columns
        Source headers set aside (not in the contract; not an error).
    missing_columns
        Required contract columns the upload lacks.
    mapping
        The header mapping used.
    cleaned
        The conformed, typed frame when there is no problem, else ``None``.
    """

    dataset: str
    rows: int
    problems: list[Problem]
    total: dict[str, int]
    extra_columns: list[str]
    missing_columns: list[str]
    mapping: Mapping
    cleaned: pd.DataFrame | None
    _chunks: list[_Chunk] = field(default_factory=list, repr=False)
    _lines: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    @property
    def ok(self) -> bool:
        """No problem at all: the upload can be published as it is."""
        return not self.total

    @property
    def total_problems(self) -> int:
        """Count of all problems."""
        return sum(self.total.values())

    @property
    def truncated(self) -> bool:
        """Whether :attr:`problems` lists fewer problems than there are."""
        return self.total_problems > len(self.problems)

    def summary(self, lang: str = "zh") -> str:
        """One sentence: passed, or how many problems."""
        title = get_dataset(self.dataset).title(lang)
        if self.ok:
            return _msg("validate.ok", lang, dataset=title, rows=self.rows)
        return _msg("validate.failed", lang, dataset=title, rows=self.rows, total=self.total_problems)

    def all_problems(self, limit: int | None = None) -> list[Problem]:
        """Every problem (or the first ``limit``) in report order."""
        return _materialise(self._chunks, self._lines, limit, self.dataset)

    def to_dict(self) -> dict:
        """JSON-safe form: summary counts, the listed problems, set-aside and missing columns, the mapping."""
        return {
            "dataset": self.dataset,
            "ok": self.ok,
            "rows": int(self.rows),
            "total_problems": int(self.total_problems),
            "total": {k: int(v) for k, v in self.total.items()},
            "truncated": self.truncated,
            "problems": [p.to_dict() for p in self.problems],
            "extra_columns": list(self.extra_columns),
            "missing_columns": list(self.missing_columns),
            "mapping": self.mapping.to_dict(),
        }

    def to_frame(self, lang: str = "zh", *, problems: list[Problem] | None = None) -> pd.DataFrame:
        """The listed problems as a table a person reads, headed in ``lang`` (Chinese by default)."""
        rows = self.problems if problems is None else problems
        dataset = get_dataset(self.dataset)
        heads = {k: _msg(f"validate.table.{k}", lang) for k in ("line", "column", "header", "code", "value", "message")}
        return pd.DataFrame(
            {
                heads["line"]: pd.array([p.line for p in rows], dtype="Int64"),
                heads["column"]: [_column_label(dataset, p.column, lang) for p in rows],
                heads["header"]: [p.header or "" for p in rows],
                heads["code"]: [_msg(f"validate.code.{p.code}", lang) for p in rows],
                heads["value"]: [p.value if p.value is not None else "" for p in rows],
                heads["message"]: [p.message(lang) for p in rows],
            }
        )

    def totals_frame(self, lang: str = "zh") -> pd.DataFrame:
        """``{problem type, count}`` for every code that occurred, in report order."""
        codes = [c for c in PROBLEM_CODES if c in self.total]
        return pd.DataFrame(
            {
                _msg("validate.table.code", lang): [_msg(f"validate.code.{c}", lang) for c in codes],
                _msg("validate.table.count", lang): [int(self.total[c]) for c in codes],
            }
        )

    def to_excel_bytes(self, lang: str = "zh") -> bytes:
        """An Excel workbook of *all* problems (up to Excel's row limit) plus a summary sheet.

        Every text cell that a spreadsheet would run as a formula (``= + - @``, tab, CR) is prefixed with an
        apostrophe by :func:`dashboard.export.escape_cell` (the project's one rule; plain numbers such as
        ``-5`` stay as they are): the values come from an uploaded file and must stay data.
        """
        from openpyxl import Workbook

        problems = self.all_problems(limit=EXCEL_MAX_ROWS)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_msg("validate.table.problems_sheet", lang))
        frame = self.to_frame(lang, problems=problems)
        sheet.append([_excel_value(h) for h in frame.columns])
        for record in frame.itertuples(index=False):
            sheet.append([_excel_value(v) for v in record])
        summary = workbook.create_sheet(_msg("validate.table.summary_sheet", lang))
        summary.append([_excel_value(_msg("validate.table.dataset", lang)), _excel_value(self.dataset)])
        summary.append([_excel_value(_msg("validate.table.rows", lang)), int(self.rows)])
        summary.append([_excel_value(_msg("validate.table.total", lang)), int(self.total_problems)])
        if self.extra_columns:
            summary.append([_excel_value(_msg("validate.table.extra", lang))] + [_excel_value(c) for c in self.extra_columns])
        if self.total_problems > len(problems):
            summary.append([_excel_value(_msg("validate.excel_truncated", lang, shown=len(problems),
                                             total=self.total_problems))])
        summary.append([])
        totals = self.totals_frame(lang)
        summary.append([_excel_value(c) for c in totals.columns])
        for record in totals.itertuples(index=False):
            summary.append([_excel_value(v) for v in record])
        buffer = _io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


# XML 1.0 forbids these control characters, and openpyxl refuses a cell holding one; an upload may have them.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _excel_value(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, str):
        return escape_cell(_XLSX_ILLEGAL.sub("", value))
    return escape_cell(value)


def _column_label(dataset: Dataset, column: str | None, lang: str) -> str:
    if not column:
        return ""
    parts = []
    for name in column.split("+"):
        try:
            parts.append(dataset.column(name).label(lang))
        except KeyError:
            parts.append(name)
    return "+".join(parts)


# ----------------------------------------------------------------------------------------------------------
# Collecting problems


class _Collector:
    """Gathers problem chunks; knows the source frame so it can show each value as the person wrote it."""

    def __init__(self, source: pd.DataFrame, mapping: Mapping, dataset: Dataset):
        self.source = source
        self.mapping = mapping
        self.dataset = dataset
        self.chunks: list[_Chunk] = []
        self._order = {c.name: i for i, c in enumerate(dataset.columns)}
        self._raw_cache: dict[str, np.ndarray] = {}

    def header(self, column: str | None) -> str | None:
        if column is None:
            return None
        if "+" in column:  # composite key: the person's headers of every part
            return "+".join(self.header(part) for part in column.split("+"))
        return self.mapping.source_header(column)

    def raw(self, column: str) -> np.ndarray | None:
        """The source cells feeding ``column`` as an object array (``None`` when the file has no such column)."""
        if column not in self._raw_cache:
            header = self.mapping.source_header(column)
            self._raw_cache[column] = None if header is None else self.source[header].to_numpy(dtype=object)
        return self._raw_cache[column]

    def whole_file(self, code: str, column: str | None = None, **params) -> None:
        self.chunks.append(
            _Chunk(code, column, self.header(column), np.array([-1]), np.array([None], dtype=object),
                   params, order=self._order.get(column, -1))
        )

    def cells(self, code: str, column: str, rows, *, values=None, row_params=None, **params) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        if values is None:
            raw = self.raw(column.split("+")[0])
            values = raw[rows] if raw is not None else np.full(rows.size, None, dtype=object)
        self.chunks.append(
            _Chunk(code, column, self.header(column), rows, _truncate(values), params,
                   row_params or {}, order=self._order.get(column.split("+")[0], -1))
        )


def _truncate(values: np.ndarray) -> np.ndarray:
    text = pd.Series(values, dtype=object)
    blank = text.isna()
    text = text.where(blank, text.astype(str))
    long = ~blank & (text.str.len() > VALUE_WIDTH)
    if long.any():
        text[long] = text[long].str.slice(0, VALUE_WIDTH - 1) + "…"
    return text.where(~blank, None).to_numpy(dtype=object)


def _materialise(chunks: list[_Chunk], lines: np.ndarray, limit: int | None, dataset: str) -> list[Problem]:
    """Problems from all chunks sorted by (line, column, code), first ``limit`` only — sorted as arrays."""
    if not chunks:
        return []
    code_rank = {c: i for i, c in enumerate(PROBLEM_CODES)}
    chunk_ids = np.concatenate([np.full(c.rows.size, i, dtype=np.int64) for i, c in enumerate(chunks)])
    positions = np.concatenate([np.arange(c.rows.size, dtype=np.int64) for c in chunks])
    rows = np.concatenate([c.rows for c in chunks])
    line = np.where(rows >= 0, lines[np.clip(rows, 0, None)] if lines.size else rows, -1)
    col_rank = np.array([c.order for c in chunks], dtype=np.int64)[chunk_ids]
    code = np.array([code_rank[c.code] for c in chunks], dtype=np.int64)[chunk_ids]
    order = np.lexsort((positions, code, col_rank, line))
    if limit is not None:
        order = order[:limit]
    out = []
    for i in order:
        chunk = chunks[chunk_ids[i]]
        pos = positions[i]
        params = dict(chunk.params)
        for name, values in chunk.row_params.items():
            params[name] = _json_scalar(values[pos])
        out.append(
            Problem(
                line=int(line[i]) if line[i] >= 0 else None,
                column=chunk.column,
                header=chunk.header,
                code=chunk.code,
                value=chunk.values[pos],
                params=params,
                dataset=dataset,
            )
        )
    return out


def _json_scalar(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# ----------------------------------------------------------------------------------------------------------
# The pandera schema, generated from the contract

_DTYPES = {"str": pd.StringDtype(), "float": "float64", "int": "Int64", "date": "datetime64[ns]"}


def contract_schema(dataset: str, columns=None):
    """A pandera ``DataFrameSchema`` for the *typed* frame of ``dataset``, generated from ``contracts.toml``.

    Parameters
    ----------
    dataset
        Contract name.
    columns
        Restrict the schema to these columns (the ones an upload has); default all non-geometry columns.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        One ``Column`` per contract column: dtype (codes are strings), ``nullable`` unless required, and the
        contract's ``choices`` (``isin``), ``pattern`` (``str_matches``), ``gt`` / ``min`` / ``max`` checks.
        Each check is named for the problem code it reports.  Key uniqueness is left to :func:`validate`,
        which reports each duplicate group with its lines far faster than pandera's ``unique``.
    """
    import pandera.pandas as pa_schema  # imported on first use: ~0.5 s, and only validation needs it

    contract = get_dataset(dataset)
    spec = {}
    for col in contract.columns:
        if col.type == "geometry" or (columns is not None and col.name not in columns):
            continue
        checks = []
        if col.choices:
            checks.append(pa_schema.Check.isin(list(col.choices), name="bad_choice"))
        if col.pattern:
            checks.append(pa_schema.Check.str_matches(col.pattern, name="bad_code"))
        if col.gt is not None:
            checks.append(pa_schema.Check.gt(col.gt, name="out_of_range_gt"))
        if col.min is not None:
            checks.append(pa_schema.Check.ge(col.min, name="out_of_range_min"))
        if col.max is not None:
            checks.append(pa_schema.Check.le(col.max, name="out_of_range_max"))
        spec[col.name] = pa_schema.Column(_DTYPES[col.type], checks, nullable=not col.required,
                                          required=col.required and columns is None)
    return pa_schema.DataFrameSchema(spec, name=dataset, strict=False, coerce=False)


def _schema_failures(schema, typed: pd.DataFrame) -> pd.DataFrame:
    """pandera's failure cases as (column, code, index): ``code`` is the failing check's name (a problem code)
    or ``"not_nullable"``; empty when all checks pass."""
    import pandera.pandas as pa_schema

    try:
        schema.validate(typed, lazy=True)
    except pa_schema.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna() & cases["column"].isin(list(schema.columns))]
        names = {
            (column, number): check.name
            for column, spec in schema.columns.items()
            for number, check in enumerate(spec.checks)
        }
        codes = [
            names.get((column, int(number)), check) if pd.notna(number) else check
            for column, number, check in cases[["column", "check_number", "check"]].drop_duplicates().itertuples(
                index=False
            )
        ]
        # One name per distinct (column, check), spread back with a merge: failure cases can be millions.
        distinct = cases[["column", "check_number", "check"]].drop_duplicates().assign(code=codes)
        cases = cases.merge(distinct, on=["column", "check_number", "check"], how="left")
        return cases[["column", "code", "index"]]
    return pd.DataFrame({"column": [], "code": [], "index": []})


# ----------------------------------------------------------------------------------------------------------
# Parsing text cells into typed columns


def _as_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text with ``NA`` for blanks (pyarrow-backed, so string ops are vectorised in C++)."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _parse_code(values: pd.Series, col: Column, out: _Collector) -> pd.Series:
    if pd.api.types.is_float_dtype(values):
        # Parquet from a spreadsheet: an integral float is a code that was stored as a number.
        fractional = values.notna() & (values != values.round())
        out.cells("bad_code", col.name, np.flatnonzero(fractional.to_numpy()))
        values = values.where(~fractional).astype("Int64")
    text = _as_text(values)
    if col.choices and col.choice_aliases:
        # Replace among the distinct values and spread them back: a choice column has a handful of them.
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        replaced = pd.Series(uniques, dtype="string").replace(col.choice_aliases)
        text = pd.Series(replaced.array.take(codes, allow_fill=True), index=text.index)
    return text


def _parse_number(values: pd.Series, col: Column, out: _Collector, factor: float = 1.0) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
    else:
        parsed, ok = numbers_from_text(values)
        numbers = pd.Series(parsed, index=values.index)
        failed = np.flatnonzero(~ok)  # blank cells, and the bad numbers among which to find them
        blank = _as_text(values.iloc[failed]).isna().to_numpy()
        out.cells("bad_number", col.name, failed[~blank])
    if factor != 1.0:
        numbers = numbers * factor
    if col.type == "int":
        fractional = numbers.notna() & (numbers != numbers.round())
        out.cells("bad_integer", col.name, np.flatnonzero(fractional.to_numpy()))
        return numbers.where(~fractional).astype("Int64")
    return numbers


def _parse_date(values: pd.Series, col: Column, out: _Collector) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):  # parquet / GeoPackage keep real dates
        if values.dt.tz is not None:
            values = values.dt.tz_localize(None)  # the wall-clock date is what the official recorded
        return values.dt.normalize().astype("datetime64[ns]")
    text = _as_text(values)
    # Dates repeat (a year has 365 of them), so parse each distinct text once and spread the result.
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype="string")
    parts = distinct.str.extract(_DATE_YMD)
    compact = distinct.str.extract(_DATE_COMPACT)
    parts = parts.fillna(compact)
    complete = parts.notna().all(axis=1)
    # The regex groups match all or nothing; a placeholder date keeps to_datetime vectorised for the rest.
    numbers = parts.fillna({"y": "2000", "m": "1", "d": "1"}).astype("int64")
    parsed = pd.to_datetime(numbers.set_axis(["year", "month", "day"], axis=1), errors="coerce")
    parsed = parsed.where(complete).astype("datetime64[ns]")
    present = codes >= 0
    result = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    result[present] = parsed.to_numpy()[codes[present]]
    bad = np.zeros(len(codes), dtype=bool)
    bad[present] = parsed.isna().to_numpy()[codes[present]]
    out.cells("bad_date", col.name, np.flatnonzero(bad))
    return pd.Series(result, index=values.index)


def _parse(values: pd.Series, col: Column, out: _Collector, factor: float = 1.0) -> pd.Series:
    if col.type == "str":
        return _parse_code(values, col, out)
    if col.type in ("float", "int"):
        return _parse_number(values, col, out, factor)
    return _parse_date(values, col, out)


# ----------------------------------------------------------------------------------------------------------
# Checks pandera does not do


def _classify_bad_codes(rows: np.ndarray, text: pd.Series, col: Column, out: _Collector) -> None:
    """Split pattern failures into 'stored as a number', 'lost leading zeros' and plain 'bad code'."""
    values = text.iloc[rows].reset_index(drop=True)
    as_number = values.str.fullmatch(_CODE_AS_NUMBER).fillna(False).to_numpy(dtype=bool)
    digits = values.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool) & ~as_number
    if not col.pattern.startswith("^\\d"):
        # Only a code that must start with a digit can have had a leading zero; padding a cut-short credit
        # code with zeros may fit its pattern, but that is a different mistake.
        digits[:] = False
    expected = pd.Series(pd.NA, index=values.index, dtype="string")
    if digits.any():
        pattern = re.compile(col.pattern)
        short = values[digits]
        # Try the widths a zero-padded version could have (codes here are at most 19 digits, ZLDWDM).
        for width in range(int(short.str.len().min()) + 1, 20):
            todo = expected[short.index].isna() & (short.str.len() < width)
            if not todo.any():
                break
            padded = short[todo].str.zfill(width)
            hit = padded.str.fullmatch(pattern).fillna(False)
            expected[padded[hit].index] = padded[hit]
    lost = expected.notna().to_numpy()
    out.cells("code_as_number", col.name, rows[as_number])
    out.cells("lost_leading_zero", col.name, rows[lost], row_params={"expected": expected[lost].to_numpy(dtype=object)})
    out.cells("bad_code", col.name, rows[~as_number & ~lost])


def _uscc_values(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shaped mask, computed check value, written check value) for codes that are 18 code-alphabet chars."""
    shaped = text.str.fullmatch(f"[{_USCC_ALPHABET}]{{18}}").fillna(False).to_numpy(dtype=bool)
    if not shaped.any():
        empty = np.zeros(0, dtype=np.int64)
        return shaped, empty, empty
    # All shaped codes are 18 ASCII bytes, so Arrow's contiguous data buffer *is* an n x 18 byte matrix.
    arrow = pa.array(text[shaped].array).cast(pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset: arrow.offset + len(arrow) + 1]
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    matrix = _USCC_VALUE[data.reshape(-1, 18)]
    check = (31 - (matrix[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    return shaped, check, matrix[:, 17]


def uscc_check_chars(codes: pd.Series) -> pd.Series:
    """GB 32100-2015 check character for each 18-character 统一社会信用代码 (vectorised).

    ``31 - (Σ value(cᵢ) × 3ⁱ mod 31) mod 31`` over the first 17 characters, as
    :func:`dashboard.demo.ledgers.uscc_check_char` computes for one code.  Codes that are not 18 characters of
    the code alphabet give ``NA``.
    """
    shaped, check, _ = _uscc_values(codes.astype("string"))
    result = np.full(len(codes), None, dtype=object)
    result[shaped] = np.array(list(_USCC_ALPHABET), dtype=object)[check]
    return pd.Series(result, index=codes.index, dtype="string")


def _check_uscc(text: pd.Series, col: Column, valid: np.ndarray, out: _Collector) -> None:
    rows = np.flatnonzero(valid)
    if rows.size == 0:
        return
    shaped, check, written = _uscc_values(text.iloc[rows])
    wrong = check != written
    if wrong.any():
        expected = np.array(list(_USCC_ALPHABET), dtype=object)[check[wrong]]
        out.cells("bad_check_char", col.name, rows[shaped][wrong], row_params={"expected": expected})


_CHECK_CHAR_RULES = {"uscc": _check_uscc}


def _duplicated(keys: pd.DataFrame) -> np.ndarray:
    """Rows whose key (every column filled) occurs more than once: ``keys.duplicated(keep=False)`` over the
    complete rows, found by sorting in Arrow and comparing neighbours — several times faster than hashing a
    million strings, and keys are mostly unique."""
    rows = len(keys)
    if rows < 2:
        return np.zeros(rows, dtype=bool)
    table = pa.Table.from_pandas(keys, preserve_index=False)
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in table.column_names])
    ordered = table.take(order)
    same = np.ones(rows - 1, dtype=bool)  # row i of the sorted keys equals row i + 1
    for column in ordered.columns:
        equal = pc.equal(column.slice(1), column.slice(0, rows - 1))
        same &= pc.fill_null(equal, False).to_numpy(zero_copy_only=False)  # a blank key part never matches
    dup_sorted = np.zeros(rows, dtype=bool)
    dup_sorted[1:] |= same
    dup_sorted[:-1] |= same
    dup = np.zeros(rows, dtype=bool)
    dup[order.to_numpy()] = dup_sorted
    return dup


def _check_duplicates(typed: pd.DataFrame, key: tuple[str, ...], lines: np.ndarray, out: _Collector) -> None:
    """Every row whose key occurs more than once, with all lines of its group."""
    keys = typed[list(key)]
    rows = np.flatnonzero(_duplicated(keys))
    if rows.size == 0:
        return
    sub = keys.iloc[rows]
    group = sub.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()
    order = np.lexsort((rows, group))
    rows, group = rows[order], group[order]
    row_lines = lines[rows]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], rows.size]
    # One string per group, not per row: a group's rows share it.
    listed = [[int(v) for v in row_lines[s:e][:LINES_LISTED]] for s, e in zip(starts, ends)]
    per_group = np.empty(len(listed), dtype=object)
    per_group[:] = listed
    sizes = ends - starts
    index = np.repeat(np.arange(starts.size), sizes)
    per_row = per_group[index]
    shown = sub.iloc[order].astype("string").fillna("").agg(" / ".join, axis=1).to_numpy(dtype=object) \
        if len(key) > 1 else sub.iloc[order, 0].astype("string").to_numpy(dtype=object)
    out.cells("duplicate_key", "+".join(key), rows, values=shown, row_params={"lines": per_row, "count": sizes[index]})


# ----------------------------------------------------------------------------------------------------------
# validate


def validate(
    frame: pd.DataFrame,
    dataset: str,
    *,
    mapping: Mapping | None = None,
    known_county_codes=None,
    line_numbers=None,
    max_problems: int = 200,
) -> ValidationReport:
    """Check an upload against the contract of ``dataset`` and report every problem.

    Parameters
    ----------
    frame
        The upload as read, with its own headers: text cells (as the upload readers give them) or typed
        cells (parquet).  Row ``i`` is the ``i``-th record.
    dataset
        Contract name.
    mapping
        How headers map onto the contract; default :func:`dashboard.mapping.auto_map`.
    known_county_codes
        County codes that exist (the current ``regions`` dataset, see :func:`current_county_codes`); ``None``
        skips the existence check.
    line_numbers
        Source file line of each row; default ``frame.attrs["line_numbers"]`` if the reader set it, else row
        + 2 (a CSV or sheet with one header line).
    max_problems
        How many problems :attr:`ValidationReport.problems` lists; :attr:`~ValidationReport.total` and the
        Excel export count and list all.

    Returns
    -------
    ValidationReport
        ``ok`` with ``cleaned`` (equal to :func:`dashboard.io.conform`'s result) when nothing needs fixing.
    """
    contract = get_dataset(dataset)
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)  # mappings speak of headers as text
    mapping = mapping or auto_map(list(frame.columns), dataset)
    if mapping.dataset != dataset:
        raise UserError("mapping.wrong_dataset", mapping=mapping.dataset, dataset=dataset)
    # Headers the mapping never saw are set aside like unmapped ones (a mapping is per layout).
    unseen = [str(c) for c in frame.columns if c not in mapping.columns]
    extra_columns = mapping.unmapped + unseen
    rows = len(frame)
    if line_numbers is None:
        line_numbers = frame.attrs.get("line_numbers")
    lines = np.arange(rows, dtype=np.int64) + 2 if line_numbers is None else np.asarray(line_numbers, dtype=np.int64)
    if lines.size != rows:
        raise ValueError(f"line_numbers has {lines.size} entries for {rows} rows")

    mapped = apply_mapping(frame, mapping, convert_units=False)
    factors = mapping.unit_factors
    out = _Collector(frame, mapping, contract)
    for column in mapping.missing_required:
        out.whole_file("missing_column", column)
    for column, headers in mapping.ambiguous.items():
        out.whole_file("ambiguous_column", column, headers="、".join(headers))

    geometry = _check_geometry(mapped, contract, out)

    present = [c for c in contract.columns if c.type != "geometry" and c.name in mapped.columns]
    typed = pd.DataFrame({c.name: _parse(mapped[c.name], c, out, factors.get(c.name, 1.0)) for c in present},
                         index=pd.RangeIndex(rows))
    parse_failed = _failed_rows(out, rows)

    failures = _schema_failures(contract_schema(dataset, [c.name for c in present]), typed)
    valid_pattern: dict[str, np.ndarray] = {}
    for (column, check), group in failures.groupby(["column", "code"], sort=False):
        col = contract.column(column)
        bad_rows = group["index"].to_numpy(dtype=np.int64)
        if check == "not_nullable":
            failed = parse_failed.get(column)
            keep = bad_rows if failed is None else bad_rows[~failed[bad_rows]]
            out.cells("required_blank", column, keep)
        elif check == "bad_code":
            _classify_bad_codes(bad_rows, typed[column], col, out)
            mask = np.ones(rows, dtype=bool)
            mask[bad_rows] = False
            valid_pattern[column] = mask
        elif check == "bad_choice":
            out.cells("bad_choice", column, bad_rows, choices=_choices_text(col))
        elif check.startswith("out_of_range_"):
            bound = getattr(col, check.removeprefix("out_of_range_"))
            out.cells(check, column, bad_rows, bound=_format_bound(bound))
        # dtype failures cannot happen: every column was parsed into its contract dtype above.

    for col in present:
        if col.type != "str":
            continue
        well_formed = typed[col.name].notna().to_numpy() & valid_pattern.get(col.name, True)
        for rule in {CHECK_CHAR_ALIASES[a] for a in col.aliases if a in CHECK_CHAR_ALIASES}:
            _CHECK_CHAR_RULES[rule](typed[col.name], col, well_formed, out)
        if known_county_codes is not None and col.name in COUNTY_COLUMNS:
            known = pd.Index(pd.Series(list(known_county_codes), dtype="string"))
            unknown = well_formed & ~typed[col.name].isin(known).to_numpy(dtype=bool)
            out.cells("unknown_county", col.name, np.flatnonzero(unknown))

    if all(k in typed.columns for k in contract.key):
        _check_duplicates(typed, contract.key, lines, out)

    total: dict[str, int] = {}
    for chunk in out.chunks:
        total[chunk.code] = total.get(chunk.code, 0) + int(chunk.rows.size)
    total = {c: total[c] for c in PROBLEM_CODES if c in total}
    cleaned = None
    if not total:
        cleaned = typed
        if geometry is not None:
            import geopandas as gpd

            cleaned = gpd.GeoDataFrame(typed, geometry=geometry)
        cleaned.attrs["extra_columns"] = extra_columns
        cleaned.attrs["dataset"] = dataset
    return ValidationReport(
        dataset=dataset,
        rows=rows,
        problems=_materialise(out.chunks, lines, max_problems, dataset),
        total=total,
        extra_columns=extra_columns,
        missing_columns=mapping.missing_required,
        mapping=mapping,
        cleaned=cleaned,
        _chunks=out.chunks,
        _lines=lines,
    )


def _failed_rows(out: _Collector, rows: int) -> dict[str, np.ndarray]:
    """``{column: mask}`` of cells that failed to parse, so pandera's null check does not report them twice."""
    masks: dict[str, np.ndarray] = {}
    for chunk in out.chunks:
        if chunk.column and chunk.rows.size and chunk.rows[0] >= 0:
            mask = masks.setdefault(chunk.column, np.zeros(rows, dtype=bool))
            mask[chunk.rows] = True
    return masks


def _choices_text(col: Column) -> str:
    """Allowed values as a person may write them: ``划拨/出让/租赁 (allocation/transfer/lease)``."""
    canonical = "/".join(col.choices)
    written = {}
    for alias, choice in col.choice_aliases.items():
        written.setdefault(choice, alias)
    if not written:
        return canonical
    return "/".join(written.get(c, c) for c in col.choices) + f" ({canonical})"


def _format_bound(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _check_geometry(mapped: pd.DataFrame, contract: Dataset, out: _Collector):
    """Lon-lat geometry of the upload (``None`` if it has none); reports missing / unreadable / CRS-less."""
    if "geometry" not in contract.column_names:
        return None
    if "geometry" not in mapped.columns:
        if contract.geometry == "required":
            out.whole_file("missing_geometry", "geometry")
        return None
    if getattr(mapped["geometry"].dtype, "name", "") != "geometry":
        out.whole_file("bad_geometry", "geometry")  # e.g. a WKT text column in a CSV
        return None
    import geopandas as gpd

    from dashboard.geo import WGS84
    from dashboard.io import LONLAT_EPSG

    geometry = gpd.GeoSeries(mapped["geometry"])
    if geometry.crs is None:
        out.whole_file("missing_crs", "geometry")
        return None
    # The same rule as dashboard.io.conform: CGCS2000 and WGS84 lon-lat are equal at dashboard scale.
    if geometry.crs.to_epsg() in LONLAT_EPSG:
        return geometry.set_crs(WGS84, allow_override=True).values
    return geometry.to_crs(WGS84).values


# ----------------------------------------------------------------------------------------------------------
# Files


def current_county_codes() -> frozenset[str] | None:
    """County-level codes of the current ``regions`` dataset (published or demo); ``None`` when there is none."""
    from dashboard.store import current_version

    version = current_version("regions")
    if version is None:
        return None
    return _county_codes(str(version.path), version.sha256)


@cache
def _county_codes(path: str, sha256: str) -> frozenset[str]:
    # Keyed by the version's hash: a new regions version is a new key.  Only two columns are read: the
    # geometry is most of the file and is not needed to know which codes exist.
    regions = pd.read_parquet(path, columns=["code", "level"])
    return frozenset(regions.loc[regions["level"] == "county", "code"].dropna().astype(str))


def read_for_validation(path: str | Path, *, use_upload_reader: bool = True) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read an upload with its cells as text, and the source row of each record when known.

    Parameters
    ----------
    path
        The file.
    use_upload_reader
        Read with :func:`dashboard.upload.read_upload` (safety checks, encoding detection, title rows, true
        line numbers, CRS and geometry doctors).  ``False`` reads with pandas — text cells, one header line
        (line = row + 2) for CSV and Excel, record number (row + 1) for parquet / GeoJSON / GeoPackage — which
        is faster but assumes a well-formed file with no blank lines.
    """
    path = Path(path)
    if use_upload_reader:
        from dashboard.upload import read_upload

        upload = read_upload(path, original_name=path.name)
        return upload.frame, np.asarray(upload.row_numbers, dtype=np.int64)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""])
        return frame, None
    from dashboard.io import read_table

    if suffix == ".csv":
        try:
            # pyarrow's multithreaded parser reads the same text cells as dashboard.io.read_table, ~6x faster.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                                engine="pyarrow")
        except (ValueError, pa.ArrowInvalid):
            frame = read_table(path)  # the C parser's error names the bad line
        return frame, None
    frame = read_table(path)
    return frame, np.arange(len(frame), dtype=np.int64) + 1


def validate_file(path: str | Path, dataset: str, *, store_root: str | Path | None = None,
                  known_county_codes="current", use_upload_reader: bool = True, **kw) -> ValidationReport:
    """Read ``path`` and :func:`validate` it as ``dataset``.

    Parameters
    ----------
    path
        CSV, Excel (``.xlsx``), parquet / GeoParquet, GeoJSON or GeoPackage.
    dataset
        Contract name.
    store_root
        When given, a mapping saved for this file's layout (``<store_root>/mappings``) is used instead of the
        automatic one.
    known_county_codes
        ``"current"`` (default) checks county codes against the current ``regions`` dataset (skipped when
        validating ``regions`` itself or when there is none); a collection uses it; ``None`` skips the check.
    use_upload_reader
        See :func:`read_for_validation`.
    **kw
        Passed to :func:`validate` (``mapping``, ``max_problems`` …).
    """
    get_dataset(dataset)
    frame, lines = read_for_validation(path, use_upload_reader=use_upload_reader)
    if isinstance(known_county_codes, str) and known_county_codes == "current":
        known_county_codes = None if dataset == "regions" else current_county_codes()
    if "mapping" not in kw or kw["mapping"] is None:
        kw["mapping"] = mapping_for(list(frame.columns), dataset, store_root)
    kw.setdefault("line_numbers", lines)
    return validate(frame, dataset, known_county_codes=known_county_codes, **kw)
