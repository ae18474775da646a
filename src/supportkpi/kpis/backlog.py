"""Backlog: the tickets open at the end of each period, and how old they are.

A ticket is open at an instant when it exists (created by then) and its status at that
instant is not solved or closed (pending and on-hold tickets are open: the problem is not
solved). The end of a period is the start of the next one; for the period that contains
``as_of`` the backlog is measured at ``as_of``. Age = instant − created_at.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import as_instant, seconds_between
from supportkpi.kpis.aggregate import Period
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, events_of, prepare, ticket_dims
from supportkpi.kpis.status import SOLVED_STATUSES, intervals_of

__all__ = ["BACKLOG_COLUMNS", "backlog", "period_starts"]

BACKLOG_COLUMNS: tuple[str, ...] = (
    "period_start",
    "measured_at",
    "open_tickets",
    "age_mean_s",
    "age_median_s",
    "age_p90_s",
)


def _truncate(instant: datetime, period: Period) -> datetime:
    day = instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: datetime, period: Period) -> datetime:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_starts(since: datetime, until: datetime, period: Period) -> list[datetime]:
    """Starts of the periods overlapping [since, until), UTC."""
    out: list[datetime] = []
    start = _truncate(since, period)
    while start < until:
        out.append(start)
        start = _next(start, period)
    return out


def _data_span(prep: Prepared) -> tuple[datetime | None, datetime | None]:
    """First ticket creation and last recorded instant (creation or event) by as_of."""
    t = prep.tickets
    span = t.aggregate(first=t.created_at.min(), last=t.created_at.max()).to_pyarrow()
    last_event = _last_event(prep)
    first = span.column("first")[0].as_py()
    last = span.column("last")[0].as_py()
    candidates = [as_instant(v) for v in (last, last_event) if v is not None]
    return (as_instant(first) if first is not None else None), max(candidates, default=None)


def _last_event(prep: Prepared) -> datetime | None:
    """When the last event counted by ``as_of`` happened.

    Folding every event into its surviving ticket (a join of all events) only to take the
    latest instant is costly; the latest raw event by ``as_of`` is nearly always counted,
    so the events at that very instant are folded first, and all of them only when none
    of those counts (same answer either way)."""
    raw = prep.raw_events
    if raw is not None and prep.owners is not None:
        latest = raw.filter(raw.at <= prep.as_of).at.max()
        at_latest = events_of(prep, lambda r: r.at == latest)
        found = at_latest.at.max().to_pyarrow().as_py()
        if found is not None:
            return as_instant(found)
    value = prep.events.at.max().to_pyarrow().as_py()
    return as_instant(value) if value is not None else None


def backlog(
    inputs: Inputs,
    *,
    period: Period,
    by: Sequence[str] = (),
    as_of: datetime,
    since: datetime | None = None,
    prepared: Prepared | None = None,
) -> ir.Table:
    """Open tickets at the end of each period from ``since`` (default: the first ticket)
    to ``as_of``, per ``by`` dimensions (ticket attributes; ``tag`` unnests tags).
    ``prepared`` reuses inputs already prepared (and possibly materialized) for ``as_of``."""
    instant = as_instant(as_of).astimezone(UTC)
    prep = prepared if prepared is not None else prepare(inputs, instant)
    first, last = _data_span(prep)
    if since is None:
        since = first or instant
    # Periods run to the one holding the last recorded activity (or as_of, if earlier):
    # an as_of far in the future must not produce thousands of identical periods.
    end = min(instant, last) if last is not None else instant
    end = max(end, min(as_instant(since), instant))
    starts = period_starts(as_instant(since), end + timedelta(microseconds=1), period)
    grid = ibis.memtable(
        pd.DataFrame(
            {
                "period_start": pd.to_datetime([s.replace(tzinfo=None) for s in starts]),
                "measured_at": pd.to_datetime(
                    [min(_next(s, period), instant).replace(tzinfo=None) for s in starts]
                ),
            }
        ).astype({"period_start": "datetime64[us]", "measured_at": "datetime64[us]"}),
        schema={"period_start": "timestamp('UTC')", "measured_at": "timestamp('UTC')"},
    )
    iv = intervals_of(prep)
    iv = iv.filter(~iv.status.isin(SOLVED_STATUSES))
    # An interval holds the instants from its start to before its end; the current one
    # also holds its end (as_of): it ends a microsecond later, the finest step of a
    # timestamp. The condition is then a plain range, which an engine joins by sorting
    # instead of trying a predicate on every pair of period and interval.
    tick = ibis.interval(microseconds=1)
    iv = iv.select("ticket_id", "start_at", until=iv.is_current.ifelse(iv.end_at + tick, iv.end_at))
    j = grid.inner_join(iv, (iv.start_at <= grid.measured_at) & (grid.measured_at < iv.until))
    # One join brings both the dimensions and the creation instant (the age's start);
    # priority changes are searched only when the backlog is broken down by priority.
    dims = ticket_dims(prep, created=True, priority="priority" in by)
    dims = dims.rename(c_at="created_at")
    j = j.inner_join(dims, j.ticket_id == dims.d_ticket)
    j = j.mutate(age_s=seconds_between(j.c_at, j.measured_at))
    if "tag" in by:
        j = j.mutate(tag=j.tags.unnest())
    out = j.group_by(["period_start", "measured_at", *by]).agg(
        open_tickets=j.count(),
        age_mean_s=j.age_s.mean(),
        age_median_s=j.age_s.quantile(0.5),
        age_p90_s=j.age_s.quantile(0.9),
    )
    if by:
        return out.select("period_start", "measured_at", *by, *BACKLOG_COLUMNS[2:])
    # Without dimensions every period has a row, an empty backlog included.
    g = grid.left_join(out.drop("measured_at"), "period_start")
    return g.select(
        period_start=g.period_start,
        measured_at=g.measured_at,
        open_tickets=g.open_tickets.fill_null(0),
        age_mean_s=g.age_mean_s,
        age_median_s=g.age_median_s,
        age_p90_s=g.age_p90_s,
    )
