"""``detect``: run the detectors over a store or inputs and return the signals.

Every face (CLI, report, API) calls this one function. The per-ticket metrics are built
once per call and shared by the detectors that read them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from supportkpi.errors import UserError, did_you_mean
from supportkpi.signals.context import Context, make_context
from supportkpi.signals.escalation import detect_escalation_spikes
from supportkpi.signals.gaming import detect_fast_comebacks, detect_parking, detect_splitting
from supportkpi.signals.model import KINDS, Signal
from supportkpi.signals.quality import detect_quality_concerns
from supportkpi.signals.ratchet import detect_target_ratchets
from supportkpi.signals.settings import SignalSettings
from supportkpi.signals.surge import detect_request_surges
from supportkpi.signals.volume import detect_volume_drops

__all__ = ["DETECTORS", "FRAME_COLUMNS", "detect", "signals_frame"]

DETECTORS: dict[str, Callable[[Context], list[Signal]]] = {
    "escalation_spike": detect_escalation_spikes,
    "request_surge": detect_request_surges,
    "volume_drop": detect_volume_drops,
    "ticket_splitting": detect_splitting,
    "fast_close_comebacks": detect_fast_comebacks,
    "pending_parking": detect_parking,
    "quality_concern": detect_quality_concerns,
    "target_ratchet": detect_target_ratchets,
}
"""Signal kind -> detector, in report order."""

FRAME_COLUMNS: tuple[str, ...] = (
    "kind",
    "subject_kind",
    "subject",
    "detected_at",
    "window_start",
    "window_end",
    "score",
    "score_name",
    "baseline",
    "observed",
    "unit",
    "confidence",
    "title",
    "summary",
    "drivers",
    "evidence_count",
    "evidence_ids",
)


def _kinds(kinds: Sequence[str] | None) -> list[str]:
    if not kinds:
        return list(KINDS)
    for kind in kinds:
        if kind not in DETECTORS:
            raise UserError(
                f"unknown signal kind {kind!r}",
                fix=f"{did_you_mean(kind, KINDS)}use one of {', '.join(KINDS)}",
            )
    return [k for k in KINDS if k in kinds]


def detect(
    source: Any,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    config: Any | None = None,
    settings: SignalSettings | None = None,
    kinds: Sequence[str] | None = None,
) -> list[Signal]:
    """Signals that could first be raised in (``since``, ``until``], ordered by time.

    ``source``: a Store, a backend or :class:`~supportkpi.kpis.inputs.Inputs`. Data before
    ``since`` is still read, as the baseline. ``until`` (a date: its whole day) defaults
    to the first full hour after the last recorded instant. ``settings`` defaults to the
    config's ``signals`` section when it has one.
    """
    chosen = _kinds(kinds)
    if settings is None:
        settings = getattr(config, "signals", None) or SignalSettings()
    ctx = make_context(source, since=since, until=until, config=config, settings=settings)
    try:
        found = [signal for kind in chosen for signal in DETECTORS[kind](ctx)]
    finally:
        ctx.release()
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(found, key=lambda s: (s.detected_at, order[s.kind], s.subject))


def signals_frame(signals: Sequence[Signal], language: str = "en") -> pd.DataFrame:
    """The signals as a flat table (drivers as ``dimension=value share`` text)."""
    rows = []
    for s in signals:
        rows.append(
            {
                "kind": s.kind,
                "subject_kind": s.subject_kind,
                "subject": s.subject,
                "detected_at": pd.Timestamp(s.detected_at),
                "window_start": pd.Timestamp(s.window_start),
                "window_end": pd.Timestamp(s.window_end),
                "score": s.score,
                "score_name": s.score_name,
                "baseline": s.baseline,
                "observed": s.observed,
                "unit": s.unit,
                "confidence": s.confidence,
                "title": s.title(language),
                "summary": s.summary(language),
                "drivers": "; ".join(
                    f"{d.dimension}={d.value} {d.share:.0%} (was {d.baseline_share:.0%})"
                    for d in s.drivers
                ),
                "evidence_count": s.evidence_count,
                "evidence_ids": " ".join(s.evidence_ids),
            }
        )
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
