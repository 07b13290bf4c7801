"""Benchmark the land-use tile pipeline at province scale: per-county tilesets for millions of parcels, and the
incremental rebuild after one county changes.

Run: ``python scripts/bench_tiles.py --parcels 5000000 [--work DIR] [--keep] [--no-pmtiles] [--json]``.

1. **Generate** a synthetic land-use layer county by county (only one county in memory at a time): the demo
   layer's parcels of each county are cut into pieces (:func:`dashboard.bench_maps.make_landuse`, seeded) so that
   the counties keep their share of the demo's parcels, and each county is written as one GeoParquet file under
   ``<work>/layer/``.
2. **Build** the tiles with :func:`dashboard.tiles.build_landuse_tiles_by_county` (one tileset per county, the
   city-wide parcel zoom from the whole layer's count and bounds), reading one county file at a time, with a
   progress line per county.
3. **Join** the county tilesets into one PMTiles archive (:func:`dashboard.tiles.join_pmtiles`, what a tile server
   serves) unless ``--no-pmtiles``.
4. **Change one county** (one parcel of the smallest county changes class), **rebuild** under a new layer key and
   report the time and which counties were cut again.

Reports per-county and total times, peak RSS of this process and of the largest tippecanoe run, tile count, total
and largest tile bytes, the archive size and the rebuild.  Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geopandas as gpd

from dashboard import tiles
from dashboard.bench_maps import SEED, load_demo_landuse, make_landuse


def _own_peak_rss_mb() -> float:
    """Peak resident set size (MB) of this process."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildPeak(threading.Thread):
    """Samples the peak RSS (``VmHWM``) of this process's children (the tippecanoe runs) every half second.

    ``RUSAGE_CHILDREN`` is no use here: a child's peak counts the Python parent's pages it had before ``exec``.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.5):
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != me:
                        continue
                    status = (stat.parent / "status").read_text()
                except (OSError, ValueError, IndexError):
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))


def generate(n: int, folder: Path, seed: int = SEED) -> dict[str, dict]:
    """Write a layer of about ``n`` parcels as one GeoParquet per county; returns per county its file, parcel
    count, bounds and generation seconds."""
    demo = load_demo_landuse()
    counts = demo["county_code"].value_counts().sort_index()
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for county, demo_count in counts.items():
        want = max(1, round(n * demo_count / len(demo)))
        started = time.perf_counter()
        source = demo[demo["county_code"] == county]
        parcels = make_landuse(want, source=source, seed=seed)
        path = folder / f"{county}.parquet"
        parcels.to_parquet(path)
        out[str(county)] = {"path": str(path), "parcels": len(parcels),
                            "bounds": [float(v) for v in parcels.total_bounds],
                            "seconds": round(time.perf_counter() - started, 1)}
        print(f"  generated {county}: {len(parcels):>9,} parcels in {out[str(county)]['seconds']:6.1f} s",
              file=sys.stderr, flush=True)
        del parcels, source
    return out


def build(counties: dict[str, dict], key: str, root: Path) -> tuple[tiles.LayerTiles, dict[str, float], float]:
    """Build (or reuse) the county tilesets; returns them, seconds per county and the total seconds."""
    bounds = [c["bounds"] for c in counties.values()]
    layer_bounds = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds),
                    max(b[3] for b in bounds))
    total = sum(c["parcels"] for c in counties.values())
    zoom = tiles.parcel_min_zoom(layer_bounds, total)
    starts: dict[str, float] = {}
    shown = {"county": None, "pct": -20}

    def load(county: str) -> gpd.GeoDataFrame:
        starts[county] = time.perf_counter()
        return gpd.read_parquet(counties[county]["path"])

    def progress(step: tiles.BuildProgress) -> None:
        pct = int(step.fraction * 100)
        if step.county != shown["county"] or pct >= shown["pct"] + 20:
            shown.update(county=step.county, pct=pct)
            state = "reused" if step.reused else "cutting"
            print(f"  [{step.index}/{step.total}] {step.county} {state:8s} {pct:3d}% of the layer",
                  file=sys.stderr, flush=True)

    started = time.perf_counter()
    layer = tiles.build_landuse_tiles_by_county({c: v["parcels"] for c, v in counties.items()}, load, key=key,
                                                parcel_zoom=zoom, root=root, progress=progress)
    ended = time.perf_counter()
    order = list(starts)
    seconds = {c: round((starts[order[i + 1]] if i + 1 < len(order) else ended) - starts[c], 1)
               for i, c in enumerate(order)}
    return layer, seconds, round(ended - started, 1)


def tile_stats(layer: tiles.LayerTiles) -> dict:
    """Tile count (with and without the empty filler tiles), total and largest tile bytes over the county folders."""
    sizes = [p.stat().st_size for t in layer.tilesets for p in t.folder.glob("*/*/*.pbf")]
    return {"tiles": sum(1 for size in sizes if size), "empty_tiles": sum(1 for size in sizes if not size),
            "tile_bytes": sum(sizes), "largest_tile_bytes": max(sizes, default=0)}


def change_one_county(counties: dict[str, dict]) -> str:
    """Give one parcel of the smallest county another class, in place; returns the county."""
    county = min(counties, key=lambda c: counties[c]["parcels"])
    path = counties[county]["path"]
    frame = gpd.read_parquet(path)
    row = frame.index[0]
    frame.loc[row, ["dlbm", "dlmc"]] = ("0301", "乔木林地") if frame.loc[row, "dlbm"] != "0301" else ("0101", "水田")
    frame.to_parquet(path)
    return county


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (or ``--json``) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=1_000_000, help="parcels in the layer (default 1,000,000)")
    parser.add_argument("--work", help="work folder (default: a temporary folder, removed unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the generated layer and tiles")
    parser.add_argument("--no-pmtiles", action="store_true", help="skip joining the tiles into a PMTiles archive")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-tiles-"))
    root = work / "tiles"
    result: dict = {"parcels_asked": args.parcels, "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_start": os.getloadavg()}
    children = ChildPeak()
    children.start()
    try:
        print(f"generating {args.parcels:,} parcels county by county into {work / 'layer'}", file=sys.stderr)
        started = time.perf_counter()
        counties = generate(args.parcels, work / "layer")
        result["generate_s"] = round(time.perf_counter() - started, 1)
        result["parcels"] = sum(c["parcels"] for c in counties.values())

        print("building county tilesets", file=sys.stderr)
        layer, per_county, total = build(counties, "bench-v1", root)
        result.update(build_s=total, parcel_zoom=layer.parcel_zoom, counties=len(layer.tilesets),
                      rebuilt=len(layer.rebuilt), **tile_stats(layer))
        result["per_county"] = {c: {"parcels": counties[c]["parcels"], "generate_s": counties[c]["seconds"],
                                    "build_s": per_county[c]} for c in counties}
        if not args.no_pmtiles:
            started = time.perf_counter()
            archive = tiles.join_pmtiles(layer, work / "landuse.pmtiles")
            result.update(pmtiles_s=round(time.perf_counter() - started, 1), pmtiles_bytes=archive.stat().st_size)

        county = change_one_county(counties)
        print(f"one parcel of {county} changed: rebuilding", file=sys.stderr)
        layer2, per_county2, total2 = build(counties, "bench-v2", root)
        result.update(changed_county=county, rebuild_s=total2, rebuilt_counties=list(layer2.rebuilt),
                      rebuild_changed_county_s=per_county2[county])
        children.done.set()
        result.update(peak_rss_mb=round(_own_peak_rss_mb()), peak_tippecanoe_rss_mb=round(children.peak_kb / 1024),
                      load_end=os.getloadavg())
    finally:
        children.done.set()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"\n{result['parcels']:,} parcels in {result['counties']} counties, parcel zoom {result['parcel_zoom']}; "
          f"{result['cpus']} CPUs; load {result['load_start'][0]:.2f} → {result['load_end'][0]:.2f}")
    print(f"{'county':>8} {'parcels':>10} {'generate s':>11} {'build s':>8}")
    for code, row in result["per_county"].items():
        print(f"{code:>8} {row['parcels']:>10,} {row['generate_s']:>11.1f} {row['build_s']:>8.1f}")
    print(f"generate {result['generate_s']:.1f} s; build {result['build_s']:.1f} s "
          f"({result['build_s'] / result['parcels'] * 1e6:.0f} s per million parcels)")
    print(f"tiles {result['tiles']:,} (+ {result['empty_tiles']:,} empty fillers), {result['tile_bytes'] / 1e6:,.1f} MB, "
          f"largest {result['largest_tile_bytes']:,} B")
    if "pmtiles_s" in result:
        print(f"PMTiles archive {result['pmtiles_bytes'] / 1e6:,.1f} MB in {result['pmtiles_s']:.1f} s")
    print(f"peak RSS {result['peak_rss_mb']:,} MB (this process), {result['peak_tippecanoe_rss_mb']:,} MB "
          "(largest tippecanoe run)")
    print(f"rebuild after one parcel of {result['changed_county']} changed: {result['rebuild_s']:.1f} s, "
          f"counties cut again: {', '.join(result['rebuilt_counties']) or 'none'} "
          f"({result['rebuild_changed_county_s']:.1f} s of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
