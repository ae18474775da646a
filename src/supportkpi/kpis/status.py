"""Status intervals and solve periods: the timeline every wait and resolution KPI reads.

A ticket is ``new`` from its creation until its first status event; each status event
starts an interval that lasts until the next one, or until ``as_of`` for the current one.
Events at the same instant are ordered by event id, so the result is deterministic.

A **solve period** is a maximal run of consecutive ``solved``/``closed`` intervals (going
from solved to closed is not a new solve). A period is *reopened* when it ends with a
non-solved status or when the customer writes a public message during it; both signals of
the same return count once, at the earlier of the two instants.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import seconds_between
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, events_of, messages_of, prepare

__all__ = [
    "INTERVAL_ORDER",
    "SOLVED_STATUSES",
    "WAITING_STATUSES",
    "interval_starts",
    "intervals_of",
    "solve_periods",
    "solve_starts",
    "status_intervals",
]

SOLVED_STATUSES: tuple[str, ...] = ("solved", "closed")
WAITING_STATUSES: tuple[str, ...] = ("new", "open", "on_hold")
"""Statuses in which the requester waits on the support team (or a third party)."""


def status_intervals(inputs: Inputs, as_of: datetime) -> ir.Table:
    """One row per status interval: ticket_id, status, start_at, end_at, duration_s,
    is_current (the interval still running at ``as_of``; its end_at is ``as_of``)."""
    iv = intervals_of(prepare(inputs, as_of))
    return iv.select("ticket_id", "status", "start_at", "end_at", "duration_s", "is_current")


def interval_starts(prep: Prepared) -> ir.Table:
    """The instants a ticket's status changes (its creation as ``new``, then each status
    event): ticket_id, start_at, status, seq, event_id; ordered per ticket by
    :data:`INTERVAL_ORDER`."""
    t = prep.tickets
    first = t.select(
        ticket_id=t.ticket_id,
        start_at=t.created_at,
        status=ibis.literal("new"),
        seq=ibis.literal(0),
        event_id=ibis.literal(None, type="string"),
    )
    e = events_of(prep, lambda r: (r.kind == "status") & r.status.notnull())
    e = e.filter(e.own)
    changes = e.select(
        ticket_id=e.ticket_id,
        start_at=e.at,
        status=e.status,
        seq=ibis.literal(1),
        event_id=e.event_id,
    )
    return first.union(changes)


INTERVAL_ORDER: tuple[str, ...] = ("start_at", "seq", "event_id")
"""The order of status changes within a ticket (events at one instant by event id)."""


def intervals_of(prep: Prepared) -> ir.Table:
    """One row per status interval (ticket_id, status, start_at, end_at, duration_s,
    is_current, seq_key, event_key), with what the solve periods are read from:
    ``is_solved``, ``run_start`` (a solved interval whose previous one is not solved: a
    solve period starts) and ``run_end_at`` (on a run start, when the first later interval
    that is not solved starts; null when the period is still running).

    Everything comes from one window pass (one sort per ticket), and the table is the one
    the caller materialized (``prep.intervals``) when there is one."""
    if prep.intervals is not None:
        return prep.intervals
    rows = interval_starts(prep)
    w = ibis.window(group_by="ticket_id", order_by=list(INTERVAL_ORDER))
    later = ibis.window(group_by="ticket_id", order_by=list(INTERVAL_ORDER), rows=(1, None))
    solved = rows.status.isin(SOLVED_STATUSES)
    rows = rows.mutate(
        next_at=rows.start_at.lead().over(w),
        prev_solved=solved.lag().over(w),
        next_unsolved_at=ibis.cases((~solved, rows.start_at)).min().over(later),
    )
    end_at = ibis.coalesce(rows.next_at, prep.as_of)
    return rows.select(
        "ticket_id",
        "status",
        "start_at",
        end_at=end_at,
        duration_s=seconds_between(rows.start_at, end_at),
        is_current=rows.next_at.isnull(),
        seq_key=rows.seq,
        event_key=rows.event_id,
        is_solved=solved,
        run_start=solved & ~rows.prev_solved.fill_null(False),
        run_end_at=rows.next_unsolved_at,
    )


def solve_starts(intervals: ir.Table) -> ir.Table:
    """The instant each solve period starts (ticket_id, solved_at): the same instants as
    :func:`solve_periods`'s ``solved_at``, without the reopen search, for readers that need
    only when tickets were solved."""
    iv = intervals.filter(intervals.run_start)
    return iv.select("ticket_id", solved_at=iv.start_at)


def solve_periods(prep: Prepared, intervals: ir.Table) -> ir.Table:
    """One row per solve period: ticket_id, solved_at (start), ended_at, is_current,
    reopen_at (null when the period was not reopened)."""
    # A period is a run of solved intervals: it starts at the run's first interval and
    # lasts until the next interval that is not solved starts (as_of while it runs).
    iv = intervals.filter(intervals.run_start)
    periods = iv.select(
        "ticket_id",
        run_key=iv.event_key,
        solved_at=iv.start_at,
        ended_at=ibis.coalesce(iv.run_end_at, prep.as_of),
        is_current=iv.run_end_at.isnull(),
    )
    e = messages_of(prep, "customer")
    msgs = e.select(msg_ticket=e.ticket_id, msg_at=e.at)
    # The first customer message within each period, for the (few) periods that have one;
    # then every period with it (a period is one run start: its status event's id).
    j = periods.inner_join(
        msgs,
        (periods.ticket_id == msgs.msg_ticket)
        & (msgs.msg_at > periods.solved_at)
        & (
            (msgs.msg_at < periods.ended_at)
            | (periods.is_current & (msgs.msg_at <= periods.ended_at))
        ),
    )
    written = j.group_by(w_ticket=j.ticket_id, w_key=j.run_key).agg(first_msg_at=j.msg_at.min())
    firsts = periods.left_join(
        written, (periods.ticket_id == written.w_ticket) & (periods.run_key == written.w_key)
    ).drop("w_ticket", "w_key")
    by_status = ibis.ifelse(firsts.is_current, ibis.null("timestamp('UTC')"), firsts.ended_at)
    reopen_at = ibis.cases(
        (firsts.first_msg_at.isnull(), by_status),
        (by_status.isnull(), firsts.first_msg_at),
        else_=ibis.least(firsts.first_msg_at, by_status),
    )
    return firsts.select("ticket_id", "solved_at", "ended_at", "is_current", reopen_at=reopen_at)
