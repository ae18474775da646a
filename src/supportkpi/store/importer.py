"""Import files into a DuckDB store, in one transaction: nothing lost, nothing half-written.

Files already imported (same SHA-256) are recognised first and not read again. The
checksums are computed in a background thread (:class:`_Checksums`); the import waits for
them before reading only when every file has the size of a file imported before, that is
when it could be a repeat. Then:

* **One pass** (:func:`_import_direct`), for data that needs no row located: each file
  is read, typed, checked row by row and written to its table by one ``INSERT ... SELECT``
  inside the transaction; then keys are checked across rows (duplicates, events naming
  unknown tickets) and compared with what is stored. The first row that would need its
  file and line reported (a reject, a duplicate id, an event for an unknown ticket, an
  event without an id) rolls the pass back and the import starts again staged.
* **Staged**, when some row must be reported or given a derived id:

  1. ``_stage``: every file is read by DuckDB into a temporary table per canonical table,
     typed and checked row by row (:mod:`supportkpi.sources.stage`).
  2. ``_check_across_rows``: ids for events without one get an occurrence suffix when
     identical; duplicate ids are resolved (first row wins); events must point at a ticket
     of this import or of the store.
  3. ``_collect_rejects``: rejected rows get their file, line and final message.
  4. ``_write``: one transaction compares with what is stored (identical rows skipped,
     changed rows replaced) and writes data, the ``imports`` row and the rejects.

Either way the store's tables change only when the transaction commits: a failure or a
kill at any point leaves the store as it was.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from supportkpi.errors import StrictImportError, UserError
from supportkpi.model.schema import TABLES, Table, nearest_value
from supportkpi.sources.discover import SourceFile, discover
from supportkpi.sources.readers import LineMap, ProbedFile, line_map, probe
from supportkpi.sources.stage import ENUM_KIND, ident, literal, stage_select
from supportkpi.store.results import (
    ImportedFile,
    ImportSummary,
    RejectExample,
    TableCounts,
)

__all__ = ["Progress", "check_time_zone", "run_import"]

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called as files are read and tables written."""

_MAX_EXAMPLES = 50
IMPORT_MEMORY_LIMIT = "1GB"
"""DuckDB's memory limit while importing (beyond it, staged rows spill to disk)."""
_ORDER = ("tickets", "agents", "contacts", "events")  # tickets before the events naming them


class _Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...]:
        return self.rows[0]


class _Connection:
    """A DuckDB connection whose ``execute`` always drains its result.

    DuckDB 2 refuses new work on a connection while a result is not fully fetched, so
    every statement's rows are read at once (they are counts or a few rows here).
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: list[Any] | None = None) -> _Rows:
        return _Rows(self.raw.execute(sql, params or []).fetchall())

    def sql(self, sql: str) -> Any:
        return self.raw.sql(sql)

    def register(self, name: str, data: Any) -> None:
        self.raw.register(name, data)

    def unregister(self, name: str) -> None:
        self.raw.unregister(name)


def _stage_name(table: str) -> str:
    return f"_sk_stage_{table}"


def check_time_zone(con: Any, tz: str) -> str:
    """Return the canonical spelling of an IANA time zone, or raise a UserError."""
    rows = con.execute(
        "SELECT name FROM pg_timezone_names() WHERE lower(name) = lower(?)", [tz]
    ).fetchall()
    if not rows:
        names = [r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall()]
        close = difflib.get_close_matches(tz, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UserError(
            f"unknown time zone {tz!r}{hint}",
            fix="give an IANA time zone name such as UTC, Europe/Berlin or America/New_York",
        )
    exact = [r[0] for r in rows if r[0] == tz]
    return str(exact[0] if exact else rows[0][0])


@dataclass
class _Staged:
    """One staged file: its rows occupy stage rowids [start, start + rows)."""

    probed: ProbedFile
    index: int
    start: int
    rows: int
    lines: LineMap | None = None


@dataclass
class _Run:
    con: Any
    tz: str
    files: list[_Staged] = field(default_factory=list)
    counts: dict[str, TableCounts] = field(default_factory=dict)
    rejects: pa.Table | None = None
    reject_kinds: list[str] = field(default_factory=list)


# --- checksums -------------------------------------------------------------------------


def _sha256(path: Path, stop: threading.Event | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            if stop is not None and stop.is_set():
                return ""
            digest.update(chunk)
    return digest.hexdigest()


class _Checksums:
    """The SHA-256 of each file, computed in a background thread while the files are
    probed and imported: hashlib and DuckDB both release the GIL, and hashing a large
    file costs about as much as probing it (half a second for 10M events). ``result()``
    waits for them; ``close()`` stops the thread at its next chunk when the import ends
    first (an error)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="supportkpi-checksums")
        self._future = self._pool.submit(self._hash, list(paths))

    def _hash(self, paths: list[Path]) -> dict[Path, str]:
        return {p: _sha256(p, self._stop) for p in paths}

    def result(self) -> dict[Path, str]:
        return self._future.result()

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)


