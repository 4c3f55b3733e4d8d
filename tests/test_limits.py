"""Rate limits: tries counted per key over a sliding window, refused past the limit."""

from __future__ import annotations

import threading

import pytest

from server import create_app
from server.errors import CairnError
from server.limits import MemoryLimiter, client, enforce
from tests.clock import Clock


def test_a_key_gets_its_limit_and_then_is_told_how_long_to_wait():
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    for _ in range(3):
        assert limiter.hit("k", limit=3, window=60).allowed
    clock.now += 20.5
    refused = limiter.hit("k", limit=3, window=60)
    assert not refused.allowed and refused.retry_after == 40 and refused.at is None


def test_refused_tries_do_not_make_the_wait_longer():
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    limiter.hit("k", limit=1, window=10)
    for _ in range(5):
        clock.now += 1
        assert not limiter.hit("k", limit=1, window=10).allowed
    clock.now += 5.5  # 10.5 s after the only counted try
    assert limiter.hit("k", limit=1, window=10).allowed


def test_the_wait_is_at_least_a_second():
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    limiter.hit("k", limit=1, window=10)
    clock.now += 9.99
    assert limiter.hit("k", limit=1, window=10).retry_after == 1


def test_keys_are_counted_apart():
    limiter = MemoryLimiter()
    assert limiter.hit("a", limit=1, window=60).allowed
    assert not limiter.hit("a", limit=1, window=60).allowed
    assert limiter.hit("b", limit=1, window=60).allowed


def test_a_forgiven_try_no_longer_counts():
    limiter = MemoryLimiter()
    first = limiter.hit("k", limit=2, window=60)
    limiter.forgive(first)
    assert limiter.hit("k", limit=2, window=60).allowed
    assert limiter.hit("k", limit=2, window=60).allowed
    refused = limiter.hit("k", limit=2, window=60)
    assert not refused.allowed
    limiter.forgive(refused)  # a refused try was never counted: nothing to take back
    assert not limiter.hit("k", limit=2, window=60).allowed


def test_tries_sent_at_once_each_count():
    limiter = MemoryLimiter()
    start = threading.Barrier(20)
    allowed: list[bool] = []

    def one() -> None:
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


def test_each_app_starts_with_no_tries(tmp_path):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path)}
    first, second = create_app(config), create_app(config)
    assert first.extensions["cairn.limiter"] is not second.extensions["cairn.limiter"]
