"""Business schedules and exact business-time arithmetic.

A schedule's working time is materialized as intervals of real time (UTC instants): each
local working interval of each day is converted with the schedule's time zone, so daylight
saving changes are exact (an interval 01:00–04:00 local on a spring-forward day lasts two
real hours, on a fall-back day four). Working time up to an instant is then a cumulative
sum plus a partial interval, found by binary search: vectorized, exact to the microsecond.

A holiday removes the working intervals that start on that local date. An interval whose
end is not after its start crosses midnight into the next day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from supportkpi.policy.config import WEEKDAYS, ScheduleConfig

__all__ = ["Schedule", "add_business_seconds", "business_seconds", "to_micros"]

_US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_SPAN_US = 200 * 366 * 86400 * _US

Micros = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Schedule:
    """Working time: weekly intervals (minutes from local midnight) in a time zone, less
    holidays. ``week`` maps a weekday (0 = Monday) to ``(start_minute, end_minute)`` pairs;
    an end not after its start crosses midnight."""

    name: str
    timezone: str = "UTC"
    week: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    @classmethod
    def from_config(cls, name: str, config: ScheduleConfig) -> Schedule:
        week: dict[int, tuple[tuple[int, int], ...]] = {}
        for day, intervals in config.week.items():
            pairs = []
            for text in intervals:
                start, end = text.split("-")
                pairs.append((_minutes(start), _minutes(end)))
            week[WEEKDAYS.index(day)] = tuple(pairs)
        return cls(
            name=name,
            timezone=config.timezone,
            week=week,
            holidays=frozenset(config.holidays),
            holiday_country=config.holiday_country,
            holiday_subdivision=config.holiday_subdivision,
        )

    @property
    def weekly_seconds(self) -> float:
        """Nominal working seconds in a week (no holidays, no DST)."""
        total = 0
        for pairs in self.week.values():
            for start, end in pairs:
                total += (end - start) if end > start else (1440 - start + end)
        return total * 60.0

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        if self.holiday_country:
            return day in _public_holidays(self.holiday_country, self.holiday_subdivision, day.year)
        return False

    def intervals(self, first: date, last: date) -> tuple[Micros, Micros]:
        """Working intervals starting on local dates ``first``..``last``, as sorted, merged
        UTC microsecond arrays (starts, ends)."""
        zone = ZoneInfo(self.timezone)
        starts: list[int] = []
        ends: list[int] = []
        day = first
        while day <= last:
            pairs = self.week.get(day.weekday(), ())
            if pairs and not self.is_holiday(day):
                midnight = datetime(day.year, day.month, day.day)
                for start, end in pairs:
                    end_day = midnight if end > start else midnight + timedelta(days=1)
                    starts.append(_wall_micros(midnight + timedelta(minutes=start), zone))
                    ends.append(_wall_micros(end_day + timedelta(minutes=end), zone))
            day += timedelta(days=1)
        return _merge(np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _wall_micros(wall: datetime, zone: ZoneInfo) -> int:
    """The first instant at which a clock in ``zone`` shows the naive time ``wall``.

    A repeated wall time (clocks falling back) is its first occurrence. A wall time that
    does not exist (clocks springing forward skip it) is the instant of the jump: work
    planned from 02:30 on a night the clock jumps from 02:00 to 03:00 starts at 03:00.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return _micros(first)
    # Skipped: fold=0 reads the wall time with the offset before the jump (too late), fold=1
    # with the offset after it (too early); the jump lies between. Find it to the second.
    lo = _micros(wall.replace(tzinfo=zone, fold=1)) // _US
    hi = _micros(first) // _US
    after = datetime.fromtimestamp(hi, UTC).astimezone(zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi * _US


def _micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _US + delta.microseconds


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _merge(starts: Micros, ends: Micros) -> tuple[Micros, Micros]:
    """Sort and merge overlapping or touching intervals; drop empty ones."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running_end = np.maximum.accumulate(ends)
    new_group = np.empty(starts.size, dtype=bool)
    new_group[0] = True
    new_group[1:] = starts[1:] > running_end[:-1]
    group = np.cumsum(new_group) - 1
    merged_starts = starts[new_group]
    merged_ends = np.zeros(merged_starts.size, dtype=np.int64)
    np.maximum.at(merged_ends, group, ends)
    return merged_starts, merged_ends


def to_micros(values: Any) -> npt.NDArray[np.float64]:
    """UTC epoch microseconds of instants (numpy datetime64, pyarrow timestamps, or
    datetimes) as float64, with NaN for missing values."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray | pa.Array):
        micros = values.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        return np.asarray(micros.to_numpy(zero_copy_only=False), dtype=np.float64)
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        as_us = array.astype("datetime64[us]")
        out = as_us.astype(np.int64).astype(np.float64)
        out[np.isnat(as_us)] = np.nan
        return out
    return np.array(
        [np.nan if v is None else float(_micros(v)) for v in array.ravel()], dtype=np.float64
    )


class _Cumulative:
    """Working seconds from the start of a span up to any instant in it."""

    def __init__(self, schedule: Schedule, lo_us: float, hi_us: float) -> None:
        first = datetime.fromtimestamp(lo_us / _US, UTC).date() - timedelta(days=2)
        last = datetime.fromtimestamp(hi_us / _US, UTC).date() + timedelta(days=2)
        self.starts, self.ends = schedule.intervals(first, last)
        lengths = (self.ends - self.starts).astype(np.float64)
        self.before = np.concatenate(([0.0], np.cumsum(lengths)[:-1])) if lengths.size else lengths
        self.after = self.before + lengths
        self._starts = self.starts.astype(np.float64)
        self._lengths = lengths

    def at(self, us: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Working microseconds before each instant (NaN stays NaN)."""
        if self.starts.size == 0:
            return np.where(np.isnan(us), np.nan, 0.0)
        # The last interval starting at or before each instant; NaN sorts last and stays
        # NaN through the arithmetic. Before the first interval: index 0, nothing inside.
        k = np.searchsorted(self._starts, us, side="right")
        k -= 1
        np.maximum(k, 0, out=k)
        inside = us - self._starts[k]
        np.maximum(inside, 0.0, out=inside)
        np.minimum(inside, self._lengths[k], out=inside)
        inside += self.before[k]
        return inside


def business_seconds(schedule: Schedule, starts: Any, ends: Any) -> npt.NDArray[np.float64]:
    """Working seconds of ``schedule`` between each start and end (NaN where either is
    missing; 0 where the end is before the start)."""
    s, e = to_micros(starts), to_micros(ends)
    both = np.concatenate([s, e])
    if both.size == 0 or np.all(np.isnan(both)):
        return np.full(s.shape, np.nan)
    cumulative = _Cumulative(schedule, float(np.nanmin(both)), float(np.nanmax(both)))
    return np.maximum(cumulative.at(e) - cumulative.at(s), 0.0) / _US


def add_business_seconds(
    schedule: Schedule, starts: Any, seconds: Any
) -> npt.NDArray[np.datetime64]:
    """The instant at which ``seconds`` of working time have passed after each start: an
    SLA deadline. A target reached exactly at the end of a working interval is that end, not
    the start of the next interval; zero seconds give the start itself.

    NaT where the start or the amount is missing, and where the schedule never works (no
    working interval in the week) and the amount is positive: such a deadline never comes.
    A negative amount is a ``ValueError``.
    """
    s = to_micros(starts)
    amount = np.round(np.broadcast_to(np.asarray(seconds, dtype=np.float64), s.shape) * _US)
    if np.any(amount < 0):
        raise ValueError("add_business_seconds needs amounts of zero or more seconds")
    result = np.full(s.shape, np.datetime64("NaT"), dtype="datetime64[us]")
    valid = ~np.isnan(s) & ~np.isnan(amount)
    zero = valid & (amount == 0)
    result[zero] = s[zero].astype(np.int64).astype("datetime64[us]")
    if schedule.weekly_seconds == 0:
        return result
    valid &= amount > 0
    if not valid.any():
        return result
    lo = float(np.min(s[valid]))
    weeks = float(np.max(amount[valid])) / _US / schedule.weekly_seconds
    hi = float(np.max(s[valid])) + (weeks * 2 + 3) * 7 * 86400 * _US
    while True:
        cumulative = _Cumulative(schedule, lo, hi)
        target = cumulative.at(s[valid]) + amount[valid]
        if cumulative.after.size and target.max() <= cumulative.after[-1]:
            break
        if hi - lo > _MAX_SPAN_US:
            raise ValueError(
                f"schedule {schedule.name!r} has no working time left within 200 years"
            )
        hi += (hi - lo) + 14 * 86400 * _US  # a span full of holidays: look further
    k = np.searchsorted(cumulative.after, target, side="left")
    instant = cumulative.starts[k] + (target - cumulative.before[k])
    result[valid] = np.round(instant).astype(np.int64).astype("datetime64[us]")
    return result
