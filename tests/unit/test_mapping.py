"""Header mapping: aliases, unit conversion, overrides, saved layouts, unknown headers kept aside."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard.errors import UserError
from dashboard.mapping import (
    UNIT_WORDS,
    apply_mapping,
    auto_map,
    extra_columns,
    layout_key,
    load_saved_mapping,
    mapping_for,
    mapping_path,
    numbers_from_text,
    save_mapping,
    unit_factor,
)


def test_chinese_headers_auto_map():
    headers = ["宗地编号", "园区代码", "统一社会信用代码", "企业名称", "用地面积（亩）", "总建筑面积(平方米)",
               "产值(万元)", "综合能耗(吨标煤)", "年度", "利用状态"]
    mapping = auto_map(headers, "park_parcels")
    assert mapping.mapped == {
        "parcel_id": "宗地编号",
        "park_id": "园区代码",
        "enterprise_id": "统一社会信用代码",
        "enterprise_name": "企业名称",
        "area_mu": "用地面积（亩）",
        "floor_area_m2": "总建筑面积(平方米)",
        "output_wan": "产值(万元)",
        "energy_tce": "综合能耗(吨标煤)",
        "year": "年度",
        "status": "利用状态",
    }
    assert mapping.unit_factors == {}
    assert mapping.unmapped == [] and mapping.missing_required == [] and mapping.ambiguous == {}


@pytest.mark.parametrize("header", ["supply_id", " Supply_ID ", "SUPPLY_ID", "供地编号", "电子监管号"])
def test_header_normalisation(header):
    assert auto_map([header], "supplies").mapped == {"supply_id": header}


@pytest.mark.parametrize(
    ("dataset", "header", "column", "factor"),
    [
        ("park_parcels", "用地面积(公顷)", "area_mu", 15.0),
        ("park_parcels", "用地面积（公顷）", "area_mu", 15.0),
        ("park_parcels", "用地面积(平方米)", "area_mu", 0.0015),
        ("park_parcels", "用地面积(㎡)", "area_mu", 0.0015),
        ("park_parcels", "用地面积(亩)", "area_mu", 1.0),
        ("park_parcels", "area_ha", "area_mu", 15.0),
        ("park_parcels", "总建筑面积(亩)", "floor_area_m2", 10000 / 15),
        ("park_parcels", "固定资产投资(元)", "invest_wan", 1e-4),
        ("parks", "规划面积(亩)", "planned_area_ha", 1 / 15),
        ("parks", "规划面积(平方公里)", "planned_area_ha", 100.0),
        ("arable_ledger", "粮食产能(吨)", "grain_kg", 1000.0),
        ("supplies", "供地面积(公顷)", "area_mu", 15.0),
        ("economy", "常住人口(万人)", "population", 10000.0),
    ],
)
def test_unit_in_header_converts_to_the_contract_unit(dataset, header, column, factor):
    mapping = auto_map([header], dataset)
    assert mapping.columns[header][0] == column
    assert mapping.columns[header][1] == pytest.approx(factor)


def test_unit_of_another_dimension_is_not_mapped():
    mapping = auto_map(["用地面积(万元)", "备注"], "park_parcels")
    assert mapping.unmapped == ["用地面积(万元)", "备注"]
    assert "area_mu" in mapping.missing_required


def test_unit_table_is_exact_for_mu():
    # 1 公顷 = 15 亩 and 1 亩 = 10000/15 m² exactly, so conversions chain without drift.
    assert UNIT_WORDS["公顷"][1] / UNIT_WORDS["亩"][1] == 15
    assert UNIT_WORDS["亩"][1] * 15 == UNIT_WORDS["平方米"][1] * 10000


def test_apply_mapping_renames_converts_and_sets_aside():
    frame = pd.DataFrame(
        {
            "宗地编号": ["Z1", "Z2", "Z3", "Z4"],
            "园区编号": ["P1"] * 4,
            "用地面积(公顷)": ["1.2", "约1公顷", None, " 2 "],
            "年度": ["2024"] * 4,
            "备注": ["a", "b", "c", "d"],
        },
        dtype="string",
    )
    mapping = auto_map(frame.columns, "park_parcels")
    out = apply_mapping(frame, mapping)
    assert list(out.columns) == ["parcel_id", "park_id", "area_mu", "year"]
    area = out["area_mu"].tolist()
    assert float(area[0]) == pytest.approx(18.0) and float(area[3]) == 30.0
    assert area[1] == "约1公顷"  # left as written, for the validator to report
    assert pd.isna(area[2])
    assert out.attrs["extra_columns"] == ["备注"]
    assert extra_columns(frame, mapping)["备注"].tolist() == ["a", "b", "c", "d"]


def test_apply_mapping_converts_typed_numbers():
    frame = pd.DataFrame({"宗地编号": ["Z1"], "园区编号": ["P1"], "用地面积(平方米)": [10000.0], "年度": [2024]})
    out = apply_mapping(frame, auto_map(frame.columns, "park_parcels"))
    assert out["area_mu"].tolist() == [15.0]


def test_derived_county_code_from_zldwdm():
    frame = pd.DataFrame({"BSM": ["1"], "ZLDWDM": ["530402001001000"], "DLBM": ["0101"], "TBMJ": ["10"]})
    mapping = auto_map(frame.columns, "landuse")
    assert mapping.derived == {"county_code": ("ZLDWDM", 6)}
    assert mapping.missing_required == [] and mapping.unmapped == []
    assert apply_mapping(frame, mapping)["county_code"].tolist() == ["530402"]


def test_ambiguous_headers_are_reported_and_the_first_wins():
    mapping = auto_map(["用地面积(公顷)", "area_ha", "宗地编号"], "park_parcels")
    assert mapping.ambiguous == {"area_mu": ("用地面积(公顷)", "area_ha")}
    assert mapping.columns["用地面积(公顷)"] == ("area_mu", 15.0)
    assert mapping.columns["area_ha"] == (None, 1.0)
    # An exact alias beats a unit match, whatever the order.
    exact_first = auto_map(["用地面积(公顷)", "用地面积(亩)"], "park_parcels")
    assert exact_first.columns["用地面积(亩)"] == ("area_mu", 1.0)


def test_override_settles_an_ambiguity_and_hands_the_column_back():
    mapping = auto_map(["用地面积(公顷)", "area_ha"], "park_parcels")
    chosen = mapping.with_override("area_ha", "area_mu")
    assert chosen.columns["area_ha"] == ("area_mu", 15.0)  # the header's own unit is kept
    assert chosen.columns["用地面积(公顷)"] == (None, 1.0)
    assert chosen.ambiguous == {} and chosen.origin == "override"
    # Setting the holder aside gives the column to the one remaining claimant.
    handed = mapping.with_override("用地面积(公顷)", None)
    assert handed.columns["area_ha"] == ("area_mu", 15.0) and handed.ambiguous == {}
    assert mapping.columns["area_ha"] == (None, 1.0)  # the original is unchanged (frozen)


def test_override_with_unit_and_errors():
    mapping = auto_map(["面积", "编号"], "supplies")
    assert mapping.unmapped == ["面积", "编号"]
    mapping = mapping.with_override("面积", "area_mu", unit="平方米").with_override("编号", "supply_id")
    assert mapping.columns["面积"] == ("area_mu", 0.0015)
    assert mapping.mapped["supply_id"] == "编号"
    with pytest.raises(UserError) as info:
        mapping.with_override("面积", "no_such_column")
    assert info.value.key == "mapping.unknown_column"
    with pytest.raises(UserError) as info:
        mapping.with_override("no such header", "area_mu")
    assert info.value.key == "mapping.unknown_header"
    with pytest.raises(UserError) as info:
        mapping.with_override("面积", "area_mu", unit="万元")
    assert info.value.key == "mapping.bad_unit"


def test_unit_factor():
    from dashboard.contracts import get_dataset

    area = get_dataset("supplies").column("area_mu")
    assert unit_factor("公顷", area) == 15.0
    assert unit_factor("ha", area) == 15.0
    assert unit_factor("元", area) is None
    assert unit_factor("furlong", area) is None


def test_save_and_load_round_trip_keyed_by_layout(tmp_path):
    headers = ["编号", "文号", "县", "日期", "面积(公顷)", "备注"]
    mapping = auto_map(headers, "supplies")
    for header, column in [("编号", "supply_id"), ("文号", "approval_id"), ("县", "county_code"),
                           ("日期", "supply_date")]:
        mapping = mapping.with_override(header, column)
    mapping = mapping.with_override("面积(公顷)", "area_mu", unit="公顷")
    path = save_mapping(mapping, tmp_path)
    assert path == tmp_path / "mappings" / "supplies" / f"{layout_key(headers)}.json"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # the temp file was renamed, not left
    assert json.loads(path.read_text(encoding="utf-8"))["dataset"] == "supplies"

    # Same layout, other order, other bracket width and case: the saved mapping applies itself.
    again = ["面积（公顷）", "备注", "县", "日期", "文号", "编号"]
    loaded = load_saved_mapping(again, "supplies", tmp_path)
    assert loaded is not None and loaded.origin == "saved"
    assert loaded.mapped == {"supply_id": "编号", "approval_id": "文号", "county_code": "县",
                             "supply_date": "日期", "area_mu": "面积（公顷）"}
    assert loaded.columns["面积（公顷）"] == ("area_mu", 15.0)
    assert loaded.unmapped == ["备注"]
    assert mapping_for(again, "supplies", tmp_path).origin == "saved"

    # Another layout or another dataset has no saved mapping.
    assert load_saved_mapping(headers + ["新列"], "supplies", tmp_path) is None
    assert load_saved_mapping(headers, "approvals", tmp_path) is None
    assert mapping_for(headers + ["新列"], "supplies", tmp_path).origin == "auto"


def test_a_saved_column_the_contract_dropped_is_set_aside(tmp_path):
    headers = ["编号", "旧字段"]
    path = mapping_path(headers, "supplies", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"columns": {"编号": ["supply_id", 1.0], "旧字段": ["gone_column", 1.0]}}),
                    encoding="utf-8")
    loaded = load_saved_mapping(headers, "supplies", tmp_path)
    assert loaded.mapped == {"supply_id": "编号"} and loaded.unmapped == ["旧字段"]


def test_layout_key_ignores_order_and_spelling():
    assert layout_key(["A", "面积（亩）"]) == layout_key(["面积(亩) ", "a"])
    assert layout_key(["A"]) != layout_key(["A", "B"])


def test_numbers_from_text_is_strict():
    numbers, ok = numbers_from_text(pd.Series(["12.5", " 3 ", "1,200", "约12亩", "inf", "nan", None, "", "-1e3", ".5"]))
    assert ok.tolist() == [True, True, True, False, False, False, False, False, True, True]
    assert numbers[[0, 1, 2, 8, 9]].tolist() == [12.5, 3.0, 1200.0, -1000.0, 0.5]


def test_mapping_to_dict_is_json_safe():
    mapping = auto_map(["供地编号", "备注", "供地面积(公顷)"], "supplies")
    data = json.loads(json.dumps(mapping.to_dict(), ensure_ascii=False))
    assert data["unmapped"] == ["备注"]
    assert data["columns"]["供地面积(公顷)"] == ["area_mu", 15.0]
    assert set(data["missing_required"]) == {"approval_id", "county_code", "supply_date"}


def test_override_of_a_losing_claimant_settles_its_contest():
    mapping = auto_map(["用地面积(公顷)", "area_ha"], "park_parcels")
    moved = mapping.with_override("area_ha", "floor_area_m2", unit="平方米")
    assert moved.ambiguous == {}
    assert moved.columns["用地面积(公顷)"] == ("area_mu", 15.0)
    assert moved.columns["area_ha"] == ("floor_area_m2", 1.0)


def test_override_replaces_a_derivation():
    mapping = auto_map(["BSM", "ZLDWDM", "县代码X", "DLBM", "TBMJ"], "landuse")
    assert mapping.derived == {"county_code": ("ZLDWDM", 6)}
    direct = mapping.with_override("县代码X", "county_code")
    assert direct.derived == {} and direct.unmapped == ["ZLDWDM"]
    assert direct.source_header("county_code") == "县代码X"
