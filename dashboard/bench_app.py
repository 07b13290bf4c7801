"""Whole-app benchmarks in headless Chromium (``python -m dashboard bench --only coldstart,memory``).

* :func:`run_coldstart` — **cold start**: seconds from launching ``streamlit run app.py`` (a fresh process on the
  demo data, an empty temporary ``DASHBOARD_STORE``) until the 土地利用 page's map canvas is painted (the map
  benchmark's paint detection, :func:`dashboard.bench_browser.measure`), against the same for a minimal one-page
  Streamlit app that draws the same map (the demo layer's tiles, county fills and outlines: the map benchmark's
  one-page app, :func:`dashboard.bench_browser.prepare_layer`) until its canvas is painted.  The ratio is what the
  whole app (navigation, sign-in, sidebar, data store, legend and the structure table beside the map) adds to the
  map itself.  For context the same run also times a text-only app (``st.title`` and one ``st.write``) to its
  text: Chromium's software WebGL alone takes seconds to paint a map here.  The full app runs from a temporary copy
  (:func:`copy_app`) so that nothing is written into the project.  Each launch is a new server process and a new
  browser context (nothing cached in the browser); one untimed launch of each comes first (the disk cache,
  bytecode, and the demo's vector tiles, which ``make run`` builds before serving).
* :func:`run_memory` — **peak memory**: a land-use layer of ``n`` parcels (:func:`dashboard.bench_maps.make_landuse`)
  is published in a temporary store, its vector tiles are built (``python -m dashboard tiles``) in a temporary copy
  of the app (so the project's own ``static/tiles`` is never touched), the copy is started on that store and the 土地利用 page is opened until its map is painted; the server process's (and its children's)
  peak resident set (``VmHWM``, :func:`dashboard.bench_browser.process_memory`) is then read.

Timings are never asserted.  Pure: never imports streamlit (the apps it launches do).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dashboard.bench_browser import ROOT, VIEWPORT, Traffic, measure, process_memory
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server

#: Targets of issue #9.
TARGET_COLDSTART_RATIO = 1.3
TARGET_MEMORY_BYTES = 2_000_000_000  # 2 GB
LANDUSE_PATH = "/landuse"
MINIMAL_TEXT = "minimal app ready"
#: The text-only app (a template written into a temporary folder; this package never imports streamlit itself).
MINIMAL_APP = (Path(__file__).parent / "bench_apps" / "text_app.py.tmpl").read_text(encoding="utf-8").format(
    text=MINIMAL_TEXT)


def _log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _browser():
    """Debian's Chromium, headless, through Playwright; yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _full_app_once(browser, work: Path, timeout_s: float, store: Path | None = None, root: Path = ROOT) -> dict:
    """Launch the app in ``root`` (a fresh process on ``store``, default an empty temporary one) and open the 土地利用
    page until its map is painted.  Returns the seconds to health and to first paint since launch, the paint run's
    measurement and the server's memory afterwards."""
    with contextlib.ExitStack() as stack:
        if store is None:
            store = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-store-", dir=work)))
        server = stack.enter_context(streamlit_server(
            "app.py", cwd=root, env={"DASHBOARD_STORE": str(store)}, log_path=work / "app-server.log",
            pythonpath=(root,), poll_s=0.05))
        run = measure(browser, server.url + LANDUSE_PATH, timeout_s,
                      abort=lambda: _server_error(work / "app-server.log"))
        paint = run.get("first_paint_s")
        return {
            "healthy_s": server.healthy_s,
            "total_s": run["navigated_at"] - server.launched + paint if paint is not None else None,
            "first_paint_s": paint,
            "map_bytes": run.get("map_bytes"),
            "offsite": run.get("offsite", 0),
            "page_errors": run.get("page_errors", []),
            "state": "painted" if paint is not None else run.get("error") or ("blank" if run.get("blank") else "timeout"),
            **process_memory(server.proc.pid),
        }


