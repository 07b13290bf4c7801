"""Benchmark the site pre-check: a 1,000亩 site against the demo layers and against a 500,000-parcel land-use layer.

Run: ``PYTHONPATH=. python scripts/bench_site_check.py [--parcels 500000] [--repeat 5]``.

The site is a square of 1,000 亩 (666,667 m², ~816.5 m a side, drawn in the county's Gauss-Krüger zone) centred on
the demo's 红塔区 (the densest county), industrial, provincial level.  For each land-use layer — the demo's 55,126
parcels and a generated layer of ``--parcels`` (:func:`dashboard.bench_maps.make_landuse`, seeded) — the script
times :func:`dashboard.site_check.check_site` with every other layer and indicator from the demo (the engine's
tables computed once beforehand, as the page caches them), median of ``--repeat`` runs after one warm-up run that
also builds the spatial index (reported apart: the page builds it once per land-use version).  Prints the machine,
the times and the target (< 2 s for the large layer).  Timings are never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geopandas as gpd
import shapely

from dashboard import bench_maps
from dashboard import site_check as sc
from dashboard.bench import machine
from dashboard.demo import DEMO_DIR
from dashboard.engine import Engine
from dashboard.geo import WGS84, gauss_kruger_crs
from dashboard.indicators import Context, compute
from dashboard.indicators.common import M2_PER_MU
from dashboard.io import read_dataset
from dashboard.policy import load_profile
from dashboard.views.arable import simulator_prices

AS_OF = date(2026, 9, 30)
COUNTY = "530402"
SITE_MU = 1_000.0
TARGET_S = 2.0
POOL_PROFILE = "qiannan"


def site(regions: gpd.GeoDataFrame) -> sc.Footprint:
    """A 1,000亩 square at the centre of the county, as a lon-lat footprint."""
    county = regions[regions["code"].astype(str) == COUNTY].geometry.iloc[0]
    centre = county.representative_point()
    crs = gauss_kruger_crs(centre.x)
    x, y = gpd.GeoSeries([centre], crs=WGS84).to_crs(crs).iloc[0].coords[0]
    half = (SITE_MU * M2_PER_MU) ** 0.5 / 2
    square = shapely.box(x - half, y - half, x + half, y + half)
    return sc.Footprint(gpd.GeoSeries([square], crs=crs).to_crs(WGS84).iloc[0], "upload", "bench", crs)


def layers(landuse: gpd.GeoDataFrame) -> sc.SiteLayers:
    engine = Engine.from_dir(DEMO_DIR)
    ctx = Context(engine=engine, profile=load_profile(), as_of=AS_OF)
    pool_ctx = Context(engine=engine, profile=load_profile(POOL_PROFILE), as_of=AS_OF)
    return sc.SiteLayers(
        control_lines=read_dataset("control_lines", DEMO_DIR / "control_lines.parquet"),
        landuse=landuse,
        balance=compute("arable_balance", ctx),
        parks=read_dataset("parks", DEMO_DIR / "parks.parquet"),
        approvals=read_dataset("approvals", DEMO_DIR / "approvals.parquet"),
        unsupplied=compute("unsupplied_approvals", ctx),
        idle_land=read_dataset("idle_land", DEMO_DIR / "idle_land.parquet"),
        idle_cases=compute("idle_cases", ctx),
        pool_ledger=compute("pool_ledger", pool_ctx),
        pool_prices=simulator_prices(read_dataset("indicator_trades", DEMO_DIR / "indicator_trades.parquet"), AS_OF,
                                     load_profile(POOL_PROFILE)),
        quotas=read_dataset("plan_quotas", DEMO_DIR / "plan_quotas.parquet"),
    )


def time_check(footprint, site_layers, repeat: int) -> tuple[float, float, sc.SiteCheck]:
    project = sc.Project("基准测试项目", COUNTY, True, "provincial", AS_OF)
    profile, pool = load_profile(), load_profile(POOL_PROFILE)
    start = time.perf_counter()
    result = sc.check_site(footprint, project, site_layers, profile, pool)  # builds the spatial index
    first = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = sc.check_site(footprint, project, site_layers, profile, pool)
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"site pre-check benchmark — {machine()}")
    regions = read_dataset("regions", DEMO_DIR / "regions.parquet")
    demo = read_dataset("landuse", DEMO_DIR / "landuse.parquet")
    footprint = site(regions)
    print(f"site: {SITE_MU:,.0f} 亩 square in {COUNTY}, industrial; other layers and indicators from the demo data")
    rows = []
    for label, frame in (("demo", demo), (f"{args.parcels:,}", None)):
        if frame is None:
            start = time.perf_counter()
            frame = bench_maps.make_landuse(args.parcels, demo, seed=20261122)
            print(f"generated {len(frame):,} parcels in {time.perf_counter() - start:.1f} s")
        first, median, result = time_check(footprint, layers(frame), args.repeat)
        rows.append((label, len(frame), first, median, len(result.classes)))
    print(f"\n{'layer':>10} {'parcels':>10} {'first run s':>12} {'median s':>9} {'classes hit':>12}")
    for label, n, first, median, classes in rows:
        print(f"{label:>10} {n:>10,} {first:>12.3f} {median:>9.3f} {classes:>12}")
    large = rows[-1][3]
    print(f"\ntarget (issue #7): < {TARGET_S:g} s against the large layer: {large:.3f} s → "
          f"{'met' if large < TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
