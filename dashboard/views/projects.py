"""The 项目清单 panel: key projects by stage, deadlines in Chinese working days, deemed consent, the issue loop
收集 → 会商 → 解决 per project, and a project's linked records across mechanisms (issue #7 items 1 and 4).

Pure (never imports Streamlit): functions take the ``project_tracking`` indicator table, the issue-loop steps
(:mod:`dashboard.issue_loop`) and the conformed datasets, and return frames or Altair charts; texts come from
the ``projects_panel`` catalog in the language passed in.  The reply limit (``consultation_working_days``) is
read from the :class:`~dashboard.policy.Profile`, never written here.

Issue handling per project (``state``), from the current status (latest recorded step, else the ledger's):

* ``none`` — no blocking issue;
* ``resolved`` — the issue is resolved;
* ``deemed_consent`` — past the reply deadline with the issue still only collected (逾期未反馈意见的视为同意);
* ``overdue`` — past the reply deadline, under consultation and not resolved;
* ``pending`` — open and not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import altair as alt
import pandas as pd

from dashboard.i18n import t
from dashboard.indicators.projects import NO_REPLY, RESOLVED, stages
from dashboard.policy import Profile
from dashboard.views import stock_land
from dashboard.workdays import working_days_between

_NS = "projects_panel"
#: Handling states in the order of the chart's legend, and their colours (red for overdue, amber for consent).
STATES = ("deemed_consent", "overdue", "pending", "resolved", "none")
STATE_COLOURS = {"deemed_consent": "#e8a10a", "overdue": "#c62828", "pending": "#4a7bb7", "resolved": "#43a047",
                 "none": "#bdbdbd"}
#: Row shading of the list (light versions of the state colours; only the two that need action are shaded).
ROW_SHADES = {"overdue": "#fde2e1", "deemed_consent": "#fff3cd"}
LEVELS = ("national", "provincial", "prefecture", "county")
#: A reply deadline this many working days away or less counts as "due soon" on the KPI card.
DUE_SOON_WORKING_DAYS = 3
FONT = {"label": 14, "title": 15, "legend": 14}
LOOP_COLUMNS = ["project_id", "status", "date", "author", "note", "recorded"]


def _t(key: str, lang: str, **params) -> str:
    return t(f"{_NS}.{key}", lang, **params)


def reply_days(profile: Profile) -> int:
    """The profile's reply limit in working days (``consultation_working_days``)."""
    return int(profile["consultation_working_days"])


def labels(kind: str, lang: str = "zh") -> dict[str, str]:
    """Display words of one choice list: ``stage``, ``level``, ``status``, ``state`` or ``source``."""
    codes = {"stage": stages(), "level": LEVELS, "status": ("collected", "consulting", RESOLVED), "state": STATES,
             "source": ("data", "log")}[kind]
    return {code: _t(f"{kind}.{code}", lang) for code in codes}


def _words(column: pd.Series, kind: str, lang: str) -> pd.Series:
    words = labels(kind, lang)
    return column.map(lambda v: words.get(v, v) if isinstance(v, str) else "")


def _day(column: pd.Series) -> pd.Series:
    days = pd.to_datetime(column)
    return days.dt.strftime("%Y-%m-%d").where(days.notna(), "")


# ----------------------------------------------------------------------------------------------------------
# Current status and handling state


