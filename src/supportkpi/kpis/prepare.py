"""The canonical tables made ready for the ticket metrics, as of an instant.

Two decisions live here, once for every ticket KPI:

* **Time.** Nothing after ``as_of`` exists: tickets created later and events that happened
  later are dropped, so any KPI can be recomputed "as it was" at a past instant.
* **Merged duplicates.** A ticket whose ``merged_into`` is set is not a ticket of its own:
  it has no row in the metrics table and is not demand. Its public messages, internal
  notes and logged work move to the ticket it was merged into (the customer did write,
  the agent did work). Its status, priority, assignment, escalation and rating events stay
  behind: they describe the duplicate's own life (typically "closed as merged") and would
  corrupt the surviving ticket's timeline. One hop is followed: the events of a ticket
  merged into a ticket that was itself merged (or into one that does not exist by
  ``as_of``) count nowhere, as the middle ticket has no row of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import as_of_literal
from supportkpi.kpis.inputs import Inputs

__all__ = [
    "MOVED_WITH_MERGE",
    "Prepared",
    "answered_from_creation",
    "answers",
    "conversation",
    "events_of",
    "messages_of",
    "outbound_answers",
    "prepare",
    "ticket_dims",
    "with_tables",
]

MOVED_WITH_MERGE: tuple[str, ...] = ("message", "note", "work")
"""Event kinds of a merged duplicate that count towards the ticket it was merged into."""


@dataclass(frozen=True)
class Prepared:
    tickets: ir.Table
    """Surviving tickets created by ``as_of`` with defaults applied, plus ``merged_tickets``."""
    events: ir.Table
    """Events by ``as_of`` on surviving tickets (``ticket_id`` already remapped), plus
    ``is_public`` (a public message), ``own`` (not moved from a duplicate), and of the
    ticket they count towards ``ticket_created_at`` and ``outbound`` (created by an
    agent)."""
    as_of: ir.TimestampScalar
    raw_events: ir.Table | None = None
    """The canonical events with ``is_public``, before the time bound and the merge join
    (see :func:`events_of`)."""
    owners: ir.Table | None = None
    """Each ticket id -> the surviving ticket its events count towards (``owner_id``),
    whether it is a duplicate, and when that surviving ticket was created and whether an
    agent created it (``owner_created_at``, ``owner_outbound``); ids whose events count
    nowhere are absent."""
    intervals: ir.Table | None = None
    """The status intervals (see :func:`~supportkpi.kpis.status.intervals_of`) when the
    caller materialized them for several readers; else they are built per reader."""
    messages: ir.Table | None = None
    """The public messages of customers and agents (``ticket_id``, ``at``, ``by_agent``)
    when the caller materialized them for several readers (see :func:`messages_of`)."""


EventFilter = Callable[[ir.Table], ir.BooleanValue]


def events_of(prep: Prepared, where: EventFilter) -> ir.Table:
    """``prep.events`` restricted to the rows where ``where`` holds (a predicate over the
    event's own columns: kind, actor_role, is_public, status...; not ``own``).

    The restriction is applied to the canonical events before the merge join, so a query
    that reads only replies joins only replies; and each restriction is a query of its own,
    so the engine never materializes every event of every kind for several readers."""
    if prep.raw_events is None or prep.owners is None:
        return prep.events.filter(where(prep.events))
    raw = prep.raw_events
    raw = raw.filter((raw.at <= prep.as_of) & where(raw))
    return _merged_events(raw, prep.owners)


def messages_of(prep: Prepared, role: str) -> ir.Table:
    """The public messages written by ``role`` (``customer`` or ``agent``): a table with at
    least ``ticket_id``, ``at``, ``ticket_created_at`` and ``outbound``.

    First replies, reopens, the dialogue and next reply time all read these two streams;
    when the caller materialized them once (``prep.messages``) they are read from there
    instead of folding the events into their tickets again for each reader."""
    if role not in ("customer", "agent"):
        raise ValueError(f"messages are read for a customer or an agent, not {role!r}")
    if prep.messages is not None:
        m = prep.messages
        return m.filter(m.by_agent if role == "agent" else ~m.by_agent)
    return events_of(prep, lambda r: r.is_public & (r.actor_role == role))


def conversation(prep: Prepared) -> ir.Table:
    """Every public message of a customer or an agent (``ticket_id``, ``at``,
    ``by_agent``, and the ticket's ``ticket_created_at`` and ``outbound``), for a caller
    that materializes them once for several readers."""
    e = events_of(prep, lambda r: r.is_public & r.actor_role.isin(("customer", "agent")))
    return e.select(
        "ticket_id", "at", "ticket_created_at", "outbound", by_agent=e.actor_role == "agent"
    )


def answered_from_creation(m: ir.Table) -> ir.BooleanValue:
    """Whether a message of ``m`` (with ``at``, ``ticket_created_at``, ``outbound``) is on
    a ticket a customer opened, from its creation on: the clock of such a ticket starts at
    creation, so an agent's public message there answers the customer."""
    return ~m.outbound & (m.at >= m.ticket_created_at)


def outbound_answers(prep: Prepared) -> ir.Table:
    """Public agent messages that answer the customer on agent-created tickets
    (``ticket_id``, ``at``): those from the customer's first public message on, when the
    clock of such a ticket starts; the outreach before it is not an answer."""
    customer = messages_of(prep, "customer")
    customer = customer.filter(customer.outbound)
    firsts = customer.group_by(c_ticket=customer.ticket_id).agg(first_cust=customer.at.min())
    agent = messages_of(prep, "agent")
    out = agent.filter(agent.outbound)
    out = out.inner_join(firsts, (out.ticket_id == firsts.c_ticket) & (out.at >= firsts.first_cust))
    return out.select(ticket_id=out.ticket_id, at=out.at)


def answers(prep: Prepared) -> ir.Table:
    """Public agent messages that answer the customer (``ticket_id``, ``at``): those from
    the ticket's clock start on. Every message carries when its ticket was created, so a
    customer-opened ticket's answers are filtered row by row
    (:func:`answered_from_creation`); only agent-created tickets, a few, need a second
    look at their messages (:func:`outbound_answers`)."""
    agent = messages_of(prep, "agent")
    demand = agent.filter(answered_from_creation(agent))
    return demand.select("ticket_id", "at").union(outbound_answers(prep))


def _merged_events(ev: ir.Table, owner: ir.Table) -> ir.Table:
    joined = ev.inner_join(owner, ev.ticket_id == owner.src_id)
    joined = joined.filter(~joined.is_dup | joined.kind.isin(MOVED_WITH_MERGE))
    return joined.select(
        ticket_id=joined.owner_id,
        event_id=joined.event_id,
        at=joined.at,
        kind=joined.kind,
        actor_role=joined.actor_role,
        is_public=joined.is_public,
        own=~joined.is_dup,
        status=joined.status,
        priority=joined.priority,
        team=joined.team,
        assignee_id=joined.assignee_id,
        escalated_to=joined.escalated_to,
        work_seconds=joined.work_seconds,
        rating=joined.rating,
        ticket_created_at=joined.owner_created_at,
        outbound=joined.owner_outbound,
    )


def prepare(inputs: Inputs, as_of: datetime) -> Prepared:
    at = as_of_literal(as_of)
    raw = inputs.tickets.filter(inputs.tickets.created_at <= at)
    merged = raw.filter(raw.merged_into.notnull())
    merged_counts = merged.group_by(ticket_id=merged.merged_into).agg(merged_tickets=merged.count())
    alive = raw.filter(raw.merged_into.isnull())
    alive = alive.select(
        "ticket_id",
        "created_at",
        "channel",
        "customer_id",
        created_by=alive.created_by.fill_null("customer"),
        type=alive.type,
        tags=alive.tags,
        initial_priority=alive.priority.fill_null("normal"),
        customer_tier=alive.customer_tier,
        team=alive.team,
        agent_id=alive.agent_id,
        product=alive.product,
        brand=alive.brand,
    )
    alive = alive.left_join(merged_counts, "ticket_id").select(
        *[alive[c] for c in alive.columns],
        merged_tickets=merged_counts.merged_tickets.fill_null(0),
    )

    # Events count towards a surviving ticket: its own, or for a duplicate the ticket it
    # was merged into when that one survives (merged into an unknown or future ticket,
    # they have nowhere to go).
    own_rows = raw.filter(raw.merged_into.isnull()).select(
        src_id=raw.ticket_id,
        owner_id=raw.ticket_id,
        is_dup=ibis.literal(False),
        owner_created_at=raw.created_at,
        owner_outbound=raw.created_by.fill_null("customer") == "agent",
    )
    targets = own_rows.select(
        target_id=own_rows.src_id,
        target_created_at=own_rows.owner_created_at,
        target_outbound=own_rows.owner_outbound,
    )
    dups = merged.inner_join(targets, merged.merged_into == targets.target_id)
    dup_rows = dups.select(
        src_id=dups.ticket_id,
        owner_id=dups.merged_into,
        is_dup=ibis.literal(True),
        owner_created_at=dups.target_created_at,
        owner_outbound=dups.target_outbound,
    )
    owner = own_rows.union(dup_rows)
    raw_events = inputs.events.mutate(
        is_public=(inputs.events.kind == "message") & inputs.events.public.fill_null(True)
    )
    events = _merged_events(raw_events.filter(raw_events.at <= at), owner)
    return Prepared(tickets=alive, events=events, as_of=at, raw_events=raw_events, owners=owner)


def with_tables(prep: Prepared, *, tickets: ir.Table, owners: ir.Table | None) -> Prepared:
    """``prep`` reading ``tickets`` and ``owners`` instead of its own (the same rows,
    typically materialized once by a caller that runs several queries over them)."""
    events = prep.events
    if owners is not None and prep.raw_events is not None:
        raw = prep.raw_events
        events = _merged_events(raw.filter(raw.at <= prep.as_of), owners)
    return replace(
        prep, tickets=tickets, events=events, owners=owners, intervals=None, messages=None
    )


def ticket_dims(prep: Prepared, *, created: bool = False, priority: bool = True) -> ir.Table:
    """The dimensions of each ticket (keyed ``d_ticket``), priority after its changes;
    with ``created``, also when the ticket was created (``created_at``). Without
    ``priority`` that column is left out, and so is the search of priority changes."""
    t = prep.tickets
    if priority:
        e = events_of(prep, lambda r: (r.kind == "priority") & r.priority.notnull())
        prio = e.filter(e.own)
        last = prio.group_by(p_ticket=prio.ticket_id).agg(
            last_priority=prio.priority.argmax(prio.at)
        )
        j = t.left_join(last, t.ticket_id == last.p_ticket)
        current = {"priority": ibis.coalesce(j.last_priority, j.initial_priority)}
    else:
        j, current = t, {}
    return j.select(
        d_ticket=j.ticket_id,
        channel=j.channel,
        type=j.type,
        tags=j.tags,
        **current,
        customer_tier=j.customer_tier,
        team=j.team,
        agent_id=j.agent_id,
        product=j.product,
        brand=j.brand,
        created_by=j.created_by,
        **({"created_at": j.created_at} if created else {}),
    )
