"""``supportkpi copy``: a store's tables into another store, and the KPIs read there.

DuckDB to DuckDB needs nothing else; the PostgreSQL tests start a server of their own on
loopback (``tests/postgres_server.py``) and show that a copied store gives the same
figures, frame for frame, as the DuckDB store it came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from supportkpi.backends import array_literals
from supportkpi.kpis.compute import compute, ticket_table
from supportkpi.store import open_store
from supportkpi.store.copy import COPIED
from tests.test_cli_data import _run
from tests.test_report_fixtures import AS_OF, sim_store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "small"


def _frames(target: str) -> dict[str, pd.DataFrame]:
    """Every copied table, rows in a fixed order, for comparing two stores."""
    with open_store(target, read_only=True) as store:
        frames = {}
        for name in COPIED:
            frame = store.table(name).to_pandas()
            frame = frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)
            frames[name] = frame
    return frames


def _assert_same_tables(a: str, b: str) -> None:
    left, right = _frames(a), _frames(b)
    for name in COPIED:
        assert len(left[name]) == len(right[name]), name
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=False, obj=name)


@pytest.fixture
def example_store(tmp_path: Path) -> str:
    path = str(tmp_path / "source.duckdb")
    with open_store(path) as store:
        store.import_files([EXAMPLES])
    return path


def test_copy_to_another_duckdb_file_carries_every_table(
    example_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(tmp_path / "copy.duckdb")
    code, out, _ = _run(["copy", "--store", example_store, "--to", target], capsys)
    assert code == 0
    assert "tickets 25, events 121, contacts 30, agents 7, imports 1, rejects 0" in out
    _assert_same_tables(example_store, target)


def test_copy_refuses_a_store_with_data_unless_replace(
    example_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(tmp_path / "copy.duckdb")
    assert _run(["copy", "--store", example_store, "--to", target], capsys)[0] == 0
    code, _, err = _run(["copy", "--store", example_store, "--to", target], capsys)
    assert code != 0
    assert "already holds data (tickets 25, events 121" in err and "--replace" in err
    code, _, _ = _run(["copy", "--store", example_store, "--to", target, "--replace"], capsys)
    assert code == 0
    _assert_same_tables(example_store, target)  # copying again gives the same store
    code, _, err = _run(["copy", "--store", example_store, "--to", example_store], capsys)
    assert code != 0 and "both the source and the destination" in err


def test_a_copy_failing_halfway_leaves_the_destination_as_it_was(
    example_store: str, tmp_path: Path
) -> None:
    target = str(tmp_path / "copy.duckdb")
    with open_store(example_store, read_only=True) as source, open_store(target) as dest:
        source.copy_to(dest)
    before = _frames(target)

    def fail_on_events(table: str, done: int, total: int) -> None:
        if table == "events" and done > 0:
            raise RuntimeError("the network went down")

    with open_store(example_store, read_only=True) as source, open_store(target) as dest:
        with pytest.raises(RuntimeError, match="network"):
            source.copy_to(dest, replace=True, progress=fail_on_events)
        names = dest.con.con.execute("SELECT table_name FROM information_schema.tables")
        tables = {row[0] for row in names.fetchall()}
    assert not any(name.endswith("__copy") for name in tables)
    after = _frames(target)
    for name in COPIED:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_lists_become_postgresarray_literals() -> None:
    tags = pa.array(
        [["a", 'say "hi"'], [], None, ["x", None], ["back\\slash", "comma,brace}"]],
        pa.list_(pa.string()),
    )
    got = array_literals(tags.slice(1, 4)).to_pylist()
    assert got == ["{}", None, '{"x",NULL}', '{"back\\\\slash","comma,brace}"}']
    assert array_literals(tags.slice(0, 1)).to_pylist() == ['{"a","say \\"hi\\""}']


@pytest.mark.postgres
def test_copy_to_postgres_keeps_every_value(
    example_store: str, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["copy", "--store", example_store, "--to", postgres_url], capsys)
    assert code == 0, out
    _assert_same_tables(example_store, postgres_url)
    with open_store(postgres_url) as store:
        # Odd list elements survive the array literals.
        schema = store.table("tickets").schema().to_pyarrow()
        odd_row = {"ticket_id": "T-odd", "tags": ['quote "q"', "back\\slash", "comma,brace}", ""]}
        store.con.insert("tickets", pa.Table.from_pylist([odd_row], schema=schema))
    copied = str(Path(example_store).with_name("back.duckdb"))
    code, _, _ = _run(["copy", "--store", postgres_url, "--to", copied], capsys)
    assert code == 0
    code, _, _ = _run(["copy", "--store", copied, "--to", postgres_url, "--replace"], capsys)
    assert code == 0
    with open_store(postgres_url, read_only=True) as store:
        t = store.table("tickets")
        odd = t.filter(t.ticket_id == "T-odd").tags.to_pyarrow().to_pylist()
    assert odd == [['quote "q"', "back\\slash", "comma,brace}", ""]]


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.postgres
@pytest.mark.slow
def test_kpis_read_from_postgres_equal_the_duckdb_store(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(sim_store())
    assert _run(["copy", "--store", source, "--to", postgres_url], capsys)[0] == 0
    results: dict[str, Any] = {}
    for target in (source, postgres_url):
        with open_store(target, read_only=True) as store:
            frame = compute(store, by=["channel"], period="week", as_of=AS_OF)
            tickets = ticket_table(store, as_of=AS_OF)
        kpi_keys = ["kpi", "basis", "stat", "channel", "period_start"]
        results[target] = (_sorted(frame, kpi_keys), _sorted(tickets, ["ticket_id"]))
    (duck_kpis, duck_tickets), (pg_kpis, pg_tickets) = results[source], results[postgres_url]
    assert len(duck_kpis) > 500 and len(duck_tickets) > 500
    pd.testing.assert_frame_equal(duck_kpis, pg_kpis, check_dtype=False, rtol=1e-9)
    pd.testing.assert_frame_equal(duck_tickets, pg_tickets, check_dtype=False, rtol=1e-9)