def apply_loop(tracking: pd.DataFrame, current: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The ``project_tracking`` table with each project's current loop status applied.

    Parameters
    ----------
    tracking
        The ``project_tracking`` indicator (one row per project).
    current
        :func:`dashboard.issue_loop.current_status` of the same projects (``project_id, status, source, since``).
    as_of
        The data date: overdue working days are counted up to it, as the indicator does.

    Returns
    -------
    DataFrame
        ``tracking`` with ``issue_status`` replaced by the current status (the ledger's kept as ``data_status``),
        ``status_source`` (``data`` /
        ``log`` / ``None``), ``overdue_working_days``, ``deemed_consent`` recomputed under the indicator's rules
        for that status, ``left_working_days`` (working days from the data date to the due date, for open
        issues not yet due) and ``state`` (see the module docstring).
    """
    out = tracking.copy()
    out["data_status"] = out["issue_status"]
    cur = current.set_index("project_id")
    ids = out["project_id"].astype(str)
    status = ids.map(cur["status"]).where(ids.isin(cur.index), out["issue_status"])
    out["status_source"] = ids.map(cur["source"]).where(ids.isin(cur.index), None)
    issue_text = out["issue"].fillna("").astype(str).str.strip()
    has_issue = (issue_text != "") | status.notna()
    status = status.where(status.notna() | ~has_issue, NO_REPLY)  # an issue with no status had no reply yet
    out["issue_status"] = status
    due = pd.to_datetime(out["due_date"])
    is_open = has_issue & (status != RESOLVED)
    overdue, left = [], []
    for flag, open_, day in zip(has_issue, is_open, due):
        if not flag:
            overdue.append(pd.NA)
            left.append(pd.NA)
        elif not open_ or pd.isna(day):
            overdue.append(0)
            left.append(pd.NA)
        else:
            between = working_days_between(day.date(), as_of)
            overdue.append(max(0, between))
            left.append(-between if between <= 0 else pd.NA)
    out["overdue_working_days"] = pd.array(overdue, dtype="Int64")
    out["left_working_days"] = pd.array(left, dtype="Int64")
    past_due = due.notna() & (due < pd.Timestamp(as_of))
    out["deemed_consent"] = (past_due & has_issue & (status == NO_REPLY)).astype(bool)
    state = pd.Series("pending", index=out.index, dtype=object)
    state[~has_issue] = "none"
    state[has_issue & (status == RESOLVED)] = "resolved"
    state[is_open & (out["overdue_working_days"].fillna(0) > 0).astype(bool)] = "overdue"
    state[out["deemed_consent"]] = "deemed_consent"
    out["state"] = state
    return out


def filter_projects(frame: pd.DataFrame, county: str | None = None, levels=None, stage_codes=None) -> pd.DataFrame:
    """Projects of ``county`` (``None``: the city), of the ``levels`` and ``stage_codes`` chosen (empty: all)."""
    keep = pd.Series(True, index=frame.index)
    if county is not None:
        keep &= frame["region_code"].astype(str) == str(county)
    if levels:
        keep &= frame["project_level"].isin(list(levels))
    if stage_codes:
        keep &= frame["stage"].isin(list(stage_codes))
    return frame[keep].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
# KPIs and the stage chart


@dataclass(frozen=True)
class ProjectKpis:
    """The cards above the list: projects, land, open issues, overdue, deemed consent, due soon."""

    count: int
    area_mu: float
    cultivated_mu: float
    open_issues: int
    consulting: int
    overdue: int
    deemed_consent: int
    due_soon: int


def kpis(frame: pd.DataFrame) -> ProjectKpis:
    """Counts of :func:`apply_loop`'s output (after the filters)."""
    state = frame["state"]
    left = frame["left_working_days"]
    return ProjectKpis(
        count=len(frame),
        area_mu=round(float(frame["area_mu"].sum()), 4),
        cultivated_mu=round(float(frame["cultivated_mu"].sum()), 4),
        open_issues=int(state.isin(["pending", "overdue", "deemed_consent"]).sum()),
        consulting=int(((frame["issue_status"] == "consulting") & (state != "none")).sum()),
        overdue=int((state == "overdue").sum()),
        deemed_consent=int((state == "deemed_consent").sum()),
        due_soon=int(((state == "pending") & left.notna() & (left.fillna(99) <= DUE_SOON_WORKING_DAYS)).sum()),
    )


def stage_frame(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Projects per stage and handling state, every stage present (``stage, stage_order, stage_label, state,
    state_label, state_order, project_count, area_mu``)."""
    stage_words, state_words = labels("stage", lang), labels("state", lang)
    grid = pd.MultiIndex.from_product([stages(), STATES], names=["stage", "state"])
    counts = frame.groupby(["stage", "state"]).agg(project_count=("project_id", "count"), area_mu=("area_mu", "sum"))
    out = counts.reindex(grid, fill_value=0).reset_index()
    out["project_count"] = out["project_count"].astype("int64")
    out["area_mu"] = out["area_mu"].astype(float).round(2)
    out["stage_order"] = out["stage"].map({s: i for i, s in enumerate(stages(), start=1)})
    out["state_order"] = out["state"].map({s: i for i, s in enumerate(STATES, start=1)})
    out["stage_label"] = out["stage"].map(stage_words)
    out["state_label"] = out["state"].map(state_words)
    return out


def stage_chart(frame: pd.DataFrame, lang: str = "zh") -> alt.Chart:
    """Stacked bars: projects per stage (pipeline order), coloured by how their issue is being handled."""
    stage_words, state_words = labels("stage", lang), labels("state", lang)
    shown = frame[frame["project_count"] > 0]
    colour = alt.Color("state_label:N", title=_t("stage_chart.legend", lang),
                       scale=alt.Scale(domain=[state_words[s] for s in STATES],
                                       range=[STATE_COLOURS[s] for s in STATES]),
                       legend=alt.Legend(orient="bottom", labelFontSize=FONT["legend"],
                                         titleFontSize=FONT["legend"]))
    chart = alt.Chart(shown).mark_bar().encode(
        x=alt.X("stage_label:N", title=_t("stage_chart.axis_stage", lang),
                sort=[stage_words[s] for s in stages()], scale=alt.Scale(domain=[stage_words[s] for s in stages()]),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(project_count):Q", title=_t("stage_chart.axis_count", lang), axis=alt.Axis(tickMinStep=1)),
        color=colour,
        order=alt.Order("state_order:Q", sort="ascending"),
        tooltip=[alt.Tooltip("stage_label:N", title=_t("stage_chart.axis_stage", lang)),
                 alt.Tooltip("state_label:N", title=_t("stage_chart.legend", lang)),
                 alt.Tooltip("project_count:Q", title=_t("stage_chart.axis_count", lang)),
                 alt.Tooltip("area_mu:Q", title=_t("stage_chart.tooltip_area", lang), format=",.2f")],
    )
    return chart.properties(height=320).configure_axis(
        labelFontSize=FONT["label"], titleFontSize=FONT["title"]).configure_view(strokeWidth=0)


# ----------------------------------------------------------------------------------------------------------
# The list


def _hint(row: pd.Series, lang: str) -> str:
    state = row["state"]
    if state == "pending":
        if pd.isna(row["left_working_days"]):
            return _t("hint.pending_no_due", lang)
        return _t("hint.pending", lang, left=int(row["left_working_days"]))
    if state in ("overdue", "deemed_consent"):
        return _t(f"hint.{state}", lang, overdue=int(row["overdue_working_days"]))
    return _t(f"hint.{state}", lang)


def project_table(frame: pd.DataFrame, lang: str = "zh", names: dict[str, str] | None = None) -> pd.DataFrame:
    """The list for display: headers with units, codes as words, the handling hint (视为同意 spelled out).

    ``names`` maps county codes to display names (default: the indicator's ``region_name``).
    """
    region = frame["region_code"].map(names) if names else frame["region_name"]
    has = frame["state"] != "none"
    # What needs action first (issue, department, deadline, handling), the land figures after.
    return pd.DataFrame({
        _t("col.project_id", lang): frame["project_id"],
        _t("col.name", lang): frame["name"],
        _t("col.region", lang): region.fillna(frame["region_code"]),
        _t("col.level", lang): _words(frame["project_level"], "level", lang),
        _t("col.stage", lang): _words(frame["stage"], "stage", lang),
        _t("col.days_in_stage", lang): frame["days_in_stage"],
        _t("col.issue", lang): frame["issue"].fillna(""),
        _t("col.department", lang): frame["department"].fillna(""),
        _t("col.status", lang): _words(frame["issue_status"].where(has), "status", lang),
        _t("col.due", lang): _day(frame["due_date"]),
        _t("col.state", lang): [_hint(row, lang) for _, row in frame.iterrows()],
        _t("col.overdue", lang): frame["overdue_working_days"],
        _t("col.submitted", lang): _day(frame["submitted_date"].where(has)),
        _t("col.area_mu", lang): frame["area_mu"],
        _t("col.cultivated_mu", lang): frame["cultivated_mu"],
        _t("col.status_source", lang): _words(frame["status_source"], "source", lang),
    })


def row_shades(frame: pd.DataFrame) -> list[str]:
    """Background colour per row of :func:`project_table` (``""``: none): overdue red, deemed consent amber."""
    return [ROW_SHADES.get(state, "") for state in frame["state"]]


# ----------------------------------------------------------------------------------------------------------
# Project pickers


def project_label(frame: pd.DataFrame, lang: str = "zh") -> dict[str, str]:
    """``project_id → "编号 · 名称（阶段）"`` for the pickers."""
    stage_words = labels("stage", lang)
    return {str(p): f"{p} · {n}（{stage_words.get(s, s)}）" if lang == "zh" else f"{p} · {n} ({stage_words.get(s, s)})"
            for p, n, s in zip(frame["project_id"], frame["name"], frame["stage"], strict=True)}


def loop_default(frame: pd.DataFrame) -> int:
    """Index of the project the loop opens on: the first with an open issue (deemed consent and overdue first)."""
    for wanted in (("deemed_consent", "overdue"), ("pending",)):
        hit = frame.index[frame["state"].isin(wanted)]
        if len(hit):
            return int(frame.index.get_loc(hit[0]))
    return 0


def chain_default(frame: pd.DataFrame, projects: pd.DataFrame, supplies: pd.DataFrame | None,
                  cases: pd.DataFrame | None) -> int:
    """Index of the project the chain opens on: the first whose approval has supplies with an idle case, else the
    first with an approval id, else the first."""
    ids = frame["project_id"].astype(str).tolist()
    if "approval_id" not in projects.columns:
        return 0
    approval = projects.set_index(projects["project_id"].astype(str))["approval_id"]
    linked = [i for i, p in enumerate(ids) if p in approval.index and isinstance(approval[p], str) and approval[p]]
    if supplies is not None and cases is not None and len(cases):
        with_case = set(supplies.loc[supplies["supply_id"].isin(cases["supply_id"].dropna()), "approval_id"]
                        .astype(str))
        for i in linked:
            if approval[ids[i]] in with_case:
                return i
    return linked[0] if linked else 0


# ----------------------------------------------------------------------------------------------------------
# The issue loop timeline


def loop_events(project: pd.Series, steps: pd.DataFrame, profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """One project's issue loop as dated events, oldest first.

    From the ledger: the submission (收集, the consultation request), the ledger's status when it is past 收集
    (no date: the ledger does not say when), the reply deadline and, where it applies, deemed consent on the
    first day after it.  Then every step recorded for the project (:mod:`dashboard.issue_loop`).

    Parameters
    ----------
    project
        A row of :func:`apply_loop` (the ledger's ``issue_status`` is taken from ``data_status`` when present).
    steps
        All recorded steps (``project_id, status, date, author, note, recorded``).

    Returns
    -------
    DataFrame
        ``date, event, status, author, note, source`` (``source``: ``data`` or ``log``; ``status`` a loop code or
        ``None`` for a milestone).
    """
    rows = []
    if pd.notna(project.get("submitted_date")) and project.get("state") != "none":
        rows.append({"date": pd.Timestamp(project["submitted_date"]), "event": _t("loop.event_submitted", lang),
                     "status": NO_REPLY, "author": project.get("department") or "", "note": project.get("issue") or "",
                     "source": "data"})
    data_status = project.get("data_status", None)
    if isinstance(data_status, str) and data_status != NO_REPLY:
        rows.append({"date": pd.NaT, "event": _t("loop.event_data_status", lang,
                                                   status=labels("status", lang)[data_status]),
                     "status": data_status, "author": "", "note": "", "source": "data"})
    if pd.notna(project.get("due_date")):
        rows.append({"date": pd.Timestamp(project["due_date"]),
                     "event": _t("loop.event_due", lang, days=reply_days(profile)), "status": None, "author": "",
                     "note": "", "source": "data"})
        if bool(project.get("deemed_consent")):
            rows.append({"date": pd.Timestamp(project["due_date"]) + pd.Timedelta(days=1),
                         "event": _t("loop.event_deemed", lang), "status": None, "author": "", "note": "",
                         "source": "data"})
    own = steps[steps["project_id"].astype(str) == str(project["project_id"])]
    status_words = labels("status", lang)
    for _, step in own.iterrows():
        rows.append({"date": pd.Timestamp(step["date"]),
                     "event": _t("loop.event_step", lang, status=status_words[step["status"]]),
                     "status": step["status"], "author": step["author"], "note": step["note"], "source": "log"})
    out = pd.DataFrame(rows, columns=["date", "event", "status", "author", "note", "source"])
    out["date"] = pd.to_datetime(out["date"])
    # Undated ledger status right after the submission; recorded steps keep their recording order within a day.
    out["_undated"] = out["date"].isna()
    out["_key"] = out["date"].fillna(out["date"].min() if out["date"].notna().any() else pd.Timestamp(0))
    out = out.assign(_n=range(len(out))).sort_values(["_key", "_n"], kind="stable")
    return out.drop(columns=["_undated", "_key", "_n"]).reset_index(drop=True)


def loop_table(events: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`loop_events` for display."""
    return pd.DataFrame({
        _t("col.date", lang): _day(events["date"]),
        _t("col.event", lang): events["event"],
        _t("col.author", lang): events["author"].fillna(""),
        _t("col.note", lang): events["note"].fillna(""),
        _t("col.source", lang): _words(events["source"], "source", lang),
    })


def loop_chart(events: pd.DataFrame, as_of: date, lang: str = "zh") -> alt.Chart:
    """The loop as a timeline: each dated step a point on its row (收集 / 会商 / 解决), joined in order; the reply
    deadline and the data date as vertical rules."""
    status_words = labels("status", lang)
    order = [status_words[s] for s in ("collected", "consulting", RESOLVED)]
    steps = events[events["status"].notna() & events["date"].notna()].assign(
        step=lambda f: f["status"].map(status_words), source_label=lambda f: _words(f["source"], "source", lang))
    steps = steps.assign(n=range(len(steps)))
    y = alt.Y("step:N", title=_t("loop.axis_step", lang), sort=order, scale=alt.Scale(domain=order))
    x = alt.X("date:T", title=_t("loop.axis_date", lang), axis=alt.Axis(format="%Y-%m-%d"))
    tooltip = [alt.Tooltip("date:T", title=_t("col.date", lang), format="%Y-%m-%d"),
               alt.Tooltip("event:N", title=_t("col.event", lang)),
               alt.Tooltip("author:N", title=_t("col.author", lang)),
               alt.Tooltip("note:N", title=_t("col.note", lang))]
    base = alt.Chart(steps)
    line = base.mark_line(color="#9e9e9e", interpolate="step-after").encode(x=x, y=y, order="n:Q")
    points = base.mark_point(filled=True, size=160).encode(
        x=x, y=y, tooltip=tooltip,
        color=alt.Color("source_label:N", title=_t("col.source", lang),
                        scale=alt.Scale(domain=list(labels("source", lang).values()), range=["#4a7bb7", "#e8710a"]),
                        legend=alt.Legend(orient="bottom", labelFontSize=FONT["legend"],
                                          titleFontSize=FONT["legend"])))
    marks = [
        {"date": pd.Timestamp(as_of), "label": _t("loop.as_of_rule", lang), "colour": "#616161"},
    ]
    due = events.loc[events["status"].isna() & events["date"].notna(), "date"]
    if len(due):
        marks.insert(0, {"date": due.iloc[0], "label": _t("loop.due_rule", lang), "colour": stock_land.LINE_COLOUR})
    rules = alt.Chart(pd.DataFrame(marks)).mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(
        x="date:T", color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("label:N", title=_t("col.event", lang)),
                 alt.Tooltip("date:T", title=_t("col.date", lang), format="%Y-%m-%d")])
    text = alt.Chart(pd.DataFrame(marks)).mark_text(align="left", dx=4, dy=-6, fontSize=13).encode(
        x="date:T", y=alt.value(0), text="label:N", color=alt.Color("colour:N", scale=None))
    # Streamlit fits the whole chart (axes and legend included) into the height: leave the rows room.
    return (line + points + rules + text).properties(height=320).configure_axis(
        labelFontSize=FONT["label"], titleFontSize=FONT["title"]).configure_view(strokeWidth=0)


# ----------------------------------------------------------------------------------------------------------
# The chain from a project


@dataclass(frozen=True)
class ProjectChain:
    """A project and the records linked to it, one hop at a time.

    * ``project``: the project's row (``projects`` contract columns);
    * ``approval``: the approval chain of the project's ``approval_id`` (:func:`stock_land.parcel_chain`:
      approval → supplies → park parcels with the enterprise's grade → idle cases), ``None`` when the project has
      no approval id or the id is not in ``approvals`` (``note`` says which: ``approval_none`` /
      ``approval_missing``);
    * ``ledger``: arable-balance ledger entries whose ``project_name`` is the project's name (the indicators the
      project used), to the data date.
    """

    project: dict
    approval: stock_land.ParcelChain | None
    ledger: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def project_chain(project_id: str, projects: pd.DataFrame, as_of: date, approvals: pd.DataFrame | None = None,
                  supplies: pd.DataFrame | None = None, park_parcels: pd.DataFrame | None = None,
                  parks: pd.DataFrame | None = None, grades: pd.DataFrame | None = None,
                  cases: pd.DataFrame | None = None, ledger: pd.DataFrame | None = None) -> ProjectChain:
    """The chain 项目 → 批 → 供 → 用 → 耕地指标 → 闲置 of project ``project_id``.

    The approval part is :func:`dashboard.views.stock_land.parcel_chain` of the project's ``approval_id``; the
    ledger part matches ``arable_ledger.project_name`` to the project's name (surrounding spaces ignored).

    Raises
    ------
    KeyError
        When no project has ``project_id``.
    """
    match = projects[projects["project_id"].astype(str) == str(project_id)]
    if match.empty:
        raise KeyError(project_id)
    record = {k: v for k, v in match.iloc[0].items() if k != "geometry"}
    notes: list[str] = []
    approval_id = record.get("approval_id")
    chain = None
    if not isinstance(approval_id, str) or not approval_id.strip():
        notes.append("approval_none")
    elif approvals is None or supplies is None:
        notes.append("approval_missing")
    else:
        try:
            chain = stock_land.parcel_chain(approval_id.strip(), approvals, supplies, as_of, park_parcels, parks,
                                            grades, cases)
        except KeyError:
            notes.append("approval_missing")
    entries = pd.DataFrame()
    if ledger is not None and len(ledger):
        names = ledger["project_name"].fillna("").astype(str).str.strip()
        on_or_before = pd.to_datetime(ledger["date"]) < pd.Timestamp(as_of) + pd.Timedelta(days=1)
        entries = ledger[(names == str(record["name"]).strip()) & on_or_before]
        entries = pd.DataFrame(entries).sort_values(["date", "entry_id"]).reset_index(drop=True)
    return ProjectChain(record, chain, entries, notes)


@dataclass(frozen=True)
class ChainSummary:
    """The figures of the chain's six cards."""

    approved_mu: float | None
    unsupplied_mu: float | None
    supplied_mu: float | None
    supplies: int
    parcels: int
    grades: dict[str, int]
    ledger_entries: int
    ledger_cultivated_mu: float
    ledger_paddy_mu: float
    cases: int
    open_cases: int


def chain_summary(chain: ProjectChain) -> ChainSummary:
    """Counts and sums of each hop (``None`` where the project has no approval)."""
    a = chain.approval
    grades: dict[str, int] = {}
    if a is not None and len(a.parcels) and "grade" in a.parcels.columns:
        grades = {str(g): int(n) for g, n in a.parcels["grade"].dropna().value_counts().sort_index().items()}
    cases = a.cases if a is not None else pd.DataFrame()
    ledger = chain.ledger
    return ChainSummary(
        approved_mu=float(a.approval["approved_area_mu"]) if a else None,
        unsupplied_mu=float(a.approval["unsupplied_mu"]) if a else None,
        supplied_mu=float(a.approval["supplied_mu"]) if a else None,
        supplies=len(a.supplies) if a else 0,
        parcels=len(a.parcels) if a else 0,
        grades=grades,
        ledger_entries=len(ledger),
        ledger_cultivated_mu=round(float(ledger["cultivated_mu"].sum()), 4) if len(ledger) else 0.0,
        ledger_paddy_mu=round(float(ledger["paddy_mu"].sum()), 4) if len(ledger) else 0.0,
        cases=len(cases),
        open_cases=int((~cases["disposed"].astype(bool)).sum()) if len(cases) and "disposed" in cases else 0,
    )


def approval_table(chain: ProjectChain, lang: str = "zh") -> pd.DataFrame:
    """The linked approval as a one-row table (id, date, batch, approved / supplied / unsupplied 亩)."""
    if chain.approval is None:
        return pd.DataFrame()
    a = chain.approval.approval
    return pd.DataFrame([{
        _t("col.approval_id", lang): a["approval_id"],
        _t("col.approval_date", lang): pd.Timestamp(a["approval_date"]).strftime("%Y-%m-%d"),
        _t("col.batch", lang): a.get("batch_name") or "",
        _t("col.approved_mu", lang): a["approved_area_mu"],
        _t("col.supplied_mu", lang): a["supplied_mu"],
        _t("col.unsupplied_mu", lang): a["unsupplied_mu"],
    }])


def ledger_table(chain: ProjectChain, lang: str = "zh") -> pd.DataFrame:
    """The project's arable-balance ledger entries for display."""
    e = chain.ledger
    if e.empty:
        return pd.DataFrame()
    kinds = {k: _t(f"kind.{k}", lang) for k in ("filed", "occupied", "bought", "sold", "debt_repaid", "pooled_in",
                                                 "pooled_out")}
    return pd.DataFrame({
        _t("col.entry_id", lang): e["entry_id"],
        _t("col.date", lang): _day(e["date"]),
        _t("col.kind", lang): e["kind"].map(lambda k: kinds.get(k, k)),
        _t("col.cultivated_mu", lang): e["cultivated_mu"],
        _t("col.paddy_mu", lang): e["paddy_mu"],
        _t("col.grain_kg", lang): e["grain_kg"],
    })
