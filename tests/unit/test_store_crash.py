"""A writer killed with SIGKILL at any point leaves the store consistent.

Two kinds of test: a deterministic one that kills a child at each named step of a write and a publish
(``DASHBOARD_STORE_FAILPOINT``), and a random one that kills a child writing and publishing big versions in a
loop at random moments.  After every kill: the current version is complete (loads, sha256 matches its
manifest), every listed version is complete, nothing half-written is listed, the audit log parses, the lock
is free, and ``gc_temp`` removes the leftovers.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from dashboard import store
from dashboard.errors import UserError
from tests.conftest import ROOT

# Writes and publishes ``parks`` versions of N random 100-vertex polygons in a loop.  Geometry makes the
# parquet write and fsync (the window a temp folder exists) most of each loop: 10k polygons ≈ 14 MB, ~0.8 s.
CHILD = textwrap.dedent(
    """
    import sys
    import geopandas as gpd
    import numpy as np
    import shapely
    from dashboard import store

    rows, loops = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(int(sys.argv[3]))
    angles = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    cx, cy = 102.5 + rng.random(rows) * 0.5, 24.3 + rng.random(rows) * 0.5
    radius = 0.001 * (1 + rng.random((rows, 100)) * 0.2)
    rings = np.stack([cx[:, None] + radius * np.cos(angles), cy[:, None] + radius * np.sin(angles)], axis=-1)
    frame = gpd.GeoDataFrame(
        {"park_id": [f"{i:06d}" for i in range(rows)], "name": [f"园区{i}" for i in range(rows)], "county_code": "530402"},
        geometry=shapely.polygons(rings),
        crs="EPSG:4326",
    )
    print("ready", flush=True)
    for i in range(loops):
        version = store.write_version(
            "parks", frame, uploader="child", original_name="big.gpkg", data_date="2026-09-30", source="测试"
        )
        store.publish("parks", version.version, user="child", expected_current=version.parent)
        print("published", version.version, flush=True)
    """
)


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "store"
    monkeypatch.setenv("DASHBOARD_STORE", str(path))
    return path


def start_child(tmp_path, root, *, rows, loops, seed=0, failpoint=None):
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = dict(os.environ, DASHBOARD_STORE=str(root), PYTHONPATH=str(ROOT))
    env.pop(store.FAILPOINT_ENV, None)
    if failpoint:
        env[store.FAILPOINT_ENV] = failpoint
    return subprocess.Popen(
        [sys.executable, str(script), str(rows), str(loops), str(seed)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def baseline(rows=3):
    import pandas as pd

    frame = pd.DataFrame({"park_id": [f"{i:04d}" for i in range(rows)], "name": ["基线"] * rows, "county_code": "530402"})
    version = store.write_version(
        "parks", frame, uploader="setup", original_name="base.csv", data_date="2026-06-30", source="基线"
    )
    store.publish("parks", version.version, user="setup")
    return version


def assert_consistent(root):
    """The invariants a crash must never break; returns the current version."""
    current = store.current_version("parks")
    assert current is not None and not current.is_demo
    assert store.verify_version(current), "current data does not match its manifest"
    assert len(store.load_current("parks")) == current.rows
    listed = store.list_versions("parks")
    assert current.version in {v.version for v in listed}
    assert all(store.verify_version(v) for v in listed)
    # Nothing half-made is visible: every entry under versions/ is a complete version.
    on_disk = sorted(p.name for p in (root / "parks" / "versions").iterdir())
    assert on_disk == sorted(v.version for v in listed)
    for name in on_disk:
        assert {p.name for p in (root / "parks" / "versions" / name).iterdir()} == {"data.parquet", "manifest.json"}
    # The pointer is whole JSON (it is replaced, never rewritten in place).
    json.loads((root / "parks" / "current.json").read_text("utf-8"))
    # The audit log: at most a torn last line, and it does not hide the others.
    lines = [line for line in (root / "audit.jsonl").read_bytes().split(b"\n") if line]
    for line in lines[:-1]:
        json.loads(line)
    assert len(store.read_audit()) >= len(lines) - 1
    # The lock is free (the kernel dropped the dead child's flock): this must not wait.
    started = time.monotonic()
    with store._store_lock(root, timeout=2):
        pass
    assert time.monotonic() - started < 1
    return current


def leftovers(root):
    tmp = sorted(p.name for p in (root / ".tmp").iterdir()) if (root / ".tmp").exists() else []
    return tmp + sorted(p.name for p in root.glob("*/.current.*.tmp"))


# (failpoint, is the new version listed?, is it current?, leftover expected?, the child's audit events)
# A kill between a step and its audit line (version_after_rename, pointer_after_replace) leaves the line
# unwritten, but the manifest (uploader, created) and current.json (user, time, previous) record who did what:
# read_audit rebuilds the line from them, and the next write under the lock stores it.
FAILPOINTS = [
    ("version_data_written", False, False, True, []),
    ("version_before_rename", False, False, True, []),
    ("version_after_rename", True, False, False, ["accepted"]),
    ("pointer_before_replace", True, False, True, ["accepted"]),
    ("pointer_after_replace", True, True, False, ["accepted", "publish"]),
]
#: The lines the kill itself cut off, rebuilt by read_audit.
RECOVERED = {"version_after_rename": ["accepted"], "pointer_after_replace": ["publish"]}


def logged_events(root):
    """The events actually written to audit.jsonl (read_audit adds the rebuilt ones)."""
    return [json.loads(line)["event"] for line in (root / "audit.jsonl").read_bytes().split(b"\n") if line.strip()]


@pytest.mark.parametrize(("failpoint", "listed", "current", "leftover", "audited"), FAILPOINTS)
def test_sigkill_at_each_step(tmp_path, root, failpoint, listed, current, leftover, audited):
    base = baseline()
    child = start_child(tmp_path, root, rows=200, loops=1, failpoint=failpoint)
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err
    now = assert_consistent(root)
    versions = store.list_versions("parks")
    assert len(versions) == (2 if listed else 1)
    assert (now.version != base.version) == current
    if not current:
        assert now.version == base.version and now.rows == 3
    assert bool(leftovers(root)) == leftover
    events = [e for e in store.read_audit() if e["user"] == "child"]
    assert [e["event"] for e in events] == audited
    recovered = [e["event"] for e in events if e["params"].get("recovered")]
    assert recovered == RECOVERED.get(failpoint, [])
    new = [v for v in versions if v.version != base.version]
    assert all(e["version"] == new[0].version and e["sha256"] == new[0].sha256 for e in events)
    if current:
        pointer = json.loads((root / "parks" / "current.json").read_text("utf-8"))
        assert pointer["user"] == "child" and pointer["previous"] == base.version
        assert events[-1]["time"] == pointer["time"] and events[-1]["previous"] == base.version
    logged = logged_events(root)
    store.gc_temp()  # takes the lock: stores the rebuilt lines, once
    assert logged_events(root) == logged + recovered
    assert [e["event"] for e in store.read_audit() if e["user"] == "child"] == audited
    assert leftovers(root) == []
    assert_consistent(root)
    # The store keeps working after the crash: the next write and publish succeed.
    nxt = store.write_version(
        "parks", store.load_current("parks"), uploader="u", original_name="n.csv", data_date="2026-09-30", source="s"
    )
    store.publish("parks", nxt.version, user="u", expected_current=now.version)
    assert assert_consistent(root).version == nxt.version


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path, root):
    rng = random.Random(20261122)
    baseline()
    reported = set()
    mid_write = 0
    for iteration in range(6):
        child = start_child(tmp_path, root, rows=10_000, loops=50, seed=iteration)
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(rng.uniform(0.05, 1.5))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        reported |= {line.split()[1] for line in out.splitlines() if line.startswith("published")}
        current = assert_consistent(root)
        # Current is a publish the child reported, or the newest version: published just before the kill.
        assert current.version in reported or current.version == store.list_versions("parks")[0].version
        mid_write += bool(leftovers(root))
    store.gc_temp()
    assert leftovers(root) == []
    assert_consistent(root)
    print(f"{mid_write} of 6 kills hit a write in progress; {len(reported)} publishes completed")
    shutil.rmtree(root)  # ~15 MB per version: don't leave hundreds of MB in pytest's kept temp folders


def test_lock_of_a_killed_holder_is_released(tmp_path, root, monkeypatch):
    script = tmp_path / "holder.py"
    script.write_text(
        "import sys, time\nfrom pathlib import Path\nfrom dashboard import store\n"
        "with store._store_lock(Path(sys.argv[1])):\n    print('locked', flush=True)\n    time.sleep(60)\n",
        encoding="utf-8",
    )
    base = baseline()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    holder = subprocess.Popen([sys.executable, str(script), str(root)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
        with pytest.raises(UserError) as err:
            store.publish("parks", base.version, user="u")
        assert err.value.key == "error.store.busy"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 5)
    started = time.monotonic()
    store.publish("parks", base.version, user="u")  # no stale lock: the kernel released the dead holder's
    assert time.monotonic() - started < 2
