"""Passkey accounts: registration and sign-in checked with py_webauthn, and every way a
ceremony can be wrong refused with a clear 4xx."""

from __future__ import annotations

import copy
import json

import pytest
from flask import Flask

from server import create_app, db, passkeys
from server.limits import DatabaseLimiter
from tests.authenticator import Phone, SoftPasskey, b64url, unb64url
from tests.clock import Clock


def account_rows(app: Flask) -> dict[str, int]:
    database = db.connect(db.target(app))
    try:
        return {
            table: database.one(f"SELECT COUNT(*) AS n FROM {table}")["n"]  # noqa: S608 (table names and ? marks only)
            for table in ("accounts", "passkeys", "sessions", "records", "chunks")
        }
    finally:
        database.close()


def test_registration_options_ask_for_a_resident_verified_passkey_with_neutral_names(client):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    assert options["rp"] == {"id": "localhost", "name": "Notebook"}
    assert options["user"]["name"] == options["user"]["displayName"] == "Notebook"
    assert len(unb64url(options["user"]["id"])) == 32
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert len(unb64url(options["challenge"])) == 32
    assert options["timeout"] == 300_000


def test_a_passkey_makes_an_account_and_signs_in(app, client):
    phone = Phone(client)
    account = phone.register()
    assert account["passkeys"] == 1 and account["used"] == 0
    assert client.get("/api/account").get_json()["account"]["passkeys"] == 1
    assert account_rows(app)["accounts"] == 1


def test_sign_out_ends_the_session_on_the_server_and_sign_in_starts_one(client):
    phone = Phone(client)
    phone.register()
    cookie = client.get_cookie("s").value
    assert phone.call("DELETE", "/api/session").get_json() == {"ok": True}
    assert client.get("/api/account").status_code == 401
    # The old cookie, kept by someone, no longer opens anything.
    client.set_cookie("s", cookie)
    assert client.get("/api/account").status_code == 401
    response = phone.sign_in()
    assert response.status_code == 200, response.get_json()
    assert client.get("/api/account").status_code == 200


def test_a_synced_passkey_signs_in_on_another_phone(app):
    first = Phone(app.test_client())
    first.register()
    second = Phone(app.test_client(), first.passkey)
    assert second.client.get("/api/account").status_code == 401
    assert second.sign_in().status_code == 200
    assert second.client.get("/api/account").status_code == 200


def test_the_session_cookie_is_httponly_and_strict(client):
    phone = Phone(client)
    phone.register()
    response = phone.sign_in()
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert "Secure" not in header  # plain http on localhost


def test_the_session_cookie_is_secure_behind_tls(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "https://localhost",
            "BEHIND_PROXY": 1,
        }
    )
    client = app.test_client()
    phone = Phone(client, SoftPasskey(origin="https://localhost"))
    token = client.get("/api/csrf", base_url="https://localhost").get_json()["token"]
    phone._token = token
    over_tls = {"headers": {"X-CSRFToken": token, "Referer": "https://localhost/"}}
    over_tls["base_url"] = "https://localhost"
    code = app.config["START_CODE"]
    grant = client.post("/api/start", json={"code": code}, **over_tls).get_json()["grant"]
    options = client.post(
        "/api/passkeys/register/options", json={"grant": grant}, **over_tls
    ).get_json()
    response = client.post(
        "/api/passkeys/register",
        json={"credential": phone.passkey.create(options)},
        headers={"X-CSRFToken": token, "Referer": "https://localhost/"},
        base_url="https://localhost",
    )
    assert response.status_code == 201, response.get_json()
    assert "Secure" in response.headers["Set-Cookie"]


def test_another_passkey_joins_the_signed_in_account(app, client):
    phone = Phone(client)
    phone.register()
    phone.passkey = SoftPasskey()
    account = phone.register()
    assert account["passkeys"] == 2
    assert account_rows(app)["accounts"] == 1
    options = phone.begin_registration().get_json()
    assert len(options["excludeCredentials"]) == 2


def test_the_same_passkey_cannot_be_registered_twice(client):
    phone = Phone(client)
    phone.register()
    options = phone.begin_registration().get_json()
    response = phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)})
    assert response.status_code == 409
    assert "already" in response.get_json()["error"]


# --- refusals ---------------------------------------------------------------------------------


def refused(response, status: int = 400) -> str:
    assert response.status_code == status, (response.status_code, response.get_json())
    message = response.get_json()["error"]
    assert message and len(message) < 200
    return message


