"""Every indicator is declared, documented, implemented and tidy (the datasette rule: undocumented fails).

Declarations (``dashboard/indicators/<mechanism>.toml``) must give a label in both languages, a unit, a formula in
both languages, a source and the policy parameters used, all of which exist in the default profile.  Every
declaration has a function and every function a declaration.  On the demo data every table is non-empty, its
numeric columns carry a unit suffix, and a regional table's city row is the sum of the other rows for additive
columns.  Known deviations are listed below, explicitly, so the lists can only shrink.
"""

from __future__ import annotations

import re
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, HERE, MECHANISMS, SPEC_FIELDS, Context, compute_all, load_modules, registry
from dashboard.policy import DEFAULT_PROFILE, load_profile
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
AS_OF = date(2026, 9, 30)
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

#: A numeric column's name ends with one of these (a unit, or a unit ratio such as ``_wan_per_mu``).
UNIT_SUFFIXES = (
    "_mu", "_ha", "_m2", "_km2", "_wan", "_yi", "_kg", "_t", "_tce",
    "_pct", "_pp", "_ratio", "_points",
    "_days", "_months", "_years", "_count", "_persons",
    "_wan_per_mu", "_per_mu_wan", "_wan_per_tce", "_wan_per_t", "_wan_per_person", "_mu_per_yi", "_m2_per_person",
)  # fmt: skip
#: Numeric columns that identify a row rather than measure something.
ID_COLUMNS = {"year", "quarter", "month", "rank", "stage_order", "approval_year"}
#: Suffixes of additive columns: the city row must equal the sum of the rows below it.
ADDITIVE_SUFFIXES = ("_mu", "_m2", "_ha", "_kg", "_wan", "_count")
#: Names marking a threshold or a ratio even when the suffix looks additive (``max_m2``, ``invest_per_mu_wan``).
NOT_ADDITIVE = re.compile(r"(^|_)(per|max|min|target|benchmark)(_|$)")

#: Numeric columns without a unit suffix, as the modules stand (reported; to be renamed by their owners).
KNOWN_UNSUFFIXED = {
    "landuse_structure": {"parcels"},
    "landuse_by_class": {"parcels"},
    # long tables whose unit is a per-row ``unit`` column (mu / kg)
    "arable_balance": {"filed", "bought", "pooled_out", "occupied", "sold", "debt_repaid", "pooled_in", "balance",
                       "shortfall"},
    "arable_cover": {"balance", "occupied_window", "occupied_per_month"},
    "arable_shortfall_cost": {"shortfall", "unit_price"},
    "arable_published_check": {"computed", "published", "difference"},
    "pool_arable_contributions": {"filed", "due", "pooled", "outstanding"},
    "pool_ledger": {"contributed", "drawn", "available"},
    "per_mu_enterprise": {"employees", "invest_per_mu_to_benchmark", "output_per_mu_to_benchmark",
                          "tax_per_mu_to_benchmark", "value_added_per_mu_to_benchmark", "building_density_to_benchmark",
                          "energy_productivity_to_benchmark", "emission_productivity_to_benchmark",
                          "labour_productivity_to_benchmark", "rd_intensity_to_benchmark"},
    "per_mu_park": {"employees", "invest_per_mu_to_benchmark", "output_per_mu_to_benchmark", "tax_per_mu_to_benchmark",
                    "value_added_per_mu_to_benchmark", "building_density_to_benchmark",
                    "energy_productivity_to_benchmark", "emission_productivity_to_benchmark",
                    "labour_productivity_to_benchmark", "rd_intensity_to_benchmark"},
    "per_mu_county": {"employees", "invest_per_mu_to_benchmark", "output_per_mu_to_benchmark",
                      "tax_per_mu_to_benchmark", "value_added_per_mu_to_benchmark", "building_density_to_benchmark",
                      "energy_productivity_to_benchmark", "emission_productivity_to_benchmark",
                      "labour_productivity_to_benchmark", "rd_intensity_to_benchmark"},
    # (points_tax_per_mu and points_value_added_per_mu end in _mu but hold points: the suffix rule cannot see it)
    "enterprise_grades": {"points_energy_productivity", "points_emission_productivity", "points_labour_productivity",
                          "points_rd_intensity", "score", "rank_share"},
    "urban_industrial_land_per_capita": {"urban_population"},
    "project_tracking": {"days_in_stage"},
}  # fmt: skip

