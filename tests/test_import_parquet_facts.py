"""What a Parquet file proves about its columns, and that using it changes no outcome.

A dictionary column whose every entry is canonical is taken as it is; one entry that is a
synonym, padded, empty or unknown leaves the whole column to the per-value path. A column
the footer shows without missing values skips the missing test. Either way the store,
the counts and the rejects are those of the staged import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from supportkpi.model.schema import TABLES
from supportkpi.sources.discover import discover
from supportkpi.sources.parquet_facts import parquet_facts
from supportkpi.sources.readers import probe
from supportkpi.store import importer, open_store

_TICKETS = {
    "ticket_id": ["T-1", "T-2", "T-3", "T-4"],
    "created_at": pa.array(
        [1_772_442_000_000_000 + day * 86_400_000_000 for day in range(4)],
        pa.timestamp("us", tz="UTC"),
    ),
    "customer_id": ["C-1", "C-2", "C-3", "C-4"],
}


def _tickets(folder: Path, channel: list[str | None], **options: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tickets.parquet"
    pq.write_table(pa.table({**_TICKETS, "channel": channel}), path, **options)
    return path


def _facts(path: Path) -> tuple[set[str], set[str]]:
    source = discover([path])[0]
    probed = probe(duckdb.connect(), source)
    return set(probed.facts.clean), set(probed.facts.no_nulls)


def _import(path: Path, db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    with open_store(db) as store:
        summary = store.import_files([path])
        raw = store.con.con
        rows = raw.execute("SELECT ticket_id, channel FROM tickets ORDER BY 1").fetchall()
        rejects = raw.execute(
            "SELECT file, line, column_name, reason FROM rejects ORDER BY line"
        ).fetchall()
        return rows, rejects, summary.tables["tickets"].imported


def test_canonical_dictionary_is_taken_as_it_is(tmp_path: Path) -> None:
    path = _tickets(tmp_path, ["email", "chat", "email", "phone"])
    clean, no_nulls = _facts(path)
    # ticket_id and customer_id have four distinct values each: small dictionaries, clean
    assert clean == {"channel", "ticket_id", "customer_id"}
    assert no_nulls == {"ticket_id", "created_at", "customer_id", "channel"}
    rows, rejects, imported = _import(path, tmp_path / "s.duckdb")
    assert rows == [("T-1", "email"), ("T-2", "chat"), ("T-3", "email"), ("T-4", "phone")]
    assert (rejects, imported) == ([], 4)


@pytest.mark.parametrize(
    ("channel", "stored"),
    [
        (["email", "E-Mail", "email", "chat"], ["email", "email", "email", "chat"]),
        (["email", " chat", "chat ", "web"], ["email", "chat", "chat", "web"]),
        (["email", "Live Chat", "WhatsApp", "PHONE"], ["email", "chat", "messaging", "phone"]),
    ],
)
def test_one_entry_to_map_leaves_the_column_to_the_per_value_path(
    tmp_path: Path, channel: list[str], stored: list[str]
) -> None:
    path = _tickets(tmp_path, list(channel))
    clean, _ = _facts(path)
    assert "channel" not in clean
    rows, rejects, _ = _import(path, tmp_path / "s.duckdb")
    assert [r[1] for r in rows] == stored
    assert rejects == []


def test_unknown_and_missing_values_are_still_rejected_with_their_row(tmp_path: Path) -> None:
    path = _tickets(tmp_path, ["email", "emial", None, ""])
    clean, no_nulls = _facts(path)
    assert "channel" not in clean and "channel" not in no_nulls
    rows, rejects, imported = _import(path, tmp_path / "s.duckdb")
    assert rows == [("T-1", "email")]
    assert rejects == [
        (str(path), 2, "channel", "unknown channel 'emial' (did you mean 'email'?)"),
        (str(path), 3, "channel", "missing required value for channel"),
        (str(path), 4, "channel", "missing required value for channel"),
    ]
    assert imported == 1


def test_unused_dictionary_entry_is_judged_too(tmp_path: Path) -> None:
    """A dictionary may hold entries no row uses; the column is then not proven clean,
    and the values still come out right."""
    channel = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 0, 1], pa.int32()), pa.array(["email", "chat", "E-Mail"])
    )
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "tickets.parquet"
    pq.write_table(pa.table({**_TICKETS, "channel": channel}), path)
    assert "channel" not in _facts(path)[0]
    rows, rejects, _ = _import(path, tmp_path / "s.duckdb")
    assert [r[1] for r in rows] == ["email", "chat", "email", "chat"]
    assert rejects == []


def test_plain_encoded_and_row_groups(tmp_path: Path) -> None:
    plain = _tickets(tmp_path / "plain", ["email", "chat", "web", "phone"], use_dictionary=False)
    assert _facts(plain)[0] == set()
    # one dictionary per row group: each is judged (the second holds a synonym)
    groups = _tickets(tmp_path / "groups", ["email", "chat", "Telephone", "web"], row_group_size=2)
    assert pq.ParquetFile(groups).metadata.num_row_groups == 2
    assert "channel" not in _facts(groups)[0]
    rows, rejects, _ = _import(groups, tmp_path / "s.duckdb")
    assert [r[1] for r in rows] == ["email", "chat", "phone", "web"]
    assert rejects == []


def test_without_statistics_nothing_is_assumed(tmp_path: Path) -> None:
    path = _tickets(tmp_path, ["email", "chat", "web", "phone"], write_statistics=False)
    clean, no_nulls = _facts(path)
    assert no_nulls == set()
    assert "channel" in clean
    table = TABLES["tickets"]
    columns = {"channel": ("channel", "VARCHAR"), "ticket_id": ("ticket_id", "VARCHAR")}
    assert parquet_facts(path, table, columns).no_nulls == frozenset()


def test_facts_and_staged_import_leave_the_same_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tickets(tmp_path / "d", ["email", "chat", "social", "web"])
    assert "channel" in _facts(path)[0]
    one = _import(path, tmp_path / "one.duckdb")
    monkeypatch.setattr(importer, "_one_pass_possible", lambda probed: False)
    staged = _import(path, tmp_path / "staged.duckdb")
    assert one == staged
