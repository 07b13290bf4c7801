"""The 项目清单 page's sections (Streamlit-aware): filters, KPI cards, projects by stage, the list with its
deadlines in Chinese working days (overdue and deemed-consent rows shaded), the issue loop 收集 → 会商 → 解决
per project (timeline and a form that records a step) and the chain of records linked to a project.

Every number comes from the ``project_tracking`` indicator and the datasets, shaped by
:mod:`dashboard.views.projects`; the reply limit from the session's policy profile; recorded steps from
:mod:`dashboard.issue_loop`.  Nothing typed by a user is rendered as HTML or Markdown: notes and names go into
tables, charts and ``st.text`` only.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import panels
from components.frame import region_names
from components.loaders import dataset_versions, load_dataset
from components.state import current_lang, current_profile, hold_choice, hold_choices, t
from dashboard import issue_loop
from dashboard.context import data_as_of
from dashboard.errors import UserError
from dashboard.indicators.projects import stages
from dashboard.policy import Profile, load_profile
from dashboard.views import projects as view
from dashboard.views import stock_land as sl_view

NS = "projects_panel"
DATASETS = ("projects", "regions")
CHAIN_DATASETS = ("projects", "approvals", "supplies", "park_parcels", "parks", "idle_land", "arable_ledger")
LEVEL_KEY = "projects_levels"
STAGE_KEY = "projects_stages"
LOOP_KEY = "projects_loop_project"
CHAIN_KEY = "projects_chain_project"
FORM_KEY = "projects_loop_form"
_FLASH = "_projects_loop_saved"


def _t(key: str, **params) -> str:
    return t(f"{NS}.{key}", **params)


def _fmt(value, digits: int = 2) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def render_projects_panel(county: str | None) -> None:
    """Every section for the sidebar's county (``None``: the city)."""
    lang = current_lang()
    profile = load_profile(current_profile())
    as_of = data_as_of(dataset_versions())
    with st.spinner(_t("loading")):
        tracking = panels.indicator("project_tracking")
    if load_dataset("projects") is None:
        st.info(_t("no_data"))
        return
    current = issue_loop.current_status(tracking, issue_loop.read_steps())
    everything = view.apply_loop(tracking, current, as_of)
    levels, stage_codes = render_filters(county)
    frame = view.filter_projects(everything, county, levels, stage_codes)
    scope = {_t("filter.county"): region_names().get(county, county) if county else _t("city"),
             _t("filter.level"): "、".join(view.labels("level", lang)[x] for x in levels) or _t("all"),
             _t("filter.stage"): "、".join(view.labels("stage", lang)[x] for x in stage_codes) or _t("all")}
    render_kpis(frame, profile)
    render_stages(frame)
    render_list(frame, profile, as_of, scope)
    if frame.empty:
        return
    render_loop(frame, profile, as_of)
    render_chain(frame, as_of)


def render_filters(county: str | None) -> tuple[list[str], list[str]]:
    """Level and stage multiselects (empty: all); the county is the sidebar's."""
    lang = current_lang()
    level_words, stage_words = view.labels("level", lang), view.labels("stage", lang)
    left, right = st.columns(2)
    hold_choices(LEVEL_KEY, view.LEVELS)
    hold_choices(STAGE_KEY, stages())
    levels = left.multiselect(_t("filter.level"), list(view.LEVELS), key=LEVEL_KEY, format_func=level_words.get,
                              placeholder=_t("all"), help=_t("filter.level_help"))
    stage_codes = right.multiselect(_t("filter.stage"), list(stages()), key=STAGE_KEY, format_func=stage_words.get,
                                    placeholder=_t("all"), help=_t("filter.stage_help"))
    return levels, stage_codes


