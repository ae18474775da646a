"""``supportkpi sla`` over a real store (DuckDB file) with a policy config (TOML)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportkpi.cli import EXIT_USER_ERROR, app, main
from supportkpi.kpis.sla_report import data_end
from supportkpi.store import open_store

CASE = Path(__file__).parent / "fixtures" / "kpis" / "sla_basic"
CONFIG = """
[[sla.policies]]
name = "vip"
time = "business"
match = { customer_tier = ["vip"] }
targets = { first_response = 7200 }

[[sla.policies]]
name = "standard"
time = "calendar"
targets = { first_response = 3600, resolution = 7200 }
"""
EVENING = "2026-03-02T16:00:00Z"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[str, str]:
    store = tmp_path / "store.duckdb"
    with open_store(store) as opened:
        opened.import_files(sorted(CASE.glob("*.csv")))
    config = tmp_path / "policy.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return str(store), str(config)


def test_summary_json(setup: tuple[str, str]) -> None:
    store, config = setup
    result = CliRunner().invoke(
        app,
        ["sla", "--store", store, "--config", config, "--by", "policy", "--as-of", EVENING,
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    got = {(r["policy"], r["target"]): (r["met"], r["breached"]) for r in json.loads(result.output)}
    assert got == {
        ("standard", "first_response"): (3, 1),
        ("standard", "resolution"): (3, 2),
        ("vip", "first_response"): (1, 1),
    }


def test_breaches_table_is_humanized(setup: tuple[str, str]) -> None:
    store, config = setup
    result = CliRunner().invoke(
        app, ["sla", "--store", store, "--config", config, "--breaches", "1", "--as-of", EVENING]
    )
    assert result.exit_code == 0, result.output
    assert "T2" in result.output and "5h" in result.output  # 18000 s past the target
    every = CliRunner().invoke(
        app, ["sla", "--store", store, "--config", config, "--breaches", "9", "--as-of", EVENING]
    )
    assert "T4 #2" in every.stdout  # T4's resolution breached in the cycle after its reopen
    assert " #1" not in every.stdout


def test_at_risk_csv(setup: tuple[str, str]) -> None:
    store, config = setup
    result = CliRunner().invoke(
        app,
        ["sla", "--store", store, "--config", config, "--at-risk", "--as-of",
         "2026-03-02T10:30:00Z", "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["T1", "T2", "T5", "T3"]


def test_unknown_group_is_one_line_and_exit_2(
    setup: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = setup
    with pytest.raises(SystemExit) as exit_info:
        main(["sla", "--store", store, "--by", "planet"])
    assert exit_info.value.code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "cannot group SLA outcomes by 'planet'" in err and "Traceback" not in err


def test_clocks_stop_at_the_datas_end_by_default(setup: tuple[str, str]) -> None:
    store, config = setup
    with open_store(store, read_only=True) as opened:
        end = data_end(opened)
    assert end == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # the last event, T4 solved
    argv = ["sla", "--store", store, "--config", config, "--format", "json"]
    default = CliRunner().invoke(app, argv)
    explicit = CliRunner().invoke(app, [*argv, "--as-of", "2026-03-02T14:30:00Z"])
    assert default.exit_code == 0, default.output
    assert "as of 2026-03-02T14:30:00+00:00" in default.stderr
    assert json.loads(default.stdout) == json.loads(explicit.stdout)
    early = CliRunner().invoke(app, [*argv, "--as-of", "2026-03-02T09:05:00Z"])
    running = [row["running"] for row in json.loads(early.stdout)]
    # at 09:05 no first response was sent yet (T5 and T6 high, T1-T4 normal) and T4's reopened
    # cycle (12:00) did not exist yet: four resolution clocks run, not five
    assert running == [2, 4, 4]
    assert [row["running"] for row in json.loads(default.stdout)] == [0, 0, 0]


def test_at_risk_table_on_an_80_column_terminal_cuts_nothing(setup: tuple[str, str]) -> None:
    store, config = setup
    result = CliRunner().invoke(
        app,
        ["sla", "--store", store, "--config", config, "--at-risk", "--as-of",
         "2026-03-02T10:30:00Z"],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = result.stdout
    assert max(len(line) for line in table.splitlines()) <= 80 and "…" not in table
    words = table.split()
    assert {"T1", "T2", "T5", "T3"} <= set(words)
    assert "yes" in words  # the last column (paused: T3) is not cropped off
