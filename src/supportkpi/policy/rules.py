"""Applying the config to data: which SLA policy and schedule a ticket falls under, and the
benchmark grade of a figure. Each rule exists once in Python (for one ticket) and once as a
portable Ibis expression (for a whole table); tests check they agree."""

from __future__ import annotations

import math
from typing import Literal

import ibis
import ibis.expr.types as ir

from supportkpi.policy.config import Config, SlaPolicy, default_config

__all__ = ["GRADES", "Grade", "grade", "match_policy", "policy_case", "schedule_case"]

Grade = Literal["excellent", "good", "satisfactory", "below"]
GRADES: tuple[Grade, ...] = ("excellent", "good", "satisfactory", "below")


def match_policy(
    config: Config,
    *,
    priority: str | None,
    channel: str | None,
    type: str | None,
    customer_tier: str | None,
) -> SlaPolicy | None:
    """The first policy, in file order, whose conditions all hold (None if none does)."""
    for policy in config.sla.policies:
        if policy.matches(
            priority=priority, channel=channel, type=type, customer_tier=customer_tier
        ):
            return policy
    return None


def _condition(t: ir.Table, policy: SlaPolicy) -> ir.BooleanValue:
    condition: ir.BooleanValue = ibis.literal(True)
    m = policy.match
    for column, allowed in (
        ("priority", m.priority),
        ("channel", m.channel),
        ("type", m.type),
        ("customer_tier", m.customer_tier),
    ):
        if allowed:
            if column not in t.columns:  # no such data: the condition cannot hold
                return ibis.literal(False)
            condition = condition & t[column].isin(allowed).fill_null(False)
    return condition


def policy_case(t: ir.Table, config: Config) -> ir.StringValue:
    """Per row of ``t`` (columns priority, channel, type, customer_tier): the name of the
    first matching SLA policy, or null. A condition on a column that ``t`` lacks, or on a
    null value, does not hold (as in :func:`match_policy` with ``None``)."""
    result: ir.StringValue = ibis.null("string")
    for policy in reversed(config.sla.policies):
        result = ibis.ifelse(_condition(t, policy), ibis.literal(policy.name), result)
    return result


def schedule_case(t: ir.Table, config: Config | None = None) -> ir.StringValue:
    """Per row of ``t``: the business schedule's name. A customer tier's schedule wins over
    a team's, which wins over a channel's; otherwise ``default``. A column that ``t`` lacks
    (or a null value) chooses nothing. ``config`` defaults to :func:`default_config`."""
    chosen = (config if config is not None else default_config()).schedule_for
    result: ir.StringValue = ibis.literal("default")
    for column, mapping in (
        ("channel", chosen.channel),
        ("team", chosen.team),
        ("customer_tier", chosen.customer_tier),
    ):
        if column not in t.columns:
            continue
        for value, name in mapping.items():
            result = ibis.ifelse((t[column] == value).fill_null(False), ibis.literal(name), result)
    return result


def grade(config: Config, channel: str | None, seconds: float | None) -> Grade | None:
    """The benchmark grade of a response or wait time on ``channel``: a value equal to a
    tier's limit meets that tier. None when the channel has no benchmark or no value.
    Callers grade the median and the p90 separately and say which."""
    if channel is None or seconds is None or math.isnan(seconds):
        return None
    tiers = config.benchmarks.get(channel)
    if tiers is None:
        return None
    if seconds <= tiers.excellent:
        return "excellent"
    if seconds <= tiers.good:
        return "good"
    if seconds <= tiers.satisfactory:
        return "satisfactory"
    return "below"
