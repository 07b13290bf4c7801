"""The query engine: Ibis expressions over named tables, run on embedded DuckDB or, unchanged, on PySpark.

DuckDB is the default (in-process, reads the curated parquet directly).  Spark is opt-in by configuration
(``engine="spark"``; session start costs ~10 s) for deployments that outgrow one machine: the same expressions
run against the same parquet on shared storage.  Geometry columns are never sent to the engine; spatial work is
done in geopandas/shapely.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard.config import BACKENDS
from dashboard.errors import UserError

_SPARK_VIEWS = itertools.count()
_MATERIALIZED = itertools.count()


def _spark_session(master: str, conf: dict | None = None):
    """The process's Spark session on ``master`` with the project's settings and ``conf`` (``spark.*`` keys).

    A ``local[…]`` master stays on loopback: the driver, its block manager and the executors never listen on, or
    call, another address (the test suite's network fence does not see the JVM's sockets).  A cluster master
    (``spark://…``, ``yarn``, ``k8s://…``) needs the driver reachable by the executors: set ``spark.driver.host``
    in ``conf`` (``[engine.spark_conf]`` in dashboard.toml) to the app server's intranet address.
    """
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("yongdi-dashboard")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4" if master.startswith("local") else "64")
        # pandas writes nanosecond timestamps, a Parquet type Spark refuses unless it reads them as longs;
        # Engine.table converts those longs back to timestamps.
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _duckdb_column(field: pa.Field) -> str:
    """The DuckDB select item for one attribute column: timestamps with a zone become naive local time."""
    name = f'"{field.name}"'
    if pa.types.is_timestamp(field.type) and field.type.tz:
        return f"timezone('{field.type.tz}', {name}) AS {name}"
    return name


def _spark_column(field: pa.Field):
    """The Spark column for one attribute column, typed as DuckDB types it (naive timestamps, no nanoseconds)."""
    from pyspark.sql import functions as F

    quoted = "`" + field.name.replace("`", "``") + "`"
    column = F.col(quoted)
    if not pa.types.is_timestamp(field.type):
        return column
    if field.type.unit == "ns":
        # read as epoch nanoseconds (nanosAsLong); floor to microseconds, Spark's resolution, in integer arithmetic
        column = F.expr(f"timestamp_micros(({quoted} - pmod({quoted}, 1000)) div 1000)")
    if field.type.tz:
        # an instant: show it as wall time in the column's own zone, as DuckDB's timezone() does
        column = F.from_utc_timestamp(column.cast("timestamp"), field.type.tz)
    # the session time zone is UTC, so this keeps the wall-clock reading
    return column.cast("timestamp_ntz").alias(field.name)


def _normalise_series(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype) and series.dtype != "datetime64[ns]":
        series = series.astype("datetime64[ns]")
    return series


def _normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        converted = _normalise_series(frame[column])
        if converted is not frame[column]:
            frame[column] = converted
    return frame


def rows_in_order(table: pa.Table, keys: Sequence[str]) -> bool:
    """Whether ``table``'s rows are already sorted ascending by ``keys`` (lexicographically, ties allowed).

    Compares each row with the next, key by key, in Arrow (a few ms per million rows).  A null key answers
    ``False``, so the caller sorts and nulls go last as usual.
    """
    if table.num_rows < 2:
        return True
    undecided = None  # rows i whose keys so far equal row i+1's
    for key in keys:
        column = table.column(key)
        if column.null_count:
            return False
        before, after = column.slice(0, len(column) - 1), column.slice(1)
        if undecided is None:
            if pc.any(pc.greater(before, after)).as_py():
                return False
            undecided = pc.equal(before, after)
        else:
            if pc.any(pc.and_(undecided, pc.greater(before, after))).as_py():
                return False
            undecided = pc.and_(undecided, pc.equal(before, after))
        if not pc.any(undecided).as_py():
            return True
    return True


class Engine:
    """Named tables on one Ibis backend.

    Parameters
    ----------
    paths
        ``{dataset: parquet path}``; tables are registered lazily on first use.
    backend
        ``"duckdb"`` (default) or ``"spark"``.
    spark_master
        Spark master URL when ``backend="spark"`` (``local[2]`` by default; a cluster URL in production).
    spark_conf
        Extra ``spark.*`` session properties (see :func:`_spark_session`).
    """

    def __init__(self, paths: dict[str, Path], backend: str = "duckdb", spark_master: str | None = None,
                 spark_conf: dict | None = None):
        if backend not in BACKENDS:
            raise UserError("error.unknown_engine", engine=backend, known="/".join(BACKENDS))
        self.paths = {name: Path(path) for name, path in paths.items()}
        self.backend = backend
        if backend == "duckdb":
            self.con = ibis.duckdb.connect()
        else:
            master = spark_master or os.environ.get("DASHBOARD_SPARK_MASTER", "local[2]")
            self._spark = _spark_session(master, spark_conf)
            self.con = ibis.pyspark.connect(self._spark)
            # Temporary views are global to the Spark session, which every engine in the process shares: a prefix
            # per engine keeps two engines over different folders from replacing each other's tables.
            self._view_prefix = f"e{next(_SPARK_VIEWS)}_"
        self._tables: dict[str, ibis.Table] = {}

    @classmethod
    def from_store(cls, backend: str = "duckdb", **kwargs) -> Engine:
        """An engine over the current version of every dataset (published, else demo)."""
        from dashboard.store import current_versions

        paths = {name: v.path for name, v in current_versions().items() if v is not None}
        return cls(paths, backend=backend, **kwargs)

    @classmethod
    def from_dir(cls, folder: Path, backend: str = "duckdb", **kwargs) -> Engine:
        """An engine over ``<folder>/<dataset>.parquet`` files (e.g. a demo or benchmark folder)."""
        paths = {p.stem: p for p in sorted(Path(folder).glob("*.parquet"))}
        if not paths:
            raise UserError("error.no_data_dir", path=str(folder))
        return cls(paths, backend=backend, **kwargs)

    def has(self, name: str) -> bool:
        """Whether dataset ``name`` is available."""
        return name in self.paths

    def table(self, name: str) -> ibis.Table:
        """The Ibis table for dataset ``name`` (without geometry)."""
        if name not in self._tables:
            if name not in self.paths:
                raise UserError("error.no_data", dataset=name)
            path = self.paths[name]
            fields = [f for f in pq.read_schema(path) if f.name != "geometry"]
            if self.backend == "duckdb":
                # DuckDB 2 reads GeoParquet geometry as GEOMETRY with a PROJJSON CRS that Ibis 12 cannot type,
                # and Ibis's ``con.sql`` calls a cursor method DuckDB 2 removed (fetch_arrow_table); a view over
                # the attribute columns, typed by DESCRIBE, avoids both.
                view = f"t_{name}"
                items = ", ".join(_duckdb_column(f) for f in fields)
                literal = str(path).replace("'", "''")
                self.con.raw_sql(f"CREATE OR REPLACE VIEW \"{view}\" AS SELECT {items} FROM read_parquet('{literal}')")
            else:
                # Spark reads the file itself (Ibis's read_parquet cannot convert nanosecond timestamps); the
                # converted frame is registered as a temporary view that Ibis then sees as an ordinary table.
                view = f"{self._view_prefix}t_{name}"
                frame = self._spark.read.parquet(str(path)).select(*[_spark_column(f) for f in fields])
                frame.createOrReplaceTempView(view)
            self._tables[name] = self.con.table(view)
        return self._tables[name]

    def materialize(self, expr: ibis.Table, name: str) -> ibis.Table:
        """Compute ``expr`` once into a temporary table ``name`` and return it, for intermediate results that more
        than one query reads (e.g. a join of two large tables that several indicators sum differently).

        DuckDB keeps the rows in a temporary table of this engine's connection; Spark caches them and registers
        a temporary view (prefixed per engine, like the datasets).  Each call gets a table of its own (``name`` plus
        a serial number), so two contexts sharing an engine never read each other's rows; the tables live as long
        as the engine.  (Ibis's own ``Table.cache`` fails to drop its table on DuckDB 2.)
        """
        name = f"{name}_{next(_MATERIALIZED)}"
        if self.backend == "duckdb":
            sql = self.con.compile(expr)
            self.con.raw_sql(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
            return self.con.table(name)
        view = f"{self._view_prefix}{name}"
        frame = self._spark.sql(self.con.compile(expr)).cache()
        frame.createOrReplaceTempView(view)
        return self.con.table(view)

    def execute(self, expr, order_by: Sequence[str] = ()) -> pd.DataFrame:
        """Run an expression and return a pandas frame (or scalar) typed alike on every backend.

        Timestamps come back naive ``datetime64[ns]`` (the unit the readers write), whichever backend ran.  On
        DuckDB a table result goes straight from Arrow to pandas (strings stay Arrow-backed, nulls become NaN, NaT
        or None as Ibis gives them): Ibis's own ``execute`` turns every column that holds a null into Python
        objects first, which costs seconds on a table of a million rows.

        ``order_by`` names the columns to sort a table result by, ascending.  DuckDB's ORDER BY carries every
        column of a wide row through its sort; for a large result it is faster to fetch the rows unordered, let
        Arrow sort the key columns and gather the rows once in pandas (missing keys last, as DuckDB orders them).  DuckDB
        keeps the files' row order where it can, and curated files are usually written in key order: when the rows
        already come in order the gather (most of the cost, ~1 s for a million wide rows) is skipped.
        """
        if self.backend == "duckdb" and isinstance(expr, ibis.Table):
            table = self.con.to_pyarrow(expr)
            order = None
            if order_by and not rows_in_order(table, order_by):
                keys = table.select(list(order_by))
                order = pc.sort_indices(keys, [(column, "ascending") for column in order_by]).to_numpy()
            frame = _normalise_frame(table.to_pandas(date_as_object=False))
            # pandas gathers its consolidated number blocks in one take each, Arrow column by column (~4× slower)
            return frame if order is None else frame.take(order).reset_index(drop=True)
        if order_by:
            expr = expr.order_by(list(order_by))
        result = self.con.execute(expr)
        if isinstance(result, pd.DataFrame):
            return _normalise_frame(result.reset_index(drop=True))
        if isinstance(result, pd.Series):
            return _normalise_series(result)
        return result

    def to_pandas(self, name: str) -> pd.DataFrame:
        """A whole (small) table as pandas, for ledgers where a query engine adds nothing."""
        return self.execute(self.table(name))
