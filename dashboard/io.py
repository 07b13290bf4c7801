"""Readers and writers that enforce the dataset contracts.

``read_<dataset>(path)`` reads CSV, parquet, GeoParquet, GeoJSON or GeoPackage, maps Chinese/English header
aliases onto canonical names, coerces every column to its declared type (codes stay strings with their leading
zeros) and raises :class:`~dashboard.errors.DataError` naming the column, row and value on the first value that
does not fit.  Columns beyond the contract are reported in ``frame.attrs["extra_columns"]`` and left aside.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from dashboard.contracts import Column, Dataset, get_dataset, normalise_header
from dashboard.errors import DataError
from dashboard.geo import WGS84, crs_object

#: CRSs stored as-is: WGS84 and CGCS2000 geographic are equal at dashboard scale.
LONLAT_EPSG = {4326, 4490}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a file into a raw frame by its suffix, every CSV cell as text (no type guessing)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    if suffix in (".parquet", ".geoparquet"):
        metadata = pq.read_schema(path).metadata or {}
        if b"geo" in metadata:
            return gpd.read_parquet(path)
        return pd.read_parquet(path)
    if suffix in (".geojson", ".json", ".gpkg"):
        return gpd.read_file(path)
    raise DataError("error.unsupported_format", path=path.name, suffix=suffix or "-")


def read_stored_geometry(path: str | Path, columns: list[str], filters=None) -> gpd.GeoDataFrame:
    """``columns`` and the geometry of a curated GeoParquet file, read as stored (no conforming).

    Curated files were conformed when published, so their geometry is lon-lat (:data:`~dashboard.geo.WGS84`):
    the CRS comes from a per-process cache instead of the file's PROJJSON, which geopandas parses on every read.
    A file whose CRS is not lon-lat (not written by the publisher) is read by geopandas and reprojected.
    ``filters`` are pyarrow row filters, e.g. ``[("kind", "=", "ubg")]``.
    """
    table = pq.read_table(path, columns=[*columns, "geometry"], filters=filters)
    geo = json.loads((table.schema.metadata or {}).get(b"geo", b"{}"))
    crs = geo.get("columns", {}).get("geometry", {}).get("crs", {"id": {"code": 4326}})  # absent: OGC:CRS84
    if not (isinstance(crs, dict) and crs.get("id", {}).get("code") in LONLAT_EPSG):  # not as published: convert
        return gpd.read_parquet(path, columns=[*columns, "geometry"], filters=filters).to_crs(WGS84)
    frame = table.drop_columns(["geometry"]).to_pandas()
    geometry = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs_object(WGS84))


def read_dataset(name: str, path: str | Path) -> pd.DataFrame:
    """Read ``path`` as dataset ``name`` and conform it to the contract (see :func:`conform`)."""
    return conform(read_table(path), name)


def conform(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rename aliases, check required columns, coerce types and reproject geometry to lon-lat.

    Returns a new frame with the contract's columns in contract order (optional columns the input lacks are
    absent, not invented); a ``GeoDataFrame`` when the input has geometry.
    """
    dataset = get_dataset(name)
    frame = _rename_aliases(frame, dataset)
    extra = [c for c in frame.columns if c not in dataset.column_names]
    missing = [c for c in dataset.required if c not in frame.columns]
    if missing:
        labels = "、".join(f"{c}（{dataset.column(c).zh}）" for c in missing)
        raise DataError("error.missing_columns", dataset=name, columns=labels)
    out = {}
    for col in dataset.columns:
        if col.name in frame.columns and col.type != "geometry":
            out[col.name] = _coerce(frame[col.name], col, dataset)
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    if "geometry" in dataset.column_names and isinstance(frame, gpd.GeoDataFrame) and frame.geometry is not None:
        result = gpd.GeoDataFrame(result, geometry=_lonlat(frame).geometry.values, crs=WGS84)
    elif dataset.geometry == "required":
        raise DataError("error.missing_geometry", dataset=name)
    result.attrs["extra_columns"] = extra
    result.attrs["dataset"] = name
    return result


