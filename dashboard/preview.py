"""What publishing an upload would change: a keyed diff against the current version, totals before/after,
the editable mapping table and the version/audit tables of the 数据管理 page.  Pure (never imports Streamlit).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.contracts import get_dataset
from dashboard.geo import view_for_bounds
from dashboard.mapping import Mapping

log = logging.getLogger(__name__)

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


# ------------------------------------------------------------------------------------------ indicator changes

#: Indicator ``levels`` that are aggregates (city, counties, parks).  Indicators with any other level (an
#: enterprise or case list) are row-level tables, whose changes the row diff already shows.
AGGREGATE_LEVELS = frozenset({"city", "prefecture", "county", "park"})

#: Columns that identify a row of an indicator table — the region or park, and the breakdown within it — in the
#: order they are shown.  Every other number column is a value.  A table whose rows these do not identify is a
#: list of records (e.g. one row per project), not a headline table, and is left out.
ROW_KEYS = ("region_code", "park_id", "pool", "owner", "figure", "group", "group_zh", "dlbm", "indicator", "unit",
            "year", "approval_year", "age_band", "quarter", "stage")

#: Columns of :attr:`IndicatorChanges.table`.
CHANGE_COLUMNS = ("indicator", "label_zh", "label_en", "region", "detail_zh", "detail_en", "column", "before",
                  "after", "change", "relative", "error")

#: Changed values listed by default; the count of all of them is kept.
MAX_INDICATOR_CHANGES = 50


@dataclass(frozen=True)
class IndicatorChanges:
    """The headline indicator values that publishing an upload would change.

    Attributes
    ----------
    table
        The first changes with the columns of :data:`CHANGE_COLUMNS`: indicator id and its zh/en label; the
        region (or park) and the breakdown within it (``detail_zh`` / ``detail_en``: year, group, unit …); the
        unit-suffixed value column; ``before``, ``after``, ``change = after − before`` and ``relative =
        |change| ÷ |before|`` (``inf`` when there was no value before).  An indicator that fails on the new data
        is one row whose ``error`` says why (values empty).  Failures come first; then the largest relative change
        of each value (an indicator's column; largest first), then each one's second largest, and so on, so
        that every value that changes is near the top.
    total
        How many rows there are in all (``table`` holds at most the requested number).
    indicators
        The indicators compared: aggregate ones that compute on the current data and whose rows
        :data:`ROW_KEYS` identify.
    """

    table: pd.DataFrame
    total: int
    indicators: tuple[str, ...]


def aggregate_indicators() -> list[str]:
    """Ids of the declared indicators whose tables are regional or park aggregates (see :data:`AGGREGATE_LEVELS`)."""
    from dashboard.indicators import registry

    return [ind_id for ind_id, spec in registry().items() if set(spec.levels) <= AGGREGATE_LEVELS]


def _compute_each(paths: dict, ids: list[str], profile, as_of: date) -> dict:
    """``{indicator: table or the exception it raised}`` on an engine over ``paths``."""
    from dashboard.engine import Engine
    from dashboard.indicators import Context, compute

    ctx = Context(engine=Engine(paths), profile=profile, as_of=as_of)
    results: dict = {}
    for ind_id in ids:
        try:
            results[ind_id] = compute(ind_id, ctx)
        except Exception as exc:  # any indicator may fail on data it was not written for; the page must not
            log.warning("indicator %s failed", ind_id, exc_info=True)
            results[ind_id] = exc
    return results


def _row_key(table: pd.DataFrame) -> list[str] | None:
    key = [c for c in ROW_KEYS if c in table.columns]
    return key if key and not table.duplicated(key).any() else None


def _values(table: pd.DataFrame, key: list[str]) -> list[str]:
    return [c for c in table.columns if c not in key and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])]


def _long(table: pd.DataFrame, key: list[str], values: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``_k`` (row identity as text), ``column``, ``value``) for every value cell, and the row labels by ``_k``."""
    identity = pd.Series("", index=table.index, dtype="string")
    for column in key:
        identity = identity + "\x1f" + _comparable(table[column])
    region = pd.Series("", index=table.index, dtype="string")
    for column in ("region_name", "park_name"):  # a park's name wins over its county's
        if column in table.columns:
            region = table[column].astype("string").where(table[column].notna(), region)
    details = {}
    for lang in ("zh", "en"):
        parts = []
        for column in key:
            if column in ("region_code", "park_id"):
                continue
            sibling = column.removesuffix("_zh") + "_en" if column.endswith("_zh") else None
            shown = sibling if lang == "en" and sibling in table.columns else column
            parts.append(table[shown].astype("string").fillna(""))
        joined = pd.concat(parts, axis=1).agg(" · ".join, axis=1) if parts else ""
        details[f"detail_{lang}"] = pd.Series(joined, index=table.index, dtype="string")
    labels = pd.DataFrame({"_k": identity, "region": region.fillna(""), **details})
    numbers = pd.DataFrame({c: pd.to_numeric(table[c], errors="coerce").astype("float64") if c in table.columns
                            else np.nan for c in values}, index=table.index)
    numbers["_k"] = identity
    return numbers.melt(id_vars="_k", var_name="column", value_name="value"), labels


def _table_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Value cells that differ between two versions of one indicator table, matched on its row keys."""
    key = _row_key(after)
    if key is None or _row_key(before) != key:
        return pd.DataFrame()
    values = list(dict.fromkeys(_values(before, key) + _values(after, key)))
    old, old_labels = _long(before, key, values)
    new, new_labels = _long(after, key, values)
    merged = old.merge(new, on=["_k", "column"], how="outer", suffixes=("_before", "_after"))
    b, a = merged["value_before"].to_numpy(), merged["value_after"].to_numpy()
    same = (np.isnan(b) & np.isnan(a)) | np.isclose(b, a, rtol=1e-9, atol=1e-9)
    changed = merged[~same].rename(columns={"value_before": "before", "value_after": "after"})
    labels = pd.concat([new_labels, old_labels]).drop_duplicates("_k")
    return changed.merge(labels, on="_k", how="left").drop(columns="_k")


def indicator_changes(dataset: str, current_paths: dict, new_frame: pd.DataFrame, *, as_of: date, profile=None,
                      limit: int = MAX_INDICATOR_CHANGES) -> IndicatorChanges:
    """Which headline indicator values would change if ``new_frame`` replaced the current ``dataset``.

    Every aggregate indicator (:func:`aggregate_indicators`) is computed twice: on the current data, and on an
    engine where only ``dataset`` is the new frame (written to a temporary parquet).  Which indicators read
    ``dataset`` is not declared anywhere: those whose values differ are the ones that do.

    Parameters
    ----------
    dataset
        Contract name of the upload.
    current_paths
        ``{dataset: parquet path}`` of the current versions (from :func:`dashboard.store.current_versions`).
    new_frame
        The upload conformed to the contract (``ValidationReport.cleaned``).
    as_of
        The reference date of both computations (:func:`dashboard.context.data_as_of`).
    profile
        Policy profile; default :func:`dashboard.policy.load_profile`.
    limit
        How many rows :attr:`IndicatorChanges.table` keeps.

    Returns
    -------
    IndicatorChanges
        An indicator that fails on the current data is not compared (the upload did not break it); one that
        fails only on the new data gives an ``error`` row instead of values.
    """
    from dashboard.indicators import registry
    from dashboard.io import to_parquet
    from dashboard.policy import load_profile

    profile = profile or load_profile()
    ids = aggregate_indicators()
    with tempfile.TemporaryDirectory(prefix="dm-indicators-") as tmp:
        new_path = to_parquet(new_frame, Path(tmp) / f"{dataset}.parquet")
        before = _compute_each(dict(current_paths), ids, profile, as_of)
        after = _compute_each({**current_paths, dataset: new_path}, ids, profile, as_of)
    specs = registry()
    parts = []
    compared = []
    for ind_id in ids:
        old, new = before[ind_id], after[ind_id]
        if isinstance(old, Exception) or _row_key(old) is None:
            continue  # failing already, or a list of records rather than a headline table
        compared.append(ind_id)
        if isinstance(new, Exception):
            rows = pd.DataFrame({"error": [f"{type(new).__name__}: {new}"[:300]]})
        else:
            rows = _table_changes(old, new)
        if len(rows):
            parts.append(rows.assign(indicator=ind_id, label_zh=specs[ind_id].zh, label_en=specs[ind_id].en))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    table = table.reindex(columns=list(CHANGE_COLUMNS))
    old_values = table["before"].astype(float).to_numpy()
    change = table["after"].astype(float).to_numpy() - old_values
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.abs(change) / np.abs(old_values)
    # A value that appears, disappears or leaves zero has no finite relative change: it ranks first.
    relative = np.where(np.isnan(change) | (old_values == 0), np.inf, relative)
    table["change"] = change
    table["relative"] = np.where(table["error"].notna().to_numpy(), np.nan, relative)
    # The changes of each value (an indicator's column), largest relative change first; then interleaved (every
    # value's first, then every value's second, …): one value changing in many rows cannot crowd out the others.
    size = -table["change"].abs().fillna(0).to_numpy()
    table = table.iloc[np.lexsort((size, -table["relative"].fillna(0).to_numpy()))].reset_index(drop=True)
    rank = table.groupby(["indicator", "column"], sort=False, dropna=False).cumcount().to_numpy()
    order = np.lexsort((np.arange(len(table)), rank, table["error"].isna().to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    for column in ("region", "detail_zh", "detail_en", "column", "error"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return IndicatorChanges(table.head(limit), len(table), tuple(compared))


def indicator_change_table(changes: IndicatorChanges, lang: str, labels: dict[str, str], failed: str) -> pd.DataFrame:
    """:attr:`IndicatorChanges.table` as a person reads it in ``lang``.

    ``labels`` names the columns (``indicator``, ``region``, ``detail``, ``column``, ``before``, ``after``,
    ``change``, ``relative``); ``relative`` is in percent (empty where there was no value before).  A failed
    indicator's row says ``failed`` followed by the error in the value column.
    """
    table = changes.table
    error = table["error"].notna()
    relative = table["relative"].where(np.isfinite(table["relative"].astype(float))) * 100
    return pd.DataFrame({
        labels["indicator"]: table[f"label_{lang}"],
        labels["region"]: table["region"],
        labels["detail"]: table[f"detail_{lang}"],
        labels["column"]: table["column"].where(~error, failed + " " + table["error"].astype(str)),
        labels["before"]: table["before"],
        labels["after"]: table["after"],
        labels["change"]: table["change"],
        labels["relative"]: relative,
    })


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """A sha256 of a frame's columns, values and geometry, to recognise the same upload across page reruns."""
    import shapely
    from geopandas.array import GeometryDtype

    digest = hashlib.sha256(repr([(str(c), str(frame[c].dtype)) for c in frame.columns]).encode("utf-8"))
    attributes = _attributes(frame)
    if len(attributes.columns):
        digest.update(pd.util.hash_pandas_object(attributes, index=False).to_numpy().tobytes())
    for column in frame.columns:
        if isinstance(frame[column].dtype, GeometryDtype):
            for wkb in shapely.to_wkb(frame[column].array):
                digest.update(wkb or b"\x00")
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ mapping table


def column_options(dataset: str, lang: str, skip_label: str) -> dict[str, str | None]:
    """``{option label: contract column or None}`` for the mapping editor's selectbox, "skip" first."""
    options: dict[str, str | None] = {skip_label: None}
    for col in get_dataset(dataset).columns:
        if col.type != "geometry":
            options[f"{col.name} · {col.label(lang)}"] = col.name
    return options


def mapping_table(mapping: Mapping, options: dict[str, str | None], labels: dict[str, str],
                  hide: tuple[str, ...] = ()) -> pd.DataFrame:
    """The mapping as an editable table: source header, target option label, unit factor.

    ``labels`` names the columns (``header``, ``column``, ``factor``).  Headers in ``hide`` get no row (the
    geometry of a geo upload: nothing to choose there), so :func:`apply_overrides` leaves their mapping as it is.
    """
    by_name = {name: label for label, name in options.items()}
    headers = [h for h in mapping.headers if h not in hide]
    return pd.DataFrame(
        {
            labels["header"]: headers,
            labels["column"]: [by_name.get(mapping.columns[h][0]) for h in headers],
            labels["factor"]: [float(mapping.columns[h][1]) for h in headers],
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