_Reading = tuple[str, str, str]
"""How a file was read: its SHA-256, the source time zone and the mapped headers (JSON)."""


def _reading(digest: str, tz: str, mapped: Mapping[str, str]) -> _Reading:
    return digest, tz, json.dumps(dict(sorted(mapped.items())))


def _imported_rows(con: Any) -> tuple[dict[_Reading, int], set[int | None]]:
    """How every file imported before was read -> the rows it held; and the sizes of
    those files (None for a record without one), which a repeated file must have.

    The same file read again in another time zone or with other headers can give other
    rows: it is imported again (its rows then update the stored ones)."""
    seen: dict[_Reading, int] = {}
    sizes: set[int | None] = set()
    for files, tz in con.execute(
        "SELECT files, source_tz FROM imports WHERE status = 'ok'"
    ).fetchall():
        for entry in json.loads(files or "[]"):
            key = _reading(str(entry.get("sha256")), str(tz), entry.get("mapped_columns") or {})
            seen[key] = int(entry.get("rows") or 0)
            size = entry.get("size")
            sizes.add(int(size) if size is not None else None)
    return seen, sizes


# --- step 1: stage ---------------------------------------------------------------------


def _stage(run: _Run, probed: list[ProbedFile], progress: Progress | None) -> None:
    con = run.con
    created: set[str] = set()
    total = len(probed)
    for index, item in enumerate(probed):
        table = item.source.table
        name = _stage_name(table)
        if progress:
            progress(f"reading {item.source.path.name}", index, total)
        select = f"SELECT *, FALSE AS _skip FROM ({stage_select(item, index)})"  # noqa: S608
        start = 0
        if table in created:
            (start,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()  # noqa: S608
            con.execute(f"INSERT INTO {name} {select}", [str(item.source.path)])
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}", [str(item.source.path)])
            created.add(table)
        (end,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()  # noqa: S608
        run.files.append(_Staged(item, index, int(start), int(end) - int(start)))
    if progress:
        progress("read", total, total)
    for table in TABLES:
        if table not in created:
            columns = ", ".join(
                f"CAST(NULL AS {_sql_type(TABLES[table], c)}) AS {ident(c)}"
                for c in TABLES[table].names
            )
            extra = ", FALSE AS _derived" if table == "events" else ""
            error = "CAST(NULL AS STRUCT(col VARCHAR, kind VARCHAR, msg VARCHAR, bad VARCHAR))"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_stage_name(table)} AS SELECT {columns}, "
                f"CAST(0 AS INTEGER) AS _file, {error} AS _e, CAST(NULL AS VARCHAR) AS _raw"
                f"{extra}, FALSE AS _skip LIMIT 0"
            )


def _sql_type(table: Table, column: str) -> str:
    from supportkpi.sources.stage import canonical_sql_type

    return canonical_sql_type(table[column].kind)


# --- step 2: checks across rows --------------------------------------------------------


def _content(table: Table, alias: str) -> str:
    fields = ", ".join(f"{literal(c)}: {alias}.{ident(c)}" for c in table.names)
    return "{" + fields + "}"


