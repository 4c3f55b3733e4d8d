"""Rate limits: tries counted per key over a sliding window, refused past the limit, in
the database every server process shares (and, for tests, in memory)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import pytest

from server import create_app
from server.db import get_db
from server.errors import CairnError
from server.limits import DatabaseLimiter, Limiter, MemoryLimiter, client, enforce
from tests.apps import ENGINES, fresh_app
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
            assert enforce("uploads", "acct", per_minute=2, message="Slow down.").allowed
        with pytest.raises(CairnError) as refused:
            enforce("uploads", "acct", per_minute=2, message="Slow down.")
        assert refused.value.status == 429 and refused.value.message == "Slow down."
        # Each limit counts apart, though the key is the same.
        assert enforce("receipts", "acct", per_minute=2, message="Slow down.").allowed


def test_processes_on_one_database_share_the_counts_and_a_restart_keeps_them(app):
    """Two apps on one database are two server processes (or one, restarted)."""
    config = {k: app.config[k] for k in ("TESTING", "DATABASE", "DATABASE_URL") if k in app.config}
    other = create_app({**config, "INSTANCE_PATH": app.instance_path})
    for one in (app, other, app):
        with one.test_request_context():
            assert enforce("ceremonies", "198.51.100.7", per_minute=3, message="Wait.").allowed
    with other.test_request_context(), pytest.raises(CairnError):
        enforce("ceremonies", "198.51.100.7", per_minute=3, message="Wait.")
    restarted = create_app({**config, "INSTANCE_PATH": app.instance_path})
    with restarted.test_request_context(), pytest.raises(CairnError):
        enforce("ceremonies", "198.51.100.7", per_minute=3, message="Wait.")
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
