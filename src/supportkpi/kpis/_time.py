"""Small portable time helpers shared by the KPI modules.

Durations are float seconds. ``delta(unit="millisecond") / 1000`` keeps sub-second
precision on every backend we test, where ``epoch_seconds`` does not (DuckDB types it as a
32-bit integer and casts through a naive timestamp).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from supportkpi.calendar.clock import epoch_us as clock_epoch_us

__all__ = [
    "as_instant",
    "as_of_literal",
    "now_utc",
    "seconds_between",
    "utc_period_key",
    "utc_period_start",
]

_MS_US = 1000


def seconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """``end - start`` in seconds (float); null when either side is null.

    The value is the difference of the two instants in whole milliseconds (each instant
    floored to its millisecond), divided by 1000: the same float on every backend. The
    instants are read as exact microseconds since 1970 (DuckDB's ``epoch_us``; elsewhere
    ``delta(unit="microsecond")``). A backend's own millisecond difference is not used:
    PostgreSQL's (through Ibis) rounds the exact difference instead of flooring each
    instant, so 0.000999 .. 1.000001 gave 0.999 s where DuckDB gives 1.000 s; and on
    DuckDB, ``DATE_DIFF`` over time zone aware values goes through the ICU calendar,
    about forty times slower than integer arithmetic on ``epoch_us``."""
    whole_ms = (_floor_ms_us(end) - _floor_ms_us(start)) // _MS_US
    return whole_ms.cast("float64") / 1000.0


def on_duckdb(*values: ir.Expr) -> bool:
    """Whether the expressions (columns, scalars or tables) run on DuckDB (a literal
    alone tells nothing: the first value bound to a table decides; an expression bound to
    nothing takes the default backend, as ``get_backend`` does)."""
    for value in values:
        if isinstance(value.op(), ops.Literal):
            continue
        try:
            return str(value.get_backend().name) == "duckdb"
        except Exception:  # no backend at all: the portable form
            return False
    return False


def _floor_ms_us(value: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since 1970 of ``value`` floored to its millisecond (exact integers;
    the remainder is made non-negative so that instants before 1970 floor too)."""
    us = epoch_us(value)
    return us - ((us % _MS_US) + _MS_US) % _MS_US


def epoch_us(value: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since 1970 as an exact integer (see
    :func:`supportkpi.calendar.clock.epoch_us`: DuckDB's own ``epoch_us`` there, the
    portable ``delta`` elsewhere)."""
    return clock_epoch_us(value, "duckdb" if on_duckdb(value) else None)


@ibis.udf.scalar.builtin(name="make_timestamp")  # type: ignore[untyped-decorator]
def _naive_from_us(value: dt.int64) -> dt.Timestamp():  # type: ignore[valid-type]
    """DuckDB's ``make_timestamp(µs)``: the timestamp without time zone at those
    microseconds since 1970 (no time zone lookup)."""


def utc_period_key(value: ir.TimestampValue, unit: str) -> ir.TimestampValue:
    """The start of the UTC ``unit`` (``h``, ``D``, ``W`` starting Monday, ``M``) holding
    ``value``, as a key to group by; :func:`utc_period_start` turns the grouped key into
    the UTC instant.

    Portably the key is ``value.truncate(unit)`` itself. On DuckDB, truncating a time zone
    aware value goes through the ICU calendar (about 100 ms per million rows, more than
    the rest of a typical aggregation); the same UTC truncation of the value as a plain
    timestamp (its ``epoch_us`` rebuilt without a zone) is five times cheaper, and the
    few grouped keys are then made time zone aware again."""
    if on_duckdb(value):
        naive: ir.TimestampValue = _naive_from_us(epoch_us(value))
        return naive.truncate(unit)
    return value.truncate(unit)


def utc_period_start(key: ir.TimestampValue) -> ir.TimestampValue:
    """A key of :func:`utc_period_key` as a UTC instant (``timestamp('UTC')``)."""
    if key.type().timezone is None:
        return key.cast(dt.Timestamp(timezone="UTC"))
    return key


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_instant(value: date | datetime) -> datetime:
    """A time-zone-aware instant; naive datetimes and dates are read as UTC (midnight)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def as_of_literal(as_of: datetime) -> ir.TimestampScalar:
    """The evaluation instant as a UTC timestamp literal, comparable with model columns."""
    return ibis.literal(as_instant(as_of).astimezone(UTC), type="timestamp('UTC')")
