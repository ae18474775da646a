"""The SLA section: compliance per priority and target, and the worst breaches.

A provider for :func:`~supportkpi.report.content.build_content`'s ``extras``, reading the
same :func:`~supportkpi.kpis.sla_report.sla_summary` and
:func:`~supportkpi.kpis.sla_report.sla_breaches` as the ``supportkpi sla`` command, over
the clocks that started in the report's period.

Filters: the summary is asked once per period by priority, channel, team and agent, and a
filter keeps the matching groups and adds up their counts (met, breached and running are
counts, so the sum is exact and compliance = met / (met + breached) is recomputed from
it); the breaches are asked once per period, worst first, and a filter keeps the matching
rows. So a filter change costs no new query. SLA outcomes carry no ticket type: with a
type filter the section says so instead of showing unfiltered figures.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from supportkpi.kpis._time import now_utc
from supportkpi.kpis.resources import cache_table
from supportkpi.kpis.sla import TARGETS, sla_outcomes
from supportkpi.kpis.sla_report import sla_breaches, sla_summary
from supportkpi.report.content import Filters

__all__ = ["BREACHES_SHOWN", "SLA_FILTER_DIMS", "SlaSection", "SlaView"]

BREACHES_SHOWN = 10
"""How many of the worst breaches the report lists."""

SLA_FILTER_DIMS: tuple[str, ...] = ("priority", "channel", "team", "agent_id")
"""The report filters an SLA outcome can be narrowed by (it has no ticket type)."""

_ALL = 1_000_000_000
SUMMARY_COLUMNS: tuple[str, ...] = (
    "priority",
    "target",
    "met",
    "breached",
    "running",
    "compliance",
)


@dataclass(frozen=True)
class SlaView:
    """What the section shows: compliance per priority and target, the worst breaches.

    ``unfiltered_by`` names a filter the SLA figures cannot follow (then both frames are
    empty and the section says why)."""

    summary: pd.DataFrame
    breaches: pd.DataFrame
    limit: int
    unfiltered_by: str | None = None


def _keep(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    for dim, value in filters.dims().items():
        keep &= frame[dim].astype("string") == value
    return frame[keep.fillna(False)]


def summary_per_priority(fine: pd.DataFrame) -> pd.DataFrame:
    """``fine`` (``sla_summary`` by priority, channel, team, agent) added up per priority
    and target, ordered like ``sla_summary`` (priority, then the targets' order)."""
    if fine.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    counts = (
        fine.groupby(["priority", "target"], dropna=False, sort=False)[
            ["met", "breached", "running"]
        ]
        .sum()
        .reset_index()
    )
    for column in ("met", "breached", "running"):
        counts[column] = counts[column].astype("int64")
    judged = counts["met"] + counts["breached"]
    counts["compliance"] = (counts["met"] / judged.where(judged > 0)).astype("float64")
    order = {name: i for i, name in enumerate(TARGETS)}
    counts["_order"] = counts["target"].map(order)
    counts = counts.sort_values(["priority", "_order"], na_position="last")
    return pd.DataFrame(counts[list(SUMMARY_COLUMNS)].reset_index(drop=True))


class SlaSection:
    """The provider (``extras={"sla": SlaSection()}``). It keeps the engine's answers per
    (period, as_of) so that the dashboard's filter changes reuse them, and the outcomes of
    the latest ``as_of``, materialized: outcomes do not depend on the period (it only picks
    the clocks that started in it), so a new period re-reads them instead of recomputing
    every clock."""

    def __init__(self, limit: int = BREACHES_SHOWN, keep: int = 4) -> None:
        self.limit = limit
        self.keep = keep
        self._lock = threading.RLock()
        self._source: Any = None
        self._cache: dict[Hashable, tuple[pd.DataFrame, pd.DataFrame]] = {}
        self._outcomes: Any = None
        self._outcomes_key: Hashable = None

    def _outcomes_of(self, source: Any, config: Any, as_of: datetime | None) -> Any:
        """The materialized outcomes at ``as_of`` (kept while ``as_of`` and the config stay;
        without ``as_of`` each call evaluates at its own now, so nothing is kept)."""
        key = (as_of, id(config)) if as_of is not None else None
        if key is None or key != self._outcomes_key:
            self.release()
            instant = as_of if as_of is not None else now_utc()
            self._outcomes = cache_table(sla_outcomes(source, config, as_of=instant))
            self._outcomes_key = key
        return self._outcomes

    def release(self) -> None:
        """Free the materialized outcomes (the next call builds them again)."""
        with self._lock:
            table, self._outcomes, self._outcomes_key = self._outcomes, None, None
            release = getattr(table, "release", None)
            if callable(release):
                release()

    def _engine(
        self, source: Any, filters: Filters, config: Any, as_of: datetime | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        key = (filters.since, filters.until, as_of)
        with self._lock:
            if source is not self._source:  # what is kept belongs to one source
                self._cache.clear()
                self.release()
                self._source = source
            found = self._cache.get(key)
            if found is None:
                since, until = filters.since, filters.until
                outcomes = self._outcomes_of(source, config, as_of)
                fine = sla_summary(
                    source, config, by=SLA_FILTER_DIMS, since=since, until=until, as_of=as_of,
                    outcomes=outcomes,
                )  # fmt: skip
                worst = sla_breaches(
                    source, config, limit=_ALL, since=since, until=until, as_of=as_of,
                    outcomes=outcomes,
                )  # fmt: skip
                found = (fine, worst)
                if len(self._cache) >= self.keep:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = found
            return found

    def __call__(
        self,
        source: Any,
        *,
        filters: Filters,
        config: Any = None,
        as_of: datetime | None = None,
    ) -> SlaView:
        if filters.type:
            empty = pd.DataFrame(columns=list(SUMMARY_COLUMNS))
            return SlaView(empty, pd.DataFrame(), self.limit, unfiltered_by="type")
        fine, worst = self._engine(source, filters, config, as_of)
        summary = summary_per_priority(_keep(fine, filters))
        breaches = _keep(worst, filters).head(self.limit).reset_index(drop=True)
        return SlaView(summary, breaches, self.limit)


def sla_extra(
    source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
) -> SlaView:
    """A one-off provider (the CLI's): nothing is kept between calls."""
    section = SlaSection()
    try:
        return section(source, filters=filters, config=config, as_of=as_of)
    finally:
        section.release()
