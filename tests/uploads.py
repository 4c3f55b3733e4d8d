"""The encrypted copy as a phone sends it, for the server tests: a signed-in phone, records
and file parts to upload, and what the server says it holds."""

from __future__ import annotations

import secrets

from flask import Flask

from tests.authenticator import Phone, b64url

IV = b64url(bytes(12))


def record(ident: str, version: int = 1, size: int = 100, kind: str = "event") -> dict:
    return {
        "id": ident,
        "kind": kind,
        "version": version,
        "iv": b64url(secrets.token_bytes(12)),
        "ct": b64url(secrets.token_bytes(size)),
    }


def signed_in(app: Flask) -> Phone:
    phone = Phone(app.test_client())
    phone.register()
    return phone


def put_part(phone: Phone, file: str, index: int, body: bytes, *, iv: str = IV, final: int = 1):
    return phone.call(
        "PUT",
        f"/api/backup/chunks/{file}/{index}?iv={iv}&final={final}",
        data=body,
        content_type="application/octet-stream",
    )


def holding(phone: Phone) -> dict:
    response = phone.client.get("/api/backup")
    assert response.status_code == 200, response.get_json()
    return response.get_json()
