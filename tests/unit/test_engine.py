"""The query engine: tables without geometry, pandas results typed alike on DuckDB and Spark, loopback-only Spark.

The Spark tests share one ``local[2]`` session for the module (start-up costs ~10 s) and are marked ``slow``;
they run in CI (requirements-test.txt includes requirements-spark.txt; ``make system-deps`` installs Java).
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.engine import BACKENDS, Engine, rows_in_order
from dashboard.errors import UserError
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def require_spark():
    """Skip on a developer machine without pyspark or Java; in CI their absence is a failure."""
    if not _spark_available():
        if os.environ.get("CI"):
            pytest.fail("CI must run the Spark tests: install requirements-test.txt and `make system-deps`")
        pytest.skip("pyspark or java not installed")


def _tricky_table(folder):
    """A GeoParquet-like file: nanosecond, zoned and missing timestamps, nulls, and a WKB geometry column."""
    table = pa.table(
        {
            "code": pa.array(["530402", "530403", None], pa.large_string()),
            "area_mu": pa.array([1.5, None, 3.25], pa.float64()),
            "count": pa.array([1, 2, 3], pa.int64()),
            "day_ns": pa.array(
                [pd.Timestamp("2026-09-30"), pd.Timestamp("1969-12-31 23:59:59.999999"), None], pa.timestamp("ns")
            ),
            "day_us": pa.array([pd.Timestamp("2020-02-29"), None, pd.Timestamp("2000-01-01")], pa.timestamp("us")),
            "at_shanghai": pa.array(
                [pd.Timestamp("2026-09-29 16:00", tz="UTC"), None, pd.Timestamp("2026-01-01 00:30", tz="UTC")],
                pa.timestamp("ns", tz="Asia/Shanghai"),
            ),
            "geometry": pa.array([b"\x01", b"\x01", b"\x01"], pa.binary()),
        }
    )
    path = folder / "it's tricky.parquet"  # a quote in the path must not break the view
    pq.write_table(table, path)
    return path


TRICKY_EXPECTED = pd.DataFrame(
    {
        "code": pd.Series(["530402", "530403", None], dtype="str"),
        "area_mu": [1.5, float("nan"), 3.25],
        "count": [1, 2, 3],
        "day_ns": pd.to_datetime(["2026-09-30", "1969-12-31 23:59:59.999999", None], format="ISO8601").astype(
            "datetime64[ns]"
        ),
        "day_us": pd.to_datetime(["2020-02-29", None, "2000-01-01"], format="ISO8601").astype("datetime64[ns]"),
        # wall time in the column's own zone, naive
        "at_shanghai": pd.to_datetime(["2026-09-30 00:00", None, "2026-01-01 08:30"], format="ISO8601").astype(
            "datetime64[ns]"
        ),
    }
)


# --- DuckDB ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duck():
    return Engine.from_dir(DEMO)


def test_from_dir_registers_every_demo_file(duck):
    assert set(duck.paths) == {p.stem for p in DEMO.glob("*.parquet")}
    assert duck.has("landuse") and not duck.has("nonsense")


def test_geometry_is_never_sent_to_the_engine(duck):
    for name in duck.paths:
        columns = duck.table(name).columns
        assert "geometry" not in columns
        assert list(columns) == [c for c in pq.read_schema(duck.paths[name]).names if c != "geometry"]


def test_results_are_typed_as_the_readers_write(duck):
    frame = duck.to_pandas("approvals")
    assert str(frame["approval_date"].dtype) == "datetime64[ns]"
    assert frame["approved_area_mu"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["county_code"])
    assert len(frame) == pq.read_metadata(duck.paths["approvals"]).num_rows


def test_execute_returns_scalars_and_frames(duck):
    t = duck.table("approvals")
    total = duck.execute(t.approved_area_mu.sum())
    assert total == pytest.approx(pd.read_parquet(duck.paths["approvals"])["approved_area_mu"].sum())
    last = duck.execute(t.approval_date.max())
    assert isinstance(last, pd.Timestamp) and last.date() <= date(2026, 9, 30)
    by_county = duck.execute(t.group_by("county_code").aggregate(n=t.count()))
    assert list(by_county.index) == list(range(len(by_county)))


def test_timestamps_normalised_to_naive_ns(tmp_path):
    path = _tricky_table(tmp_path)
    engine = Engine({"tricky": path})
    frame = engine.to_pandas("tricky")
    pd.testing.assert_frame_equal(frame, TRICKY_EXPECTED, check_dtype=False)
    for column in ("day_ns", "day_us", "at_shanghai"):
        assert str(frame[column].dtype) == "datetime64[ns]", column


def test_table_results_with_nulls_are_typed_as_ibis_types_them(tmp_path):
    # Table results go from Arrow straight to pandas, not through Ibis's per-value conversion of columns with nulls.
    engine = Engine({"tricky": _tricky_table(tmp_path)})
    t = engine.table("tricky")
    frame = engine.execute(t.mutate(large=t.area_mu > 2, day=t.day_us.date()).order_by("count"))
    assert pd.api.types.is_string_dtype(frame["code"]) and pd.isna(frame["code"].iloc[2])
    assert frame["area_mu"].dtype == "float64" and pd.isna(frame["area_mu"].iloc[1])
    assert frame["large"].tolist() == [False, None, True]
    assert str(frame["day"].dtype) == "datetime64[ns]" and pd.isna(frame["day"].iloc[1])
    assert frame["count"].dtype == "int64"


def test_order_by_gives_the_rows_an_order_by_query_gives(duck, tmp_path):
    t = duck.table("approvals")
    expected = duck.execute(t.order_by(["county_code", "approval_id"]))
    pd.testing.assert_frame_equal(duck.execute(t, order_by=["county_code", "approval_id"]), expected)
    tricky = Engine({"tricky": _tricky_table(tmp_path)})
    assert tricky.execute(tricky.table("tricky"), order_by=["area_mu"])["count"].tolist() == [1, 3, 2]  # nulls last


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda tmp: Engine({}, backend="hadoop"), "error.unknown_engine"),
        (lambda tmp: Engine.from_dir(tmp), "error.no_data_dir"),
        (lambda tmp: Engine({}).table("landuse"), "error.no_data"),
    ],
    ids=["unknown-engine", "empty-dir", "missing-dataset"],
)
def test_user_errors(tmp_path, make, key):
    with pytest.raises(UserError) as info:
        make(tmp_path)
    assert info.value.key == key
    assert info.value.message("zh") and info.value.message("en")


def test_backends_listed():
    assert BACKENDS == ("duckdb", "spark")


def _county_sums(engine):
    t = engine.table("approvals")
    return t.group_by("county_code").aggregate(n=t.count(), area_mu=t.approved_area_mu.sum())


def test_materialize_computes_once_and_reads_like_the_expression(duck):
    expected = duck.execute(_county_sums(duck), order_by=["county_code"])
    stored = duck.materialize(_county_sums(duck), "sums")
    pd.testing.assert_frame_equal(duck.execute(stored, order_by=["county_code"]), expected)
    # later queries read the stored rows: summing them again gives the city total
    assert duck.execute(stored.area_mu.sum()) == pytest.approx(expected["area_mu"].sum())


def test_materialize_gives_every_call_its_own_table(duck):
    t = duck.table("approvals")
    first = duck.materialize(t.filter(t.county_code == "530402").select("approval_id"), "part")
    second = duck.materialize(t.filter(t.county_code != "530402").select("approval_id"), "part")
    assert first.get_name() != second.get_name()
    ids = [set(duck.execute(x)["approval_id"]) for x in (first, second)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]  # the second did not replace the first


# --- Spark -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    require_spark()
    engine = Engine.from_dir(DEMO, backend="spark")
    engine._spark.sparkContext.setLogLevel("ERROR")
    yield engine
    engine._spark.stop()


@pytest.mark.slow
def test_spark_session_stays_on_loopback(spark):
    conf = spark._spark.sparkContext.getConf()
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert os.environ.get("SPARK_LOCAL_IP") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark._spark.conf.get("spark.sql.session.timeZone") == "UTC"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in DEMO.glob("*.parquet")))
def test_spark_reads_every_demo_table_like_duckdb(spark, duck, name):
    expected = duck.to_pandas(name)
    got = spark.to_pandas(name)
    assert list(got.columns) == list(expected.columns)
    assert {c: str(got[c].dtype) for c in got} == {c: str(expected[c].dtype) for c in expected}
    key = list(expected.columns)
    expected = expected.sort_values(key, na_position="first").reset_index(drop=True)
    got = got.sort_values(key, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


@pytest.mark.slow
def test_spark_normalises_timestamps(spark, tmp_path):
    path = _tricky_table(tmp_path)
    engine = Engine({"tricky": path, "approvals": path}, backend="spark")  # same session (getOrCreate)
    frame = engine.to_pandas("tricky").sort_values("count").reset_index(drop=True)
    # the session is shared, its views are not: the module engine still reads the demo approvals
    assert len(engine.to_pandas("approvals")) == 3
    assert len(spark.to_pandas("approvals")) == pq.read_metadata(spark.paths["approvals"]).num_rows
    pd.testing.assert_frame_equal(frame, TRICKY_EXPECTED, check_dtype=False)
    for column in ("day_ns", "day_us", "at_shanghai"):
        assert str(frame[column].dtype) == "datetime64[ns]", column


@pytest.mark.slow
def test_spark_aggregates_match_duckdb(spark, duck):
    def query(engine):
        t = engine.table("supplies")
        t = t.filter(t.supply_date >= date(2021, 10, 1))
        return (
            t.group_by("county_code")
            .aggregate(n=t.count(), area_mu=t.area_mu.sum(), last=t.supply_date.max(), year=t.supply_date.year().max())
            .order_by("county_code")
        )

    got, expected = spark.execute(query(spark)), duck.execute(query(duck))
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, check_dtype=False)
    assert {c: str(got[c].dtype) for c in ("area_mu", "last")} == {"area_mu": "float64", "last": "datetime64[ns]"}


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 3)), max_size=8))
def test_rows_in_order_agrees_with_sorting(rows):
    table = pa.table({"a": [a for a, _ in rows], "b": [b for _, b in rows]})
    assert rows_in_order(table, ["a", "b"]) == (rows == sorted(rows))
    assert rows_in_order(table, ["a"]) == ([a for a, _ in rows] == sorted(a for a, _ in rows))


def test_rows_in_order_sends_null_keys_to_the_sort(tmp_path):
    assert not rows_in_order(pa.table({"a": ["a", None]}), ["a"])
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"k": ["b", None, "a", "c"], "v": [2.0, 9.0, 1.0, 3.0]}), path)
    engine = Engine({"t": path})
    frame = engine.execute(engine.table("t"), order_by=["k"])
    assert frame["v"].tolist() == [1.0, 2.0, 3.0, 9.0]  # missing key last, as DuckDB orders


@pytest.mark.slow
def test_spark_materialize_matches_duckdb(spark, duck):
    got = spark.execute(spark.materialize(_county_sums(spark), "sums"), order_by=["county_code"])
    expected = duck.execute(_county_sums(duck), order_by=["county_code"])
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, check_dtype=False)
