"""The concurrency benchmark against the real app: 2 websocket sessions × 1 round over two pages (no browser).

Checks that every visit ends with ``script_finished`` on the requested page with no exception element and that the
report has p50/p95; timings are never asserted.  The server runs under the browser tests' network guard.
"""

from __future__ import annotations

from dashboard import bench_load
from tests.browser.conftest import SERVER_NETGUARD_LOG, SERVER_SITE
from tests.browser.helpers import ARTIFACTS


def test_two_sessions_finish_every_page_without_exceptions():
    pages = ("overview", "arable")
    SERVER_NETGUARD_LOG.parent.mkdir(exist_ok=True)
    guard_log = SERVER_NETGUARD_LOG.with_name("streamlit-server-load-netguard.log")
    guard_log.write_text("", encoding="utf-8")
    with bench_load.running_app(ARTIFACTS / "streamlit-server-load.log", extra_env={"NETGUARD_LOG": str(guard_log)},
                                pythonpath=(str(SERVER_SITE),)) as server:
        report = bench_load.measure(server, pages, sessions=2, rounds=1, baseline=False, warmup=False)

    load = report["phases"]["load"]
    assert load["errors"] == [] and report["errors"] == 0
    assert report["exceptions_rendered"] == []
    assert load["overall"]["n"] == 4
    for page in pages:
        stats = load["pages"][page]
        assert stats["n"] == 2 and stats["errors"] == 0
        assert stats["p50"] is not None and stats["p95"] is not None
    assert report["server"]["after_load"]["vmhwm_mb"] > 0
    assert "p50" in bench_load.format_report(report)
    assert guard_log.read_text(encoding="utf-8") == ""
