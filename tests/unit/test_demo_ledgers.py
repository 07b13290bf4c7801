"""Demo ledgers: contracts, keys, determinism and the published 玉溪 figures (seed 000) reproduced exactly.

The expected values come from ``data/reference/yuxi_published_figures.toml`` — the same file the generator
reads — so each published figure is one parametrized case with its source beside it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.contracts import get_dataset
from dashboard.demo import DATA_DATE, SEED, ledgers
from dashboard.demo.regions import COUNTY_CODES, build_regions
from dashboard.geo import gauss_kruger_crs
from dashboard.io import conform
from dashboard.reference import published_figures

FIGURES = published_figures()
DATASETS = (
    "park_parcels", "approvals", "supplies", "idle_land", "arable_ledger", "indicator_trades", "plan_quotas",
    "economy", "projects",
)
END = pd.Timestamp(DATA_DATE)

#: Stand-in for landuse.build_parks: the five published parks as squares around each county's representative
#: point.  Ids are deliberately not the real builder's: the generator must match parks by name or county.
STAND_IN_PARKS = [
    ("T-GX", "玉溪高新技术产业开发区", "national", "530402", 3500.0),
    ("T-XP", "云南新平工业园区", "provincial", "530427", 2800.0),
    ("T-YM", "云南易门工业园区", "provincial", "530425", 2200.0),
    ("T-TH", "云南通海工业园区", "provincial", "530423", 2000.0),
    ("T-CJ", "云南澄江工业园区", "provincial", "530481", 2100.0),
]


def stand_in_parks(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Five square parks of their planned area, clipped to the county, in WGS84."""
    gk = gauss_kruger_crs(102.0)
    counties = regions[regions["level"] == "county"].to_crs(gk).set_index("code")
    rows = []
    for park_id, name, level, code, ha in STAND_IN_PARKS:
        county = counties.loc[code, "geometry"]
        pt = county.representative_point()
        half = (ha * 1e4) ** 0.5 / 2
        geom = shapely.box(pt.x - half, pt.y - half, pt.x + half, pt.y + half).intersection(county)
        rows.append(
            {"park_id": park_id, "name": name, "level": level, "county_code": code, "planned_area_ha": ha,
             "geometry": geom}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=gk).to_crs("EPSG:4326")


@pytest.fixture(scope="module")
def regions():
    return build_regions()


@pytest.fixture(scope="module")
def parks(regions):
    return stand_in_parks(regions)


@pytest.fixture(scope="module")
def raw(regions, parks):
    return ledgers.build_ledgers(regions, parks, SEED)


@pytest.fixture(scope="module")
def frames(raw):
    return {name: conform(frame, name) for name, frame in raw.items()}


def _sums(frame: pd.DataFrame, cols) -> list[float]:
    return [round(float(frame[c].sum()), 2) for c in cols]


# ------------------------------------------------------------------------------------------------------------
# Contracts, keys, determinism


def test_returns_every_dataset(raw):
    assert set(raw) == set(DATASETS)


@pytest.mark.parametrize("name", DATASETS)
def test_frame_conforms_without_extra_columns(raw, name):
    out = conform(raw[name], name)
    assert out.attrs["extra_columns"] == []
    assert len(out) == len(raw[name]) > 0


def test_park_parcels_fill_every_optional_column(frames):
    pp = frames["park_parcels"]
    assert list(pp.columns) == get_dataset("park_parcels").column_names
    # The supply id only where a demo supply created the parcel (tests/unit/test_demo_parcel_links.py).
    assert pp["supply_id"].notna().any() and pp["supply_id"].isna().any()
    nulls = pp.drop(columns="supply_id").isna().sum()
    assert nulls[nulls > 0].empty, nulls[nulls > 0]


@pytest.mark.parametrize("name", DATASETS)
def test_contract_key_is_unique(frames, name):
    key = list(get_dataset(name).key)
    assert not frames[name].duplicated(key).any()


@pytest.fixture(scope="module")
def rebuilt(regions, parks):
    return ledgers.build_ledgers(regions, parks, SEED)


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_frames(raw, rebuilt, name):
    pd.testing.assert_frame_equal(conform(rebuilt[name], name), conform(raw[name], name))


