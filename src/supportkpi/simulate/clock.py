"""Local days and business-time arithmetic for the simulated desk, on numpy arrays.

Instants are int64 seconds since the Unix epoch (UTC). Each local day of the horizon is
precomputed (its UTC start, weekday, holiday flag), so that "the next business instant
plus N business seconds" is two ``searchsorted`` calls for millions of tickets at once.
Business hours never touch the 02:00-03:00 daylight-saving hour, so a day's UTC start and
length locate every business second exactly.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt

__all__ = ["Clock", "Schedule"]

I64 = npt.NDArray[np.int64]


class Schedule:
    """Weekly opening hours on the clock's days: cumulative business seconds per day."""

    def __init__(self, clock: Clock, open_s: int, close_s: int, weekdays: tuple[int, ...]):
        self.clock = clock
        self.open_s = open_s
        works = np.isin(clock.weekday, weekdays) & ~clock.holiday
        self.avail = np.where(works, close_s - open_s, 0).astype(np.int64)
        self.cum = np.concatenate([[0], np.cumsum(self.avail)[:-1]]).astype(np.int64)
        self._work_days = np.flatnonzero(works)
        self._work_cum = self.cum[self._work_days]

    def position(self, t: I64) -> I64:
        """Business seconds from the horizon's start to instant ``t``."""
        day = self.clock.day_of(t)
        sod = t - self.clock.midnight[day]
        inside = np.clip(sod - self.open_s, 0, self.avail[day])
        out: I64 = self.cum[day] + inside
        return out

    def instant(self, pos: I64) -> I64:
        """The instant at business position ``pos`` (inverse of :meth:`position`)."""
        k = np.searchsorted(self._work_cum, pos, side="right") - 1
        k = np.clip(k, 0, len(self._work_days) - 1)
        day = self._work_days[k]
        return self.clock.midnight[day] + self.open_s + (pos - self._work_cum[k])

    def add(self, t: I64, seconds: npt.NDArray[np.float64] | I64) -> I64:
        """``t`` plus ``seconds`` of business time (from the next opening when closed)."""
        return self.instant(self.position(t) + np.asarray(seconds).astype(np.int64))

    def is_open(self, t: I64) -> npt.NDArray[np.bool_]:
        day = self.clock.day_of(t)
        sod = t - self.clock.midnight[day]
        return (self.avail[day] > 0) & (sod >= self.open_s) & (sod < self.open_s + self.avail[day])


class Clock:
    """The local calendar from ``start`` for ``n_days`` days in time zone ``tz``."""

    def __init__(self, start: dt.date, n_days: int, tz: str, country: str) -> None:
        zone = ZoneInfo(tz)
        days = [start + dt.timedelta(days=i) for i in range(n_days + 1)]
        self.dates = days[:-1]
        self.midnight = np.array(
            [int(dt.datetime(d.year, d.month, d.day, tzinfo=zone).timestamp()) for d in days],
            dtype=np.int64,
        )
        self.weekday = np.array([d.weekday() for d in self.dates], dtype=np.int64)
        years = sorted({d.year for d in days})
        calendar = holidays.country_holidays(country, years=years)
        self.holiday = np.array([d in calendar for d in self.dates], dtype=bool)

    def day_of(self, t: I64) -> I64:
        """Local day index of each instant (clamped to the horizon)."""
        day = np.searchsorted(self.midnight, t, side="right") - 1
        return np.clip(day, 0, len(self.dates) - 1).astype(np.int64)

    def schedule(self, open_s: int, close_s: int, weekdays: tuple[int, ...]) -> Schedule:
        return Schedule(self, open_s, close_s, weekdays)
