"""Next reply time: one row per customer message that starts a wait for a reply.

The ticket's conversation is read as a stream of three kinds of items, in time order:
public agent replies, solves (the start of each solve period) and *live* customer public
messages (written while the ticket was not solved or closed: a "thanks" after solving
starts nothing). A live customer message starts a wait when the item before it is an agent
reply or a solve and the ticket has had an agent reply already (the messages before the
first reply are first response time, not next reply time). Later customer messages of
the same burst join that wait. The wait ends at the next agent reply, or at the next solve
(``ended_by = 'solved'``: no reply time is recorded, the clock just stops; ``ended_at``
says when, for a reply or a solve alike). Waits still running at ``as_of`` have
``waiting_so_far_s``.

For an agent-created ticket, agent messages before the first customer message are not
replies (the clock has not started).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_instant, now_utc, seconds_between
from supportkpi.kpis.business import add_reply_business_columns
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, answers, messages_of, prepare, ticket_dims
from supportkpi.kpis.status import SOLVED_STATUSES, intervals_of, solve_starts

__all__ = ["REPLY_COLUMNS", "reply_metrics"]

REPLY_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "message_at",
    "next_reply_at",
    "next_reply_s",
    "ended_by",
    "ended_at",
    "waiting_so_far_s",
    "channel",
    "type",
    "tags",
    "priority",
    "customer_tier",
    "team",
    "agent_id",
    "product",
    "brand",
    "created_by",
)


def reply_metrics(
    inputs: Inputs,
    config: Any | None = None,
    *,
    as_of: datetime | None = None,
    clock: Any | None = None,
    prepared: Prepared | None = None,
) -> ir.Table:
    """One row per customer message awaiting a next reply (see the module docstring)."""
    instant = as_instant(as_of) if as_of is not None else now_utc()
    prep = prepared if prepared is not None else prepare(inputs, instant)
    table = _replies(prep)
    if clock is not None:
        table = add_reply_business_columns(
            table, clock, config, as_of=instant, tickets=prep.tickets
        )
    return table


def _stream(prep: Prepared) -> ir.Table:
    customer = messages_of(prep, "customer")
    agent = answers(prep)
    replies = agent.select(ticket_id=agent.ticket_id, at=agent.at, role=ibis.literal("agent"))
    iv = intervals_of(prep)
    solves = solve_starts(iv)
    solves = solves.select(
        ticket_id=solves.ticket_id, at=solves.solved_at, role=ibis.literal("solve")
    )

    # A wait starts only at a customer message with an agent reply at or before it. Most
    # tickets have none (asked, answered, solved), and ordering every item of every ticket
    # is the dearest part of the query: only the tickets that have one are read further.
    first = replies.group_by(f_ticket=replies.ticket_id).agg(first_reply_at=replies.at.min())
    after = customer.inner_join(
        first, (customer.ticket_id == first.f_ticket) & (customer.at >= first.first_reply_at)
    )
    waiting = after.select(w_ticket=after.ticket_id).distinct()
    said = customer.select(
        ticket_id=customer.ticket_id, at=customer.at, role=ibis.literal("customer")
    )
    items = replies.union(solves).union(said)
    # One semi join of all the items: filtering each kind on its own had DuckDB find the
    # tickets once per kind. Which messages are live is then asked of those tickets only.
    items = items.semi_join(waiting, items.ticket_id == waiting.w_ticket)

    written = items.filter(items.role == "customer")
    solved_iv = iv.filter(iv.status.isin(SOLVED_STATUSES))
    inside = (
        (written.ticket_id == solved_iv.ticket_id)
        & (solved_iv.start_at <= written.at)
        & (
            (written.at < solved_iv.end_at)
            | (solved_iv.is_current & (written.at <= solved_iv.end_at))
        )
    )
    live = written.anti_join(solved_iv, inside)
    return items.filter(items.role != "customer").union(live)


def _replies(prep: Prepared) -> ir.Table:
    s = _stream(prep)
    s = s.mutate(
        rank=ibis.cases((s.role == "agent", 0), (s.role == "solve", 1), else_=2),
    )
    order = ["at", "rank"]
    w = ibis.window(group_by="ticket_id", order_by=order)
    upto = ibis.window(group_by="ticket_id", order_by=order, rows=(None, 0))
    after = ibis.window(group_by="ticket_id", order_by=order, rows=(1, None))
    is_agent = s.role == "agent"
    s = s.mutate(
        prev_role=s.role.lag().over(w),
        agents_before=is_agent.sum().over(upto),
        next_agent_at=ibis.cases((is_agent, s.at)).min().over(after),
        next_solve_at=ibis.cases((s.role == "solve", s.at)).min().over(after),
    )
    s = s.filter(
        (s.role == "customer") & s.prev_role.isin(("agent", "solve")) & (s.agents_before > 0)
    )
    replied = s.next_agent_at.notnull() & (
        s.next_solve_at.isnull() | (s.next_agent_at <= s.next_solve_at)
    )
    ended_by = ibis.cases(
        (replied, "reply"), (s.next_solve_at.notnull(), "solved"), else_=ibis.null("string")
    )
    next_reply_at = ibis.ifelse(replied, s.next_agent_at, ibis.null("timestamp('UTC')"))
    rows = s.select(
        ticket_id=s.ticket_id,
        message_at=s.at,
        next_reply_at=next_reply_at,
        next_reply_s=seconds_between(s.at, next_reply_at),
        ended_by=ended_by,
        ended_at=ibis.cases(
            (replied, s.next_agent_at),
            (s.next_solve_at.notnull(), s.next_solve_at),
            else_=ibis.null("timestamp('UTC')"),
        ),
        waiting_so_far_s=ibis.ifelse(
            ended_by.isnull(), seconds_between(s.at, prep.as_of), ibis.null("float64")
        ),
    )
    dims = ticket_dims(prep)
    return rows.inner_join(dims, rows.ticket_id == dims.d_ticket).select(*REPLY_COLUMNS)
