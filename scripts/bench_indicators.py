"""Benchmark the indicator engine on scaled demo data: ``compute_all`` on DuckDB against a bare DuckDB scan.

Run: ``python scripts/bench_indicators.py [--rows 1000000] [--repeat 3] [--out DIR] [--json]``.

Builds a temporary folder (or ``--out``) whose large tables — landuse, park_parcels, approvals, supplies and
arable_ledger — have ``--rows`` rows each (tiled from the demo data, seeded; see :mod:`dashboard.bench`), then, in
one process, times (median of ``--repeat``) (a) one DuckDB pass over each large file summing every numeric column
and (b) ``compute_all`` on DuckDB over the folder, indicator by indicator; for context also (c) every column of
each large file read into pandas, the floor for the row-level tables (one row per parcel or enterprise).  Prints the machine, both times, their
ratio (the target is ≤ 3× the bare scan) and the indicators that dominate.  Timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.bench import SCALED, machine, make_bench_data, run_benchmark

TARGET_RATIO = 3.0


def _report(result: dict, info: dict, rows: int, sizes: dict, build_s: float, folder_mb: float, top: int) -> str:
    lines = [
        (
            f"machine: {info['nproc']} usable cores ({info['cpu_count']} installed), {info['memory_gib']} GiB, "
            f"{info['cpu']}; python {info['python']}, duckdb {info['duckdb']}, ibis {info['ibis']}, "
            f"pandas {info['pandas']}"
        ),
        f"data: {rows:,} rows in each of {', '.join(SCALED)}; {folder_mb:.1f} MB of parquet; built in {build_s:.1f} s",
        "",
        f"{'measure':<44}{'median s':>10}   runs",
        f"{'bare DuckDB scan (count + sums, large files)':<44}{result['scan_s']:>10.3f}   "
        + ", ".join(f"{t:.3f}" for t in result["scan_runs_s"]),
        f"{'bare DuckDB read into pandas (all columns)':<44}{result['read_s']:>10.3f}   "
        + ", ".join(f"{t:.3f}" for t in result["read_runs_s"]),
        f"{'compute_all on DuckDB':<44}{result['compute_all_s']:>10.3f}   "
        + ", ".join(f"{t:.3f}" for t in result["compute_all_runs_s"]),
        f"{'ratio compute_all / scan':<44}{result['ratio']:>9.1f}×   target ≤ {TARGET_RATIO:.0f}× → "
        + ("met" if result["ratio"] <= TARGET_RATIO else "NOT met"),
        f"{'compute_all on the demo data (fixed cost)':<44}{result['fixed_s']:>10.3f}   "
        + ", ".join(f"{t:.3f}" for t in result["fixed_runs_s"]),
        f"{'ratio (compute_all − fixed cost) / scan':<44}{result['marginal_ratio']:>9.1f}×   (the part that grows with rows)",
        "",
        "bare scan per file (median s): "
        + ", ".join(f"{name} {t:.3f}" for name, t in result["scan_per_file_s"].items()),
        "bare read per file (median s): "
        + ", ".join(f"{name} {t:.3f}" for name, t in result["read_per_file_s"].items()),
        "",
        f"slowest indicators (median s; shared intermediate work is charged to the first user), top {top}:",
    ]
    ranked = sorted(result["per_indicator_s"].items(), key=lambda kv: kv[1], reverse=True)
    total = result["compute_all_s"] or 1.0
    for name, seconds in ranked[:top]:
        lines.append(f"  {name:<40}{seconds:>8.3f}  {100 * seconds / total:5.1f} %")
    lines.append(f"  (datasets: {', '.join(f'{k} {v:,}' for k, v in sizes.items())})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per large table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measure; the median is reported")
    parser.add_argument("--out", help="keep the generated folder here (default: a temporary folder, removed)")
    parser.add_argument("--as-of", default="2026-09-30", help="reference date (default the demo data date)")
    parser.add_argument("--top", type=int, default=10, help="how many indicators to list")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")

    with tempfile.TemporaryDirectory(prefix="bench-indicators-") as tmp:
        folder = Path(args.out) if args.out else Path(tmp)
        start = time.perf_counter()
        sizes = make_bench_data(folder, args.rows)
        build_s = time.perf_counter() - start
        folder_mb = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6
        result = run_benchmark(folder, date.fromisoformat(args.as_of), repeat=args.repeat)
    info = machine()
    if args.json:
        payload = {
            "machine": info,
            "rows": args.rows,
            "datasets": sizes,
            "build_s": build_s,
            "data_mb": folder_mb,
            "target_ratio": TARGET_RATIO,
            **result,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        print(_report(result, info, args.rows, sizes, build_s, folder_mb, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
