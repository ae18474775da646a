"""Numbers in Russian: a decimal comma, no-break spaces between thousands and before %."""

from __future__ import annotations

from supportkpi.numbers import NBSP, in_russian, russian, russian_count
from supportkpi.report.formatting import Formatter


def test_russian_numbers() -> None:
    assert russian(0.082, ".1%") == f"8,2{NBSP}%"
    assert russian(0.5, ".0%") == f"50{NBSP}%"
    assert russian(13.04, ".1f") == "13,0"
    assert russian(1234567.5, ",.1f") == f"1{NBSP}234{NBSP}567,5"
    assert in_russian("42") == "42"


def test_the_report_formatter_writes_the_same() -> None:
    ru = Formatter("ru")
    assert ru.number(1234.5, 1) == russian(1234.5, ",.1f")
    assert ru.percent(0.082) == russian(0.082, ".1%")
    assert Formatter("en").percent(0.082) == "8.2%"


def test_russian_counts() -> None:
    forms = ("обращение", "обращения", "обращений")
    got = {
        n: russian_count(n, *forms).split()[1]
        for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)
    }
    assert got == {
        1: "обращение", 2: "обращения", 4: "обращения", 5: "обращений", 11: "обращений",
        12: "обращений", 14: "обращений", 21: "обращение", 22: "обращения", 25: "обращений",
        101: "обращение", 111: "обращений",
    }  # fmt: skip
