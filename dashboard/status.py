"""Descriptions of what data the app is showing: region choices, version summaries, dataset status tables."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import t
from dashboard.store import DatasetVersion

CITY = "city"


def region_options(regions: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """``{value: label}`` for the region selector: the whole city first, then counties in code order."""
    options = {CITY: t("region.city_all", lang)}
    if regions is None:
        return options
    name_col = "name_en" if lang == "en" and "name_en" in regions.columns else "name"
    counties = regions[regions["level"] == "county"].sort_values("code")
    for code, name in zip(counties["code"], counties[name_col], strict=True):
        options[str(code)] = str(name)
    return options


def summarise_versions(versions: dict[str, DatasetVersion | None]) -> dict:
    """What a caption needs about a set of dataset versions.

    Returns ``is_demo`` (any of them is demo data), ``versions`` (distinct version names), ``data_date``
    (the earliest data date: a page is only as current as its oldest input) and ``sources`` per language.
    """
    present = [v for v in versions.values() if v is not None]
    dates = sorted({v.data_date for v in present})
    return {
        "is_demo": any(v.is_demo for v in present),
        "versions": "、".join(sorted({v.version for v in present})),
        "data_date": dates[0] if dates else None,
        "sources": {
            "zh": list(dict.fromkeys(v.source_zh for v in present)),
            "en": list(dict.fromkeys(v.source_en for v in present)),
        }
        if present
        else {},
    }


def dataset_status_table(
    versions: dict[str, DatasetVersion | None], lang: str, titles: dict[str, str], labels: dict[str, str]
) -> pd.DataFrame:
    """One row per dataset: title, version, rows, data date and source; datasets without data say so."""
    rows = []
    for name, version in versions.items():
        rows.append(
            {
                labels["dataset"]: titles.get(name, name),
                labels["version"]: version.version if version else labels["missing"],
                labels["rows"]: version.rows if version else 0,
                labels["data_date"]: version.data_date if version else "",
                labels["source"]: version.source(lang) if version else "",
            }
        )
    return pd.DataFrame(rows)
