"""SLA evaluation: one row per (ticket, target, cycle), judged against the first matching policy.

Nothing is frozen at ingest: outcomes are recomputed from the events and the current config,
so changing a policy changes history. Each target's clock:

- ``first_response``: from the ticket's clock start to its first public agent reply.
- ``next_reply``: from each customer message that awaits a reply (see
  :mod:`supportkpi.kpis.replies`) to the next agent reply, or to a solve.
- ``periodic_update``: from each public agent reply to the next one, while the team owes
  the customer news: a solve, or a status in the policy's ``pause_on`` (the customer owes
  the next move), stops the clock. A reply made while the ticket is already in such a
  status starts nothing.
- ``resolution``: cycle 1 runs from creation to the first solve; every reopen starts a new
  cycle from the reopen instant to the next solve. Time spent in the policy's ``pause_on``
  statuses (``pending`` by default) is not counted; the clock resumes when the status changes.

Elapsed time is in the policy's basis (business seconds in the policy's schedule, else the
ticket's schedule; or calendar seconds). Elapsed equal to the target is met; anything more is
breached, including a clock still running past its target.

A reply clock stopped by a solve rather than by a reply (a first response or next reply
the ticket was solved without, a periodic update cut short by a solve or a pause) is judged
only when it had already run past its target: the customer waited longer than promised, so
it is breached, with ``stopped_at`` the solve. Stopped in time, it owes nothing and proves
nothing, so it has no row: a silent solve neither hides a breach nor earns a "met".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_instant, now_utc, seconds_between
from supportkpi.kpis.business import clock_for
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import answers, prepare
from supportkpi.kpis.replies import reply_metrics
from supportkpi.kpis.status import SOLVED_STATUSES, intervals_of, solve_periods
from supportkpi.kpis.tickets import ticket_metrics
from supportkpi.policy import Config, default_config, policy_case, schedule_case

__all__ = ["OUTCOME_COLUMNS", "TARGETS", "sla_outcomes"]

TARGETS: tuple[str, ...] = ("first_response", "next_reply", "periodic_update", "resolution")

OUTCOME_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "policy",
    "target",
    "cycle",
    "basis",
    "started_at",
    "stopped_at",
    "target_s",
    "elapsed_s",
    "outcome",
    "breached_by_s",
    "priority",
    "channel",
    "team",
    "agent_id",
    "schedule",
    "paused",
)

_TS = "timestamp('UTC')"


def inputs_of(source: Any) -> Inputs:
    """Inputs from a Store (anything with ``.con``), an Ibis backend, or Inputs themselves."""
    if isinstance(source, Inputs):
        return source
    return Inputs.from_backend(getattr(source, "con", source))


def _by_policy(policy: ir.StringValue, values: dict[str, Any], type_: str) -> ir.Value:
    """A per-row value chosen by the row's policy name (null for a policy not listed)."""
    result: ir.Value = ibis.null(type_)
    for name, value in values.items():
        literal = ibis.null(type_) if value is None else ibis.literal(value, type=type_)
        result = ibis.ifelse(policy == name, literal, result)
    return result


def _with_policy(t: ir.Table, config: Config) -> ir.Table:
    """Add policy, basis and schedule (the policy's own schedule, else the ticket's)."""
    t = t.mutate(policy=policy_case(t, config), sla_tmp_ticket_sched=schedule_case(t, config))
    policies = config.sla.policies
    own = _by_policy(t.policy, {p.name: p.schedule for p in policies}, "string")
    return t.mutate(
        basis=_by_policy(t.policy, {p.name: p.time for p in policies}, "string"),
        schedule=ibis.coalesce(own, t.sla_tmp_ticket_sched),
    ).drop("sla_tmp_ticket_sched")


def _target(policy: ir.StringValue, config: Config, target: str) -> ir.Value:
    return _by_policy(
        policy, {p.name: getattr(p.targets, target) for p in config.sla.policies}, "float64"
    )


