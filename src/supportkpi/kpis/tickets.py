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

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_instant, now_utc, seconds_between
from supportkpi.kpis.business import BUSINESS_COLUMNS, add_business_columns, business_reads
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import (
    Prepared,
    answered_from_creation,
    events_of,
    messages_of,
    outbound_answers,
    prepare,
)
from supportkpi.kpis.settings import Windows, windows
from supportkpi.kpis.status import (
    SOLVED_STATUSES,
    WAITING_STATUSES,
    intervals_of,
    solve_periods,
)

__all__ = ["TICKET_COLUMNS", "Piece", "ticket_metrics"]

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
_NULL_F = ibis.null("float64")
_NULL_B = ibis.null("boolean")

Piece = Callable[[ir.Table], ir.Table]
"""What :func:`ticket_metrics` does with each per-ticket piece before joining it (for
instance, materialize it); it returns the table to read instead."""


def ticket_metrics(
    inputs: Inputs,
    config: Any | None = None,
    *,
    as_of: datetime | None = None,
    clock: Any | None = None,
    prepared: Prepared | None = None,
    columns: Sequence[str] | None = None,
    piece: Piece | None = None,
) -> ir.Table:
    """One row per ticket (merged duplicates folded into their target), as of ``as_of``
    (default: now). ``config`` supplies the repeat/reopen windows; ``clock`` (a business
    clock) adds the ``*_bh_s`` business-time columns. ``prepared`` reuses inputs already
    prepared (and possibly materialized) for ``as_of`` by the caller.

    ``columns`` (default: all) names the columns wanted, in order. Only the pieces those
    columns read are built: a query for first response time scans replies, not ratings,
    follow-up tickets or reassignments. Each column's value does not depend on which
    others are asked for.

    The table joins narrow per-ticket pieces (event summaries, first replies of
    agent-created tickets, the timeline, reopens, the dialogue, follow-ups,
    reassignments) to the tickets. Each piece is passed through ``piece`` as it is
    built, and the table reads what that returns: a caller that materializes each piece
    (each then computed by a query of its own) gets the same rows."""
    instant = as_instant(as_of) if as_of is not None else now_utc()
    prep = prepared if prepared is not None else prepare(inputs, instant)
    if columns is None:
        wanted = list(TICKET_COLUMNS) + (list(BUSINESS_COLUMNS) if clock is not None else [])
    else:
        wanted = list(dict.fromkeys(columns))
    business = [c for c in wanted if c in BUSINESS_COLUMNS]
    if business and clock is None:
        raise ValueError(f"business-time columns need a clock: {', '.join(business)}")
    calendar = [c for c in wanted if c not in BUSINESS_COLUMNS]
    if business:
        calendar = list(dict.fromkeys([*calendar, *business_reads(business)]))
    table = _metrics(prep, windows(config), inputs.agents, calendar, piece)
    if business:
        table = add_business_columns(
            table, clock, config, as_of=instant, tickets=prep.tickets, columns=business
        )
        if columns is not None:
            table = table.select(*wanted)
    return table


_FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "first_customer_msg_at": ("message",),
    "first_demand_reply_at": ("message",),
    "replies": ("message",),
    "work_events": ("work",),
    "work_total": ("work",),
    "escalations": ("escalation",),
    "first_escalated_at": ("escalation",),
    "escalated_to": ("escalation",),
    "last_priority": ("priority",),
    "rating": ("rating",),
    "rated_at": ("rating",),
}
"""The event kinds each event aggregate reads."""


_MESSAGE_FIELDS: frozenset[str] = frozenset(
    f for f, kinds in _FIELD_KINDS.items() if kinds == ("message",)
)
"""The event aggregates read from public messages alone."""


