"""SLA views for people: targets at risk, compliance per group, the worst breaches.

All three read :func:`supportkpi.kpis.sla.sla_outcomes`; the at-risk deadlines are computed
outside the engine, for the running rows only (a small set), with
:func:`supportkpi.calendar.add_business_seconds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from supportkpi.calendar import Schedule, add_business_seconds
from supportkpi.kpis._time import as_instant, as_of_literal, now_utc
from supportkpi.kpis.sla import OUTCOME_COLUMNS, TARGETS, inputs_of, sla_outcomes
from supportkpi.policy import Config, default_config

__all__ = [
    "AT_RISK_COLUMNS",
    "SUMMARY_GROUPS",
    "data_end",
    "sla_at_risk",
    "sla_breaches",
    "sla_summary",
]

AT_RISK_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "target",
    "cycle",
    "policy",
    "basis",
    "started_at",
    "elapsed_s",
    "target_s",
    "remaining_s",
    "due_at",
    "paused",
    "priority",
    "channel",
    "team",
    "agent_id",
)

SUMMARY_GROUPS: tuple[str, ...] = ("policy", "priority", "channel", "team", "agent_id")
"""Columns ``sla_summary`` can group by."""


def data_end(source: Any) -> datetime | None:
    """The last instant the data knows of: the latest ticket creation, event, contact
    arrival or end (``None`` for an empty store).

    The store knows nothing after it, so it is the honest default instant for SLA clocks,
    and every command's (``--as-of``): a target still running then is reported as running,
    not as breached by the months that passed since the data was exported.
    """
    inputs = inputs_of(source)
    c = inputs.contacts
    maxima = [
        inputs.tickets.created_at.max(),
        inputs.events.at.max(),
        c.arrived_at.max(),
        c.ended_at.max(),
    ]
    found = [m.to_pyarrow().as_py() for m in maxima]
    return max((as_instant(v).astimezone(UTC) for v in found if v is not None), default=None)


def _now(as_of: datetime | None) -> datetime:
    return as_instant(as_of).astimezone(UTC) if as_of is not None else now_utc()


def sla_at_risk(
    source: Any,
    config: Config | None = None,
    *,
    as_of: datetime | None = None,
    horizon_s: float | None = None,
) -> pd.DataFrame:
    """Running targets not yet breached whose deadline falls within ``horizon_s`` of
    ``as_of`` (default: the config's ``sla.at_risk_horizon``), sorted by ``due_at``.

    ``due_at`` is ``as_of`` plus the remaining seconds, counted in the policy's basis
    (working time of the row's schedule for business policies). A resolution clock paused
    right now (``paused`` true) has no deadline yet: ``due_at`` is empty, and the row is
    listed (after the dated ones) when its remaining time is within the horizon.
    """
    cfg = config if config is not None else default_config()
    instant = _now(as_of)
    horizon = float(horizon_s if horizon_s is not None else cfg.sla.at_risk_horizon)
    rows = sla_outcomes(source, cfg, as_of=instant)
    running = rows.filter(rows.outcome == "running").to_pandas()
    running["remaining_s"] = (running["target_s"] - running["elapsed_s"]).clip(lower=0.0)
    due = pd.Series(pd.NaT, index=running.index, dtype="datetime64[us, UTC]")
    start = np.datetime64(instant.replace(tzinfo=None), "us")
    dated = ~running["paused"].astype(bool)
    calendar = dated & (running["basis"] == "calendar")
    due[calendar] = [
        pd.Timestamp(instant) + timedelta(seconds=float(s))
        for s in running.loc[calendar, "remaining_s"]
    ]
    business = dated & (running["basis"] == "business")
    for name, group in running[business].groupby("schedule"):
        schedule = Schedule.from_config(str(name), cfg.schedules[str(name)])
        starts = np.full(len(group), start)
        when = add_business_seconds(schedule, starts, group["remaining_s"].to_numpy())
        due[group.index] = pd.to_datetime(when).tz_localize("UTC")
    running["due_at"] = due
    limit = pd.Timestamp(instant) + timedelta(seconds=horizon)
    keep = running["due_at"].le(limit) | (
        running["paused"].astype(bool) & running["remaining_s"].le(horizon)
    )
    out = running[keep].sort_values(["due_at", "ticket_id", "target"], na_position="last")
    return pd.DataFrame(out[list(AT_RISK_COLUMNS)].reset_index(drop=True))


def _between(
    source: Any,
    config: Config | None,
    since: date | datetime | None,
    until: date | datetime | None,
    as_of: datetime | None,
    outcomes: Any = None,
) -> Any:
    """Outcomes whose clock started in [since, until) (``until`` as a date includes that day)."""
    rows = outcomes if outcomes is not None else sla_outcomes(source, config, as_of=_now(as_of))
    if since is not None:
        rows = rows.filter(rows.started_at >= as_of_literal(as_instant(since)))
    if until is not None:
        end = as_instant(until)
        if not isinstance(until, datetime):
            end = end + timedelta(days=1)
        rows = rows.filter(rows.started_at < as_of_literal(end))
    return rows


def sla_summary(
    source: Any,
    config: Config | None = None,
    *,
    by: Sequence[str] = ("priority",),
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    as_of: datetime | None = None,
    outcomes: Any = None,
) -> pd.DataFrame:
    """Per group and target: met, breached, running, compliance = met / (met + breached).

    A clock still running past its target is already breached and counts as breached;
    ``running`` counts only clocks still within their target, which do not enter the
    compliance rate. Compliance is empty (NaN) for a group with nothing met or breached.

    ``outcomes``: a table :func:`~supportkpi.kpis.sla.sla_outcomes` already returned for this
    source, config and ``as_of`` (kept by a caller that asks for several periods); it is
    filtered by period here instead of being computed again.
    """
    for column in by:
        if column not in SUMMARY_GROUPS:
            raise ValueError(f"cannot group SLA outcomes by {column!r}; use {SUMMARY_GROUPS}")
    rows = _between(source, config, since, until, as_of, outcomes)
    keys = [*by, "target"]
    counts = rows.group_by(keys).agg(
        met=(rows.outcome == "met").sum(),
        breached=(rows.outcome == "breached").sum(),
        running=(rows.outcome == "running").sum(),
    )
    frame = counts.to_pandas()
    for column in ("met", "breached", "running"):
        frame[column] = frame[column].fillna(0).astype("int64")
    judged = frame["met"] + frame["breached"]
    frame["compliance"] = (frame["met"] / judged.where(judged > 0)).astype("float64")
    order = {name: i for i, name in enumerate(TARGETS)}
    frame["_order"] = frame["target"].map(order)
    frame = frame.sort_values([*by, "_order"], na_position="last").drop(columns="_order")
    return pd.DataFrame(
        frame[[*keys, "met", "breached", "running", "compliance"]].reset_index(drop=True)
    )


def sla_breaches(
    source: Any,
    config: Config | None = None,
    *,
    limit: int = 20,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    as_of: datetime | None = None,
    outcomes: Any = None,
) -> pd.DataFrame:
    """The worst breaches first (largest ``breached_by_s``), at most ``limit`` rows; running
    clocks already past their target are included. ``outcomes``: as for
    :func:`sla_summary`."""
    rows = _between(source, config, since, until, as_of, outcomes)
    rows = rows.filter(rows.outcome == "breached")
    rows = rows.order_by([rows.breached_by_s.desc(), rows.ticket_id, rows.target, rows.cycle])
    frame = rows.limit(limit).to_pandas()
    first = ["ticket_id", "target", "breached_by_s"]
    rest = [c for c in OUTCOME_COLUMNS if c not in first]
    return pd.DataFrame(frame[first + rest].reset_index(drop=True))
