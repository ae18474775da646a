"""Volume drop: a channel's hourly arrivals far below what that hour normally brings.

Volume of a channel in an hour = contacts that arrived (phone, chat) + tickets created
that no contact belongs to (so a call that became a ticket counts once). Agent-created
tickets are not demand and are left out.

Expected arrivals of a local hour = ``baseline_margin`` x the trimmed mean (lowest and
highest dropped) of the same local hour on the last ``baseline_values`` comparable days
within ``baseline_days``: weekdays are compared with weekdays, Saturdays with Saturdays,
Sundays with Sundays; public holidays and closed dates of the channel's schedule
(``[schedule_for.channel]``, else the default schedule) are neither judged nor used, so a
quiet Good Friday raises nothing. Hours expecting fewer than ``min_hour_baseline``
arrivals (nights, closed hours) are ignored. A drop is a run of consecutive judged hours
(up to six) ending at an hour where

* the expected total is at least ``min_run_baseline``,
* observed / expected is at most ``max_ratio``,
* the Poisson probability of seeing so few is at most ``max_p``.

The signal is raised at the end of the first hour that completes such a run ("check the
channel") and covers the following hours while they stay low.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from supportkpi.numbers import russian
from supportkpi.signals.context import Context, hourly, poisson_cdf
from supportkpi.signals.model import Signal, confidence_of, evidence

__all__ = ["detect_volume_drops", "hourly_volume"]

MAX_RUN_HOURS = 6


def hourly_volume(ctx: Context) -> pd.DataFrame:
    """Arrivals per channel and UTC hour (``channel``, ``hour``, ``n``), counted in the
    engine."""
    c = ctx.inputs.contacts
    t = ctx.inputs.tickets
    linked = c.filter(c.ticket_id.notnull()).select(linked_id=c.ticket_id).distinct()
    alone = t.anti_join(linked, t.ticket_id == linked.linked_id)
    alone = alone.filter(alone.created_by.fill_null("customer") != "agent")
    frames = [
        hourly(c, "arrived_at", "channel", n=c.count()),
        hourly(alone, "created_at", "channel", n=alone.count()),
    ]
    both = pd.concat(frames, ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=["channel", "hour", "n"])
    summed: pd.DataFrame = both.groupby(["channel", "hour"], as_index=False).agg(n=("n", "sum"))
    return summed


def _grid(ctx: Context, counts: pd.DataFrame) -> pd.DataFrame:
    """Every channel x local hour from the first arrival to ``until``, zeros filled."""
    first = counts["hour"].min()
    hours = pd.date_range(first, ctx.until, freq="h", tz=UTC, inclusive="left")
    full = pd.MultiIndex.from_product([sorted(counts["channel"].unique()), hours])
    grid = (
        counts.set_index(["channel", "hour"])["n"]
        .reindex(full, fill_value=0)
        .rename_axis(["channel", "hour"])
        .reset_index()
    )
    local = grid["hour"].dt.tz_convert(ctx.tz)
    grid["date"] = local.dt.date
    grid["clock"] = local.dt.hour
    weekday = local.dt.day_of_week
    grid["kind"] = np.where(weekday < 5, 0, weekday)
    grid["holiday"] = False
    if ctx.settings.volume.skip_holidays:
        first, last = grid["date"].min(), grid["date"].max()
        for channel in grid["channel"].unique():
            days = ctx.holidays(first, last, ctx.channel_schedule(str(channel)))
            mine = grid["channel"] == channel
            grid.loc[mine, "holiday"] = grid.loc[mine, "date"].isin(days)
    return grid


def _expected(ctx: Context, grid: pd.DataFrame) -> pd.Series:
    """Expected arrivals per row of ``grid`` from comparable earlier days."""
    s = ctx.settings.volume
    out = pd.Series(np.nan, index=grid.index)
    usable = grid[~grid["holiday"]]
    for _, group in usable.groupby(["channel", "clock", "kind"]):
        values = group["n"].to_numpy(dtype=float)
        dates = pd.to_datetime(group["date"]).to_numpy()
        for j, idx in enumerate(group.index):
            lo = dates[j] - np.timedelta64(s.baseline_days, "D")
            prior = values[:j][dates[:j] >= lo][-s.baseline_values :]
            if len(prior) < s.min_baseline_values:
                continue
            trimmed = np.sort(prior)[1:-1] if len(prior) >= 4 else prior
            out[idx] = s.baseline_margin * float(trimmed.mean())
    return out


def _best_run(
    obs: list[float], exp: list[float], ctx: Context
) -> tuple[int, float, float, float] | None:
    """Among runs ending at the last element, the one with the smallest Poisson
    probability that passes every rule: (length, observed, expected, p)."""
    s = ctx.settings.volume
    best: tuple[int, float, float, float] | None = None
    total_o = total_e = 0.0
    for length in range(1, min(MAX_RUN_HOURS, len(obs)) + 1):
        total_o += obs[-length]
        total_e += exp[-length]
        if total_e < s.min_run_baseline or total_o > s.max_ratio * total_e:
            continue
        p = poisson_cdf(total_o, total_e)
        if p <= s.max_p and (best is None or p < best[3]):
            best = (length, total_o, total_e, p)
    return best


def _signal(ctx: Context, channel: str, hits: list[dict[str, Any]]) -> Signal:
    s = ctx.settings.volume
    first = hits[0]
    start: datetime = first["start"]
    end: datetime = hits[-1]["end"]
    observed = float(sum(h["observed"] for h in hits if h["end"] > start))
    score = max(-math.log10(max(h["p"], 1e-300)) for h in hits)
    ids = _evidence(ctx, channel, start, end)
    ev, count = evidence(ids, ctx.settings.max_evidence)
    hours = (end - start).total_seconds() / 3600
    return Signal(
        kind="volume_drop",
        subject_kind="channel",
        subject=channel,
        title_en=f"Volume drop on {channel}",
        title_ru=f"Провал обращений в канале {channel}",
        summary_en=(
            f"{channel}: {first['observed']:.0f} arrivals where about {first['expected']:.1f} "
            f"were expected ({hours:.0f} h so far). Check the channel: it may be broken."
        ),
        summary_ru=(
            f"{channel}: {russian(first['observed'], '.0f')} обращений вместо ожидаемых примерно "
            f"{russian(first['expected'], '.1f')} (уже {russian(hours, '.0f')} ч). Проверьте "
            "канал: он может не работать."
        ),
        detected_at=first["end"],
        window_start=start,
        window_end=end,
        score=score,
        score_name="-log10_p",
        baseline=float(first["expected"]),
        observed=float(first["observed"]),
        unit="arrivals",
        confidence=confidence_of(score, s.medium_at, s.high_at),
        evidence_ids=ev,
        evidence_count=count,
        details={"hours": len(hits), "observed_total": observed, "p": float(first["p"])},
    )


def _evidence(ctx: Context, channel: str, start: datetime, end: datetime) -> list[str]:
    """The contacts and tickets that still came through during the drop."""
    from supportkpi.kpis._time import as_of_literal

    lo, hi = as_of_literal(start), as_of_literal(end)
    c, t = ctx.inputs.contacts, ctx.inputs.tickets
    ids: list[str] = []
    got = c.filter((c.channel == channel) & (c.arrived_at >= lo) & (c.arrived_at < hi))
    ids += got.select("contact_id").to_pandas()["contact_id"].tolist()
    got_t = t.filter((t.channel == channel) & (t.created_at >= lo) & (t.created_at < hi))
    ids += got_t.select("ticket_id").to_pandas()["ticket_id"].tolist()
    return ids


def detect_volume_drops(ctx: Context) -> list[Signal]:
    """One signal per drop (see the module docstring)."""
    s = ctx.settings.volume
    counts = hourly_volume(ctx)
    if counts.empty:
        return []
    grid = _grid(ctx, counts)
    grid["expected"] = _expected(ctx, grid)
    out: list[Signal] = []
    for channel, rows in grid.groupby("channel", sort=True):
        obs: list[float] = []
        exp: list[float] = []
        starts: list[datetime] = []
        hits: list[dict[str, Any]] = []
        for row in rows.to_dict("records"):
            judged = (
                not row["holiday"]
                and not math.isnan(row["expected"])
                and row["expected"] >= s.min_hour_baseline
            )
            if not judged:
                obs, exp, starts = [], [], []
                if hits:
                    out.append(_signal(ctx, str(channel), hits))
                    hits = []
                continue
            hour: datetime = pd.Timestamp(row["hour"]).to_pydatetime()
            obs.append(float(row["n"]))
            exp.append(float(row["expected"]))
            starts.append(hour)
            run = _best_run(obs, exp, ctx)
            if run is None:
                if hits:
                    out.append(_signal(ctx, str(channel), hits))
                    hits = []
                continue
            length, o, e, p = run
            hits.append(
                {
                    "start": starts[-length] if not hits else hits[0]["start"],
                    "end": hour + pd.Timedelta(hours=1),
                    "observed": o,
                    "expected": e,
                    "p": p,
                }
            )
        if hits:
            out.append(_signal(ctx, str(channel), hits))
    return [sig for sig in out if ctx.reportable(sig.detected_at)]
