"""Numbers, shares, durations and dates as a reader of each language expects them.

English: ``1,234.5``, ``12.3%``, ``4 h 12 min``, ``5 Jan 2026``.
Russian: ``1 234,5``, ``12,3 %``, ``4 ч 12 мин``, ``5 янв 2026`` (decimal comma, a
no-break space between thousands and before units).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from supportkpi.numbers import NBSP, in_russian
from supportkpi.report.i18n import check_language, tr

__all__ = ["NBSP", "Formatter", "is_missing"]

MISSING = "—"
_UNITS: tuple[tuple[str, int], ...] = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' NA/NaT: a figure that has no value."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA compare unequal (or raise)
    except (TypeError, ValueError):
        return True


class Formatter:
    """Formatting bound to one language (used by the terminal, HTML and dashboard)."""

    def __init__(self, lang: str) -> None:
        self.lang = check_language(lang)

    def _group(self, text: str) -> str:
        """``1,234.5`` (computed with Python's English format) in this language."""
        return text if self.lang == "en" else in_russian(text)

    def number(self, value: Any, decimals: int | None = None) -> str:
        """A count or a number: whole numbers without decimals, others with ``decimals``
        (default 2)."""
        if is_missing(value):
            return MISSING
        number = float(value)
        if decimals is None:
            decimals = 0 if number.is_integer() else 2
        return self._group(f"{number:,.{decimals}f}")

    def percent(self, ratio: Any, decimals: int = 1) -> str:
        """A share (0..1) as a percentage."""
        if is_missing(ratio):
            return MISSING
        text = self._group(f"{float(ratio) * 100:,.{decimals}f}")
        return f"{text}%" if self.lang == "en" else f"{text}{NBSP}%"

    def duration(self, seconds: Any) -> str:
        """The two largest units: ``4 h 12 min``, ``2 d 3 h``, ``45 s``."""
        if is_missing(seconds):
            return MISSING
        value = float(seconds)
        sign = "-" if value < 0 else ""
        total = round(abs(value))
        for index, (unit, size) in enumerate(_UNITS):
            if total >= size or unit == "s":
                first, rest = divmod(total, size)
                parts = [f"{first}{NBSP}{tr(self.lang, 'unit.' + unit)}"]
                if index + 1 < len(_UNITS):
                    next_unit, next_size = _UNITS[index + 1]
                    if rest // next_size:
                        parts.append(
                            f"{rest // next_size}{NBSP}{tr(self.lang, 'unit.' + next_unit)}"
                        )
                return sign + " ".join(parts)
        raise AssertionError("unreachable")  # pragma: no cover

    def date(self, value: date | datetime | None) -> str:
        """``5 Jan 2026`` / ``5 янв 2026``."""
        if value is None or is_missing(value):
            return MISSING
        month = tr(self.lang, f"month.{value.month}")
        return f"{value.day}{NBSP}{month}{NBSP}{value.year}"

    def datetime(self, value: datetime | None) -> str:
        """``5 Jan 2026 14:05`` (in the instant's own offset)."""
        if value is None or is_missing(value):
            return MISSING
        return f"{self.date(value)} {value:%H:%M}"

    def figure(self, unit: str, stat: str, value: Any) -> str:
        """A KPI figure by its unit and statistic: counts as numbers, ratios as shares,
        seconds as durations (a duration's ``count`` is a number)."""
        if is_missing(value):
            return MISSING
        if unit == "seconds" and stat != "count":
            return self.duration(value)
        if unit == "ratio" and stat == "value":
            return self.percent(value)
        return self.number(value)
