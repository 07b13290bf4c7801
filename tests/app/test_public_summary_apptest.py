"""公众版摘要 in the internal app: the region's published figures (not an empty map), every county compared, in
Chinese and English; a table that fails the row-level check shows no figure."""

from __future__ import annotations

from dashboard import public_extract
from dashboard.navigation import page_spec
from dashboard.public_schema import LeakError
from tests.app.helpers import open_app_page

SPEC = page_spec("public_summary")


def test_city_figures_and_county_comparison_in_chinese_and_english():
    at = open_app_page(SPEC.file)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["近五年供地率"] == "79.22%"
    assert len(metrics) == 5 and all(value for value in metrics.values())
    counties = next(d.value for d in at.dataframe if "行政区" in d.value.columns)
    assert len(counties) == 9 and "近五年供地率（%）" in counties.columns
    assert any("少于 3 个统计单元" in c.value for c in at.caption)
    english = open_app_page(SPEC.file, {"lang": "en", "region": "530428"})
    metrics = {m.label: m.value for m in english.metric}
    assert metrics["Five-year supply rate"] == "36.00%"  # 元江, the county below the 40% floor
    assert any("Counties compared" == s.value for s in english.subheader)


def test_a_table_failing_the_leak_check_shows_no_figures(monkeypatch):
    def leaking(ctx):
        raise LeakError("row-level value in unsupplied_stock")

    monkeypatch.setattr(public_extract, "checked_tables", leaking)
    at = open_app_page(SPEC.file, {"profile": "ningxia"})  # a profile no other test has computed (cached per profile)
    assert not at.metric
    assert any("未通过脱敏检查" in e.value for e in at.error)
