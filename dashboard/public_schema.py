"""What a public extract may hold: its files, each table's columns, and the check that refuses anything else.

Shared by the publish step (:mod:`dashboard.public_extract`) and the public app's reader
(:mod:`dashboard.public_reader`).  Standard library only: the public app imports this module, and it must not pull
in the internal data store, the readers or the indicator engine.

The rule is an allow-list: a table holds exactly its listed columns, in order; the folder holds exactly the listed
files.  On top, a deny-list of column names (row-level identifiers, names, geometry) and of value patterns
(统一社会信用代码, parcel and case numbers, coordinates) raises :class:`LeakError` if anything row-level slips in,
whatever the column is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Smallest number of enterprises / parcels / cases / ledger entries a published figure may come from.
MIN_GROUP = 3

#: Values of the ``suppression`` column.
SUPPRESSION_CODES = ("", "small_group", "complementary", "no_data")

#: Decimal places per published column (the published precision); columns not listed are counts or text.
ROUNDING: dict[str, int] = {
    "area_ha": 2,
    "area_mu": 0,
    "share_pct": 2,
    "filed": 0,
    "bought": 0,
    "pooled_out": 0,
    "occupied": 0,
    "sold": 0,
    "debt_repaid": 0,
    "pooled_in": 0,
    "balance": 0,
    "shortfall": 0,
    "approved_mu": 0,
    "supplied_mu": 0,
    "unsupplied_mu": 0,
    "supply_rate_pct": 2,
    "supply_rate_min_pct": 2,
    "gap_pp": 2,
    "idle_mu": 0,
    "undisposed_mu": 0,
    "disposed_mu": 0,
    "invest_per_mu_wan": 1,
    "output_per_mu_wan": 1,
    "tax_per_mu_wan": 1,
    "invest_benchmark_wan": 1,
    "output_benchmark_wan": 1,
}

_REGION = ("region_code", "region_name", "region_name_en", "level")
_MARK = ("suppressed", "suppression")

#: Table name → its columns, in order.  Nothing else may be written.
TABLES: dict[str, tuple[str, ...]] = {
    "landuse_structure": _REGION + ("group_zh", "group_en", "area_ha", "area_mu", "share_pct", "parcels") + _MARK,
    "arable_balance": _REGION + ("indicator", "unit", "filed", "bought", "pooled_out", "occupied", "sold",
                                 "debt_repaid", "pooled_in", "balance", "shortfall", "entries") + _MARK,
    "unsupplied_stock": _REGION + ("approvals", "approved_mu", "supplied_mu", "unsupplied_mu") + _MARK,
    "supply_rate_5y": _REGION + ("window_start", "window_end", "approvals", "approved_mu", "supplied_mu",
                                 "unsupplied_mu", "supply_rate_pct", "supply_rate_min_pct", "gap_pp", "below_min")
    + _MARK,
    "idle_land": _REGION + ("cases", "idle_mu", "undisposed_cases", "undisposed_mu", "disposed_cases",
                            "disposed_mu", "overdue_cases") + _MARK,
    "per_mu_county": _REGION + ("year", "enterprises", "area_mu", "invest_per_mu_wan", "output_per_mu_wan",
                                "tax_per_mu_wan", "invest_benchmark_wan", "output_benchmark_wan",
                                "invest_below_benchmark", "output_below_benchmark") + _MARK,
}

#: Text columns and what they may hold (``None``: checked against the patterns only).
TEXT_COLUMNS = {"region_code", "region_name", "region_name_en", "level", "group_zh", "group_en", "indicator",
                "unit", "suppression", "window_start", "window_end"}

FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"
CHANGELOG = "changelog.json"


def allowed_files() -> set[str]:
    """Every file name a public extract may contain."""
    return {MANIFEST, CHANGELOG} | {f"{name}.{fmt}" for name in TABLES for fmt in FORMATS}


#: Column names that are row-level whatever table they turn up in.
FORBIDDEN_COLUMNS = frozenset({
    "parcel_id", "enterprise_id", "enterprise_name", "case_id", "supply_id", "approval_id", "entry_id",
    "project_id", "project_name", "batch_name", "owner", "name", "park_id", "park_name", "geometry", "geom",
    "wkt", "wkb", "x", "y", "lon", "lat", "longitude", "latitude", "coordinates", "credit_code", "uscc",
    "tyshxydm", "bsm", "tbbh", "dkbh",
})

#: Value patterns that identify a row: 统一社会信用代码 (18 chars, GB 32100), 三调 parcel numbers (12 digits),
#: park parcel numbers, idle-land case numbers, supply numbers, approval document numbers, and coordinates
#: (a number with six or more decimals).
FORBIDDEN_PATTERNS: dict[str, re.Pattern] = {
    "uscc": re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"),
    "parcel_id": re.compile(r"(?<!\d)\d{12}(?:GB\d{5})?(?!\d)"),
    "case_id": re.compile(r"XZ\d{10,}"),
    "supply_id": re.compile(r"\d{10}B\d{5}"),
    "approval_doc": re.compile(r"〔\d{4}〕\d+号"),
    "coordinate": re.compile(r"\d+\.\d{6,}"),
}


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid(code: str) -> bool:
    """Whether ``code`` is a 统一社会信用代码 with a correct check character (GB 32100-2015)."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