def test_a_replayed_registration_is_refused(app, client):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    answer = phone.passkey.create(options)
    before = client.get_cookie("s").value
    assert phone.post("/api/passkeys/register", {"credential": answer}).status_code == 201
    client.set_cookie("s", before)  # the challenge is gone from the database all the same
    assert "expired" in refused(phone.post("/api/passkeys/register", {"credential": answer}))
    phone.call("DELETE", "/api/session")
    assert "expired" in refused(phone.post("/api/passkeys/register", {"credential": answer}))
    assert account_rows(app)["passkeys"] == 1


def test_a_replayed_sign_in_is_refused(client):
    phone = Phone(client)
    phone.register()
    options = phone.post("/api/session/options").get_json()
    answer = phone.passkey.get(options)
    # The cookie as it was, still naming the challenge: replaying both is refused too,
    # because the challenge was used up in the database.
    before = client.get_cookie("s").value
    assert phone.post("/api/session", {"credential": answer}).status_code == 200
    refused(phone.post("/api/session", {"credential": answer}))
    client.set_cookie("s", before)
    refused(phone.post("/api/session", {"credential": answer}))


def test_a_registration_started_signed_in_cannot_finish_after_signing_out(app, client):
    phone = Phone(client)
    phone.register()
    options = phone.begin_registration().get_json()
    kept = client.get_cookie("s").value
    phone.call("DELETE", "/api/session")
    second = SoftPasskey()
    refused(phone.post("/api/passkeys/register", {"credential": second.create(options)}))
    # Nor with the cookie from before signing out: that session has ended.
    client.set_cookie("s", kept)
    refused(phone.post("/api/passkeys/register", {"credential": second.create(options)}))
    assert account_rows(app)["passkeys"] == 1


def test_a_credential_id_longer_than_webauthn_allows_is_refused(app, client):
    phone = Phone(client, SoftPasskey(credential_id=bytes(1024)))
    options = phone.begin_registration().get_json()
    refused(phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)}))
    assert account_rows(app)["accounts"] == 0


def test_an_expired_challenge_is_refused(app, client, monkeypatch):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    real = passkeys.now_ms
    monkeypatch.setattr(passkeys, "now_ms", lambda: real() + 301_000)
    message = refused(
        phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)})
    )
    assert "expired" in message
    assert account_rows(app)["accounts"] == 0


def test_a_challenge_made_for_another_phone_is_refused(app):
    mine, theirs = Phone(app.test_client()), Phone(app.test_client())
    theirs_options = theirs.begin_registration().get_json()
    mine.begin_registration()
    # My phone answers the other phone's challenge: the server expected mine.
    refused(
        mine.post("/api/passkeys/register", {"credential": mine.passkey.create(theirs_options)})
    )
    # And with no challenge of its own at all:
    stranger = Phone(app.test_client())
    refused(
        stranger.post(
            "/api/passkeys/register", {"credential": stranger.passkey.create(theirs_options)}
        )
    )
    assert account_rows(app)["accounts"] == 0


def test_a_challenge_made_for_registration_does_not_sign_in(client):
    phone = Phone(client)
    phone.register()
    phone.call("DELETE", "/api/session")
    options = phone.begin_registration().get_json()
    refused(phone.post("/api/session", {"credential": phone.passkey.get(options)}))


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:8001", "null"])
def test_a_wrong_origin_is_refused(app, client, origin):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    answer = phone.passkey.create(options, origin=origin)
    refused(phone.post("/api/passkeys/register", {"credential": answer}))
    phone.register()
    options = phone.post("/api/session/options").get_json()
    refused(phone.post("/api/session", {"credential": phone.passkey.get(options, origin=origin)}))


def test_a_wrong_rp_id_is_refused(client):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    options["rp"]["id"] = "evil.example"
    refused(phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)}))


def test_a_tampered_signature_is_refused(client):
    phone = Phone(client)
    phone.register()
    options = phone.post("/api/session/options").get_json()
    answer = phone.passkey.get(options)
    signature = bytearray(unb64url(answer["response"]["signature"]))
    signature[-1] ^= 1
    answer["response"]["signature"] = b64url(bytes(signature))
    refused(phone.post("/api/session", {"credential": answer}))