def _dims(t: ir.Table) -> dict[str, ir.Value]:
    return {c: t[c] for c in ("priority", "channel", "type", "customer_tier", "team", "agent_id")}


def sla_outcomes(
    source: Any, config: Config | None = None, *, as_of: datetime | None = None
) -> ir.Table:
    """One row per (ticket, target, cycle) with its outcome; see the module docstring.

    Columns: :data:`OUTCOME_COLUMNS` (``schedule`` is the schedule the clock ran in;
    ``paused`` is true for a running resolution clock currently in a pause status).
    Targets a policy leaves unset, and tickets no policy matches, have no rows.
    """
    cfg = config if config is not None else default_config()
    instant = as_instant(as_of) if as_of is not None else now_utc()
    inputs = inputs_of(source)
    prep = prepare(inputs, instant)
    now = prep.as_of
    tm = ticket_metrics(inputs, cfg, as_of=instant, prepared=prep)
    dims = tm.select("ticket_id", "created_at", **_dims(tm))

    # First response: one cycle per ticket.
    # A ticket solved before any reply stops the clock at the solve (see the docstring).
    unanswered = tm.first_solved_at.notnull() & (
        tm.first_reply_at.isnull() | (tm.first_reply_at > tm.first_solved_at)
    )
    first = tm.select(
        "ticket_id",
        target=ibis.literal("first_response"),
        cycle=ibis.literal(1, type="int64"),
        started_at=tm.clock_start_at,
        stopped_at=ibis.ifelse(unanswered, ibis.null(_TS), tm.first_reply_at),
        void_at=ibis.ifelse(unanswered, tm.first_solved_at, ibis.null(_TS)),
        paused=ibis.literal(False),
        pause_s=ibis.literal(0.0, type="float64"),
        pause_bh_s=ibis.literal(0.0, type="float64"),
        **_dims(tm),
    )
    first = first.filter(first.started_at.notnull())

    # Next reply: one row per customer message awaiting a reply (numbered per ticket).
    rm = reply_metrics(inputs, cfg, as_of=instant, prepared=prep)
    solved = rm.ended_by.notnull() & (rm.ended_by == "solved")
    w = ibis.window(group_by="ticket_id", order_by="message_at")
    replies = rm.select(
        "ticket_id",
        target=ibis.literal("next_reply"),
        cycle=(ibis.row_number().over(w) + 1).cast("int64"),  # row_number is 0-based
        started_at=rm.message_at,
        stopped_at=rm.next_reply_at,
        void_at=ibis.ifelse(solved, rm.ended_at, ibis.null(_TS)),
        paused=ibis.literal(False),
        pause_s=ibis.literal(0.0, type="float64"),
        pause_bh_s=ibis.literal(0.0, type="float64"),
        **_dims(rm),
    )

    resolution = _resolution(prep, dims, cfg, instant)
    resolution = resolution.mutate(void_at=ibis.null(_TS))
    periodic = _periodic(prep, dims, cfg)
    rows = _uniform(first).union(_uniform(replies)).union(_uniform(periodic))
    rows = rows.union(_uniform(resolution))
    rows = _with_policy(rows, cfg)
    rows = rows.filter(rows.policy.notnull())
    target_s = ibis.cases(
        *[(rows.target == name, _target(rows.policy, cfg, name)) for name in TARGETS],
        else_=ibis.null("float64"),
    )
    rows = rows.mutate(
        target_s=target_s.cast("float64"),
        sla_tmp_end=ibis.coalesce(rows.stopped_at, rows.void_at, now),
    )
    rows = rows.filter(rows.target_s.notnull())
    clock = clock_for(cfg).over(prep.tickets, instant)
    rows = clock.annotate(
        rows, start="started_at", end="sla_tmp_end", out="sla_tmp_bh", schedule=rows.schedule
    )
    calendar = seconds_between(rows.started_at, rows.sla_tmp_end) - rows.pause_s
    business = rows.sla_tmp_bh - rows.pause_bh_s
    elapsed = ibis.ifelse(rows.basis == "business", business, calendar)
    rows = rows.mutate(elapsed_s=ibis.greatest(elapsed, 0.0))
    over = rows.elapsed_s > rows.target_s
    outcome = ibis.cases(
        (over, ibis.literal("breached")),
        (rows.stopped_at.notnull(), ibis.literal("met")),
        else_=ibis.literal("running"),
    )
    rows = rows.mutate(
        outcome=outcome,
        breached_by_s=ibis.ifelse(over, rows.elapsed_s - rows.target_s, ibis.null("float64")),
    )
    # A clock stopped by a solve in time has no outcome; overrun, it is breached at the solve.
    rows = rows.filter(rows.void_at.isnull() | over)
    rows = rows.mutate(stopped_at=ibis.coalesce(rows.stopped_at, rows.void_at))
    return rows.select(*OUTCOME_COLUMNS)


