"""Sign-in as the app draws it: the visitor's role, the login prompt, the account box, the open-mode banner.

The decisions are :mod:`dashboard.auth`'s; this module reads the secrets, the session and ``st.user`` and draws.
``app.py`` calls :func:`resolve_access` once per run, before any page runs, and :func:`current_role` is what the
data manager asks again at every upload, save, publish and rollback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import streamlit as st

from components.state import t
from dashboard import auth
from dashboard.errors import UserError

log = logging.getLogger(__name__)

ROLE_KEY = "_auth_role"  # the role app.py resolved for this run (read by the data manager's actions)
USER_KEY = "_auth_user"  # the signed-in local account's name
STAMP_KEY = "_auth_stamp"  # its password stamp at sign-in (a new password signs the session out)
NAME_KEY = "_auth_name"  # who is signed in, any mode (for the audit log)
SIGNED_OUT_KEY = "_auth_signed_out"  # ignore the session cookie sent with this websocket after a sign-out


@dataclass(frozen=True)
class Access:
    """Who is looking: the configuration, the role, the user's display name (``None`` when not signed in)."""

    config: auth.AuthConfig
    role: str
    name: str | None = None

    @property
    def open(self) -> bool:
        return self.config.open


def read_secrets() -> dict:
    """The app's secrets as a plain dict (empty when there is no secrets file)."""
    try:
        if st.secrets._secrets is None and not st.secrets.load_if_toml_exists():
            return {}
        return st.secrets.to_dict()
    except Exception:  # a missing or unreadable secrets file means "no sign-in configured"
        log.warning("secrets could not be read; sign-in is off", exc_info=True)
        return {}


@st.cache_resource
def _throttle() -> auth.LoginThrottle:
    """One failure counter for the whole server (every session shares it)."""
    return auth.LoginThrottle()


def _stop_with_config_error(messages: list[str]) -> None:
    st.error("\n\n".join([f"**{t('auth.config_heading')}**", *messages, t("auth.config_hint")]))
    st.stop()


def _local_account(config: auth.AuthConfig) -> auth.Account | None:
    state = st.session_state
    store = auth.AccountStore(config.accounts_file)
    name = state.get(USER_KEY)
    if name:
        account = store.get(name)  # re-read every run: a removed account or changed role takes effect at once
        if account is not None and account.stamp == state.get(STAMP_KEY):
            return account
        state.pop(USER_KEY, None)
        return None
    if state.get(SIGNED_OUT_KEY):
        return None
    account = auth.session_account(st.context.cookies.get(auth.SESSION_COOKIE), config, store)
    if account is not None:
        state[USER_KEY], state[STAMP_KEY] = account.name, account.stamp
    return account


def resolve_access() -> Access:
    """Read the configuration and the visitor's identity; a bad configuration stops the app with its message."""
    try:
        config = auth.load_auth_config(read_secrets())
    except UserError as exc:
        _stop_with_config_error([t(exc.key, **exc.params)])
    problems = auth.config_problems(config)
    if problems:
        _stop_with_config_error([t(key, **params) for key, params in problems])
    if config.open:
        access = Access(config, auth.ANALYST)
    elif config.mode == auth.MODE_OIDC:
        user = st.user
        if user.get("is_logged_in"):
            email = user.get("email")
            groups = user.get("groups") or []
            role = auth.role_for_identity(email, groups if isinstance(groups, list | tuple) else [groups],
                                          config.role_map, config.default_role)
            access = Access(config, role, str(email or user.get("name") or ""))
        else:
            access = Access(config, auth.PUBLIC)
    else:
        try:
            account = _local_account(config)
        except UserError as exc:
            _stop_with_config_error([t(exc.key, **exc.params)])
        access = Access(config, account.role, account.name) if account else Access(config, auth.PUBLIC)
    st.session_state[ROLE_KEY] = access.role
    st.session_state[NAME_KEY] = access.name
    return access


def current_role() -> str:
    """The role resolved for this run (public when nothing resolved one)."""
    return st.session_state.get(ROLE_KEY, auth.PUBLIC)


def acting_user() -> str:
    """The name to write into the audit log: the signed-in user, else the server's OS user (open mode)."""
    from dashboard import store

    return st.session_state.get(NAME_KEY) or store.default_user()


