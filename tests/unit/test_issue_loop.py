"""The issue-loop log (收集 → 会商 → 解决): append-only JSON lines next to the store, written with the store's
locked, fsync()ed append; checked inputs; a line torn by a crash is skipped and never corrupts the next one."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from dashboard import issue_loop
from dashboard.errors import UserError

TODAY = dt.date(2026, 11, 22)


def record(root, project="ZD1", status="consulting", day=dt.date(2026, 10, 16), author="张三", note="召开会商会"):
    return issue_loop.record_step(project, status, day, author, note, root=root, today=TODAY)


def test_record_and_read_back(tmp_path):
    record(tmp_path)
    record(tmp_path, status="resolved", day=dt.date(2026, 10, 19), author="  李 四 ", note=" 调整选址 ")
    path = issue_loop.log_path(tmp_path)
    assert path == tmp_path / "project_issues.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["note"] == "召开会商会"
    steps = issue_loop.read_steps(tmp_path)
    assert list(steps.columns) == issue_loop.COLUMNS
    assert list(steps["status"]) == ["consulting", "resolved"]
    assert steps.loc[1, "author"] == "李 四" and steps.loc[1, "note"] == "调整选址"  # spaces trimmed
    assert str(steps.loc[1, "date"].date()) == "2026-10-19" and steps.loc[1, "recorded"]


def test_append_only(tmp_path):
    record(tmp_path)
    before = issue_loop.log_path(tmp_path).read_bytes()
    record(tmp_path, status="resolved")
    after = issue_loop.log_path(tmp_path).read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_empty_log(tmp_path):
    steps = issue_loop.read_steps(tmp_path)
    assert steps.empty and list(steps.columns) == issue_loop.COLUMNS


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"project": " "}, "error.project_loop.project"),
        ({"status": "approved"}, "error.project_loop.status"),
        ({"author": "   "}, "error.project_loop.author"),
        ({"author": "张" * 41}, "error.project_loop.too_long"),
        ({"note": "字" * 501}, "error.project_loop.too_long"),
        ({"day": dt.date(2026, 11, 23)}, "error.project_loop.date"),
    ],
)
def test_checked_inputs(tmp_path, kwargs, key):
    with pytest.raises(UserError) as err:
        record(tmp_path, **kwargs)
    assert err.value.key == key
    assert err.value.message("zh") and err.value.message("en")
    assert not issue_loop.log_path(tmp_path).exists()  # nothing written


def test_torn_line_is_skipped_and_does_not_corrupt_the_next(tmp_path):
    record(tmp_path)
    with open(issue_loop.log_path(tmp_path), "ab") as fh:  # a writer killed mid-line
        fh.write(b'{"project_id": "ZD1", "status": "reso')
    record(tmp_path, status="resolved")
    raw = issue_loop.log_path(tmp_path).read_bytes().split(b"\n")
    assert raw[1] == b'{"project_id": "ZD1", "status": "reso'  # the fragment stays on its own line
    steps = issue_loop.read_steps(tmp_path)
    assert list(steps["status"]) == ["consulting", "resolved"]


def test_lines_that_are_not_steps_are_skipped(tmp_path):
    path = issue_loop.log_path(tmp_path)
    path.write_text('{"project_id": "ZD1", "status": "closed", "date": "2026-10-01"}\n'
                    '{"project_id": "ZD1", "status": "resolved", "date": "not a date"}\n'
                    '["a list"]\n', encoding="utf-8")
    record(tmp_path)
    assert list(issue_loop.read_steps(tmp_path)["status"]) == ["consulting"]


def test_concurrent_writers_keep_every_line(tmp_path):
    def write(n):
        for i in range(10):
            record(tmp_path, project=f"P{n}", note=f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    steps = issue_loop.read_steps(tmp_path)
    assert len(steps) == 40 and steps.groupby("project_id").size().eq(10).all()
    assert sorted(steps["note"]) == sorted(f"{n}-{i}" for n in range(4) for i in range(10))
