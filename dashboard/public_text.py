"""How a published figure reads: column headers with units, the published precision, withheld and missing marks.

Shared by the public app (:mod:`components.public_view`) and the internal app's preview of the public summary
(``pages/public_summary.py``), so that both show a public table the same way.  Pure (pandas and the message
catalogs): the public app imports it, so it must not pull in the internal store, readers or engine.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard.i18n import t

#: Published column → (i18n key of its header, unit key or None, decimals or None for text/counts).
COLUMNS: dict[str, tuple[str, str | None, int | None]] = {
    "region_name": ("public.col.region", None, None),
    "group": ("public.col.group", None, None),
    "area_ha": ("public.col.area", "public.unit.ha", 2),
    "area_mu": ("public.col.area", "public.unit.mu", 0),
    "share_pct": ("public.col.share", "public.unit.pct", 2),
    "parcels": ("public.col.parcels", "public.unit.count", 0),
    "indicator": ("public.col.indicator", None, None),
    "unit": ("public.col.unit", None, None),
    "filed": ("public.col.filed", None, 0),
    "bought": ("public.col.bought", None, 0),
    "pooled_out": ("public.col.pooled_out", None, 0),
    "occupied": ("public.col.occupied", None, 0),
    "sold": ("public.col.sold", None, 0),
    "debt_repaid": ("public.col.debt_repaid", None, 0),
    "pooled_in": ("public.col.pooled_in", None, 0),
    "balance": ("public.col.balance", None, 0),
    "shortfall": ("public.col.shortfall", None, 0),
    "entries": ("public.col.entries", "public.unit.count", 0),
    "approvals": ("public.col.approvals", "public.unit.count", 0),
    "approved_mu": ("public.col.approved", "public.unit.mu", 0),
    "supplied_mu": ("public.col.supplied", "public.unit.mu", 0),
    "unsupplied_mu": ("public.col.unsupplied", "public.unit.mu", 0),
    "supply_rate_pct": ("public.col.supply_rate", "public.unit.pct", 2),
    "supply_rate_min_pct": ("public.col.supply_rate_min", "public.unit.pct", 2),
    "gap_pp": ("public.col.gap", "public.unit.pp", 2),
    "below_min": ("public.col.below_min", None, None),
    "cases": ("public.col.cases", "public.unit.count", 0),
    "idle_mu": ("public.col.idle", "public.unit.mu", 0),
    "undisposed_cases": ("public.col.undisposed_cases", "public.unit.count", 0),
    "undisposed_mu": ("public.col.undisposed", "public.unit.mu", 0),
    "disposed_cases": ("public.col.disposed_cases", "public.unit.count", 0),
    "disposed_mu": ("public.col.disposed", "public.unit.mu", 0),
    "overdue_cases": ("public.col.overdue_cases", "public.unit.count", 0),
    "enterprises": ("public.col.enterprises", "public.unit.count", 0),
    "invest_per_mu_wan": ("public.col.invest_per_mu", "public.unit.wan_per_mu", 1),
    "output_per_mu_wan": ("public.col.output_per_mu", "public.unit.wan_per_mu", 1),
    "tax_per_mu_wan": ("public.col.tax_per_mu", "public.unit.wan_per_mu", 1),
    "invest_below_benchmark": ("public.col.invest_below", None, None),
    "output_below_benchmark": ("public.col.output_below", None, None),
}

#: Columns shown as text as they are (names, translated labels), never formatted as numbers.
TEXT_COLUMNS = ("region_name", "group", "indicator", "unit")


def region_label(frame: pd.DataFrame, lang: str) -> pd.Series:
    """The regions' names in ``lang``."""
    return frame["region_name"] if lang == "zh" else frame["region_name_en"]


def header(column: str, lang: str) -> str:
    """The column's header in ``lang``, with its unit: ``供地率（%）`` / ``Supply rate (%)``."""
    key, unit, _ = COLUMNS[column]
    if not unit:
        return t(key, lang)
    return f"{t(key, lang)}（{t(unit, lang)}）" if lang == "zh" else f"{t(key, lang)} ({t(unit, lang)})"


def cell(value, digits: int | None, reason: str, lang: str) -> str:
    """One published value as text: the withheld mark of its ``suppression`` reason, "—" when missing, yes/no,
    else the value at ``digits`` decimals (``None``: as it is)."""
    if reason in ("small_group", "complementary"):
        return t(f"public.withheld_{reason}", lang)
    if reason == "no_data":  # nothing to count (e.g. a county without a park)
        return t("public.no_data", lang)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return t("public.yes" if value else "public.no", lang)
    if digits is None:
        return str(value)
    return f"{float(value):,.{digits}f}"


def display_frame(frame: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """``columns`` of a public table as text: translated headers with units, published precision, withheld marks.

    Region names follow the language; ``group`` is the land-use group in the language; ``indicator`` and ``unit``
    are translated.
    """
    frame = frame.reset_index(drop=True)
    reasons = frame["suppression"].fillna("").astype(str)
    out = {}
    for column in columns:
        if column == "region_name":
            values = region_label(frame, lang)
        elif column == "group":
            values = frame["group_zh"] if lang == "zh" else frame["group_en"]
        elif column == "indicator":
            values = frame["indicator"].map(lambda v: t(f"public.arable.{v}", lang))
        elif column == "unit":
            values = frame["unit"].map(lambda v: t(f"public.unit.{v}", lang))
        else:
            values = frame[column]
        digits = COLUMNS[column][2]
        out[header(column, lang)] = [
            str(v) if column in TEXT_COLUMNS else cell(v, digits, reason, lang)
            for v, reason in zip(values, reasons, strict=True)
        ]
    return pd.DataFrame(out)