def test_other_seed_other_frames(raw, regions, parks):
    other = ledgers.build_ledgers(regions, parks, SEED + 1)
    assert not other["approvals"]["approved_area_mu"].equals(raw["approvals"]["approved_area_mu"])


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("approvals", "approval_date"), ("supplies", "supply_date"), ("idle_land", "identified_date"),
        ("idle_land", "disposal_date"), ("arable_ledger", "date"), ("indicator_trades", "trade_date"),
        ("projects", "stage_date"), ("projects", "submitted_date"), ("park_parcels", "supply_date"),
    ],
)
def test_events_on_or_before_data_date(frames, name, column):
    assert frames[name][column].dropna().max() <= END


# ------------------------------------------------------------------------------------------------------------
# 亩均论英雄: parks


def _park_year(frames, parks, year):
    pp = frames["park_parcels"]
    pp = pp[pp["year"] == year].merge(parks[["park_id", "name"]], on="park_id")
    return pp.groupby("name")[["invest_wan", "output_wan", "area_mu"]].sum()


@pytest.mark.parametrize(
    ("name", "expected"), [(p["name"], p["invest_per_mu_wan"]) for p in FIGURES["parks"]["park"]]
)
def test_park_investment_intensity(frames, parks, name, expected):
    g = _park_year(frames, parks, FIGURES["parks"]["year"]).loc[name]
    assert g["invest_wan"] / g["area_mu"] == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize(
    ("name", "expected"), [(p["name"], p["output_per_mu_wan"]) for p in FIGURES["parks"]["park"]]
)
def test_park_output_per_mu(frames, parks, name, expected):
    g = _park_year(frames, parks, FIGURES["parks"]["year"]).loc[name]
    assert g["output_wan"] / g["area_mu"] == pytest.approx(expected, abs=0.005)


def test_published_outputs_below_standard_others_above(frames, parks):
    # Seed 000 names exactly 易门 and 澄江 below the 400万元/亩 output standard.
    g = _park_year(frames, parks, 2025)
    below = set(g.index[g["output_wan"] / g["area_mu"] < 400])
    assert below == {"云南易门工业园区", "云南澄江工业园区"}


def test_park_parcels_shape(frames):
    pp = frames["park_parcels"]
    now, prior = pp[pp["year"] == 2025], pp[pp["year"] == 2024]
    assert len(now) >= 300
    assert set(prior["parcel_id"]) <= set(now["parcel_id"]) and len(prior) >= 0.8 * len(now)
    assert (now["status"] == "producing").mean() > 0.8
    assert set(now["status"]) == {"supplied", "under_construction", "producing", "idle"}
    assert (now["area_mu"] >= 100).sum() >= 3
    assert (now["land_use"] == "工业用地").mean() > 0.9
    assert set(now["scale"]) == {"above", "below"}


def test_prior_year_is_lower(frames):
    pp = frames["park_parcels"]
    both = pp[pp["year"] == 2024].merge(pp[pp["year"] == 2025], on="parcel_id", suffixes=("_24", "_25"))
    assert (both["invest_wan_24"] <= both["invest_wan_25"]).all()
    assert both["output_wan_24"].sum() < both["output_wan_25"].sum()


def test_standard_land_violators(frames):
    now = frames["park_parcels"].query("year == 2025")
    land_m2 = now["area_mu"] * ledgers.M2_PER_MU
    assert 3 <= (now["admin_area_m2"] > 0.07 * land_m2).sum() <= 15
    assert 3 <= (now["admin_floor_m2"] > 0.15 * now["floor_area_m2"]).sum() <= 15


def test_output_per_mu_spread_allows_grading(frames):
    now = frames["park_parcels"].query("year == 2025 and status == 'producing'")
    per_mu = now["output_wan"] / now["area_mu"]
    assert per_mu.quantile(0.8) > 2.5 * per_mu.quantile(0.2)


def test_credit_codes_have_valid_check_characters(frames):
    assert ledgers.uscc_check_char("91440300192203821") == "6"  # a real code: 914403001922038216
    ids = frames["park_parcels"]["enterprise_id"].drop_duplicates()
    assert all(ledgers.uscc_check_char(code[:17]) == code[17] for code in ids)
    assert ids.str[2:8].isin(COUNTY_CODES).all()


def test_security_fixture_names_present(frames):
    names = set(frames["park_parcels"]["enterprise_name"])
    assert ledgers.XSS_ENTERPRISE_NAME in names and "<img src=x onerror=alert(1)>" in ledgers.XSS_ENTERPRISE_NAME
    assert ledgers.FORMULA_ENTERPRISE_NAME in names and ledgers.FORMULA_ENTERPRISE_NAME.startswith("=")


