"""Benchmark the land-use map in headless Chromium: the project's vector-tile path against a naive inline layer.

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
import base64
import contextlib
import json
import os
import pickle
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard import bench_maps
from dashboard.bench import machine
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS
from dashboard.offline import STATIC_DIR

VIEWPORT = {"width": 1920, "height": 1080}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
MAP = '[data-testid="stDeckGlJsonChart"]'
DEFAULT_SIZES = "1000,55126,100000,500000"
#: Targets of issue #5.
TARGET_PAINT_RATIO = 1.5
TARGET_MAP_MB = 2.0
#: The map is painted when this share of its pixels has parcel colours (1k parcels cover ~0.3 % of the city view) …
MIN_PARCEL_SHARE = 0.001
#: … and the picture has not changed (beyond ``CHANGED_SHARE`` of its pixels) for this long.
STABLE_S = 2.0
CHANGED_SHARE = 0.002
#: A pixel "has colour" when its channels spread by at least this much (county fills spread by 5, outlines 0).
CHROMA = 28
POLL_S = 0.1
#: A map whose canvas stays without parcel colours this long (page idle, no tile in flight) is reported "blank".
BLANK_S = 45.0
HEALTH_TIMEOUT_S = 90

APP = """\
import pickle

import streamlit as st

from dashboard import bench_maps

st.set_page_config(page_title="bench map", layout="wide")


@st.cache_resource
def inputs():
    with open({inputs!r}, "rb") as handle:
        return pickle.load(handle)


data = inputs()
if data["path"] == "project":
    deck = bench_maps.project_deck(data["tileset"], data["regions"])
else:
    deck = bench_maps.naive_deck(data["frame"], bench_maps.city_view(data["regions"]))
left, right = st.columns([3, 2])
with left:
    st.pydeck_chart(deck, height=bench_maps.MAP_HEIGHT_PX)
with right:
    st.markdown("**{label}**")
"""

CONFIG = """\
[server]
headless = true
enableStaticServing = true
fileWatcherType = "none"
runOnSave = false

[browser]
gatherUsageStats = false
serverAddress = "localhost"

[client]
toolbarMode = "minimal"

[theme]
base = "light"
"""


# --------------------------------------------------------------------------------------------------- data & tiles


@dataclass
class Layer:
    n: int
    label: str
    generate_s: float
    tiles_s: float
    tiles: int
    tiles_mb: float
    app_dirs: dict = field(default_factory=dict)


def _label(n: int, demo_n: int) -> str:
    return f"demo {n:,}" if n == demo_n else f"{n:,}"


def _write_app(folder: Path, inputs: dict, label: str) -> None:
    """A minimal Streamlit app in ``folder`` rendering the deck described by ``inputs``."""
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit" / "config.toml").write_text(CONFIG, encoding="utf-8")
    vendor = folder / "static" / "vendor" / "loaders.gl-mvt"
    if not vendor.exists():
        # a copy: Streamlit's static server refuses symlinks that lead out of the app's static folder
        shutil.copytree(STATIC_DIR / "vendor" / "loaders.gl-mvt", vendor)
    with open(folder / "inputs.pickle", "wb") as handle:
        pickle.dump(inputs, handle, protocol=pickle.HIGHEST_PROTOCOL)
    (folder / "app.py").write_text(APP.format(inputs=str(folder / "inputs.pickle"), label=label), encoding="utf-8")


def prepare_layer(n: int, work: Path, demo, regions, naive_max: int, seed: int, log) -> Layer:
    """Generate the layer, build its tiles into the project app's folder and write both apps."""
    from dashboard.tiles import build_landuse_tileset

    label = _label(n, len(demo))
    start = time.perf_counter()
    frame = bench_maps.make_landuse(n, demo, seed=seed)
    generate_s = time.perf_counter() - start
    log(f"  {label}: generated in {generate_s:.1f} s; building tiles …")

    project_dir = work / f"project-{n}"
    start = time.perf_counter()
    tileset = build_landuse_tileset(frame, key=f"bench-{n}-{seed}", root=project_dir / "static" / "tiles")
    tiles_s = time.perf_counter() - start
    files = list(tileset.folder.glob("*/*/*.pbf"))
    layer = Layer(n, label, generate_s, tiles_s, len(files), sum(f.stat().st_size for f in files) / 1e6)
    log(f"  {label}: {layer.tiles:,} tiles, {layer.tiles_mb:.1f} MB, built in {tiles_s:.1f} s")
    _write_app(project_dir, {"path": "project", "tileset": tileset, "regions": regions}, f"project {label}")
    layer.app_dirs["project"] = project_dir
    if n <= naive_max:
        inline_dir = work / f"inline-{n}"
        _write_app(inline_dir, {"path": "inline", "frame": bench_maps.naive_frame(frame), "regions": regions},
                   f"inline {label}")
        layer.app_dirs["inline"] = inline_dir
    return layer


