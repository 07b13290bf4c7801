"""The versioned data store: immutable dataset versions, the current pointer, and the audit log.

Published uploads live in a store outside git (``var/store`` by default, ``DASHBOARD_STORE`` to move it).  A
dataset with no published version falls back to the bundled demo data in ``data/demo`` (its manifest says
``version: demo``), and every page that shows it says so.

Layout::

    <store>/
      .lock                       flock()ed around every pointer switch, audit append and temp-dir scan
      .tmp/<dataset>-<random>/    versions being written (invisible to readers; removed by gc_temp)
      audit.jsonl                 append-only, one JSON object per line
      <dataset>/
        current.json              {"version": ..., "previous": ..., "user": ..., "time": ..., "action": ...}
        versions/<version>/       immutable once it appears
          data.parquet            written by dashboard.io.to_parquet
          manifest.json           dataset, version, sha256, rows, uploader, created, original_name, ...

Crash safety rests on two POSIX guarantees on one filesystem: ``rename`` of a complete, fsync()ed temp folder
makes a version appear all at once, and ``os.replace`` of a fsync()ed temp file switches ``current.json``
all at once.  A process killed at any point therefore leaves the previous current version intact and at most
an orphan under ``.tmp`` (or a ``.current.*.tmp`` file), which readers never look at.  The audit line of a
version or a pointer switch is written after it, under the same lock; a process killed in between leaves the
line unwritten, so :func:`read_audit` rebuilds it from the manifest or ``current.json`` (which record who did
what, and when) and the next locked write appends it to the log.

Concurrency: version ids are unique without coordination (UTC time + random), so concurrent uploads are all
kept.  Switching the pointer is a compare-and-swap under an exclusive ``flock`` on ``<store>/.lock``: the
kernel drops the lock when its holder dies, even by SIGKILL, so it is never left stale.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from dashboard.contracts import DATASET_NAMES, get_dataset
from dashboard.errors import DataError, UserError
from dashboard.io import conform, read_dataset, to_parquet

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "data" / "demo"
DEMO_VERSION = "demo"

DATA_FILE = "data.parquet"
MANIFEST_FILE = "manifest.json"
POINTER_FILE = "current.json"
#: Prefix of a pointer being written (``<dataset>/.current.<random>.tmp``); replaced onto ``current.json``.
POINTER_TMP_PREFIX = ".current."
AUDIT_FILE = "audit.jsonl"
LOCK_FILE = ".lock"
TMP_DIR = ".tmp"
MANIFEST_FORMAT = 1

#: How long a writer waits for the store lock before giving up with ``error.store.busy`` (seconds).  Holders
#: only keep it for a pointer write or an audit line, so waiting this long means something is wrong.
LOCK_TIMEOUT_S = 30.0

#: Names accepted as version ids from callers (CLI arguments, URL parameters).  Generated ids match it; so do
#: hand-made ones like ``v1``.  No slash, no leading dot: a version name can never leave ``versions/``.
SAFE_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

#: Crash tests set this to a failpoint name; the process then SIGKILLs itself there (see ``_failpoint``).
FAILPOINT_ENV = "DASHBOARD_STORE_FAILPOINT"

#: Audit event kinds.
EVENTS = ("accepted", "rejected", "publish", "rollback", "conflict")

MESSAGES_FILE = Path(__file__).parent / "locales" / "modules" / "store.toml"


class _Unchecked:
    """Sentinel type: publish without a compare-and-swap check."""

    def __repr__(self) -> str:
        return "UNCHECKED"


#: Default of ``expected_current``: switch the pointer whatever it currently is.
UNCHECKED = _Unchecked()


def store_dir() -> Path:
    """The versioned store's root (``DASHBOARD_STORE`` or ``var/store`` under the project)."""
    return Path(os.environ.get("DASHBOARD_STORE", ROOT / "var" / "store"))


def demo_dir() -> Path:
    """The bundled demo data folder (``DASHBOARD_DEMO_DIR`` overrides it, e.g. for benchmarks)."""
    return Path(os.environ.get("DASHBOARD_DEMO_DIR", DEMO_DIR))


