"""One benchmark run over every section (``python -m dashboard bench``, ``make bench``; issue #9).

Sections, each measuring the project's path and its baseline in the same run:

* ``maps`` — land-use map first paint and bytes in headless Chromium (:mod:`dashboard.bench_browser`): the
  project's vector tiles at every ``parcels`` size, an inline ``PolygonLayer`` up to ``naive_max``;
* ``indicators`` — ``compute_all`` on ``rows``-row tables against a bare DuckDB scan (:mod:`dashboard.bench`);
* ``validation`` — validating a ``rows``-row CSV against a bare ``pandas.read_csv`` (:mod:`dashboard.bench_validate`);
* ``coldstart`` — the app's launch to its painted land-use map against a one-page Streamlit app that draws the same
  map (:mod:`dashboard.bench_app`);
* ``memory`` — the app server's peak memory while its land-use page shows the largest ``parcels`` layer
  (:mod:`dashboard.bench_app`).

:func:`run_suite` returns one payload (machine, date, load average before and after, settings, each section's
result and a summary table); :func:`markdown_block` renders the table, :func:`write_block` puts it between
:data:`BEGIN` and :data:`END` in ``BENCHMARKS.md``.  Timings are never asserted.  Pure: never imports streamlit.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

SECTIONS = ("maps", "indicators", "validation", "coldstart", "memory")
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
AS_OF = date(2026, 9, 30)  # the demo data date
#: Targets of issue #9 (ratios on this machine).
TARGET_PAINT_RATIO = 1.5
TARGET_INLINE_SPEEDUP = 50.0
INLINE_TARGET_N = 300_000
TARGET_MAP_MB = 2.0
TARGET_INDICATORS = 3.0
TARGET_VALIDATION = 10.0
TARGET_COLDSTART = 1.3
TARGET_MEMORY_GB = 2.0


@dataclass
class Settings:
    """What to run and at which sizes (see ``python -m dashboard bench --help``)."""

    only: tuple[str, ...] = SECTIONS
    parcels: tuple[int, ...] = (1_000, 100_000, 500_000)
    naive_max: int = 100_000
    rows: int = 1_000_000
    validation_rows: int | None = None  # default: rows
    memory_parcels: int | None = None  # default: the largest of parcels
    repeat: int = 3
    timeout_s: float = 600.0

    @classmethod
    def quick(cls, only: tuple[str, ...] = SECTIONS) -> Settings:
        """Tiny sizes and one repeat: a smoke test of every section in a minute or two, not a measurement."""
        return cls(only=only, parcels=(1_000, 2_000), naive_max=1_000, rows=2_000, repeat=1, timeout_s=120.0)


def _log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def chromium_version() -> str | None:
    """``chromium --version`` of the browser the benchmarks drive, or ``None`` when it is not installed."""
    from dashboard.headless import CHROMIUM

    try:
        done = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


def machine_description() -> dict:
    """Cores, memory, CPU model, OS and the versions that matter (Python, DuckDB, Ibis, pandas, Streamlit, pydeck,
    Chromium)."""
    import importlib.metadata as md

    from dashboard.bench import machine
    from dashboard.bench_browser import cpu_model

    info = machine()
    info.update(cpu_model=cpu_model(), os=platform.platform(terse=True), chromium=chromium_version())
    for package in ("streamlit", "pydeck", "playwright"):
        try:
            info[package] = md.version(package)
        except md.PackageNotFoundError:
            info[package] = None
    return info


def _indicators(settings: Settings, log) -> dict:
    from dashboard.bench import make_bench_data, run_benchmark

    with tempfile.TemporaryDirectory(prefix="bench-indicators-") as tmp:
        start = time.perf_counter()
        sizes = make_bench_data(Path(tmp), settings.rows)
        build_s = time.perf_counter() - start
        data_mb = sum(p.stat().st_size for p in Path(tmp).glob("*.parquet")) / 1e6
        log(f"indicators: {settings.rows:,} rows per large table ({data_mb:.1f} MB) built in {build_s:.1f} s")
        result = run_benchmark(Path(tmp), AS_OF, repeat=settings.repeat)
    log(f"indicators: compute_all {result['compute_all_s']:.3f} s, bare scan {result['scan_s']:.3f} s")
    return {"rows": settings.rows, "datasets": sizes, "build_s": build_s, "data_mb": data_mb,
            "target_ratio": TARGET_INDICATORS, **result}


def _validation(settings: Settings, log) -> dict:
    from dashboard.bench_validate import run_validation_benchmark

    rows = settings.validation_rows or settings.rows
    result = run_validation_benchmark(rows, "supplies", settings.repeat, upload_reader=True, log=log)
    if result["ok"]:
        log(f"validation: validate_file {result['validate_s']:.2f} s, read_csv {result['read_s']:.2f} s")
    return result


def _maps(settings: Settings, log) -> dict:
    from dashboard.bench_browser import run_map_benchmark

    return run_map_benchmark(list(settings.parcels), naive_max=settings.naive_max, repeat=settings.repeat,
                             timeout_s=settings.timeout_s, memory_n=max(settings.parcels), log=log)


def _coldstart(settings: Settings, log) -> dict:
    from dashboard.bench_app import run_coldstart

    return run_coldstart(repeat=settings.repeat, timeout_s=min(settings.timeout_s, 300.0), log=log)


def _memory(settings: Settings, log) -> dict:
    from dashboard.bench_app import run_memory

    return run_memory(settings.memory_parcels or max(settings.parcels), timeout_s=settings.timeout_s, log=log)


RUNNERS = {"maps": _maps, "indicators": _indicators, "validation": _validation, "coldstart": _coldstart,
           "memory": _memory}


def run_suite(settings: Settings, log: Callable[[str], None] = _log_stderr) -> dict:
    """Run the chosen sections in order, in this process (browsers and servers are child processes).  Returns the
    payload: ``date``, ``machine``, ``load_before`` / ``load_after`` (1, 5, 15 min), ``settings``, ``sections``
    (each section's full result, or ``{"error": ...}`` when it failed) and ``table`` (:func:`summary_rows`)."""
    unknown = set(settings.only) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections: {', '.join(sorted(unknown))} (choose from {', '.join(SECTIONS)})")
    load_before = os.getloadavg()
    started = time.perf_counter()
    sections = {}
    for name in SECTIONS:
        if name not in settings.only:
            continue
        log(f"== {name}")
        start = time.perf_counter()
        try:
            sections[name] = RUNNERS[name](settings, log)
        except Exception as exc:  # noqa: BLE001 - one failing section is reported, the others still run
            log(f"{name}: failed: {exc!r}")
            sections[name] = {"error": f"{type(exc).__name__}: {exc}"}
        sections[name]["wall_s"] = time.perf_counter() - start
    payload = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_description(),
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
        "wall_s": time.perf_counter() - started,
        "settings": {
            "only": list(settings.only),
            "parcels": list(settings.parcels),
            "naive_max": settings.naive_max,
            "rows": settings.rows,
            "validation_rows": settings.validation_rows or settings.rows,
            "memory_parcels": settings.memory_parcels or max(settings.parcels),
            "repeat": settings.repeat,
        },
        "sections": sections,
    }
    payload["table"] = summary_rows(payload)
    return payload


