"""The indicator context over the app's current data: engine on the current versions, profile, reference date."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dashboard.config import engine_settings
from dashboard.indicators import Context
from dashboard.policy import DEFAULT_PROFILE, load_profile
from dashboard.store import DatasetVersion, current_versions

if TYPE_CHECKING:
    from dashboard.engine import Engine


def data_as_of(versions: dict[str, DatasetVersion | None] | None = None) -> date:
    """The reference date of the current data: the earliest data date of the current versions (today if none).

    The earliest, because a figure combining several datasets is only as recent as its oldest input.
    """
    versions = current_versions() if versions is None else versions
    dates = sorted(v.data_date for v in versions.values() if v is not None and v.data_date)
    return date.fromisoformat(dates[0]) if dates else date.today()


def versions_signature(versions: dict[str, DatasetVersion | None] | None = None) -> tuple:
    """A hashable summary of the current versions (dataset, sha256): a cache key that changes on publish."""
    versions = current_versions() if versions is None else versions
    return tuple(sorted((name, v.sha256 if v else "") for name, v in versions.items()))


def store_engine() -> Engine:
    """An engine over the current version of every dataset, on the configured backend (``[engine]`` of
    dashboard.toml: DuckDB by default, Spark for deployments that outgrow one machine).

    Ibis is imported here, with the first engine, not when this module is: a page sends what needs no indicator
    (the land-use map) before the engine's ~0.5 s of imports."""
    from dashboard.engine import Engine

    settings = engine_settings()
    return Engine.from_store(settings.backend, spark_master=settings.spark_master, spark_conf=settings.spark_conf)


def store_context(profile_id: str = DEFAULT_PROFILE, as_of: date | None = None, region: str | None = None) -> Context:
    """A fresh :class:`Context` over the current version of every dataset (published, else demo), on the
    configured engine."""
    versions = current_versions()
    return Context(
        engine=store_engine(),
        profile=load_profile(profile_id),
        as_of=as_of or data_as_of(versions),
        region=region,
    )
