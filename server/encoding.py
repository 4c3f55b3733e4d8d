"""Base64url without padding: how Cairn's JSON carries bytes (WebAuthn's encoding too)."""

from __future__ import annotations

import base64


def b64url(data: bytes) -> str:
    """Encode ``data`` as base64url text without padding."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decode base64url ``text``, with or without its padding.

    :raise ValueError: ``text`` is not base64url (``binascii.Error`` is a ``ValueError``).
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
