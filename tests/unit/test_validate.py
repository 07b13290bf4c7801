"""Upload validation: every problem with its line, column and value; clean input equals dashboard.io.conform."""

from __future__ import annotations

import io as _io
import json
import re
import string
import tomllib

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard import io
from dashboard.contracts import DATASET_NAMES
from dashboard.demo.ledgers import uscc_check_char
from dashboard.i18n import catalog
from dashboard.mapping import auto_map, save_mapping
from dashboard.validate import (
    MESSAGES_FILE,
    PROBLEM_CODES,
    contract_schema,
    current_county_codes,
    uscc_check_chars,
    validate,
    validate_file,
)
from tests.conftest import ROOT

KNOWN = {"530402", "530403", "530423"}


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


GOOD_USCC = uscc("91530402MA6K3L2P0")
BAD_USCC = GOOD_USCC[:17] + ("0" if GOOD_USCC[17] != "0" else "1")

#: Two valid rows per dataset (lines 2 and 3); each case below breaks one cell or column.
BASE = {
    "supplies": (
        "supply_id,approval_id,county_code,supply_date,area_mu,method",
        ["S1,A1,530402,2024-03-01,12.5,出让", "S2,A2,530403,2024-04-02,8,划拨"],
    ),
    "park_parcels": (
        "parcel_id,park_id,enterprise_id,area_mu,year,status",
        [f"Z1,P1,{GOOD_USCC},10,2024,投产", f"Z2,P1,{GOOD_USCC},20,2024,在建"],
    ),
    "landuse": (
        "parcel_id,county_code,dlbm,area_m2",
        ["1,530402,0101,1000.5", "2,530403,0301,20"],
    ),
}


def text_frame(csv: str) -> pd.DataFrame:
    """A frame as the upload readers give it: every cell text, blanks missing."""
    return pd.read_csv(_io.StringIO(csv), dtype=str, keep_default_na=False, na_values=[""])


def case_csv(dataset: str, column: str | None = None, value: str | None = None, row: int = 1,
             drop: str | None = None) -> str:
    header, rows = BASE[dataset]
    names = header.split(",")
    cells = [r.split(",") for r in rows]
    if column is not None:
        cells[row][names.index(column)] = value
    if drop is not None:
        i = names.index(drop)
        names.pop(i)
        for r in cells:
            r.pop(i)
    return "\n".join([",".join(names), *(",".join(r) for r in cells)]) + "\n"


def codes_of(report):
    return {(p.code, p.column, p.line) for p in report.problems}


@pytest.mark.parametrize(
    ("dataset", "column", "value", "code", "line"),
    [
        ("supplies", "area_mu", "约12亩", "bad_number", 3),
        ("supplies", "area_mu", "12亩", "bad_number", 3),
        ("supplies", "area_mu", "-5", "out_of_range_gt", 3),
        ("supplies", "area_mu", "0", "out_of_range_gt", 3),
        ("supplies", "supply_date", "2024-13-01", "bad_date", 3),
        ("supplies", "supply_date", "2023-02-29", "bad_date", 3),
        ("supplies", "supply_date", "1/3/2024", "bad_date", 3),  # day/month order unknowable: refused
        ("supplies", "method", "赠送", "bad_choice", 3),
        ("supplies", "county_code", "53-402", "bad_code", 3),
        ("supplies", "county_code", "530499", "unknown_county", 3),
        ("supplies", "county_code", "530402.0", "code_as_number", 3),
        ("supplies", "county_code", "5.30402E+05", "code_as_number", 3),
        ("supplies", "approval_id", "", "required_blank", 3),
        ("supplies", "supply_id", "S1", "duplicate_key", 2),
        ("supplies", "supply_id", "S1", "duplicate_key", 3),
        ("landuse", "dlbm", "101", "lost_leading_zero", 3),  # 0101 after a spreadsheet made it a number
        ("park_parcels", "enterprise_id", BAD_USCC, "bad_check_char", 3),
        ("park_parcels", "enterprise_id", "91530402", "bad_code", 3),
        ("park_parcels", "year", "1890", "out_of_range_min", 3),
        ("park_parcels", "year", "2200", "out_of_range_max", 3),
        ("park_parcels", "year", "2024.5", "bad_integer", 3),
        ("park_parcels", "status", "停产", "bad_choice", 3),
    ],
)
def test_bad_cell_is_reported_with_code_column_and_line(dataset, column, value, code, line):
    report = validate(text_frame(case_csv(dataset, column, value)), dataset, known_county_codes=KNOWN)
    assert not report.ok
    assert report.cleaned is None
    assert (code, column if code != "duplicate_key" else "+".join(_key(dataset)), line) in codes_of(report)
    problem = next(p for p in report.problems if p.code == code and p.line == line)
    if code not in ("required_blank",):
        assert problem.value == (value if code != "duplicate_key" else problem.value)
    for lang in ("zh", "en"):
        text = problem.message(lang)
        assert str(line) in text and "{" not in text


