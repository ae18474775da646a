"""Benchmark grades of first response and wait time, from the policy config.

The tiers (excellent / good / satisfactory per channel) belong to the policy
(``supportkpi.policy.grade``); this module only asks it, on the median and on p90, and
says which.
"""

from __future__ import annotations

from typing import Any

from supportkpi.policy import default_config, grade

__all__ = ["GRADED_KPIS", "GRADES", "grade_of"]

GRADED_KPIS: tuple[str, ...] = ("first_response", "wait_time")
"""The KPIs graded against the channel benchmarks (speed of the first answer)."""

GRADES: tuple[str, ...] = ("excellent", "good", "satisfactory", "below")


def grade_of(config: Any | None, channel: str | None, seconds: float | None) -> str | None:
    """The grade of ``seconds`` on ``channel`` under ``config`` (the defaults when None);
    None when the channel has no benchmark or there is no value."""
    if channel is None or seconds is None:
        return None
    result = grade(config if config is not None else default_config(), channel, seconds)
    return None if result is None else str(result)
