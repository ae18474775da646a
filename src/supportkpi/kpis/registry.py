"""Every KPI of the product, by id: the ticket KPIs and the phone and chat KPIs."""

from __future__ import annotations

from supportkpi.kpis import contact_kpis, ticket_kpis
from supportkpi.kpis.definition import KPI

__all__ = ["DEFINITIONS", "DIMENSIONS", "REGISTRY", "dimensions_of"]


def _collect(*groups: tuple[KPI, ...]) -> dict[str, KPI]:
    out: dict[str, KPI] = {}
    for group in groups:
        for kpi in group:
            if kpi.id in out:
                raise ValueError(f"KPI id {kpi.id!r} is defined twice")
            out[kpi.id] = kpi
    for kpi in out.values():
        if kpi.counter_metric is not None and kpi.counter_metric not in out:
            raise ValueError(f"KPI {kpi.id!r}: unknown counter metric {kpi.counter_metric!r}")
    return out


REGISTRY: dict[str, KPI] = _collect(ticket_kpis.DEFINITIONS, contact_kpis.DEFINITIONS)
DEFINITIONS: tuple[KPI, ...] = tuple(REGISTRY.values())
"""Every KPI, in report order."""

_TICKET_DIMENSIONS: tuple[str, ...] = (
    "channel",
    "type",
    "priority",
    "team",
    "agent_id",
    "customer_tier",
    "product",
    "brand",
    "created_by",
    "tag",
)

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "tickets": _TICKET_DIMENSIONS,
    "replies": _TICKET_DIMENSIONS,
    "contacts": ("channel", "queue", "agent_id", "team"),
}
"""The dimensions each metrics table can be broken down by (``tag`` unnests the tags)."""


def dimensions_of(kpi: KPI) -> tuple[str, ...]:
    return DIMENSIONS[kpi.source]
