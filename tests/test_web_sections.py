"""The section endpoints (/api/sla, /api/workflow, /api/signals, /api/targets): the figures
of the small simulated desk, checked by hand; the same objects and numbers as the dashboard
page; filters; clean errors; listed in the API description.

The simulated desk raises no signal and no proposal, so one app here is given a signals
provider that always finds two known signals (one a target ratchet): the proposed targets
then come from the real :class:`~supportkpi.report.targets.TargetsSection` reading that run,
as on the dashboard.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from supportkpi.report.content import Filters
from supportkpi.report.targets import TargetsSection
from supportkpi.signals import Signal, detect
from supportkpi.store import open_store
from supportkpi.web import create_app
from tests.test_report_fixtures import AS_OF, sim_store
from tests.test_report_sections import _ratchet
from tests.test_report_signals import FOUND

EMAIL_HIGH = "channel=email&priority=high"


def _signals(source: Any, **_: Any) -> list[Signal]:
    """A signals provider that always finds the same two signals."""
    return [FOUND[0], _ratchet()]


@pytest.fixture(scope="module")
def app() -> FastAPI:
    app = create_app(sim_store(), as_of=AS_OF)
    app.state.supportkpi.extras["signals"] = _signals
    app.state.supportkpi.extras["targets"] = TargetsSection(signals=_signals)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="module")
def page(client: TestClient) -> str:
    """The dashboard page for e-mail, high priority (built once: every section)."""
    response = client.get(f"/?{EMAIL_HIGH}")
    assert response.status_code == 200
    return response.text


def _section(html: str, name: str) -> str:
    part = html[html.index(f'<section id="{name}">') :]
    return part[: part.index("</section>")]


# --- SLA ---------------------------------------------------------------------------------


def test_sla_for_email_high_priority_checked_by_hand(client: TestClient) -> None:
    body = client.get(f"/api/sla?{EMAIL_HIGH}").json()
    assert body["filters"] == {"channel": "email", "priority": "high"}
    assert body["as_of"] == "2026-01-26T00:00:00Z" and body["unfiltered_by"] is None
    rows = [
        (r["priority"], r["target"], r["met"], r["breached"], r["running"], r["compliance"])
        for r in body["compliance"]
    ]
    assert rows == [
        ("high", "first_response", 39, 7, 5, pytest.approx(39 / 46)),
        ("high", "next_reply", 14, 2, 2, pytest.approx(14 / 16)),
        ("high", "resolution", 45, 0, 7, 1.0),
    ]
    # 7 + 2 + 0 breached clocks: all nine are listed (the limit is ten), worst first.
    assert body["breaches_limit"] == 10 and len(body["breaches"]) == 9
    worst = body["breaches"][0]
    assert worst == {
        "ticket_id": "T-000000201",
        "target": "first_response",
        "cycle": 1,
        "policy": "high",
        "basis": "business",
        "priority": "high",
        "channel": "email",
        "team": "tier1-a",
        "agent_id": "A-11",
        "started_at": "2026-01-12T10:59:36Z",
        "stopped_at": "2026-01-13T11:23:00Z",
        "target_s": 14400.0,
        "elapsed_s": 30204.0,
        "breached_by_s": 15804.0,  # 30204 - 14400 business seconds
        "running": False,
    }
    late = [b["breached_by_s"] for b in body["breaches"]]
    assert late == sorted(late, reverse=True) and late[-1] == 857.0
    assert all(b["elapsed_s"] - b["target_s"] == b["breached_by_s"] for b in body["breaches"])


def test_sla_without_filters_checked_by_hand(client: TestClient) -> None:
    body = client.get("/api/sla").json()
    by_key = {(r["priority"], r["target"]): r for r in body["compliance"]}
    assert len(by_key) == 12  # four priorities x first response, next reply, resolution
    high = by_key[("high", "first_response")]
    assert (high["met"], high["breached"], high["running"]) == (131, 10, 9)
    urgent = by_key[("urgent", "next_reply")]
    assert (urgent["met"], urgent["breached"], urgent["compliance"]) == (
        9,
        2,
        pytest.approx(9 / 11),
    )
    assert by_key[("low", "resolution")]["compliance"] == 1.0
    assert len(body["breaches"]) == 10  # 33 breached clocks, the ten worst listed
    assert sum(r["breached"] for r in body["compliance"]) == 33
    worst = body["breaches"][0]
    assert (worst["ticket_id"], worst["target"], worst["priority"], worst["team"]) == (
        "T-000000396",
        "resolution",
        "urgent",
        "tier2",
    )
    assert worst["breached_by_s"] == 77315.0 - 28800.0


def test_sla_json_is_the_pages_section(app: FastAPI, client: TestClient, page: str) -> None:
    body = client.get(f"/api/sla?{EMAIL_HIGH}").json()
    section = _section(page, "sla")
    shown = re.findall(
        r'data-priority="([^"]*)" data-target="([^"]+)" data-met="(\d+)" '
        r'data-breached="(\d+)" data-running="(\d+)" data-compliance="([^"]*)"',
        section,
    )
    assert shown == [
        (r["priority"], r["target"], str(r["met"]), str(r["breached"]), str(r["running"]),
         repr(r["compliance"]))
        for r in body["compliance"]
    ]  # fmt: skip
    breaches = re.findall(
        r'<tr data-ticket="([^"]+)" data-target="([^"]+)" data-breached-by="([^"]+)"', section
    )
    assert breaches == [
        (b["ticket_id"], b["target"], repr(b["breached_by_s"])) for b in body["breaches"]
    ]
    # Not computed twice: the endpoint (asked first, above) and the page read one object.
    state = app.state.supportkpi
    filters = Filters(channel="email", priority="high")
    view, _ = state.section("sla", filters)
    assert view is state.content(filters).extras["sla"]


def test_sla_cannot_follow_a_type_filter(client: TestClient) -> None:
    body = client.get("/api/sla?type=delivery").json()
    assert body["unfiltered_by"] == "type"
    assert body["compliance"] == [] and body["breaches"] == []


# --- Workflow adherence ------------------------------------------------------------------


def test_workflow_for_email_checked_by_hand(client: TestClient) -> None:
    body = client.get("/api/workflow?channel=email").json()
    assert body["steps"] == [
        "first_response_in_time",
        "prioritized_in_time",
        "interim_feedback",
        "promises_kept",
        "solution_confirmed",
        "closed_after_confirmation",
    ]
    teams = {r["key"]: r for r in body["teams"]}
    assert [r["key"] for r in body["teams"]] == ["tier1-a", "tier1-b", "tier2"]
    assert [r["tickets"] for r in body["teams"]] == [89, 110, 15]
    assert sum(r["tickets"] for r in body["agents"]) == 89 + 110 + 15
    tier2 = teams["tier2"]
    assert tier2["steps_known_share"] == pytest.approx(71 / 90)  # 71 of 15 x 6 steps known
    assert tier2["pass_rates"]["first_response_in_time"] == pytest.approx(12 / 15)
    assert tier2["pass_rates"]["prioritized_in_time"] == 1.0
    assert tier2["adherence"] == pytest.approx(0.7211111111)


def test_a_step_nothing_is_known_about_is_null(client: TestClient) -> None:
    agents = {r["key"]: r for r in client.get("/api/workflow").json()["agents"]}
    assert agents["A-27"]["pass_rates"]["promises_kept"] is None
    assert agents["A-27"]["pass_rates"]["prioritized_in_time"] == 1.0


def test_workflow_json_is_the_pages_section(app: FastAPI, client: TestClient, page: str) -> None:
    body = client.get(f"/api/workflow?{EMAIL_HIGH}").json()
    section = _section(page, "workflow")
    for dim, rows in (("team", body["teams"]), ("agent_id", body["agents"])):
        table = re.findall(
            rf'<table class="workflow" data-dim="{dim}">(.*?)</table>', section, re.S
        )
        shown = re.findall(
            r'<tr data-key="([^"]*)" data-score="([^"]*)" data-tickets="(\d+)"', table[0]
        )
        assert shown == [(r["key"], repr(r["adherence"]), str(r["tickets"])) for r in rows]
        cells = re.findall(r'data-step="([a-z_]+)" data-value="([^"]*)"', table[0])
        expected = [
            (step, "" if r["pass_rates"][step] is None else repr(r["pass_rates"][step]))
            for r in rows
            for step in body["steps"]
        ]
        assert cells == expected
    assert len(body["teams"]) == 3
    filters = Filters(channel="email", priority="high")
    state = app.state.supportkpi
    assert state.section("workflow", filters)[0] is state.content(filters).extras["workflow"]


# --- Signals and proposed targets --------------------------------------------------------


def test_signals_in_both_languages(client: TestClient) -> None:
    body = client.get("/api/signals?lang=ru&team=tier2").json()
    assert body["lang"] == "ru" and body["ignored_filters"] == ["team"]
    parking, ratchet = body["signals"]
    assert parking["kind"] == "pending_parking" and parking["subject"] == "A-16"
    assert parking["title"] == "заголовок pending_parking"
    assert parking["summary"] == "описание pending_parking"
    assert parking["detected_at"] == "2026-01-20T09:00:00Z"
    assert parking["window_start"] == "2026-01-13T09:00:00Z"
    assert parking["confidence"] == "high"
    assert parking["evidence_ids"] == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"]
    assert parking["evidence_count"] == 16
    assert (parking["baseline"], parking["observed"], parking["unit"]) == (0.05, 0.4, "share")
    assert ratchet["kind"] == "target_ratchet" and ratchet["subject_kind"] == "team"
    assert ratchet["details"]["proposed_target_s"] == 172800.0
    english = client.get("/api/signals").json()["signals"]
    assert english[0]["title"] == "pending_parking title"


def test_targets_carry_their_evidence(client: TestClient) -> None:
    body = client.get("/api/targets?channel=email").json()
    assert body["ignored_filters"] == ["channel"]
    (proposal,) = body["targets"]
    streak = proposal.pop("streak")
    assert proposal == {
        "team": "tier1-a",
        "detected_at": "2026-02-09T00:00:00Z",
        "confidence": "high",
        "percentile": 0.8,
        "weeks": 4,
        "first_week": "2026-01-12",
        "current_s": 259200.0,
        "proposed_s": 172800.0,
        "worst_week_s": 172573.8,
        "tickets": 5186,
        "trend_s_per_week": -3387.74,
        "work_trend_s_per_week": -10.0,
        "shrinking": True,
        "work_shrinking": True,
    }
    assert [w["week"] for w in streak] == ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]
    assert sum(w["tickets"] for w in streak) == 5186
    assert max(w["value_s"] for w in streak) == proposal["worst_week_s"]
    assert client.get("/api/targets?team=tier1-b").json()["targets"] == []


def test_signals_and_targets_json_are_the_pages_sections(client: TestClient, page: str) -> None:
    signals = client.get(f"/api/signals?{EMAIL_HIGH}").json()["signals"]
    shown = re.findall(
        r'<tr data-signal="([^"]+)" data-subject="([^"]+)"', _section(page, "signals")
    )
    assert shown == [(s["kind"], s["subject"]) for s in signals]
    targets = client.get(f"/api/targets?{EMAIL_HIGH}").json()["targets"]
    shown_targets = re.findall(
        r'data-team="([^"]+)" data-current="([^"]+)" data-proposed="([^"]+)" data-weeks="(\d+)"',
        _section(page, "targets"),
    )
    assert shown_targets == [
        (t["team"], repr(t["current_s"]), repr(t["proposed_s"]), str(t["weeks"])) for t in targets
    ]


def test_real_signals_are_the_detectors() -> None:
    """Without a stand-in: the endpoints answer what the detectors find on the desk."""
    client = TestClient(create_app(sim_store(), as_of=AS_OF))
    body = client.get("/api/signals").json()
    targets = client.get("/api/targets").json()["targets"]
    with open_store(sim_store(), read_only=True) as store:
        found = detect(store)
    assert [(s["kind"], s["subject"]) for s in body["signals"]] == [
        (s.kind, s.subject) for s in found
    ]
    assert [t["team"] for t in targets] == [s.subject for s in found if s.kind == "target_ratchet"]


# --- Errors and the API description ------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["sla", "workflow", "signals", "targets"])
def test_a_bad_filter_is_a_one_line_json_error(client: TestClient, endpoint: str) -> None:
    response = client.get(f"/api/{endpoint}?since=2026-13-01")
    assert response.status_code == 400
    assert response.json() == {
        "error": "since '2026-13-01' is not a date",
        "where": None,
        "fix": "write 2026-03-01",
    }


def test_an_unknown_language_is_a_json_error(client: TestClient) -> None:
    response = client.get("/api/signals?lang=de")
    assert response.status_code == 400
    assert response.json() == {
        "error": "unknown language 'de'",
        "where": None,
        "fix": "use one of: en, ru",
    }


def test_the_api_description_lists_the_sections(client: TestClient) -> None:
    new = {"/api/sla", "/api/workflow", "/api/signals", "/api/targets"}
    for url in ("/openapi.json", "/openapi-3.0.json"):
        spec = client.get(url).json()
        assert new <= set(spec["paths"])
        for path in new:
            operation = spec["paths"][path]["get"]
            assert operation["tags"] == ["sections"]
            names = {p["name"] for p in operation["parameters"]}
            assert {"since", "until", "channel", "type", "priority", "team", "agent_id"} <= names
    legacy = client.get("/openapi-3.0.json").json()["components"]["schemas"]
    breach = legacy["SlaBreach"]["properties"]
    assert breach["breached_by_s"]["type"] == "number"
    assert (breach["stopped_at"]["format"], breach["stopped_at"]["nullable"]) == ("date-time", True)
    assert "anyOf" not in str(legacy["SlaBody"])
