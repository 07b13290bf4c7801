"""Leak tests of the public app: everything the browser receives is free of row-level data.

The public extract is published from the demo data into a temporary folder and ``public_app.py`` is served on it
(with the internal store and demo folders pointed at an empty folder, static serving off, and an import guard that
refuses the internal loaders: ``public_site/sitecustomize.py``).  Chromium opens every public page in both languages
(by the query string and by the language switch), picks every county (in English, two: the tables are the same with
English labels), opens every expander, and also asks for the internal pages' URLs.  Everything received is
captured: the DOM text and HTML of every state, and every websocket frame (Streamlit's protobuf deltas, with tables
as Arrow).  The test fails on any demo parcel id, enterprise name,
统一社会信用代码 (also any 18-character code of that form), case / supply / approval number, batch or project
name, or parcel vertex coordinate (as text at 6 decimals, or as a raw float64 anywhere in a binary frame).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.headless import streamlit_server
from dashboard.i18n import t
from dashboard.public_schema import FORBIDDEN_PATTERNS, uscc_valid
from tests.browser.conftest import SERVER_NETGUARD_LOG
from tests.browser.helpers import ARTIFACTS, wait_for_app
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
PUBLIC_SITE = Path(__file__).parent / "public_site"
PAGES = ("", "counties", "changelog")
INTERNAL_URLS = ("overview", "parks", "data_manager", "public_summary", "app/static/favicon.png")
#: Datasets with parcel geometry whose vertices must never be sent.
GEOMETRY_DATASETS = ("landuse", "park_parcels", "idle_land", "approvals", "control_lines")


# ------------------------------------------------------------------------------------------- forbidden lists


class Forbidden:
    """Row-level strings and coordinates of the demo data, and how to look for them in captured text/bytes."""

    def __init__(self) -> None:
        def col(name, column):
            return pd.read_parquet(DEMO / f"{name}.parquet", columns=[column])[column].dropna().astype(str)

        self.parcel_ids = set(col("landuse", "parcel_id")) | set(col("park_parcels", "parcel_id")) | set(
            col("idle_land", "parcel_id"))
        self.credit_codes = set(col("park_parcels", "enterprise_id"))
        self.names = (set(col("park_parcels", "enterprise_name")) | set(col("approvals", "batch_name"))
                      | set(col("projects", "name")) | set(col("arable_ledger", "project_name")))
        self.ids = (set(col("idle_land", "case_id")) | set(col("supplies", "supply_id"))
                    | set(col("approvals", "approval_id")) | set(col("projects", "project_id"))
                    | set(col("arable_ledger", "entry_id")))
        coords = []
        for name in GEOMETRY_DATASETS:
            frame = pd.read_parquet(DEMO / f"{name}.parquet", columns=["geometry"])
            geoms = shapely.from_wkb(frame["geometry"].dropna().to_numpy())
            coords.append(shapely.get_coordinates(geoms))
        xy = np.concatenate(coords)
        # Every vertex as exact float64 values, and as an (x, y) pair at 6 decimals.
        self.coord_exact = np.unique(xy.ravel())
        self.pair_keys = np.unique(self._pair_key(xy[:, 0], xy[:, 1]))
        assert len(self.parcel_ids) > 1000 and len(self.credit_codes) > 100 and len(self.pair_keys) > 1000

    @staticmethod
    def _pair_key(x, y):
        """One int64 per (x, y) rounded to 6 decimals (x < 180, y < 90: 180e6 × 1e9 fits in int64)."""
        return np.round(np.asarray(x) * 1e6).astype(np.int64) * 1_000_000_000 + np.round(
            np.asarray(y) * 1e6).astype(np.int64)

    def scan_text(self, text: str) -> list[str]:
        hits = []
        for match in re.finditer(r"\d{12}(?:GB\d{5})?", text):
            if match.group(0) in self.parcel_ids:
                hits.append(f"parcel id {match.group(0)}")
        # Any valid 统一社会信用代码 with a letter in it (an all-digit match is more likely a Streamlit id or hash).
        for match in FORBIDDEN_PATTERNS["uscc"].finditer(text):
            code = match.group(0)
            if code in self.credit_codes or (uscc_valid(code) and not code.isdigit()):
                hits.append(f"credit code {code}")
        hits += [f"credit code {c}" for c in self.credit_codes if c in text]
        hits += [f"name {n}" for n in self.names if len(n) >= 4 and n in text]
        hits += [f"id {i}" for i in self.ids if i in text]
        # A vertex as text: "x, y" / "x y" / "[x,y]" (compared at 6 decimals), or one number at full precision.
        pairs = re.findall(r"(\d{2,3}\.\d{4,})\s*[, ]\s*(\d{1,2}\.\d{4,})", text)
        if pairs:
            xs, ys = np.array([[float(x), float(y)] for x, y in pairs]).T
            found = np.isin(self._pair_key(xs, ys), self.pair_keys)
            hits += [f"coordinate pair {p}" for p, f in zip(pairs, found, strict=True) if f]
        singles = np.array([float(m) for m in re.findall(r"\d{2,3}\.\d{10,}", text)])
        if len(singles):
            hits += [f"coordinate {v!r}" for v in singles[np.isin(singles, self.coord_exact)]]
        return hits

    def scan_bytes(self, payload: bytes) -> list[str]:
        """Vertex coordinates as raw little-endian float64 at any byte offset (WKB, Arrow, numpy buffers)."""
        hits = []
        for offset in range(8):
            usable = (len(payload) - offset) // 8
            if usable <= 0:
                continue
            floats = np.frombuffer(payload, dtype="<f8", count=usable, offset=offset)
            finite = floats[np.isfinite(floats)]
            candidates = np.unique(finite[((finite > 97) & (finite < 106)) | ((finite > 21) & (finite < 29))])
            found = candidates[np.isin(candidates, self.coord_exact, assume_unique=True)]
            hits += [f"float64 coordinate {v!r}" for v in found[:5]]
        return hits


@pytest.fixture(scope="module")
def forbidden():
    return Forbidden()


# ---------------------------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def public_extract():
    from dashboard.public_extract import publish_public

    with tempfile.TemporaryDirectory(prefix="dashboard-public-extract-") as folder:
        publish_public(Path(folder), data_dir=DEMO)
        yield Path(folder)


@contextlib.contextmanager
def running_public_app(extract: Path, log_path: Path, import_log: Path):
    """``streamlit run public_app.py`` on a free loopback port over ``extract``; yields the base URL."""
    ARTIFACTS.mkdir(exist_ok=True)
    import_log.write_text("", encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="dashboard-public-empty-") as empty:
        env = {
            "NETGUARD_LOG": str(SERVER_NETGUARD_LOG),
            "PUBLIC_IMPORT_LOG": str(import_log),
            "DASHBOARD_PUBLIC_DIR": str(extract),
            # The internal datasets are not there to be found, even if something tried.
            "DASHBOARD_STORE": empty,
            "DASHBOARD_DEMO_DIR": empty,
        }
        with streamlit_server("public_app.py", cwd=ROOT, log_path=log_path, env=env, pythonpath=(PUBLIC_SITE, ROOT),
                              args=("--server.enableStaticServing", "false", "--client.showErrorDetails", "none"),
                              ) as server:
            yield server.url


IMPORT_LOG = ARTIFACTS / "public-server-imports.log"


@pytest.fixture(scope="module")
def public_server(public_extract):
    SERVER_NETGUARD_LOG.parent.mkdir(exist_ok=True)
    if not SERVER_NETGUARD_LOG.exists():
        SERVER_NETGUARD_LOG.write_text("", encoding="utf-8")
    with running_public_app(public_extract, ARTIFACTS / "public-server.log", IMPORT_LOG) as base_url:
        yield base_url


# ------------------------------------------------------------------------------------------------- capture


class Capture:
    """Everything the page received: websocket frames (text and binary) and DOM snapshots."""

    def __init__(self, page) -> None:
        self.frames: list[bytes | str] = []
        self.dom: list[str] = []
        self.page = page
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.frames.append(payload)))

    def snapshot(self) -> None:
        self.dom.append(self.page.locator("body").inner_text())
        self.dom.append(self.page.content())

    def text(self) -> str:
        decoded = [f if isinstance(f, str) else f.decode("utf-8", errors="replace") for f in self.frames]
        return "\n".join(self.dom + decoded)


def assert_clean_page(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "exception on the page:\n" + "\n---\n".join(exceptions.all_inner_texts())


def settle(page, first: bool = False) -> None:
    """Wait for the script run a navigation (``first``) or a widget change started to end.

    The public pages have no iframes or map canvases, so after the first load the full :func:`wait_for_app`
    (which also waits for network idle, never reached with a websocket open) is not needed.
    """
    if first:
        wait_for_app(page)
        return
    time.sleep(0.4)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]',
        timeout=60_000,
    )
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')
             && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=60_000,
    )


def open_and_walk(page, base_url: str, path: str, lang: str, capture: Capture, every_county: bool = True) -> None:
    """Open a public page and every state of it: each county (unless ``every_county`` is false: then the first
    two), each expander."""
    page.goto(f"{base_url}/{path}{'?lang=en' if lang == 'en' else ''}", wait_until="domcontentloaded")
    settle(page, first=True)
    assert_clean_page(page)
    capture.snapshot()
    main = page.locator('[data-testid="stMain"]')
    if path == "counties":
        box = main.locator('[data-testid="stSelectbox"]').first
        box.click()
        options = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        assert len(options) >= 9, options
        for option in options if every_county else options[:2]:
            box.click()
            page.get_by_role("option", name=option, exact=True).click()
            settle(page)
            assert_clean_page(page)
            capture.snapshot()
    if path == "changelog":
        for expander in main.locator('[data-testid="stExpander"] summary').all():
            expander.click()
            settle(page)
        capture.snapshot()


def test_public_pages_leak_nothing_row_level(page, fence, public_server, forbidden):
    capture = Capture(page)
    for lang in ("zh", "en"):
        for path in PAGES:
            # every county in Chinese; in English the same tables with English labels, so two counties suffice
            open_and_walk(page, public_server, path, lang, capture, every_county=lang == "zh")
            # A page in the language asked for, with its title.
            title_key = {"": "public.page.city", "counties": "public.page.counties",
                         "changelog": "public.page.changelog"}[path]
            assert t(title_key, lang) in capture.dom[-1] or t(title_key, lang) in capture.dom[-2]
            assert t("public.data_date", lang, date="2026-09-30") in page.locator("body").inner_text()
    # The language switch in the sidebar (not only the query string).
    page.goto(public_server, wait_until="domcontentloaded")
    settle(page, first=True)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="English", exact=True).click()
    settle(page)
    capture.snapshot()
    assert t("public.page.city", "en") in page.locator('[data-testid="stMain"]').inner_text()

    assert len(capture.frames) > 20, "no websocket traffic captured"
    binary = [f for f in capture.frames if isinstance(f, bytes)]
    assert sum(len(f) for f in binary) > 10_000
    text = capture.text()
    # The capture works: the published figures are there (a city total and a county name in both languages).
    assert "12,730" in text and "红塔区" in text and "Hongta District" in text

    hits = forbidden.scan_text(text)
    for payload in binary:
        hits += forbidden.scan_bytes(payload)
    assert not hits, f"row-level data reached the browser: {sorted(set(hits))[:20]}"
    assert fence.offsite == []
    imports = [line for line in IMPORT_LOG.read_text(encoding="utf-8").splitlines() if line]
    assert imports == [], f"the public server tried to import internal modules: {imports}"


@pytest.mark.parametrize("path", INTERNAL_URLS)
def test_internal_urls_show_only_public_content(page, fence, public_server, forbidden, path):
    """Internal page URLs (and the internal static folder) are not served by the public app."""
    if path.startswith("app/static/"):
        # Static serving is off: the file is not sent (Streamlit answers unknown paths with its index page or 404).
        local = ROOT / path.removeprefix("app/")
        try:
            with urllib.request.urlopen(f"{public_server}/{path}", timeout=5) as resp:
                body, kind = resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            assert err.code == 404
            return
        assert body != local.read_bytes() and kind.startswith("text/html"), kind
        return
    capture = Capture(page)
    page.goto(f"{public_server}/{path}", wait_until="domcontentloaded")
    settle(page, first=True)
    capture.snapshot()
    assert_clean_page(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert t("page.data_manager") not in main and t("page.overview") not in main
    assert not forbidden.scan_text(capture.text())
    imports = [line for line in IMPORT_LOG.read_text(encoding="utf-8").splitlines() if line]
    assert imports == [], f"the public server tried to import internal modules: {imports}"
