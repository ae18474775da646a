"""docs/kpis.md documents every ticket KPI and every per-ticket column."""

from __future__ import annotations

from pathlib import Path

from supportkpi.kpis.registry import REGISTRY
from supportkpi.kpis.tickets import TICKET_COLUMNS

DOC = (Path(__file__).parents[1] / "docs" / "kpis.md").read_text(encoding="utf-8")


def test_every_ticket_kpi_is_documented() -> None:
    ids = [k.id for k in REGISTRY.values() if k.source in ("tickets", "replies")]
    missing = [kpi_id for kpi_id in ids if f"`{kpi_id}`" not in DOC]
    assert not missing, f"add these KPIs to docs/kpis.md: {missing}"
    assert len(ids) == 26


def test_every_per_ticket_column_is_listed() -> None:
    listed = DOC.split("## Per-ticket columns", 1)[1].split("##", 1)[0]
    missing = [c for c in TICKET_COLUMNS if c not in listed]
    assert not missing, f"list these columns in docs/kpis.md: {missing}"


def test_counter_metrics_pair_speed_with_quality() -> None:
    assert REGISTRY["full_resolution"].counter_metric == "reopen_rate"
    assert REGISTRY["first_response"].counter_metric == "fcr_rate"
    assert REGISTRY["handling_per_ticket"].counter_metric == "fcr_rate"
    for kpi in REGISTRY.values():
        assert kpi.name["ru"] and kpi.description["ru"]