def _key(dataset):
    from dashboard.contracts import get_dataset

    return get_dataset(dataset).key


def test_the_bad_value_is_reported_not_silently_nan():
    report = validate(text_frame(case_csv("supplies", "area_mu", "约12亩")), "supplies")
    [problem] = report.problems
    assert (problem.code, problem.line, problem.value) == ("bad_number", 3, "约12亩")
    assert report.total == {"bad_number": 1}
    assert "约12亩" in problem.message("zh") and "第 3 行" in problem.message("zh")


def test_each_problem_is_reported_once():
    # A cell that failed to parse is not also a "required blank"; a malformed code is not also "unknown".
    report = validate(text_frame(case_csv("supplies", "area_mu", "abc")), "supplies", known_county_codes=KNOWN)
    assert report.total == {"bad_number": 1}
    report = validate(text_frame(case_csv("supplies", "county_code", "53-402")), "supplies", known_county_codes=KNOWN)
    assert report.total == {"bad_code": 1}


def test_duplicate_key_lists_every_line_of_its_group():
    csv = case_csv("supplies") + "S1,A3,530402,2024-05-01,3,出让\nS4,A4,530402,2024-05-01,3,出让\n"
    report = validate(text_frame(csv), "supplies")
    dups = [p for p in report.problems if p.code == "duplicate_key"]
    assert [p.line for p in dups] == [2, 4]
    assert all(p.params["lines"] == [2, 4] for p in dups)
    assert "2、4" in dups[0].message("zh") and "2, 4" in dups[0].message("en")


def test_composite_key_duplicates():
    csv = case_csv("park_parcels", "parcel_id", "Z1")
    report = validate(text_frame(csv), "park_parcels")
    assert report.total == {"duplicate_key": 2}
    assert report.problems[0].column == "parcel_id+year"
    assert report.problems[0].value == "Z1 / 2024"


def test_duplicate_rows_found_by_sorting_equal_pandas_duplicated():
    from dashboard.validate import _duplicated

    rng = np.random.default_rng(4)
    for _ in range(100):
        rows = int(rng.integers(0, 30))
        keys = pd.DataFrame({
            "parcel_id": pd.Series(rng.choice(["Z1", "Z2", "z1", "", None], rows), dtype="string"),
            "year": pd.array(rng.choice([2023, 2024, None], rows).tolist(), dtype="Int64"),
        })
        for columns in (["parcel_id"], ["parcel_id", "year"]):
            subset = keys[columns]
            complete = subset.notna().all(axis=1).to_numpy()
            expected = np.zeros(rows, dtype=bool)
            expected[complete] = subset[complete].duplicated(keep=False).to_numpy()
            assert (_duplicated(subset) == expected).all(), subset


def test_number_cells_are_read_exactly_as_the_strict_pattern_says():
    # numbers_from_text tries Arrow's cast first (fast) and falls back to the pattern: both must agree, cell by
    # cell, with the pattern — including columns where the cast succeeds on everything.
    from dashboard.mapping import NUMBER_PATTERN, numbers_from_text

    rng = np.random.default_rng(11)
    alphabet = list("0123456789+-.eE,") + ["inf", "nan", "Infinity", " ", "x", "1e400", "0x1", "_"]
    cells = ["".join(rng.choice(alphabet, int(rng.integers(1, 6)))) for _ in range(3000)]
    for column in [[c] for c in cells] + [cells]:
        numbers, ok = numbers_from_text(pd.Series(column, dtype="string"))
        for cell, number, accepted in zip(column, numbers, ok, strict=True):
            text = cell.strip()
            plain = text if re.fullmatch(NUMBER_PATTERN, text) else text.replace(",", "")
            expected = bool(re.fullmatch(NUMBER_PATTERN, plain))
            assert accepted == expected, cell
            if expected:
                assert number == float(plain), cell


def test_missing_required_column_is_a_problem_of_the_whole_file():
    report = validate(text_frame(case_csv("supplies", drop="approval_id")), "supplies")
    assert report.missing_columns == ["approval_id"]
    assert ("missing_column", "approval_id", None) in codes_of(report)
    assert report.problems[0].code == "missing_column"  # file-level problems come first


