"""Business time inside the query engine, with portable Ibis operations only.

Each schedule becomes a grid with one row per UTC minute of the data's span: whether the
minute is working time, and the working seconds before it. Schedules have minute
resolution and every modern time zone offset is a whole number of minutes, so a minute is
wholly working or not, and the working time before an instant ``t`` is exactly
``before(minute(t)) + working(minute(t)) * (t - start of that minute)``. Two equality joins
per duration (one per distinct instant when several durations share it), no
backend-specific SQL: it runs on DuckDB, PySpark and any Ibis backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from supportkpi.backends import is_postgres, upload
from supportkpi.calendar.schedule import Schedule

__all__ = ["BusinessClock"]

_MINUTE_US = 60_000_000
_EPOCH = ibis.literal(datetime(1970, 1, 1, tzinfo=UTC), type="timestamp('UTC')")


def epoch_us(value: ir.TimestampValue, backend: str | None) -> ir.IntegerValue:
    """Microseconds since 1970 as an exact integer.

    The portable form is ``delta(epoch, unit="microsecond")`` (``DATEDIFF(MICROSECOND, ..)``
    on Spark); ``epoch_seconds`` is no use here (int32 in Ibis, and whole seconds on Spark).
    On DuckDB that ``DATE_DIFF`` over time zone aware values goes through the ICU calendar
    and is about a hundred times slower than DuckDB's own ``epoch_us``, which gives the same
    integer; it is used there, and only there.
    """
    if backend == "duckdb":
        return _duckdb_epoch_us(value)
    return value.delta(_EPOCH, unit="microsecond").cast("int64")


@ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
def _duckdb_epoch_us(value: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB's ``epoch_us``: UTC microseconds since 1970."""


def _backend_of(t: ir.Table) -> Any:
    try:
        return t.get_backend()
    except Exception:  # an expression bound to no backend yet
        return None


def _backend_name(t: ir.Table) -> str | None:
    try:
        return str(t.get_backend().name)
    except Exception:  # an expression bound to no backend yet: use the portable form
        return None


