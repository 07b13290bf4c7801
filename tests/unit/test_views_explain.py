"""The 指标说明 popover: every declared unit in words in both languages, parameter values as people quote them."""

from __future__ import annotations

import re

import pytest

from dashboard.i18n import LANGUAGES
from dashboard.indicators import registry
from dashboard.policy import Param, load_profile, profile_ids
from dashboard.views import explain


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_declared_unit_reads_in_words(lang):
    units = {spec.unit for spec in registry().values()}
    units |= {param.unit for pid in profile_ids() for param in load_profile(pid).params.values()}
    for unit in units:
        words = explain.unit_words(unit, lang)
        assert words and not re.search(r"[a-z]+_[a-z]+", words), (unit, words)
        if lang == "en":
            assert not re.search(r"[\u4e00-\u9fff]", words), (unit, words)


def test_values_as_people_quote_them():
    def param(value, unit="ratio"):
        return Param("k", value, unit, "名", "name", "seed 000 三、(二)", "p")

    assert explain.value_text(param(0.4)) == "40%"
    assert explain.value_text(param({"Q2": 0.03, "Q3": 0.07, "Q4": 0.15})) == "Q2 3%、Q3 7%、Q4 15%"
    assert explain.value_text(param({"Q2": 0.03, "Q3": 0.07}), "en") == "Q2 3%, Q3 7%"
    assert explain.value_text(param(280, "wan_per_mu")) == "280"
    assert explain.value_text(param(True, "flag"), "en") == "yes"
    assert explain.value_text(param(["national", "provincial"], "project_levels")) == "national、provincial"


def test_param_rows_cite_documents_by_title():
    spec = registry()["supply_rate_5y"]
    rows = explain.param_rows(spec, load_profile(), "zh")
    floor = rows.set_index("政策参数").loc["五年供地率下限"]
    assert floor["取值"] == "40%" and floor["单位"] == "%"
    assert floor["出处"].startswith("《玉溪市加强用地要素保障措施机制研究》")
    assert explain.heading(spec, "en") == "**Five-year supply rate** (%)"
