"""``python -m dashboard users add|remove|list``: the local accounts file from the command line."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import auth, cli_users
from dashboard.auth import AccountStore
from dashboard.cli import main

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def run(argv, stdin=""):
    sys.stdin = io.StringIO(stdin)
    try:
        return main(argv)
    finally:
        sys.stdin = sys.__stdin__


def test_add_list_remove(tmp_path, capsys):
    path = tmp_path / "accounts.json"
    assert run(["users", "add", "li", "--role", "analyst", "--password-stdin", "--file", str(path)],
               PASSWORD + "\n") == 0
    assert "已添加用户 li（角色：analyst）" in capsys.readouterr().out
    assert AccountStore(path).verify("li", PASSWORD).role == "analyst"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run(["--lang", "en", "users", "list", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "li\tanalyst\tData analyst" in out and PASSWORD not in out
    assert run(["users", "remove", "li", "--file", str(path)]) == 0
    assert AccountStore(path).list() == []
    assert run(["users", "list", "--file", str(path)]) == 0
    assert "没有用户" in capsys.readouterr().out


def test_errors_are_translated_with_exit_2(tmp_path, capsys):
    path = str(tmp_path / "accounts.json")
    assert run(["users", "add", "li", "--role", "boss", "--password-stdin", "--file", path], PASSWORD) == 2
    assert "未知角色“boss”" in capsys.readouterr().err
    assert run(["users", "add", "li", "--role", "official", "--password-stdin", "--file", path], "short\n") == 2
    assert "密码太短" in capsys.readouterr().err
    assert run(["users", "add", "li", "--role", "official", "--password-stdin", "--file", path], "\n") == 2
    assert run(["users", "remove", "nobody", "--file", path]) == 2
    assert "不存在" in capsys.readouterr().err
    run(["users", "add", "li", "--role", "official", "--password-stdin", "--file", path], PASSWORD)
    assert run(["--lang", "en", "users", "add", "li", "--role", "analyst", "--password-stdin", "--file", path],
               PASSWORD) == 2
    assert "--replace" in capsys.readouterr().err
    assert run(["users", "add", "li", "--role", "analyst", "--replace", "--password-stdin", "--file", path],
               PASSWORD + "2") == 0
    assert AccountStore(path).get("li").role == "analyst"


def test_prompt_asks_twice_and_never_echoes(tmp_path, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD + "typo"])
    monkeypatch.setattr(cli_users.getpass, "getpass", lambda prompt="": next(answers))
    path = str(tmp_path / "accounts.json")
    assert run(["users", "add", "li", "--role", "official", "--file", path]) == 2
    assert "两次输入的密码不一致" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert run(["users", "add", "li", "--role", "official", "--file", path]) == 0
    assert PASSWORD not in capsys.readouterr().out


def test_default_file_follows_the_secrets_then_the_store(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.ACCOUNTS_ENV, raising=False)
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))
    secrets = tmp_path / "secrets.toml"
    assert cli_users.accounts_path(None, secrets) == tmp_path / "store" / "accounts.json"
    monkeypatch.setenv(auth.ACCOUNTS_ENV, str(tmp_path / "env.json"))
    assert cli_users.accounts_path(None, secrets) == tmp_path / "env.json"
    secrets.write_text('[access]\nlogin = "local"\naccounts_file = "/srv/acc.json"\n', encoding="utf-8")
    assert cli_users.accounts_path(None, secrets) == Path("/srv/acc.json")
    assert cli_users.accounts_path("/x.json", secrets) == Path("/x.json")


def test_module_entry_point(tmp_path):
    path = tmp_path / "accounts.json"
    done = subprocess.run([sys.executable, "-m", "dashboard", "users", "list", "--file", str(path)],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and str(path) in done.stdout
