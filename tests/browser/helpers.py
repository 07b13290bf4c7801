"""Helpers shared by the browser tests (kept out of conftest so test modules can import them)."""

from __future__ import annotations

import contextlib

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"


def wait_for_app(pg, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has connected, run the page script to the end, and its iframes have loaded."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    # stApp carries the script-run state; "initial" until the first run starts, "notRunning" once it ended.
    pg.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]',
        timeout=timeout_ms,
    )
    pg.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')
             && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=timeout_ms,
    )
    # Components (folium, deck.gl) load in iframes / canvases after the script run; give them a bounded wait.
    # A slow frame must not hide the assertion that follows, so these waits end quietly.
    for frame in pg.frames:
        with contextlib.suppress(PlaywrightTimeoutError):
            frame.wait_for_load_state("load", timeout=15_000)
    with contextlib.suppress(PlaywrightTimeoutError):
        pg.wait_for_load_state("networkidle", timeout=10_000)
