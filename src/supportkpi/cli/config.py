"""``supportkpi config``: write an annotated default config, and check one."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from supportkpi.cli.options import check_out
from supportkpi.cli.tables import result_table
from supportkpi.errors import UserError
from supportkpi.policy import DEFAULT_CONFIG_FILE, format_duration, load_config

__all__ = ["annotated_default", "register"]


def annotated_default() -> str:
    """The default configuration as TOML, with a comment on every key."""
    return files("supportkpi.policy").joinpath("annotated.toml").read_text(encoding="utf-8")


def _init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path(DEFAULT_CONFIG_FILE),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write an annotated default config (every key with its default and meaning)."""
    check_out(path)
    if path.exists() and not force:
        raise UserError(
            f"{path} already exists", fix="pass --force to overwrite it, or name another path"
        )
    path.write_text(annotated_default(), encoding="utf-8")
    Console().print(f"Wrote [cyan]{path}[/]; check it with [bold]supportkpi config check {path}[/]")


def _check(
    path: Annotated[Path, typer.Argument(help="The config file.")] = Path(DEFAULT_CONFIG_FILE),
) -> None:
    """Validate a config file and summarize it; a problem is one line naming the key."""
    config = load_config(path)
    console = Console()
    console.print(f"[green]valid[/] {path} (fingerprint {config.fingerprint()})")
    width = console.width
    src = config.source
    console.print(
        f"Source: timestamps without an offset read in {src.timezone}; language {src.language}",
        markup=False,
    )
    rows = [
        [table, column, header]
        for table, mapping in src.columns.items()
        for column, header in mapping.items()
    ]
    if rows:
        title = "Column headers (source.columns)"
        console.print(result_table(title, ["table", "column", "file header"], rows, width=width))
    rows = []
    for name, s in config.schedules.items():
        week = "; ".join(f"{d} {' '.join(v)}" for d, v in s.week.items())
        extra = s.holiday_country or ""
        if s.holidays:
            extra = f"{extra} +{len(s.holidays)} dates".strip()
        rows.append([name, s.timezone, week, extra])
    headers = ["name", "time zone", "week", "holidays"]
    console.print(result_table("Schedules", headers, rows, width=width))
    rows = []
    for i, p in enumerate(config.sla.policies, 1):
        match = ", ".join(f"{k}={'|'.join(v)}" for k, v in p.match.model_dump().items() if v)
        t = p.targets
        targets = (t.first_response, t.next_reply, t.periodic_update, t.resolution)
        cells = [format_duration(x) if x is not None else "-" for x in targets]
        rows.append([str(i), p.name, match or "any", *cells, p.time])
    headers = ["#", "name", "match", "first response", "next reply", "periodic update",
               "resolution", "time"]  # fmt: skip
    title = "SLA policies (first match wins)"
    console.print(result_table(title, headers, rows, width=width, right=["#"]))
    rows = [
        [channel, *(format_duration(x) for x in (t.excellent, t.good, t.satisfactory))]
        for channel, t in config.benchmarks.items()
    ]
    headers = ["channel", "excellent", "good", "satisfactory"]
    title = "Benchmarks (a value at a limit meets it)"
    console.print(result_table(title, headers, rows, width=width))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Write or check the configuration file (supportkpi.toml).")
    group.command("init")(_init)
    group.command("check")(_check)
    app.add_typer(group, name="config")
