"""A passkey in software for the server tests: real ES256 keys, real WebAuthn encodings.

It answers the server's options the way a phone's authenticator does (attestation "none",
resident key, user verified), and every part of an answer can be changed afterwards, so
the tests can send a wrong origin, a tampered signature or a lower sign count.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftPasskey:
    origin: str = "http://localhost"
    rp_id: str = "localhost"
    sign_count: int = 0
    user_verified: bool = True
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    user_handle: bytes | None = None
    # Sent instead of the real COSE public key, to try keys py_webauthn cannot use.
    cose: object = None

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.user_verified else 0) | extra

    def _cose(self) -> bytes:
        if self.cose is not None:
            return cbor2.dumps(self.cose)
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """Answer registration options as navigator.credentials.create() would (toJSON form)."""
        self.user_handle = unb64url(options["user"]["id"])
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        auth_data = (
            rp_hash
            + bytes([self._flags(AT)])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(
                    self._client_data("webauthn.create", options["challenge"], origin)
                ),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict, *, origin: str | None = None, count: int | None = None) -> dict:
        """Answer sign-in options as navigator.credentials.get() would; the count rises by one."""
        self.sign_count = self.sign_count + 1 if count is None else count
        rp_hash = hashlib.sha256(options.get("rpId", self.rp_id).encode()).digest()
        auth_data = rp_hash + bytes([self._flags()]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle or b""),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


class Phone:
    """A test client with the CSRF token and one software passkey: a phone, to the server."""

    def __init__(self, client, passkey: SoftPasskey | None = None) -> None:
        self.client = client
        self.passkey = passkey or SoftPasskey()
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.client.get("/api/csrf").get_json()["token"]
        return self._token

    def call(self, method: str, path: str, **kwargs):
        headers = {"X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def post(self, path: str, body: object = None, **kwargs):
        return self.call("POST", path, json={} if body is None else body, **kwargs)

    def grant(self) -> str:
        """What typing the server's start code gives: the grant a new account needs."""
        code = self.client.application.config["START_CODE"]
        answer = self.post("/api/start", {"code": code}).get_json()
        assert answer["ok"], answer
        return answer["grant"]

    def begin_registration(self):
        """Ask for a new account's registration options, with the start code's grant."""
        return self.post("/api/passkeys/register/options", {"grant": self.grant()})

    def register(self, **answer) -> dict:
        """Register the passkey (a new account with the start code's grant, or another
        passkey for the signed-in one)."""
        options = self.begin_registration().get_json()
        response = self.post(
            "/api/passkeys/register", {"credential": self.passkey.create(options, **answer)}
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["account"]

    def sign_in(self, **answer):
        """Sign in with the passkey; returns the response."""
        options = self.post("/api/session/options").get_json()
        return self.post("/api/session", {"credential": self.passkey.get(options, **answer)})
