"""Durations as people write them in the config: ``90s``, ``30m``, ``4h``, ``1h30m``, ``2d``.

A plain number is seconds. Everything is stored as float seconds.
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[dhms]\s*)+$")


def parse_duration(value: object) -> float:
    """Seconds in ``value``; raises ``ValueError`` with an example of the expected form."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a text like '4h' or '1h30m'")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if _WHOLE.match(text):
            return sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
        try:
            seconds = float(text)
        except ValueError:
            pass
        else:
            if seconds >= 0:
                return seconds
    raise ValueError(
        f"{value!r} is not a duration (write seconds, or e.g. '90s', '30m', '4h', '1h30m', '2d')"
    )


def format_duration(seconds: float) -> str:
    """The shortest exact text for ``seconds`` in the config's notation (``5400`` → ``1h30m``)."""
    rest = float(seconds)
    if rest == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{int(count)}{unit}")
    if rest:
        parts.append(f"{rest:g}s")
    return "".join(parts)
