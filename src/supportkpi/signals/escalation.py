"""Escalation spike: the day's escalation rate far above its recent baseline.

Rate of a local day = tickets first escalated during the day / demand tickets created
during the day. Both are known when the day ends, so the signal is raised at the end of
the first day that crosses. Baseline: median of the previous ``baseline_days`` judged
days (at least ``min_tickets`` each) and their MAD. A day is a spike when, all at once,

* it has at least ``min_escalations`` escalations,
* its rate is at least ``min_ratio`` x the baseline rate,
* its robust z-score ``(rate - median) / scale`` is at least ``min_z``, where ``scale`` is
  1.4826 x MAD but never below the binomial standard error of a day of that size,
* the binomial probability of that many escalations at the baseline rate is at most
  ``max_p``.

Spike days at most ``merge_gap_days`` apart are one signal. Its drivers compare the
escalated tickets of the spike with those of the baseline days: the types, tags and
products whose share grew.
"""

from __future__ import annotations

import math
from datetime import datetime

import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import as_of_literal
from supportkpi.signals.context import Context, binom_sf, hourly
from supportkpi.signals.model import Driver, Signal, confidence_of, evidence

__all__ = ["TOP_PRODUCT_LIFT", "daily_escalation_rates", "detect_escalation_spikes"]

TOP_PRODUCT_LIFT = 0.15
"""A product whose share of escalations grew by this much names the spike (its subject)
and its escalated tickets are the evidence."""


def daily_escalation_rates(ctx: Context) -> pd.DataFrame:
    """Per local day: ``day`` (local midnight), ``tickets``, ``escalations``, ``rate``."""
    m = ctx.metrics()
    demand = m.filter(m.is_demand)
    created = hourly(demand, "created_at", tickets=demand.count())
    esc = m.filter(m.first_escalated_at.notnull())
    escalated = hourly(esc, "first_escalated_at", escalations=esc.count())
    frame = pd.concat(
        [
            created.assign(day=ctx.local_day(created["hour"]))[["day", "tickets"]],
            escalated.assign(day=ctx.local_day(escalated["hour"]))[["day", "escalations"]],
        ]
    )
    if frame.empty:
        return pd.DataFrame(columns=["day", "tickets", "escalations", "rate"])
    days = frame.groupby("day", as_index=False).sum(numeric_only=True).fillna(0)
    days = days.sort_values("day").reset_index(drop=True)
    days["tickets"] = days["tickets"].astype(int)
    days["escalations"] = days["escalations"].astype(int)
    days["rate"] = days["escalations"] / days["tickets"].where(days["tickets"] > 0)
    return days


def _day_class(day: pd.Timestamp) -> int:
    """Weekdays share a baseline; Saturday and Sunday each have their own (escalations
    mostly happen on working days, so a weekend day's rate is not comparable)."""
    return min(int(day.weekday()), 5) if day.weekday() >= 5 else 0


def _judge(ctx: Context, days: pd.DataFrame) -> pd.DataFrame:
    s = ctx.settings.escalation
    rows = []
    flagged: set[pd.Timestamp] = set()
    usable = days[days["tickets"] >= s.min_tickets]
    classes = usable["day"].map(_day_class)
    for _, row in days.iterrows():
        end = ctx.day_end(row["day"])
        if end > ctx.until or row["tickets"] < s.min_tickets:
            continue
        lookback = row["day"] - pd.Timedelta(days=s.baseline_days)
        prior = usable[
            (usable["day"] < row["day"])
            & (usable["day"] >= lookback)
            & (classes == _day_class(row["day"]))
            & ~usable["day"].isin(flagged)
        ]
        if len(prior) < s.min_baseline_days:
            continue
        rates = prior["rate"].to_numpy(dtype=float)
        p0 = float(pd.Series(rates).median())
        mad = float(pd.Series(abs(rates - p0)).median())
        n, e = int(row["tickets"]), int(row["escalations"])
        rate = e / n
        floor = max(p0, 0.5 / n)
        scale = max(1.4826 * mad, math.sqrt(floor * (1 - floor) / n))
        z = (rate - p0) / scale
        p = binom_sf(e, n, floor)
        spike = (
            e >= s.min_escalations and rate >= s.min_ratio * floor and z >= s.min_z and p <= s.max_p
        )
        if spike:
            flagged.add(row["day"])
        rows.append(
            {
                "day": row["day"],
                "end": end,
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
    """Spike days at most ``gap_days`` apart form one incident (a weekend between two
    spike days does not split it)."""
    spikes = judged[judged["spike"]]
    runs: list[pd.DataFrame] = []
    start = 0
    days = list(spikes["day"])
    for i in range(1, len(days) + 1):
        if i == len(days) or (days[i] - days[i - 1]).days > gap_days + 1:
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


def detect_escalation_spikes(ctx: Context) -> list[Signal]:
    """One signal per run of consecutive spike days (see the module docstring)."""
    s = ctx.settings.escalation
    days = daily_escalation_rates(ctx)
    if days.empty:
        return []
    judged = _judge(ctx, days)
    if judged.empty:
        return []
    out: list[Signal] = []
    for run in _runs(judged, s.merge_gap_days):
        first = run.iloc[0]
        detected_at = first["end"]
        if not ctx.reportable(detected_at):
            continue
        start = ctx.day_end(first["day"] - pd.Timedelta(days=1))
        end = run.iloc[-1]["end"]
        base_start = ctx.day_end(first["day"] - pd.Timedelta(days=s.baseline_days + 1))
        drivers, ids = _drivers(ctx, start, end, base_start)
        observed = float(run["escalations"].sum() / run["tickets"].sum())
        baseline = float(first["baseline"])
        score = float(run["z"].max())
        products = [d for d in drivers if d.dimension == "product"]
        top = products[0] if products and products[0].lift >= TOP_PRODUCT_LIFT else None
        ev, count = evidence(ids, ctx.settings.max_evidence)
        what_en = f" led by product {top.value}" if top else ""
        what_ru = f", в основном продукт {top.value}" if top else ""
        days_n = len(run)
        out.append(
            Signal(
                kind="escalation_spike",
                subject_kind="product" if top else "desk",
                subject=top.value if top else "all",
                title_en="Escalation spike",
                title_ru="Всплеск эскалаций",
                summary_en=(
                    f"Escalation rate {observed:.1%} over {days_n} day(s) vs a baseline of "
                    f"{baseline:.1%}{what_en}: look for a product defect or a process problem."
                ),
                summary_ru=(
                    f"Доля эскалаций {observed:.1%} за {days_n} дн. при обычных "
                    f"{baseline:.1%}{what_ru}: проверьте, нет ли дефекта продукта или "
                    "проблемы в процессе."
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
                    "days": [
                        {
                            "day": r["day"].date().isoformat(),
                            "tickets": int(r["tickets"]),
                            "escalations": int(r["escalations"]),
                            "rate": float(r["rate"]),
                            "p": float(r["p"]),
                        }
                        for _, r in run.iterrows()
                    ]
                },
            )
        )
    return out