class LeakError(ValueError):
    """A public table or folder holds something row-level or not on the allow-list."""


def scan_text(text: str) -> list[str]:
    """The forbidden patterns found in ``text``, as ``"<pattern>: <match>"``."""
    return [f"{name}: {m.group(0)}" for name, rx in FORBIDDEN_PATTERNS.items() for m in rx.finditer(text)]


def check_table(name: str, frame, forbidden_values: Iterable[str] = ()) -> None:
    """Raise :class:`LeakError` unless ``frame`` is exactly the allow-listed public table ``name``.

    Checks: the table is known; its columns are exactly the allow-list (order included) and none is a forbidden
    name; no column holds bytes or geometry objects; no text cell matches a forbidden pattern or contains one of
    ``forbidden_values`` (row-level strings collected from the internal data: enterprise names, parcel ids, ...).
    """
    if name not in TABLES:
        raise LeakError(f"{name}: not a public table")
    columns = [str(c) for c in frame.columns]
    bad = sorted(set(columns) & FORBIDDEN_COLUMNS)
    if bad:
        raise LeakError(f"{name}: forbidden columns {bad}")
    if tuple(columns) != TABLES[name]:
        raise LeakError(f"{name}: columns {columns} are not the allow-list {list(TABLES[name])}")
    forbidden = {v for v in forbidden_values if v}
    for column in columns:
        series = frame[column]
        if str(series.dtype) in ("object", "str", "string") or column in TEXT_COLUMNS:
            values = series.dropna().tolist()
            for value in values:
                if isinstance(value, (bytes, bytearray, memoryview)) or hasattr(value, "__geo_interface__"):
                    raise LeakError(f"{name}.{column}: binary or geometry value")
            for value in {str(v) for v in values}:
                hits = scan_text(value)
                if hits:
                    raise LeakError(f"{name}.{column}: forbidden value ({hits[0]})")
                if value in forbidden or any(f in value for f in forbidden if len(f) >= 4):
                    raise LeakError(f"{name}.{column}: row-level value {value!r}")
        if column in ("suppression",) and not set(series.dropna()) <= set(SUPPRESSION_CODES):
            raise LeakError(f"{name}.suppression: unknown codes")


def check_files(names: Iterable[str]) -> None:
    """Raise :class:`LeakError` if a folder listing holds a file that is not on the allow-list."""
    extra = sorted(set(names) - allowed_files())
    if extra:
        raise LeakError(f"files not on the public allow-list: {extra}")
