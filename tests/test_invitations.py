"""Invitations: one-time codes the operator makes with `cairn invite`, each opening one
account, once; typed where the start code goes, and guessed no faster than it."""

from __future__ import annotations

import pytest
from flask import Flask

from server import create_app, invitations
from server.cli import main
from server.db import get_db
from tests.authenticator import Phone


def invite(app: Flask, count: int = 1, days: int = 30) -> list[str]:
    with app.app_context():
        return invitations.make(get_db(), count, days)


def granted(phone: Phone, code: str) -> str:
    answer = phone.post("/api/invitation", {"code": code}).get_json()
    assert answer["ok"], answer
    return answer["grant"]


def register_with(phone: Phone, grant: str):
    options = phone.post("/api/passkeys/register/options", {"grant": grant})
    assert options.status_code == 200, options.get_json()
    return phone.post(
        "/api/passkeys/register", {"credential": phone.passkey.create(options.get_json())}
    )


def accounts(app: Flask) -> int:
    with app.app_context():
        return get_db().one("SELECT COUNT(*) AS n FROM accounts")["n"]


def test_codes_are_read_out_in_groups_and_typed_any_way():
    code = invitations.new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert set(code.replace("-", "")) <= set(invitations.ALPHABET)
    plain = code.replace("-", "")
    assert invitations.normalise(f" {code.lower()} ") == plain
    assert invitations.normalise(" ".join(code.split("-"))) == plain
    for bad in ("", plain[:-1], plain + "A", plain[:-1] + "0", plain[:-1] + "I", 7, None):
        assert invitations.normalise(bad) is None


def test_an_invitation_opens_one_account_once(app):
    [code] = invite(app)
    phone = Phone(app.test_client())
    grant = granted(phone, code.lower().replace("-", " "))
    assert register_with(phone, grant).status_code == 201
    assert accounts(app) == 1
    # Used: asked about, or sent as a grant again, it opens nothing more.
    other = Phone(app.test_client())
    assert other.post("/api/invitation", {"code": code}).get_json() == {"ok": False}
    refused = other.post("/api/passkeys/register/options", {"grant": grant})
    assert refused.status_code == 403
    assert "used already" in refused.get_json()["error"]
    assert accounts(app) == 1


def test_two_registrations_started_with_one_invitation_make_one_account(app):
    [code] = invite(app)
    first, second = Phone(app.test_client()), Phone(app.test_client())
    grant = granted(first, code)
    options = [
        p.post("/api/passkeys/register/options", {"grant": grant}).get_json()
        for p in (first, second)
    ]
    answers = [p.passkey.create(o) for p, o in zip((first, second), options, strict=True)]
    assert first.post("/api/passkeys/register", {"credential": answers[0]}).status_code == 201
    late = second.post("/api/passkeys/register", {"credential": answers[1]})
    assert late.status_code == 403
    assert accounts(app) == 1


def test_a_registration_cancelled_half_way_leaves_the_invitation_for_another_try(app):
    [code] = invite(app)
    phone = Phone(app.test_client())
    grant = granted(phone, code)
    assert phone.post("/api/passkeys/register/options", {"grant": grant}).status_code == 200
    # The passkey sheet was closed: nothing finished. The same code still works.
    again = Phone(app.test_client())
    assert register_with(again, granted(again, code)).status_code == 201


def test_an_invitation_that_has_run_out_opens_nothing(app):
    [code] = invite(app, days=1)
    phone = Phone(app.test_client())
    grant = granted(phone, code)
    with app.app_context():
        db = get_db()
        with db.transaction():
            db.execute("UPDATE invitations SET expires = expires - ?", (2 * 86_400_000,))
    assert phone.post("/api/invitation", {"code": code}).get_json() == {"ok": False}
    assert phone.post("/api/passkeys/register/options", {"grant": grant}).status_code == 403


def test_a_made_up_invitation_grant_opens_nothing(app):
    phone = Phone(app.test_client())
    for grant in ("invitation:", "invitation:" + "A" * 16, "invitation:" + "x" * 80):
        response = phone.post("/api/passkeys/register/options", {"grant": grant})
        assert response.status_code == 403, grant
    assert accounts(app) == 0