def _uniform(t: ir.Table) -> ir.Table:
    """The same columns, in the same order and of the same types, on every branch of the
    union."""
    return t.select(
        "ticket_id",
        "target",
        cycle=t.cycle.cast("int64"),
        started_at=t.started_at.cast(_TS),
        stopped_at=t.stopped_at.cast(_TS),
        void_at=t.void_at.cast(_TS),
        paused=t.paused.cast("boolean"),
        pause_s=t.pause_s.cast("float64"),
        pause_bh_s=t.pause_bh_s.cast("float64"),
        **_dims(t),
    )


def _periodic(prep: Any, dims: ir.Table, cfg: Config) -> ir.Table:
    """Periodic update clocks: one per public agent reply (numbered per ticket), stopped by
    the next reply, or voided (``void_at``) by a solve or a pause status, whichever is
    first; a reply made inside such a status is voided at once."""
    a = answers(prep).distinct()
    w = ibis.window(group_by="ticket_id", order_by="at")
    a = a.mutate(next_at=a.at.lead().over(w), cycle=(ibis.row_number().over(w) + 1))
    a = a.inner_join(dims.drop("created_at"), "ticket_id")
    a = _with_policy(a, cfg)
    iv = intervals_of(prep)
    ivs = iv.select(
        iv_ticket=iv.ticket_id, iv_status=iv.status, iv_start=iv.start_at, iv_end=iv.end_at,
        iv_current=iv.is_current,
    )  # fmt: skip
    # Status spans still going on at or after the reply.
    k = a.inner_join(ivs, (a.ticket_id == ivs.iv_ticket) & ((ivs.iv_end > a.at) | ivs.iv_current))
    stops: ir.BooleanValue = k.iv_status.isin(SOLVED_STATUSES)
    for policy in cfg.sla.policies:
        if policy.pause_on:
            stops = stops | ((k.policy == policy.name) & k.iv_status.isin(policy.pause_on))
    k = k.filter(stops)
    ends = k.group_by(e_ticket=k.ticket_id, e_at=k.at).agg(
        void_at=ibis.greatest(k.iv_start, k.at).min()
    )
    r = a.left_join(ends, (a.ticket_id == ends.e_ticket) & (a.at == ends.e_at))
    answered = r.next_at.notnull() & (r.void_at.isnull() | (r.next_at <= r.void_at))
    return r.select(
        "ticket_id",
        target=ibis.literal("periodic_update"),
        cycle=r.cycle,
        started_at=r.at,
        stopped_at=ibis.ifelse(answered, r.next_at, ibis.null(_TS)),
        void_at=ibis.ifelse(answered, ibis.null(_TS), r.void_at),
        paused=ibis.literal(False),
        pause_s=ibis.literal(0.0, type="float64"),
        pause_bh_s=ibis.literal(0.0, type="float64"),
        priority=r.priority,
        channel=r.channel,
        type=r.type,
        customer_tier=r.customer_tier,
        team=r.team,
        agent_id=r.agent_id,
    )


