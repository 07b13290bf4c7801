"""The indicator engine: one module per mechanism, one registered function per indicator.

Every indicator is declared as data in ``<mechanism>.toml`` beside its module (id, zh/en label, unit, formula,
source document and the policy parameters it uses) and implemented by one function ``f(ctx) -> DataFrame``
registered with :func:`indicator`.  A test fails when a declaration lacks a field, a declared indicator has no
function, or a function is undeclared.

Tables are tidy, with unit-suffixed value columns.  Regional tables have ``region_code``, ``region_name`` and
``level`` (``city`` / ``county``): the city row is computed from the city's totals (rates are recomputed from
summed numerators and denominators, never averaged).
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dashboard.policy import Profile

if TYPE_CHECKING:  # Ibis loads with the first engine, not with the registry (a page's first run is faster)
    from dashboard.engine import Engine

MECHANISMS = ("landuse", "arable", "pools", "stock_land", "per_mu", "evaluation", "projects")
SPEC_FIELDS = ("zh", "en", "unit", "formula_zh", "formula_en", "source", "params")
HERE = Path(__file__).parent


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator's declaration."""

    id: str
    mechanism: str
    zh: str
    en: str
    unit: str
    formula_zh: str
    formula_en: str
    source: str
    params: tuple[str, ...]
    levels: tuple[str, ...] = ("city", "county")

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def formula(self, lang: str = "zh") -> str:
        return self.formula_zh if lang == "zh" else self.formula_en


@dataclass(frozen=True)
class Context:
    """What every indicator function gets: the engine, the policy profile, the reference date and region.

    ``region`` is a county code to restrict regional tables to that county, or ``None`` for the city and all
    counties.  ``as_of`` is the data date: windows ("past five years", "this quarter") end there.
    """

    engine: Engine
    profile: Profile
    as_of: date
    region: str | None = None
    cache: dict = field(default_factory=dict, compare=False, repr=False)


@cache
def registry() -> dict[str, IndicatorSpec]:
    """All declared indicators, by id, in mechanism order."""
    specs: dict[str, IndicatorSpec] = {}
    for mechanism in MECHANISMS:
        path = HERE / f"{mechanism}.toml"
        if not path.exists():
            continue
        with open(path, "rb") as fh:
            for ind_id, raw in tomllib.load(fh).items():
                missing = [f for f in SPEC_FIELDS if f not in raw]
                if missing:
                    raise ValueError(f"indicator {ind_id} lacks {missing}")
                if ind_id in specs:
                    raise ValueError(f"indicator {ind_id} declared twice")
                specs[ind_id] = IndicatorSpec(
                    id=ind_id,
                    mechanism=mechanism,
                    zh=raw["zh"],
                    en=raw["en"],
                    unit=raw["unit"],
                    formula_zh=raw["formula_zh"],
                    formula_en=raw["formula_en"],
                    source=raw["source"],
                    params=tuple(raw["params"]),
                    levels=tuple(raw.get("levels", ("city", "county"))),
                )
    return specs


FUNCTIONS: dict[str, Callable[[Context], pd.DataFrame]] = {}


def indicator(ind_id: str):
    """Register the decorated function as the implementation of indicator ``ind_id``."""

    def register(func: Callable[[Context], pd.DataFrame]):
        if ind_id in FUNCTIONS:
            raise ValueError(f"indicator {ind_id} implemented twice")
        FUNCTIONS[ind_id] = func
        func.indicator_id = ind_id
        return func

    return register


def load_modules() -> None:
    """Import every mechanism module so that its indicators register."""
    for mechanism in MECHANISMS:
        if (HERE / f"{mechanism}.py").exists():
            importlib.import_module(f"dashboard.indicators.{mechanism}")


def compute(ind_id: str, ctx: Context) -> pd.DataFrame:
    """Compute one indicator (memoised per context: panels ask for the same table more than once)."""
    load_modules()
    if ind_id not in ctx.cache:
        ctx.cache[ind_id] = FUNCTIONS[ind_id](ctx)
    return ctx.cache[ind_id]


def compute_all(ctx: Context) -> dict[str, pd.DataFrame]:
    """Every registered indicator whose input datasets are present."""
    load_modules()
    return {ind_id: compute(ind_id, ctx) for ind_id in registry() if ind_id in FUNCTIONS}
