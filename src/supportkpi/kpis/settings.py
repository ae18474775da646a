"""The KPI thresholds the ticket metrics need, read from a config when one is given.

The policy config owns the values (``repeat_window``, ``reopen_window`` in seconds); this
module only reads them, so the ticket metrics work without a config file (the defaults of
the specification: 7 and 14 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_REOPEN_WINDOW_S", "DEFAULT_REPEAT_WINDOW_S", "Windows", "windows"]

DEFAULT_REPEAT_WINDOW_S = 7 * 86400.0
DEFAULT_REOPEN_WINDOW_S = 14 * 86400.0


@dataclass(frozen=True)
class Windows:
    repeat_s: float = DEFAULT_REPEAT_WINDOW_S
    reopen_s: float = DEFAULT_REOPEN_WINDOW_S


def _find(config: Any, name: str) -> float | None:
    """``config.<name>`` or ``config.kpi.<name>`` / ``config.thresholds.<name>``, in seconds."""
    for holder in (config, getattr(config, "kpi", None), getattr(config, "thresholds", None)):
        if holder is None:
            continue
        for attr in (name, f"{name}_s"):
            value = getattr(holder, attr, None)
            if value is not None and not callable(value):
                seconds = getattr(value, "total_seconds", None)
                return float(seconds() if callable(seconds) else value)
    return None


def windows(config: Any | None) -> Windows:
    """The repeat and reopen windows of ``config`` (defaults when absent)."""
    if config is None:
        return Windows()
    repeat = _find(config, "repeat_window")
    reopen = _find(config, "reopen_window")
    return Windows(
        repeat_s=DEFAULT_REPEAT_WINDOW_S if repeat is None else repeat,
        reopen_s=DEFAULT_REOPEN_WINDOW_S if reopen is None else reopen,
    )