def _set_cookie(value: str, max_age: int) -> None:
    """Write the session cookie in the browser (a script in the page: Streamlit has no server-side setter)."""
    if not all(c.isalnum() or c in "-_." for c in value):
        raise ValueError("cookie value must be URL-safe")
    secure = "; Secure" if str(getattr(st.context, "url", "") or "").startswith("https:") else ""
    st.sidebar.html(f"<script>document.cookie = '{auth.SESSION_COOKIE}={value}; path=/; max-age={max_age}; "
            f"SameSite=Strict{secure}';</script>", unsafe_allow_javascript=True, width=1)


def _on_login_submit(config: auth.AuthConfig) -> None:
    """The login form's callback (runs before the script, so the same run already sees the signed-in role)."""
    state = st.session_state
    name = str(state.get("auth_name", "")).strip()
    password = str(state.get("auth_password", ""))
    state["auth_password"] = ""  # the password does not stay in the session
    throttle = _throttle()
    wait = throttle.locked_for(name)
    if wait:
        log.warning("sign-in for user %r refused: locked for %.0f s", name, wait)
        state["_auth_error"] = ("auth.locked", {"seconds": int(wait) + 1})
        return
    account = auth.AccountStore(config.accounts_file).verify(name, password)
    if account is None:
        log.warning("failed sign-in for user %r", name)  # never the password
        time.sleep(throttle.failure(name))
        state["_auth_error"] = ("auth.failed", {})
        return
    throttle.success(name)
    log.info("user %r signed in as %s", account.name, account.role)
    state[USER_KEY], state[STAMP_KEY] = account.name, account.stamp
    state.pop(SIGNED_OUT_KEY, None)
    token = auth.sign_session(account, config.cookie_secret, hours=config.session_hours)
    state["_auth_cookie"] = (token, int(config.session_hours * 3600))


def render_login_prompt(access: Access) -> None:
    """The login prompt, and nothing else: what a visitor without the role sees instead of the page."""
    st.title(t("auth.login_title"))
    if access.name:  # signed in, but this page needs a higher role
        st.warning(t("auth.no_access", name=access.name))
        return
    st.caption(t("auth.login_intro"))
    if access.config.mode == auth.MODE_OIDC:
        # Callbacks, not the button's return value: a trigger read after st.navigation can be lost on the run
        # that changes page (seen in AppTest), while a callback always runs before the script.
        st.button(t("auth.login_oidc"), key="auth_oidc_login", type="primary", on_click=st.login)
        return
    with st.form("auth_login", clear_on_submit=False, border=True, width=420):
        st.text_input(t("auth.username"), key="auth_name", autocomplete="username")
        st.text_input(t("auth.password"), type="password", key="auth_password", autocomplete="current-password")
        st.form_submit_button(t("auth.submit"), type="primary", on_click=_on_login_submit, args=(access.config,))
    error = st.session_state.pop("_auth_error", None)
    if error:
        st.error(t(error[0], **error[1]))
    _render_public_links()


def _render_public_links() -> None:
    """Links to the pages anyone may open (the sidebar hides its page list when only one page is visible)."""
    from dashboard.navigation import PAGES

    public = [spec for spec in PAGES if spec.public]
    if public:
        st.caption(t("auth.public_page_hint"))
        for spec in public:
            st.page_link(spec.file, label=t(spec.title_key), icon=f":material/{spec.icon}:")


def render_account_box(access: Access) -> None:
    """Sidebar: the signed-in user and role with a sign-out button; nothing in open mode or when not signed in."""
    cookie = st.session_state.pop("_auth_cookie", None)  # (value, max-age) left by a sign-in or sign-out
    if cookie:
        _set_cookie(*cookie)
    if access.open or not access.name:
        return
    with st.sidebar:
        st.caption(t("auth.signed_in", name=access.name, role=t(f"auth.role.{access.role}")))
        st.button(t("auth.logout"), key="auth_logout", icon=":material/logout:", on_click=_on_logout, args=(access,))


def _on_logout(access: Access) -> None:
    log.info("user %r signed out", access.name)
    st.session_state.pop(USER_KEY, None)
    st.session_state[SIGNED_OUT_KEY] = True
    st.session_state["_auth_cookie"] = ("deleted", 0)
    if access.config.mode == auth.MODE_OIDC:
        st.logout()


def render_open_banner(access: Access) -> None:
    """The persistent notice that sign-in is off (open mode only)."""
    if access.open:
        st.warning(t("auth.open_banner"), icon=":material/lock_open:")
