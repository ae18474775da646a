"""``supportkpi kpis`` and ``supportkpi tickets`` over a real store (DuckDB file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportkpi.cli import EXIT_USER_ERROR, app, main
from supportkpi.cli.options import humanize_seconds
from supportkpi.store import open_store

CASES = Path(__file__).parent / "fixtures" / "kpis"


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "store.duckdb"
    with open_store(path) as opened:
        opened.import_files(sorted((CASES / "stats").glob("*.csv")))
    return str(path)


def test_kpis_json_gives_raw_seconds(store: str) -> None:
    result = CliRunner().invoke(
        app,
        ["kpis", "--store", store, "--kpi", "first_response", "--basis", "calendar",
         "--as-of", "2026-03-10T00:00:00Z", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["stat"]: r["value"] for r in json.loads(result.output)}
    assert rows["median"] == 210.0 and rows["count"] == 6


def test_kpis_table_is_humanized(store: str) -> None:
    result = CliRunner().invoke(
        app,
        ["kpis", "--store", store, "--kpi", "first_response,tickets_created", "--by",
         "channel", "--basis", "calendar", "--as-of", "2026-03-10T00:00:00Z"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "First response time" in result.output
    assert "2m" in result.output  # email median 120 s
    assert "Tickets created" in result.output


def test_tickets_export_csv(store: str, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(
        app,
        ["tickets", "--store", store, "--channel", "web", "--as-of", "2026-03-10T00:00:00Z",
         "--format", "csv", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("ticket_id,created_at,channel")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["T4", "T5", "T6"]


def test_unknown_kpi_is_one_line_and_exit_2(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["kpis", "--store", store, "--kpi", "speed"])
    assert exit_info.value.code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "unknown KPI 'speed'" in err and "first_response" in err
    assert "Traceback" not in err


def test_humanize_seconds() -> None:
    assert [humanize_seconds(s) for s in (0, 42, 59.6, 3725, 90061, 86405)] == [
        "0s", "42s", "1m", "1h 2m", "1d 1h", "1d",
    ]  # fmt: skip


def test_tickets_table_on_an_80_column_terminal_cuts_nothing(store: str) -> None:
    argv = ["tickets", "--store", store, "--as-of", "2026-03-10T00:00:00Z"]
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.output
    words = result.output.split()
    assert {"T4", "T5", "T6"} <= set(words)  # every ticket id whole
    assert "fcr" in words  # the last column is not cropped off


def test_without_as_of_commands_read_the_data_as_of_its_last_instant(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportkpi.kpis.sla_report import data_end

    with open_store(store, read_only=True) as opened:
        end = data_end(opened)
    assert end is not None
    argv = ["kpis", "--store", store, "--kpi", "backlog,first_response", "--format", "json"]
    default = CliRunner().invoke(app, argv)
    assert default.exit_code == 0, default.output
    assert f"as of {end.isoformat()}, the data's last recorded instant" in default.stderr
    explicit = CliRunner().invoke(app, [*argv, "--as-of", end.isoformat()])
    assert json.loads(default.stdout) == json.loads(explicit.stdout)
    # 'now' is the engine's now: nothing said, and the open tickets have aged since
    now = CliRunner().invoke(app, ["tickets", "--store", store, "--as-of", "now", "-f", "json"])
    assert now.exit_code == 0, now.output
    assert "as of" not in now.stderr
    then = CliRunner().invoke(app, ["tickets", "--store", store, "-f", "json"])
    ages = {r["ticket_id"]: r["age_s"] for r in json.loads(then.stdout) if r["age_s"]}
    aged = {r["ticket_id"]: r["age_s"] for r in json.loads(now.stdout) if r["age_s"]}
    assert ages and ages.keys() == aged.keys()
    assert all(aged[t] > ages[t] + 86400 for t in ages)
    # the dashboard is started at the same instant
    import uvicorn

    import supportkpi.web.app as web

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr(web, "create_app", lambda *a, **k: seen.update(k))
    served = CliRunner().invoke(app, ["serve", "--store", store])
    assert served.exit_code == 0, served.output
    assert seen["as_of"] == end


def test_argument_errors_are_one_line_and_say_nothing_else(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["kpis", "--by", "planet"], "error: unknown dimension 'planet'"),
        (["kpis", "--as-of", "yesterday"], "error: --as-of 'yesterday' is not a date or an "
         "instant (fix: write 2026-03-01 or 2026-03-01T09:00:00+01:00, or now)"),
        (["tickets", "--channel", "emial"], "error: unknown channel 'emial' (fix: did you mean "
         "'email'? use one of: email, chat, phone, social, web, messaging)"),
        (["kpis", "--since", "2026-03-05", "--until", "2026-03-04"],
         "error: --since 2026-03-05 is not before --until 2026-03-04"),
        (["tickets", "--since", "2026-03-05T10:00:00Z", "--until", "2026-03-05T10:00:00Z"],
         "error: --since 2026-03-05 10:00:00+00:00 is not before --until 2026-03-05 10:00"),
        (["sla", "--breaches", "5", "--at-risk"], "error: --breaches and --at-risk each "
         "replace the compliance table (fix: give one of them per run)"),
        (["signals", "--kind", "volume_drop,escalaton_spike"], "error: unknown signal kind "
         "'escalaton_spike' (fix: did you mean 'escalation_spike'? use one of "),
    ]  # fmt: skip
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--store", store])
        assert exit_info.value.code == EXIT_USER_ERROR
        err = capsys.readouterr().err
        assert err.startswith(message), err
        assert err.count("\n") == 1  # no "as of" note before the error


def test_out_paths_are_checked_before_any_work(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nodir"
    cases = [
        (["kpis", "--format", "json", "--out", str(missing / "k.json")], f"folder {missing} "),
        (["tickets", "--format", "csv", "--out", str(missing / "t.csv")], f"folder {missing} "),
        (["signals", "--format", "csv", "--out", str(missing / "s.csv")], f"folder {missing} "),
        (["report", "--out", str(missing / "r.html")], f"folder {missing} "),
        (["kpis", "--out", str(tmp_path)], f"{tmp_path} is a folder"),
        (["config", "init", str(missing / "x.toml")], f"folder {missing} "),
    ]  # fmt: skip
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, *(["--store", store] if argv[0] != "config" else [])])
        assert exit_info.value.code == EXIT_USER_ERROR, argv
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}"), err
        assert err.count("\n") == 1
    assert not missing.exists()


def test_out_suffix_picks_the_format_and_repeated_dimensions_count_once(
    store: str, tmp_path: Path
) -> None:
    out = tmp_path / "k.csv"
    argv = ["kpis", "--store", store, "--kpi", "tickets_created", "--as-of",
            "2026-03-10T00:00:00Z"]  # fmt: skip
    result = CliRunner().invoke(app, [*argv, "--by", "channel,channel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "period_start,channel,kpi,basis,stat,value,n,note"
    once = CliRunner().invoke(app, [*argv, "--by", "channel", "--format", "csv"])
    assert once.output.splitlines() == lines
    parquet = tmp_path / "k.parquet"
    assert CliRunner().invoke(app, [*argv, "--out", str(parquet)]).exit_code == 0
    assert parquet.read_bytes()[:4] == b"PAR1"


def test_channel_synonyms_and_a_one_day_span_are_accepted(store: str) -> None:
    argv = ["tickets", "--store", store, "--as-of", "2026-03-10T00:00:00Z", "-f", "json"]
    email = CliRunner().invoke(app, [*argv, "--channel", "email"])
    mail = CliRunner().invoke(app, [*argv, "--channel", "E-Mail"])
    assert email.exit_code == 0 and mail.exit_code == 0, mail.output
    assert json.loads(mail.stdout) == json.loads(email.stdout) != []
    day = CliRunner().invoke(app, [*argv, "--since", "2026-03-02", "--until", "2026-03-02"])
    assert day.exit_code == 0, day.output
    assert {r["ticket_id"] for r in json.loads(day.stdout)} == {"T1"}


def test_a_period_that_holds_no_instant_is_refused_by_the_api(store: str) -> None:
    from datetime import date

    from supportkpi.errors import UserError
    from supportkpi.kpis.compute import compute, ticket_table

    with open_store(store, read_only=True) as opened:
        for call in (compute, ticket_table):
            with pytest.raises(UserError, match="since 2026-03-05 is not before until 2026-03-04"):
                call(opened, since=date(2026, 3, 5), until=date(2026, 3, 4))
        one_day = ticket_table(opened, since=date(2026, 3, 2), until=date(2026, 3, 2))
        assert list(one_day["ticket_id"]) == ["T1"]
