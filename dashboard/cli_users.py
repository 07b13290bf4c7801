"""``python -m dashboard users add|remove|list``: the local accounts file (see :mod:`dashboard.auth`).

The file is ``--file``, else ``accounts_file`` under ``[access]`` in ``.streamlit/secrets.toml``, else
``DASHBOARD_ACCOUNTS``, else ``accounts.json`` in the data store folder.  Passwords come from a prompt (twice) or,
for scripts, from the first line of standard input with ``--password-stdin``; they are never echoed or logged.
"""

from __future__ import annotations

import getpass
import sys
import tomllib
from pathlib import Path

from dashboard.auth import ROLES, AccountStore, check_name, check_role, default_accounts_file
from dashboard.errors import UserError
from dashboard.i18n import t

SECRETS_FILE = Path(__file__).resolve().parents[1] / ".streamlit" / "secrets.toml"


def accounts_path(explicit: str | None = None, secrets_file: Path = SECRETS_FILE) -> Path:
    """The accounts file the app reads (see the module docstring for the order)."""
    if explicit:
        return Path(explicit)
    if secrets_file.exists():
        with open(secrets_file, "rb") as fh:
            configured = (tomllib.load(fh).get("access") or {}).get("accounts_file")
        if configured:
            return Path(configured)
    return default_accounts_file()


def _password(args) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(t("auth.cli.prompt", args.lang, name=args.name))
        if getpass.getpass(t("auth.cli.prompt_again", args.lang)) != password:
            raise UserError("auth.error.password_mismatch")
    if not password:
        raise UserError("auth.error.no_password")
    return password


def _add(args) -> int:
    check_name(args.name)
    check_role(args.role)
    path = accounts_path(args.file)
    store = AccountStore(path)
    existed = store.get(args.name) is not None
    account = store.add(args.name, args.role, _password(args), replace=args.replace)
    key = "auth.cli.replaced" if existed else "auth.cli.added"
    print(t(key, args.lang, name=account.name, role=account.role, path=path))
    return 0


def _remove(args) -> int:
    path = accounts_path(args.file)
    AccountStore(path).remove(args.name)
    print(t("auth.cli.removed", args.lang, name=args.name, path=path))
    return 0


def _list(args) -> int:
    path = accounts_path(args.file)
    accounts = AccountStore(path).list()
    if not accounts:
        print(t("auth.cli.none", args.lang, path=path))
        return 0
    print(t("auth.cli.heading", args.lang, path=path))
    for account in accounts:
        print(f"{account.name}\t{account.role}\t{t(f'auth.role.{account.role}', args.lang)}\t{account.created}")
    return 0


def add_user_commands(commands) -> None:
    """Register ``users`` with its ``add``, ``remove`` and ``list`` subcommands."""
    users = commands.add_parser("users", help="local accounts: add, remove, list")
    sub = users.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="add a user (password from a prompt or --password-stdin)")
    add.add_argument("name")
    # no argparse ``choices``: an unknown role is a UserError, reported in the user's language
    add.add_argument("--role", required=True, help=f"role: {' / '.join(ROLES)}")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--replace", action="store_true", help="reset the password and role of an existing user")
    add.set_defaults(func=_add)
    remove = sub.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    remove.set_defaults(func=_remove)
    listing = sub.add_parser("list", help="list users and roles")
    listing.set_defaults(func=_list)
    for parser in (add, remove, listing):
        parser.add_argument("--file", help="accounts file (default: see python -m dashboard users --help)")
