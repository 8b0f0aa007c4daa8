"""Error codes of the smenet protocol, shared by hub and nodes.

Domain code raises a typed error; one place on each side (the GraphQL error
extension) turns it into a GraphQL error whose ``extensions.code`` is the code.
Anything else that escapes a resolver becomes ``INTERNAL_ERROR`` without detail.
The token errors (``federation.trust``) also carry a ``reason`` extension: which check refused.

    SmenetError                      INTERNAL_ERROR
    ├── InputError                   BAD_INPUT
    │   ├── InvalidUscc              INVALID_USCC
    │   ├── InvalidRegionCode        INVALID_REGION_CODE
    │   ├── InvalidIndustryCode      INVALID_INDUSTRY_CODE
    │   ├── InvalidId                INVALID_ID
    │   ├── InvalidCursor            INVALID_CURSOR
    │   ├── BadRequest               BAD_REQUEST    (an HTTP body that is no GraphQL request: 400)
    │   ├── LimitExceeded            LIMIT_EXCEEDED (a value or an operation over a limit)
    │   │   ├── TokenLimitExceeded   TOKEN_LIMIT_EXCEEDED      (an operation's limits, checked by
    │   │   ├── DepthLimitExceeded   DEPTH_LIMIT_EXCEEDED       federation.limits before it runs;
    │   │   ├── AliasLimitExceeded   ALIAS_LIMIT_EXCEEDED       each error carries extensions
    │   │   ├── DirectiveLimitExceeded DIRECTIVE_LIMIT_EXCEEDED `limit` and `max`)
    │   │   ├── RootFieldLimitExceeded ROOT_FIELD_LIMIT_EXCEEDED
    │   │   ├── RepeatLimitExceeded  REPEAT_LIMIT_EXCEEDED
    │   │   ├── CostLimitExceeded    COST_LIMIT_EXCEEDED
    │   │   ├── BodyLimitExceeded    BODY_LIMIT_EXCEEDED (a request body over max_body_bytes: 413)
    │   │   └── ResponseTooLarge     RESPONSE_TOO_LARGE (a window's answer to what the caller asked)
    │   ├── IncompleteDisclosure     INCOMPLETE_DISCLOSURE
    │   ├── WeakPassword             WEAK_PASSWORD
    │   ├── VoucherExpired           VOUCHER_EXPIRED
    │   ├── VoucherCategoryMismatch  VOUCHER_CATEGORY_MISMATCH
    │   ├── InvalidLink              INVALID_LINK
    │   ├── InvalidKey               INVALID_KEY    (not a public Ed25519 JWK)
    │   ├── UnknownMessageKind       UNKNOWN_MESSAGE_KIND (a window's message the hub cannot handle)
    │   └── InputRefused             INPUT_REFUSED  (by a plugin's validation)
    ├── Conflict                     CONFLICT
    │   ├── DuplicateUscc            DUPLICATE_USCC
    │   ├── AlreadyRedeemed          ALREADY_REDEEMED
    │   ├── AlreadyRegistered        ALREADY_REGISTERED
    │   ├── CapacityReached          CAPACITY_REACHED
    │   ├── FeedbackExists           FEEDBACK_EXISTS
    │   └── AlreadyReviewed          ALREADY_REVIEWED (one review per reviewer and application)
    ├── InvalidTransition            INVALID_TRANSITION
    ├── NotFound                     NOT_FOUND
    ├── Unauthenticated              UNAUTHENTICATED
    │   ├── InvalidCredentials       INVALID_CREDENTIALS
    │   ├── AccountLocked            ACCOUNT_LOCKED
    │   ├── MissingToken             MISSING_TOKEN   (hub ↔ node call without a token)
    │   ├── InvalidToken             INVALID_TOKEN   (malformed, forged, wrong alg or audience …)
    │   ├── UnknownKey               UNKNOWN_KEY     (issuer or key id not registered, or revoked)
    │   ├── TokenExpired             TOKEN_EXPIRED
    │   └── TokenReplayed            TOKEN_REPLAYED
    ├── Forbidden                    FORBIDDEN
    ├── RateLimited                  RATE_LIMITED (too many requests from one client; Retry-After)
    ├── ConnectionCheckFailed        CONNECTION_CHECK_FAILED (hub's checks of a node to connect)
    │   ├── WindowUnreachable        WINDOW_UNREACHABLE (no GraphQL answer from the endpoint)
    │   ├── WindowMismatch           WINDOW_MISMATCH (its nodeInfo names another window)
    │   ├── IncompatibleCoreVersion  INCOMPATIBLE_CORE_VERSION (neither current nor previous)
    │   ├── ContractViolation        CONTRACT_VIOLATION (its SDL lacks part of the core contract)
    │   └── KeyNotPublished          KEY_NOT_PUBLISHED (the key is not among the node's JWKS)
    ├── PluginUnavailable            PLUGIN_UNAVAILABLE (a node's plugin out of use since start)
    ├── HubUnreachable               HUB_UNREACHABLE (no answer from the hub to a step it confirms)
    ├── NotRecorded                  NOT_RECORDED (the hub confirmed; the node failed to record it)
    └── WindowError                  WINDOW_ERROR (a node failed a hub call: 5xx, not JSON, no data)
        ├── WindowUnavailable        WINDOW_UNAVAILABLE (unreachable, or its circuit is open)
        └── WindowTimeout            WINDOW_TIMEOUT (no answer within the per-node timeout)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccountLocked",
    "AliasLimitExceeded",
    "AlreadyRedeemed",
    "AlreadyRegistered",
    "AlreadyReviewed",
    "BadRequest",
    "BodyLimitExceeded",
    "CapacityReached",
    "Conflict",
    "ConnectionCheckFailed",
    "ContractViolation",
    "CostLimitExceeded",
    "DepthLimitExceeded",
    "DirectiveLimitExceeded",
    "DuplicateUscc",
    "FeedbackExists",
    "Forbidden",
    "HubUnreachable",
    "IncompatibleCoreVersion",
    "IncompleteDisclosure",
    "InputError",
    "InputRefused",
    "InvalidCredentials",
    "InvalidCursor",
    "InvalidId",
    "InvalidIndustryCode",
    "InvalidKey",
    "InvalidLink",
    "InvalidRegionCode",
    "InvalidToken",
    "InvalidTransition",
    "InvalidUscc",
    "KeyNotPublished",
    "LimitExceeded",
    "MissingToken",
    "NotFound",
    "NotRecorded",
    "PluginUnavailable",
    "RateLimited",
    "RepeatLimitExceeded",
    "ResponseTooLarge",
    "RootFieldLimitExceeded",
    "SmenetError",
    "TokenExpired",
    "TokenLimitExceeded",
    "TokenReplayed",
    "Unauthenticated",
    "UnknownKey",
    "UnknownMessageKind",
    "VoucherCategoryMismatch",
    "VoucherExpired",
    "WeakPassword",
    "WindowError",
    "WindowMismatch",
    "WindowTimeout",
    "WindowUnavailable",
    "WindowUnreachable",
    "error_for",
    "codes_of",
]


class SmenetError(Exception):
    """Base of every error the protocol names; ``code`` goes to ``extensions.code``."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