# --------------------------------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_app(folder: Path):
    """``streamlit run app.py`` in ``folder`` on a free loopback port; yields the base URL; stops it after."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1"]
    log_path = folder / "server.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            while not _healthy(base_url):
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit not healthy after {HEALTH_TIMEOUT_S} s")
                time.sleep(0.2)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


# --------------------------------------------------------------------------------------------------- browser


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def _is_map_url(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith("/app/static/")


#: Injected before the app's scripts: WebGL canvases keep their last frame (so the probe can read it) and the
#: resource-timing buffer holds every request (its default of 250 entries is too small for many tiles).
INIT_SCRIPT = """
(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, attrs) {
    if (type === 'webgl' || type === 'webgl2' || type === 'experimental-webgl') {
      attrs = Object.assign({}, attrs || {}, {preserveDrawingBuffer: true});
    }
    return getContext.call(this, type, attrs);
  };
  performance.setResourceTimingBufferSize(100000);
})();
"""

#: Reads the map's canvas at a quarter of its resolution: the share of clearly coloured pixels (parcels; the white
#: page, grey county fills and outlines are not) and the share changed since the previous probe.
PROBE = """
([selector, chroma]) => {
  const root = document.querySelector(selector);
  if (!root) return null;
  const canvases = [...root.querySelectorAll('canvas')].filter(c => c.width > 0 && c.height > 0);
  if (!canvases.length) return null;
  const canvas = canvases.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
  const w = Math.max(1, Math.floor(canvas.width / 4)), h = Math.max(1, Math.floor(canvas.height / 4));
  const small = document.createElement('canvas');
  small.width = w;
  small.height = h;
  const ctx = small.getContext('2d', {willReadFrequently: true});
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(canvas, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h).data;
  const prev = window.__benchPrevious;
  let colour = 0, changed = 0;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) >= chroma) colour++;
    if (!prev || prev.length !== d.length
        || Math.max(Math.abs(r - prev[i]), Math.abs(g - prev[i + 1]), Math.abs(b - prev[i + 2])) > 16) changed++;
  }
  window.__benchPrevious = d;
  return {colour: colour / (w * h), changed: changed / (w * h), width: canvas.width, height: canvas.height};
}
"""

#: Bytes of every HTTP response as transferred (headers and body), from the page's resource timing.
RESOURCES = """
() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .map(e => [e.name, e.transferSize || 0])
"""


class Traffic:
    """What one browser context fetched: the routing fence, tile requests and websocket frames (Chromium's
    network events; HTTP bytes come from resource timing, which also sees the MVT worker's script)."""

    def __init__(self) -> None:
        self.offsite: list[str] = []
        self.tiles: dict[str, str] = {}  # request id -> state: sent, ok, missing, failed
        self.ws_bytes = 0
        self.cdp_http_bytes = 0

    def route(self, route) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort("blockedbyclient")

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.send("Network.enable")

    def _sent(self, params) -> None:
        if urlsplit(params["request"]["url"]).path.endswith(".pbf"):
            self.tiles[params["requestId"]] = "sent"

    def _response(self, params) -> None:
        if params["requestId"] in self.tiles:
            self.tiles[params["requestId"]] = "ok" if params["response"]["status"] == 200 else "missing"

    def _finished(self, params) -> None:
        self.cdp_http_bytes += int(params.get("encodedDataLength", 0))
        if self.tiles.get(params["requestId"]) == "sent":
            self.tiles[params["requestId"]] = "missing"

    def _failed(self, params) -> None:
        if params["requestId"] in self.tiles:
            self.tiles[params["requestId"]] = "failed"

    def _frame(self, params) -> None:
        response = params["response"]
        payload = response.get("payloadData", "")
        self.ws_bytes += len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload.encode())

    @property
    def tiles_pending(self) -> int:
        return sum(1 for state in self.tiles.values() if state == "sent")

    def snapshot(self, resources: list) -> dict:
        http = sum(size for _, size in resources)
        map_http = sum(size for url, size in resources if _is_map_url(url))
        tile_bytes = sum(size for url, size in resources if urlsplit(url).path.endswith(".pbf"))
        states = list(self.tiles.values())
        return {
            "total_bytes": http + self.ws_bytes,
            "map_bytes": map_http + self.ws_bytes,
            "ws_bytes": self.ws_bytes,
            "http_bytes": http,
            "cdp_http_bytes": self.cdp_http_bytes,
            "tile_bytes": tile_bytes,
            "tiles_requested": len(states),
            "tiles_ok": states.count("ok"),
            "offsite": len(self.offsite),
        }