def _check_across_rows(run: _Run) -> None:
    con = run.con
    events = _stage_name("events")
    # Identical events without an id: the 2nd, 3rd... occurrence gets a suffix.
    con.execute(
        f"UPDATE {events} SET event_id = {events}.event_id || '-' || CAST(d.occ AS VARCHAR) "  # noqa: S608
        f"FROM (SELECT rowid AS rid, row_number() OVER (PARTITION BY event_id ORDER BY rowid) "
        f"AS occ FROM {events} WHERE _derived AND _e IS NULL AND event_id IN "
        f"(SELECT event_id FROM {events} WHERE _derived AND _e IS NULL GROUP BY event_id "
        f"HAVING count(*) > 1)) d WHERE {events}.rowid = d.rid AND d.occ > 1"
    )
    for name in _ORDER:
        table = TABLES[name]
        stage = _stage_name(name)
        key = ident(table.key)
        # Keys seen more than once are few: find them once, then look only at their rows.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _sk_dupkeys AS SELECT {key} AS k, min(rowid) AS m "  # noqa: S608
            f"FROM {stage} WHERE _e IS NULL GROUP BY {key} HAVING count(*) > 1"
        )
        (dups,) = con.execute("SELECT count(*) FROM _sk_dupkeys").fetchone()
        if not dups:
            continue
        # Later rows with an id seen before: identical ones are skipped, others rejected.
        con.execute(
            f"UPDATE {stage} SET _skip = d.same, _e = CASE WHEN d.same THEN NULL ELSE "  # noqa: S608
            f"struct_pack(col := {literal(table.key)}, kind := 'duplicate', msg := NULL, "
            f"bad := CAST(d.first_rid AS VARCHAR)) END "
            f"FROM (SELECT s.rid0 AS rid, f.rowid AS first_rid, "
            f"({_content(table, 's')} IS NOT DISTINCT FROM {_content(table, 'f')}) AS same "
            f"FROM (SELECT rowid AS rid0, * FROM {stage} WHERE _e IS NULL) s "
            f"JOIN _sk_dupkeys firsts ON firsts.k = s.{key} "
            f"JOIN {stage} f ON f.rowid = firsts.m WHERE s.rid0 <> firsts.m) d "
            f"WHERE {stage}.rowid = d.rid"
        )
    tickets = _stage_name("tickets")
    # Ticket ids that events name but neither this import nor the store holds (few).
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sk_unknown AS SELECT DISTINCT ticket_id FROM {events} "  # noqa: S608
        f"WHERE _e IS NULL AND NOT _skip AND ticket_id NOT IN "
        f"(SELECT ticket_id FROM {tickets} WHERE _e IS NULL) "
        f"AND ticket_id NOT IN (SELECT ticket_id FROM tickets)"
    )
    (unknown,) = con.execute("SELECT count(*) FROM _sk_unknown").fetchone()
    if unknown:
        con.execute(
            f"UPDATE {events} SET _e = struct_pack(col := 'ticket_id', kind := "  # noqa: S608
            f"'unknown_ticket', msg := 'event for unknown ticket ''' || ticket_id || '''', "
            f"bad := ticket_id) WHERE _e IS NULL AND NOT _skip "
            f"AND ticket_id IN (SELECT ticket_id FROM _sk_unknown)"
        )


# --- step 3: rejects -------------------------------------------------------------------


def _suggestion(column: str, bad: str) -> str:
    model_column = None
    for table in TABLES.values():
        if column in table.names and table[column].allowed:
            model_column = table[column]
            break
    if model_column is None or model_column.allowed is None:
        return ""
    nearest = nearest_value(model_column, bad)
    if nearest:
        return f" (did you mean {nearest!r}?)"
    return f" (expected one of: {', '.join(model_column.allowed)})"


