"""The versioned store: round trips, publish/rollback, listing, audit, path safety, temp cleanup, messages."""

import json
import re
import string
import tomllib

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dashboard import store
from dashboard.contracts import DATASET_NAMES
from dashboard.errors import DataError, UserError
from dashboard.i18n import LANGUAGES, catalog

SOURCE = {"zh": "玉溪市自然资源和规划局", "en": "Yuxi Natural Resources Bureau"}


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "store"
    monkeypatch.setenv("DASHBOARD_STORE", str(path))
    return path


def projects(*names):
    names = names or ("玉溪高新区标准厂房", "红塔区<b>物流</b>园")
    return pd.DataFrame(
        {
            "project_id": [f"{i:04d}" for i in range(1, len(names) + 1)],
            "name": list(names),
            "county_code": ["530402"] * len(names),
            "stage": ["选址"] * len(names),
            "area_mu": [12.5] * len(names),
        }
    )


def write(frame=None, **kwargs):
    args = {
        "uploader": "张三",
        "original_name": "重点项目.csv",
        "data_date": "2026-09-30",
        "source": SOURCE,
    }
    args.update(kwargs)
    return store.write_version("projects", projects() if frame is None else frame, **args)


def test_round_trip_keeps_leading_zeros_and_chinese(root):
    before = store.current_version("projects")
    assert before is not None and before.is_demo  # falls back to the demo until something is published
    version = write(note="第一次上传")
    assert store.current_version("projects").is_demo  # written is not published
    store.publish("projects", version.version, user="李四")
    current = store.current_version("projects")
    assert current.version == version.version and not current.is_demo and current.is_current
    assert current.source("zh") == SOURCE["zh"] and current.source("en") == SOURCE["en"]
    assert current.data_date == "2026-09-30" and current.rows == 2
    back = store.load_current("projects")
    assert back["project_id"].tolist() == ["0001", "0002"]
    assert back["name"].tolist() == ["玉溪高新区标准厂房", "红塔区<b>物流</b>园"]
    assert back["stage"].tolist() == ["site", "site"]
    assert store.verify_version(current)
    assert store.file_sha256(current.path) == current.sha256


def test_manifest_records_everything(root):
    first = write()
    store.publish("projects", first.version, user="李四")
    second = write(original_name="二季度.xlsx", note="补报")
    manifest = json.loads((root / "projects" / "versions" / second.version / "manifest.json").read_text("utf-8"))
    assert manifest["dataset"] == "projects" and manifest["version"] == second.version
    assert manifest["sha256"] == store.file_sha256(second.path)
    assert manifest["rows"] == 2 and manifest["uploader"] == "张三" and manifest["note"] == "补报"
    assert manifest["original_name"] == "二季度.xlsx"
    assert manifest["data_date"] == "2026-09-30"
    assert manifest["source_zh"] == SOURCE["zh"] and manifest["source_en"] == SOURCE["en"]
    assert manifest["parent"] == first.version  # what was current when it was made
    assert manifest["columns"] == ["project_id", "name", "county_code", "stage", "area_mu"]
    created = pd.Timestamp(manifest["created"])
    assert created.tzinfo is not None


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_every_demo_dataset_round_trips_unchanged(root, name):
    demo = store.load_current(name)
    version = store.write_version(name, demo, uploader="u", original_name="demo", data_date="2026-09-30", source="s")
    store.publish(name, version.version, user="u")
    back = store.load_current(name)
    assert type(back) is type(demo)
    pd.testing.assert_frame_equal(back, demo)
    versions = store.current_versions()
    assert not versions[name].is_demo
    assert all(v.is_demo for other, v in versions.items() if other != name)


def test_geometry_round_trip(root):
    frame = gpd.GeoDataFrame(
        {"park_id": ["007"], "name": ["研和工业园区"], "county_code": ["530402"]},
        geometry=[shapely.box(102.5, 24.3, 102.6, 24.4)],
        crs="EPSG:4326",
    )
    version = store.write_version(
        "parks", frame, uploader="u", original_name="parks.geojson", data_date="2026-09-30", source="测试"
    )
    store.publish("parks", version.version, user="u")
    back = store.load_current("parks")
    assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 4326
    assert back["park_id"].tolist() == ["007"] and back.geometry.iloc[0].equals(frame.geometry.iloc[0])
    assert store.current_version("parks").source_en == "测试"  # one source string serves both languages