class BusinessClock:
    """Business-time durations for named schedules over a span of time.

    Build it once for the span of the data (``start`` .. ``end``; a day of margin is added
    on both sides); instants outside the span give null, never a guess.
    """

    def __init__(self, schedules: Mapping[str, Schedule], start: datetime, end: datetime):
        if not schedules:
            raise ValueError("a business clock needs at least one schedule")
        self.schedules = dict(schedules)
        self.start = _utc(start) - timedelta(days=1)
        self.end = max(_utc(end), _utc(start)) + timedelta(days=1)
        self._grid: ir.Table | None = None
        self._uploaded: dict[int, ir.Table] = {}
        self._arrow: pa.Table | None = None

    def grid(self) -> pa.Table:
        """The minute grid of every schedule: ``schedule``, ``minute_us`` (UTC epoch
        microseconds at the minute's start), ``working`` (0/1) and ``before_us`` (working
        microseconds of the schedule from the grid's first minute to this one)."""
        lo = int(self.start.timestamp() // 60)
        hi = int(self.end.timestamp() // 60) + 1
        minutes = np.arange(lo, hi, dtype=np.int64)
        parts = []
        for name, schedule in self.schedules.items():
            starts, ends = schedule.intervals(self.start.date(), self.end.date())
            if np.any(starts % _MINUTE_US) or np.any(ends % _MINUTE_US):
                raise ValueError(
                    f"schedule {name!r} has working time that does not start or end on a "
                    f"whole UTC minute (time zone {schedule.timezone!r}); the engine's minute "
                    "grid cannot represent it"
                )
            edges = np.zeros(minutes.size + 1, dtype=np.int64)
            first = np.clip(starts // _MINUTE_US - lo, 0, minutes.size)
            last = np.clip(ends // _MINUTE_US - lo, 0, minutes.size)
            np.add.at(edges, first, 1)
            np.add.at(edges, last, -1)
            working = (np.cumsum(edges)[:-1] > 0).astype(np.int64)
            before = np.concatenate(([0], np.cumsum(working)[:-1])) * _MINUTE_US
            parts.append(
                pa.table(
                    {
                        "schedule": pa.array([name] * minutes.size, pa.string()),
                        "minute_us": minutes * _MINUTE_US,
                        "working": working,
                        "before_us": before.astype(np.int64),
                    }
                )
            )
        return pa.concat_tables(parts)

    def _arrow_grid(self) -> pa.Table:
        if self._arrow is None:
            self._arrow = self.grid()
        return self._arrow

    def _grid_table(self, backend: Any) -> ir.Table:
        """The grid as a table ``backend`` joins: a ``memtable`` (registered by the backend
        itself), or on PostgreSQL a temporary table filled with ``COPY`` (Ibis inserts a
        ``memtable`` there row by row), one per connection."""
        if not is_postgres(backend):
            if self._grid is None:
                self._grid = ibis.memtable(self._arrow_grid())
            return self._grid
        key = id(backend)
        if key not in self._uploaded:
            self._uploaded[key] = upload(backend, self._arrow_grid(), "supportkpi_grid")
        return self._uploaded[key]

    def _working_before(self, t: ir.Table, column: str, fixed: str | None, out: str) -> ir.Table:
        """``t`` with ``out``: working microseconds of the row's schedule (``fixed``, else the
        ``bc_tmp_sched`` column) from the grid's start to ``t[column]``: an exact integer."""
        us = epoch_us(t[column], _backend_name(t))
        into_minute = us % _MINUTE_US  # instants after 1970: a remainder in [0, 1 minute)
        keyed = t.mutate(bc_key_minute=us - into_minute, bc_into_minute=into_minute)
        g = self._grid_table(_backend_of(t))
        if fixed is not None:  # one schedule for every row: join on the minute alone
            g = g.filter(g.schedule == fixed)
        g = g.select(
            bc_grid_sched=g.schedule,
            bc_grid_minute=g.minute_us,
            bc_grid_work=g.working,
            bc_grid_before=g.before_us,
        )
        keys = [keyed.bc_key_minute == g.bc_grid_minute]
        if fixed is None:
            keys.append(keyed.bc_tmp_sched == g.bc_grid_sched)
        joined = keyed.left_join(g, keys)
        value = joined.bc_grid_before + joined.bc_grid_work * joined.bc_into_minute
        helpers = ("bc_key_minute", "bc_into_minute", "bc_grid_sched", "bc_grid_minute",
                   "bc_grid_work", "bc_grid_before")  # fmt: skip
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
        (timestamp columns) in each row's schedule, exact to the microsecond.

        ``schedule`` is a schedule name or a string expression over ``t`` (such as
        :func:`supportkpi.policy.schedule_case`). Null when either instant is null or
        outside the clock's span, or the row's schedule is not one of the clock's; 0 when
        the end is before the start. Only equality joins and integer arithmetic: portable.
        """
        return self.annotate_many(t, [(out, start, end)], schedule=schedule)

    def annotate_many(
        self,
        t: ir.Table,
        spans: Sequence[tuple[str, str, str]],
        *,
        schedule: str | ir.StringValue = "default",
        instants: Mapping[str, datetime] | None = None,
    ) -> ir.Table:
        """``t`` with a column per ``(out, start, end)`` span, as :meth:`annotate` gives it.

        The working time before each instant is looked up once however many spans share
        it (one join per distinct timestamp column instead of two per span). A name in
        ``instants`` stands for that fixed instant (such as the evaluation instant): its
        working time is taken from the grid here, per schedule, without a join.
        """
        fixed = self._fixed(schedule)
        if fixed is None:
            t = t.mutate(bc_tmp_sched=schedule)
        moments = dict(instants or {})
        names: dict[str, str] = {}
        for _, start, end in spans:
            for column in (start, end):
                if column not in moments and column not in names:
                    names[column] = f"bc_tmp_w{len(names)}"
        for column, name in names.items():
            t = self._working_before(t, column, fixed, name)

        def before(column: str) -> ir.IntegerValue:
            if column in names:
                return t[names[column]]
            return self._constant_before(t, moments[column], fixed)

        values = {}
        for out, start, end in spans:
            diff = before(end) - before(start)
            values[out] = ibis.ifelse(diff < 0, 0, diff).cast("float64") / 1_000_000
        helpers = list(names.values()) + ([] if fixed is not None else ["bc_tmp_sched"])
        return t.mutate(**values).drop(*helpers)

    def _fixed(self, schedule: str | ir.StringValue) -> str | None:
        """The schedule's name when every row has the same one, else None."""
        if not isinstance(schedule, str):
            return None
        if schedule not in self.schedules:
            raise ValueError(
                f"unknown schedule {schedule!r}; the clock has {', '.join(self.schedules)}"
            )
        return schedule

    def working_before(self, moment: datetime) -> dict[str, int | None]:
        """Working microseconds of each schedule from the grid's start to ``moment``
        (None outside the clock's span): the value the engine's join gives that instant."""
        delta = _utc(moment) - datetime(1970, 1, 1, tzinfo=UTC)
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        minute, into = us - us % _MINUTE_US, us % _MINUTE_US
        grid = self._arrow_grid()
        found: dict[str, int | None] = {name: None for name in self.schedules}
        at = grid.filter(pc.equal(grid["minute_us"], minute))
        for name, working, before in zip(
            at["schedule"].to_pylist(),
            at["working"].to_pylist(),
            at["before_us"].to_pylist(),
            strict=True,
        ):
            found[name] = int(before) + int(working) * into
        return found

    def _constant_before(self, t: ir.Table, moment: datetime, fixed: str | None) -> ir.IntegerValue:
        values = self.working_before(moment)

        def literal(value: int | None) -> ir.IntegerValue:
            return ibis.literal(value, type="int64") if value is not None else ibis.null("int64")

        if fixed is not None:
            return literal(values[fixed])
        branches = [(t.bc_tmp_sched == name, literal(v)) for name, v in values.items()]
        return ibis.cases(*branches, else_=ibis.null("int64"))


def _utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
