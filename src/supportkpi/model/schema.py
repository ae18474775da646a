"""The canonical tables: tickets, events, contacts and agents.

This module is the single definition of the data model. The Arrow schemas used by the
importer and the simulator, the Ibis schemas used by the KPI engine and
``docs/data-model.md`` are all derived from it (a test fails when the doc drifts).

It imports no engine: the model is data.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

from supportkpi.errors import UserError

__all__ = [
    "ACTOR_ROLES",
    "AGENTS",
    "AGENT_ROLES",
    "CHANNELS",
    "CONTACTS",
    "CONTACT_OUTCOMES",
    "EVENTS",
    "EVENT_KINDS",
    "PRIORITIES",
    "RATINGS",
    "STATUSES",
    "TABLES",
    "TICKETS",
    "Column",
    "Kind",
    "Table",
    "check_channel",
    "check_value",
    "column_hint",
    "column_key",
    "nearest_value",
]


class Kind(StrEnum):
    """Logical column types. Each maps to one Arrow type."""

    STRING = "string"
    TIMESTAMP = "timestamp"  # an instant, stored in UTC
    FLOAT = "float"  # seconds and other measures
    INT = "int"
    BOOL = "bool"
    STRING_LIST = "list<string>"


ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.STRING: pa.string(),
    Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    Kind.FLOAT: pa.float64(),
    Kind.INT: pa.int64(),
    Kind.BOOL: pa.bool_(),
    Kind.STRING_LIST: pa.list_(pa.string()),
}

# --- vocabularies -------------------------------------------------------------------------

CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "social", "web", "messaging")
"""Channels a ticket or contact comes in through. Synonyms are mapped on import."""

REALTIME_CHANNELS: tuple[str, ...] = ("phone", "chat")
"""Channels whose contacts wait in a queue for an agent (abandonment, wait time)."""

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")

STATUSES: tuple[str, ...] = ("new", "open", "pending", "on_hold", "solved", "closed")
"""``pending`` waits on the customer; ``on_hold`` waits on a third party."""

ACTOR_ROLES: tuple[str, ...] = ("customer", "agent", "bot", "system")

EVENT_KINDS: tuple[str, ...] = (
    "message",
    "note",
    "status",
    "priority",
    "assignment",
    "escalation",
    "promise",
    "work",
    "rating",
    "confirmation",
)

CONTACT_OUTCOMES: tuple[str, ...] = ("answered", "abandoned", "callback", "deflected")
"""``callback``: the customer asked to be called back (handled, not abandoned);
``deflected``: resolved by the IVR or a bot without reaching the agent queue."""

RATINGS: tuple[str, ...] = ("good", "bad")

AGENT_ROLES: tuple[str, ...] = ("agent", "lead", "manager", "bot")

# Synonyms accepted on import (lower-cased, spaces and dashes folded to "_").
CHANNEL_SYNONYMS: dict[str, str] = {
    "e_mail": "email",
    "mail": "email",
    "emails": "email",
    "voice": "phone",
    "call": "phone",
    "calls": "phone",
    "telephone": "phone",
    "tel": "phone",
    "inbound_call": "phone",
    "livechat": "chat",
    "live_chat": "chat",
    "webchat": "chat",
    "web_chat": "chat",
    "twitter": "social",
    "facebook": "social",
    "instagram": "social",
    "social_media": "social",
    "web_form": "web",
    "webform": "web",
    "form": "web",
    "portal": "web",
    "api": "web",
    "whatsapp": "messaging",
    "telegram": "messaging",
    "sms": "messaging",
}


STATUS_SYNONYMS: dict[str, str] = {
    "hold": "on_hold",
    "onhold": "on_hold",
    "waiting_on_third_party": "on_hold",
    "waiting_on_customer": "pending",
    "awaiting_customer": "pending",
    "in_progress": "open",
    "reopened": "open",
    "resolved": "solved",
    "done": "solved",
    "archived": "closed",
}

PRIORITY_SYNONYMS: dict[str, str] = {
    "medium": "normal",
    "p4": "low",
    "p3": "normal",
    "p2": "high",
    "p1": "urgent",
    "critical": "urgent",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    meaning: str
    example: str
    allowed: tuple[str, ...] | None = None
    synonyms: dict[str, str] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    key: str
    columns: tuple[Column, ...]
    references: dict[str, str] = field(default_factory=dict)  # column -> "table.column"

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns]
        )


def _col(
    name: str,
    kind: Kind,
    required: bool,
    meaning: str,
    example: str,
    allowed: tuple[str, ...] | None = None,
    synonyms: dict[str, str] | None = None,
) -> Column:
    return Column(name, kind, required, meaning, example, allowed, synonyms)


S, TS, F, INT, B, L = (Kind.STRING, Kind.TIMESTAMP, Kind.FLOAT, Kind.INT, Kind.BOOL,
                       Kind.STRING_LIST)  # fmt: skip

TICKETS = Table(
    name="tickets",
    meaning="One customer problem (case, conversation, incident).",
    key="ticket_id",
    columns=(
        _col("ticket_id", S, True, "Ticket id in the source system.", "T-10042"),
        _col("created_at", TS, True, "When the ticket was created.", "2026-03-02T09:15:00+01:00"),
        _col(
            "channel", S, True, "Channel it came in through.", "email", CHANNELS, CHANNEL_SYNONYMS
        ),
        _col("customer_id", S, True, "The customer (requester).", "C-981"),
        _col(
            "created_by",
            S,
            False,
            "Who opened it: `customer` (demand) or `agent` (outbound, counted apart). "
            "Default `customer`.",
            "customer",
            ACTOR_ROLES,
        ),
        _col(
            "type",
            S,
            False,
            "Request type (delivery, defect, warranty, billing, how_to...).",
            "delivery",
        ),
        _col("tags", L, False, "Free tags; in CSV, separated by `;` or `|`.", "late;courier"),
        _col(
            "priority",
            S,
            False,
            "Priority when created (changes are events). Default `normal`.",
            "high",
            PRIORITIES,
            PRIORITY_SYNONYMS,
        ),
        _col("customer_tier", S, False, "Customer segment or tier.", "gold"),
        _col("team", S, False, "Team or group the ticket belongs to.", "tier1-emea"),
        _col("agent_id", S, False, "Current assignee.", "A-07"),
        _col("product", S, False, "Product the request is about.", "router-x2"),
        _col("brand", S, False, "Brand, for multi-brand desks.", "acme"),
        _col("subject", S, False, "Subject line (not used by KPIs).", "Where is my order?"),
        _col(
            "merged_into",
            S,
            False,
            "Set when this ticket was merged into another as a duplicate: it then counts "
            "once, as the ticket it was merged into.",
            "T-10040",
        ),
    ),
    references={"agent_id": "agents.agent_id", "merged_into": "tickets.ticket_id"},
)

EVENTS = Table(
    name="events",
    meaning="Something that happened to a ticket at a time, by an actor.",
    key="event_id",
    columns=(
        _col(
            "event_id",
            S,
            False,
            "Event id. When the source has none it is derived from the event's content, "
            "so re-imports are idempotent.",
            "E-5531",
        ),
        _col("ticket_id", S, True, "The ticket it belongs to.", "T-10042"),
        _col("at", TS, True, "When it happened.", "2026-03-02T10:01:12Z"),
        _col(
            "kind",
            S,
            True,
            "`message` (public or not), `note` (internal), `status`, `priority`, "
            "`assignment`, `escalation`, `promise`, `work`, `rating`, `confirmation` "
            "(the customer confirms the solution).",
            "message",
            EVENT_KINDS,
        ),
        _col("actor_role", S, True, "Who did it.", "agent", ACTOR_ROLES),
        _col("actor_id", S, False, "Agent id, customer id or bot name.", "A-07"),
        _col(
            "public",
            B,
            False,
            "For `message`: seen by the customer. Default true for messages, always "
            "false for notes.",
            "true",
        ),
        _col(
            "status",
            S,
            False,
            "For `status`: the new status.",
            "pending",
            STATUSES,
            STATUS_SYNONYMS,
        ),
        _col(
            "priority",
            S,
            False,
            "For `priority`: the new priority.",
            "urgent",
            PRIORITIES,
            PRIORITY_SYNONYMS,
        ),
        _col("team", S, False, "For `assignment`: the new team.", "tier2"),
        _col("assignee_id", S, False, "For `assignment`: the new assignee.", "A-12"),
        _col(
            "escalated_to",
            S,
            False,
            "For `escalation`: the higher tier or person (`tier2`, `tier3`, `manager`, `senior`).",
            "tier2",
        ),
        _col(
            "promised_at",
            TS,
            False,
            "For `promise`: the date the agent promised an update or a solution by.",
            "2026-03-04T17:00:00+01:00",
        ),
        _col("work_seconds", F, False, "For `work`: logged work time in seconds.", "540"),
        _col("rating", S, False, "For `rating`: the satisfaction rating.", "good", RATINGS),
    ),
    references={"ticket_id": "tickets.ticket_id"},
)

CONTACTS = Table(
    name="contacts",
    meaning="One real-time attempt to reach support: a phone call or a chat session.",
    key="contact_id",
    columns=(
        _col("contact_id", S, True, "Contact id (call id, chat session id).", "K-77812"),
        _col(
            "channel",
            S,
            True,
            "`phone` or `chat` (or another real-time channel).",
            "phone",
            CHANNELS,
            CHANNEL_SYNONYMS,
        ),
        _col(
            "arrived_at",
            TS,
            True,
            "When the customer arrived, including time in the IVR / automated menu.",
            "2026-03-02T09:00:03+01:00",
        ),
        _col(
            "queued_at",
            TS,
            False,
            "When the contact entered the agent queue (empty when it never left the IVR).",
            "2026-03-02T09:00:41+01:00",
        ),
        _col("answered_at", TS, False, "When an agent answered.", "2026-03-02T09:01:30+01:00"),
        _col("abandoned_at", TS, False, "When the customer gave up before an answer.", ""),
        _col("ended_at", TS, False, "When the contact ended.", "2026-03-02T09:07:10+01:00"),
        _col(
            "outcome",
            S,
            True,
            "`answered`, `abandoned`, `callback` (asked to be called back: handled), "
            "`deflected` (resolved by the IVR or a bot).",
            "answered",
            CONTACT_OUTCOMES,
        ),
        _col("talk_seconds", F, False, "Talk time in seconds.", "312"),
        _col("hold_seconds", F, False, "Hold time in seconds.", "25"),
        _col("wrap_seconds", F, False, "After-contact work (wrap-up) in seconds.", "60"),
        _col("queue", S, False, "Queue name.", "billing-en"),
        _col("agent_id", S, False, "Agent who answered.", "A-07"),
        _col("customer_id", S, False, "The customer, when known.", "C-981"),
        _col("ticket_id", S, False, "The ticket this contact belongs to, if any.", "T-10042"),
    ),
    references={"agent_id": "agents.agent_id", "ticket_id": "tickets.ticket_id"},
)

AGENTS = Table(
    name="agents",
    meaning="People and bots who act on tickets and contacts.",
    key="agent_id",
    columns=(
        _col("agent_id", S, True, "Agent id, as used in tickets, events and contacts.", "A-07"),
        _col("name", S, False, "Display name.", "Maria Ivanova"),
        _col("team", S, False, "Team.", "tier1-emea"),
        _col("tier", INT, False, "Support tier (1 = first line). Default 1.", "1"),
        _col(
            "role",
            S,
            False,
            "`agent`, `lead`, `manager` or `bot`. Default `agent`.",
            "agent",
            AGENT_ROLES,
        ),
        _col(
            "schedule",
            S,
            False,
            "Name of the business schedule the agent works on (see the config).",
            "emea",
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (TICKETS, EVENTS, CONTACTS, AGENTS)}


def nearest_value(column: Column, value: str) -> str | None:
    """The allowed value of ``column`` closest to ``value`` (through a synonym if that is
    closer), or None when none is close: the "did you mean" of errors and rejects."""
    synonyms = column.synonyms or {}
    folded = "_".join(value.strip().lower().replace("-", " ").split())
    close = difflib.get_close_matches(folded, [*(column.allowed or ()), *synonyms], n=1)
    return synonyms.get(close[0], close[0]) if close else None


def column_key(name: str) -> str:
    """A file's column name as the model's names are spelt: case, spaces and dashes
    ignored (``Ticket ID``, ``ticket-id`` and ``TICKET_ID`` are all ``ticket_id``)."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def column_hint(table: str, column: str, mapped: Mapping[str, str] | None = None) -> str:
    """Why a file's column was not imported, and what may have been meant: the import's
    note on each column it leaves out (a typo of a canonical name, or a column that
    belongs to another table, such as a ticket's current ``status``). ``mapped`` is the
    file's columns read under another header (model column -> header)."""
    own = TABLES[table]
    folded = column_key(column)
    if mapped and folded in mapped:
        return f"the config reads {folded} from {mapped[folded]}"
    # A repeated header: DuckDB's CSV reader names the second one ``<name>_1``.
    base = re.sub(r"_[0-9]+$", "", folded)
    for repeated in (folded, base):
        if repeated in own.names:
            return f"a second column named {repeated}"
    close = difflib.get_close_matches(folded, own.names, n=1, cutoff=0.75)
    if close:
        return f"did you mean {close[0]}?"
    elsewhere = [name for name, other in TABLES.items() if name != table and folded in other.names]
    if elsewhere:
        noun = "table" if len(elsewhere) == 1 else "tables"
        return f"a column of the {' and '.join(elsewhere)} {noun}, not of {table}"
    return f"not a {table} column"


def check_value(column: Column, value: str) -> str:
    """A value of a column with a closed set of values, as the model spells it (synonyms
    such as ``e-mail`` or ``voice`` mapped, as the import maps them); an unknown one is a
    user error naming the nearest valid value."""
    allowed = column.allowed or ()
    synonyms = column.synonyms or {}
    folded = "_".join(value.strip().lower().replace("-", " ").split())
    found = folded if folded in allowed else synonyms.get(folded)
    if found is not None:
        return found
    nearest = nearest_value(column, value)
    hint = f"did you mean {nearest!r}? " if nearest else ""
    raise UserError(
        f"unknown {column.name} {value!r}", fix=f"{hint}use one of: {', '.join(allowed)}"
    )


def check_channel(value: str) -> str:
    """A ticket's channel as the model spells it (see :func:`check_value`)."""
    return check_value(TICKETS["channel"], value)
