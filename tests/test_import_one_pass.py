"""The one-pass import and its hand-over to the staged import.

Clean data (every row valid, ids given, keys unique, events naming known tickets) is
written by one INSERT per file; anything that needs a row's file and line sends the whole
import down the staged path, with nothing of the one pass left behind. Both paths must
leave the store exactly alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supportkpi.store import Store, importer, open_store

TICKETS = (
    "ticket_id,created_at,channel,customer_id,priority\n"
    "T-1,2026-03-02T09:00:00Z,email,C-1,high\n"
    "T-2,2026-03-03T10:00:00Z,chat,C-2,\n"
    "T-3,2026-03-04T11:00:00Z, Telephone ,C-3,low\n"
)
EVENTS = (
    "event_id,ticket_id,at,kind,actor_role,actor_id,status\n"
    "E-1,T-1,2026-03-02T09:05:00Z,message,customer,C-1,\n"
    "E-2,T-1,2026-03-02T10:00:00Z,message,agent,A-1,\n"
    "E-3,T-2,2026-03-03T10:01:00Z,status,agent, A-1 ,solved\n"
    "E-4,T-3,2026-03-04T11:30:00Z,status,agent,A-2,resolved\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(store: Store, name: str) -> list[dict[str, Any]]:
    raw = store.con.con
    return raw.sql(f"SELECT * FROM {name} ORDER BY ALL").to_arrow_table().to_pylist()  # noqa: S608


def _data(folder: Path, tickets: str = TICKETS, events: str = EVENTS) -> Path:
    _write(folder, "tickets.csv", tickets)
    _write(folder, "events.csv", events)
    return folder


def _parts(folder: Path, *events: list[str]) -> Path:
    """The tickets, and the events in ``events/part-1.csv``, ``part-2.csv``... (each a list
    of EVENTS' data lines), each with the header."""
    head = EVENTS.splitlines()[0]
    _write(folder, "tickets.csv", TICKETS)
    for number, lines in enumerate(events, start=1):
        _write(folder / "events", f"part-{number}.csv", "\n".join([head, *lines]) + "\n")
    return folder


class _Spy:
    """Counts the staged imports (and can forbid them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, forbid: bool = False) -> None:
        self.calls = 0
        real = importer._stage

        def stage(*args: Any, **kwargs: Any) -> None:
            self.calls += 1
            if forbid:
                raise AssertionError("clean data must not be staged")
            real(*args, **kwargs)

        monkeypatch.setattr(importer, "_stage", stage)


def test_clean_data_is_written_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _Spy(monkeypatch, forbid=True)
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([_data(tmp_path / "d")])
        assert summary.rows_read == 7 and summary.rows_rejected == 0
        assert {Path(f.path).name: f.rows for f in summary.files} == {
            "tickets.csv": 3, "events.csv": 4
        }  # fmt: skip
        assert (summary.tables["tickets"].imported, summary.tables["events"].imported) == (3, 4)
        # values are trimmed and synonyms mapped exactly as when staged
        assert store.con.con.execute(
            "SELECT ticket_id, channel, priority FROM tickets ORDER BY ticket_id"
        ).fetchall() == [
            ("T-1", "email", "high"),
            ("T-2", "chat", "normal"),
            ("T-3", "phone", "low"),
        ]
        assert store.con.con.execute(
            "SELECT event_id, actor_id, status FROM events WHERE kind = 'status' ORDER BY 1"
        ).fetchall() == [("E-3", "A-1", "solved"), ("E-4", "A-2", "solved")]
        assert _rows(store, "rejects") == []


def test_one_pass_and_staged_leave_the_same_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(tmp_path / "d")
    changed = _data(
        tmp_path / "e",
        TICKETS.replace("T-2,2026-03-03T10:00:00Z,chat", "T-2,2026-03-03T10:00:00Z,social")
        + "T-4,2026-03-05T08:00:00Z,web,C-4,urgent\n",
        EVENTS + "E-5,T-4,2026-03-05T08:10:00Z,note,agent,A-1,\n",
    )
    stores = {}
    for path in ("one", "staged"):
        if path == "staged":
            monkeypatch.setattr(importer, "_one_pass_possible", lambda probed: False)
        with open_store(tmp_path / f"{path}.duckdb") as store:
            store.import_files([data])
            summary = store.import_files([changed])
            counts = {
                n: (c.read, c.imported, c.updated, c.skipped) for n, c in summary.tables.items()
            }
            stores[path] = (counts, {n: _rows(store, n) for n in ("tickets", "events")})
    assert stores["one"] == stores["staged"]
    counts, tables = stores["one"]
    # T-2 replaced, T-4 new, T-1 and T-3 identical; E-5 new, four events identical
    assert counts["tickets"] == (4, 1, 1, 2)
    assert counts["events"] == (5, 1, 0, 4)
    assert [(r["ticket_id"], r["channel"], r["import_id"]) for r in tables["tickets"]] == [
        ("T-1", "email", 1), ("T-2", "social", 2), ("T-3", "phone", 1), ("T-4", "web", 2)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        (EVENTS + "E-5,T-1,not a time,message,agent,A-1,\n", "unparsable timestamp 'not a time'"),
        (EVENTS + "E-5,T-9,2026-03-05T08:10:00Z,note,agent,A-1,\n", "event for unknown ticket"),
        (EVENTS + "E-1,T-1,2026-03-02T09:06:00Z,message,customer,C-1,\n", "duplicate event_id"),
    ],
)
def test_a_row_to_report_hands_over_to_the_staged_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, events: str, reason: str
) -> None:
    spy = _Spy(monkeypatch)
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([_data(tmp_path / "d", events=events)])
        assert spy.calls == 1
        assert [(e.file.endswith("events.csv"), e.line) for e in summary.examples] == [(True, 6)]
        assert reason in summary.examples[0].reason
        # nothing of the rolled-back pass remains: each good row once, one import
        assert len(_rows(store, "tickets")) == 3
        assert [r["event_id"] for r in _rows(store, "events")] == ["E-1", "E-2", "E-3", "E-4"]
        assert store.con.con.execute("SELECT import_id FROM imports").fetchall() == [(1,)]


def test_events_without_ids_are_staged_for_their_derived_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    no_ids = "\n".join(line.split(",", 1)[1] for line in EVENTS.splitlines()) + "\n"
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([_data(tmp_path / "d", events=no_ids)])
        assert spy.calls == 1 and summary.tables["events"].imported == 4
        ids = [r["event_id"] for r in _rows(store, "events")]
        assert all(i.startswith("ev-") and len(i) == 23 for i in ids) and len(set(ids)) == 4


def test_a_failure_in_the_one_pass_leaves_the_store_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        store.import_files([_write(tmp_path / "a", "tickets.csv", TICKETS)])
        before = {n: _rows(store, n) for n in ("tickets", "events", "imports", "rejects")}

        def explode(run: Any, import_id: int) -> None:
            raise RuntimeError("disk full")

        _Spy(monkeypatch, forbid=True)
        monkeypatch.setattr(importer, "_write_rejects", explode)  # after every row is written
        with pytest.raises(RuntimeError, match="disk full"):
            store.import_files([_data(tmp_path / "b", TICKETS.replace("chat", "web"))])
        assert {n: _rows(store, n) for n in before} == before


def test_files_imported_before_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(tmp_path / "d")
    with open_store(tmp_path / "s.duckdb") as store:
        store.import_files([data])

        def refuse(*args: Any) -> None:
            raise AssertionError("an imported file was read again")

        monkeypatch.setattr(importer, "_insert_file", refuse)
        monkeypatch.setattr(importer, "_stage", refuse)
        again = store.import_files([data])
        assert again.already_imported and again.import_id is None
        assert {Path(f.path).name: f.rows for f in again.files} == {
            "tickets.csv": 3, "events.csv": 4
        }  # fmt: skip


def test_events_in_several_files_are_checked_against_tickets_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head, *lines = EVENTS.splitlines()
    data = _parts(tmp_path / "d", lines[:2], lines[2:])
    spy = _Spy(monkeypatch)
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.import_files([data]).tables["events"].imported == 4
        assert spy.calls == 0
        _write(
            data / "events", "part-3.csv", head + "\nE-9,T-9,2026-03-05T08:00:00Z,note,agent,A-1,\n"
        )
        summary = store.import_files([data])
        assert spy.calls == 1
        assert [(Path(e.file).name, e.line, e.reason) for e in summary.examples] == [
            ("part-3.csv", 2, "event for unknown ticket 'T-9'")
        ]
        assert summary.tables["events"].skipped == 4
        assert len(_rows(store, "events")) == 4


def test_an_event_id_repeated_across_files_hands_over_to_the_staged_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ids are compared as they would be written: trimmed, across every events file."""
    lines = EVENTS.splitlines()[1:]
    again = " E-2 ,T-2,2026-03-03T10:05:00Z,message,agent,A-1,"
    data = _parts(tmp_path / "d", lines, [again])
    spy = _Spy(monkeypatch)
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([data])
        assert spy.calls == 1
        assert [(Path(e.file).name, e.line) for e in summary.examples] == [("part-2.csv", 2)]
        assert "duplicate event_id 'E-2'" in summary.examples[0].reason
        assert [r["event_id"] for r in _rows(store, "events")] == ["E-1", "E-2", "E-3", "E-4"]


def test_unique_event_ids_in_several_files_stay_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = EVENTS.splitlines()[1:]
    data = _parts(tmp_path / "d", lines[:3], lines[3:])
    _Spy(monkeypatch, forbid=True)
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.import_files([data]).tables["events"].imported == 4
