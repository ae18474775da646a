"""Options and argument parsing shared by every ``supportkpi`` command.

One definition of ``--store``, ``--config``, ``--since``/``--until`` and ``--as-of`` keeps
their help text and their error messages identical across ``kpis``, ``sla``, ``signals``
and ``report``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from supportkpi.errors import UserError

__all__ = [
    "AsOf",
    "AsOfOption",
    "ConfigOption",
    "FormatOption",
    "OutOption",
    "SinceOption",
    "StoreOption",
    "UntilOption",
    "check_channels",
    "check_format",
    "check_out",
    "default_store",
    "humanize_seconds",
    "load_policy",
    "out_format",
    "parse_instant",
    "parse_span",
    "parse_when",
    "resolve_as_of",
    "split_values",
]


StoreOption = Annotated[
    str,
    typer.Option("--store", "-s", help="DuckDB file or Ibis URL of the store."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (TOML; default: supportkpi.toml in the current folder, if any).",
        exists=False,
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Output: table, csv, json or parquet.")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of the screen.")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this date or instant (ISO 8601), inclusive.")
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", help="Up to this date (inclusive) or instant (exclusive)."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Read the data as it was at this instant, or 'now' (default: the data's last "
        "recorded instant, so that an export is not aged by the time since it was made).",
    ),
]


def default_store() -> str:
    from supportkpi.store import DEFAULT_STORE

    return str(DEFAULT_STORE)


def parse_when(text: str | None, option: str) -> date | datetime | None:
    if text is None:
        return None
    try:
        if "T" in text or " " in text.strip():
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"{option} {text!r} is not a date or an instant",
            fix="write 2026-03-01 or 2026-03-01T09:00:00+01:00"
            + (", or now" if option == "--as-of" else ""),
        ) from None


def parse_instant(text: str | None) -> datetime | None:
    value = parse_when(text, "--as-of")
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


@dataclass(frozen=True)
class AsOf:
    """The instant a command reads the data at, and what to tell the user about it."""

    instant: datetime | None
    note: str = ""

    def tell(self) -> None:
        """Say on stderr which instant was read (after the output: an error comes alone)."""
        if self.note:
            Console(stderr=True, highlight=False).print(self.note, markup=False)


def resolve_as_of(source: Any, text: str | None) -> AsOf:
    """``--as-of`` as every command reads it: an instant; ``now`` (``None``: the engine's
    own now, which the dashboard follows); or, when omitted, the data's last recorded
    instant, to be named on stderr. An export of last month then shows last month's open
    tickets and running SLA clocks as they were, not aged by the weeks since it was made."""
    if text is not None and text.strip().lower() == "now":
        return AsOf(None)
    if text is not None:
        return AsOf(parse_instant(text))
    from supportkpi.kpis.sla_report import data_end

    end = data_end(source)
    if end is None:
        return AsOf(None)
    return AsOf(
        end,
        f"as of {end.isoformat()}, the data's last recorded instant "
        "(--as-of now, or an instant, to choose another)",
    )


def parse_span(
    since: str | None, until: str | None
) -> tuple[date | datetime | None, date | datetime | None]:
    """``--since`` and ``--until``, checked to hold at least one instant (``until`` as a
    date includes that day)."""
    from supportkpi.kpis.compute import period_bounds

    lo, hi = parse_when(since, "--since"), parse_when(until, "--until")
    period_bounds(lo, hi, names=("--since", "--until"))
    return lo, hi


def check_channels(values: list[str]) -> list[str]:
    """Channel names as the model spells them (see :func:`supportkpi.model.check_channel`)."""
    from supportkpi.model import check_channel

    return [check_channel(value) for value in values]


def load_policy(path: Path | None) -> Any:
    """The config named with ``--config``; without one, ``./supportkpi.toml`` when it
    exists, else None (the defaults)."""
    from supportkpi.policy import DEFAULT_CONFIG_FILE, load_config

    if path is None and not Path(DEFAULT_CONFIG_FILE).is_file():
        return None
    return load_config(path)


def check_out(out: Path | None) -> None:
    """A file an ``--out`` option can write: its folder exists and it is not a folder."""
    if out is None:
        return
    if out.is_dir():
        raise UserError(f"{out} is a folder", fix="name a file inside it")
    if not out.parent.is_dir():
        raise UserError(
            f"folder {out.parent} does not exist", fix="create it or choose another path"
        )


def out_format(fmt: str, out: Path | None, formats: tuple[str, ...]) -> str:
    """The output format: a table written to a file named ``*.csv``, ``*.json`` or
    ``*.parquet`` takes the format its suffix names (when the command has it)."""
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    if fmt == "table" and suffix != "table" and suffix in formats:
        return suffix
    return fmt


def check_format(fmt: str, formats: tuple[str, ...]) -> None:
    if fmt not in formats:
        raise UserError(f"unknown format {fmt!r}", fix=f"use one of: {', '.join(formats)}")


def split_values(values: list[str] | None) -> list[str]:
    """Values given as repeated options and/or comma-separated, each once, in order."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(out))


def humanize_seconds(seconds: float) -> str:
    """``3725`` -> ``1h 2m``: the two largest units, readable at a glance."""
    if math.isnan(seconds):
        return ""
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    for index, (label, size) in enumerate(units):
        if total >= size:
            first, rest = divmod(total, size)
            text = f"{first}{label}"
            if index + 1 < len(units):
                next_label, next_size = units[index + 1]
                if rest // next_size:
                    text += f" {rest // next_size}{next_label}"
            return sign + text
    return "0s"
