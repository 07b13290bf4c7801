"""The deployment settings file: sections, the [engine] table and how the app's engine follows it."""

from __future__ import annotations

import pytest

from dashboard import config, context
from dashboard.engine import Engine
from dashboard.errors import UserError
from dashboard.i18n import t


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """Write ``dashboard.toml`` text to a temporary file the app reads (DASHBOARD_CONFIG)."""
    monkeypatch.delenv("DASHBOARD_ENGINE", raising=False)
    monkeypatch.delenv("DASHBOARD_SPARK_MASTER", raising=False)
    path = tmp_path / "dashboard.toml"
    monkeypatch.setenv("DASHBOARD_CONFIG", str(path))

    def write(text: str):
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_no_file_means_duckdb(settings_file, tmp_path):
    assert not (tmp_path / "dashboard.toml").exists()
    assert config.config_section("engine") == {}
    assert config.engine_settings() == config.EngineSettings("duckdb", None, {})


def test_spark_cluster_settings(settings_file):
    settings_file(
        '[engine]\nbackend = "spark"\nspark_master = "spark://spark-master.intranet:7077"\n'
        '[engine.spark_conf]\n"spark.driver.host" = "10.0.0.5"\n"spark.executor.memory" = "8g"\n'
    )
    settings = config.engine_settings()
    assert settings.backend == "spark"
    assert settings.spark_master == "spark://spark-master.intranet:7077"
    assert settings.spark_conf == {"spark.driver.host": "10.0.0.5", "spark.executor.memory": "8g"}


def test_environment_overrides_the_file(settings_file, monkeypatch):
    settings_file('[engine]\nbackend = "spark"\nspark_master = "spark://a:7077"\n')
    monkeypatch.setenv("DASHBOARD_ENGINE", "duckdb")
    monkeypatch.setenv("DASHBOARD_SPARK_MASTER", "local[1]")
    assert config.engine_settings() == config.EngineSettings("duckdb", "local[1]", {})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[engine]\nbackend = "hive"\n', "error.unknown_engine"),
        ('[engine]\nbackend = "spark"\nspark_conf = { "executor.memory" = "8g" }\n', "error.bad_spark_conf"),
        ('[engine\nbackend = "spark"\n', "error.bad_config"),
    ],
)
def test_bad_settings_are_explained(settings_file, text, key):
    settings_file(text)
    with pytest.raises(UserError) as caught:
        config.engine_settings()
    assert caught.value.key == key
    assert t(caught.value.key, "zh", **caught.value.params)  # a translated message, not a traceback


def test_store_context_runs_on_the_configured_engine(settings_file, monkeypatch):
    settings_file('[engine]\nbackend = "spark"\nspark_master = "spark://m:7077"\n'
                  '[engine.spark_conf]\n"spark.executor.memory" = "4g"\n')
    seen = {}

    def from_store(backend="duckdb", **kwargs):
        seen.update(backend=backend, **kwargs)
        raise RuntimeError("stop before starting Spark")

    monkeypatch.setattr(Engine, "from_store", staticmethod(from_store))
    with pytest.raises(RuntimeError):
        context.store_context()
    assert seen == {"backend": "spark", "spark_master": "spark://m:7077", "spark_conf": {"spark.executor.memory": "4g"}}
