"""``python -m dashboard indicators``: stable JSON for every indicator, region and profile options, exit 2 on bad input.

The JSON runs compute every indicator on the demo data (a few seconds each), so each variant runs once per module.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dashboard.cli import main
from dashboard.indicators import registry
from dashboard.policy import load_profile
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
INDICATOR_KEYS = {"label_zh", "label_en", "unit", "formula_zh", "formula_en", "source", "params", "columns", "rows"}
META_KEYS = {"engine", "profile", "region", "as_of", "versions"}
COUNTY = "530402"  # 红塔区


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )


def _payload(capsys, *args: str) -> dict:
    assert main(["indicators", "--data-dir", str(DEMO), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def default_run():
    result = _run("indicators", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_has_meta_and_every_indicator(default_run):
    assert set(default_run) == {"meta", "indicators"}
    meta = default_run["meta"]
    assert set(meta) == META_KEYS
    assert meta["engine"] == "duckdb" and meta["profile"] == "yunnan_yuxi" and meta["region"] is None
    assert meta["as_of"] == "2026-09-30"
    assert all(v["version"] == "demo" for v in meta["versions"].values())
    assert list(default_run["indicators"]) == [i for i in registry() if i in default_run["indicators"]]
    assert set(default_run["indicators"]) == set(registry())


def test_every_indicator_has_stable_keys(default_run):
    specs = registry()
    profile = load_profile()
    for ind_id, table in default_run["indicators"].items():
        assert set(table) == INDICATOR_KEYS, ind_id
        spec = specs[ind_id]
        assert (table["label_zh"], table["label_en"], table["unit"]) == (spec.zh, spec.en, spec.unit)
        assert (table["formula_zh"], table["formula_en"], table["source"]) == (
            spec.formula_zh,
            spec.formula_en,
            spec.source,
        )
        assert table["params"] == {key: profile[key] for key in spec.params}
        assert table["rows"], f"{ind_id} has no rows"
        for row in table["rows"]:
            assert list(row) == table["columns"], ind_id


def test_region_restricts_regional_tables(capsys, default_run):
    payload = _payload(capsys, "--region", COUNTY)
    assert payload["meta"]["region"] == COUNTY
    for ind_id, table in payload["indicators"].items():
        if "region_code" not in table["columns"]:
            assert table["rows"] == default_run["indicators"][ind_id]["rows"], ind_id  # not regional: unchanged
            continue
        assert table["rows"], ind_id
        assert {row["region_code"] for row in table["rows"]} == {COUNTY}, ind_id


def test_city_code_means_the_whole_city(capsys, default_run):
    payload = _payload(capsys, "--region", "530400")
    assert payload["meta"]["region"] == "530400"
    for ind_id, table in payload["indicators"].items():
        assert len(table["rows"]) == len(default_run["indicators"][ind_id]["rows"]), ind_id


@pytest.mark.parametrize("profile_id", ["ningxia", "jiangsu"])
def test_profile_changes_params(capsys, default_run, profile_id):
    payload = _payload(capsys, "--profile", profile_id)
    assert payload["meta"]["profile"] == profile_id
    profile, default = load_profile(profile_id), load_profile()
    changed = []
    for ind_id, table in payload["indicators"].items():
        assert table["params"] == {key: profile[key] for key in registry()[ind_id].params}, ind_id
        if table["params"] != default_run["indicators"][ind_id]["params"]:
            changed.append(ind_id)
    expected = sorted(i for i, s in registry().items() if any(profile[k] != default[k] for k in s.params))
    assert sorted(changed) == expected
    if profile_id == "jiangsu":  # 江苏's 7.7% yearly decline target reaches the table, not only the params
        rows = payload["indicators"]["land_per_gdp"]["rows"]
        assert rows and all(row["target_decline_pct"] == pytest.approx(7.7) for row in rows)


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["--profile", "atlantis"], "未知的政策配置", "Unknown policy profile"),
        (["--region", "999999"], "未知的行政区代码", "Unknown region code"),
        (["--as-of", "2026-02-30"], "格式不正确", "is not in the form YYYY-MM-DD"),
        (["--as-of", "yesterday"], "格式不正确", "is not in the form YYYY-MM-DD"),
        (["--engine", "hadoop"], "未知的计算引擎", "Unknown engine"),
        (["--data-dir", "no/such/folder"], "没有 parquet 数据文件", "has no parquet data files"),
    ],
    ids=["profile", "region", "as-of-day", "as-of-word", "engine", "data-dir"],
)
def test_bad_arguments_exit_2_with_a_translated_message(args, zh, en):
    result = _run("indicators", "--json", *args)
    assert result.returncode == 2
    assert zh in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    english = _run("--lang", "en", "indicators", *args)
    assert english.returncode == 2 and en in english.stderr


def test_text_output_lists_every_indicator(capsys):
    assert main(["indicators", "--data-dir", str(DEMO), "--region", COUNTY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out] == list(registry())
    assert all(line.startswith("# ") for line in out)
