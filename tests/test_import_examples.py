"""The shipped examples: the small dataset imports cleanly; the bad one shows every reason."""

from __future__ import annotations

from pathlib import Path

from supportkpi.store import open_store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_small_example_imports_without_rejects(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([EXAMPLES / "small"], tz="Europe/Berlin")
        info = store.info()
    assert summary.rows_rejected == 0
    assert {k: v.imported for k, v in summary.tables.items()} == {
        "tickets": 25, "events": 121, "contacts": 30, "agents": 7,
    }  # fmt: skip
    assert info.ticket_channels == {"chat": 5, "email": 9, "messaging": 1, "phone": 4,
                                    "social": 3, "web": 3}  # fmt: skip
    assert (info.tickets_from, info.tickets_to) == ("2026-03-02T08:12:00Z", "2026-03-13T07:30:00Z")


def test_bad_example_shows_each_reason(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([EXAMPLES / "bad"])
        rows = store.con.con.execute(
            "SELECT table_name, line, column_name FROM rejects ORDER BY table_name, line"
        ).fetchall()
    assert summary.rejects_by_reason == {
        "bad_boolean": 1,
        "bad_number": 2,
        "bad_timestamp": 1,
        "before_arrival": 4,
        "duplicate": 1,
        "missing": 1,
        "negative_seconds": 2,
        "outcome_mismatch": 2,
        "unknown_ticket": 1,
        "unknown_value": 2,
    }
    assert rows == [
        ("agents", 3, "tier"), ("agents", 4, "role"),
        ("contacts", 3, "answered_at"), ("contacts", 4, "queued_at"), ("contacts", 5, "ended_at"),
        ("contacts", 6, "abandoned_at"), ("contacts", 7, "outcome"), ("contacts", 8, "outcome"),
        ("contacts", 9, "talk_seconds"),
        ("events", 3, "ticket_id"), ("events", 4, "public"), ("events", 5, "work_seconds"),
        ("events", 6, "work_seconds"),
        ("tickets", 3, "channel"), ("tickets", 4, "created_at"), ("tickets", 5, "customer_id"),
        ("tickets", 6, "ticket_id"),
    ]  # fmt: skip
