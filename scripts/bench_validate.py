"""Benchmark upload validation against a bare ``pandas.read_csv`` of the same file.

Usage::

    .venv/bin/python scripts/bench_validate.py [--rows 1000000] [--dataset supplies|park_parcels] [--repeat 3]

Writes a seeded, vectorised CSV of supplies-like (default, ~50 MB at a million rows) or park_parcels-like rows
with Chinese headers to a temporary folder, then times (median of ``--repeat`` runs) ``pandas.read_csv(path)``
and :func:`dashboard.validate.validate_file` of the same file — with the fast pandas/pyarrow reader, and with
``dashboard.upload.read_upload`` (the CLI's path; ``--no-upload-reader`` skips it) — plus :func:`validate` alone
on the already-read frame, and prints each time and its ratio to the bare read.  The target is a ratio of at
most 10: validation reads every cell as text and checks it, so it cannot be as cheap as a read.  The work is done by
:mod:`dashboard.bench_validate` (also run by ``python -m dashboard bench --only validation``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard.bench_validate import run_validation_benchmark


def main(argv=None) -> int:
    """Parse the options, run the benchmark and print its times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dataset", choices=["supplies", "park_parcels"], default="supplies")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--upload-reader", action=argparse.BooleanOptionalAction, default=True,
                        help="also time validate_file with dashboard.upload.read_upload (the CLI's path)")
    args = parser.parse_args(argv)

    result = run_validation_benchmark(args.rows, args.dataset, args.repeat, args.upload_reader, log=print)
    if not result["ok"]:
        print("unexpected problems:", result["problems"])
        return 1
    read, fast, core = result["read_s"], result["validate_s"], result["validate_core_s"]
    print(f"pandas.read_csv(path)                           : {read:6.2f} s")
    print(f"validate_file(path, use_upload_reader=False)    : {fast:6.2f} s  ratio {fast / read:5.1f}x (target <= 10x)")
    print(f"  of which validate() on the read frame         : {core:6.2f} s  ratio {core / read:5.1f}x")
    if args.upload_reader:
        full = result["validate_upload_s"]
        print(f"validate_file(path)  [dashboard.upload reader]  : {full:6.2f} s  ratio {full / read:5.1f}x")
    print(f"(median of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
