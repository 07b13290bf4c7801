"""The 指标说明 popover as users read it: an indicator's unit in words, its formula and source, and the policy
parameters it uses with their values in the units people quote (a ratio of 0.4 is "40%").  Pure.
"""

from __future__ import annotations

import json
from numbers import Number

import pandas as pd

from dashboard.citations import cite
from dashboard.i18n import t
from dashboard.indicators import IndicatorSpec
from dashboard.policy import Param, Profile


def unit_words(unit: str, lang: str = "zh") -> str:
    """A declared unit code in words: ``wan_per_mu`` → ``万元/亩``, ``ratio`` → ``%``."""
    return t(f"explain.unit.{unit}", lang)


def _number(value: float, ratio: bool) -> str:
    value = 100 * value if ratio else value
    return f"{round(value, 6):,g}" + ("%" if ratio else "")


def value_text(param: Param, lang: str = "zh") -> str:
    """A parameter's value as shown: numbers in full (ratios as percentages), yes/no, a quarter or key per entry of
    a table of numbers (``Q2 3%、Q3 7%、Q4 15%``), lists joined; anything else as compact JSON."""
    ratio = param.unit == "ratio"
    value = param.value
    sep = "、" if lang == "zh" else ", "
    if isinstance(value, bool):
        return t("explain.yes" if value else "explain.no", lang)
    if isinstance(value, Number):
        return _number(float(value), ratio)
    if isinstance(value, dict) and all(isinstance(v, Number) and not isinstance(v, bool) for v in value.values()):
        return sep.join(f"{key} {_number(float(v), ratio)}" for key, v in value.items())
    if isinstance(value, list) and all(isinstance(v, (str, Number)) for v in value):
        return sep.join(str(v) for v in value) if value else "—"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def heading(spec: IndicatorSpec, lang: str = "zh") -> str:
    """``**五年供地率**（%）`` / ``**Five-year supply rate** (%)``."""
    unit = unit_words(spec.unit, lang)
    return f"**{spec.label(lang)}**（{unit}）" if lang == "zh" else f"**{spec.label(lang)}** ({unit})"


def param_rows(spec: IndicatorSpec, profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """The profile's parameters the indicator uses: name, value, unit (in words) and the clause it comes from."""
    rows = []
    for key in spec.params:
        if key not in profile.params:
            continue
        param = profile.param(key)
        rows.append({t("panels.param", lang): param.zh if lang == "zh" else param.en,
                     t("panels.value", lang): value_text(param, lang),
                     t("panels.unit", lang): unit_words(param.unit, lang),
                     t("panels.clause", lang): cite(param.source)})
    return pd.DataFrame(rows)
