"""The JSON form of the dashboard's SLA, workflow adherence, signals and proposed targets
sections: typed response models (so the API description lists every field) and the
functions that read them off the very section objects the HTML page renders.

Nothing here asks the engine: each function takes what a section provider returned
(:class:`~supportkpi.report.sla.SlaView`, :class:`~supportkpi.report.workflow.WorkflowView`,
a list of :class:`~supportkpi.signals.Signal`, a list of
:class:`~supportkpi.report.targets.Proposal`) and only changes its form, so the JSON and the
page cannot disagree. Missing values (NaN, NA, NaT) become ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from supportkpi.report.content import Filters
from supportkpi.report.formatting import is_missing
from supportkpi.report.sla import SlaView
from supportkpi.report.targets import Proposal
from supportkpi.report.workflow import WorkflowView
from supportkpi.signals import Signal

__all__ = [
    "SignalsBody",
    "SlaBody",
    "TargetsBody",
    "WorkflowBody",
    "signals_body",
    "sla_body",
    "targets_body",
    "workflow_body",
]


class SlaCompliance(BaseModel):
    """One priority and target: clocks met, breached (a running clock past its target
    counts as breached), still running within target; compliance = met / (met + breached)
    (null when nothing was met or breached)."""

    priority: str | None
    target: str
    met: int
    breached: int
    running: int
    compliance: float | None


class SlaBreach(BaseModel):
    """One breached clock; ``breached_by_s`` in the policy's basis (calendar or business
    seconds); ``running``: the clock is still open past its target."""

    ticket_id: str
    target: str
    cycle: int | None
    policy: str | None
    basis: str | None
    priority: str | None
    channel: str | None
    team: str | None
    agent_id: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    target_s: float | None
    elapsed_s: float | None
    breached_by_s: float
    running: bool


class SlaBody(BaseModel):
    filters: dict[str, str]
    as_of: datetime
    unfiltered_by: str | None = Field(
        description="A filter SLA outcomes cannot follow (then both lists are empty)."
    )
    compliance: list[SlaCompliance]
    breaches_limit: int = Field(description="How many of the worst breaches are listed.")
    breaches: list[SlaBreach]


class WorkflowRow(BaseModel):
    """A team's or an agent's tickets: the mean adherence score over tickets with a known
    step, the share of steps the data could show, and each step's pass rate among its known
    values (null: no ticket had that step known; never counted as passed)."""

    key: str | None
    tickets: int
    adherence: float | None
    steps_known_share: float | None
    pass_rates: dict[str, float | None]


class WorkflowBody(BaseModel):
    filters: dict[str, str]
    as_of: datetime
    steps: list[str]
    teams: list[WorkflowRow]
    agents: list[WorkflowRow]


class SignalDriver(BaseModel):
    dimension: str
    value: str
    share: float
    baseline_share: float
    count: int


class SignalItem(BaseModel):
    """What was detected (title, summary), about whom, when it could first be known, how
    sure, and the tickets behind it (``evidence_ids`` is capped; ``evidence_count`` is the
    full count)."""

    kind: str
    subject_kind: str
    subject: str
    title: str
    summary: str
    detected_at: datetime
    window_start: datetime
    window_end: datetime
    confidence: str
    score: float | None
    score_name: str
    baseline: float | None
    observed: float | None
    unit: str
    drivers: list[SignalDriver]
    evidence_count: int
    evidence_ids: list[str]
    details: dict[str, Any]


class SignalsBody(BaseModel):
    filters: dict[str, str]
    as_of: datetime
    lang: str
    ignored_filters: list[str] = Field(
        description="Filters that do not narrow signals (only the period does)."
    )
    signals: list[SignalItem]


class TargetWeek(BaseModel):
    """One week of the streak: its percentile of resolution time, its tickets, and the
    logged work per ticket (null without work logs)."""

    week: date
    value_s: float | None
    tickets: int | None
    work_per_ticket_s: float | None


class TargetProposal(BaseModel):
    """A tighter resolution target for a team that beat its own week after week."""

    team: str
    detected_at: datetime
    confidence: str
    percentile: float
    weeks: int
    first_week: date | None
    current_s: float
    proposed_s: float
    worst_week_s: float
    tickets: int
    trend_s_per_week: float | None
    work_trend_s_per_week: float | None
    shrinking: bool | None
    work_shrinking: bool | None
    streak: list[TargetWeek]


class TargetsBody(BaseModel):
    filters: dict[str, str]
    as_of: datetime
    ignored_filters: list[str] = Field(
        description="Filters that do not narrow proposals (they are per team over all "
        "channels and types; only the period and the team do)."
    )
    targets: list[TargetProposal]


def plain(value: Any) -> Any:
    """``value`` as plain JSON-ready Python: NaN/NA/NaT as None, numpy scalars as Python
    numbers, pandas timestamps as datetimes, containers converted item by item."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | bool):
        return value
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def sla_body(view: SlaView, filters: Filters, as_of: datetime) -> SlaBody:
    compliance = [SlaCompliance(**r) for r in _records(view.summary)]
    breaches: list[SlaBreach] = []
    for r in _records(view.breaches):
        r["running"] = r.get("stopped_at") is None
        breaches.append(SlaBreach(**r))
    return SlaBody(
        filters=filters.params(),
        as_of=as_of,
        unfiltered_by=view.unfiltered_by,
        compliance=compliance,
        breaches_limit=view.limit,
        breaches=breaches,
    )