@dataclass(frozen=True)
class DatasetVersion:
    """One version of one dataset, as its manifest describes it.

    The first eight fields exist for every version (demo included); the rest come from upload manifests and
    are empty for demo data.  ``path`` is the data file; ``path.parent`` is the version folder.
    """

    dataset: str
    version: str
    path: Path
    rows: int
    sha256: str
    data_date: str
    source_zh: str
    source_en: str
    created: str = ""
    uploader: str = ""
    original_name: str = ""
    note: str = ""
    parent: str | None = None
    columns: tuple[str, ...] = ()
    is_current: bool = False

    @property
    def is_demo(self) -> bool:
        return self.version == DEMO_VERSION

    def source(self, lang: str = "zh") -> str:
        return self.source_zh if lang == "zh" else self.source_en


# --------------------------------------------------------------------------------------------------- messages


def message(key: str, lang: str = "zh", **params) -> str:
    """Translated text for ``key`` (store, export and data CLI keys live in ``locales/modules/store.toml``)."""
    from dashboard.i18n import t

    return t(key, lang, **params)


def error_message(exc: UserError, lang: str = "zh") -> str:
    """The translated message of a :class:`UserError`."""
    return exc.message(lang)


# ------------------------------------------------------------------------------------------------ read side


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _version_from_manifest(name: str, folder: Path, manifest: dict, *, is_current: bool) -> DatasetVersion:
    return DatasetVersion(
        dataset=name,
        version=folder.name,  # the folder is the identity; a hand-edited manifest cannot rename it
        path=folder / manifest.get("file", DATA_FILE),
        rows=int(manifest["rows"]),
        sha256=manifest["sha256"],
        data_date=manifest["data_date"],
        source_zh=manifest.get("source_zh") or manifest.get("source", ""),
        source_en=manifest.get("source_en") or manifest.get("source", ""),
        created=manifest.get("created", ""),
        uploader=manifest.get("uploader", ""),
        original_name=manifest.get("original_name", ""),
        note=manifest.get("note", ""),
        parent=manifest.get("parent"),
        columns=tuple(manifest.get("columns", ())),
        is_current=is_current,
    )


def _read_pointer(root: Path, name: str) -> str | None:
    try:
        return _read_json(root / name / POINTER_FILE)["version"]
    except FileNotFoundError:
        return None


def _published_version(name: str, root: Path) -> DatasetVersion | None:
    version = _read_pointer(root, name)
    if version is None:
        return None
    folder = root / name / "versions" / version
    return _version_from_manifest(name, folder, _read_json(folder / MANIFEST_FILE), is_current=True)


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
        is_current=True,
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


def load_version(version: DatasetVersion) -> pd.DataFrame:
    """Read one version's data conformed to its contract.

    Prefer this to :func:`load_current` when the caller already holds a :class:`DatasetVersion` (an export
    that states the version in its metadata): the pointer may move between two calls.
    """
    return read_dataset(version.dataset, version.path)


def get_version(dataset: str, version: str) -> DatasetVersion:
    """The stored version ``version`` of ``dataset``.

    Raises
    ------
    UserError
        ``error.store.unknown_version`` when the name is not a stored version (or not a safe name at all).
    """
    get_dataset(dataset)
    root = store_dir()
    if not isinstance(version, str) or not SAFE_VERSION.fullmatch(version):
        raise UserError("error.store.unknown_version", dataset=dataset, version=str(version)[:80])
    folder = root / dataset / "versions" / version
    try:
        manifest = _read_json(folder / MANIFEST_FILE)
    except (FileNotFoundError, NotADirectoryError):
        raise UserError("error.store.unknown_version", dataset=dataset, version=version) from None
    return _version_from_manifest(dataset, folder, manifest, is_current=_read_pointer(root, dataset) == version)


def list_versions(dataset: str) -> list[DatasetVersion]:
    """Every stored version of ``dataset``, newest first, with ``is_current`` set on the published one.

    Only complete versions are listed: a version folder appears by an atomic rename after its files are
    written, and folders without a readable manifest (hand-made debris) are skipped with a log warning.
    """
    get_dataset(dataset)
    root = store_dir()
    folder = root / dataset / "versions"
    current = _read_pointer(root, dataset)
    found = []
    for entry in folder.iterdir() if folder.is_dir() else ():
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            manifest = _read_json(entry / MANIFEST_FILE)
            found.append(_version_from_manifest(dataset, entry, manifest, is_current=entry.name == current))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("skipping unreadable version folder %s: %s", entry, exc)
    return sorted(found, key=lambda v: (_sort_time(v.created), v.version), reverse=True)


