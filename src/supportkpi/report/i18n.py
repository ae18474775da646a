"""Every word the report, the terminal summary and the dashboard show, in each language.

One JSON catalog per language (``locales/<lang>.json``) maps a key to its text; both
catalogs must have the same keys, none empty (a test checks this and that every key the
code and templates use exists). KPI names and descriptions are not here: they live with
the KPI definitions in the registry, so a KPI is described in one place only.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from supportkpi.errors import UserError
from supportkpi.kpis.definition import LANGUAGES
from supportkpi.kpis.registry import REGISTRY

__all__ = ["LANGUAGES", "Catalog", "catalog", "check_language", "tr"]

Catalog = dict[str, str]


@cache
def catalog(lang: str) -> Catalog:
    """The catalog of ``lang`` (read once from the package)."""
    check_language(lang)
    text = resources.files("supportkpi.report").joinpath(f"locales/{lang}.json").read_text("utf-8")
    data: Catalog = json.loads(text)
    return data


def check_language(lang: str) -> str:
    """``lang`` when it is a report language, else a UserError naming the choices."""
    if lang not in LANGUAGES:
        raise UserError(f"unknown language {lang!r}", fix=f"use one of: {', '.join(LANGUAGES)}")
    return lang


def tr(lang: str, key: str, **params: Any) -> str:
    """The text of ``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``.

    A missing key is a bug (the catalog test guards it), so it raises ``KeyError``.
    """
    text = catalog(lang)[key]
    return text.format(**params) if params else text


def kpi_name(lang: str, kpi_id: str) -> str:
    return REGISTRY[kpi_id].name[lang]


def kpi_description(lang: str, kpi_id: str) -> str:
    return REGISTRY[kpi_id].description[lang]
