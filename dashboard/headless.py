"""Headless helpers shared by the browser tests and the benchmarks: Debian's Chromium as they launch it (headless,
offline, no sandbox), a free loopback port, the Streamlit health check and one way to run a Streamlit server.

``playwright install`` cannot download here; Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``,
the Makefile's ``system-deps``) with these flags, which also keep it from calling home.  ``CHROMIUM_PATH`` overrides
the binary.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(base_url: str) -> bool:
    """Whether the Streamlit server at ``base_url`` answers its health check (``/_stcore/health`` → ``ok``)."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


#: Seconds a server may take to answer its first health check.
HEALTH_TIMEOUT_S = 90


class ServerFailed(RuntimeError):
    """The Streamlit server exited, or never answered its health check."""


@dataclass
class Server:
    """A running Streamlit server: its base URL, process, the ``perf_counter`` time it was launched at and the
    seconds it took to answer its health check."""

    url: str
    proc: subprocess.Popen
    launched: float
    healthy_s: float

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def streamlit_server(script: str, *, cwd: Path, log_path: Path, env: dict | None = None,
                     pythonpath: Sequence[str | Path] = (), args: Sequence[str] = (), poll_s: float = 0.25,
                     timeout_s: float = HEALTH_TIMEOUT_S) -> Iterator[Server]:
    """``streamlit run <script>`` in ``cwd`` on a free loopback port, headless, without a file watcher or usage
    statistics; yields the :class:`Server` once it answers its health check (polled every ``poll_s``) and stops it
    afterwards (terminate, then kill).

    ``env`` is added to this process's environment; ``pythonpath`` entries go first on ``PYTHONPATH`` (the project
    root, a network guard's ``sitecustomize``); ``args`` are extra ``streamlit run`` options.  Output goes to
    ``log_path``.  Raises :class:`ServerFailed` (naming the log) when the server exits or stays unhealthy.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    paths = [*map(str, pythonpath), os.environ.get("PYTHONPATH", "")]
    full_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_HEADLESS": "true",
        **(env or {}),
        "PYTHONPATH": os.pathsep.join(filter(None, paths)),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        launched = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout_s
            while not healthy(url):
                if proc.poll() is not None:
                    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                    raise ServerFailed(f"{script} exited with {proc.returncode} before it was healthy "
                                       f"(log {log_path}):\n{tail}")
                if time.monotonic() > deadline:
                    raise ServerFailed(f"{script} not healthy after {timeout_s:.0f} s; see {log_path}")
                time.sleep(poll_s)
            yield Server(url, proc, launched, time.perf_counter() - launched)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