def _event_summaries(prep: Prepared, fields: set[str]) -> list[ir.Table]:
    """The event aggregates named in ``fields``, as tables keyed ``s_ticket``.

    When the public messages are materialized (``prep.messages``), the message aggregates
    come from them and the other kinds' from their own (far fewer) events: the bulk of
    the events, the messages, is then not folded into its tickets once more. Otherwise
    one scan of the events of every kind read."""
    from_messages = fields & _MESSAGE_FIELDS
    if prep.messages is None or not from_messages:
        return [_event_summary(prep, fields)]
    m = prep.messages
    aggregates = {
        "first_customer_msg_at": lambda: m.at.min(where=~m.by_agent),
        "first_demand_reply_at": lambda: m.at.min(where=m.by_agent & answered_from_creation(m)),
        "replies": lambda: m.count(where=m.by_agent),
    }
    talk = m.group_by(s_ticket=m.ticket_id).agg(
        **{name: make() for name, make in aggregates.items() if name in from_messages}
    )
    rest = fields - _MESSAGE_FIELDS
    return [talk, _event_summary(prep, rest)] if rest else [talk]


def _event_summary(prep: Prepared, fields: set[str]) -> ir.Table:
    """Per ticket, the event aggregates named in ``fields`` (one scan of the events of
    the kinds they read)."""
    kinds = sorted({k for f in fields for k in _FIELD_KINDS[f]})
    e = events_of(prep, lambda r: r.kind.isin(kinds))
    reply = e.is_public & (e.actor_role == "agent")
    customer_msg = e.is_public & (e.actor_role == "customer")
    esc = (e.kind == "escalation") & e.own
    prio = (e.kind == "priority") & e.priority.notnull() & e.own
    rated = (e.kind == "rating") & e.rating.notnull() & e.own
    work = e.kind == "work"
    aggregates = {
        "first_customer_msg_at": lambda: e.at.min(where=customer_msg),
        "first_demand_reply_at": lambda: e.at.min(where=reply & answered_from_creation(e)),
        "replies": lambda: e.count(where=reply),
        "work_events": lambda: e.count(where=work),
        "work_total": lambda: e.work_seconds.sum(where=work),
        "escalations": lambda: e.count(where=esc),
        "first_escalated_at": lambda: e.at.min(where=esc),
        "escalated_to": lambda: e.escalated_to.argmin(e.at, where=esc),
        "last_priority": lambda: e.priority.argmax(e.at, where=prio),
        "rating": lambda: e.rating.argmax(e.at, where=rated),
        "rated_at": lambda: e.at.max(where=rated),
    }
    return e.group_by(s_ticket=e.ticket_id).agg(
        **{name: make() for name, make in aggregates.items() if name in fields}
    )


def _outbound_first_replies(prep: Prepared) -> ir.Table:
    """The first reply of each agent-created ticket (``o_ticket``, ``first_outbound_reply_at``).
    The other tickets' first replies are their ``first_demand_reply_at``, taken with the
    message counts."""
    a = outbound_answers(prep)
    return a.group_by(o_ticket=a.ticket_id).agg(first_outbound_reply_at=a.at.min())


def _timeline_summary(prep: Prepared, *, status: bool, solves: bool) -> ir.Table:
    """The status figures (current status, waiting totals) and the solve times in one
    pass over the status intervals: a solve period starts at each solved interval whose
    previous interval is not solved (``run_start``, as in
    :func:`~supportkpi.kpis.status.solve_periods`), and the ticket is still solved when
    its current interval is."""
    iv = intervals_of(prep)
    aggregates: dict[str, ir.Scalar] = {}
    if status:
        d = iv.duration_s
        aggregates.update(
            status=iv.status.max(where=iv.is_current),
            requester_wait_total=d.sum(where=iv.status.isin(WAITING_STATUSES)),
            agent_wait_total=d.sum(where=iv.status == "pending"),
            on_hold_total=d.sum(where=iv.status == "on_hold"),
        )
    if solves:
        aggregates.update(
            first_solved_at=iv.start_at.min(where=iv.run_start),
            last_solved_at=iv.start_at.max(where=iv.run_start),
            currently_solved=(iv.is_current & iv.is_solved).any(),
        )
    return iv.group_by(i_ticket=iv.ticket_id).agg(**aggregates)


