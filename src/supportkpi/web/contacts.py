"""The contacts behind a phone or chat figure: the per-contact metrics table, filtered in
the engine.

Like the ticket drill-down (:mod:`supportkpi.web.tickets`): the dashboard's filters apply,
and a KPI narrows to its population, the contacts its figure is computed over (a count's
true rows, a rate's or a duration's non-null rows, on the KPI's channels), within the
period read on the contact's arrival, so the list's total equals the figure's ``n``.
Contacts have a channel, a team and an agent but no ticket type or priority: those
filters are refused rather than ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis.expr.types as ir

from supportkpi.errors import UserError
from supportkpi.kpis._time import as_of_literal
from supportkpi.kpis.compute import inputs_of
from supportkpi.kpis.contacts import contact_metrics
from supportkpi.kpis.registry import REGISTRY
from supportkpi.report.content import Filters
from supportkpi.web.tickets import TicketPage, _bound

__all__ = ["CONTACT_COLUMNS_SHOWN", "contact_drillable", "contacts_behind"]

CONTACT_COLUMNS_SHOWN: tuple[str, ...] = (
    "contact_id",
    "arrived_at",
    "channel",
    "queue",
    "team",
    "agent_id",
    "outcome",
    "wait_s",
    "time_to_abandon_s",
    "talk_s",
    "hold_s",
    "wrap_s",
    "ticket_id",
)

_CONTACT_DIMS = ("channel", "team", "agent_id")


def contact_drillable(kpi_id: str) -> bool:
    """Whether a KPI's figure has phone or chat contacts behind it."""
    kpi = REGISTRY.get(kpi_id)
    return kpi is not None and kpi.source == "contacts"


def _population(table: ir.Table, kpi_id: str) -> ir.Table:
    kpi = REGISTRY[kpi_id]
    if kpi.channels is not None:
        table = table.filter(table.channel.isin(kpi.channels))
    if kpi.measure == "count":
        if kpi.column != "*":
            table = table.filter(table[kpi.column].cast("boolean").fill_null(False))
        return table
    return table.filter(table[kpi.column].notnull())


def contacts_behind(
    source: Any,
    filters: Filters,
    *,
    kpi: str | None = None,
    config: Any | None = None,
    as_of: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> TicketPage:
    """The contacts matching ``filters`` (and in ``kpi``'s population), newest first.

    ``as_of`` is accepted for symmetry with the ticket drill-down: contacts are final
    when recorded, so their metrics do not depend on it."""
    if kpi is not None and not contact_drillable(kpi):
        raise UserError(
            f"KPI {kpi!r} has no contacts behind it",
            fix="choose a phone or chat KPI: "
            + ", ".join(k for k in REGISTRY if contact_drillable(k)),
        )
    for dim in ("type", "priority"):
        if getattr(filters, dim):
            raise UserError(
                f"contacts have no ticket {dim}",
                fix=f"remove the {dim} filter to list phone and chat contacts",
            )
    table = contact_metrics(inputs_of(source), config)
    if kpi is not None:
        table = _population(table, kpi)
    for dim in _CONTACT_DIMS:
        value = getattr(filters, dim)
        if value:
            table = table.filter(table[dim] == value)
    lower, upper = _bound(filters.since, end=False), _bound(filters.until, end=True)
    if lower is not None:
        table = table.filter(table.arrived_at >= as_of_literal(lower))
    if upper is not None:
        table = table.filter(table.arrived_at < as_of_literal(upper))
    total = int(table.count().to_pyarrow().as_py())
    page = table.order_by([table.arrived_at.desc(), table.contact_id]).limit(limit, offset=offset)
    return TicketPage(total=total, rows=page.select(*CONTACT_COLUMNS_SHOWN).to_pandas())
