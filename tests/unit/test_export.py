"""Exports: formula-injection escaping (OWASP), Excel-friendly CSV, XLSX with a metadata sheet."""

import csv
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from dashboard.export import ExportMeta, escape_cell, to_csv_bytes, to_xlsx_bytes
from dashboard.store import DatasetVersion

# (value, expected after escaping)
CASES = [
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("  =1", "'  =1"),
    ("\u3000=1", "'\u3000=1"),  # ideographic space, common in Chinese input
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-", "'-"),
    ("=", "'="),
    ("   @cmd", "'   @cmd"),  # leading spaces before each trigger
    (" +A1", "' +A1"),
    ("  -A1", "'  -A1"),
    (" \t1", "' \t1"),
    (" \r1", "' \r1"),
    ("\u00a0=1", "'\u00a0=1"),  # no-break space
    ("\t-1", "'\t-1"),  # a tab starts a formula even before a number
    ("+86 138 0000 0000", "'+86 138 0000 0000"),  # a phone number is not a plain number: escaped
    ("-1", "-1"),  # text that is exactly a number cannot run anything: kept as is
    ("+1", "+1"),
    ("-12.5", "-12.5"),
    (" -3e5 ", " -3e5 "),
    ("0012", "0012"),  # code text: never touched, leading zeros kept
    ("530402", "530402"),
    ("玉溪市红塔区", "玉溪市红塔区"),
    ("a=1", "a=1"),
    ("1-1", "1-1"),
    ("\u2212" + "5", "\u2212" + "5"),  # the minus sign U+2212 is no trigger
    ("", ""),
    (-5, -5),  # real numbers untouched, negative included
    (-5.5, -5.5),
    (Decimal("-1.25"), Decimal("-1.25")),
    (np.int64(-3), np.int64(-3)),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected
    assert type(escape_cell(value)) is type(expected)


def meta(**kwargs):
    values = {
        "dataset": "projects",
        "source": "玉溪市自然资源和规划局",
        "version": "20261122T053012.000001Z-1a2b3c4d",
        "data_date": "2026-09-30",
        "filters": {"县区": "红塔区", "阶段": "=evil()"},
        "exported_at": datetime(2026, 11, 22, 13, 30, tzinfo=timezone(timedelta(hours=8))),
    }
    values.update(kwargs)
    return ExportMeta(**values)


def text_frame():
    """One text column holding every string case, one numeric column, a hostile header."""
    texts = [v for v, _ in CASES if isinstance(v, str)]
    return pd.DataFrame(
        {
            "text": pd.array(texts, dtype="string"),
            "number": [-5.0] + [float(i) for i in range(len(texts) - 1)],
            "=bad": ["x"] * len(texts),
        }
    )


def read_csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads Chinese correctly
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_escapes_cells_and_header():
    frame = text_frame()
    rows = read_csv_rows(to_csv_bytes(frame, meta=None))
    assert rows[0] == ["text", "number", "'=bad"]
    expected = [e for v, e in CASES if isinstance(v, str)]
    assert [r[0] for r in rows[1:]] == expected
    assert rows[1][1] == "-5.0"  # numbers are written as numbers, unescaped


def test_csv_with_metadata_preamble():
    frame = text_frame()
    rows = read_csv_rows(to_csv_bytes(frame, meta=meta()))
    blank = rows.index([])
    info = dict(rows[:blank])
    assert info["数据来源"] == "玉溪市自然资源和规划局"
    assert info["数据版本"] == "20261122T053012.000001Z-1a2b3c4d"
    assert info["数据截止日期"] == "2026-09-30"
    assert info["导出时间"] == "2026-11-22T13:30:00+08:00"
    assert info["行数"] == str(len(frame))
    assert info["筛选条件"] == "县区=红塔区；阶段==evil()"  # starts with 县, so no trigger at the start
    assert rows[blank + 1] == ["text", "number", "'=bad"]
    english = read_csv_rows(to_csv_bytes(frame, meta=meta(filters={}), lang="en"))
    assert ["Filters", "None (all data)"] in english and ["Rows", str(len(frame))] in english


def test_metadata_values_are_escaped_too():
    rows = read_csv_rows(to_csv_bytes(pd.DataFrame({"a": [1]}), meta=meta(source="=cmd()", filters={})))
    assert ["数据来源", "'=cmd()"] in rows


def test_csv_keeps_codes_dates_and_blanks():
    frame = pd.DataFrame(
        {
            "code": pd.array(["0012", None], dtype="string"),
            "when": pd.to_datetime(["2026-09-30", None]),
            "n": pd.array([3, None], dtype="Int64"),
        }
    )
    rows = read_csv_rows(to_csv_bytes(frame, meta=None))
    assert rows == [["code", "when", "n"], ["0012", "2026-09-30", "3"], ["", "", ""]]


def test_xlsx_has_data_and_metadata_sheets_with_escaped_strings():
    frame = text_frame()
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, meta=meta())))
    assert book.sheetnames == ["数据", "元数据"]
    data = book["数据"]
    header = [c.value for c in data[1]]
    assert header == ["text", "number", "'=bad"]
    # XML reading turns a CR into LF (line-end normalisation); the apostrophe is what matters here.
    expected = [e.replace("\r", "\n") for v, e in CASES if isinstance(v, str)]
    cells = [row[0] for row in data.iter_rows(min_row=2)]
    assert [c.value or "" for c in cells] == expected
    # Nothing became a formula: every non-empty text cell is a string cell.
    assert all(c.data_type == "s" for c in cells if c.value)
    assert all(c.data_type != "f" for row in data.iter_rows() for c in row)
    numbers = [row[1] for row in data.iter_rows(min_row=2)]
    assert numbers[0].value == -5 and numbers[0].data_type == "n"
    info = {row[0].value: row[1].value for row in book["元数据"].iter_rows(min_row=2)}
    assert info == {
        "数据集": "重点项目用地保障清单（projects）",
        "数据来源": "玉溪市自然资源和规划局",
        "数据版本": "20261122T053012.000001Z-1a2b3c4d",
        "数据截止日期": "2026-09-30",
        "筛选条件": "县区=红塔区；阶段==evil()",
        "导出时间": "2026-11-22T13:30:00+08:00",
        "行数": str(len(frame)),
    }


