"""Workflow adherence: each ticket scored on the steps of the ideal workflow its data can
show (KPIS.md section 6), aggregated per agent and team.

Every step is ``passed``, ``failed`` or ``unknown``; unknown is never counted as passed.
Score = passed / (passed + failed), null when no step is known.

* ``first_response_in_time`` (step 1-2): the first public agent reply within the first
  matching SLA policy's first-response target, timed as the SLA engine times it: business
  seconds in the policy's schedule (else the ticket's) from the KPI engine's business
  clock, or calendar seconds for calendar-time policies. A reply within the target passes;
  a later reply, or a ticket still waiting past the target, fails; a ticket still waiting
  within it is unknown. No policy or no target: unknown.
* ``prioritized_in_time`` (step 3): a ``priority`` event within ``prioritize_within_s`` of
  creation passes; a first priority event later than that fails; no priority event passes
  when the ticket came with a priority and fails when it did not. Unknown for every
  ticket when the source has no priority events at all (it cannot show triage).
* ``interim_feedback`` (step 4): needed when the ticket was not solved with its first
  agent reply (more than one reply, or still open after a reply). Passed with an agent's
  ``promise`` event, failed without. Unknown when not needed or when the source has no
  promise events at all.
* ``promises_kept`` (step 5): every promise followed, at or before its promised date, by
  a public agent message, a solve or a newer promise (an update). Failed when one was not
  and its date has passed; unknown without promises or while a date is still ahead.
* ``solution_confirmed`` (steps 6-8): for solved tickets, passed when the customer
  confirmed (``confirmation`` event) or the ticket was not reopened; failed when it was
  reopened without a confirmation. Unknown while unsolved.
* ``closed_after_confirmation`` (step 9): for closed tickets, passed when a confirmation
  came before the first close, failed otherwise. Unknown for tickets not closed and for
  every ticket when the source has no confirmation events.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_of_literal, seconds_between
from supportkpi.signals.context import Context
from supportkpi.signals.settings import SignalSettings

__all__ = ["STEPS", "workflow_adherence", "workflow_summary"]

STEPS: tuple[str, ...] = (
    "first_response_in_time",
    "prioritized_in_time",
    "interim_feedback",
    "promises_kept",
    "solution_confirmed",
    "closed_after_confirmation",
)

_TS = "timestamp('UTC')"
PASSED, FAILED = "passed", "failed"


def _step(passed: ir.BooleanValue, failed: ir.BooleanValue) -> ir.StringValue:
    return ibis.cases(
        (passed.fill_null(False), ibis.literal(PASSED)),
        (failed.fill_null(False), ibis.literal(FAILED)),
        else_=ibis.literal("unknown"),
    )


def _has(events: ir.Table, kind: str) -> bool:
    return bool(events.filter(events.kind == kind).count().execute() > 0)


def _by_policy(policy: ir.StringValue, values: dict[str, Any], type_: str) -> ir.Value:
    """A per-row value chosen by the row's policy name (null for a policy not listed)."""
    result: ir.Value = ibis.null(type_)
    for name, value in values.items():
        literal = ibis.null(type_) if value is None else ibis.literal(value, type=type_)
        result = ibis.ifelse((policy == name).fill_null(False), literal, result)
    return result


def _first_response(j: ir.Table, ctx: Context, config: Any) -> ir.Table:
    """``j`` with ``wf_fr``: the first-response step judged like the SLA engine does.

    The clock runs from the ticket's clock start to its first public agent reply (or to
    the analysis end while none came), in the first matching policy's basis: business
    seconds of the policy's own schedule, else the ticket's schedule (the KPI engine's
    business clock), or calendar seconds. Elapsed at most the target passes once the reply
    came; more than the target fails, replied or still waiting; otherwise unknown."""
    from supportkpi.kpis.business import clock_for
    from supportkpi.policy import policy_case, schedule_case

    policies = config.sla.policies
    name = policy_case(j, config)
    j = j.mutate(
        wf_target=_by_policy(name, {p.name: p.targets.first_response for p in policies}, "float64"),
        wf_basis=_by_policy(name, {p.name: p.time for p in policies}, "string"),
        wf_schedule=ibis.coalesce(
            _by_policy(name, {p.name: p.schedule for p in policies}, "string"),
            schedule_case(j, config),
        ),
        wf_end=ibis.coalesce(j.first_reply_at, as_of_literal(ctx.until)),
    )
    clock = clock_for(config).over(ctx.inputs.tickets, ctx.until)
    j = clock.annotate(j, start="clock_start_at", end="wf_end", out="wf_bh", schedule=j.wf_schedule)
    calendar = seconds_between(j.clock_start_at, j.wf_end)
    elapsed = ibis.greatest(ibis.ifelse(j.wf_basis == "business", j.wf_bh, calendar), 0.0)
    known = j.clock_start_at.notnull() & j.wf_target.notnull() & elapsed.notnull()
    over = known & (elapsed > j.wf_target)
    step = _step(known & j.first_reply_at.notnull() & ~over, over)
    return j.mutate(wf_fr=step).drop("wf_target", "wf_basis", "wf_schedule", "wf_end", "wf_bh")


def _promises(ctx: Context) -> ir.Table:
    """Per ticket: promises, broken ones (date passed, nothing done), open ones."""
    e = ctx.inputs.events.filter(ctx.inputs.events.at <= as_of_literal(ctx.until))
    prom = e.filter((e.kind == "promise") & e.promised_at.notnull()).select(
        p_id=e.event_id, p_ticket=e.ticket_id, p_at=e.at, p_due=e.promised_at
    )
    acts = e.filter(
        ((e.kind == "message") & (e.actor_role == "agent") & e.public.fill_null(True))
        | ((e.kind == "status") & (e.status == "solved"))
        | (e.kind == "promise")
    ).select(a_ticket=e.ticket_id, a_at=e.at, a_id=e.event_id)
    j = prom.left_join(
        acts, [prom.p_ticket == acts.a_ticket, acts.a_at > prom.p_at, acts.a_id != prom.p_id]
    )
    nxt = j.group_by(["p_id", "p_ticket", "p_due"]).agg(next_at=j.a_at.min())
    now = as_of_literal(ctx.until)
    kept = nxt.next_at.notnull() & (nxt.next_at <= nxt.p_due)
    broken = ~kept & (nxt.p_due <= now)
    return nxt.group_by(ticket_id=nxt.p_ticket).agg(
        promises=nxt.count(),
        broken=broken.sum(),
        still_open=(~kept & ~broken).sum(),
    )


def workflow_adherence(
    source: Any,
    *,
    config: Any | None = None,
    settings: SignalSettings | None = None,
    until: Any | None = None,
    context: Context | None = None,
) -> ir.Table:
    """One row per ticket: ticket_id, agent_id, team, created_at, one column per step of
    :data:`STEPS` (passed / failed / unknown), passed, failed, known and score."""
    from supportkpi.policy import default_config
    from supportkpi.signals.context import make_context

    ctx = context or make_context(source, since=None, until=until, config=config, settings=settings)
    cfg = ctx.config if ctx.config is not None else default_config()
    m = ctx.metrics()
    e = ctx.inputs.events.filter(ctx.inputs.events.at <= as_of_literal(ctx.until))
    has_priority, has_promise, has_confirm = (
        _has(e, "priority"),
        _has(e, "promise"),
        _has(e, "confirmation"),
    )
    null_ts = ibis.null(_TS)
    per = e.group_by(ev_ticket=e.ticket_id).agg(
        first_priority_at=ibis.ifelse(e.kind == "priority", e.at, null_ts).min(),
        first_promise_at=ibis.ifelse(
            (e.kind == "promise") & (e.actor_role == "agent"), e.at, null_ts
        ).min(),
        first_confirmed_at=ibis.ifelse(e.kind == "confirmation", e.at, null_ts).min(),
        first_closed_at=ibis.ifelse(
            (e.kind == "status") & (e.status == "closed"), e.at, null_ts
        ).min(),
    )
    raw = ctx.inputs.tickets.select(
        r_ticket=ctx.inputs.tickets.ticket_id, r_priority=ctx.inputs.tickets.priority
    )
    prom = _promises(ctx)
    j = m.left_join(per, m.ticket_id == per.ev_ticket).left_join(raw, m.ticket_id == raw.r_ticket)
    j = j.left_join(prom, j.ticket_id == prom.ticket_id).drop("ticket_id_right")
    j = _first_response(j, ctx, cfg)
    fr = j.wf_fr
    if has_priority:
        lag = seconds_between(j.created_at, j.first_priority_at)
        within = ctx.settings.workflow.prioritize_within_s
        pr = _step(
            (lag <= within) | (j.first_priority_at.isnull() & j.r_priority.notnull()),
            (lag > within) | (j.first_priority_at.isnull() & j.r_priority.isnull()),
        )
    else:
        pr = ibis.literal("unknown")
    needed = (j.replies.fill_null(0) > 1) | (j.is_open & (j.replies.fill_null(0) >= 1))
    if has_promise:
        interim = _step(needed & j.first_promise_at.notnull(), needed & j.first_promise_at.isnull())
        kept = _step(
            (j.promises.fill_null(0) > 0)
            & (j.broken.fill_null(0) == 0)
            & (j.still_open.fill_null(0) == 0),
            j.broken.fill_null(0) > 0,
        )
    else:
        interim = kept = ibis.literal("unknown")
    solved = j.solved_at.notnull()
    confirmed = j.first_confirmed_at.notnull()
    reopened = j.reopened.fill_null(False)
    sol = _step(solved & (confirmed | ~reopened), solved & reopened & ~confirmed)
    if has_confirm:
        closed = j.first_closed_at.notnull()
        before = confirmed & (j.first_confirmed_at <= j.first_closed_at)
        close = _step(closed & before, closed & ~before.fill_null(False))
    else:
        close = ibis.literal("unknown")
    steps = dict(zip(STEPS, (fr, pr, interim, kept, sol, close), strict=True))
    t = j.select(
        ticket_id=j.ticket_id,
        agent_id=j.agent_id,
        team=j.team,
        created_at=j.created_at,
        **steps,
    )
    passed = sum((t[s] == PASSED).ifelse(1, 0) for s in STEPS)
    failed = sum((t[s] == FAILED).ifelse(1, 0) for s in STEPS)
    t = t.mutate(passed=passed, failed=failed)
    known = t.passed + t.failed
    return t.mutate(
        known=known,
        score=ibis.ifelse(
            known > 0, t.passed.cast("float64") / known.cast("float64"), ibis.null("float64")
        ),
    )


def workflow_summary(per_ticket: ir.Table, by: str = "agent_id") -> ir.Table:
    """Per ``by`` (agent_id or team): tickets, mean score over tickets with a known step,
    and the share of steps known (known steps / (tickets x steps)), plus each step's pass
    rate among its known values."""
    t = per_ticket
    aggs: dict[str, ir.Value] = {
        "tickets": t.count(),
        "mean_score": t.score.mean(),
        "steps_known_share": t.known.sum().cast("float64")
        / (t.count() * len(STEPS)).cast("float64"),
    }
    for step in STEPS:
        known = (t[step] != "unknown").sum()
        good = (t[step] == PASSED).sum()
        aggs[f"{step}_pass_rate"] = ibis.ifelse(
            known > 0, good.cast("float64") / known.cast("float64"), ibis.null("float64")
        )
    return t.group_by(t[by]).agg(**aggs).order_by(by)