def test_parcels_inside_their_park_without_overlap(frames, parks):
    now = frames["park_parcels"].query("year == 2025")
    gk = gauss_kruger_crs(102.0)
    for park_id, geom in zip(parks["park_id"], parks.geometry):
        mine = now[now["park_id"] == park_id]
        assert mine.within(geom).all()
        projected = mine.to_crs(gk)
        left, right = projected.sindex.query(projected.geometry, predicate="intersects")
        assert (left == right).all()
        ratio = projected.area / (mine["area_mu"] * ledgers.M2_PER_MU)
        assert ratio.between(0.95, 1.05).all()


# ------------------------------------------------------------------------------------------------------------
# 批而未供 and supply


def _window(frames):
    start, end = pd.Timestamp(FIGURES["supply"]["window_start"]), pd.Timestamp(FIGURES["supply"]["window_end"])
    ap = frames["approvals"]
    ap = ap[(ap["approval_date"] >= start) & (ap["approval_date"] <= end)]
    sp = frames["supplies"][frames["supplies"]["approval_id"].isin(ap["approval_id"])]
    return ap, sp


def test_supply_rate_is_published_figure(frames):
    ap, sp = _window(frames)
    rate = 100 * sp["area_mu"].sum() / ap["approved_area_mu"].sum()
    assert round(rate, 2) == FIGURES["supply"]["supply_rate_pct"]


def test_unsupplied_is_published_figure(frames):
    ap, sp = _window(frames)
    assert round(ap["approved_area_mu"].sum() - sp["area_mu"].sum(), 2) == FIGURES["supply"]["unsupplied_mu"]


def test_county_supply_rates_vary(frames):
    ap, sp = _window(frames)
    rates = sp.groupby("county_code")["area_mu"].sum() / ap.groupby("county_code")["approved_area_mu"].sum()
    assert set(rates.index) == set(COUNTY_CODES)
    assert (rates < 0.40).sum() >= 1
    assert rates[rates >= 0.40].between(0.60, 0.95).all()


def test_approvals_cover_counties_kinds_and_history(frames):
    ap = frames["approvals"]
    assert set(ap["county_code"]) == set(COUNTY_CODES)
    assert set(ap["kind"]) == {"batch", "single_site"}
    old = ap[ap["approval_date"] < pd.Timestamp(FIGURES["supply"]["window_start"])]
    assert old["approval_date"].min().year == 2016 and len(old) >= 9


def test_supplies_follow_their_approvals(frames):
    ap, sp = frames["approvals"], frames["supplies"]
    merged = sp.merge(ap, on="approval_id", suffixes=("", "_ap"))
    assert len(merged) == len(sp)
    assert (merged["supply_date"] > merged["approval_date"]).all()
    assert (merged["county_code"] == merged["county_code_ap"]).all()
    per = merged.groupby("approval_id").agg(s=("area_mu", "sum"), a=("approved_area_mu", "first"))
    assert (per["s"] <= per["a"] + 1e-6).all()
    assert (sp.loc[sp["method"] == "allocation", "price_wan"] == 0).all()
    assert (sp.loc[sp["method"] != "allocation", "price_wan"] > 0).all()


def test_approvals_inside_their_county(frames, regions):
    ap = frames["approvals"]
    counties = regions.set_index("code").geometry
    centroids = ap.to_crs(gauss_kruger_crs(102.0)).centroid.to_crs("EPSG:4326")
    assert all(counties[c].contains(p) for c, p in zip(ap["county_code"], centroids))


def _stock_disposal_rate(frames, code, quarter_end):
    y0 = pd.Timestamp("2026-01-01")
    ap = frames["approvals"]
    ap = ap[(ap["county_code"] == code) & (ap["approval_date"] < y0)]
    sp = frames["supplies"][frames["supplies"]["approval_id"].isin(ap["approval_id"])]
    stock = ap["approved_area_mu"].sum() - sp.loc[sp["supply_date"] < y0, "area_mu"].sum()
    done = sp.loc[(sp["supply_date"] >= y0) & (sp["supply_date"] <= pd.Timestamp(quarter_end)), "area_mu"].sum()
    return done / stock


@pytest.mark.parametrize(("quarter_end", "threshold"), [("2026-06-30", 0.03), ("2026-09-30", 0.07)])
def test_one_county_below_both_disposal_thresholds(frames, quarter_end, threshold):
    # Seed 000: in Q2–Q4 a county below 3%/7%/15% on both 批而未供 and 闲置 disposal is suspended.
    below = {
        c for c in COUNTY_CODES
        if _stock_disposal_rate(frames, c, quarter_end) < threshold
        and ledgers.idle_disposal_rate(frames["idle_land"], c, quarter_end) < threshold
    }
    assert below == {ledgers.LOW_DISPOSAL_COUNTY}
    others = [c for c in COUNTY_CODES if c not in below]
    assert all(_stock_disposal_rate(frames, c, quarter_end) >= threshold for c in others)
    assert all(ledgers.idle_disposal_rate(frames["idle_land"], c, quarter_end) >= threshold for c in others)


