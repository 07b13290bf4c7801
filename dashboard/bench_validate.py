"""Upload-validation benchmark data and timings (``scripts/bench_validate.py`` and ``python -m dashboard bench``).

:func:`supplies_frame` and :func:`park_parcels_frame` make seeded, vectorised rows with Chinese headers;
:func:`run_validation_benchmark` writes them as a CSV and times (median of ``repeat``) ``pandas.read_csv(path)``
against :func:`dashboard.validate.validate_file` of the same file — with the fast pandas/pyarrow reader, and with
``dashboard.upload.read_upload`` (the CLI's path) — plus :func:`dashboard.validate.validate` alone on the
already-read frame.  The target is a ratio of at most 10 to the bare read.  Pure: never imports streamlit.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.validate import (
    current_county_codes,
    read_for_validation,
    uscc_check_chars,
    validate,
    validate_file,
)

TARGET_RATIO = 10.0

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


def median_time(fn, repeat: int) -> tuple[float, list[float]]:
    """Calls ``fn()`` ``repeat`` times: the median seconds and every run's."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def run_validation_benchmark(rows: int, dataset: str = "supplies", repeat: int = 3, upload_reader: bool = True,
                             log=None) -> dict:
    """Generate a ``rows``-row CSV of ``dataset`` (``supplies`` or ``park_parcels``) in a temporary folder and time
    the bare read and the validation paths.  Returns seconds (medians and runs), ratios to the bare read, the file's
    size and ``ok`` (the file validated clean; when not, ``problems`` holds the first messages and nothing is
    timed).  One untimed warm-up validation (imports, the regions cache) comes first."""
    make = supplies_frame if dataset == "supplies" else park_parcels_frame
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as folder:
        path = Path(folder) / f"{dataset}.csv"
        start = time.perf_counter()
        make(rows).to_csv(path, index=False)
        out = {"rows": rows, "dataset": dataset, "repeat": repeat, "csv_mb": path.stat().st_size / 1e6,
               "generate_s": time.perf_counter() - start, "target_ratio": TARGET_RATIO}
        if log:
            log(f"generated {rows:,} {dataset} rows, {out['csv_mb']:.1f} MB in {out['generate_s']:.1f} s")
        report = validate_file(path, dataset, use_upload_reader=False)
        out["ok"] = report.ok
        if not report.ok:
            out["problems"] = [p.message("en") for p in report.problems[:5]]
            return out
        known = current_county_codes()
        frame, lines = read_for_validation(path, use_upload_reader=False)
        out["read_s"], out["read_runs_s"] = median_time(lambda: pd.read_csv(path), repeat)
        out["validate_s"], out["validate_runs_s"] = median_time(
            lambda: validate_file(path, dataset, use_upload_reader=False), repeat)
        out["validate_core_s"], _ = median_time(
            lambda: validate(frame, dataset, known_county_codes=known, line_numbers=lines), repeat)
        if upload_reader:
            out["validate_upload_s"], out["validate_upload_runs_s"] = median_time(
                lambda: validate_file(path, dataset), repeat)
    read = out["read_s"]
    out["ratio"] = out["validate_s"] / read
    out["core_ratio"] = out["validate_core_s"] / read
    if upload_reader:
        out["upload_ratio"] = out["validate_upload_s"] / read
    return out
