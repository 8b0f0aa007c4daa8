"""User accounts, a convention both servers share: who is calling, role checks, password rules
and hashing, login (with the wait after wrong passwords of ``federation.lockout``) and signed
session tokens, and the users of a server.

Each server keeps its own user table (a subclass of ``Account``) and role names, and serves its
users through an ``Accounts`` over them. Session tokens are the server's own (HS256 with its
secret) and unrelated to the EdDSA tokens between hub and nodes (``federation.trust``).
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from federation import lockout
from federation.errors import (
    Conflict,
    Forbidden,
    InputError,
    InvalidCredentials,
    NotFound,
    Unauthenticated,
    WeakPassword,
)
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from federation.storage import Record

__all__ = [
    "ANONYMOUS",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "AccountSettings",
    "Accounts",
    "Actor",
    "LoginPolicy",
    "check_login",
    "check_password_strength",
    "hash_password",
    "issue_session_token",
    "require",
    "session_account",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 8
USERNAME_LENGTH = 64
_WRONG = "unknown user or wrong password"
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("smenet-dummy-password")


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user with roles (each server's role enum is a ``StrEnum``), or nobody.
    A caller the other side vouches for with its token (``federation.trust``) has no user row
    here: ``via`` names that side ("hub", or a window id) instead."""

    username: str
    user_id: uuid.UUID | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    via: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.via is not None

    def has_any(self, roles: frozenset[str]) -> bool:
        return not self.roles.isdisjoint(roles)


ANONYMOUS = Actor(username="anonymous")


def require(actor: Actor, roles: frozenset[str], action: str) -> None:
    """Raise ``UNAUTHENTICATED`` for anonymous callers, ``FORBIDDEN`` for a missing role."""
    if not actor.authenticated:
        raise Unauthenticated(f"log in to {action}")
    if not actor.has_any(roles):
        needed = " or ".join(sorted(roles))
        raise Forbidden(f"{action} needs the role {needed}")


class Account(Record):
    """The columns of a server's user table."""

    username = fields.CharField(max_length=USERNAME_LENGTH, unique=True)
    display_name = fields.CharField(max_length=128, default="")
    password_hash = fields.CharField(max_length=255)
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    # Until when some client address waits before it may try this account's password again
    # (``federation.lockout``); other addresses may log in meanwhile.
    locked_until = fields.DatetimeField(null=True)
    # Bumped on every password change or reset, which invalidates older session tokens.
    token_version = fields.IntField(default=0)

    class Meta:
        abstract = True


# A server's user table.
U = TypeVar("U", bound=Account)


class AccountSettings(Protocol):
    """The settings of a server's accounts, from its ``smenet.toml``."""

    secret: str
    token_ttl_minutes: int
    max_failed_logins: int
    lockout_minutes: int


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    token_ttl: timedelta
    max_failed_logins: int
    lockout: timedelta

    @classmethod
    def of(cls, settings: AccountSettings) -> LoginPolicy:
        return cls(
            secret=settings.secret,
            token_ttl=timedelta(minutes=settings.token_ttl_minutes),
            max_failed_logins=settings.max_failed_logins,
            lockout=timedelta(minutes=settings.lockout_minutes),
        )


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def issue_session_token(user: Account, policy: LoginPolicy, now: datetime) -> str:
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "exp": now + policy.token_ttl,
    }
    return jwt.encode(claims, policy.secret, algorithm="HS256")


async def check_login(
    model: type[U],
    failures: type[lockout.LoginFailure],
    username: str,
    password: str,
    address: str,
    policy: LoginPolicy,
    now: datetime,
) -> U:
    """The user ``username`` if ``password`` is right. Wrong ones from the client ``address``
    make that address wait before it tries ``username`` again (``federation.lockout``); an
    unknown username is answered exactly as a wrong password. ``model`` is the server's user
    table, ``failures`` its table of wrong passwords."""
    if len(username) > USERNAME_LENGTH:  # no account has such a name: nothing to count
        raise InvalidCredentials(_WRONG)
    await lockout.check_waiting(failures, username, address, now)
    known = await model.get_or_none(username=username)
    # Hashing takes tens of milliseconds: off the event loop.
    ok = await asyncio.to_thread(
        verify_password, _DUMMY_HASH if known is None else known.password_hash, password
    )
    # Read again: a password changed meanwhile makes the hash checked above an old one, and the
    # session token must carry the token version of now.
    user = await model.get_or_none(id=known.id) if ok and known is not None else None
    if user is None or known is None or user.password_hash != known.password_hash:
        waits_until = await lockout.record_failure(
            failures, username, address, now, policy.max_failed_logins, policy.lockout
        )
        if waits_until is not None:  # the same query whether the user exists or not
            later = Q(locked_until__isnull=True) | Q(locked_until__lt=waits_until)
            await model.filter(later, username=username).update(locked_until=waits_until)
        raise InvalidCredentials(_WRONG)
    await lockout.forget(failures, username, address)
    return user