def test_tampered_client_data_is_refused(client):
    phone = Phone(client)
    phone.register()
    options = phone.post("/api/session/options").get_json()
    answer = phone.passkey.get(options)
    data = json.loads(unb64url(answer["response"]["clientDataJSON"]))
    data["extra"] = "x"
    answer["response"]["clientDataJSON"] = b64url(json.dumps(data).encode())
    refused(phone.post("/api/session", {"credential": answer}))


def test_a_lower_sign_count_is_refused(app, client):
    phone = Phone(client)
    phone.register()
    phone.call("DELETE", "/api/session")
    assert phone.sign_in(count=5).status_code == 200
    phone.call("DELETE", "/api/session")
    refused(phone.sign_in(count=3))
    refused(phone.sign_in(count=5))  # the same count again: a cloned passkey
    assert phone.sign_in(count=6).status_code == 200


def test_a_passkey_that_did_not_verify_the_user_is_refused(client):
    phone = Phone(client, SoftPasskey(user_verified=False))
    options = phone.begin_registration().get_json()
    refused(phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)}))


def test_an_unknown_passkey_is_refused(client):
    phone = Phone(client)
    message = refused(phone.sign_in(), 401)
    assert "not known" in message


def test_a_response_carrying_the_prf_output_is_refused_and_nothing_is_kept(app, client):
    phone = Phone(client)
    options = phone.begin_registration().get_json()
    answer = phone.passkey.create(options)
    answer["clientExtensionResults"] = {"prf": {"enabled": True, "results": {"first": "AAAA"}}}
    refused(phone.post("/api/passkeys/register", {"credential": answer}))
    assert account_rows(app)["accounts"] == 0


def test_a_user_handle_from_another_account_is_refused(app):
    alice = Phone(app.test_client())
    alice.register()
    bob = Phone(app.test_client())
    bob.register()
    options = bob.post("/api/session/options").get_json()
    answer = bob.passkey.get(options)
    answer["response"]["userHandle"] = b64url(alice.passkey.user_handle)
    refused(bob.post("/api/session", {"credential": answer}))


def test_a_new_account_needs_the_start_codes_grant(tmp_path):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "ORIGIN": "http://localhost"}
    app = create_app(config)
    phone = Phone(app.test_client())
    for grant in (None, "", "1.x", "not a grant", f"{10**13}.AAAA"):
        body = {} if grant is None else {"grant": grant}
        assert "the invitation you were given" in refused(
            phone.post("/api/passkeys/register/options", body), 403
        )
    good = phone.grant()
    assert phone.post("/api/passkeys/register/options", {"grant": good}).status_code == 200
    # A grant lasts a year, and ends when the operator changes the code.
    issued, mac = good.split(".")
    old = f"{int(issued) - 366 * 86_400_000}.{mac}"
    refused(phone.post("/api/passkeys/register/options", {"grant": old}), 403)
    app.config["START_CODE"] = "97531"
    refused(phone.post("/api/passkeys/register/options", {"grant": good}), 403)


def test_ceremonies_need_the_csrf_token(client):
    response = client.post("/api/passkeys/register/options", json={})
    assert refused(response).startswith("The security token")


def test_ceremonies_are_rate_limited_per_address(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "CEREMONIES_PER_MINUTE": 3,
        }
    )
    phone = Phone(app.test_client())
    for _ in range(3):
        assert phone.post("/api/session/options").status_code == 200
    assert "Too many" in refused(phone.post("/api/session/options"), 429)


