"""What publishing an upload would change: a keyed diff against the current version, totals before/after,
the editable mapping table and the version/audit tables of the 数据管理 page.  Pure (never imports Streamlit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.contracts import get_dataset
from dashboard.geo import view_for_bounds
from dashboard.mapping import Mapping

#: Features drawn inline in the preview map; more would make the page heavy for a glance.
MAX_MAP_FEATURES = 2000
PREVIEW_FILL = [179, 38, 30, 90]
PREVIEW_LINE = [179, 38, 30, 255]


@dataclass(frozen=True)
class DiffSummary:
    """Rows added, removed and changed between two versions of a dataset, matched on the contract key.

    Attributes
    ----------
    added, removed, changed, unchanged
        Row counts.  ``changed`` counts keys present in both whose non-key values differ.
    sample_added, sample_removed
        The first few added / removed rows (new / old values).
    sample_changed
        The first few changed rows with their new values.
    """

    added: int
    removed: int
    changed: int
    unchanged: int
    sample_added: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample_removed: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample_changed: pd.DataFrame = field(default_factory=pd.DataFrame)


def _attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without geometry columns, as a plain DataFrame with a fresh index."""
    from geopandas.array import GeometryDtype

    drop = [c for c in frame.columns if isinstance(frame[c].dtype, GeometryDtype)]
    return pd.DataFrame(frame.drop(columns=drop)).reset_index(drop=True)


def _comparable(values: pd.Series) -> pd.Series:
    """Values as text with missing values as one marker, so ``NaN == NaN`` and ``1 == 1.0`` compare equal."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        values = pd.to_numeric(values, errors="coerce").round(9)
    text = values.astype("string")
    return text.fillna("\x00<NA>")


def diff_versions(current: pd.DataFrame | None, new: pd.DataFrame, key_columns, *, sample: int = 5) -> DiffSummary:
    """Compare ``new`` with ``current`` row by row on ``key_columns`` (one vectorised outer merge).

    Parameters
    ----------
    current
        The current version (``None`` when the dataset has none: every row is added).
    new
        The version about to be stored.
    key_columns
        The contract key (``Dataset.key``); rows are matched on it.  Columns only one side has are ignored.
    sample
        How many rows each sample table holds.

    Returns
    -------
    DiffSummary
    """
    keys = list(key_columns)
    new = _attributes(new)
    if current is None or len(current) == 0:
        return DiffSummary(len(new), 0, 0, 0, new.head(sample), new.iloc[0:0], new.iloc[0:0])
    current = _attributes(current)
    shared = [c for c in new.columns if c in current.columns and c not in keys]
    left = current[keys + shared].copy()
    right = new[keys + shared].copy()
    for frame in (left, right):
        for column in keys:
            frame[column] = _comparable(frame[column])
    merged = left.merge(right, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    added_mask = (merged["_merge"] == "right_only").to_numpy()
    removed_mask = (merged["_merge"] == "left_only").to_numpy()
    both = (merged["_merge"] == "both").to_numpy()
    differs = np.zeros(len(merged), dtype=bool)
    for column in shared:
        differs |= (_comparable(merged[f"{column}_old"]) != _comparable(merged[f"{column}_new"])).to_numpy()
    changed_mask = both & differs

    new_keys = right[keys]
    old_keys = left[keys]

    def rows_for(source: pd.DataFrame, source_keys: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
        wanted = merged.loc[mask, keys].head(sample)
        hit = source_keys.reset_index().merge(wanted, on=keys, how="inner")["index"]
        return source.loc[hit.to_numpy()].reset_index(drop=True)

    return DiffSummary(
        added=int(added_mask.sum()),
        removed=int(removed_mask.sum()),
        changed=int(changed_mask.sum()),
        unchanged=int((both & ~differs).sum()),
        sample_added=rows_for(new, new_keys, added_mask),
        sample_removed=rows_for(current, old_keys, removed_mask),
        sample_changed=rows_for(new, new_keys, changed_mask),
    )


def totals_change(current: pd.DataFrame | None, new: pd.DataFrame, dataset: str, lang: str = "zh",
                  labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Row count and the sum of every unit-bearing number column (面积, 价款…) before and after.

    ``labels`` names the output columns (``item``, ``before``, ``after``, ``change``) and the ``rows`` item.
    """
    labels = {"item": "item", "before": "before", "after": "after", "change": "change", "rows": "rows",
              **(labels or {})}
    contract = get_dataset(dataset)
    items = [labels["rows"]]
    before = [float(len(current)) if current is not None else 0.0]
    after = [float(len(new))]
    for col in contract.columns:
        if col.type != "float" or col.unit is None or col.name not in new.columns:
            continue
        items.append(f"{col.label(lang)} ({col.unit})")
        old = current[col.name] if current is not None and col.name in current.columns else None
        before.append(float(pd.to_numeric(old, errors="coerce").sum()) if old is not None else 0.0)
        after.append(float(pd.to_numeric(new[col.name], errors="coerce").sum()))
    out = pd.DataFrame({labels["item"]: items, labels["before"]: before, labels["after"]: after})
    out[labels["change"]] = out[labels["after"]] - out[labels["before"]]
    return out


