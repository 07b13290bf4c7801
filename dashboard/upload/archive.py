"""Zip archives from uploads: check every entry before touching any, extract only into a fresh temp dir.

A zip is rejected as a whole when any entry is unsafe (``..``, absolute or drive-letter path, a backslash path
that escapes, a symlink, an encrypted or duplicate entry, a nested archive) or when it breaks a
:class:`~dashboard.upload.limits.Limits` bound (entry count, total unpacked size, per-entry ratio).  Entry names
are never used as paths: extracted files get generated names inside a directory made by
:func:`upload_workdir`, which is removed afterwards.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dashboard.errors import UserError
from dashboard.upload.limits import Limits, megabytes

#: Suffixes of archives that may not sit inside an uploaded archive (no recursive unpacking, no bomb nesting).
ARCHIVE_SUFFIXES = frozenset({".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab", ".jar"})

#: Magic numbers of archives, checked on extracted content so a renamed inner zip is caught too.
ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x1f\x8b", b"BZh")

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1024 * 1024
_NAME_MAX = 200


@dataclass(frozen=True)
class Entry:
    """One checked zip entry.

    ``name`` is the entry name as the user's tool wrote it (GBK names from Chinese Windows zips decoded), for
    display and layer choice only; ``info`` is what :mod:`zipfile` needs to read it.
    """

    info: zipfile.ZipInfo
    name: str

    @property
    def is_dir(self) -> bool:
        return self.info.is_dir()

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name.replace("\\", "/")).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.basename).suffix.lower()

    @property
    def stem(self) -> str:
        """The entry's path without its suffix (``地块/红塔区`` for ``地块/红塔区.shp``)."""
        path = self.name.replace("\\", "/")
        return path[: len(path) - len(self.suffix)] if self.suffix else path


def _shown(name: str) -> str:
    return name if len(name) <= _NAME_MAX else name[:_NAME_MAX] + "…"


def display_name(info: zipfile.ZipInfo) -> str:
    """The entry name as written: zips from Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # pragma: no cover - zipfile decoded it with cp437, so it re-encodes
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe_path(name: str) -> bool:
    # A backslash is a separator to Windows tools, so ``..\..\x`` escapes just like ``../../x``.
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        return True
    return any(part == ".." for part in path.split("/"))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix tools keep st_mode in the high 16 bits; a symlink entry would point outside the extraction dir.
    return stat.S_ISLNK(info.external_attr >> 16)


def check_zip(zf: zipfile.ZipFile, limits: Limits, *, allow_nested: bool = False) -> list[Entry]:
    """Check every entry of ``zf`` and return them; raise :class:`UserError` if any one is unsafe.

    Parameters
    ----------
    zf
        An open archive (only its central directory has been read).
    limits
        Entry count, unpacked-size and ratio bounds.
    allow_nested
        Accept archive members (``.zip`` …).  Only for containers we never extract ourselves (xlsx).

    Returns
    -------
    list of Entry
        All entries, directories included, in archive order.
    """
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise UserError("error.upload.zip_too_many_entries", count=len(infos), limit=limits.max_entries)
    entries: list[Entry] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        entry = Entry(info, display_name(info))
        shown = _shown(entry.name)
        if _unsafe_path(info.filename) or _unsafe_path(entry.name):
            raise UserError("error.upload.zip_unsafe_path", entry=shown)
        if _is_symlink(info):
            raise UserError("error.upload.zip_symlink", entry=shown)
        if info.flag_bits & 0x1:
            raise UserError("error.upload.zip_encrypted", entry=shown)
        key = entry.name.replace("\\", "/").rstrip("/").casefold()
        if key in seen:
            raise UserError("error.upload.zip_duplicate", entry=shown)
        seen.add(key)
        if entry.is_dir:
            entries.append(entry)
            continue
        if not allow_nested and entry.suffix in ARCHIVE_SUFFIXES:
            raise UserError("error.upload.zip_nested", entry=shown)
        if info.file_size >= limits.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise UserError(
                    "error.upload.zip_ratio", entry=shown, ratio=f"{ratio:.0f}", limit=f"{limits.max_ratio:.0f}"
                )
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise UserError(
                "error.upload.zip_too_big_unpacked",
                size_mb=megabytes(sum(i.file_size for i in infos)),
                limit_mb=megabytes(limits.max_unpacked_bytes),
            )
        entries.append(entry)
    return entries


@contextmanager
def open_zip(path: Path, limits: Limits, *, allow_nested: bool = False) -> Iterator[tuple[zipfile.ZipFile, list]]:
    """Open ``path`` as a zip, check it (:func:`check_zip`) and yield ``(zipfile, entries)``."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UserError("error.upload.zip_corrupt") from exc
    with zf:
        yield zf, check_zip(zf, limits, allow_nested=allow_nested)


@contextmanager
def upload_workdir(root: str | Path | None = None) -> Iterator[Path]:
    """A fresh private directory for one upload's temporary files, removed (with its contents) on exit.

    Parameters
    ----------
    root
        Parent directory; the system temp dir when ``None``.  Tests pass their ``tmp_path`` to check that
        nothing is left behind.
    """
    path = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def extract(zf: zipfile.ZipFile, entry: Entry, dest: Path, limits: Limits, budget: list[int]) -> Path:
    """Stream one checked entry to ``dest`` (a generated name inside the workdir) and return ``dest``.

    The bytes actually produced are counted against ``budget`` (a one-item list of bytes still allowed), so a
    central directory that understates sizes cannot smuggle a bomb past :func:`check_zip`.
    """
    written = 0
    try:
        with zf.open(entry.info) as src, open(dest, "xb") as dst:
            first = True
            while chunk := src.read(_CHUNK):
                if first and chunk.startswith(ARCHIVE_MAGICS):
                    raise UserError("error.upload.zip_nested", entry=_shown(entry.name))
                first = False
                written += len(chunk)
                if written > budget[0]:
                    raise UserError(
                        "error.upload.zip_too_big_unpacked",
                        size_mb=megabytes(written),
                        limit_mb=megabytes(limits.max_unpacked_bytes),
                    )
                dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise UserError("error.upload.zip_corrupt") from exc
    budget[0] -= written
    return dest
