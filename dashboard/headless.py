"""Headless helpers shared by the browser tests and the benchmarks: Debian's Chromium as they launch it (headless,
offline, no sandbox), a free loopback port and the Streamlit health check.

``playwright install`` cannot download here; Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``,
the Makefile's ``system-deps``) with these flags, which also keep it from calling home.  ``CHROMIUM_PATH`` overrides
the binary.
"""

from __future__ import annotations

import os
import socket
import urllib.request
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
