"""Sign-in in AppTest: with secrets for each role, every registered page either renders or shows only the login
prompt; the data manager refuses writes at the action; a weak cookie secret stops the app with a message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, store
from dashboard.auth import ANALYST, OFFICIAL, PUBLIC, can_view
from dashboard.i18n import t
from dashboard.navigation import PAGES, page_spec

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SECRET = "k3J9x-Qw8ZpL2mN7vB4cR6tY1uI0oP5aS"
PASSWORD = "correct-horse-battery"
USERS = {ANALYST: "ana", OFFICIAL: "guan"}
# What a login prompt may consist of: its title, intro, form, message; everything else is page content.
PROMPT_TYPES = {"title", "caption", "markdown", "form", "text_input", "button", "error", "warning", "html", "page_link",
                "container", "vertical", "horizontal", "unknown"}
CONTENT_TYPES = {"dataframe", "arrow_data_frame", "table", "metric", "plotly_chart", "vega_lite_chart",
                 "deck_gl_json_chart", "map", "iframe", "subheader", "header", "download_button", "file_uploader"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """A tmp data store, cheap argon2 parameters, and two accounts in a tmp accounts file."""
    from argon2 import PasswordHasher

    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))
    monkeypatch.setattr(auth, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts = auth.AccountStore(tmp_path / "accounts.json")
    for role, name in USERS.items():
        accounts.add(name, role, PASSWORD)
    return accounts


def local_app(tmp_path, secret: str = SECRET) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.secrets["access"] = {"login": "local", "cookie_secret": secret,
                            "accounts_file": str(tmp_path / "accounts.json")}
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Fill the login form and press its submit button, as a visitor does."""
    at.run()
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if (b.key or "").startswith("FormSubmitter:auth_login")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def nodes(block):
    """Every element and block under ``block`` (depth first)."""
    for child in getattr(block, "children", {}).values():
        yield child
        yield from nodes(child)


def _attribute(node, name: str):
    try:
        return getattr(node, name)
    except Exception:  # noqa: BLE001 - not every node has every attribute
        return None


def texts(block) -> str:
    parts = []
    for node in nodes(block):
        for attr in ("value", "label", "body"):
            value = _attribute(node, attr)
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def assert_login_prompt_only(at: AppTest, spec, role: str = PUBLIC) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [t("auth.login_title", "zh")], spec.url_path
    types = {node.type for node in nodes(at.main)}
    assert not types & CONTENT_TYPES, (spec.url_path, types & CONTENT_TYPES)
    assert types <= PROMPT_TYPES, (spec.url_path, types - PROMPT_TYPES)
    shown = texts(at.main) + ("" if can_view(role, "internal") else texts(at.sidebar))
    for hidden in (p for p in PAGES if not can_view(role, p)):
        assert t(hidden.title_key, "zh") not in shown, (spec.url_path, hidden.title_key)
    if not can_view(role, "internal"):  # no policy switch for a visitor without a role
        assert not [s for s in at.selectbox if s.key == "profile"]


def assert_page_renders(at: AppTest, spec) -> None:
    assert not at.exception, (spec.url_path, [e.value for e in at.exception])
    assert t(spec.title_key, "zh") in [x.value for x in at.title], spec.url_path
    assert t("auth.open_banner", "zh") not in texts(at.main)


def visit_every_page(at: AppTest, role: str) -> None:
    for spec in PAGES:
        at.switch_page(spec.file).run()
        if can_view(role, spec):
            assert_page_renders(at, spec)
        else:
            assert_login_prompt_only(at, spec, role)


def test_visitor_without_an_account_sees_public_pages_only(tmp_path):
    at = local_app(tmp_path)
    at.run()
    assert_login_prompt_only(at, PAGES[0])  # the root URL is an internal page
    assert at.text_input(key="auth_name") is not None
    visit_every_page(at, PUBLIC)


@pytest.mark.parametrize("role", [OFFICIAL, ANALYST])
def test_signed_in_role_against_every_page(tmp_path, role):
    at = sign_in(local_app(tmp_path), USERS[role])
    assert_page_renders(at, PAGES[0])
    assert t("auth.signed_in", "zh", name=USERS[role], role=t(f"auth.role.{role}", "zh")) in texts(at.sidebar)
    visit_every_page(at, role)


def test_official_is_told_the_data_manager_is_not_for_them(tmp_path):
    at = sign_in(local_app(tmp_path), USERS[OFFICIAL])
    at.switch_page(page_spec("data_manager").file).run()
    assert_login_prompt_only(at, page_spec("data_manager"), OFFICIAL)
    assert t("auth.no_access", "zh", name=USERS[OFFICIAL]) in [w.value for w in at.warning]
    with pytest.raises(KeyError):
        at.file_uploader(key="dm_file")


