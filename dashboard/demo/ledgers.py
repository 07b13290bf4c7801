"""Demo ledgers for 玉溪市: park enterprises, approvals and supplies, idle land, the arable ledger, platform
trades, plan quotas, county economy and the key-project list.

Everything here is synthetic and seeded, but calibrated so that the published figures of seed 000 (listed with
their sources in ``data/reference/yuxi_published_figures.toml``) come out *exactly* when computed by the
obvious formula, and so that every rule in DOMAIN.md has cases on both sides of its threshold.

Which filter reproduces which published figure
-----------------------------------------------
Park investment intensity / output per mu (year 2025)
    ``park_parcels[year == 2025]`` grouped by park: ``sum(invest_wan) / sum(area_mu)`` and
    ``sum(output_wan) / sum(area_mu)`` over all rows of the park (any status).  新平 350, 高新区 276.8,
    易门 150.4, 通海 161.1, 澄江 194.7 万元/亩 investment; 易门 316.8, 澄江 190.9 万元/亩 output (exact to 0.01).
Supply rate 79.22% and 11616 亩 unsupplied
    approvals with ``2021-10-01 <= approval_date <= 2026-09-30``; supplied = ``sum(supplies.area_mu)`` of the
    supplies whose ``approval_id`` is one of them.  approved 55900.87, supplied 44284.87, unsupplied 11616.00.
Arable ledger (sums of ``cultivated_mu`` / ``paddy_mu`` / ``grain_kg``)
    * ``kind == "filed"``, date in 2022: exactly 20 entries, 5054 / 5503 / 3373100 kg.
    * ``kind == "bought"``, date in 2022: 3869 / 330 / 2599100 kg (provincial platform).
    * ``kind == "occupied"``, date in 2022, ``project_name`` contains "重点项目": 4840 / 3828 / 3503200 kg.
    * ``kind == "pooled_out"``, date in 2022, ``owner == "pool"``: 1313 / 562 / 1097200 kg — the city-held
      reserve (库存结余储备) released to the counties for those key projects; each entry names the project.
    * ``kind == "occupied"``, date in [2019-01-01, 2022-12-31]: 22362.98 / 8195.58 / 14984800 kg.
    * ``kind == "debt_repaid"``, date in [2019-01-01, 2022-12-31]: 5902.16 / 7598.47 / 3811400 kg.
    * ``kind == "bought"``, date in [2019-01-01, 2022-12-31]: the gap 10484.51 / 12815.36 / 4526800 kg.
    The money (19.26亿元, 5.96亿元 in 2022) and the 水田 debt still owed (1262.38 亩) have no ledger column; they
    are kept in the reference file's ``[arable.context]``.  No 水田 debt is repaid after 2022, so the 1262.38 亩
    is still owed at the data date.

Arable ledger conventions
    All amounts are ≥ 0; the kind gives the sign for the county in ``county_code``: ``filed``, ``bought`` and
    ``pooled_out`` (出池, received from the pool) add; ``occupied``, ``sold``, ``debt_repaid`` and ``pooled_in``
    (入池, handed to the pool) subtract.  ``owner`` is whose indicators the entry moves: the county itself, or
    ``pool`` for the city-held reserve.  Pre-2019 ``pooled_in`` entries with owner ``pool`` built the reserve
    (ownership transferred).  From ``pool_arable_start_year`` (2024 in the 玉溪 profile) to the data date each
    ``filed`` entry is followed, the same day, by a ``净入库指标10%`` ``pooled_in`` entry that keeps the county
    as owner (seed 003: the 10% share goes to the pool with ownership unchanged); a county's pooled entries of
    a year add up to exactly ``pool_arable_share`` × what it filed that year (rounded to 0.01 亩 / 1 kg), and a
    county that filed nothing pools nothing.  Every ``pooled_out`` (出池) entry after 2022 draws on one owner
    that holds enough at its date in all three indicators (own county first, then the city reserve, then the
    other counties by how much they have pooled), so no owner's pool position is ever negative.

Disposal-rate design (批而未供 and 闲置, 2026, cumulative by quarter)
    批而未供 disposal rate = area supplied in 2026 up to the quarter end on approvals dated before 2026 ÷ their
    unsupplied area on 2025-12-31.  闲置 disposal rate = area of cases disposed in 2026 up to the quarter end ÷
    area of cases identified by the quarter end and not disposed before 2026.  华宁县 (530424) disposes nothing
    of either in 2026 (both rates 0 → suspended from Q2); every other county is above 5% by Q2 and 10% by Q3.
    元江县 (530428) has a five-year supply rate below 40% (the other suspension rule).

Park parcels and supplies
    ``park_parcels.supply_id`` (供地编号) names the demo supply that created the parcel: same county, industrial
    land, recorded within a year of the parcel's supply date, the parcels on a supply never larger in total than
    it.  Parcels supplied before the supply ledger's window (most producing plants) carry none.  The links are
    drawn last, from their own stream, so every other value is unchanged.

Test fixtures inside the data
    Two 高新区 enterprises have hostile names: one contains ``<img src=x onerror=alert(1)>`` (pages must escape
    HTML) and one starts with ``=`` (exports must neutralise spreadsheet formulas).  Both are otherwise ordinary
    producing enterprises.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from dashboard.demo import DATA_DATE, rng_for
from dashboard.demo.regions import COUNTY_CODES, YUXI_UNITS
from dashboard.geo import WGS84, gauss_kruger_crs
from dashboard.reference import published_figures

#: 1 亩 = 10000/15 m².
M2_PER_MU = 10000.0 / 15.0

#: Yuxi spans 101.3–103.1°E, so one 3-degree zone (central meridian 102°E) serves the whole city.
GK_CRS = gauss_kruger_crs(102.0)

_DATA_DATE = pd.Timestamp(DATA_DATE)

#: Short county names for generated Chinese text (batch names, companies).
COUNTY_SHORT = {
    "530402": "红塔",
    "530403": "江川",
    "530423": "通海",
    "530424": "华宁",
    "530425": "易门",
    "530426": "峨山",
    "530427": "新平",
    "530428": "元江",
    "530481": "澄江",
}

#: The counties on the wrong side of seed 000's two suspension rules (see the module docstring): 元江's
#: five-year supply rate is below 40%; 华宁 disposes neither 批而未供 nor 闲置 land in 2026.
LOW_SUPPLY_COUNTY = "530428"
LOW_DISPOSAL_COUNTY = "530424"

#: Per-county design of the five-year approvals: share of the city's approved area and supply rate.  元江 sits
#: below the 40% suspension line; the rest spread over 70–90%; 澄江's rate is solved so the city hits 79.22%.
_APPROVAL_DESIGN = {
    "530402": (0.22, 0.88),
    "530403": (0.09, 0.82),
    "530423": (0.10, 0.85),
    "530424": (0.07, 0.72),
    "530425": (0.10, 0.80),
    "530426": (0.08, 0.78),
    "530427": (0.13, 0.86),
    LOW_SUPPLY_COUNTY: (0.08, 0.36),
    "530481": (0.13, None),
}

#: 20%-pool eligibility in 2026 (seed 003: own quota used up and last year's stock task complete).
_QUOTA_USED_UP = {"530402", "530403", "530481", "530423"}
_STOCK_TASK_MISSED_2025 = {"530423", "530424", "530428"}


def build_ledgers(regions: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """Build every ledger-type demo dataset.

    Parameters
    ----------
    regions
        The ``regions`` frame (city and county rows with WGS84 geometry), as from ``build_regions()``.
    parks
        The ``parks`` frame: ``park_id``, ``name``, ``county_code``, geometry (WGS84).  Park-specific figures
        are matched by park name, falling back to county code, so any park ids work.
    seed
        Demo seed; each dataset draws from its own stream ``rng_for(seed, "<dataset>")``.

    Returns
    -------
    dict of str to DataFrame
        ``park_parcels``, ``approvals``, ``supplies``, ``idle_land``, ``arable_ledger``, ``indicator_trades``,
        ``plan_quotas``, ``economy`` and ``projects``, each in the column names of its contract.  Park parcels
        carry the ``supply_id`` of their supply where the demo supplies have one (:func:`link_park_parcels`).
    """
    figures = published_figures()
    counties = _county_geoms_gk(regions)
    parks_gk = _parks_gk(parks, figures)
    park_parcels = build_park_parcels(parks_gk, figures, rng_for(seed, "park_parcels"))
    approvals, approval_geoms = build_approvals(counties, parks_gk, figures, rng_for(seed, "approvals"))
    supplies = build_supplies(approvals, figures, rng_for(seed, "supplies"))
    approvals = approvals.drop(columns="supplied_target_mu")
    idle = build_idle_land(park_parcels, approvals, approval_geoms, supplies, counties, rng_for(seed, "idle_land"))
    out = {
        "park_parcels": park_parcels,
        "approvals": approvals,
        "supplies": supplies,
        "idle_land": idle,
        "arable_ledger": build_arable_ledger(figures, rng_for(seed, "arable_ledger")),
        "indicator_trades": build_indicator_trades(rng_for(seed, "indicator_trades")),
        "plan_quotas": build_plan_quotas(approvals, supplies, idle, rng_for(seed, "plan_quotas")),
        "economy": build_economy(supplies, approvals, rng_for(seed, "economy")),
        "projects": build_projects(rng_for(seed, "projects")),
    }
    # Links drawn from their own stream, after everything else: no other dataset's draws move.
    out["projects"], out["arable_ledger"] = link_projects(
        out["projects"], approvals, supplies, idle, out["arable_ledger"], figures["arable"]["key_project_marker"],
        rng_for(seed, "project_links"))
    out["park_parcels"] = link_park_parcels(park_parcels, supplies, approvals, idle,
                                            {p["park_id"]: p["county_code"] for p in parks_gk},
                                            rng_for(seed, "parcel_links"))
    return out


# ----------------------------------------------------------------------------------------------------------
# Shared helpers


def split_exact(total: float, n: int, rng: np.random.Generator, decimals: int = 2, weights=None) -> np.ndarray:
    """Split ``total`` into ``n`` positive parts rounded to ``decimals`` that sum to ``total`` exactly.

    Parameters
    ----------
    total
        The amount to split (≥ n units of ``10**-decimals``).
    n
        Number of parts.
    rng
        Random generator for the default weights.
    decimals
        Decimal places of each part (0 for kilograms).
    weights
        Relative sizes; random (gamma) when omitted.

    Returns
    -------
    numpy.ndarray
        The parts.  The work is done in integer units, so the parts add up exactly in decimal terms.
    """
    scale = 10**decimals
    units = round(total * scale)
    if n < 1 or units < n:
        raise ValueError(f"cannot split {total} into {n} positive parts")
    w = rng.gamma(2.0, 1.0, n) + 0.15 if weights is None else np.asarray(weights, dtype=float)
    # One unit each first so no part is zero, then the rest by largest remainder.
    raw = (units - n) * w / w.sum()
    parts = np.floor(raw).astype(np.int64) + 1
    rest = units - int(parts.sum())
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    parts[order[:rest]] += 1
    return parts / scale


def _fill_capped(total_units: int, caps: np.ndarray, *desires: np.ndarray) -> np.ndarray:
    """Integer allocation of ``total_units`` without exceeding ``caps`` (water fill).

    Shares follow the first ``desires`` vector; whatever it cannot place (its items are full) follows the next
    one, and so on.  Items whose weight is 0 in every vector get nothing, not even rounding leftovers.
    """
    caps = caps.astype(np.int64)
    alloc = np.zeros(len(caps))
    remaining = float(total_units)
    for desire in desires:
        free = (caps > 0) & (desire > 0) & (alloc < caps - 1e-9)
        while remaining > 1e-9 and free.any():
            share = remaining * desire[free] / desire[free].sum()
            take = np.minimum(share, caps[free] - alloc[free])
            alloc[free] += take
            remaining -= take.sum()
            free &= alloc < caps - 1e-9
    units = np.floor(alloc + 1e-9).astype(np.int64)
    rest = total_units - int(units.sum())
    wanted = np.any([d > 0 for d in desires], axis=0)
    room = np.where(wanted, caps - units, 0)
    for i in np.argsort(-(alloc - units), kind="stable"):
        if rest <= 0:
            break
        add = min(rest, int(room[i]))
        units[i] += add
        rest -= add
    if rest:
        raise ValueError("allocation exceeds the caps")
    return units


def _random_dates(rng: np.random.Generator, start, end, size: int) -> pd.DatetimeIndex:
    """``size`` uniform random dates in [start, end] (inclusive)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = rng.integers(0, max((end - start).days, 0) + 1, size)
    return pd.DatetimeIndex(start + pd.to_timedelta(days, unit="D"))