def _sort_time(created: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_version(version: DatasetVersion) -> bool:
    """Whether the data file still has the sha256 its manifest recorded."""
    try:
        return file_sha256(version.path) == version.sha256
    except OSError:
        return False


# ------------------------------------------------------------------------------------------ durable writes


def _failpoint(name: str) -> None:
    # Crash-consistency tests kill the process at each named step to prove every step is safe to die in.
    # Unset in production: one environment lookup per step.
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    # A rename or a new directory entry is only durable once the directory itself is flushed.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> Path:
    """``mkdir -p`` that also fsyncs each parent whose entry it created (a crash must not lose the folder)."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # a concurrent writer made it first
        _fsync_dir(folder.parent)
    return path


@contextmanager
def _store_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the store's exclusive lock.

    ``flock`` rather than a create-exclusive lock file: the kernel releases it when the holder's descriptor
    closes, including on SIGKILL, so a crashed writer can never leave the store locked.  Each call opens its
    own descriptor, so threads of one process (Streamlit sessions) exclude each other too; the lock is not
    re-entrant, so nothing inside may take it again.
    """
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    _ensure_dir(root)
    # Read-only is enough for flock, and lets a user who may not write the lock file still take the lock.
    fd = os.open(root / LOCK_FILE, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise UserError("error.store.busy", seconds=f"{timeout:g}") from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def new_version_id(now: datetime | None = None) -> str:
    """A fresh version id such as ``20261122T053012.123456Z-1a2b3c4d``.

    Fixed-width UTC time to the microsecond, so ids sort by creation time as strings; 32 random bits, so two
    writers in the same microsecond still get different ids without talking to each other.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%S}.{now.microsecond:06d}Z-{secrets.token_hex(4)}"


# ------------------------------------------------------------------------------------------------- audit log


def _append_audit_locked(root: Path, event: Mapping) -> None:
    """Append one event line to ``<root>/audit.jsonl``; the caller holds the store lock."""
    _append_jsonl_locked(root / AUDIT_FILE, event)


def _append_jsonl_locked(path: Path, record: Mapping) -> None:
    """Append one JSON line to ``path``; the caller holds the store lock.

    One ``write()`` on an ``O_APPEND`` descriptor puts the whole line at the end of the file; the lock keeps
    even a short write from interleaving with another writer's line.  If a previous writer died mid-line, a
    newline is written first so the torn fragment stays one unparseable line instead of corrupting this one.
    """
    line = (json.dumps(dict(record), ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8")
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(errno.EIO, f"short write to {path} ({written} of {len(line)} bytes)")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def append_jsonl(path: Path, record: Mapping, root: Path | None = None) -> None:
    """Append ``record`` as one JSON line to ``path`` under the store's lock (``root``: the store folder).

    The same crash-safe append as the audit log (``O_APPEND``, one ``write()``, ``fsync``; a line torn by a
    crash stays one unparseable line that :func:`read_jsonl` skips), for other append-only logs kept next to
    the store, such as the key-project issue loop (:mod:`dashboard.issue_loop`).
    """
    root = store_dir() if root is None else Path(root)
    with _store_lock(root):
        _ensure_dir(Path(path).parent)
        _append_jsonl_locked(Path(path), record)


def _audit_event(event: str, *, user: str, dataset: str, **fields) -> dict:
    record = {
        "time": _now(),
        "event": event,
        "user": user,
        "dataset": dataset,
        "version": None,
        "previous": None,
        "original_name": None,
        "sha256": None,
        "reason": None,
        "params": {},
    }
    record.update(fields)
    return record


def _read_events(root: Path) -> list[dict]:
    """Every parseable line of ``<root>/audit.jsonl``, oldest first (a line torn by a crash is skipped)."""
    return read_jsonl(root / AUDIT_FILE)


def read_jsonl(path: Path) -> list[dict]:
    """Every parseable line of a JSON-lines log, oldest first (a line torn by a crash is skipped)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    events = []
    # split on b"\n" only: str.splitlines would also split on U+2028 inside a (non-ASCII-escaped) JSON string
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except ValueError:
            log.warning("skipping torn line %d of %s", number, path)
    return events


def _missing_events(root: Path, events: list[dict]) -> list[dict]:
    """Audit events for what the store holds but ``events`` lack.

    A version folder is renamed into place and then audited, and ``current.json`` is replaced and then audited,
    each under the store lock; a writer killed between the two steps leaves a stored version, or a switched
    pointer, without its line.  Both carry what the line would have said (the manifest: uploader, created,
    parent; the pointer: user, time, previous, action), so the event is rebuilt from them, with
    ``params["recovered"] = True``.  Only the latest switch of a dataset can be missing: every switch first
    reconciles under the lock (:func:`_reconcile_audit_locked`).
    """
    accepted = {(e.get("dataset"), e.get("version")) for e in events if e.get("event") == "accepted"}
    switched = {(e.get("dataset"), e.get("event"), e.get("version"), e.get("time")) for e in events}
    missing = []
    for dataset in DATASET_NAMES:
        folder = root / dataset / "versions"
        for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
            if entry.name.startswith(".") or (dataset, entry.name) in accepted:
                continue
            try:
                manifest = _read_json(entry / MANIFEST_FILE)
            except (OSError, ValueError):
                continue  # not a complete version (list_versions skips it too)
            missing.append(_audit_event(
                "accepted", user=manifest.get("uploader", ""), dataset=dataset, time=manifest.get("created"),
                version=entry.name, previous=manifest.get("parent"), original_name=manifest.get("original_name"),
                sha256=manifest.get("sha256"), params={"rows": manifest.get("rows"), "recovered": True},
            ))
        try:
            pointer = _read_json(root / dataset / POINTER_FILE)
        except (OSError, ValueError):
            continue
        action, version = pointer.get("action"), pointer.get("version")
        if action in ("publish", "rollback") and (dataset, action, version, pointer.get("time")) not in switched:
            try:
                manifest = _read_json(root / dataset / "versions" / version / MANIFEST_FILE)
            except (OSError, ValueError, TypeError):
                manifest = {}
            missing.append(_audit_event(
                action, user=pointer.get("user", ""), dataset=dataset, time=pointer.get("time"), version=version,
                previous=pointer.get("previous"), original_name=manifest.get("original_name"),
                sha256=manifest.get("sha256"), params={"recovered": True},
            ))
    return missing


def _reconcile_audit_locked(root: Path) -> None:
    """Append the lines a killed writer could not write (see :func:`_missing_events`); the caller holds the lock.

    Every operation that stores a version or switches a pointer calls this under the lock first, so the log on
    disk is complete again at the next write after a crash.
    """
    for event in _missing_events(root, _read_events(root)):
        log.warning("audit: recovering the %s event of %s %s", event["event"], event["dataset"], event["version"])
        _append_audit_locked(root, event)


def read_audit(dataset: str | None = None) -> list[dict]:
    """The audit log as a list of events, oldest first; only ``dataset``'s when given.

    Every event has ``time``, ``event`` (one of :data:`EVENTS`), ``user``, ``dataset``, ``version``,
    ``previous`` (the current version before a publish/rollback), ``original_name``, ``sha256``, ``reason``
    (a message key for rejections and conflicts) and ``params``.  A line torn by a crash is skipped with a
    warning.  A line a killed writer never wrote is rebuilt from the version manifest or pointer it concerns
    and listed at the end (``params["recovered"]``); the next write stores it in the log.  (Reading takes no
    lock, so a version being stored at this very moment may show such a rebuilt line once.)
    """
    root = store_dir()
    events = _read_events(root)
    events += _missing_events(root, events)
    return [e for e in events if dataset is None or e.get("dataset") == dataset]


# ------------------------------------------------------------------------------------------------ write side


def parse_data_date(value: str | date) -> str:
    """``value`` as an ISO date string; ``UserError("error.store.bad_data_date")`` if it is not one."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise UserError("error.store.bad_data_date", value=str(value)[:40]) from None


def _sources(source: str | Mapping[str, str]) -> tuple[str, str]:
    if isinstance(source, Mapping):
        zh = str(source.get("zh") or source.get("en") or "").strip()
        en = str(source.get("en") or zh).strip()
    else:
        zh = en = str(source or "").strip()
    if not zh:
        raise UserError("error.store.no_source")
    return zh, en


def _user(value: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise UserError("error.store.no_user")
    return text


def default_user() -> str:
    """The operating-system user name, for CLI commands run without ``--uploader``/``--user``."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _gc_temp_locked(root: Path) -> int:
    removed = 0
    tmp_root = root / TMP_DIR
    for entry in tmp_root.iterdir() if tmp_root.is_dir() else ():
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except NotADirectoryError:
            entry.unlink(missing_ok=True)
            removed += 1
            continue
        except FileNotFoundError:
            continue  # renamed into versions/ (or removed) since we listed it
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live writer holds it
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
        finally:
            os.close(fd)
    # Pointer temp files are only written under the store lock, which we hold: any we see is an orphan.
    for orphan in root.glob(f"*/{POINTER_TMP_PREFIX}*.tmp"):
        orphan.unlink(missing_ok=True)
        removed += 1
    return removed


def gc_temp() -> int:
    """Remove what crashed writers left behind; returns how many entries were removed.

    Every writer holds an ``flock`` on its own temp folder until the folder is renamed into ``versions/``, so
    a folder that can be locked here belongs to a dead process.  Safe to run at any time, alongside writers.
    :func:`write_version` also runs it before each write.
    """
    root = store_dir()
    if not root.exists():
        return 0
    with _store_lock(root):
        _reconcile_audit_locked(root)
        return _gc_temp_locked(root)


def write_version(
    dataset: str,
    frame: pd.DataFrame,
    *,
    uploader: str,
    original_name: str,
    data_date: str | date,
    source: str | Mapping[str, str],
    note: str = "",
) -> DatasetVersion:
    """Store ``frame`` as a new immutable version of ``dataset`` (not yet published) and audit it.

    Parameters
    ----------
    dataset
        Contract dataset name.
    frame
        The data; conformed to the contract again here, so nothing unreadable can ever be stored.
    uploader
        Who uploaded it (non-empty).
    original_name
        The uploaded file's name, kept verbatim as metadata only: never part of any path.  Escape it
        before showing it in HTML.
    data_date
        数据截止日期, ISO ``YYYY-MM-DD`` (or a ``date``).
    source
        Source text, or ``{"zh": ..., "en": ...}``.
    note
        Free-text note.

    Returns
    -------
    DatasetVersion
        The new version; ``parent`` is the version that was current when it was written.

    Raises
    ------
    DataError
        When ``frame`` does not meet the contract.
    UserError
        ``error.store.bad_data_date``, ``error.store.no_source``, ``error.store.no_user``,
        ``error.store.busy``.
    """
    get_dataset(dataset)
    uploader = _user(uploader)
    data_date = parse_data_date(data_date)
    source_zh, source_en = _sources(source)
    conformed = conform(frame, dataset)

    root = store_dir()
    tmp_root = _ensure_dir(root / TMP_DIR)
    # Create and lock the temp folder under the store lock so gc_temp never sees it unlocked.
    with _store_lock(root):
        _gc_temp_locked(root)
        tmp = Path(tempfile.mkdtemp(prefix=f"{dataset}-", dir=tmp_root))
        # mkdtemp makes it 0700; once renamed it is a published folder the app's user (maybe not the
        # importing user) must read.
        os.chmod(tmp, 0o755)
        tmp_fd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(tmp_fd, fcntl.LOCK_EX)
    try:
        parent = _read_pointer(root, dataset)
        version = new_version_id()
        data_path = to_parquet(conformed, tmp / DATA_FILE)
        _fsync_file(data_path)
        _failpoint("version_data_written")
        manifest = {
            "format": MANIFEST_FORMAT,
            "dataset": dataset,
            "version": version,
            "file": DATA_FILE,
            "sha256": file_sha256(data_path),
            "rows": len(conformed),
            "columns": [str(c) for c in conformed.columns],
            "uploader": uploader,
            "created": _now(),
            "original_name": str(original_name),
            "data_date": data_date,
            "source_zh": source_zh,
            "source_en": source_en,
            "note": str(note or ""),
            "parent": parent,
        }
        _write_synced(tmp / MANIFEST_FILE, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        _fsync_dir(tmp)
        _failpoint("version_before_rename")
        versions = _ensure_dir(root / dataset / "versions")
        target = versions / version
        # The rename and its audit line under one lock: a version without its line then always belongs to a
        # writer that died, and _reconcile_audit_locked may rebuild the line without racing a live writer.
        with _store_lock(root):
            _reconcile_audit_locked(root)
            if target.exists():  # pragma: no cover - needs a 32-bit random collision in the same microsecond
                raise FileExistsError(target)
            os.rename(tmp, target)
            _fsync_dir(versions)
            _failpoint("version_after_rename")
            _append_audit_locked(
                root,
                _audit_event(
                    "accepted",
                    user=uploader,
                    dataset=dataset,
                    version=version,
                    previous=parent,
                    original_name=str(original_name),
                    sha256=manifest["sha256"],
                    params={"rows": manifest["rows"]},
                ),
            )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a no-op once the rename has happened
        raise
    finally:
        os.close(tmp_fd)
    return _version_from_manifest(dataset, target, manifest, is_current=False)


def record_rejection(
    dataset: str, *, uploader: str, original_name: str, reason_key: str, params: Mapping | None = None
) -> dict:
    """Audit an upload that was refused (nothing is stored); returns the event written.

    Parameters
    ----------
    dataset
        The dataset the upload was meant for.
    uploader
        Who tried.
    original_name
        The file's name as given (metadata only).
    reason_key
        The message key of the refusal (``error.missing_columns``, ...).
    params
        The message's parameters, so the reason can be shown translated later.
    """
    get_dataset(dataset)
    root = store_dir()
    event = _audit_event(
        "rejected",
        user=_user(uploader),
        dataset=dataset,
        original_name=str(original_name),
        reason=str(reason_key),
        params=dict(params or {}),
    )
    with _store_lock(root):
        _reconcile_audit_locked(root)
        _append_audit_locked(root, event)
    return event


def _switch(dataset: str, version: str, *, user: str, expected_current, action: str) -> DatasetVersion:
    user = _user(user)
    target = get_version(dataset, version)
    # Publishing is the moment a version reaches every page: refuse one whose data no longer matches its
    # manifest (disk damage, hand edits) rather than serve it.
    if not verify_version(target):
        raise UserError("error.store.corrupt_version", dataset=dataset, version=version)
    root = store_dir()
    with _store_lock(root):
        _reconcile_audit_locked(root)  # before the switch: a rebuilt line must come from the previous one
        current = _read_pointer(root, dataset)
        if expected_current is not UNCHECKED and current != expected_current:
            _append_audit_locked(
                root,
                _audit_event(
                    "conflict",
                    user=user,
                    dataset=dataset,
                    version=version,
                    previous=current,
                    original_name=target.original_name,
                    sha256=target.sha256,
                    reason="error.store.conflict",
                    params={"action": action, "expected": expected_current},
                ),
            )
            raise UserError(
                "error.store.conflict",
                dataset=dataset,
                version=version,
                expected=expected_current or "-",
                current=current or "-",
            )
        if action == "rollback" and current == version:
            raise UserError("error.store.already_current", dataset=dataset, version=version)
        # The audit line repeats the pointer's time: that is how _missing_events tells whether it was written.
        pointer = {"version": version, "previous": current, "user": user, "time": _now(), "action": action}
        folder = root / dataset
        tmp = folder / f"{POINTER_TMP_PREFIX}{secrets.token_hex(8)}.tmp"
        _write_synced(tmp, json.dumps(pointer, ensure_ascii=False).encode("utf-8"))
        _failpoint("pointer_before_replace")
        os.replace(tmp, folder / POINTER_FILE)
        _fsync_dir(folder)
        _failpoint("pointer_after_replace")
        _append_audit_locked(
            root,
            _audit_event(
                action,
                user=user,
                dataset=dataset,
                time=pointer["time"],
                version=version,
                previous=current,
                original_name=target.original_name,
                sha256=target.sha256,
            ),
        )
    return replace(target, is_current=True)


def publish(dataset: str, version: str, *, user: str, expected_current=UNCHECKED) -> DatasetVersion:
    """Make ``version`` the current version of ``dataset`` (atomically) and audit it.

    Parameters
    ----------
    dataset, version
        What to publish; the version must be stored and its data must match its manifest's sha256.
    user
        Who publishes.
    expected_current
        Compare-and-swap: the version the caller saw as current (``None`` = no published version yet).
        When the pointer has changed since, nothing is switched and ``error.store.conflict`` is raised (and
        audited).  Left at :data:`UNCHECKED`, the pointer is switched whatever it is.

    Raises
    ------
    UserError
        ``error.store.unknown_version``, ``error.store.corrupt_version``, ``error.store.conflict``,
        ``error.store.busy``, ``error.store.no_user``.
    """
    return _switch(dataset, version, user=user, expected_current=expected_current, action="publish")


def rollback(dataset: str, version: str, *, user: str, expected_current=UNCHECKED) -> DatasetVersion:
    """Make an earlier ``version`` current again: a publish, audited as ``rollback``.

    Same parameters and errors as :func:`publish`, plus ``error.store.already_current`` when ``version``
    already is the current one.
    """
    return _switch(dataset, version, user=user, expected_current=expected_current, action="rollback")
