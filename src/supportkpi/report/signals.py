"""The signals section of the report: what the detectors found, with their evidence.

A provider for :func:`~supportkpi.report.content.build_content`'s ``extras``: the same
:func:`supportkpi.signals.detect` the ``signals`` command and the API use, over the
report's period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supportkpi.report.content import Filters
from supportkpi.signals import Signal, detect

__all__ = ["EVIDENCE_SHOWN", "signal_detail", "signal_title", "signals_extra"]

EVIDENCE_SHOWN = 5
"""How many evidence ids each signal lists in the report (the count is always given)."""


def signals_extra(
    source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
) -> list[Signal]:
    """Every signal that could first be raised in the report's period."""
    return detect(source, since=filters.since, until=filters.until, config=config)


def signal_title(signal: Signal, lang: str) -> str:
    return signal.title_ru if lang == "ru" else signal.title_en


def signal_detail(signal: Signal, lang: str) -> str:
    return signal.summary_ru if lang == "ru" else signal.summary_en
