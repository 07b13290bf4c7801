"""Key-project land tracking (重点项目用地保障清单): projects per stage, and each project's deadline and issue.

The list is small (tens to hundreds of projects), so it is handled in pandas.  Stages follow the contract's
order (选址 → 预审 → 报批 → 供地 → 开工).  Only projects that had entered their current stage by the data date
are counted: the list says where a project stands now, not where it stood earlier.

Consultation deadlines count Chinese working days (:mod:`dashboard.workdays`): departments must reply within
``consultation_working_days`` working days of the request, and silence past the deadline counts as consent
(seed 003).
"""

from __future__ import annotations

import pandas as pd

from dashboard.contracts import get_dataset
from dashboard.indicators import Context, indicator
from dashboard.indicators.common import filter_region, regions_frame, with_city_rows
from dashboard.workdays import add_working_days, working_days_between

#: Issue statuses of the closed loop 收集 → 会商 → 解决 (seed 003); only "resolved" closes an issue.
RESOLVED = "resolved"
NO_REPLY = "collected"


def stages() -> tuple[str, ...]:
    """The stage codes in pipeline order, as the ``projects`` contract lists them."""
    return get_dataset("projects").column("stage").choices


def current_projects(ctx: Context) -> pd.DataFrame:
    """The ``projects`` list without projects whose stage date is after the data date (memoised).

    Every contract column is present (optional columns an upload lacked are empty).
    """
    key = "_projects"
    if key not in ctx.cache:
        columns = [c for c in get_dataset("projects").column_names if c != "geometry"]
        frame = ctx.engine.to_pandas("projects").reindex(columns=columns)
        for col in ("stage_date", "submitted_date", "due_date"):
            frame[col] = pd.to_datetime(frame[col]).dt.normalize()
        as_of = pd.Timestamp(ctx.as_of)
        keep = frame["stage_date"].isna() | (frame["stage_date"] <= as_of)
        ctx.cache[key] = frame[keep].reset_index(drop=True)
    return ctx.cache[key]


@indicator("projects_by_stage")
def projects_by_stage(ctx: Context) -> pd.DataFrame:
    """Key projects and their land area per stage, per county and city.

    Formula: ``project_count`` = number of listed projects in the stage; ``area_mu`` = Σ their land area (亩);
    ``cultivated_mu`` = Σ cultivated land they occupy (亩).  Every stage appears for every region.

    Source: seed 000 (重点项目用地保障清单); seed 003 (选址论证、用地预审、报批、供地); DOMAIN.md §8.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, stage, stage_order, project_count, area_mu, cultivated_mu``.
    """
    frame = current_projects(ctx)
    sums = ["project_count", "area_mu", "cultivated_mu"]
    order = {stage: i for i, stage in enumerate(stages(), start=1)}
    out = with_city_rows(ctx, frame.assign(project_count=1.0), sums, by="stage", keys=list(order))
    out["stage_order"] = out["stage"].map(order).astype("int64")
    out["project_count"] = out["project_count"].astype("int64")
    columns = ["region_code", "region_name", "level", "stage", "stage_order", *sums]
    return filter_region(ctx, out[columns])


def _due(row: pd.Series, working_days: int):
    """The reply deadline: submission + ``working_days`` Chinese working days, else the ledger's own due date."""
    if pd.notna(row["submitted_date"]):
        return pd.Timestamp(add_working_days(row["submitted_date"].date(), working_days))
    return row["due_date"]


@indicator("project_tracking")
def project_tracking(ctx: Context) -> pd.DataFrame:
    """Per key project: stage and time in it, the consultation deadline, overdue working days and deemed consent.

    Formula:

    - ``days_in_stage`` = data date − stage date (calendar days);
    - ``due_date`` = submission date + ``consultation_working_days`` Chinese working days (the submission day
      not counted; holidays and make-up working days per ``chinese_calendar``); only projects with an issue
      have one, and the ledger's own due date is used where the submission date is missing;
    - ``overdue_working_days`` = working days after the due date up to the data date, for issues not resolved
      (0 when not yet due or resolved);
    - ``deemed_consent`` = the deadline has passed with the issue still only collected (no department reply):
      逾期未反馈意见的视为同意.

    Source: seed 003 黔南州方案：各部门……要在10个工作日内反馈项目论证意见，逾期未反馈意见的视为同意；
    "收集—会商—解决"闭环管理; DOMAIN.md §6, §8.

    Returns
    -------
    DataFrame
        ``project_id, name, region_code, region_name, project_level, industry, stage, stage_date, days_in_stage,
        area_mu, cultivated_mu, issue, department, issue_status, submitted_date, due_date, overdue_working_days,
        deemed_consent``, one row per project in list order.
    """
    working_days = int(ctx.profile["consultation_working_days"])
    as_of = ctx.as_of
    frame = current_projects(ctx).copy()
    names = regions_frame(ctx).set_index("region_code")["region_name"]
    issue_text = frame["issue"].fillna("").astype(str).str.strip()
    has_issue = (issue_text != "") | frame["issue_status"].notna()
    # A few dozen rows: a per-row calendar walk is clearer than anything vectorised.
    due = [_due(row, working_days) if flag else pd.NaT for flag, (_, row) in zip(has_issue, frame.iterrows())]
    frame["due_date"] = pd.Series(due, index=frame.index, dtype="datetime64[ns]")
    status = frame["issue_status"].fillna(NO_REPLY)  # an issue with no status has had no reply yet
    is_open = has_issue & (status != RESOLVED)
    frame["overdue_working_days"] = pd.array(
        [
            pd.NA if not flag else max(0, working_days_between(day.date(), as_of)) if open_ and pd.notna(day) else 0
            for flag, open_, day in zip(has_issue, is_open, frame["due_date"])
        ],
        dtype="Int64",
    )
    past_due = frame["due_date"].notna() & (frame["due_date"] < pd.Timestamp(as_of))
    frame["deemed_consent"] = past_due & has_issue & (status == NO_REPLY)
    frame["days_in_stage"] = (pd.Timestamp(as_of) - frame["stage_date"]).dt.days.astype("Int64")
    frame["region_code"] = frame["county_code"].astype(str)
    frame["region_name"] = frame["region_code"].map(names)
    frame = frame.rename(columns={"level": "project_level"})
    columns = ["project_id", "name", "region_code", "region_name", "project_level", "industry", "stage", "stage_date",
               "days_in_stage", "area_mu", "cultivated_mu", "issue", "department", "issue_status", "submitted_date",
               "due_date", "overdue_working_days", "deemed_consent"]
    return filter_region(ctx, frame[columns])