def test_one_address_starts_only_so_many_new_accounts_a_day(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "ACCOUNTS_PER_DAY": 2,
        }
    )
    # Ceremonies begun and never finished (a cancelled passkey prompt) use up nothing.
    for _ in range(5):
        begun = Phone(app.test_client())
        assert begun.begin_registration().status_code == 200
    for _ in range(2):
        Phone(app.test_client()).register()
    stranger = Phone(app.test_client())
    options = stranger.begin_registration().get_json()
    response = stranger.post(
        "/api/passkeys/register", {"credential": stranger.passkey.create(options)}
    )
    assert "Try again tomorrow" in refused(response, 429)
    assert int(response.headers["Retry-After"]) > 23 * 3600
    # Another address, and a signed-in phone adding a passkey, are not held up.
    other = Phone(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    other.register()
    signed_in = Phone(app.test_client())
    signed_in.client.environ_base["REMOTE_ADDR"] = "198.51.100.21"
    signed_in.register()
    signed_in.client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    # A signed-in phone adding a passkey needs no grant either.
    assert signed_in.post("/api/passkeys/register/options").status_code == 200


def test_everyone_together_starts_only_so_many_new_accounts_a_day(app):
    clock = Clock()
    app.extensions["cairn.limiter"] = DatabaseLimiter(b"test secret", clock=clock)
    app.config.update(ACCOUNTS_PER_DAY=1, ACCOUNTS_PER_DAY_ALL=2)

    def finish(address: str):
        phone = Phone(app.test_client())
        phone.client.environ_base["REMOTE_ADDR"] = address
        options = phone.begin_registration().get_json()
        return phone.post("/api/passkeys/register", {"credential": phone.passkey.create(options)})

    assert finish("198.51.100.1").status_code == 201
    # Refused by its own address's limit: that uses up nothing of everyone's.
    for _ in range(3):
        assert "from this connection" in refused(finish("198.51.100.1"), 429)
    assert finish("198.51.100.2").status_code == 201  # everyone's second
    late = finish("198.51.100.3")
    assert "as many new copies as it can today" in refused(late, 429)
    assert late.headers["Retry-After"] == str(24 * 3600 - 1000)  # to midnight (UTC)
    with app.app_context():
        assert db.get_db().one("SELECT COUNT(*) AS n FROM accounts")["n"] == 2
    clock.now += 24 * 3600 - 1000
    # A new day; and the refused one's own try was taken back with its registration.
    assert finish("198.51.100.3").status_code == 201


def test_without_an_origin_configured_accounts_say_so(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    refused(Phone(app.test_client()).post("/api/session/options"), 503)


def test_deleting_the_account_removes_everything_stored_for_it(app, client):
    phone = Phone(client)
    phone.register()
    phone.call("PUT", "/api/backup/slots", json={"slots": [{"id": "a", "type": "passphrase"}]})
    before = account_rows(app)
    assert before["accounts"] == 1 and before["sessions"] == 1
    assert phone.call("DELETE", "/api/account").get_json() == {"ok": True}
    assert account_rows(app) == dict.fromkeys(before, 0)
    assert client.get("/api/account").status_code == 401
    refused(phone.sign_in(), 401)


def test_the_credential_body_is_checked(client):
    phone = Phone(client)
    phone.post("/api/session/options")
    for body in ({}, {"credential": "x"}, {"credential": []}, []):
        refused(phone.post("/api/session", body))
    options = phone.post("/api/session/options").get_json()
    answer = copy.deepcopy(phone.passkey.get(options))
    answer["rawId"] = answer["id"] = b64url(b"someone else")
    refused(phone.post("/api/session", {"credential": answer}), 401)


# COSE public keys py_webauthn cannot use; its decoder lets Python's own errors through.
UNUSABLE_AT_REGISTRATION = {
    "not a map": 5,
    "a list": [1, 2],
    "no key type": {3: -7},
    "an empty map": {},
    "an OKP key with no curve": {1: 1, 3: -8},
}
UNUSABLE_AT_SIGN_IN = {
    "coordinates that are text": {1: 2, 3: -7, -1: 1, -2: "x", -3: "y"},
    "a point off the curve": {1: 2, 3: -7, -1: 1, -2: bytes(32), -3: bytes(31) + b"\x01"},
    "an RSA modulus of 1": {1: 3, 3: -257, -1: b"\x01", -2: b"\x01"},
    "a short Ed25519 key": {1: 1, 3: -8, -1: 6, -2: b"short"},
}


@pytest.mark.parametrize(
    "cose", UNUSABLE_AT_REGISTRATION.values(), ids=list(UNUSABLE_AT_REGISTRATION)
)
def test_a_passkey_whose_public_key_cannot_be_read_is_refused(app, client, cose):
    phone = Phone(client, SoftPasskey(cose=cose))
    options = phone.begin_registration().get_json()
    answer = phone.passkey.create(options)
    assert "could not be checked" in refused(
        phone.post("/api/passkeys/register", {"credential": answer})
    )
    assert account_rows(app)["passkeys"] == 0


@pytest.mark.parametrize("cose", UNUSABLE_AT_SIGN_IN.values(), ids=list(UNUSABLE_AT_SIGN_IN))
def test_signing_in_with_a_public_key_that_cannot_check_a_signature_is_refused(client, cose):
    phone = Phone(client, SoftPasskey(cose=cose))
    phone.register()
    phone.call("DELETE", "/api/session")
    assert "could not be checked" in refused(phone.sign_in())
    assert client.get("/api/account").status_code == 401