def test_xlsx_types_geometry_and_english_sheets():
    frame = gpd.GeoDataFrame(
        {
            "park_id": pd.array(["007", "=1"], dtype="string"),
            "when": pd.to_datetime(["2026-09-30", None]),
            "area": [1.5, np.nan],
            "bad": ["ok\x01", "=\x02x"],  # control characters XLSX cannot hold are dropped, then escaped
        },
        geometry=[shapely.Point(102.5, 24.3), None],
        crs="EPSG:4326",
    )
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, meta=meta(filters={}), lang="en")))
    assert book.sheetnames == ["Data", "Metadata"]
    rows = list(book["Data"].values)
    assert rows[0] == ("park_id", "when", "area", "bad")  # geometry dropped
    assert rows[1][0] == "007" and rows[2][0] == "'=1"
    assert rows[1][1] == datetime(2026, 9, 30) and book["Data"]["B2"].number_format == "yyyy-mm-dd"
    assert rows[2][1] is None and rows[1][2] == 1.5 and rows[2][2] is None
    assert rows[1][3] == "ok" and rows[2][3] == "'=x"
    info = dict(book["Metadata"].values)
    assert "geometry" in info["Note"] and info["Filters"] == "None (all data)"
    csv_rows = read_csv_rows(to_csv_bytes(frame, meta=meta()))
    assert csv_rows[csv_rows.index([]) + 1] == ["park_id", "when", "area", "bad"]
    assert any(r[0] == "说明" and "geometry" in r[1] for r in csv_rows)


def test_meta_for_a_stored_version():
    version = DatasetVersion(
        dataset="projects",
        version="v1",
        path=None,
        rows=1,
        sha256="",
        data_date="2026-09-30",
        source_zh="市局",
        source_en="City bureau",
    )
    made = ExportMeta.for_version(version, lang="en", filters={"county": "530402"})
    assert (made.source, made.version, made.data_date, dict(made.filters)) == (
        "City bureau",
        "v1",
        "2026-09-30",
        {"county": "530402"},
    )
    assert made.exported_at.tzinfo is not None


STRING_CASES = [(v, e) for v, e in CASES if isinstance(v, str) and v]


@pytest.mark.parametrize(("value", "expected"), STRING_CASES)
def test_each_case_as_cell_header_and_metadata_in_csv_and_xlsx(value, expected):
    """The escaping table, one case at a time, through both writers: as a data cell, as a header cell and as a
    filter value in the metadata; read back with the csv module and with openpyxl."""
    frame = pd.DataFrame({value: pd.array([value], dtype="string"), "n": [-7.5]})
    info = meta(filters={"f": value}, source=value)
    rows = read_csv_rows(to_csv_bytes(frame, meta=info))
    blank = rows.index([])
    assert rows[blank + 1] == [expected, "n"]  # header
    assert rows[blank + 2] == [expected, "-7.5"]  # cell; the real negative number untouched
    assert dict(rows[:blank])["数据来源"] == expected
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, meta=info)))
    # XML reading turns a CR into LF (line-end normalisation); the apostrophe is what matters.
    want = expected.replace("\r", "\n")
    data = book["数据"]
    assert [c.value for c in data[1]] == [want, "n"]
    assert data["A2"].value == want and data["A2"].data_type == "s"
    assert data["B2"].value == -7.5 and data["B2"].data_type == "n"
    meta_values = {r[0]: r[1] for r in book["元数据"].values}
    assert meta_values["数据来源"] == want
    assert meta_values["筛选条件"] == "f=" + value.replace("\r", "\n")  # starts with "f": no trigger
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_metadata_has_source_version_date_filters_and_time():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(pd.DataFrame({"a": [1]}), meta=meta())))
    labels = [r[0] for r in book["元数据"].values]
    assert {"数据来源", "数据版本", "数据截止日期", "筛选条件", "导出时间"} <= set(labels)
