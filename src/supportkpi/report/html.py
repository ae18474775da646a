"""The HTML report: one self-contained file (styles inline, charts as inline SVG).

Rendered with Jinja2 templates (autoescaped) from a :class:`ReportContent`; the same
templates and section macros draw the web dashboard, which passes a ``drill`` function that
turns every figure into a link to the tickets behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from supportkpi.kpis.registry import REGISTRY
from supportkpi.report.charts import render_charts
from supportkpi.report.content import (
    PEOPLE_KPIS,
    QUALITY_KPIS,
    Figure,
    HeadlineRow,
    ReportContent,
    headline_stat,
    pivot,
    volume_matrix,
)
from supportkpi.report.formatting import Formatter, is_missing
from supportkpi.report.i18n import check_language, kpi_description, kpi_name, tr
from supportkpi.report.signals import signal_detail, signal_title

__all__ = ["Drill", "environment", "page_context", "render_html", "write_html"]

Drill = Callable[..., str | None]
"""``drill(kpi, channel=None, key_dim=None, key=None) -> URL | None``."""

_TEMPLATE_DIRS = (Path(__file__).parent / "templates",)


def environment(extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """A Jinja2 environment over the report templates (and ``extra_dirs`` first)."""
    loader = jinja2.FileSystemLoader([*map(str, extra_dirs), *map(str, _TEMPLATE_DIRS)])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _value_attr(value: float | None) -> str:
    return "" if value is None or is_missing(value) else repr(float(value))


def _groups(rows: Sequence[HeadlineRow]) -> list[tuple[str, list[HeadlineRow]]]:
    """Rows grouped by KPI, in the order they come (registry order)."""
    out: dict[str, list[HeadlineRow]] = {}
    for row in rows:
        out.setdefault(row.kpi, []).append(row)
    return list(out.items())


def page_context(
    content: ReportContent, lang: str, *, drill: Drill | None = None
) -> dict[str, Any]:
    """What every template gets: the content, words and formatting in ``lang``."""
    check_language(lang)
    fmt = Formatter(lang)

    def t(key: str, **params: Any) -> str:
        return tr(lang, key, **params)

    def channel_label(channel: str | None) -> str:
        if channel is None:
            return t("channel.all")
        try:
            return t(f"channel.{channel}")
        except KeyError:
            return channel

    def figure_text(figure: Figure | None) -> str:
        if figure is None:
            return "—"
        if figure.note:
            return t("note.unavailable")
        return fmt.figure(REGISTRY[figure.kpi].unit, figure.stat, figure.value)

    def figure_attrs(figure: Figure | None, channel: str | None = None, key: str = "") -> Markup:
        if figure is None:
            return Markup("")
        return Markup(
            ' data-kpi="{}" data-stat="{}" data-channel="{}" data-key="{}" data-value="{}"'
        ).format(figure.kpi, figure.stat, channel or "", key, _value_attr(figure.value))

    def priority_label(priority: Any) -> str:
        if is_missing(priority):
            return "—"
        try:
            return t(f"priority.{priority}")
        except KeyError:
            return str(priority)

    charts = render_charts(content, lang)
    people = [k for k in PEOPLE_KPIS if k not in content.omitted]
    volume_channels, volume_rows = volume_matrix(content.volume)
    return {
        "lang": lang,
        "t": t,
        "fmt": fmt,
        "content": content,
        "charts": {k: Markup(v) for k, v in charts.items()},
        "kpi_name": lambda kpi_id: kpi_name(lang, kpi_id),
        "kpi_description": lambda kpi_id: kpi_description(lang, kpi_id),
        "kpi": REGISTRY,
        "headline_stat": lambda kpi_id: headline_stat(REGISTRY[kpi_id]),
        "channel_label": channel_label,
        "signal_title": lambda signal: signal_title(signal, lang),
        "signal_detail": lambda signal: signal_detail(signal, lang),
        "figure_text": figure_text,
        "figure_attrs": figure_attrs,
        "drill": drill,
        "people_kpis": people,
        "quality_kpis": [k for k in people if k in QUALITY_KPIS],
        "headline_groups": _groups(content.headline),
        "queue_groups": _groups(content.queues),
        "agents": pivot(content.agents, "agent_id", PEOPLE_KPIS),
        "teams": pivot(content.teams, "team", PEOPLE_KPIS),
        "volume_channels": volume_channels,
        "volume_rows": volume_rows,
        "priority_label": priority_label,
        **_extras_context(content),
        "generated_at": datetime.now(UTC),
    }


def _present(value: Any) -> Any:
    return None if is_missing(value) else value


def sla_rows(summary: Any) -> list[dict[str, Any]]:
    """The SLA summary as table rows, priorities spanning their targets' rows."""
    records = summary.to_dict(orient="records")
    rows: list[dict[str, Any]] = []
    for index, r in enumerate(records):
        priority = _present(r["priority"])
        first = index == 0 or _present(records[index - 1]["priority"]) != priority
        span = 0
        if first:
            for later in records[index:]:
                if _present(later["priority"]) != priority:
                    break
                span += 1
        compliance = _present(r["compliance"])
        rows.append(
            {
                "priority": priority,
                "target": r["target"],
                "met": int(r["met"]),
                "breached": int(r["breached"]),
                "running": int(r["running"]),
                "compliance": compliance,
                "compliance_attr": _value_attr(compliance),
                "first": first,
                "span": span,
            }
        )
    return rows


def breach_rows(breaches: Any) -> list[dict[str, Any]]:
    """The worst breaches as rows; ``running``: the clock is still running past target."""
    rows: list[dict[str, Any]] = []
    for r in breaches.to_dict(orient="records"):
        row = {k: _present(v) for k, v in r.items()}
        row["running"] = row.get("stopped_at") is None
        rows.append(row)
    return rows


def workflow_rows(frame: Any, dim: str, steps: Sequence[str]) -> list[dict[str, Any]]:
    """``workflow_summary`` rows: key, tickets, score, share of steps known, step rates
    (None where no ticket had that step known: shown as unknown)."""
    rows: list[dict[str, Any]] = []
    for r in frame.to_dict(orient="records"):
        score = _present(r["mean_score"])
        rows.append(
            {
                "key": _present(r[dim]),
                "tickets": int(r["tickets"]),
                "score": score,
                "score_attr": _value_attr(score),
                "known": _present(r["steps_known_share"]),
                "rates": [_present(r[f"{step}_pass_rate"]) for step in steps],
            }
        )
    return rows


def _extras_context(content: ReportContent) -> dict[str, Any]:
    sla = content.extras.get("sla")
    workflow = content.extras.get("workflow")
    steps = list(workflow.steps) if workflow is not None else []
    return {
        "sla_rows": sla_rows(sla.summary) if sla is not None else [],
        "sla_breach_rows": breach_rows(sla.breaches) if sla is not None else [],
        "workflow_steps": steps,
        "workflow_teams": workflow_rows(workflow.teams, "team", steps) if workflow else [],
        "workflow_agents": (workflow_rows(workflow.agents, "agent_id", steps) if workflow else []),
    }


def render_html(content: ReportContent, lang: str) -> str:
    """The report as one self-contained HTML document in ``lang``."""
    env = environment()
    return env.get_template("report.html").render(**page_context(content, lang))


def write_html(content: ReportContent, lang: str, out: Path) -> Path:
    out.write_text(render_html(content, lang), encoding="utf-8")
    return out
