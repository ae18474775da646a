"""The workflow adherence section: per team and per agent, how many of the ideal
workflow's steps their tickets passed, among the steps the data can show.

A provider for :func:`~supportkpi.report.content.build_content`'s ``extras``: the per-ticket
steps come from :func:`supportkpi.signals.workflow_adherence` (read up to the report's
``until``, or the end of the data), the figures from
:func:`supportkpi.signals.workflow_summary`. A step the data cannot show is ``unknown``: it
is never counted as passed, and a step nothing is known about is shown as unknown.

The per-ticket table is built once per ``until`` and kept (materialized in the backend);
filters narrow it before the summary: the period on the ticket's creation, channel, type
and priority through the ticket's own attributes, team and agent directly.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import as_instant, as_of_literal
from supportkpi.kpis.compute import inputs_of
from supportkpi.kpis.resources import cache_table
from supportkpi.report.content import Filters

__all__ = ["WorkflowSection", "WorkflowView", "workflow_extra"]


@dataclass(frozen=True)
class WorkflowView:
    """``workflow_summary`` per team and per agent (its columns, in its order)."""

    teams: pd.DataFrame
    agents: pd.DataFrame
    steps: tuple[str, ...]


def _with_ticket_dims(per_ticket: ir.Table, source: Any) -> ir.Table:
    tickets = inputs_of(source).tickets
    dims = tickets.select(
        wf_ticket=tickets.ticket_id,
        channel=tickets.channel,
        type=tickets.type,
        priority=tickets.priority,
    )
    joined = per_ticket.left_join(dims, per_ticket.ticket_id == dims.wf_ticket)
    return joined.drop("wf_ticket")


def _release(table: ir.Table) -> None:
    release = getattr(table, "release", None)
    if callable(release):
        release()


class WorkflowSection:
    """The provider (``extras={"workflow": WorkflowSection()}``), keeping the per-ticket
    steps per ``until`` for the dashboard's filter changes."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._lock = threading.RLock()
        self._source: Any = None
        self._cache: dict[Hashable, ir.Table] = {}

    def _per_ticket(self, source: Any, filters: Filters, config: Any) -> ir.Table:
        from supportkpi.signals import workflow_adherence
        from supportkpi.signals.context import make_context

        key = filters.until
        with self._lock:
            if source is not self._source:  # what is kept belongs to one source
                self._cache.clear()
                self._source = source
            found = self._cache.get(key)
            if found is None:
                # Our own context, so that its materialized metrics are freed once the
                # steps are materialized (a backend without caching keeps the expression).
                ctx = make_context(source, since=None, until=key, config=config, settings=None)
                table = workflow_adherence(source, config=config, until=key, context=ctx)
                found = _with_ticket_dims(table, source)
                try:
                    found = cache_table(found)
                    ctx.release()
                except Exception:  # pragma: no cover - a backend without caching
                    pass
                if len(self._cache) >= self.keep:
                    _release(self._cache.pop(next(iter(self._cache))))
                self._cache[key] = found
            return found

    def release(self) -> None:
        """Free the kept per-ticket tables (before their connection closes)."""
        with self._lock:
            for table in self._cache.values():
                _release(table)
            self._cache.clear()

    def __call__(
        self,
        source: Any,
        *,
        filters: Filters,
        config: Any = None,
        as_of: datetime | None = None,
    ) -> WorkflowView:
        from supportkpi.signals import STEPS, workflow_summary

        t = self._per_ticket(source, filters, config)
        for dim, value in filters.dims().items():
            t = t.filter(t[dim] == value)
        if filters.since is not None:
            t = t.filter(t.created_at >= as_of_literal(as_instant(filters.since)))
        if filters.until is not None:
            end = as_instant(filters.until) + timedelta(days=1)
            t = t.filter(t.created_at < as_of_literal(end))
        teams = workflow_summary(t, by="team").to_pandas()
        agents = workflow_summary(t, by="agent_id").to_pandas()
        return WorkflowView(teams=teams, agents=agents, steps=tuple(STEPS))


def workflow_extra(
    source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
) -> WorkflowView:
    """A one-off provider (the CLI's)."""
    section = WorkflowSection()
    try:
        return section(source, filters=filters, config=config, as_of=as_of)
    finally:
        section.release()
