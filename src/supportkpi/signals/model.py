"""The signal record every detector returns, the same for the CLI, the report and the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["KINDS", "Confidence", "Driver", "Signal", "confidence_of", "evidence"]

Confidence = Literal["high", "medium", "low"]

KINDS: tuple[str, ...] = (
    "escalation_spike",
    "request_surge",
    "volume_drop",
    "ticket_splitting",
    "fast_close_comebacks",
    "pending_parking",
    "quality_concern",
    "target_ratchet",
)
"""Every signal kind, in the order they are reported."""


@dataclass(frozen=True)
class Driver:
    """One value that explains a spike: its share in the spike window vs the baseline."""

    dimension: str  # "type", "tag", "product" or "type+product"
    value: str
    share: float
    baseline_share: float
    count: int

    @property
    def lift(self) -> float:
        return self.share - self.baseline_share


@dataclass(frozen=True)
class Signal:
    """What was detected, about whom, when it could first be known, how sure, and why.

    ``detected_at`` is the end of the bucket (hour, day, week) in which the rule first
    held: the earliest moment a detector running on live data would have raised it.
    ``score`` is the detector's own strength measure (``score_name`` says which);
    ``baseline`` and ``observed`` are in ``unit``. ``evidence_ids`` is capped (see
    ``SignalSettings.max_evidence``); ``evidence_count`` is the full count.
    """

    kind: str
    subject_kind: str  # agent_id, product, channel, team, desk
    subject: str
    title_en: str
    title_ru: str
    summary_en: str
    summary_ru: str
    detected_at: datetime
    window_start: datetime
    window_end: datetime
    score: float
    score_name: str
    baseline: float
    observed: float
    unit: str
    confidence: Confidence
    drivers: tuple[Driver, ...] = ()
    evidence_ids: tuple[str, ...] = ()
    evidence_count: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)

    def title(self, language: str = "en") -> str:
        return self.title_ru if language == "ru" else self.title_en

    def summary(self, language: str = "en") -> str:
        return self.summary_ru if language == "ru" else self.summary_en

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (instants as ISO 8601 UTC strings)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat().replace("+00:00", "Z")
            elif name == "drivers":
                value = [
                    {
                        "dimension": d.dimension,
                        "value": d.value,
                        "share": d.share,
                        "baseline_share": d.baseline_share,
                        "count": d.count,
                    }
                    for d in value
                ]
            elif name == "evidence_ids":
                value = list(value)
            elif name == "details":
                value = dict(value)
            out[name] = value
        return out


def confidence_of(score: float, medium_at: float, high_at: float) -> Confidence:
    """'high' from ``high_at``, 'medium' from ``medium_at``, else 'low'."""
    if score >= high_at:
        return "high"
    if score >= medium_at:
        return "medium"
    return "low"


def evidence(ids: Sequence[str] | Any, cap: int) -> tuple[tuple[str, ...], int]:
    """Sorted unique ids capped to ``cap``, and their full count."""
    unique = sorted({str(i) for i in ids if i is not None})
    return tuple(unique[:cap]), len(unique)
