"""Shared test setup: the project ROOT, clean Streamlit caches, and no network beyond this machine.

Build test paths from :data:`ROOT`, never from the working directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# `import dashboard` / `components` must work however pytest is started (`pytest`, `python -m pytest`, an IDE).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser import netguard  # needs ROOT on sys.path

_offsite: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # Installed for the whole run, before any test module is imported, so import-time connections count too.
    netguard.install(_offsite.append)


def pytest_unconfigure(config: pytest.Config) -> None:
    netguard.uninstall()


@pytest.fixture(autouse=True)
def _no_offsite_network():
    """Fail the test if it (or code it ran) tried to reach a host outside this machine, even if it caught it."""
    _offsite.clear()
    yield
    if _offsite:
        attempts = list(_offsite)
        _offsite.clear()
        pytest.fail("network access outside the machine: " + "; ".join(attempts), pytrace=False)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Each test starts with empty ``st.cache_data`` / ``st.cache_resource``.

    Streamlit is only touched when something already imported it: a test of pure ``dashboard/`` code never
    fills a Streamlit cache and should not pay for importing Streamlit.
    """
    st = sys.modules.get("streamlit")
    if st is not None:
        st.cache_data.clear()
        st.cache_resource.clear()
    yield
