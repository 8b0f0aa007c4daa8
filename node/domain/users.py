"""Window users: login with lockout, session tokens, passwords and roles."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import (
    AccountLocked,
    Conflict,
    InputError,
    InvalidCredentials,
    NotFound,
    Unauthenticated,
    WeakPassword,
)
from node import clock
from node.domain.access import ANONYMOUS, Actor, Role, require
from node.domain.inputs import check_lengths
from node.domain.pagination import Page, paginate
from node.models import User

ADMIN_ONLY = frozenset({Role.WINDOW_ADMIN})
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("smenet-dummy-password")


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    token_ttl: timedelta
    max_failed_logins: int
    lockout: timedelta


# Names the audit log uses for callers without an account.
RESERVED_USERNAMES = frozenset({"anonymous", "public", "enterprise", "seed", "hub"})


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _parse_roles(roles: list[str]) -> list[str]:
    try:
        return sorted({Role(r).value for r in roles})
    except ValueError:
        raise InputError(f"roles must be among {', '.join(Role)}") from None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def issue_token(user: User, policy: LoginPolicy) -> str:
    now = clock.now()
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "exp": now + policy.token_ttl,
    }
    return jwt.encode(claims, policy.secret, algorithm="HS256")


async def login(username: str, password: str, policy: LoginPolicy) -> tuple[str, User]:
    """Check the password; repeated failures lock the account for ``policy.lockout``."""
    now = clock.now()
    known = await User.get_or_none(username=username)
    # Hashing takes tens of milliseconds: off the event loop, and before any row is locked.
    ok = await asyncio.to_thread(
        _verify, _DUMMY_HASH if known is None else known.password_hash, password
    )
    if known is None:
        raise InvalidCredentials("unknown user or wrong password")
    async with in_transaction():
        user = await User.filter(id=known.id).select_for_update().first()
        if user is None:
            raise InvalidCredentials("unknown user or wrong password")
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(f"account locked until {user.locked_until.isoformat()}")
        # A password changed meanwhile: the hash checked above is no longer the one stored.
        ok = ok and user.password_hash == known.password_hash
        if not ok:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failed_logins:
                user.failed_logins = 0
                user.locked_until = now + policy.lockout
        else:
            user.failed_logins, user.locked_until = 0, None
        await user.save(update_fields=["failed_logins", "locked_until"])
    # Raised after the commit: the failure count must survive the error.
    if not ok:
        raise InvalidCredentials("unknown user or wrong password")
    return issue_token(user, policy), user


async def authenticate(token: str | None, secret: str) -> Actor:
    """The actor a bearer token stands for; no token means anonymous."""
    if not token:
        return ANONYMOUS
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
        user_id = uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthenticated("invalid or expired token") from None
    user = await User.get_or_none(id=user_id)
    if user is None or user.token_version != claims.get("ver"):
        raise Unauthenticated("invalid or expired token")
    return Actor(username=user.username, user_id=user.id, roles=frozenset(map(Role, user.roles)))


async def create_user(
    actor: Actor, username: str, password: str, roles: list[str], display_name: str = ""
) -> User:
    require(actor, ADMIN_ONLY, "create users")
    username = username.strip()
    if not username:
        raise InputError("username must not be empty")
    if username.lower() in RESERVED_USERNAMES:
        raise InputError(f"{username!r} is reserved")
    check_lengths(User, {"username": username, "display_name": display_name})
    check_password_strength(password)
    try:
        return await User.create(
            username=username,
            display_name=display_name,
            password_hash=_hasher.hash(password),
            roles=_parse_roles(roles),
        )
    except IntegrityError:
        raise Conflict(f"user {username!r} already exists") from None


async def create_first_admin(username: str, password: str) -> User:
    """The window's first WINDOW_ADMIN, made by `smenet node init` (there is no actor yet)."""
    check_password_strength(password)
    return await User.create(
        username=username, password_hash=_hasher.hash(password), roles=[Role.WINDOW_ADMIN.value]
    )


async def get_user(user_id: uuid.UUID) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("no such user")
    return user


async def list_users(actor: Actor, first: int, after: str | None) -> Page[User]:
    require(actor, ADMIN_ONLY, "list users")
    return await paginate(User.all(), first, after)


async def set_user_roles(actor: Actor, user_id: uuid.UUID, roles: list[str]) -> User:
    require(actor, ADMIN_ONLY, "set user roles")
    parsed = _parse_roles(roles)
    user = await get_user(user_id)
    if user.id == actor.user_id and Role.WINDOW_ADMIN.value not in parsed:
        # Otherwise a window could lose its last administrator by accident.
        raise InputError("an administrator cannot remove WINDOW_ADMIN from themselves")
    user.roles = parsed
    await user.save(update_fields=["roles"])
    return user


async def change_password(actor: Actor, current: str, new: str) -> User:
    if actor.user_id is None:
        raise Unauthenticated("log in to change your password")
    user = await get_user(actor.user_id)
    if not _verify(user.password_hash, current):
        raise InvalidCredentials("the current password is wrong")
    check_password_strength(new)
    return await _store_password(user, new)


async def reset_password(actor: Actor, user_id: uuid.UUID, new: str) -> User:
    require(actor, ADMIN_ONLY, "reset passwords")
    check_password_strength(new)
    return await _store_password(await get_user(user_id), new)


async def _store_password(user: User, password: str) -> User:
    user.password_hash = _hasher.hash(password)
    user.token_version += 1
    user.failed_logins, user.locked_until = 0, None
    await user.save(
        update_fields=["password_hash", "token_version", "failed_logins", "locked_until"]
    )
    return user
