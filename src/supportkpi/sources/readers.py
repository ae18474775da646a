"""Open one input file in DuckDB: check it is readable, find its columns, number its lines.

The reading itself is DuckDB's (``read_csv``, ``read_parquet``, ``read_json``), so large
files are read in parallel and never pass through Python rows. This module only decides
*how* each format is read, turns a file that cannot be read at all into one
:class:`~supportkpi.errors.InputFileError`, and maps record ordinals back to the physical
line numbers a person sees in an editor.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from supportkpi.errors import InputFileError, Location
from supportkpi.model.schema import TABLES, column_key
from supportkpi.sources.discover import SourceFile
from supportkpi.sources.parquet_facts import ParquetFacts, parquet_facts

__all__ = ["LineMap", "ProbedFile", "line_map", "probe", "scan_sql"]

_CSV_ARGS = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class ProbedFile:
    """A readable file and how its columns map to the canonical ones.

    ``columns`` maps a canonical column name to the file's own column name (matched
    without regard to case, spaces or dashes, or the header the config gives it) and its
    DuckDB type; canonical columns the file lacks are absent.
    ``facts`` holds what a Parquet file proves about its columns (no work to skip for
    other formats). ``ignored`` names the file's columns that are not imported, in the
    file's order: not in the table, or a second column with the same name.
    """

    source: SourceFile
    columns: dict[str, tuple[str, str]]
    facts: ParquetFacts = field(default_factory=ParquetFacts)
    ignored: tuple[str, ...] = ()
    mapped: dict[str, str] = field(default_factory=dict)
    """Columns read under the header the config gave them: model column -> header."""

    @property
    def file(self) -> str:
        return str(self.source.path)


def scan_sql(probed: ProbedFile) -> str:
    """The table function that reads the file; its one parameter ``?`` is the path."""
    fmt = probed.source.format
    if fmt == "csv":
        return f"read_csv(?, {_CSV_ARGS})"
    if fmt == "parquet":
        return "read_parquet(?)"
    wanted = []
    for canonical, (name, _type) in probed.columns.items():
        kind = "JSON" if canonical == "tags" else "VARCHAR"
        wanted.append(f"{_literal(name)}: '{kind}'")
    return f"read_json(?, format = 'newline_delimited', columns = {{{', '.join(wanted)}}})"


def _literal(text: str) -> str:
    """A SQL string literal (for column names read from a file header)."""
    return "'" + text.replace("'", "''") + "'"


def _fail(source: SourceFile, what: str, fix: str, line: int | None = None) -> InputFileError:
    return InputFileError(what, where=Location(file=str(source.path), line=line), fix=fix)


def _check_bytes(source: SourceFile) -> None:
    path = source.path
    size = path.stat().st_size
    if size == 0:
        raise _fail(source, "file is empty", "export the data again, with a header row")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if source.format == "parquet":
        if size < 12 or not head.startswith(b"PAR1"):
            raise _fail(
                source, "not a Parquet file", "export it as Parquet, or name it .csv/.jsonl"
            )
        with path.open("rb") as handle:
            handle.seek(size - 4)
            if handle.read(4) != b"PAR1":
                raise _fail(
                    source,
                    "Parquet file is truncated (no footer)",
                    "copy or export the file again completely",
                )
        return
    if b"\x00" in head or head.startswith(b"PAR1"):
        raise _fail(
            source,
            "not a text file (binary content)",
            "export it as UTF-8 CSV with a header row, or JSON Lines",
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the sample's end
            line = head[: exc.start].count(b"\n") + 1
            raise _fail(
                source,
                "file is not UTF-8 encoded",
                "re-save it as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`)",
                line,
            ) from None


def _describe(con: Any, source: SourceFile) -> list[tuple[str, str]]:
    fmt = source.format
    if fmt == "csv":
        sql = f"DESCRIBE SELECT * FROM read_csv(?, {_CSV_ARGS})"  # noqa: S608
    elif fmt == "parquet":
        sql = "DESCRIBE SELECT * FROM read_parquet(?)"
    else:
        sql = "DESCRIBE SELECT * FROM read_json(?, format = 'newline_delimited')"
    try:
        rows = con.execute(sql, [str(source.path)]).fetchall()
    except Exception as exc:  # DuckDB raises several families; all mean "cannot read"
        raise _explain(source, str(exc)) from None
    return [(str(r[0]), str(r[1])) for r in rows]


def _explain(source: SourceFile, message: str) -> InputFileError:
    """Turn a DuckDB reader error into one line a person can act on."""
    fmt = source.format
    if "not utf-8" in message.lower() or "unicode" in message.lower():
        match = re.search(r"Line: (\d+)", message)
        return _fail(
            source,
            "file is not UTF-8 encoded",
            "re-save it as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`)",
            int(match.group(1)) if match else None,
        )
    if fmt == "jsonl":
        return _fail(
            source,
            "not valid JSON Lines",
            "write one JSON object per line",
            _first_bad_json_line(source.path),
        )
    if fmt == "parquet":
        return _fail(source, "unreadable Parquet file", "copy or export the file again")
    match = re.search(r"Line: (\d+)", message)
    first = message.strip().splitlines()[0] if message.strip() else "unreadable"
    detail = first.split("Error:", 1)[-1].strip()
    return _fail(
        source,
        f"not a readable CSV file ({detail})",
        "use comma-separated UTF-8 with one header row and the same number of fields on every line",
        int(match.group(1)) if match else None,
    )


def _first_bad_json_line(path: Path) -> int | None:
    # Only runs once a file is already known to be broken, to point at the line.
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                return number
            if not isinstance(value, dict):
                return number
    return None


def probe(con: Any, source: SourceFile, headers: Mapping[str, str] | None = None) -> ProbedFile:
    """Check a file can be read and that it has the table's required columns.

    ``headers`` gives the file's own header for some of the table's columns (the config's
    ``source.columns.<table>``); a column whose header the file lacks is looked for under
    its own name.
    """
    _check_bytes(source)
    described = _describe(con, source)
    table = TABLES[source.table]
    by_key: dict[str, tuple[str, str]] = {}
    for name, type_ in described:
        by_key.setdefault(column_key(name), (name, type_))
    headers = headers or {}
    claimed = {column_key(h) for h in headers.values()} & by_key.keys()
    columns: dict[str, tuple[str, str]] = {}
    mapped: dict[str, str] = {}
    for column in table.names:
        header = headers.get(column)
        if header is not None and column_key(header) in by_key:
            columns[column] = by_key[column_key(header)]
            mapped[column] = columns[column][0]
        elif column in by_key and column not in claimed:
            columns[column] = by_key[column]
    missing = [c for c in table.required if c not in columns]
    if missing:
        found = ", ".join(name for name, _ in described) or "none"
        named = [f"{c} (or {headers[c]!r})" if c in headers else c for c in missing]
        if len(missing) == len(table.required) and source.format == "csv":
            what = f"no header row with the {table.name} columns (first line: {found})"
        else:
            what = f"missing required column(s) {', '.join(named)} (found: {found})"
        raise _fail(
            source,
            what,
            f"a {table.name} file needs the columns {', '.join(table.required)} "
            "(names ignore case, spaces and dashes; other headers can be mapped to them in the "
            f"config's [source.columns.{table.name}]); see docs/importing.md",
        )
    used = {name for name, _ in columns.values()}
    ignored = tuple(name for name, _ in described if name not in used)
    facts = (
        parquet_facts(source.path, table, columns) if source.format == "parquet" else ParquetFacts()
    )
    return ProbedFile(source, columns, facts, ignored, mapped)


@dataclass(frozen=True)
class LineMap:
    """Maps a record's 0-based ordinal in its file to the line (or Parquet row) it is on.

    Most files have one record per line, and then the line is the ordinal plus a fixed
    offset; files with quoted line breaks or blank lines carry an explicit table of
    starting lines, computed only for them.
    """

    offset: int
    starts: np.ndarray | None = None

    def lines(self, ordinals: np.ndarray) -> np.ndarray:
        if self.starts is None:
            return ordinals.astype(np.int64) + self.offset
        return self.starts[ordinals.astype(np.int64)]


def _count_lines(path: Path) -> int:
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def line_map(source: SourceFile, records: int) -> LineMap:
    """How to number the records of a file that DuckDB read ``records`` records from."""
    if source.format == "parquet":
        return LineMap(offset=1)
    header = 1 if source.format == "csv" else 0
    if _count_lines(source.path) == records + header:
        return LineMap(offset=1 + header)
    starts: list[int] = []
    if source.format == "csv":
        with source.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            previous = reader.line_num
            for row in reader:
                if row:  # DuckDB skips blank lines too
                    starts.append(previous + 1)
                previous = reader.line_num
    else:
        with source.path.open("rb") as handle:
            starts = [n for n, raw in enumerate(handle, start=1) if raw.strip()]
    return LineMap(offset=0, starts=np.asarray(starts, dtype=np.int64))
