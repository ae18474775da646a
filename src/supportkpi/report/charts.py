"""Charts as Vega-Lite specs (built with Altair) rendered to inline SVG, offline.

vl-convert carries its own Vega and Vega-Lite engines, so rendering needs no browser, no
CDN and no network; the SVG goes straight into the HTML report and the dashboard. Axis
numbers and dates follow the reader's language (decimal comma and Russian month names for
``ru``). Every chart here reads the tidy frames of :class:`ReportContent`.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from supportkpi.report.content import ReportContent
from supportkpi.report.i18n import kpi_name, tr

__all__ = ["CHART_IDS", "chart_specs", "render_charts", "to_svg"]

_LOCALES = {"en": "en-US", "ru": "ru-RU"}
_PALETTE = ["#2563eb", "#059669", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#64748b"]
_WIDTH = 520
_HEIGHT = 200
CHART_IDS: tuple[str, ...] = (
    "volume_weekly",
    "volume_by_type",
    "speed_weekly",
    "quality_weekly",
    "wait_weekly",
    "abandon_weekly",
)

_CONFIG: dict[str, Any] = {
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    "view": {"stroke": None},
    "axis": {
        "labelColor": "#475569",
        "titleColor": "#334155",
        "gridColor": "#e2e8f0",
        "domainColor": "#cbd5e1",
        "tickColor": "#cbd5e1",
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": 600,
    },
    "legend": {
        "labelColor": "#334155",
        "titleColor": "#334155",
        "labelFontSize": 11,
        "titleFontSize": 11,
        "orient": "bottom",
        "columns": 2,
        "labelLimit": 320,
    },
    "range": {"category": _PALETTE},
}


def _channel_label(lang: str, channel: Any) -> str:
    key = f"channel.{channel}"
    try:
        return tr(lang, key)
    except KeyError:
        return str(channel)


def _week_frame(frame: pd.DataFrame, kpis: list[str], stat: str) -> pd.DataFrame:
    part = frame[frame["kpi"].isin(kpis) & (frame["stat"] == stat)]
    if "basis" in part:
        part = part[part["basis"].isin(["", "calendar"])]
    part = part.dropna(subset=["value", "period_start"]).copy()
    part["week"] = pd.to_datetime(part["period_start"], utc=True).dt.tz_localize(None)
    return part


def _volume_weekly(content: ReportContent, lang: str) -> alt.Chart | None:
    part = _week_frame(content.weekly_by_channel, ["customer_demand"], "value")
    if part.empty:
        return None
    part["series"] = [_channel_label(lang, c) for c in part["channel"]]
    chart: alt.Chart = (
        alt.Chart(part[["week", "series", "value"]])
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(week):O",
                title=tr(lang, "axis.week"),
                axis=alt.Axis(format="%d %b", labelAngle=0),
            ),
            y=alt.Y("sum(value):Q", title=tr(lang, "axis.tickets")),
            color=alt.Color("series:N", title=tr(lang, "legend.channel")),
        )
    )
    return chart


def _volume_by_type(content: ReportContent, lang: str) -> alt.Chart | None:
    part = content.volume[(content.volume["stat"] == "value")].dropna(subset=["value"]).copy()
    if part.empty:
        return None
    part["series"] = [_channel_label(lang, c) for c in part["channel"]]
    part["type"] = part["type"].fillna("—").astype(str)
    chart: alt.Chart = (
        alt.Chart(part[["type", "series", "value"]])
        .mark_bar()
        .encode(
            y=alt.Y("type:N", title=tr(lang, "axis.type"), sort="-x"),
            x=alt.X("sum(value):Q", title=tr(lang, "axis.tickets")),
            color=alt.Color("series:N", title=tr(lang, "legend.channel")),
        )
    )
    return chart


def _lines(part: pd.DataFrame, lang: str, y_title: str, y_format: str) -> alt.Chart:
    chart: alt.Chart = (
        alt.Chart(part[["week", "series", "y"]])
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X(
                "yearmonthdate(week):T",
                title=tr(lang, "axis.week"),
                axis=alt.Axis(format="%d %b", tickCount="week"),
            ),
            y=alt.Y("y:Q", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color("series:N", title=None),
        )
    )
    return chart


def _speed_weekly(content: ReportContent, lang: str) -> alt.Chart | None:
    part = _week_frame(content.weekly, ["first_response", "full_resolution"], "median")
    if part.empty:
        return None
    part["series"] = [kpi_name(lang, k) + " · " + tr(lang, "col.median") for k in part["kpi"]]
    part["y"] = part["value"] / 3600.0
    return _lines(part, lang, tr(lang, "axis.hours"), ",.1f")


def _quality_weekly(content: ReportContent, lang: str) -> alt.Chart | None:
    kpis = ["fcr_rate", "reopen_rate", "escalation_rate", "csat"]
    part = _week_frame(content.weekly, kpis, "value")
    if part.empty:
        return None
    part["series"] = [kpi_name(lang, k) for k in part["kpi"]]
    part["y"] = part["value"]
    return _lines(part, lang, tr(lang, "axis.share"), ".0%")


def _by_channel_lines(
    content: ReportContent, lang: str, kpi: str, stat: str, title: str, scale: float, fmt: str
) -> alt.Chart | None:
    part = _week_frame(content.weekly_by_channel, [kpi], stat)
    if part.empty:
        return None
    part["series"] = [_channel_label(lang, c) for c in part["channel"]]
    part["y"] = part["value"] / scale
    return _lines(part, lang, title, fmt)


def chart_specs(content: ReportContent, lang: str) -> dict[str, dict[str, Any]]:
    """The Vega-Lite spec of every chart that has data, by chart id."""
    charts: dict[str, alt.Chart | None] = {
        "volume_weekly": _volume_weekly(content, lang),
        "volume_by_type": _volume_by_type(content, lang),
        "speed_weekly": _speed_weekly(content, lang),
        "quality_weekly": _quality_weekly(content, lang),
        "wait_weekly": _by_channel_lines(
            content, lang, "wait_time", "median", tr(lang, "axis.seconds"), 1.0, ",.0f"
        ),
        "abandon_weekly": _by_channel_lines(
            content, lang, "abandonment_rate", "value", tr(lang, "axis.share"), 1.0, ".0%"
        ),
    }
    specs: dict[str, dict[str, Any]] = {}
    for chart_id, chart in charts.items():
        if chart is None:
            continue
        sized = chart.properties(width=_WIDTH, height=_HEIGHT).configure(**_CONFIG)
        specs[chart_id] = sized.to_dict()
    return specs


def to_svg(spec: dict[str, Any], lang: str) -> str:
    """One spec as an SVG string, numbers and dates in ``lang``'s locale; no network."""
    locale: Any = _LOCALES[lang]
    svg: str = vlc.vegalite_to_svg(
        spec,
        format_locale=locale,
        time_format_locale=locale,
        allowed_base_urls=[],
    )
    return svg


def render_charts(content: ReportContent, lang: str) -> dict[str, str]:
    """Every chart with data as inline SVG, by chart id."""
    return {chart_id: to_svg(spec, lang) for chart_id, spec in chart_specs(content, lang).items()}
