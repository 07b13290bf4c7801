"""Who may see what: roles, the page policy, the login configuration, local accounts and signed sessions.

Pure Python (no streamlit): ``components/auth.py`` draws the login prompt and ``app.py`` asks :func:`can_view`
before it runs any page.

Roles
-----
``public``   public pages only (anyone not signed in)
``official`` every internal page, but no upload, save, publish or rollback
``analyst``  everything, including the 数据管理 page and publishing

Configuration (``.streamlit/secrets.toml``)
-------------------------------------------
No ``[auth]`` and no ``[access] login`` → open mode: everything is visible (a laptop demo) and a banner says so.
``[auth]`` (Streamlit's OIDC settings) → ``st.login``; ``[access.roles]`` maps e-mails, ``*@domain`` patterns
and ``group:NAME`` entries to roles.  ``[access] login = "local"`` → local accounts from a JSON file with
argon2id hashes (``python -m dashboard users add NAME --role analyst``).  Either way a weak cookie secret
stops the app with a translated message.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dashboard.errors import UserError

PUBLIC, OFFICIAL, ANALYST = "public", "official", "analyst"
ROLES = (PUBLIC, OFFICIAL, ANALYST)
# Page audiences (``PageSpec.audience``): who may open the page.
AUDIENCE_PUBLIC, AUDIENCE_INTERNAL, AUDIENCE_ANALYST = "public", "internal", "analyst"
AUDIENCES = (AUDIENCE_PUBLIC, AUDIENCE_INTERNAL, AUDIENCE_ANALYST)
_ALLOWED = {
    PUBLIC: {AUDIENCE_PUBLIC},
    OFFICIAL: {AUDIENCE_PUBLIC, AUDIENCE_INTERNAL},
    ANALYST: {AUDIENCE_PUBLIC, AUDIENCE_INTERNAL, AUDIENCE_ANALYST},
}

MODE_OPEN, MODE_OIDC, MODE_LOCAL = "open", "oidc", "local"
MIN_SECRET_LENGTH = 32
# Values people paste from examples; a secret containing one of these is refused whatever its length.
PLACEHOLDER_SECRETS = ("changeme", "change-me", "change_me", "secret", "password", "xxxxxxxx", "example",
                       "your-", "your_", "placeholder", "replace", "todo", "0123456789", "abcdefgh")
SESSION_COOKIE = "dashboard_session"
ACCOUNTS_ENV = "DASHBOARD_ACCOUNTS"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 10


# ------------------------------------------------------------------------------------------------ policy


def _audience(page) -> str:
    return page if isinstance(page, str) else page.audience


def can_view(role: str | None, page) -> bool:
    """Whether ``role`` may open ``page`` (a ``PageSpec`` or an audience string).  Unknown roles are public."""
    audience = _audience(page)
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    return audience in _ALLOWED.get(role or PUBLIC, _ALLOWED[PUBLIC])


def can_publish(role: str | None) -> bool:
    """Whether ``role`` may upload, save, publish and roll back datasets."""
    return role == ANALYST


def visible_pages(role: str | None, pages: Iterable) -> tuple:
    """The pages ``role`` may open, in order."""
    return tuple(page for page in pages if can_view(role, page))


def role_for_identity(email: str | None, groups: Iterable[str], role_map: Mapping[str, Iterable[str]],
                      default: str = PUBLIC) -> str:
    """The highest role whose entries match ``email`` (exact or ``*@domain``) or one of ``groups`` (``group:X``)."""
    email = (email or "").strip().lower()
    groups = {str(g).strip().lower() for g in groups or ()}
    for role in (ANALYST, OFFICIAL, PUBLIC):
        for entry in role_map.get(role, ()):
            entry = str(entry).strip().lower()
            if entry.startswith("group:"):
                if entry[6:] in groups:
                    return role
            elif entry.startswith("*@"):
                if email.endswith(entry[1:]) and email.count("@") == 1:
                    return role
            elif email and entry == email:
                return role
    return default if default in ROLES else PUBLIC


# ------------------------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class AuthConfig:
    """The login settings read from the secrets."""

    mode: str = MODE_OPEN
    cookie_secret: str = ""
    accounts_file: Path | None = None
    role_map: dict = field(default_factory=dict)
    default_role: str = PUBLIC
    session_hours: float = 12.0

    @property
    def open(self) -> bool:
        return self.mode == MODE_OPEN


def default_accounts_file() -> Path:
    """``DASHBOARD_ACCOUNTS``, else ``accounts.json`` in the data store folder (outside git)."""
    if os.environ.get(ACCOUNTS_ENV):
        return Path(os.environ[ACCOUNTS_ENV])
    from dashboard.store import store_dir

    return store_dir() / "accounts.json"


def load_auth_config(secrets: Mapping) -> AuthConfig:
    """The login settings from a secrets mapping (``st.secrets.to_dict()`` or a parsed ``secrets.toml``)."""
    access = dict(secrets.get("access") or {})
    auth = secrets.get("auth")
    login = str(access.get("login", "")).strip().lower()
    if auth:
        mode, secret = MODE_OIDC, str(dict(auth).get("cookie_secret", "") or access.get("cookie_secret", ""))
    elif login == MODE_LOCAL:
        mode, secret = MODE_LOCAL, str(access.get("cookie_secret", ""))
    elif login in ("", "none", "open", "off"):
        return AuthConfig()
    else:
        raise UserError("auth.error.bad_login", value=login)
    accounts = access.get("accounts_file")
    return AuthConfig(
        mode=mode,
        cookie_secret=secret,
        accounts_file=Path(accounts) if accounts else default_accounts_file(),
        role_map={str(k): tuple(v) if isinstance(v, list | tuple) else (v,)
                  for k, v in dict(access.get("roles") or {}).items()},
        default_role=str(access.get("default_role", PUBLIC)),
        session_hours=float(access.get("session_hours", 12)),
    )


def weak_secret(secret: str | None) -> bool:
    """Too short, a known placeholder, or too few distinct characters."""
    secret = secret or ""
    lowered = secret.lower()
    return (len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10
            or any(p in lowered for p in PLACEHOLDER_SECRETS))


def config_problems(config: AuthConfig) -> list[tuple[str, dict]]:
    """``(message key, params)`` for every setting that must be fixed before the app may serve anything."""
    problems: list[tuple[str, dict]] = []
    if config.open:
        return problems
    if weak_secret(config.cookie_secret):
        problems.append(("auth.error.weak_secret", {"min": MIN_SECRET_LENGTH}))
    for role in config.role_map:
        if role not in ROLES:
            problems.append(("auth.error.bad_role", {"role": role, "roles": " / ".join(ROLES)}))
    if config.default_role not in ROLES:
        problems.append(("auth.error.bad_role", {"role": config.default_role, "roles": " / ".join(ROLES)}))
    return problems


# ----------------------------------------------------------------------------------------- local accounts


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created: str
    stamp: str  # changes with the password: signed sessions carry it, so a new password or removal revokes them


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's RFC 9106 low-memory defaults


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise UserError("auth.error.bad_name", name=name)
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError("auth.error.bad_role", role=role, roles=" / ".join(ROLES))
    return role


class AccountStore:
    """Accounts in one JSON file (mode 0600): ``{"accounts": {name: {"role", "hash", "created"}}}``.

    Writers take an exclusive ``flock`` on ``<file>.lock`` and replace the file atomically, so concurrent
    ``users add`` commands (or processes) never lose each other's accounts; readers see a whole file.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    # -- reading
    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"accounts": {}}
        except (OSError, ValueError) as exc:
            raise UserError("auth.error.accounts_unreadable", path=str(self.path), detail=str(exc)) from None
        return data if isinstance(data.get("accounts"), dict) else {"accounts": {}}

    def list(self) -> list[Account]:
        return [Account(name, rec["role"], rec.get("created", ""), _stamp(rec["hash"]))
                for name, rec in sorted(self._read()["accounts"].items())]

    def get(self, name: str) -> Account | None:
        rec = self._read()["accounts"].get(name)
        return Account(name, rec["role"], rec.get("created", ""), _stamp(rec["hash"])) if rec else None

    def verify(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right, else ``None`` (an unknown name costs the same hash time)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        rec = self._read()["accounts"].get(name or "")
        if rec is None:
            _dummy_verify(hasher, password)
            return None
        try:
            hasher.verify(rec["hash"], password or "")
        except (VerificationError, InvalidHashError):
            return None
        if hasher.check_needs_rehash(rec["hash"]):
            try:
                self._update(name, password, rec["role"], must_exist=True)
            except OSError:
                pass  # a read-only file still lets people in
        return self.get(name)

    # -- writing
    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, data: dict) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".accounts-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(self.path, 0o600)

    def _update(self, name: str, password: str, role: str, *, must_exist: bool = False,
                replace: bool = True) -> Account:
        password_hash = _hasher().hash(password)  # slow: outside the lock would be nicer, but keeps it simple
        with self._locked():
            data = self._read()
            exists = name in data["accounts"]
            if must_exist and not exists:
                raise UserError("auth.error.no_such_user", name=name)
            if exists and not replace:
                raise UserError("auth.error.user_exists", name=name)
            created = data["accounts"].get(name, {}).get("created") or datetime.now(UTC).isoformat(timespec="seconds")
            data["accounts"][name] = {"role": role, "hash": password_hash, "created": created}
            self._write(data)
        return self.get(name)

    def add(self, name: str, role: str, password: str, *, replace: bool = False) -> Account:
        """Create (or with ``replace`` reset) an account; the password is hashed with argon2id, never stored."""
        check_name(name)
        check_role(role)
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise UserError("auth.error.short_password", min=MIN_PASSWORD_LENGTH)
        return self._update(name, password, role, replace=replace)

    def remove(self, name: str) -> None:
        with self._locked():
            data = self._read()
            if name not in data["accounts"]:
                raise UserError("auth.error.no_such_user", name=name)
            del data["accounts"][name]
            self._write(data)


