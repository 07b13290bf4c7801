"""The publish step: pre-aggregated, suppressed, rounded city/county tables for the public app.

``python -m dashboard publish-public [--out DIR] [--data-dir DIR]`` computes, from the current internal datasets
(or a folder of ``<dataset>.parquet``) and the indicator engine, six public tables (see
:data:`dashboard.public_schema.TABLES`) and writes them as parquet and CSV with a ``manifest.json`` (data date,
versions, source and description of every table, the suppression and rounding rules) and a ``changelog.json``
(one entry appended per publish: date, versions, what changed).

Disclosure control
------------------
* **Small groups**: a row computed from 1 or 2 enterprises, parcels, cases, approvals or ledger entries is withheld
  (values and count empty, ``suppressed`` true, ``suppression = "small_group"``).  A row from none has no data
  (``"no_data"``).
* **Complementary suppression**: the city row is the sum of the county rows, and a county's land-use shares sum to
  100 %, so one withheld cell in a group could be recovered by subtraction; the smallest other cell of that group is
  withheld too (``"complementary"``), repeated until no group has exactly one withheld cell.
* **Rounding** to the published precision (:data:`dashboard.public_schema.ROUNDING`).
* **Allow-list**: every table is checked by :func:`dashboard.public_schema.check_table` against its column
  allow-list, the forbidden names and value patterns, and the row-level strings of the internal data (enterprise
  names, 统一社会信用代码, parcel / case / supply / approval ids, project names) before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.context import store_engine
from dashboard.engine import Engine
from dashboard.indicators import Context, compute, registry
from dashboard.policy import DEFAULT_PROFILE, load_profile
from dashboard.public_schema import (
    CHANGELOG,
    MANIFEST,
    MIN_GROUP,
    ROUNDING,
    TABLES,
    LeakError,
    check_files,
    check_table,
    scan_text,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PUBLIC_DIR = ROOT / "data" / "public"

#: Per table: title, indicator(s) it comes from, input datasets, and what each row counts.
TABLE_META: dict[str, dict] = {
    "landuse_structure": {
        "title_zh": "土地利用现状结构", "title_en": "Land-use structure",
        "indicators": ["landuse_structure"], "datasets": ["landuse", "regions"],
        "count_zh": "图斑", "count_en": "parcels",
    },
    "arable_balance": {
        "title_zh": "耕地占补平衡指标余额", "title_en": "Arable balance indicators",
        "indicators": ["arable_balance"], "datasets": ["arable_ledger", "regions"],
        "count_zh": "台账记录", "count_en": "ledger entries",
    },
    "unsupplied_stock": {
        "title_zh": "批而未供土地", "title_en": "Approved but unsupplied land",
        "indicators": ["unsupplied_stock"], "datasets": ["approvals", "supplies", "regions"],
        "count_zh": "批次", "count_en": "approvals",
    },
    "supply_rate_5y": {
        "title_zh": "近五年供地率", "title_en": "Five-year supply rate",
        "indicators": ["supply_rate_5y"], "datasets": ["approvals", "supplies", "regions"],
        "count_zh": "批次", "count_en": "approvals",
    },
    "idle_land": {
        "title_zh": "闲置土地", "title_en": "Idle land",
        "indicators": ["idle_cases"], "datasets": ["idle_land", "regions"],
        "count_zh": "宗", "count_en": "cases",
    },
    "per_mu_county": {
        "title_zh": "园区亩均效益（按县区）", "title_en": "Per-mu performance of park land by county",
        "indicators": ["per_mu_county"], "datasets": ["park_parcels", "parks", "regions"],
        "count_zh": "企业", "count_en": "enterprises",
    },
}


# ------------------------------------------------------------------------------------------ disclosure control


def mark_small_groups(frame: pd.DataFrame, count: str, values: list[str]) -> pd.DataFrame:
    """Withhold ``values`` (and ``count``) on rows whose ``count`` is 1 or 2; mark rows with 0 as ``no_data``."""
    frame = frame.copy()
    n = pd.to_numeric(frame[count], errors="coerce").fillna(0)
    small = (n > 0) & (n < MIN_GROUP)
    frame["suppression"] = np.where(small, "small_group", np.where(n <= 0, "no_data", ""))
    return frame


def complementary(frame: pd.DataFrame, count: str, groupings: list[list[str]]) -> pd.DataFrame:
    """Withhold one more row in every group that has exactly one withheld row (see the module docstring).

    ``groupings`` lists the column sets whose groups add up (e.g. ``[["group_zh"]]``: a land-use group's county
    rows add up to the city row; ``[["region_code"]]``: a region's groups add up to 100 %).  The row added is the
    one with the smallest positive count (ties: the first).  Repeats until stable.
    """
    frame = frame.copy()
    for _ in range(len(frame) + 1):
        changed = False
        for keys in groupings:
            for _, rows in frame.groupby(keys, sort=False):
                withheld = rows["suppression"].isin(["small_group", "complementary"])
                if withheld.sum() != 1:
                    continue
                candidates = rows[(rows["suppression"] == "") & (pd.to_numeric(rows[count]) > 0)]
                if candidates.empty:
                    continue
                pick = candidates[count].astype(float).idxmin()
                frame.loc[pick, "suppression"] = "complementary"
                changed = True
        if not changed:
            break
    return frame


def apply_suppression(frame: pd.DataFrame, count: str, values: list[str]) -> pd.DataFrame:
    """Empty ``values`` and ``count`` on withheld rows and set the ``suppressed`` flag."""
    frame = frame.copy()
    withheld = frame["suppression"].isin(["small_group", "complementary"])
    for column in [*values, count]:
        if frame[column].dtype == bool:
            frame[column] = frame[column].astype("boolean")
        elif pd.api.types.is_integer_dtype(frame[column]):
            frame[column] = frame[column].astype("Int64")
        frame.loc[withheld, column] = pd.NA
    frame["suppressed"] = withheld
    return frame


def round_published(frame: pd.DataFrame) -> pd.DataFrame:
    """Round every column listed in :data:`ROUNDING` to its published number of decimals."""
    frame = frame.copy()
    for column, digits in ROUNDING.items():
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64").round(digits)
    return frame


def _finish(name: str, frame: pd.DataFrame, count: str, values: list[str], groupings: list[list[str]]) -> pd.DataFrame:
    frame = mark_small_groups(frame, count, values)
    frame = complementary(frame, count, groupings)
    frame = apply_suppression(frame, count, values)
    frame = round_published(frame)
    frame = frame.reset_index(drop=True)[list(TABLES[name])]
    for column in ("region_code", "region_name", "region_name_en", "level", "suppression"):
        frame[column] = frame[column].astype("string")
    return frame


# ------------------------------------------------------------------------------------------------------ tables


def _regions(engine: Engine) -> pd.DataFrame:
    regions = engine.to_pandas("regions")[["code", "name", "name_en", "level"]]
    return regions.rename(columns={"code": "region_code", "name": "region_name", "name_en": "region_name_en"})


def _with_regions(frame: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """``frame`` keyed by region_code, joined to every region (city first), names from the regions table."""
    frame = frame.drop(columns=[c for c in ("region_name", "level") if c in frame.columns])
    out = regions.merge(frame, on="region_code", how="left")
    out["_order"] = (out["level"] != "city").astype(int)
    return out.sort_values(["_order", "region_code"], kind="stable").drop(columns="_order")


def landuse_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    src = compute("landuse_structure", ctx)
    frame = src[["region_code", "group_zh", "group_en", "area_ha", "area_mu", "share_pct", "parcels"]]
    frame = regions.merge(frame, on="region_code", how="inner")
    values = ["area_ha", "area_mu", "share_pct"]
    return _finish("landuse_structure", frame, "parcels", values, [["group_zh"], ["region_code"]])


def arable_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    src = compute("arable_balance", ctx).drop(columns=["region_name", "level"])
    ledger = ctx.engine.to_pandas("arable_ledger")
    ledger = ledger[pd.to_datetime(ledger["date"]) <= pd.Timestamp(ctx.as_of)]
    counts = ledger.groupby("county_code").size().rename("entries").reset_index()
    counts = counts.rename(columns={"county_code": "region_code"})
    city = regions.loc[regions["level"] == "city", "region_code"]
    counts = pd.concat([counts, pd.DataFrame({"region_code": city, "entries": len(ledger)})], ignore_index=True)
    frame = regions.merge(src, on="region_code", how="inner").merge(counts, on="region_code", how="left")
    frame["entries"] = frame["entries"].fillna(0).astype(int)
    values = ["filed", "bought", "pooled_out", "occupied", "sold", "debt_repaid", "pooled_in", "balance", "shortfall"]
    return _finish("arable_balance", frame, "entries", values, [["indicator"]])


def unsupplied_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    src = compute("unsupplied_stock", ctx).rename(columns={"approvals_count": "approvals"})
    frame = _with_regions(src, regions)
    frame["approvals"] = frame["approvals"].fillna(0).astype(int)
    values = ["approved_mu", "supplied_mu", "unsupplied_mu"]
    return _finish("unsupplied_stock", frame, "approvals", values, [["level"]])


def supply_rate_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    src = compute("supply_rate_5y", ctx).rename(columns={"approvals_count": "approvals"})
    frame = _with_regions(src, regions)
    frame["approvals"] = frame["approvals"].fillna(0).astype(int)
    for column in ("window_start", "window_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    values = ["approved_mu", "supplied_mu", "unsupplied_mu", "supply_rate_pct", "gap_pp", "below_min"]
    return _finish("supply_rate_5y", frame, "approvals", values, [["level"]])


def idle_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    cases = compute("idle_cases", ctx)
    cases = cases.assign(
        undisposed_area=cases["area_mu"].where(~cases["disposed"], 0.0),
        disposed_area=cases["area_mu"].where(cases["disposed"], 0.0),
    )

    def totals(group: pd.DataFrame) -> pd.Series:
        return pd.Series({
            "cases": len(group),
            "idle_mu": group["area_mu"].sum(),
            "undisposed_cases": int((~group["disposed"]).sum()),
            "undisposed_mu": group["undisposed_area"].sum(),
            "disposed_cases": int(group["disposed"].sum()),
            "disposed_mu": group["disposed_area"].sum(),
            "overdue_cases": int(group["overdue"].sum()),
        })

    county = cases.groupby("region_code").apply(totals, include_groups=False).reset_index()
    city_code = regions.loc[regions["level"] == "city", "region_code"].iloc[0]
    city = totals(cases).to_frame().T.assign(region_code=city_code)
    frame = _with_regions(pd.concat([city, county], ignore_index=True), regions)
    for column in ("cases", "undisposed_cases", "disposed_cases", "overdue_cases"):
        frame[column] = frame[column].fillna(0).astype(int)
    values = ["idle_mu", "undisposed_cases", "undisposed_mu", "disposed_cases", "disposed_mu", "overdue_cases"]
    return _finish("idle_land", frame, "cases", values, [["level"]])


def per_mu_table(ctx: Context, regions: pd.DataFrame) -> pd.DataFrame:
    src = compute("per_mu_county", ctx).rename(columns={"enterprises_count": "enterprises"})
    frame = _with_regions(src, regions)
    frame["enterprises"] = frame["enterprises"].fillna(0).astype(int)
    frame["year"] = frame["year"].ffill().bfill().astype(int)
    frame["invest_benchmark_wan"] = float(ctx.profile["invest_intensity_benchmark_wan_per_mu"])
    frame["output_benchmark_wan"] = float(ctx.profile["output_benchmark_wan_per_mu"])
    no_data = frame["enterprises"] <= 0
    for column in ("invest_below_benchmark", "output_below_benchmark"):
        frame[column] = frame[column].astype("boolean")
        frame.loc[no_data, column] = pd.NA
    values = ["area_mu", "invest_per_mu_wan", "output_per_mu_wan", "tax_per_mu_wan", "invest_below_benchmark",
              "output_below_benchmark"]
    return _finish("per_mu_county", frame, "enterprises", values, [["level"]])


BUILDERS: dict[str, Callable[[Context, pd.DataFrame], pd.DataFrame]] = {
    "landuse_structure": landuse_table,
    "arable_balance": arable_table,
    "unsupplied_stock": unsupplied_table,
    "supply_rate_5y": supply_rate_table,
    "idle_land": idle_table,
    "per_mu_county": per_mu_table,
}


def build_tables(ctx: Context) -> dict[str, pd.DataFrame]:
    """Every public table, suppressed and rounded (not yet checked)."""
    regions = _regions(ctx.engine)
    return {name: BUILDERS[name](ctx, regions) for name in TABLES}


def checked_tables(ctx: Context) -> dict[str, pd.DataFrame]:
    """:func:`build_tables`, each table checked against the allow-list and the data's row-level strings (raises
    :class:`LeakError` on the first table that fails): what the public extract and the public pages show."""
    tables = build_tables(ctx)
    forbidden = forbidden_values(ctx.engine)
    for name, frame in tables.items():
        check_table(name, frame, forbidden)
    return tables


def forbidden_values(engine: Engine) -> set[str]:
    """The row-level strings of the internal data that must never reach a public table."""
    columns = {
        "park_parcels": ("parcel_id", "enterprise_id", "enterprise_name", "supply_id"),
        "landuse": ("parcel_id",),
        "idle_land": ("case_id", "parcel_id", "supply_id"),
        "approvals": ("approval_id", "batch_name"),
        "supplies": ("supply_id",),
        "projects": ("project_id", "name"),
        "arable_ledger": ("entry_id", "project_name"),
    }
    found: set[str] = set()
    for name, wanted in columns.items():
        if not engine.has(name):
            continue
        table = engine.table(name)
        present = [c for c in wanted if c in table.columns]
        if present:
            frame = engine.execute(table.select(present).distinct())
            for column in present:
                found |= {str(v) for v in frame[column].dropna().unique() if str(v).strip()}
    return found


# ----------------------------------------------------------------------------------------------------- writing


def _versions_from_dir(folder: Path) -> tuple[dict, str | None]:
    manifest_path = Path(folder) / "manifest.json"
    if not manifest_path.exists():
        return {}, None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    versions = {
        name: {
            "version": manifest.get("version", "demo"),
            "data_date": manifest.get("data_date"),
            "sha256": entry.get("sha256", ""),
            "source_zh": manifest.get("source_zh", ""),
            "source_en": manifest.get("source_en", ""),
        }
        for name, entry in manifest.get("datasets", {}).items()
    }
    return versions, manifest.get("data_date")


def _versions_from_store() -> dict:
    from dashboard.store import current_versions

    return {
        name: {"version": v.version, "data_date": v.data_date, "sha256": v.sha256, "source_zh": v.source_zh,
               "source_en": v.source_en}
        for name, v in current_versions().items()
        if v is not None
    }


def _table_sha(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_table(out: Path, name: str, frame: pd.DataFrame) -> None:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    _write_atomic(out / f"{name}.parquet", buffer.getvalue())
    # UTF-8 with a BOM: Excel on Chinese Windows opens it with the right encoding.
    _write_atomic(out / f"{name}.csv", frame.to_csv(index=False).encode("utf-8-sig"))


def _sources(datasets: list[str], versions: dict) -> tuple[str, str]:
    zh, en = [], []
    for name in datasets:
        v = versions.get(name)
        if v:
            zh.append(v["source_zh"])
            en.append(v["source_en"])
    return "；".join(dict.fromkeys(zh)), "; ".join(dict.fromkeys(en))


def _changes(previous: dict | None, manifest: dict) -> list[dict]:
    if not previous:
        return [{"zh": "首次发布", "en": "First publication"}]
    changes = []
    if previous.get("data_date") != manifest["data_date"]:
        changes.append({"zh": f"数据日期 {previous.get('data_date')} → {manifest['data_date']}",
                        "en": f"Data date {previous.get('data_date')} → {manifest['data_date']}"})
    old_versions = previous.get("versions", {})
    for name, v in manifest["versions"].items():
        old = old_versions.get(name, {}).get("version")
        if old != v["version"] or old_versions.get(name, {}).get("sha256") != v["sha256"]:
            changes.append({"zh": f"数据集 {name}：版本 {old or '无'} → {v['version']}",
                            "en": f"Dataset {name}: version {old or 'none'} → {v['version']}"})
    old_tables = previous.get("tables", {})
    for name, meta in manifest["tables"].items():
        if old_tables.get(name, {}).get("sha256") != meta["sha256"]:
            changes.append({"zh": f"表“{meta['title_zh']}”已更新", "en": f"Table “{meta['title_en']}” updated"})
    return changes or [{"zh": "重新发布，数据无变化", "en": "Republished, no change in the figures"}]


def publish_public(out: Path | None = None, data_dir: Path | None = None, profile_id: str = DEFAULT_PROFILE,
                   as_of: date | None = None, now: datetime | None = None) -> dict:
    """Write the public extract to ``out`` (default ``data/public``) and return its manifest.

    ``data_dir`` is a folder of ``<dataset>.parquet`` (with the demo's ``manifest.json``); without it the current
    versions of the store (published, else demo) are used.  Raises :class:`LeakError` (nothing written) if any
    table fails the allow-list check, or if ``out`` holds a file that is not on the allow-list.
    """
    out = Path(out) if out else DEFAULT_PUBLIC_DIR
    out.mkdir(parents=True, exist_ok=True)
    check_files(p.name for p in out.iterdir() if not p.name.startswith("."))
    if data_dir is not None:
        engine = Engine.from_dir(Path(data_dir))
        versions, data_date = _versions_from_dir(Path(data_dir))
    else:
        engine = store_engine()
        versions = _versions_from_store()
        data_date = None
    if as_of is None:
        dates = sorted(v["data_date"] for v in versions.values() if v.get("data_date"))
        as_of = date.fromisoformat(data_date or (dates[0] if dates else date.today().isoformat()))
    tables = checked_tables(Context(engine=engine, profile=load_profile(profile_id), as_of=as_of))

    specs = registry()
    now = now or datetime.now(UTC)
    used = sorted({d for meta in TABLE_META.values() for d in meta["datasets"]})
    manifest = {
        "title_zh": "用地要素保障一张图·公开数据",
        "title_en": "Land-use guarantee map · public data",
        "published_at": now.isoformat(timespec="seconds"),
        "data_date": as_of.isoformat(),
        "profile": profile_id,
        "is_demo": any(versions.get(d, {}).get("version") == "demo" for d in used),
        "min_group": MIN_GROUP,
        "rounding": ROUNDING,
        "versions": {d: {"version": versions[d]["version"], "data_date": versions[d]["data_date"],
                         "sha256": versions[d]["sha256"]} for d in used if d in versions},
        "tables": {},
    }
    for name, frame in tables.items():
        meta = TABLE_META[name]
        source_zh, source_en = _sources(meta["datasets"], versions)
        spec = specs[meta["indicators"][0]]
        manifest["tables"][name] = {
            "title_zh": meta["title_zh"],
            "title_en": meta["title_en"],
            "files": [f"{name}.{fmt}" for fmt in ("parquet", "csv")],
            "rows": len(frame),
            "suppressed_rows": int(frame["suppressed"].sum()),
            "columns": list(frame.columns),
            "datasets": meta["datasets"],
            "indicators": meta["indicators"],
            "formula_zh": spec.formula_zh,
            "formula_en": spec.formula_en,
            "count_zh": meta["count_zh"],
            "count_en": meta["count_en"],
            "source_zh": source_zh,
            "source_en": source_en,
            "sha256": _table_sha(frame),
        }

    _check_manifest(manifest)

    previous = json.loads((out / MANIFEST).read_text(encoding="utf-8")) if (out / MANIFEST).exists() else None
    log = json.loads((out / CHANGELOG).read_text(encoding="utf-8")) if (out / CHANGELOG).exists() else []
    log.append({
        "published_at": manifest["published_at"],
        "data_date": manifest["data_date"],
        "versions": {d: v["version"] for d, v in manifest["versions"].items()},
        "changes": _changes(previous, manifest),
    })
    for name, frame in tables.items():
        _write_table(out, name, frame)
    _write_atomic(out / CHANGELOG, json.dumps(log, ensure_ascii=False, indent=1).encode("utf-8"))
    _write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    check_files(p.name for p in out.iterdir() if not p.name.startswith("."))
    return manifest


def _check_manifest(manifest: dict) -> None:
    """The manifest's texts (titles, sources, formulas) hold no row-level pattern either (hashes left out)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "sha256"}
        return [strip(v) for v in value] if isinstance(value, list) else value

    hits = scan_text(json.dumps(strip(manifest), ensure_ascii=False))
    if hits:
        raise LeakError(f"manifest: forbidden value ({hits[0]})")


def verify_extract(folder: Path) -> None:
    """Re-check a written extract: only allow-listed files, and every table passes :func:`check_table`."""
    folder = Path(folder)
    check_files(p.name for p in folder.iterdir())
    for name in TABLES:
        for fmt in ("parquet", "csv"):
            path = folder / f"{name}.{fmt}"
            if not path.exists():
                raise LeakError(f"{path.name} missing")
        check_table(name, pd.read_parquet(folder / f"{name}.parquet"))