def test_publish_and_rollback(root):
    first, second = write(), write(projects("第二版"))
    store.publish("projects", first.version, user="a")
    store.publish("projects", second.version, user="a", expected_current=first.version)
    assert store.load_current("projects")["name"].tolist() == ["第二版"]
    done = store.rollback("projects", first.version, user="b")
    assert done.is_current and store.current_version("projects").version == first.version
    assert len(store.load_current("projects")) == 2
    with pytest.raises(UserError) as err:
        store.rollback("projects", first.version, user="b")
    assert err.value.key == "error.store.already_current"
    pointer = json.loads((root / "projects" / "current.json").read_text("utf-8"))
    assert pointer == pointer | {"version": first.version, "previous": second.version, "user": "b", "action": "rollback"}


def test_compare_and_swap(root):
    first, second = write(), write()
    store.publish("projects", first.version, user="a", expected_current=None)
    with pytest.raises(UserError) as err:
        store.publish("projects", second.version, user="b", expected_current=None)  # someone published first
    assert err.value.key == "error.store.conflict"
    assert err.value.params["current"] == first.version
    assert store.current_version("projects").version == first.version
    store.publish("projects", second.version, user="b", expected_current=first.version)
    assert store.current_version("projects").version == second.version


def test_list_versions_newest_first_with_current_marked(root):
    assert store.list_versions("projects") == []
    made = [write(note=str(i)) for i in range(3)]
    store.publish("projects", made[1].version, user="a")
    listed = store.list_versions("projects")
    assert [v.version for v in listed] == [v.version for v in reversed(made)]
    assert [v.is_current for v in listed] == [False, True, False]
    assert [v.note for v in listed] == ["2", "1", "0"]
    assert all(v.uploader == "张三" and v.created for v in listed)
    assert store.get_version("projects", made[1].version).is_current


def test_listing_ignores_debris(root):
    write()
    (root / "projects" / "versions" / "half-made").mkdir()  # no manifest: not a version
    (root / "projects" / "versions" / ".hidden").mkdir()
    (root / ".tmp" / "projects-orphan").mkdir(parents=True)
    assert len(store.list_versions("projects")) == 1


def test_version_ids_sort_by_time_and_are_unique():
    ids = [store.new_version_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}", v) for v in ids)
    early = store.new_version_id(pd.Timestamp("2026-01-01T00:00:00.000001Z").to_pydatetime())
    late = store.new_version_id(pd.Timestamp("2026-01-01T00:00:00.000002Z").to_pydatetime())
    assert early < late


@pytest.mark.parametrize("name", ["../projects", "..", "a/b", "/etc/passwd", ".tmp", "", "x" * 200, "版本1"])
def test_unsafe_or_unknown_version_names_are_refused(root, name):
    write()
    with pytest.raises(UserError) as err:
        store.publish("projects", name, user="a")
    assert err.value.key == "error.store.unknown_version"


def test_original_name_is_metadata_only(root, tmp_path):
    hostile = "../../<script>alert(1)</script>\n=cmd|' /C calc'!A0.csv"
    version = write(original_name=hostile)
    assert store.get_version("projects", version.version).original_name == hostile
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}", version.path.parent.name)
    everything = {p.name for p in tmp_path.rglob("*")}
    assert not any("script" in name or "calc" in name for name in everything)
    audit_line = (root / "audit.jsonl").read_text("utf-8").splitlines()[-1]
    assert json.loads(audit_line)["original_name"] == hostile  # JSON-escaped, one line


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"data_date": "2026-13-01"}, "error.store.bad_data_date"),
        ({"data_date": "30/09/2026"}, "error.store.bad_data_date"),
        ({"uploader": "  "}, "error.store.no_user"),
        ({"source": ""}, "error.store.no_source"),
        ({"source": {"en": ""}}, "error.store.no_source"),
    ],
)
def test_bad_metadata_is_a_user_error_and_stores_nothing(root, kwargs, key):
    with pytest.raises(UserError) as err:
        write(**kwargs)
    assert err.value.key == key
    assert store.list_versions("projects") == []


def test_frame_is_conformed_before_storing(root):
    with pytest.raises(DataError) as err:
        write(projects().drop(columns=["county_code"]))
    assert err.value.key == "error.missing_columns"
    assert store.list_versions("projects") == [] and store.read_audit() == []


