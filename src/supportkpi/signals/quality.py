"""Quality concern: handling time far below the team's together with low FCR.

Very short handling is only suspicious when problems are not solved, so both must hold
over the agent's trailing ``window_days``:

* handling time <= ``aht_concern_ratio`` x the team median. Phone and chat agents are
  measured on contact AHT (talk + hold + wrap-up of handled contacts, from the contact
  metrics); agents with fewer than ``min_items`` handled contacts are measured on logged
  work seconds per solved ticket (from the ticket metrics). The team median is the median
  of the team's agents measured the same way (at least ``min_agents`` of them);
* first contact resolution (the ticket metrics' ``fcr``, over the agent's resolved
  tickets, at least ``min_resolved``) below the median of the team's agents.

Handling counts on the day the contact arrived or the ticket was first solved; FCR on the
day of the first solve, with the ticket's FCR as of the analysis end (a reopen or repeat
contact that came later still counts against it, so early days are not flattered).
This is a pattern to review with the person, not a verdict.
"""

from __future__ import annotations

import pandas as pd

from supportkpi.kpis._time import as_of_literal
from supportkpi.kpis.contacts import contact_metrics
from supportkpi.signals.agents import agent_teams, flagged_runs, trailing, window_bounds
from supportkpi.signals.context import Context, hourly
from supportkpi.signals.model import Signal, confidence_of, evidence

__all__ = ["detect_quality_concerns", "quality_table"]

COLUMNS = ("c_n", "c_handle", "t_n", "t_work", "f_n", "f_yes")


def _counts(ctx: Context) -> pd.DataFrame:
    m = ctx.metrics()
    c = contact_metrics(ctx.inputs, ctx.config)
    c = c.filter(
        c.handle_s.notnull() & c.agent_id.notnull() & (c.arrived_at < as_of_literal(ctx.until))
    )
    w = m.filter(m.work_seconds.notnull() & m.agent_id.notnull() & m.first_solved_at.notnull())
    f = m.filter(m.fcr.notnull() & m.agent_id.notnull() & m.first_solved_at.notnull())
    frames = [
        hourly(c, "arrived_at", "agent_id", c_n=c.count(), c_handle=c.handle_s.sum()),
        hourly(w, "first_solved_at", "agent_id", t_n=w.count(), t_work=w.work_seconds.sum()),
        hourly(f, "first_solved_at", "agent_id", f_n=f.count(), f_yes=f.fcr.cast("int64").sum()),
    ]
    return pd.concat(frames, ignore_index=True).fillna(0)


def quality_table(ctx: Context) -> pd.DataFrame:
    """Per agent and day: the trailing-window AHT, its basis, the team median, FCR and the
    team's FCR median, and whether the concern rule holds (``flag``)."""
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
    judged["fcr"] = (judged["f_yes"] / judged["f_n"]).where(judged["f_n"] >= s.min_resolved)
    grouped = judged.groupby(["team", "day", "basis"])["aht"]
    judged["team_aht"] = grouped.transform("median")
    judged["team_agents"] = grouped.transform("count")
    judged["team_fcr"] = judged.groupby(["team", "day"])["fcr"].transform("median")
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
    m = ctx.metrics()
    out: list[Signal] = []
    for agent, run in flagged_runs(judged):
        first = run.iloc[0]
        if not ctx.reportable(first["end"]):
            continue
        start, end = window_bounds(ctx, run, s.window_days)
        mine = m.filter(
            (m.agent_id == agent)
            & m.fcr.notnull()
            & ~m.fcr
            & (m.first_solved_at >= as_of_literal(start))
            & (m.first_solved_at < as_of_literal(end))
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
                    f"{agent}: {basis_ru} — {ratio:.0%} от медианы команды, решение с первого "
                    f"контакта {fcr:.0%} при {team_fcr:.0%} в команде. Проверьте, решаются ли "
                    "проблемы или обработка спешная."
                ),
                detected_at=first["end"],
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
