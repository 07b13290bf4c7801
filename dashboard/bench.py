"""Benchmark data and timings for the indicator engine (``scripts/bench_indicators.py`` is the command).

The large tables of the demo dataset (land-use parcels, park enterprises, approvals, supplies, the arable ledger)
are scaled to a requested number of rows by tiling: copy 0 is the demo table itself, copies 1, 2, … get suffixed
ids (``<id>-<copy>``, foreign keys suffixed alike) and their measures jittered by a seeded ±5 % lognormal factor,
so a scaled folder is deterministic, internally consistent and built in a few seconds with vectorised Arrow and
numpy.  The small tables are copied unchanged.  Timings compare ``compute_all`` with a bare DuckDB scan of the same
files (``count(*)`` and the sum of every numeric column), the floor any engine has to pay to read the data.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard.demo import DEMO_DIR

#: Scaled datasets → their id columns (the first is the row's own id; the others are foreign keys to scaled rows).
SCALED = {
    "landuse": ("parcel_id",),
    "park_parcels": ("parcel_id", "enterprise_id"),
    "approvals": ("approval_id",),
    "supplies": ("supply_id", "approval_id"),
    "arable_ledger": ("entry_id",),
}
SEED = 20261122
JITTER_SIGMA = 0.05


def scale_table(table: pa.Table, rows: int, ids: tuple[str, ...], rng: np.random.Generator) -> pa.Table:
    """``table`` tiled to ``rows`` rows: copy 0 unchanged, later copies with suffixed ids and jittered floats."""
    n = table.num_rows
    positions = np.arange(rows, dtype=np.int64)
    copy = positions // n
    out = table.take(pa.array(positions % n))
    later = pa.array(copy > 0)
    text = pa.large_string()
    empty = pa.scalar("", text)
    suffix = pc.binary_join_element_wise(pa.array(np.full(rows, "-"), text), pa.array(copy).cast(text), empty)
    factor = pa.array(np.where(copy > 0, rng.lognormal(0.0, JITTER_SIGMA, rows), 1.0))
    columns = {}
    for field in out.schema:
        column = out.column(field.name).combine_chunks()
        if field.name in ids:
            suffixed = pc.binary_join_element_wise(column.cast(text), suffix, empty)
            column = pc.if_else(later, suffixed.cast(field.type), column)
        elif pa.types.is_floating(field.type):
            column = pc.multiply(column, factor.cast(field.type))
        columns[field.name] = column
    return pa.table(columns, schema=out.schema)


def make_bench_data(out_dir: Path, rows: int, source: Path = DEMO_DIR, seed: int = SEED) -> dict[str, int]:
    """Write a benchmark folder: the scaled tables (``rows`` rows each, no geometry) and the small ones copied.

    Returns ``{dataset: rows}``.  The same ``rows`` and ``seed`` give byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = {}
    for path in sorted(Path(source).glob("*.parquet")):
        name = path.stem
        if name in SCALED:
            columns = [c for c in pq.read_schema(path).names if c != "geometry"]
            table = scale_table(pq.read_table(path, columns=columns), rows, SCALED[name], rng)
            pq.write_table(table, out_dir / path.name, compression="zstd")
            written[name] = table.num_rows
        else:
            shutil.copyfile(path, out_dir / path.name)
            written[name] = pq.read_metadata(path).num_rows
    if (Path(source) / "manifest.json").exists():
        shutil.copyfile(Path(source) / "manifest.json", out_dir / "manifest.json")
    return written