def test_corrupt_version_is_not_published(root):
    version = write()
    version.path.write_bytes(version.path.read_bytes() + b"x")
    with pytest.raises(UserError) as err:
        store.publish("projects", version.version, user="a")
    assert err.value.key == "error.store.corrupt_version"
    assert store.current_version("projects").is_demo


def test_unknown_dataset_is_a_user_error(root):
    with pytest.raises(UserError) as err:
        store.list_versions("../etc")
    assert err.value.key == "error.unknown_dataset"


def test_audit_has_one_line_per_event(root):
    first = write()
    store.publish("projects", first.version, user="李四")
    second = write()
    store.publish("projects", second.version, user="李四")
    store.rollback("projects", first.version, user="王五")
    with pytest.raises(UserError):
        store.publish("projects", second.version, user="赵六", expected_current=second.version)
    store.record_rejection(
        "projects", uploader="张三", original_name="坏文件.csv", reason_key="error.missing_columns", params={"n": 1}
    )
    events = store.read_audit()
    assert [e["event"] for e in events] == ["accepted", "publish", "accepted", "publish", "rollback", "conflict", "rejected"]
    keys = {"time", "event", "user", "dataset", "version", "previous", "original_name", "sha256", "reason", "params"}
    assert all(set(e) == keys for e in events)
    assert [e["user"] for e in events] == ["张三", "李四", "张三", "李四", "王五", "赵六", "张三"]
    assert events[0]["sha256"] == first.sha256 and events[0]["original_name"] == "重点项目.csv"
    assert events[3]["previous"] == first.version and events[4]["previous"] == second.version
    assert events[5]["reason"] == "error.store.conflict" and events[5]["version"] == second.version
    assert events[6]["reason"] == "error.missing_columns" and events[6]["params"] == {"n": 1}
    assert events[6]["version"] is None
    assert all(pd.Timestamp(e["time"]).tzinfo is not None for e in events)
    raw = (root / "audit.jsonl").read_bytes()
    assert raw.endswith(b"\n") and len(raw.split(b"\n")) == len(events) + 1


def test_read_audit_filters_by_dataset(root):
    write()
    store.record_rejection("parks", uploader="a", original_name="p.csv", reason_key="error.bad_code")
    assert [e["event"] for e in store.read_audit("parks")] == ["rejected"]
    assert [e["event"] for e in store.read_audit("projects")] == ["accepted"]


def test_torn_audit_line_is_skipped_and_does_not_swallow_the_next(root):
    write()
    with open(root / "audit.jsonl", "ab") as fh:
        fh.write(b'{"time": "2026-11-22T00:00:00+08:00", "event": "acc')  # a writer killed mid-line
    store.record_rejection("projects", uploader="a", original_name="x.csv", reason_key="error.bad_code")
    assert [e["event"] for e in store.read_audit()] == ["accepted", "rejected"]


def test_unicode_line_separators_stay_inside_one_event(root):
    store.record_rejection("projects", uploader="a", original_name="a\u2028b\u2029c\x85d.csv", reason_key="k")
    assert store.read_audit()[0]["original_name"] == "a\u2028b\u2029c\x85d.csv"