# --------------------------------------------------------------------------------------------------- the table


def _row(section, measure, project, baseline, ratio, target, met) -> dict:
    return {"section": section, "measure": measure, "project": project, "baseline": baseline, "ratio": ratio,
            "target": target, "met": met}


def _s(value) -> str | None:
    if value is None:
        return None
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "not met")


def _map_rows(result: dict) -> list[dict]:
    rows = []
    found = {(r["n"], r["path"]): r["summary"] for r in result.get("rows", []) if not r.get("skipped")}
    projects = sorted(n for n, path in found if path == "project")
    if not projects:
        return [_row("maps", "first paint", None, None, None, "", "not measured")]
    small, big = projects[0], projects[-1]
    p_big, p_small = found[(big, "project")], found[(small, "project")]
    ratio = (p_big["first_paint_s"] / p_small["first_paint_s"]
             if p_big.get("first_paint_s") and p_small.get("first_paint_s") else None)
    rows.append(_row("maps", f"first paint, {big:,} parcels ÷ {small:,} (project path)",
                     _s(p_big.get("first_paint_s")) or "never painted", _s(p_small.get("first_paint_s")), ratio,
                     f"≤ {TARGET_PAINT_RATIO}×", _verdict(None if ratio is None else ratio <= TARGET_PAINT_RATIO)))
    inline_sizes = sorted(n for n, path in found if path == "inline")
    for n in inline_sizes:
        p, q = found[(n, "project")], found[(n, "inline")]
        speedup = q["first_paint_s"] / p["first_paint_s"] if p.get("first_paint_s") and q.get("first_paint_s") else None
        at_target = n >= INLINE_TARGET_N
        rows.append(_row("maps", f"first paint, {n:,} parcels: inline `PolygonLayer` ÷ project",
                         _s(p.get("first_paint_s")), _s(q.get("first_paint_s")), speedup,
                         f"≥ {TARGET_INLINE_SPEEDUP:g}× at {INLINE_TARGET_N // 1000}k",
                         _verdict(None if speedup is None else speedup >= TARGET_INLINE_SPEEDUP)
                         if at_target else f"— (target is at {INLINE_TARGET_N // 1000}k)"))
        if p.get("map_bytes") and q.get("map_bytes"):
            rows.append(_row("maps", f"map MB to the browser, {n:,} parcels: inline ÷ project",
                             f"{p['map_bytes'] / 1e6:.2f} MB", f"{q['map_bytes'] / 1e6:.2f} MB",
                             q["map_bytes"] / p["map_bytes"], "—", "—"))
    if not any(n >= INLINE_TARGET_N for n in inline_sizes):
        top = f"{inline_sizes[-1]:,}" if inline_sizes else "none"
        rows.append(_row("maps", f"inline at {INLINE_TARGET_N:,} parcels", None, None, None,
                         f"≥ {TARGET_INLINE_SPEEDUP:g}× faster", f"not measured (inline measured up to {top})"))
    mb = p_big["map_bytes"] / 1e6 if p_big.get("map_bytes") is not None else None
    painted = p_big.get("first_paint_s") is not None
    rows.append(_row("maps", f"map MB to the browser, city view, {big:,} parcels (project path)",
                     None if mb is None else f"{mb:.2f} MB", None, None, f"≤ {TARGET_MAP_MB:g} MB",
                     _verdict(None if mb is None else mb <= TARGET_MAP_MB and painted)))
    return rows


