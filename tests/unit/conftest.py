"""Fixtures shared by the unit tests of the indicator engine."""

from datetime import date

import pytest

from dashboard.demo import DEMO_DIR
from dashboard.engine import Engine
from dashboard.indicators import Context
from dashboard.policy import load_profile

#: The demo data date: every demo-data indicator test computes as of this day.
DEMO_AS_OF = date(2026, 9, 30)


@pytest.fixture(scope="session")
def demo_engine():
    """One DuckDB engine over the committed demo data, shared by every test that reads it (read-only)."""
    return Engine.from_dir(DEMO_DIR)


@pytest.fixture()
def demo_ctx(demo_engine):
    """A fresh context (its own result cache) over the demo data, default profile, as of the data date."""
    return Context(engine=demo_engine, profile=load_profile(), as_of=DEMO_AS_OF)