def render_kpis(frame: pd.DataFrame, profile: Profile) -> None:
    """Five cards: projects and land, open issues, overdue, deemed consent, due soon."""
    k = view.kpis(frame)
    cols = st.columns(5)
    with cols[0]:
        panels.kpi(_t("kpi.count"), float(k.count), _t("unit_projects"), fmt="{:,.0f}", higher_is_better=None,
                   note=_t("kpi.count_note", area=_fmt(k.area_mu), cultivated=_fmt(k.cultivated_mu)),
                   key="pj_kpi_count")
    with cols[1]:
        panels.kpi(_t("kpi.open"), float(k.open_issues), _t("unit_projects"), fmt="{:,.0f}", higher_is_better=None,
                   note=_t("kpi.open_note", consulting=k.consulting), key="pj_kpi_open")
    with cols[2]:
        panels.kpi(_t("kpi.overdue"), float(k.overdue), _t("unit_projects"), fmt="{:,.0f}", higher_is_better=None,
                   status="warn" if k.overdue else "ok", note=_t("kpi.overdue_note"), key="pj_kpi_overdue")
    with cols[3]:
        panels.kpi(_t("kpi.deemed"), float(k.deemed_consent), _t("unit_projects"), fmt="{:,.0f}",
                   higher_is_better=None, status="warn" if k.deemed_consent else "none",
                   note=_t("kpi.deemed_note", days=view.reply_days(profile)), key="pj_kpi_deemed")
    with cols[4]:
        panels.kpi(_t("kpi.due_soon"), float(k.due_soon), _t("unit_projects"), fmt="{:,.0f}", higher_is_better=None,
                   note=_t("kpi.due_soon_note", days=view.DUE_SOON_WORKING_DAYS), key="pj_kpi_due_soon")


def render_stages(frame: pd.DataFrame) -> None:
    """Projects per stage, stacked by how their issue is being handled."""
    lang = current_lang()
    panels.heading(_t("stage_chart.heading"), "projects_by_stage")
    if frame.empty:
        st.info(_t("no_rows"))
        return
    panels.chart(view.stage_chart(view.stage_frame(frame, lang), lang), _t("stage_chart.name"), key="pj_chart_stage")


def render_list(frame: pd.DataFrame, profile: Profile, as_of: date, scope: dict) -> None:
    """The list: overdue rows red, deemed-consent rows amber; Excel/CSV carry the plain table."""
    lang = current_lang()
    panels.heading(_t("list.heading"), "project_tracking")
    st.caption(_t("list.caption", days=view.reply_days(profile), as_of=as_of.isoformat()))
    if frame.empty:
        st.info(_t("no_rows"))
        return
    table = view.project_table(frame, lang, region_names())
    shades = dict(zip(table.index, view.row_shades(frame), strict=True))

    def shade(row: pd.Series) -> list[str]:
        colour = shades[row.name]
        return [f"background-color: {colour}" if colour else ""] * len(row)

    styled = table.style.apply(shade, axis=1).format(precision=2, thousands=",", na_rep="—")
    config = {_t("col.project_id"): st.column_config.TextColumn(pinned=True),
              _t("col.name"): st.column_config.TextColumn(pinned=True)}
    height = {"height": 420} if len(table) > 10 else {}  # a short list keeps its own height
    st.dataframe(styled, hide_index=True, width="stretch", key="pj_table_list", column_config=config, **height)
    st.caption(_t("list.legend"))
    panels.table_downloads(table, _t("list.name"), DATASETS, key="pj_table_list", filters=scope)


def _pick(label: str, help_text: str, ids: list[str], default: int, key: str, labels: dict[str, str]) -> str:
    hold_choice(key, ids, default=ids[default])  # first run, or the filters dropped the project: the default
    return st.selectbox(label, ids, key=key, format_func=labels.get, help=help_text)


