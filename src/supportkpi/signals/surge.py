"""Request surge: requests about one product, type or tag far above their usual share.

A product defect shows first in what customers write about, hours or days before the
desk escalates anything (nobody escalates on a weekend the desk is closed). The
detector counts demand requests (tickets not created by an agent and not merged into
another) per UTC hour for every value of the watched dimensions: ``type``, ``product``,
``tag`` and ``type+product`` (a type and a product together, e.g. defect reports about
one router). At the end of every hour ``H`` and for each window length ``L`` of
``windows_hours``, the window ``[H - L, H)`` is judged:

* ``k`` = the value's requests in the window, ``n`` = all requests in the window;
* baseline share ``p0`` = the value's share of all requests in the ``baseline_days`` before
  the window, which need at least ``min_baseline_requests`` requests, and the data must
  reach back ``min_baseline_days`` before the window;
* a surge when ``k >= min_requests``, ``k / n >= min_ratio x p0`` and the binomial
  probability of ``k`` or more out of ``n`` at ``p0`` is at most ``max_p``.

Comparing shares rather than counts makes the rule indifferent to the hour of the day,
the weekday, holidays and growth: a quiet Sunday or a busy Monday moves every value
together, so a week of history is enough and weekend surges are judged like any other.

Surge hours of any values at most ``merge_gap_hours`` apart are one signal. Its subject is
the value with the smallest probability in the first surge hour (a product when a product
is part of it); every value that surged during the signal is a driver, the lead first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from supportkpi.kpis._time import as_of_literal
from supportkpi.numbers import russian
from supportkpi.signals.context import Context, binom_sf, hourly
from supportkpi.signals.model import Driver, Signal, confidence_of, evidence

__all__ = ["Surge", "detect_request_surges", "request_counts", "surge_hours"]

PAIR = "type+product"
_SEP = "\x1f"  # joins a type and a product into one series key (never in a value)


@dataclass(frozen=True)
class Surge:
    """One judged window that met the rule: the hour it ends, the series and the figures."""

    end: datetime
    dimension: str
    value: str
    hours: int
    requests: int
    total: int
    share: float
    baseline_share: float
    p: float

    @property
    def score(self) -> float:
        return -math.log10(max(self.p, 1e-300))

    @property
    def label(self) -> str:
        return self.value.replace(_SEP, " / ")


def _demand(ctx: Context) -> ir.Table:
    t = ctx.inputs.tickets
    return t.filter(
        (t.created_by.fill_null("customer") != "agent")
        & t.merged_into.isnull()
        & (t.created_at < as_of_literal(ctx.until))
    )


def request_counts(ctx: Context) -> tuple[pd.Series, pd.DataFrame]:
    """Requests per UTC hour: the total (a Series indexed by hour, every hour from the
    first request to ``until``) and a matrix of the watched series (hours x ``dimension``,
    ``value`` columns), counted in the engine."""
    dims = ctx.settings.surge.dimensions
    t = _demand(ctx)
    base = hourly(t, "created_at", "type", "product")
    empty = pd.Series(dtype=float), pd.DataFrame()
    if base.empty:
        return empty
    hours = pd.date_range(base["hour"].min(), ctx.until, freq="h", inclusive="left")
    if len(hours) == 0:
        return empty
    total = base.groupby("hour")["n"].sum().reindex(hours, fill_value=0).astype(float)
    parts: list[pd.DataFrame] = []
    for dim in dims:
        if dim == "tag":
            tags = t.select(t.ticket_id, t.created_at, tag=t.tags.unnest()).distinct()
            frame = hourly(tags, "created_at", "tag").rename(columns={"tag": "value"})
        elif dim == PAIR:
            both = base[base["type"].notna() & base["product"].notna()]
            frame = both.assign(value=both["type"].astype(str) + _SEP + both["product"].astype(str))
        else:
            frame = base.rename(columns={dim: "value"})
        frame = frame[frame["value"].notna()]
        if frame.empty:
            continue
        counts = frame.groupby(["hour", "value"])["n"].sum().unstack("value", fill_value=0)
        counts.columns = pd.MultiIndex.from_product([[dim], counts.columns.astype(str)])
        parts.append(counts)
    if not parts:
        return total, pd.DataFrame(index=hours)
    matrix = pd.concat(parts, axis=1).reindex(hours, fill_value=0).fillna(0).astype(float)
    matrix.columns = matrix.columns.set_names(["dimension", "value"])
    return total, matrix


def surge_hours(ctx: Context) -> list[Surge]:
    """Every (hour, series) whose window met the rule, with the window length of the
    smallest probability, ordered by hour."""
    s = ctx.settings.surge
    total, matrix = request_counts(ctx)
    if matrix.empty or matrix.shape[1] == 0:
        return []
    hours = total.index
    ck = np.vstack([np.zeros((1, matrix.shape[1])), np.cumsum(matrix.to_numpy(), axis=0)])
    ct = np.concatenate([[0.0], np.cumsum(total.to_numpy())])[:, None]
    back = s.baseline_days * 24
    first_start = s.min_baseline_days * 24
    best: dict[tuple[int, int], Surge] = {}
    for length in sorted(set(s.windows_hours)):
        ends = np.arange(max(length, first_start + length), len(hours) + 1)
        if len(ends) == 0:
            continue
        starts = ends - length
        b0 = np.maximum(starts - back, 0)
        k = ck[ends] - ck[starts]
        n = ct[ends] - ct[starts]
        kb = ck[starts] - ck[b0]
        nb = ct[starts] - ct[b0]
        with np.errstate(divide="ignore", invalid="ignore"):
            p0 = np.maximum(kb / nb, 0.5 / nb)
            share = k / n
        candidate = (
            (nb >= s.min_baseline_requests) & (k >= s.min_requests) & (share >= s.min_ratio * p0)
        )
        for row, col in zip(*np.nonzero(candidate), strict=True):
            p = binom_sf(int(k[row, col]), int(n[row, 0]), float(p0[row, col]))
            if p > s.max_p:
                continue
            hour = int(ends[row]) - 1
            key = (hour, int(col))
            if key in best and best[key].p <= p:
                continue
            dim, value = matrix.columns[col]
            best[key] = Surge(
                end=(hours[hour] + pd.Timedelta(hours=1)).to_pydatetime(),
                dimension=str(dim),
                value=str(value),
                hours=length,
                requests=int(k[row, col]),
                total=int(n[row, 0]),
                share=float(share[row, col]),
                baseline_share=float(p0[row, col]),
                p=p,
            )
    order: dict[str, int] = {d: i for i, d in enumerate(s.dimensions)}
    return sorted(best.values(), key=lambda x: (x.end, x.p, order[x.dimension], x.value))


def _incidents(surges: list[Surge], gap_hours: int) -> list[list[Surge]]:
    runs: list[list[Surge]] = []
    gap = timedelta(hours=gap_hours + 1)
    for surge in surges:
        if runs and surge.end - runs[-1][-1].end < gap:
            runs[-1].append(surge)
        else:
            runs.append([surge])
    return runs


def _subject(lead: Surge) -> tuple[str, str]:
    if lead.dimension == PAIR:
        return "product", lead.value.split(_SEP, 1)[1]
    return lead.dimension, lead.value


def _labels(lead: Surge) -> tuple[str, str]:
    if lead.dimension == PAIR:
        kind, product = lead.value.split(_SEP, 1)
        return (
            f"{kind} requests about {product}",
            f"обращения типа {kind} по продукту {product}",
        )
    if lead.dimension == "product":
        return f"requests about {lead.value}", f"обращения по продукту {lead.value}"
    if lead.dimension == "type":
        return f"{lead.value} requests", f"обращения типа {lead.value}"
    return f"requests tagged {lead.value!r}", f"обращения с тегом «{lead.value}»"


def _evidence(ctx: Context, lead: Surge, start: datetime, end: datetime) -> list[str]:
    t = _demand(ctx)
    t = t.filter((t.created_at >= as_of_literal(start)) & (t.created_at < as_of_literal(end)))
    if lead.dimension == PAIR:
        kind, product = lead.value.split(_SEP, 1)
        t = t.filter((t.type == kind) & (t["product"] == product))
    elif lead.dimension == "tag":
        t = t.filter(t.tags.contains(ibis.literal(lead.value)))
    else:
        t = t.filter(t[lead.dimension] == lead.value)
    ids: list[str] = t.select("ticket_id").to_pandas()["ticket_id"].tolist()
    return ids


def _signal(ctx: Context, run: list[Surge]) -> Signal:
    s = ctx.settings.surge
    lead = run[0]
    firsts: dict[tuple[str, str], Surge] = {}
    scores: dict[tuple[str, str], float] = {}
    for surge in run:
        key = (surge.dimension, surge.value)
        firsts.setdefault(key, surge)
        scores[key] = max(scores.get(key, 0.0), surge.score)
    keys = sorted(firsts, key=lambda k: (k != (lead.dimension, lead.value), -scores[k], k))
    drivers = tuple(
        Driver(
            dim,
            firsts[(dim, value)].label,
            firsts[(dim, value)].share,
            firsts[(dim, value)].baseline_share,
            firsts[(dim, value)].requests,
        )
        for dim, value in keys[: s.max_drivers]
    )
    start = lead.end - timedelta(hours=lead.hours)
    end = run[-1].end
    ids, count = evidence(_evidence(ctx, lead, start, end), ctx.settings.max_evidence)
    subject_kind, subject = _subject(lead)
    label_en, label_ru = _labels(lead)
    score = max(scores.values())
    return Signal(
        kind="request_surge",
        subject_kind=subject_kind,
        subject=subject,
        title_en=f"Request surge: {lead.label}",
        title_ru=f"Всплеск обращений: {lead.label}",
        summary_en=(
            f"{lead.requests} of the {lead.total} requests of the last {lead.hours} hours "
            f"were {label_en} ({lead.share:.1%}, usually {lead.baseline_share:.1%}): look "
            "for a product defect or another common cause."
        ),
        summary_ru=(
            f"{lead.requests} из {lead.total} обращений за последние {lead.hours} ч — "
            f"{label_ru} ({russian(lead.share, '.1%')}, обычно "
            f"{russian(lead.baseline_share, '.1%')}): проверьте, нет ли дефекта продукта или "
            "другой общей причины."
        ),
        detected_at=lead.end,
        window_start=start,
        window_end=end,
        score=score,
        score_name="-log10_p",
        baseline=lead.baseline_share,
        observed=lead.share,
        unit="share",
        confidence=confidence_of(score, s.medium_at, s.high_at),
        drivers=drivers,
        evidence_ids=ids,
        evidence_count=count,
        details={
            "dimension": lead.dimension,
            "value": lead.label,
            "window_hours": lead.hours,
            "requests": lead.requests,
            "total": lead.total,
            "p": lead.p,
            "surge_hours": len({x.end for x in run}),
        },
    )


def detect_request_surges(ctx: Context) -> list[Signal]:
    """One signal per run of surge hours (see the module docstring), raised at the end of
    the run's first surge hour."""
    surges = surge_hours(ctx)
    runs = _incidents(surges, ctx.settings.surge.merge_gap_hours)
    return [_signal(ctx, run) for run in runs if ctx.reportable(run[0].end)]
