"""Reference tables kept as data under ``data/reference/`` (not uploads): the 三调 class table and its colours, and the
published 玉溪 figures the indicators must reproduce."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
CLASSES_CSV = REFERENCE_DIR / "landuse_classes.csv"
PUBLISHED_FIGURES_FILE = REFERENCE_DIR / "yuxi_published_figures.toml"
#: Colour of parcels whose class code is not in the class table (a neutral grey, never a class colour).
UNKNOWN_COLOUR = (200, 200, 200)


@cache
def landuse_classes(path: Path = CLASSES_CSV) -> pd.DataFrame:
    """The 三调 class table ``dlbm, dlmc, dlmc_en, group_zh, group_en, color`` (codes as text, file order).

    ``dlmc_en`` is the English class name (the standard publishes Chinese names only; see ``data/README.md``).

    Shared and cached: callers must not mutate it (take a ``.copy()`` to change it).
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """``"#F8D072"`` → ``(248, 208, 114)``."""
    text = value.strip().lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #RRGGBB colour: {value!r}")
    return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))


def class_colours(path: Path = CLASSES_CSV) -> dict[str, tuple[int, int, int]]:
    """The standard 三调 colour of every class code, as RGB."""
    classes = landuse_classes(path)
    return {code: hex_to_rgb(colour) for code, colour in zip(classes["dlbm"], classes["color"], strict=True)}


@cache
def published_figures(path: Path = PUBLISHED_FIGURES_FILE) -> dict:
    """The published-figure reference file: each figure with its source and the filter that reproduces it from
    the datasets (the demo generator's targets and the indicator tests' expected values).

    Shared and cached: treat it as read-only.
    """
    with open(path, "rb") as fh:
        return tomllib.load(fh)
