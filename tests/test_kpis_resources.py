"""The engine's memory bound: sizes, the DuckDB settings it changes and restores, and
that a bounded computation gives the same answer as an unbounded one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from supportkpi.kpis.compute import compute
from supportkpi.kpis.resources import bounded_memory, joins_as_written, parse_size
from tests.test_kpis_tickets import case, instant


def test_sizes_in_duckdb_spelling() -> None:
    assert parse_size("2.5GiB") == 2_684_354_560
    assert parse_size("512 MB") == 512_000_000
    assert parse_size("3 KiB") == 3072
    assert parse_size("18.8 GiB") == int(18.8 * 1024**3)
    assert parse_size("100") == 100
    for bad in ("lots", "5 parsecs", "", "-1GB"):
        with pytest.raises(ValueError, match="not a memory size"):
            parse_size(bad)


def _settings(con: Any) -> tuple[str, bool]:
    row = con.con.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    ).fetchone()
    return str(row[0]), bool(row[1])


def test_duckdb_is_bounded_inside_and_restored_after(tmp_path: Path) -> None:
    con = ibis.duckdb.connect(str(tmp_path / "bound.duckdb"))
    con.con.execute("SET memory_limit = '4GiB'")
    table = con.create_table("t", ibis.memtable({"x": [1, 2, 3]}))
    assert _settings(con) == ("4.0 GiB", True)
    with bounded_memory(table, "1GiB"):
        assert _settings(con) == ("1.0 GiB", False)
    assert _settings(con) == ("4.0 GiB", True)
    # A bound above the database's own limit does not raise it.
    with bounded_memory(con, "8GiB"):
        assert _settings(con) == ("4.0 GiB", False)
    assert _settings(con) == ("4.0 GiB", True)
    # No bound: nothing changes.
    with bounded_memory(table, None):
        assert _settings(con) == ("4.0 GiB", True)


def test_joins_keep_their_written_sides_inside_and_are_restored_after(tmp_path: Path) -> None:
    """DuckDB builds a left join's hash table on the smaller side by its estimates: the
    10-row left side here. Within the block the right side builds, as written; a list of
    disabled optimizers set before is kept, and restored after, even when the block
    fails."""
    con = ibis.duckdb.connect(str(tmp_path / "joins.duckdb"))
    con.con.execute("CREATE TABLE small AS SELECT range AS k FROM range(10)")
    con.con.execute("CREATE TABLE big AS SELECT range AS k, range AS v FROM range(100000)")

    def join_type() -> str:
        plan = con.con.execute("EXPLAIN SELECT * FROM small LEFT JOIN big USING (k)").fetchall()
        return "RIGHT" if "RIGHT" in plan[0][1] else "LEFT"

    def disabled() -> str:
        rows = con.con.execute("SELECT current_setting('disabled_optimizers')").fetchall()
        return str(rows[0][0])

    assert join_type() == "RIGHT" and disabled() == ""
    with joins_as_written(con.table("small")):
        assert join_type() == "LEFT" and disabled() == "build_side_probe_side"
    assert join_type() == "RIGHT" and disabled() == ""
    con.con.execute("SET disabled_optimizers = 'join_order'")
    with pytest.raises(RuntimeError), joins_as_written(con):
        assert disabled() == "join_order,build_side_probe_side"
        raise RuntimeError("a failing query")
    assert disabled() == "join_order"


def test_settings_are_restored_when_the_block_fails(tmp_path: Path) -> None:
    con = ibis.duckdb.connect(str(tmp_path / "fail.duckdb"))
    con.con.execute("SET memory_limit = '2GiB'")
    with pytest.raises(RuntimeError), bounded_memory(con, "1GiB"):
        raise RuntimeError("a failing query")
    assert _settings(con) == ("2.0 GiB", True)


@pytest.mark.parametrize("limit", ["1GiB", "1MB"])
def test_a_bounded_suite_equals_the_unbounded_one(con: Any, limit: str) -> None:
    """1 MB is too little for any query: the computation is rerun within the database's
    own limit, with the same answer (on PySpark the bound changes nothing)."""
    inputs = case(con, "stats")
    as_of = instant("2026-03-10T00:00:00Z")
    free = compute(inputs, as_of=as_of, memory_limit=None)
    bounded = compute(inputs, as_of=as_of, memory_limit=limit)
    assert bounded.equals(free)
    fr = bounded[(bounded.kpi == "first_response") & (bounded.basis == "calendar")]
    # First responses of the written channels: 60, 100, 120, 300, 600 and 3600 s.
    assert fr.set_index("stat")["value"].to_dict()["median"] == 210.0


class OutOfMemoryException(Exception):
    """Stands for DuckDB's error of that name (the bound recognises it by name)."""


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_a_step_out_of_memory_runs_on_one_thread_then_unbounded(
    tmp_path: Path, failures: int, caplog: pytest.LogCaptureFixture
) -> None:
    con = ibis.duckdb.connect(str(tmp_path / "retry.duckdb"))
    con.con.execute("SET memory_limit = '4GiB'")
    con.con.execute("SET threads = 2")
    seen: list[tuple[str, str]] = []

    def step() -> str:
        row = con.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
        seen.append((str(row[0]), str(row[1])))
        if len(seen) <= failures:
            raise OutOfMemoryException("failed to allocate")
        return "done"

    with caplog.at_level("WARNING"), bounded_memory(con, "1GiB") as bound:
        assert bound.run(step, "the test step") == "done"
        assert _settings(con)[0] == "1.0 GiB"  # the bound is back after a retry
    attempts = [("1.0 GiB", "2"), ("1.0 GiB", "1"), ("4.0 GiB", "2")]
    assert seen == attempts[: failures + 1]
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [
        "the test step needed more than the memory bound (1073741824 bytes) on 2 threads",
        "the test step needed more than the memory bound (1073741824 bytes)",
    ][:failures]
    row = con.con.execute("SELECT current_setting('threads')").fetchone()
    assert str(row[0]) == "2" and _settings(con) == ("4.0 GiB", True)
    # Any other error is raised at once.
    with bounded_memory(con, "1GiB") as bound, pytest.raises(ValueError):
        bound.run(lambda: (_ for _ in ()).throw(ValueError("bad")))