def _random_date(rng: np.random.Generator, start, end) -> pd.Timestamp:
    return _random_dates(rng, start, end, 1)[0]


def _box(cx: float, cy: float, area_m2: float, aspect: float = 1.0) -> shapely.Polygon:
    """Axis-aligned rectangle of ``area_m2`` centred on ``cx, cy`` (projected metres)."""
    w = np.sqrt(area_m2 * aspect)
    h = area_m2 / w
    return shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _sample_points(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``geom`` by vectorised rejection sampling; shape (n, 2)."""
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n + 16), rng.uniform(miny, maxy, 4 * n + 16)])
        inside = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]


def _to_wgs84(geoms: list) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=GK_CRS).to_crs(WGS84)


def _county_geoms_gk(regions: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    counties = regions[regions["level"] == "county"].to_crs(GK_CRS)
    return {str(code): geom for code, geom in zip(counties["code"], counties.geometry)}


def _parks_gk(parks: gpd.GeoDataFrame, figures: dict) -> list[dict]:
    """Match each input park to its published entry (by name, else county) and project it to metres."""
    specs = figures["parks"]["park"]
    by_name = {s["name"]: s for s in specs}
    by_county = {s["county_code"]: s for s in specs}
    projected = parks.to_crs(GK_CRS)
    matched = []
    for park_id, name, county, geom in zip(
        projected["park_id"], projected["name"], projected["county_code"], projected.geometry
    ):
        spec = by_name.get(name) or by_county.get(str(county))
        if spec is None:
            continue  # a park with no published figures gets no demo enterprises
        matched.append({"park_id": str(park_id), "county_code": str(county), "geom": geom, "spec": spec})
    missing = {s["name"] for s in specs} - {m["spec"]["name"] for m in matched}
    if missing:
        raise ValueError(f"parks frame lacks the published parks: {sorted(missing)}")
    return matched


# ----------------------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015) with a valid GB 11714 organisation-code check digit inside

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
#: Letters a credit code may use in the organisation-code body (no I, O, S, V, Z).
_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a 统一社会信用代码.

    Parameters
    ----------
    first17
        Registration authority, entity type, six-digit admin code and nine-character organisation code.

    Returns
    -------
    str
        The 18th character: ``31 - (Σ value × 3^i mod 31) mod 31`` over the 31-character code alphabet.
    """
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def _org_check_char(body8: str) -> str:
    """GB 11714 organisation-code check digit (``X`` for 10, ``0`` for 11)."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body8]
    c = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _credit_code(county_code: str, rng: np.random.Generator, newer: bool) -> str:
    # Enterprises registered since the 2015 reform carry "MA…" bodies (云南 issues "MA6…"); older ones kept
    # their numeric organisation code.
    if newer:
        body = "MA6" + "".join(rng.choice(list(_ORG_BODY_CHARS), 5))
    else:
        body = "".join(rng.choice(list("0123456789"), 8))
    first17 = "91" + county_code + body + _org_check_char(body)
    return first17 + uscc_check_char(first17)


# ----------------------------------------------------------------------------------------------------------
# park_parcels

#: Industries per park county: (industry, company-name suffix, heavy?) — heavy industries get low plot ratios
#: and high energy use.
_PARK_INDUSTRIES = {
    "530402": [
        ("生物医药", "生物科技", False), ("装备制造", "机械制造", False), ("新材料", "新材料", False),
        ("数字经济", "电子科技", False), ("烟草配套", "印刷包装", False), ("食品加工", "食品", False),
    ],
    "530427": [
        ("钢铁冶金", "钢铁", True), ("矿产加工", "矿业", True), ("新能源", "新能源", False),
        ("建材", "建材", True), ("农产品加工", "农业开发", False),
    ],
    "530425": [
        ("有色金属", "有色金属", True), ("冶金", "冶金", True), ("精细化工", "化工", True),
        ("食品加工", "食品", False), ("装备制造", "机械", False),
    ],
    "530423": [
        ("装备制造", "机械制造", False), ("五金制品", "五金制品", False), ("农产品加工", "农产品加工", False),
        ("食品加工", "食品", False), ("新材料", "新材料", False),
    ],
    "530481": [
        ("磷化工", "磷化工", True), ("生物医药", "生物医药", False), ("食品加工", "食品", False),
        ("新材料", "新材料", False), ("文旅装备", "旅游用品", False),
    ],
}

_BRAND_CHARS = list("宏泰鑫华源恒盛达嘉瑞通昌金诚德兴隆顺安和丰裕康利信益汇正永新祥荣创联科佳博")

#: The two security-test fixtures (see module docstring): HTML injection and spreadsheet-formula injection.
XSS_ENTERPRISE_NAME = "<img src=x onerror=alert(1)>玉溪测试科技有限公司"
FORMULA_ENTERPRISE_NAME = '=HYPERLINK("http://example.com","玉溪公式注入测试有限公司")'
#: Row positions (within 高新区) of the two fixtures.
_FIXTURE_SLOTS = (5, 6)


def _company_names(county: str, industries: list[str], rng: np.random.Generator, taken: set) -> list[str]:
    places = ["玉溪", "云南", COUNTY_SHORT[county], "滇中"]
    forms = ["有限公司", "有限公司", "有限责任公司", "股份有限公司"]
    names = []
    for suffix in industries:
        while True:
            name = (
                rng.choice(places) + "".join(rng.choice(_BRAND_CHARS, 2)) + suffix + rng.choice(forms)
            )
            if name not in taken:
                taken.add(name)
                names.append(name)
                break
    return names


def _pack(region, areas_m2: np.ndarray, rng: np.random.Generator, gap: float = 20.0) -> list | None:
    """Shelf-pack rectangles of the given areas inside ``region`` without overlap; ``None`` if they do not fit."""
    minx, miny, maxx, maxy = region.bounds
    aspects = rng.uniform(1.0, 1.8, len(areas_m2))
    boxes = []
    x, y, row_h = minx, maxy, 0.0
    step = 40.0
    for area, aspect in zip(areas_m2, aspects):
        w = np.sqrt(area * aspect)
        h = area / w
        while True:
            if x + w > maxx:
                y -= (row_h or step) + gap
                x, row_h = minx, 0.0
            if y - h < miny:
                return None
            candidate = shapely.box(x, y - h, x + w, y)
            if region.contains(candidate):
                boxes.append(candidate)
                x += w + gap
                row_h = max(row_h, h)
                break
            x += step
    return boxes


def _parcel_geometries(park_geom, areas_mu: np.ndarray, rng: np.random.Generator) -> list:
    """Non-overlapping parcel rectangles inside the park (projected metres).

    Rectangles have the parcel's area unless the park polygon is too small to hold them all; then every parcel
    shrinks by the same factor (the attribute ``area_mu`` stays authoritative, as with 三调 TBMJ).
    """
    region = park_geom.buffer(-15.0)  # keep parcels off the park boundary
    shapely.prepare(region)
    order = rng.permutation(len(areas_mu))
    scale = 1.0
    for _ in range(12):
        boxes = _pack(region, areas_mu[order] * M2_PER_MU * scale, rng)
        if boxes is not None:
            out = [None] * len(areas_mu)
            for slot, idx in enumerate(order):
                out[idx] = boxes[slot]
            return out
        scale *= 0.6
    raise ValueError("park polygon too small to hold its parcels")


def _status_plan(n: int, n_idle: int, rng: np.random.Generator, keep: tuple[int, ...] = ()) -> np.ndarray:
    status = np.array(["producing"] * n, dtype=object)
    # Index 0 stays producing (it balances the park totals), and so do the fixtures in ``keep``.
    picks = rng.permutation([i for i in range(1, n) if i not in keep])
    status[picks[:n_idle]] = "idle"
    status[picks[n_idle : n_idle + 2]] = "supplied"
    status[picks[n_idle + 2 : n_idle + 5]] = "under_construction"
    return status


def _calibrate(raw: np.ndarray, area: np.ndarray, target_per_mu: float, balancer: int) -> np.ndarray:
    """Scale ``raw`` so ``sum / sum(area)`` equals the target, rounded to 0.01 with the residual on ``balancer``."""
    total = target_per_mu * area.sum()
    values = np.round(raw * total / raw.sum(), 2)
    values[balancer] = 0.0
    values[balancer] = round(total - values.sum(), 2)
    if values[balancer] <= 0:
        raise ValueError("balancer value not positive")
    return values


def build_park_parcels(parks_gk: list[dict], figures: dict, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Enterprise parcels in the five parks, years 2024 and 2025, every optional column filled (``supply_id``
    is added afterwards by :func:`link_park_parcels`).

    Parameters
    ----------
    parks_gk
        Matched parks (``park_id``, ``county_code``, projected ``geom``, published ``spec``).
    figures
        The published-figure reference (per-park investment and output per mu for 2025).
    rng
        The ``park_parcels`` stream.

    Returns
    -------
    GeoDataFrame
        One row per parcel per year.  For 2025, per park, ``sum(invest_wan) / sum(area_mu)`` and
        ``sum(output_wan) / sum(area_mu)`` equal the reference values to 0.01 万元/亩.  Parcels supplied before
        2024 also have a 2024 row with lower investment and mostly lower output.  A few parcels are ≥ 100 亩,
        a few idle, two per park break the 标准地 admin-land (> 7%) or admin-floor (> 15%) limits, and 高新区
        holds the HTML- and formula-injection fixture names.
    """
    year = int(figures["parks"]["year"])
    rows = []
    taken_names: set[str] = set()
    for park in parks_gk:
        spec, county = park["spec"], park["county_code"]
        n = int(spec["enterprises"])
        industries = _PARK_INDUSTRIES[spec["county_code"]]
        ind_idx = rng.integers(0, len(industries), n)
        area = np.round(np.clip(rng.lognormal(np.log(28), 0.65, n), 6, 95), 2)
        big = rng.choice(np.arange(1, n), 3 if n > 80 else 2, replace=False)
        area[big] = np.round(rng.uniform(100, 260, len(big)), 2)
        area[0] = max(area[0], 80.0)  # the balancer is a large established plant
        fixtures = _FIXTURE_SLOTS if spec["county_code"] == "530402" else ()
        status = _status_plan(n, 3 if n > 80 else 2, rng, keep=fixtures)
        producing = status == "producing"
        heavy = np.array([industries[i][2] for i in ind_idx])

        # Investment per mu varies about 2.5x either way; unfinished parcels have spent little of it yet.
        invest_raw = rng.lognormal(0.0, 0.45, n) * area
        invest_raw *= np.select(
            [status == "supplied", status == "under_construction", status == "idle"], [0.04, 0.5, 0.15], 1.0
        )
        invest = _calibrate(invest_raw, area, spec["invest_per_mu_wan"], 0)
        # Output per mu is spread wide (σ = 0.8) so A/B/C/D grading separates enterprises.
        output_raw = np.where(producing, rng.lognormal(0.0, 0.8, n) * area, 0.0)
        output = _calibrate(output_raw, area, spec["output_per_mu_wan"], 0)

        revenue = np.round(output * rng.uniform(0.85, 1.1, n), 2)
        value_added = np.round(output * rng.uniform(0.16, 0.36, n), 2)
        tax = np.round(revenue * np.clip(rng.lognormal(np.log(0.04), 0.5, n), 0.005, 0.15), 2)
        energy = np.round(value_added * np.where(heavy, rng.uniform(1.2, 4.0, n), rng.uniform(0.08, 0.6, n)), 1)
        energy = np.where(producing, energy, np.round(area * rng.uniform(0.0, 0.5, n), 1))
        emission = np.round(energy * rng.uniform(0.002, 0.02, n), 2)
        above = producing & (rng.random(n) < 0.6) | (output > 2000)
        rd = np.round(revenue * np.where(above, rng.uniform(0.005, 0.05, n), rng.uniform(0, 0.01, n)), 2)
        employees = np.where(
            producing,
            np.maximum(8, output / rng.uniform(60, 250, n)),
            np.where(status == "under_construction", rng.integers(5, 40, n), rng.integers(0, 4, n)),
        ).round().astype(int)

        land_m2 = area * M2_PER_MU
        built = np.select(
            [status == "supplied", status == "under_construction"], [0.0, rng.uniform(0.2, 0.6, n)], 1.0
        )
        footprint = np.round(land_m2 * rng.uniform(0.32, 0.6, n) * built, 1)
        plot_ratio = np.where(heavy, rng.uniform(0.55, 1.1, n), rng.uniform(0.8, 2.2, n))
        floor = np.round(np.maximum(land_m2 * plot_ratio * built, footprint), 1)
        admin_area = np.round(land_m2 * rng.uniform(0.015, 0.065, n) * (built > 0), 1)
        admin_floor = np.round(floor * rng.uniform(0.04, 0.13, n), 1)
        # 标准地 violators (seed 004: admin land ≤ 7% of land, admin floor ≤ 15% of floor area).
        violators = rng.choice(np.flatnonzero(producing)[1:], 2, replace=False)
        admin_area[violators[0]] = round(land_m2[violators[0]] * rng.uniform(0.08, 0.14), 1)
        admin_floor[violators[1]] = round(floor[violators[1]] * rng.uniform(0.17, 0.26), 1)

        # Producing plants were supplied long ago; idle ones 2019–2023 (past their agreed start by over a
        # year, the legal idle test); under-construction ones recently; bare supplied parcels in 2025.
        supply = pd.DatetimeIndex(
            np.where(
                producing,
                _random_dates(rng, "2006-01-01", "2022-06-30", n),
                np.where(
                    status == "idle",
                    _random_dates(rng, "2019-01-01", "2023-03-31", n),
                    np.where(
                        status == "under_construction",
                        _random_dates(rng, "2023-06-01", "2025-03-31", n),
                        _random_dates(rng, "2025-01-01", "2025-12-31", n),
                    ),
                ),
            )
        )
        start = supply + pd.to_timedelta(rng.integers(90, 270, n), unit="D")
        finish = start + pd.to_timedelta(rng.integers(365, 900, n), unit="D")

        names = _company_names(county, [industries[i][1] for i in ind_idx], rng, taken_names)
        if fixtures:
            names[fixtures[0]], names[fixtures[1]] = XSS_ENTERPRISE_NAME, FORMULA_ENTERPRISE_NAME
        ids = [_credit_code(county, rng, newer=s.year >= 2016) for s in supply]
        town = rng.integers(1, 9)
        parcel_ids = [f"{county}{town:03d}{(i // 40) + 1:03d}GB{i + 1:05d}" for i in range(n)]
        geoms = _parcel_geometries(park["geom"], area, rng)

        for i in range(n):
            rows.append(
                {
                    "parcel_id": parcel_ids[i],
                    "park_id": park["park_id"],
                    "enterprise_id": ids[i],
                    "enterprise_name": names[i],
                    "industry": industries[ind_idx[i]][0],
                    "scale": "above" if above[i] else "below",
                    "land_use": "工业用地" if rng.random() > 0.04 else "仓储用地",
                    "area_mu": area[i],
                    "floor_area_m2": floor[i],
                    "footprint_m2": footprint[i],
                    "admin_area_m2": admin_area[i],
                    "admin_floor_m2": admin_floor[i],
                    "invest_wan": invest[i],
                    "output_wan": output[i],
                    "revenue_wan": revenue[i],
                    "value_added_wan": value_added[i],
                    "tax_wan": tax[i],
                    "energy_tce": energy[i],
                    "emission_t": emission[i],
                    "rd_wan": rd[i],
                    "employees": employees[i],
                    "year": year,
                    "supply_date": supply[i],
                    "agreed_start_date": start[i],
                    "agreed_finish_date": finish[i],
                    "status": status[i],
                    "geometry": geoms[i],
                }
            )
    current = pd.DataFrame(rows)
    # Prior year for year-on-year change: only parcels supplied before it; investment is cumulative so it was
    # lower, output mostly lower (a few enterprises shrank).
    prior = current[current["supply_date"] < pd.Timestamp(f"{year - 1}-01-01")].copy()
    m = len(prior)
    prior["year"] = year - 1
    invest_f = rng.uniform(0.86, 1.0, m)
    output_f = rng.uniform(0.8, 1.04, m)
    prior["invest_wan"] = np.round(prior["invest_wan"] * invest_f, 2)
    for col in ("output_wan", "revenue_wan", "value_added_wan", "tax_wan", "rd_wan"):
        prior[col] = np.round(prior[col] * output_f * rng.uniform(0.97, 1.03, m), 2)
    prior["energy_tce"] = np.round(prior["energy_tce"] * output_f * rng.uniform(1.0, 1.06, m), 1)
    prior["emission_t"] = np.round(prior["emission_t"] * output_f * rng.uniform(1.0, 1.1, m), 2)
    prior["employees"] = np.round(prior["employees"] * rng.uniform(0.9, 1.03, m)).astype(int)
    frame = pd.concat([prior, current], ignore_index=True)
    geoms = _to_wgs84(list(frame.pop("geometry")))
    return gpd.GeoDataFrame(frame, geometry=geoms.values, crs=WGS84)


# ----------------------------------------------------------------------------------------------------------
# approvals and supplies

_SINGLE_SITE_PROJECTS = [
    "玉楚高速公路{c}段", "滇中引水工程{c}段", "220千伏输变电工程{c}段", "{c}水库工程", "国道G323线{c}段改扩建",
    "{c}光伏发电项目", "江通高速公路{c}段", "{c}城乡供水一体化工程", "{c}风电场项目", "{c}集中式光伏电站",
]


def _window_bounds(figures: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(figures["supply"]["window_start"]), pd.Timestamp(figures["supply"]["window_end"])


def _county_targets(figures: dict, rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    """Approved and supplied area per county in the five-year window, summing exactly to the published totals."""
    approved_total = figures["supply"]["approved_mu"]
    supplied_total = figures["supply"]["supplied_mu"]
    shares = np.array([_APPROVAL_DESIGN[c][0] for c in COUNTY_CODES])
    shares = shares * rng.uniform(0.95, 1.05, len(shares))
    approved = split_exact(approved_total, len(COUNTY_CODES), rng, weights=shares)
    supplied = {}
    for code, a in zip(COUNTY_CODES, approved):
        rate = _APPROVAL_DESIGN[code][1]
        if rate is not None:
            supplied[code] = round(a * rate, 2)
    balancer = next(c for c in COUNTY_CODES if _APPROVAL_DESIGN[c][1] is None)
    supplied[balancer] = round(supplied_total - sum(supplied.values()), 2)
    return {code: (float(a), supplied[code]) for code, a in zip(COUNTY_CODES, approved)}


def build_approvals(
    counties: dict, parks_gk: list[dict], figures: dict, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, dict]:
    """Approved construction land in all nine counties, 2016-01 to the data date.

    Parameters
    ----------
    counties
        County code → projected county polygon.
    parks_gk
        Matched parks; about a third of a park county's approvals lie in its park.
    figures
        Reference file: the five-year window and its approved total.
    rng
        The ``approvals`` stream.

    Returns
    -------
    approvals : GeoDataFrame
        Contract columns plus a helper column ``supplied_target_mu`` (the area :func:`build_supplies` will
        supply; :func:`build_ledgers` drops it).  In the window the approved areas sum exactly to the reference
        ``approved_mu`` and the targets to ``supplied_mu``.
    geoms : dict
        approval_id → projected polygon, used to place idle-land cases inside their approvals.
    """
    start, end = _window_bounds(figures)
    targets = _county_targets(figures, rng)
    park_geom = {p["county_code"]: p["geom"] for p in parks_gk}
    serials: dict[tuple[str, int], int] = {}  # (文号 prefix, year) → last serial
    batches: dict[tuple[str, int], int] = {}  # (county, year) → last batch number
    rows = []
    for code in COUNTY_CODES:
        approved, supplied = targets[code]
        n = max(9, round(_APPROVAL_DESIGN[code][0] * 130))
        dates = _random_dates(rng, start, end, n).sort_values()
        # Every county approves something in 2026, so this year's quota use is never empty.
        if dates[-1] < pd.Timestamp("2026-01-01"):
            dates = dates[:-1].append(pd.DatetimeIndex([_random_date(rng, "2026-01-05", "2026-08-31")]))
        kinds = np.where(rng.random(n) < 0.25, "single_site", "batch")
        weights = (rng.gamma(1.5, 1.0, n) + 0.3) * np.where(kinds == "single_site", 1.8, 1.0)
        areas = split_exact(approved, n, rng, weights=weights)
        # Older approvals in the window are mostly supplied, the newest hardly; the water fill scales this
        # shape to the county's supplied total.
        age = np.asarray((_DATA_DATE - dates).days) / 365.25
        allowed = age > 7 / 365.25  # nothing supplied within a week of approval
        if code == LOW_DISPOSAL_COUNTY:
            # Its pre-2026 approvals must be supplied by 2025-12-31 (nothing disposed in 2026).
            allowed &= ~((dates < pd.Timestamp("2026-01-01")) & (dates > pd.Timestamp("2025-11-15")))
        # Approvals older than a month take the supply first; only if they are full do newer ones get any.
        desire = np.clip(0.1 + 0.35 * age, 0, 1) * areas * (allowed & (age >= 0.08))
        cents = _fill_capped(
            round(supplied * 100), np.round(areas * 100).astype(np.int64), desire, areas * allowed
        )
        for d, kind, a, s in zip(dates, kinds, areas, cents / 100):
            rows.append(_approval_row(code, d, kind, a, s, serials, batches, rng))
        # Older approvals (2016 to just before the window): mostly supplied in full, a few left as old stock.
        for _ in range(int(rng.integers(6, 11))):
            d = _random_date(rng, "2016-01-01", start - pd.Timedelta(days=1))
            kind = "single_site" if rng.random() < 0.2 else "batch"
            a = round(float(rng.uniform(30, 600)), 2)
            s = a if rng.random() < 0.8 else round(a * float(rng.uniform(0.4, 0.95)), 2)
            rows.append(_approval_row(code, d, kind, a, s, serials, batches, rng))
    frame = pd.DataFrame(rows)
    pts = {}
    for code in COUNTY_CODES:
        sel = np.flatnonzero(frame["county_code"].to_numpy() == code)
        pts_county = _sample_points(counties[code], len(sel), rng)
        if code in park_geom:
            in_park = rng.random(len(sel)) < 0.33
            pts_park = _sample_points(park_geom[code], len(sel), rng)
            pts_county[in_park] = pts_park[in_park]
        for i, xy in zip(sel, pts_county):
            pts[i] = xy
    geoms_gk = [
        _box(pts[i][0], pts[i][1], a * M2_PER_MU, float(rng.uniform(0.6, 1.6)))
        for i, a in enumerate(frame["approved_area_mu"])
    ]
    geoms = dict(zip(frame["approval_id"], geoms_gk))
    return gpd.GeoDataFrame(frame, geometry=_to_wgs84(geoms_gk).values, crs=WGS84), geoms


def _approval_row(code, date, kind, area, supplied, serials, batches, rng) -> dict:
    prefix = "云政土" if kind == "batch" else "自然资函"
    key = (prefix, date.year)
    serials[key] = serials.get(key, int(rng.integers(8, 40))) + int(rng.integers(1, 4))
    approval_id = f"{prefix}〔{date.year}〕{serials[key]}号"
    if kind == "batch":
        batch_no = batches.get((code, date.year), 0) + 1
        batches[(code, date.year)] = batch_no
        name = f"{YUXI_UNITS[code][0]}{date.year}年度第{batch_no}批次城镇建设用地"
    else:
        name = str(rng.choice(_SINGLE_SITE_PROJECTS)).format(c=COUNTY_SHORT[code])
    return {
        "approval_id": approval_id,
        "county_code": code,
        "approval_date": date,
        "approved_area_mu": float(area),
        "batch_name": name,
        "kind": kind,
        "supplied_target_mu": float(supplied),
    }


#: Land use → (method weights allocation/transfer/lease, unit price range 万元/亩 for transfer).
_LAND_USES_BATCH = {
    "工业用地": ((0.0, 0.88, 0.12), (12, 30)),
    "住宅用地": ((0.0, 1.0, 0.0), (80, 260)),
    "商服用地": ((0.0, 1.0, 0.0), (60, 200)),
    "公共管理与公共服务用地": ((1.0, 0.0, 0.0), (0, 0)),
}
_LAND_USES_SINGLE = ["交通运输用地", "水域及水利设施用地", "公用设施用地"]


def build_supplies(approvals: pd.DataFrame, figures: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Land supply records linked to approvals.

    Parameters
    ----------
    approvals
        Output of :func:`build_approvals` (with its ``supplied_target_mu`` helper column).
    figures
        Reference file (window bounds).
    rng
        The ``supplies`` stream.

    Returns
    -------
    DataFrame
        ``supply_date`` after the approval date and on or before the data date; per approval the supplied
        areas sum to its target, never above the approved area.  Allocation carries ``price_wan`` 0.  Dates are
        then shifted so that in 2026 every county except 华宁 disposes ≥ 5% (Q2) and ≥ 10% (Q3) of its
        批而未供 stock and 华宁 disposes none.
    """
    rows = []
    serial: dict[tuple[str, int], int] = {}
    for ap in approvals.itertuples(index=False):
        if ap.supplied_target_mu <= 0:
            continue
        k = 1 if ap.supplied_target_mu < 60 else int(rng.integers(1, 4))
        parts = split_exact(ap.supplied_target_mu, k, rng)
        first = min(ap.approval_date + pd.Timedelta(days=30), _DATA_DATE)
        last = _DATA_DATE
        if ap.county_code == LOW_DISPOSAL_COUNTY and ap.approval_date < pd.Timestamp("2026-01-01"):
            last = pd.Timestamp("2025-12-31")
        last = max(first, min(last, ap.approval_date + pd.Timedelta(days=365 * 4)))
        span = (last - first).days
        if ap.kind == "single_site":
            land_use = str(rng.choice(_LAND_USES_SINGLE))
        else:
            land_use = str(rng.choice(list(_LAND_USES_BATCH), p=[0.45, 0.25, 0.12, 0.18]))
        for part in parts:
            # Supply follows approval early rather than late (skewed lag).
            date = first + pd.Timedelta(days=int(span * rng.random() ** 1.6))
            if land_use in _LAND_USES_BATCH:
                weights, (lo, hi) = _LAND_USES_BATCH[land_use]
                method = str(rng.choice(["allocation", "transfer", "lease"], p=weights))
            else:
                method, lo, hi = "allocation", 0, 0
            price = {
                "allocation": 0.0,
                "transfer": round(part * float(rng.uniform(lo, hi)), 2),
                "lease": round(part * float(rng.uniform(1.5, 4.0)), 2),
            }[method]
            rows.append(
                {
                    "approval_id": ap.approval_id,
                    "county_code": ap.county_code,
                    "supply_date": date,
                    "area_mu": float(part),
                    "method": method,
                    "land_use": land_use,
                    "price_wan": price,
                }
            )
    frame = pd.DataFrame(rows)
    frame = _shape_stock_disposal(frame, approvals, rng)
    frame = frame.sort_values(["county_code", "supply_date", "approval_id"], kind="stable").reset_index(drop=True)
    ids = []
    for code, date in zip(frame["county_code"], frame["supply_date"]):
        key = (code, date.year)
        serial[key] = serial.get(key, 0) + 1
        ids.append(f"{code}{date.year}B{serial[key]:05d}")  # 电子监管号 layout: county, year, B, serial
    frame.insert(0, "supply_id", ids)
    return frame


def _shape_stock_disposal(supplies: pd.DataFrame, approvals: pd.DataFrame, rng) -> pd.DataFrame:
    """Move supply dates into 2026 so each county (except 华宁) clears 5% of its stock by Q2 and 10% by Q3.

    Moving a 2025 supply of a pre-2026 approval into 2026 raises both the disposed area and the 2025-12-31 stock
    by the same amount, so the rate only rises; area totals (and the published supply figures) are unchanged.
    """
    y2026 = pd.Timestamp("2026-01-01")
    approved_on = supplies["approval_id"].map(approvals.set_index("approval_id")["approval_date"])
    approved_area = approvals[approvals["approval_date"] < y2026].groupby("county_code")["approved_area_mu"].sum()
    supplies = supplies.copy()
    for code in COUNTY_CODES:
        if code == LOW_DISPOSAL_COUNTY:
            continue
        for quarter_end, goal, window in (
            ("2026-06-30", 0.05, ("2026-01-05", "2026-06-25")),
            ("2026-09-30", 0.10, ("2026-07-01", "2026-09-25")),
        ):
            old = (supplies["county_code"] == code) & (approved_on < y2026)
            while True:
                before = supplies.loc[old & (supplies["supply_date"] < y2026), "area_mu"].sum()
                stock = approved_area.get(code, 0.0) - before
                in_2026 = (supplies["supply_date"] >= y2026) & (supplies["supply_date"] <= pd.Timestamp(quarter_end))
                done = supplies.loc[old & in_2026, "area_mu"].sum()
                if stock <= 0 or done / stock >= goal:
                    break
                recent = supplies["supply_date"] >= pd.Timestamp("2024-01-01")
                movable = supplies[old & (supplies["supply_date"] < y2026) & recent]
                if movable.empty:
                    break
                idx = movable["supply_date"].idxmax()
                supplies.loc[idx, "supply_date"] = _random_date(rng, *window)
    return supplies


# ----------------------------------------------------------------------------------------------------------
# idle_land

_ENTERPRISE_METHODS = ["督促开工", "征缴土地闲置费", "依法收回", "协议有偿收回"]
_GOVERNMENT_METHODS = ["延长动工开发期限", "调整用途", "调整规划条件", "置换", "协议有偿收回", "临时使用"]


def build_idle_land(
    park_parcels: gpd.GeoDataFrame,
    approvals: pd.DataFrame,
    approval_geoms: dict,
    supplies: pd.DataFrame,
    counties: dict,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Idle-land cases (一地一策): the idle park parcels plus cases on supplied land in every county.

    Parameters
    ----------
    park_parcels
        Park parcels; each parcel idle in the latest year becomes an open case with its ``parcel_id`` and shape.
    approvals, approval_geoms, supplies
        Supplies (transfer/lease) that idle cases link to by ``supply_id``; the case polygon sits inside the
        approval's polygon.
    counties
        County code → projected polygon (fallback placement).
    rng
        The ``idle_land`` stream.

    Returns
    -------
    GeoDataFrame
        At least 40 cases.  Every county except 华宁 has a case disposed in 2026 H1 (disposal rate well above
        the Q2/Q3 thresholds); 华宁 disposes nothing in 2026.  Some open cases are past their deadline.
    """
    rows = []
    seq: dict[tuple[str, int], int] = {}

    def case_id(code: str, identified: pd.Timestamp) -> str:
        key = (code, identified.year)
        seq[key] = seq.get(key, 0) + 1
        return f"XZ{code}{identified.year}{seq[key]:03d}"

    latest = park_parcels["year"].max()
    idle_parcels = park_parcels[(park_parcels["year"] == latest) & (park_parcels["status"] == "idle")]
    parcel_geoms = idle_parcels.geometry.to_crs(GK_CRS)
    for p, geom in zip(idle_parcels.itertuples(index=False), parcel_geoms):
        code = p.parcel_id[:6]
        identified = min(p.agreed_start_date + pd.Timedelta(days=int(rng.integers(380, 600))), _DATA_DATE)
        cause = "enterprise" if rng.random() < 0.75 else "government"
        rows.append(
            {
                "case_id": case_id(code, identified),
                "county_code": code,
                "area_mu": float(p.area_mu),
                "parcel_id": p.parcel_id,
                "supply_id": None,
                "identified_date": identified,
                "cause": cause,
                "status": "disposing" if rng.random() < 0.6 else "identified",
                "method": str(rng.choice(_ENTERPRISE_METHODS if cause == "enterprise" else _GOVERNMENT_METHODS)),
                "disposal_date": pd.NaT,
                "deadline": identified + pd.Timedelta(days=int(rng.integers(300, 540))),
                "geometry": geom,
            }
        )

    sup = supplies.merge(approvals[["approval_id"]], on="approval_id")
    sup = sup[sup["method"].isin(["transfer", "lease"]) & (sup["supply_date"] <= pd.Timestamp("2024-06-30"))]
    for code in COUNTY_CODES:
        pool = sup[sup["county_code"] == code]
        n = int(rng.integers(4, 7))
        picks = pool.sample(n=min(n, len(pool)), random_state=rng) if len(pool) else pool
        plan = _idle_status_plan(code, len(picks), rng)
        for (s, status) in zip(picks.itertuples(index=False), plan):
            area = round(float(s.area_mu) * float(rng.uniform(0.3, 1.0)), 2)
            identified = s.supply_date + pd.Timedelta(days=int(rng.integers(420, 1100)))
            cause = "enterprise" if rng.random() < 0.6 else "government"
            disposal = pd.NaT
            if status == "disposed_2026":
                identified = min(identified, pd.Timestamp("2025-11-30"))
                disposal = _random_date(rng, "2026-01-10", "2026-06-20")
            elif status == "disposed":
                last = pd.Timestamp("2025-12-31")
                identified = min(identified, last - pd.Timedelta(days=60))
                disposal = _random_date(rng, identified + pd.Timedelta(days=30), last)
            else:
                # Open cases are recent: a case identified years ago would long since have been disposed.
                latest_ok = _DATA_DATE - pd.Timedelta(days=20)
                earliest = max(min(identified, latest_ok), pd.Timestamp("2023-01-01"))
                identified = _random_date(rng, earliest, latest_ok)
            # The case is a shrunken copy of its approval's polygon, so it lies inside it.
            ap_geom = approval_geoms[s.approval_id]
            factor = float(np.sqrt(area * M2_PER_MU / ap_geom.area))
            case_geom = shapely.affinity.scale(ap_geom, factor, factor, origin="centroid")
            rows.append(
                {
                    "case_id": case_id(code, identified),
                    "county_code": code,
                    "area_mu": area,
                    "parcel_id": None,
                    "supply_id": s.supply_id,
                    "identified_date": identified,
                    "cause": cause,
                    "status": "disposed" if status.startswith("disposed") else status,
                    "method": str(rng.choice(_ENTERPRISE_METHODS if cause == "enterprise" else _GOVERNMENT_METHODS)),
                    "disposal_date": disposal,
                    "deadline": identified + pd.Timedelta(days=int(rng.integers(270, 720))),
                    "geometry": case_geom,
                }
            )
    frame = pd.DataFrame(rows).sort_values(["county_code", "identified_date"], kind="stable")
    frame = _shape_idle_disposal(frame.reset_index(drop=True), rng)
    geoms = _to_wgs84(list(frame.pop("geometry")))
    return gpd.GeoDataFrame(frame, geometry=geoms.values, crs=WGS84)


def idle_disposal_rate(idle: pd.DataFrame, code: str, quarter_end, year: int = 2026) -> float:
    """Cumulative 闲置 disposal rate of county ``code`` from 1 January of ``year`` to ``quarter_end``.

    Parameters
    ----------
    idle
        ``idle_land`` frame.
    code
        County code.
    quarter_end
        Last day counted (inclusive).
    year
        The year the rate accumulates over.

    Returns
    -------
    float
        Area disposed in the period ÷ area of cases identified by ``quarter_end`` and not disposed before the
        year (NaN when there is no such case).  The demo's reading of seed 000's rule; the indicator module
        owns the official definition.
    """
    y0, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(quarter_end)
    cases = idle[idle["county_code"] == code]
    base = cases[(cases["identified_date"] <= end) & ~(cases["disposal_date"] < y0)]
    done = base.loc[(base["disposal_date"] >= y0) & (base["disposal_date"] <= end), "area_mu"].sum()
    total = base["area_mu"].sum()
    return float(done / total) if total else float("nan")


def _shape_idle_disposal(frame: pd.DataFrame, rng) -> pd.DataFrame:
    """Dispose open supply-linked cases in 2026 until every county but 华宁 is at ≥ 5% by Q2 and ≥ 10% by Q3."""
    for code in COUNTY_CODES:
        if code == LOW_DISPOSAL_COUNTY:
            continue
        for quarter_end, goal, window in (
            ("2026-06-30", 0.05, ("2026-01-10", "2026-06-20")),
            ("2026-09-30", 0.10, ("2026-07-01", "2026-09-20")),
        ):
            while idle_disposal_rate(frame, code, quarter_end) < goal:
                open_ = frame[
                    (frame["county_code"] == code)
                    & (frame["status"] != "disposed")
                    & frame["parcel_id"].isna()  # park parcels are still idle in the parcel ledger
                    & (frame["identified_date"] < pd.Timestamp("2026-01-01"))
                ]
                if open_.empty:
                    break
                idx = open_["identified_date"].idxmin()
                frame.loc[idx, "status"] = "disposed"
                frame.loc[idx, "disposal_date"] = _random_date(rng, *window)
    return frame


def _idle_status_plan(code: str, n: int, rng) -> list[str]:
    """Case statuses for one county: 华宁 disposes nothing in 2026; the others dispose one case in 2026 H1."""
    if n == 0:
        return []
    if code == LOW_DISPOSAL_COUNTY:
        first = ["identified", "disposing"]
    else:
        first = ["disposed_2026"]
    rest = list(rng.choice(["disposed", "disposed", "disposing", "identified"], max(0, n - len(first))))
    return (first + rest)[:n]


# ----------------------------------------------------------------------------------------------------------
# arable_ledger

#: County weights per ledger flow: 元江 develops much dry land (surplus on 数量) but little paddy while its
#: projects take paddy (short on 水田); 红塔 occupies most and buys most; 澄江 files little.
_ARABLE_WEIGHTS = {
    #              红塔  江川  通海  华宁  易门  峨山  新平  元江  澄江
    "filed":      (0.6, 1.2, 1.0, 1.1, 1.0, 1.0, 1.3, 1.8, 0.5),
    "filed_paddy": (0.8, 1.6, 1.4, 1.0, 0.9, 0.8, 1.0, 0.2, 0.6),
    "occupied":   (2.2, 1.0, 0.9, 0.7, 0.9, 0.8, 1.1, 0.8, 1.4),
    "bought":     (2.5, 0.8, 0.8, 0.6, 0.8, 0.6, 0.8, 0.3, 1.6),
}

_LAND_CONSOLIDATION = ["{c}{t}土地整治项目", "{c}{t}高标准农田建设项目", "{c}{t}旱改水项目", "{c}{t}耕地提质改造项目"]
_TOWNS = ["北城", "研和", "大营街", "路居", "九溪", "杨广", "四街", "宁州", "盘溪", "六街", "小街", "浦贝",
          "塔甸", "化念", "扬武", "漠沙", "戛洒", "因远", "那诺", "右所", "龙街", "海口", "前卫", "雄关"]
#: Key projects named in seed 000 (2019 onwards): linear ones cross counties (one ledger entry per county
#: section); the others lie in one county (``None`` = linear).
_KEY_PROJECTS = [
    ("玉楚高速公路", None), ("弥玉高速公路", None), ("晋红高速公路", None), ("江通高速公路", None),
    ("墨临高速公路", None), ("大戛高速公路", None), ("元蔓高速公路", None), ("武易高速公路", None),
    ("永金高速公路", None), ("澄华高速公路", None), ("峨石红高速公路", None), ("滇中引水工程", None),
    ("抚仙湖环湖棚户区改造", "530481"), ("绿色钢城", "530427"), ("玉溪科教创新城", "530402"),
    ("玉溪高新区工业园区", "530402"),
]


def _arable_entries(
    rng, kind, n, start, end, totals, weights_key, names, owner=None, paddy_weights_key=None, paddy_le_cult=False
) -> list[dict]:
    """``n`` ledger entries whose three indicators sum exactly to ``totals`` (亩, 亩, kg)."""
    cw = np.array(_ARABLE_WEIGHTS[weights_key])
    counties = rng.choice(np.array(COUNTY_CODES), n, p=cw / cw.sum())
    cult = split_exact(totals[0], n, rng)
    if paddy_le_cult:
        # Occupied paddy is part of the occupied cultivated land, so keep it proportional per entry.
        paddy = split_exact(totals[1], n, rng, weights=cult * rng.uniform(0.85, 1.15, n))
        if np.any(paddy > cult):
            paddy = split_exact(totals[1], n, rng, weights=cult)
    else:
        if paddy_weights_key:
            pw = np.array(_ARABLE_WEIGHTS[paddy_weights_key])
            idx = [COUNTY_CODES.index(c) for c in counties]
            paddy = split_exact(totals[1], n, rng, weights=pw[idx] * rng.gamma(2.0, 1.0, n))
        else:
            paddy = split_exact(totals[1], n, rng)
    grain = split_exact(totals[2], n, rng, decimals=0, weights=cult * rng.uniform(0.8, 1.2, n))
    dates = _random_dates(rng, start, end, n)
    return [
        {
            "county_code": c,
            "date": d,
            "kind": kind,
            "cultivated_mu": float(cu),
            "paddy_mu": float(pa),
            "grain_kg": float(gr),
            "project_name": names(c, i, d),
            "owner": owner or c,
        }
        for i, (c, d, cu, pa, gr) in enumerate(zip(counties, dates, cult, paddy, grain))
    ]


def build_arable_ledger(figures: dict, rng: np.random.Generator) -> pd.DataFrame:
    """占补平衡 ledger 2016–2026 reproducing the seed-000 figures (see the module docstring for the filters).

    Parameters
    ----------
    figures
        Reference file; ``[[arable.figure]]`` gives each published sum and its filter.
    rng
        The ``arable_ledger`` stream.

    Returns
    -------
    DataFrame
        Entries with all amounts ≥ 0.  Published periods (2019–2022) are built from the reference sums; the
        pre-2019 and 2023–2026 entries add history and recent activity outside every published filter.
    """
    fig = {f["id"]: f for f in figures["arable"]["figure"]}
    marker = figures["arable"]["key_project_marker"]

    def t(fid):
        f = fig[fid]
        return np.array([f["cultivated_mu"], f["paddy_mu"], f["grain_kg"]])

    def consolidation(c, i, d):
        return str(rng.choice(_LAND_CONSOLIDATION)).format(c=YUXI_UNITS[c][0], t=str(rng.choice(_TOWNS)))

    def batch(c, i, d):
        return f"{YUXI_UNITS[c][0]}{d.year}年度城镇建设用地第{i + 1}批次"

    def key(c, i, d):
        # A county's own point project if it has one and the draw says so, else a section of a linear one.
        own = [name for name, county in _KEY_PROJECTS if county == c]
        if own and rng.random() < 0.4:
            return f"{rng.choice(own)}（{marker}）"
        linear = [name for name, county in _KEY_PROJECTS if county is None]
        return f"{rng.choice(linear)}{COUNTY_SHORT[c]}段（{marker}）"

    def fixed(text):
        return lambda c, i, d: text

    platform = fixed("省级补充耕地指标交易平台竞价购买")
    national = fixed("跨省域补充耕地国家统筹")

    # Splits of the published totals into sub-periods: the non-key 2022 occupation and the 2019–2021
    # purchases are demo choices; everything else is fixed by the reference file.
    occupied_key = t("key_projects_2022")
    occupied_key_2022 = occupied_key  # all 2022 key-project use
    occupied_nonkey_2022 = np.array([2600.0, 700.0, 1_700_000.0])
    occupied_2019_21 = t("occupied_since_2019") - occupied_key_2022 - occupied_nonkey_2022
    bought_2022 = t("bought_2022")
    bought_2019_21 = t("gap_bought_since_2019") - bought_2022
    reserve = t("from_reserve_2022")

    e: list[dict] = []
    # History before the published period: the reserve was built by handing surplus to the city pool.
    e += _arable_entries(rng, "filed", 26, "2016-01-01", "2018-12-31", (13800, 1800, 9_100_000), "filed",
                         consolidation, paddy_weights_key="filed_paddy")
    e += _arable_entries(rng, "occupied", 18, "2016-01-01", "2018-12-31", (3100, 900, 2_050_000), "occupied",
                         batch, paddy_le_cult=True)
    e += _arable_entries(rng, "pooled_in", 6, "2017-01-01", "2018-12-31", (1900, 820, 1_420_000), "filed",
                         fixed("库存结余指标划入市级储备"), owner="pool")
    # Published period 2019–2022.
    e += _arable_entries(rng, "filed", 16, "2019-01-01", "2021-12-31", (4300, 1600, 2_880_000), "filed",
                         consolidation, paddy_weights_key="filed_paddy")
    f = fig["filed_2022"]
    e += _arable_entries(rng, "filed", int(f["count"]), f["date_from"], f["date_to"], t("filed_2022"), "filed",
                         consolidation, paddy_weights_key="filed_paddy")
    e += _arable_entries(rng, "occupied", 36, "2019-01-01", "2021-12-31", occupied_2019_21, "occupied", key,
                         paddy_le_cult=True)
    e += _arable_entries(rng, "occupied", 9, "2022-01-01", "2022-12-31", occupied_key_2022, "occupied", key,
                         paddy_le_cult=True)
    e += _arable_entries(rng, "occupied", 10, "2022-01-01", "2022-12-31", occupied_nonkey_2022, "occupied",
                         batch, paddy_le_cult=True)
    e += _arable_entries(rng, "bought", 10, "2019-01-01", "2021-12-31", bought_2019_21, "bought", national)
    e += _arable_entries(rng, "bought", 6, "2022-01-01", "2022-12-31", bought_2022, "bought", platform)
    e += _arable_entries(rng, "debt_repaid", 10, "2019-01-01", "2022-12-31", t("debt_repaid_since_2019"),
                         "occupied", fixed("归还国家、省级历年借用补充耕地指标欠账"))
    # The reserve release names the 2022 key projects it served (a sub-split of the key-project use).
    key_2022 = [x for x in e if x["kind"] == "occupied" and x["date"].year == 2022 and marker in x["project_name"]]
    release = _arable_entries(rng, "pooled_out", 3, "2022-01-01", "2022-12-31", reserve, "occupied",
                              fixed(""), owner="pool")
    for r, k in zip(release, sorted(key_2022, key=lambda x: -x["cultivated_mu"])):
        r["county_code"], r["project_name"] = k["county_code"], f"库存结余储备调剂：{k['project_name']}"
        r["date"] = k["date"]
    e += release
    # Recent activity 2023 to the data date: no debt repayment (the 水田 debt of 1262.38 亩 is still owed).
    e += _arable_entries(rng, "filed", 24, "2023-01-01", DATA_DATE, (4100, 1500, 2_650_000), "filed",
                         consolidation, paddy_weights_key="filed_paddy")
    e += _arable_entries(rng, "occupied", 30, "2023-01-01", DATA_DATE, (5200, 2400, 3_600_000), "occupied", key,
                         paddy_le_cult=True)
    e += _arable_entries(rng, "bought", 10, "2023-01-01", DATA_DATE, (2500, 900, 1_600_000), "bought", platform)
    e += _arable_entries(rng, "sold", 4, "2023-01-01", DATA_DATE, (620, 90, 380_000), "filed",
                         fixed("省级交易平台挂牌出让结余指标"))
    pooled_out = _arable_entries(rng, "pooled_out", 6, "2024-03-01", DATA_DATE, (300, 110, 180_000), "occupied",
                                 key)

    e += _surplus_but_short_on_paddy(e, "530428", rng, key)
    # The 10% share of every filing from the start year on, then the draws on owners that hold enough.
    e += _pooled_share(e)
    e += _assign_draw_owners(e, pooled_out)

    frame = pd.DataFrame(e).sort_values(["date", "kind", "county_code"], kind="stable").reset_index(drop=True)
    frame.insert(0, "entry_id", [f"ZB{d.year}{i + 1:04d}" for i, d in enumerate(frame["date"])])
    return frame


_POOL_SHARE_NAME = "净入库指标10%划入调节池"
_INDICATOR_DECIMALS = (("cultivated_mu", 2), ("paddy_mu", 2), ("grain_kg", 0))


def _pooled_share(entries: list[dict]) -> list[dict]:
    """The ``净入库指标10%`` ``pooled_in`` entries (seed 003 附件3 第十条, ownership unchanged).

    From the profile's ``pool_arable_start_year`` on, every ``filed`` entry is followed the same day by one
    ``pooled_in`` entry of the same county.  The amounts are cumulative roundings of ``pool_arable_share`` ×
    the county's filings of the year so far, so each amount is ≥ 0 and a county-year adds up to exactly
    ``round(share × filed, 2)`` 亩 (``round(…, 0)`` kg).  A county that filed nothing in a year pools nothing.
    """
    from dashboard.policy import load_profile

    profile = load_profile()
    share = float(profile["pool_arable_share"])
    first_year = int(profile["pool_arable_start_year"])
    filed = [x for x in entries if x["kind"] == "filed" and first_year <= x["date"].year]
    groups: dict[tuple[str, int], list[dict]] = {}
    for x in sorted(filed, key=lambda x: (x["county_code"], x["date"])):  # stable: ties keep ledger order
        groups.setdefault((x["county_code"], x["date"].year), []).append(x)
    out = []
    for (code, _), rows in sorted(groups.items()):
        cum = dict.fromkeys([col for col, _ in _INDICATOR_DECIMALS], 0.0)
        pooled = dict(cum)
        for x in rows:
            entry = {"county_code": code, "date": x["date"], "kind": "pooled_in", "project_name": _POOL_SHARE_NAME,
                     "owner": code}
            for col, d in _INDICATOR_DECIMALS:
                cum[col] = round(cum[col] + x[col], d)
                target = round(share * cum[col], d)
                entry[col] = float(round(target - pooled[col], d))
                pooled[col] = target
            out.append(entry)
    return out


def _assign_draw_owners(entries: list[dict], draws: list[dict]) -> list[dict]:
    """Give each pool draw (``pooled_out``) an owner that holds enough pooled indicators at the draw's date.

    The candidates follow the draw order of seed 003 附件3 第十一条: the drawing county's own pooled indicators,
    then the prefecture-owned reserve (``pool``), then the other counties in descending order of what they
    have pooled.  The first candidate whose position (pooled in − drawn, up to and including the draw's date)
    covers the draw in all three indicators is the owner; so no owner's position ever goes negative.
    """
    cols = [col for col, _ in _INDICATOR_DECIMALS]
    moves = [x for x in entries if x["kind"] in ("pooled_in", "pooled_out")]
    out = []
    for draw in sorted(draws, key=lambda x: x["date"]):
        def position(owner, moves=moves, draw=draw):
            rows = [x for x in moves if x["owner"] == owner and x["date"] <= draw["date"]]
            return {c: sum(x[c] if x["kind"] == "pooled_in" else -x[c] for x in rows) for c in cols}

        contributed = {c: sum(x["cultivated_mu"] for x in moves if x["kind"] == "pooled_in" and x["owner"] == c
                              and x["date"] <= draw["date"]) for c in COUNTY_CODES}
        others = sorted((c for c in COUNTY_CODES if c != draw["county_code"]), key=lambda c: (-contributed[c], c))
        for owner in [draw["county_code"], "pool", *others]:
            pos = position(owner)  # draws are placed in date order, so nothing later has drawn on it yet
            if all(pos[c] >= draw[c] - 1e-9 for c in cols):
                break
        else:
            raise ValueError(f"no pool owner can cover the draw of {draw['county_code']} on {draw['date']:%Y-%m-%d}")
        draw = {**draw, "owner": owner}
        moves.append(draw)
        out.append(draw)
    return out


_SIGN = {"filed": 1, "bought": 1, "pooled_out": 1, "occupied": -1, "sold": -1, "debt_repaid": -1, "pooled_in": -1}


def _surplus_but_short_on_paddy(entries: list[dict], code: str, rng, key) -> list[dict]:
    """Recent entries that leave ``code`` in surplus on 耕地数量 and short on 水田 (DOMAIN §2: each indicator
    balances on its own).  Dated 2023 onwards, so no published sum moves."""
    mine = [x for x in entries if x["county_code"] == code]
    cult = sum(_SIGN[x["kind"]] * x["cultivated_mu"] for x in mine)
    paddy = sum(_SIGN[x["kind"]] * x["paddy_mu"] for x in mine)
    extra = []
    if paddy > -300:
        # A project taking mostly paddy: paddy ≤ cultivated still holds for the occupation.
        amount = round(paddy + 300 + float(rng.uniform(50, 250)), 2)
        date = _random_date(rng, "2025-01-01", "2026-06-30")
        extra.append(
            {"county_code": code, "date": date, "kind": "occupied", "cultivated_mu": amount,
             "paddy_mu": amount, "grain_kg": round(amount * 720.0), "project_name": key(code, 0, date),
             "owner": code}
        )
        cult -= amount
    if cult < 300:
        # Dry-land development adds cultivated land and grain capacity but no paddy.
        amount = round(300 - cult + float(rng.uniform(100, 400)), 2)
        date = _random_date(rng, "2023-03-01", "2026-08-31")
        extra.append(
            {"county_code": code, "date": date, "kind": "filed", "cultivated_mu": amount, "paddy_mu": 0.0,
             "grain_kg": round(amount * 520.0), "project_name": f"{YUXI_UNITS[code][0]}{rng.choice(_TOWNS)}宜耕后备资源开发项目", "owner": code}
        )
    return extra


# ----------------------------------------------------------------------------------------------------------
# indicator_trades

#: Indicator → (price unit, starting price, monthly drift, quantity range).  Cultivated indicators on the
#: Yunnan platform ran at 20–30 万元/亩, paddy 10–20 万元/亩, grain capacity 10–30 元/公斤.
_TRADE_DESIGN = {
    "cultivated": ("wan_per_mu", 21.5, 0.004, (200, 1500)),
    "paddy": ("wan_per_mu", 12.0, 0.005, (50, 600)),
    "grain": ("yuan_per_kg", 14.0, 0.006, (100_000, 1_500_000)),
}


def build_indicator_trades(rng: np.random.Generator) -> pd.DataFrame:
    """Monthly provincial-platform trades, 2022-01 to 2026-09, one trade per indicator per month.

    Parameters
    ----------
    rng
        The ``indicator_trades`` stream.

    Returns
    -------
    DataFrame
        ``trade_date`` (a weekday auction day), ``indicator``, ``unit_price`` in ``price_unit`` and
        ``quantity`` (亩 or 公斤).  Prices follow a drifting random walk within the plausible band, so the
        six-month mean used for pool pricing moves.
    """
    months = pd.date_range("2022-01-01", DATA_DATE, freq="MS")
    rows = []
    for indicator, (unit, price, drift, (qlo, qhi)) in _TRADE_DESIGN.items():
        lo, hi = {"cultivated": (20, 30), "paddy": (10, 20), "grain": (10, 30)}[indicator]
        for month in months:
            price = float(np.clip(price * (1 + drift + rng.normal(0, 0.025)), lo, hi))
            day = pd.Timestamp(np.busday_offset(np.datetime64(month.date()) + int(rng.integers(8, 20)), 0, roll="forward"))
            qty = float(rng.uniform(qlo, qhi))
            rows.append(
                {
                    "trade_date": day,
                    "indicator": indicator,
                    "unit_price": round(price, 2),
                    "price_unit": unit,
                    "quantity": round(qty, 0 if indicator == "grain" else 2),
                }
            )
    return pd.DataFrame(rows).sort_values(["trade_date", "indicator"]).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
# plan_quotas


def _stock_and_disposal(approvals, supplies, idle, code: str, year: int) -> tuple[float, float]:
    """批而未供 + 闲置 stock on 1 January of ``year`` and the area of it disposed during the year."""
    y0, y1 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    ap = approvals[(approvals["county_code"] == code) & (approvals["approval_date"] < y0)]
    sp = supplies[supplies["approval_id"].isin(ap["approval_id"])]
    unsupplied = ap["approved_area_mu"].sum() - sp.loc[sp["supply_date"] < y0, "area_mu"].sum()
    supplied_in_year = sp.loc[(sp["supply_date"] >= y0) & (sp["supply_date"] <= y1), "area_mu"].sum()
    cases = idle[idle["county_code"] == code]
    open_cases = cases[(cases["identified_date"] < y0) & ~(cases["disposal_date"] < y0)]
    disposed = open_cases.loc[(open_cases["disposal_date"] >= y0) & (open_cases["disposal_date"] <= y1), "area_mu"]
    return unsupplied + open_cases["area_mu"].sum(), supplied_in_year + disposed.sum()


def build_plan_quotas(
    approvals: pd.DataFrame, supplies: pd.DataFrame, idle: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Annual new-construction quota per county, 2022–2026.

    Parameters
    ----------
    approvals, supplies, idle
        The demo ledgers.  Quotas are sized to each county's yearly approvals; ``stock_disposed_mu`` is the
        批而未供 supplied plus 闲置 disposed during the year (2026: to the data date), and ``stock_task_mu`` a
        share of the stock on 1 January.
    rng
        The ``plan_quotas`` stream.

    Returns
    -------
    DataFrame
        In 2026 红塔, 江川, 澄江 and 通海 have used their whole quota; 通海, 华宁 and 元江 missed their 2025
        stock-disposal task.  So 红塔, 江川 and 澄江 may draw on the 20% pool (seed 003) and 通海 may not.
    """
    start = pd.Timestamp("2021-10-01")
    rows = []
    for code in COUNTY_CODES:
        recent = approvals[(approvals["county_code"] == code) & (approvals["approval_date"] >= start)]
        base = recent["approved_area_mu"].sum() / 5.0  # the window spans five years
        for year in range(2022, 2027):
            quota = float(np.round(base * rng.uniform(0.9, 1.25) / 50.0) * 50.0)
            if year < 2026:
                used = quota * float(rng.uniform(0.82, 1.0))
            elif code in _QUOTA_USED_UP:
                used = quota
            else:
                used = quota * float(rng.uniform(0.35, 0.8))  # nine months into the year
            stock, disposed = _stock_and_disposal(approvals, supplies, idle, code, year)
            if year == 2025:
                factor = rng.uniform(1.15, 1.5) if code in _STOCK_TASK_MISSED_2025 else rng.uniform(0.75, 0.97)
                task = round(disposed * factor, 2)
            else:
                task = round(stock * rng.uniform(0.15, 0.3), 2)
            scale = round(quota * float(rng.uniform(0.8, 1.5)), 2)
            # Remote counties (峨山, 元江, 华宁) use little of their boundary scale: the pool takes from them first.
            use_share = rng.uniform(0.2, 0.5) if code in ("530426", "530428", "530424") else rng.uniform(0.6, 1.0)
            rows.append(
                {
                    "county_code": code,
                    "year": year,
                    "quota_mu": quota,
                    "used_mu": round(used, 2),
                    "stock_task_mu": task,
                    "stock_disposed_mu": round(float(disposed), 2),
                    "ubg_scale_mu": scale,
                    "ubg_used_mu": round(scale * float(use_share), 2),
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# economy

#: County → (share of city GDP 2023, GDP growth premium over the city a year, share of construction land,
#: construction-land growth a year, 2019 population, urbanisation, urban-industrial land per urban resident m²).
#: Per-capita values above 125 m² (Jiangsu's cap, seed 001) in 江川, 华宁, 易门, 新平, 元江.  Slow GDP or fast
#: land growth makes the yearly fall of land per GDP miss Hefei's 5% (seed 002) in 华宁, 峨山, 新平 and 元江.
_ECONOMY_DESIGN = {
    "530402": (0.380, 0.008, 0.16, 0.004, 520_000, 0.80, 112),
    "530403": (0.070, 0.010, 0.09, 0.008, 282_000, 0.46, 128),
    "530423": (0.090, 0.006, 0.10, 0.007, 302_000, 0.48, 119),
    "530424": (0.055, -0.012, 0.08, 0.008, 212_000, 0.42, 131),
    "530425": (0.070, 0.004, 0.09, 0.009, 176_000, 0.50, 136),
    "530426": (0.070, -0.004, 0.09, 0.016, 162_000, 0.44, 124),
    "530427": (0.140, 0.000, 0.16, 0.022, 272_000, 0.40, 138),
    "530428": (0.050, -0.006, 0.11, 0.024, 202_000, 0.38, 127),
    "530481": (0.075, 0.014, 0.12, 0.006, 172_000, 0.56, 118),
}
#: Nominal city GDP growth by year (2020 dip); Yuxi 2023 GDP ≈ 2500亿元.
_GDP_GROWTH = {2020: 0.035, 2021: 0.085, 2022: 0.055, 2023: 0.062, 2024: 0.058, 2025: 0.056}


def build_economy(supplies: pd.DataFrame, approvals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """County economy and construction land, 2019–2025.

    Parameters
    ----------
    supplies, approvals
        Supplies of approvals at least two years old count as 存量 (stock) supply, newer ones as 增量.
    rng
        The ``economy`` stream.

    Returns
    -------
    DataFrame
        City GDP ≈ 2.5e7 万元 in 2023 (红塔 largest), population ≈ 2.25 million, 地均GDP rising,
        单位GDP建设用地 falling about 1–7% a year.  ``total_supply_mu`` is never below the supplies ledger of
        the county-year; the rest is land supplied outside the demo ledgers (older approvals, 收回、盘活), sized
        so the stock share lies between 30% and 70%.
    """
    approved_on = supplies["approval_id"].map(approvals.set_index("approval_id")["approval_date"])
    age_years = (supplies["supply_date"] - approved_on).dt.days / 365.25
    city_gdp_2023 = 2.5e7
    city_land_2019 = 1.15e6
    rows = []
    for code in COUNTY_CODES:
        gdp_share, premium, land_share, land_growth, pop0, urban0, per_capita = _ECONOMY_DESIGN[code]
        gdp = {2023: city_gdp_2023 * gdp_share * float(rng.uniform(0.98, 1.02))}
        for year in (2022, 2021, 2020, 2019):
            gdp[year] = gdp[year + 1] / (1 + _GDP_GROWTH[year + 1] + premium + rng.normal(0, 0.005))
        for year in (2024, 2025):
            gdp[year] = gdp[year - 1] * (1 + _GDP_GROWTH[year] + premium + rng.normal(0, 0.005))
        land = city_land_2019 * land_share * float(rng.uniform(0.97, 1.03))
        pop = pop0 * float(rng.uniform(0.975, 0.985))
        urban = urban0
        for year in range(2019, 2026):
            if year > 2019:
                land *= 1 + land_growth * float(rng.uniform(0.8, 1.2))
                pop *= 1 + float(rng.normal(-0.001, 0.002))
                urban = min(urban + 0.008, 0.9)
            urban_pop = round(pop * urban)
            in_year = (supplies["county_code"] == code) & (supplies["supply_date"].dt.year == year)
            stock_ledger = float(supplies.loc[in_year & (age_years >= 2), "area_mu"].sum())
            new_ledger = float(supplies.loc[in_year & (age_years < 2), "area_mu"].sum())
            new = max(new_ledger, 11000.0 * land_share * float(rng.uniform(0.8, 1.2)))
            share = float(rng.uniform(0.35, 0.65))
            stock = max(stock_ledger, new * share / (1 - share))
            new = max(new, stock * 0.35 / 0.65)  # keep the stock share at or below 65%
            rows.append(
                {
                    "county_code": code,
                    "year": year,
                    "gdp_wan": round(gdp[year], 1),
                    "construction_land_mu": round(land, 2),
                    "population": round(pop),
                    "urban_population": urban_pop,
                    "urban_industrial_land_m2": round(urban_pop * per_capita * float(rng.uniform(0.99, 1.01)), 0),
                    "stock_supply_mu": round(stock, 2),
                    "total_supply_mu": round(stock + new, 2),
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# projects

#: (name, county, level, industry).
_PROJECTS = [
    ("玉溪机场高速公路", "530402", "provincial", "交通"),
    ("北城至研和高速公路（北研高速）", "530402", "provincial", "交通"),
    ("易门至晋宁高速公路（易晋高速）", "530425", "provincial", "交通"),
    ("易门至新平高速公路（易新高速）", "530427", "provincial", "交通"),
    ("通海至石屏高速公路（通石高速）", "530423", "provincial", "交通"),
    ("大红山至化念铁路专用线（大化铁路专用线）", "530426", "provincial", "交通"),
    ("滇中引水二期工程玉溪段", "530403", "national", "水利"),
    ("滇中引水二期工程红塔配套", "530402", "national", "水利"),
    ("峨山县塔甸水库工程", "530426", "provincial", "水利"),
    ("元江县那诺水库工程", "530428", "prefecture", "水利"),
    ("华宁县盘溪灌区续建配套", "530424", "prefecture", "水利"),
    ("新平县者竜集中式光伏电站", "530427", "provincial", "能源"),
    ("峨山县塔甸光伏发电项目", "530426", "provincial", "能源"),
    ("元江县曼来光伏发电项目", "530428", "provincial", "能源"),
    ("华宁县通红甸光伏发电项目", "530424", "provincial", "能源"),
    ("易门县铜厂风电场", "530425", "prefecture", "能源"),
    ("玉溪500千伏输变电工程扩建", "530403", "national", "能源"),
    ("玉溪高新区生物医药产业园", "530402", "provincial", "工业"),
    ("新平绿色钢城产业园配套", "530427", "provincial", "工业"),
    ("易门有色金属精深加工产业园", "530425", "prefecture", "工业"),
    ("通海五金机械产业园二期", "530423", "prefecture", "工业"),
    ("澄江磷化工转型升级产业园", "530481", "provincial", "工业"),
    ("江川新能源电池材料项目", "530403", "provincial", "工业"),
    ("华宁柑橘精深加工产业园", "530424", "county", "工业"),
    ("元江芒果冷链物流园", "530428", "county", "物流"),
    ("玉溪科教创新城二期", "530402", "prefecture", "社会民生"),
    ("玉溪市第一人民医院新院区二期", "530402", "prefecture", "社会民生"),
    ("江川区第一中学迁建工程", "530403", "county", "社会民生"),
    ("通海县人民医院改扩建", "530423", "county", "社会民生"),
    ("华宁县城保障性租赁住房", "530424", "county", "社会民生"),
    ("澄江市抚仙湖环湖棚户区改造", "530481", "provincial", "社会民生"),
    ("抚仙湖流域生态修复工程", "530481", "national", "生态"),
    ("星云湖退田还湖生态修复", "530403", "provincial", "生态"),
    ("峨山县城污水处理厂扩建", "530426", "county", "社会民生"),
    ("新平县漠沙镇易地搬迁安置点", "530427", "county", "社会民生"),
    ("元江县城市更新片区改造", "530428", "county", "社会民生"),
    ("易门县工业园区标准厂房", "530425", "county", "工业"),
    ("通海杞麓湖生态保护治理", "530423", "provincial", "生态"),
    ("澄江市文旅康养综合体", "530481", "prefecture", "文旅"),
    ("红塔区大营街城市更新", "530402", "county", "社会民生"),
]

#: Blocking issue → responsible department.
_ISSUES = [
    ("涉及永久基本农田，需调整选址或补划", "自然资源局"),
    ("涉及生态保护红线，需开展不可避让论证", "自然资源局"),
    ("占用耕地补充指标缺口，水田规模不足", "自然资源局"),
    ("使用林地定额不足", "林草局"),
    ("涉及公益林调整，需林草部门审核", "林草局"),
    ("环境影响评价未批复", "生态环境局"),
    ("项目未列入国土空间规划重点项目清单", "自然资源局"),
    ("征地补偿安置方案未达成一致", "县（区）人民政府"),
    ("压覆矿产资源评估未完成", "自然资源局"),
    ("可行性研究报告未批复，用地规模待核定", "发改委"),
    ("水土保持方案未批复", "水利局"),
    ("节地评价未通过，需优化用地规模", "自然资源局"),
]

_STAGES = ["site", "pre_review", "approval", "supply", "started"]


def _working_days_after(date: pd.Timestamp, days: int) -> pd.Timestamp:
    """The ``days``-th Chinese working day after ``date``, the submission day not counted (as the law counts
    periods; :func:`dashboard.workdays.add_working_days`), so a weekend submission's first day is Monday."""
    from dashboard.workdays import add_working_days

    return pd.Timestamp(add_working_days(date.date(), days))


def build_projects(rng: np.random.Generator) -> pd.DataFrame:
    """Key-project land list: 40 projects over every stage and level, with blocking issues and due dates.

    Parameters
    ----------
    rng
        The ``projects`` stream.

    Returns
    -------
    DataFrame
        Lists are collected each March and June (seed 003), so ``submitted_date`` falls in those months;
        ``due_date`` is ``consultation_working_days`` (10) working days later, the submission day not counted
        (DOMAIN §6 site-consultation limit; :func:`dashboard.workdays.add_working_days`, Chinese public holidays
        and make-up working days from ``chinese_calendar``), exactly as the ``project_tracking`` indicator
        computes it.  Unresolved issues due before the data date are
        overdue; projects without an issue have no due date.
    """
    from dashboard.policy import load_profile

    reply_days = int(load_profile()["consultation_working_days"])
    n = len(_PROJECTS)
    stages = np.array(_STAGES * (n // len(_STAGES) + 1))[:n]
    stages = rng.permutation(stages)
    rows = []
    submit_windows = [("2025-03-01", "2025-03-31"), ("2025-06-01", "2025-06-30"),
                      ("2026-03-01", "2026-03-31"), ("2026-06-01", "2026-06-30"), ("2026-09-10", "2026-09-28")]
    for i, ((name, code, level, industry), stage) in enumerate(zip(_PROJECTS, stages)):
        area = round(float(rng.lognormal(np.log(600 if industry in ("交通", "水利", "能源") else 200), 0.7)), 2)
        cultivated = round(area * float(rng.uniform(0.05, 0.45)), 2)
        stage_date = _random_date(rng, "2024-06-01", "2026-09-20")
        has_issue = stage != "started" or rng.random() < 0.3
        if has_issue:
            issue, department = _ISSUES[int(rng.integers(len(_ISSUES)))]
            window = submit_windows[int(rng.integers(len(submit_windows)))]
            submitted = _random_date(rng, *window)
            due = _working_days_after(submitted, reply_days)
            if stage == "started":
                status = "resolved"  # a project under way has had its land issue settled
            elif submitted.year == 2025:
                status = str(rng.choice(["resolved", "resolved", "consulting"]))  # last year's lists mostly closed
            elif due < _DATA_DATE:
                status = str(rng.choice(["collected", "consulting", "resolved"]))
            else:
                status = "collected"
        else:
            issue, department, status = "", "自然资源局", None
            submitted = stage_date - pd.Timedelta(days=int(rng.integers(30, 200)))
            due = pd.NaT  # nothing to answer
        rows.append(
            {
                "project_id": f"ZD{code}{i + 1:03d}",
                "name": name,
                "county_code": code,
                "level": level,
                "industry": industry,
                "stage": stage,
                "stage_date": stage_date,
                "area_mu": area,
                "cultivated_mu": cultivated,
                "issue": issue,
                "issue_status": status,
                "department": department,
                "submitted_date": submitted,
                "due_date": due,
            }
        )
    return pd.DataFrame(rows)


#: Industries whose land is approved site by site (单独选址) rather than in an urban batch.
_SINGLE_SITE_INDUSTRIES = {"交通", "水利", "能源"}
#: Stages at which a project has its land approved and so carries a 批准文号.
_APPROVED_STAGES = ("approval", "supply", "started")
#: Recent ledger entries (outside every published filter) that may be renamed after a listed project.
_LEDGER_LINK_FROM = pd.Timestamp("2023-01-01")


def link_projects(projects: pd.DataFrame, approvals: pd.DataFrame, supplies: pd.DataFrame, idle: pd.DataFrame,
                  ledger: pd.DataFrame, marker: str, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give projects at the approval, supply and started stages a 批准文号 of their county, and name some recent
    arable-ledger occupations after them, so the chain 项目 → 批 → 供 → 用 → 耕地指标 → 闲置 has records.

    * ``approval``-stage projects take one of the county's three approvals with the largest unsupplied share
      (approved, not yet supplied), among those dated on or after the stage date where there are any;
      ``supply`` and ``started`` projects one of the three latest approvals with supplies, of the approval kind
      their industry uses (单独选址 for transport, water and energy, batches otherwise) and dated on or before
      the stage date, each where the county has one; a ``supply``-stage project (land supplied, works not
      started: the idle-land risk) first takes an approval whose supplies carry an idle case where there is one.
      No approval serves two projects.
    * Each linked project occupying cultivated land gets the county's unclaimed key-project occupation entry
      (``kind == "occupied"``, name containing ``marker``) from 2023 on that lies closest to its approval date,
      renamed to the project's name.  Amounts and dates stay: every published 2019–2022 figure is unchanged.

    Parameters
    ----------
    projects, approvals, supplies, idle, ledger
        The built ``projects``, ``approvals``, ``supplies``, ``idle_land`` and ``arable_ledger`` frames.
    marker
        The key-project marker of ledger names (``（重点项目）``'s text).
    rng
        The ``project_links`` stream.

    Returns
    -------
    tuple of DataFrame
        ``projects`` with an ``approval_id`` column (empty before the approval stage) and the ledger.
    """
    projects = projects.copy()
    ledger = ledger.copy()
    supplied = supplies.groupby("approval_id")["area_mu"].sum()
    ap = approvals.assign(supplied_mu=approvals["approval_id"].map(supplied).fillna(0.0))
    ap["unsupplied_share"] = 1.0 - ap["supplied_mu"] / ap["approved_area_mu"]
    ap["idle"] = ap["approval_id"].isin(supplies.loc[supplies["supply_id"].isin(idle["supply_id"]), "approval_id"])
    used: set[str] = set()
    claimed: set[int] = set()
    links: list[str | None] = []
    for row in projects.itertuples(index=False):
        if row.stage not in _APPROVED_STAGES:
            links.append(None)
            continue
        cands = ap[(ap["county_code"] == row.county_code) & ~ap["approval_id"].isin(used)]
        if row.stage == "approval":
            after = cands[cands["approval_date"] >= row.stage_date]
            cands = after if len(after) else cands
            cands = cands.sort_values(["unsupplied_share", "approval_id"], ascending=[False, True]).head(3)
        else:
            cands = cands[cands["supplied_mu"] > 0]
            kind = "single_site" if row.industry in _SINGLE_SITE_INDUSTRIES else "batch"
            rules = [lambda f, kind=kind: f["kind"] == kind,
                     lambda f, day=row.stage_date: f["approval_date"] <= day]
            if row.stage == "supply":
                rules.insert(0, lambda f: f["idle"])
            for keep in rules:
                narrower = cands[keep(cands)]
                cands = narrower if len(narrower) else cands
            cands = cands.sort_values(["approval_date", "approval_id"], ascending=[False, True]).head(3)
        if cands.empty:
            links.append(None)
            continue
        chosen = cands.iloc[int(rng.integers(len(cands)))]
        used.add(chosen["approval_id"])
        links.append(chosen["approval_id"])
        if row.cultivated_mu <= 0:
            continue
        pool = ledger[(ledger["kind"] == "occupied") & (ledger["county_code"] == row.county_code)
                      & (ledger["date"] >= _LEDGER_LINK_FROM) & ledger["project_name"].str.contains(marker, regex=False)
                      & ~ledger.index.isin(list(claimed))]
        if pool.empty:
            continue
        gap = (pool["date"] - chosen["approval_date"]).abs()
        entry = gap.sort_values(kind="stable").index[0]
        claimed.add(entry)
        ledger.loc[entry, "project_name"] = row.name
    projects["approval_id"] = links
    return projects, ledger


# ----------------------------------------------------------------------------------------------------------
# park parcels ↔ supplies (供地编号 on the park-parcel ledger)

#: A park parcel links to a supply recorded at most this many days from the parcel's own supply date (the two
#: ledgers date one 供地 by contract and by registration).  Parcels supplied long before the supply ledger starts
#: (most producing plants date from 2006–2015) have no record within it and keep no supply id.
PARCEL_LINK_DAYS = 365
#: At most this many parcels share one supply (a 供地 split into a few 宗地).
PARCELS_PER_SUPPLY = 4
#: Supply land uses an enterprise parcel may sit on, preferred first (industrial land).
_PARCEL_SUPPLY_USES = ("工业用地", "仓储用地")


def link_park_parcels(park_parcels: gpd.GeoDataFrame, supplies: pd.DataFrame, approvals: pd.DataFrame,
                      idle: pd.DataFrame, park_county: dict[str, str],
                      rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Give park parcels the ``supply_id`` (供地编号) of the demo supply that created them, so the chain
    批 → 供 → 用 reaches the enterprise and its grade.

    * An idle case that names both a parcel and a supply fixes that pair first.
    * Then each parcel (its latest year; both years carry the same id) takes a supply of its park's county with
      an industrial land use, approved on or before the parcel's supply date and recorded within
      :data:`PARCEL_LINK_DAYS` of it, with room for the parcel: the parcels on one supply number at most
      :data:`PARCELS_PER_SUPPLY` and their areas add up to no more than the supply's area less the idle cases
      recorded on the supply alone (that land is idle, not an enterprise's).  Among those the supply whose
      remaining room is closest to the parcel's area and whose date is closest wins.  Parcels named by an idle
      case go first, then the rest, each group in an order drawn from ``rng``.
    * A parcel with no such supply keeps an empty ``supply_id``.

    Only the new column is added: no other value of any dataset changes.

    Parameters
    ----------
    park_parcels, supplies, approvals, idle
        The built ``park_parcels``, ``supplies``, ``approvals`` and ``idle_land`` frames.
    park_county
        Park id → county code.
    rng
        The ``parcel_links`` stream.

    Returns
    -------
    GeoDataFrame
        ``park_parcels`` with a ``supply_id`` column.
    """
    parcels = park_parcels.copy()
    latest = parcels.sort_values("year", kind="stable").drop_duplicates("parcel_id", keep="last")
    latest = pd.DataFrame(latest.drop(columns="geometry")).assign(county_code=latest["park_id"].map(park_county))
    latest = latest.set_index("parcel_id")
    sup = supplies.merge(approvals[["approval_id", "approval_date"]], on="approval_id", how="left")
    on_supply_only = idle[idle["parcel_id"].isna()].groupby("supply_id")["area_mu"].sum()
    sup["room"] = (sup["area_mu"] - sup["supply_id"].map(on_supply_only).fillna(0.0)).round(2)
    sup["parcels"] = 0
    sup = sup.set_index("supply_id")
    links: dict[str, str] = {}

    def take(parcel_id: str, supply_id: str) -> None:
        links[parcel_id] = supply_id
        sup.loc[supply_id, "room"] = round(sup.loc[supply_id, "room"] - latest.loc[parcel_id, "area_mu"], 2)
        sup.loc[supply_id, "parcels"] += 1

    for case in idle.dropna(subset=["parcel_id", "supply_id"]).itertuples(index=False):
        if (case.parcel_id in latest.index and case.supply_id in sup.index and case.parcel_id not in links
                and sup.loc[case.supply_id, "county_code"] == latest.loc[case.parcel_id, "county_code"]):
            take(case.parcel_id, case.supply_id)

    named = set(idle["parcel_id"].dropna())
    todo = latest[latest["supply_date"].notna() & ~latest.index.isin(list(links))]
    todo = todo.assign(_named=~todo.index.isin(list(named)), _draw=rng.random(len(todo)))
    use_rank = {use: i for i, use in enumerate(_PARCEL_SUPPLY_USES)}
    for parcel_id, p in todo.sort_values(["_named", "_draw"]).iterrows():
        gap = (sup["supply_date"] - p["supply_date"]).abs().dt.days
        fits = ((sup["county_code"] == p["county_code"]) & sup["land_use"].isin(use_rank)
                & (sup["approval_date"] <= p["supply_date"]) & (gap <= PARCEL_LINK_DAYS)
                & (sup["room"] >= p["area_mu"]) & (sup["parcels"] < PARCELS_PER_SUPPLY))
        cands = sup[fits]
        if cands.empty:
            continue
        score = (cands["land_use"].map(use_rank) + (cands["room"] - p["area_mu"]) / cands["room"]
                 + gap[fits] / PARCEL_LINK_DAYS)
        take(parcel_id, score.sort_values(kind="stable").index[0])
    parcels["supply_id"] = parcels["parcel_id"].map(links)
    return parcels