def _rename_aliases(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    aliases = dataset.alias_map()
    renames: dict[str, str] = {}
    for header in frame.columns:
        if header == "geometry":
            continue
        target = aliases.get(normalise_header(header))
        if target and target not in renames.values() and target not in frame.columns:
            renames[header] = target
    frame = frame.rename(columns=renames)
    for col in dataset.columns:
        if col.derive_from and col.name not in frame.columns:
            sources = [col.derive_from["column"], *col.derive_from.get("aliases", [])]
            wanted = {normalise_header(s) for s in sources}
            for header in frame.columns:
                if normalise_header(header) in wanted:
                    frame = frame.assign(**{col.name: frame[header].astype("string").str[: col.derive_from["take"]]})
                    break
    return frame


def _fail(key: str, col: Column, dataset: Dataset, values: pd.Series, bad: pd.Series, **params) -> None:
    first = int(np.flatnonzero(bad.to_numpy())[0])
    raise DataError(
        key,
        dataset=dataset.name,
        column=f"{col.name}（{col.zh}）",
        row=first + 1,
        value=str(values.iloc[first])[:60],
        count=int(bad.sum()),
        **params,
    )


def _coerce(values: pd.Series, col: Column, dataset: Dataset) -> pd.Series:
    values = values.reset_index(drop=True)
    blank = values.isna() | (values.astype("string").str.strip() == "")
    if col.required and blank.any():
        _fail("error.required_blank", col, dataset, values, blank)
    if col.type == "str":
        result = _as_code_text(values, col, dataset)
    elif col.type in ("float", "int"):
        result = _as_number(values, col, dataset, blank)
    elif col.type == "date":
        parsed = pd.to_datetime(values.where(~blank), errors="coerce", format="mixed")
        if (parsed.isna() & ~blank).any():
            _fail("error.bad_date", col, dataset, values, parsed.isna() & ~blank)
        result = parsed.dt.normalize().astype("datetime64[ns]")
    else:  # pragma: no cover - geometry handled by the caller
        raise AssertionError(col.type)
    return result


def _as_code_text(values: pd.Series, col: Column, dataset: Dataset) -> pd.Series:
    if pd.api.types.is_float_dtype(values):
        non_integral = values.notna() & (values != values.round())
        if non_integral.any():
            _fail("error.bad_text", col, dataset, values, non_integral)
        values = values.astype("Int64")
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    if col.choices:
        text = text.replace(col.choice_aliases)
        bad = text.notna() & ~text.isin(col.choices)
        if bad.any():
            _fail("error.bad_choice", col, dataset, values, bad, choices="/".join(col.choices))
    if col.pattern:
        bad = text.notna() & ~text.fillna("").str.fullmatch(re.compile(col.pattern))
        if bad.any():
            _fail("error.bad_code", col, dataset, values, bad)
    return text.astype(object).where(text.notna(), None).astype("string")


def _as_number(values: pd.Series, col: Column, dataset: Dataset, blank: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
    else:
        cleaned = values.astype("string").str.strip().str.replace(",", "", regex=False)
        numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype("float64")
        bad = numbers.isna() & ~blank
        if bad.any():
            _fail("error.bad_number", col, dataset, values, bad)
    checks = [
        ("gt", lambda v, b: v <= b),
        ("min", lambda v, b: v < b),
        ("max", lambda v, b: v > b),
    ]
    for attr, violates in checks:
        bound = getattr(col, attr)
        if bound is not None:
            bad = numbers.notna() & violates(numbers, bound)
            if bad.any():
                _fail(f"error.out_of_range_{attr}", col, dataset, values, bad, bound=bound)
    if col.type == "int":
        bad = numbers.notna() & (numbers != numbers.round())
        if bad.any():
            _fail("error.bad_integer", col, dataset, values, bad)
        return numbers.astype("Int64")
    return numbers


def _lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise DataError("error.missing_crs")
    if frame.crs.to_epsg() in LONLAT_EPSG:
        return frame.set_crs(WGS84, allow_override=True)
    return frame.to_crs(WGS84)


def to_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a conformed frame as parquet (GeoParquet when it has geometry), without the index."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_parquet(path, index=False, compression="zstd", write_covering_bbox=False)
    else:
        frame.to_parquet(path, index=False, compression="zstd")
    return path


def _make_reader(name: str):
    def reader(path: str | Path) -> pd.DataFrame:
        return read_dataset(name, path)

    reader.__name__ = f"read_{name}"
    reader.__doc__ = f"Read a ``{name}`` file (CSV, parquet, GeoParquet, GeoJSON, GeoPackage) conformed to its contract."
    return reader


read_regions = _make_reader("regions")
read_landuse = _make_reader("landuse")
read_parks = _make_reader("parks")
read_park_parcels = _make_reader("park_parcels")
read_approvals = _make_reader("approvals")
read_supplies = _make_reader("supplies")
read_idle_land = _make_reader("idle_land")
read_arable_ledger = _make_reader("arable_ledger")
read_indicator_trades = _make_reader("indicator_trades")
read_plan_quotas = _make_reader("plan_quotas")
read_control_lines = _make_reader("control_lines")
read_economy = _make_reader("economy")
read_projects = _make_reader("projects")
