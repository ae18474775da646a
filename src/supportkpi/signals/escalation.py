"""Escalation spike: the share of recent tickets already escalated far above its baseline.

Judged at the end of every hour ``H`` on a window of the 24 hours before it: of the
demand tickets created in ``[H - 24 h, H)``, the share first escalated before ``H``. Both
are known at ``H``, so a spike is raised at the end of the first hour whose window
crosses, from nothing but the data recorded by then. Counting the window's own tickets
(a cohort) keeps a Monday morning comparable with other days: the weekend's tickets
escalated on Monday are outside its cohort.

Baseline: the windows ending at the same local hour on the previous ``baseline_days``
days of the same kind (weekdays together; Saturday and Sunday each alone: the desk
escalates on working days), skipping days that already held a spike, each with at least
``min_tickets``; their median rate and MAD, at least ``min_baseline_days`` of them. A
window is a spike when, all at once,

* it has at least ``min_escalations`` escalations,
* its rate is at least ``min_ratio`` x the baseline rate,
* its robust z-score ``(rate - median) / scale`` is at least ``min_z``, where ``scale`` is
  1.4826 x MAD but never below the binomial standard error of a window of that size,
* the binomial probability of that many escalations at the baseline rate is at most
  ``max_p``.

Spike windows at most ``merge_gap_days`` apart are one signal. Its drivers compare the
escalated tickets of the spike with those of the baseline days: the types, tags and
products whose share grew.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from supportkpi.kpis._time import as_of_literal, utc_period_key
from supportkpi.numbers import russian
from supportkpi.signals.context import Context, binom_sf, hourly
from supportkpi.signals.model import Driver, Signal, confidence_of, evidence

__all__ = ["TOP_PRODUCT_LIFT", "detect_escalation_spikes", "escalation_windows"]

TOP_PRODUCT_LIFT = 0.15
"""A product whose share of escalations grew by this much names the spike (its subject)
and its escalated tickets are the evidence."""

WINDOW_HOURS = 24


def escalation_windows(ctx: Context) -> pd.DataFrame:
    """One row per hour that ended by ``until``: ``end`` (UTC instant), ``day`` and
    ``hour`` (local midnight and local hour of the window's last hour), ``tickets``
    (demand tickets created in the 24 hours before ``end``), ``escalations`` (those of
    them first escalated before ``end``) and ``rate``."""
    columns = ["end", "day", "hour", "tickets", "escalations", "rate"]
    m = ctx.metrics()
    demand = m.filter(m.is_demand)
    created = hourly(demand, "created_at", tickets=demand.count())
    if created.empty:
        return pd.DataFrame(columns=columns)
    esc = demand.filter(demand.first_escalated_at.notnull())
    esc = esc.mutate(escalated_hour=utc_period_key(esc.first_escalated_at, "h"))
    pairs = hourly(esc, "created_at", "escalated_hour", n=esc.count())
    last = pd.Timestamp(ctx.until).floor("h") - pd.Timedelta(hours=1)
    hours = pd.date_range(created["hour"].min(), last, freq="h")
    if len(hours) == 0:
        return pd.DataFrame(columns=columns)
    made = created.groupby("hour")["tickets"].sum().reindex(hours, fill_value=0)
    tickets = made.rolling(WINDOW_HOURS, min_periods=1).sum().to_numpy()
    # a ticket created in hour bucket c and escalated in bucket x counts in the windows
    # whose last hour b satisfies x <= b <= c + 23: add it over that span
    change = np.zeros(len(hours) + 1)
    if not pairs.empty:
        start = hours[0]
        escalated = pd.to_datetime(pairs["escalated_hour"], utc=True)
        c = ((pairs["hour"] - start) // pd.Timedelta(hours=1)).to_numpy()
        x = ((escalated - start) // pd.Timedelta(hours=1)).to_numpy()
        lo = np.maximum(x, c)
        hi = np.minimum(c + WINDOW_HOURS - 1, len(hours) - 1)
        keep = (lo <= hi) & (c >= 0)
        np.add.at(change, lo[keep], pairs["n"].to_numpy()[keep])
        np.subtract.at(change, hi[keep] + 1, pairs["n"].to_numpy()[keep])
    escalations = np.cumsum(change)[: len(hours)]
    local = pd.Series(hours).dt.tz_convert(ctx.tz)
    frame = pd.DataFrame(
        {
            "end": hours + pd.Timedelta(hours=1),
            "day": local.dt.normalize().to_numpy(),
            "hour": local.dt.hour.to_numpy(),
            "tickets": tickets.astype(int),
            "escalations": np.rint(escalations).astype(int),
        }
    )
    frame["rate"] = frame["escalations"] / frame["tickets"].where(frame["tickets"] > 0)
    return frame


def _day_class(day: pd.Timestamp) -> int:
    """Weekdays share a baseline; Saturday and Sunday each have their own (escalations
    mostly happen on working days, so a weekend window's rate is not comparable)."""
    return int(day.weekday()) if day.weekday() >= 5 else 0


def _judge(ctx: Context, windows: pd.DataFrame) -> pd.DataFrame:
    s = ctx.settings.escalation
    rows = []
    flagged: set[pd.Timestamp] = set()
    usable = windows[windows["tickets"] >= s.min_tickets]
    ends = [pd.Timestamp(x) for x in usable["end"]]
    local_days = [pd.Timestamp(x) for x in usable["day"]]
    hours = [int(x) for x in usable["hour"]]
    counts = [
        (int(n), int(e)) for n, e in zip(usable["tickets"], usable["escalations"], strict=True)
    ]
    # (day, local hour) -> rate of the usable windows; a repeated hour (DST) keeps its last
    rate_at = {(d, h): e / n for d, h, (n, e) in zip(local_days, hours, counts, strict=True)}
    days = sorted(set(local_days))
    for end, day, hour, (n, e) in zip(ends, local_days, hours, counts, strict=True):
        lookback = day - pd.Timedelta(days=s.baseline_days)
        kind = _day_class(day)
        rates = [
            rate_at[(d, hour)]
            for d in days
            if lookback <= d < day
            and _day_class(d) == kind
            and d not in flagged
            and (d, hour) in rate_at
        ]
        if len(rates) < s.min_baseline_days:
            continue
        values = np.asarray(rates, dtype=float)
        p0 = float(np.median(values))
        mad = float(np.median(np.abs(values - p0)))
        rate = e / n
        floor = max(p0, 0.5 / n)
        scale = max(1.4826 * mad, math.sqrt(floor * (1 - floor) / n))
        z = (rate - p0) / scale
        p = binom_sf(e, n, floor)
        spike = (
            e >= s.min_escalations and rate >= s.min_ratio * floor and z >= s.min_z and p <= s.max_p
        )
        if spike:
            flagged.add(day)
        rows.append(
            {
                "end": end,
                "day": day,
                "tickets": n,
                "escalations": e,
                "rate": rate,
                "baseline": p0,
                "z": z,
                "p": p,
                "spike": spike,
            }
        )
    return pd.DataFrame(rows)


def _runs(judged: pd.DataFrame, gap_days: int) -> list[pd.DataFrame]:
    """Spike windows at most ``gap_days`` days apart form one incident (a weekend between
    two spike days does not split it)."""
    spikes = judged[judged["spike"]]
    runs: list[pd.DataFrame] = []
    start = 0
    ends = list(spikes["end"])
    gap = pd.Timedelta(days=gap_days + 1)
    for i in range(1, len(ends) + 1):
        if i == len(ends) or ends[i] - ends[i - 1] > gap:
            runs.append(spikes.iloc[start:i])
            start = i
    return [run for run in runs if not run.empty]


def _shares(table: ir.Table, column: str, total: int) -> dict[str, tuple[float, int]]:
    if total == 0:
        return {}
    counts = table.group_by(value=table[column]).agg(n=table.count()).to_pandas()
    counts = counts[counts["value"].notna()]
    return {str(r.value): (int(r.n) / total, int(r.n)) for r in counts.itertuples()}


def _drivers(
    ctx: Context, start: datetime, end: datetime, base_start: datetime
) -> tuple[list[Driver], list[str]]:
    m = ctx.metrics()
    esc = m.filter(m.first_escalated_at.notnull())
    spike = esc.filter(
        (esc.first_escalated_at >= as_of_literal(start))
        & (esc.first_escalated_at < as_of_literal(end))
    )
    base = esc.filter(
        (esc.first_escalated_at >= as_of_literal(base_start))
        & (esc.first_escalated_at < as_of_literal(start))
    )
    n_spike = int(spike.count().execute())
    n_base = int(base.count().execute())
    drivers: list[Driver] = []
    for dimension in ("type", "product", "tag"):
        if dimension == "tag":
            sp_t = spike.select(tag=spike.tags.unnest())
            bs_t = base.select(tag=base.tags.unnest())
            now, before = _shares(sp_t, "tag", n_spike), _shares(bs_t, "tag", n_base)
        else:
            now, before = _shares(spike, dimension, n_spike), _shares(base, dimension, n_base)
        for value, (share, count) in now.items():
            previous = before.get(value, (0.0, 0))[0]
            if share > previous:
                drivers.append(Driver(dimension, value, share, previous, count))
    drivers.sort(key=lambda d: (-d.lift, d.dimension, d.value))
    # evidence: the escalated tickets of the product that drives the spike, when one does
    products = [d for d in drivers if d.dimension == "product" and d.lift >= TOP_PRODUCT_LIFT]
    shown = spike.filter(spike["product"] == products[0].value) if products else spike
    ids = shown.select("ticket_id").to_pandas()["ticket_id"].tolist()
    return drivers[: ctx.settings.escalation.max_drivers], ids


def _window_details(row: pd.Series) -> dict[str, object]:
    return {
        "end": pd.Timestamp(row["end"]).isoformat(),
        "tickets": int(row["tickets"]),
        "escalations": int(row["escalations"]),
        "rate": float(row["rate"]),
        "baseline": float(row["baseline"]),
        "z": float(row["z"]),
        "p": float(row["p"]),
    }


def detect_escalation_spikes(ctx: Context) -> list[Signal]:
    """One signal per run of spike windows (see the module docstring). It is raised at
    the end of the run's first spike window (``observed`` and ``baseline`` are that
    window's); ``score`` is the run's highest z, and the drivers and evidence cover the
    escalations of the whole run."""
    s = ctx.settings.escalation
    windows = escalation_windows(ctx)
    if windows.empty:
        return []
    judged = _judge(ctx, windows)
    if judged.empty:
        return []
    out: list[Signal] = []
    for run in _runs(judged, s.merge_gap_days):
        first = run.iloc[0]
        detected_at = pd.Timestamp(first["end"]).to_pydatetime()
        if not ctx.reportable(detected_at):
            continue
        start = detected_at - timedelta(hours=WINDOW_HOURS)
        end = pd.Timestamp(run.iloc[-1]["end"]).to_pydatetime()
        base_start = start - timedelta(days=s.baseline_days)
        drivers, ids = _drivers(ctx, start, end, base_start)
        observed = float(first["rate"])
        baseline = float(first["baseline"])
        score = float(run["z"].max())
        products = [d for d in drivers if d.dimension == "product"]
        top = products[0] if products and products[0].lift >= TOP_PRODUCT_LIFT else None
        ev, count = evidence(ids, ctx.settings.max_evidence)
        what_en = f" led by product {top.value}" if top else ""
        what_ru = f", в основном продукт {top.value}" if top else ""
        peak = run.iloc[int(np.argmax(run["z"].to_numpy(dtype=float)))]
        out.append(
            Signal(
                kind="escalation_spike",
                subject_kind="product" if top else "desk",
                subject=top.value if top else "all",
                title_en="Escalation spike",
                title_ru="Всплеск эскалаций",
                summary_en=(
                    f"{observed:.1%} of the tickets created in the last 24 hours were "
                    f"escalated vs a baseline of {baseline:.1%}{what_en}: look for a product "
                    "defect or a process problem."
                ),
                summary_ru=(
                    f"Эскалировано {russian(observed, '.1%')} обращений, созданных за "
                    f"последние 24 часа, при обычных {russian(baseline, '.1%')}{what_ru}: "
                    "проверьте, нет ли дефекта продукта или проблемы в процессе."
                ),
                detected_at=detected_at,
                window_start=start,
                window_end=end,
                score=score,
                score_name="robust_z",
                baseline=baseline,
                observed=observed,
                unit="share",
                confidence=confidence_of(score, s.medium_at, s.high_at),
                drivers=tuple(drivers),
                evidence_ids=ev,
                evidence_count=count,
                details={
                    "window_hours": WINDOW_HOURS,
                    "first": _window_details(first),
                    "peak": _window_details(peak),
                    "spike_windows": len(run),
                },
            )
        )
    return out