def bare_scan(folder: Path, names=tuple(SCALED)) -> dict[str, float]:
    """One DuckDB pass per large file: ``count(*)`` and ``sum`` of every numeric column.  Returns seconds per file."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    times = {}
    for name in names:
        path = Path(folder) / f"{name}.parquet"
        schema = pq.read_schema(path)
        numeric = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
        items = ", ".join(["count(*)"] + [f'sum("{c}")' for c in numeric])
        literal = str(path).replace("'", "''")
        start = time.perf_counter()
        con.execute(f"SELECT {items} FROM read_parquet('{literal}')").fetchall()
        times[name] = time.perf_counter() - start
    con.close()
    return times


def bare_read(folder: Path, names=tuple(SCALED)) -> dict[str, float]:
    """Every column of each large file read into pandas through DuckDB: the floor for row-level tables (one row
    per parcel or enterprise), which must materialise as many rows as they read.  Returns seconds per file."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    times = {}
    for name in names:
        literal = str(Path(folder) / f"{name}.parquet").replace("'", "''")
        start = time.perf_counter()
        # through Arrow, as Ibis does (DuckDB's own .df() builds Python string objects and is ~3× slower)
        con.sql(f"SELECT * FROM read_parquet('{literal}')").to_arrow_table().to_pandas()
        times[name] = time.perf_counter() - start
    con.close()
    return times


def time_indicators(folder: Path, as_of: date, profile_id: str | None = None) -> dict[str, float]:
    """``compute_all`` on DuckDB over ``folder``, one indicator at a time: seconds per indicator, plus ``_setup``.

    Indicators share intermediate results through the context cache, so shared work is charged to the first
    indicator (in registry order) that needs it.
    """
    from dashboard.engine import Engine
    from dashboard.indicators import Context, compute, load_modules, registry
    from dashboard.policy import DEFAULT_PROFILE, load_profile

    load_modules()
    start = time.perf_counter()
    engine = Engine.from_dir(Path(folder))
    ctx = Context(engine=engine, profile=load_profile(profile_id or DEFAULT_PROFILE), as_of=as_of)
    times = {"_setup": time.perf_counter() - start}
    for ind_id in registry():
        start = time.perf_counter()
        compute(ind_id, ctx)
        times[ind_id] = time.perf_counter() - start
    return times


def machine() -> dict:
    """What the timings ran on: cores (usable / installed), memory, Python and the engine versions."""
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import ibis
    import pandas

    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
    }


def run_benchmark(folder: Path, as_of: date, repeat: int = 3, small: Path = DEMO_DIR) -> dict:
    """Median-of-``repeat`` timings over ``folder`` in one process: the bare scan, the bare read into pandas and
    ``compute_all`` (with its time per indicator); ``ratio`` is compute_all ÷ bare scan.

    For context, ``compute_all`` also runs on ``small`` (the demo data, a few thousand rows): that time is the
    engine's fixed cost (query compilation, pandas work on small frames, the spatial indicator), paid whatever the
    data size; ``marginal_ratio`` is (compute_all − fixed cost) ÷ bare scan, the part that grows with the rows.
    """
    scans = [bare_scan(folder) for _ in range(repeat)]
    reads = [bare_read(folder) for _ in range(repeat)]
    indicators = [time_indicators(folder, as_of) for _ in range(repeat)]
    fixed = [sum(time_indicators(small, as_of).values()) for _ in range(repeat)]
    scan_total = [sum(s.values()) for s in scans]
    read_total = [sum(r.values()) for r in reads]
    compute_total = [sum(t.values()) for t in indicators]
    scan_median, compute_median = statistics.median(scan_total), statistics.median(compute_total)
    fixed_median = statistics.median(fixed)
    return {
        "scan_s": scan_median,
        "scan_runs_s": scan_total,
        "scan_per_file_s": {name: statistics.median(s[name] for s in scans) for name in scans[0]},
        "read_s": statistics.median(read_total),
        "read_runs_s": read_total,
        "read_per_file_s": {name: statistics.median(r[name] for r in reads) for name in reads[0]},
        "compute_all_s": compute_median,
        "compute_all_runs_s": compute_total,
        "per_indicator_s": {key: statistics.median(t[key] for t in indicators) for key in indicators[0]},
        "ratio": compute_median / scan_median if scan_median else float("nan"),
        "fixed_s": fixed_median,
        "fixed_runs_s": fixed,
        "marginal_ratio": (compute_median - fixed_median) / scan_median if scan_median else float("nan"),
    }
