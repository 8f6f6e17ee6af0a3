"""sessions_ui.outage.Breaker: when a cache that failed is tried again, and what the log says."""

from __future__ import annotations

import logging

import pytest

from sessions_ui.outage import Breaker

LOGGER = "tests.outage"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def shift(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return Breaker(
        logging.getLogger(LOGGER),
        retry_after=lambda: 5,
        back_message="It is back.",
        warn_every=60,
        clock=clock,
    )


class TestMayTry:
    def test_a_healthy_service_is_always_tried(self, breaker):
        assert breaker.may_try()

    def test_after_a_failure_it_is_left_alone_until_the_retry_time(self, breaker, clock):
        breaker.failed("down")
        assert not breaker.may_try()
        clock.shift(4.9)
        assert not breaker.may_try()
        clock.shift(0.2)
        assert breaker.may_try()

    def test_the_retry_time_is_read_at_each_failure(self, clock):
        delays = iter([1, 10])
        breaker = Breaker(
            logging.getLogger(LOGGER),
            retry_after=lambda: next(delays),
            back_message="back",
            clock=clock,
        )
        breaker.failed("down")
        clock.shift(1.1)
        assert breaker.may_try()
        breaker.failed("down")
        clock.shift(5)
        assert not breaker.may_try()

    def test_a_success_closes_the_breaker(self, breaker):
        breaker.failed("down")
        breaker.succeeded()
        assert breaker.may_try() and breaker.healthy


class TestLog:
    def test_one_warning_when_an_outage_starts_and_one_when_it_ends(self, breaker, clock, caplog):
        caplog.set_level(logging.WARNING, logger=LOGGER)
        breaker.failed("Cache down (%s)", "ConnectionError")
        clock.shift(10)
        breaker.failed("Cache down (%s)", "ConnectionError")
        breaker.succeeded()
        breaker.succeeded()
        assert [r.getMessage() for r in caplog.records] == [
            "Cache down (ConnectionError)",
            "It is back.",
        ]

    def test_a_long_outage_is_repeated_every_warn_every_seconds(self, breaker, clock, caplog):
        caplog.set_level(logging.WARNING, logger=LOGGER)
        for _ in range(4):  # at 0, 30, 60 and 90 s: warned at 0 and at 90 (> 60 s later)
            breaker.failed("still down")
            clock.shift(30)
        assert [r.getMessage() for r in caplog.records] == ["still down", "still down"]

    def test_without_warn_every_an_outage_is_said_once(self, clock, caplog):
        caplog.set_level(logging.WARNING, logger=LOGGER)
        breaker = Breaker(
            logging.getLogger(LOGGER), retry_after=lambda: 0, back_message="b", clock=clock
        )
        for _ in range(3):
            breaker.failed("down")
            clock.shift(3600)
        assert [r.getMessage() for r in caplog.records] == ["down"]
