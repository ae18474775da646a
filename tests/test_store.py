"""The store: its tables, idempotent and atomic imports, strict mode, info, opening errors."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from supportkpi.errors import StoreError, StrictImportError, UserError
from supportkpi.store import Store, importer, open_store

TICKETS = (
    "ticket_id,created_at,channel,customer_id,tags\n"
    "T-1,2026-03-02T09:00:00Z,email,C-1,late;courier\n"
    "T-2,2026-03-03T10:00:00Z,chat,C-2,\n"
)
EVENTS = (
    "ticket_id,at,kind,actor_role,actor_id\n"
    "T-1,2026-03-02T09:05:00Z,message,customer,C-1\n"
    "T-1,2026-03-02T09:05:00Z,message,customer,C-1\n"
    "T-1,2026-03-02T10:00:00Z,message,agent,A-1\n"
    "T-2,2026-03-03T10:01:00Z,status,agent,A-1\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (full contents, sorted), to compare before and after."""
    raw = store.con.con
    out = {}
    for name in ("tickets", "events", "contacts", "agents", "imports", "rejects"):
        out[name] = raw.sql(f"SELECT * FROM {name} ORDER BY ALL").to_arrow_table().to_pylist()  # noqa: S608
    return out


def test_new_store_has_the_contract_tables(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        schema = store.table("tickets").schema()
        assert list(schema.names)[-1] == "import_id"
        assert str(schema["created_at"]).startswith("timestamp('UTC'")
        assert str(schema["tags"]) == "array<string>"
        assert list(store.table("events").schema().names)[:3] == ["event_id", "ticket_id", "at"]
        assert list(store.table("rejects").schema().names) == [
            "import_id", "table_name", "file", "line", "column_name", "reason", "raw_json",
        ]  # fmt: skip
        assert store.table("agents").count().to_pyarrow().as_py() == 0


def test_the_store_prints_no_progress_of_its_own(tmp_path: Path) -> None:
    """Progress is the product's to report (the CLI's bars): DuckDB's own bar is off on
    every connection a store opens, writable or read-only."""
    setting = "SELECT current_setting('enable_progress_bar')"
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.con.con.execute(setting).fetchall() == [(False,)]
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        assert store.con.con.execute(setting).fetchall() == [(False,)]


def test_import_then_reimport_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, "tickets.csv", TICKETS)
    _write(data, "events.csv", EVENTS)
    with open_store(tmp_path / "s.duckdb") as store:
        first = store.import_files([data])
        assert first.import_id == 1
        assert first.tables["tickets"].imported == 2
        # two identical events at the same instant both survive, with distinct ids
        assert first.tables["events"].imported == 4
        ids = [r[0] for r in store.con.con.execute("SELECT event_id FROM events").fetchall()]
        assert len(set(ids)) == 4
        before = _snapshot(store)
        again = store.import_files([data])
        assert again.already_imported is True
        assert again.import_id is None
        assert _snapshot(store) == before


def test_same_rows_in_new_file_are_skipped_and_changed_rows_updated(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        store.import_files([_write(tmp_path / "a", "tickets.csv", TICKETS)])
        store.import_files([_write(tmp_path / "a", "events.csv", EVENTS)])
        before = _snapshot(store)
        # the same events, another file (different checksum): all skipped, nothing changes
        copy = _write(tmp_path / "b", "events-copy.csv", EVENTS + "\n")
        summary = store.import_files([copy])
        assert summary.already_imported is False
        counts = summary.tables["events"]
        assert (counts.read, counts.imported, counts.updated, counts.skipped) == (4, 0, 0, 4)
        after = _snapshot(store)
        assert {k: v for k, v in after.items() if k != "imports"} == {
            k: v for k, v in before.items() if k != "imports"
        }
        # T-2 changes channel: replaced, newest import wins
        changed = _write(
            tmp_path / "c",
            "tickets.csv",
            TICKETS.replace("T-2,2026-03-03T10:00:00Z,chat", "T-2,2026-03-03T10:00:00Z,phone"),
        )
        summary = store.import_files([changed])
        counts = summary.tables["tickets"]
        assert (counts.imported, counts.updated, counts.skipped) == (0, 1, 1)
        rows = store.con.con.execute(
            "SELECT ticket_id, channel, import_id FROM tickets ORDER BY ticket_id"
        ).fetchall()
        assert rows == [("T-1", "email", 1), ("T-2", "phone", summary.import_id)]


def test_a_file_of_the_same_size_is_imported_when_its_content_differs(tmp_path: Path) -> None:
    """Same size as a file imported before: the import waits for the checksum before
    deciding, and a different checksum is a new file."""
    with open_store(tmp_path / "s.duckdb") as store:
        first = store.import_files([_write(tmp_path / "a", "tickets.csv", TICKETS)])
        changed = TICKETS.replace("email", "phone")
        assert len(changed) == len(TICKETS)
        path = _write(tmp_path / "b", "tickets.csv", changed)
        summary = store.import_files([path])
        assert summary.already_imported is False
        assert summary.files[0].sha256 == hashlib.sha256(changed.encode()).hexdigest()
        assert summary.files[0].sha256 != first.files[0].sha256
        counts = summary.tables["tickets"]
        assert (counts.imported, counts.updated, counts.skipped) == (0, 1, 1)
        again = store.import_files([path])
        assert again.already_imported is True


def test_checksums_stop_with_a_failed_import(tmp_path: Path) -> None:
    """The background checksum thread ends with the import, also when a file is refused."""
    data = tmp_path / "data"
    _write(data, "tickets.csv", TICKETS)
    _write(data, "events.csv", "no,header,here\n")
    with open_store(tmp_path / "s.duckdb") as store, pytest.raises(UserError):
        store.import_files([data])
    assert not [t for t in threading.enumerate() if t.name.startswith("supportkpi-checksums")]


def test_failure_midway_leaves_store_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        store.import_files([_write(tmp_path / "a", "tickets.csv", TICKETS)])
        before = _snapshot(store)

        def explode(run: Any, import_id: int) -> None:
            raise RuntimeError("disk full")

        # tickets and events are already written in the transaction when this raises
        monkeypatch.setattr(importer, "_write_rejects", explode)
        data = tmp_path / "b"
        _write(data, "tickets.csv", TICKETS.replace("chat", "phone") + "T-3,2026-03-04,web,C-3,\n")
        _write(data, "events.csv", EVENTS)
        with pytest.raises(RuntimeError, match="disk full"):
            store.import_files([data])
        assert _snapshot(store) == before
    # and still so after reopening the file
    with open_store(tmp_path / "s.duckdb") as store:
        assert _snapshot(store) == before


def test_strict_import_writes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, "tickets.csv", TICKETS + "T-3,2026-03-04,fax,C-3,\n")
    with open_store(tmp_path / "s.duckdb") as store:
        before = _snapshot(store)
        with pytest.raises(StrictImportError) as caught:
            store.import_files([path], strict=True)
        assert caught.value.one_line() == (
            f"1 row(s) rejected, nothing imported; first: {path}:4: channel: unknown channel "
            "'fax' (expected one of: email, chat, phone, social, web, messaging) (fix: correct "
            "the rows (see docs/importing.md) or import without --strict)"
        )
        assert _snapshot(store) == before


