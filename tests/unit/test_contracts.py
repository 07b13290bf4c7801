"""The contracts declare every dataset of DATA_CONTRACTS.md completely and consistently."""

import re

import pytest

from dashboard.contracts import COLUMN_TYPES, UNITS, load_contracts, normalise_header
from dashboard.docs import CONTRACTS_DOC, contracts_markdown

CONTRACTS = load_contracts()

# The datasets and required columns of ../shared/DATA_CONTRACTS.md (columns marked *).
REQUIRED = {
    "regions": {"code", "name", "level"},
    "landuse": {"parcel_id", "county_code", "dlbm", "area_m2"},
    "parks": {"park_id", "name", "county_code"},
    "park_parcels": {"parcel_id", "park_id", "area_mu", "year"},
    "approvals": {"approval_id", "county_code", "approval_date", "approved_area_mu"},
    "supplies": {"supply_id", "approval_id", "county_code", "supply_date", "area_mu"},
    "idle_land": {"case_id", "county_code", "area_mu", "status"},
    "arable_ledger": {"entry_id", "county_code", "date", "kind", "cultivated_mu", "paddy_mu", "grain_kg"},
    "indicator_trades": {"trade_date", "indicator", "unit_price"},
    "plan_quotas": {"county_code", "year", "quota_mu"},
    "control_lines": {"line_id", "kind", "county_code", "geometry"},
    "economy": {"county_code", "year", "gdp_wan", "construction_land_mu"},
    "projects": {"project_id", "name", "county_code"},
}


def test_every_contract_dataset_is_declared():
    assert set(CONTRACTS) == set(REQUIRED)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_required_columns_match_data_contracts(name):
    assert set(CONTRACTS[name].required) == REQUIRED[name]


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_columns_are_complete(name):
    dataset = CONTRACTS[name]
    assert dataset.title_zh and dataset.title_en
    assert set(dataset.key) <= set(dataset.column_names)
    for col in dataset.columns:
        assert col.type in COLUMN_TYPES
        assert col.zh and col.en, col.name
        assert col.unit is None or col.unit in UNITS
        if col.type != "geometry":
            assert col.aliases, f"{name}.{col.name} has no header alias"
        if col.choices:
            assert set(col.choice_aliases.values()) <= set(col.choices)
        if col.pattern:
            re.compile(col.pattern)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_unit_suffix_matches_unit(name):
    suffix_units = {"_mu": "mu", "_ha": "ha", "_m2": "m2", "_wan": "wan", "_kg": "kg", "_tce": "tce"}
    for col in CONTRACTS[name].columns:
        for suffix, unit in suffix_units.items():
            if col.name.endswith(suffix):
                assert col.unit == unit, col.name


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_aliases_are_unambiguous_within_a_dataset(name):
    seen = {}
    for col in CONTRACTS[name].columns:
        for header in (col.name, *col.aliases):
            key = normalise_header(header)
            assert seen.setdefault(key, col.name) == col.name, f"{header} maps to two columns"


def test_codes_are_text():
    for dataset in CONTRACTS.values():
        for col in dataset.columns:
            if col.name.endswith(("_code", "_id")) or col.name in ("code", "dlbm"):
                assert col.type == "str", f"{dataset.name}.{col.name} must be text"


def test_generated_doc_is_up_to_date():
    assert CONTRACTS_DOC.read_text(encoding="utf-8") == contracts_markdown(), "run: python -m dashboard docs"