def _server_error(log_path: Path) -> str | None:
    """The last line of the exception the server logged (the app failed; its map will never come), or ``None``."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if "Traceback" not in text:
        return None
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip(" │") for line in plain.splitlines() if line.strip(" │")]
    return "app error: " + (lines[-1][:200] if lines else "exception in the server log")


def _one_page_server(folder: Path):
    """A one-page benchmark app in ``folder`` served from there (the project on its path)."""
    return streamlit_server("app.py", cwd=folder, log_path=folder / "server.log", pythonpath=(ROOT,), poll_s=0.05)


def _map_app_once(browser, folder: Path, timeout_s: float) -> dict:
    """Launch the one-page map app in ``folder`` (a fresh process) and open it in a fresh context until its map is
    painted.  Returns the seconds to health and to first paint since launch."""
    with _one_page_server(folder) as server:
        run = measure(browser, server.url, timeout_s)
        paint = run.get("first_paint_s")
        return {
            "healthy_s": server.healthy_s,
            "total_s": run["navigated_at"] - server.launched + paint if paint is not None else None,
            "first_paint_s": paint,
            "offsite": run.get("offsite", 0),
            "state": "painted" if paint is not None else run.get("error") or ("blank" if run.get("blank") else "timeout"),
        }


def _minimal_app_once(browser, folder: Path, timeout_s: float) -> dict:
    """Launch the text-only app (a fresh process) and open it in a fresh context until its text is visible.
    Returns the seconds to health and to visible text since launch."""
    with _one_page_server(folder) as server:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", service_workers="block")
        traffic = Traffic()
        try:
            context.route("**/*", traffic.route)
            page = context.new_page()
            page.goto(server.url, wait_until="commit")
            page.get_by_text(MINIMAL_TEXT).wait_for(state="visible", timeout=timeout_s * 1000)
            total = time.perf_counter() - server.launched
        finally:
            context.close()
        return {"healthy_s": server.healthy_s, "total_s": total, "offsite": len(traffic.offsite)}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _demo_map_app(work: Path, log: Callable[[str], None]) -> Path:
    """The map benchmark's one-page app over the demo land-use layer (its tiles built in ``work``)."""
    from dashboard import bench_maps
    from dashboard.bench_browser import prepare_layer

    demo, regions = bench_maps.load_demo_landuse(), bench_maps.load_demo_regions()
    layer = prepare_layer(len(demo), work, demo, regions, naive_max=0, seed=bench_maps.SEED, log=log)
    return layer.app_dirs["project"]


def run_coldstart(repeat: int = 3, timeout_s: float = 300.0, log: Callable[[str], None] = _log_stderr) -> dict:
    """Cold start of the full app to its painted land-use map against a minimal one-page app to the same painted
    map (and, for context, a text-only app to its text): one untimed launch of each, then ``repeat`` launches of
    each, in turn.  Returns the runs, medians (``full_s``, ``minimal_s`` for the map app, ``text_s``, and the seconds
    to the health check), ``ratio`` (full ÷ minimal map app) and the target."""
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as tmp, _browser() as browser:
        work = Path(tmp)
        app = copy_app(work / "app")
        map_app = _demo_map_app(work, log)
        text_app = work / "minimal"
        text_app.mkdir()
        (text_app / "app.py").write_text(MINIMAL_APP, encoding="utf-8")
        log("cold start: warm-up launches (disk cache, bytecode, the demo's tiles) …")
        warm_full = _full_app_once(browser, work, timeout_s, root=app)
        _map_app_once(browser, map_app, timeout_s)
        _minimal_app_once(browser, text_app, timeout_s)
        full_runs, map_runs, text_runs = [], [], []
        for i in range(repeat):
            full_runs.append(_full_app_once(browser, work, timeout_s, root=app))
            map_runs.append(_map_app_once(browser, map_app, timeout_s))
            text_runs.append(_minimal_app_once(browser, text_app, timeout_s))
            log(f"  run {i + 1}: full app {_fmt_s(full_runs[-1]['total_s'])} (healthy "
                f"{full_runs[-1]['healthy_s']:.1f} s, map {full_runs[-1]['state']}), one-page map app "
                f"{_fmt_s(map_runs[-1]['total_s'])}, text-only app {text_runs[-1]['total_s']:.1f} s")
    full = _median(r["total_s"] for r in full_runs)
    small = _median(r["total_s"] for r in map_runs)
    return {
        "repeat": repeat,
        "full_s": full,
        "minimal_s": small,
        "text_s": _median(r["total_s"] for r in text_runs),
        "full_healthy_s": _median(r["healthy_s"] for r in full_runs),
        "minimal_healthy_s": _median(r["healthy_s"] for r in map_runs),
        "full_first_paint_after_navigation_s": _median(r["first_paint_s"] for r in full_runs),
        "minimal_first_paint_after_navigation_s": _median(r["first_paint_s"] for r in map_runs),
        "ratio": full / small if full and small else None,
        "target_ratio": TARGET_COLDSTART_RATIO,
        "warm_up_full": warm_full,
        "full_runs": full_runs,
        "minimal_runs": map_runs,
        "text_runs": text_runs,
        "offsite": sum(r["offsite"] for r in full_runs + map_runs + text_runs),
    }


