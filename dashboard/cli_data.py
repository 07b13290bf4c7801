"""Data commands of ``python -m dashboard``: validate, import, versions, publish, rollback, export, gc.

Exit codes
----------
0  done (``validate``: the file is valid)
1  the file was refused: invalid (``validate``) or rejected on import (the rejection is audited)
2  usage: bad arguments, unknown dataset or version, missing file, publish conflict, store busy

:func:`add_data_commands` adds the commands to the main parser's subparsers; each command reads ``args.lang``
(the main parser's ``--lang``) and prints its own translated errors, so the main loop never sees a store key
it cannot translate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.errors import DataError, UserError
from dashboard.store import (
    current_version,
    default_user,
    error_message,
    gc_temp,
    list_versions,
    load_version,
    message,
    parse_data_date,
    publish,
    record_rejection,
    rollback,
    store_dir,
    write_version,
)

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _lang(args) -> str:
    return getattr(args, "lang", "zh") or "zh"


def _fail(exc: UserError, args) -> int:
    print(error_message(exc, _lang(args)), file=sys.stderr)
    return EXIT_USAGE


def _existing_file(args) -> Path | None:
    path = Path(args.file)
    if path.is_file():
        return path
    print(message("error.store.file_not_found", _lang(args), path=args.file), file=sys.stderr)
    return None


def _problem_text(problem, lang: str) -> str:
    # The validation report's problem type belongs to dashboard.validate; accept what it may reasonably be.
    if isinstance(problem, UserError):
        return error_message(problem, lang)
    text = getattr(problem, "message", None)
    if callable(text):
        return str(text(lang))
    if isinstance(problem, dict):
        return json.dumps(problem, ensure_ascii=False, default=str)
    return str(problem)


def _validate(args) -> int:
    lang = _lang(args)
    from dashboard.contracts import get_dataset
    from dashboard.validate import validate_file

    try:
        get_dataset(args.dataset)
    except UserError as exc:
        return _fail(exc, args)
    path = _existing_file(args)
    if path is None:
        return EXIT_USAGE
    try:
        # A column mapping saved on the 数据管理 page for this header layout applies here too.
        report = validate_file(path, args.dataset, store_root=store_dir())
    except DataError as exc:  # unreadable file: invalid, not a usage error
        print(error_message(exc, lang), file=sys.stderr)
        return EXIT_REFUSED
    except UserError as exc:
        return _fail(exc, args)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        key = "cli.store.valid" if report.ok else "cli.store.invalid"
        # total_problems counts every problem; problems lists only the first ones (the report caps it).
        count = getattr(report, "total_problems", len(report.problems))
        print(message(key, lang, path=path.name, count=count))
        for problem in report.problems:
            print(f"- {_problem_text(problem, lang)}")
    return EXIT_OK if report.ok else EXIT_REFUSED


def _import(args) -> int:
    from dashboard.contracts import get_dataset
    from dashboard.io import read_dataset

    lang = _lang(args)
    try:
        get_dataset(args.dataset)
        data_date = parse_data_date(args.data_date)
    except UserError as exc:
        return _fail(exc, args)
    path = _existing_file(args)
    if path is None:
        return EXIT_USAGE
    uploader = args.uploader or default_user()
    original_name = path.name
    if args.source:
        source = {"zh": args.source, "en": args.source_en or args.source}
    else:
        source = {"zh": message("store.default_source", "zh"), "en": message("store.default_source", "en")}

    def reject(key: str, params: dict, text: str) -> int:
        record_rejection(args.dataset, uploader=uploader, original_name=original_name, reason_key=key, params=params)
        print(message("cli.store.rejected", lang, name=original_name, reason=text), file=sys.stderr)
        return EXIT_REFUSED

    try:
        # Strict contract reader for now; the upload pipeline (mapping, CRS doctor) replaces this step.
        frame = read_dataset(args.dataset, path)
        version = write_version(
            args.dataset,
            frame,
            uploader=uploader,
            original_name=original_name,
            data_date=data_date,
            source=source,
            note=args.note or "",
        )
    except DataError as exc:
        return reject(exc.key, exc.params, error_message(exc, lang))
    except UserError as exc:
        return _fail(exc, args)
    except (OSError, ValueError, ImportError) as exc:
        # Files a reader chokes on (bad encoding, broken parquet, unreadable GeoPackage) are refused input too.
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        return reject(
            "error.store.unreadable", {"detail": detail}, message("error.store.unreadable", lang, detail=detail)
        )
    print(message("cli.store.written", lang, dataset=args.dataset, version=version.version, rows=version.rows))
    if args.publish:
        try:
            # Compare-and-swap against what was current when the version was written: a concurrent
            # publish in between is reported, never silently overwritten.
            publish(args.dataset, version.version, user=uploader, expected_current=version.parent)
        except UserError as exc:
            return _fail(exc, args)
        print(message("cli.store.published", lang, dataset=args.dataset, version=version.version))
    return EXIT_OK


def _versions(args) -> int:
    lang = _lang(args)
    try:
        versions = list_versions(args.dataset)
    except UserError as exc:
        return _fail(exc, args)
    if args.json:
        rows = [
            {
                "version": v.version,
                "is_current": v.is_current,
                "created": v.created,
                "uploader": v.uploader,
                "rows": v.rows,
                "data_date": v.data_date,
                "source_zh": v.source_zh,
                "source_en": v.source_en,
                "original_name": v.original_name,
                "note": v.note,
                "parent": v.parent,
                "sha256": v.sha256,
            }
            for v in versions
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not versions:
        print(message("cli.store.no_versions", lang, dataset=args.dataset))
        return EXIT_OK
    print(message("cli.store.versions_heading", lang, dataset=args.dataset))
    header = [message(f"cli.store.{k}", lang) for k in ("version", "created", "uploader", "rows", "data_date", "note")]
    print("\t".join([" ", *header]))
    for v in versions:
        cells = [v.version, v.created, v.uploader, str(v.rows), v.data_date, v.note]
        # Tabs and newlines in free text would break the table's columns.
        print("\t".join(["*" if v.is_current else " ", *(c.replace("\t", " ").replace("\n", " ") for c in cells)]))
    return EXIT_OK


def _switch(args, action) -> int:
    lang = _lang(args)
    try:
        done = action(args.dataset, args.version, user=args.user or default_user())
    except UserError as exc:
        return _fail(exc, args)
    key = "cli.store.published" if action is publish else "cli.store.rolled_back"
    print(message(key, lang, dataset=done.dataset, version=done.version))
    return EXIT_OK


def _export(args) -> int:
    from dashboard.export import ExportMeta, to_csv_bytes, to_xlsx_bytes

    lang = _lang(args)
    try:
        version = current_version(args.dataset)
        if version is None:
            raise DataError("error.no_data", dataset=args.dataset)
        # Read the version the metadata names, not "whatever is current now": the pointer may move meanwhile.
        frame = load_version(version)
    except UserError as exc:
        return _fail(exc, args)
    meta = ExportMeta.for_version(version, lang=lang)
    if args.format == "xlsx":
        payload = to_xlsx_bytes(frame, meta=meta, lang=lang)
    else:
        payload = to_csv_bytes(frame, meta=None if args.no_meta else meta, lang=lang)
    out = Path(args.out)
    try:
        out.write_bytes(payload)
    except OSError as exc:
        print(f"{out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(message("cli.store.exported", lang, rows=len(frame), version=version.version, path=out))
    return EXIT_OK


def _gc(args) -> int:
    print(message("cli.store.gc_done", _lang(args), count=gc_temp()))
    return EXIT_OK


def add_data_commands(subparsers) -> None:
    """Add ``validate``, ``import``, ``versions``, ``publish``, ``rollback``, ``export`` and ``gc``.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers()``; each command sets ``func`` (called with
        the parsed arguments, returning the exit code).
    """
    validate = subparsers.add_parser("validate", help="check a file against a dataset contract (0 valid, 1 invalid)")
    validate.add_argument("file", help="the file to check")
    validate.add_argument("--dataset", required=True, help="contract dataset name")
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(func=_validate)

    imp = subparsers.add_parser("import", help="store a file as a new dataset version (audited)")
    imp.add_argument("file", help="the file to import")
    imp.add_argument("--dataset", required=True, help="contract dataset name")
    # Required: every version records its data date (数据截止日期); defaulting to today would invent one.
    imp.add_argument("--data-date", required=True, help="data date YYYY-MM-DD (数据截止日期)")
    imp.add_argument("--source", help="data source (Chinese; default 用户上传)")
    imp.add_argument("--source-en", help="data source in English (default: --source)")
    imp.add_argument("--note", help="free-text note stored with the version")
    imp.add_argument("--uploader", help="who uploads (default: the OS user)")
    imp.add_argument("--publish", action="store_true", help="also make it the current version")
    imp.set_defaults(func=_import)

    versions = subparsers.add_parser("versions", help="list the stored versions of a dataset")
    versions.add_argument("dataset", help="contract dataset name")
    versions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    versions.set_defaults(func=_versions)

    for name, action, text in (
        ("publish", publish, "make a stored version current"),
        ("rollback", rollback, "make an earlier version current again"),
    ):
        cmd = subparsers.add_parser(name, help=text)
        cmd.add_argument("dataset", help="contract dataset name")
        cmd.add_argument("version", help="version id (see `versions`)")
        cmd.add_argument("--user", help="who does it (default: the OS user)")
        cmd.set_defaults(func=lambda args, action=action: _switch(args, action))

    export = subparsers.add_parser("export", help="export the current version of a dataset with its metadata")
    export.add_argument("dataset", help="contract dataset name")
    export.add_argument("--format", choices=("csv", "xlsx"), required=True, help="file format")
    export.add_argument("--out", required=True, help="output file")
    export.add_argument("--no-meta", action="store_true", help="CSV only: the table alone, without metadata lines")
    export.set_defaults(func=_export)

    gc = subparsers.add_parser("gc", help="remove leftovers of interrupted writes from the store")
    gc.set_defaults(func=_gc)


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with ``--lang`` and the data commands (tests; the main CLI adds them itself)."""
    from dashboard.i18n import LANGUAGES

    parser = argparse.ArgumentParser(prog="python -m dashboard", description="data store commands")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh", help="output language (default zh)")
    add_data_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one data command with the stand-alone parser; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)
