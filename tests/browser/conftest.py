"""Fixtures for browser tests: the app served on a loopback port, Debian's Chromium, and a request fence.

Chromium comes from Debian (``/usr/bin/chromium``, installed by ``make test-deps``); Playwright's own browser
downloads are never used. Every request the page makes is routed: loopback requests go through, anything else
is recorded and aborted, and the test fails. The server runs with the same Python-level network guard as the
tests (``server_site/sitecustomize.py``).

Artifacts (git-ignored): ``artifacts/streamlit-server.log``, ``artifacts/screenshots/``, ``artifacts/console/``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from tests.browser.helpers import ARTIFACTS
from tests.conftest import ROOT

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
VIEWPORT = {"width": 1920, "height": 1080}
HEALTH_TIMEOUT_S = 60
SERVER_LOG = ARTIFACTS / "streamlit-server.log"
SERVER_NETGUARD_LOG = ARTIFACTS / "streamlit-server-netguard.log"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


SERVER_SITE = Path(__file__).parent / "server_site"


@contextlib.contextmanager
def _running_app(log_path: Path, prepare_store=None):
    """Run ``streamlit run app.py`` on a free loopback port, its network guard logging to the server log; yield its
    base URL; stop it afterwards.

    The app's data store is a new temporary folder; ``prepare_store(path)``, when given, fills it first.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dashboard-browser-store-") as store:
        if prepare_store is not None:
            prepare_store(Path(store))
        # Uploads in browser tests must never reach the real var/store.
        env = {"NETGUARD_LOG": str(SERVER_NETGUARD_LOG), "DASHBOARD_STORE": store}
        with streamlit_server("app.py", cwd=ROOT, log_path=log_path, env=env, pythonpath=(SERVER_SITE, ROOT),
                              timeout_s=HEALTH_TIMEOUT_S) as server:
            yield server.url


@pytest.fixture(scope="session")
def app_server():
    """The app, shared by the session's browser tests."""
    SERVER_NETGUARD_LOG.parent.mkdir(exist_ok=True)
    SERVER_NETGUARD_LOG.write_text("", encoding="utf-8")
    with _running_app(SERVER_LOG) as base_url:
        yield base_url


@pytest.fixture
def fresh_app_server():
    """A newly started app whose first request is the test's own (deep links behave differently then)."""
    with _running_app(SERVER_LOG.with_name("streamlit-server-fresh.log")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched through Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make test-deps` (installs Debian's chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


class Fence:
    """What a page tried to reach outside the machine, and local assets that failed to load."""

    def __init__(self) -> None:
        self.offsite: list[str] = []
        self.broken: list[str] = []
        self.console: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            self.offsite.append(f"{route.request.resource_type} {url}")
            route.abort("blockedbyclient")

    def on_websocket(self, ws) -> None:
        if not _is_local(ws.url):
            self.offsite.append(f"websocket {ws.url}")

    def on_response(self, response) -> None:
        if response.status < 400:
            return
        self.console.append(f"response: {response.status} {response.url}")
        if urlsplit(response.url).path.startswith(("/app/static/", "/component/", "/static/")):
            self.broken.append(f"{response.status} {response.url}")

    def on_console(self, msg) -> None:
        self.console.append(f"{msg.type}: {msg.text}")


@pytest.fixture
def fence():
    """Requests recorded by the page fixture; tests assert ``fence.offsite == []`` at the end."""
    return Fence()


@pytest.fixture
def context(browser, fence):
    """A fresh browser context (1920×1080, zh-CN) whose every request passes through :class:`Fence`."""
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", service_workers="block")
    ctx.route("**/*", fence.route)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, fence, request):
    """A page in :func:`context`; its console goes to ``artifacts/console/<test>.log``."""
    pg = context.new_page()
    pg.on("websocket", fence.on_websocket)
    pg.on("response", fence.on_response)
    pg.on("console", fence.on_console)
    pg.on("pageerror", lambda exc: fence.console.append(f"pageerror: {exc}"))
    server_attempts_before = _server_attempts()
    yield pg
    console_dir = ARTIFACTS / "console"
    console_dir.mkdir(parents=True, exist_ok=True)
    (console_dir / f"{_safe_name(request.node.name)}.log").write_text("\n".join(fence.console), encoding="utf-8")
    server_attempts = _server_attempts()[len(server_attempts_before):]
    problems = fence.offsite + [f"server: {a}" for a in server_attempts]
    if problems:
        pytest.fail("requests outside the machine: " + "; ".join(problems), pytrace=False)


def _server_attempts() -> list[str]:
    if not SERVER_NETGUARD_LOG.exists():
        return []
    return [line for line in SERVER_NETGUARD_LOG.read_text(encoding="utf-8").splitlines() if line]


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
