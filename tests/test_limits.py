"""Rate limits: tries counted per key over a sliding window, refused past the limit, and
everyone's together under each route's ceiling, in the database every server process shares
(and, for tests, in memory)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import pytest

from server import create_app
from server.db import get_db
from server.errors import CairnError
from server.limits import BUSY, DatabaseLimiter, Limiter, MemoryLimiter, client, enforce
from server.tsa import AuthorityError
from tests.apps import ENGINES, fresh_app
from tests.authenticator import Phone
from tests.clock import Clock


@dataclass
class Counting:
    limiter: Limiter
    clock: Clock
    context: object  # a callable giving the context a thread counts in


@pytest.fixture(params=["memory", *ENGINES])
def counting(request, tmp_path):
    """Each kind of limiter, on a clock the test moves: in memory, and in each database."""
    clock = Clock()
    if request.param == "memory":
        yield Counting(MemoryLimiter(clock=clock), clock, contextlib.nullcontext)
        return
    with fresh_app(request.param, tmp_path) as app, app.app_context():
        yield Counting(DatabaseLimiter(b"test secret", clock=clock), clock, app.app_context)


def test_a_key_gets_its_limit_and_then_is_told_how_long_to_wait(counting):
    limiter, clock = counting.limiter, counting.clock
    for _ in range(3):
        assert limiter.hit("k", limit=3, window=60).allowed
    clock.now += 20.5
    refused = limiter.hit("k", limit=3, window=60)
    assert not refused.allowed and refused.retry_after == 40 and refused.at is None


def test_refused_tries_do_not_make_the_wait_longer(counting):
    limiter, clock = counting.limiter, counting.clock
    limiter.hit("k", limit=1, window=10)
    for _ in range(5):
        clock.now += 1
        assert not limiter.hit("k", limit=1, window=10).allowed
    clock.now += 5.5  # 10.5 s after the only counted try
    assert limiter.hit("k", limit=1, window=10).allowed


def test_the_wait_is_at_least_a_second(counting):
    limiter, clock = counting.limiter, counting.clock
    limiter.hit("k", limit=1, window=10)
    clock.now += 9.99
    assert limiter.hit("k", limit=1, window=10).retry_after == 1


def test_keys_are_counted_apart(counting):
    limiter = counting.limiter
    assert limiter.hit("a", limit=1, window=60).allowed
    assert not limiter.hit("a", limit=1, window=60).allowed
    assert limiter.hit("b", limit=1, window=60).allowed


def test_a_forgiven_try_no_longer_counts(counting):
    limiter = counting.limiter
    first = limiter.hit("k", limit=2, window=60)
    limiter.forgive(first)
    assert limiter.hit("k", limit=2, window=60).allowed
    assert limiter.hit("k", limit=2, window=60).allowed
    refused = limiter.hit("k", limit=2, window=60)
    assert not refused.allowed
    limiter.forgive(refused)  # a refused try was never counted: nothing to take back
    assert not limiter.hit("k", limit=2, window=60).allowed


def test_tries_sent_at_once_each_count(counting):
    limiter = counting.limiter
    start = threading.Barrier(20)
    allowed: list[bool] = []

    def one() -> None:
        with counting.context():
            start.wait()
            allowed.append(limiter.hit("k", limit=5, window=60).allowed)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 15 + [True] * 5


def test_keys_whose_tries_are_all_old_are_forgotten_past_the_sweep_size():
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    limiter.SWEEP_AT = 3
    for n in range(3):
        assert limiter.hit(f"10.0.0.{n}", limit=5, window=60).allowed
    clock.now += 120  # a minute and more later
    assert limiter.hit("10.0.0.9", limit=5, window=60).allowed
    assert list(limiter._by_key) == ["10.0.0.9"]


def test_clients_are_counted_per_ipv6_network():
    assert client("2001:db8:1:2:aaaa::1") == client("2001:db8:1:2:bbbb::9")
    assert client("2001:db8:1:3::1") != client("2001:db8:1:2::1")
    assert client("::ffff:192.0.2.7") == "192.0.2.7" == client("192.0.2.7")
    assert client(None) == "?"
    assert client("not an address") == "not an address"


def test_enforce_refuses_past_the_limit_with_a_429(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    with app.test_request_context():
        for _ in range(2):
            assert enforce(
                "uploads", "acct", per_minute=2, ceiling=100, message="Slow down."
            ).allowed
        with pytest.raises(CairnError) as refused:
            enforce("uploads", "acct", per_minute=2, ceiling=100, message="Slow down.")
        assert refused.value.status == 429 and refused.value.message == "Slow down."
        # Each limit counts apart, though the key is the same.
        assert enforce("receipts", "acct", per_minute=2, ceiling=100, message="Slow down.").allowed


def test_processes_on_one_database_share_the_counts_and_a_restart_keeps_them(app):
    """Two apps on one database are two server processes (or one, restarted)."""
    config = {k: app.config[k] for k in ("TESTING", "DATABASE", "DATABASE_URL") if k in app.config}
    other = create_app({**config, "INSTANCE_PATH": app.instance_path})
    for one in (app, other, app):
        with one.test_request_context():
            assert enforce(
                "ceremonies", "198.51.100.7", per_minute=3, ceiling=100, message="Wait."
            ).allowed
    with other.test_request_context(), pytest.raises(CairnError):
        enforce("ceremonies", "198.51.100.7", per_minute=3, ceiling=100, message="Wait.")
    restarted = create_app({**config, "INSTANCE_PATH": app.instance_path})
    with restarted.test_request_context(), pytest.raises(CairnError):
        enforce("ceremonies", "198.51.100.7", per_minute=3, ceiling=100, message="Wait.")
    if "cairn.db_pool" in other.extensions:
        other.extensions["cairn.db_pool"].close()
        restarted.extensions["cairn.db_pool"].close()


def test_old_tries_are_swept_and_no_address_is_stored(app):
    clock = Clock()
    limiter = DatabaseLimiter(b"test secret", clock=clock)
    with app.app_context():
        limiter.hit("start-code:198.51.100.7", limit=5, window=60)
        limiter.hit("accounts:2001:db8:aa::/48", limit=5, window=60)
        clock.now += 61
        limiter.SWEEP_SECONDS = 0
        limiter.hit("start-code:203.0.113.5", limit=5, window=60)
        keys = [row["key"] for row in get_db().all("SELECT key FROM tries")]
    assert len(keys) == 1 and len(keys[0]) == 32
    assert "203.0.113" not in keys[0] and "start" not in keys[0]


# --- everyone's ceilings ----------------------------------------------------------------------


def test_a_ceiling_allows_its_figure_in_a_window_and_refuses_the_next(counting):
    limiter, clock = counting.limiter, counting.clock
    for _ in range(3):
        assert limiter.ceiling("uploads", limit=3, window=60).allowed
    clock.now += 5  # 1005 s: the minute from 960 s has 15 s left
    refused = limiter.ceiling("uploads", limit=3, window=60)
    assert not refused.allowed and refused.retry_after == 15
    assert not limiter.ceiling("uploads", limit=3, window=60).allowed
    assert limiter.ceiling("receipts", limit=3, window=60).allowed  # each counts apart


def test_a_ceiling_starts_again_with_its_next_window(counting):
    limiter, clock = counting.limiter, counting.clock
    for _ in range(3):
        assert limiter.ceiling("uploads", limit=3, window=60).allowed
    assert not limiter.ceiling("uploads", limit=3, window=60).allowed
    clock.now += 19.9  # 1019.9 s: still the minute from 960 s
    assert not limiter.ceiling("uploads", limit=3, window=60).allowed
    clock.now += 0.1  # 1020 s: the next minute
    for _ in range(3):
        assert limiter.ceiling("uploads", limit=3, window=60).allowed
    assert not limiter.ceiling("uploads", limit=3, window=60).allowed


def test_ceiling_tries_sent_at_once_each_count(counting):
    start = threading.Barrier(20)
    allowed: list[bool] = []

    def one() -> None:
        with counting.context():
            start.wait()
            allowed.append(counting.limiter.ceiling("uploads", limit=5, window=60).allowed)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 15 + [True] * 5


def test_a_client_over_its_own_limit_does_not_use_up_the_ceiling(app):
    app.extensions["cairn.limiter"] = DatabaseLimiter(b"test secret", clock=Clock())
    limit = {"per_minute": 2, "ceiling": 5, "message": "Slow down."}
    with app.test_request_context():
        greedy = []
        for _ in range(10):
            with contextlib.suppress(CairnError):
                greedy.append(enforce("uploads", "greedy", **limit))
        assert len(greedy) == 2  # its own two, and not one more of everyone's five
        for key in ("b", "b", "c"):
            assert enforce("uploads", key, **limit).allowed
        with pytest.raises(CairnError) as busy:
            enforce("uploads", "d", **limit)
    assert busy.value.status == 429 and busy.value.message == BUSY
    assert busy.value.retry_after == 20  # the rest of this minute (the clock is at 1000 s)


def test_old_ceiling_windows_are_swept_with_the_tries(app):
    clock = Clock()
    limiter = DatabaseLimiter(b"test secret", clock=clock)
    with app.app_context():
        limiter.ceiling("uploads", limit=5, window=60)
        limiter.ceiling("receipts", limit=5, window=60)
        clock.now += 61
        limiter.SWEEP_SECONDS = 0
        limiter.hit("uploads:acct", limit=5, window=60)
        limiter.ceiling("uploads", limit=5, window=60)
        rows = get_db().all("SELECT name, n FROM ceilings")
    assert [(row["name"], row["n"]) for row in rows] == [("uploads", 1)]


class Refusing:
    """A time-stamping authority that never stamps (502): enough to reach the limits."""

    name = "nobody"

    def answer(self, query: bytes) -> bytes:
        raise AuthorityError("Not today.")

    def certificates(self) -> list[str]:
        return []


HASH = {"hash": "ab" * 32}


@pytest.mark.parametrize(
    ("setting", "send"),
    [
        ("CEREMONIES_PER_MINUTE_ALL", lambda phone: phone.post("/api/session/options")),
        ("UPLOADS_PER_MINUTE_ALL", lambda phone: phone.post("/api/backup/records", RECORDS)),
        ("RECEIPTS_PER_MINUTE_ALL", lambda phone: phone.post("/api/receipts", HASH)),
        ("TIMESTAMPS_PER_MINUTE_ALL", lambda phone: phone.post("/api/timestamp", HASH)),
    ],
)
def test_every_route_with_a_limit_has_a_ceiling_for_everyone(app, setting, send):
    clock = Clock()
    app.extensions["cairn.tsa"] = Refusing()
    phones = []
    for n in range(4):  # four clients: four addresses, each signed in to an account of its own
        phone = Phone(app.test_client())
        phone.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        phone.register()
        phones.append(phone)
    app.extensions["cairn.limiter"] = DatabaseLimiter(b"test secret", clock=clock)
    app.config[setting] = 2
    for phone in phones[:2]:
        assert send(phone).status_code != 429
    busy = send(phones[2])
    assert busy.status_code == 429 and busy.get_json() == {"error": BUSY}
    assert busy.headers["Retry-After"] == "20"  # the rest of the minute
    clock.now += 20
    assert send(phones[3]).status_code != 429


def test_one_ipv6_site_cannot_take_everyones_ceremonies(tmp_path):
    """Each /64 is a client, but a /48 holds 65,536 of them: the site as a whole gets ten
    clients' worth, so one site cannot fill everyone's ceiling and stop sign-in for all."""
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "CEREMONIES_PER_MINUTE": 2,
        }
    )
    sent = 0
    for n in range(15):  # 15 /64s of one /48, two ceremonies each
        phone = Phone(app.test_client())
        phone.client.environ_base["REMOTE_ADDR"] = f"2001:db8:7:{n:x}::1"
        for _ in range(2):
            if phone.post("/api/session/options").status_code == 200:
                sent += 1
    assert sent == 20  # ten clients' worth
    elsewhere = Phone(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "2001:db8:8::1"
    assert elsewhere.post("/api/session/options").status_code == 200


def test_one_ipv6_client_over_its_own_limit_takes_no_more_of_its_sites(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "CEREMONIES_PER_MINUTE": 2,
        }
    )
    one = Phone(app.test_client())
    one.client.environ_base["REMOTE_ADDR"] = "2001:db8:7:1::1"
    answers = [one.post("/api/session/options").status_code for _ in range(30)]
    assert answers.count(200) == 2
    neighbour = Phone(app.test_client())
    neighbour.client.environ_base["REMOTE_ADDR"] = "2001:db8:7:2::1"
    assert neighbour.post("/api/session/options").status_code == 200


RECORDS = {"records": [{"id": "e1", "kind": "event", "version": 1, "iv": "A" * 16, "ct": "A" * 22}]}
