"""The window registry and its onboarding workflow (申报 → 审核 → 批准 → 公示 → 接入, DESIGN §6).

    (apply)        → APPLIED         HUB_OPERATOR files the application and its materials
    APPLIED        → UNDER_REVIEW    HUB_OPERATOR starts the review
    UNDER_REVIEW   → APPROVED        the last of ``reviews_required`` EXPERT_REVIEWER reviews,
                   | REJECTED        all of them APPROVE; else REJECTED with the reviewers' reasons
    APPROVED       → IN_PUBLICITY    HUB_OPERATOR; the publicity ends ``publicity_days`` later
    IN_PUBLICITY   → REJECTED        an objection (anyone may file one) upheld by HUB_OPERATOR
    IN_PUBLICITY   → CONNECTED       HUB_OPERATOR, once the publicity ended with every objection
                                     resolved, and the node passed the checks of ``probe``
    CONNECTED | RECTIFYING → SUSPENDED → CONNECTED (reinstate)           HUB_OPERATOR
    CONNECTED | RECTIFYING | SUSPENDED → REVOKED                        HUB_ADMIN
    CONNECTED      → RECTIFYING      a FAIL in the yearly assessment (hub.domain.assessment)
    RECTIFYING     → CONNECTED       its re-check passed (or the FAIL was overridden)
    RECTIFYING     → REVOKED         a SUPERVISOR approved the hub's revocation request
    REJECTED       → APPLIED         a new application (the next round) of the same window

Choices: applications are filed by a HUB_OPERATOR on the window's behalf (the organisation hands
in its materials; an open form would need the rate limits that come later, DESIGN §10), while
objections are open to anyone, anonymous callers included. A REJECTED window may apply again: a
new round, with its own reviews and objections. REVOKED is final: window ids are never reused, so
the record IDs a revoked window issued stay unambiguous. RECTIFYING windows stay on the
network: rectification is supervision, not suspension.

Any step from a status it does not leave raises ``INVALID_TRANSITION`` before anything is written.
Each step locks the window's row, so concurrent steps on one window apply one after the other,
and writes one ``WindowTransition`` with actor, time and note.
"""

from __future__ import annotations

import contextlib
import enum
import re
import uuid
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import (
    AlreadyReviewed,
    Conflict,
    InputError,
    InvalidIndustryCode,
    InvalidKey,
    InvalidRegionCode,
    InvalidTransition,
    KeyNotPublished,
    LimitExceeded,
    NotFound,
)
from federation.ids import WINDOW_ID_PATTERN, check_window_id
from federation.inputs import check_lengths, quote, required_text
from federation.lockout import ADDRESS_LENGTH
from federation.trust import public_key, thumbprint
from hub.domain import agreements, probe
from hub.domain.access import ADMIN, OPERATOR, REVIEWER, Actor, require
from hub.models import Application, Objection, Review, Window, WindowKey, WindowTransition

__all__ = [
    "ApplicationForm",
    "CheckedConnection",
    "Material",
    "ObjectionStatus",
    "Recommendation",
    "WindowKind",
    "WindowStatus",
    "add_window_key",
    "apply",
    "check_connection",
    "connect_window",
    "current_application",
    "current_keys",
    "file_objection",
    "get_window",
    "list_windows",
    "move_window",
    "reinstate",
    "resolve_objection",
    "revoke",
    "revoke_window_key",
    "start_publicity",
    "start_review",
    "submit_review",
    "suspend",
]


class WindowStatus(enum.StrEnum):
    APPLIED = "APPLIED"
    UNDER_REVIEW = "UNDER_REVIEW"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    IN_PUBLICITY = "IN_PUBLICITY"
    CONNECTED = "CONNECTED"
    RECTIFYING = "RECTIFYING"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"


class WindowKind(enum.StrEnum):
    COMPREHENSIVE = "COMPREHENSIVE"
    INDUSTRY = "INDUSTRY"


