"""Shared test data for the report, web and browser tests: a small simulated desk.

Built once per test run (21 days, ~30 tickets a day, a defect surge) into a DuckDB store in
a temporary folder; contents are cached by filters. Other test modules import the helpers.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from supportkpi.report.content import Filters, ReportContent, build_content
from supportkpi.simulate import simulate
from supportkpi.store import open_store

AS_OF = datetime(2026, 1, 26, tzinfo=UTC)
"""The end of the simulated period (21 days from Monday 5 January 2026)."""


@cache
def sim_store() -> Path:
    """The path of a DuckDB store holding the simulated desk (built on first use)."""
    folder = Path(tempfile.mkdtemp(prefix="supportkpi-report-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    simulate(folder / "sim", days=21, seed=11, scenarios=["defect"], tickets_per_day=30.0)
    path = folder / "store.duckdb"
    with open_store(path) as store:
        summary = store.import_files([folder / "sim"])
    assert summary.rejects_by_reason == {}
    return path


NO_FILTERS = Filters()


@cache
def content(filters: Filters = NO_FILTERS) -> ReportContent:
    with open_store(sim_store(), read_only=True) as store:
        return build_content(store, filters=filters, as_of=AS_OF)


def test_the_simulated_store_has_every_channel() -> None:
    with open_store(sim_store(), read_only=True) as store:
        info = store.info()
    assert set(info.ticket_channels) == {"email", "chat", "phone", "social", "web"}
    assert set(info.contact_channels) == {"phone", "chat"}
    assert info.tickets_from is not None and info.tickets_from.startswith("2026-01-05")
