"""Accounts and sign-in: who may use the product, in which role, proved by a password hashed with argon2id.

No account has a default password. A store's first administrator, and the
demo's account per role, get a random one-time password that is printed
once and must be replaced at the first sign-in. Five failed attempts in a
row lock an account for 15 minutes; the count lives in the metadata store,
so it holds across browser sessions, server processes and the shell.
Every sign-in, failed sign-in and account change goes to the audit log.

The shell's `--as USER` names an account too: whoever runs a command on the
server already holds the store's files, so a password there would protect
nothing; the account decides the role and the audit log says who acted.
"""

import getpass
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from genome.access import ROLES, AccessDenied
from genome.audit import record
from genome.errors import InputError, Refused
from store.meta import UserAccount, utc

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 12
DEMO_ACCOUNTS = {"demo-marketer": "marketer", "demo-service": "service", "demo-manager": "manager"}

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# verified against when the name is unknown, so a wrong name takes as long as a wrong password
_UNKNOWN = _hasher.hash(secrets.token_urlsafe(16))


class SignInRefused(Refused):
    """A sign-in that did not succeed: wrong name or password, a locked or a disabled account."""


@dataclass(frozen=True)
class Actor:
    """A signed-in person (or the account named by a shell command's `--as`)."""

    name: str
    role: str
    must_change_password: bool = False
    external: bool = False  # signed in by the company's identity provider, not with a password here


def shell_user() -> str:
    """Who runs a shell command that changes accounts, for the audit log."""
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell"


def one_time_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


def check_password(password: str, *, name: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters; this one has {len(password)}")
    if password.strip().lower() == name.strip().lower() or len(set(password)) < 4:
        raise InputError("this password is too easy to guess: use a passphrase of several words")


# a letter first, then letters, digits and . _ @ -: never HTML, a spreadsheet formula or a space
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._@-]{0,79}")


def _name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise InputError("a user name is a letter, then up to 79 letters, digits, dots, dashes, underscores or @, "
                         f"without spaces, like jane.doe; got {name!r}")
    return name


def get_account(s: Session, *, name: str) -> UserAccount | None:
    return s.exec(select(UserAccount).where(UserAccount.name == name.strip())).first()


def list_accounts(s: Session) -> list[UserAccount]:
    return list(s.exec(select(UserAccount).order_by(UserAccount.name)))


def add_account(s: Session, *, name: str, role: str, password: str | None = None,
                by: str) -> tuple[UserAccount, str | None]:
    """Add an account; without `password` it gets a one-time password, returned once and changed at first
    sign-in. Returns the account and that one-time password (None when a password was given)."""
    name = _name(name)
    if role not in ROLES:
        raise InputError(f"{role!r} is not a role: one of {', '.join(ROLES)}")
    generated = password is None
    password = one_time_password() if generated else password
    check_password(password, name=name)
    if get_account(s, name=name) is not None:
        raise InputError(f"there is already a user named {name!r}: choose another name")
    account = UserAccount(name=name, role=role, password_hash=_hasher.hash(password), must_change_password=generated)
    s.add(account)
    try:
        s.commit()
    except IntegrityError:  # added by someone else at the same moment
        s.rollback()
        raise InputError(f"there is already a user named {name!r}: choose another name") from None
    s.refresh(account)
    record(s, actor=by, role="shell", action="account change",
           target=name, detail=f"added as {role}")
    s.refresh(account)
    return account, password if generated else None


def _existing(s: Session, name: str) -> UserAccount:
    account = get_account(s, name=name)
    if account is None:
        raise InputError(f"no user named {name.strip()!r}: `genome users list` shows them")
    return account


def set_disabled(s: Session, *, name: str, disabled: bool, by: str) -> UserAccount:
    """Disable an account (it can no longer sign in, and a signed-in session ends at its next step) or enable it."""
    account = _existing(s, name)
    if disabled and account.role == "admin" and not account.disabled and _active_admins(s) <= 1:
        raise Refused(f"{account.name!r} is the only active administrator: add another before disabling it")
    account.disabled = disabled
    s.add(account)
    s.commit()
    record(s, actor=by, role="shell", action="account change",
           target=account.name, detail="disabled" if disabled else "enabled")
    s.refresh(account)
    return account


def reset_password(s: Session, *, name: str, by: str) -> str:
    """A new one-time password for `name` (forgotten password, or a lock to lift now); returned once."""
    account = _existing(s, name)
    password = one_time_password()
    account.password_hash = _hasher.hash(password)
    account.must_change_password, account.failed_attempts, account.locked_until = True, 0, None
    s.add(account)
    s.commit()
    record(s, actor=by, role="shell", action="account change",
           target=account.name, detail="password reset to a one-time password")
    return password


def _active_admins(s: Session) -> int:
    return len(s.exec(select(UserAccount.id).where(UserAccount.role == "admin", UserAccount.disabled == False)  # noqa: E712
                      ).all())


