"""A clock for the server tests that moves only when a test moves it."""

from __future__ import annotations


class Clock:
    """A limiter's clock that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