def test_the_per_ticket_pieces_are_materialized_then_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On DuckDB compute() materializes each piece of the per-ticket table by a query of
    its own and drops it once the table is built, before any aggregation; nothing is left
    behind, and the figures are those of the table built by one query."""
    import supportkpi.kpis.compute as engine

    con = ibis.duckdb.connect(str(tmp_path / "pieces.duckdb"))
    inputs = case(con, "stats")
    as_of = instant("2026-03-10T00:00:00Z")
    cached: list[str] = []
    real = engine._cache

    def counted(table: ir.Table, held: list[ir.Table]) -> ir.Table:
        cached.append(table.columns[0])
        return real(table, held)

    held_pieces: list[int] = []
    grouped = engine.group_wide

    def group_wide(*args: Any, **kwargs: Any) -> Any:
        rows = con.con.execute(
            "SELECT count(DISTINCT table_name) FROM duckdb_columns() "
            "WHERE database_name = 'temp' AND suffix(column_name, '_ticket')"
        ).fetchall()
        held_pieces.append(rows[0][0])
        return grouped(*args, **kwargs)

    monkeypatch.setattr(engine, "_cache", counted)
    monkeypatch.setattr(engine, "group_wide", group_wide)
    frame = compute(inputs, as_of=as_of)
    assert {"s_ticket", "i_ticket", "p_ticket", "a_ticket"} <= set(cached)
    # Released before any aggregation: only the metrics tables are held by then.
    assert held_pieces and set(held_pieces) == {0}
    temporary = con.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
    assert temporary == [(0,)]

    def whole(table: ir.Table, held: list[ir.Table]) -> ir.Table:
        # The pieces left as expressions: the per-ticket table is one query, as before.
        return table if table.columns[0].endswith("_ticket") else real(table, held)

    monkeypatch.setattr(engine, "_cache", whole)
    assert frame.equals(compute(inputs, as_of=as_of))
