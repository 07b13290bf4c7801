"""The benchmark's data builder is deterministic and consistent, and the script runs (timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from dashboard.bench import SCALED, make_bench_data
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"


def test_scaled_folder_is_deterministic_and_consistent(tmp_path):
    rows = 1500
    first = make_bench_data(tmp_path / "a", rows)
    make_bench_data(tmp_path / "b", rows)
    for name in first:
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (tmp_path / "b" / f"{name}.parquet").read_bytes()
    for name, ids in SCALED.items():
        table = pq.read_table(tmp_path / "a" / f"{name}.parquet").to_pandas()
        demo = pq.read_table(DEMO / f"{name}.parquet").to_pandas()
        assert len(table) == rows == first[name]
        assert "geometry" not in table.columns
        if demo[ids[0]].is_unique:  # park_parcels has a row per parcel and year
            assert table[ids[0]].is_unique, name
        head = min(rows, len(demo))  # copy 0 is the demo table itself
        assert table[ids[0]].iloc[:head].tolist() == demo[ids[0]].iloc[:head].tolist()
    supplies = pq.read_table(tmp_path / "a" / "supplies.parquet").to_pandas()
    approvals = pq.read_table(tmp_path / "a" / "approvals.parquet").to_pandas()
    copy = supplies["supply_id"].str.extract(r"-(\d+)$")[0]
    assert (supplies["approval_id"].str.extract(r"-(\d+)$")[0].fillna("0") == copy.fillna("0")).all()
    assert supplies["approval_id"].iloc[:100].isin(approvals["approval_id"]).all()
    small = set(first) - set(SCALED)
    assert small and all(first[n] == pq.read_metadata(DEMO / f"{n}.parquet").num_rows for n in small)


@pytest.mark.slow
def test_script_runs_on_a_small_folder():
    result = subprocess.run(
        [sys.executable, "scripts/bench_indicators.py", "--rows", "2000", "--repeat", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["rows"] == 2000 and payload["machine"]["nproc"] >= 1
    assert payload["scan_s"] > 0 and payload["compute_all_s"] > 0 and payload["ratio"] > 0
    assert "_setup" in payload["per_indicator_s"] and len(payload["per_indicator_s"]) > 1
