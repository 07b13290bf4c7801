"""dashboard.auth: the page policy, the login settings, local accounts (argon2), signed sessions, throttling."""

from __future__ import annotations

import multiprocessing
import stat
import threading
import tomllib
from pathlib import Path

import pytest

from dashboard import auth
from dashboard.auth import ANALYST, OFFICIAL, PUBLIC, AccountStore, can_publish, can_view
from dashboard.errors import UserError
from dashboard.i18n import t
from dashboard.navigation import PAGES, PageSpec, page_spec

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3J9x-Qw8ZpL2mN7vB4cR6tY1uI0oP5aS"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def fast_hash(monkeypatch):
    """Cheap argon2 parameters (the real ones cost about a second a hash on a busy 2-core machine)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# ------------------------------------------------------------------------------------------------ policy


@pytest.mark.parametrize(("role", "audience", "allowed"), [
    (PUBLIC, "public", True), (PUBLIC, "internal", False), (PUBLIC, "analyst", False),
    (OFFICIAL, "public", True), (OFFICIAL, "internal", True), (OFFICIAL, "analyst", False),
    (ANALYST, "public", True), (ANALYST, "internal", True), (ANALYST, "analyst", True),
    (None, "public", True), (None, "internal", False), ("root", "internal", False), ("", "analyst", False),
])
def test_can_view_table(role, audience, allowed):
    assert can_view(role, audience) is allowed


def test_can_publish_only_analysts():
    assert [r for r in (*auth.ROLES, None, "admin") if can_publish(r)] == [ANALYST]


def test_unknown_audience_is_a_bug():
    with pytest.raises(ValueError):
        can_view(ANALYST, "everyone")
    with pytest.raises(ValueError):
        PageSpec("pages/x.py", "page.x", "x", "section.x", "x", (), audience="everyone")


def test_every_page_has_an_audience_and_the_data_manager_is_analyst_only():
    assert {spec.audience for spec in PAGES} <= set(auth.AUDIENCES)
    assert page_spec("data_manager").audience == "analyst"
    assert page_spec("public_summary").audience == "public" and page_spec("public_summary").public
    assert page_spec("overview").audience == "internal" and not page_spec("overview").public
    assert [p.url_path for p in auth.visible_pages(PUBLIC, PAGES)] == [p.url_path for p in PAGES if p.public]
    assert "data_manager" not in [p.url_path for p in auth.visible_pages(OFFICIAL, PAGES)]
    assert auth.visible_pages(ANALYST, PAGES) == PAGES


def test_role_mapping_for_oidc_identities():
    mapping = {"analyst": ["gis@yx.gov.cn", "group:GIS-Team"], "official": ["*@yx.gov.cn"]}
    assert auth.role_for_identity("GIS@yx.gov.cn", [], mapping) == ANALYST
    assert auth.role_for_identity("li@yx.gov.cn", ["gis-team"], mapping) == ANALYST
    assert auth.role_for_identity("li@yx.gov.cn", [], mapping) == OFFICIAL
    assert auth.role_for_identity("li@evil.com", [], mapping) == PUBLIC
    assert auth.role_for_identity("a@b@yx.gov.cn", [], mapping) == PUBLIC
    assert auth.role_for_identity(None, [], mapping, default=OFFICIAL) == OFFICIAL


# ------------------------------------------------------------------------------------------ configuration


def test_no_settings_is_open_mode():
    config = auth.load_auth_config({})
    assert config.open and auth.config_problems(config) == []
    assert auth.load_auth_config({"access": {"login": "none"}}).open


def test_local_mode_and_accounts_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))
    monkeypatch.delenv(auth.ACCOUNTS_ENV, raising=False)
    config = auth.load_auth_config({"access": {"login": "local", "cookie_secret": SECRET}})
    assert config.mode == "local" and config.accounts_file == tmp_path / "store" / "accounts.json"
    assert auth.config_problems(config) == []
    explicit = auth.load_auth_config({"access": {"login": "local", "cookie_secret": SECRET, "accounts_file": "/x/a"}})
    assert explicit.accounts_file == Path("/x/a")


def test_auth_section_means_oidc():
    config = auth.load_auth_config({"auth": {"cookie_secret": SECRET, "client_id": "x"},
                                    "access": {"roles": {"analyst": "gis@yx.gov.cn"}}})
    assert config.mode == "oidc" and config.role_map == {"analyst": ("gis@yx.gov.cn",)}


@pytest.mark.parametrize("secret", ["", "short", "x" * 40, "changeme-changeme-changeme-changeme-1234",
                                    "your-cookie-secret-goes-here-please-123456", "0123456789abcdefghijklmnopqrstuvwxyz"])
def test_weak_cookie_secrets_are_refused(secret):
    config = auth.load_auth_config({"access": {"login": "local", "cookie_secret": secret}})
    assert [key for key, _ in auth.config_problems(config)] == ["auth.error.weak_secret"]
    assert "32" in t("auth.error.weak_secret", "zh", **auth.config_problems(config)[0][1])


def test_bad_settings_are_user_errors():
    with pytest.raises(UserError) as err:
        auth.load_auth_config({"access": {"login": "ldap"}})
    assert err.value.key == "auth.error.bad_login"
    config = auth.load_auth_config({"access": {"login": "local", "cookie_secret": SECRET, "roles": {"boss": ["a"]}}})
    assert [key for key, _ in auth.config_problems(config)] == ["auth.error.bad_role"]


# ----------------------------------------------------------------------------------------- local accounts


def test_add_verify_wrong_password_remove(tmp_path):
    path = tmp_path / "acc" / "accounts.json"
    store = AccountStore(path)
    account = store.add("zhang.san", OFFICIAL, PASSWORD)
    assert account.role == OFFICIAL and store.verify("zhang.san", PASSWORD) == account
    assert store.verify("zhang.san", PASSWORD + "x") is None
    assert store.verify("zhang.san", "") is None
    assert store.verify("nobody", PASSWORD) is None
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.remove("zhang.san")
    assert store.list() == [] and store.verify("zhang.san", PASSWORD) is None
    with pytest.raises(UserError) as err:
        store.remove("zhang.san")
    assert err.value.key == "auth.error.no_such_user"


def test_add_rules(tmp_path, fast_hash):
    store = AccountStore(tmp_path / "a.json")
    store.add("li", ANALYST, PASSWORD)
    for args, key in ((("li", ANALYST, PASSWORD), "auth.error.user_exists"),
                      (("wang", "boss", PASSWORD), "auth.error.bad_role"),
                      (("../etc", ANALYST, PASSWORD), "auth.error.bad_name"),
                      (("wang", ANALYST, "short"), "auth.error.short_password")):
        with pytest.raises(UserError) as err:
            store.add(*args)
        assert err.value.key == key
    old = store.get("li")
    store.add("li", OFFICIAL, PASSWORD + "2", replace=True)
    assert store.get("li").role == OFFICIAL and store.get("li").stamp != old.stamp
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600


def test_unreadable_accounts_file_is_a_user_error(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError) as err:
        AccountStore(path).list()
    assert err.value.key == "auth.error.accounts_unreadable"


def test_concurrent_adds_keep_every_account(tmp_path, fast_hash):
    store = AccountStore(tmp_path / "a.json")
    threads = [threading.Thread(target=store.add, args=(f"user{i}", OFFICIAL, PASSWORD)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.name for a in store.list()] == sorted(f"user{i}" for i in range(8))


def _add_in_process(path: str, name: str) -> None:
    AccountStore(path).add(name, ANALYST, PASSWORD)


def test_concurrent_adds_from_processes(tmp_path, fast_hash):
    path = str(tmp_path / "a.json")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_in_process, args=(path, f"p{i}")) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    assert [a.name for a in AccountStore(path).list()] == ["p0", "p1", "p2", "p3"]


# ---------------------------------------------------------------------------------------- signed sessions


def test_session_token_round_trip_and_revocation(tmp_path, fast_hash):
    store = AccountStore(tmp_path / "a.json")
    account = store.add("li", OFFICIAL, PASSWORD)
    config = auth.AuthConfig(mode="local", cookie_secret=SECRET, accounts_file=store.path)
    token = auth.sign_session(account, SECRET, hours=1, now=1000)
    assert auth.session_account(token, config, store, now=1001) == account
    assert auth.session_account(token, config, store, now=1000 + 3601) is None  # expired
    assert auth.session_account(token[:-1] + ("0" if token[-1] != "0" else "1"), config, store, now=1001) is None
    assert auth.read_session(token, SECRET + "x", now=1001) is None  # other secret
    assert auth.session_account("garbage", config, store) is None and auth.session_account(None, config, store) is None
    assert auth.read_session("e30.密钥", SECRET) is None  # non-ASCII from a forged cookie is refused, not a crash
    store.add("li", OFFICIAL, PASSWORD + "new", replace=True)  # a new password signs old sessions out
    assert auth.session_account(token, config, store, now=1001) is None
    fresh = auth.sign_session(store.get("li"), SECRET, hours=1, now=1000)
    store.remove("li")
    assert auth.session_account(fresh, config, store, now=1001) is None
    assert all(c.isalnum() or c in "-_." for c in fresh)  # safe to write into a cookie


def test_throttle_slows_and_locks_a_name():
    now = [0.0]
    throttle = auth.LoginThrottle(limit=3, window=60, lockout=120, clock=lambda: now[0])
    delays = [throttle.failure("li") for _ in range(3)]
    assert delays == sorted(delays) and delays[0] > 0
    assert throttle.locked_for("LI") > 0 and throttle.locked_for("wang") == 0
    now[0] = 130
    assert throttle.locked_for("li") == 0
    throttle.failure("li")
    throttle.success("li")
    assert throttle.locked_for("li") == 0


# ------------------------------------------------------------------------------------------------ errors


def test_streamlit_config_hides_error_details():
    with open(ROOT / ".streamlit" / "config.toml", "rb") as fh:
        config = tomllib.load(fh)
    assert config["client"]["showErrorDetails"] in ("none", False)


def test_secrets_and_accounts_are_not_in_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "var/" in ignored  # the default accounts file lives in the store folder
    assert ".streamlit/secrets.toml" in ignored
