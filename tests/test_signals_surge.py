"""Request surge: the exact rule on a hand-made desk (DuckDB and PySpark)."""

from __future__ import annotations

import math
import tomllib
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from supportkpi.cli.config import annotated_default
from supportkpi.policy import parse_config
from supportkpi.signals import SignalSettings, detect
from supportkpi.signals.context import make_context
from supportkpi.signals.surge import surge_hours
from tests.backends import load_arrow
from tests.test_signals_rules import at, tickets

SETTINGS = SignalSettings.model_validate(
    {
        "timezone": "UTC",
        "surge": {
            "windows_hours": [6],
            "baseline_days": 2,
            "min_baseline_days": 1,
            "min_baseline_requests": 20,
            "min_requests": 3,
            "max_p": 0.02,
        },
    }
)
START = at("2026-03-01T00:00")
SURGE = at("2026-03-03T00:00")
UNTIL = at("2026-03-03T12:00")


def _desk() -> list[dict[str, Any]]:
    """Four requests an hour. Until 3 March: one defect report about router R (tagged
    no_power) and three billing questions about mesh M; from 3 March 00:00 three defect
    reports and one billing question. Agent-created and merged tickets are no requests:
    a burst of them in the first surge hour must change nothing."""
    rows: list[dict[str, Any]] = []
    hour = START
    while hour < UNTIL:
        defects = 3 if hour >= SURGE else 1
        for i in range(4):
            defect = i < defects
            rows.append(
                {
                    "ticket_id": f"T{len(rows)}",
                    "created_at": hour + timedelta(minutes=10 * i),
                    "type": "defect" if defect else "billing",
                    "product": "R" if defect else "M",
                    "tags": ["no_power"] if defect else ["invoice"],
                }
            )
        hour += timedelta(hours=1)
    extra = {"created_at": SURGE + timedelta(minutes=5), "type": "defect", "product": "R"}
    rows += [extra | {"ticket_id": f"OUT{i}", "created_by": "agent"} for i in range(5)]
    rows += [extra | {"ticket_id": f"DUP{i}", "merged_into": "T0"} for i in range(2)]
    return rows


def _tail(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_a_share_that_doubles_is_raised_in_the_hour_it_does(con: Any) -> None:
    inputs = load_arrow(con, {"tickets": tickets(*_desk())})
    found = detect(inputs, until=UNTIL, settings=SETTINGS, kinds=["request_surge"])
    assert len(found) == 1
    s = found[0]
    # window [2 March 21:00, 3 March 03:00): 3 quiet hours (3 of 12) and 3 surge hours
    # (9 of 12) = 12 of 24, twice the 1 in 4 of the 45 hours before (the earlier windows
    # reach 8/24 and 10/24, below twice the baseline)
    assert s.detected_at == at("2026-03-03T03:00")
    assert s.window_start == at("2026-03-02T21:00")
    assert (s.details["requests"], s.details["total"]) == (12, 24)
    assert (s.observed, s.baseline) == (0.5, 0.25)
    assert s.details["p"] == pytest.approx(_tail(12, 24, 0.25), rel=1e-9)
    # the same counts for the pair, the product, the type and the tag: the first listed
    # dimension (type and product together) leads, its product is the subject
    assert (s.kind, s.subject_kind, s.subject) == ("request_surge", "product", "R")
    assert s.details["dimension"] == "type+product" and s.details["value"] == "defect / R"
    assert [(d.dimension, d.value) for d in s.drivers] == [
        ("type+product", "defect / R"),
        ("product", "R"),
        ("tag", "no_power"),
        ("type", "defect"),
    ]
    # the surge lasts until the analysis end: one signal over every surge hour; evidence =
    # the defect reports about R created from the window's start to its last hour
    assert s.window_end == UNTIL
    assert s.evidence_count == 3 + 12 * 3
    assert "12 of the 24 requests of the last 6 hours" in s.summary_en
    assert "12 из 24 обращений" in s.summary_ru


def test_it_is_decided_on_the_data_known_by_then(con: Any) -> None:
    inputs = load_arrow(con, {"tickets": tickets(*_desk())})
    for until, expected in ((at("2026-03-03T03:00"), 1), (at("2026-03-03T02:00"), 0)):
        ctx = make_context(inputs, since=None, until=until, config=None, settings=SETTINGS)
        got = surge_hours(ctx)
        assert len({s.end for s in got}) == expected


def test_a_steady_desk_and_a_short_history_stay_quiet(con: Any) -> None:
    steady = [r for r in _desk() if r["created_at"] < SURGE and "created_by" not in r]
    inputs = load_arrow(con, {"tickets": tickets(*steady)})
    assert detect(inputs, until=SURGE, settings=SETTINGS, kinds=["request_surge"]) == []
    # with three days of history required, the first window that could be judged starts on
    # 4 March: the surge is not judged at all
    strict = SETTINGS.model_copy(
        update={"surge": SETTINGS.surge.model_copy(update={"min_baseline_days": 3})}
    )
    inputs = load_arrow(con, {"tickets": tickets(*_desk())})
    assert detect(inputs, until=UNTIL, settings=strict, kinds=["request_surge"]) == []


def test_bad_surge_settings_name_the_key() -> None:
    with pytest.raises(ValidationError, match="windows_hours"):
        SignalSettings.model_validate({"surge": {"windows_hours": [0, 6]}})
    with pytest.raises(ValidationError, match="dimensions"):
        SignalSettings.model_validate({"surge": {"dimensions": ["brand"]}})


def test_the_annotated_config_holds_the_defaults() -> None:
    written = parse_config(tomllib.loads(annotated_default())).signals.surge
    assert written == SignalSettings().surge
    assert written.dimensions == ("type+product", "product", "type", "tag")
    assert (written.windows_hours, written.min_ratio, written.max_p) == ((6, 12, 24), 2.0, 1e-6)
