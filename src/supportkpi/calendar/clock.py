"""Business time inside the query engine, with portable Ibis operations only.

Each schedule becomes a grid with one row per UTC minute of the data's span: whether the
minute is working time, and the working seconds before it. Schedules have minute
resolution and every modern time zone offset is a whole number of minutes, so a minute is
wholly working or not, and the working time before an instant ``t`` is exactly
``before(minute(t)) + working(minute(t)) * (t - start of that minute)``. Two equality joins
per duration, no backend-specific SQL: it runs on DuckDB, PySpark and any Ibis backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from supportkpi.calendar.schedule import Schedule

__all__ = ["BusinessClock"]

_MINUTE_MS = 60_000
_EPOCH = ibis.literal(datetime(1970, 1, 1, tzinfo=UTC), type="timestamp('UTC')")


def _epoch_ms(value: ir.TimestampValue) -> ir.IntegerValue:
    return value.delta(_EPOCH, unit="millisecond").cast("int64")


class BusinessClock:
    """Business-time durations for the schedules of a config over a span of time."""

    def __init__(self, schedules: Mapping[str, Schedule], start: datetime, end: datetime):
        if "default" not in schedules:
            raise ValueError("a business clock needs a 'default' schedule")
        self.schedules = dict(schedules)
        self.start = start.astimezone(UTC) - timedelta(days=1)
        self.end = end.astimezone(UTC) + timedelta(days=1)
        self._grid: ir.Table | None = None

    def grid(self) -> pa.Table:
        """The minute grid of every schedule: schedule, minute, working (0/1), before_s."""
        lo = int(self.start.timestamp() // 60)
        hi = int(self.end.timestamp() // 60) + 1
        minutes = np.arange(lo, hi, dtype=np.int64)
        parts = []
        for name, schedule in self.schedules.items():
            starts, ends = schedule.intervals(self.start.date(), self.end.date())
            edges = np.zeros(minutes.size + 1, dtype=np.int64)
            first = np.clip(starts // 60_000_000 - lo, 0, minutes.size)
            last = np.clip(ends // 60_000_000 - lo, 0, minutes.size)
            np.add.at(edges, first, 1)
            np.add.at(edges, last, -1)
            working = (np.cumsum(edges)[:-1] > 0).astype(np.int8)
            before = np.concatenate(([0], np.cumsum(working, dtype=np.int64)[:-1])) * 60.0
            parts.append(
                pa.table(
                    {
                        "schedule": pa.array([name] * minutes.size, pa.string()),
                        "minute": minutes,
                        "working": working,
                        "before_s": before,
                    }
                )
            )
        return pa.concat_tables(parts)

    def _grid_table(self) -> ir.Table:
        if self._grid is None:
            self._grid = ibis.memtable(self.grid())
        return self._grid

    def _working_before(
        self, t: ir.Table, column: str, schedule: ir.StringValue, out: str
    ) -> ir.Table:
        """``t`` with ``out``: working seconds of the row's schedule before ``t[column]``."""
        ms = _epoch_ms(t[column])
        minute = (ms / _MINUTE_MS).floor().cast("int64")
        keyed = t.mutate(
            bc_key_sched=schedule,
            bc_key_minute=minute,
            bc_offset_s=(ms - minute * _MINUTE_MS) / 1000.0,
        )
        g = self._grid_table()
        g = g.select(
            bc_grid_sched=g.schedule,
            bc_grid_minute=g.minute,
            bc_grid_work=g.working,
            bc_grid_before=g.before_s,
        )
        joined = keyed.left_join(
            g, [keyed.bc_key_sched == g.bc_grid_sched, keyed.bc_key_minute == g.bc_grid_minute]
        )
        value = joined.bc_grid_before + joined.bc_grid_work.cast("float64") * joined.bc_offset_s
        helpers = ("bc_key_sched", "bc_key_minute", "bc_offset_s", "bc_grid_sched",
                   "bc_grid_minute", "bc_grid_work", "bc_grid_before")  # fmt: skip
        return joined.mutate(**{out: value}).drop(*helpers)

    def annotate(
        self,
        t: ir.Table,
        *,
        start: str,
        end: str,
        out: str,
        schedule: str | ir.StringValue = "default",
    ) -> ir.Table:
        """``t`` with a float64 column ``out``: business seconds from ``start`` to ``end``
        in each row's schedule (null when either is null or outside the clock's span; 0 when
        the end is before the start)."""
        sched = ibis.literal(schedule) if isinstance(schedule, str) else schedule
        t = t.mutate(bc_tmp_sched=sched)
        t = self._working_before(t, start, t.bc_tmp_sched, "bc_tmp_a")
        t = self._working_before(t, end, t.bc_tmp_sched, "bc_tmp_b")
        diff = t.bc_tmp_b - t.bc_tmp_a
        value = ibis.ifelse(diff < 0, 0.0, diff)
        return t.mutate(**{out: value}).drop("bc_tmp_sched", "bc_tmp_a", "bc_tmp_b")