class Recommendation(enum.StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class ObjectionStatus(enum.StrEnum):
    OPEN = "OPEN"
    UPHELD = "UPHELD"
    DISMISSED = "DISMISSED"


S = WindowStatus
# Statuses of a window whose node has been connected: it has keys, and may be suspended.
ON_NETWORK = frozenset({S.CONNECTED, S.RECTIFYING})
KEYED = ON_NETWORK | {S.SUSPENDED}

# The hub's own records carry "hub" where a window's carry its window id.
RESERVED_WINDOW_IDS = frozenset({"hub"})
_REGION_CODE = re.compile(r"^\d{6}$")
_REGION_PREFIX = re.compile(r"^\d{1,6}$")
# GB/T 4754-2017: a section letter, optionally with a 2-, 3- or 4-digit class.
_INDUSTRY_CODE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")
MAX_MATERIALS = 50
TEXT_LIMIT = 4000


def _now() -> datetime:
    return datetime.now(UTC)


# Input


@dataclass(frozen=True)
class Material:
    """One item of an application's materials: a document named, described and maybe linked."""

    title: str
    description: str = ""
    url: str | None = None


@dataclass(frozen=True)
class ApplicationForm:
    window_id: str
    name: str
    kind: str
    region_code: str
    organisation: str
    contact_name: str
    service_scope: str
    contact_phone: str = ""
    contact_email: str = ""
    industries: list[str] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)


def check_region_code(code: str) -> str:
    """A region code's format (6 digits, GB/T 2260); the node checks it against the standard."""
    code = code.strip()
    if not _REGION_CODE.match(code):
        raise InvalidRegionCode(f"region code must be 6 digits, got {quote(code)}")
    return code


def _window_id(value: str) -> str:
    value = value.strip()
    if not WINDOW_ID_PATTERN.match(value) or value in RESERVED_WINDOW_IDS:
        raise InputError(
            "windowId: lower-case letters, digits and dashes, 2–63 characters, not 'hub'",
            field="windowId",
        )
    return value


