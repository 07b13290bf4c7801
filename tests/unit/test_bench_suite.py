"""``python -m dashboard bench``: the quick indicators and validation path end to end, and ``--write`` replacing only
the generated block of BENCHMARKS.md (no browser here; timings are never asserted)."""

from __future__ import annotations

import json
import shutil

import pytest

from dashboard import cli
from dashboard.bench_suite import BEGIN, END, markdown_block, summary_rows, write_block
from tests.conftest import ROOT


def test_quick_run_prints_sections_medians_and_ratios(tmp_path, capsys):
    copy = tmp_path / "BENCHMARKS.md"
    shutil.copyfile(ROOT / "BENCHMARKS.md", copy)
    before = copy.read_text(encoding="utf-8")
    code = cli.main(["bench", "--quick", "--only", "indicators,validation", "--json", "--write", str(copy)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["sections"]) == {"indicators", "validation"}
    indicators, validation = payload["sections"]["indicators"], payload["sections"]["validation"]
    assert indicators["rows"] == 2000 and indicators["compute_all_s"] > 0 and indicators["scan_s"] > 0
    assert indicators["ratio"] == pytest.approx(indicators["compute_all_s"] / indicators["scan_s"])
    assert validation["ok"] and validation["read_s"] > 0 and validation["validate_s"] > 0
    assert validation["ratio"] == pytest.approx(validation["validate_s"] / validation["read_s"])
    assert {row["section"] for row in payload["table"]} == {"indicators", "validation"}
    assert all(row["ratio"] > 0 and row["met"] in ("met", "not met") for row in payload["table"])
    assert payload["machine"]["nproc"] >= 1 and len(payload["load_before"]) == 3
    assert payload["settings"]["repeat"] == 1

    # --write: the copy now holds exactly the printed block; the text around the markers is unchanged
    after = copy.read_text(encoding="utf-8")
    block = markdown_block(payload)
    assert after.count(BEGIN) == 1 and after.count(END) == 1 and block in after
    head, tail = after.split(block)
    if BEGIN in before:
        old_head, rest = before.split(BEGIN, 1)
        assert head == old_head and tail == rest.split(END, 1)[1]
    else:  # the first write adds the block as a section before the first "## " heading
        assert after.replace(f"## All sections in one run (issue #9)\n\n{block}\n\n", "", 1) == before


def test_write_replaces_only_the_marked_block(tmp_path):
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(f"# Benchmarks\n\nintro\n\n{BEGIN}\nold table\n{END}\n\n## Maps\n\ndetail {BEGIN[:4]}\n",
                      encoding="utf-8")
    payload = {
        "date": "2026-11-22T15:00:00+00:00",
        "wall_s": 60.0,
        "load_before": [1.0, 1.0, 1.0],
        "load_after": [2.0, 1.5, 1.0],
        "machine": {"nproc": 2, "cpu_count": 2, "memory_gib": 23.5, "cpu": "x86_64", "cpu_model": "Test CPU",
                    "os": "Linux", "python": "3.11.7", "duckdb": "1", "ibis": "9", "pandas": "2",
                    "streamlit": "1.67.0", "pydeck": "0.9", "chromium": "Chromium 156"},
        "settings": {"only": ["indicators"], "parcels": [1000], "naive_max": 1000, "rows": 10, "repeat": 1},
        "sections": {"indicators": {"rows": 10, "compute_all_s": 2.0, "scan_s": 0.5, "ratio": 4.0}},
    }
    payload["table"] = summary_rows(payload)
    assert payload["table"][0]["met"] == "not met"
    write_block(target, markdown_block(payload))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nintro\n\n" + BEGIN)
    assert "old table" not in text and "| indicators |" in text and "4.00×" in text and "Test CPU" in text
    assert text.endswith(f"{END}\n\n## Maps\n\ndetail {BEGIN[:4]}\n")
    write_block(target, markdown_block(payload))  # idempotent
    assert target.read_text(encoding="utf-8") == text