def summary_rows(payload: dict) -> list[dict]:
    """One row per target: section, measure, project median, baseline median, ratio, target and met / not met."""
    sections = payload["sections"]
    rows = []
    for name in SECTIONS:
        result = sections.get(name)
        if result is None:
            continue
        if "error" in result:
            rows.append(_row(name, "failed: " + result["error"][:120], None, None, None, "", "not measured"))
            continue
        if name == "maps":
            rows += _map_rows(result)
        elif name == "indicators":
            rows.append(_row(name, f"`compute_all`, {result['rows']:,} rows per table ÷ bare DuckDB scan",
                             _s(result["compute_all_s"]), _s(result["scan_s"]), result["ratio"],
                             f"≤ {TARGET_INDICATORS:g}×", _verdict(result["ratio"] <= TARGET_INDICATORS)))
        elif name == "validation":
            if not result.get("ok"):
                rows.append(_row(name, "generated CSV did not validate", None, None, None, "", "not measured"))
                continue
            rows.append(_row(name, f"`validate_file`, {result['rows']:,}-row CSV ÷ bare `pandas.read_csv`",
                             _s(result["validate_s"]), _s(result["read_s"]), result["ratio"],
                             f"≤ {TARGET_VALIDATION:g}×", _verdict(result["ratio"] <= TARGET_VALIDATION)))
            if "upload_ratio" in result:
                rows.append(_row(name, "the same with the upload reader (the CLI's path)",
                                 _s(result["validate_upload_s"]), _s(result["read_s"]), result["upload_ratio"],
                                 f"≤ {TARGET_VALIDATION:g}×", _verdict(result["upload_ratio"] <= TARGET_VALIDATION)))
        elif name == "coldstart":
            ratio = result.get("ratio")
            rows.append(_row(name, "launch → painted land-use map: whole app ÷ one-page app with the same map",
                             _s(result.get("full_s")) or "never painted", _s(result.get("minimal_s")), ratio,
                             f"≤ {TARGET_COLDSTART:g}×", _verdict(None if ratio is None else ratio <= TARGET_COLDSTART)))
            if result.get("text_s"):
                rows.append(_row(name, "(context) text-only one-page app: launch → text", None,
                                 _s(result["text_s"]), None, "—", "—"))
        elif name == "memory":
            gb = result["peak_rss_bytes"] / 1e9
            demo = sections.get("coldstart", {}).get("full_runs")
            baseline = None
            if demo:  # context, not a target: the same app on the demo data (55k parcels), from the cold starts
                baseline = f"{max(r['peak_rss_bytes'] for r in demo) / 1e9:.2f} GB (demo data)"
            ok = gb <= TARGET_MEMORY_GB and result.get("state") == "painted"
            rows.append(_row(name, f"app server peak RSS, land-use page, {result['n']:,} parcels",
                             f"{gb:.2f} GB", baseline, None, f"≤ {TARGET_MEMORY_GB:g} GB", _verdict(ok)))
    return rows


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}×"
    return str(value)


