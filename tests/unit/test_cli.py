"""The command line: info lists every dataset; bad arguments exit with 2."""

import json
import subprocess
import sys
from pathlib import Path

from dashboard.cli import main
from dashboard.contracts import DATASET_NAMES

ROOT = Path(__file__).resolve().parents[2]


def test_info_json_lists_every_dataset(capsys):
    assert main(["info", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["dataset"] for r in rows] == list(DATASET_NAMES)
    for row in rows:
        assert row["version"] == "demo", row
        assert row["rows"] > 0 and row["data_date"] == "2026-09-30" and row["source"]


def test_info_table_in_chinese(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "数据集当前版本" in out and "耕地占补平衡台账" in out


def test_bad_command_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "nonsense"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
