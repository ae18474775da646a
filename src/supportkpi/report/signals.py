"""The signals section of the report: what the detectors found, with their evidence.

A provider for :func:`~supportkpi.report.content.build_content`'s ``extras``: the same
:func:`supportkpi.signals.detect` the ``signals`` command and the API use, over the
report's period. Signals are about the whole desk (an agent, a product, a channel, a team),
so only the period narrows them; the dashboard keeps one detection run per period.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from supportkpi.report.content import Filters
from supportkpi.signals import Signal, detect

__all__ = ["EVIDENCE_SHOWN", "SignalsSection", "signal_detail", "signal_title", "signals_extra"]

EVIDENCE_SHOWN = 5
"""How many evidence ids each signal lists in the report (the count is always given)."""


def signals_extra(
    source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
) -> list[Signal]:
    """Every signal that could first be raised in the report's period."""
    return detect(source, since=filters.since, until=filters.until, config=config)


class SignalsSection:
    """The dashboard's provider (``extras={"signals": SignalsSection()}``): every detector
    runs once per (source, period) and each filter change reuses that run."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._lock = threading.RLock()
        self._source: Any = None
        self._cache: dict[Hashable, list[Signal]] = {}

    def __call__(
        self,
        source: Any,
        *,
        filters: Filters,
        config: Any = None,
        as_of: datetime | None = None,
    ) -> list[Signal]:
        key = (filters.since, filters.until)
        with self._lock:
            if source is not self._source:  # what is kept belongs to one source
                self._cache.clear()
                self._source = source
            found = self._cache.get(key)
            if found is None:
                found = signals_extra(source, filters=filters, config=config, as_of=as_of)
                if len(self._cache) >= self.keep:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = found
            return list(found)


def signal_title(signal: Signal, lang: str) -> str:
    return signal.title_ru if lang == "ru" else signal.title_en


def signal_detail(signal: Signal, lang: str) -> str:
    return signal.summary_ru if lang == "ru" else signal.summary_en