def _collect_rejects(run: _Run) -> None:
    con = run.con
    parts: list[pa.Table] = []
    by_index = {f.index: f for f in run.files}
    for name in _ORDER:
        table = TABLES[name]
        stage = _stage_name(name)
        result = con.sql(
            f"SELECT rowid AS rid, _file, _e.col AS col, _e.kind AS kind, _e.msg AS msg, "  # noqa: S608
            f"_e.bad AS bad, {ident(table.key)} AS key, coalesce(_raw, CAST(to_json("
            f"{_content(table, stage)}) AS VARCHAR)) AS raw FROM {stage} "
            f"WHERE _e IS NOT NULL ORDER BY rowid"
        ).to_arrow_table()
        if result.num_rows:
            parts.append(result.append_column("table_name", pa.array([name] * result.num_rows)))
    if not parts:
        run.rejects = None
        return
    rejects = pa.concat_tables(parts)
    rid = rejects["rid"].to_numpy()
    file_idx = rejects["_file"].to_numpy()
    lines = np.zeros(len(rid), dtype=np.int64)
    for index in np.unique(file_idx):
        staged = by_index[int(index)]
        if staged.lines is None:
            staged.lines = line_map(staged.probed.source, staged.rows)
        mask = file_idx == index
        lines[mask] = staged.lines.lines(rid[mask] - staged.start)
    files = [by_index[int(i)].probed.file for i in file_idx]
    kinds = rejects["kind"].to_pylist()
    messages = rejects["msg"].to_pylist()
    cols = rejects["col"].to_pylist()
    bads = rejects["bad"].to_pylist()
    keys = rejects["key"].to_pylist()
    table_names = rejects["table_name"].to_pylist()
    suggestions: dict[tuple[str, str], str] = {}
    for i, kind in enumerate(kinds):
        if kind == ENUM_KIND:
            pair = (cols[i], bads[i])
            if pair not in suggestions:
                suggestions[pair] = _suggestion(*pair)
            messages[i] = f"{messages[i]}{suggestions[pair]}"
        elif kind == "duplicate":
            first_rid = int(bads[i])
            first = next(f for f in run.files if f.start <= first_rid < f.start + f.rows
                         and f.probed.source.table == table_names[i])  # fmt: skip
            if first.lines is None:
                first.lines = line_map(first.probed.source, first.rows)
            first_line = int(first.lines.lines(np.array([first_rid - first.start]))[0])
            messages[i] = (
                f"duplicate {cols[i]} {keys[i]!r} with different content "
                f"(first row at {first.probed.file}:{first_line})"
            )
    run.reject_kinds = kinds
    run.rejects = pa.table(
        {
            "table_name": pa.array(table_names, pa.string()),
            "file": pa.array(files, pa.string()),
            "line": pa.array(lines, pa.int64()),
            "column_name": pa.array(cols, pa.string()),
            "reason": pa.array(messages, pa.string()),
            "raw_json": rejects["raw"].cast(pa.string()),
        }
    )


# --- step 4: write ---------------------------------------------------------------------


def _write_table(run: _Run, name: str, import_id: int) -> None:
    con = run.con
    table = TABLES[name]
    stage = _stage_name(name)
    key = ident(table.key)
    counts = run.counts[name]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sk_match AS SELECT s.{key} AS k, "  # noqa: S608
        f"({_content(table, 's')} IS NOT DISTINCT FROM {_content(table, 't')}) AS same "
        f"FROM {stage} s JOIN {name} t ON t.{key} = s.{key} WHERE s._e IS NULL AND NOT s._skip"
    )
    same, changed = con.execute(
        "SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM _sk_match"
    ).fetchone()
    con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT k FROM _sk_match WHERE NOT same)")  # noqa: S608
    columns = ", ".join(ident(c) for c in table.names)
    (inserted,) = con.execute(
        f"INSERT INTO {name} ({columns}, import_id) SELECT {columns}, CAST(? AS BIGINT) "  # noqa: S608
        f"FROM {stage} s ANTI JOIN (SELECT k FROM _sk_match WHERE same) m ON m.k = s.{key} "
        f"WHERE s._e IS NULL AND NOT s._skip",
        [import_id],
    ).fetchone()
    counts.updated = int(changed)
    counts.imported = int(inserted) - int(changed)
    counts.skipped += int(same)


def _write_rejects(run: _Run, import_id: int) -> None:
    if run.rejects is None:
        return
    rejects = run.rejects.add_column(
        0, "import_id", pa.array([import_id] * run.rejects.num_rows, pa.int64())
    )
    run.con.register("_sk_rejects_arrow", rejects)
    try:
        run.con.execute(
            "INSERT INTO rejects (import_id, table_name, file, line, column_name, reason, "
            "raw_json) SELECT import_id, table_name, file, line, column_name, reason, raw_json "
            "FROM _sk_rejects_arrow"
        )
    finally:
        run.con.unregister("_sk_rejects_arrow")