def test_wrong_invitations_count_with_wrong_start_codes(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "START_CODE_TRIES_PER_MINUTE": 3,
        }
    )
    [code] = invite(app)
    phone = Phone(app.test_client())
    assert phone.post("/api/start", {"code": "11111"}).get_json() == {"ok": False}
    for _ in range(2):
        assert phone.post("/api/invitation", {"code": "ABCD-EFGH-JKMN-PQRS"}).status_code == 200
    # Three wrong tries in the minute: even the right invitation waits now.
    late = phone.post("/api/invitation", {"code": code})
    assert late.status_code == 429 and late.headers["Retry-After"]


def test_the_right_invitation_does_not_use_up_a_try(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "START_CODE_TRIES_PER_MINUTE": 2,
        }
    )
    codes = invite(app, count=3)
    phone = Phone(app.test_client())
    for code in codes:
        assert phone.post("/api/invitation", {"code": code}).get_json()["ok"]
    assert phone.post("/api/start", {"code": "11111"}).get_json() == {"ok": False}


@pytest.mark.parametrize("body", [None, {}, {"code": 5}, {"code": "A" * 65}, []])
def test_a_malformed_invitation_request_is_a_clear_400(client, body):
    phone = Phone(client)
    response = phone.call("POST", "/api/invitation", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_an_invitation_is_not_held_to_the_connections_daily_accounts(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "ACCOUNTS_PER_DAY": 1,
        }
    )
    Phone(app.test_client()).register()
    with_code = Phone(app.test_client())
    assert register_with(with_code, with_code.grant()).status_code == 429
    [code] = invite(app)
    invited = Phone(app.test_client())
    assert register_with(invited, granted(invited, code)).status_code == 201


def test_cairn_invite_prints_codes_that_work_and_stores_only_their_hashes(
    tmp_path, monkeypatch, capsys
):
    instance = tmp_path / "instance"
    monkeypatch.setenv("CAIRN_INSTANCE_PATH", str(instance))  # put back after: main sets it
    assert main(["invite", "--count", "3", "--days", "7", "--instance", str(instance)]) == 0
    out, err = capsys.readouterr()
    codes = out.split()
    assert len(codes) == 3 and len(set(codes)) == 3
    assert "once" in err and "Settings" in err
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        db = get_db()
        for code in codes:
            assert invitations.usable(db, str(invitations.normalise(code)))
        stored = repr([dict(r) for r in db.all("SELECT * FROM invitations")])
    assert not any(code.replace("-", "") in stored for code in codes)
    assert (instance / "cairn.sqlite").read_bytes().find(codes[0].replace("-", "").encode()) < 0


@pytest.mark.parametrize("argv", [["--count", "0"], ["--count", "1001"], ["--days", "0"]])
def test_cairn_invite_refuses_silly_numbers(tmp_path, capsys, argv):
    assert main(["invite", *argv, "--instance", str(tmp_path / "i")]) == 2
    assert "--count is 1 to" in capsys.readouterr().err


def test_a_guessed_invitation_sent_as_a_grant_counts_as_a_code_try(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "START_CODE_TRIES_PER_MINUTE": 3,
        }
    )
    phone = Phone(app.test_client())
    answers = [
        phone.post(
            "/api/passkeys/register/options",
            {"grant": invitations.INVITATION_GRANT + invitations.new_code()},
        ).status_code
        for _ in range(5)
    ]
    assert answers == [403, 403, 403, 429, 429]


def test_the_database_keeps_only_the_day_an_invitation_was_used(app):
    [code] = invite(app)
    phone = Phone(app.test_client())
    assert register_with(phone, granted(phone, code)).status_code == 201
    with app.app_context():
        used = get_db().one("SELECT used FROM invitations")["used"]
    assert used % invitations.DAY_MS == 0


def test_a_service_can_open_copies_by_invitation_only(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "START_CODE_OPENS_COPIES": False,
        }
    )
    phone = Phone(app.test_client())
    # The start code still opens set-up on the phone, but no copy on the server.
    refused = phone.post("/api/passkeys/register/options", {"grant": phone.grant()})
    assert refused.status_code == 403
    assert "only for the people it invited" in refused.get_json()["error"]
    [code] = invite(app)
    assert register_with(phone, granted(phone, code)).status_code == 201


def test_a_grant_of_other_digits_is_refused_plainly(client):
    phone = Phone(client)
    for grant in ("\u00b2.x", "\u0663\u0664.x"):  # a superscript two; Arabic-Indic digits
        assert phone.post("/api/passkeys/register/options", {"grant": grant}).status_code == 403
