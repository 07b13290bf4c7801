"""Which version of each dataset is current, and loading it.

Published uploads live in a versioned store outside git (``var/store`` by default, ``DASHBOARD_STORE`` to move
it); each dataset there has ``current.json`` naming its current version and one folder per immutable version
holding ``data.parquet`` and ``manifest.json``.  A dataset with no published version falls back to the bundled
demo data in ``data/demo`` (its manifest says ``version: demo``), and every page that shows it says so.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard.contracts import DATASET_NAMES, get_dataset
from dashboard.errors import DataError
from dashboard.io import read_dataset

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "data" / "demo"
DEMO_VERSION = "demo"


def store_dir() -> Path:
    """The versioned store's root (``DASHBOARD_STORE`` or ``var/store`` under the project)."""
    return Path(os.environ.get("DASHBOARD_STORE", ROOT / "var" / "store"))


def demo_dir() -> Path:
    """The bundled demo data folder (``DASHBOARD_DEMO_DIR`` overrides it, e.g. for benchmarks)."""
    return Path(os.environ.get("DASHBOARD_DEMO_DIR", DEMO_DIR))


@dataclass(frozen=True)
class DatasetVersion:
    """One version of one dataset, as its manifest describes it."""

    dataset: str
    version: str
    path: Path
    rows: int
    sha256: str
    data_date: str
    source_zh: str
    source_en: str

    @property
    def is_demo(self) -> bool:
        return self.version == DEMO_VERSION

    def source(self, lang: str = "zh") -> str:
        return self.source_zh if lang == "zh" else self.source_en


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _published_version(name: str, root: Path) -> DatasetVersion | None:
    pointer = root / name / "current.json"
    if not pointer.exists():
        return None
    version = _read_json(pointer)["version"]
    folder = root / name / "versions" / version
    manifest = _read_json(folder / "manifest.json")
    return DatasetVersion(
        dataset=name,
        version=version,
        path=folder / manifest.get("file", "data.parquet"),
        rows=int(manifest["rows"]),
        sha256=manifest["sha256"],
        data_date=manifest["data_date"],
        source_zh=manifest.get("source_zh") or manifest.get("source", ""),
        source_en=manifest.get("source_en") or manifest.get("source", ""),
    )


def _demo_version(name: str, folder: Path) -> DatasetVersion | None:
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        return None
    manifest = _read_json(manifest_path)
    entry = manifest["datasets"].get(name)
    if entry is None:
        return None
    return DatasetVersion(
        dataset=name,
        version=manifest.get("version", DEMO_VERSION),
        path=folder / entry["file"],
        rows=int(entry["rows"]),
        sha256=entry["sha256"],
        data_date=manifest["data_date"],
        source_zh=manifest["source_zh"],
        source_en=manifest["source_en"],
    )


def current_version(name: str) -> DatasetVersion | None:
    """The current version of dataset ``name``: the published one, else the demo one, else ``None``."""
    get_dataset(name)  # unknown names are a user error, not a silent None
    return _published_version(name, store_dir()) or _demo_version(name, demo_dir())


def current_versions() -> dict[str, DatasetVersion | None]:
    """``{dataset: current version or None}`` for every contract dataset, in contract order."""
    return {name: current_version(name) for name in DATASET_NAMES}


def load_current(name: str) -> pd.DataFrame:
    """Read the current version of ``name`` conformed to its contract; ``DataError`` when there is none."""
    version = current_version(name)
    if version is None:
        raise DataError("error.no_data", dataset=name)
    return read_dataset(name, version.path)