def _material(item: Material) -> dict[str, Any]:
    url = (item.url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
            raise InputError("a material's url must be an http(s) URL", field="materials")
    description = item.description.strip()
    if len(description) > TEXT_LIMIT:
        raise InputError(f"a material's description is longer than {TEXT_LIMIT} characters")
    return {
        "title": required_text(item.title, "materials.title", 200),
        "description": description,
        "url": url,
    }


def _checked_form(form: ApplicationForm) -> tuple[dict[str, Any], dict[str, Any]]:
    """The window's and the application's fields, checked; or the first problem."""
    try:
        kind = WindowKind(form.kind)
    except ValueError:
        raise InputError(f"kind must be one of {', '.join(WindowKind)}", field="kind") from None
    industries = [code.strip() for code in form.industries]
    for code in industries:
        if not _INDUSTRY_CODE.match(code):
            raise InvalidIndustryCode(f"{quote(code)} is not a GB/T 4754-2017 industry code")
    if kind is WindowKind.INDUSTRY and not industries:
        raise InputError("an industry window names its industries", field="industries")
    if len(form.materials) > MAX_MATERIALS:
        raise InputError(f"at most {MAX_MATERIALS} material items", field="materials")
    window = {
        "window_id": _window_id(form.window_id),
        "name": required_text(form.name, "name", 200),
        "kind": kind.value,
        "region_code": check_region_code(form.region_code),
    }
    contact = {
        "contact_name": required_text(form.contact_name, "contact.name", 100),
        "contact_phone": form.contact_phone.strip(),
        "contact_email": form.contact_email.strip(),
    }
    check_lengths(Application, contact)
    if not (contact["contact_phone"] or contact["contact_email"]):
        raise InputError("the contact needs a phone number or an email address", field="contact")
    application = {
        "organisation": required_text(form.organisation, "organisation", 200),
        **contact,
        "service_scope": required_text(form.service_scope, "serviceScope", TEXT_LIMIT),
        "industries": sorted(set(industries)),
        "materials": [_material(m) for m in form.materials],
    }
    return window, application


# Steps


async def _lock(window_id: str, connection: BaseDBAsyncClient) -> Window:
    """The window, locked until the transaction ends, so its status cannot change under us."""
    query = Window.filter(window_id=check_window_id(window_id))
    window = await query.select_for_update().using_db(connection).first()
    if window is None:
        raise NotFound(f"no window {window_id!r} in the registry")
    return window


def _check(window: Window, allowed_from: Set[WindowStatus], step: str) -> None:
    if window.status not in allowed_from:
        raise InvalidTransition(
            f"window {window.window_id} is {window.status}: {step} needs"
            f" {' or '.join(sorted(allowed_from))}",
            status=window.status,
        )


async def _move(
    window: Window,
    to: WindowStatus,
    actor: Actor,
    note: str,
    connection: BaseDBAsyncClient,
    **changes: Any,
) -> Window:
    previous = window.status
    window.update_from_dict({"status": to.value, **changes})
    await window.save(using_db=connection)
    await WindowTransition.create(
        window_id=window.id,
        from_status=previous,
        to_status=to.value,
        actor=actor.username,
        note=note,
        using_db=connection,
    )
    return window


async def _step(
    actor: Actor,
    roles: frozenset[str],
    window_id: str,
    allowed_from: Set[WindowStatus],
    to: WindowStatus,
    note: str,
    **changes: Any,
) -> Window:
    require(actor, roles, f"move windows to {to}")
    async with in_transaction() as connection:
        window = await _lock(window_id, connection)
        _check(window, allowed_from, f"moving to {to}")
        return await _move(window, to, actor, note, connection, **changes)


async def apply(actor: Actor, form: ApplicationForm) -> Window:
    """File an application: a new window, or the next round of a REJECTED one."""
    require(actor, OPERATOR, "file applications")
    window_fields, application_fields = _checked_form(form)
    window_id = window_fields["window_id"]
    try:
        async with in_transaction() as connection:
            window = (
                await Window.filter(window_id=window_id)
                .select_for_update()
                .using_db(connection)
                .first()
            )
            if window is None:
                window = await Window.create(
                    **window_fields, status=S.APPLIED.value, using_db=connection
                )
                await WindowTransition.create(
                    window_id=window.id,
                    to_status=S.APPLIED.value,
                    actor=actor.username,
                    note="application filed",
                    using_db=connection,
                )
                round_ = 1
            else:
                _check(window, {S.REJECTED}, "a new application")
                round_ = await Application.filter(window_id=window.id).using_db(connection).count()
                round_ += 1
                await _move(
                    window,
                    S.APPLIED,
                    actor,
                    f"application round {round_} filed",
                    connection,
                    **window_fields,
                    rejection_reasons=[],
                )
            await Application.create(
                window_id=window.id,
                round=round_,
                submitted_by=actor.username,
                **application_fields,
                using_db=connection,
            )
            return window
    except IntegrityError:
        # Another application for the same new window id committed first.
        raise Conflict(f"window {window_id!r} has just been applied for") from None


async def start_review(actor: Actor, window_id: str, note: str = "") -> Window:
    return await _step(actor, OPERATOR, window_id, {S.APPLIED}, S.UNDER_REVIEW, note.strip())


async def submit_review(
    actor: Actor,
    window_id: str,
    score: int,
    opinion: str,
    recommendation: str,
    reviews_required: int,
) -> Review:
    """One expert's review of the current application; the last one needed decides."""
    require(actor, REVIEWER, "review applications")
    assert actor.user_id is not None
    if not 0 <= score <= 100:
        raise InputError("score must be between 0 and 100", field="score")
    opinion = required_text(opinion, "opinion", TEXT_LIMIT)
    try:
        verdict = Recommendation(recommendation)
    except ValueError:
        raise InputError("recommendation must be APPROVE or REJECT") from None
    async with in_transaction() as connection:
        window = await _lock(window_id, connection)
        _check(window, {S.UNDER_REVIEW}, "a review")
        application = await _current_application(window, connection)
        mine = Review.filter(application_id=application.id, reviewer_id=actor.user_id)
        if await mine.using_db(connection).exists():
            raise AlreadyReviewed(f"you have already reviewed window {window_id}'s application")
        review = await Review.create(
            application_id=application.id,
            reviewer_id=actor.user_id,
            score=score,
            opinion=opinion,
            recommendation=verdict.value,
            using_db=connection,
        )
        reviews = await Review.filter(application_id=application.id).using_db(connection)
        if len(reviews) >= reviews_required:
            await _decide(window, reviews, actor, connection)
        return review


async def _decide(
    window: Window, reviews: list[Review], actor: Actor, connection: BaseDBAsyncClient
) -> None:
    mean = sum(r.score for r in reviews) / len(reviews)
    rejections = [r.opinion for r in reviews if r.recommendation == Recommendation.REJECT]
    note = f"{len(reviews)} reviews, mean score {mean:.1f}"
    if rejections:
        await _move(window, S.REJECTED, actor, note, connection, rejection_reasons=rejections)
    else:
        await _move(window, S.APPROVED, actor, note, connection)


async def start_publicity(actor: Actor, window_id: str, publicity_days: int) -> Window:
    now = _now()
    ends = now + timedelta(days=publicity_days)
    return await _step(
        actor,
        OPERATOR,
        window_id,
        {S.APPROVED},
        S.IN_PUBLICITY,
        f"publicity until {ends.isoformat()}",
        publicity_starts_at=now,
        publicity_ends_at=ends,
    )


async def file_objection(
    actor: Actor, window_id: str, text: str, contact: str, address: str, max_open: int
) -> Objection:
    """Anyone may object to a window while its publicity runs; a HUB_OPERATOR then resolves
    it. At most ``max_open`` of a window's open objections come from one client ``address``:
    each holds up the connection until resolved, so no one caller may file them by the dozen."""
    text = required_text(text, "text", TEXT_LIMIT)
    contact = required_text(contact, "contact", 200)
    address = address[:ADDRESS_LENGTH]
    async with in_transaction() as connection:
        # Locked, so a connection cannot pass its "no open objection" check meanwhile, and
        # concurrent objections from one address are counted one after the other.
        window = await _lock(window_id, connection)
        _check(window, {S.IN_PUBLICITY}, "an objection")
        ends = window.publicity_ends_at
        # The status moves only when the window connects: the end of the publicity decides.
        if ends is None or _now() >= ends:
            raise InvalidTransition(
                f"window {window_id}'s publicity has ended: objections are no longer taken",
                status=window.status,
                publicityEndsAt=ends.isoformat() if ends else None,
            )
        application = await _current_application(window, connection)
        from_address = Objection.filter(
            application_id=application.id, address=address, status=ObjectionStatus.OPEN
        )
        open_objections = await from_address.using_db(connection).count()
        if open_objections >= max_open:
            raise LimitExceeded(
                f"{open_objections} objections from this address to window {window_id} are"
                " still open: file another once they are resolved",
                openObjections=open_objections,
            )
        return await Objection.create(
            application_id=application.id,
            text=text,
            contact=contact,
            filed_by=actor.username,
            address=address,
            using_db=connection,
        )


async def resolve_objection(
    actor: Actor, objection_id: uuid.UUID, resolution: str, note: str
) -> Objection:
    """UPHELD rejects the window (if still in publicity) with ``note`` as the reason;
    DISMISSED closes the objection with ``note``."""
    require(actor, OPERATOR, "resolve objections")
    note = required_text(note, "note", TEXT_LIMIT)
    try:
        outcome = ObjectionStatus(resolution)
    except ValueError:
        outcome = ObjectionStatus.OPEN
    if outcome is ObjectionStatus.OPEN:
        raise InputError("resolution must be UPHELD or DISMISSED", field="resolution")
    owner = await Window.filter(applications__objections__id=objection_id).first()
    if owner is None:
        raise NotFound(f"no objection {objection_id}")
    async with in_transaction() as connection:
        window = await _lock(owner.window_id, connection)
        objection = (
            await Objection.filter(id=objection_id).select_for_update().using_db(connection).first()
        )
        assert objection is not None
        if objection.status != ObjectionStatus.OPEN:
            raise InvalidTransition(
                f"this objection was already {objection.status}", status=objection.status
            )
        objection.update_from_dict(
            {
                "status": outcome.value,
                "resolution_note": note,
                "resolved_by": actor.username,
                "resolved_at": _now(),
            }
        )
        await objection.save(using_db=connection)
        current = await _current_application(window, connection)
        # An objection to an earlier round's publicity no longer decides anything.
        if (
            outcome is ObjectionStatus.UPHELD
            and window.status == S.IN_PUBLICITY
            and objection.application_id == current.id
        ):
            await _move(
                window,
                S.REJECTED,
                actor,
                f"objection upheld: {note}",
                connection,
                rejection_reasons=[note],
            )
        return objection


@dataclass(frozen=True)
class CheckedConnection:
    """A node that passed the connection checks, ready to be written by ``connect_window``."""

    window_id: str
    endpoint: str
    jwk: dict[str, Any]
    reading: probe.NodeReading


def public_jwk(jwk: Any) -> dict[str, Any]:
    """A window's public Ed25519 JWK, normalised, with its thumbprint as kid."""
    if not isinstance(jwk, dict):
        raise InvalidKey("the key must be a JWK object")
    try:
        public_key(jwk)
    except ValueError as error:
        raise InvalidKey(str(error)) from None
    kid = thumbprint(jwk)
    if jwk.get("kid", kid) != kid:
        raise InvalidKey("the key's kid must be its RFC 7638 thumbprint", expected=kid)
    return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "kid": kid, "alg": "EdDSA", "use": "sig"}


