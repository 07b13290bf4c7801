"""Debian's Chromium as the project's browser tests and map benchmark launch it: headless, offline, no sandbox.

``playwright install`` cannot download here; Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``,
the Makefile's ``system-deps``) with these flags, which also keep it from calling home.  ``CHROMIUM_PATH`` overrides
the binary.
"""

from __future__ import annotations

import os
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