def test_lines_a_dead_writer_never_wrote_are_rebuilt_and_then_stored_once(root, monkeypatch):
    first = write()
    real_append = store._append_audit_locked

    def dies_before_auditing(event_kind):
        def append(root_, event):
            if event["event"] == event_kind and not event["params"].get("recovered"):
                raise KeyboardInterrupt("killed")  # what a process killed between the two writes leaves
            real_append(root_, event)
        return append

    monkeypatch.setattr(store, "_append_audit_locked", dies_before_auditing("publish"))
    with pytest.raises(KeyboardInterrupt):
        store.publish("projects", first.version, user="李四")
    monkeypatch.setattr(store, "_append_audit_locked", dies_before_auditing("accepted"))
    with pytest.raises(KeyboardInterrupt):
        write(uploader="王五")
    monkeypatch.setattr(store, "_append_audit_locked", real_append)
    second = store.list_versions("projects")[0]
    assert second.uploader == "王五" and store.current_version("projects").version == first.version

    def logged():
        return [json.loads(line) for line in (root / "audit.jsonl").read_bytes().split(b"\n") if line]

    # The publish line was rebuilt and stored by the second write, under the lock, before its rename; the second
    # version's own line was never written...
    assert [(e["event"], e["params"].get("recovered", False)) for e in logged()] == [
        ("accepted", False), ("publish", True)]
    events = store.read_audit()  # ...but the store says what it would have said
    assert [(e["event"], e["user"], e["version"]) for e in events] == [
        ("accepted", "张三", first.version), ("publish", "李四", first.version), ("accepted", "王五", second.version)]
    assert [e["params"].get("recovered", False) for e in events] == [False, True, True]
    assert events[1]["sha256"] == first.sha256 and events[2]["sha256"] == second.sha256
    assert events[1]["previous"] is None and events[2]["previous"] == first.version
    assert set(events[2]) == set(events[0])
    # The next write under the lock stores it, once, before its own line.
    store.record_rejection("projects", uploader="a", original_name="x.csv", reason_key="error.bad_code")
    assert [e["event"] for e in logged()] == ["accepted", "publish", "accepted", "rejected"]
    assert [e["event"] for e in store.read_audit()] == ["accepted", "publish", "accepted", "rejected"]
    store.publish("projects", second.version, user="李四")
    assert [e["event"] for e in store.read_audit()] == ["accepted", "publish", "accepted", "rejected", "publish"]


def test_gc_temp_removes_orphans_but_not_live_writers(root):
    import fcntl
    import os

    write()
    orphan = root / ".tmp" / "projects-dead"
    orphan.mkdir()
    (orphan / "data.parquet").write_bytes(b"partial")
    live = root / ".tmp" / "projects-live"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what a writer in another process holds while writing
    pointer_tmp = root / "projects" / ".current.deadbeef.tmp"
    pointer_tmp.write_text('{"version": "x"', "utf-8")
    try:
        assert store.gc_temp() == 2
        assert not orphan.exists() and not pointer_tmp.exists() and live.exists()
    finally:
        os.close(fd)
    assert store.gc_temp() == 1 and not live.exists()
    assert len(store.list_versions("projects")) == 1


def test_gc_temp_without_a_store_does_nothing(root):
    assert store.gc_temp() == 0 and not root.exists()


# ------------------------------------------------------------------------------------------------- messages


def own_catalog(lang):
    from dashboard.i18n import module_catalog

    return module_catalog("store", lang)


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_store_messages_are_complete_in_both_languages():
    with open(store.MESSAGES_FILE, "rb") as fh:
        assert set(tomllib.load(fh)) == set(LANGUAGES)
    zh = own_catalog("zh")
    for lang in LANGUAGES:
        other = own_catalog(lang)
        assert set(other) == set(zh)
        for key, text in zh.items():
            assert text.strip() and other[key].strip(), key
            assert fields(other[key]) == fields(text), key


def test_store_messages_merge_cleanly_into_the_catalogs():
    for lang in LANGUAGES:
        main = catalog(lang)
        for key in own_catalog(lang):
            assert key not in main or main[key] == own_catalog(lang)[key], key
            # a new key must not turn an existing string key into a table (or the reverse) on merge
            parts = key.split(".")
            assert not any(".".join(parts[:i]) in main for i in range(1, len(parts))), key
            assert not any(k.startswith(key + ".") for k in main), key


def test_every_message_key_used_by_the_store_modules_exists():
    from tests.conftest import ROOT

    pattern = re.compile(r"""(?:message|UserError|DataError)\(\s*f?["']((?:error|store|export|cli)\.[a-z0-9_.]+)["']""")
    used = set()
    for name in ("store.py", "export.py", "cli_data.py"):
        used |= set(pattern.findall((ROOT / "dashboard" / name).read_text("utf-8")))
    assert used, "pattern found nothing: it is out of date"
    known = set(own_catalog("zh")) | set(catalog("zh"))
    assert sorted(used - known) == []


def test_message_falls_back_to_the_store_catalog_and_formats():
    assert store.message("error.store.busy", "en", seconds=3).endswith("try again shortly.")
    assert "3 秒" in store.message("error.store.busy", "zh", seconds=3)
    assert store.message("error.no_data", "zh", dataset="x") == catalog("zh")["error.no_data"].format(dataset="x")
    err = UserError("error.store.conflict", dataset="d", version="v", expected="a", current="b")
    assert "v" in store.error_message(err, "en") and "b" in store.error_message(err, "zh")
