"""Translations: both catalogs complete, every label the code and templates use exists,
and numbers, shares, durations and dates formatted as each language writes them."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from supportkpi.kpis.definition import LANGUAGES
from supportkpi.kpis.registry import REGISTRY
from supportkpi.kpis.sla import TARGETS
from supportkpi.model.schema import CHANNELS, CONTACT_OUTCOMES, PRIORITIES, STATUSES
from supportkpi.report.charts import CHART_IDS
from supportkpi.report.content import FILTER_DIMS
from supportkpi.report.formatting import NBSP, Formatter
from supportkpi.report.grades import GRADES
from supportkpi.report.i18n import catalog, tr
from supportkpi.signals.workflow import STEPS

SRC = Path(__file__).resolve().parents[1] / "src" / "supportkpi"
FACES = [SRC / "report", SRC / "web", SRC / "cli" / "report.py"]

# Keys built from a prefix and a value: each prefix with every value it can take.
DYNAMIC: dict[str, list[str]] = {
    "grade.": list(GRADES),
    "channel.": list(CHANNELS),
    "priority.": list(PRIORITIES),
    "status.": list(STATUSES),
    "filter.": [*FILTER_DIMS, "since", "until"],
    "chart.": list(CHART_IDS),
    "unit_name.": ["count", "ratio", "seconds"],
    "direction.": ["lower_is_better", "higher_is_better", "neutral"],
    "meta.basis_": ["calendar", "business"],
    "lang.": list(LANGUAGES),
    "unit.": ["d", "h", "min", "s"],
    "month.": [str(m) for m in range(1, 13)],
    "confidence.": ["high", "medium", "low"],
    "target.": list(TARGETS),
    "step.": list(STEPS),
    "basis.": ["calendar", "business"],
    "outcome.": list(CONTACT_OUTCOMES),
}

_LITERAL = re.compile(r"""\b(?:t|tr\([\w.]+,)\s*\(?\s*['"]([a-z_]+\.[a-z0-9_.]+)['"]""")
_TR = re.compile(r"""\btr\(\s*[\w.]+\s*,\s*['"]([a-z_]+\.[a-z0-9_.]+)['"]""")
_PREFIX = re.compile(r"""\b(?:t|tr)\(\s*(?:[\w.]+,\s*)?f?['"]([a-z_]+[._])(?:['"]\s*[~+]|\{)""")


def _sources() -> list[Path]:
    out: list[Path] = []
    for face in FACES:
        if face.is_file():
            out.append(face)
        else:
            out.extend(p for p in face.rglob("*") if p.suffix in (".py", ".html"))
    return out


def _used_keys() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        literal.update(_LITERAL.findall(text))
        literal.update(
            re.findall(r"""\btr\(\s*[\w.]+\s*,\s*['"]([a-z_]+\.[a-z0-9_.]+)['"]""", text)
        )
        prefixes.update(_PREFIX.findall(text))
    literal = {k for k in literal if not k.endswith((".", "_"))}
    return literal, prefixes


def test_both_catalogs_have_the_same_keys_none_empty() -> None:
    en, ru = catalog("en"), catalog("ru")
    assert set(en) == set(ru), set(en) ^ set(ru)
    assert len(en) > 120
    for lang in LANGUAGES:
        empty = [k for k, v in catalog(lang).items() if not v.strip()]
        assert empty == [], (lang, empty)


def test_placeholders_match_across_languages() -> None:
    for key, text in catalog("en").items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(
            re.findall(r"\{(\w+)\}", catalog("ru")[key])
        ), key


def test_every_literal_key_used_in_code_and_templates_exists() -> None:
    literal, _ = _used_keys()
    assert "section.headline" in literal and "filter.apply" in literal  # the scan works
    assert len(literal) > 60
    missing = sorted(k for k in literal if k not in catalog("en"))
    assert missing == []


def test_every_dynamic_key_prefix_is_known_and_complete() -> None:
    _, prefixes = _used_keys()
    assert {"grade.", "channel.", "chart."} <= prefixes  # the scan works
    unknown = sorted(p for p in prefixes if p not in DYNAMIC)
    assert unknown == [], "a key is built from a prefix the test does not enumerate"
    for prefix, values in DYNAMIC.items():
        for value in values:
            for lang in LANGUAGES:
                assert tr(lang, prefix + value), (lang, prefix + value)


def test_russian_texts_are_russian() -> None:
    en, ru = catalog("en"), catalog("ru")
    same = [k for k in en if en[k] == ru[k] and re.search("[a-z]{4}", en[k])]
    # Words that are the same in both: the language names and technical abbreviations.
    assert sorted(same) == ["lang.en"]
    assert ru["section.headline"] == "Главные KPI"


def test_kpi_names_and_descriptions_come_from_the_registry_in_both_languages() -> None:
    for kpi in REGISTRY.values():
        for lang in LANGUAGES:
            assert kpi.name[lang].strip() and kpi.description[lang].strip()
        assert kpi.name["en"] != kpi.name["ru"]


@pytest.mark.parametrize(
    ("seconds", "en", "ru"),
    [
        (4 * 3600 + 12 * 60, "4 h 12 min", "4 ч 12 мин"),
        (45, "45 s", "45 с"),
        (0, "0 s", "0 с"),
        (2 * 86400 + 3 * 3600 + 59, "2 d 3 h", "2 д 3 ч"),
        (3600, "1 h", "1 ч"),
        (61.4, "1 min 1 s", "1 мин 1 с"),
        (-90, "-1 min 30 s", "-1 мин 30 с"),
    ],
)
def test_durations(seconds: float, en: str, ru: str) -> None:
    assert Formatter("en").duration(seconds).replace(NBSP, " ") == en
    assert Formatter("ru").duration(seconds).replace(NBSP, " ") == ru


def test_numbers_shares_and_dates() -> None:
    en, ru = Formatter("en"), Formatter("ru")
    assert en.number(1234567) == "1,234,567"
    assert ru.number(1234567) == f"1{NBSP}234{NBSP}567"
    assert en.number(1234.5) == "1,234.50"
    assert ru.number(1234.5, 1) == f"1{NBSP}234,5"
    assert en.percent(0.4567) == "45.7%"
    assert ru.percent(0.4567) == f"45,7{NBSP}%"
    assert en.percent(float("nan")) == "—"
    assert en.date(date(2026, 1, 5)) == f"5{NBSP}Jan{NBSP}2026"
    assert ru.date(date(2026, 3, 5)) == f"5{NBSP}мар{NBSP}2026"
    assert en.datetime(datetime(2026, 1, 5, 14, 5)) == f"5{NBSP}Jan{NBSP}2026 14:05"
    assert en.figure("ratio", "value", 0.5) == "50.0%"
    assert en.figure("seconds", "count", 12) == "12"
    assert en.figure("seconds", "median", 90).replace(NBSP, " ") == "1 min 30 s"
    assert en.figure("count", "value", None) == "—"


def test_unknown_language_is_a_user_error() -> None:
    from supportkpi.errors import UserError

    with pytest.raises(UserError, match="unknown language 'de'"):
        Formatter("de")