async def session_account(model: type[U], token: str, secret: str) -> U:
    """The user a session token stands for, or ``UNAUTHENTICATED``."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
        user_id = uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthenticated("invalid or expired token") from None
    user = await model.get_or_none(id=user_id)
    if user is None or user.token_version != claims.get("ver"):
        raise Unauthenticated("invalid or expired token")
    return user


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Accounts(Generic[U]):
    """The users of one server: its user table and its table of wrong passwords, its role enum,
    the role that manages users, the usernames nobody may take (those the audit log uses for
    callers without an account) and the clock that login stamps waits and tokens with."""

    def __init__(
        self,
        model: type[U],
        failures: type[lockout.LoginFailure],
        roles: type[enum.StrEnum],
        admin: enum.StrEnum,
        reserved: frozenset[str],
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.model, self.failures, self.roles, self.admin = model, failures, roles, admin
        self.admins = frozenset({admin})
        self.reserved, self.now = reserved, now

    def parse_roles(self, roles: Iterable[str]) -> list[str]:
        try:
            return sorted({self.roles(r).value for r in roles})
        except ValueError:
            raise InputError(f"roles must be among {', '.join(self.roles)}") from None

    async def login(
        self, username: str, password: str, policy: LoginPolicy, address: str
    ) -> tuple[str, U]:
        """Check the password of a login from the client ``address`` (``check_login``)."""
        now = self.now()
        user = await check_login(
            self.model, self.failures, username, password, address, policy, now
        )
        return issue_session_token(user, policy, now), user

    async def unlock(self, username: str) -> U:
        """End every address's wait for ``username`` (``smenet … user unlock``)."""
        user = await self.model.get_or_none(username=username)
        if user is None:
            raise NotFound(f"no user {username[:USERNAME_LENGTH]!r}")
        await lockout.forget(self.failures, username)
        user.locked_until = None
        await user.save(update_fields=["locked_until"])
        return user

    async def _store_password(self, user: U, password: str) -> None:
        """Set a new password: older session tokens stop working and every wait ends."""
        user.password_hash = hash_password(password)
        user.token_version += 1
        user.locked_until = None
        await user.save(update_fields=["password_hash", "token_version", "locked_until"])
        await lockout.forget(self.failures, user.username)

    async def authenticate(self, token: str | None, secret: str) -> Actor:
        """The actor a bearer token stands for; no token means anonymous."""
        if not token:
            return ANONYMOUS
        user = await session_account(self.model, token, secret)
        roles = frozenset(map(self.roles, user.roles))
        return Actor(username=user.username, user_id=user.id, roles=roles)

    async def create_user(
        self,
        actor: Actor,
        username: str,
        password: str,
        roles: Iterable[str],
        display_name: str = "",
    ) -> U:
        require(actor, self.admins, "create users")
        username = username.strip()
        if not username:
            raise InputError("username must not be empty")
        if username.lower() in self.reserved:
            raise InputError(f"{username!r} is reserved")
        check_lengths(self.model, {"username": username, "display_name": display_name})
        check_password_strength(password)
        parsed = self.parse_roles(roles)
        try:
            return await self.model.create(
                username=username,
                display_name=display_name,
                password_hash=hash_password(password),
                roles=parsed,
            )
        except IntegrityError:
            raise Conflict(f"user {username!r} already exists") from None

    async def create_first_admin(self, username: str, password: str) -> U:
        """The server's first administrator, made by `smenet … init` (there is no actor yet)."""
        check_password_strength(password)
        return await self.model.create(
            username=username, password_hash=hash_password(password), roles=[self.admin.value]
        )

    async def get_user(self, user_id: uuid.UUID) -> U:
        user = await self.model.get_or_none(id=user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def list_users(self, actor: Actor, first: int, after: str | None) -> Page[U]:
        require(actor, self.admins, "list users")
        return await paginate(self.model.all(), first, after)

    async def set_user_roles(self, actor: Actor, user_id: uuid.UUID, roles: Iterable[str]) -> U:
        require(actor, self.admins, "set user roles")
        parsed = self.parse_roles(roles)
        user = await self.get_user(user_id)
        if user.id == actor.user_id and self.admin.value not in parsed:
            # Otherwise the server could lose its last administrator by accident.
            raise InputError(f"an administrator cannot remove {self.admin} from themselves")
        user.roles = parsed
        await user.save(update_fields=["roles"])
        return user

    async def end_sessions(self, actor: Actor) -> None:
        """Log out: every session token the user holds stops working (a stateless token cannot
        be withdrawn alone), here and in any other browser or client."""
        if actor.user_id is None:
            raise Unauthenticated("log in to log out")
        user = await self.get_user(actor.user_id)
        user.token_version += 1
        await user.save(update_fields=["token_version"])

    async def change_password(self, actor: Actor, current: str, new: str) -> U:
        if actor.user_id is None:
            raise Unauthenticated("log in to change your password")
        user = await self.get_user(actor.user_id)
        if not verify_password(user.password_hash, current):
            raise InvalidCredentials("the current password is wrong")
        check_password_strength(new)
        await self._store_password(user, new)
        return user

    async def reset_password(self, actor: Actor, user_id: uuid.UUID, new: str) -> U:
        require(actor, self.admins, "reset passwords")
        check_password_strength(new)
        user = await self.get_user(user_id)
        await self._store_password(user, new)
        return user
