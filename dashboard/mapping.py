"""Map an upload's headers onto a dataset contract, with unit conversion, overrides and saved layouts.

An analyst's table rarely uses the contract's names: it says ``供地面积(公顷)`` where the contract has
``area_mu``.  :func:`auto_map` proposes a :class:`Mapping` from the contract's aliases (``contracts.toml``) and
the unit written in a header (the unit words are the table :data:`UNIT_WORDS` below); the person corrects it
with :meth:`Mapping.with_override`; :func:`save_mapping` remembers it per source layout so the next upload of
the same table maps itself; :func:`apply_mapping` renames the columns and converts the units.

Nothing here raises on data: a header that matches nothing is set aside (and listed), a required column that
nothing maps to is listed, two headers claiming one column are listed; :mod:`dashboard.validate` turns those
lists into problems a person can act on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.contracts import Column, Dataset, get_dataset, normalise_header
from dashboard.errors import UserError

#: Unit word (as written in a header, normalised) → (dimension, size in the dimension's base unit).
#: Fractions keep 亩 exact: 1 亩 = 10000/15 m², 1 公顷 = 15 亩.
UNIT_WORDS: dict[str, tuple[str, Fraction]] = {
    # area, base m²
    "平方米": ("area", Fraction(1)),
    "平米": ("area", Fraction(1)),
    "m2": ("area", Fraction(1)),
    "m²": ("area", Fraction(1)),
    "㎡": ("area", Fraction(1)),
    "亩": ("area", Fraction(10000, 15)),
    "mu": ("area", Fraction(10000, 15)),
    "公顷": ("area", Fraction(10000)),
    "ha": ("area", Fraction(10000)),
    "hm2": ("area", Fraction(10000)),
    "hm²": ("area", Fraction(10000)),
    "平方公里": ("area", Fraction(1_000_000)),
    "平方千米": ("area", Fraction(1_000_000)),
    "km2": ("area", Fraction(1_000_000)),
    "km²": ("area", Fraction(1_000_000)),
    # money, base 元
    "元": ("money", Fraction(1)),
    "yuan": ("money", Fraction(1)),
    "万元": ("money", Fraction(10_000)),
    "wan": ("money", Fraction(10_000)),
    "亿元": ("money", Fraction(100_000_000)),
    # mass, base kg
    "公斤": ("mass", Fraction(1)),
    "千克": ("mass", Fraction(1)),
    "kg": ("mass", Fraction(1)),
    "吨": ("mass", Fraction(1000)),
    "t": ("mass", Fraction(1000)),
    "万吨": ("mass", Fraction(10_000_000)),
    # energy, base 吨标煤
    "吨标煤": ("energy", Fraction(1)),
    "吨标准煤": ("energy", Fraction(1)),
    "tce": ("energy", Fraction(1)),
    "万吨标煤": ("energy", Fraction(10_000)),
    # people
    "人": ("persons", Fraction(1)),
    "persons": ("persons", Fraction(1)),
    "万人": ("persons", Fraction(10_000)),
}

#: Contract unit code (``Column.unit``) → the unit word that defines it in :data:`UNIT_WORDS`.
CONTRACT_UNITS = {"mu": "亩", "ha": "公顷", "m2": "平方米", "wan": "万元", "kg": "公斤", "tce": "吨标煤", "t": "吨",
                  "persons": "人"}

# "面积(公顷)" after normalise_header (brackets already narrowed); also "面积[公顷]" and "面积/公顷".
_UNIT_IN_HEADER = re.compile(r"^(?P<base>.+?)(?:\((?P<p>[^()]+)\)|\[(?P<b>[^\[\]]+)\]|/(?P<s>[^/]+))$")
# English-style suffix: "area_ha", "price_yuan".
_UNIT_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<unit>[a-z0-9²]+)$")

#: Mapping file format version (bump when the JSON shape changes).
MAPPING_FORMAT = 1


def _unit_size(word: str) -> tuple[str, Fraction] | None:
    return UNIT_WORDS.get(normalise_header(word))


def unit_factor(source_unit: str, column: Column) -> float | None:
    """Factor that turns a value in ``source_unit`` into ``column``'s contract unit.

    Parameters
    ----------
    source_unit
        A unit word (``公顷``, ``平方米``, ``ha``, ``元`` …; see :data:`UNIT_WORDS`).
    column
        The contract column the value goes to.

    Returns
    -------
    float or None
        ``15.0`` for 公顷 → 亩; ``1.0`` when the units are equal or the column has no unit; ``None`` when the
        unit is unknown or measures another dimension (area into a money column).
    """
    source = _unit_size(source_unit)
    if source is None:
        return None
    if column.unit is None:
        return None
    target = UNIT_WORDS[CONTRACT_UNITS[column.unit]]
    if source[0] != target[0]:
        return None
    return float(source[1] / target[1])


def _split_unit(key: str) -> tuple[str, str] | None:
    """``("用地面积", "公顷")`` for a normalised header that ends in a known unit, else ``None``."""
    match = _UNIT_IN_HEADER.match(key)
    if match:
        unit = match.group("p") or match.group("b") or match.group("s")
        if normalise_header(unit) in UNIT_WORDS:
            return match.group("base"), normalise_header(unit)
    match = _UNIT_SUFFIX.match(key)
    if match and match.group("unit") in UNIT_WORDS:
        return match.group("base"), match.group("unit")
    return None


def _exact_names(dataset: Dataset) -> dict[str, str]:
    """Normalised header → column: canonical names, aliases, then the contract's own labels (export headers)."""
    names = dataset.alias_map()
    for col in dataset.columns:
        for label in (col.zh, col.label("zh"), col.label("en")):
            names.setdefault(normalise_header(label), col.name)
    return names


