"""The query engine: Ibis expressions over named tables, run on embedded DuckDB or, unchanged, on PySpark.

DuckDB is the default (in-process, reads the curated parquet directly).  Spark is opt-in by configuration
(``engine="spark"``; session start costs ~10 s) for deployments that outgrow one machine: the same expressions
run against the same parquet on shared storage.  Geometry columns are never sent to the engine; spatial work is
done in geopandas/shapely.
"""

from __future__ import annotations

import os
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.parquet as pq

from dashboard.errors import UserError

BACKENDS = ("duckdb", "spark")


def _spark_session(master: str):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("yongdi-dashboard")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )


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
    """

    def __init__(self, paths: dict[str, Path], backend: str = "duckdb", spark_master: str | None = None):
        if backend not in BACKENDS:
            raise UserError("error.unknown_engine", engine=backend, known="/".join(BACKENDS))
        self.paths = {name: Path(path) for name, path in paths.items()}
        self.backend = backend
        if backend == "duckdb":
            self.con = ibis.duckdb.connect()
        else:
            master = spark_master or os.environ.get("DASHBOARD_SPARK_MASTER", "local[2]")
            self.con = ibis.pyspark.connect(_spark_session(master))
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
            columns = [c for c in pq.read_schema(path).names if c != "geometry"]
            if self.backend == "duckdb":
                # DuckDB 2 reads GeoParquet geometry as GEOMETRY with a PROJJSON CRS that Ibis 12 cannot type,
                # and Ibis's ``con.sql`` calls a cursor method DuckDB 2 removed (fetch_arrow_table); a view over
                # the attribute columns, typed by DESCRIBE, avoids both.
                quoted = ", ".join(f'"{c}"' for c in columns)
                literal = str(path).replace("'", "''")
                self.con.raw_sql(f'CREATE OR REPLACE VIEW "t_{name}" AS SELECT {quoted} FROM read_parquet(\'{literal}\')')
                self._tables[name] = self.con.table(f"t_{name}")
            else:
                raw = self.con.read_parquet(str(path), table_name=f"t_{name}")
                self._tables[name] = raw.select(*columns)
        return self._tables[name]

    def execute(self, expr) -> pd.DataFrame:
        """Run an expression and return a pandas frame (Spark timestamps normalised to naive dates)."""
        frame = self.con.execute(expr)
        return frame.reset_index(drop=True) if isinstance(frame, pd.DataFrame) else frame

    def to_pandas(self, name: str) -> pd.DataFrame:
        """A whole (small) table as pandas, for ledgers where a query engine adds nothing."""
        return self.execute(self.table(name))
