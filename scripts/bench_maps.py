"""Benchmark the land-use map in headless Chromium: the project's vector-tile path against a naive inline layer.

The work is done by :mod:`dashboard.bench_browser` (also run by ``python -m dashboard bench --only maps``).

Run: ``python scripts/bench_maps.py [--sizes 1000,55126,100000,500000] [--naive-max 100000] [--repeat 3] [--json]``.

For each layer size (generated from the demo layer by :mod:`dashboard.bench_maps`, seeded: sampled below the demo's
55,126 parcels, cut into pieces above) the script builds the vector tiles (:mod:`dashboard.tiles`; offline work,
reported but not part of first paint) and then, for each path —

* ``project``: the 土地利用 page's map: county fills, the parcels as an ``MVTLayer`` over the tiles, outlines;
* ``inline``: every parcel in one pydeck ``PolygonLayer``, pydeck's default JSON (only up to ``--naive-max``
  parcels: 500k inline takes minutes) —

starts a minimal Streamlit app in a temporary folder (its own ``app.py``, ``static/`` with the tiles and the vendored
MVT worker, ``.streamlit/config.toml`` with static serving on and nothing fetched from the internet) on a free
loopback port, loads it once to warm the server (data cached with ``st.cache_resource``, as the app does), then
opens it ``--repeat`` times in a fresh headless Chromium context each and measures

* **first paint**: seconds from navigation until the map's canvas shows the complete city view — parcel colours
  (pixels with clear colour, unlike the white page and the grey county fills and outlines) that then stay
  unchanged for ``STABLE_S`` seconds with no tile in flight; the time is that of the first probe of the final
  picture.  The canvas is probed in the page every ``POLL_S`` (WebGL canvases are created with
  ``preserveDrawingBuffer`` by an init script so they can be read; screenshots of a software-rendered WebGL page
  take seconds each);
* **bytes received**: HTTP responses as transferred (headers and bodies, from the page's resource timing, which
  also sees the MVT worker's script) plus websocket frames received (Chromium's network events); *map MB* counts
  only the map's share — websocket frames (the deck JSON travels there), tiles and the MVT worker — and *total
  MB* adds Streamlit's front end (the same for every app, cached by the browser after the first visit).

Every request is routed: loopback ones go through, others are aborted and counted (``offsite``).  Prints the
machine, the data and tile builds, a table of medians with ratios to the 1k project path and inline ÷ project,
and the two targets (500k first paint ≤ 1.5× the 1k one; ≤ 2 MB of map data for the city view).  Timings are
never asserted; nothing is extrapolated: sizes above ``--naive-max`` show "skipped" for the inline path.

Chromium is Debian's (``/usr/bin/chromium``, ``CHROMIUM_PATH`` overrides it); ``playwright install`` is never used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard import bench_maps
from dashboard.bench_browser import DEFAULT_SIZES, parse_sizes, report, run_map_benchmark
from dashboard.headless import CHROMIUM


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run every size and path, print the report (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"parcel counts, comma-separated ('demo' = the demo layer, '500k'); default {DEFAULT_SIZES}")
    parser.add_argument("--naive-max", type=int, default=100_000,
                        help="largest size measured on the inline path (default 100,000; 500k inline takes minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="measured loads per size and path (median reported)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for one map to paint")
    parser.add_argument("--seed", type=int, default=bench_maps.SEED)
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temporary folder, removed)")
    parser.add_argument("--screenshots", help="save a PNG of each map (last run) in this folder")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} not found (Debian's chromium; set CHROMIUM_PATH)")
    demo = bench_maps.load_demo_landuse()
    try:
        sizes = parse_sizes(args.sizes, len(demo))
    except ValueError as exc:
        parser.error(str(exc))
    payload = run_map_benchmark(sizes, naive_max=args.naive_max, repeat=args.repeat, timeout_s=args.timeout,
                                seed=args.seed, keep=args.keep, screenshots=args.screenshots, demo=demo)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    else:
        print(report(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
