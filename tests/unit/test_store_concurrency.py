"""Concurrent writers: every upload is kept, compare-and-swap lets exactly the allowed publishes through, and
the audit log gets one intact line per event.

Writers are separate processes (as Streamlit servers, CLI runs and cron jobs would be), started together by
gate files so that their writes and publishes really overlap.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from itertools import pairwise

import pandas as pd
import pytest

from dashboard import store
from tests.conftest import ROOT

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import pandas as pd
    from dashboard import store
    from dashboard.errors import UserError

    mode, ident, gates, rounds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])

    def wait(name):
        while not (gates / name).exists():
            time.sleep(0.001)

    def frame(n):
        return pd.DataFrame(
            {"project_id": [f"{ident}-{n}-{i:04d}" for i in range(50)], "name": f"进程{ident}", "county_code": "530402"}
        )

    def write(n):
        return store.write_version(
            "projects", frame(n), uploader=ident, original_name=f"{ident}.csv", data_date="2026-09-30", source="并发"
        )

    def attempt(version, expected):
        try:
            store.publish("projects", version.version, user=ident, expected_current=expected)
            return "ok"
        except UserError as exc:
            return exc.key

    print("ready", flush=True)
    results = []
    if mode == "race":
        expected = store.current_version("projects").version  # what this uploader saw when it started
        wait("write")
        version = write(0)
        print("written", flush=True)
        wait("publish")
        results.append([version.version, expected, attempt(version, expected)])
    else:  # rounds: upload, then publish only if nobody published since the upload was based
        wait("write")
        for n in range(rounds):
            version = write(n)
            results.append([version.version, version.parent, attempt(version, version.parent)])
    print(json.dumps(results), flush=True)
    """
)


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "store"
    monkeypatch.setenv("DASHBOARD_STORE", str(path))
    return path


def spawn(tmp_path, root, mode, count, rounds=1):
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    gates = tmp_path / "gates"
    gates.mkdir(exist_ok=True)
    env = dict(os.environ, DASHBOARD_STORE=str(root), PYTHONPATH=str(ROOT))
    env.pop(store.FAILPOINT_ENV, None)
    children = [
        subprocess.Popen(
            [sys.executable, str(script), mode, f"p{i}", str(gates), str(rounds)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    return children, gates


def finish(children) -> list[list[str]]:
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        results += json.loads(out.strip().splitlines()[-1])
    return results


def baseline():
    frame = pd.DataFrame({"project_id": ["0001"], "name": ["基线"], "county_code": ["530402"]})
    version = store.write_version(
        "projects", frame, uploader="setup", original_name="base.csv", data_date="2026-06-30", source="基线"
    )
    store.publish("projects", version.version, user="setup")
    return version


def audit_lines(root) -> list[dict]:
    """Every line of the audit log parsed strictly: a torn or interleaved line fails the test here."""
    raw = (root / "audit.jsonl").read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw[:-1].split(b"\n")]


def test_eight_uploaders_race_for_the_same_pointer(tmp_path, root):
    base = baseline()
    children, gates = spawn(tmp_path, root, "race", 8)
    (gates / "write").touch()  # all eight write their versions at once ...
    for child in children:
        assert child.stdout.readline().strip() == "written", child.stderr.read()
    (gates / "publish").touch()  # ... then all publish at once, each expecting the baseline
    results = finish(children)

    outcomes = Counter(result for _, _, result in results)
    assert outcomes == {"ok": 1, "error.store.conflict": 7}
    winner = next(version for version, _, result in results if result == "ok")
    assert store.current_version("projects").version == winner
    # Every upload is kept, losers included, and each is complete.
    listed = store.list_versions("projects")
    assert {v.version for v in listed} == {base.version} | {version for version, _, _ in results}
    assert all(store.verify_version(v) for v in listed)
    assert all(v.parent == base.version for v in listed if v.version != base.version)

    events = audit_lines(root)
    assert Counter(e["event"] for e in events) == {"accepted": 9, "publish": 2, "conflict": 7}
    publishes = [e for e in events if e["event"] == "publish"]
    assert publishes[-1]["version"] == winner and publishes[-1]["previous"] == base.version
    conflicts = [e for e in events if e["event"] == "conflict"]
    assert {e["previous"] for e in conflicts} == {winner}  # each loser saw the winner's pointer
    assert sorted(e["version"] for e in conflicts) == sorted(v for v, _, r in results if r != "ok")


def test_rounds_of_uploads_never_lose_an_update(tmp_path, root):
    base = baseline()
    children, gates = spawn(tmp_path, root, "rounds", 4, rounds=6)
    started = time.monotonic()
    (gates / "write").touch()
    results = finish(children)
    assert time.monotonic() - started < 240

    assert len(results) == 24
    assert set(Counter(r for _, _, r in results)) <= {"ok", "error.store.conflict"}
    assert len(store.list_versions("projects")) == 25  # all kept

    events = audit_lines(root)
    counts = Counter(e["event"] for e in events)
    oks = [r for r in results if r[2] == "ok"]
    assert counts["accepted"] == 25 and counts["publish"] == 1 + len(oks)
    assert counts["conflict"] == 24 - len(oks)
    # The publishes form one unbroken chain: each replaced exactly the version the one before it installed,
    # and each was based on that version when it was uploaded (compare-and-swap; no silent overwrite).
    publishes = [e for e in events if e["event"] == "publish"]
    assert publishes[0]["version"] == base.version
    for before, after in pairwise(publishes):
        assert after["previous"] == before["version"]
        assert store.get_version("projects", after["version"]).parent == before["version"]
    assert store.current_version("projects").version == publishes[-1]["version"]
    assert {e["version"] for e in publishes[1:]} == {version for version, _, _ in oks}
    print(f"{len(oks)} of 24 publishes went through, {24 - len(oks)} were refused as conflicts")
