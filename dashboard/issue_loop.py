"""The key-project issue loop 收集 → 会商 → 解决 (seed 003 "闭环管理"), recorded step by step in the app.

Each step says which project, what status it moved to (``collected`` / ``consulting`` / ``resolved``, the
``projects`` contract's ``issue_status`` choices), on which day, who recorded it and a note.  Steps are kept in
an append-only JSON-lines file next to the data store (``<store>/project_issues.jsonl``), written the way the
store writes its audit log (:func:`dashboard.store.append_jsonl`: under the store's ``flock``, one
``O_APPEND`` write, ``fsync``), so a crash loses at most the step being written and never an earlier one; a
line torn by a crash is skipped on reading.  Nothing is ever rewritten: a correction is a new step.

A project's current status is its latest recorded step (by step date, then by the order recorded), else the
dataset's ``issue_status``.

Roles do not exist yet (issue #8): the author is the name typed in the form, not an authenticated user.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from dashboard import store
from dashboard.contracts import get_dataset
from dashboard.errors import UserError

LOG_FILE = "project_issues.jsonl"
#: Longest author name and note accepted (characters); a note is a line in a ledger, not a report.
MAX_AUTHOR = 40
MAX_NOTE = 500
COLUMNS = ["project_id", "status", "date", "author", "note", "recorded"]


def statuses() -> tuple[str, ...]:
    """The loop's statuses in order (收集 → 会商 → 解决), as the ``projects`` contract lists them."""
    return get_dataset("projects").column("issue_status").choices


def log_path(root: Path | None = None) -> Path:
    """The loop's log file, next to the store's audit log."""
    return (store.store_dir() if root is None else Path(root)) / LOG_FILE


def record_step(project_id: str, status: str, day: dt.date, author: str, note: str = "",
                root: Path | None = None, today: dt.date | None = None) -> dict:
    """Append one step of a project's issue loop and return the record written.

    Parameters
    ----------
    project_id
        The project (``projects.project_id``).
    status
        ``collected``, ``consulting`` or ``resolved``.
    day
        The day the step happened (not after ``today``).
    author
        Who records it, as typed (no roles yet).
    note
        What was agreed, asked or decided.
    root
        The store folder (default :func:`dashboard.store.store_dir`).

    Raises
    ------
    UserError
        ``error.project_loop.*`` for a missing project, unknown status, missing author, a date in the future
        or a text that is too long.
    """
    project_id = str(project_id or "").strip()
    author = " ".join(str(author or "").split())
    note = str(note or "").strip()
    today = today or dt.date.today()
    if not project_id:
        raise UserError("error.project_loop.project")
    if status not in statuses():
        raise UserError("error.project_loop.status", status=status)
    if not author:
        raise UserError("error.project_loop.author")
    if len(author) > MAX_AUTHOR or len(note) > MAX_NOTE:
        raise UserError("error.project_loop.too_long", author=MAX_AUTHOR, note=MAX_NOTE)
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date) or day > today:
        raise UserError("error.project_loop.date", today=today.isoformat())
    record = {"project_id": project_id, "status": status, "date": day.isoformat(), "author": author,
              "note": note, "recorded": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    store.append_jsonl(log_path(root), record, root)
    return record


def read_steps(root: Path | None = None) -> pd.DataFrame:
    """Every readable step, in the order recorded: ``project_id, status, date, author, note, recorded``.

    Lines that are not a complete step (torn by a crash, an unknown status, a bad date) are skipped.
    """
    allowed = set(statuses())
    rows = []
    for event in store.read_jsonl(log_path(root)):
        if not isinstance(event, dict) or event.get("status") not in allowed or not event.get("project_id"):
            continue
        try:
            day = dt.date.fromisoformat(str(event.get("date")))
        except ValueError:
            continue
        rows.append({"project_id": str(event["project_id"]), "status": event["status"], "date": pd.Timestamp(day),
                     "author": str(event.get("author") or ""), "note": str(event.get("note") or ""),
                     "recorded": str(event.get("recorded") or "")})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def current_status(projects: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
    """Each project's current loop status and where it comes from.

    Parameters
    ----------
    projects
        Rows with ``project_id`` and ``issue_status`` (the dataset's status, may be empty).
    steps
        :func:`read_steps`.

    Returns
    -------
    DataFrame
        ``project_id, status, source, since``: the latest recorded step (latest ``date``; on the same day the
        one recorded last) with ``source == "log"`` and ``since`` its date, else the dataset's ``issue_status``
        with ``source == "data"`` (``None`` when the dataset has none either) and no date.
    """
    out = pd.DataFrame({"project_id": projects["project_id"].astype(str).to_numpy(),
                        "status": projects["issue_status"].to_numpy(dtype=object), "source": "data",
                        "since": pd.NaT})
    out.loc[out["status"].isna(), "source"] = None
    if len(steps):
        ordered = steps.assign(_order=range(len(steps))).sort_values(["date", "_order"], kind="stable")
        latest = ordered.drop_duplicates("project_id", keep="last").set_index("project_id")
        hit = out["project_id"].isin(latest.index)
        ids = out.loc[hit, "project_id"]
        out.loc[hit, "status"] = latest.loc[ids, "status"].to_numpy()
        out.loc[hit, "source"] = "log"
        out.loc[hit, "since"] = latest.loc[ids, "date"].to_numpy()
    out["since"] = pd.to_datetime(out["since"])
    return out
