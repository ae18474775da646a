"""What a support lead looks at, assembled from the KPI engine once for every face.

:func:`build_content` asks the KPI engine for the figures (headline KPIs per channel and
overall, weekly trends, volume by channel and type, phone and chat queues, agents and
teams), through :class:`~supportkpi.report.engine.MetricsCache`, which answers exactly as
:func:`supportkpi.kpis.compute.compute` but builds the metrics tables once, and returns a
:class:`ReportContent` of plain numbers. The terminal summary, the HTML report and the
dashboard render that same object, in any language, so they cannot disagree with each
other or with ``supportkpi kpis``.

Filters (channel, type, priority, team, agent) are applied by breaking the KPIs down by the
filtered dimensions in the engine and keeping the matching group: medians and p90 stay
exact. KPIs that cannot be broken down by a filtered dimension (phone and chat queue KPIs by
ticket type or priority) are left out rather than shown unfiltered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from supportkpi.kpis._time import as_instant, now_utc
from supportkpi.kpis.compute import compute, inputs_of
from supportkpi.kpis.definition import KPI
from supportkpi.kpis.registry import DIMENSIONS, REGISTRY
from supportkpi.report.engine import MetricsCache
from supportkpi.report.grades import GRADED_KPIS, grade_of

__all__ = [
    "FILTER_DIMS",
    "PEOPLE_KPIS",
    "QUALITY_KPIS",
    "QUEUE_KPIS",
    "TREND_KPIS",
    "Figure",
    "Filters",
    "HeadlineRow",
    "ReportContent",
    "build_content",
    "headline_stat",
]

FILTER_DIMS: tuple[str, ...] = ("channel", "type", "priority", "team", "agent_id")
"""The dimensions a reader can filter by (the dashboard's selectors)."""

TREND_KPIS: tuple[str, ...] = (
    "first_response",
    "full_resolution",
    "fcr_rate",
    "reopen_rate",
    "escalation_rate",
    "csat",
)
"""Weekly trends: speed (durations) and quality (shares)."""

QUEUE_KPIS: tuple[str, ...] = (
    "contacts_offered",
    "contacts_answered",
    "contacts_abandoned",
    "abandonment_rate",
    "abandonment_rate_incl_short",
    "abandoned_in_ivr_share",
    "abandoned_in_queue_share",
    "wait_time",
    "queue_wait_time",
    "time_to_abandon",
    "service_level",
    "aht",
)
"""Phone and chat: offered, waits, abandonment (headline and including short abandons)."""

PEOPLE_KPIS: tuple[str, ...] = (
    "customer_demand",
    "first_response",
    "full_resolution",
    "aht",
    "reopen_rate",
    "fcr_rate",
    "escalation_rate",
    "csat",
)
"""Agents and teams: speed beside reopens, FCR and satisfaction (never a bare count)."""

QUALITY_KPIS: tuple[str, ...] = ("reopen_rate", "fcr_rate", "escalation_rate", "csat")
"""The quality side of the agents and teams tables, drawn as the pair of the speed side."""


def headline_stat(kpi: KPI) -> str:
    """The statistic a KPI is read by at a glance: the median of a duration, else its value."""
    return "median" if kpi.measure == "duration" else "value"


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the figures to. Empty strings count as no filter."""

    since: date | None = None
    until: date | None = None
    channel: str | None = None
    type: str | None = None
    priority: str | None = None
    team: str | None = None
    agent_id: str | None = None

    def dims(self) -> dict[str, str]:
        """The active dimension filters, in :data:`FILTER_DIMS` order."""
        out: dict[str, str] = {}
        for dim in FILTER_DIMS:
            value = getattr(self, dim)
            if value:
                out[dim] = str(value)
        return out

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out


@dataclass(frozen=True)
class Figure:
    """One number from the engine: a KPI's statistic, with the population it is over."""

    kpi: str
    stat: str
    value: float | None
    n: int | None
    basis: str = ""
    note: str = ""


@dataclass(frozen=True)
class HeadlineRow:
    """A headline KPI on one channel (``channel`` None: all channels), graded where a
    benchmark exists, with its counter-metric on the same channel beside it."""

    kpi: str
    channel: str | None
    main: Figure
    p90: Figure | None
    grade_main: str | None
    grade_p90: str | None
    counter: Figure | None


@dataclass
class ReportContent:
    """Everything the faces render, as numbers (no language yet)."""

    as_of: datetime
    filters: Filters
    basis: str
    data_from: datetime | None
    data_to: datetime | None
    headline: list[HeadlineRow]
    queues: list[HeadlineRow]
    weekly: pd.DataFrame
    weekly_by_channel: pd.DataFrame
    volume: pd.DataFrame
    agents: pd.DataFrame
    teams: pd.DataFrame
    definitions: list[KPI]
    omitted: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> list[Figure]:
        """Every figure of the headline and queue tables (what tests compare)."""
        out: list[Figure] = []
        for row in [*self.headline, *self.queues]:
            out.append(row.main)
            if row.p90 is not None:
                out.append(row.p90)
        return out


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


class _Engine:
    """Calls ``compute`` with the filters applied as exact group selections."""

    def __init__(
        self,
        source: Any,
        filters: Filters,
        config: Any,
        as_of: datetime,
        basis: str,
        metrics: MetricsCache | None = None,
    ) -> None:
        self.source = source
        self.filters = filters
        self.config = config
        self.as_of = as_of
        self.basis = basis
        self.metrics = metrics

    def usable(self, kpi_ids: Sequence[str], by: Sequence[str]) -> list[str]:
        dims = [*self.filters.dims(), *by]
        return [k for k in kpi_ids if all(d in DIMENSIONS[REGISTRY[k].source] for d in dims)]

    def frame(
        self,
        kpi_ids: Sequence[str],
        *,
        by: Sequence[str] = (),
        period: Literal["day", "week", "month"] | None = None,
    ) -> pd.DataFrame:
        chosen = self.usable(kpi_ids, by)
        active = self.filters.dims()
        group = list(dict.fromkeys([*by, *active]))
        if not chosen:
            return pd.DataFrame(
                columns=["period_start", *by, "kpi", "basis", "stat", "value", "n", "note"]
            )
        if self.metrics is not None:
            frame = self.metrics.frame(
                kpis=chosen,
                by=group,
                period=period,
                since=self.filters.since,
                until=self.filters.until,
                basis=self.basis,  # type: ignore[arg-type]
                as_of=self.as_of,
            )
        else:
            frame = compute(
                self.source,
                kpis=chosen,
                by=group,
                period=period,
                since=self.filters.since,
                until=self.filters.until,
                config=self.config,
                basis=self.basis,  # type: ignore[arg-type]
                as_of=self.as_of,
            )
        unavailable = frame["note"].astype(str) != ""
        keep = pd.Series(True, index=frame.index)
        for dim, value in active.items():
            keep &= frame[dim].astype("string") == value
        frame = frame[keep.fillna(False) | unavailable]
        extra = [d for d in active if d not in by]
        return frame.drop(columns=extra).reset_index(drop=True)


def _lookup(frame: pd.DataFrame, dims: Sequence[str]) -> dict[tuple[Any, ...], Figure]:
    """Figures by (kpi, stat, *dimension values); the calendar basis where there are two."""
    out: dict[tuple[Any, ...], Figure] = {}
    for row in frame.to_dict(orient="records"):
        key = (row["kpi"], row["stat"], *(row[d] for d in dims))
        if key in out and row["basis"] != "calendar":
            continue
        out[key] = Figure(
            kpi=row["kpi"],
            stat=row["stat"],
            value=_float(row["value"]),
            n=_int(row["n"]),
            basis=str(row["basis"] or ""),
            note=str(row["note"] or ""),
        )
    return out


def _rows(
    kpi_ids: Sequence[str],
    per_channel: dict[tuple[Any, ...], Figure],
    overall: dict[tuple[Any, ...], Figure],
    channels: Sequence[str],
    config: Any,
) -> list[HeadlineRow]:
    rows: list[HeadlineRow] = []
    for kpi_id in kpi_ids:
        kpi = REGISTRY[kpi_id]
        stat = headline_stat(kpi)
        targets: list[tuple[str | None, dict[tuple[Any, ...], Figure], tuple[Any, ...]]] = []
        if len(channels) != 1:  # with one channel, "all channels" would repeat it
            targets.append((None, overall, ()))
        targets += [(ch, per_channel, (ch,)) for ch in channels]
        for channel, lookup, key in targets:
            main = lookup.get((kpi_id, stat, *key))
            if main is None:
                continue
            p90 = lookup.get((kpi_id, "p90", *key)) if stat == "median" else None
            counter = None
            if kpi.counter_metric is not None:
                other = REGISTRY[kpi.counter_metric]
                counter = lookup.get((other.id, headline_stat(other), *key))
            graded = kpi_id in GRADED_KPIS and channel is not None
            rows.append(
                HeadlineRow(
                    kpi=kpi_id,
                    channel=channel,
                    main=main,
                    p90=p90,
                    grade_main=grade_of(config, channel, main.value) if graded else None,
                    grade_p90=grade_of(config, channel, p90.value) if graded and p90 else None,
                    counter=counter,
                )
            )
    return rows


def _data_range(source: Any, as_of: datetime) -> tuple[datetime | None, datetime | None]:
    tickets = inputs_of(source).tickets
    row = tickets.aggregate(lo=tickets.created_at.min(), hi=tickets.created_at.max())
    values = row.to_pyarrow().to_pylist()[0]
    return values["lo"], values["hi"]


Provider = Callable[..., Any]


def build_content(
    source: Any,
    *,
    filters: Filters | None = None,
    config: Any | None = None,
    as_of: datetime | None = None,
    basis: Literal["calendar", "business"] = "calendar",
    extras: dict[str, Provider] | None = None,
    metrics: MetricsCache | None = None,
) -> ReportContent:
    """Ask the engine for every figure the report shows (see the module docstring).

    ``extras`` maps a section name to a function ``(source, filters=, config=, as_of=)``
    whose result is stored in ``ReportContent.extras`` (signals, SLA, ... when available).
    ``metrics``: metrics tables kept between calls (the dashboard's); without it, the
    tables are built once for this call and freed at its end.
    """
    filters = filters or Filters()
    instant = as_instant(as_of) if as_of is not None else now_utc()
    own = metrics is None
    cache = MetricsCache(source, config, basis=basis) if metrics is None else metrics
    try:
        return _build(source, filters, config, instant, basis, extras, cache)
    finally:
        if own:
            cache.release()


def _build(
    source: Any,
    filters: Filters,
    config: Any,
    instant: datetime,
    basis: Literal["calendar", "business"],
    extras: dict[str, Provider] | None,
    cache: MetricsCache,
) -> ReportContent:
    engine = _Engine(source, filters, config, instant, basis, cache)

    headline_ids = [k.id for k in REGISTRY.values() if k.headline and k.id not in QUEUE_KPIS]
    counters = [REGISTRY[k].counter_metric for k in [*headline_ids, *QUEUE_KPIS]]
    wanted = list(dict.fromkeys([*headline_ids, *QUEUE_KPIS, *(c for c in counters if c)]))
    by_channel = engine.frame(wanted, by=["channel"])
    overall = engine.frame(wanted)
    channels = sorted(str(c) for c in by_channel["channel"].dropna().unique())
    per_channel = _lookup(by_channel, ["channel"])
    total = _lookup(overall, [])
    headline = _rows(headline_ids, per_channel, total, channels, config)
    queue_channels = [c for c in channels if c in ("phone", "chat")]
    queues = _rows(QUEUE_KPIS, per_channel, total, queue_channels, config)

    weekly = engine.frame(TREND_KPIS, period="week")
    weekly_by_channel = engine.frame(
        ["customer_demand", "wait_time", "abandonment_rate"], by=["channel"], period="week"
    )
    volume = engine.frame(["customer_demand"], by=["channel", "type"])
    agents = engine.frame(PEOPLE_KPIS, by=["agent_id"])
    teams = engine.frame(PEOPLE_KPIS, by=["team"])
    omitted = [
        k for k in dict.fromkeys([*wanted, *TREND_KPIS, *PEOPLE_KPIS]) if not engine.usable([k], [])
    ]
    lo, hi = _data_range(source, instant)
    content = ReportContent(
        as_of=instant,
        filters=filters,
        basis=basis,
        data_from=lo,
        data_to=hi,
        headline=headline,
        queues=queues,
        weekly=weekly,
        weekly_by_channel=weekly_by_channel,
        volume=volume,
        agents=agents,
        teams=teams,
        definitions=list(REGISTRY.values()),
        omitted=omitted,
    )
    for name, provider in (extras or {}).items():
        content.extras[name] = provider(source, filters=filters, config=config, as_of=instant)
    return content


def with_filters(filters: Filters, **changes: Any) -> Filters:
    """A copy of ``filters`` with some values changed (empty strings clear a filter)."""
    cleaned = {k: (v or None) for k, v in changes.items()}
    return replace(filters, **cleaned)


@dataclass(frozen=True)
class PivotRow:
    """One agent, team or ticket type with its figures by KPI (headline statistic)."""

    key: str
    figures: dict[str, Figure]


def pivot(frame: pd.DataFrame, dim: str, kpi_ids: Sequence[str]) -> list[PivotRow]:
    """``frame`` (broken down by ``dim``) as one row per value of ``dim``, sorted by that
    value: a list to read, deliberately not a ranking by volume."""
    lookup = _lookup(frame, [dim])
    keys = sorted({str(k[2]) for k in lookup if k[2] is not None and not pd.isna(k[2])})
    rows: list[PivotRow] = []
    for key in keys:
        figures: dict[str, Figure] = {}
        for kpi_id in kpi_ids:
            figure = lookup.get((kpi_id, headline_stat(REGISTRY[kpi_id]), key))
            if figure is not None:
                figures[kpi_id] = figure
        rows.append(PivotRow(key=key, figures=figures))
    return rows


def volume_matrix(frame: pd.DataFrame) -> tuple[list[str], list[tuple[str, dict[str, int]]]]:
    """Customer demand as (channels, [(type, {channel: tickets})]), types by total desc."""
    part = frame[(frame["kpi"] == "customer_demand") & (frame["stat"] == "value")]
    channels = sorted(str(c) for c in part["channel"].dropna().unique())
    table: dict[str, dict[str, int]] = {}
    for row in part.to_dict(orient="records"):
        kind = "" if row["type"] is None or pd.isna(row["type"]) else str(row["type"])
        if pd.isna(row["value"]):
            continue
        table.setdefault(kind, {})[str(row["channel"])] = int(row["value"])
    ordered = sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return channels, ordered
