"""The deployment's settings file: ``dashboard.toml`` at the project root, or the file ``DASHBOARD_CONFIG`` names.

Every setting is optional and the defaults suit one machine on an intranet (no basemap, DuckDB, the public extract
under ``data/public``); ``dashboard.example.toml`` documents them all.  This module only finds and parses the file;
each section is read and validated by its owner (:mod:`dashboard.basemap` for ``[map]``,
:func:`engine_settings` for ``[engine]``, :mod:`dashboard.public_reader` for ``[public]``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
#: The indicator engines (:class:`dashboard.engine.Engine`).
BACKENDS = ("duckdb", "spark")


def config_path() -> Path:
    """Where the settings file is (it need not exist)."""
    return Path(os.environ.get("DASHBOARD_CONFIG", ROOT / "dashboard.toml"))


def config_section(name: str, path: Path | None = None) -> dict:
    """Table ``[name]`` of the settings file; empty when the file or the table is absent.

    Raises
    ------
    UserError
        When the file is not valid TOML (the message names the file and the parser's complaint).
    """
    path = config_path() if path is None else Path(path)
    if not path.is_file():
        return {}
    try:
        with open(path, "rb") as fh:
            section = tomllib.load(fh).get(name, {})
    except tomllib.TOMLDecodeError as exc:
        raise UserError("error.bad_config", path=str(path), reason=str(exc)) from exc
    return section if isinstance(section, dict) else {}


@dataclass(frozen=True)
class EngineSettings:
    """The ``[engine]`` table: which backend runs the indicator queries, and where Spark's master is.

    ``spark_conf`` holds extra ``spark.*`` properties for the session (executor memory, shared-storage
    credentials); ``spark_master`` a master URL (``local[2]`` by default, ``spark://host:7077``, ``yarn``,
    ``k8s://…`` in a cluster).
    """

    backend: str = "duckdb"
    spark_master: str | None = None
    spark_conf: dict = field(default_factory=dict)


def engine_settings(path: Path | None = None) -> EngineSettings:
    """The configured engine (``[engine]`` of the settings file; ``DASHBOARD_ENGINE`` and
    ``DASHBOARD_SPARK_MASTER`` override the file).

    Raises
    ------
    UserError
        For an unknown backend or a ``spark_conf`` that is not a table of ``spark.*`` keys.
    """
    section = config_section("engine", path)
    backend = os.environ.get("DASHBOARD_ENGINE") or str(section.get("backend", "duckdb"))
    if backend not in BACKENDS:
        raise UserError("error.unknown_engine", engine=backend, known="/".join(BACKENDS))
    master = os.environ.get("DASHBOARD_SPARK_MASTER") or section.get("spark_master")
    conf = section.get("spark_conf", {})
    if not isinstance(conf, dict) or not all(str(key).startswith("spark.") for key in conf):
        raise UserError("error.bad_spark_conf", path=str(path or config_path()))
    return EngineSettings(backend, str(master) if master else None, {str(k): str(v) for k, v in conf.items()})
