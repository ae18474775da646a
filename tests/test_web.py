"""The dashboard and JSON API in-process (httpx.ASGITransport): same numbers as the engine,
filters change the figures, drill-down lists the tickets behind a figure, errors as JSON
or HTML, API docs offline."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pandas as pd
import pytest

from supportkpi.kpis.compute import compute
from supportkpi.store import open_store
from supportkpi.web import create_app
from tests.test_report_fixtures import AS_OF, sim_store


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(sim_store(), as_of=AS_OF)


def get(app: Any, url: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(url)

    return asyncio.run(call())


@pytest.fixture(scope="module")
def engine() -> pd.DataFrame:
    with open_store(sim_store(), read_only=True) as store:
        return compute(
            store,
            kpis=["first_response", "customer_demand"],
            by=["channel", "priority"],
            basis="calendar",
            as_of=AS_OF,
        )


def test_api_kpis_equal_the_engine(app: Any) -> None:
    response = get(app, "/api/kpis?kpi=first_response,reopen_rate&by=channel")
    assert response.status_code == 200
    rows = response.json()["rows"]
    with open_store(sim_store(), read_only=True) as store:
        frame = compute(
            store,
            kpis=["first_response", "reopen_rate"],
            by=["channel"],
            basis="calendar",
            as_of=AS_OF,
        )
    assert len(rows) == len(frame)
    for row, expected in zip(rows, frame.to_dict(orient="records"), strict=True):
        assert (row["kpi"], row["channel"], row["stat"]) == (
            expected["kpi"],
            expected["channel"],
            expected["stat"],
        )
        assert row["value"] == expected["value"]
        assert row["n"] == expected["n"]


def test_a_filter_changes_the_figures(app: Any, engine: pd.DataFrame) -> None:
    everything = get(app, "/api/kpis?kpi=first_response&by=channel").json()["rows"]
    narrowed = get(app, "/api/kpis?kpi=first_response&by=channel&priority=high").json()
    expected = engine[
        (engine.kpi == "first_response") & (engine.priority == "high") & (engine.stat == "median")
    ]
    got = {r["channel"]: r["value"] for r in narrowed["rows"] if r["stat"] == "median"}
    assert got == dict(zip(expected.channel, expected.value, strict=True))
    before = {r["channel"]: r["value"] for r in everything if r["stat"] == "median"}
    assert got["email"] != before["email"]
    assert narrowed["filters"] == {"priority": "high"}


def test_summary_pairs_each_figure_with_its_counter_metric(app: Any) -> None:
    body = get(app, "/api/summary?channel=email").json()
    rows = {(r["kpi"], r["channel"]): r for r in body["rows"]}
    first = rows[("first_response", "email")]
    assert first["stat"] == "median" and first["counter"]["kpi"] == "fcr_rate"
    assert ("first_response", None) not in rows  # one channel: no repeated total
    assert ("wait_time", "phone") not in rows
    resolution = rows[("full_resolution", "email")]
    assert resolution["counter"]["kpi"] == "reopen_rate"


def test_drill_down_lists_the_tickets_behind_a_figure(app: Any, engine: pd.DataFrame) -> None:
    figure = engine[
        (engine.kpi == "first_response")
        & (engine.stat == "count")
        & (engine.channel == "email")
        & (engine.priority == "high")
    ]
    body = get(app, "/api/tickets?kpi=first_response&channel=email&priority=high&limit=5").json()
    assert body["total"] == int(figure.value.iloc[0]) > 0
    assert len(body["tickets"]) == 5
    for ticket in body["tickets"]:
        assert ticket["channel"] == "email" and ticket["priority"] == "high"
        assert ticket["first_response_s"] is not None
    created = [t["created_at"] for t in body["tickets"]]
    assert created == sorted(created, reverse=True)


def test_dashboard_page_links_every_ticket_figure_to_its_tickets(app: Any) -> None:
    response = get(app, "/?channel=email&lang=ru")
    assert response.status_code == 200
    text = response.text
    assert "Дашборд KPI поддержки" in text
    links = re.findall(r'href="(/tickets\?[^"]+)"', text)
    assert any("kpi=first_response" in link and "channel=email" in link for link in links)
    assert '<option value="email" selected>' in text
    page = get(app, links[0].replace("&amp;", "&"))
    assert page.status_code == 200 and 'id="ticket-count"' in page.text


def test_user_errors_render_as_json_or_html(app: Any) -> None:
    api = get(app, "/api/kpis?kpi=nope")
    assert api.status_code == 400
    assert api.json() == {
        "error": "unknown KPI 'nope'",
        "where": None,
        "fix": "see /api/meta for the ids",
    }
    page = get(app, "/?since=yesterday")
    assert page.status_code == 400
    assert "since &#39;yesterday&#39; is not a date" in page.text
    assert page.headers["content-type"].startswith("text/html")
    contact = get(app, "/api/tickets?kpi=wait_time")
    assert contact.status_code == 400 and "no tickets behind it" in contact.json()["error"]
    # a filter or a dimension that cannot match is an error, not an empty answer
    refused = {
        "/api/kpis?channel=emial": "unknown channel 'emial'",
        "/api/sla?since=2026-02-01&until=2026-01-20": "since 2026-02-01 is not before until "
        "2026-01-20",
        "/api/kpis?by=planet": "unknown dimension 'planet'",
        "/api/kpis?priority=urgnet": "unknown priority 'urgnet'",
    }
    for url, error in refused.items():
        answer = get(app, url)
        assert answer.status_code == 400 and answer.json()["error"] == error, url
    assert "did you mean 'email'?" in get(app, "/api/kpis?channel=emial").json()["fix"]
    mapped = get(app, "/api/kpis?kpi=tickets_created&channel=e-mail").json()
    assert mapped["filters"] == {"channel": "email"} and mapped["rows"]


def test_meta_lists_the_registry_and_the_filter_values(app: Any) -> None:
    meta = get(app, "/api/meta").json()
    kpis = {k["id"]: k for k in meta["kpis"]}
    assert kpis["first_response"]["name"]["ru"] == "Время первого ответа"
    assert kpis["first_response"]["counter_metric"] == "fcr_rate"
    assert meta["filters"]["channel"] == ["chat", "email", "phone", "social", "web"]
    assert meta["filters"]["priority"] == ["high", "low", "normal", "urgent"]
    assert meta["data"]["from"].startswith("2026-01-05")


def test_api_docs_are_served_offline(app: Any) -> None:
    docs = get(app, "/docs")
    assert docs.status_code == 200
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", docs.text)
    assert '<script src="/static/swagger/swagger-ui-bundle.js">' in docs.text
    bundle = get(app, "/static/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000
    assert get(app, "/static/swagger/index.html").status_code == 404
    paths = get(app, "/openapi.json").json()["paths"]
    assert {"/api/meta", "/api/kpis", "/api/tickets", "/api/contacts", "/api/summary"} <= set(paths)


def test_docs_read_an_openapi_30_copy_of_the_description(app: Any) -> None:
    full = get(app, "/openapi.json").json()
    legacy = get(app, "/openapi-3.0.json").json()
    assert full["openapi"].startswith("3.1") and legacy["openapi"] == "3.0.3"
    assert set(legacy["paths"]) == set(full["paths"])
    params = {p["name"]: p for p in legacy["paths"]["/api/tickets"]["get"]["parameters"]}
    schema = params["channel"]["schema"]
    assert (schema["type"], schema["nullable"]) == ("string", True)
    assert "anyOf" not in str(legacy["paths"]["/api/tickets"])


def _sla_rows(text: str) -> list[tuple[str, str, int]]:
    return [
        (priority, target, int(met))
        for priority, target, met in re.findall(
            r'data-priority="([^"]*)" data-target="([^"]+)" data-met="(\d+)"', text
        )
    ]


def test_dashboard_has_the_sla_workflow_targets_and_signals_sections(app: Any) -> None:
    from supportkpi.kpis.sla_report import sla_summary

    text = get(app, "/").text
    for section in ("sla", "workflow", "targets", "signals"):
        assert f'<section id="{section}">' in text and f'href="#{section}"' in text
    narrowed = get(app, "/?priority=high&channel=email").text
    with open_store(sim_store(), read_only=True) as store:
        frame = sla_summary(store, None, by=("priority", "channel"), as_of=AS_OF)
    high = frame[(frame.priority == "high") & (frame.channel == "email")]
    expected = [("high", t, int(m)) for t, m in zip(high.target, high.met, strict=True)]
    assert _sla_rows(narrowed) == expected
    everything = {(p, t): m for p, t, m in _sla_rows(text)}
    assert all(m < everything[("high", t)] for _, t, m in _sla_rows(narrowed))
    teams = re.findall(r'<table class="workflow" data-dim="team">(.*?)</table>', narrowed, re.S)
    assert teams and 'data-key="tier1-a"' in teams[0]


def test_drill_down_from_a_phone_figure_to_its_contacts(app: Any) -> None:
    with open_store(sim_store(), read_only=True) as store:
        frame = compute(
            store, kpis=["wait_time", "contacts_abandoned"], by=["channel"],
            basis="calendar", as_of=AS_OF,
        )  # fmt: skip
    wait = frame[(frame.kpi == "wait_time") & (frame.stat == "median")]
    n = dict(zip(wait.channel, wait.n, strict=True))
    body = get(app, "/api/contacts?kpi=wait_time&channel=phone&limit=3").json()
    assert body["total"] == int(n["phone"]) > 0
    assert [c["channel"] for c in body["contacts"]] == ["phone"] * 3
    assert all(c["wait_s"] is not None for c in body["contacts"])
    abandoned = frame[(frame.kpi == "contacts_abandoned") & (frame.channel == "chat")]
    chat = get(app, "/api/contacts?kpi=contacts_abandoned&channel=chat&limit=1").json()
    assert chat["total"] == int(abandoned.value.iloc[0])
    page = get(app, "/").text
    links = re.findall(r'href="(/contacts\?[^"]+)"', page)
    assert any("kpi=wait_time" in link and "channel=phone" in link for link in links)
    shown = get(app, links[0].replace("&amp;", "&"))
    assert shown.status_code == 200 and 'id="contact-count"' in shown.text
    refused = get(app, "/api/contacts?kpi=wait_time&priority=high")
    assert refused.status_code == 400 and "no ticket priority" in refused.json()["error"]
    wrong = get(app, "/api/contacts?kpi=first_response")
    assert wrong.status_code == 400 and "no contacts behind it" in wrong.json()["error"]
