"""Loaded at start-up by the Streamlit server the browser tests run (its PYTHONPATH starts with this folder).

Turns on the same network guard as the pytest process and appends every refused attempt to the file named by
``NETGUARD_LOG``; the browser fixtures read that file after each test.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests.browser import netguard
finally:
    sys.path.pop(0)

_log = os.environ.get("NETGUARD_LOG")


def _report(what: str) -> None:
    if _log:
        with open(_log, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")


netguard.install(_report)