def _write_import(run: _Run, import_id: int, started: datetime, files: list[ImportedFile]) -> None:
    read = sum(c.read for c in run.counts.values())
    written = sum(c.imported + c.updated for c in run.counts.values())
    rejected = sum(c.rejected for c in run.counts.values())
    run.con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ok')",
        [
            import_id,
            started,
            datetime.now(UTC),
            json.dumps([f.__dict__ for f in files]),
            read,
            written,
            rejected,
            run.tz,
        ],
    )


def _write(
    run: _Run, started: datetime, files: list[ImportedFile], progress: Progress | None
) -> int:
    con = run.con
    con.execute("BEGIN TRANSACTION")
    try:
        (import_id,) = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()
        for done, name in enumerate(_ORDER):
            if progress:
                progress(f"writing {name}", done, len(_ORDER))
            _write_table(run, name, int(import_id))
        _write_rejects(run, int(import_id))
        _write_import(run, int(import_id), started, files)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if progress:
        progress("written", len(_ORDER), len(_ORDER))
    return int(import_id)


# --- one pass ----------------------------------------------------------------------------

_HELD = -1
"""``import_id`` given, inside the transaction, to a row the one pass cannot take as it is
(a reject or an event without an id); finding one sends the import down the staged path."""


def _insert_file(
    run: _Run, item: ProbedFile, index: int, import_id: int, *, tickets_known: bool = False
) -> int | None:
    """Write one file's rows to its table; None when a row is held back.

    With ``tickets_known`` an event naming a ticket the store does not hold (tickets are
    written first) is held back here, while its row is at hand: cheaper than a check
    afterwards for one file, dearer for many (the tickets are looked up per file).
    """
    con = run.con
    name = item.source.table
    columns = ", ".join(ident(c) for c in TABLES[name].names)
    good = "_e IS NULL"
    if name == "events":
        good += " AND NOT _derived"
        if tickets_known:
            good += " AND ticket_id IN (SELECT ticket_id FROM tickets)"
    (inserted,) = con.execute(
        f"INSERT INTO {name} ({columns}, import_id) SELECT {columns}, CASE WHEN {good} "  # noqa: S608
        f"THEN CAST(? AS BIGINT) ELSE CAST({_HELD} AS BIGINT) END "
        f"FROM ({stage_select(item, index)})",
        [import_id, str(item.source.path)],
    ).fetchone()
    (held,) = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {name} WHERE import_id = {_HELD} LIMIT 1)"  # noqa: S608
    ).fetchone()
    return None if held else int(inserted)


def _unique_keys(run: _Run, name: str, import_id: int) -> bool:
    """True when no key of this import repeats.

    Grouped by the key itself: exact, and (measured) no dearer than grouping by a hash of
    it, which would also have to treat a collision as a repeat.
    """
    key = ident(TABLES[name].key)
    (repeats,) = run.con.execute(
        f"SELECT count(*) FROM (SELECT {key} FROM {name} WHERE import_id = ? "  # noqa: S608
        f"GROUP BY {key} HAVING count(*) > 1)",
        [import_id],
    ).fetchone()
    return not repeats


def _known_tickets(run: _Run, import_id: int) -> bool:
    """True when every event of this import names a ticket of the store (old or new).

    An explicit anti join: DuckDB plans the same test written as ``NOT EXISTS`` (with the
    ``LIMIT``) as a join that cannot spill, and with 37M events against 10M tickets it ran
    out of the import's memory bound."""
    (unknown,) = run.con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM events e ANTI JOIN tickets t "
        "ON t.ticket_id = e.ticket_id WHERE e.import_id = ? LIMIT 1)",
        [import_id],
    ).fetchone()
    return not unknown


