"""``python -m dashboard publish-public``: write the public extract (see :mod:`dashboard.public_extract`)."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.i18n import t


def _publish_public(args) -> int:
    from dashboard.public_extract import publish_public

    manifest = publish_public(
        Path(args.out) if args.out else None,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        profile_id=args.profile,
    )
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False, indent=1))
        return 0
    from dashboard.public_extract import DEFAULT_PUBLIC_DIR

    withheld = sum(meta["suppressed_rows"] for meta in manifest["tables"].values())
    print(t("public.cli_published", args.lang, path=args.out or DEFAULT_PUBLIC_DIR, tables=len(manifest["tables"]),
            date=manifest["data_date"], withheld=withheld))
    return 0


def add_public_commands(commands) -> None:
    """Register ``publish-public`` on the CLI's subparsers."""
    from dashboard.policy import DEFAULT_PROFILE

    cmd = commands.add_parser("publish-public", help="write the public extract (aggregated, suppressed, rounded)")
    cmd.add_argument("--out", help="output folder (default data/public)")
    cmd.add_argument("--data-dir", help="folder of <dataset>.parquet files (default: current versions)")
    cmd.add_argument("--profile", default=DEFAULT_PROFILE, help=f"policy profile (default {DEFAULT_PROFILE})")
    cmd.add_argument("--json", action="store_true", help="print the manifest as JSON")
    cmd.set_defaults(func=_publish_public)
