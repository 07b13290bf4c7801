"""数据管理 page in AppTest: upload → mapping → validation → preview → save and publish → versions, rollback."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.io import conform
from dashboard.navigation import page_spec

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SPEC = page_spec("data_manager")
HEADER = "供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式\n"
GOOD = (HEADER + "GD-T-001,云政地〔2026〕1号,530402,2026-03-01,12.5,出让\n"
        "GD-T-002,云政地〔2026〕2号,530427,2026-04-02,3.25,划拨\n").encode("gbk")
BAD = (HEADER + "GD-T-001,云政地〔2026〕1号,99,2026-13-01,-1,出让\n").encode("gbk")


@pytest.fixture(autouse=True)
def _tmp_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))


def open_page(lang=None):
    at = AppTest.from_file(APP, default_timeout=120)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(SPEC.file)
    at.run()
    return at


def upload(at, name, data):
    at.selectbox(key="dm_dataset").set_value("supplies").run()
    at.file_uploader(key="dm_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at):
    parts = [e.value for kind in ("success", "error", "info", "warning", "caption", "markdown", "text")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_page_without_file_shows_versions_and_audit_sections():
    at = open_page()
    assert not at.exception
    assert at.file_uploader(key="dm_file") is not None
    assert "版本与审计" in [s.value for s in at.subheader]


def test_upload_validate_preview_and_publish():
    at = upload(open_page(), "<img src=x onerror=alert(1)>.csv", GOOD)
    assert "<img src=x onerror=alert(1)>.csv" in [t.value for t in at.text]  # shown as text, escaped by Streamlit
    assert at.success and "2" in at.success[0].value
    assert "新增 2 行" in texts(at)
    assert at.button(key="dm_publish").disabled  # data date and source are required
    at.date_input(key="dm_data_date").set_value(dt.date(2026, 10, 31))
    at.text_input(key="dm_source").set_value("测试台账").run()
    assert not at.button(key="dm_publish").disabled
    at.button(key="dm_publish").click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = store.list_versions("supplies")
    assert len(versions) == 1 and versions[0].is_current and versions[0].data_date == "2026-10-31"
    assert f"当前版本：{versions[0].version}" in texts(at)
    assert [e["event"] for e in store.read_audit("supplies")] == ["accepted", "publish"]
    assert at.button(key="dm_rollback") is not None


def test_bad_file_shows_problems_and_no_save_button():
    at = upload(open_page(), "bad.csv", BAD)
    assert at.error and not at.success
    problems = [d.value for d in at.dataframe if "说明" in d.value.columns]  # display frames carry no key in AppTest
    assert problems and len(problems[0]) >= 3
    with pytest.raises(KeyError):
        at.button(key="dm_publish")


def test_unreadable_file_is_rejected_and_audited():
    at = upload(open_page(), "empty.csv", b"\xff\xfe\x00")
    assert at.error
    assert store.read_audit("supplies")[-1]["event"] == "rejected"


def test_english_page():
    at = upload(open_page("en"), "ok.csv", GOOD)
    assert "Compared with the current version: 2 rows added" in texts(at)
    assert "Versions and audit" in [s.value for s in at.subheader]


def test_rollback_to_an_earlier_version_after_confirmation(tmp_path):
    df = pd.read_csv(io.BytesIO(GOOD), encoding="gbk", dtype=str)
    first = store.write_version("supplies", conform(df, "supplies"), uploader="t", original_name="a.csv",
                                data_date="2026-09-30", source="测试")
    store.publish("supplies", first.version, user="t")
    second = store.write_version("supplies", conform(df.head(1), "supplies"), uploader="t", original_name="b.csv",
                                 data_date="2026-10-31", source="测试")
    store.publish("supplies", second.version, user="t")
    at = open_page()
    at.selectbox(key="dm_dataset").set_value("supplies").run()
    assert at.button(key="dm_rollback").disabled  # nothing happens without the confirmation
    at.selectbox(key="dm_rollback_to").set_value(first.version)
    at.checkbox(key="dm_rollback_confirm").check().run()
    at.button(key="dm_rollback").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.current_version("supplies").version == first.version
    assert [e["event"] for e in store.read_audit("supplies")][-1] == "rollback"
