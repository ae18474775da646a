"""Every threshold of the signal detectors, as one validated model (``[signals]`` in TOML).

The defaults are the ones docs/signals.md measures on the simulator: each detector finds
its injected incident within a day and raises at most about one false alarm per 90 days.
Durations are held as seconds and, like the rest of the configuration, may be written as
seconds or as text such as ``"2h"`` or ``"1d12h"``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "EscalationSettings",
    "GamingSettings",
    "QualitySettings",
    "RatchetSettings",
    "SignalSettings",
    "SurgeSettings",
    "VolumeSettings",
    "WorkflowSettings",
]

HOUR = 3600.0
DAY = 86400.0


def _seconds(value: object) -> float:
    # imported here: the policy package imports this module for its ``[signals]`` section
    from supportkpi.policy.durations import parse_duration

    return parse_duration(value)


Seconds = Annotated[float, BeforeValidator(_seconds)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Confidence(_Model):
    medium_at: float = Field(description="Score from which the confidence is 'medium'.")
    high_at: float = Field(description="Score from which the confidence is 'high'.")

    @model_validator(mode="after")
    def _ordered(self) -> _Confidence:
        if self.high_at < self.medium_at:
            raise ValueError("high_at must be >= medium_at")
        return self


class EscalationSettings(_Confidence):
    """Hourly: the share of the last 24 hours' tickets already escalated vs the median and
    MAD of the windows ending at the same local hour on the previous days."""

    baseline_days: int = Field(
        default=14, ge=3, description="Days before the window's day in the baseline."
    )
    min_baseline_days: int = Field(default=5, ge=2, description="Fewer usable days: no verdict.")
    min_tickets: int = Field(default=30, ge=1, description="Tickets a window needs to be judged.")
    min_escalations: int = Field(default=8, ge=1, description="Escalations a spike window needs.")
    min_ratio: float = Field(
        default=2.0, gt=1, description="Observed rate / baseline rate at least."
    )
    min_z: float = Field(default=3.0, gt=0, description="Robust z-score at least.")
    max_p: float = Field(default=1e-6, gt=0, lt=1, description="Binomial tail probability at most.")
    merge_gap_days: int = Field(
        default=2, ge=0, description="Quiet days allowed between the spike windows of one signal."
    )
    max_drivers: int = Field(default=5, ge=1)
    medium_at: float = 5.0
    high_at: float = 8.0


Dimension = Literal["type+product", "product", "type", "tag"]


class SurgeSettings(_Confidence):
    """Hourly: a type's, product's or tag's share of the requests of the last hours vs its
    share in the days before (a product defect shows in what customers write about)."""

    dimensions: tuple[Dimension, ...] = Field(
        default=("type+product", "product", "type", "tag"),
        min_length=1,
        description="What to watch; the first listed leads when several surge at once.",
    )
    windows_hours: tuple[int, ...] = Field(
        default=(6, 12, 24), min_length=1, description="Window lengths judged every hour."
    )
    baseline_days: int = Field(
        default=14, ge=1, description="Days before the window whose share is the baseline."
    )
    min_baseline_days: int = Field(
        default=5, ge=1, description="Days of data needed before a window is judged."
    )
    min_baseline_requests: int = Field(
        default=200, ge=1, description="Requests the baseline days need."
    )
    min_requests: int = Field(default=10, ge=1, description="Requests of the value a surge needs.")
    min_ratio: float = Field(default=2.0, gt=1, description="Share / baseline share at least.")
    max_p: float = Field(default=1e-6, gt=0, lt=1, description="Binomial tail probability at most.")
    merge_gap_hours: int = Field(
        default=24, ge=0, description="Quiet hours allowed between the surge hours of one signal."
    )
    max_drivers: int = Field(default=5, ge=1)
    medium_at: float = 7.0
    high_at: float = 10.0

    @field_validator("windows_hours")
    @classmethod
    def _positive(cls, values: tuple[int, ...]) -> tuple[int, ...]:
        if any(v < 1 for v in values):
            raise ValueError("window lengths are whole hours, at least 1")
        return values


class VolumeSettings(_Confidence):
    """Hourly channel volume vs the median of the same local hour on comparable days."""

    baseline_days: int = Field(
        default=28, ge=7, description="Look-back (days) for the same hour on days of the same kind."
    )
    baseline_values: int = Field(default=8, ge=1, description="Most recent comparable hours used.")
    min_baseline_values: int = Field(default=3, ge=1)
    min_hour_baseline: float = Field(
        default=2.0, ge=0, description="Hours whose baseline is lower are ignored (nights, closed)."
    )
    min_run_baseline: float = Field(
        default=6.0, ge=0, description="A drop needs at least this many expected arrivals."
    )
    max_ratio: float = Field(default=0.35, gt=0, lt=1, description="Observed / expected at most.")
    max_p: float = Field(default=1e-5, gt=0, lt=1, description="Poisson P(X <= observed) at most.")
    baseline_margin: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Expected = margin x the baseline (guards against a high one).",
    )
    skip_holidays: bool = True
    medium_at: float = 5.0
    high_at: float = 8.0


class GamingSettings(_Confidence):
    """Ticket splitting, fast closes that come back, and parking in pending."""

    window_days: int = Field(
        default=7, ge=1, description="Trailing window per agent (days of 24 h), judged hourly."
    )
    split_window_s: Seconds = Field(
        default=2 * HOUR, gt=0, description="Agent-created ticket this soon after the customer's."
    )
    min_splits: int = Field(default=6, ge=1, description="Split-offs in the window at least.")
    split_ratio: float = Field(
        default=4.0, gt=1, description="Agent's split share vs the team's, at least."
    )
    fast_solve_s: Seconds = Field(
        default=HOUR, gt=0, description="A solve this soon after creation."
    )
    min_solves: int = Field(default=15, ge=1)
    min_fast_comebacks: int = Field(
        default=6, ge=1, description="Fast solves that came back, at least."
    )
    comeback_ratio: float = Field(
        default=4.0, gt=1, description="Agent's fast-comeback share vs the team's, at least."
    )
    min_parked: int = Field(default=2, ge=1, description="Parking events in the window at least.")
    parking_ratio: float = Field(
        default=4.0, gt=1, description="Agent's parking share vs the team's."
    )
    min_pending_sets: int = Field(default=2, ge=1)
    medium_at: float = 4.0
    high_at: float = 8.0


class QualitySettings(_Confidence):
    """Very short handling time together with first contact resolution below the team's."""

    aht_concern_ratio: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Agent AHT / team median at most; None: the config's kpi.aht_concern_ratio "
        "(0.5 without a config).",
    )
    window_days: int = Field(default=7, ge=1)
    min_items: int = Field(default=8, ge=1, description="Contacts or tickets an agent needs.")
    min_resolved: int = Field(
        default=5, ge=1, description="Resolved tickets an agent needs for FCR."
    )
    min_agents: int = Field(default=3, ge=2, description="Agents a team needs for its median.")
    medium_at: float = 2.0
    high_at: float = 3.0