def test_unknown_columns_are_kept_aside_not_errors():
    csv = case_csv("supplies").replace("method\n", "method,备注\n").replace("出让\n", "出让,x\n").replace("划拨\n", "划拨,y\n")
    report = validate(text_frame(csv), "supplies")
    assert report.ok
    assert report.extra_columns == ["备注"]
    assert report.cleaned.attrs["extra_columns"] == ["备注"]
    assert "备注" not in report.cleaned.columns


def test_accepted_date_spellings():
    csv = ("supply_id,approval_id,county_code,supply_date,area_mu\n"
           "1,a,530402,2024-03-01,5\n2,b,530402,2024/3/1,5\n3,c,530402,2024年3月1日,5\n"
           "4,d,530402,2024.03.01,5\n5,e,530402,20240301,5\n6,f,530402,2024-03-01 00:00:00,5\n")
    report = validate(text_frame(csv), "supplies")
    assert report.ok, report.to_dict()
    assert set(report.cleaned["supply_date"].dt.strftime("%Y-%m-%d")) == {"2024-03-01"}


def test_choice_aliases_and_thousands_separators():
    csv = 'supply_id,approval_id,county_code,supply_date,area_mu,method\n1,a,530402,2024-03-01,"1,200",划拨\n'
    report = validate(text_frame(csv), "supplies")
    assert report.ok
    assert report.cleaned["method"].tolist() == ["allocation"]
    assert report.cleaned["area_mu"].tolist() == [1200.0]


def test_line_numbers_come_from_the_reader():
    frame = text_frame(case_csv("supplies", "area_mu", "x"))
    report = validate(frame, "supplies", line_numbers=[10, 12])
    assert report.problems[0].line == 12
    frame.attrs["line_numbers"] = [5, 7]
    assert validate(frame, "supplies").problems[0].line == 7


def test_validate_file_uses_true_source_lines(tmp_path):
    # A title row above the header and a blank line inside: the upload reader knows where each record was.
    path = tmp_path / "supplies.csv"
    path.write_text("2024年供地台账\nsupply_id,approval_id,county_code,supply_date,area_mu\n"
                    "1,a,530402,2024-03-01,5\n\n2,b,530402,2024-03-01,约12亩\n", encoding="utf-8")
    report = validate_file(path, "supplies", known_county_codes=None)
    assert [(p.code, p.line) for p in report.problems] == [("bad_number", 5)]


def test_validate_file_checks_counties_against_current_regions(tmp_path):
    path = tmp_path / "supplies.csv"
    path.write_text(case_csv("supplies", "county_code", "530499"), encoding="utf-8")
    assert "530402" in current_county_codes()
    report = validate_file(path, "supplies")
    assert report.total == {"unknown_county": 1}
    assert validate_file(path, "supplies", known_county_codes=None).ok