def _workflow_rows(frame: pd.DataFrame, dim: str, steps: Sequence[str]) -> list[WorkflowRow]:
    return [
        WorkflowRow(
            key=None if r[dim] is None else str(r[dim]),
            tickets=int(r["tickets"]),
            adherence=r["mean_score"],
            steps_known_share=r["steps_known_share"],
            pass_rates={step: r[f"{step}_pass_rate"] for step in steps},
        )
        for r in _records(frame)
    ]


def workflow_body(view: WorkflowView, filters: Filters, as_of: datetime) -> WorkflowBody:
    return WorkflowBody(
        filters=filters.params(),
        as_of=as_of,
        steps=list(view.steps),
        teams=_workflow_rows(view.teams, "team", view.steps),
        agents=_workflow_rows(view.agents, "agent_id", view.steps),
    )


def _signal(signal: Signal, lang: str) -> SignalItem:
    return SignalItem(
        kind=signal.kind,
        subject_kind=signal.subject_kind,
        subject=signal.subject,
        title=signal.title(lang),
        summary=signal.summary(lang),
        detected_at=signal.detected_at,
        window_start=signal.window_start,
        window_end=signal.window_end,
        confidence=str(signal.confidence),
        score=plain(signal.score),
        score_name=signal.score_name,
        baseline=plain(signal.baseline),
        observed=plain(signal.observed),
        unit=signal.unit,
        drivers=[
            SignalDriver(
                dimension=d.dimension,
                value=d.value,
                share=d.share,
                baseline_share=d.baseline_share,
                count=d.count,
            )
            for d in signal.drivers
        ],
        evidence_count=int(signal.evidence_count),
        evidence_ids=list(signal.evidence_ids),
        details=plain(signal.details),
    )


def signals_body(
    found: Sequence[Signal], filters: Filters, as_of: datetime, lang: str
) -> SignalsBody:
    return SignalsBody(
        filters=filters.params(),
        as_of=as_of,
        lang=lang,
        ignored_filters=list(filters.dims()),
        signals=[_signal(s, lang) for s in found],
    )


def _proposal(p: Proposal) -> TargetProposal:
    return TargetProposal(
        team=p.team,
        detected_at=p.detected_at,
        confidence=p.confidence,
        percentile=p.percentile,
        weeks=p.weeks,
        first_week=p.first_week,
        current_s=p.current_s,
        proposed_s=p.proposed_s,
        worst_week_s=p.worst_week_s,
        tickets=p.tickets,
        trend_s_per_week=p.trend_s_per_week,
        work_trend_s_per_week=p.work_trend_s_per_week,
        shrinking=p.shrinking,
        work_shrinking=p.work_shrinking,
        streak=[
            TargetWeek(
                week=w.week,
                value_s=plain(w.value_s),
                tickets=w.tickets,
                work_per_ticket_s=plain(w.work_per_ticket_s),
            )
            for w in p.streak
        ],
    )


def targets_body(found: Sequence[Proposal], filters: Filters, as_of: datetime) -> TargetsBody:
    return TargetsBody(
        filters=filters.params(),
        as_of=as_of,
        ignored_filters=[d for d in filters.dims() if d != "team"],
        targets=[_proposal(p) for p in found],
    )