def _fmt_s(value) -> str:
    return "never painted" if value is None else f"{value:.1f} s"


#: Publishes a generated land-use layer in the store named by ``DASHBOARD_STORE``.
_PUBLISH = """\
import sys
from dashboard import bench_maps, store
frame = bench_maps.make_landuse(int(sys.argv[1]), seed=int(sys.argv[2]))
version = store.write_version("landuse", frame, uploader="bench", original_name="bench-landuse.parquet",
                              data_date="2026-09-30", source="bench")
store.publish("landuse", version.version, user="bench")
"""
#: What the app needs to run from another folder (``static/tiles`` is left out: each copy builds its own).
APP_FILES = ("app.py", "pages", "components", "dashboard", "data", ".streamlit", "static")


def copy_app(dest: Path) -> Path:
    """A copy of the app (:data:`APP_FILES`, without generated tiles, caches or secrets) in ``dest``, so that tiles
    built for a benchmark's store land in ``dest/static/tiles`` and never touch the project's own."""
    ignore = shutil.ignore_patterns("__pycache__", "tiles", "generated", "secrets.toml", "public")
    dest.mkdir(parents=True, exist_ok=True)
    for name in APP_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, dest / name)
    return dest


def run_memory(n: int = 500_000, timeout_s: float = 600.0, seed: int | None = None,
               log: Callable[[str], None] = _log_stderr) -> dict:
    """Peak resident memory of the app server (and its children) while the 土地利用 page shows a published layer of
    ``n`` generated parcels with its tiles built.  Returns the bytes (peak and current), the times spent preparing
    (publish, tiles), the page's first paint and the target.  Everything happens in a temporary folder: a copy of
    the app (:func:`copy_app`), its store and its tiles."""
    from dashboard import bench_maps

    seed = bench_maps.SEED if seed is None else seed
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        work = Path(tmp)
        app = copy_app(work / "app")
        store = work / "store"
        env = {**os.environ, "DASHBOARD_STORE": str(store),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(app), os.environ.get("PYTHONPATH")]))}
        log(f"memory: generating and publishing {n:,} parcels in a temporary store …")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _PUBLISH, str(n), str(seed)], cwd=app, env=env,
                       capture_output=True, text=True, check=True)
        publish_s = time.perf_counter() - start
        log(f"memory: published in {publish_s:.1f} s; building tiles …")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dashboard", "--lang", "en", "tiles"], cwd=app, env=env,
                       capture_output=True, text=True, check=True)
        tiles_s = time.perf_counter() - start
        log(f"memory: tiles built in {tiles_s:.1f} s; opening the land-use page …")
        with _browser() as browser:
            run = _full_app_once(browser, work, timeout_s, store=store, root=app)
    log(f"memory: server peak RSS {run['peak_rss_bytes'] / 2**20:.0f} MiB, map {run['state']}")
    return {
        "n": n,
        "peak_rss_bytes": run["peak_rss_bytes"],
        "rss_bytes": run["rss_bytes"],
        "processes": run["processes"],
        "publish_s": publish_s,
        "tiles_s": tiles_s,
        "total_s": run["total_s"],
        "first_paint_s": run["first_paint_s"],
        "state": run["state"],
        "offsite": run["offsite"],
        "target_bytes": TARGET_MEMORY_BYTES,
    }
