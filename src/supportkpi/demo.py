"""The main job, end to end, on the embedded default store (``make demo``).

Runs the same commands a user would type, in-process, and prints what each one shows:
simulate 90 days of a support desk with every injected scenario, describe the simulated
desk's business hours and public holidays in a ``supportkpi.toml`` beside the data, import it
(a second run finds it already imported), print the terminal summary and write the HTML
report under that config, so business-time SLAs and the signals' holiday rules match the desk.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

from supportkpi.cli import EXIT_USER_ERROR, app
from supportkpi.errors import UserError

START = date(2026, 1, 5)
DAYS = 90
SCENARIOS = ("defect", "outage", "gaming", "sloppy", "ratchet", "parking")


CONFIG_NAME = "supportkpi.toml"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def desk_config(operation: dict[str, Any]) -> str:
    """The policy config (TOML) of a simulated desk, from ``truth.json``'s ``operation``.

    The channels sharing the most common opening hours make the ``default`` schedule; every
    other channel gets a schedule of its own, chosen in ``[schedule_for.channel]``. Strings
    are written as JSON strings, which TOML reads as the same basic strings.
    """
    zone = json.dumps(operation["time_zone"])
    country = operation.get("holidays", {}).get("country")
    hours: dict[str, dict[str, Any]] = operation["business_hours"]
    keys = {channel: json.dumps(spec, sort_keys=True) for channel, spec in hours.items()}
    common = max(sorted(set(keys.values())), key=list(keys.values()).count)
    lines = ["# The simulated desk: its time zone, opening hours and public holidays.", ""]
    lines += ["[source]", f"timezone = {zone}", ""]

    def schedule(name: str, spec: dict[str, Any]) -> None:
        lines.extend([f"[schedules.{name}]", f"timezone = {zone}"])
        if country:
            lines.append(f"holiday_country = {json.dumps(country)}")
        lines.extend(["", f"[schedules.{name}.week]"])
        interval = json.dumps(f"{spec['open']}-{spec['close']}")
        lines.extend(f"{day.lower()} = [{interval}]" for day in _WEEKDAYS if day in spec["days"])
        lines.append("")

    schedule("default", hours[next(c for c in hours if keys[c] == common)])
    others = sorted(c for c in hours if keys[c] != common)
    for channel in others:
        schedule(channel, hours[channel])
    lines.append("[schedule_for.channel]")
    lines.extend(f"{channel} = {json.dumps(channel)}" for channel in others)
    return "\n".join(lines) + "\n"


def write_desk_config(data: str | Path) -> Path:
    """Write :func:`desk_config` for the simulation in ``data`` beside its ``truth.json``."""
    folder = Path(data)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    path = folder / CONFIG_NAME
    path.write_text(desk_config(truth["operation"]), encoding="utf-8")
    return path


def steps(store: str, data: str, report: str, days: int = DAYS) -> list[tuple[str, list[str]]]:
    """The demo's commands, as (title, argv) pairs; the config is written after the first."""
    config = str(Path(data) / CONFIG_NAME)
    scenarios = [arg for name in SCENARIOS for arg in ("--scenario", name)]
    return [
        (
            f"Simulate {days} days of a support desk",
            ["simulate", data, "--days", str(days), "--start", START.isoformat(), *scenarios],
        ),
        ("Import it", ["import", data, "--store", store]),
        ("What the store holds", ["info", "--store", store]),
        ("Summary", ["report", "--store", store, "--config", config]),
        ("HTML report", ["report", "--store", store, "--config", config, "--out", report]),
    ]


def run(store: str, data: str, report: str, console: Console, days: int = DAYS) -> None:
    for index, (title, argv) in enumerate(steps(store, data, report, days)):
        console.rule(f"[bold]{title}[/]  [dim]supportkpi {' '.join(argv)}[/]")
        app(args=argv, prog_name="supportkpi", standalone_mode=False)
        if index == 0:
            path = write_desk_config(data)
            console.print(f"The desk's hours and holidays: [bold]{path}[/]")
    console.print(
        f"\nOpen the report: [bold]{Path(report).resolve().as_uri()}[/]"
        f"\nStart the dashboard: [bold].venv/bin/supportkpi serve --store {store} "
        f"--config {Path(data) / CONFIG_NAME}[/] and open "
        "http://127.0.0.1:8000"
        f"\nInjected scenarios and their ground truth: [bold]{Path(data) / 'truth.json'}[/]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m supportkpi.demo")
    parser.add_argument("--store", default="supportkpi.duckdb")
    parser.add_argument("--data", default="demo-data", help="where the simulation is written")
    parser.add_argument("--report", default="report.html")
    parser.add_argument("--days", type=int, default=DAYS, help="days to simulate")
    args = parser.parse_args(argv)
    console = Console()
    try:
        run(args.store, args.data, args.report, console, args.days)
    except UserError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.one_line()}")
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