def _machine_line(info: dict) -> str:
    memory = f"{info['memory_gib']} GiB" if info.get("memory_gib") else "? GiB"
    return (f"{info['nproc']} usable cores ({info['cpu_count']} installed), {memory}, {info.get('cpu_model') or info['cpu']}; "
            f"{info.get('os')}; Python {info['python']}, DuckDB {info['duckdb']}, Ibis {info['ibis']}, "
            f"pandas {info['pandas']}, Streamlit {info.get('streamlit')}, pydeck {info.get('pydeck')}, "
            f"{info.get('chromium') or 'no Chromium'} (headless, software WebGL)")


def markdown_block(payload: dict) -> str:
    """The generated block of ``BENCHMARKS.md``: command, date, machine, load average and the summary table."""
    s = payload["settings"]
    args = [f"--only {','.join(s['only'])}"] if tuple(s["only"]) != SECTIONS else []
    args += [f"--parcels {','.join(str(n) for n in s['parcels'])}", f"--naive-max {s['naive_max']}",
             f"--rows {s['rows']}", f"--repeat {s['repeat']}"]
    before = ", ".join(f"{v:.2f}" for v in payload["load_before"])
    after = ", ".join(f"{v:.2f}" for v in payload["load_after"])
    lines = [
        BEGIN,
        f"`python -m dashboard bench {' '.join(args)} --write BENCHMARKS.md`",
        "",
        f"Generated {payload['date']} in {payload['wall_s'] / 60:.1f} min.  Machine: {_machine_line(payload['machine'])}.",
        (f"Load average (1, 5, 15 min) before: {before}; after: {after}.  Medians of {s['repeat']} "
        "(project and baseline measured in the same run)."),
        "",
        "| section | measure | project | baseline | ratio | target | result |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for row in payload["table"]:
        lines.append("| " + " | ".join(_cell(row[k]) for k in
                                        ("section", "measure", "project", "baseline", "ratio", "target", "met")) + " |")
    lines.append(END)
    return "\n".join(lines)


_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def write_block(path: Path, block: str) -> None:
    """Replace the text between :data:`BEGIN` and :data:`END` (markers included) in ``path`` with ``block``; when
    the markers are missing, put the block under a new section before the first ``## `` heading (or at the end)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if _BLOCK.search(text):
        text = _BLOCK.sub(lambda _: block, text, count=1)
    else:
        section = f"## All sections in one run (issue #9)\n\n{block}\n\n"
        at = text.find("\n## ")
        text = text[: at + 1] + section + text[at + 1:] if at >= 0 else text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