def _published_key(published: list[dict[str, Any]], key: dict[str, Any] | None) -> dict[str, Any]:
    """``key`` if the node publishes it; with no ``key``, the node's one published key."""
    usable: list[dict[str, Any]] = []
    for jwk in published:
        with contextlib.suppress(InvalidKey):
            usable.append(public_jwk({k: v for k, v in jwk.items() if k != "kid"}))
    kids = [jwk["kid"] for jwk in usable]
    if key is None:
        if len(usable) != 1:
            raise KeyNotPublished(
                f"the node publishes {len(usable)} Ed25519 keys: name the one to register",
                published=kids,
            )
        return usable[0]
    if key["kid"] not in kids:
        raise KeyNotPublished(
            f"key {key['kid']} is not among the node's published keys", published=kids
        )
    return key


async def _check_connectable(window: Window, connection: BaseDBAsyncClient | None = None) -> None:
    _check(window, {S.IN_PUBLICITY}, "connection")
    ends = window.publicity_ends_at
    if ends is None or _now() < ends:
        raise InvalidTransition(
            f"window {window.window_id}'s publicity runs until {ends.isoformat() if ends else '?'}",
            status=window.status,
            publicityEndsAt=ends.isoformat() if ends else None,
        )
    application = await _current_application(window, connection)
    query = Objection.filter(application_id=application.id, status=ObjectionStatus.OPEN)
    open_objections = await (query.using_db(connection) if connection else query).count()
    if open_objections:
        raise InvalidTransition(
            f"window {window.window_id} has {open_objections} unresolved objections",
            status=window.status,
            openObjections=open_objections,
        )