def _resolution(prep: Any, dims: ir.Table, cfg: Config, instant: datetime) -> ir.Table:
    """Resolution cycles with their paused time (calendar and business seconds)."""
    now = prep.as_of
    iv = intervals_of(prep)
    periods = solve_periods(prep, iv)
    pw = ibis.window(group_by="ticket_id", order_by="solved_at")
    periods = periods.mutate(n=ibis.row_number().over(pw) + 1)  # 1-based period number
    # Cycle c stops at the start of solve period c; cycle c + 1 starts at period c's reopen.
    stops = periods.select(s_ticket=periods.ticket_id, s_cycle=periods.n, stop_at=periods.solved_at)
    reopened = periods.filter(periods.reopen_at.notnull())
    starts = dims.select(
        "ticket_id", cycle=ibis.literal(1, type="int64"), started_at=dims.created_at.cast(_TS)
    ).union(
        reopened.select(
            "ticket_id",
            cycle=(reopened.n + 1).cast("int64"),
            started_at=reopened.reopen_at.cast(_TS),
        )
    )
    starts = starts.mutate(cycle=starts.cycle.cast("int64"))
    stops = stops.mutate(s_cycle=stops.s_cycle.cast("int64"))
    j = starts.left_join(
        stops, (starts.ticket_id == stops.s_ticket) & (starts.cycle == stops.s_cycle)
    )
    cycles = j.select("ticket_id", "cycle", "started_at", stopped_at=j.stop_at)
    cycles = cycles.inner_join(dims.drop("created_at"), "ticket_id")
    cycles = _with_policy(cycles, cfg)

    # Paused spans: intervals in the policy's pause statuses, clipped to the cycle.
    pause_on = {p.name: p.pause_on for p in cfg.sla.policies}
    ivs = iv.select(
        iv_ticket=iv.ticket_id, iv_status=iv.status, iv_start=iv.start_at, iv_end=iv.end_at,
        iv_current=iv.is_current,
    )  # fmt: skip
    c_end = ibis.coalesce(cycles.stopped_at, now)
    k = cycles.inner_join(
        ivs,
        (cycles.ticket_id == ivs.iv_ticket)
        & (ivs.iv_start < c_end)
        & (ivs.iv_end > cycles.started_at),
    )
    paused_status: ir.BooleanValue = ibis.literal(False)
    for name, statuses in pause_on.items():
        if statuses:
            paused_status = paused_status | ((k.policy == name) & k.iv_status.isin(statuses))
    k = k.filter(paused_status)
    k = k.mutate(
        p_start=ibis.greatest(k.iv_start, k.started_at),
        p_end=ibis.least(k.iv_end, ibis.coalesce(k.stopped_at, now)),
        p_now=k.iv_current & k.stopped_at.isnull(),
    )
    clock = clock_for(cfg).over(prep.tickets, instant)
    k = clock.annotate(k, start="p_start", end="p_end", out="p_bh", schedule=k.schedule)
    pauses = k.group_by(p_ticket=k.ticket_id, p_cycle=k.cycle).agg(
        pause_s=seconds_between(k.p_start, k.p_end).sum(),
        pause_bh_s=k.p_bh.sum(),
        paused=k.p_now.any(),
    )
    r = cycles.left_join(
        pauses, (cycles.ticket_id == pauses.p_ticket) & (cycles.cycle == pauses.p_cycle)
    )
    return r.select(
        "ticket_id",
        target=ibis.literal("resolution"),
        cycle=r.cycle,
        started_at=r.started_at,
        stopped_at=r.stopped_at,
        paused=r.paused.fill_null(False),
        pause_s=r.pause_s.fill_null(0.0),
        pause_bh_s=r.pause_bh_s.fill_null(0.0),
        priority=r.priority,
        channel=r.channel,
        type=r.type,
        customer_tier=r.customer_tier,
        team=r.team,
        agent_id=r.agent_id,
    )
