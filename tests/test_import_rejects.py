"""Every reject reason: its exact message, file, line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supportkpi.store import Store, open_store

TICKETS = (
    "ticket_id,created_at,channel,customer_id\n"
    "T-1,2026-03-02T09:00:00Z,email,C-1\n"
    "T-2,2026-03-02T10:00:00Z,chat,C-2\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "s.duckdb") as opened:
        yield opened


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _rejects(store: Store) -> list[tuple[str, int, str, str]]:
    rows = store.con.con.execute(
        "SELECT file, line, column_name, reason FROM rejects ORDER BY file, line"
    ).fetchall()
    return [(Path(f).name, line, col, reason) for f, line, col, reason in rows]


def test_ticket_rejects(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tickets.csv",
        "ticket_id,created_at,channel,customer_id,priority,tags\n"
        "T-1,2026-03-02T09:00:00Z,email,C-1,high,a;b\n"
        "T-2,2026-03-02T09:00:00Z,emial,C-2,,\n"
        "T-3,2026-03-02 25:00,chat,C-3,,\n"
        "T-4,2026-03-02T09:00:00Z,chat,,,\n"
        "T-5,2026-03-02T09:00:00Z,pigeon,C-5,,\n"
        "T-6,2026-03-02T09:00:00Z,chat,C-6,hgh,\n"
        "T-1,2026-03-02T09:00:00Z,phone,C-1,high,a;b\n"
        "T-1,2026-03-02T09:00:00Z,email,C-1,high,a|b\n",
    )
    summary = store.import_files([path])
    assert _rejects(store) == [
        ("tickets.csv", 3, "channel", "unknown channel 'emial' (did you mean 'email'?)"),
        (
            "tickets.csv",
            4,
            "created_at",
            "unparsable timestamp '2026-03-02 25:00' "
            "(use ISO 8601, e.g. 2026-03-02T09:15:00+01:00)",
        ),
        ("tickets.csv", 5, "customer_id", "missing required value for customer_id"),
        (
            "tickets.csv",
            6,
            "channel",
            "unknown channel 'pigeon' (expected one of: email, chat, phone, social, web, "
            "messaging)",
        ),
        ("tickets.csv", 7, "priority", "unknown priority 'hgh' (did you mean 'high'?)"),
        (
            "tickets.csv",
            8,
            "ticket_id",
            f"duplicate ticket_id 'T-1' with different content (first row at {path}:2)",
        ),
    ]
    counts = summary.tables["tickets"]
    # line 9 repeats line 2 exactly (tags split on | as on ;): skipped, not rejected
    assert (counts.read, counts.imported, counts.skipped, counts.rejected) == (8, 1, 1, 6)
    assert summary.rejects_by_reason == {
        "bad_timestamp": 1,
        "duplicate": 1,
        "missing": 1,
        "unknown_value": 3,
    }


def test_event_rejects(store: Store, tmp_path: Path) -> None:
    tickets = _write(tmp_path, "tickets.csv", TICKETS)
    events = _write(
        tmp_path,
        "events.csv",
        "ticket_id,at,kind,actor_role,public,work_seconds\n"
        "T-1,2026-03-02T09:05:00Z,message,agent,yes,\n"
        "T-9,2026-03-02T09:05:00Z,message,agent,,\n"
        "T-1,2026-03-02T09:06:00Z,message,agent,maybe,\n"
        "T-1,2026-03-02T09:07:00Z,work,agent,,-30\n"
        "T-1,2026-03-02T09:08:00Z,work,agent,,ten\n"
        "T-2,2026-03-02T09:08:00Z,mesage,agent,,\n",
    )
    summary = store.import_files([tickets, events])
    assert _rejects(store) == [
        ("events.csv", 3, "ticket_id", "event for unknown ticket 'T-9'"),
        ("events.csv", 4, "public", "bad boolean 'maybe' (use true/false, yes/no or 1/0)"),
        ("events.csv", 5, "work_seconds", "negative seconds in work_seconds: -30"),
        ("events.csv", 6, "work_seconds", "bad number 'ten'"),
        ("events.csv", 7, "kind", "unknown kind 'mesage' (did you mean 'message'?)"),
    ]
    assert summary.tables["events"].imported == 1


def test_event_for_ticket_already_in_store_is_accepted(store: Store, tmp_path: Path) -> None:
    store.import_files([_write(tmp_path, "tickets.csv", TICKETS)])
    later = tmp_path / "later"
    later.mkdir()
    events = _write(
        later, "events.csv", "ticket_id,at,kind,actor_role\nT-2,2026-03-02T11:00:00Z,note,agent\n"
    )
    summary = store.import_files([events])
    assert summary.tables["events"].imported == 1
    assert summary.rows_rejected == 0


def test_contact_rejects(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "contacts.csv",
        "contact_id,channel,arrived_at,queued_at,answered_at,abandoned_at,ended_at,outcome,"
        "talk_seconds,hold_seconds\n"
        "K-1,phone,2026-03-02T09:00:00Z,2026-03-02T09:00:20Z,2026-03-02T09:01:00Z,,"
        "2026-03-02T09:05:00Z,answered,240,\n"
        "K-2,phone,2026-03-02T09:00:00Z,,2026-03-02T08:59:00Z,,,answered,,\n"
        "K-3,phone,2026-03-02T09:00:00Z,2026-03-02T08:00:00Z,,2026-03-02T09:02:00Z,,"
        "abandoned,,\n"
        "K-4,chat,2026-03-02T09:00:00Z,,,2026-03-02T08:30:00Z,,abandoned,,\n"
        "K-5,chat,2026-03-02T09:00:00Z,,2026-03-02T09:00:30Z,,2026-03-02T08:00:00Z,answered,,\n"
        "K-6,chat,2026-03-02T09:00:00Z,,,,,answered,,\n"
        "K-7,phone,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,,,abandoned,,\n"
        "K-8,phone,2026-03-02T09:00:00Z,,2026-03-02T09:00:10Z,,,answered,60,-5\n"
        "K-9,phone,2026-03-02T09:00:00Z,,,2026-03-02T09:01:00Z,,Abandonned,,\n",
    )
    store.import_files([path])
    assert _rejects(store) == [
        ("contacts.csv", 3, "answered_at",
         "contact answered before it arrived (answered_at < arrived_at)"),
        ("contacts.csv", 4, "queued_at",
         "contact queued before it arrived (queued_at < arrived_at)"),
        ("contacts.csv", 5, "abandoned_at",
         "contact abandoned before it arrived (abandoned_at < arrived_at)"),
        ("contacts.csv", 6, "ended_at", "contact ended before it arrived (ended_at < arrived_at)"),
        ("contacts.csv", 7, "outcome", "outcome 'answered' without answered_at"),
        ("contacts.csv", 8, "outcome", "outcome 'abandoned' without abandoned_at"),
        ("contacts.csv", 9, "hold_seconds", "negative seconds in hold_seconds: -5"),
        ("contacts.csv", 10, "outcome", "unknown outcome 'Abandonned' (did you mean 'abandoned'?)"),
    ]  # fmt: skip


def test_agent_rejects_and_raw_json(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "agents.csv",
        "agent_id,name,tier,role\nA-1,Ana,2,lead\nA-2,Bo,1.5,agent\nA-3,Cy,,boss\n",
    )
    store.import_files([path])
    rows = store.con.con.execute(
        "SELECT line, column_name, reason, raw_json FROM rejects ORDER BY line"
    ).fetchall()
    assert rows == [
        (3, "tier", "bad integer '1.5'",
         '{"agent_id":"A-2","name":"Bo","tier":"1.5","role":"agent"}'),
        (
            4,
            "role",
            "unknown role 'boss' (expected one of: agent, lead, manager, bot)",
            '{"agent_id":"A-3","name":"Cy","tier":null,"role":"boss"}',
        ),
    ]  # fmt: skip


def test_line_numbers_follow_quoted_line_breaks_and_blank_lines(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "tickets.csv",
        "ticket_id,created_at,channel,customer_id,subject\n"
        'T-1,2026-03-02T09:00:00Z,email,C-1,"two\nlines"\n'
        "\n"
        "T-2,2026-03-02T09:00:00Z,fax,C-2,x\n",
    )
    store.import_files([path])
    assert _rejects(store) == [
        ("tickets.csv", 5, "channel", "unknown channel 'fax' (expected one of: email, chat, "
         "phone, social, web, messaging)"),
    ]  # fmt: skip


def test_jsonl_and_parquet_locations(store: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T-1", "T-2", "T-3"],
                "created_at": ["2026-03-02T09:00:00Z", "bad", "2026-03-02T09:00:00Z"],
                "channel": ["email", "chat", "sms"],
                "customer_id": ["C-1", "C-2", "C-3"],
            }
        ),
        tmp_path / "tickets.parquet",
    )
    _write(
        tmp_path,
        "contacts.jsonl",
        '{"contact_id": "K-1", "channel": "chat", "arrived_at": "2026-03-02T09:00:00Z", '
        '"outcome": "deflected"}\n'
        "\n"
        '{"contact_id": "K-2", "channel": "chat", "arrived_at": "x", "outcome": "deflected"}\n',
    )
    store.import_files([tmp_path])
    assert _rejects(store) == [
        ("contacts.jsonl", 3, "arrived_at",
         "unparsable timestamp 'x' (use ISO 8601, e.g. 2026-03-02T09:15:00+01:00)"),
        ("tickets.parquet", 2, "created_at",
         "unparsable timestamp 'bad' (use ISO 8601, e.g. 2026-03-02T09:15:00+01:00)"),
    ]  # fmt: skip