def test_wrong_password_keeps_the_prompt_and_says_so(tmp_path):
    at = sign_in(local_app(tmp_path), USERS[ANALYST], "wrong-password-123")
    assert_login_prompt_only(at, PAGES[0])
    assert t("auth.failed", "zh") in [e.value for e in at.error]
    assert at.text_input(key="auth_password").value == ""  # the password does not stay in the session
    at = sign_in(local_app(tmp_path), "nobody")
    assert t("auth.failed", "zh") in [e.value for e in at.error]


def test_sign_out_returns_to_the_prompt(tmp_path):
    at = sign_in(local_app(tmp_path), USERS[ANALYST])
    at.button(key="auth_logout").click().run()
    assert_login_prompt_only(at, PAGES[0])


def test_removed_account_loses_access_on_the_next_run(tmp_path, _isolated):
    at = sign_in(local_app(tmp_path), USERS[OFFICIAL])
    _isolated.remove(USERS[OFFICIAL])
    at.switch_page(PAGES[1].file).run()
    assert_login_prompt_only(at, PAGES[1])


def test_new_password_signs_the_session_out(tmp_path, _isolated):
    at = sign_in(local_app(tmp_path), USERS[ANALYST])
    _isolated.add(USERS[ANALYST], ANALYST, PASSWORD + "-new", replace=True)
    at.switch_page(PAGES[1].file).run()
    assert_login_prompt_only(at, PAGES[1])


@pytest.mark.parametrize("secret", ["short", "changeme-changeme-changeme-changeme-1234"])
def test_weak_cookie_secret_stops_the_app_with_a_message(tmp_path, secret):
    at = local_app(tmp_path, secret)
    at.run()
    assert not at.exception
    assert "cookie_secret" in at.error[0].value and t("auth.config_heading", "zh") in at.error[0].value
    assert not at.title and not at.dataframe and not at.text_input


def test_oidc_roles_from_the_mapping(tmp_path):
    def oidc_app(user):
        at = AppTest.from_file(APP, default_timeout=180)
        at.secrets["auth"] = {"cookie_secret": SECRET, "redirect_uri": "http://localhost:8501/oauth2callback",
                              "client_id": "dashboard", "client_secret": "x",
                              "server_metadata_url": "http://idp.invalid/.well-known/openid-configuration"}
        at.secrets["access"] = {"roles": {"analyst": ["gis@yx.gov.cn"], "official": ["*@yx.gov.cn"]}}
        at.user = user
        return at

    at = oidc_app({"is_logged_in": False})
    at.run()
    assert_login_prompt_only(at, PAGES[0])
    assert at.button(key="auth_oidc_login") is not None
    at = oidc_app({"is_logged_in": True, "email": "li@yx.gov.cn"})
    at.run()
    assert_page_renders(at, PAGES[0])
    at.switch_page(page_spec("data_manager").file).run()
    assert_login_prompt_only(at, page_spec("data_manager"), OFFICIAL)
    at = oidc_app({"is_logged_in": True, "email": "gis@yx.gov.cn"})
    at.switch_page(page_spec("data_manager").file).run()
    assert_page_renders(at, page_spec("data_manager"))


def test_open_mode_shows_the_banner():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    assert t("auth.open_banner", "zh") in [w.value for w in at.warning]
    assert t(PAGES[0].title_key, "zh") in [x.value for x in at.title]


def test_data_manager_refuses_writes_at_the_action(monkeypatch):
    """Even if the page were reached, an upload by a role that may not publish reads, stores and audits nothing."""
    import components.data_upload as du

    monkeypatch.setattr(du, "current_role", lambda: OFFICIAL)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page_spec("data_manager").file).run()
    at.selectbox(key="dm_dataset").set_value("supplies").run()
    data = "供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式\nGD-1,文号,530402,2026-03-01,1,出让\n"
    at.file_uploader(key="dm_file").set_value(("ok.csv", io.BytesIO(data.encode()).getvalue(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t("auth.no_publish", "zh", role=t("auth.role.official", "zh")) == e.value for e in at.error)
    assert store.list_versions("supplies") == [] and store.read_audit("supplies") == []
    with pytest.raises(KeyError):
        at.button(key="dm_publish")


@pytest.mark.parametrize("query", [
    {"parcel": "<script>alert(1)</script>", "region": "999999", "profile": "nope", "lang": "xx"},
    {"parcel": "x" * 500, "region": "'; drop table", "slide": "-1"},
])
def test_bad_links_are_user_errors_not_tracebacks(query):
    """A hand-edited link (unknown region, profile, language, parcel) falls back quietly: no exception."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page_spec("landuse").file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="region").value == "city"