# ------------------------------------------------------------------------------------------------------------
# 闲置土地


def test_idle_land_cases(frames):
    idle, pp = frames["idle_land"], frames["park_parcels"]
    assert len(idle) >= 40 and set(idle["county_code"]) == set(COUNTY_CODES)
    disposed = idle["status"] == "disposed"
    assert idle.loc[disposed, "disposal_date"].notna().all() and idle.loc[~disposed, "disposal_date"].isna().all()
    assert ((idle["deadline"] < END) & ~disposed).sum() >= 3
    assert ((idle["deadline"] >= END) & ~disposed).sum() >= 3
    assert set(idle["cause"]) == {"government", "enterprise"}
    idle_parcels = set(pp.loc[(pp["year"] == 2025) & (pp["status"] == "idle"), "parcel_id"])
    assert set(idle["parcel_id"].dropna()) == idle_parcels
    assert set(idle["supply_id"].dropna()) <= set(frames["supplies"]["supply_id"])
    assert (idle["identified_date"] < idle["deadline"]).all()


def test_idle_cases_lie_within_their_supply(frames):
    idle = frames["idle_land"].dropna(subset=["supply_id"])
    merged = idle.merge(frames["supplies"], on="supply_id", suffixes=("", "_s"))
    assert len(merged) == len(idle)
    assert (merged["area_mu"] <= merged["area_mu_s"]).all()
    assert (merged["identified_date"] > merged["supply_date"]).all()
    approvals = frames["approvals"].set_index("approval_id").geometry
    inside = [approvals[a].buffer(1e-6).contains(g) for a, g in zip(merged["approval_id"], merged.geometry)]
    assert all(inside)


# ------------------------------------------------------------------------------------------------------------
# 耕地占补平衡


def _arable_filter(ledger: pd.DataFrame, figure: dict) -> pd.DataFrame:
    mask = (
        (ledger["kind"] == figure["kind"])
        & (ledger["date"] >= pd.Timestamp(figure["date_from"]))
        & (ledger["date"] <= pd.Timestamp(figure["date_to"]))
    )
    if "project_name_contains" in figure:
        mask &= ledger["project_name"].str.contains(figure["project_name_contains"], regex=False).fillna(False)
    if "owner" in figure:
        mask &= ledger["owner"] == figure["owner"]
    return ledger[mask]


@pytest.mark.parametrize("figure", FIGURES["arable"]["figure"], ids=lambda f: f["id"])
def test_arable_published_figure(frames, figure):
    rows = _arable_filter(frames["arable_ledger"], figure)
    expected = [figure["cultivated_mu"], figure["paddy_mu"], figure["grain_kg"]]
    assert _sums(rows, ["cultivated_mu", "paddy_mu", "grain_kg"]) == expected
    if "count" in figure:
        assert len(rows) == figure["count"]


def test_reserve_release_serves_the_key_projects(frames):
    figs = {f["id"]: f for f in FIGURES["arable"]["figure"]}
    release = _arable_filter(frames["arable_ledger"], figs["from_reserve_2022"])
    key = _arable_filter(frames["arable_ledger"], figs["key_projects_2022"])
    served = release["project_name"].str.split("：").str[1]
    assert served.isin(key["project_name"]).all()


def test_arable_ledger_has_recent_activity_and_sane_entries(frames):
    al = frames["arable_ledger"]
    assert set(al["kind"]) == set(get_dataset("arable_ledger").column("kind").choices)
    recent = al[al["date"] >= pd.Timestamp("2023-01-01")]
    assert {"filed", "occupied", "bought", "sold", "pooled_in", "pooled_out"} <= set(recent["kind"])
    assert not (recent["kind"] == "debt_repaid").any()  # the 水田 debt of 1262.38 亩 is still owed
    occupied = al[al["kind"] == "occupied"]
    assert (occupied["paddy_mu"] <= occupied["cultivated_mu"]).all()
    assert (al["owner"].isin(COUNTY_CODES) | (al["owner"] == "pool")).all()


