"""The per-contact metrics table: one row per phone call or chat session.

Every phone/chat KPI reads a column of :func:`contact_metrics`; each column is defined once
here, as a portable Ibis expression, and ``docs/kpis.md`` (section *Phone and chat*) states
the same rules in prose. The choices, precisely:

* **Offered**: every contact that reached the system, whatever its outcome (volume).
* **Sought an agent**: every contact except those *deflected* (resolved by the IVR or a
  bot). A deflected contact neither waited for nor left an agent, so it is outside every
  abandonment, wait and service-level population. An abandon in the IVR *is* in them: the
  customer came for help and left.
* **Abandoned**: outcome ``abandoned`` (the customer left before an agent answered). A
  requested *callback* is handled, not abandoned. ``abandoned_where`` is ``ivr`` when the
  contact never reached the agent queue (no ``queued_at``), ``queue`` otherwise.
* **Time to abandon**: ``abandoned_at`` (or ``ended_at`` when the source only records the
  end) minus ``arrived_at``.
* **Short abandon**: an abandon whose time to abandon is at most ``short_abandon`` seconds
  (default 5). Short abandons stay in ``abandoned_incl_short`` and leave the headline
  population (``abandoned_headline`` is null for them). An abandon with no known time is
  never short.
* **Wait** (speed of answer) is ``answered_at - arrived_at`` for answered contacts,
  **including** the IVR time; ``queue_wait_s`` counts from ``queued_at`` only.
* **Service level** is measured from queue entry, as queue systems do (the IVR is part of
  the wait time above, but a menu of fixed length would otherwise put the target out of
  reach for every call): the time is ``queue_wait_s``, or ``wait_s`` when the source has no
  ``queued_at``. The population is the answered contacts plus the contacts abandoned in the
  queue (not short) *after* spending more than the threshold there; within = answered
  within ``service_level`` (default 20 s; exactly at the threshold counts as within).
  Abandons before the threshold or in the IVR, callbacks, deflections and contacts with
  unknown times are outside the population (null).
* **Handling**: ``talk_s``, ``hold_s``, ``wrap_s`` and ``handle_s`` are reported for
  contacts an agent handled (answered or callback); an abandoned or deflected contact
  never carries handling time, so zeros in such rows cannot shorten the AHT.
  ``handle_s`` = talk + hold + wrap, a missing component counting as 0, null when all three
  are missing.

Durations are float seconds at millisecond precision (the finest every backend computes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from supportkpi.kpis._time import seconds_between
from supportkpi.kpis.inputs import Inputs

__all__ = [
    "CONTACT_COLUMNS",
    "DEFAULT_SERVICE_LEVEL_S",
    "DEFAULT_SHORT_ABANDON_S",
    "ContactThresholds",
    "contact_metrics",
    "contact_thresholds",
    "contacts_per_ticket",
]

DEFAULT_SHORT_ABANDON_S = 5.0
DEFAULT_SERVICE_LEVEL_S = 20.0

CONTACT_COLUMNS: tuple[str, ...] = (
    "contact_id",
    "channel",
    "queue",
    "agent_id",
    "team",
    "customer_id",
    "ticket_id",
    "arrived_at",
    "queued_at",
    "answered_at",
    "outcome",
    "offered",
    "sought_agent",
    "answered",
    "callback",
    "deflected",
    "abandoned",
    "abandoned_where",
    "short_abandon",
    "abandoned_incl_short",
    "abandoned_headline",
    "abandoned_in_ivr",
    "abandoned_in_queue",
    "wait_s",
    "queue_wait_s",
    "ivr_s",
    "time_to_abandon_s",
    "within_service_level",
    "talk_s",
    "hold_s",
    "wrap_s",
    "handle_s",
)
"""The columns of :func:`contact_metrics`, in order."""


@dataclass(frozen=True)
class ContactThresholds:
    """The two knobs of the contact KPIs, in seconds."""

    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S
    service_level_s: float = DEFAULT_SERVICE_LEVEL_S


def _seconds_value(value: Any) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total() if callable(total) else value)


def _from_config(config: Any, name: str) -> float | None:
    """``config.kpi.<name>`` (or ``<name>_s``), as seconds; None when the config lacks it."""
    for holder in (getattr(config, "kpi", None), config):
        if holder is None:
            continue
        for attr in (name, f"{name}_s"):
            value = getattr(holder, attr, None)
            if value is not None and not callable(value):
                return _seconds_value(value)
    return None


def contact_thresholds(
    config: Any | None = None,
    *,
    short_abandon: float | None = None,
    service_level: float | None = None,
) -> ContactThresholds:
    """The thresholds to use: explicit arguments, else the config's ``kpi`` section, else
    the defaults of the specification (5 s and 20 s)."""
    short = short_abandon
    level = service_level
    if config is not None:
        if short is None:
            short = _from_config(config, "short_abandon")
        if level is None:
            level = _from_config(config, "service_level")
    return ContactThresholds(
        short_abandon_s=DEFAULT_SHORT_ABANDON_S if short is None else float(short),
        service_level_s=DEFAULT_SERVICE_LEVEL_S if level is None else float(level),
    )


def _seconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """``end - start`` in float seconds, null when either is null (millisecond precision:
    ``epoch_seconds`` drops the fraction on some backends)."""
    return seconds_between(start, end)


def _null_float() -> ir.FloatingValue:
    return ibis.null().cast("float64")


def _null_bool() -> ir.BooleanValue:
    return ibis.null().cast("boolean")


def _when(condition: ir.BooleanValue, value: ir.Value, otherwise: ir.Value) -> ir.Value:
    return ibis.ifelse(condition, value, otherwise)


def _agent_teams(agents: ir.Table) -> ir.Table:
    """One team per agent id (the agents table is keyed by agent_id; a duplicated id must
    not multiply contacts)."""
    return agents.group_by(a_agent_id=agents.agent_id).agg(team=agents.team.max())


def contact_metrics(
    inputs: Inputs,
    config: Any | None = None,
    *,
    short_abandon: float | None = None,
    service_level: float | None = None,
) -> ir.Table:
    """One row per contact with the columns of :data:`CONTACT_COLUMNS`.

    ``config`` (the policy config) supplies ``kpi.short_abandon`` and
    ``kpi.service_level``; the keyword arguments override it.
    """
    th = contact_thresholds(config, short_abandon=short_abandon, service_level=service_level)
    c = inputs.contacts
    teams = _agent_teams(inputs.agents)
    j = c.left_join(teams, c.agent_id == teams.a_agent_id)

    outcome = j.outcome
    answered = (outcome == "answered").fill_null(False)
    callback = (outcome == "callback").fill_null(False)
    deflected = (outcome == "deflected").fill_null(False)
    abandoned = (outcome == "abandoned").fill_null(False)
    sought = ~deflected
    handled = answered | callback

    step1 = j.select(
        contact_id=j.contact_id,
        channel=j.channel,
        queue=j.queue,
        agent_id=j.agent_id,
        team=j.team,
        customer_id=j.customer_id,
        ticket_id=j.ticket_id,
        arrived_at=j.arrived_at,
        queued_at=j.queued_at,
        answered_at=j.answered_at,
        outcome=outcome,
        offered=ibis.literal(True),
        sought_agent=sought,
        answered=answered,
        callback=callback,
        deflected=deflected,
        abandoned=abandoned,
        abandoned_where=_when(
            abandoned,
            _when(j.queued_at.isnull(), ibis.literal("ivr"), ibis.literal("queue")),
            ibis.null().cast("string"),
        ),
        wait_s=_when(answered, _seconds_between(j.arrived_at, j.answered_at), _null_float()),
        queue_wait_s=_when(answered, _seconds_between(j.queued_at, j.answered_at), _null_float()),
        ivr_s=_seconds_between(j.arrived_at, j.queued_at),
        time_to_abandon_s=_when(
            abandoned,
            _seconds_between(j.arrived_at, j.abandoned_at.coalesce(j.ended_at)),
            _null_float(),
        ),
        talk_s=_when(handled, j.talk_seconds, _null_float()),
        hold_s=_when(handled, j.hold_seconds, _null_float()),
        wrap_s=_when(handled, j.wrap_seconds, _null_float()),
    )

    s = step1
    short = (
        s.abandoned & s.time_to_abandon_s.notnull() & (s.time_to_abandon_s <= th.short_abandon_s)
    ).fill_null(False)
    any_handling = s.talk_s.notnull() | s.hold_s.notnull() | s.wrap_s.notnull()
    level = th.service_level_s
    answer_s = s.queue_wait_s.fill_null(s.wait_s)
    in_queue_s = s.time_to_abandon_s - s.ivr_s.fill_null(0.0)
    within = ibis.cases(
        (s.answered & answer_s.notnull(), answer_s <= level),
        (
            s.abandoned
            & ~short
            & (s.abandoned_where == "queue")
            & in_queue_s.notnull()
            & (in_queue_s > level),
            ibis.literal(False),
        ),
        else_=_null_bool(),
    )
    return s.select(
        *[s[name] for name in CONTACT_COLUMNS[: CONTACT_COLUMNS.index("short_abandon")]],
        short_abandon=_when(s.sought_agent, short, _null_bool()),
        abandoned_incl_short=_when(s.sought_agent, s.abandoned, _null_bool()),
        abandoned_headline=_when(s.sought_agent & ~short, s.abandoned, _null_bool()),
        abandoned_in_ivr=_when(s.abandoned, s.abandoned_where == "ivr", _null_bool()),
        abandoned_in_queue=_when(s.abandoned, s.abandoned_where == "queue", _null_bool()),
        wait_s=s.wait_s,
        queue_wait_s=s.queue_wait_s,
        ivr_s=s.ivr_s,
        time_to_abandon_s=s.time_to_abandon_s,
        within_service_level=within,
        talk_s=s.talk_s,
        hold_s=s.hold_s,
        wrap_s=s.wrap_s,
        handle_s=_when(
            any_handling,
            s.talk_s.fill_null(0.0) + s.hold_s.fill_null(0.0) + s.wrap_s.fill_null(0.0),
            _null_float(),
        ),
    )


def contacts_per_ticket(inputs: Inputs) -> ir.Table:
    """One row per ticket that has at least one contact: how many contacts it took.

    Columns: ticket_id, channel and created_at (of the ticket; null when the ticket is not
    in the tickets table), contacts, answered_contacts, first_arrived_at. The mean of
    ``contacts`` is the *contacts per ticket* figure of the volume KPI.
    """
    c = inputs.contacts.filter(inputs.contacts.ticket_id.notnull())
    per = c.group_by(p_ticket_id=c.ticket_id).agg(
        contacts=c.count(),
        answered_contacts=c.count(where=c.outcome == "answered"),
        first_arrived_at=c.arrived_at.min(),
    )
    t = inputs.tickets
    tk = t.group_by(t_ticket_id=t.ticket_id).agg(
        t_channel=t.channel.max(), t_created_at=t.created_at.min()
    )
    j = per.left_join(tk, per.p_ticket_id == tk.t_ticket_id)
    return j.select(
        ticket_id=j.p_ticket_id,
        channel=j.t_channel,
        created_at=j.t_created_at,
        contacts=j.contacts,
        answered_contacts=j.answered_contacts,
        first_arrived_at=j.first_arrived_at,
    )
