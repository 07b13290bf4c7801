"""Concurrency benchmark: many browser-less sessions driving the real app over Streamlit's websocket at once.

Run: ``python scripts/bench_load.py [--sessions 20] [--rounds 2] [--pages overview,arable,…] [--json]``.

The script starts the app as ``make run`` would serve it (``streamlit run app.py`` on a free loopback port, headless,
no file watcher, the bundled demo data behind an empty temporary ``DASHBOARD_STORE``) and talks to it the way the
browser front end does: each session opens ``ws://127.0.0.1:PORT/_stcore/stream`` (subprotocol ``streamlit``) and,
for every page, sends a ``BackMsg.rerun_script`` (the page's ``page_name`` — its URL path — on the session's first
visit, as a deep link does; the ``page_script_hash`` from the app's ``navigation`` message afterwards, as a
sidebar click does) and reads ``ForwardMsg``\\ s until ``script_finished`` (``FINISHED_EARLY_FOR_RERUN`` is not the
end: the rerun follows).  A page's time is from sending the rerun to that last ``script_finished``.

With no sign-in configured (the demo) the app is in open mode and every visitor — a browser or these sessions —
gets the analyst role, so every internal page runs; nothing is signed in.

Three phases in one server: a warm-up (one session, each page once: cold caches, reported but not compared), the
baseline (one session × ``rounds``) and the load (``sessions`` simultaneous sessions × ``rounds``; every session
visits every page per round in its own seeded shuffled order, all starting together).  Reports p50/p95/max per page
and overall, the p50 ratio load ÷ baseline, errors (an exception element rendered, a compile error, the wrong
page, a timeout or a dropped connection), ``st.error`` alerts, the server's peak RSS (``VmHWM``) and CPU time.
Timings are printed, never asserted.

The wire format is decoded here with a small protobuf reader (field numbers below, checked against Streamlit's
generated classes by ``tests/unit/test_bench_load.py``): importing ``streamlit.proto`` would run
``streamlit/__init__`` and load the whole runtime, and this package never imports streamlit.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import websockets
from websockets.exceptions import ConnectionClosed

from dashboard.headless import Server, streamlit_server
from dashboard.navigation import page_link, page_spec

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAGES = ("overview", "arable", "stock_land", "evaluation", "parks", "landuse", "projects")
DEFAULT_SESSIONS = 20
DEFAULT_ROUNDS = 2
SEED = 20261122
PAGE_TIMEOUT_S = 600.0

# ------------------------------------------------------------------------------------------ wire format
# Field numbers of the messages this module writes or reads (streamlit/proto/*.proto, Streamlit 1.67).
BACK_RERUN_SCRIPT = 11  # BackMsg.rerun_script: ClientState
STATE_QUERY_STRING, STATE_PAGE_SCRIPT_HASH, STATE_PAGE_NAME = 1, 3, 4  # ClientState
FWD_NEW_SESSION, FWD_DELTA, FWD_SCRIPT_FINISHED, FWD_PAGE_NOT_FOUND, FWD_REF_HASH, FWD_NAVIGATION = 4, 5, 6, 15, 11, 23
DELTA_NEW_ELEMENT = 3  # Delta.new_element: Element
ELEMENT_EXCEPTION, ELEMENT_ALERT = 8, 30  # Element.exception, Element.alert
EXCEPTION_TYPE, EXCEPTION_MESSAGE, EXCEPTION_IS_WARNING = 1, 2, 5  # Exception
ALERT_BODY, ALERT_FORMAT, ALERT_FORMAT_ERROR = 1, 2, 1  # Alert, Alert.Format.ERROR
NAV_APP_PAGES, NAV_PAGE_SCRIPT_HASH = 2, 4  # Navigation
PAGE_SCRIPT_HASH, PAGE_URL_PATHNAME = 1, 6  # AppPage
# ForwardMsg.ScriptFinishedStatus
FINISHED_SUCCESSFULLY, FINISHED_WITH_COMPILE_ERROR, FINISHED_EARLY_FOR_RERUN, FINISHED_FRAGMENT_RUN = 0, 1, 2, 3


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def fields(data: bytes | memoryview) -> Iterator[tuple[int, int | memoryview]]:
    """The top-level fields of a serialized protobuf message: ``(number, value)`` with an int for varints and
    fixed-width numbers and a memoryview (no copy) for length-delimited values (strings, bytes, messages)."""
    view = memoryview(data)
    pos, end = 0, len(view)
    while pos < end:
        key, pos = _read_varint(view, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(view, pos)
        elif wire == 2:
            length, pos = _read_varint(view, pos)
            value, pos = view[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = int.from_bytes(view[pos:pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(view[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} (field {number})")
        yield number, value


def _text(value) -> str:
    return bytes(value).decode("utf-8", "replace")


def rerun_message(page_script_hash: str = "", page_name: str = "", query_string: str = "") -> bytes:
    """A serialized ``BackMsg`` asking the server to run the page (by script hash, else by URL path name)."""
    state = b"".join(
        _length_delimited(number, text.encode("utf-8"))
        for number, text in ((STATE_QUERY_STRING, query_string), (STATE_PAGE_SCRIPT_HASH, page_script_hash),
                             (STATE_PAGE_NAME, page_name))
        if text
    )
    return _length_delimited(BACK_RERUN_SCRIPT, state)


@dataclass
class Forward:
    """What the benchmark needs from one ``ForwardMsg``."""

    kind: str = "other"  # new_session, delta, script_finished, navigation, page_not_found, ref_hash or other
    status: int | None = None  # script_finished's ScriptFinishedStatus
    pages: dict[str, str] = field(default_factory=dict)  # navigation: url_pathname → page_script_hash
    page_script_hash: str = ""  # navigation: the page this run shows
    exception: str | None = None  # "Type: message" of an exception element
    exception_is_warning: bool = False
    error_alert: str | None = None  # body of an st.error alert


def decode_forward(data: bytes | memoryview) -> Forward:
    """Summarise one serialized ``ForwardMsg`` (only the fields the benchmark reads are decoded)."""
    out = Forward()
    for number, value in fields(data):
        if number == FWD_SCRIPT_FINISHED:
            out.kind, out.status = "script_finished", value
        elif number == FWD_NEW_SESSION:
            out.kind = "new_session"
        elif number == FWD_PAGE_NOT_FOUND:
            out.kind = "page_not_found"
        elif number == FWD_REF_HASH:
            out.kind = "ref_hash"
        elif number == FWD_NAVIGATION:
            out.kind = "navigation"
            for nav_number, nav_value in fields(value):
                if nav_number == NAV_APP_PAGES:
                    page = dict(fields(nav_value))
                    out.pages[_text(page.get(PAGE_URL_PATHNAME, b""))] = _text(page.get(PAGE_SCRIPT_HASH, b""))
                elif nav_number == NAV_PAGE_SCRIPT_HASH:
                    out.page_script_hash = _text(nav_value)
        elif number == FWD_DELTA:
            out.kind = "delta"
            _decode_delta(value, out)
    return out


def _decode_delta(delta: memoryview, out: Forward) -> None:
    for number, value in fields(delta):
        if number != DELTA_NEW_ELEMENT:
            continue
        for element_number, element in fields(value):
            if element_number == ELEMENT_EXCEPTION:
                exc = dict(fields(element))
                out.exception = f"{_text(exc.get(EXCEPTION_TYPE, b''))}: {_text(exc.get(EXCEPTION_MESSAGE, b''))}"
                out.exception_is_warning = bool(exc.get(EXCEPTION_IS_WARNING, 0))
            elif element_number == ELEMENT_ALERT:
                alert = dict(fields(element))
                if alert.get(ALERT_FORMAT) == ALERT_FORMAT_ERROR:
                    out.error_alert = _text(alert.get(ALERT_BODY, b""))


# ------------------------------------------------------------------------------------------ sessions


@dataclass
class PageRun:
    """One page visit of one session."""

    phase: str
    session: int
    round: int
    page: str
    seconds: float
    ok: bool
    error: str = ""  # why it is not ok: exception, compile error, wrong page, page not found, timeout, connection
    exceptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0


def plan(pages: tuple[str, ...], sessions: int, rounds: int, seed: int = SEED) -> list[list[list[str]]]:
    """``plan[session][round]``: every page once per round, each session and round in its own seeded order."""
    out = []
    for session in range(sessions):
        rng = random.Random(f"{seed}-{session}")
        out.append([rng.sample(list(pages), len(pages)) for _ in range(rounds)])
    return out


async def _visit(ws, phase: str, session: int, round_: int, page: str, hashes: dict[str, str],
                 timeout_s: float) -> PageRun:
    """Run one page in an open session and read the server's answer up to the run's end."""
    link = page_link(page_spec(page))
    script_hash = hashes.get(link, "")
    run = PageRun(phase, session, round_, page, 0.0, False)
    start = time.perf_counter()
    await ws.send(rerun_message(script_hash, link))
    shown = ""
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                data = await ws.recv()
                run.messages += 1
                run.bytes += len(data)
                msg = decode_forward(data)
                if msg.kind == "navigation":
                    hashes.update(msg.pages)
                    shown = msg.page_script_hash
                elif msg.exception is not None:
                    (run.warnings if msg.exception_is_warning else run.exceptions).append(msg.exception)
                elif msg.error_alert is not None:
                    run.error_alerts.append(msg.error_alert)
                elif msg.kind == "page_not_found":
                    run.error = "page not found"
                elif msg.kind == "script_finished" and msg.status in (FINISHED_SUCCESSFULLY,
                                                                       FINISHED_WITH_COMPILE_ERROR):
                    if msg.status == FINISHED_WITH_COMPILE_ERROR:
                        run.error = "compile error"
                    break
    except TimeoutError:
        run.error = f"timeout after {timeout_s:.0f} s"
    except (ConnectionClosed, OSError) as exc:  # a dropped connection ends this session's visit with its reason
        run.error = f"connection: {type(exc).__name__}: {exc}"
    run.seconds = time.perf_counter() - start
    if not run.error and run.exceptions:
        run.error = "exception"
    if not run.error and shown != hashes.get(link):
        run.error = f"wrong page (showed {shown or 'none'})"
    run.ok = not run.error
    return run


async def _session(ws_url: str, phase: str, session: int, rounds: list[list[str]], go: asyncio.Event,
                   ready: list, timeout_s: float) -> list[PageRun]:
    runs: list[PageRun] = []
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, ping_interval=None,
                                  open_timeout=60, close_timeout=5) as ws:
        ready.append(session)
        await go.wait()
        hashes: dict[str, str] = {}
        for round_, pages in enumerate(rounds):
            for page in pages:
                run = await _visit(ws, phase, session, round_, page, hashes, timeout_s)
                runs.append(run)
                if run.error.startswith("connection"):
                    return runs
    return runs


async def _drive(base_url: str, phase: str, schedule: list[list[list[str]]], timeout_s: float) -> list[PageRun]:
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    go = asyncio.Event()
    ready: list[int] = []
    tasks = [asyncio.create_task(_session(ws_url, phase, i, rounds, go, ready, timeout_s))
             for i, rounds in enumerate(schedule)]
    while len(ready) < len(tasks) and not any(task.done() for task in tasks):
        await asyncio.sleep(0.05)
    go.set()  # every session connected: all start their first page together
    return [run for runs in await asyncio.gather(*tasks) for run in runs]


def drive(base_url: str, phase: str, pages: tuple[str, ...], sessions: int, rounds: int,
          seed: int = SEED, timeout_s: float = PAGE_TIMEOUT_S) -> tuple[list[PageRun], float]:
    """Run ``sessions`` simultaneous websocket sessions through ``pages`` × ``rounds``; the runs and wall seconds."""
    start = time.perf_counter()
    runs = _run_in_own_loop(_drive(base_url, phase, plan(pages, sessions, rounds, seed), timeout_s))
    return runs, time.perf_counter() - start


def _run_in_own_loop(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own: the caller's thread may already run an event loop
    (Playwright's sync API keeps one in the test process), and ``asyncio.run`` refuses to nest."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# ------------------------------------------------------------------------------------------ statistics


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100) of ``values``; ``None`` when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n·q/100)
    return ordered[int(rank) - 1]


def _stats(runs: list[PageRun]) -> dict:
    seconds = [r.seconds for r in runs if r.ok]
    return {
        "n": len(runs),
        "errors": sum(not r.ok for r in runs),
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "max": max(seconds) if seconds else None,
        "mb_per_visit": round(sum(r.bytes for r in runs) / len(runs) / 1e6, 3) if runs else None,
    }


def summarize(runs: list[PageRun], pages: tuple[str, ...], wall_s: float, sessions: int, rounds: int) -> dict:
    """Per-page and overall p50/p95/max (successful visits), error counts and what went wrong, for one phase."""
    return {
        "sessions": sessions,
        "rounds": rounds,
        "wall_s": round(wall_s, 2),
        "pages": {page: _stats([r for r in runs if r.page == page]) for page in pages},
        "overall": _stats(runs),
        "errors": [{"session": r.session, "round": r.round, "page": r.page, "error": r.error,
                    "exceptions": r.exceptions} for r in runs if not r.ok],
        "exceptions": sorted({e for r in runs for e in r.exceptions}),
        "warnings": sorted({w for r in runs for w in r.warnings}),
        "error_alerts": sorted({a for r in runs for a in r.error_alerts}),
    }


# ------------------------------------------------------------------------------------------ server


def process_status(pid: int) -> dict:
    """Peak and current resident memory (MB, ``VmHWM``/``VmRSS``) and CPU seconds (user + system) of ``pid``."""
    out: dict = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key.lower() + "_mb"] = round(int(value.split()[0]) / 1024, 1)
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = stat[stat.rindex(")") + 2:].split()
        out["cpu_s"] = round((int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        pass
    return out


@contextlib.contextmanager
def running_app(log_path: Path, extra_env: dict | None = None, pythonpath: tuple[str, ...] = ()) -> Iterator[Server]:
    """``streamlit run app.py`` from the project on a free loopback port over an empty temporary data store, so
    the app shows the bundled demo data; output to ``log_path``.  Yields the :class:`dashboard.headless.Server`
    once it answers its health check and stops it afterwards.  ``pythonpath`` entries go before the project root
    (the browser tests' network guard, for instance)."""
    with tempfile.TemporaryDirectory(prefix="dashboard-load-store-") as store, streamlit_server(
        "app.py", cwd=ROOT, log_path=log_path, env={"DASHBOARD_STORE": store, **(extra_env or {})},
        pythonpath=(*pythonpath, ROOT),
    ) as server:
        yield server


# ------------------------------------------------------------------------------------------ the benchmark


def machine() -> dict:
    """What the run happened on: usable and installed cores, memory, Python and Streamlit versions."""
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024**2, 1)
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "streamlit": package_version("streamlit"),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (``None`` where the OS does not say)."""
    with contextlib.suppress(OSError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def measure(server: Server, pages: tuple[str, ...] = DEFAULT_PAGES, sessions: int = DEFAULT_SESSIONS,
            rounds: int = DEFAULT_ROUNDS, baseline: bool = True, warmup: bool = True, seed: int = SEED,
            timeout_s: float = PAGE_TIMEOUT_S, log=None) -> dict:
    """Warm-up, 1-session baseline and ``sessions``-session load against ``server``; the report as a dict."""
    log = log or (lambda _msg: None)
    for page in pages:
        page_spec(page)  # unknown names fail here, not as "wrong page" visits
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before": load_average(),
        "config": {"sessions": sessions, "rounds": rounds, "pages": list(pages), "seed": seed},
        "phases": {},
        "server": {"start": process_status(server.pid)},
    }
    client_cpu = time.process_time()
    phases = []
    if warmup:
        phases.append(("warmup", 1, 1))
    if baseline:
        phases.append(("baseline", 1, rounds))
    phases.append(("load", sessions, rounds))
    for phase, n, k in phases:
        log(f"{phase}: {n} session(s) × {k} round(s) over {len(pages)} pages …")
        before = process_status(server.pid)
        runs, wall = drive(server.url, phase, pages, n, k, seed, timeout_s)
        after = process_status(server.pid)
        summary = summarize(runs, pages, wall, n, k)
        if "cpu_s" in before and "cpu_s" in after:
            summary["server_cpu_s"] = round(after["cpu_s"] - before["cpu_s"], 2)
        report["phases"][phase] = summary
        report["server"][f"after_{phase}"] = after
        log(f"{phase}: {summary['overall']['n']} visits in {wall:.1f} s, {summary['overall']['errors']} errors")
    report["client_cpu_s"] = round(time.process_time() - client_cpu, 2)
    report["load_average_after"] = load_average()
    if baseline:
        report["p50_ratio"] = _ratios(report["phases"]["baseline"], report["phases"]["load"], pages)
    report["exceptions_rendered"] = sorted({e for p in report["phases"].values() for e in p["exceptions"]})
    report["errors"] = sum(p["overall"]["errors"] for p in report["phases"].values())
    return report


def _ratios(base: dict, load: dict, pages: tuple[str, ...]) -> dict:
    def ratio(a, b):
        return round(b / a, 2) if a and b else None

    out = {page: ratio(base["pages"][page]["p50"], load["pages"][page]["p50"]) for page in pages}
    out["overall"] = ratio(base["overall"]["p50"], load["overall"]["p50"])
    return out


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def format_report(report: dict) -> str:
    """The report as the text the script prints."""
    m, cfg, phases = report["machine"], report["config"], report["phases"]
    load = phases["load"]
    lines = [
        (f"Concurrency benchmark, {report['date']}: {cfg['sessions']} sessions × {cfg['rounds']} rounds over "
         f"{len(cfg['pages'])} pages (demo data, open mode: every session has the analyst role)"),
        (f"machine: {m['nproc']} usable cores ({m['cpu_count']} installed), {m['memory_gib']} GiB, {m['cpu']}, "
         f"Python {m['python']}, Streamlit {m['streamlit']}"),
        f"load average before: {report['load_average_before']}",
    ]
    if "warmup" in phases:
        warm = phases["warmup"]["pages"]
        lines.append("warm-up (1 session, cold caches, s): "
                     + ", ".join(f"{page} {_s(warm[page]['p50'])}" for page in cfg["pages"]))
    has_base = "baseline" in phases
    head = f"{'page':<12}" + (f"{'1 session p50':>14}{'p95':>7}{'max':>7}  " if has_base else "")
    head += f"{str(cfg['sessions']) + ' sessions p50':>16}{'p95':>7}{'max':>7}"
    head += (f"{'p50 ratio':>11}" if has_base else "") + f"{'errors':>8}{'MB/visit':>10}"
    lines += ["", "seconds from rerun to script_finished:", head]
    for name in [*cfg["pages"], "overall"]:
        row_load = load["overall"] if name == "overall" else load["pages"][name]
        row = f"{name:<12}"
        errors = row_load["errors"]
        if has_base:
            row_base = phases["baseline"]["overall" if name == "overall" else "pages"]
            row_base = row_base if name == "overall" else row_base[name]
            row += f"{_s(row_base['p50']):>14}{_s(row_base['p95']):>7}{_s(row_base['max']):>7}  "
            errors += row_base["errors"]
        row += f"{_s(row_load['p50']):>16}{_s(row_load['p95']):>7}{_s(row_load['max']):>7}"
        if has_base:
            ratio = report["p50_ratio"][name]
            row += f"{'—' if ratio is None else f'{ratio:.1f}×':>11}"
        row += f"{errors:>8}{row_load['mb_per_visit']:>10.2f}"
        lines.append(row)
    lines.append("")
    for phase, summary in phases.items():
        cpu = summary.get("server_cpu_s")
        busy = f", server CPU {cpu:.1f} s = {cpu / summary['wall_s']:.2f} cores busy" if cpu is not None else ""
        lines.append(f"{phase}: {summary['overall']['n']} visits in {summary['wall_s']:.1f} s wall{busy}")
    server = report["server"]
    peaks = ", ".join(f"after {key[6:]} {value.get('vmhwm_mb', '?')} MB" for key, value in server.items()
                      if key.startswith("after_"))
    lines.append(f"server peak RSS (VmHWM): at start {server['start'].get('vmhwm_mb', '?')} MB, {peaks}")
    lines.append(f"client (this process) CPU: {report['client_cpu_s']:.1f} s")
    lines.append("exception elements rendered: " + ("; ".join(report["exceptions_rendered"]) or "none"))
    alerts = sorted({a for p in phases.values() for a in p["error_alerts"]})
    lines.append("st.error alerts: " + ("; ".join(a[:120] for a in alerts) or "none"))
    failed = [e for p in phases.values() for e in p["errors"]]
    for e in failed[:10]:
        lines.append(f"  error: session {e['session']} round {e['round']} {e['page']}: {e['error']}")
    if len(failed) > 10:
        lines.append(f"  … {len(failed) - 10} more errors")
    lines.append(f"load average after: {report['load_average_after']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line of ``scripts/bench_load.py``: start the app, run the phases, print the report.
    Exit status 1 when any visit failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="simultaneous sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="visits of every page per session")
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="comma-separated page URL paths")
    parser.add_argument("--no-baseline", action="store_true", help="skip the 1-session baseline")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the warm-up: the sessions meet cold caches (as after a publish)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the page orders")
    parser.add_argument("--timeout", type=float, default=PAGE_TIMEOUT_S, help="seconds before a visit times out")
    parser.add_argument("--server-log", type=Path, default=None, help="the app's output (default: a temporary file)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    try:
        for page in pages:
            page_spec(page)
    except KeyError as exc:
        parser.error(f"unknown page {exc.args[0]!r}")
    if args.sessions < 1 or args.rounds < 1:
        parser.error("--sessions and --rounds must be at least 1")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="dashboard-load-") as tmp:
        log_path = args.server_log or Path(tmp) / "server.log"
        with running_app(log_path) as server:
            log(f"app at {server.url} (pid {server.pid}), log {log_path}")
            report = measure(server, pages, args.sessions, args.rounds, baseline=not args.no_baseline,
                             warmup=not args.no_warmup, seed=args.seed, timeout_s=args.timeout, log=log)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_report(report))
    return 1 if report["errors"] else 0

