"""Formats, file naming, column matching, synonyms, defaults, time zones, malformed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from supportkpi.errors import InputFileError, UserError
from supportkpi.sources import discover
from supportkpi.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "s.duckdb") as opened:
        yield opened


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _rows(store: Store, sql: str) -> list[dict[str, Any]]:
    return list(store.con.con.sql(sql).to_arrow_table().to_pylist())


def test_discover_maps_names_and_folders(tmp_path: Path) -> None:
    for name in (
        "tickets.csv",
        "tickets-2026-03.parquet",
        "tickets_part1.jsonl",
        "events/part-0001.parquet",
        "contacts/2026/march.csv",
        "ticketsx.csv",
        "notes.txt",
        "agents.CSV",
    ):
        _write(tmp_path, name, "x")
    found = [(s.path.relative_to(tmp_path).as_posix(), s.table, s.format) for s in
             discover([tmp_path])]  # fmt: skip
    assert found == [
        ("tickets-2026-03.parquet", "tickets", "parquet"),
        ("tickets.csv", "tickets", "csv"),
        ("tickets_part1.jsonl", "tickets", "jsonl"),
        ("events/part-0001.parquet", "events", "parquet"),
        ("contacts/2026/march.csv", "contacts", "csv"),
        ("agents.CSV", "agents", "csv"),
    ]
    with pytest.raises(InputFileError, match="cannot tell which table this file feeds"):
        discover([tmp_path / "ticketsx.csv"])
    with pytest.raises(InputFileError, match=r"unsupported file type '\.txt'"):
        discover([tmp_path / "notes.txt"])
    with pytest.raises(InputFileError, match="no such file or folder"):
        discover([tmp_path / "nope.csv"])


def test_columns_case_insensitive_unknown_ignored_synonyms_and_defaults(
    store: Store, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        "tickets.csv",
        "Ticket_ID,CREATED AT,Channel,customer-id,Priority,Tags,internal_score\n"
        "T-1,2026-03-02T09:00:00Z,E-Mail,C-1,P1,late | courier ;,9\n"
        "T-2,2026-03-02T09:00:00Z,Live Chat,C-2,,,9\n"
        "T-3,2026-03-02T09:00:00Z, WhatsApp ,C-3,Medium,,9\n",
    )
    _write(
        tmp_path,
        "events.csv",
        "ticket_id,at,kind,actor_role,public,status\n"
        "T-1,2026-03-02T09:01:00Z,message,agent,,\n"
        "T-1,2026-03-02T09:02:00Z,note,agent,true,\n"
        "T-1,2026-03-02T09:03:00Z,status,agent,,Waiting on customer\n"
        "T-1,2026-03-02T09:04:00Z,status,agent,,resolved\n",
    )
    _write(tmp_path, "agents.csv", "agent_id\nA-1\n")
    summary = store.import_files([tmp_path])
    assert summary.rows_rejected == 0
    ignored = {Path(f.path).name: f.ignored_columns for f in summary.files}
    assert ignored == {"tickets.csv": ("internal_score",), "events.csv": (), "agents.csv": ()}
    ((recorded,),) = store.con.con.execute("SELECT files FROM imports").fetchall()
    assert [f["ignored_columns"] for f in json.loads(recorded)] == [["internal_score"], [], []]
    assert _rows(store, "SELECT ticket_id, channel, priority, created_by, tags FROM tickets "
                 "ORDER BY 1") == [
        {"ticket_id": "T-1", "channel": "email", "priority": "urgent", "created_by": "customer",
         "tags": ["late", "courier"]},
        {"ticket_id": "T-2", "channel": "chat", "priority": "normal", "created_by": "customer",
         "tags": None},
        {"ticket_id": "T-3", "channel": "messaging", "priority": "normal",
         "created_by": "customer", "tags": None},
    ]  # fmt: skip
    assert _rows(store, 'SELECT kind, public, status FROM events ORDER BY "at"') == [
        {"kind": "message", "public": True, "status": None},
        {"kind": "note", "public": False, "status": None},
        {"kind": "status", "public": None, "status": "pending"},
        {"kind": "status", "public": None, "status": "solved"},
    ]
    assert _rows(store, "SELECT agent_id, tier, role FROM agents") == [
        {"agent_id": "A-1", "tier": 1, "role": "agent"}
    ]


def _utc(store: Store, table: str, column: str) -> list[str]:
    rows = store.con.con.execute(
        f"SELECT strftime(timezone('UTC', {column}), '%Y-%m-%dT%H:%M:%SZ') FROM {table} "  # noqa: S608
        "ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_time_zones(store: Store, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "tickets.csv",
        "ticket_id,created_at,channel,customer_id\n"
        "T-1,2026-03-02 09:15,email,C-1\n"  # winter, Berlin = UTC+1
        "T-2,2026-07-02 09:15:00,email,C-1\n"  # summer, Berlin = UTC+2
        "T-3,2026-03-29 02:30,email,C-1\n"  # does not exist in Berlin: read as 03:30 CEST
        "T-4,2026-03-02T09:15:00+05:30,email,C-1\n"  # explicit offset wins over --tz
        "T-5,2026-03-02T09:15:00Z,email,C-1\n",
    )
    store.import_files([tmp_path], tz="Europe/Berlin")
    assert _utc(store, "tickets", "created_at") == [
        "2026-03-02T03:45:00Z",
        "2026-03-02T08:15:00Z",
        "2026-03-02T09:15:00Z",
        "2026-03-29T01:30:00Z",
        "2026-07-02T07:15:00Z",
    ]


def test_naive_parquet_timestamps_use_source_zone(store: Store, tmp_path: Path) -> None:
    from datetime import datetime

    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T-1"],
                "created_at": pa.array([datetime(2026, 3, 2, 9, 0)], pa.timestamp("us")),
                "channel": ["email"],
                "customer_id": ["C-1"],
            }
        ),
        tmp_path / "tickets.parquet",
    )
    store.import_files([tmp_path / "tickets.parquet"], tz="America/New_York")
    assert _utc(store, "tickets", "created_at") == ["2026-03-02T14:00:00Z"]


def test_jsonl_tags_as_list(store: Store, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "tickets.jsonl",
        '{"Ticket_Id": "T-1", "created_at": "2026-03-02T09:00:00Z", "CHANNEL": "web", '
        '"customer_id": "C-1", "tags": ["a", "b"], "extra": {"x": 1}}\n'
        '{"Ticket_Id": "T-2", "created_at": "2026-03-02T09:00:00Z", "CHANNEL": "web", '
        '"customer_id": "C-1", "tags": "c;d"}\n',
    )
    summary = store.import_files([tmp_path / "tickets.jsonl"])
    assert summary.rows_rejected == 0
    assert _rows(store, "SELECT ticket_id, tags FROM tickets ORDER BY 1") == [
        {"ticket_id": "T-1", "tags": ["a", "b"]},
        {"ticket_id": "T-2", "tags": ["c", "d"]},
    ]


def test_bad_time_zone(store: Store, tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        store.import_files([tmp_path], tz="Europe/Berln")
    assert caught.value.one_line() == (
        "unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?) (fix: give an IANA "
        "time zone name such as UTC, Europe/Berlin or America/New_York)"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tickets.csv", b"", "file is empty"),
        (
            "tickets.csv",
            "ticket_id,channel\nT-1,caf\u00e9\n".encode("cp1252"),
            "file is not UTF-8 encoded",
        ),
        ("tickets.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file (binary content)"),
        (
            "tickets.parquet",
            b"PAR1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "Parquet file is truncated",
        ),
        ("tickets.parquet", b"ticket_id\nT-1\n", "not a Parquet file"),
        ("tickets.jsonl", b'{"ticket_id": "T-1"}\n{oops\n', "not valid JSON Lines"),
        (
            "tickets.csv",
            b"T-1,2026-03-02,email,C-1\n",
            "no header row with the tickets columns (first line: T-1, 2026-03-02, email, C-1)",
        ),
        (
            "tickets.csv",
            b"ticket_id,created_at,customer_id\nT-1,2026-03-02,C-1\n",
            "missing required column(s) channel (found: ticket_id, created_at, customer_id)",
        ),
    ],
)
def test_malformed_files(
    store: Store, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(InputFileError) as caught:
        store.import_files([path])
    line = caught.value.one_line()
    assert line.startswith(str(path))
    assert message in line
    assert "\n" not in line and "(fix: " in line


def test_jsonl_error_points_at_line(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "tickets.jsonl", '{"ticket_id": "T-1"}\n\n{oops\n')
    with pytest.raises(InputFileError) as caught:
        store.import_files([path])
    assert caught.value.one_line() == (
        f"{path}:3: not valid JSON Lines (fix: write one JSON object per line)"
    )


def test_config_headers_feed_model_columns(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tickets.jsonl",
        '{"id": "T-1", "Created at": "2026-03-02T09:00:00Z", "channel": "email", '
        '"Requester": "C-1", "Assignee": "A-1", "agent_id": "A-9"}\n',
    )
    headers = {"tickets": {"ticket_id": "ID", "customer_id": "requester", "agent_id": "assignee"}}
    summary = store.import_files([path], columns=headers)
    (imported,) = summary.files
    assert imported.mapped_columns == {
        "ticket_id": "id", "customer_id": "Requester", "agent_id": "Assignee"
    }  # fmt: skip
    assert imported.ignored_columns == ("agent_id",)  # the own-name column lost to the header
    assert _rows(store, "SELECT ticket_id, customer_id, agent_id FROM tickets") == [
        {"ticket_id": "T-1", "customer_id": "C-1", "agent_id": "A-1"}
    ]
    other = _write(tmp_path / "b", "tickets.csv", "ticket_id,created_at,channel\n")
    with pytest.raises(InputFileError) as caught:
        store.import_files([other], columns=headers)
    assert "missing required column(s) customer_id (or 'requester') (found: ticket_id, " \
        "created_at, channel)" in caught.value.one_line()  # fmt: skip
    assert "[source.columns.tickets]" in caught.value.one_line()


def test_a_file_read_another_way_is_imported_again(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tickets.csv",
        "ticket_id,created_at,channel,customer_id,owner\nT-1,2026-03-02 09:00,email,C-1,A-1\n",
    )
    first = store.import_files([path])
    assert first.import_id == 1
    assert store.import_files([path]).already_imported
    berlin = store.import_files([path], tz="Europe/Berlin")
    assert berlin.import_id == 2 and berlin.tables["tickets"].updated == 1
    assert _utc(store, "tickets", "created_at") == ["2026-03-02T08:00:00Z"]
    assert store.import_files([path], tz="Europe/Berlin").already_imported
    owner = store.import_files(
        [path], tz="Europe/Berlin", columns={"tickets": {"agent_id": "owner"}}
    )
    assert owner.import_id == 3 and owner.tables["tickets"].updated == 1
    assert _rows(store, "SELECT agent_id FROM tickets") == [{"agent_id": "A-1"}]
    again = store.import_files(
        [path], tz="Europe/Berlin", columns={"tickets": {"agent_id": "OWNER"}}
    )
    assert again.already_imported
