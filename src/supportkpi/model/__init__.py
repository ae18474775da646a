"""The canonical data model (no engine imports)."""

from supportkpi.model.schema import (
    ACTOR_ROLES,
    AGENTS,
    CHANNELS,
    CONTACT_OUTCOMES,
    CONTACTS,
    EVENT_KINDS,
    EVENTS,
    PRIORITIES,
    REALTIME_CHANNELS,
    STATUSES,
    TABLES,
    TICKETS,
    Column,
    Kind,
    Table,
    check_channel,
)

__all__ = [
    "ACTOR_ROLES",
    "AGENTS",
    "CHANNELS",
    "CONTACTS",
    "CONTACT_OUTCOMES",
    "EVENTS",
    "EVENT_KINDS",
    "PRIORITIES",
    "REALTIME_CHANNELS",
    "STATUSES",
    "TABLES",
    "TICKETS",
    "Column",
    "Kind",
    "Table",
    "check_channel",
]