def _reopen_summary(periods: ir.Table, win: Windows) -> ir.Table:
    """Per ticket with a reopened solve period: how many were reopened, whether one was
    within the reopen window, and the first reopen. Tickets without one have no row (the
    columns read as 0, false and null)."""
    p = periods.filter(periods.reopen_at.notnull())
    in_window = seconds_between(p.solved_at, p.reopen_at) <= win.reopen_s
    return p.group_by(p_ticket=p.ticket_id).agg(
        reopens=p.count(),
        reopened_in_window=in_window.any(),
        first_reopened_at=p.reopen_at.min(),
    )


def _dialogue(prep: Prepared, first_replies: ir.Table, solves: ir.Table) -> ir.Table:
    """Customer public messages after the first reply and before the first solve."""
    e = messages_of(prep, "customer")
    msgs = e.select(m_ticket=e.ticket_id, m_at=e.at)
    fr, so = first_replies, solves
    b = fr.inner_join(so, fr.f_ticket == so.k_ticket).select(
        d_ticket=fr.f_ticket, fr=fr.first_reply_at, fs=so.k_first
    )
    b = b.filter(b.fr.notnull())
    b = b.filter(b.fs.notnull())
    j = b.inner_join(msgs, (b.d_ticket == msgs.m_ticket) & (msgs.m_at > b.fr) & (msgs.m_at < b.fs))
    return j.group_by("d_ticket").agg(dialogue_messages=j.count())


def _follow_ups(tickets: ir.Table, solves: ir.Table) -> ir.Table:
    """The first later demand ticket of the same customer and type after the last solve."""
    cand = tickets.filter(tickets.created_by != "agent").select(
        f_id=tickets.ticket_id,
        f_customer=tickets.customer_id,
        f_type=tickets.type,
        f_created=tickets.created_at,
    )
    so = solves.filter(solves.k_last.notnull())
    b = tickets.inner_join(so, tickets.ticket_id == so.k_ticket).select(
        u_ticket=tickets.ticket_id,
        u_customer=tickets.customer_id,
        u_type=tickets.type,
        u_solved=so.k_last,
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
    e = events_of(prep, lambda r: r.kind.isin(("assignment", "escalation")))
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


# --- which parts each column needs ---------------------------------------------------------

_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "priority": ("last_priority",),
    "clock_start_at": ("first_customer_msg_at",),
    "first_reply_at": ("first_customer_msg_at",),
    "first_response_s": ("first_customer_msg_at",),
    "waiting_so_far_s": ("first_customer_msg_at",),
    "replies": ("replies",),
    "touches": ("replies",),
    "one_touch": ("replies",),
    "two_touch": ("replies",),
    "multi_touch": ("replies",),
    "fcr": ("replies",),
    "escalated": ("escalations",),
    "escalated_to": ("escalated_to",),
    "first_escalated_at": ("first_escalated_at",),
    "work_seconds": ("work_events", "work_total"),
    "work_per_reply_s": ("work_events", "work_total", "replies"),
    "rating": ("rating",),
    "rated_at": ("rated_at",),
    "csat_good": ("rating",),
}
"""The per-ticket event aggregates (``_event_summary``) each column reads."""

_PARTS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "is_open": ("status",),
    "age_s": ("status",),
    "first_reply_at": ("replies",),
    "first_response_s": ("replies",),
    "waiting_so_far_s": ("replies", "status"),
    "one_touch": ("solves",),
    "two_touch": ("solves",),
    "multi_touch": ("solves",),
    "first_solved_at": ("solves",),
    "solved_at": ("solves",),
    "last_solved_at": ("solves",),
    "first_resolution_s": ("solves",),
    "full_resolution_s": ("solves",),
    "needed_dialogue": ("dialogue",),
    "dialogue_resolution_s": ("dialogue",),
    "requester_wait_s": ("solves", "status"),
    "agent_wait_s": ("solves", "status"),
    "on_hold_s": ("solves", "status"),
    "reopens": ("reopens",),
    "reopens_if_solved": ("reopens",),
    "reopened": ("reopens",),
    "first_reopened_at": ("reopens",),
    "disguised_reopen": ("follow_ups",),
    "follow_up_ticket_id": ("follow_ups",),
    "repeat_contact": ("follow_ups",),
    "fcr": ("reopens", "follow_ups"),
    "reassignments": ("reassignments",),
    "reassigned": ("reassignments",),
}
"""The joined pieces (besides the event aggregates) each column reads."""

