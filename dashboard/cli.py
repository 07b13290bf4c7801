"""Command line: ``python -m dashboard <command>``.

Commands
--------
info   list datasets with their current version, rows, data date and source
demo   regenerate the bundled demo dataset (deterministic, seeded)
docs   regenerate docs/DATA_CONTRACTS.md from the contracts
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.contracts import load_contracts
from dashboard.errors import UserError
from dashboard.i18n import LANGUAGES, t


def _info(args) -> int:
    from dashboard.store import current_versions

    rows = []
    for name, version in current_versions().items():
        rows.append(
            {
                "dataset": name,
                "title": load_contracts()[name].title(args.lang),
                "version": version.version if version else None,
                "rows": version.rows if version else 0,
                "data_date": version.data_date if version else None,
                "source": version.source(args.lang) if version else None,
                "path": str(version.path) if version else None,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(t("cli.info_heading", args.lang))
    header = [t(f"cli.{k}", args.lang) for k in ("dataset", "title", "version", "rows", "data_date", "source")]
    print("\t".join(header))
    for row in rows:
        print(
            "\t".join(
                [
                    row["dataset"],
                    row["title"],
                    row["version"] or t("cli.no_data", args.lang),
                    str(row["rows"]),
                    row["data_date"] or "-",
                    row["source"] or "-",
                ]
            )
        )
    return 0


def _demo(args) -> int:
    from dashboard.demo import DEMO_DIR, write_demo

    out = Path(args.out) if args.out else DEMO_DIR
    manifest = write_demo(out, seed=args.seed)
    print(t("cli.demo_written", args.lang, path=out, count=len(manifest["datasets"])))
    return 0


def _docs(args) -> int:
    from dashboard.docs import write_contracts_doc

    print(t("cli.docs_written", args.lang, path=write_contracts_doc()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exit code 2 on bad arguments, as argparse does)."""
    from dashboard.demo import SEED

    parser = argparse.ArgumentParser(prog="python -m dashboard", description="用地要素保障一张图 command line")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh", help="output language (default zh)")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="list datasets, current version, rows, data date and source")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.set_defaults(func=_info)

    demo = commands.add_parser("demo", help="regenerate the demo dataset")
    demo.add_argument("--out", help="output folder (default data/demo)")
    demo.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    demo.set_defaults(func=_demo)

    docs = commands.add_parser("docs", help="regenerate docs/DATA_CONTRACTS.md")
    docs.set_defaults(func=_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print a translated message and exit with 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 2