def _base_names(dataset: Dataset) -> dict[str, str]:
    """Normalised header *without its unit* → column, for columns that have a unit."""
    bases: dict[str, str] = {}
    for col in dataset.columns:
        if not col.unit:
            continue
        candidates = [col.name.removesuffix(f"_{col.unit}"), col.zh, *col.aliases]
        for text in candidates:
            key = normalise_header(text)
            split = _split_unit(key)
            bases.setdefault(split[0] if split else key, col.name)
    return bases


def _derive_sources(dataset: Dataset) -> dict[str, tuple[str, int]]:
    """Normalised header → (column it derives, characters to take), e.g. ``zldwdm`` → county_code."""
    sources: dict[str, tuple[str, int]] = {}
    for col in dataset.columns:
        if col.derive_from:
            for text in (col.derive_from["column"], *col.derive_from.get("aliases", ())):
                sources.setdefault(normalise_header(text), (col.name, int(col.derive_from["take"])))
    return sources


@cache
def _tables(name: str) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, int]]]:
    # Keyed by name: Dataset holds dicts, so it is not hashable; the contracts themselves are cached.
    dataset = get_dataset(name)
    return _exact_names(dataset), _base_names(dataset), _derive_sources(dataset)


def _guess(header: str, dataset: Dataset) -> tuple[str, float, int] | None:
    """Best single guess for one header: (column, factor, priority); lower priority wins a contest."""
    exact_names, base_names, _ = _tables(dataset.name)
    key = normalise_header(header)
    exact = exact_names.get(key)
    if exact:
        return exact, 1.0, 0
    split = _split_unit(key)
    if split:
        base, unit = split
        column = base_names.get(base) or exact_names.get(base)
        if column:
            factor = unit_factor(unit, dataset.column(column))
            if factor is not None:
                return column, factor, 1
    return None


