"""What a page's first run imports before its map is sent (cold start, issue #9).

The 土地利用 page sends its map before it computes the structure beside it.  The query engine (Ibis, its DuckDB
backend and every SQL dialect it compiles for: ~0.5 s) and Altair (~0.3 s) are imported with the first engine and
the first chart, so a new server's first visitor gets the map that much sooner.  A module-level import of either
in the frame, the loaders, the map explorer or the indicator registry would silently undo that.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What the frame and the land-use page import before the map (app.py, pages/landuse.py).
BEFORE_THE_MAP = ("components.auth", "components.frame", "components.loaders", "components.maps",
                  "components.landuse_map", "components.panels", "dashboard.context", "dashboard.indicators",
                  "dashboard.navigation")
DEFERRED = ("ibis", "altair", "duckdb", "sqlglot")


def _imported_after(modules: tuple[str, ...]) -> list[str]:
    code = (f"import importlib, json, sys\nfor name in {list(modules)!r}:\n    importlib.import_module(name)\n"
            f"print(json.dumps(sorted(m for m in {list(DEFERRED)!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_frame_and_the_map_page_do_not_import_the_engine_or_altair():
    assert _imported_after(BEFORE_THE_MAP) == []


def test_the_engine_brings_ibis_when_it_is_needed():
    # the check itself can see a deferred import
    assert "ibis" in _imported_after(("dashboard.engine",))
