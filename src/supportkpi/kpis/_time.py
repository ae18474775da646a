"""Small portable time helpers shared by the KPI modules.

Durations are float seconds. ``delta(unit="millisecond") / 1000`` keeps sub-second
precision on every backend we test, where ``epoch_seconds`` does not (DuckDB types it as a
32-bit integer and casts through a naive timestamp).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import ibis
import ibis.expr.types as ir

__all__ = ["as_instant", "as_of_literal", "now_utc", "seconds_between"]


def seconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """``end - start`` in seconds (float); null when either side is null."""
    return end.delta(start, unit="millisecond").cast("float64") / 1000.0


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