_IMPLIED: dict[str, tuple[str, ...]] = {
    "dialogue": ("replies", "solves"),
    "follow_ups": ("solves",),
    "reopens": ("solves",),
}


def _plan(columns: Sequence[str]) -> tuple[set[str], set[str]]:
    """(event aggregates, parts) that ``columns`` need, with the parts they imply."""
    unknown = [c for c in columns if c not in TICKET_COLUMNS]
    if unknown:
        raise ValueError(f"not ticket metric columns: {', '.join(unknown)}")
    fields = {f for c in columns for f in _EVENT_FIELDS.get(c, ())}
    parts = {p for c in columns for p in _PARTS.get(c, ())}
    todo = list(parts)
    while todo:
        for implied in _IMPLIED.get(todo.pop(), ()):
            if implied not in parts:
                parts.add(implied)
                todo.append(implied)
    if "replies" in parts:
        fields.update(("first_customer_msg_at", "first_demand_reply_at"))
    return fields, parts


def _as_built(table: ir.Table) -> ir.Table:
    return table


def _metrics(
    prep: Prepared,
    win: Windows,
    agents: ir.Table,
    columns: Sequence[str] = TICKET_COLUMNS,
    piece: Piece | None = None,
) -> ir.Table:
    t = prep.tickets
    as_of = prep.as_of
    fields, parts = _plan(columns)
    keep = piece if piece is not None else _as_built
    base = t
    summaries = [keep(s) for s in _event_summaries(prep, fields)] if fields else []
    for summary in summaries:
        base = base.left_join(summary, base.ticket_id == summary.s_ticket).drop("s_ticket")
    ev = summaries[0] if summaries else None
    if "first_customer_msg_at" in fields:
        base = base.mutate(
            clock_start_at=ibis.ifelse(
                base.created_by == "agent", base.first_customer_msg_at, base.created_at
            )
        )
    # Each piece below is keyed by ticket and reads the narrow pieces it needs (never the
    # growing base), so no piece is computed twice.
    fr = solves = None
    if "replies" in parts:
        # The first reply of a ticket a customer opened comes with its message counts; an
        # agent-created ticket's (few) need a second look at their messages.
        assert ev is not None
        out = keep(_outbound_first_replies(prep))
        base = base.left_join(out, base.ticket_id == out.o_ticket).drop("o_ticket")
        base = base.mutate(
            first_reply_at=ibis.coalesce(base.first_demand_reply_at, base.first_outbound_reply_at)
        )
        if "dialogue" in parts:
            demand = ev.select(f_ticket=ev.s_ticket, first_reply_at=ev.first_demand_reply_at)
            fr = demand.union(
                out.select(f_ticket=out.o_ticket, first_reply_at=out.first_outbound_reply_at)
            )
    if parts & {"status", "solves"}:
        tl = keep(_timeline_summary(prep, status="status" in parts, solves="solves" in parts))
        base = base.left_join(tl, base.ticket_id == tl.i_ticket).drop("i_ticket")
        if "solves" in parts:
            solves = tl.select(
                k_ticket=tl.i_ticket, k_first=tl.first_solved_at, k_last=tl.last_solved_at
            )
    if "reopens" in parts:
        # Reopens need the solve periods themselves (and the messages during them); the
        # solve times come from the timeline above.
        ro = keep(_reopen_summary(solve_periods(prep, intervals_of(prep)), win))
        base = base.left_join(ro, base.ticket_id == ro.p_ticket).drop("p_ticket")
    if "dialogue" in parts:
        assert fr is not None and solves is not None
        dl = keep(_dialogue(prep, fr, solves))
        base = base.left_join(dl, base.ticket_id == dl.d_ticket).drop("d_ticket")
    if "follow_ups" in parts:
        assert solves is not None
        fu = keep(_follow_ups(t, solves))
        base = base.left_join(fu, base.ticket_id == fu.u_ticket).drop("u_ticket")
    if "reassignments" in parts:
        ra = keep(_reassignments(prep, agents))
        base = base.left_join(ra, base.ticket_id == ra.a_ticket).drop("a_ticket")
    exprs = _Columns(base, win, as_of)
    return base.select(**{name: exprs.get(name) for name in columns})