def codes_of(error: type[SmenetError]) -> frozenset[str]:
    """The code of ``error`` and of every error under it."""
    return frozenset({error.code}).union(*(codes_of(sub) for sub in error.__subclasses__()))


class InputError(SmenetError):
    code = "BAD_INPUT"


class InvalidUscc(InputError):
    code = "INVALID_USCC"


class InvalidRegionCode(InputError):
    code = "INVALID_REGION_CODE"


class InvalidIndustryCode(InputError):
    code = "INVALID_INDUSTRY_CODE"


class InvalidId(InputError):
    code = "INVALID_ID"


class InvalidCursor(InputError):
    code = "INVALID_CURSOR"


class BadRequest(InputError):
    """A request body that is not a GraphQL request (not JSON, not an object, nested too deep …):
    HTTP 400, answered before anything else is done."""

    code = "BAD_REQUEST"


class LimitExceeded(InputError):
    code = "LIMIT_EXCEEDED"


class TokenLimitExceeded(LimitExceeded):
    code = "TOKEN_LIMIT_EXCEEDED"


class DepthLimitExceeded(LimitExceeded):
    code = "DEPTH_LIMIT_EXCEEDED"


class AliasLimitExceeded(LimitExceeded):
    code = "ALIAS_LIMIT_EXCEEDED"


class DirectiveLimitExceeded(LimitExceeded):
    code = "DIRECTIVE_LIMIT_EXCEEDED"


class RootFieldLimitExceeded(LimitExceeded):
    code = "ROOT_FIELD_LIMIT_EXCEEDED"


class RepeatLimitExceeded(LimitExceeded):
    code = "REPEAT_LIMIT_EXCEEDED"


class CostLimitExceeded(LimitExceeded):
    code = "COST_LIMIT_EXCEEDED"


class BodyLimitExceeded(LimitExceeded):
    """A request body over the server's ``max_body_bytes``: HTTP 413, refused before it is read
    whole."""

    code = "BODY_LIMIT_EXCEEDED"


class ResponseTooLarge(LimitExceeded):
    """A window answered more than the hub reads for one call: the caller's selection asked for
    too much, so it is the caller's error, never counted against the window."""

    code = "RESPONSE_TOO_LARGE"


class Conflict(SmenetError):
    code = "CONFLICT"


class DuplicateUscc(Conflict):
    code = "DUPLICATE_USCC"


