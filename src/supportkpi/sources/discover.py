"""Which files to read, and which canonical table each one feeds.

A file maps to a table by its name: the stem equals the table name or starts with it
followed by a separator (``tickets.csv``, ``tickets-2026-03.parquet``,
``tickets_part1.jsonl``), or the file sits in a folder named after the table
(``events/part-0001.parquet``). Naming is the whole contract, so that a folder of exports
can be imported without a manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from supportkpi.errors import InputFileError, Location
from supportkpi.model.schema import TABLES

__all__ = ["FORMATS", "SourceFile", "discover", "table_for"]

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
"""File suffix (lower-cased) -> reader."""

_SEPARATORS = ("-", "_", ".", " ")
# Longest names first, so that no table name can shadow a longer one that starts with it.
_TABLE_NAMES = sorted(TABLES, key=len, reverse=True)


@dataclass(frozen=True)
class SourceFile:
    """One input file: where it is, which table it feeds and how to read it."""

    path: Path
    table: str
    format: str


def _table_from_name(name: str) -> str | None:
    lowered = name.lower()
    for table in _TABLE_NAMES:
        if lowered == table:
            return table
        if lowered.startswith(table) and lowered[len(table)] in _SEPARATORS:
            return table
    return None


def table_for(path: Path) -> str | None:
    """The table a file feeds, from its stem or else from its nearest matching folder."""
    table = _table_from_name(path.stem)
    if table is not None:
        return table
    for parent in path.parents:
        if parent.name.lower() in TABLES:
            return parent.name.lower()
    return None


def _format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def discover(paths: list[Path]) -> list[SourceFile]:
    """Expand files and folders into the source files to import, in a stable order.

    A file named explicitly must be supported and map to a table (else the user gets told
    how to name it); inside folders, files that do not match are skipped silently, since
    export folders often hold other things.
    """
    found: dict[Path, SourceFile] = {}
    for given in paths:
        if not given.exists():
            raise InputFileError(
                "no such file or folder",
                where=Location(file=str(given)),
                fix="check the path",
            )
        if given.is_dir():
            before = len(found)
            for candidate in sorted(given.rglob("*")):
                if not candidate.is_file() or candidate.name.startswith("."):
                    continue
                fmt = _format_of(candidate)
                table = table_for(candidate.relative_to(given.parent))
                if fmt is not None and table is not None:
                    found.setdefault(candidate, SourceFile(candidate, table, fmt))
            if len(found) == before:
                raise InputFileError(
                    "folder holds no importable file",
                    where=Location(file=str(given)),
                    fix="name files after their table (tickets.csv, events-*.parquet, "
                    "contacts_*.jsonl, agents.csv) or put them in a folder named after it",
                )
            continue
        fmt = _format_of(given)
        if fmt is None:
            raise InputFileError(
                f"unsupported file type {given.suffix or '(none)'!r}",
                where=Location(file=str(given)),
                fix="use .csv (UTF-8 with a header), .parquet or .jsonl",
            )
        table = table_for(given)
        if table is None:
            raise InputFileError(
                "cannot tell which table this file feeds",
                where=Location(file=str(given)),
                fix="name it after its table (tickets, events, contacts or agents), e.g. "
                "tickets.csv or events-2026-03.parquet, or put it in a folder named so",
            )
        found.setdefault(given, SourceFile(given, table, fmt))
    order = {name: i for i, name in enumerate(TABLES)}
    return sorted(found.values(), key=lambda s: (order[s.table], str(s.path)))