class WorkflowSettings(_Model):
    """The ideal-workflow steps that need a threshold."""

    prioritize_within_s: Seconds = Field(
        default=4 * HOUR, gt=0, description="A priority event this soon after creation passes."
    )


class RatchetSettings(_Confidence):
    """Propose a tighter resolution target once a team beats its own for N weeks."""

    percentile: float = Field(default=0.8, gt=0, lt=1)
    target_s: Seconds = Field(
        default=3 * DAY, gt=0, description="Resolution target (full resolution)."
    )
    team_targets: dict[str, Seconds] = Field(
        default_factory=dict, description="Per-team targets in seconds (override target_s)."
    )
    periods: int = Field(default=4, ge=2, description="Consecutive weeks beating the target.")
    min_tickets: int = Field(default=20, ge=1, description="Solved tickets a week needs to count.")
    min_improvement: float = Field(
        default=0.05,
        ge=0,
        lt=1,
        description="The streak's fitted weekly values must shrink by this share at least "
        "(0: any team beating its target gets a proposal).",
    )
    round_to_s: Seconds = Field(
        default=0.5 * DAY, gt=0, description="Proposals are rounded up to a multiple of this."
    )
    medium_at: float = 1.1
    high_at: float = 1.3


class SignalSettings(_Model):
    """All signal thresholds. ``timezone`` sets the local day and hour buckets; None uses
    the default schedule's time zone, or the source's when the schedule is left at UTC
    (UTC without a config)."""

    timezone: str | None = None
    max_evidence: int = Field(default=20, ge=1, description="Evidence ids kept per signal.")
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    surge: SurgeSettings = Field(default_factory=SurgeSettings)
    volume: VolumeSettings = Field(default_factory=VolumeSettings)
    gaming: GamingSettings = Field(default_factory=GamingSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    ratchet: RatchetSettings = Field(default_factory=RatchetSettings)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from None
        return name
