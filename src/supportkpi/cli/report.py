"""``supportkpi report`` and ``supportkpi serve``: what a support lead reads.

``report`` prints the terminal summary, or writes the self-contained HTML report with
``--out``; ``serve`` starts the web dashboard and JSON API on the same engine.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from supportkpi.cli.options import (
    AsOfOption,
    ConfigOption,
    SinceOption,
    StoreOption,
    UntilOption,
    check_out,
    default_store,
    load_policy,
    parse_span,
    resolve_as_of,
)
from supportkpi.errors import UserError

__all__ = ["default_language", "register"]

LangOption = Annotated[
    str | None,
    typer.Option("--lang", "-l", help="en or ru (default: the config's source.language, else en)."),
]


def default_language(config: Any | None, lang: str | None) -> str:
    """``lang`` when given, else the config's ``source.language``, else English."""
    from supportkpi.report.i18n import check_language

    if lang:
        return check_language(lang)
    language = getattr(getattr(config, "source", None), "language", None)
    return check_language(str(language)) if language else "en"


def _day(value: date | datetime | None, option: str) -> date | None:
    if isinstance(value, datetime):
        raise UserError(f"{option} takes a date, not an instant", fix="write 2026-03-01")
    return value


def _extras(html: bool, sla: Any, signals: Any, targets: Any) -> dict[str, Any]:
    """The sections beyond the KPI tables: the terminal shows SLA compliance and the
    signals; the HTML report also workflow adherence and the proposed targets."""
    extras: dict[str, Any] = {"sla": sla, "signals": signals}
    if html:
        from supportkpi.report.workflow import workflow_extra

        extras["workflow"] = workflow_extra
        extras["targets"] = targets
    return extras


def _report(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the HTML report to this file.")
    ] = None,
    lang: LangOption = None,
    store: StoreOption = "",
    config: ConfigOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Headline KPIs per channel with grades and counter-metrics; --out writes the full
    HTML report (self-contained, works offline)."""
    from supportkpi.report.content import Filters, build_content
    from supportkpi.report.html import write_html
    from supportkpi.report.signals import signals_extra
    from supportkpi.report.sla import sla_extra
    from supportkpi.report.targets import targets_extra
    from supportkpi.report.terminal import print_summary
    from supportkpi.store import open_store

    policy = load_policy(config)
    language = default_language(policy, lang)
    lo, hi = parse_span(since, until)
    filters = Filters(since=_day(lo, "--since"), until=_day(hi, "--until"))
    check_out(out)
    with open_store(store or default_store(), read_only=True) as opened:
        moment = resolve_as_of(opened, as_of)
        content = build_content(
            opened,
            filters=filters,
            config=policy,
            as_of=moment.instant,
            extras=_extras(out is not None, sla_extra, signals_extra, targets_extra),
        )
    if out is None:
        print_summary(content, language, Console(width=min(Console().width, 100)))
    else:
        write_html(content, language, out)
        Console(stderr=True, highlight=False).print(f"wrote {out}")
    moment.tell()


def _serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.", min=1)] = 8000,
    store: StoreOption = "",
    config: ConfigOption = None,
    lang: LangOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Start the web dashboard and the JSON API (/api/..., docs at /docs); read-only."""
    import uvicorn

    from supportkpi.store import open_store
    from supportkpi.web.app import create_app

    policy = load_policy(config)
    path = store or default_store()
    with open_store(path, read_only=True) as opened:
        moment = resolve_as_of(opened, as_of)
    moment.tell()
    application = create_app(
        path, config=policy, lang=default_language(policy, lang), as_of=moment.instant, warm=True
    )
    uvicorn.run(application, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("report")(_report)
    app.command("serve")(_serve)