class _Columns:
    """The output column expressions over the joined base, built on demand: a column is
    only defined when asked for, so the base need only hold what the asked columns read."""

    def __init__(self, base: ir.Table, win: Windows, as_of: ir.TimestampScalar) -> None:
        self.b = base
        self.win = win
        self.as_of = as_of
        self.done: dict[str, ir.Value] = {}

    def get(self, name: str) -> Any:
        if name not in self.done:
            self.done[name] = getattr(self, f"_{name}")()
        return self.done[name]

    # helpers shared by several columns
    def _n_replies(self) -> Any:
        return self.b.replies.fill_null(0)

    def _answered_solve(self) -> Any:
        return self.get("solved_at").notnull() & (self.get("n_replies") > 0)

    def _ever_solved(self) -> Any:
        return self.b.first_solved_at.notnull()

    def _since_solve(self) -> Any:
        return seconds_between(self.b.last_solved_at, self.b.next_at)

    def _repeat(self) -> Any:
        return self.b.next_at.notnull() & (self.get("since_solve") <= self.win.repeat_s)

    def _n_reopens(self) -> Any:
        return self.b.reopens.fill_null(0)

    def _work(self) -> Any:
        b = self.b
        return ibis.ifelse(b.work_events.fill_null(0) > 0, b.work_total.fill_null(0.0), _NULL_F)

    def _n_reassignments(self) -> Any:
        return self.b.reassign_count.fill_null(0)

    def _if_solved(self, value: Any) -> Any:
        return ibis.ifelse(self.get("solved_at").notnull(), value.fill_null(0.0), _NULL_F)

    # the columns, in TICKET_COLUMNS order
    def _ticket_id(self) -> Any:
        return self.b.ticket_id

    def _created_at(self) -> Any:
        return self.b.created_at

    def _channel(self) -> Any:
        return self.b.channel

    def _type(self) -> Any:
        return self.b.type

    def _tags(self) -> Any:
        return self.b.tags

    def _priority(self) -> Any:
        return ibis.coalesce(self.b.last_priority, self.b.initial_priority)

    def _initial_priority(self) -> Any:
        return self.b.initial_priority

    def _customer_id(self) -> Any:
        return self.b.customer_id

    def _customer_tier(self) -> Any:
        return self.b.customer_tier

    def _team(self) -> Any:
        return self.b.team

    def _agent_id(self) -> Any:
        return self.b.agent_id

    def _product(self) -> Any:
        return self.b.product

    def _brand(self) -> Any:
        return self.b.brand

    def _created_by(self) -> Any:
        return self.b.created_by

    def _is_demand(self) -> Any:
        return self.b.created_by != "agent"

    def _is_outbound(self) -> Any:
        return self.b.created_by == "agent"

    def _merged_tickets(self) -> Any:
        return self.b.merged_tickets

    def _status(self) -> Any:
        return self.b.status

    def _is_open(self) -> Any:
        return ~self.b.status.isin(SOLVED_STATUSES)

    def _age_s(self) -> Any:
        return ibis.ifelse(
            self.get("is_open"), seconds_between(self.b.created_at, self.as_of), _NULL_F
        )

    def _clock_start_at(self) -> Any:
        return self.b.clock_start_at

    def _first_reply_at(self) -> Any:
        return self.b.first_reply_at

    def _first_response_s(self) -> Any:
        return seconds_between(self.b.clock_start_at, self.b.first_reply_at)

    def _waiting_so_far_s(self) -> Any:
        b = self.b
        return ibis.ifelse(
            b.first_reply_at.isnull() & self.get("is_open"),
            seconds_between(b.clock_start_at, self.as_of),
            _NULL_F,
        )

    def _replies(self) -> Any:
        return self.get("n_replies")

    def _touches(self) -> Any:
        r = self.get("n_replies")
        return ibis.cases((r == 0, "zero"), (r == 1, "one"), (r == 2, "two"), else_="multi")

    def _one_touch(self) -> Any:
        return ibis.ifelse(self.get("answered_solve"), self.get("n_replies") == 1, _NULL_B)

    def _two_touch(self) -> Any:
        return ibis.ifelse(self.get("answered_solve"), self.get("n_replies") == 2, _NULL_B)

    def _multi_touch(self) -> Any:
        return ibis.ifelse(self.get("answered_solve"), self.get("n_replies") > 2, _NULL_B)

    def _first_solved_at(self) -> Any:
        return self.b.first_solved_at

    def _solved_at(self) -> Any:
        b = self.b
        return ibis.ifelse(b.currently_solved.fill_null(False), b.last_solved_at, ibis.null(_TS))

    def _last_solved_at(self) -> Any:
        return self.b.last_solved_at

    def _first_resolution_s(self) -> Any:
        return seconds_between(self.b.created_at, self.b.first_solved_at)

    def _full_resolution_s(self) -> Any:
        return seconds_between(self.b.created_at, self.get("solved_at"))

    def _needed_dialogue(self) -> Any:
        more = self.b.dialogue_messages.fill_null(0) > 0
        return ibis.ifelse(self.get("ever_solved"), more, _NULL_B)

    def _dialogue_resolution_s(self) -> Any:
        solved = self.get("solved_at").notnull()
        return ibis.ifelse(
            self.get("needed_dialogue") & solved, self.get("full_resolution_s"), _NULL_F
        )

    def _requester_wait_s(self) -> Any:
        return self._if_solved(self.b.requester_wait_total)

    def _agent_wait_s(self) -> Any:
        return self._if_solved(self.b.agent_wait_total)

    def _on_hold_s(self) -> Any:
        return self._if_solved(self.b.on_hold_total)

    def _reopens(self) -> Any:
        return self.get("n_reopens")

    def _reopens_if_solved(self) -> Any:
        return ibis.ifelse(self.get("ever_solved"), self.get("n_reopens"), ibis.null("int64"))

    def _reopened(self) -> Any:
        reopened = self.b.reopened_in_window.fill_null(False)
        return ibis.ifelse(self.get("ever_solved"), reopened, _NULL_B)

    def _first_reopened_at(self) -> Any:
        return self.b.first_reopened_at

    def _disguised_reopen(self) -> Any:
        b = self.b
        within = b.next_at.notnull() & (self.get("since_solve") <= self.win.reopen_s)
        return ibis.ifelse(self.get("ever_solved"), within, _NULL_B)

    def _follow_up_ticket_id(self) -> Any:
        return ibis.ifelse(self.get("disguised_reopen"), self.b.next_id, ibis.null("string"))

    def _repeat_contact(self) -> Any:
        return ibis.ifelse(self.get("ever_solved"), self.get("repeat"), _NULL_B)

    def _fcr(self) -> Any:
        single = (self.get("n_replies") == 1) & (self.get("n_reopens") == 0) & ~self.get("repeat")
        return ibis.ifelse(self.get("answered_solve"), single, _NULL_B)

    def _escalated(self) -> Any:
        return self.b.escalations.fill_null(0) > 0

    def _escalated_to(self) -> Any:
        return self.b.escalated_to

    def _first_escalated_at(self) -> Any:
        return self.b.first_escalated_at

    def _reassignments(self) -> Any:
        return self.get("n_reassignments")

    def _reassigned(self) -> Any:
        return self.get("n_reassignments") > 0

    def _work_seconds(self) -> Any:
        return self.get("work")

    def _work_per_reply_s(self) -> Any:
        r = self.get("n_replies")
        return ibis.ifelse(r > 0, self.get("work") / r.cast("float64"), _NULL_F)

    def _rating(self) -> Any:
        return self.b.rating

    def _rated_at(self) -> Any:
        return self.b.rated_at

    def _csat_good(self) -> Any:
        return ibis.ifelse(self.b.rating.notnull(), self.b.rating == "good", _NULL_B)
