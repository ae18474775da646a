"""Numbers written the way a Russian reader expects them.

Python's format writes ``1,234.5`` and ``12.3%``; Russian writes ``1 234,5`` and
``12,3 %`` (a decimal comma, a no-break space between thousands and before the per cent
sign). The report's formatter and the signals' Russian summaries both use this.
"""

from __future__ import annotations

__all__ = ["NBSP", "in_russian", "russian", "russian_count"]

NBSP = "\u00a0"


def in_russian(english: str) -> str:
    """A number as Python's English format wrote it (``1,234.5``, ``12.3%``), in Russian."""
    text = english.replace(",", NBSP).replace(".", ",")
    return f"{text[:-1]}{NBSP}%" if text.endswith("%") else text


def russian(value: float, spec: str) -> str:
    """``format(value, spec)`` in Russian: ``russian(0.082, ".1%")`` is ``8,2 %``."""
    return in_russian(format(value, spec))


def russian_count(n: int, one: str, few: str, many: str) -> str:
    """``n`` and its noun in the form Russian counting takes: ``1 обращение``,
    ``2 обращения``, ``5 обращений`` (``21 обращение``, ``11 обращений``)."""
    tail, tens = n % 10, n % 100
    if tail == 1 and tens != 11:
        noun = one
    elif 2 <= tail <= 4 and not 12 <= tens <= 14:
        noun = few
    else:
        noun = many
    return f"{n} {noun}"