def render_loop(frame: pd.DataFrame, profile: Profile, as_of: date) -> None:
    """One project's loop: the timeline (ledger milestones and recorded steps) and the form to record a step."""
    lang = current_lang()
    panels.heading(_t("loop.heading"))
    saved = st.session_state.pop(_FLASH, None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    ids = frame["project_id"].astype(str).tolist()
    labels = view.project_label(frame, lang)
    project_id = _pick(_t("loop.pick"), _t("loop.pick_help"), ids, view.loop_default(frame), LOOP_KEY, labels)
    row = frame[frame["project_id"].astype(str) == project_id].iloc[0]
    status = row["issue_status"] if isinstance(row["issue_status"], str) else None
    st.text(_t("loop.caption", name=row["name"], issue=row["issue"] or _t("loop.no_issue"),
               department=row["department"] or "—",
               status=view.labels("status", lang).get(status, "—") if status else "—",
               source=view.labels("source", lang).get(row["status_source"], "—")))
    events = view.loop_events(row, issue_loop.read_steps(), profile, lang)
    if events["status"].notna().any() and events["date"].notna().any():
        panels.chart(view.loop_chart(events, as_of, lang), _t("loop.chart"), key="pj_chart_loop")
    panels.table(view.loop_table(events, lang), _t("loop.table"), DATASETS, key="pj_table_loop",
                 filters={_t("loop.pick"): labels[project_id]})
    if not (events["source"] == "log").any():
        st.caption(_t("loop.no_steps"))
    render_loop_form(project_id, status)


def form_status_key(project_id: str, lang: str) -> str:
    """The status box's key in the loop form: one per project and language, so that another project opens on its
    own next status and another language relabels the box (a keyed select box keeps its shown label otherwise,
    and a value handed over through the state would overwrite the one the form submits)."""
    return f"pj_form_status_{project_id}_{lang}"


def render_loop_form(project_id: str, status: str | None) -> None:
    """Record the next step of the loop (append-only; the author as typed until roles exist, issue #8)."""
    lang = current_lang()
    codes = list(issue_loop.statuses())
    words = view.labels("status", lang)
    following = codes.index(status) + 1 if status in codes else 0
    with st.form(FORM_KEY, clear_on_submit=True):
        st.markdown(f"**{_t('loop.form')}**")
        cols = st.columns([2, 2, 3])
        new_status = cols[0].selectbox(_t("loop.form_status"), codes, index=min(following, len(codes) - 1),
                                       format_func=words.get, key=form_status_key(project_id, lang))
        day = cols[1].date_input(_t("loop.form_date"), value=date.today(), max_value=date.today(),
                                 key="pj_form_date")
        author = cols[2].text_input(_t("loop.form_author"), max_chars=issue_loop.MAX_AUTHOR,
                                    help=_t("loop.form_author_help"), key="pj_form_author")
        note = st.text_area(_t("loop.form_note"), max_chars=issue_loop.MAX_NOTE,
                            help=_t("loop.form_note_help", max=issue_loop.MAX_NOTE), key="pj_form_note")
        submitted = st.form_submit_button(_t("loop.form_submit"), icon=":material/add_task:")
    if submitted:
        try:
            record = issue_loop.record_step(project_id, new_status, day, author, note)
        except UserError as exc:
            st.error(exc.message(lang))
            return
        st.session_state[_FLASH] = _t("loop.saved", status=words[new_status], date=record["date"])
        st.rerun()


def render_chain(frame: pd.DataFrame, as_of: date) -> None:
    """项目 → 批准 → 供地 → 用地企业与评价 → 占用耕地指标 → 闲置土地 for a project picked from the list."""
    lang = current_lang()
    panels.heading(_t("chain.heading"))
    st.caption(_t("chain.caption"))
    projects = load_dataset("projects")
    approvals, supplies = load_dataset("approvals"), load_dataset("supplies")
    cases = panels.indicator("idle_cases") if load_dataset("idle_land") is not None else None
    ids = frame["project_id"].astype(str).tolist()
    labels = view.project_label(frame, lang)
    project_id = _pick(_t("chain.pick"), _t("chain.pick_help"), ids,
                       view.chain_default(frame, projects, supplies, cases), CHAIN_KEY, labels)
    grades = panels.indicator("enterprise_grades") if load_dataset("park_parcels") is not None else None
    chain = view.project_chain(project_id, projects, as_of, approvals, supplies, load_dataset("park_parcels"),
                               load_dataset("parks"), grades, cases, load_dataset("arable_ledger"))
    s = view.chain_summary(chain)
    p = chain.project
    unit_mu = _t("unit_mu")
    cards = [*st.columns(3), *st.columns(3)]  # two rows of three: the figures need the width
    with cards[0]:
        panels.kpi(_t("chain.step_project"), p.get("area_mu"), unit_mu, higher_is_better=None,
                   note=_t("chain.step_project_note", stage=view.labels("stage", lang).get(p.get("stage"), "—"),
                           cultivated=_fmt(p.get("cultivated_mu"))), key="pj_chain_project")
    with cards[1]:
        note = (_t("chain.step_approval_note", unsupplied=_fmt(s.unsupplied_mu)) if chain.approval
                else _t("chain.step_no_approval"))
        panels.kpi(f"→ {_t('chain.step_approval')}", s.approved_mu, unit_mu, higher_is_better=None,
                   status="none" if chain.approval else "warn", note=note, key="pj_chain_approval")
    with cards[2]:
        panels.kpi(f"→ {_t('chain.step_supplies')}", s.supplied_mu, unit_mu, higher_is_better=None,
                   note=_t("chain.step_supplies_note", count=s.supplies), key="pj_chain_supplies")
    with cards[3]:
        grades_text = "、".join(f"{g} {n}" for g, n in s.grades.items()) or "—"
        panels.kpi(f"→ {_t('chain.step_parcels')}", float(s.parcels), _t("chain.step_parcels_unit"), fmt="{:,.0f}",
                   higher_is_better=None, note=_t("chain.step_parcels_note", grades=grades_text),
                   key="pj_chain_parcels")
    with cards[4]:
        panels.kpi(f"→ {_t('chain.step_ledger')}", s.ledger_cultivated_mu, unit_mu, higher_is_better=None,
                   note=_t("chain.step_ledger_note", count=s.ledger_entries, paddy=_fmt(s.ledger_paddy_mu)),
                   key="pj_chain_ledger")
    with cards[5]:
        panels.kpi(f"→ {_t('chain.step_cases')}", float(s.cases), _t("chain.step_cases_unit"), fmt="{:,.0f}",
                   higher_is_better=None, status="warn" if s.open_cases else "none",
                   note=_t("chain.step_cases_note", open=s.open_cases), key="pj_chain_cases")
    filters = {_t("chain.pick"): labels[project_id]}
    render_chain_tables(chain, filters)


def render_chain_tables(chain: view.ProjectChain, filters: dict) -> None:
    """Each hop's records, one table each."""
    lang = current_lang()
    for note in chain.notes:  # data goes into st.text, never into Markdown
        st.info(_t(f"chain.{note}"))
        if note == "approval_missing":
            st.text(str(chain.project.get("approval_id")))
    a = chain.approval
    if a is not None:
        st.markdown(f"**{_t('chain.approval_record')}**")
        panels.number_table(view.approval_table(chain, lang), _t("chain.approval_record"), CHAIN_DATASETS,
                            key="pj_table_chain_approval", filters=filters)
        st.markdown(f"**{_t('chain.supplies')}**")
        if a.supplies.empty:
            st.info(_t("chain.no_supplies"))
        else:
            panels.number_table(sl_view.chain_supply_table(a, lang), _t("chain.supplies"), CHAIN_DATASETS,
                                key="pj_table_chain_supplies", filters=filters)
        st.markdown(f"**{_t('chain.parcels')}**")
        if a.parcels.empty:
            st.info(t(f"stock_land_panel.no_parcels_{a.parcel_link}"))
        else:
            panels.number_table(sl_view.chain_parcel_table(a, lang), _t("chain.parcels"), CHAIN_DATASETS,
                                key="pj_table_chain_parcels", filters=filters)
            st.caption(t(f"stock_land_panel.link_{a.parcel_link}"))
    st.markdown(f"**{_t('chain.ledger')}**")
    if chain.ledger.empty:
        st.info(_t("chain.no_ledger"))
    else:
        panels.number_table(view.ledger_table(chain, lang), _t("chain.ledger"), CHAIN_DATASETS,
                            key="pj_table_chain_ledger", filters=filters,
                            whole=lambda column: "公斤" in column or "(kg)" in column)  # grain in whole 公斤
    if a is not None:
        st.markdown(f"**{_t('chain.cases')}**")
        if a.cases.empty:
            st.info(_t("chain.no_cases"))
        else:
            panels.number_table(sl_view.chain_case_table(a, lang), _t("chain.cases"), CHAIN_DATASETS,
                                key="pj_table_chain_cases", filters=filters)