def test_imports_table_records_files(tmp_path: Path) -> None:
    path = _write(tmp_path, "tickets.csv", TICKETS)
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([path], tz="Europe/Berlin")
        row = store.con.con.execute(
            "SELECT import_id, files, rows_read, rows_imported, rows_rejected, source_tz, status "
            "FROM imports"
        ).fetchone()
        assert row is not None
        files = json.loads(row[1])
        assert files == [
            {
                "path": str(path),
                "table": "tickets",
                "size": len(TICKETS),
                "sha256": hashlib.sha256(TICKETS.encode()).hexdigest(),
                "rows": 2,
                "ignored_columns": [],
                "mapped_columns": {},
            }
        ]
        assert row[0] == 1 and row[2:] == (2, 2, 0, "Europe/Berlin", "ok")
        assert summary.files[0].sha256 == files[0]["sha256"]


def test_info(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, "tickets.csv", TICKETS)
    _write(data, "events.csv", EVENTS.replace("T-2,", "T-9,"))
    _write(
        data,
        "contacts.csv",
        "contact_id,channel,arrived_at,outcome,abandoned_at\n"
        "K-1,phone,2026-03-01 08:00,abandoned,2026-03-01 08:01\n",
    )
    with open_store(tmp_path / "s.duckdb") as store:
        store.import_files([data], tz="America/New_York")
        info = store.info().to_dict()
    assert info["tables"] == {
        "tickets": 2, "events": 3, "contacts": 1, "agents": 0, "imports": 1, "rejects": 1,
    }  # fmt: skip
    assert info["tickets_from"] == "2026-03-02T09:00:00Z"
    assert info["tickets_to"] == "2026-03-03T10:00:00Z"
    assert info["contacts_from"] == "2026-03-01T13:00:00Z"
    assert info["ticket_channels"] == {"chat": 1, "email": 1}
    assert info["contact_channels"] == {"phone": 1}
    assert info["source_time_zones"] == ["America/New_York"]
    assert (info["imports"], info["rejects"]) == (1, 1)


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "missing.duckdb", read_only=True)
    not_db = tmp_path / "notes.duckdb"
    not_db.write_text("hello, this is text\n" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        open_store(not_db)
    with pytest.raises(StoreError, match="cannot open store URL 'nosuch://x'"):
        open_store("nosuch://x")
    import duckdb

    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE sales (id INTEGER)")
    with pytest.raises(
        StoreError, match=r"not a supportkpi store \(it holds other tables: sales\)"
    ):
        open_store(other)


def test_duckdb_url_and_read_only(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(f"duckdb://{path}") as store:
        store.import_files([_write(tmp_path / "a", "tickets.csv", TICKETS)])
    with open_store(path, read_only=True) as store:
        assert store.table("tickets").count().to_pyarrow().as_py() == 2
        with pytest.raises(StoreError, match="read-only"):
            store.import_files([tmp_path / "a"])


def test_a_missing_postgres_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import ibis

    def no_driver(url: str) -> None:
        raise ModuleNotFoundError("No module named 'psycopg'")

    monkeypatch.setattr(ibis, "connect", no_driver)
    with pytest.raises(StoreError) as caught:
        open_store("postgres://kpi@db.example/support")
    assert str(caught.value).startswith(
        "cannot open store URL 'postgres://kpi@db.example/support': the postgres driver is"
        " not installed (No module named 'psycopg')"
    )
    assert caught.value.fix == (
        'pip install "supportkpi[postgres]" (in a checkout: pip install -e ".[postgres]")'
    )
