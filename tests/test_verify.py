"""`cairn verify` on bundles built here, the way the phone builds them."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.cli import main
from server.receipts import sign
from server.verify import BundleError, verify_bundle
from tests.bundles import (
    DAY,
    PHOTO,
    PUBLIC,
    REPORT,
    SERVER_KEY,
    bundle,
    chain,
    diary,
    evidence,
    listing,
    manifest_for,
    published,
    rechain,
    run,
    stamped,
    write,
)


def make(
    tmp_path: Path,
    *,
    events=None,
    files=None,
    photo=PHOTO,
    receipts=None,
    keys=None,
) -> Path:
    events = (
        events
        if events is not None
        else chain(
            [
                ("incident.recorded", "i1", {"fields": {"what": "A note on my car"}}),
                ("evidence.added", "i1", evidence()),
            ]
        )
    )
    manifest = manifest_for(events, files)
    if receipts is not None:
        manifest["receipts"] = receipts
        manifest["receiptKeys"] = [published()] if keys is None else keys
    entries = {"report.html": REPORT, "files/001-note.png": photo}
    return write(tmp_path / "bundle.zip", manifest, entries)


def test_a_whole_bundle_verifies(tmp_path, capsys):
    assert verify_bundle(make(tmp_path)).ok
    assert main(["verify", str(make(tmp_path))]) == 0
    assert "verified: file files/001-note.png" in capsys.readouterr().out


def test_a_changed_file_is_named(tmp_path, capsys):
    assert main(["verify", str(make(tmp_path, photo=PHOTO + b"!"))]) == 1
    assert "NOT VERIFIED: file files/001-note.png" in capsys.readouterr().out


def test_a_file_filed_from_the_inbox_verifies_with_its_capture_time(tmp_path, capsys):
    """Evidence kept in the inbox before it was filed carries when it was captured, how it
    came and its inbox id (docs/diary-format.md); the bundle verifies, and a changed file
    is still caught."""
    filed = {**evidence(), "captured": 1_764_400_000_000, "via": "share", "inbox": "q3Zx0a"}
    events = chain([("incident.recorded", "i1", {"fields": {}}), ("evidence.added", "i1", filed)])
    assert main(["verify", str(make(tmp_path, events=events))]) == 0
    assert "verified: file files/001-note.png" in capsys.readouterr().out
    assert main(["verify", str(make(tmp_path, events=events, photo=PHOTO + b"!"))]) == 1


def test_a_removed_event_breaks_the_chain_there(tmp_path):
    events = chain(
        [
            ("incident.recorded", "i1", {}),
            ("incident.revised", "i1", {}),
            ("evidence.added", "i1", evidence()),
        ]
    )
    del events[1]
    result = verify_bundle(make(tmp_path, events=events))
    bad = [f.where for f in result.findings if not f.ok]
    assert bad == ["event 3"]


def test_a_file_the_chain_does_not_name_is_not_verified(tmp_path):
    events = chain([("incident.recorded", "i1", {}), ("evidence.added", "i1", evidence())])
    result = verify_bundle(
        make(tmp_path, events=events, files=[{**listing(events[1]), "event": 1}])
    )
    bad = {f.where: f.what for f in result.findings if not f.ok}
    assert bad["file files/001-note.png"] == "is not named by an evidence event in the chain"
    assert "withheld" in bad["event 2"]


def test_malformed_events_are_reported_not_raised(tmp_path):
    result = verify_bundle(make(tmp_path, events=[{"seq": "x"}, 7], files=[]))
    assert not result.ok


@pytest.mark.parametrize("content", [b"", b"not a zip", None])
def test_something_else_is_not_a_bundle(tmp_path, content):
    path = tmp_path / "x.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    else:
        path.write_bytes(content)
    with pytest.raises(BundleError):
        verify_bundle(path)
    assert main(["verify", str(path)]) == 2


# --- recorded times ----------------------------------------------------------------------

NOV_20 = 1_795_165_200_000  # 2026-11-20 09:00 UTC, in ms since 1970
HOUR = 3_600_000


def recorded_at(tmp_path: Path, *times: int) -> Path:
    """A bundle of the test diary's five events, recorded at ``times`` by the phone's clock."""
    events = diary()
    for e, at in zip(events, times, strict=True):
        e["at"] = at
    return bundle(tmp_path, rechain(events))


def flagged(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("FLAGGED")]


def test_a_clock_set_back_is_flagged_with_the_events_and_times_and_still_verifies(tmp_path, capsys):
    # Recorded 20 November, then 17 November (the clock set back three days), then 20 again.
    path = recorded_at(
        tmp_path,
        NOV_20,
        NOV_20 + HOUR,
        NOV_20 - 3 * DAY,
        NOV_20 - 3 * DAY + HOUR,
        NOV_20 + 2 * HOUR,
    )
    code, out = run(capsys, path)
    assert code == 0, out
    assert flagged(out) == [
        "FLAGGED: events 3–4: say they were recorded from 2026-11-17 09:00:00 UTC to "
        "2026-11-17 10:00:00 UTC, earlier than event 2 before them in the chain "
        "(2026-11-20 10:00:00 UTC): the phone's clock went back while the diary was kept (it "
        "was changed, or put right after running ahead); the events are in the order they "
        "were written, each with the phone's time then"
    ]
    assert "NOT VERIFIED" not in out
    assert out.rstrip().splitlines()[-1].startswith("Verified as internally consistent only")
    assert verify_bundle(path).ok


def test_each_time_the_clock_goes_back_is_flagged_once(tmp_path, capsys):
    times = [NOV_20, NOV_20 - HOUR, NOV_20 + HOUR, NOV_20 + HOUR // 2, NOV_20 + 2 * HOUR]
    code, out = run(capsys, recorded_at(tmp_path, *times))
    assert code == 0
    first, second = flagged(out)
    assert first.startswith(
        "FLAGGED: event 2: says it was recorded 2026-11-20 08:00:00 UTC, "
        "earlier than event 1 before it in the chain (2026-11-20 09:00:00 UTC)"
    )
    assert second.startswith(
        "FLAGGED: event 4: says it was recorded 2026-11-20 09:30:00 UTC, "
        "earlier than event 3 before it in the chain (2026-11-20 10:00:00 UTC)"
    )


def test_times_that_never_go_back_are_not_flagged(tmp_path, capsys):
    # One save's events share a time: the same time again is not going back.
    path = recorded_at(tmp_path, NOV_20, NOV_20, NOV_20 + 1, NOV_20 + 1, NOV_20 + DAY)
    code, out = run(capsys, path)
    assert code == 0
    assert flagged(out) == []
    assert verify_bundle(path).flags == []


# --- time receipts -----------------------------------------------------------------------


def receipted(tmp_path: Path, change=None, **options) -> Path:
    """A bundle whose two events each have a receipt; ``change`` may alter the receipts."""
    events = chain(
        [
            ("incident.recorded", "i1", {"fields": {"what": "A note on my car"}}),
            ("evidence.added", "i1", evidence()),
        ]
    )
    receipts = stamped(events)
    if change:
        change(receipts, events)
    return make(tmp_path, events=events, receipts=receipts, **options)


def test_good_receipts_verify_against_the_key_in_the_bundle_and_say_so(tmp_path, capsys):
    bundle = receipted(tmp_path)
    result = verify_bundle(bundle)
    assert result.ok
    assert [f.where for f in result.findings if f.where.startswith("receipt")] == [
        "receipt for event 1",
        "receipt for event 2",
    ]
    assert main(["verify", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "verified: receipt for event 2: the server saw the chain ending at event 2" in out
    assert "2025-11-13 02:15:00 UTC" in out  # the receipt's time, 1_763_000_100_000 ms
    assert "came with the bundle" in out and "/api/receipts/key" in out
    # Good, but only against a key that came from the same hands as the bundle: not "All".
    assert "All verified" not in out
    assert out.rstrip().endswith(
        "run again with --key or --tsa-ca and the ones the server and the authority publish."
    )


def test_good_receipts_verify_against_the_published_key_given_as_text(tmp_path, capsys):
    assert main(["verify", str(receipted(tmp_path)), "--key", PUBLIC]) == 0
    out = capsys.readouterr().out
    assert f"key given with --key (key id {published()['kid']})" in out
    assert "came with the bundle" not in out


@pytest.mark.parametrize("as_json", [False, True])
def test_the_key_may_be_a_file_holding_it_or_the_published_json(tmp_path, as_json):
    key_file = tmp_path / "server-key.txt"
    key_file.write_text(json.dumps(published()) if as_json else PUBLIC + "\n")
    assert main(["verify", str(receipted(tmp_path)), "--key", str(key_file)]) == 0
    other = tmp_path / "other-key.json"
    other.write_text(json.dumps(published(Ed25519PrivateKey.generate())))
    assert main(["verify", str(receipted(tmp_path)), "--key", str(other)]) == 1


def flip(text: str) -> str:
    """Change the first character (the last may only carry padding bits)."""
    return ("B" if text[0] == "A" else "A") + text[1:]


ALTERATIONS = {
    # The hash of the event before: in the chain, but not what was signed.
    "hash": lambda r, events: (
        r[1]["receipt"].update(hash=events[0]["hash"]) or r[1].update(hash=events[0]["hash"], seq=1)
    ),
    "time": lambda r, events: r[1]["receipt"].update(time=r[1]["receipt"]["time"] - 86_400_000),
    "kid": lambda r, events: r[1]["receipt"].update(kid="0123456789abcdef"),
    "signature": lambda r, events: r[1]["receipt"].update(
        signature=flip(r[1]["receipt"]["signature"])
    ),
    "version": lambda r, events: r[1]["receipt"].update(v=2),
}


@pytest.mark.parametrize("field", ALTERATIONS)
def test_an_altered_receipt_fails(tmp_path, capsys, field):
    bundle = receipted(tmp_path, ALTERATIONS[field])
    result = verify_bundle(bundle)
    bad = [f for f in result.findings if not f.ok]
    assert len(bad) == 1 and bad[0].where.startswith("receipt for event"), bad
    assert "not signed by the server's key" in bad[0].what or "did not come" in bad[0].what
    assert main(["verify", str(bundle), "--key", PUBLIC]) == 1
    assert "NOT VERIFIED: receipt for event" in capsys.readouterr().out


def test_a_receipt_for_a_hash_not_in_the_chain_fails(tmp_path, capsys):
    def elsewhere(receipts, events):
        # Properly signed, but for a state of the diary that is not this chain.
        other = hashlib.sha256(b"another diary").hexdigest()
        receipts[1].update(hash=other, receipt=sign(SERVER_KEY, other, 1_763_000_100_000))

    bundle = receipted(tmp_path, elsewhere)
    assert main(["verify", str(bundle), "--key", PUBLIC]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED: receipt for event 2: is for a state of the diary other than" in out
    assert "verified: receipt for event 1:" in out


def test_a_receipt_for_an_event_not_in_the_chain_fails(tmp_path):
    def later(receipts, events):
        receipts[1]["seq"] = 3

    result = verify_bundle(receipted(tmp_path, later))
    bad = [f for f in result.findings if not f.ok]
    assert [(f.where, f.what) for f in bad] == [
        ("receipt for event 3", "names an event that is not in the chain")
    ]


def test_a_wrong_key_fails_every_receipt(tmp_path, capsys):
    other = published(Ed25519PrivateKey.generate())["publicKey"]
    assert main(["verify", str(receipted(tmp_path)), f"--key={other}"]) == 1
    out = capsys.readouterr().out
    assert out.count("NOT VERIFIED: receipt for event") == 2
    assert "not the key given" in out


def test_receipts_re_signed_with_another_key_pass_only_until_the_published_key_is_given(
    tmp_path, capsys
):
    forger = Ed25519PrivateKey.generate()

    def resign(receipts, events):
        receipts[:] = stamped(events, forger)

    bundle = receipted(tmp_path, resign, keys=[published(forger)])
    assert main(["verify", str(bundle)]) == 0
    assert f"key id {published(forger)['kid']}" in capsys.readouterr().out
    assert main(["verify", str(bundle), "--key", PUBLIC]) == 1


def test_a_key_in_the_bundle_whose_id_is_wrong_is_not_used(tmp_path):
    wrong = {**published(), "kid": "0123456789abcdef"}
    result = verify_bundle(receipted(tmp_path, keys=[wrong]))
    assert not result.ok
    assert all("did not come with the bundle" in f.what for f in result.findings if not f.ok)


@pytest.mark.parametrize("text", ["not base64!", "AAAA", '{"kid": "x"}', "/no/such/file"])
def test_a_key_that_cannot_be_read_says_so(tmp_path, capsys, text):
    assert main(["verify", str(receipted(tmp_path)), "--key", text]) == 2
    assert "cairn verify: --key:" in capsys.readouterr().err


def test_malformed_receipts_are_reported_not_raised(tmp_path):
    result = verify_bundle(
        make(tmp_path, receipts=[7, {"seq": 1}, {"seq": True, "receipt": {"v": 1}}])
    )
    bad = [f for f in result.findings if not f.ok]
    assert len(bad) == 3 and all(f.where.startswith("receipt for event") for f in bad)
    with pytest.raises(BundleError, match="receipts is not a list"):
        verify_bundle(make(tmp_path, receipts={"seq": 1}))
