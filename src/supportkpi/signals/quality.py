"""Quality concern: handling time far below the team's together with low FCR.

Very short handling is only suspicious when problems are not solved, so both must hold
over the agent's trailing ``window_days``:

* handling time <= ``aht_concern_ratio`` x the team median. Phone and chat agents are
  measured on contact AHT (talk + hold + wrap-up of handled contacts, from the contact
  metrics); agents with fewer than ``min_items`` handled contacts are measured on the
  work seconds logged per ticket up to its first solve. The team median is the median
  of the team's agents measured the same way (at least ``min_agents`` of them);
* first contact resolution (the ticket metrics' ``fcr``, over the agent's resolved
  tickets, at least ``min_resolved``) below the median of the team's agents.

Everything counts at the instant it became known, and every hour is judged on the
trailing ``window_days`` x 24 hours that end with it: a contact's handling when it ended,
a ticket's work at its first solve; FCR *as known then*: a ticket joins the FCR population
at its first solve and counts as a miss from the instant the miss showed (at the solve
when it took more than one reply, at the first reopen, at the repeat contact's creation).
A later reopen or repeat contact counts from when it happens, never earlier, so no hour
is judged on facts that came after it; the team's FCR is measured the same way.
This is a pattern to review with the person, not a verdict.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import as_of_literal
from supportkpi.kpis.contacts import contact_metrics
from supportkpi.numbers import russian
from supportkpi.signals.agents import agent_teams, flagged_runs, trailing, window_bounds
from supportkpi.signals.context import Context, hourly
from supportkpi.signals.model import Signal, confidence_of, evidence

__all__ = [
    "detect_quality_concerns",
    "fcr_facts",
    "handled_contacts",
    "quality_table",
    "work_to_first_solve",
]

COLUMNS = ("c_n", "c_handle", "t_n", "t_work", "f_n", "f_miss")


def fcr_facts(ctx: Context) -> ir.Table:
    """Per first-solved ticket with an agent: ``solved_at`` (its first solve) and
    ``missed_at``, the instant its FCR miss became known (null while it is a success).

    A miss by a reopen shows at the first reopen; by a repeat contact at the follow-up
    ticket's creation (when the ticket metrics name it; else at the analysis end, the
    latest it can show); otherwise (more than one reply) at the first solve. A ticket
    reopened and not solved again has no FCR in the ticket metrics, yet it was a first
    solve and a miss: it is counted as one."""
    m = ctx.metrics()
    t = ctx.inputs.tickets
    base = m.filter(
        m.agent_id.notnull()
        & m.first_solved_at.notnull()
        & (m.fcr.notnull() | (m.reopens.fill_null(0) > 0))
    )
    follow = t.select(f_ticket_id=t.ticket_id, f_created_at=t.created_at)
    j = base.left_join(follow, base.follow_up_ticket_id == follow.f_ticket_id)
    null_ts = ibis.null("timestamp('UTC')")
    reopened = j.reopens.fill_null(0) > 0
    repeat = j.repeat_contact.fill_null(False)
    repeat_at = j.f_created_at.fill_null(as_of_literal(ctx.until))
    missed = ~j.fcr.fill_null(False)
    missed_at = ibis.cases(
        (~missed, null_ts),
        (reopened, j.first_reopened_at),
        (repeat, repeat_at),
        else_=j.first_solved_at,
    )
    return j.select(
        ticket_id=j.ticket_id,
        agent_id=j.agent_id,
        solved_at=j.first_solved_at,
        missed_at=missed_at,
    )


def handled_contacts(ctx: Context) -> ir.Table:
    """Handled contacts with their handling time and ``known_at``, the instant it is
    known: when the contact ended (its arrival when the source has no end), before the
    analysis end: agent_id, known_at, handle_s. The wrap-up that follows the end (minutes)
    is counted with it."""
    c = contact_metrics(ctx.inputs, ctx.config)
    raw = ctx.inputs.contacts
    ends = raw.select(e_contact_id=raw.contact_id, e_ended_at=raw.ended_at)
    j = c.left_join(ends, c.contact_id == ends.e_contact_id)
    j = j.mutate(known_at=ibis.coalesce(j.e_ended_at, j.arrived_at))
    j = j.filter(j.handle_s.notnull() & j.agent_id.notnull())
    j = j.filter(j.known_at < as_of_literal(ctx.until))
    return j.select("agent_id", "known_at", "handle_s")


def work_to_first_solve(ctx: Context) -> ir.Table:
    """Per first-solved ticket with an agent and logged work before its first solve:
    agent_id, first_solved_at, work_s (the work logged up to the first solve, so that a
    reopen's later work is not counted at the first solve)."""
    m = ctx.metrics()
    e = ctx.inputs.events
    work = e.filter((e.kind == "work") & e.work_seconds.notnull()).select(
        w_ticket_id=e.ticket_id, w_at=e.at, w_s=e.work_seconds
    )
    solved = m.filter(m.agent_id.notnull() & m.first_solved_at.notnull()).select(
        "ticket_id", "agent_id", "first_solved_at"
    )
    j = solved.inner_join(
        work, (solved.ticket_id == work.w_ticket_id) & (work.w_at <= solved.first_solved_at)
    )
    return j.group_by(["ticket_id", "agent_id", "first_solved_at"]).agg(work_s=j.w_s.sum())


def _counts(ctx: Context) -> pd.DataFrame:
    c = handled_contacts(ctx)
    w = work_to_first_solve(ctx)
    f = fcr_facts(ctx)
    miss = f.filter(f.missed_at.notnull() & (f.missed_at < as_of_literal(ctx.until)))
    frames = [
        hourly(c, "known_at", "agent_id", c_n=c.count(), c_handle=c.handle_s.sum()),
        hourly(w, "first_solved_at", "agent_id", t_n=w.count(), t_work=w.work_s.sum()),
        hourly(f, "solved_at", "agent_id", f_n=f.count()),
        hourly(miss, "missed_at", "agent_id", f_miss=miss.count()),
    ]
    return pd.concat(frames, ignore_index=True).fillna(0)


def quality_table(ctx: Context) -> pd.DataFrame:
    """Per agent and judged hour (``end``): the trailing-window AHT, its basis, the team
    median, FCR and the team's FCR median, and whether the concern rule holds (``flag``)."""
    s = ctx.settings.quality
    counts = _counts(ctx)
    for col in COLUMNS:
        if col not in counts.columns:
            counts[col] = 0.0
    judged = trailing(ctx, counts, list(COLUMNS), s.window_days)
    if judged.empty:
        return judged.assign(flag=pd.Series(dtype=bool))
    judged["team"] = judged["agent_id"].map(agent_teams(ctx)).fillna("")
    contact = judged["c_n"] >= s.min_items
    ticket = ~contact & (judged["t_n"] >= s.min_items)
    judged["basis"] = "contact"
    judged.loc[ticket, "basis"] = "ticket"
    judged.loc[~contact & ~ticket, "basis"] = ""
    judged["aht"] = (judged["c_handle"] / judged["c_n"]).where(contact)
    judged.loc[ticket, "aht"] = judged["t_work"] / judged["t_n"]
    judged["fcr"] = (1 - judged["f_miss"] / judged["f_n"]).where(judged["f_n"] >= s.min_resolved)
    grouped = judged.groupby(["team", "end", "basis"])["aht"]
    judged["team_aht"] = grouped.transform("median")
    judged["team_agents"] = grouped.transform("count")
    judged["team_fcr"] = judged.groupby(["team", "end"])["fcr"].transform("median")
    judged["ratio"] = judged["aht"] / judged["team_aht"]
    limit = ctx.aht_concern_ratio()
    judged["flag"] = (
        (judged["basis"] != "")
        & (judged["team_agents"] >= s.min_agents)
        & (judged["ratio"] <= limit).fillna(False)
        & (judged["fcr"] < judged["team_fcr"]).fillna(False)
    )
    return judged


def detect_quality_concerns(ctx: Context) -> list[Signal]:
    s = ctx.settings.quality
    judged = quality_table(ctx)
    if judged.empty:
        return []
    facts = fcr_facts(ctx)
    out: list[Signal] = []
    for agent, run in flagged_runs(judged):
        first = run.iloc[0]
        detected_at = pd.Timestamp(first["end"]).to_pydatetime()
        if not ctx.reportable(detected_at):
            continue
        start, end = window_bounds(run, s.window_days)
        mine = facts.filter(
            (facts.agent_id == agent)
            & facts.missed_at.notnull()
            & (facts.missed_at < as_of_literal(end))
            & (facts.solved_at >= as_of_literal(start))
            & (facts.solved_at < as_of_literal(end))
        )
        ids = [str(x) for x in mine.select("ticket_id").to_pandas()["ticket_id"]]
        ev, count = evidence(ids, ctx.settings.max_evidence)
        ratio, fcr, team_fcr = float(first["ratio"]), float(first["fcr"]), float(first["team_fcr"])
        score = float((1.0 / run["ratio"]).max())
        basis_en = "contact AHT" if first["basis"] == "contact" else "work time per ticket"
        basis_ru = (
            "AHT звонков/чатов" if first["basis"] == "contact" else "время работы на обращение"
        )
        out.append(
            Signal(
                kind="quality_concern",
                subject_kind="agent_id",
                subject=agent,
                title_en="Short handling with low first contact resolution",
                title_ru="Короткая обработка при низком решении с первого контакта",
                summary_en=(
                    f"{agent}: {basis_en} is {ratio:.0%} of the team median while FCR is "
                    f"{fcr:.0%} vs the team's {team_fcr:.0%}. Review whether problems are "
                    "solved or rushed."
                ),
                summary_ru=(
                    f"{agent}: {basis_ru} — {russian(ratio, '.0%')} от медианы команды, "
                    f"решение с первого контакта {russian(fcr, '.0%')} при "
                    f"{russian(team_fcr, '.0%')} в команде. Проверьте, решаются ли проблемы "
                    "или обработка спешная."
                ),
                detected_at=detected_at,
                window_start=start,
                window_end=end,
                score=score,
                score_name="team_aht_over_agent_aht",
                baseline=float(first["team_aht"]),
                observed=float(first["aht"]),
                unit="seconds",
                confidence=confidence_of(score, s.medium_at, s.high_at),
                evidence_ids=ev,
                evidence_count=count,
                details={
                    "team": str(first["team"]),
                    "basis": str(first["basis"]),
                    "fcr": fcr,
                    "team_fcr": team_fcr,
                },
            )
        )
    return out
