"""The proposed targets section: tighter resolution targets the ratchet detector proposes
for teams that beat theirs week after week, with the evidence.

A provider for :func:`~supportkpi.report.content.build_content`'s ``extras``: the same
:func:`supportkpi.signals.detect` (kind ``target_ratchet``) the ``signals`` command and the
report's signals section use, over the report's period. Each proposal is read from the
signal's details: the weeks in a row the team beat its target (each week's percentile of
resolution time and its ticket count), the percentile, the current and the proposed
target, and whether resolution time and logged work per ticket are shrinking (the sign of
their least-squares slopes over those weeks).

Proposals are per team over all channels and types: a team filter narrows them, the other
filters do not apply (the section says so). Kept per period for the dashboard.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from supportkpi.report.content import Filters

__all__ = ["Proposal", "StreakWeek", "TargetsSection", "proposal_of", "targets_extra"]


@dataclass(frozen=True)
class StreakWeek:
    """One week the team beat its target: that week's percentile of resolution time
    (seconds), its tickets, its logged work per ticket (None without work logs)."""

    week: date
    value_s: float
    tickets: int
    work_per_ticket_s: float | None


@dataclass(frozen=True)
class Proposal:
    """One proposed target and its evidence (durations in seconds); ``streak``: the weeks
    it rests on, oldest first."""

    team: str
    detected_at: datetime
    percentile: float
    weeks: int
    first_week: date | None
    current_s: float
    proposed_s: float
    worst_week_s: float
    tickets: int
    trend_s_per_week: float | None
    work_trend_s_per_week: float | None
    confidence: str
    streak: tuple[StreakWeek, ...] = ()

    @property
    def shrinking(self) -> bool | None:
        """Resolution time falling over the streak (None: not enough weeks to tell)."""
        return None if self.trend_s_per_week is None else self.trend_s_per_week < 0

    @property
    def work_shrinking(self) -> bool | None:
        """Logged work per ticket falling over the streak (None: no work logs / too few)."""
        value = self.work_trend_s_per_week
        return None if value is None or value != value else value < 0


def _optional(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def proposal_of(signal: Any) -> Proposal:
    """The evidence of a ``target_ratchet`` signal, as the section shows it."""
    details: Mapping[str, Any] = signal.details
    weeks = list(details.get("weeks", ()))
    first = date.fromisoformat(weeks[0]["week"]) if weeks else None
    return Proposal(
        team=signal.subject,
        detected_at=signal.detected_at,
        percentile=float(details["percentile"]),
        weeks=len(weeks),
        first_week=first,
        current_s=float(details["current_target_s"]),
        proposed_s=float(details["proposed_target_s"]),
        worst_week_s=float(signal.observed),
        tickets=int(signal.evidence_count),
        trend_s_per_week=_optional(details.get("trend_s_per_week")),
        work_trend_s_per_week=_optional(details.get("work_trend_s_per_week")),
        confidence=str(signal.confidence),
        streak=tuple(
            StreakWeek(
                week=date.fromisoformat(str(w["week"])),
                value_s=float(w["value_s"]),
                tickets=int(w["tickets"]),
                work_per_ticket_s=_optional(w.get("work_per_ticket_s")),
            )
            for w in weeks
        ),
    )


class TargetsSection:
    """The provider (``extras={"targets": TargetsSection()}``)."""

    def __init__(self, keep: int = 4, signals: Any = None) -> None:
        """``signals``: a :class:`~supportkpi.report.signals.SignalsSection` whose detection
        run to read the proposals from, instead of running the ratchet detector again."""
        self.keep = keep
        self.signals = signals
        self._lock = threading.RLock()
        self._source: Any = None
        self._cache: dict[Hashable, list[Proposal]] = {}

    def __call__(
        self,
        source: Any,
        *,
        filters: Filters,
        config: Any = None,
        as_of: datetime | None = None,
    ) -> list[Proposal]:
        from supportkpi.signals import detect

        key = (filters.since, filters.until)
        with self._lock:
            if source is not self._source:  # what is kept belongs to one source
                self._cache.clear()
                self._source = source
            found = self._cache.get(key)
            if found is None:
                if self.signals is not None:
                    every = self.signals(source, filters=filters, config=config, as_of=as_of)
                    signals = [s for s in every if s.kind == "target_ratchet"]
                else:
                    signals = detect(
                        source,
                        since=filters.since,
                        until=filters.until,
                        config=config,
                        kinds=["target_ratchet"],
                    )
                found = [proposal_of(s) for s in signals]
                if len(self._cache) >= self.keep:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = found
        if filters.team:
            return [p for p in found if p.team == filters.team]
        return list(found)


def targets_extra(
    source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
) -> list[Proposal]:
    """A one-off provider (the CLI's)."""
    return TargetsSection()(source, filters=filters, config=config, as_of=as_of)