def measure(browser, url: str, timeout_s: float, trace: list | None = None, screenshot: Path | None = None) -> dict:
    """Open ``url`` in a fresh context and wait for the painted, stable map: first paint seconds and bytes."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", service_workers="block")
    traffic = Traffic()
    try:
        context.add_init_script(INIT_SCRIPT)
        context.route("**/*", traffic.route)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        traffic.attach(context.new_cdp_session(page))
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        stable_since, still_since, still_probes, first_colour, probes, result = None, None, 0, None, 0, None
        probe = None
        while time.perf_counter() - start < timeout_s:
            try:
                probe = page.evaluate(PROBE, [MAP, CHROMA])
            except PlaywrightError:  # the page navigated or re-rendered under the probe
                probe = None
            seen = time.perf_counter() - start
            if trace is not None:
                trace.append((round(seen, 2), probe, traffic.tiles_pending, len(traffic.tiles), traffic.ws_bytes))
            if probe is not None:
                probes += 1
                painted = probe["colour"] >= MIN_PARCEL_SHARE
                if painted and first_colour is None:
                    first_colour = seen
                if still_since is None or probe["changed"] > CHANGED_SHARE:
                    still_since, still_probes = seen, 0
                else:
                    still_probes += 1
                if not painted:
                    stable_since = None
                elif stable_since is None or probe["changed"] > CHANGED_SHARE:
                    stable_since = seen
                if stable_since is not None and not traffic.tiles_pending and seen - stable_since >= STABLE_S:
                    result = {"first_paint_s": stable_since, "first_colour_s": first_colour}
                    break
                # A sized canvas without parcel colours that stays unchanged, its page idle (probes answered):
                # the map is drawn but shows (almost) no parcels.
                if (not painted and probe["width"] > 300 and not traffic.tiles_pending and traffic.tiles
                        and seen - still_since >= BLANK_S and still_probes >= BLANK_S / (4 * POLL_S)):
                    result = {"first_paint_s": None, "first_colour_s": first_colour, "blank": True}
                    break
            page.wait_for_timeout(POLL_S * 1000)
        if result is None:
            result = {"first_paint_s": None, "first_colour_s": first_colour, "timeout": True}
        if probe is not None:
            result.update(parcel_share=probe["colour"], canvas=[probe["width"], probe["height"]])
        result.update(traffic.snapshot(page.evaluate(RESOURCES)))
        result.update(probes=probes, page_errors=errors[:5], offsite_urls=traffic.offsite[:5])
        if screenshot is not None:  # after the timing: a screenshot of software-rendered WebGL takes seconds
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.locator(MAP).first.screenshot(path=str(screenshot), timeout=120_000)
        return result
    finally:
        context.close()


# --------------------------------------------------------------------------------------------------- report


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict]) -> dict:
    keys = ("first_paint_s", "first_colour_s", "total_bytes", "map_bytes", "tile_bytes", "tiles_requested",
            "tiles_ok", "ws_bytes", "parcel_share")
    out = {key: _median(r.get(key) for r in runs) for key in keys}
    out["first_paint_runs_s"] = [r.get("first_paint_s") for r in runs]
    out["run_states"] = [_state(r) for r in runs]
    out["offsite"] = sum(r.get("offsite", 0) for r in runs)
    out["timeouts"] = sum(1 for r in runs if r.get("timeout"))
    out["blanks"] = sum(1 for r in runs if r.get("blank"))
    return out


def _state(run: dict) -> str:
    if run.get("first_paint_s") is not None:
        return format(run["first_paint_s"], ".1f")
    return "blank" if run.get("blank") else "timeout"


def _fmt(value, spec: str, empty: str = "—", suffix: str = "") -> str:
    return empty if value is None else format(value, spec) + suffix


COLUMNS_OUT = (
    ("parcels", 14),
    ("path", 9),
    ("first paint s", 15),
    ("runs s", 24),
    ("parcel px", 11),
    ("map MB", 9),
    ("total MB", 10),
    ("tiles req", 11),
    ("÷ 1k project", 14),
    ("inline÷proj s", 15),
    ("inline÷proj MB", 16),
)


def report(payload: dict) -> str:
    info = payload["machine"]
    lines = [
        f"map benchmark — {payload['date']}",
        (
            f"machine: {info['nproc']} usable cores ({info['cpu_count']} installed), {info['memory_gib']} GiB, "
            f"{info['cpu']}; {info['os']}; python {info['python']}, streamlit {info['streamlit']}, "
            f"pydeck {info['pydeck']}, tippecanoe {info['tippecanoe']}, chromium {info['chromium']} "
            "(headless, software WebGL)"
        ),
        (
            f"load average (1 min) at start {payload['load_start']:.1f}, at end {payload['load_end']:.1f} "
            f"on {info['nproc']} cores (other processes share the machine)"
        ),
        (
            f"settings: repeat {payload['repeat']} (median; fresh browser context each, after one warm-up load), "
            f"viewport {VIEWPORT['width']}×{VIEWPORT['height']}, map {bench_maps.MAP_HEIGHT_PX} px high; inline path "
            f"only up to {payload['naive_max']:,} parcels (--naive-max), nothing extrapolated; seed {payload['seed']}"
        ),
        "",
        "data and tiles (offline work, not part of first paint):",
    ]
    for layer in payload["layers"]:
        lines.append(
            f"  {layer['label']:>14} parcels: generated {layer['generate_s']:6.1f} s; tiles built "
            f"{layer['tiles_s']:6.1f} s, {layer['tiles']:,} files, {layer['tiles_mb']:.1f} MB"
        )
    lines += [
        "",
        (
            "first paint = navigation → the map canvas first shows the complete map (parcel colours on ≥ "
            f"{MIN_PARCEL_SHARE:.1%} of it, then unchanged for {STABLE_S:g} s with no tile in flight); blank = the "
            f"map settled with (almost) no parcel colour for {BLANK_S:g} s; parcel px = share of the map canvas in "
            "parcel colours at the end; map MB = websocket frames + /app/static (tiles, worker); total MB adds "
            "Streamlit's front end"
        ),
        "",
        "".join(f"{title:>{width}}" for title, width in COLUMNS_OUT),
    ]
    base = payload.get("baseline_first_paint_s")
    for row in payload["rows"]:
        s = row["summary"]
        head = f"{row['label']:>{COLUMNS_OUT[0][1]}}{row['path']:>{COLUMNS_OUT[1][1]}}"
        if row.get("skipped"):
            lines.append(f"{head}   skipped: above --naive-max {payload['naive_max']:,} (not extrapolated)")
            continue
        ratio = s["first_paint_s"] / base if base and s["first_paint_s"] else None
        never = "blank" if s["blanks"] else "timeout"
        cells = [
            _fmt(s["first_paint_s"], ".2f", never),
            ", ".join(s["run_states"]),
            _fmt(s["parcel_share"] * 100 if s["parcel_share"] is not None else None, ".2f", suffix=" %"),
            _fmt(s["map_bytes"] / 1e6 if s["map_bytes"] is not None else None, ".2f"),
            _fmt(s["total_bytes"] / 1e6 if s["total_bytes"] is not None else None, ".2f"),
            _fmt(s["tiles_requested"], ".0f"),
            _fmt(ratio, ".2f", suffix="×"),
            _fmt(row.get("inline_over_project_time"), ".1f", suffix="×"),
            _fmt(row.get("inline_over_project_bytes"), ".1f", suffix="×"),
        ]
        lines.append(head + "".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS_OUT[2:], strict=True)))
    offsite = sum(row["summary"].get("offsite", 0) for row in payload["rows"] if not row.get("skipped"))
    lines += ["", f"requests to other hosts (aborted): {offsite}"]
    problems = [f"{row['label']} {row['path']}: {p}" for row in payload["rows"] for p in row.get("problems", [])]
    if problems:
        lines.append("problems seen: " + "; ".join(problems[:10]))
    lines += ["", "targets (issue #5):"]
    for target in payload["targets"]:
        lines.append(f"  {target['name']}: {target['value']} → {target['verdict']}")
    return "\n".join(lines)


def targets(payload: dict) -> list[dict]:
    rows = {(row["n"], row["path"]): row for row in payload["rows"] if not row.get("skipped")}
    big, small = 500_000, 1_000
    out = []
    paint = rows.get((big, "project"))
    base = rows.get((small, "project"))
    name = f"500k first paint ≤ {TARGET_PAINT_RATIO}× the 1k one (project path)"
    if paint and base and paint["summary"]["first_paint_s"] and base["summary"]["first_paint_s"]:
        ratio = paint["summary"]["first_paint_s"] / base["summary"]["first_paint_s"]
        out.append({"name": name, "ratio": ratio, "value": (
            f"{paint['summary']['first_paint_s']:.2f} s ÷ {base['summary']['first_paint_s']:.2f} s = {ratio:.2f}×"),
            "verdict": "met" if ratio <= TARGET_PAINT_RATIO else "NOT met"})
    elif paint and base and paint["summary"]["first_paint_s"] is None:
        share, base_share = paint["summary"]["parcel_share"], base["summary"]["parcel_share"]
        out.append({"name": name, "ratio": None, "value": (
            f"the 500k city view never shows its parcels ({_state_text(paint['summary'])}; parcel colours on "
            f"{_fmt(share and share * 100, '.2f')} % of the map canvas, {_fmt(base_share and base_share * 100, '.2f')}"
            " % at 1k)"), "verdict": "NOT met"})
    else:
        out.append({"name": name, "value": "not measured (needs sizes 1000 and 500000)", "verdict": "not measured"})
    name = f"≤ {TARGET_MAP_MB:g} MB of map data reach the browser for the city view (500k, project path)"
    if paint and paint["summary"]["map_bytes"] is not None:
        mb = paint["summary"]["map_bytes"] / 1e6
        out.append({"name": name, "mb": mb, "value": (
            f"{mb:.2f} MB ({paint['summary']['tile_bytes'] / 1e6:.2f} MB of tiles; "
            f"{paint['summary']['total_bytes'] / 1e6:.2f} MB with Streamlit's front end)"),
            "verdict": ("NOT met" if mb > TARGET_MAP_MB
                        else "met only because the map is blank" if paint["summary"]["first_paint_s"] is None
                        else "met")})
    else:
        out.append({"name": name, "value": "not measured (needs size 500000)", "verdict": "not measured"})
    return out


def _state_text(summary: dict) -> str:
    return ", ".join(summary["run_states"])


def _versions(browser_version: str) -> dict:
    import importlib.metadata as md

    info = machine()
    info.update(
        os=platform.platform(terse=True),
        streamlit=md.version("streamlit"),
        pydeck=md.version("pydeck"),
        tippecanoe=md.version("tippecanoe"),
        playwright=md.version("playwright"),
        chromium=browser_version,
    )
    return info


# --------------------------------------------------------------------------------------------------- main


def _parse_sizes(text: str, demo_n: int) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        if part == "demo":
            sizes.append(demo_n)
        elif part.endswith("k"):
            sizes.append(int(float(part[:-1]) * 1000))
        else:
            sizes.append(int(part))
    if not sizes or min(sizes) < 1:
        raise ValueError("sizes must be positive integers (or 'demo', or e.g. '500k')")
    return sorted(dict.fromkeys(sizes))


def main(argv: list[str] | None = None) -> int:
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

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    load_start = os.getloadavg()[0]
    demo = bench_maps.load_demo_landuse()
    regions = bench_maps.load_demo_regions()
    try:
        sizes = _parse_sizes(args.sizes, len(demo))
    except ValueError as exc:
        parser.error(str(exc))

    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        if args.keep:
            work = Path(args.keep)
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-maps-")))
        log(f"preparing layers in {work}")
        layers = [prepare_layer(n, work, demo, regions, args.naive_max, args.seed, log) for n in sizes]

        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        rows = []
        for layer in layers:
            for path in ("project", "inline"):
                row = {"n": layer.n, "label": layer.label, "path": path}
                rows.append(row)
                folder = layer.app_dirs.get(path)
                if folder is None:
                    row.update(skipped=True, summary={})
                    log(f"  {layer.label} {path}: skipped (above --naive-max {args.naive_max:,})")
                    continue
                with running_app(folder) as url:
                    log(f"  {layer.label} {path}: warm-up load …")
                    warm = measure(browser, url, args.timeout)
                    runs = []
                    for i in range(args.repeat):
                        shot = (Path(args.screenshots) / f"map-{layer.n}-{path}.png"
                                if args.screenshots and i == args.repeat - 1 else None)
                        runs.append(measure(browser, url, args.timeout, screenshot=shot))
                        log(f"  {layer.label} {path}: run {i + 1}: first paint {_state(runs[-1])} s, "
                            f"{runs[-1]['map_bytes'] / 1e6:.2f} MB map, {runs[-1]['total_bytes'] / 1e6:.2f} MB total")
                row["warm_up"] = warm
                row["runs"] = runs
                row["summary"] = summarise(runs)
                row["problems"] = sorted({p for r in runs for p in r["page_errors"]})
        for row in rows:
            if row["path"] != "inline" or row.get("skipped"):
                continue
            project = next(r for r in rows if r["n"] == row["n"] and r["path"] == "project")
            p, q = project["summary"], row["summary"]
            if p.get("first_paint_s") and q.get("first_paint_s"):
                row["inline_over_project_time"] = q["first_paint_s"] / p["first_paint_s"]
            if p.get("map_bytes") and q.get("map_bytes"):
                row["inline_over_project_bytes"] = q["map_bytes"] / p["map_bytes"]
        browser_version = browser.version

    base = next((r for r in rows if r["n"] == 1_000 and r["path"] == "project" and not r.get("skipped")), None)
    payload = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "machine": _versions(browser_version),
        "sizes": sizes,
        "naive_max": args.naive_max,
        "repeat": args.repeat,
        "seed": args.seed,
        "settings": {"viewport": VIEWPORT, "stable_s": STABLE_S, "min_parcel_share": MIN_PARCEL_SHARE,
                     "changed_share": CHANGED_SHARE, "chroma": CHROMA},
        "layers": [{k: v for k, v in asdict(layer).items() if k != "app_dirs"} for layer in layers],
        "rows": rows,
        "baseline_first_paint_s": base["summary"]["first_paint_s"] if base else None,
    }
    payload["targets"] = targets(payload)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    else:
        print(report(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