def _reconcile(run: _Run, name: str, import_id: int) -> tuple[int, int]:
    """Rows of this import whose key was stored: identical ones are dropped (the stored
    row stays), changed ones replace the stored row. Returns (identical, changed)."""
    con = run.con
    table = TABLES[name]
    key = ident(table.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sk_match AS SELECT n.{key} AS k, "  # noqa: S608
        f"({_content(table, 'n')} IS NOT DISTINCT FROM {_content(table, 'o')}) AS same "
        f"FROM {name} n JOIN {name} o ON o.{key} = n.{key} "
        f"WHERE n.import_id = ? AND o.import_id <> ?",
        [import_id, import_id],
    )
    same, changed = con.execute(
        "SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM _sk_match"
    ).fetchone()
    con.execute(
        f"DELETE FROM {name} WHERE import_id = ? AND {key} IN "  # noqa: S608
        f"(SELECT k FROM _sk_match WHERE same)",
        [import_id],
    )
    con.execute(
        f"DELETE FROM {name} WHERE import_id <> ? AND {key} IN "  # noqa: S608
        f"(SELECT k FROM _sk_match WHERE NOT same)",
        [import_id],
    )
    return int(same), int(changed)


def _stored_rows(con: Any, name: str) -> int:
    (rows,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()  # noqa: S608
    return int(rows)


def _one_pass_possible(probed: list[ProbedFile]) -> bool:
    """Events without an id column all need a derived id: stage them straight away."""
    return all(p.source.table != "events" or "event_id" in p.columns for p in probed)


def _import_direct(
    run: _Run,
    probed: list[ProbedFile],
    checksums: _Checksums,
    started: datetime,
    progress: Progress | None,
) -> ImportSummary | None:
    """The one pass; None (and nothing written) when the import must be staged."""
    con = run.con
    order = sorted(range(len(probed)), key=lambda i: _ORDER.index(probed[i].source.table))
    con.execute("BEGIN TRANSACTION")
    try:
        (import_id,) = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()
        import_id = int(import_id)
        stored = {name: _stored_rows(con, name) for name in TABLES}
        rows: dict[int, int] = {}
        one_events_file = sum(p.source.table == "events" for p in probed) == 1
        for done, index in enumerate(order):
            if progress:
                progress(f"importing {probed[index].source.path.name}", done, len(order))
            inserted = _insert_file(
                run, probed[index], index, import_id, tickets_known=one_events_file
            )
            if inserted is None:
                con.execute("ROLLBACK")
                return None
            rows[index] = inserted
        read = {name: 0 for name in TABLES}
        for index, count in rows.items():
            read[probed[index].source.table] += count
        present = [name for name in _ORDER if read[name]]
        if not all(_unique_keys(run, name, import_id) for name in present) or (
            read["events"] and not one_events_file and not _known_tickets(run, import_id)
        ):
            con.execute("ROLLBACK")
            return None
        for name in TABLES:
            same, changed = (
                _reconcile(run, name, import_id) if read[name] and stored[name] else (0, 0)
            )
            run.counts[name] = TableCounts(
                read=read[name], imported=read[name] - same - changed, updated=changed, skipped=same
            )
        digests = checksums.result()
        files = [_imported_file(p, digests, rows[i]) for i, p in enumerate(probed)]
        _write_rejects(run, import_id)
        _write_import(run, import_id, started, files)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if progress:
        progress("written", len(order), len(order))
    return ImportSummary(
        import_id=import_id,
        tables={name: run.counts[name] for name in TABLES},
        rejects_by_reason={},
        files=files,
        source_tz=run.tz,
    )


# --- the whole import ------------------------------------------------------------------


def _imported_file(item: ProbedFile, digests: dict[Path, str], rows: int) -> ImportedFile:
    path = item.source.path
    return ImportedFile(
        path=str(path), table=item.source.table, size=path.stat().st_size,
        sha256=digests[path], rows=rows, ignored_columns=item.ignored,
        mapped_columns=item.mapped,
    )  # fmt: skip


def _drop_stages(con: Any) -> None:
    for name in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {_stage_name(name)}")
    for name in ("_sk_match", "_sk_dupkeys", "_sk_unknown"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _count(run: _Run) -> None:
    for name in TABLES:
        stage = _stage_name(name)
        read, rejected, skipped = run.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _e IS NOT NULL), "  # noqa: S608
            f"count(*) FILTER (WHERE _skip) FROM {stage}"
        ).fetchone()
        run.counts[name] = TableCounts(read=int(read), rejected=int(rejected), skipped=int(skipped))


