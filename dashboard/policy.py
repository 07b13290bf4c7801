"""Policy profiles: every threshold, benchmark, weight, band, share and window, with the clause it comes from.

Profiles are TOML files in ``data/policy/``.  Each parameter is a table with ``value``, ``unit``, ``zh``, ``en``
and ``source`` (document and clause).  A profile may ``extends`` another and override some parameters; the
Yunnan/Yuxi profile is the default.  Calculation code reads values only through :class:`Profile`, never as
literals.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dashboard.errors import UserError

POLICY_DIR = Path(__file__).resolve().parents[1] / "data" / "policy"
DEFAULT_PROFILE = "yunnan_yuxi"
PARAM_FIELDS = ("value", "unit", "zh", "en", "source")


@dataclass(frozen=True)
class Param:
    """One policy parameter with its provenance."""

    key: str
    value: Any
    unit: str
    zh: str
    en: str
    source: str
    profile: str  # the profile file that set this value (after inheritance)


@dataclass(frozen=True)
class Profile:
    """A locality's policy parameters."""

    id: str
    name_zh: str
    name_en: str
    params: dict[str, Param]

    def __getitem__(self, key: str) -> Any:
        return self.param(key).value

    def param(self, key: str) -> Param:
        """The parameter ``key``; ``KeyError`` names the profile when it is missing."""
        try:
            return self.params[key]
        except KeyError:
            raise KeyError(f"policy profile {self.id!r} has no parameter {key!r}") from None

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def with_overrides(self, overrides: dict[str, Any], note: str = "user override") -> Profile:
        """A copy with some values replaced (the grading simulator's what-if), provenance marked."""
        params = dict(self.params)
        for key, value in overrides.items():
            base = self.param(key)
            params[key] = Param(key, value, base.unit, base.zh, base.en, f"{note} ({base.source})", self.id)
        return Profile(self.id, self.name_zh, self.name_en, params)


def profile_ids(folder: Path = POLICY_DIR) -> list[str]:
    """Ids of the available profiles (file stems), default first."""
    ids = sorted(p.stem for p in folder.glob("*.toml"))
    return sorted(ids, key=lambda i: i != DEFAULT_PROFILE)


def _read(profile_id: str, folder: Path) -> dict:
    path = folder / f"{profile_id}.toml"
    if not path.exists():
        raise UserError("error.unknown_profile", profile=profile_id, known=", ".join(profile_ids(folder)))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@cache
def load_profile(profile_id: str = DEFAULT_PROFILE, folder: Path = POLICY_DIR) -> Profile:
    """Load a profile, resolving ``extends`` (cached; profiles are immutable)."""
    raw = _read(profile_id, folder)
    meta = raw.get("profile", {})
    parent = meta.get("extends")
    params = dict(load_profile(parent, folder).params) if parent else {}
    for key, spec in raw.get("params", {}).items():
        if parent and key in params:
            base = params[key]
            spec = {**{f: getattr(base, f) for f in PARAM_FIELDS}, **spec}
        missing = [f for f in PARAM_FIELDS if f not in spec]
        if missing:
            raise ValueError(f"{profile_id}.{key} lacks {missing}")
        params[key] = Param(key, spec["value"], spec["unit"], spec["zh"], spec["en"], spec["source"], profile_id)
    return Profile(profile_id, meta["name_zh"], meta["name_en"], params)
