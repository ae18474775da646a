"""What a support lead reads: the terminal summary and the self-contained HTML report.

Both render one :class:`ReportContent` built by :func:`build_content` from the KPI engine;
the web dashboard (``supportkpi.web``) renders the same content with the same templates.
"""

from supportkpi.report.content import Figure, Filters, HeadlineRow, ReportContent, build_content
from supportkpi.report.formatting import Formatter
from supportkpi.report.html import render_html, write_html
from supportkpi.report.i18n import LANGUAGES, catalog, tr
from supportkpi.report.terminal import print_summary, summary

__all__ = [
    "LANGUAGES",
    "Figure",
    "Filters",
    "Formatter",
    "HeadlineRow",
    "ReportContent",
    "build_content",
    "catalog",
    "print_summary",
    "render_html",
    "summary",
    "tr",
    "write_html",
]