_DUMMY_HASH: list[str] = []


def _dummy_verify(hasher, password: str) -> None:
    from argon2.exceptions import VerificationError

    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hasher.hash("not-a-real-password-0"))
    try:
        hasher.verify(_DUMMY_HASH[0], password or "")
    except VerificationError:
        pass


# ---------------------------------------------------------------------------------------- signed sessions


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(account: Account, secret: str, *, hours: float, now: float | None = None) -> str:
    """A cookie value naming the account, its role and password stamp, valid for ``hours`` (HMAC-SHA256)."""
    now = time.time() if now is None else now
    body = _b64(json.dumps({"u": account.name, "r": account.role, "s": account.stamp,
                            "e": int(now + hours * 3600)}, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def read_session(token: str | None, secret: str, *, now: float | None = None) -> dict | None:
    """The session's ``{"u", "r", "s", "e"}`` when ``token`` is signed with ``secret`` and not expired."""
    if not token or "." not in token or not secret:
        return None
    body, mac = token.rsplit(".", 1)
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac.encode("utf-8", "replace"), expected.encode()):
        return None
    try:
        claims = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("e"), int):
        return None
    if claims["e"] < (time.time() if now is None else now):
        return None
    return claims


def session_account(token: str | None, config: AuthConfig, store: AccountStore, *,
                    now: float | None = None) -> Account | None:
    """The account a session cookie stands for, if it is still valid: the account exists with the same role and
    password stamp (removing a user or changing the password signs them out)."""
    claims = read_session(token, config.cookie_secret, now=now)
    if not claims:
        return None
    account = store.get(claims.get("u", ""))
    if account is None or account.role != claims.get("r") or account.stamp != claims.get("s"):
        return None
    return account


# ------------------------------------------------------------------------------------------- throttling


class LoginThrottle:
    """Slows down password guessing: every failure for a name costs a growing delay, and after ``limit``
    failures within ``window`` seconds the name is locked for ``lockout`` seconds (across sessions)."""

    def __init__(self, limit: int = 5, window: float = 300, lockout: float = 300, clock=time.monotonic):
        self.limit, self.window, self.lockout, self.clock = limit, window, lockout, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        now = self.clock()
        kept = [t for t in self._failures.get(key, []) if now - t < max(self.window, self.lockout)]
        self._failures[key] = kept
        return kept

    def locked_for(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when it may)."""
        key = (name or "").lower()
        with self._lock:
            recent = self._recent(key)
            in_window = [t for t in recent if self.clock() - t < self.window]
            if len(in_window) < self.limit:
                return 0.0
            return max(0.0, recent[-1] + self.lockout - self.clock())

    def failure(self, name: str) -> float:
        """Record a failure; the delay (seconds) to wait before answering."""
        key = (name or "").lower()
        with self._lock:
            recent = self._recent(key)
            recent.append(self.clock())
            return min(0.5 * len(recent), 3.0)

    def success(self, name: str) -> None:
        with self._lock:
            self._failures.pop((name or "").lower(), None)
