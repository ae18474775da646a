"""The tickets behind a figure: the per-ticket metrics table, filtered in the engine.

A drill-down keeps the dashboard's filters and, when it starts from a KPI, narrows to that
KPI's population (the tickets the figure is computed over: a duration's or a rate's
non-null rows, a count's true rows, the open tickets for the backlog) within the period,
read on the KPI's own time column, so the list matches the figure's ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from supportkpi.errors import UserError
from supportkpi.kpis._time import as_instant, as_of_literal
from supportkpi.kpis.compute import inputs_of
from supportkpi.kpis.registry import REGISTRY
from supportkpi.kpis.tickets import ticket_metrics
from supportkpi.report.content import FILTER_DIMS, Filters

__all__ = ["TICKET_COLUMNS", "TicketPage", "drillable", "tickets_behind"]

TICKET_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "created_at",
    "channel",
    "type",
    "priority",
    "team",
    "agent_id",
    "status",
    "first_response_s",
    "full_resolution_s",
    "reopens",
    "fcr",
    "escalated",
    "rating",
)

_BACKLOG = ("backlog", "backlog_age")


@dataclass(frozen=True)
class TicketPage:
    total: int
    rows: pd.DataFrame


def drillable(kpi_id: str) -> bool:
    """Whether a KPI's figure has tickets behind it (phone and chat contacts do not)."""
    kpi = REGISTRY.get(kpi_id)
    return kpi is not None and kpi.source == "tickets"


def _bound(value: date | None, *, end: bool) -> datetime | None:
    """Dates as the engine reads them: ``since`` from its midnight, ``until`` inclusive."""
    if value is None:
        return None
    return as_instant(value) + (timedelta(days=1) if end else timedelta(0))


def _population(table: ir.Table, kpi_id: str) -> tuple[ir.Table, str | None]:
    """The KPI's population and the time column its period is read on (None: a snapshot)."""
    kpi = REGISTRY[kpi_id]
    if kpi_id in _BACKLOG:
        return table.filter(table.is_open), None
    if kpi.measure == "count":
        if kpi.column != "*":
            table = table.filter(table[kpi.column])
        return table, kpi.time_column
    return table.filter(table[kpi.column].notnull()), kpi.time_column


def tickets_behind(
    source: Any,
    filters: Filters,
    *,
    kpi: str | None = None,
    config: Any | None = None,
    as_of: datetime,
    limit: int = 200,
    offset: int = 0,
) -> TicketPage:
    """The tickets matching ``filters`` (and in ``kpi``'s population), newest first."""
    if kpi is not None and not drillable(kpi):
        raise UserError(
            f"KPI {kpi!r} has no tickets behind it",
            fix="choose a ticket KPI: " + ", ".join(k for k in REGISTRY if drillable(k)),
        )
    instant = as_instant(as_of)
    lower, upper = _bound(filters.since, end=False), _bound(filters.until, end=True)
    if kpi in _BACKLOG and upper is not None and upper < instant:
        instant = upper  # the backlog is a snapshot at the end of the period
    table = ticket_metrics(inputs_of(source), config, as_of=instant)
    time_column: str | None = "created_at"
    if kpi is not None:
        table, time_column = _population(table, kpi)
    for dim in FILTER_DIMS:
        value = getattr(filters, dim)
        if value:
            table = table.filter(table[dim] == value)
    if lower is not None and time_column is not None:
        table = table.filter(table[time_column] >= as_of_literal(lower))
    if upper is not None and time_column is not None:
        table = table.filter(table[time_column] < as_of_literal(upper))
    total = int(table.count().to_pyarrow().as_py())
    page = table.order_by([table.created_at.desc(), table.ticket_id]).limit(limit, offset=offset)
    rows: pd.DataFrame = page.select(*TICKET_COLUMNS).to_pandas()
    return TicketPage(total=total, rows=rows)