@dataclass(frozen=True)
class Mapping:
    """How one upload's headers map onto a dataset contract.

    Attributes
    ----------
    dataset
        Contract name.
    headers
        The source headers, in file order.
    columns
        ``{source header: (contract column or None, unit factor)}``; ``None`` means set aside.  The factor
        multiplies the source value into the contract unit (公顷 → 亩 is ``15.0``).
    derived
        ``{contract column: (source header, characters taken)}`` for columns built from another code
        (三调 ``ZLDWDM`` → ``county_code`` = its first 6 characters), used only when nothing maps directly.
    ambiguous
        ``{contract column: headers}`` where several headers claimed one column; the first kept it, the others
        were set aside, and the person should confirm (:meth:`with_override`).
    candidates
        The automatic guess for every header that had one, so an override can hand a column back.
    origin
        ``"auto"``, ``"saved"`` (a remembered layout) or ``"override"`` (changed by a person).
    """

    dataset: str
    headers: tuple[str, ...]
    columns: dict[str, tuple[str | None, float]]
    derived: dict[str, tuple[str, int]] = field(default_factory=dict)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    candidates: dict[str, tuple[str, float]] = field(default_factory=dict)
    origin: str = "auto"

    @property
    def mapped(self) -> dict[str, str]:
        """``{contract column: source header}`` for every mapped column."""
        return {column: header for header, (column, _) in self.columns.items() if column}

    @property
    def unit_factors(self) -> dict[str, float]:
        """``{contract column: factor}`` for the columns whose values are converted (factor ≠ 1)."""
        return {column: factor for column, factor in self.columns.values() if column and factor != 1.0}

    @property
    def unmapped(self) -> list[str]:
        """Source headers set aside (kept out of the dataset, reported, not an error)."""
        used_for_derive = {header for header, _ in self.derived.values()}
        return [h for h in self.headers if self.columns.get(h, (None, 1.0))[0] is None and h not in used_for_derive]

    @property
    def missing_required(self) -> list[str]:
        """Required contract columns that no header maps to (an error when validating)."""
        dataset = get_dataset(self.dataset)
        present = set(self.mapped) | set(self.derived)
        return [c for c in dataset.required if c not in present and dataset.column(c).type != "geometry"]

    def source_header(self, column: str) -> str | None:
        """The source header that feeds ``column`` (directly or by derivation), or ``None``."""
        mapped = self.mapped
        if column in mapped:
            return mapped[column]
        if column in self.derived:
            return self.derived[column][0]
        return None

    def with_override(self, header: str, column: str | None, unit: str | None = None) -> Mapping:
        """A copy where ``header`` maps to ``column`` (``None`` sets it aside), as a person decided.

        Parameters
        ----------
        header
            A source header of this mapping.
        column
            A contract column, or ``None`` to set the header aside.  A header that held ``column`` before
            is set aside: the person's choice wins and settles any ambiguity about that column.
        unit
            The unit the source values are in (``公顷``, ``平方米``, ``亩``, ``元``…).  ``None`` keeps the unit
            the header itself states, else assumes the contract's unit.

        Raises
        ------
        UserError
            ``mapping.unknown_header``, ``mapping.unknown_column`` or ``mapping.bad_unit``.
        """
        if header not in self.columns:
            raise UserError("mapping.unknown_header", header=header, dataset=self.dataset)
        dataset = get_dataset(self.dataset)
        columns = dict(self.columns)
        if column is None:
            columns[header] = (None, 1.0)
        else:
            if column not in dataset.column_names:
                raise UserError("mapping.unknown_column", column=column, dataset=self.dataset)
            factor = self._factor_for(header, dataset.column(column), unit)
            for other, (target, _) in columns.items():
                if target == column and other != header:
                    columns[other] = (None, 1.0)
            columns[header] = (column, factor)
        # The person has decided about this header: it leaves every contest, and a contest over the column it
        # now holds is settled.  A contested column left without a holder goes to its one remaining claimant.
        ambiguous = {}
        held = {target for target, _ in columns.values() if target}
        for contested, claimants in self.ambiguous.items():
            rest = tuple(h for h in claimants if h != header)
            if contested == column:
                continue
            if len(rest) > 1:
                ambiguous[contested] = rest
            elif rest and contested not in held and columns[rest[0]][0] is None and rest[0] in self.candidates:
                columns[rest[0]] = self.candidates[rest[0]]
        derived = _derivations(self.headers, columns, dataset)
        return replace(self, columns=columns, derived=derived, ambiguous=ambiguous, origin="override")

    def _factor_for(self, header: str, col: Column, unit: str | None) -> float:
        if unit is not None:
            if col.unit is None:
                raise UserError("mapping.bad_unit", unit=unit, column=col.name)
            factor = unit_factor(unit, col)
            if factor is None:
                raise UserError("mapping.bad_unit", unit=unit, column=col.name)
            return factor
        split = _split_unit(normalise_header(header))
        if split and col.unit:
            factor = unit_factor(split[1], col)
            if factor is not None:
                return factor
        return 1.0

    def to_dict(self) -> dict:
        """JSON-safe form (what :func:`save_mapping` writes)."""
        return {
            "format": MAPPING_FORMAT,
            "dataset": self.dataset,
            "headers": list(self.headers),
            "columns": {h: [c, f] for h, (c, f) in self.columns.items()},
            "derived": {c: [h, take] for c, (h, take) in self.derived.items()},
            "ambiguous": {c: list(hs) for c, hs in self.ambiguous.items()},
            "unmapped": self.unmapped,
            "missing_required": self.missing_required,
            "origin": self.origin,
        }


