"""Spark parity: every indicator table is the same on Spark as on DuckDB (the default engine).

One ``local[2]`` Spark session serves the module (start-up ~10 s); ``compute_all`` runs on both engines over the
demo data, as of 2026-09-30, with the default profile.  Each table must have the same columns in the same order,
the same rows once sorted by its key columns (every non-float column), and:

* numbers equal within a relative tolerance of 1e-9 (absolute 1e-9 near zero): the engines sum floats in
  different orders, which moves the last few of the ~16 significant digits, never more;
* integers, booleans, strings, dates and missing values exactly equal;
* the same dtype family (integer / float / bool / string / datetime), so a page renders the same whichever engine
  ran.

Written over :func:`registry`, so an indicator is covered as soon as it is declared.  Marked ``slow``; it runs in
CI (requirements-test.txt includes requirements-spark.txt, ``make system-deps`` installs Java).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import Context, compute, registry
from dashboard.policy import load_profile
from tests.conftest import ROOT
from tests.unit.test_engine import require_spark

pytestmark = pytest.mark.slow

DEMO = ROOT / "data" / "demo"
AS_OF = date(2026, 9, 30)
RTOL = 1e-9
ATOL = 1e-9


@pytest.fixture(scope="module")
def spark_ctx():
    require_spark()
    engine = Engine.from_dir(DEMO, backend="spark")
    engine._spark.sparkContext.setLogLevel("ERROR")
    yield Context(engine=engine, profile=load_profile(), as_of=AS_OF)
    engine._spark.stop()


@pytest.fixture(scope="module")
def duck_ctx():
    return Context(engine=Engine.from_dir(DEMO), profile=load_profile(), as_of=AS_OF)


def _family(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_string_dtype(series):
        return "string"
    return str(series.dtype)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    keys = [
        c
        for c in keys
        if frame[c]
        .map(lambda v: isinstance(v, str | int | float | bool | pd.Timestamp) or v is None or v is pd.NA or v is pd.NaT)
        .all()
    ]
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    # Rows that tie on every key are ordered by their rounded floats, so float noise cannot reorder them.
    rounded = frame[floats].round(6).add_prefix("__r_")
    ordered = pd.concat([frame, rounded], axis=1).sort_values(
        keys + list(rounded.columns), na_position="first", kind="stable"
    )
    return ordered[frame.columns].reset_index(drop=True)


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    """Spark's table ``got`` equals DuckDB's ``expected`` (columns, row multiset, values within the tolerance)."""
    assert list(got.columns) == list(expected.columns), f"{name}: columns differ"
    assert len(got) == len(expected), f"{name}: {len(got)} rows on Spark, {len(expected)} on DuckDB"
    families = {c: (_family(got[c]), _family(expected[c])) for c in expected.columns}
    assert {c: f for c, f in families.items() if f[0] != f[1]} == {}, f"{name}: dtype families differ"
    got, expected = _sorted(got), _sorted(expected)
    for column in expected.columns:
        left, right = got[column], expected[column]
        if pd.api.types.is_float_dtype(right):
            np.testing.assert_allclose(
                left.to_numpy(dtype=float),
                right.to_numpy(dtype=float),
                rtol=RTOL,
                atol=ATOL,
                equal_nan=True,
                err_msg=f"{name}.{column}",
            )
        else:
            pd.testing.assert_series_equal(left, right, check_dtype=False, obj=f"{name}.{column}")


@pytest.mark.parametrize("ind_id", list(registry()))
def test_indicator_is_the_same_on_spark(spark_ctx, duck_ctx, ind_id):
    expected = compute(ind_id, duck_ctx)
    got = compute(ind_id, spark_ctx)
    assert_same_table(got, expected, ind_id)