@pytest.mark.parametrize("use_upload_reader", [True, False])
def test_clean_file_is_ok_and_cleaned_equals_conform(tmp_path, use_upload_reader):
    csv = ("供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式,价款,备注\n"
           "0001,批001,530402,2024-03-01,12.5,出让,100,x\n"
           '0002,批002,530403,2024/04/02,"1,200",划拨,,y\n'
           "0003,批003,530423,2024-04-03,0.25,,3.5,\n")
    path = tmp_path / "supplies.csv"
    path.write_text(csv, encoding="utf-8")
    report = validate_file(path, "supplies", use_upload_reader=use_upload_reader)
    assert report.ok, report.to_dict()
    assert report.problems == [] and report.total == {}
    expected = io.read_supplies(path)
    pd.testing.assert_frame_equal(report.cleaned, expected)
    assert report.cleaned["supply_id"].tolist() == ["0001", "0002", "0003"]
    assert report.cleaned.attrs["extra_columns"] == expected.attrs["extra_columns"] == ["备注"]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_every_demo_dataset_validates_and_equals_conform(name):
    manifest = json.loads((ROOT / "data" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    raw = io.read_table(ROOT / "data" / "demo" / manifest["datasets"][name]["file"])
    report = validate(raw, name, known_county_codes=current_county_codes())
    assert report.ok, report.to_dict()["problems"][:3]
    pd.testing.assert_frame_equal(report.cleaned, io.conform(raw, name))


@pytest.mark.parametrize("name", ["supplies", "park_parcels", "economy", "arable_ledger", "indicator_trades"])
def test_demo_dataset_as_text_csv_equals_conform(tmp_path, name):
    # The same data as an analyst would send it: a CSV, every cell text.
    manifest = json.loads((ROOT / "data" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    frame = io.read_table(ROOT / "data" / "demo" / manifest["datasets"][name]["file"])
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    report = validate_file(path, name, use_upload_reader=False)
    assert report.ok, report.to_dict()["problems"][:3]
    pd.testing.assert_frame_equal(report.cleaned, io.read_dataset(name, path))


def test_typed_parquet_codes_that_lost_zeros(tmp_path):
    frame = pd.DataFrame({"parcel_id": ["1"], "county_code": ["530402"], "dlbm": [101], "area_m2": [5.0]})
    report = validate(frame, "landuse")
    [problem] = report.problems
    assert (problem.code, problem.params["expected"], problem.line) == ("lost_leading_zero", "0101", 2)


def test_first_n_problems_with_true_total():
    rows = "\n".join(f"S{i},A,530402,2024-03-01,bad{i}" for i in range(50))
    report = validate(text_frame("supply_id,approval_id,county_code,supply_date,area_mu\n" + rows), "supplies",
                      max_problems=5)
    assert len(report.problems) == 5
    assert report.total == {"bad_number": 50} and report.total_problems == 50 and report.truncated
    assert [p.line for p in report.problems] == [2, 3, 4, 5, 6]
    as_dict = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert as_dict["total_problems"] == 50 and len(as_dict["problems"]) == 5 and as_dict["truncated"]
    assert len(report.all_problems()) == 50


def test_report_frame_is_readable_in_both_languages():
    report = validate(text_frame(case_csv("supplies", "area_mu", "约12亩")), "supplies")
    zh = report.to_frame()
    assert list(zh.columns) == ["行号", "字段", "原表头", "问题类型", "值", "说明"]
    assert zh.iloc[0]["行号"] == 3 and zh.iloc[0]["问题类型"] == "不是数字"
    en = report.to_frame("en")
    assert list(en.columns) == ["Line", "Column", "Source header", "Problem", "Value", "Message"]
    assert "not a number" in en.iloc[0]["Message"]
    assert "1" in report.summary("zh") and "problem" in report.summary("en")


def test_excel_has_all_problems_and_escaped_cells():
    rows = [f"S{i},A,530402,2024-03-01,bad{i}" for i in range(30)]
    rows.append("=HYPERLINK(\"http://x\"),A,@SUM(1),2024-03-01,-5")
    csv = "supply_id,approval_id,county_code,supply_date,area_mu,=cmd|' /C calc'!A0\n" + "\n".join(
        r + ",z" for r in rows)
    report = validate(text_frame(csv), "supplies", max_problems=3)
    workbook = load_workbook(_io.BytesIO(report.to_excel_bytes()))
    problems = workbook["问题清单"]
    data = list(problems.iter_rows(values_only=True))
    assert data[0] == ("行号", "字段", "原表头", "问题类型", "值", "说明")
    assert len(data) - 1 == report.total_problems == 32  # 30 bad numbers, 1 bad code, 1 out of range
    values = {row[4] for row in data[1:]}
    assert "'@SUM(1)" in values  # formula-looking text is neutralised
    assert "-5" in values  # a plain negative number is data, not a formula
    assert not any(isinstance(v, str) and v[:1] in "=+@" for row in data for v in row)
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    assert any(row[0] == "未导入的列" and row[1].startswith("'=cmd") for row in summary)
    english = load_workbook(_io.BytesIO(report.to_excel_bytes("en")))
    assert english.sheetnames == ["Problems", "Summary"]


def test_ambiguous_headers_are_a_problem_until_overridden():
    csv = "供地编号,批准文号,县区代码,供地日期,供地面积,供地面积(亩)\n1,a,530402,2024-03-01,5,5\n"
    frame = text_frame(csv)
    report = validate(frame, "supplies")
    assert [p.code for p in report.problems] == ["ambiguous_column"]
    fixed = report.mapping.with_override("供地面积", None)
    assert validate(frame, "supplies", mapping=fixed).ok


def test_unit_conversion_is_applied_and_bad_values_keep_their_text():
    csv = "宗地编号,园区编号,用地面积(公顷),年度\nZ1,P1,1.2,2024\nZ2,P1,约1公顷,2024\n"
    report = validate(text_frame(csv), "park_parcels")
    [problem] = report.problems
    assert (problem.code, problem.value, problem.header, problem.line) == ("bad_number", "约1公顷", "用地面积(公顷)", 3)
    ok = validate(text_frame(csv.replace("约1公顷", "-1")), "park_parcels")
    assert ok.total == {"out_of_range_gt": 1}
    good = validate(text_frame(csv.replace("约1公顷", "2")), "park_parcels")
    assert good.cleaned["area_mu"].tolist() == pytest.approx([18.0, 30.0])


def test_validate_file_uses_a_saved_mapping(tmp_path):
    path = tmp_path / "supplies.csv"
    path.write_text("编号,文号,县,日期,面积(公顷)\n1,a,530402,2024-03-01,2\n", encoding="utf-8")
    assert not validate_file(path, "supplies", known_county_codes=None).ok
    mapping = auto_map(["编号", "文号", "县", "日期", "面积(公顷)"], "supplies")
    for header, column in [("编号", "supply_id"), ("文号", "approval_id"), ("县", "county_code"),
                           ("日期", "supply_date")]:
        mapping = mapping.with_override(header, column)
    mapping = mapping.with_override("面积(公顷)", "area_mu", unit="公顷")
    save_mapping(mapping, tmp_path / "store")
    report = validate_file(path, "supplies", store_root=tmp_path / "store", known_county_codes=None)
    assert report.ok and report.mapping.origin == "saved"
    assert report.cleaned["area_mu"].tolist() == [30.0]


def test_missing_geometry_and_crs():
    frame = pd.DataFrame({"line_id": ["1"], "kind": ["ubg"], "county_code": ["530402"]})
    assert validate(frame, "control_lines").total == {"missing_geometry": 1}
    import geopandas as gpd
    import shapely

    no_crs = gpd.GeoDataFrame(frame, geometry=[shapely.box(102, 24, 103, 25)])
    assert validate(no_crs, "control_lines").total == {"missing_crs": 1}
    projected = gpd.GeoDataFrame(frame, geometry=[shapely.box(500000, 2700000, 501000, 2701000)], crs=4547)
    report = validate(projected, "control_lines")
    assert report.ok and report.cleaned.crs.to_epsg() == 4326
    pd.testing.assert_frame_equal(report.cleaned, io.conform(projected, "control_lines"))


def test_uscc_check_chars_match_the_single_code_reference():
    rng = np.random.default_rng(3)
    alphabet = list("0123456789ABCDEFGHJKLMNPQRTUWXY")
    firsts = ["91" + "".join(rng.choice(alphabet, 15)) for _ in range(200)]
    computed = uscc_check_chars(pd.Series([f + "0" for f in firsts] + ["short", None]))
    assert computed.iloc[:200].tolist() == [uscc_check_char(f) for f in firsts]
    assert computed.iloc[200:].isna().all()


def test_schema_is_generated_from_the_contract():
    schema = contract_schema("supplies")
    assert set(schema.columns) == {"supply_id", "approval_id", "county_code", "supply_date", "area_mu", "method",
                                   "land_use", "price_wan"}
    assert [c.name for c in schema.columns["area_mu"].checks] == ["out_of_range_gt"]
    assert not schema.columns["supply_id"].nullable and schema.columns["land_use"].nullable


# ----------------------------------------------------------------------------------------------------------
# Messages


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def flatten(table, prefix=""):
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def own_messages():
    with open(MESSAGES_FILE, "rb") as fh:
        raw = tomllib.load(fh)
    return flatten(raw["zh"]), flatten(raw["en"])


def test_every_message_key_has_zh_and_en_with_the_same_placeholders():
    zh, en = own_messages()
    assert set(zh) == set(en)
    for key, text in zh.items():
        assert text.strip() and en[key].strip(), key
        assert fields(text) == fields(en[key]), key


def test_every_problem_code_and_used_key_has_a_message():
    zh, _ = own_messages()
    for code in PROBLEM_CODES:
        assert f"validate.{code}" in zh and f"validate.code.{code}" in zh
    for module in ("validate.py", "mapping.py"):
        source = (ROOT / "dashboard" / module).read_text(encoding="utf-8")
        used = set(re.findall(r'(?:_msg|UserError)\(\s*"([a-z_]+\.[a-z0-9_.]+)"', source))
        assert used and used <= set(zh), used - set(zh)


def test_messages_agree_with_the_project_catalogs_once_merged():
    zh, en = own_messages()
    for lang, own in (("zh", zh), ("en", en)):
        merged = catalog(lang)
        for key, text in own.items():
            if key in merged:
                assert fields(merged[key]) == fields(text), key