def auto_map(headers, dataset: str) -> Mapping:
    """Propose a mapping of ``headers`` onto ``dataset`` from the contract's aliases and header units.

    Parameters
    ----------
    headers
        Source headers in file order (a frame's ``columns`` will do).
    dataset
        Contract name.

    Returns
    -------
    Mapping
        Exact names and aliases (any case, full- or half-width brackets, spaces ignored) map with factor 1;
        a header whose base matches and whose unit is stated (``用地面积(公顷)``) maps with the conversion
        factor (``15.0``).  When two headers claim one column, an exact match beats a unit match, then the
        first in the file wins; the contest is listed in ``ambiguous``.
    """
    contract = get_dataset(dataset)
    headers = tuple(str(h) for h in headers)
    guesses = {h: _guess(h, contract) for h in headers}
    candidates = {h: (g[0], g[1]) for h, g in guesses.items() if g}
    columns: dict[str, tuple[str | None, float]] = {h: (None, 1.0) for h in headers}
    claims: dict[str, list[tuple[int, int, str]]] = {}
    for position, header in enumerate(headers):
        guess = guesses[header]
        if guess:
            claims.setdefault(guess[0], []).append((guess[2], position, header))
    ambiguous = {}
    for column, claimants in claims.items():
        claimants.sort()
        winner = claimants[0][2]
        columns[winner] = candidates[winner]
        if len(claimants) > 1:
            ambiguous[column] = tuple(h for _, _, h in claimants)
    return Mapping(dataset, headers, columns, _derivations(headers, columns, contract), ambiguous, candidates)


def _derivations(headers, columns, contract: Dataset) -> dict[str, tuple[str, int]]:
    mapped = {c for c, _ in columns.values() if c}
    derived = {}
    sources = _tables(contract.name)[2]
    for header in headers:
        if columns[header][0] is not None:
            continue
        hit = sources.get(normalise_header(header))
        if hit and hit[0] not in mapped and hit[0] not in derived:
            derived[hit[0]] = (header, hit[1])
    return derived


# ----------------------------------------------------------------------------------------------------------
# Saved mappings, one file per (dataset, source layout)


def layout_key(headers) -> str:
    """SHA-256 of the normalised, sorted header list: the same table layout gives the same key.

    Sorting makes a reordered export of the same table reuse its mapping; normalising ignores case, spaces
    and bracket width, which spreadsheets change freely.
    """
    names = sorted(normalise_header(h) for h in headers)
    return hashlib.sha256(json.dumps(names, ensure_ascii=False).encode("utf-8")).hexdigest()