def _fail(s: Session, account: UserAccount | None, name: str, why: str, now: datetime) -> SignInRefused:
    if account is not None:
        # one statement, so two wrong attempts at the same moment both count
        s.exec(update(UserAccount).where(UserAccount.id == account.id)
               .values(failed_attempts=UserAccount.failed_attempts + 1))
        s.commit()
        s.refresh(account)
        if account.failed_attempts >= MAX_FAILURES:
            account.locked_until, account.failed_attempts = now + LOCKOUT, 0
            s.add(account)
            s.commit()
            why = f"{why}; after {MAX_FAILURES} failed attempts the account is locked for 15 minutes"
    record(s, actor=name[:80], role=account.role if account else "", action="failed sign-in", target=name[:80],
           detail=why)
    if account is not None and account.locked_until and utc(account.locked_until) > now:
        return SignInRefused(_locked(account))
    return SignInRefused("wrong user name or password")


def _locked(account: UserAccount) -> str:
    return (f"too many failed attempts: this account is locked until {utc(account.locked_until):%H:%M} UTC; "
            "an administrator can lift it sooner by resetting the password")


def sign_in(s: Session, *, name: str, password: str, now: datetime | None = None) -> Actor:
    """The account's actor when `password` is its password; otherwise SignInRefused, counted towards the lock."""
    now = now or datetime.now(UTC)
    account = get_account(s, name=name) if name.strip() else None
    if account is not None and account.locked_until and utc(account.locked_until) > now:
        record(s, actor=account.name, role=account.role, action="failed sign-in", target=account.name,
               detail="account locked")
        raise SignInRefused(_locked(account))
    try:
        _hasher.verify(account.password_hash if account else _UNKNOWN, password)
        matched = account is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched:
        raise _fail(s, account, name.strip(), "wrong password" if account else "unknown user name", now)
    if account.disabled:
        record(s, actor=account.name, role=account.role, action="failed sign-in", target=account.name,
               detail="account disabled")
        raise SignInRefused("this account is disabled: ask an administrator")
    account.failed_attempts, account.locked_until, account.last_sign_in = 0, None, now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    s.add(account)
    s.commit()
    record(s, actor=account.name, role=account.role, action="sign-in", target=account.name)
    return Actor(account.name, account.role, account.must_change_password)


def change_password(s: Session, *, name: str, old: str, new: str) -> Actor:
    """Replace a password (the one-time one at first sign-in): the old one must be right, the new one good."""
    account = _existing(s, name)
    try:
        _hasher.verify(account.password_hash, old)
    except (VerificationError, InvalidHashError):
        raise SignInRefused("the current password is not right") from None
    if new == old:
        raise InputError("choose a new password, not the current one")
    check_password(new, name=account.name)
    account.password_hash, account.must_change_password = _hasher.hash(new), False
    s.add(account)
    s.commit()
    record(s, actor=account.name, role=account.role, action="account change", target=account.name,
           detail="password changed")
    return Actor(account.name, account.role)


def in_force(s: Session, *, name: str) -> Actor | None:
    """The account as it stands now (role changes and disabling take effect at a session's next step)."""
    account = get_account(s, name=name)
    if account is None or account.disabled:
        return None
    return Actor(account.name, account.role, account.must_change_password)


def acting(s: Session, *, name: str) -> Actor:
    """The account a shell command's `--as` names, refused when it does not exist or is disabled."""
    account = get_account(s, name=name)
    if account is None:
        raise AccessDenied(f"no user named {name.strip()!r}: `genome users list` shows them, "
                           "`genome users add NAME --role ROLE` adds one")
    if account.disabled:
        raise AccessDenied(f"the account {account.name!r} is disabled")
    return Actor(account.name, account.role)


def identity_provider_actor(claims: dict, *, role_claim: str) -> Actor:
    """The person an identity provider signed in, from their ID-token claims: named by their e-mail (else their
    subject), in the role the claim `role_claim` names; refused when it names none of the product's roles."""
    name = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "").strip()
    if not name:
        raise SignInRefused("the identity provider sent no e-mail or subject to know you by")
    value = claims.get(role_claim)
    roles = [value] if isinstance(value, str) else list(value or [])
    granted = [r.strip().lower() for r in roles if isinstance(r, str) and r.strip().lower() in ROLES]
    if not granted:
        raise SignInRefused(f"your company account has no Customer Genome role: ask for the claim {role_claim!r} "
                            f"to name one of {', '.join(ROLES)}")
    # several roles: the one that may do the most
    return Actor(name, max(granted, key=lambda r: ("manager", "service", "marketer", "admin").index(r)),
                 external=True)


def ensure_administrator(s: Session, *, by: str) -> tuple[str, str] | None:
    """When no active administrator exists, add one with a one-time password; returns (name, password) once."""
    if _active_admins(s):
        return None
    name = "admin"
    n = 1
    while get_account(s, name=name) is not None:
        n += 1
        name = f"admin{n}"
    _, password = add_account(s, name=name, role="admin", by=by)
    return name, password


def ensure_demo_accounts(s: Session, *, by: str) -> list[tuple[str, str, str]]:
    """One account per non-admin role for trying the demo, each with a one-time password; returns those added
    as (name, role, password)."""
    added = []
    for name, role in DEMO_ACCOUNTS.items():
        if get_account(s, name=name) is None:
            _, password = add_account(s, name=name, role=role, by=by)
            added.append((name, role, password))
    return added
