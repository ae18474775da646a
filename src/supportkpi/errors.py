"""The exceptions supportkpi raises.

Two families, so that every face (CLI, API, dashboard) can tell them apart::

    SupportKPIError                 base of everything raised on purpose
    ├── UserError                   the user can fix it: bad input, bad config, bad option
    │   ├── InputFileError          a file cannot be read at all (encoding, truncated, no header)
    │   ├── ConfigError             the TOML config is invalid (names file and key path)
    │   ├── StrictImportError       --strict was given and some rows were rejected
    │   ├── StoreError              the store URL cannot be opened or is not a supportkpi store
    │   └── UnsupportedOperation    a backend lacks an operation a KPI needs (never a wrong number)
    └── InternalError               a bug: keeps its traceback

A ``UserError`` carries *what* went wrong, *where* (file, line, column, key) and *how to
fix it*; the CLI prints it as one line and exits with code 2, without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "InputFileError",
    "InternalError",
    "Location",
    "StoreError",
    "StrictImportError",
    "SupportKPIError",
    "UnsupportedOperation",
    "UserError",
    "did_you_mean",
]


@dataclass(frozen=True)
class Location:
    """Where a problem is: any of file, line, column (a column name) and config key."""

    file: str | None = None
    line: int | None = None
    column: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.key:
            parts.append(f"key {self.key!r}")
        return ", ".join(parts)


class SupportKPIError(Exception):
    """Base class of every exception supportkpi raises on purpose."""


class UserError(SupportKPIError):
    """An error the user can fix. Rendered as one line: what, where, how to fix."""

    def __init__(self, what: str, *, where: Location | None = None, fix: str | None = None):
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = self.what
        if self.where is not None and str(self.where):
            text = f"{self.where}: {text}"
        if self.fix:
            text = f"{text} (fix: {self.fix})"
        return text


class InputFileError(UserError):
    """A whole file cannot be read: wrong encoding, truncated, not the format, no header."""


class ConfigError(UserError):
    """The configuration is invalid; ``where.key`` is the dotted key path."""


class StrictImportError(UserError):
    """``strict`` import was asked for and some rows were rejected; nothing was written."""


class StoreError(UserError):
    """The store cannot be opened, or is not a supportkpi store."""


class UnsupportedOperation(UserError):
    """The backend lacks an operation a KPI needs. Raised instead of computing a wrong number."""


class InternalError(SupportKPIError):
    """A bug in supportkpi. Keeps its traceback."""


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` naming the choice closest to ``value``, or ``""`` when
    none is close: the start of a fix that then lists the valid choices."""
    found = difflib.get_close_matches(value, list(choices), n=1)
    return f"did you mean {found[0]!r}? " if found else ""
