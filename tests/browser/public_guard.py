"""The modules the public app must never import: internal loaders, store, readers, engine, internal frame."""

from __future__ import annotations

INTERNAL_MODULES = (
    "dashboard.store",
    "dashboard.io",
    "dashboard.engine",
    "dashboard.indicators",
    "dashboard.context",
    "dashboard.public_extract",
    "dashboard.demo",
    "dashboard.upload",
    "dashboard.validate",
    "dashboard.tiles",
    "dashboard.policy",
    "dashboard.status",
    "dashboard.navigation",
    "components.loaders",
    "components.frame",
    "components.state",
    "duckdb",
    "ibis",
    "geopandas",
)


def is_internal(name: str) -> bool:
    """Whether module ``name`` is (inside) one of :data:`INTERNAL_MODULES`."""
    return any(name == m or name.startswith(m + ".") for m in INTERNAL_MODULES)