#: Default-profile parameters that no declared indicator lists, each with where it is used or why it waits.
UNUSED_PARAMS = {
    # used by calculators that are not tables (the module is named; the test checks the key appears there)
    "jiangsu_split_bands": "arable",  # arable.jiangsu_split()
    "pool_arable_eligible_levels": "pools",  # pools.allocate_arable_pool()
    "pool_quota_eligible_levels": "pools",  # pools.allocate_quota_pool()
    "pool_boundary_eligible_levels": "pools",  # pools.allocate_boundary_pool()
    # waiting for an indicator
    "grain_yield_kg_per_mu": None,  # arable: grain capacity of occupied land when a ledger lacks grain_kg
    "min_factory_floors": None,  # per_mu: needs a floors column in park_parcels
    "admin_floor_share_max_densified_stock": None,  # per_mu.standard_land_checks (合肥 30% on densified stock land)
    "standard_land_share_target": None,  # per_mu / stock_land: share of new industrial supply as 标准地
    "standard_land_target_year": None,
    "quota_deduction_bottom_ranks": None,  # evaluation: 宁夏 bottom three lose 20% of new quota
    "quota_deduction_share": None,
}


def _numeric(frame: pd.DataFrame) -> list[str]:
    return [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


# --- declarations -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ind_id", list(registry()))
def test_declaration_is_complete(ind_id):
    spec = registry()[ind_id]
    default = load_profile(DEFAULT_PROFILE)
    for name in SPEC_FIELDS:
        if name != "params":
            assert str(getattr(spec, name)).strip(), f"{ind_id}.{name} is empty"
    missing = [p for p in spec.params if p not in default.params]
    assert not missing, f"{ind_id} uses parameters the default profile lacks: {missing}"
    assert len(set(spec.params)) == len(spec.params), f"{ind_id} lists a parameter twice"
    assert spec.mechanism in MECHANISMS
    assert spec.levels, f"{ind_id} declares no levels"


def test_ids_are_snake_case_and_unique_across_mechanisms():
    ids = []
    for mechanism in MECHANISMS:
        path = HERE / f"{mechanism}.toml"
        if path.exists():
            import tomllib

            with open(path, "rb") as fh:
                ids += list(tomllib.load(fh))
    assert ids and len(ids) == len(set(ids))
    assert [i for i in ids if not SNAKE.match(i)] == []


def test_every_declaration_has_a_function_and_every_function_a_declaration():
    load_modules()
    declared, implemented = set(registry()), set(FUNCTIONS)
    assert sorted(declared - implemented) == [], "declared without a function"
    assert sorted(implemented - declared) == [], "functions without a declaration"
    for ind_id, func in FUNCTIONS.items():
        assert func.__doc__ and func.__doc__.strip(), f"{ind_id} has no docstring"


def test_mechanism_modules_and_declarations_come_in_pairs():
    for mechanism in MECHANISMS:
        assert (HERE / f"{mechanism}.py").exists() == (HERE / f"{mechanism}.toml").exists(), mechanism


def test_unused_profile_params_are_the_documented_ones():
    used = {p for spec in registry().values() for p in spec.params}
    unused = set(load_profile(DEFAULT_PROFILE).params) - used
    now_used, undocumented = sorted(set(UNUSED_PARAMS) - unused), sorted(unused - set(UNUSED_PARAMS))
    assert not now_used and not undocumented, (
        f"update UNUSED_PARAMS: remove {now_used} (an indicator lists them now), "
        f"add {undocumented} with where they are used or why they wait"
    )
    for key, module in UNUSED_PARAMS.items():
        if module:
            assert f'"{key}"' in (HERE / f"{module}.py").read_text(encoding="utf-8"), f"{key} not used in {module}"


# --- tables on the demo data ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables():
    engine = Engine.from_dir(DEMO)
    return compute_all(Context(engine=engine, profile=load_profile(), as_of=AS_OF))


def test_every_indicator_computes_on_the_demo_data(tables):
    assert set(tables) == set(registry())


@pytest.mark.parametrize("ind_id", list(registry()))
def test_table_is_tidy_and_non_empty(tables, ind_id):
    frame = tables[ind_id]
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    assert frame.columns.is_unique
    assert all(isinstance(c, str) and SNAKE.match(c) for c in frame.columns), list(frame.columns)
    assert list(frame.index) == list(range(len(frame))), "reset the index"
    if "level" in frame.columns:
        levels = set(frame["level"].dropna())
        assert levels <= set(registry()[ind_id].levels), f"levels {sorted(levels)} not declared"


@pytest.mark.parametrize("ind_id", list(registry()))
def test_numeric_columns_carry_a_unit_suffix(tables, ind_id):
    frame = tables[ind_id]
    unsuffixed = {c for c in _numeric(frame) if c not in ID_COLUMNS and not c.endswith(UNIT_SUFFIXES)}
    known = KNOWN_UNSUFFIXED.get(ind_id, set())
    assert unsuffixed <= known, f"numeric columns without a unit suffix: {sorted(unsuffixed - known)}"
    if known - unsuffixed:
        warnings.warn(f"{ind_id}: drop {sorted(known - unsuffixed)} from KNOWN_UNSUFFIXED", stacklevel=1)


def _dimensions(frame: pd.DataFrame, city: pd.DataFrame, rest: pd.DataFrame) -> list[str]:
    """Columns that split a regional table into groups (year, class, indicator…): a text column qualifies when
    every value of the city rows also occurs below them (free text such as reasons differs and does not)."""
    numeric = set(_numeric(frame))
    dims = [c for c in frame.columns if c in ID_COLUMNS]
    for column in frame.columns:
        if column in {"region_code", "region_name", "level"} or column in numeric or column in dims:
            continue
        if pd.api.types.is_bool_dtype(frame[column]):
            continue
        city_values = set(city[column].dropna().astype(str))
        if city_values and city_values <= set(rest[column].dropna().astype(str)):
            dims.append(column)
    return dims


REGIONAL = [i for i in registry() if "city" in registry()[i].levels]


@pytest.mark.parametrize("ind_id", REGIONAL)
def test_city_row_is_the_sum_of_the_rows_below(tables, ind_id):
    frame = tables[ind_id]
    if not {"region_code", "level"} <= set(frame.columns) or not (frame["level"] == "city").any():
        pytest.skip("no city row in this table")
    additive = [c for c in _numeric(frame) if c.endswith(ADDITIVE_SUFFIXES) and not NOT_ADDITIVE.search(c)]
    if not additive:
        pytest.skip("no additive column")
    city, rest = frame[frame["level"] == "city"], frame[frame["level"] != "city"]
    dims = _dimensions(frame, city, rest)
    if dims:
        assert not city.duplicated(dims).any(), f"several city rows per {dims}"
        expected = rest.groupby(dims, dropna=False)[additive].sum(min_count=1)
        got = city.set_index(dims)[additive]
        expected = expected.reindex(got.index)
    else:
        assert len(city) == 1
        expected = rest[additive].sum(min_count=1).to_frame().T
        got = city[additive].reset_index(drop=True)
    for column in additive:
        np.testing.assert_allclose(
            got[column].to_numpy(dtype=float),
            expected[column].to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-6,
            err_msg=f"{ind_id}.{column}: city ≠ Σ rows below (grouped by {dims})",
        )
