"""The per-ticket metrics table: one row per ticket, every ticket KPI reads from it.

Each column is defined once here, as a portable Ibis expression; docs/kpis.md states the
same definitions in prose. Summary of the choices (see the module docs of ``prepare`` and
``status`` for time and merges):

* The **first response clock** starts at creation, or for an agent-created (outbound)
  ticket at the first public customer message. Only public messages by a human agent
  count; a reply asking for more information counts like any other.
* **Solves** are solve periods (``status``); the ticket is resolved at its last solve and
  only while it is still solved/closed at ``as_of``.
* **Requester wait / agent wait / on hold** are reported for solved tickets only, so that
  they are the components of the final resolution time.
* **Follow-up ticket**: the first later ticket created by the same customer (not
  agent-created, not merged) with the same non-empty type after the last solve. It makes a
  *disguised reopen* within ``reopen_window`` and a *repeat contact* (breaking FCR) within
  ``repeat_window``.
* **Reassignment**: an assignment after the ticket's first one that changes the team,
  unless the ticket is escalated at the same instant or both assignees are known agents
  of different tiers (that handoff is an escalation, counted as such).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_instant, now_utc, seconds_between
from supportkpi.kpis.business import add_business_columns
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, prepare
from supportkpi.kpis.settings import Windows, windows
from supportkpi.kpis.status import SOLVED_STATUSES, WAITING_STATUSES, intervals_of, solve_periods

__all__ = ["TICKET_COLUMNS", "ticket_metrics"]

TICKET_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "created_at",
    "channel",
    "type",
    "tags",
    "priority",
    "initial_priority",
    "customer_id",
    "customer_tier",
    "team",
    "agent_id",
    "product",
    "brand",
    "created_by",
    "is_demand",
    "is_outbound",
    "merged_tickets",
    "status",
    "is_open",
    "age_s",
    "clock_start_at",
    "first_reply_at",
    "first_response_s",
    "waiting_so_far_s",
    "replies",
    "touches",
    "one_touch",
    "two_touch",
    "multi_touch",
    "first_solved_at",
    "solved_at",
    "last_solved_at",
    "first_resolution_s",
    "full_resolution_s",
    "needed_dialogue",
    "dialogue_resolution_s",
    "requester_wait_s",
    "agent_wait_s",
    "on_hold_s",
    "reopens",
    "reopens_if_solved",
    "reopened",
    "first_reopened_at",
    "disguised_reopen",
    "follow_up_ticket_id",
    "repeat_contact",
    "fcr",
    "escalated",
    "escalated_to",
    "first_escalated_at",
    "reassignments",
    "reassigned",
    "work_seconds",
    "work_per_reply_s",
    "rating",
    "rated_at",
    "csat_good",
)
"""The calendar-time columns, in order. Business-time twins (``*_bh_s``) follow when a
business clock is given."""

_TS = "timestamp('UTC')"


def ticket_metrics(
    inputs: Inputs,
    config: Any | None = None,
    *,
    as_of: datetime | None = None,
    clock: Any | None = None,
    prepared: Prepared | None = None,
) -> ir.Table:
    """One row per ticket (merged duplicates folded into their target), as of ``as_of``
    (default: now). ``config`` supplies the repeat/reopen windows; ``clock`` (a business
    clock) adds the ``*_bh_s`` business-time columns. ``prepared`` reuses inputs already
    prepared (and possibly materialized) for ``as_of`` by the caller."""
    instant = as_instant(as_of) if as_of is not None else now_utc()
    prep = prepared if prepared is not None else prepare(inputs, instant)
    table = _metrics(prep, windows(config), inputs.agents)
    if clock is not None:
        table = add_business_columns(table, clock, config, as_of=instant, tickets=prep.tickets)
    return table


def _event_summary(prep: Prepared) -> ir.Table:
    e = prep.events
    reply = e.is_public & (e.actor_role == "agent")
    customer_msg = e.is_public & (e.actor_role == "customer")
    esc = (e.kind == "escalation") & e.own
    prio = (e.kind == "priority") & e.priority.notnull() & e.own
    rated = (e.kind == "rating") & e.rating.notnull() & e.own
    work = e.kind == "work"
    return e.group_by(s_ticket=e.ticket_id).agg(
        first_customer_msg_at=e.at.min(where=customer_msg),
        replies=e.count(where=reply),
        work_events=e.count(where=work),
        work_total=e.work_seconds.sum(where=work),
        escalations=e.count(where=esc),
        first_escalated_at=e.at.min(where=esc),
        escalated_to=e.escalated_to.argmin(e.at, where=esc),
        last_priority=e.priority.argmax(e.at, where=prio),
        rating=e.rating.argmax(e.at, where=rated),
        rated_at=e.at.max(where=rated),
    )


def _first_replies(prep: Prepared, clock_start: ir.Table) -> ir.Table:
    e = prep.events
    replies = e.filter(e.is_public & (e.actor_role == "agent")).select(
        r_ticket=e.ticket_id, r_at=e.at
    )
    j = clock_start.inner_join(
        replies,
        (clock_start.c_ticket == replies.r_ticket) & (replies.r_at >= clock_start.clock_start_at),
    )
    return j.group_by(f_ticket=j.c_ticket).agg(first_reply_at=j.r_at.min())


def _status_summary(iv: ir.Table) -> ir.Table:
    d = iv.duration_s
    return iv.group_by(i_ticket=iv.ticket_id).agg(
        status=iv.status.max(where=iv.is_current),
        requester_wait_total=d.sum(where=iv.status.isin(WAITING_STATUSES)),
        agent_wait_total=d.sum(where=iv.status == "pending"),
        on_hold_total=d.sum(where=iv.status == "on_hold"),
    )


def _solve_summary(periods: ir.Table, win: Windows) -> ir.Table:
    p = periods
    in_window = p.reopen_at.notnull() & (seconds_between(p.solved_at, p.reopen_at) <= win.reopen_s)
    return p.group_by(p_ticket=p.ticket_id).agg(
        first_solved_at=p.solved_at.min(),
        last_solved_at=p.solved_at.max(),
        currently_solved=p.is_current.any(),
        reopens=p.count(where=p.reopen_at.notnull()),
        reopened_in_window=in_window.any(),
        first_reopened_at=p.reopen_at.min(),
    )


def _dialogue(prep: Prepared, base: ir.Table) -> ir.Table:
    """Customer public messages after the first reply and before the first solve."""
    e = prep.events
    msgs = e.filter(e.is_public & (e.actor_role == "customer")).select(
        m_ticket=e.ticket_id, m_at=e.at
    )
    b = base.select(d_ticket=base.ticket_id, fr=base.first_reply_at, fs=base.first_solved_at)
    j = b.inner_join(msgs, (b.d_ticket == msgs.m_ticket) & (msgs.m_at > b.fr) & (msgs.m_at < b.fs))
    return j.group_by("d_ticket").agg(dialogue_messages=j.count())


def _follow_ups(tickets: ir.Table, base: ir.Table) -> ir.Table:
    """The first later demand ticket of the same customer and type after the last solve."""
    cand = tickets.filter(tickets.created_by != "agent").select(
        f_id=tickets.ticket_id,
        f_customer=tickets.customer_id,
        f_type=tickets.type,
        f_created=tickets.created_at,
    )
    b = base.filter(base.last_solved_at.notnull()).select(
        u_ticket=base.ticket_id,
        u_customer=base.customer_id,
        u_type=base.type,
        u_solved=base.last_solved_at,
    )
    j = b.inner_join(
        cand,
        (b.u_customer == cand.f_customer)
        & (b.u_type == cand.f_type)
        & (cand.f_created > b.u_solved)
        & (cand.f_id != b.u_ticket),
    )
    return j.group_by("u_ticket").agg(next_at=j.f_created.min(), next_id=j.f_id.argmin(j.f_created))


def _reassignments(prep: Prepared, agents: ir.Table) -> ir.Table:
    e = prep.events
    tiers = agents.select(tier_agent=agents.agent_id, tier=agents.tier)
    a = e.filter((e.kind == "assignment") & e.own & e.team.notnull())
    a = a.left_join(tiers, a.assignee_id == tiers.tier_agent)
    a = a.select("ticket_id", "at", "event_id", "team", "tier")
    w = ibis.window(group_by="ticket_id", order_by=["at", "event_id"])
    a = a.mutate(prev_team=a.team.lag().over(w), prev_tier=a.tier.lag().over(w))
    esc = e.filter((e.kind == "escalation") & e.own).select(x_ticket=e.ticket_id, x_at=e.at)
    esc = esc.distinct()
    j = a.left_join(esc, (a.ticket_id == esc.x_ticket) & (a.at == esc.x_at))
    tier_change = j.tier.notnull() & j.prev_tier.notnull() & (j.tier != j.prev_tier)
    counted = j.prev_team.notnull() & (j.team != j.prev_team) & j.x_at.isnull() & ~tier_change
    return j.group_by(a_ticket=j.ticket_id).agg(reassign_count=j.count(where=counted))


def _metrics(prep: Prepared, win: Windows, agents: ir.Table) -> ir.Table:
    t = prep.tickets
    as_of = prep.as_of
    ev = _event_summary(prep)
    base = t.left_join(ev, t.ticket_id == ev.s_ticket).drop("s_ticket")
    base = base.mutate(
        clock_start_at=ibis.ifelse(
            base.created_by == "agent", base.first_customer_msg_at, base.created_at
        )
    )
    starts = base.select(c_ticket=base.ticket_id, clock_start_at=base.clock_start_at)
    fr = _first_replies(prep, starts)
    base = base.left_join(fr, base.ticket_id == fr.f_ticket).drop("f_ticket")

    iv = intervals_of(prep)
    st = _status_summary(iv)
    base = base.left_join(st, base.ticket_id == st.i_ticket).drop("i_ticket")
    so = _solve_summary(solve_periods(prep, iv), win)
    base = base.left_join(so, base.ticket_id == so.p_ticket).drop("p_ticket")

    dl = _dialogue(prep, base)
    base = base.left_join(dl, base.ticket_id == dl.d_ticket).drop("d_ticket")
    fu = _follow_ups(t, base)
    base = base.left_join(fu, base.ticket_id == fu.u_ticket).drop("u_ticket")
    ra = _reassignments(prep, agents)
    base = base.left_join(ra, base.ticket_id == ra.a_ticket).drop("a_ticket")

    b = base
    replies = b.replies.fill_null(0)
    is_open = ~b.status.isin(SOLVED_STATUSES)
    solved_at = ibis.ifelse(b.currently_solved.fill_null(False), b.last_solved_at, ibis.null(_TS))
    solved = solved_at.notnull()
    answered_solve = solved & (replies > 0)
    null_bool = ibis.null("boolean")
    null_f = ibis.null("float64")
    ever_solved = b.first_solved_at.notnull()
    since_solve = seconds_between(b.last_solved_at, b.next_at)
    disguised = ibis.ifelse(
        ever_solved, b.next_at.notnull() & (since_solve <= win.reopen_s), null_bool
    )
    repeat = b.next_at.notnull() & (since_solve <= win.repeat_s)
    reopens = b.reopens.fill_null(0)
    full_res = seconds_between(b.created_at, solved_at)
    needed_dialogue = ibis.ifelse(ever_solved, b.dialogue_messages.fill_null(0) > 0, null_bool)
    work = ibis.ifelse(b.work_events.fill_null(0) > 0, b.work_total.fill_null(0.0), null_f)
    reassignments = b.reassign_count.fill_null(0)

    return b.select(
        ticket_id=b.ticket_id,
        created_at=b.created_at,
        channel=b.channel,
        type=b.type,
        tags=b.tags,
        priority=ibis.coalesce(b.last_priority, b.initial_priority),
        initial_priority=b.initial_priority,
        customer_id=b.customer_id,
        customer_tier=b.customer_tier,
        team=b.team,
        agent_id=b.agent_id,
        product=b.product,
        brand=b.brand,
        created_by=b.created_by,
        is_demand=b.created_by != "agent",
        is_outbound=b.created_by == "agent",
        merged_tickets=b.merged_tickets,
        status=b.status,
        is_open=is_open,
        age_s=ibis.ifelse(is_open, seconds_between(b.created_at, as_of), null_f),
        clock_start_at=b.clock_start_at,
        first_reply_at=b.first_reply_at,
        first_response_s=seconds_between(b.clock_start_at, b.first_reply_at),
        waiting_so_far_s=ibis.ifelse(
            b.first_reply_at.isnull() & is_open,
            seconds_between(b.clock_start_at, as_of),
            null_f,
        ),
        replies=replies,
        touches=ibis.cases(
            (replies == 0, "zero"), (replies == 1, "one"), (replies == 2, "two"), else_="multi"
        ),
        one_touch=ibis.ifelse(answered_solve, replies == 1, null_bool),
        two_touch=ibis.ifelse(answered_solve, replies == 2, null_bool),
        multi_touch=ibis.ifelse(answered_solve, replies > 2, null_bool),
        first_solved_at=b.first_solved_at,
        solved_at=solved_at,
        last_solved_at=b.last_solved_at,
        first_resolution_s=seconds_between(b.created_at, b.first_solved_at),
        full_resolution_s=full_res,
        needed_dialogue=needed_dialogue,
        dialogue_resolution_s=ibis.ifelse(needed_dialogue & solved, full_res, null_f),
        requester_wait_s=ibis.ifelse(solved, b.requester_wait_total.fill_null(0.0), null_f),
        agent_wait_s=ibis.ifelse(solved, b.agent_wait_total.fill_null(0.0), null_f),
        on_hold_s=ibis.ifelse(solved, b.on_hold_total.fill_null(0.0), null_f),
        reopens=reopens,
        reopens_if_solved=ibis.ifelse(ever_solved, reopens, ibis.null("int64")),
        reopened=ibis.ifelse(ever_solved, b.reopened_in_window.fill_null(False), null_bool),
        first_reopened_at=b.first_reopened_at,
        disguised_reopen=disguised,
        follow_up_ticket_id=ibis.ifelse(disguised, b.next_id, ibis.null("string")),
        repeat_contact=ibis.ifelse(ever_solved, repeat, null_bool),
        fcr=ibis.ifelse(answered_solve, (replies == 1) & (reopens == 0) & ~repeat, null_bool),
        escalated=b.escalations.fill_null(0) > 0,
        escalated_to=b.escalated_to,
        first_escalated_at=b.first_escalated_at,
        reassignments=reassignments,
        reassigned=reassignments > 0,
        work_seconds=work,
        work_per_reply_s=ibis.ifelse(replies > 0, work / replies.cast("float64"), null_f),
        rating=b.rating,
        rated_at=b.rated_at,
        csat_good=ibis.ifelse(b.rating.notnull(), b.rating == "good", null_bool),
    )
