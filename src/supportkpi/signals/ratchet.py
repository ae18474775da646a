"""Target ratchet: a team that beats its resolution target week after week gets a tighter
one proposed, with the weekly figures as evidence.

Per team (the ticket's team) and local week (Monday to Sunday), the ``percentile`` of full
resolution time of the tickets whose final solve fell in the week (known when the week
ends); weeks starting within seven days of the first ticket are skipped (they only see
tickets that were solved quickly). Weeks with fewer than ``min_tickets`` solves are
skipped without breaking a streak.
When ``periods`` judged weeks in a row are below the target and their least-squares
line falls by at least ``min_improvement`` of the worst week (handling that shrinks, not
a team that merely sits below a loose target), the proposal is the highest
of those weekly values rounded up to ``round_to_s``; it is raised at the end of the last
week of the streak when it is tighter than the target. The proposal then becomes the
target the team is measured against, so a team that keeps improving gets the next step
later. Alongside, the slope (seconds per week, least squares) of the weekly values and of
the mean logged work time per ticket show whether handling is shrinking.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd

from supportkpi.kpis._time import as_of_literal
from supportkpi.numbers import russian
from supportkpi.signals.context import Context
from supportkpi.signals.model import Signal, confidence_of

__all__ = ["detect_target_ratchets", "weekly_resolution"]


def weekly_resolution(ctx: Context) -> pd.DataFrame:
    """Per team and local week that ended by ``until``: week (local Monday), end, tickets,
    value (the percentile, seconds), work (mean logged work seconds per ticket)."""
    s = ctx.settings.ratchet
    m = ctx.metrics()
    solved = m.filter(
        m.solved_at.notnull()
        & m.full_resolution_s.notnull()
        & m.team.notnull()
        & (m.solved_at < as_of_literal(ctx.until))
    )
    frame = solved.select("ticket_id", "team", "solved_at", "full_resolution_s", "work_seconds")
    data = frame.to_pandas()
    if data.empty:
        return pd.DataFrame(columns=["team", "week", "end", "tickets", "value", "work"])
    local = pd.to_datetime(data["solved_at"], utc=True).dt.tz_convert(ctx.tz)
    day = local.dt.normalize()
    data["week"] = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    grouped = data.groupby(["team", "week"])
    out = grouped.agg(
        tickets=("ticket_id", "size"),
        value=("full_resolution_s", lambda v: float(np.quantile(v, s.percentile))),
        work=("work_seconds", "mean"),
    ).reset_index()
    out["end"] = [ctx.day_end(w + pd.Timedelta(days=6)) for w in out["week"]]
    # a week must start a full week after the first ticket: earlier weeks only see the
    # tickets that happened to be solved quickly
    first = pd.Timestamp(m.created_at.min().execute())
    first = first.tz_localize("UTC") if first.tzinfo is None else first
    warm = first.tz_convert(ctx.tz).normalize() + pd.Timedelta(days=7)
    keep = (out["end"] <= pd.Timestamp(ctx.until)) & (out["week"] >= warm)
    done: pd.DataFrame = out[keep].reset_index(drop=True)
    return done


def _slope(values: list[float]) -> float | None:
    clean = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(clean) < 2:
        return None
    x = np.array([c[0] for c in clean], dtype=float)
    y = np.array([c[1] for c in clean], dtype=float)
    return float(np.polyfit(x, y, 1)[0])


def _shrink(values: list[float]) -> float:
    """How much the least-squares line through ``values`` falls from the first to the last
    week, as a share of the worst week (negative when it rises). A team whose weekly
    values only wobble below the target has shown no improvement to ratchet on."""
    slope = _slope(values)
    if slope is None or max(values) <= 0:
        return 0.0
    return -slope * (len(values) - 1) / max(values)


def _days(seconds: float, lang: str = "en") -> str:
    days = seconds / 86400
    return russian(days, ".1f") if lang == "ru" else f"{days:.1f}"


def detect_target_ratchets(ctx: Context) -> list[Signal]:
    s = ctx.settings.ratchet
    weeks = weekly_resolution(ctx)
    out: list[Signal] = []
    pct = round(s.percentile * 100)
    for team, rows in weeks.groupby("team", sort=True):
        target = float(s.team_targets.get(str(team), s.target_s))
        streak: list[dict[str, object]] = []
        records: list[dict[str, object]] = [
            {str(k): v for k, v in r.items()} for r in rows.sort_values("week").to_dict("records")
        ]
        for row in records:
            if int(str(row["tickets"])) < s.min_tickets:
                continue
            if float(str(row["value"])) >= target:
                streak = []
                continue
            streak.append(row)
            if len(streak) < s.periods:
                continue
            values = [float(str(r["value"])) for r in streak]
            proposal = math.ceil(max(values) / s.round_to_s) * s.round_to_s
            shrank = s.min_improvement == 0 or _shrink(values) >= s.min_improvement
            if proposal >= target or not shrank:
                streak = streak[1:]
                continue
            detected_at: datetime = pd.Timestamp(str(row["end"])).to_pydatetime()
            score = target / max(values)
            trend = _slope(values)
            work_trend = _slope([float(str(r["work"])) for r in streak])
            if ctx.reportable(detected_at):
                out.append(
                    _signal(ctx, str(team), target, proposal, streak, score, trend, work_trend, pct)
                )
            target = proposal
            streak = []
    return out


def _signal(
    ctx: Context,
    team: str,
    target: float,
    proposal: float,
    streak: list[dict[str, object]],
    score: float,
    trend: float | None,
    work_trend: float | None,
    pct: int,
) -> Signal:
    s = ctx.settings.ratchet
    values = [float(str(r["value"])) for r in streak]
    shrinking = trend is not None and trend < 0
    trend_en = "and still shrinking" if shrinking else "steady"
    trend_ru = "и продолжает сокращаться" if shrinking else "стабильно"
    start: datetime = pd.Timestamp(str(streak[0]["week"])).tz_convert("UTC").to_pydatetime()
    end: datetime = pd.Timestamp(str(streak[-1]["end"])).to_pydatetime()
    return Signal(
        kind="target_ratchet",
        subject_kind="team",
        subject=team,
        title_en="Resolution target can be tightened",
        title_ru="Цель по времени решения можно ужесточить",
        summary_en=(
            f"{team} beat its p{pct} resolution target of {_days(target)} days for "
            f"{len(streak)} weeks in a row (at most {_days(max(values))} days, {trend_en}). "
            f"Proposed new target: {_days(proposal)} days."
        ),
        summary_ru=(
            f"{team} {len(streak)} недели подряд укладывается в цель p{pct} по времени "
            f"решения {_days(target, 'ru')} дн. (не более {_days(max(values), 'ru')} дн., "
            f"{trend_ru}). Предлагаемая новая цель: {_days(proposal, 'ru')} дн."
        ),
        detected_at=end,
        window_start=start,
        window_end=end,
        score=score,
        score_name="target_over_worst_week",
        baseline=target,
        observed=max(values),
        unit="seconds",
        confidence=confidence_of(score, s.medium_at, s.high_at),
        evidence_ids=(),
        evidence_count=int(sum(int(str(r["tickets"])) for r in streak)),
        details={
            "proposed_target_s": proposal,
            "current_target_s": target,
            "percentile": s.percentile,
            "weeks": [
                {
                    "week": pd.Timestamp(str(r["week"])).date().isoformat(),
                    "value_s": float(str(r["value"])),
                    "tickets": int(str(r["tickets"])),
                    "work_per_ticket_s": float(str(r["work"])),
                }
                for r in streak
            ],
            "trend_s_per_week": trend,
            "work_trend_s_per_week": work_trend,
        },
    )
