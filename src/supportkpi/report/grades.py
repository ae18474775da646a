"""Benchmark grades of first response and wait time, from the policy config.

The tiers (excellent / good / satisfactory per channel) belong to the policy
(``supportkpi.policy.grade``); this module only asks it, on the median and on p90, and
says which. When the policy module is not available no grade is shown: a grade is never
invented here.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["GRADED_KPIS", "GRADES", "grade_of", "grading_available"]

GRADED_KPIS: tuple[str, ...] = ("first_response", "wait_time")
"""The KPIs graded against the channel benchmarks (speed of the first answer)."""

GRADES: tuple[str, ...] = ("excellent", "good", "satisfactory", "below")


def _grader() -> Any | None:
    try:
        policy = importlib.import_module("supportkpi.policy")
    except ImportError:
        return None
    grade = getattr(policy, "grade", None)
    return grade if callable(grade) else None


def grading_available() -> bool:
    return _grader() is not None


def _config(config: Any | None) -> Any | None:
    if config is not None:
        return config
    policy = importlib.import_module("supportkpi.policy")
    default = getattr(policy, "default_config", None)
    return default() if callable(default) else None


def grade_of(config: Any | None, channel: str | None, seconds: float | None) -> str | None:
    """The grade of ``seconds`` on ``channel`` (None: no benchmark, no value, or no policy)."""
    grade = _grader()
    if grade is None or channel is None or seconds is None:
        return None
    result = grade(_config(config), channel, seconds)
    return None if result is None else str(result)
