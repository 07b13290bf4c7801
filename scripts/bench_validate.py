"""Benchmark upload validation against a bare ``pandas.read_csv`` of the same file.

Usage::

    .venv/bin/python scripts/bench_validate.py [--rows 1000000] [--dataset supplies|park_parcels] [--repeat 3]

Writes a seeded, vectorised CSV of supplies-like (default, ~50 MB at a million rows) or park_parcels-like rows
with Chinese headers to a temporary folder, then times (median of ``--repeat`` runs) ``pandas.read_csv(path)``
and :func:`dashboard.validate.validate_file` of the same file — with the fast pandas/pyarrow reader, and with
``dashboard.upload.read_upload`` (the CLI's path; ``--no-upload-reader`` skips it) — plus :func:`validate` alone
on the already-read frame, and prints each time and its ratio to the bare read.  The target is a ratio of at
most 10: validation reads every cell as text and checks it, so it cannot be as cheap as a read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard.validate import (
    current_county_codes,
    read_for_validation,
    uscc_check_chars,
    validate,
    validate_file,
)

COUNTIES = np.array(["530402", "530403", "530423", "530424", "530425", "530426", "530427", "530428", "530481"])


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    return prefix + pd.Series(numbers).astype(str).str.zfill(width)


def _dates(rng: np.random.Generator, rows: int) -> pd.Series:
    days = rng.integers(0, 6 * 365, rows)
    return pd.Series(np.datetime64("2019-01-01") + days.astype("timedelta64[D]")).dt.strftime("%Y-%m-%d")


def supplies_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """Supplies-like rows with Chinese headers (about 50 bytes each as CSV)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "供地编号": _ids("GD", np.arange(rows), 8),
            "批准文号": _ids("PD", rng.integers(0, rows // 4 + 1, rows), 6),
            "县区代码": COUNTIES[rng.integers(0, COUNTIES.size, rows)],
            "供地日期": _dates(rng, rows),
            "供地面积(亩)": np.round(rng.gamma(2.0, 20.0, rows) + 0.1, 2),
            "供地方式": np.array(["划拨", "出让", "租赁"])[rng.integers(0, 3, rows)],
            "价款": np.round(rng.gamma(2.0, 300.0, rows), 1),
        }
    )


def park_parcels_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """park_parcels-like rows with Chinese headers and valid 统一社会信用代码."""
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    body = pd.Series(["".join(r) for r in alphabet[rng.integers(0, 31, (min(rows, 50_000), 9))]])
    body = body.iloc[rng.integers(0, len(body), rows)].reset_index(drop=True)
    first17 = "91" + pd.Series(COUNTIES[rng.integers(0, COUNTIES.size, rows)]) + body
    uscc = first17 + uscc_check_chars(first17 + "0").astype(str)
    return pd.DataFrame(
        {
            "宗地编号": _ids("ZD", np.arange(rows), 8),
            "园区编号": _ids("P", rng.integers(0, 40, rows), 3),
            "统一社会信用代码": uscc,
            "用地面积(公顷)": np.round(rng.gamma(2.0, 2.0, rows) + 0.01, 3),
            "产值(万元)": np.round(rng.gamma(2.0, 5000.0, rows), 1),
            "税收(万元)": np.round(rng.gamma(2.0, 200.0, rows), 1),
            "年度": rng.integers(2019, 2025, rows),
            "利用状态": np.array(["已供地", "在建", "投产", "闲置"])[rng.integers(0, 4, rows)],
        }
    )


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dataset", choices=["supplies", "park_parcels"], default="supplies")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--upload-reader", action=argparse.BooleanOptionalAction, default=True,
                        help="also time validate_file with dashboard.upload.read_upload (the CLI's path)")
    args = parser.parse_args(argv)

    make = supplies_frame if args.dataset == "supplies" else park_parcels_frame
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{args.dataset}.csv"
        start = time.perf_counter()
        make(args.rows).to_csv(path, index=False)
        print(f"generated {args.rows:,} {args.dataset} rows, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - start:.1f} s")

        # Warm-up: imports (pandera), the regions cache; and the file must be clean for a fair comparison.
        report = validate_file(path, args.dataset, use_upload_reader=False)
        if not report.ok:
            print("unexpected problems:", report.total, [p.message("en") for p in report.problems[:5]])
            return 1
        known = current_county_codes()
        frame, lines = read_for_validation(path, use_upload_reader=False)
        read = _median_time(lambda: pd.read_csv(path), args.repeat)
        fast = _median_time(lambda: validate_file(path, args.dataset, use_upload_reader=False), args.repeat)
        core = _median_time(lambda: validate(frame, args.dataset, known_county_codes=known, line_numbers=lines),
                            args.repeat)
        full = None
        if args.upload_reader:
            full = _median_time(lambda: validate_file(path, args.dataset), args.repeat)
    print(f"pandas.read_csv(path)                           : {read:6.2f} s")
    print(f"validate_file(path, use_upload_reader=False)    : {fast:6.2f} s  ratio {fast / read:5.1f}x (target <= 10x)")
    print(f"  of which validate() on the read frame         : {core:6.2f} s  ratio {core / read:5.1f}x")
    if full is not None:
        print(f"validate_file(path)  [dashboard.upload reader]  : {full:6.2f} s  ratio {full / read:5.1f}x")
    print(f"(median of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
