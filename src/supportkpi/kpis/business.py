"""Business-time twins (``*_bh_s``) of the duration columns, from the config's schedules.

Each ticket's schedule is chosen by the config (customer tier, then team, then channel,
else ``default``); its business seconds come from :class:`~supportkpi.calendar.BusinessClock`
inside the engine. The status-based waits (requester wait, agent wait, on-hold) are
reported in calendar time only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import ibis.expr.types as ir

from supportkpi.calendar import BusinessClock, Schedule
from supportkpi.policy import Config, default_config, schedule_case

__all__ = [
    "BUSINESS_COLUMNS",
    "add_business_columns",
    "add_reply_business_columns",
    "business_reads",
    "clock_for",
]

# (business column, start column, end column); a null end means "as of" for open waits.
_TICKET_SPANS = (
    ("first_response_bh_s", "clock_start_at", "first_reply_at"),
    ("first_resolution_bh_s", "created_at", "first_solved_at"),
    ("full_resolution_bh_s", "created_at", "solved_at"),
)

_READS: dict[str, tuple[str, ...]] = {
    "first_response_bh_s": ("clock_start_at", "first_reply_at"),
    "first_resolution_bh_s": ("created_at", "first_solved_at"),
    "full_resolution_bh_s": ("created_at", "solved_at"),
    "waiting_so_far_bh_s": ("clock_start_at", "waiting_so_far_s"),
    "dialogue_resolution_bh_s": ("created_at", "solved_at", "dialogue_resolution_s"),
}
BUSINESS_COLUMNS: tuple[str, ...] = tuple(_READS)
"""The per-ticket business-time columns, in the order they are added."""

_SCHEDULE_READS: tuple[str, ...] = ("channel", "team", "customer_tier")
"""The columns a ticket's schedule is chosen by (see ``schedule_case``)."""


def business_reads(columns: Sequence[str]) -> list[str]:
    """The per-ticket calendar columns that ``columns`` (business-time ones) are built from,
    the schedule's keys included."""
    reads = [c for name in columns for c in _READS[name]]
    return list(dict.fromkeys([*_SCHEDULE_READS, *reads]))


class ClockFactory:
    """The config's schedules; a :class:`BusinessClock` is made once the data's span is known."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.schedules = {
            name: Schedule.from_config(name, cfg) for name, cfg in config.schedules.items()
        }

    def over(self, tickets: ir.Table, as_of: datetime) -> BusinessClock:
        first = tickets.created_at.min().to_pyarrow().as_py()
        return BusinessClock(self.schedules, first or as_of, as_of)


def clock_for(config: Config | None) -> ClockFactory:
    return ClockFactory(config if config is not None else default_config())


def _clock(clock: Any, tickets: ir.Table, as_of: datetime) -> BusinessClock:
    if isinstance(clock, BusinessClock):
        return clock
    if isinstance(clock, ClockFactory):
        return clock.over(tickets, as_of)
    raise TypeError(f"not a business clock: {clock!r}")


def add_business_columns(
    table: ir.Table,
    clock: Any,
    config: Config | None,
    *,
    as_of: datetime,
    tickets: ir.Table,
    columns: Sequence[str] = BUSINESS_COLUMNS,
) -> ir.Table:
    """The per-ticket table with business-time twins of its durations (those named in
    ``columns``; each span is computed only when asked for, as it costs joins)."""
    cfg = config if isinstance(config, Config) else default_config()
    bc = _clock(clock, tickets, as_of)
    wanted = set(columns)
    spans = [s for s in _TICKET_SPANS if s[0] in wanted]
    if "dialogue_resolution_bh_s" in wanted and "full_resolution_bh_s" not in wanted:
        spans.append(("bh_tmp_full", "created_at", "solved_at"))
    if "waiting_so_far_bh_s" in wanted:
        spans.append(("bh_tmp_wait", "clock_start_at", "bh_tmp_now"))
    t = table.mutate(bh_tmp_schedule=schedule_case(table, cfg))
    # one lookup per distinct instant, the evaluation instant without a join
    t = bc.annotate_many(t, spans, schedule=t.bh_tmp_schedule, instants={"bh_tmp_now": as_of})
    if "waiting_so_far_bh_s" in wanted:
        t = t.mutate(waiting_so_far_bh_s=t.waiting_so_far_s.isnull().ifelse(None, t.bh_tmp_wait))
    if "dialogue_resolution_bh_s" in wanted:
        full = t.full_resolution_bh_s if "full_resolution_bh_s" in wanted else t.bh_tmp_full
        t = t.mutate(dialogue_resolution_bh_s=t.dialogue_resolution_s.isnull().ifelse(None, full))
    helpers = [c for c in t.columns if c.startswith("bh_tmp_")]
    return t.drop(*helpers)


def add_reply_business_columns(
    table: ir.Table, clock: Any, config: Config | None, *, as_of: datetime, tickets: ir.Table
) -> ir.Table:
    """The next-reply table with ``next_reply_bh_s`` and ``waiting_so_far_bh_s``."""
    cfg = config if isinstance(config, Config) else default_config()
    bc = _clock(clock, tickets, as_of)
    t = table.mutate(bh_tmp_schedule=schedule_case(table, cfg))
    spans = [("next_reply_bh_s", "message_at", "next_reply_at"),
             ("bh_tmp_wait", "message_at", "bh_tmp_now")]  # fmt: skip
    t = bc.annotate_many(t, spans, schedule=t.bh_tmp_schedule, instants={"bh_tmp_now": as_of})
    t = t.mutate(waiting_so_far_bh_s=t.waiting_so_far_s.isnull().ifelse(None, t.bh_tmp_wait))
    return t.drop("bh_tmp_schedule", "bh_tmp_wait")
