"""公众版摘要 (internal app): the public extract's headline figures and county comparison, read from the checked
public tables of the demo data, with withheld figures named by their reason."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import Context
from dashboard.policy import load_profile
from dashboard.public_extract import checked_tables
from dashboard.views import public_summary as view
from tests.conftest import ROOT

CITY = "530400"


@pytest.fixture(scope="module")
def tables():
    ctx = Context(engine=Engine.from_dir(ROOT / "data" / "demo"), profile=load_profile(), as_of=date(2026, 9, 30))
    return checked_tables(ctx)


def test_city_figures_are_the_published_ones(tables):
    shown = dict(view.figures(tables, CITY, "zh"))
    # the demo data reproduce the published 79.22% supply rate (seed 000); figures at the published precision
    assert shown["近五年供地率"] == "79.22%"
    stock = tables["unsupplied_stock"].set_index("region_code").loc[CITY, "unsupplied_mu"]
    assert shown["批而未供土地"] == f"{stock:,.0f} 亩"  # the published precision, whole 亩
    assert shown["园区亩均投资强度"].endswith(".8 万元/亩")  # 234.75 published to one decimal
    english = dict(view.figures(tables, CITY, "en"))
    assert english["Five-year supply rate"] == "79.22%" and len(english) == len(view.FIGURES)
    assert all(len(value) <= len("12,730 mu") for value in english.values())  # a card at 1366 px shows it whole


def test_county_table_has_every_county_and_says_why_a_figure_is_withheld(tables):
    table = view.county_table(tables, "zh")
    counties = tables["unsupplied_stock"]
    assert table["行政区"].tolist() == counties.loc[counties["level"] == "county", "region_name"].tolist()
    assert list(table.columns[1:]) == [f.label("zh") for f in view.FIGURES]
    per_mu = tables["per_mu_county"].set_index("region_code")
    reasons = per_mu.loc[per_mu["level"] == "county", "suppression"]
    assert (reasons != "").any(), "the demo has counties without a park or with few enterprises"
    code = reasons[reasons != ""].index[0]
    name = per_mu.loc[code, "region_name"]
    shown = table.set_index("行政区").loc[name, view.FIGURES[-1].label("zh")]
    assert shown in {"不公布（样本少于3个）", "不公布（防止反推）", "无"}


def test_a_withheld_city_figure_shows_its_reason():
    frame = pd.DataFrame({"region_code": [CITY], "region_name": ["玉溪市"], "region_name_en": ["Yuxi"],
                          "level": ["city"], "unsupplied_mu": [float("nan")], "suppression": ["small_group"]})
    tables = {f.table: frame for f in view.FIGURES if f.indicator is None}
    tables["arable_balance"] = frame.assign(indicator="cultivated", shortfall=5.0, suppression="")
    for f in view.FIGURES:
        tables[f.table] = tables[f.table].assign(**{f.column: tables[f.table].get(f.column, float("nan"))})
    shown = dict(view.figures(tables, CITY, "en"))
    assert shown["Approved but unsupplied land"] == "Withheld (fewer than 3)"  # no unit after a reason
    assert list(shown.values())[3] == "5 mu"
