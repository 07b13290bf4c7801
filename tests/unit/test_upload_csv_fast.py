"""The pyarrow fast path of the CSV reader gives the exact parser's frame, row numbers and warnings."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from dashboard.upload import read_csv_bytes, readers
from dashboard.upload.limits import DEFAULT_LIMITS
from dashboard.upload.text import decode_bytes

CASES = {
    "gbk": "县区代码,地块编号,面积(亩),备注\n530402,0012,1.5,玉溪\n530423,0007,2,\n".encode("gbk"),
    "bom": codecs.BOM_UTF8 + "供地编号,县区代码,面积\r\nGD001,530402,3.25\r\nGD002,530403,4\r\n".encode(),
    "title_rows": (
        "玉溪市2025年供地台账\n填报单位：自然资源局,,,填报日期：2025-03-01\n\n"
        "供地编号,县区代码,面积,用途\nGD001,530402,3,工业\n,,,\nGD002,530403,,\n"
    ).encode("gbk"),
    "quoted_commas": (
        '项目名称,县区代码,面积,说明\n"A厂,一期",530402,"1,200.5","他说""好"""\n'
        'B厂,530403,2,""\n"C厂",0530,3,"x"\n'
    ).encode(),
    "empty_cells_and_zero_codes": "编号,代码,金额\n0001,007,\n0002,,0\n0003,000,\n".encode(),
    "no_trailing_newline": "编号,代码\n0001,007\n0002,008".encode(),
    "tabs": "编号\t代码\t名称\n0001\t530402\t红塔区\n0002\t530403\t江川区\n".encode(),
    "duplicate_and_blank_headers": "面积,面积,,备注\n1,2,3,\n4,5,,\n".encode(),
}


def _exact(data: bytes, header_row=None):
    text, _ = decode_bytes(data)
    return readers._exact_csv(text, readers._delimiter(text), header_row, DEFAULT_LIMITS)


def _fast(data: bytes, header_row=None):
    text, _ = decode_bytes(data)
    return readers._fast_csv(text, readers._delimiter(text), header_row, DEFAULT_LIMITS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_equals_exact_path(name):
    fast = _fast(CASES[name])
    assert fast is not None, "the fast path should accept this file"
    exact = _exact(CASES[name])
    (f_table, f_index), (e_table, e_index) = fast, exact
    assert f_index == e_index
    pd.testing.assert_frame_equal(f_table.frame, e_table.frame)
    assert all(isinstance(d, pd.StringDtype) for d in f_table.frame.dtypes)
    assert f_table.row_numbers == e_table.row_numbers
    assert f_table.header_row == e_table.header_row
    assert f_table.warnings == e_table.warnings


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8], ids=["utf8", "utf8-bom"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_on_the_files_own_utf8_bytes_equals_exact_path(name, bom):
    text, _ = decode_bytes(CASES[name])
    data = bom + text.encode("utf-8")
    table, used, _ = read_csv_bytes(data)  # UTF-8 input: the fast path reads these bytes without re-encoding
    assert used == ("utf-8-sig" if bom else "utf-8")
    exact = readers._finish_csv(*_exact(data), None)  # the title-row warning read_csv_bytes adds
    pd.testing.assert_frame_equal(table.frame, exact.frame)
    assert (table.row_numbers, table.header_row, table.warnings) == (exact.row_numbers, exact.header_row, exact.warnings)


@pytest.mark.parametrize(
    "data",
    [
        "编号,代码\n1,2\n3,4\n\n".encode(),  # an empty last line
        "编号,代码\r\n1,2\r\n\r\n3,4\r\n".encode(),  # an empty CRLF line
        "编号\n1\n\n3\n".encode(),  # one column: an empty line looks like an empty cell
    ],
)
def test_empty_lines_found_after_the_fast_parse_give_the_exact_result(data):
    assert _fast(data) is None
    table, _, _ = read_csv_bytes(data)
    exact, _ = _exact(data)
    pd.testing.assert_frame_equal(table.frame, exact.frame)
    assert table.row_numbers == exact.row_numbers


def test_fast_path_with_explicit_header_row():
    data = CASES["title_rows"]
    (f_table, f_index), (e_table, e_index) = _fast(data, header_row=4), _exact(data, header_row=4)
    assert f_index == e_index == 2
    pd.testing.assert_frame_equal(f_table.frame, e_table.frame)
    assert f_table.row_numbers == e_table.row_numbers == [5, 7]


def test_fast_path_keeps_leading_zeros_and_line_numbers_on_a_big_file():
    lines = ["编号,代码,面积"] + [f"{i:06d},{i % 7:03d},{i / 4}" for i in range(5000)]
    data = ("台账\n\n" + "\n".join(lines) + "\n").encode("gb18030")
    (f_table, _), (e_table, _) = _fast(data), _exact(data)
    pd.testing.assert_frame_equal(f_table.frame, e_table.frame)
    assert f_table.row_numbers == e_table.row_numbers
    assert f_table.row_numbers[:2] == [4, 5] and f_table.frame["编号"].iloc[0] == "000000"


@pytest.mark.parametrize(
    "data",
    [
        '名称,说明\n"A厂","第一行\n第二行"\nB厂,x\n'.encode(),  # line break inside quotes
        "编号,代码\n1,2\n\n3,4\n".encode(),  # empty line below the header
        "编号,代码\n1,2\r3,4\n".encode(),  # bare carriage return
        '编号,代码\n1,ab"c\n'.encode(),  # quote inside an unquoted field
        "编号,代码\n1,2,3\n4,5\n".encode(),  # ragged rows
    ],
)
def test_fast_path_declines_what_only_the_exact_parser_reads_right(data):
    assert _fast(data) is None


def test_read_csv_bytes_still_reports_ragged_rows_precisely():
    from dashboard.errors import UserError

    with pytest.raises(UserError) as err:
        read_csv_bytes("编号,代码\n1,2\n3,4,5\n6\n".encode())
    assert err.value.key == "error.upload.ragged_rows"
    assert err.value.params["line"] == 3 and err.value.params["count"] == 2


def test_read_csv_bytes_with_embedded_line_break_keeps_line_numbers():
    table, _, _ = read_csv_bytes('名称,说明\n"A厂","第一行\n第二行"\nB厂,x\n'.encode())
    assert table.row_numbers == [2, 4]
    assert table.frame["说明"].tolist() == ["第一行\n第二行", "x"]
