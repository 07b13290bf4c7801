"""Dataset contracts: the one declaration of every dataset's columns, types, units and header aliases.

The declaration itself is data (``contracts.toml`` beside this module); this module turns it into frozen
objects and answers questions about it.  Readers (:mod:`dashboard.io`), the upload mapping and the docs page
all use these objects, so a column is declared exactly once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CONTRACTS_FILE = Path(__file__).with_name("contracts.toml")

COLUMN_TYPES = ("str", "float", "int", "date", "geometry")

#: Unit code → (zh label, en label).  Column names carry the code as a suffix (``area_mu``).
UNITS = {
    "mu": ("亩", "mu"),
    "ha": ("公顷", "ha"),
    "m2": ("平方米", "m²"),
    "wan": ("万元", "10k yuan"),
    "kg": ("公斤", "kg"),
    "tce": ("吨标煤", "tce"),
    "t": ("吨", "t"),
    "persons": ("人", "persons"),
}


@dataclass(frozen=True)
class Column:
    """One column of a dataset contract."""

    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None
    choice_aliases: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    gt: float | None = None
    derive_from: dict | None = None

    def label(self, lang: str = "zh") -> str:
        """Header label with unit, e.g. ``用地面积（亩）``."""
        text = self.zh if lang == "zh" else self.en
        if self.unit:
            unit = UNITS[self.unit][0 if lang == "zh" else 1]
            return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"
        return text


@dataclass(frozen=True)
class Dataset:
    """A canonical dataset: name, titles, key columns, geometry rule and columns."""

    name: str
    title_zh: str
    title_en: str
    key: tuple[str, ...]
    geometry: str  # "required" | "optional" | "none"
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        """The column called ``name``; ``KeyError`` if the contract has none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def has_geometry(self) -> bool:
        return self.geometry != "none"

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def alias_map(self) -> dict[str, str]:
        """Header (any case, canonical name or alias) → canonical column name."""
        mapping: dict[str, str] = {}
        for col in self.columns:
            for header in (col.name, *col.aliases):
                mapping.setdefault(normalise_header(header), col.name)
        return mapping


def normalise_header(header: str) -> str:
    """Header key for alias matching: trimmed, case-folded, full-width brackets and spaces unified."""
    text = str(header).strip().casefold()
    for wide, narrow in (("（", "("), ("）", ")"), ("\u3000", ""), (" ", "")):
        text = text.replace(wide, narrow)
    return text


def _column(spec: dict) -> Column:
    spec = dict(spec)
    if spec["type"] not in COLUMN_TYPES:
        raise ValueError(f"unknown column type {spec['type']!r} for {spec['name']}")
    spec["aliases"] = tuple(spec.get("aliases", ()))
    if "choices" in spec:
        spec["choices"] = tuple(spec["choices"])
    return Column(**spec)


@cache
def load_contracts(path: Path = CONTRACTS_FILE) -> dict[str, Dataset]:
    """Read the contract file into ``{name: Dataset}`` (cached; the objects are immutable)."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    datasets = {}
    for name, spec in raw.items():
        datasets[name] = Dataset(
            name=name,
            title_zh=spec["title_zh"],
            title_en=spec["title_en"],
            key=tuple(spec["key"]),
            geometry=spec.get("geometry", "none"),
            columns=tuple(_column(c) for c in spec["columns"]),
        )
    return datasets


def get_dataset(name: str) -> Dataset:
    """The contract for dataset ``name``; raises :class:`dashboard.errors.UserError` for an unknown name."""
    from dashboard.errors import UserError

    datasets = load_contracts()
    if name not in datasets:
        raise UserError("error.unknown_dataset", dataset=name, known=", ".join(datasets))
    return datasets[name]


DATASET_NAMES = tuple(load_contracts())
