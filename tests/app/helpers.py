"""What the AppTest files share: opening a page the way a user arrives at it, and finding its tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_app_page(page_file: str, query=None, state=None, timeout: float = 180) -> AppTest:
    """Run ``app.py`` with ``query`` parameters and pre-seeded ``state``, switch to ``page_file``, and check that
    the page ran without an exception."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page_file)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric_text(value: str) -> str:
    """A metric card's value as read: ``"11,616.00 :small[亩]"`` (the unit set a size smaller) → ``"11,616.00 亩"``."""
    return re.sub(r":small\[((?:\\.|[^\]])*)\]", lambda m: re.sub(r"\\(.)", r"\1", m.group(1)), value)


def metrics(at: AppTest) -> dict[str, str]:
    """``{label: value as read}`` of every metric card on the page."""
    return {m.label: metric_text(m.value) for m in at.metric}
