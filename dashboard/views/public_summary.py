"""公众版摘要 (the internal app's public page): the public extract's headline figures for a region and every county
compared, read from the same tables ``python -m dashboard publish-public`` writes (aggregates only, small groups
withheld; :mod:`dashboard.public_extract`) and shown the way the public app shows them (:mod:`dashboard.public_text`).

Pure (no Streamlit): the page computes the tables with :func:`dashboard.public_extract.build_tables` and renders
what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import public_text
from dashboard.i18n import t


@dataclass(frozen=True)
class PublicFigure:
    """A headline figure: where it is in the public tables, its label, unit and published precision."""

    key: str
    table: str
    column: str
    label_key: str
    unit_key: str
    digits: int
    indicator: str | None = None  # the arable indicator, for the arable table's one row per indicator

    def label(self, lang: str) -> str:
        """The column header: ``批而未供土地（亩）`` / ``Approved but unsupplied land (mu)``."""
        label, unit = t(self.label_key, lang), t(self.unit_key, lang)
        return f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"


#: The public city page's headline figures (``pages_public/city.py``), in its order.
FIGURES = (
    PublicFigure("unsupplied", "unsupplied_stock", "unsupplied_mu", "public.kpi.unsupplied", "public.unit.mu", 0),
    PublicFigure("supply_rate", "supply_rate_5y", "supply_rate_pct", "public.kpi.supply_rate", "public.unit.pct", 2),
    PublicFigure("idle", "idle_land", "undisposed_mu", "public.kpi.idle_undisposed", "public.unit.mu", 0),
    PublicFigure("arable", "arable_balance", "shortfall", "public.kpi.arable_shortfall", "public.unit.mu", 0,
                 indicator="cultivated"),
    PublicFigure("invest", "per_mu_county", "invest_per_mu_wan", "public.kpi.invest_per_mu",
                 "public.unit.wan_per_mu", 1),
)


#: Units up to this many characters follow the value on a card (亩, %, mu); longer ones go in its label.
SHORT_UNIT = 4


def _rows(tables: dict[str, pd.DataFrame], figure: PublicFigure) -> pd.DataFrame:
    frame = tables[figure.table]
    if figure.indicator is not None:
        frame = frame[frame["indicator"] == figure.indicator]
    return frame.set_index("region_code")


def _text(row: pd.Series, figure: PublicFigure, lang: str) -> str:
    return public_text.cell(row[figure.column], figure.digits, str(row.get("suppression") or ""), lang)


def figures(tables: dict[str, pd.DataFrame], region_code: str, lang: str) -> list[tuple[str, str]]:
    """``(label, value)`` of each of :data:`FIGURES` for one region (the city or a county), for a card: the
    published value with its unit (``12,730 亩``; a long unit goes in the label instead, so that a card at 1366 px
    shows the value whole), or the reason it is not published ("不公布（样本少于3个）", "无")."""
    out = []
    for figure in FIGURES:
        rows = _rows(tables, figure)
        row = rows.loc[region_code] if region_code in rows.index else None
        text = "—" if row is None else _text(row, figure, lang)
        unit = t(figure.unit_key, lang)
        if len(unit) > SHORT_UNIT:  # "10k yuan/mu" beside the value would cut it short: in the label
            out.append((figure.label(lang), text))
            continue
        if row is not None and not str(row.get("suppression") or "") and text != "—":
            text = f"{text}{unit}" if unit == "%" else f"{text} {unit}"
        out.append((t(figure.label_key, lang), text))
    return out


def county_table(tables: dict[str, pd.DataFrame], lang: str) -> pd.DataFrame:
    """Every county's :data:`FIGURES`, one row per county in the public tables' order, as published text."""
    counties = tables["unsupplied_stock"]
    counties = counties[counties["level"] == "county"]
    out = pd.DataFrame({t("public.col.region", lang): public_text.region_label(counties, lang).to_numpy()})
    for figure in FIGURES:
        rows = _rows(tables, figure)
        out[figure.label(lang)] = [
            _text(rows.loc[code], figure, lang) if code in rows.index else "—" for code in counties["region_code"]
        ]
    return out
