"""Loaded at start-up by the public app's server in the leak tests (its PYTHONPATH starts with this folder).

Two guards: the network guard of the other browser tests (refused attempts appended to ``NETGUARD_LOG``), and an
import guard that refuses the internal loaders, store, readers and indicator engine, appending each attempt to
``PUBLIC_IMPORT_LOG``: the public server must never load them, whatever URL the browser asks for.
"""

import importlib.abc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests.browser import netguard
    from tests.browser.public_guard import INTERNAL_MODULES, is_internal
finally:
    sys.path.pop(0)

_net_log = os.environ.get("NETGUARD_LOG")
_import_log = os.environ.get("PUBLIC_IMPORT_LOG")


def _append(path, line: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class _RefuseInternal(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if is_internal(fullname):
            _append(_import_log, fullname)
            raise ImportError(f"{fullname} is internal and may not be imported by the public app")


netguard.install(lambda what: _append(_net_log, what))
sys.meta_path.insert(0, _RefuseInternal())
assert INTERNAL_MODULES