async def check_connection(
    actor: Actor, window_id: str, endpoint: str, jwk: Any | None, timeout: float
) -> CheckedConnection:
    """Everything before connecting that needs no lock: the workflow's preconditions, the key,
    and the node itself, read over HTTP (outside any transaction, so a slow node holds nothing).
    The key must be one the node publishes; without one, the node's only published key."""
    require(actor, OPERATOR, "connect windows")
    window = await get_window(window_id)
    if window is None:
        raise NotFound(f"no window {window_id!r} in the registry")
    await _check_connectable(window)
    key = None if jwk is None else public_jwk(jwk)
    url = probe.check_endpoint(endpoint)
    reading = await probe.read_node(url, timeout)
    probe.check_node(reading, window.window_id)
    key = _published_key(await probe.read_node_keys(url, timeout), key)
    return CheckedConnection(window_id=window.window_id, endpoint=url, jwk=key, reading=reading)


async def connect_window(actor: Actor, checked: CheckedConnection) -> Window:
    """Write a connection ``check_connection`` passed: CONNECTED, with what the node said."""
    require(actor, OPERATOR, "connect windows")
    reading = checked.reading
    async with in_transaction() as connection:
        window = await _lock(checked.window_id, connection)
        # Checked again under the lock: an objection may have arrived while the node was read.
        await _check_connectable(window, connection)
        await WindowKey.create(
            window_id=window.id, kid=checked.jwk["kid"], jwk=checked.jwk, using_db=connection
        )
        # So the hub's supervision reads it as before agreements came in.
        await agreements.create_default(window, actor, connection)
        return await _move(
            window,
            S.CONNECTED,
            actor,
            f"connected at {checked.endpoint}, core schema {reading.core_schema_version}",
            connection,
            endpoint=checked.endpoint,
            core_schema_version=reading.core_schema_version,
            node_version=reading.node_version,
            plugins=reading.plugins,
            sdl=reading.sdl,
            sdl_hash=reading.sdl_hash,
            connected_at=_now(),
        )


async def suspend(actor: Actor, window_id: str, reason: str) -> Window:
    reason = required_text(reason, "reason", TEXT_LIMIT)
    return await _step(
        actor, OPERATOR, window_id, ON_NETWORK, S.SUSPENDED, reason, status_reason=reason
    )


async def reinstate(actor: Actor, window_id: str, note: str = "") -> Window:
    return await _step(
        actor, OPERATOR, window_id, {S.SUSPENDED}, S.CONNECTED, note.strip(), status_reason=""
    )