# ------------------------------------------------------------------------------------------ mapping table


def column_options(dataset: str, lang: str, skip_label: str) -> dict[str, str | None]:
    """``{option label: contract column or None}`` for the mapping editor's selectbox, "skip" first."""
    options: dict[str, str | None] = {skip_label: None}
    for col in get_dataset(dataset).columns:
        if col.type != "geometry":
            options[f"{col.name} · {col.label(lang)}"] = col.name
    return options


def mapping_table(mapping: Mapping, options: dict[str, str | None], labels: dict[str, str]) -> pd.DataFrame:
    """The mapping as an editable table: source header, target option label, unit factor.

    ``labels`` names the columns (``header``, ``column``, ``factor``).
    """
    by_name = {name: label for label, name in options.items()}
    targets = [by_name.get(mapping.columns[h][0]) for h in mapping.headers]
    return pd.DataFrame(
        {
            labels["header"]: list(mapping.headers),
            labels["column"]: targets,
            labels["factor"]: [float(mapping.columns[h][1]) for h in mapping.headers],
        }
    )


def apply_overrides(mapping: Mapping, edited: pd.DataFrame, options: dict[str, str | None],
                    labels: dict[str, str]) -> Mapping:
    """``mapping`` with every row of ``edited`` whose target differs applied via :meth:`Mapping.with_override`."""
    result = mapping
    for header, label in zip(edited[labels["header"]], edited[labels["column"]], strict=True):
        target = options.get(label) if isinstance(label, str) else None
        if result.columns.get(header, (None, 1.0))[0] != target:
            result = result.with_override(header, target)
    return result


# ------------------------------------------------------------------------------------------ tables, map


def versions_table(versions, labels: dict[str, str], current_mark: str) -> pd.DataFrame:
    """Stored versions (newest first) as a table headed by ``labels`` (version, created, uploader, rows,
    data_date, note, current)."""
    return pd.DataFrame(
        {
            labels["version"]: [v.version for v in versions],
            labels["created"]: [v.created for v in versions],
            labels["uploader"]: [v.uploader for v in versions],
            labels["rows"]: [int(v.rows) for v in versions],
            labels["data_date"]: [v.data_date for v in versions],
            labels["note"]: [v.note for v in versions],
            labels["current"]: [current_mark if v.is_current else "" for v in versions],
        }
    )


AUDIT_COLUMNS = ("time", "event", "user", "version", "previous", "original_name", "reason")


def audit_table(events: list[dict], labels: dict[str, str]) -> pd.DataFrame:
    """Audit events, newest first, with the columns of :data:`AUDIT_COLUMNS` headed by ``labels``."""
    rows = {labels[c]: [str(e.get(c) or "") for e in reversed(events)] for c in AUDIT_COLUMNS}
    return pd.DataFrame(rows)


def preview_deck(frame, max_features: int = MAX_MAP_FEATURES, height_px: int = 360) -> pdk.Deck | None:
    """A small offline pydeck map of the first ``max_features`` geometries of ``frame`` (``None`` if none)."""
    geometry = getattr(frame, "geometry", None) if "geometry" in getattr(frame, "columns", ()) else None
    if geometry is None:
        return None
    shapes = geometry.head(max_features)
    shapes = shapes[shapes.notna() & ~shapes.is_empty]
    if shapes.empty:
        return None
    data = {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": json.loads(json.dumps(g.__geo_interface__)),
                          "properties": {}} for g in shapes]}
    layer = pdk.Layer("GeoJsonLayer", data=data, id="upload-preview", stroked=True, filled=True,
                      get_fill_color=PREVIEW_FILL, get_line_color=PREVIEW_LINE, line_width_min_pixels=1,
                      point_radius_min_pixels=3)
    view = pdk.ViewState(**view_for_bounds(shapes.total_bounds, height_px=height_px))
    # map_provider=None: no basemap style fetched from the internet (see dashboard.maps).
    return pdk.Deck(layers=[layer], initial_view_state=view, map_provider=None)


def display_table(frame: pd.DataFrame, dataset: str, lang: str = "zh") -> pd.DataFrame:
    """A conformed frame as a person reads it: labelled headers with units, dates without times, and
    enumerated codes as their Chinese words (``transfer`` → 出让) in the Chinese UI; geometry left out."""
    columns = {c.name: c for c in get_dataset(dataset).columns}
    out = frame.drop(columns=["geometry"], errors="ignore").copy()
    for name in out.columns:
        col = columns.get(name)
        if col is None:
            continue
        if col.type == "date":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d")
        elif col.choices and lang == "zh":
            words = {}
            for word, code in col.choice_aliases.items():
                words.setdefault(code, word)  # the first alias of a code is its usual word
            out[name] = out[name].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    return out.rename(columns={n: columns[n].label(lang) for n in out.columns if n in columns})
