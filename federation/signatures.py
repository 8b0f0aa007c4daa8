"""Detached Ed25519 signatures over a text, e.g. a window's report (DESIGN §7): made with a
node's key, checked by the hub against the public keys registered for the window.

    signature = sign(key, text)                 # base64url, no padding
    verify(jwk, text, signature)                # True or False, never raises on bad input
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature

from federation.trust import KeyPair, public_key

__all__ = ["sign", "verify"]


def sign(key: KeyPair, text: str) -> str:
    return base64.urlsafe_b64encode(key.private.sign(text.encode())).rstrip(b"=").decode()


def verify(jwk: Mapping[str, Any], text: str, signature: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        public_key(jwk).verify(raw, text.encode())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
