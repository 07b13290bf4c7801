"""Concurrency benchmark: N simultaneous websocket sessions through the app's main pages (see dashboard/bench_load.py).

Run: ``python scripts/bench_load.py [--sessions 20] [--rounds 2] [--pages overview,arable] [--json]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard.bench_load import main

if __name__ == "__main__":
    raise SystemExit(main())
