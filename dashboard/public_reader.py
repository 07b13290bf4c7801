"""The public app's only data access: the files of one public extract folder, and nothing else.

The folder comes from ``DASHBOARD_PUBLIC_DIR``, else ``[public] extract_dir`` in the deployment config
(``dashboard.toml`` or ``DASHBOARD_CONFIG``), else ``data/public``.  Only the allow-listed files of
:mod:`dashboard.public_schema` are opened; a name that is not on the list, or that resolves (through ``..`` or a
symbolic link) outside the folder, raises :class:`OutsideExtractError`.  Every table is re-checked against its
column allow-list when read.

This module must not import the internal store, readers or indicator engine (a test checks ``sys.modules``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from dashboard.config import ROOT, config_section
from dashboard.public_schema import CHANGELOG, MANIFEST, TABLES, allowed_files, check_files, check_table

ENV = "DASHBOARD_PUBLIC_DIR"
DEFAULT_DIR = ROOT / "data" / "public"


class OutsideExtractError(PermissionError):
    """A path that is not an allow-listed file inside the public extract folder."""


def extract_dir() -> Path:
    """The configured public extract folder (resolved)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).resolve()
    configured = config_section("public").get("extract_dir")
    if configured:
        path = Path(configured)
        return (path if path.is_absolute() else ROOT / path).resolve()
    return DEFAULT_DIR.resolve()


def resolve(name: str, folder: Path | None = None) -> Path:
    """The path of allow-listed file ``name`` inside the extract; refuses anything else."""
    folder = (folder or extract_dir()).resolve()
    if name not in allowed_files() or Path(name).name != name:
        raise OutsideExtractError(f"{name!r} is not a public extract file")
    path = (folder / name).resolve()
    if path.parent != folder:
        raise OutsideExtractError(f"{name!r} resolves outside {folder}")
    return path


def available(folder: Path | None = None) -> bool:
    """Whether the extract folder holds a manifest (i.e. something was published)."""
    try:
        return resolve(MANIFEST, folder).is_file()
    except OutsideExtractError:
        return False


def check_folder(folder: Path | None = None) -> None:
    """Raise if the extract folder holds a file that is not on the allow-list."""
    folder = (folder or extract_dir()).resolve()
    check_files(p.name for p in folder.iterdir() if not p.name.startswith("."))


def read_manifest(folder: Path | None = None) -> dict:
    with open(resolve(MANIFEST, folder), encoding="utf-8") as fh:
        return json.load(fh)


def read_changelog(folder: Path | None = None) -> list[dict]:
    path = resolve(CHANGELOG, folder)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_table(name: str, folder: Path | None = None) -> pd.DataFrame:
    """Public table ``name`` (parquet), checked against its allow-list."""
    if name not in TABLES:
        raise OutsideExtractError(f"{name!r} is not a public table")
    frame = pd.read_parquet(resolve(f"{name}.parquet", folder))
    check_table(name, frame)
    return frame


def csv_bytes(name: str, folder: Path | None = None) -> bytes:
    """The published CSV of table ``name`` (for a download button)."""
    if name not in TABLES:
        raise OutsideExtractError(f"{name!r} is not a public table")
    return resolve(f"{name}.csv", folder).read_bytes()