class InvalidTransition(SmenetError):
    code = "INVALID_TRANSITION"


class NotFound(SmenetError):
    code = "NOT_FOUND"


class Unauthenticated(SmenetError):
    code = "UNAUTHENTICATED"


class InvalidCredentials(Unauthenticated):
    code = "INVALID_CREDENTIALS"


class AccountLocked(Unauthenticated):
    code = "ACCOUNT_LOCKED"


class MissingToken(Unauthenticated):
    code = "MISSING_TOKEN"


class InvalidToken(Unauthenticated):
    code = "INVALID_TOKEN"


class UnknownKey(Unauthenticated):
    """Issuer not registered, or its key id no longer listed (rotated out, revoked)."""

    code = "UNKNOWN_KEY"


class TokenExpired(Unauthenticated):
    code = "TOKEN_EXPIRED"


class TokenReplayed(Unauthenticated):
    """The token's id was already used: every request needs a fresh token."""

    code = "TOKEN_REPLAYED"


class Forbidden(SmenetError):
    code = "FORBIDDEN"


class IncompleteDisclosure(InputError):
    code = "INCOMPLETE_DISCLOSURE"


class WeakPassword(InputError):
    code = "WEAK_PASSWORD"


class InputRefused(InputError):
    """A plugin's validation refused a core input (e.g. outside the window's industries)."""

    code = "INPUT_REFUSED"


class VoucherExpired(InputError):
    code = "VOUCHER_EXPIRED"


class VoucherCategoryMismatch(InputError):
    code = "VOUCHER_CATEGORY_MISMATCH"


class InvalidLink(InputError):
    code = "INVALID_LINK"


class AlreadyRedeemed(Conflict):
    code = "ALREADY_REDEEMED"


class AlreadyRegistered(Conflict):
    code = "ALREADY_REGISTERED"


class CapacityReached(Conflict):
    code = "CAPACITY_REACHED"


class FeedbackExists(Conflict):
    code = "FEEDBACK_EXISTS"


class RateLimited(SmenetError):
    """Too many requests from one client; ``retryAfter`` says in how many seconds to try again."""

    code = "RATE_LIMITED"


class PluginUnavailable(SmenetError):
    code = "PLUGIN_UNAVAILABLE"


class HubUnreachable(SmenetError):
    """A node could not reach the hub for a step the hub must confirm (a network voucher's
    redemption): nothing was recorded on the node, and the same call may be made again (the hub
    may have confirmed an answer that was lost; it confirms the same step again)."""

    code = "HUB_UNREACHABLE"


class NotRecorded(SmenetError):
    """The hub confirmed a step, then the node failed to record it: the same call again is
    confirmed again by the hub and recorded."""

    code = "NOT_RECORDED"


class WindowError(SmenetError):
    """A window's node failed one hub call: it costs that window's results only (DESIGN §6)."""

    code = "WINDOW_ERROR"


class WindowUnavailable(WindowError):
    code = "WINDOW_UNAVAILABLE"


class WindowTimeout(WindowError):
    code = "WINDOW_TIMEOUT"


class InvalidKey(InputError):
    """A window's key is not a public Ed25519 JWK (or its kid is not its thumbprint)."""

    code = "INVALID_KEY"


class AlreadyReviewed(Conflict):
    code = "ALREADY_REVIEWED"


class ConnectionCheckFailed(SmenetError):
    """The hub's checks of a node before connecting its window failed; nothing was changed."""

    code = "CONNECTION_CHECK_FAILED"


class WindowUnreachable(ConnectionCheckFailed):
    code = "WINDOW_UNREACHABLE"


class WindowMismatch(ConnectionCheckFailed):
    code = "WINDOW_MISMATCH"


class IncompatibleCoreVersion(ConnectionCheckFailed):
    code = "INCOMPATIBLE_CORE_VERSION"


class ContractViolation(ConnectionCheckFailed):
    code = "CONTRACT_VIOLATION"


class KeyNotPublished(ConnectionCheckFailed):
    """The key to register is not among those the node publishes; or, none given, the node
    does not publish exactly one."""

    code = "KEY_NOT_PUBLISHED"


def _codes(base: type[SmenetError]) -> dict[str, type[SmenetError]]:
    found = {base.code: base}
    for sub in base.__subclasses__():
        found.update(_codes(sub))
    return found


def error_for(code: str, message: str, extensions: dict[str, Any]) -> SmenetError:
    """The typed error of ``code`` as the other side answered it, to pass on under the same
    code with its other extensions; a code this side does not know is kept as it came."""
    error = _codes(SmenetError).get(code, SmenetError)(message)
    error.code, error.extensions = code, dict(extensions)
    return error


class UnknownMessageKind(InputError):
    """A window's outbox message of a kind the hub has no handler for (hub.domain.inbox)."""

    code = "UNKNOWN_MESSAGE_KIND"