async def revoke(actor: Actor, window_id: str, reason: str) -> Window:
    """Final: the window leaves the network and its keys are revoked with it."""
    require(actor, ADMIN, "revoke windows")
    reason = required_text(reason, "reason", TEXT_LIMIT)
    async with in_transaction() as connection:
        return await move_window(actor, window_id, KEYED, S.REVOKED, reason, connection)


async def move_window(
    actor: Actor,
    window_id: str,
    allowed_from: Set[WindowStatus],
    to: WindowStatus,
    note: str,
    connection: BaseDBAsyncClient,
) -> Window:
    """One step inside the caller's transaction, for workflows that write beside it (the
    assessment's RECTIFYING and back, a revocation request approved); the caller checks roles.
    REVOKED revokes the window's keys too; SUSPENDED and REVOKED keep ``note`` as the reason."""
    window = await _lock(window_id, connection)
    _check(window, allowed_from, f"moving to {to}")
    changes: dict[str, Any] = {}
    if to is S.REVOKED:
        await (
            WindowKey.filter(window_id=window.id, revoked_at__isnull=True)
            .using_db(connection)
            .update(revoked_at=_now())
        )
    if to in (S.SUSPENDED, S.REVOKED):
        changes["status_reason"] = note
    return await _move(window, to, actor, note, connection, **changes)


async def add_window_key(actor: Actor, window_id: str, jwk: Any) -> WindowKey:
    """Register another key of a connected window's node (rotation: add the new, revoke the old)."""
    require(actor, OPERATOR, "add window keys")
    key = public_jwk(jwk)
    async with in_transaction() as connection:
        window = await _lock(window_id, connection)
        _check(window, KEYED, "adding a key")
        if (
            await WindowKey.filter(window_id=window.id, kid=key["kid"])
            .using_db(connection)
            .exists()
        ):
            raise Conflict(f"key {key['kid']} is already registered for window {window_id}")
        return await WindowKey.create(
            window_id=window.id, kid=key["kid"], jwk=key, using_db=connection
        )


async def revoke_window_key(actor: Actor, window_id: str, kid: str) -> WindowKey:
    require(actor, OPERATOR, "revoke window keys")
    async with in_transaction() as connection:
        window = await _lock(window_id, connection)
        check_lengths(WindowKey, {"kid": kid})
        key = await WindowKey.filter(window_id=window.id, kid=kid).using_db(connection).first()
        if key is None:
            raise NotFound(f"window {window_id} has no key {quote(kid)}")
        if key.revoked_at is not None:
            raise InvalidTransition(f"key {kid} was already revoked")
        key.revoked_at = _now()
        await key.save(using_db=connection, update_fields=["revoked_at"])
        return key


# Reading


async def get_window(window_id: str) -> Window | None:
    return await Window.get_or_none(window_id=check_window_id(window_id))


async def list_windows(status: str | None = None, region: str | None = None) -> list[Window]:
    """The registry, by window id; ``region`` is a region-code prefix ("44", "4403", …)."""
    query = Window.all()
    if status is not None:
        query = query.filter(status=WindowStatus(status).value)
    if region is not None:
        query = query.filter(region_code__startswith=region_prefix(region))
    return await query.order_by("window_id")


def region_prefix(region: str) -> str:
    """A region-code prefix ("44", "4403", "440305") as a filter takes it."""
    region = region.strip()
    if not _REGION_PREFIX.match(region):
        raise InvalidRegionCode(
            f"region must be 1 to 6 digits of a region code, got {quote(region)}"
        )
    return region


async def _current_application(
    window: Window, connection: BaseDBAsyncClient | None = None
) -> Application:
    query = Application.filter(window_id=window.id).order_by("-round")
    application = await (query.using_db(connection) if connection else query).first()
    assert application is not None, "every window in the registry has an application"
    return application


async def current_application(window: Window) -> Application:
    return await _current_application(window)


async def current_keys(window_id: str) -> list[dict[str, Any]] | None:
    """The unrevoked public JWKs of a window whose node has been connected, for verifying its
    tokens (``federation.trust.KeysOf``); None for a window unknown, not yet connected or
    REVOKED. A SUSPENDED window keeps its keys: suspension stops the hub's calls, not the
    window's identity."""
    window = await Window.get_or_none(window_id=window_id)
    if window is None or window.status not in KEYED:
        return None
    keys = WindowKey.filter(window_id=window.id, revoked_at__isnull=True).order_by("id")
    return [key.jwk for key in await keys]
