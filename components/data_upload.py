"""The 数据管理 page's pieces: upload form, reading, mapping editor, validation report, preview, save/publish,
versions and audit.  Streamlit-aware; all logic is in ``dashboard`` (upload, mapping, validate, preview, store).

Nothing the user sent is ever rendered as HTML: file names and cells go through ``st.dataframe`` / ``st.text``
/ ``st.caption`` / messages, which Streamlit escapes.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import streamlit as st

from components.auth import acting_user, current_role
from components.loaders import load_dataset
from components.panels import table_downloads
from components.state import current_lang, hold_choice, t
from dashboard import store
from dashboard.auth import can_publish
from dashboard.context import data_as_of, versions_signature
from dashboard.contracts import get_dataset
from dashboard.errors import UserError
from dashboard.export import ExportMeta, to_csv_bytes, to_xlsx_bytes
from dashboard.mapping import mapping_for, save_mapping
from dashboard.preview import (
    IndicatorChanges,
    apply_overrides,
    audit_table,
    column_options,
    diff_versions,
    display_table,
    frame_fingerprint,
    indicator_change_table,
    indicator_changes,
    mapping_table,
    preview_deck,
    totals_change,
    versions_table,
)
from dashboard.upload import Upload, read_upload
from dashboard.validate import ValidationReport, current_county_codes, validate

log = logging.getLogger(__name__)

UPLOAD_TYPES = ["csv", "xlsx", "zip", "parquet", "geojson", "gpkg"]
CRS_ERRORS = ("error.upload.crs_missing", "error.upload.crs_mismatch")
PREVIEW_ROWS = 20
_READS = "_dm_reads"  # session: {read signature: Outcome}
_INDICATORS = "_dm_indicators"  # session: {(dataset, data fingerprint, current versions, as_of): IndicatorChanges}


@dataclass
class Outcome:
    """One read of an uploaded file: the Upload, or the translated-at-render error (key + params)."""

    upload: Upload | None = None
    error_key: str | None = None
    error_params: dict | None = None
    expected_current: str | None = None  # the published version when the file was read (for publish's CAS)


def _message(key: str, params: dict | None) -> str:
    return store.message(key, current_lang(), **(params or {}))


def published_version(dataset: str) -> str | None:
    """The published version id of ``dataset`` (``None`` while only demo data or nothing is there)."""
    version = store.current_version(dataset)
    return None if version is None or version.is_demo else version.version


def read_uploaded(data: bytes, name: str, dataset: str, *, session: dict, **options) -> Outcome:
    """Read uploaded ``data`` (named ``name`` by the user) once per file and options, remembered in ``session``.

    The bytes go to a temp file with a generated name (the user's name is metadata only).  A ``UserError``
    becomes an Outcome with its key and is recorded in the audit log as a rejection; anything else is logged
    with its traceback and shown as a generic error.
    """
    signature = hashlib.sha256(data).hexdigest() + repr((name, dataset, sorted(options.items())))
    reads = session.setdefault(_READS, {})
    if signature in reads:
        return reads[signature]
    outcome = Outcome(expected_current=published_version(dataset))
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower().lstrip(".") in UPLOAD_TYPES else ""
    with tempfile.TemporaryDirectory(prefix="dm-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            outcome.upload = read_upload(path, original_name=name, **options)
        except UserError as exc:
            outcome.error_key, outcome.error_params = exc.key, dict(exc.params)
            try:
                store.record_rejection(dataset, uploader=acting_user(), original_name=name,
                                       reason_key=exc.key, params={k: str(v) for k, v in exc.params.items()})
            except UserError:
                log.warning("could not audit the rejection of an upload", exc_info=True)
        except Exception:
            log.exception("unexpected error reading an upload")
            outcome.error_key = "data_page.error.unexpected"
    reads.clear()  # keep one file's reads only: uploads can be large
    reads[signature] = outcome
    return outcome


def publish_refused() -> bool:
    """Server-side check at every write action (upload, mapping save, save, publish, rollback): ``True`` (and an
    error shown) when the session's role may not write, whatever the buttons looked like."""
    role = current_role()
    if can_publish(role):
        return False
    logging.getLogger(__name__).warning("write action refused for role %s", role)
    st.error(t("auth.no_publish", role=t(f"auth.role.{role}")))
    return True


def render_upload_form(datasets: tuple[str, ...]) -> dict:
    """Dataset, file, data date, source and note widgets; returns their values."""
    lang = current_lang()
    hold_choice("dm_dataset", datasets)
    dataset = st.selectbox(t("data_page.dataset"), datasets, key="dm_dataset",
                           format_func=lambda name: get_dataset(name).title(lang))
    file = st.file_uploader(t("data_page.file"), type=UPLOAD_TYPES, key="dm_file", help=t("data_page.file_help"))
    cols = st.columns(3)
    # Required: starts empty so nobody publishes a date they never chose; saving stays disabled until set.
    data_date = cols[0].date_input(t("data_page.data_date"), value=None, key="dm_data_date", format="YYYY-MM-DD")
    source = cols[1].text_input(t("data_page.source"), key="dm_source", placeholder=t("data_page.source_hint"))
    note = cols[2].text_input(t("data_page.note"), key="dm_note")
    return {"dataset": dataset, "file": file, "data_date": data_date, "source": source.strip(), "note": note}


def read_with_progress(file, dataset: str) -> Outcome:
    """Read the uploaded ``file`` (with the sheet/layer/CRS choices from the session) under a status box."""
    if publish_refused():
        st.stop()  # the file is neither read nor audited
    state = st.session_state
    same_file = state.get("_dm_file_id") == file.file_id
    state["_dm_file_id"] = file.file_id
    options = {"source_is_gcj02": bool(state.get("dm_gcj02", False))}
    for key, option in (("dm_sheet", "sheet"), ("dm_layer", "layer"), ("dm_crs", "crs")):
        if same_file and state.get(key):
            options[option] = state[key]
    with st.status(t("data_page.reading"), expanded=False) as status:
        outcome = read_uploaded(file.getvalue(), file.name, dataset, session=state, **options)
        status.update(label=t("data_page.read_done") if outcome.upload else t("data_page.read_failed"),
                      state="complete" if outcome.upload else "error")
    return outcome


def render_read_outcome(outcome: Outcome, file_name: str) -> Upload | None:
    """The error (with a CRS choice when that is what is missing), or the upload's facts, options and warnings."""
    st.caption(t("data_page.file_name"))
    st.text(file_name)
    if outcome.error_key in CRS_ERRORS or st.session_state.get("dm_crs"):
        candidates = [c.split(" (")[0] for c in str((outcome.error_params or {}).get("candidates", "")).split(", ")
                      if c.startswith("EPSG")]
        current = st.session_state.get("dm_crs")
        choices = [""] + candidates + ([current] if current and current not in candidates else [])
        hold_choice("dm_crs", choices)
        st.selectbox(t("data_page.crs"), choices, key="dm_crs", format_func=lambda c: c or t("data_page.crs_auto"))
    st.checkbox(t("data_page.gcj02"), key="dm_gcj02", help=t("data_page.gcj02_help"))
    if outcome.upload is None:
        st.error(_message(outcome.error_key, outcome.error_params))
        return None
    upload = outcome.upload
    if len(upload.sheets) > 1:
        st.selectbox(t("data_page.sheet"), upload.sheets, key="dm_sheet", index=upload.sheets.index(upload.sheet))
    if len(upload.layers) > 1:
        st.selectbox(t("data_page.layer"), upload.layers, key="dm_layer", index=upload.layers.index(upload.layer))
    st.caption(t("data_page.read_facts", kind=upload.kind, rows=len(upload.frame),
                 columns=len(upload.frame.columns), encoding=upload.encoding or "-"))
    for key, params in upload.warnings:
        st.warning(_message(key, params))
    return upload


def render_mapping(upload: Upload, dataset: str):
    """The header → contract column table (editable) and the save-this-mapping button; returns the Mapping."""
    lang = current_lang()
    # Every header, geometry included (as the CLI maps it): a mapping without it would set the geometry aside.
    headers = [str(c) for c in upload.frame.columns]
    base = mapping_for(headers, dataset, store.store_dir())
    options = column_options(dataset, lang, t("data_page.mapping.skip"))
    labels = {k: t(f"data_page.mapping.{k}") for k in ("header", "column", "factor")}
    geometry = ("geometry",) if isinstance(upload.frame, gpd.GeoDataFrame) else ()
    edited = st.data_editor(
        mapping_table(base, options, labels, hide=geometry), key="dm_mapping", hide_index=True, width="stretch",
        column_config={
            labels["header"]: st.column_config.TextColumn(disabled=True),
            labels["column"]: st.column_config.SelectboxColumn(options=list(options), required=False),
            labels["factor"]: st.column_config.NumberColumn(disabled=True, format="%.4g",
                                                            help=t("data_page.mapping.factor_help")),
        },
    )
    try:
        mapping = apply_overrides(base, edited, options, labels)
    except UserError as exc:
        st.error(_message(exc.key, exc.params))
        mapping = base
    st.caption(t(f"data_page.mapping.origin_{mapping.origin}"))
    if st.button(t("data_page.mapping.save"), key="dm_save_mapping") and not publish_refused():
        save_mapping(mapping, store.store_dir())
        st.toast(t("data_page.mapping.saved"))
    return mapping


def render_report(upload: Upload, dataset: str, mapping) -> ValidationReport:
    """Validate and show the summary, the totals, the first problems and the full report as Excel."""
    lang = current_lang()
    report = validate(upload.frame, dataset, mapping=mapping, known_county_codes=current_county_codes(),
                      line_numbers=upload.row_numbers)
    (st.success if report.ok else st.error)(report.summary(lang))
    if not report.ok:
        st.dataframe(report.totals_frame(lang), hide_index=True, key="dm_totals")
        st.dataframe(report.to_frame(lang), hide_index=True, key="dm_problems", width="stretch")
        if report.truncated:
            st.caption(t("data_page.problems_truncated", shown=len(report.problems), total=report.total_problems))
    st.download_button(t("data_page.report_download"), lambda: report.to_excel_bytes(lang), key="dm_report_xlsx",
                       file_name=f"{dataset}-validation.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return report


def render_preview(report: ValidationReport, dataset: str):
    """First rows of the cleaned data, a small map, and what would change against the current version."""
    lang = current_lang()
    cleaned = report.cleaned
    st.subheader(t("data_page.preview_heading"))
    st.dataframe(display_table(cleaned.head(PREVIEW_ROWS), dataset, lang),
                 hide_index=True, key="dm_preview", width="stretch")
    deck = preview_deck(cleaned)
    if deck is not None:
        st.pydeck_chart(deck, height=360, key="dm_preview_map")
    current = load_dataset(dataset)
    diff = diff_versions(current, cleaned, get_dataset(dataset).key)
    st.markdown(t("data_page.diff_summary", added=diff.added, removed=diff.removed, changed=diff.changed,
                  unchanged=diff.unchanged))
    heads = {k: t(f"data_page.totals.{k}") for k in ("item", "before", "after", "change", "rows")}
    st.dataframe(totals_change(current, cleaned, dataset, lang, heads), hide_index=True, key="dm_totals_change")
    for name, sample in (("added", diff.sample_added), ("removed", diff.sample_removed),
                         ("changed", diff.sample_changed)):
        if len(sample) and (name != "added" or current is not None):
            st.caption(t(f"data_page.diff_sample_{name}"))
            st.dataframe(display_table(sample, dataset, lang), hide_index=True, key=f"dm_diff_{name}")
    render_indicator_changes(cleaned, dataset)


def indicator_changes_for(cleaned, dataset: str) -> tuple[IndicatorChanges, date]:
    """:func:`dashboard.preview.indicator_changes` of the cleaned upload against the current versions, and the
    date it is computed at; remembered in the session for the same data (the page reruns on every click)."""
    versions = store.current_versions()
    as_of = data_as_of(versions)
    signature = (dataset, frame_fingerprint(cleaned), versions_signature(versions), as_of)
    memo = st.session_state.setdefault(_INDICATORS, {})
    if signature not in memo:
        paths = {name: v.path for name, v in versions.items() if v is not None}
        with st.spinner(t("data_page.indicators.computing")):
            changes = indicator_changes(dataset, paths, cleaned, as_of=as_of)
        memo.clear()  # one upload's result only
        memo[signature] = changes
    return memo[signature], as_of


def render_indicator_changes(cleaned, dataset: str) -> None:
    """The headline indicator values that publishing would change, largest relative change first, with units."""
    lang = current_lang()
    st.markdown(f"**{t('data_page.indicators.heading')}**")
    try:
        changes, as_of = indicator_changes_for(cleaned, dataset)
    except Exception:  # the preview must never take the page down; saving does not depend on it
        log.exception("indicator changes could not be computed")
        st.warning(t("data_page.indicators.unavailable"))
        return
    if changes.total == 0:
        st.caption(t("data_page.indicators.none", count=len(changes.indicators)))
        return
    st.caption(t("data_page.indicators.summary", as_of=as_of.isoformat(), total=changes.total,
                 shown=len(changes.table)))
    labels = {k: t(f"data_page.indicators.{k}") for k in
              ("indicator", "region", "detail", "column", "before", "after", "change", "relative")}
    number = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        indicator_change_table(changes, lang, labels, t("data_page.indicators.failed")), hide_index=True,
        key="dm_indicator_changes", width="stretch",
        column_config={
            labels["before"]: number, labels["after"]: number, labels["change"]: number,
            labels["relative"]: st.column_config.NumberColumn(format="%.1f", help=t("data_page.indicators.relative_help")),
        },
    )


def render_save(report: ValidationReport, dataset: str, form: dict, file_name: str, outcome: Outcome) -> None:
    """保存为新版本 / 保存并发布 buttons (publish checks the version current when the file was read)."""
    done = st.session_state.get("_dm_saved", {}).get(id(outcome))
    if done:
        st.info(t("data_page.already_saved", version=done))
        return
    if form["data_date"] is None or not form["source"]:
        st.info(t("data_page.need_date_source"))
    disabled = form["data_date"] is None or not form["source"]
    cols = st.columns(2)
    save = cols[0].button(t("data_page.save"), key="dm_save", disabled=disabled)
    publish = cols[1].button(t("data_page.save_publish"), key="dm_publish", type="primary", disabled=disabled)
    if not (save or publish) or publish_refused():
        return
    user = acting_user()
    try:
        version = store.write_version(dataset, report.cleaned, uploader=user, original_name=file_name,
                                      data_date=form["data_date"], source=form["source"], note=form["note"])
    except UserError as exc:
        st.error(_message(exc.key, exc.params))
        return
    st.session_state.setdefault("_dm_saved", {})[id(outcome)] = version.version
    flash = t("data_page.saved", version=version.version)
    if publish:
        try:
            store.publish(dataset, version.version, user=user, expected_current=outcome.expected_current)
            flash = t("data_page.published", version=version.version)
        except UserError as exc:
            flash = _message(exc.key, exc.params) + " " + t("data_page.kept_version", version=version.version)
    st.session_state["_dm_flash"] = flash
    st.rerun()  # loaders key on the version's sha256: the rerun shows the new current version everywhere


def render_flash() -> None:
    """The message of the last save/publish/rollback (kept across the rerun that follows it)."""
    flash = st.session_state.pop("_dm_flash", None)
    if flash:
        st.info(flash)


def render_versions(dataset: str) -> None:
    """Stored versions, rollback with confirmation, the audit log, and the current version's export."""
    lang = current_lang()
    st.subheader(t("data_page.versions_heading"))
    current = store.current_version(dataset)
    st.caption(t("data_page.current_version", version=current.version if current else "-"))
    versions = store.list_versions(dataset)
    if versions:
        labels = {k: t(f"data_page.versions.{k}") for k in
                  ("version", "created", "uploader", "rows", "data_date", "note", "current")}
        table = versions_table(versions, labels, t("data_page.versions.current_mark"))
        st.dataframe(table, hide_index=True, key="dm_versions", width="stretch")
        table_downloads(table, f"{dataset}_{t('data_page.versions.version')}", (dataset,), key="dm_versions")
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        target = cols[0].selectbox(t("data_page.rollback_to"), [v.version for v in versions], key="dm_rollback_to")
        confirm = cols[1].checkbox(t("data_page.rollback_confirm"), key="dm_rollback_confirm")
        if cols[2].button(t("data_page.rollback"), key="dm_rollback", disabled=not confirm) and not publish_refused():
            try:
                store.rollback(dataset, target, user=acting_user(), expected_current=published_version(dataset))
                st.session_state["_dm_flash"] = t("data_page.rolled_back", version=target)
                st.rerun()
            except UserError as exc:
                st.error(_message(exc.key, exc.params))
    else:
        st.caption(t("data_page.no_versions"))
    if current is not None:
        frame = load_dataset(dataset)
        meta = ExportMeta.for_version(current, lang=lang)
        cols = st.columns(2)
        cols[0].download_button(t("data_page.export_csv"), lambda: to_csv_bytes(frame, meta=meta, lang=lang),
                                file_name=f"{dataset}-{current.version}.csv", mime="text/csv", key="dm_export_csv")
        cols[1].download_button(t("data_page.export_xlsx"), lambda: to_xlsx_bytes(frame, meta=meta, lang=lang),
                                file_name=f"{dataset}-{current.version}.xlsx", key="dm_export_xlsx",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.subheader(t("data_page.audit_heading"))
    events = store.read_audit(dataset)
    if events:
        labels = {k: t(f"data_page.audit.{k}") for k in
                  ("time", "event", "user", "version", "previous", "original_name", "reason")}
        table = audit_table(events, labels)
        st.dataframe(table, hide_index=True, key="dm_audit", width="stretch")
        table_downloads(table, f"{dataset}_{t('data_page.audit_heading')}", (dataset,), key="dm_audit")
    else:
        st.caption(t("data_page.no_audit"))