def _import_staged(
    run: _Run,
    probed: list[ProbedFile],
    checksums: _Checksums,
    started: datetime,
    strict: bool,
    progress: Progress | None,
) -> ImportSummary:
    _stage(run, probed, progress)
    digests = checksums.result()
    files = [_imported_file(f.probed, digests, f.rows) for f in run.files]
    _check_across_rows(run)
    _count(run)
    _collect_rejects(run)
    by_reason: dict[str, int] = {}
    for kind in run.reject_kinds:
        by_reason[kind] = by_reason.get(kind, 0) + 1
    examples = _examples(run)
    if strict and run.rejects is not None:
        first = examples[0]
        raise StrictImportError(
            f"{run.rejects.num_rows} row(s) rejected, nothing imported; first: "
            f"{first.file}:{first.line}: {first.column}: {first.reason}",
            fix="correct the rows (see docs/importing.md) or import without --strict",
        )
    import_id = _write(run, started, files, progress)
    return ImportSummary(
        import_id=import_id,
        tables={name: run.counts[name] for name in TABLES},
        rejects_by_reason=dict(sorted(by_reason.items())),
        files=files,
        source_tz=run.tz,
        examples=examples,
    )


def run_import(
    con: Any,
    paths: Sequence[str | Path],
    *,
    tz: str = "UTC",
    strict: bool = False,
    progress: Progress | None = None,
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> ImportSummary:
    """Import files and folders into the store behind the DuckDB connection ``con``.

    ``columns`` maps, per table, a model column to the files' header for it."""
    started = datetime.now(UTC)
    con = _Connection(con)
    tz = check_time_zone(con, tz)
    sources: list[SourceFile] = discover([Path(p) for p in paths])
    checksums = _Checksums(s.path for s in sources)
    try:
        return _import_new(con, sources, checksums, tz, strict, progress, started, columns or {})
    finally:
        checksums.close()


def _import_new(
    con: _Connection,
    sources: list[SourceFile],
    checksums: _Checksums,
    tz: str,
    strict: bool,
    progress: Progress | None,
    started: datetime,
    columns: Mapping[str, Mapping[str, str]],
) -> ImportSummary:
    """The import of ``sources``, unless every file was imported before, read the same way."""
    probed = [probe(con, s, columns.get(s.table)) for s in sources]
    seen, sizes = _imported_rows(con)
    if None in sizes or all(s.path.stat().st_size in sizes for s in sources):
        digests = checksums.result()
        readings = [_reading(digests[p.source.path], tz, p.mapped) for p in probed]
        if all(reading in seen for reading in readings):
            return ImportSummary(
                import_id=None,
                tables={name: TableCounts() for name in TABLES},
                rejects_by_reason={},
                files=[
                    _imported_file(p, digests, seen[r])
                    for p, r in zip(probed, readings, strict=True)
                ],
                already_imported=True,
                source_tz=tz,
            )
    (previous_tz,) = con.execute("SELECT current_setting('TimeZone')").fetchone()
    (previous_memory,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    run = _Run(con=con, tz=tz)
    try:
        con.execute(f"SET TimeZone = {literal(tz)}")  # tz is a name DuckDB listed itself
        # Rows beyond this spill to disk, keeping large imports' memory bounded.
        con.execute(f"SET memory_limit = {literal(IMPORT_MEMORY_LIMIT)}")
        summary = None
        if _one_pass_possible(probed):
            summary = _import_direct(run, probed, checksums, started, progress)
        if summary is None:
            run = _Run(con=con, tz=tz)
            summary = _import_staged(run, probed, checksums, started, strict, progress)
        return summary
    finally:
        con.execute(f"SET TimeZone = {literal(str(previous_tz))}")
        con.execute(f"SET memory_limit = {literal(str(previous_memory))}")
        _drop_stages(con)


def _examples(run: _Run) -> list[RejectExample]:
    if run.rejects is None:
        return []
    head = run.rejects.slice(0, _MAX_EXAMPLES).to_pylist()
    return [
        RejectExample(
            table=r["table_name"],
            file=r["file"],
            line=r["line"],
            column=r["column_name"],
            reason=r["reason"],
        )
        for r in head
    ]