def test_each_indicator_balances_on_its_own(frames):
    al = frames["arable_ledger"]
    sign = al["kind"].map(
        {"filed": 1, "bought": 1, "pooled_out": 1, "occupied": -1, "sold": -1, "debt_repaid": -1, "pooled_in": -1}
    )
    balance = al[["cultivated_mu", "paddy_mu"]].mul(sign, axis=0).groupby(al["county_code"]).sum()
    assert ((balance["cultivated_mu"] > 0) & (balance["paddy_mu"] < 0)).any()
    assert (balance["cultivated_mu"] < 0).any() and (balance["cultivated_mu"] > 0).sum() >= 3


# ------------------------------------------------------------------------------------------------------------
# Trades, quotas, economy, projects


@pytest.mark.parametrize(
    ("indicator", "unit", "low", "high"),
    [("cultivated", "wan_per_mu", 20, 30), ("paddy", "wan_per_mu", 10, 20), ("grain", "yuan_per_kg", 10, 30)],
)
def test_indicator_trades(frames, indicator, unit, low, high):
    t = frames["indicator_trades"].query("indicator == @indicator")
    months = t["trade_date"].dt.to_period("M")
    assert months.nunique() >= 24 and months.max() == pd.Period("2026-09", "M")
    assert (t["price_unit"] == unit).all()
    assert t["unit_price"].between(low, high).all() and (t["quantity"] > 0).all()


def test_plan_quota_pool_eligibility_varies(frames):
    q = frames["plan_quotas"].set_index(["county_code", "year"])
    assert set(q.index.get_level_values("year")) == set(range(2022, 2027))
    used_up = {c for c in COUNTY_CODES if q.loc[(c, 2026), "used_mu"] >= q.loc[(c, 2026), "quota_mu"]}
    task_done = {c for c in COUNTY_CODES if q.loc[(c, 2025), "stock_disposed_mu"] >= q.loc[(c, 2025), "stock_task_mu"]}
    eligible = used_up & task_done
    assert eligible and used_up - task_done and task_done - used_up
    assert (q["used_mu"] <= q["quota_mu"]).all() and (q["ubg_used_mu"] <= q["ubg_scale_mu"]).all()


def test_economy(frames):
    e = frames["economy"].copy()
    assert e["year"].nunique() >= 5 and set(e["county_code"]) == set(COUNTY_CODES)
    city = e.groupby("year")[["gdp_wan", "population"]].sum()
    assert city.loc[2023, "gdp_wan"] == pytest.approx(2.5e7, rel=0.05)
    assert city.loc[2023, "population"] == pytest.approx(2.25e6, rel=0.03)
    y2023 = e[e["year"] == 2023].set_index("county_code")
    assert y2023["gdp_wan"].idxmax() == "530402"
    e = e.sort_values(["county_code", "year"])
    land_per_gdp = e["construction_land_mu"] / e["gdp_wan"]
    decline = 1 - land_per_gdp / land_per_gdp.groupby(e["county_code"]).shift()
    last = decline[e["year"] == 2025]
    assert (last > 0).all() and (last < 0.05).any() and (last >= 0.05).any()
    per_capita = e["urban_industrial_land_m2"] / e["urban_population"]
    assert per_capita.between(100, 145).all() and (per_capita > 125).any() and (per_capita < 125).any()
    share = e["stock_supply_mu"] / e["total_supply_mu"]
    assert share.between(0.3, 0.7).all()


def test_economy_supply_not_below_supplies_ledger(frames):
    e = frames["economy"].set_index(["county_code", "year"])
    sp = frames["supplies"]
    ledger = sp.groupby([sp["county_code"], sp["supply_date"].dt.year])["area_mu"].sum()
    for (code, year), total in e["total_supply_mu"].items():
        assert total >= ledger.get((code, year), 0.0) - 0.01


def test_projects(frames):
    p = frames["projects"]
    assert len(p) >= 30
    assert set(p["stage"]) == set(get_dataset("projects").column("stage").choices)
    assert set(p["level"]) == set(get_dataset("projects").column("level").choices)
    assert set(p["county_code"]) == set(COUNTY_CODES)
    open_issue = p["issue_status"].isin(["collected", "consulting"])
    assert (open_issue & (p["due_date"] < END)).sum() >= 3
    assert (open_issue & (p["due_date"] >= END)).sum() >= 1
    assert p.loc[p["issue"].notna(), "issue_status"].notna().all()
    answered = p.dropna(subset=["due_date"])
    assert (answered["submitted_date"] < answered["due_date"]).all()
    assert np.all(p["cultivated_mu"] <= p["area_mu"])
