"""The concurrency benchmark's wire codec against Streamlit's generated protobuf classes, and its statistics."""

from __future__ import annotations

import subprocess
import sys

from streamlit.proto.AppPage_pb2 import AppPage
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from dashboard import bench_load
from tests.conftest import ROOT


def _number(message, path: str) -> int:
    descriptor = message.DESCRIPTOR
    *parents, name = path.split(".")
    for parent in parents:
        descriptor = descriptor.fields_by_name[parent].message_type
    return descriptor.fields_by_name[name].number


def test_field_numbers_match_streamlit():
    assert _number(BackMsg, "rerun_script") == bench_load.BACK_RERUN_SCRIPT
    assert _number(BackMsg, "rerun_script.query_string") == bench_load.STATE_QUERY_STRING
    assert _number(BackMsg, "rerun_script.page_script_hash") == bench_load.STATE_PAGE_SCRIPT_HASH
    assert _number(BackMsg, "rerun_script.page_name") == bench_load.STATE_PAGE_NAME
    assert _number(ForwardMsg, "new_session") == bench_load.FWD_NEW_SESSION
    assert _number(ForwardMsg, "delta") == bench_load.FWD_DELTA
    assert _number(ForwardMsg, "script_finished") == bench_load.FWD_SCRIPT_FINISHED
    assert _number(ForwardMsg, "page_not_found") == bench_load.FWD_PAGE_NOT_FOUND
    assert _number(ForwardMsg, "ref_hash") == bench_load.FWD_REF_HASH
    assert _number(ForwardMsg, "navigation") == bench_load.FWD_NAVIGATION
    assert _number(ForwardMsg, "delta.new_element") == bench_load.DELTA_NEW_ELEMENT
    assert _number(ForwardMsg, "delta.new_element.exception") == bench_load.ELEMENT_EXCEPTION
    assert _number(ForwardMsg, "delta.new_element.alert") == bench_load.ELEMENT_ALERT
    assert _number(ForwardMsg, "delta.new_element.exception.type") == bench_load.EXCEPTION_TYPE
    assert _number(ForwardMsg, "delta.new_element.exception.message") == bench_load.EXCEPTION_MESSAGE
    assert _number(ForwardMsg, "delta.new_element.exception.is_warning") == bench_load.EXCEPTION_IS_WARNING
    assert _number(ForwardMsg, "delta.new_element.alert.body") == bench_load.ALERT_BODY
    assert _number(ForwardMsg, "delta.new_element.alert.format") == bench_load.ALERT_FORMAT
    assert _number(ForwardMsg, "navigation.app_pages") == bench_load.NAV_APP_PAGES
    assert _number(ForwardMsg, "navigation.page_script_hash") == bench_load.NAV_PAGE_SCRIPT_HASH
    assert _number(AppPage, "page_script_hash") == bench_load.PAGE_SCRIPT_HASH
    assert _number(AppPage, "url_pathname") == bench_load.PAGE_URL_PATHNAME
    status = ForwardMsg.ScriptFinishedStatus
    assert status.Value("FINISHED_SUCCESSFULLY") == bench_load.FINISHED_SUCCESSFULLY
    assert status.Value("FINISHED_WITH_COMPILE_ERROR") == bench_load.FINISHED_WITH_COMPILE_ERROR
    assert status.Value("FINISHED_EARLY_FOR_RERUN") == bench_load.FINISHED_EARLY_FOR_RERUN
    assert status.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY") == bench_load.FINISHED_FRAGMENT_RUN
    from streamlit.proto.Alert_pb2 import Alert

    assert Alert.Format.Value("ERROR") == bench_load.ALERT_FORMAT_ERROR


def test_rerun_message_parses_as_backmsg():
    msg = BackMsg.FromString(bench_load.rerun_message("abc123", "土地利用", "region=530402"))
    assert msg.WhichOneof("type") == "rerun_script"
    assert msg.rerun_script.page_script_hash == "abc123"
    assert msg.rerun_script.page_name == "土地利用"
    assert msg.rerun_script.query_string == "region=530402"
    empty = BackMsg.FromString(bench_load.rerun_message())
    assert empty.WhichOneof("type") == "rerun_script"


def test_decode_forward_reads_what_the_benchmark_needs():
    nav = ForwardMsg()
    nav.navigation.page_script_hash = "h2"
    for path, script_hash in (("", "h1"), ("arable", "h2")):
        page = nav.navigation.app_pages.add()
        page.url_pathname, page.page_script_hash, page.page_name = path, script_hash, "标题"
    decoded = bench_load.decode_forward(nav.SerializeToString())
    assert (decoded.kind, decoded.pages, decoded.page_script_hash) == ("navigation", {"": "h1", "arable": "h2"}, "h2")

    exc = ForwardMsg()
    exc.metadata.delta_path[:] = [0, 3]
    exc.delta.new_element.exception.type = "KeyError"
    exc.delta.new_element.exception.message = "区县"
    exc.delta.new_element.exception.stack_trace[:] = ["line 1"]
    decoded = bench_load.decode_forward(exc.SerializeToString())
    assert (decoded.kind, decoded.exception, decoded.exception_is_warning) == ("delta", "KeyError: 区县", False)

    alert = ForwardMsg()
    alert.delta.new_element.alert.body = "数据有误"
    alert.delta.new_element.alert.format = 1
    assert bench_load.decode_forward(alert.SerializeToString()).error_alert == "数据有误"
    alert.delta.new_element.alert.format = 3  # info
    assert bench_load.decode_forward(alert.SerializeToString()).error_alert is None

    done = ForwardMsg()
    done.script_finished = ForwardMsg.FINISHED_EARLY_FOR_RERUN
    decoded = bench_load.decode_forward(done.SerializeToString())
    assert (decoded.kind, decoded.status) == ("script_finished", bench_load.FINISHED_EARLY_FOR_RERUN)
    done.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY  # proto3 default: present because it is a oneof
    assert bench_load.decode_forward(done.SerializeToString()).status == bench_load.FINISHED_SUCCESSFULLY


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert bench_load.percentile(values, 50) == 10.0
    assert bench_load.percentile(values, 95) == 19.0
    assert bench_load.percentile(values, 100) == 20.0
    assert bench_load.percentile([3.0], 95) == 3.0
    assert bench_load.percentile([], 50) is None


def test_plan_visits_every_page_each_round_in_seeded_orders():
    pages = ("overview", "arable", "parks")
    schedule = bench_load.plan(pages, sessions=4, rounds=2, seed=1)
    assert len(schedule) == 4 and all(len(rounds) == 2 for rounds in schedule)
    assert all(sorted(order) == sorted(pages) for rounds in schedule for order in rounds)
    assert schedule == bench_load.plan(pages, sessions=4, rounds=2, seed=1)


def test_module_does_not_import_streamlit():
    code = "import sys, dashboard.bench_load; print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
