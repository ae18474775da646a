"""``supportkpi signals``: what the detectors found, with their evidence.

Same engine as the report and the API (:func:`supportkpi.signals.detect`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from supportkpi.cli.options import (
    ConfigOption,
    SinceOption,
    StoreOption,
    UntilOption,
    check_format,
    check_out,
    default_store,
    load_policy,
    out_format,
    parse_span,
    split_values,
)
from supportkpi.cli.report import default_language
from supportkpi.cli.tables import FILE_WIDTH, label, result_table

__all__ = ["register"]

FORMATS = ("table", "json", "csv")
SHOWN_IDS = 3


def _signals(
    store: StoreOption = "",
    config: ConfigOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", "-k", help="Only these signal kinds (repeat or comma-separate); default: all."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="en or ru (default: the config's source.language, else en)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead.")
    ] = None,
) -> None:
    """Signals beyond the numbers: escalation spikes, volume drops, gaming patterns,
    quality concerns and target ratchets, each with its evidence."""
    from supportkpi.signals import detect, signals_frame
    from supportkpi.store import open_store

    fmt = out_format(fmt, out, FORMATS)
    check_format(fmt, FORMATS)
    check_out(out)
    cfg = load_policy(config)
    language = default_language(cfg, lang)
    lo, hi = parse_span(since, until)
    with open_store(store or default_store(), read_only=True) as opened:
        found = detect(
            opened,
            since=lo,
            until=hi,
            config=cfg,
            kinds=split_values(kind) or None,
        )
    console = Console(highlight=False)
    if fmt == "json":
        text = json.dumps([s.to_dict() for s in found], indent=1, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = signals_frame(found, language).to_csv(index=False)
    if fmt != "table":
        if out is not None:
            out.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
        return
    rows = []
    for s in found:
        if s.unit == "share":
            versus = f"{s.observed:.1%} vs {s.baseline:.1%}"
        elif s.unit == "seconds":
            versus = f"{s.observed / 3600:.1f} h vs {s.baseline / 3600:.1f} h"
        else:
            versus = f"{s.observed:.0f} vs {s.baseline:.1f} {s.unit}"
        ids = " ".join(s.evidence_ids[:SHOWN_IDS])
        more = " ..." if s.evidence_count > SHOWN_IDS else ""
        rows.append(
            [
                s.detected_at.strftime("%Y-%m-%d %H:%M"),
                s.title(language),
                f"{s.subject} ({label(s.subject_kind.removesuffix('_id'))})",
                f"{s.score:.1f} ({label(s.score_name)})",
                versus,
                s.confidence,
                f"{s.evidence_count}: {ids}{more}",
            ]
        )
    headers = ["when (UTC)", "signal", "about", "score", "observed vs baseline", "confidence",
               "evidence"]  # fmt: skip
    width = FILE_WIDTH if out is not None else console.width
    table = result_table(
        f"Signals ({len(found)})", headers, rows, width=width, whole=["when (UTC)"]
    )
    if out is not None:
        with out.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=FILE_WIDTH).print(table)
    else:
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("signals")(_signals)
