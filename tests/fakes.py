"""Hand-written fakes of Groundwork's own ports (no mock.patch): a clock the test moves by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

START = datetime(2026, 3, 1, 12, 0, 0)


class FakeClock:
    """shared.clock.Clock with naive UTC time that only moves when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is not None:
            raise ValueError("the clock port speaks naive UTC")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment
