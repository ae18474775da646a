"""Gaming of false metrics, per agent, each with its evidence tickets.

These are patterns to review with the person, not verdicts. Three rules, each judged at
the end of every hour (fast comebacks: of every local day) on the agent's trailing
``window_days`` (days of 24 hours) against the rest of their team in the same window:

* **Ticket splitting.** A *split-off* is an agent-created ticket assigned to the agent for
  a customer whose other ticket, also the agent's, was opened no more than
  ``split_window_s`` before. Flagged
  when the agent has at least ``min_splits`` split-offs and their share of the agent's
  tickets is at least ``split_ratio`` x the share in the rest of the team.
* **Fast closes that come back.** A *fast comeback* is a ticket first solved within
  ``fast_solve_s`` of creation that was then reopened or came back as a disguised reopen
  (both from the ticket metrics), counted when the comeback happened. Flagged when the
  agent has at least ``min_fast_comebacks`` and their share of the agent's first solves
  is at least ``comeback_ratio`` x the rest of the team's. This rule is judged at the end
  of each local day, not every hour: comebacks arrive in bursts while solves accrue
  through the day, and an hourly judgment flags afternoon flickers of a few comebacks.
* **Parking in pending.** A *parking* is a status change to ``pending`` by an agent while
  the ticket's latest public message (at or before it) is the customer's: the customer
  is waiting, not the agent. Flagged when the agent has at least ``min_parked`` parkings
  and their share of the agent's pending changes is at least ``parking_ratio`` x the rest
  of the team's.

Teams come from the agents table; an agent without a team is compared with everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import as_of_literal, seconds_between
from supportkpi.numbers import russian, russian_count
from supportkpi.signals.agents import agent_teams, flagged_runs, trailing, window_bounds
from supportkpi.signals.context import Context, hourly
from supportkpi.signals.model import Signal, confidence_of, evidence

__all__ = [
    "detect_fast_comebacks",
    "detect_parking",
    "detect_splitting",
    "fast_comebacks",
    "parkings",
    "split_offs",
]


def _tickets_ru(n: int) -> str:
    return russian_count(n, "обращение", "обращения", "обращений")


def split_offs(ctx: Context) -> ir.Table:
    """Agent-created tickets opened soon after another ticket of the same customer:
    ticket_id, agent_id, created_at, customer_id, prior_ticket_id."""
    window = ctx.settings.gaming.split_window_s
    t = ctx.inputs.tickets.filter(ctx.inputs.tickets.merged_into.isnull())
    made = t.filter((t.created_by == "agent") & t.agent_id.notnull())
    made = made.select(
        s_ticket_id=made.ticket_id,
        s_agent_id=made.agent_id,
        s_created_at=made.created_at,
        s_customer_id=made.customer_id,
    )
    prior = t.select(
        p_ticket_id=t.ticket_id, p_customer_id=t.customer_id, p_at=t.created_at, p_agent=t.agent_id
    )
    gap = seconds_between(prior.p_at, made.s_created_at)
    joined = made.inner_join(
        prior,
        [
            made.s_customer_id == prior.p_customer_id,
            made.s_agent_id == prior.p_agent,
            made.s_ticket_id != prior.p_ticket_id,
            prior.p_at <= made.s_created_at,
        ],
    )
    joined = joined.filter(gap <= window)
    return joined.group_by(
        ticket_id=joined.s_ticket_id,
        agent_id=joined.s_agent_id,
        created_at=joined.s_created_at,
        customer_id=joined.s_customer_id,
    ).agg(prior_ticket_id=joined.p_ticket_id.min())


def fast_comebacks(ctx: Context) -> ir.Table:
    """Tickets first solved within ``fast_solve_s`` that were reopened or came back as a
    disguised reopen: ticket_id, agent_id, came_back_at."""
    m = ctx.metrics()
    t = ctx.inputs.tickets
    follow = t.select(f_ticket_id=t.ticket_id, f_created_at=t.created_at)
    fast = m.filter(
        m.first_solved_at.notnull()
        & m.agent_id.notnull()
        & (seconds_between(m.created_at, m.first_solved_at) <= ctx.settings.gaming.fast_solve_s)
        & (m.reopened.fill_null(False) | m.disguised_reopen.fill_null(False))
    )
    j = fast.left_join(follow, fast.follow_up_ticket_id == follow.f_ticket_id)
    disguised_at = ibis.ifelse(
        j.disguised_reopen.fill_null(False), j.f_created_at, ibis.null("timestamp('UTC')")
    )
    reopened_at = ibis.ifelse(
        j.reopened.fill_null(False), j.first_reopened_at, ibis.null("timestamp('UTC')")
    )
    came_back = ibis.least(reopened_at, disguised_at)
    came_back = ibis.ifelse(reopened_at.isnull(), disguised_at, came_back)
    came_back = ibis.ifelse(disguised_at.isnull(), reopened_at, came_back)
    return j.select(ticket_id=j.ticket_id, agent_id=j.agent_id, came_back_at=came_back)


def _pending_sets(ctx: Context) -> ir.Table:
    e = ctx.inputs.events
    return e.filter(
        (e.kind == "status")
        & (e.status == "pending")
        & (e.actor_role == "agent")
        & e.actor_id.notnull()
        & (e.at <= as_of_literal(ctx.until))
    ).select(p_event=e.event_id, p_ticket=e.ticket_id, p_agent=e.actor_id, p_at=e.at)


def parkings(ctx: Context) -> ir.Table:
    """Pending set by an agent while the customer's public message is the latest one:
    event_id, ticket_id, agent_id, at."""
    e = ctx.inputs.events
    pend = _pending_sets(ctx)
    msgs = e.filter(
        (e.kind == "message") & e.public.fill_null(True) & e.actor_role.isin(["agent", "customer"])
    ).select(m_ticket=e.ticket_id, m_at=e.at, m_role=e.actor_role)
    j = pend.inner_join(msgs, [pend.p_ticket == msgs.m_ticket, msgs.m_at <= pend.p_at])
    null_ts = ibis.null("timestamp('UTC')")
    per = j.group_by(["p_event", "p_ticket", "p_agent", "p_at"]).agg(
        last_customer=ibis.ifelse(j.m_role == "customer", j.m_at, null_ts).max(),
        last_agent=ibis.ifelse(j.m_role == "agent", j.m_at, null_ts).max(),
    )
    parked = per.filter(
        per.last_customer.notnull()
        & (per.last_agent.isnull() | (per.last_customer > per.last_agent))
    )
    return parked.select(
        event_id=parked.p_event, ticket_id=parked.p_ticket, agent_id=parked.p_agent, at=parked.p_at
    )


def _judge(
    ctx: Context,
    counts: pd.DataFrame,
    num: str,
    den: str,
    min_num: int,
    min_den: int,
    ratio: float,
    daily: bool = False,
) -> pd.DataFrame:
    """Per agent and hour: the agent's share ``num/den`` over the trailing window ending
    with the hour vs the rest of the team's in the same window."""
    judged = trailing(ctx, counts, [num, den], ctx.settings.gaming.window_days)
    if daily and not judged.empty:
        local = judged["end"].dt.tz_convert(ctx.tz)
        judged = judged[(local.dt.hour == 0) & (local.dt.minute == 0)].reset_index(drop=True)
    if judged.empty:
        return judged.assign(flag=pd.Series(dtype=bool))
    teams = agent_teams(ctx)
    judged["team"] = judged["agent_id"].map(teams).fillna("")
    totals = judged.groupby(["team", "end"])[[num, den]].transform("sum")
    rest_num = totals[num] - judged[num]
    rest_den = totals[den] - judged[den]
    judged["share"] = judged[num] / judged[den].where(judged[den] > 0)
    judged["team_share"] = rest_num / rest_den.where(rest_den > 0)
    # a team share of zero would make any single case infinitely unusual: floor it at
    # half a case in the rest of the team's window
    floor = 0.5 / rest_den.where(rest_den > 0)
    judged["reference"] = pd.concat([judged["team_share"], floor], axis=1).max(axis=1)
    judged["ratio"] = judged["share"] / judged["reference"]
    judged["flag"] = (
        (judged[num] >= min_num)
        & (judged[den] >= min_den)
        & (judged["ratio"] >= ratio).fillna(False)
    )
    return judged


def _signals(
    ctx: Context,
    judged: pd.DataFrame,
    kind: str,
    texts: Callable[[str, pd.Series], tuple[str, str, str, str]],
    ids_for: Callable[[str, Any, Any], list[str]],
    num: str,
) -> list[Signal]:
    s = ctx.settings.gaming
    out: list[Signal] = []
    for agent, run in flagged_runs(judged):
        first = run.iloc[0]
        if not ctx.reportable(pd.Timestamp(first["end"]).to_pydatetime()):
            continue
        start, end = window_bounds(run, s.window_days)
        ev, count = evidence(ids_for(agent, start, end), ctx.settings.max_evidence)
        score = float(run["ratio"].max())
        title_en, title_ru, summary_en, summary_ru = texts(agent, first)
        out.append(
            Signal(
                kind=kind,
                subject_kind="agent_id",
                subject=agent,
                title_en=title_en,
                title_ru=title_ru,
                summary_en=summary_en,
                summary_ru=summary_ru,
                detected_at=pd.Timestamp(first["end"]).to_pydatetime(),
                window_start=start,
                window_end=end,
                score=score,
                score_name="ratio_to_team",
                baseline=float(first["team_share"]) if pd.notna(first["team_share"]) else 0.0,
                observed=float(first["share"]),
                unit="share",
                confidence=confidence_of(score, s.medium_at, s.high_at),
                evidence_ids=ev,
                evidence_count=count,
                details={"team": str(first["team"]), "count": int(first[num])},
            )
        )
    return out


def _ids_between(table: ir.Table, at: str, agent: str, start: Any, end: Any) -> list[str]:
    got = table.filter(
        (table.agent_id == agent)
        & (table[at] >= as_of_literal(start))
        & (table[at] < as_of_literal(end))
    )
    return [str(x) for x in got.select("ticket_id").to_pandas()["ticket_id"]]


def detect_splitting(ctx: Context) -> list[Signal]:
    s = ctx.settings.gaming
    splits = split_offs(ctx)
    t = ctx.inputs.tickets.filter(
        ctx.inputs.tickets.merged_into.isnull() & ctx.inputs.tickets.agent_id.notnull()
    )
    counts = pd.concat(
        [
            hourly(splits, "created_at", "agent_id", splits=splits.count()),
            hourly(t, "created_at", "agent_id", tickets=t.count()),
        ],
        ignore_index=True,
    ).fillna(0)
    judged = _judge(ctx, counts, "splits", "tickets", s.min_splits, 1, s.split_ratio)

    def texts(agent: str, row: pd.Series) -> tuple[str, str, str, str]:
        n, share, team = int(row["splits"]), row["share"], row["team_share"]
        return (
            "Possible ticket splitting",
            "Возможное дробление обращений",
            f"{agent} opened {n} tickets for customers who had just written ({share:.0%} of "
            f"their tickets vs {team:.1%} in the team). Review whether one problem was split "
            "into several tickets.",
            f"{agent} создал(а) {_tickets_ru(n)} для клиентов, только что написавших "
            f"({russian(share, '.0%')} своих обращений при {russian(team, '.1%')} в команде). "
            "Проверьте, не разбита ли одна проблема на несколько обращений.",
        )

    return _signals(
        ctx,
        judged,
        "ticket_splitting",
        texts,
        lambda a, lo, hi: _ids_between(splits, "created_at", a, lo, hi),
        "splits",
    )


def detect_fast_comebacks(ctx: Context) -> list[Signal]:
    s = ctx.settings.gaming
    m = ctx.metrics()
    back = fast_comebacks(ctx)
    solved = m.filter(m.first_solved_at.notnull() & m.agent_id.notnull())
    counts = pd.concat(
        [
            hourly(back, "came_back_at", "agent_id", comebacks=back.count()),
            hourly(solved, "first_solved_at", "agent_id", solves=solved.count()),
        ],
        ignore_index=True,
    ).fillna(0)
    judged = _judge(
        ctx,
        counts,
        "comebacks",
        "solves",
        s.min_fast_comebacks,
        s.min_solves,
        s.comeback_ratio,
        daily=True,
    )
    minutes = s.fast_solve_s / 60

    def texts(agent: str, row: pd.Series) -> tuple[str, str, str, str]:
        n, share, team = int(row["comebacks"]), row["share"], row["team_share"]
        return (
            "Fast closes that come back",
            "Быстрые закрытия с возвратами",
            f"{n} tickets {agent} solved within {minutes:.0f} min came back as reopens or new "
            f"tickets ({share:.0%} of their solves vs {team:.1%} in the team). Review whether "
            "tickets are closed before the problem is solved.",
            f"{_tickets_ru(n)}, решённых {agent} быстрее {russian(minutes, '.0f')} мин, вернулись "
            f"(переоткрыты или пришли заново): {russian(share, '.0%')} решений при "
            f"{russian(team, '.1%')} в команде. Проверьте, не закрываются ли обращения до "
            "решения проблемы.",
        )

    return _signals(
        ctx,
        judged,
        "fast_close_comebacks",
        texts,
        lambda a, lo, hi: _ids_between(back, "came_back_at", a, lo, hi),
        "comebacks",
    )


def detect_parking(ctx: Context) -> list[Signal]:
    s = ctx.settings.gaming
    parked = parkings(ctx)
    raw = _pending_sets(ctx)
    pend = raw.select(agent_id=raw.p_agent, at=raw.p_at)
    counts = pd.concat(
        [
            hourly(parked, "at", "agent_id", parked=parked.count()),
            hourly(pend, "at", "agent_id", pending=pend.count()),
        ],
        ignore_index=True,
    ).fillna(0)
    judged = _judge(
        ctx, counts, "parked", "pending", s.min_parked, s.min_pending_sets, s.parking_ratio
    )

    def texts(agent: str, row: pd.Series) -> tuple[str, str, str, str]:
        n, share, team = int(row["parked"]), row["share"], row["team_share"]
        return (
            "Tickets parked in pending",
            "Обращения «припаркованы» в ожидании",
            f"{agent} set {n} tickets to pending right after the customer wrote, without "
            f"replying ({share:.0%} of their pending changes vs {team:.1%} in the team). "
            "Review whether customers are left waiting while the clock is paused.",
            f"{agent} перевёл(а) {_tickets_ru(n)} в ожидание сразу после сообщения клиента, не "
            f"ответив ({russian(share, '.0%')} переводов в ожидание при "
            f"{russian(team, '.1%')} в команде). Проверьте, не ждут ли клиенты ответа при "
            "остановленных часах.",
        )

    return _signals(
        ctx,
        judged,
        "pending_parking",
        texts,
        lambda a, lo, hi: _ids_between(parked, "at", a, lo, hi),
        "parked",
    )
