"""The configuration: defaults, durations, errors that name file and key, policy rules."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from supportkpi.cli import app, main
from supportkpi.cli.config import annotated_default
from supportkpi.errors import ConfigError
from supportkpi.policy import (
    Config,
    default_config,
    grade,
    load_config,
    match_policy,
    parse_config,
    parse_duration,
    policy_case,
    schedule_case,
)
from supportkpi.policy.config import BenchmarkTiers, ScheduleConfig, ScheduleFor, SlaPolicy

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("4h", 14400), ("1h30m", 5400), ("2d", 172800),
     (45, 45), ("0.5h", 1800), ("120", 120)],
)  # fmt: skip
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["4x", "", "-5", "h", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "supportkpi.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("toml", "key", "message"),
    [
        ('[sla]\nat_risk_horizn = "2h"\n', "sla.at_risk_horizn", "did you mean 'at_risk_horizon'"),
        ('[[sla.policies]]\nname = "x"\ntargets = { first_respons = "1h" }\n',
         "sla.policies[0].targets.first_respons", "did you mean 'first_response'"),
        ('[kpi]\nshort_abandon = "soon"\n', "kpi.short_abandon", "'soon' is not a duration"),
        ('[schedules.x]\ntimezone = "Mars/Base"\n', "schedules.x.timezone", "unknown time zone"),
        ('[schedules.x.week]\nmon = ["09:00-12:00", "9-17"]\n', "schedules.x.week.mon[1]",
         "'9-17' is not a working interval"),
        ('[schedules.x.week]\nmom = ["09:00-17:00"]\n', "schedules.x.week.mom",
         "did you mean 'mon'"),
        ('[schedules.x]\nholidays = ["2026-02-30"]\n', "schedules.x.holidays[0]", "YYYY-MM-DD"),
        ('[schedules.x]\nholiday_country = "DE"\nholiday_subdivision = "ZZ"\n',
         "schedules.x.holiday_subdivision", "'ZZ' is not a subdivision of DE"),
        ('[schedule_for.team]\ntier2 = "emea"\n', "schedule_for.team.tier2",
         "schedule 'emea' is not defined"),
        ('[[sla.policies]]\nname = "x"\ntargets = {}\nschedule = "nights"\n',
         "sla.policies[0].schedule", "define [schedules.nights]"),
        ('[[sla.policies]]\nname = "x"\ntargets = {}\n[[sla.policies]]\nname = "x"\n'
         'targets = {}\n', "sla.policies[1].name", "unique name"),
        ('[[sla.policies]]\nname = "x"\ntargets = {}\npause_on = ["pendng"]\n',
         "sla.policies[0].pause_on[0]", "did you mean 'pending'"),
        ('[benchmarks.fax]\nsatisfactory = 3\ngood = 2\nexcellent = 1\n', "benchmarks.fax",
         "unknown channel 'fax'"),
        ('[source]\nlanguage = "de"\n', "source.language", "'en' or 'ru'"),
        ('[source.columns.tikets]\nagent_id = "Assignee"\n', "source.columns.tikets",
         "unknown table 'tikets' (fix: did you mean 'tickets'?"),
        ('[source.columns.tickets]\nagnet_id = "Assignee"\n', "source.columns.tickets.agnet_id",
         "'agnet_id' is not a column of tickets (fix: did you mean 'agent_id'?"),
        ('[source.columns.tickets]\nagent_id = " "\n', "source.columns.tickets.agent_id",
         "empty header"),
        ('[source.columns.tickets]\nagent_id = "Owner"\nteam = "owner"\n',
         "source.columns.tickets.team", "header 'owner' is given for both agent_id and team"),
        ('[slaa]\n', "slaa", "did you mean 'sla'"),
        ('[[sla.policies]]\nname = "x"\nmatch = { priority = ["urgnt"] }\ntargets = {}\n',
         "sla.policies[0].match.priority[0]", "did you mean 'urgent'"),
        ('[benchmarks.email]\nsatisfactory = "1h"\ngood = "4h"\nexcellent = "1m"\n',
         "benchmarks.email", "excellent <= good <= satisfactory"),
        ('[signals.volume]\nmax_ratio = 1.5\n', "signals.volume.max_ratio", "less than 1"),
        ('[signals.gaming]\nsplit_window_s = "soon"\n', "signals.gaming.split_window_s",
         "'soon' is not a duration"),
        ('[signals.escalaton]\n', "signals.escalaton", "did you mean 'escalation'"),
        ('[signals.ratchet]\nperiods = 2.5\n', "signals.ratchet.periods", "whole number"),
        ('[signals]\ntimezone = "Mars/Base"\n', "signals.timezone", "unknown time zone"),
        ('[signals.quality]\nmedium_at = 4\nhigh_at = 3\n', "signals.quality",
         "high_at must be >= medium_at"),
    ],
)  # fmt: skip
def test_errors_name_file_and_key(tmp_path: Path, toml: str, key: str, message: str) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    err = caught.value
    assert err.where is not None and err.where.file == str(path)
    assert err.where.key == key
    assert message in err.one_line()
    assert err.fix


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[kpi]\nshort_abandon = "5s\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.where is not None and caught.value.where.line == 2


def test_undefined_schedule_is_refused() -> None:
    with pytest.raises(ConfigError, match="schedule 'phones' is not defined") as caught:
        parse_config({"schedule_for": {"channel": {"phone": "phones"}}})
    assert caught.value.where is not None
    assert caught.value.where.key == "schedule_for.channel.phone"


def test_every_problem_is_counted_but_the_first_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[kpi]\nshort_abandon = "soon"\nservice_level = "later"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.one_line() == (
        f"{path}, key 'kpi.short_abandon': 'soon' is not a duration (and 1 more problem) "
        "(fix: write seconds, or text such as '90s', '30m', '4h', '1h30m', '2d')"
    )


def test_missing_file_and_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="config file not found") as caught:
        load_config(tmp_path / "nope.toml")
    assert caught.value.fix is not None and "config init" in caught.value.fix
    monkeypatch.chdir(tmp_path)
    assert load_config() == default_config()  # no supportkpi.toml here: the defaults
    write(tmp_path, '[kpi]\nservice_level = "30s"\n')
    assert load_config().kpi.service_level == 30.0  # ./supportkpi.toml when present


def test_fingerprint_is_stable_and_tells_configs_apart() -> None:
    assert default_config().fingerprint() == default_config().fingerprint()
    assert parse_config({"kpi": {"service_level": 20}}).fingerprint() == (
        default_config().fingerprint()  # "20s" and 20 are the same setting
    )
    assert parse_config({"kpi": {"service_level": "30s"}}).fingerprint() != (
        default_config().fingerprint()
    )


def test_annotated_default_loads_back_equal_to_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, annotated_default())
    assert load_config(path) == default_config()
    assert load_config(write(tmp_path, "")) == default_config()


def test_config_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    target = tmp_path / "k.toml"
    assert runner.invoke(app, ["config", "init", str(target)]).exit_code == 0
    with pytest.raises(SystemExit) as exited:
        main(["config", "init", str(target)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    done = runner.invoke(app, ["config", "check", str(target)])
    assert done.exit_code == 0 and "urgent" in done.output
    assert "Benchmarks" in done.output and "15m" in done.output  # social, excellent
    assert "Source: timestamps without an offset read in UTC; language en" in done.output
    assert "Column headers" not in done.output
    mapped = write(tmp_path, '[source.columns.contacts]\nagent_id = "Operator"\n')
    shown = runner.invoke(app, ["config", "check", str(mapped)])
    assert shown.exit_code == 0, shown.output
    assert ["contacts", "agent_id", "Operator"] in [
        line.split() for line in shown.output.splitlines()
    ]
    # on an 80-column terminal nothing is cut, and the periodic update target has a column
    with_update = write(
        tmp_path,
        '[[sla.policies]]\nname = "all"\nmatch = { priority = ["urgent", "high"] }\n'
        "targets = { first_response = 3600, periodic_update = 86400 }\n",
    )
    narrow = runner.invoke(app, ["config", "check", str(with_update)], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    assert max(len(line) for line in narrow.output.splitlines()) <= 80
    assert "…" not in narrow.output
    assert "priority=urgent|high" in narrow.output.split()
    assert "periodic" in narrow.output.split() and "1d" in narrow.output.split()
    broken = write(tmp_path, '[kpi]\nreopen_window = "2 weeks"\n')
    with pytest.raises(SystemExit) as exited:
        main(["config", "check", str(broken)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "kpi.reopen_window" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_first_matching_policy_wins_in_python_and_in_the_engine() -> None:
    config = parse_config(
        {
            "sla": {
                "policies": [
                    {"name": "vip-phone",
                     "match": {"customer_tier": ["gold"], "channel": ["phone"]},
                     "targets": {"first_response": "10m"}},
                    {"name": "urgent", "match": {"priority": ["urgent"]},
                     "targets": {"first_response": "1h"}},
                    {"name": "rest", "targets": {"first_response": "8h"}},
                ]
            }
        }
    )  # fmt: skip
    rows = [
        ("urgent", "phone", "billing", "gold"),  # both first and second match: the first wins
        ("urgent", "email", None, "gold"),
        ("low", "phone", None, None),  # tier unknown: the first does not match
    ]
    expected = ["vip-phone", "urgent", "rest"]
    for (priority, channel, type_, tier), name in zip(rows, expected, strict=True):
        policy = match_policy(
            config, priority=priority, channel=channel, type=type_, customer_tier=tier
        )
        assert policy is not None and policy.name == name
    t = ibis.memtable(
        pa.table(
            {
                "i": [0, 1, 2],
                "priority": [r[0] for r in rows],
                "channel": [r[1] for r in rows],
                "type": pa.array([r[2] for r in rows], pa.string()),
                "customer_tier": pa.array([r[3] for r in rows], pa.string()),
            }
        )
    )
    con = ibis.duckdb.connect()
    got = con.execute(t.mutate(p=policy_case(t, config)).order_by("i"))["p"].tolist()
    assert got == expected


def test_schedule_precedence_tier_over_team_over_channel() -> None:
    config = Config(
        schedules={"default": ScheduleConfig(), "a": ScheduleConfig(), "b": ScheduleConfig(),
                   "c": ScheduleConfig()},
        schedule_for=ScheduleFor(channel={"phone": "a"}, team={"t2": "b"},
                                 customer_tier={"gold": "c"}),
    )  # fmt: skip
    t = ibis.memtable(
        pa.table(
            {
                "i": [0, 1, 2, 3],
                "channel": ["phone", "phone", "phone", "email"],
                "team": pa.array([None, "t2", "t2", None], pa.string()),
                "customer_tier": pa.array([None, None, "gold", None], pa.string()),
            }
        )
    )
    got = ibis.duckdb.connect().execute(t.mutate(s=schedule_case(t, config)).order_by("i"))
    assert got["s"].tolist() == ["a", "b", "c", "default"]


def test_rules_on_a_table_without_some_columns() -> None:
    config = parse_config(
        {
            "schedules": {"phones": {}, "gold": {}},
            "schedule_for": {"channel": {"phone": "phones"}, "customer_tier": {"gold": "gold"}},
            "sla": {"policies": [
                {"name": "vip", "match": {"customer_tier": ["gold"]}, "targets": {}},
                {"name": "phone", "match": {"channel": ["phone"]}, "targets": {}},
            ]},
        }
    )  # fmt: skip
    t = ibis.memtable(pa.table({"i": [0, 1], "channel": ["phone", "email"]}))  # no tier column
    got = ibis.duckdb.connect().execute(
        t.mutate(s=schedule_case(t, config), p=policy_case(t, config)).order_by("i")
    )
    assert got["s"].tolist() == ["phones", "default"]
    assert got["p"].tolist()[0] == "phone" and got["p"].isna().tolist()[1]


def test_grades_at_the_boundaries() -> None:
    config = default_config()
    assert grade(config, "email", 3600) == "excellent"  # exactly at the limit meets it
    assert grade(config, "email", 3601) == "good"
    assert grade(config, "email", 4 * 3600) == "good"
    assert grade(config, "email", 12 * 3600) == "satisfactory"
    assert grade(config, "email", 12 * 3600 + 1) == "below"
    assert grade(config, "chat", 60) == "excellent"
    assert grade(config, "social", 15 * 60 + 1) == "good"
    assert grade(config, "phone", 10) is None
    assert grade(config, "email", None) is None


def test_every_config_key_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    models: list[type[BaseModel]] = [Config, ScheduleConfig, ScheduleFor, SlaPolicy, BenchmarkTiers,
              *(type(getattr(default_config(), s)) for s in ("source", "kpi", "sla", "signals")),
              *(type(getattr(default_config().signals, s)) for s in
                ("escalation", "volume", "gaming", "quality", "workflow", "ratchet"))]  # fmt: skip
    for model in models:
        for name in model.model_fields:
            assert f"`{name}`" in doc, f"{model.__name__}.{name} is not in docs/configuration.md"


def test_signals_section_is_read_with_durations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[signals]\ntimezone = "Europe/Berlin"\n[signals.gaming]\nsplit_window_s = "3h"\n'
        '[signals.ratchet]\nteam_targets = { tier2 = "5d" }\n',
    )
    config = load_config(path)
    assert config.signals.timezone == "Europe/Berlin"
    assert config.signals.gaming.split_window_s == 10800.0
    assert config.signals.ratchet.team_targets == {"tier2": 432000.0}
    assert config.signals.volume.max_ratio == 0.35  # untouched keys keep their defaults
    assert config.fingerprint() != default_config().fingerprint()


def test_commands_read_the_config_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportkpi.cli.options import load_policy

    monkeypatch.chdir(tmp_path)
    assert load_policy(None) is None  # no file: the engines' defaults
    write(tmp_path, '[source]\nlanguage = "ru"\n')
    assert load_policy(None).source.language == "ru"
    other = tmp_path / "other.toml"
    other.write_text('[source]\nlanguage = "en"\n', encoding="utf-8")
    assert load_policy(other).source.language == "en"
