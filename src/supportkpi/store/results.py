"""What an import and a store report back: plain dataclasses with ``to_dict()``.

The CLI's table, its JSON output and the Python API all render these same objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "REASONS",
    "ImportSummary",
    "ImportedFile",
    "RejectExample",
    "StoreInfo",
    "TableCounts",
]

REASONS: dict[str, str] = {
    "missing": "missing required value",
    "bad_timestamp": "unparsable timestamp",
    "unknown_value": "unknown value",
    "unknown_ticket": "event for unknown ticket",
    "before_arrival": "timestamps out of order",
    "outcome_mismatch": "outcome inconsistent with timestamps",
    "negative_seconds": "negative seconds",
    "duplicate": "duplicate id with different content",
    "bad_boolean": "bad boolean",
    "bad_number": "bad number",
}
"""Kinds of reject (the keys of ``ImportSummary.rejects_by_reason``) and their labels."""


@dataclass
class TableCounts:
    """Rows of one table in one import.

    ``read`` = ``imported`` + ``updated`` + ``skipped`` + ``rejected``: new rows, rows that
    replaced an older version, rows already stored identically (or repeated identically
    in the same import), and rows refused.
    """

    read: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class ImportedFile:
    """One file of an import. ``ignored_columns`` are the file's columns left out (not
    in its table's data model; see :func:`supportkpi.model.column_hint` for why);
    ``mapped_columns`` the model columns read under another header, as the config's
    ``[source.columns.<table>]`` asked (model column -> the file's header)."""

    path: str
    table: str
    size: int
    sha256: str
    rows: int
    ignored_columns: tuple[str, ...] = ()
    mapped_columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectExample:
    table: str
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class ImportSummary:
    """The outcome of :meth:`Store.import_files`.

    ``already_imported`` is true when every file had been imported before (same
    checksum), read the same way (same source time zone and mapped headers); nothing
    was written then and ``import_id`` is None.
    """

    import_id: int | None
    tables: dict[str, TableCounts]
    rejects_by_reason: dict[str, int]
    files: list[ImportedFile]
    already_imported: bool = False
    source_tz: str = "UTC"
    examples: list[RejectExample] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.tables.values())

    @property
    def rows_rejected(self) -> int:
        return sum(c.rejected for c in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows_read"] = self.rows_read
        data["rows_rejected"] = self.rows_rejected
        return data


@dataclass(frozen=True)
class StoreInfo:
    """What a store holds (see :meth:`Store.info`). Dates are ISO 8601 UTC strings."""

    target: str
    tables: dict[str, int]
    tickets_from: str | None
    tickets_to: str | None
    contacts_from: str | None
    contacts_to: str | None
    ticket_channels: dict[str, int]
    contact_channels: dict[str, int]
    source_time_zones: list[str]
    imports: int
    rejects: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