def mapping_path(headers, dataset: str, store_root: str | Path) -> Path:
    """``<store_root>/mappings/<dataset>/<layout hash>.json``."""
    get_dataset(dataset)
    return Path(store_root) / "mappings" / dataset / f"{layout_key(headers)}.json"


def save_mapping(mapping: Mapping, store_root: str | Path) -> Path:
    """Remember ``mapping`` for its source layout (atomic: a reader never sees half a file).

    Returns
    -------
    Path
        The JSON file written.
    """
    path = mapping_path(mapping.headers, mapping.dataset, store_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(mapping.to_dict(), ensure_ascii=False, indent=2)
    fd, tmp = tempfile.mkstemp(prefix=".mapping-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_saved_mapping(headers, dataset: str, store_root: str | Path) -> Mapping | None:
    """The mapping saved for this layout of ``dataset``, applied to ``headers``; ``None`` if there is none.

    Headers are matched by their normalised form, so ``用地面积（公顷）`` finds a mapping saved for
    ``用地面积(公顷)``.  A saved column the contract no longer has is set aside rather than trusted.
    """
    path = mapping_path(headers, dataset, store_root)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    contract = get_dataset(dataset)
    saved = {normalise_header(h): (c, float(f)) for h, (c, f) in raw.get("columns", {}).items()}
    headers = tuple(str(h) for h in headers)
    columns: dict[str, tuple[str | None, float]] = {}
    taken: set[str] = set()
    for header in headers:
        column, factor = saved.get(normalise_header(header), (None, 1.0))
        if column not in contract.column_names or column in taken:
            column, factor = None, 1.0
        columns[header] = (column, factor)
        if column:
            taken.add(column)
    derived = {}
    by_key = {normalise_header(h): h for h in headers}
    for column, (header, take) in raw.get("derived", {}).items():
        if column in contract.column_names and column not in taken and normalise_header(header) in by_key:
            derived[column] = (by_key[normalise_header(header)], int(take))
    candidates = {h: (c, f) for h, (c, f) in columns.items() if c}
    return Mapping(dataset, headers, columns, derived, {}, candidates, origin="saved")


def mapping_for(headers, dataset: str, store_root: str | Path | None = None) -> Mapping:
    """The saved mapping for this layout when there is one, else :func:`auto_map`'s proposal."""
    if store_root is not None:
        saved = load_saved_mapping(headers, dataset, store_root)
        if saved is not None:
            return saved
    return auto_map(headers, dataset)


# ----------------------------------------------------------------------------------------------------------
# Applying a mapping


#: A plain decimal number as text (no thousands separators, no "inf"/"nan", no units).
NUMBER_PATTERN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def numbers_from_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse text cells strictly as numbers, vectorised.

    Parameters
    ----------
    values
        Text cells (any string dtype); surrounding spaces and thousands separators (``1,200``) are allowed.

    Returns
    -------
    (numbers, ok)
        ``float64`` array (``NaN`` where a cell is blank or not a number) and a boolean array, ``True`` where
        the cell is a number.  ``"约12亩"``, ``"12亩"``, ``"inf"`` and ``"nan"`` are not numbers.
    """
    text = values.astype("string").str.strip()
    arrow = pa.array(text.array)
    # Fast path, for columns that are all plain numbers: Arrow's cast accepts a subset of NUMBER_PATTERN plus
    # inf/nan spellings, and refuses the whole column at the first cell it cannot read.  So a cast that succeeds
    # with only finite results read exactly the cells the pattern accepts, ~3x faster than matching the pattern.
    try:
        numbers = pc.cast(arrow, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is not None and pc.all(pc.is_finite(numbers)).as_py() is not False:
        return numbers.to_numpy(zero_copy_only=False), pc.is_valid(arrow).to_numpy(zero_copy_only=False)
    ok = pc.fill_null(pc.match_substring_regex(arrow, f"^{NUMBER_PATTERN}$"), False)
    if not pc.all(pc.or_(ok, pc.is_null(arrow))).as_py():
        # Only cells that failed get the thousands-separator retry: clean files skip the extra pass.
        retry = pc.replace_substring(arrow, ",", "")
        retry_ok = pc.and_(pc.invert(ok), pc.fill_null(pc.match_substring_regex(retry, f"^{NUMBER_PATTERN}$"), False))
        arrow = pc.if_else(retry_ok, retry, arrow)
        ok = pc.or_(ok, retry_ok)
    # pyarrow's cast is ~20x faster than pd.to_numeric; the regex keeps it from ever seeing a bad cell.
    numbers = pc.cast(pc.if_else(ok, arrow, None), pa.float64()).to_numpy(zero_copy_only=False)
    return numbers, ok.to_numpy(zero_copy_only=False)


def _convert(values: pd.Series, factor: float) -> pd.Series:
    """Multiply by ``factor``; text cells that are not plain numbers stay as they were, for the validator."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64") * factor
    text = values.astype("string")
    numbers, ok = numbers_from_text(text)
    # Arrow writes the shortest text that parses back to the same float, so nothing is lost on the way.
    converted = pd.Series(pc.cast(pa.array(numbers * factor), pa.string()), index=text.index, dtype="string")
    return text.where(~ok, converted)


def apply_mapping(frame: pd.DataFrame, mapping: Mapping, *, convert_units: bool = True) -> pd.DataFrame:
    """Rename ``frame``'s columns to the contract, convert units and set unmapped columns aside.

    Parameters
    ----------
    frame
        The upload as read (text cells, or typed cells from parquet); its columns are ``mapping.headers``.
    mapping
        From :func:`auto_map`, :func:`load_saved_mapping` or an override.
    convert_units
        ``False`` leaves values in the source unit (:func:`dashboard.validate.validate` multiplies after it has
        parsed the numbers, which saves a text round trip).

    Returns
    -------
    DataFrame
        Only the mapped contract columns, in contract order, on a ``RangeIndex`` (row ``i`` is the source's
        ``i``-th record).  Converted cells stay text (``"18.0"``); cells that do not parse as a number are
        left unchanged for the validator to report.  ``attrs["extra_columns"]`` lists the set-aside headers
        (:func:`extra_columns` returns them as a frame).  A ``GeoDataFrame`` in, with geometry mapped,
        gives a ``GeoDataFrame`` out.
    """
    contract = get_dataset(mapping.dataset)
    missing = [h for h in mapping.headers if h not in frame.columns]
    if missing:
        raise UserError("mapping.header_not_in_frame", headers="、".join(missing))
    out: dict[str, pd.Series] = {}
    sources = {column: (header, factor) for header, (column, factor) in mapping.columns.items() if column}
    for col in contract.columns:
        if col.name in sources:
            header, factor = sources[col.name]
            values = frame[header].reset_index(drop=True)
            if convert_units and factor != 1.0 and col.type in ("float", "int"):
                values = _convert(values, factor)
            out[col.name] = values
        elif col.name in mapping.derived:
            header, take = mapping.derived[col.name]
            out[col.name] = frame[header].reset_index(drop=True).astype("string").str[:take]
    geometry = out.get("geometry")
    is_geo = geometry is not None and getattr(geometry.dtype, "name", "") == "geometry"
    if is_geo:
        del out["geometry"]
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    if is_geo:
        import geopandas as gpd  # only geometry uploads pay for it

        result = gpd.GeoDataFrame(result, geometry=geometry.values, crs=geometry.values.crs)
    result.attrs["extra_columns"] = mapping.unmapped
    result.attrs["dataset"] = mapping.dataset
    return result


def extra_columns(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The set-aside columns of ``frame`` (headers the mapping did not use), on a ``RangeIndex``."""
    return frame[mapping.unmapped].reset_index(drop=True)
