"""Uploads: content sniffing, strict decoding, safe archives, spreadsheets and geo files (issue 4).

Every fixture is built in ``tmp_path`` by the test itself; nothing binary is committed.
"""

from __future__ import annotations

import os
import re
import stat
import string
import tomllib
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dashboard.demo.regions import build_regions
from dashboard.errors import UserError
from dashboard.upload import Limits, read_csv_bytes, read_upload, repair_geometry, sniff
from dashboard.upload.text import decode_bytes, unmangle
from tests.conftest import ROOT

MESSAGES = ROOT / "dashboard" / "locales" / "modules" / "upload.toml"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)


@pytest.fixture(scope="module")
def yuxi() -> tuple[float, float, float, float]:
    return tuple(float(v) for v in build_regions().total_bounds)


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _catalog(lang: str) -> dict[str, str]:
    with open(MESSAGES, "rb") as fh:
        return _flatten(tomllib.load(fh)[lang])


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(error: UserError, lang: str) -> str:
    """The message as the UI will show it: fails if a placeholder has no parameter."""
    return _catalog(lang)[error.key].format(**error.params)


# ------------------------------------------------------------------------------------------- builders


def write(tmp_path: Path, data: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def make_zip(tmp_path: Path, members: list, name: str = "upload.zip", method=zipfile.ZIP_DEFLATED) -> Path:
    """``members``: ``(name or ZipInfo, bytes)`` pairs."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", method) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def make_xlsx(tmp_path: Path, rows: list[list], name: str = "book.xlsx", title: str = "Sheet1", formats=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    path = tmp_path / name
    wb.save(path)
    return path


def rewrite_entry(path: Path, entry: str, change) -> Path:
    """Replace one member of a zip (an xlsx part) with ``change(old_bytes)``."""
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, change(data) if info.filename == entry else data)
    return path


def gk(lon: float, lat: float, epsg: int) -> tuple[float, float]:
    return Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)


def parcels(epsg: int, lon: float = 102.55, lat: float = 24.35, size: float = 100.0) -> gpd.GeoDataFrame:
    """Two square parcels near 红塔区 in CRS ``epsg`` with Chinese attributes and a leading-zero code."""
    x, y = gk(lon, lat, epsg)
    return gpd.GeoDataFrame(
        {"地块编号": ["0012", "0013"], "名称": ["玉溪市红塔区", "江川"]},
        geometry=[shapely.box(x, y, x + size, y + size), shapely.box(x + 2 * size, y, x + 3 * size, y + size)],
        crs=epsg,
    )


def zipped_shapefile(tmp_path: Path, gdf: gpd.GeoDataFrame, *, encoding: str = "UTF-8", drop=(),
                     name: str = "地块", folder: str = "") -> Path:
    """Write ``gdf`` as a shapefile, delete the sidecars in ``drop`` (e.g. ``.cpg``, ``.prj``) and zip it."""
    shp_dir = tmp_path / f"shp-{len(list(tmp_path.iterdir()))}"
    shp_dir.mkdir()
    with warnings.catch_warnings():
        # GDAL warns (undecodably) when it cuts a UTF-8 field name at dBase's 10 bytes; that cut is tested.
        warnings.simplefilter("ignore", RuntimeWarning)
        gdf.to_file(shp_dir / f"{name}.shp", driver="ESRI Shapefile", encoding=encoding)
    for suffix in drop:
        (shp_dir / f"{name}{suffix}").unlink()
    return make_zip(tmp_path, [(f"{folder}{p.name}", p.read_bytes()) for p in sorted(shp_dir.iterdir())],
                    name=f"{shp_dir.name}.zip")


def billion_laughs(data: bytes) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    text = data.decode().replace("<v>1</v>", "<v>&lol9;</v>", 1)
    return _with_doctype(text, f"<!DOCTYPE worksheet [{entities}]>")


def xxe(data: bytes) -> bytes:
    text = data.decode().replace("<t>a</t>", "<t>&x;</t>", 1)
    return _with_doctype(text, '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')


def _with_doctype(text: str, doctype: str) -> bytes:
    if text.startswith("<?xml"):
        head, rest = text.split("?>", 1)
        return f"{head}?>{doctype}{rest}".encode()
    return f"{doctype}{text}".encode()


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def mark_encrypted(path: Path) -> Path:
    """Set the "encrypted" flag bit of every entry (zipfile cannot write encrypted archives itself)."""
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + flag_at] |= 0x1
            start += 4
    path.write_bytes(bytes(data))
    return path


# --------------------------------------------------------------------------------------- bad inputs


def _latin1_csv(tmp_path):
    # "é" and "ü" as Latin-1 bytes followed by ASCII: invalid UTF-8 and invalid GB18030.
    return write(tmp_path, b"name,city\nCaf\xe9,Z\xfcrich\n"), "cafes.csv", {}


def _ragged_csv(tmp_path):
    return write(tmp_path, "地块编号,用地面积(亩),年度\n0012,1.5,2025\n0013,2\n0014,3,2025,多余\n".encode()), "r.csv", {}


def _formula_xlsx(tmp_path):
    return make_xlsx(tmp_path, [["地块编号", "用地面积(亩)"], ["0012", "=1+1"]]), "f.xlsx", {}


def _zip_slip(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), ("../evil.txt", b"owned")]), "slip.zip", {}


def _zip_absolute(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), ("/tmp/evil.txt", b"owned")]), "abs.zip", {}


def _zip_drive(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), ("C:\\Windows\\evil.dll", b"owned")]), "drive.zip", {}


def _zip_backslash(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), ("data\\..\\..\\evil.txt", b"owned")]), "bs.zip", {}


def _zip_symlink(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), (symlink_info("a.dbf"), b"/etc/passwd")]), "link.zip", {}


def _zip_bomb(tmp_path):
    return make_zip(tmp_path, [("a.shp", b"x"), ("a.dbf", bytes(20 * 1024 * 1024))]), "bomb.zip", {}


def _zip_many(tmp_path):
    members = [("a.shp", b"x")] + [(f"f{i}.txt", b"x") for i in range(11)]
    return make_zip(tmp_path, members), "many.zip", {"limits": Limits(max_entries=10)}


def _zip_nested(tmp_path):
    inner = make_zip(tmp_path, [("x.txt", b"x")], name="inner.zip").read_bytes()
    return make_zip(tmp_path, [("a.shp", b"x"), ("inner.zip", inner)]), "nested.zip", {}


def _zip_encrypted(tmp_path):
    return mark_encrypted(make_zip(tmp_path, [("a.shp", b"x")], method=zipfile.ZIP_STORED)), "enc.zip", {}


def _png_as_csv(tmp_path):
    return write(tmp_path, PNG), "台账.csv", {}


def _png(tmp_path):
    return write(tmp_path, PNG), "photo.png", {}


def _too_large(tmp_path):
    return write(tmp_path, b"a,b\n1,2\n"), "a.csv", {"limits": Limits(max_upload_bytes=4)}


def _empty(tmp_path):
    return write(tmp_path, b""), "empty.csv", {}


def _xls(tmp_path):
    return write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)), "old.xls", {}


def _html_as_xls(tmp_path):
    return write(tmp_path, "<html><table><tr><td>地块编号</td></tr></table></html>".encode()), "export.xls", {}


def _billion_laughs(tmp_path):
    path = make_xlsx(tmp_path, [["a", "b"], [1, 2]])
    return rewrite_entry(path, "xl/worksheets/sheet1.xml", billion_laughs), "lol.xlsx", {}


def _xxe(tmp_path):
    path = make_xlsx(tmp_path, [["a", "b"], [1, 2]])
    return rewrite_entry(path, "xl/worksheets/sheet1.xml", xxe), "xxe.xlsx", {}


def _bare_shp(tmp_path):
    return write(tmp_path, (9994).to_bytes(4, "big") + bytes(96)), "a.shp", {}


def _zip_without_shapefile(tmp_path):
    return make_zip(tmp_path, [("readme.txt", b"hello"), ("data.csv", b"a,b\n")]), "data.zip", {}


def _shapefile_without_dbf(tmp_path):
    path = zipped_shapefile(tmp_path, parcels(4543), drop=(".dbf",))
    return path, "地块.zip", {}


def _shapefile_without_prj(tmp_path):
    return zipped_shapefile(tmp_path, parcels(4543), drop=(".prj",)), "地块.zip", {"region_bounds": "yuxi"}


def _beijing(tmp_path):
    gdf = parcels(4326, lon=116.40, lat=39.90, size=0.001)
    path = tmp_path / "bj.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path, "bj.geojson", {"region_bounds": "yuxi"}


def _swapped(tmp_path):
    gdf = parcels(4326, size=0.001)
    gdf["geometry"] = shapely.transform(gdf.geometry.values, lambda xy: xy[:, ::-1])
    path = tmp_path / "swapped.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path, "swapped.geojson", {"region_bounds": "yuxi"}


def _missing_sheet(tmp_path):
    return make_xlsx(tmp_path, [["a", "b"], [1, 2]]), "a.xlsx", {"sheet": "供地"}


def _plain_json(tmp_path):
    return write(tmp_path, b'{"rows": [1, 2, 3]}'), "a.json", {}


def _unknown_encoding(tmp_path):
    return write(tmp_path, b"a,b\n1,2\n"), "a.csv", {"encoding": "klingon-8"}


def _gbk_declared_utf8(tmp_path):
    return write(tmp_path, "地块编号\n0012\n".encode("gbk")), "a.csv", {"encoding": "utf-8"}


BAD_INPUTS = [
    ("latin1", _latin1_csv, "error.upload.undecodable", {"line": 2, "offset": 13, "byte": "0xE9",
                                                          "tried": "UTF-8, GB18030"}),
    ("ragged", _ragged_csv, "error.upload.ragged_rows", {"line": 3, "found": 2, "expected": 3, "count": 2,
                                                         "lines": "3 (2), 4 (4)"}),
    ("formula", _formula_xlsx, "error.upload.formula_uncached", {"count": 1, "cells": "B2"}),
    ("zip_slip", _zip_slip, "error.upload.zip_unsafe_path", {"entry": "../evil.txt"}),
    ("zip_absolute", _zip_absolute, "error.upload.zip_unsafe_path", {"entry": "/tmp/evil.txt"}),
    ("zip_drive", _zip_drive, "error.upload.zip_unsafe_path", {"entry": "C:\\Windows\\evil.dll"}),
    ("zip_backslash", _zip_backslash, "error.upload.zip_unsafe_path", {"entry": "data\\..\\..\\evil.txt"}),
    ("zip_symlink", _zip_symlink, "error.upload.zip_symlink", {"entry": "a.dbf"}),
    ("zip_bomb", _zip_bomb, "error.upload.zip_ratio", {"entry": "a.dbf", "limit": "100"}),
    ("zip_many", _zip_many, "error.upload.zip_too_many_entries", {"count": 12, "limit": 10}),
    ("zip_nested", _zip_nested, "error.upload.zip_nested", {"entry": "inner.zip"}),
    ("zip_encrypted", _zip_encrypted, "error.upload.zip_encrypted", {"entry": "a.shp"}),
    ("png_as_csv", _png_as_csv, "error.upload.type_mismatch", {"name": "台账.csv", "claimed": ".csv",
                                                               "detected": "PNG"}),
    ("png", _png, "error.upload.unsupported_kind", {"detected": "PNG"}),
    ("too_large", _too_large, "error.upload.too_large", {"limit_mb": "0.0"}),
    ("empty", _empty, "error.upload.empty", {"name": "empty.csv"}),
    ("xls", _xls, "error.upload.xls_unsupported", {"name": "old.xls"}),
    ("html_as_xls", _html_as_xls, "error.upload.type_mismatch", {"claimed": ".xls", "detected": "HTML"}),
    ("billion_laughs", _billion_laughs, "error.upload.unsafe_xml", {"entry": "xl/worksheets/sheet1.xml"}),
    ("xxe", _xxe, "error.upload.unsafe_xml", {"entry": "xl/worksheets/sheet1.xml"}),
    ("bare_shp", _bare_shp, "error.upload.bare_shapefile", {"name": "a.shp"}),
    ("zip_no_shapefile", _zip_without_shapefile, "error.upload.zip_no_data", {"entries": "readme.txt, data.csv"}),
    ("shapefile_no_dbf", _shapefile_without_dbf, "error.upload.shapefile_incomplete", {"layer": "地块",
                                                                                        "missing": ".dbf"}),
    ("shapefile_no_prj", _shapefile_without_prj, "error.upload.crs_missing", {}),
    ("beijing", _beijing, "error.upload.out_of_region", {"lon": "116.40–116.40", "lat": "39.90–39.90"}),
    ("swapped", _swapped, "error.upload.swapped_axes", {"crs": "EPSG:4326 (WGS 84)"}),
    ("missing_sheet", _missing_sheet, "error.upload.sheet_not_found", {"sheet": "供地", "sheets": "Sheet1"}),
    ("plain_json", _plain_json, "error.upload.json_not_geojson", {"name": "a.json"}),
    ("unknown_encoding", _unknown_encoding, "error.upload.unknown_encoding", {"encoding": "klingon-8"}),
    ("gbk_declared_utf8", _gbk_declared_utf8, "error.upload.undecodable", {"tried": "UTF-8", "line": 1,
                                                                            "offset": 0}),
]


@pytest.mark.parametrize(("build", "key", "params"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_a_user_error_with_key_and_params(tmp_path, yuxi, build, key, params):
    src = tmp_path / "src"
    src.mkdir()
    path, name, kwargs = build(src)
    if kwargs.get("region_bounds") == "yuxi":
        kwargs["region_bounds"] = yuxi
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(UserError) as info:
        read_upload(path, original_name=name, workdir=work, **kwargs)
    error = info.value
    assert error.key == key, error.params
    assert {k: error.params.get(k) for k in params} == params
    for lang in ("zh", "en"):
        assert render(error, lang)  # every placeholder has a parameter
    assert list(work.iterdir()) == [], "temp extraction dir left behind"
    assert not (tmp_path / "evil.txt").exists() and not (src.parent.parent / "evil.txt").exists()


def test_shapefile_without_prj_lists_gauss_kruger_cm102_for_yuxi(tmp_path, yuxi):
    path = zipped_shapefile(tmp_path, parcels(4543), drop=(".prj",))
    with pytest.raises(UserError) as info:
        read_upload(path, original_name="地块.zip", region_bounds=yuxi)
    assert info.value.key == "error.upload.crs_missing"
    assert "EPSG:4543" in info.value.params["candidates"]
    # An explicit choice is accepted and lands in Yuxi.
    upload = read_upload(path, original_name="地块.zip", region_bounds=yuxi, crs="EPSG:4543")
    assert upload.crs_report.reason_key == "upload.crs_reason.explicit"
    minx, miny, maxx, maxy = upload.frame.total_bounds
    assert yuxi[0] < minx < maxx < yuxi[2] and yuxi[1] < miny < maxy < yuxi[3]


def test_zip_bomb_limit_is_per_entry_ratio_and_total(tmp_path):
    path = make_zip(tmp_path, [("a.shp", b"x"), ("a.dbf", bytes(2 * 1024 * 1024))])
    with pytest.raises(UserError) as info:
        read_upload(path, original_name="a.zip", limits=Limits(max_unpacked_bytes=1024 * 1024, max_ratio=1e9))
    assert info.value.key == "error.upload.zip_too_big_unpacked"


def test_default_limits():
    limits = Limits()
    assert limits.max_upload_bytes == 200 * 1024 * 1024
    assert limits.max_unpacked_bytes == 1024 * 1024 * 1024
    assert limits.max_ratio == 100
    assert limits.max_entries == 1000


# ------------------------------------------------------------------------------------------------ CSV


def test_gbk_csv_with_chinese_headers_and_leading_zero_codes(tmp_path):
    text = "地块编号,用地面积(亩),企业名称\n0012,1.50,玉溪卷烟厂\n0013,20,红塔区（园区）\n"
    path = write(tmp_path, text.encode("gbk"))
    upload = read_upload(path, original_name="供地台账.csv")
    assert upload.kind == "csv"
    assert upload.encoding == "gb18030"
    assert list(upload.frame.columns) == ["地块编号", "用地面积(亩)", "企业名称"]
    assert upload.frame["地块编号"].tolist() == ["0012", "0013"]
    assert upload.frame["用地面积(亩)"].tolist() == ["1.50", "20"]  # text, exactly as written
    assert all(isinstance(dtype, pd.StringDtype) for dtype in upload.frame.dtypes)
    assert upload.row_numbers == [2, 3]
    assert upload.warnings == []


def test_utf8_bom_csv(tmp_path):
    path = write(tmp_path, "\ufeff地块编号,年度\n0012,2025\n".encode())
    upload = read_upload(path, original_name="a.csv")
    assert upload.encoding == "utf-8-sig"
    assert list(upload.frame.columns) == ["地块编号", "年度"]


def test_utf16_tab_separated_excel_unicode_text(tmp_path):
    path = write(tmp_path, "地块编号\t年度\r\n0012\t2025\r\n".encode("utf-16"))
    upload = read_upload(path, original_name="a.txt")
    assert (upload.encoding, upload.delimiter) == ("utf-16", "\t")
    assert upload.frame.to_dict("list") == {"地块编号": ["0012"], "年度": ["2025"]}


def test_csv_title_rows_blank_rows_and_blank_cells(tmp_path):
    text = "玉溪市2025年供地台账\n\n地块编号,用地面积(亩),备注\n0012,1.5,\n,,\n0013,2,有\n"
    upload = read_upload(write(tmp_path, text.encode()), original_name="a.csv")
    assert upload.header_row == 3
    assert upload.row_numbers == [4, 6]
    assert upload.frame["备注"].isna().tolist() == [True, False]
    keys = [k for k, _ in upload.warnings]
    assert keys == ["warning.upload.title_rows_skipped", "warning.upload.blank_rows_skipped"]


def test_big5_read_as_gb18030_is_flagged(tmp_path):
    # Every Big5 byte pair is also valid GBK, so strict decoding succeeds: the content gives it away.
    text = "地塊編號,名稱,備註\n0012,玉溪市紅塔區土地,臺灣\n0013,江川區,測試資料\n"
    upload = read_upload(write(tmp_path, text.encode("big5")), original_name="a.csv")
    assert upload.encoding == "gb18030"
    assert upload.warnings[0][0] == "warning.upload.encoding_doubtful"
    chosen = read_upload(write(tmp_path, text.encode("big5")), original_name="a.csv", encoding="big5")
    assert list(chosen.frame.columns) == ["地塊編號", "名稱", "備註"] and chosen.encoding == "big5"


def test_header_below_a_filled_in_by_line(tmp_path):
    # No contract header here, so only the "fills the width" rule can tell the header from the by-line.
    text = "填报单位：玉溪市自然资源和规划局,,,填报日期：2025-06-30\n片区,地段,情况,说明\nA,1,在建,\nB,2,投产,x\n"
    upload = read_upload(write(tmp_path, text.encode()), original_name="a.csv")
    assert upload.header_row == 2 and list(upload.frame.columns) == ["片区", "地段", "情况", "说明"]


def test_explicit_header_row_overrides_detection(tmp_path):
    text = "a,b\nx,y\n1,2\n"
    upload = read_upload(write(tmp_path, text.encode()), original_name="a.csv", header_row=2)
    assert list(upload.frame.columns) == ["x", "y"]


def test_undecodable_reports_the_furthest_attempt(tmp_path):
    # Valid UTF-8 for two lines, then a lone GBK lead byte: UTF-8 fails later than GB18030 would not.
    data = "地块编号\n玉溪\n".encode() + b"\xff\n"
    with pytest.raises(UserError) as info:
        decode_bytes(data)
    assert info.value.params["line"] == 3
    assert info.value.params["byte"] == "0xFF"


def test_garbled_text_in_a_utf8_file_is_reported(tmp_path):
    text = "地块编号,名称\n0012,ÓñÏª\n0013,坏\ufffd字\n"
    upload = read_upload(write(tmp_path, text.encode()), original_name="a.csv")
    warnings = dict(upload.warnings)
    assert warnings["warning.upload.mojibake"] == {"count": 1, "column": "名称", "row": 2, "value": "ÓñÏª",
                                                   "suggestion": "玉溪"}
    assert warnings["warning.upload.replacement_char"] == {"count": 1, "column": "名称", "row": 3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ÓñÏª", "玉溪"),  # GBK bytes shown as Latin-1
        ("ç\x8e\x89æ\xba\xaa", "玉溪"),  # UTF-8 bytes shown as Latin-1
        ("鐜夋邯", "玉溪"),  # UTF-8 bytes shown as GBK
        ("Café Müller", None),
        ("玉溪市红塔区", None),
        ("0012", None),
    ],
)
def test_unmangle(text, expected):
    assert unmangle(text) == expected


def test_html_in_the_file_name_is_data(tmp_path):
    name = "<img src=x onerror=alert(1)>.csv"
    upload = read_upload(write(tmp_path, b"a,b\n1,2\n", "stored-under-generated-name"), original_name=name)
    assert upload.original_name == name
    assert upload.frame.to_dict("list") == {"a": ["1"], "b": ["2"]}


def test_original_name_is_never_a_path(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    upload = read_upload(write(tmp_path, b"a\n1\n"), original_name="../../etc/passwd.csv", workdir=work)
    assert upload.original_name == "../../etc/passwd.csv"
    assert list(work.iterdir()) == []


def test_read_csv_bytes_duplicate_and_blank_headers():
    table, _, _ = read_csv_bytes("面积,面积,,备注\n1,2,3,\n".encode())
    assert list(table.frame.columns) == ["面积", "面积_2", "column_3", "备注"]
    assert {k for k, _ in table.warnings} == {"warning.upload.duplicate_headers", "warning.upload.blank_headers"}


# ----------------------------------------------------------------------------------------------- XLSX


def test_xlsx_with_title_rows_and_zero_padded_codes(tmp_path):
    rows = [
        ["玉溪市2025年供地台账"],
        [],
        ["地块编号", "用地面积(亩)", "供地日期", "年度"],
        [12, 1.5, None, 2025],
        ["0013", 2, None, 2025],
    ]
    path = make_xlsx(tmp_path, rows, title="供地", formats={"A4": "0000"})
    wb = openpyxl.load_workbook(path)
    wb["供地"].merge_cells("A1:D1")
    import datetime as dt

    wb["供地"]["C4"] = dt.datetime(2025, 3, 1)
    wb.create_sheet("说明")
    wb.save(path)
    upload = read_upload(path, original_name="台账.xlsx")
    assert (upload.kind, upload.sheet, upload.sheets, upload.header_row) == ("xlsx", "供地", ("供地", "说明"), 3)
    assert upload.row_numbers == [4, 5]
    assert upload.frame.to_dict("list") == {
        "地块编号": ["0012", "0013"],
        "用地面积(亩)": ["1.5", "2"],
        "供地日期": ["2025-03-01", None],
        "年度": ["2025", "2025"],
    }
    keys = [k for k, _ in upload.warnings]
    assert "warning.upload.title_rows_skipped" in keys and "warning.upload.other_sheets" in keys


def test_xlsx_default_sheet_is_first_non_empty_and_sheet_can_be_chosen(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    data = wb.create_sheet("数据")
    data.append(["地块编号", "年度"])
    data.append(["0012", 2025])
    other = wb.create_sheet("其他")
    other.append(["a", "b"])
    other.append([1, 2])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    assert read_upload(path, original_name="b.xlsx").sheet == "数据"
    assert read_upload(path, original_name="b.xlsx", sheet="其他").frame.columns.tolist() == ["a", "b"]
    assert read_upload(path, original_name="b.xlsx", sheet=2).sheet == "其他"


def test_xlsx_default_sheet_skips_hidden_sheets(tmp_path):
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "代码表"
    hidden.append(["代码", "名称"])
    hidden.append(["530402", "红塔区"])
    hidden.sheet_state = "hidden"
    data = wb.create_sheet("台账")
    data.append(["地块编号", "年度"])
    data.append(["0012", 2025])
    wb.active = 1
    path = tmp_path / "h.xlsx"
    wb.save(path)
    assert read_upload(path, original_name="h.xlsx").sheet == "台账"


def test_xlsx_formula_with_cached_value_is_read_and_reported(tmp_path):
    path = make_xlsx(tmp_path, [["地块编号", "用地面积(亩)"], ["0012", "=1+1"]])
    rewrite_entry(path, "xl/worksheets/sheet1.xml", lambda b: b.replace(b"<v />", b"<v>2</v>"))
    upload = read_upload(path, original_name="f.xlsx")
    assert upload.frame["用地面积(亩)"].tolist() == ["2"]
    assert upload.formula_cells == ("B2",)
    assert ("warning.upload.formula_cells", {"count": 1, "cells": "B2"}) in upload.warnings


def test_openpyxl_parses_with_defusedxml():
    """Our DTD scan rejects hostile xlsx first, but the parser underneath must be safe on its own too."""
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("attack", [billion_laughs, xxe])
def test_openpyxl_alone_refuses_entity_attacks(tmp_path, attack):
    path = rewrite_entry(make_xlsx(tmp_path, [["a", "b"], [1, 2]]), "xl/worksheets/sheet1.xml", attack)
    with pytest.raises(Exception) as info:
        wb = openpyxl.load_workbook(path)
        list(wb.active.values)
    chain, exc = [], info.value
    while exc is not None:
        chain.append(type(exc).__module__)
        exc = exc.__cause__ or exc.__context__
    assert any(module.startswith("defusedxml") for module in chain), chain


# ------------------------------------------------------------------------------------------------ geo


def test_gbk_dbf_without_cpg_is_decoded(tmp_path, yuxi):
    path = zipped_shapefile(tmp_path, parcels(4543), encoding="GBK", drop=(".cpg",))
    work = tmp_path / "work"
    work.mkdir()
    upload = read_upload(path, original_name="地块.zip", region_bounds=yuxi, workdir=work)
    assert upload.encoding == "gb18030"
    assert list(upload.frame.columns) == ["地块编号", "名称", "geometry"]
    assert upload.frame["名称"].tolist() == ["玉溪市红塔区", "江川"]
    assert upload.frame["地块编号"].tolist() == ["0012", "0013"]
    assert not any(k.startswith("warning.upload.mojibake") for k, _ in upload.warnings)
    assert list(work.iterdir()) == []
    # What GDAL alone makes of it — the garbage this module exists to avoid.
    naive = gpd.read_file(f"zip://{path}")
    assert "ÓñÏª" in naive.iloc[0, 1]


def test_cpg_is_honoured_and_wrong_cpg_is_overridden(tmp_path, yuxi):
    utf8 = zipped_shapefile(tmp_path, parcels(4543), encoding="UTF-8")
    upload = read_upload(utf8, original_name="a.zip")
    assert upload.encoding == "utf-8"
    assert upload.frame["名称"].tolist() == ["玉溪市红塔区", "江川"]
    # dBase names are 10 bytes: GDAL cut "地块编号" (12 UTF-8 bytes) mid-character; the stub is dropped, and said.
    assert list(upload.frame.columns) == ["地块编", "名称", "geometry"]
    assert ("warning.upload.dbf_truncated", {"count": 1, "fields": "地块编"}) in upload.warnings
    gbk = zipped_shapefile(tmp_path, parcels(4543), encoding="GBK", drop=(".cpg",))
    with zipfile.ZipFile(gbk, "a") as zf:
        zf.writestr("地块.cpg", b"UTF-8")
    upload = read_upload(gbk, original_name="a.zip")
    assert upload.frame["名称"].tolist() == ["玉溪市红塔区", "江川"]
    assert ("warning.upload.cpg_ignored", {"cpg": "utf-8", "encoding": "gb18030"}) in upload.warnings


def test_shapefile_with_prj_4543_lands_in_yuxi(tmp_path, yuxi):
    path = zipped_shapefile(tmp_path, parcels(4543), folder="成果/")
    upload = read_upload(path, original_name="地块.zip", region_bounds=yuxi)
    assert upload.kind == "shapefile_zip"
    assert upload.layer == "地块"
    assert upload.crs_report.chosen == "EPSG:4543"
    assert upload.frame.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = upload.frame.total_bounds
    assert 102.54 < minx < maxx < 102.56 and 24.34 < miny < maxy < 24.36


def test_zip_with_two_shapefiles_chooses_layer(tmp_path):
    one = zipped_shapefile(tmp_path, parcels(4543), name="一")
    two = zipped_shapefile(tmp_path, parcels(4543), name="二")
    with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
        members = [(i.filename, a.read(i)) for i in a.infolist()] + [(i.filename, b.read(i)) for i in b.infolist()]
    path = make_zip(tmp_path, members, name="both.zip")
    first = read_upload(path, original_name="both.zip")
    assert (first.layer, first.layers) == ("一", ("一", "二"))
    assert "warning.upload.other_layers" in dict(first.warnings)
    assert read_upload(path, original_name="both.zip", layer="二").layer == "二"
    with pytest.raises(UserError) as info:
        read_upload(path, original_name="both.zip", layer="三")
    assert info.value.key == "error.upload.layer_not_found"


def test_gbk_entry_names_from_chinese_windows_zips(tmp_path):
    shp = zipped_shapefile(tmp_path, parcels(4543), name="红塔")
    with zipfile.ZipFile(shp) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    # zipfile writes non-ASCII names as flagged UTF-8; old Windows tools write GBK bytes without the flag.
    # Write same-length ASCII placeholders, then put the GBK bytes in their place.
    path = tmp_path / "gbk-names.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(name.replace("红塔", "QQQQ"), data)
    path.write_bytes(path.read_bytes().replace(b"QQQQ", "红塔".encode("gbk")))
    with zipfile.ZipFile(path) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    assert read_upload(path, original_name="a.zip").layer == "红塔"


def test_geopackage_layers_and_crs(tmp_path, yuxi):
    path = tmp_path / "a.gpkg"
    parcels(4543).to_file(path, layer="地块", driver="GPKG")
    parcels(4326, lon=102.6, size=0.001).to_file(path, layer="园区", driver="GPKG")
    upload = read_upload(path, original_name="a.gpkg", layer="园区", region_bounds=yuxi)
    assert upload.kind == "gpkg" and upload.layers == ("地块", "园区")
    assert upload.crs_report.chosen == "EPSG:4326"
    first = read_upload(path, original_name="a.gpkg", region_bounds=yuxi)
    assert first.layer == "地块" and first.crs_report.chosen == "EPSG:4543"
    assert first.frame["地块编号"].tolist() == ["0012", "0013"]


def test_geoparquet_and_plain_parquet(tmp_path, yuxi):
    gdf = parcels(4490, size=0.001)
    gdf["area_mu"] = [1.5, 2.0]
    gdf.to_parquet(tmp_path / "a.parquet")
    upload = read_upload(tmp_path / "a.parquet", original_name="a.geoparquet", region_bounds=yuxi)
    assert upload.kind == "parquet" and upload.frame.crs.to_epsg() == 4326
    assert upload.frame["area_mu"].tolist() == ["1.5", "2"]
    pd.DataFrame({"code": ["0012"], "n": [3]}).to_parquet(tmp_path / "b.parquet")
    plain = read_upload(tmp_path / "b.parquet", original_name="b.parquet")
    assert plain.frame.to_dict("list") == {"code": ["0012"], "n": ["3"]}


def test_geojson_dates_stay_text_and_gcj02_is_converted(tmp_path, yuxi):
    gdf = gpd.GeoDataFrame({"供地日期": ["2025-03-01"]}, geometry=[shapely.Point(102.55, 24.35)], crs=4326)
    path = tmp_path / "p.geojson"
    gdf.to_file(path, driver="GeoJSON")
    plain = read_upload(path, original_name="p.geojson", region_bounds=yuxi)
    assert plain.frame["供地日期"].tolist() == ["2025-03-01"]
    converted = read_upload(path, original_name="p.geojson", region_bounds=yuxi, source_is_gcj02=True)
    shift = Transformer.from_crs(4326, 4543, always_xy=True)
    x0, y0 = shift.transform(*plain.frame.geometry.iloc[0].coords[0])
    x1, y1 = shift.transform(*converted.frame.geometry.iloc[0].coords[0])
    assert 100 < ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 < 1000  # GCJ-02 offsets are a few hundred metres


def test_swapped_axes_can_be_fixed_by_the_user(tmp_path, yuxi):
    path, name, _ = _swapped(tmp_path)
    upload = read_upload(path, original_name=name, region_bounds=yuxi, swap_axes=True)
    minx, miny, _, _ = upload.frame.total_bounds
    assert round(minx, 2) == 102.55 and round(miny, 2) == 24.35


def test_invalid_polygon_reported_then_repaired_with_areas(tmp_path, yuxi):
    x, y = gk(102.55, 24.35, 4543)
    bowtie = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100), (x, y)])
    gdf = gpd.GeoDataFrame({"地块编号": ["0012", "0013"]}, geometry=[shapely.box(x, y, x + 10, y + 10), bowtie],
                           crs=4543)
    path = zipped_shapefile(tmp_path, gdf)
    upload = read_upload(path, original_name="a.zip", region_bounds=yuxi)
    report = upload.geometry_report
    assert (report.invalid_count, report.null_count, report.empty_count) == (1, 0, 0)
    assert report.rows.to_dict("records")[0]["row"] == 2
    assert report.rows.reason.iloc[0].startswith("Self-intersection")
    assert dict(upload.warnings)["warning.upload.invalid_geometries"]["row"] == 2
    # Nothing is repaired until asked.
    assert not upload.frame.geometry.iloc[1].is_valid
    repaired, table = repair_geometry(upload.frame, row_numbers=upload.row_numbers)
    assert repaired.geometry.is_valid.all()
    assert repaired.geometry.iloc[0].equals(upload.frame.geometry.iloc[0])
    row = table.to_dict("records")[0]
    assert (row["row"], row["type_before"], row["type_after"]) == (2, "Polygon", "MultiPolygon")
    assert abs(row["area_before_m2"]) < 1  # the two lobes cancel
    assert row["area_after_m2"] == pytest.approx(5000, rel=1e-3)  # two triangles of 2500 m²


def test_sniff_by_content_not_extension(tmp_path):
    xlsx = make_xlsx(tmp_path, [["a"], [1]], name="no-extension")
    assert sniff(xlsx).kind == "xlsx"
    shp = zipped_shapefile(tmp_path, parcels(4543))
    assert sniff(shp).kind == "shapefile_zip"
    assert sniff(write(tmp_path, b'{"type": "FeatureCollection", "features": []}', "g")).kind == "geojson"
    assert sniff(write(tmp_path, b"a,b\n1,2\n", "c")).kind == "csv"
    gpkg = tmp_path / "x.gpkg"
    parcels(4543).to_file(gpkg, driver="GPKG")
    assert sniff(gpkg).kind == "gpkg"


# -------------------------------------------------------------------------------------------- messages


def test_messages_have_the_same_keys_and_fields_in_both_languages():
    zh, en = _catalog("zh"), _catalog("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


def test_every_key_raised_or_warned_has_a_message():
    used = set()
    for path in (ROOT / "dashboard" / "upload").glob("*.py"):
        used |= set(re.findall(r'"((?:error|warning)\.upload\.[a-z0-9_]+|upload\.crs_reason\.[a-z_]+)"',
                               path.read_text(encoding="utf-8")))
    assert used, "no keys found"
    assert used <= _catalog("zh").keys(), used - _catalog("zh").keys()


def test_no_streamlit_import():
    for path in (ROOT / "dashboard" / "upload").glob("*.py"):
        assert "streamlit" not in path.read_text(encoding="utf-8"), path.name


def test_no_file_written_outside_the_workdir(tmp_path, monkeypatch):
    """The default workdir is a fresh dir under the system temp dir, removed afterwards."""
    temp_root = tmp_path / "systemp"
    temp_root.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp_root))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    path = zipped_shapefile(tmp_path, parcels(4543))
    before = set(os.listdir(tmp_path))
    read_upload(path, original_name="a.zip")
    assert os.listdir(temp_root) == []
    assert set(os.listdir(tmp_path)) == before
