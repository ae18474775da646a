"""The configuration file, ``supportkpi.toml``: its models, defaults and loading.

Definitions are data: schedules, SLA policies, benchmark tiers and thresholds are read
from one TOML file and validated on load. Every problem becomes one
:class:`~supportkpi.errors.ConfigError` naming the file, the dotted key path and the fix.
Durations are written as ``"4h"``, ``"1h30m"``, ``"2d"`` (or seconds) and held as seconds.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from supportkpi.errors import ConfigError, Location, did_you_mean
from supportkpi.model.schema import CHANNELS, PRIORITIES, STATUSES
from supportkpi.policy.durations import parse_duration
from supportkpi.signals import settings as _signals
from supportkpi.signals.settings import SignalSettings

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "WEEKDAYS",
    "BenchmarkTiers",
    "Config",
    "KpiSettings",
    "ScheduleConfig",
    "ScheduleFor",
    "SlaMatch",
    "SlaPolicy",
    "SlaSettings",
    "SlaTargets",
    "SourceSettings",
    "default_config",
    "load_config",
]

DEFAULT_CONFIG_FILE = "supportkpi.toml"
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Seconds = Annotated[float, BeforeValidator(parse_duration)]
_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class KeyedError(ValueError):
    """A validation problem that knows the key below the validated value and its fix.

    Raised inside validators; :func:`parse_config` turns it into a ``ConfigError`` whose key
    path ends at the exact offending key (``schedule_for.channel.phone``, not just the
    section) and whose fix is specific.
    """

    def __init__(self, message: str, *, key: tuple[str | int, ...] = (), fix: str | None = None):
        super().__init__(message)
        self.key = key
        self.fix = fix


def _nearest(value: str, allowed: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(value, list(allowed), n=1)
    return found[0] if found else None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise KeyedError(
            f"unknown time zone {name!r}",
            fix="use an IANA name such as 'UTC', 'Europe/Berlin' or 'America/New_York'",
        ) from None
    return name


class SourceSettings(_Model):
    timezone: str = "UTC"
    language: Literal["en", "ru"] = "en"
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Per table, the file's header for a model column (``agent_id = "Assignee"``)."""

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        from supportkpi.model import TABLES, column_key

        for table, mapping in columns.items():
            if table not in TABLES:
                raise KeyedError(
                    f"unknown table {table!r}",
                    key=(table,),
                    fix=f"{did_you_mean(table, TABLES)}use one of: {', '.join(TABLES)}",
                )
            names = TABLES[table].names
            seen: dict[str, str] = {}
            for column, header in mapping.items():
                if column not in names:
                    raise KeyedError(
                        f"{column!r} is not a column of {table}",
                        key=(table, column),
                        fix=f"{did_you_mean(column, names)}the keys are the model's columns "
                        "(docs/data-model.md); "
                        "the values are the file's headers",
                    )
                if not header.strip():
                    raise KeyedError(
                        "empty header", key=(table, column), fix="write the file's column name"
                    )
                folded = column_key(header)
                if folded in seen:
                    raise KeyedError(
                        f"header {header!r} is given for both {seen[folded]} and {column}",
                        key=(table, column),
                        fix="map each header to one column",
                    )
                seen[folded] = column
        return columns


class ScheduleConfig(_Model):
    timezone: str = "UTC"
    week: dict[str, list[str]] = Field(
        default_factory=lambda: {d: ["09:00-17:00"] for d in WEEKDAYS[:5]}
    )
    holidays: list[date] = Field(default_factory=list)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))

    @field_validator("week")
    @classmethod
    def _week(cls, week: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, intervals in week.items():
            if day not in WEEKDAYS:
                raise KeyedError(
                    f"unknown day {day!r}",
                    key=(day,),
                    fix=f"{did_you_mean(day, WEEKDAYS)}days are {', '.join(WEEKDAYS)}",
                )
            for i, text in enumerate(intervals):
                match = _INTERVAL.match(text)
                fix = (
                    "write 'HH:MM-HH:MM' with two-digit hours, e.g. '09:00-17:00' or '22:00-06:00'"
                )
                if not match:
                    raise KeyedError(f"{text!r} is not a working interval", key=(day, i), fix=fix)
                if match.group(3) == "24" and match.group(4) != "00":
                    raise KeyedError(f"{text!r} ends after 24:00", key=(day, i), fix=fix)
                if text[:5] == text[6:]:
                    raise KeyedError(
                        f"{text!r} is empty (it starts where it ends)",
                        key=(day, i),
                        fix="for a whole day write '00:00-24:00'",
                    )
        return week

    @_model_validator(mode="after")
    def _holidays(self) -> ScheduleConfig:
        if self.holiday_subdivision and not self.holiday_country:
            raise KeyedError(
                "holiday_subdivision needs holiday_country",
                key=("holiday_subdivision",),
                fix="add holiday_country (e.g. 'DE' for holiday_subdivision 'BY')",
            )
        if self.holiday_country:
            import holidays

            supported = holidays.list_supported_countries()
            country = self.holiday_country
            if country not in supported:
                raise KeyedError(
                    f"no public holidays are known for country {country!r}",
                    key=("holiday_country",),
                    fix=f"{did_you_mean(country, supported)}use an ISO 3166 code such as "
                    "'DE', 'US' or 'GB'",
                )
            regions = supported[country]
            subdivision = self.holiday_subdivision
            if subdivision is not None and subdivision not in regions:
                raise KeyedError(
                    f"{subdivision!r} is not a subdivision of {country}",
                    key=("holiday_subdivision",),
                    fix=f"use one of {', '.join(regions)}, or leave it out",
                )
        return self


class ScheduleFor(_Model):
    channel: dict[str, str] = Field(default_factory=dict)
    team: dict[str, str] = Field(default_factory=dict)
    customer_tier: dict[str, str] = Field(default_factory=dict)


class KpiSettings(_Model):
    short_abandon: Seconds = 5.0
    service_level: Seconds = 20.0
    repeat_window: Seconds = 7 * 86400.0
    reopen_window: Seconds = 14 * 86400.0
    aht_concern_ratio: float = Field(default=0.5, gt=0, lt=1)


class SlaMatch(_Model):
    priority: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    type: list[str] = Field(default_factory=list)
    customer_tier: list[str] = Field(default_factory=list)

    @field_validator("priority")
    @classmethod
    def _priorities(cls, values: list[str]) -> list[str]:
        return _known(values, PRIORITIES, "priority")

    @field_validator("channel")
    @classmethod
    def _channels(cls, values: list[str]) -> list[str]:
        return _known(values, CHANNELS, "channel")


def _known(
    values: list[str], allowed: tuple[str, ...], what: str, *, keyed_by_value: bool = False
) -> list[str]:
    """Refuse values outside the model's vocabulary, naming the nearest valid one."""
    for i, value in enumerate(values):
        if value not in allowed:
            raise KeyedError(
                f"unknown {what} {value!r}",
                key=(value,) if keyed_by_value else (i,),
                fix=f"{did_you_mean(value, allowed)}valid: {', '.join(allowed)}",
            )
    return values


class SlaTargets(_Model):
    first_response: Seconds | None = None
    next_reply: Seconds | None = None
    periodic_update: Seconds | None = None
    resolution: Seconds | None = None


class SlaPolicy(_Model):
    name: str
    match: SlaMatch = Field(default_factory=SlaMatch)
    targets: SlaTargets
    time: Literal["business", "calendar"] = "business"
    schedule: str | None = None
    pause_on: list[str] = Field(default_factory=lambda: ["pending"])

    @field_validator("pause_on")
    @classmethod
    def _statuses(cls, values: list[str]) -> list[str]:
        return _known(values, STATUSES, "status")

    def matches(
        self,
        *,
        priority: str | None,
        channel: str | None,
        type: str | None,
        customer_tier: str | None,
    ) -> bool:
        m = self.match
        return all(
            not allowed or value in allowed
            for allowed, value in (
                (m.priority, priority),
                (m.channel, channel),
                (m.type, type),
                (m.customer_tier, customer_tier),
            )
        )


def _default_policies() -> list[SlaPolicy]:
    rows = (
        ("urgent", 3600.0, 4 * 3600.0, 8 * 3600.0),
        ("high", 4 * 3600.0, 8 * 3600.0, 2 * 86400.0),
        ("normal", 8 * 3600.0, 86400.0, 3 * 86400.0),
        ("low", 86400.0, 2 * 86400.0, 5 * 86400.0),
    )
    return [
        SlaPolicy(
            name=name,
            match=SlaMatch(priority=[name]),
            targets=SlaTargets(first_response=fr, next_reply=nr, resolution=res),
        )
        for name, fr, nr, res in rows
    ]


class SlaSettings(_Model):
    at_risk_horizon: Seconds = 2 * 3600.0
    policies: list[SlaPolicy] = Field(default_factory=_default_policies)

    @field_validator("policies")
    @classmethod
    def _unique(cls, policies: list[SlaPolicy]) -> list[SlaPolicy]:
        names = [p.name for p in policies]
        for name in names:
            if names.count(name) > 1:
                raise KeyedError(
                    f"two policies are named {name!r}",
                    key=(names.index(name, names.index(name) + 1), "name"),
                    fix="give each policy a unique name",
                )
        return policies


class BenchmarkTiers(_Model):
    satisfactory: Seconds
    good: Seconds
    excellent: Seconds

    @_model_validator(mode="after")
    def _ordered(self) -> BenchmarkTiers:
        if not self.excellent <= self.good <= self.satisfactory:
            raise KeyedError(
                "the limits are out of order (excellent <= good <= satisfactory)",
                fix="excellent is the shortest limit, satisfactory the longest",
            )
        return self


def _default_benchmarks() -> dict[str, BenchmarkTiers]:
    h, m = 3600.0, 60.0
    return {
        "email": BenchmarkTiers(satisfactory=12 * h, good=4 * h, excellent=h),
        "social": BenchmarkTiers(satisfactory=2 * h, good=h, excellent=15 * m),
        "chat": BenchmarkTiers(satisfactory=h, good=5 * m, excellent=m),
    }


def _default_schedules() -> dict[str, ScheduleConfig]:
    return {"default": ScheduleConfig()}


class Config(_Model):
    """The whole configuration. Every section has defaults; an empty file is valid."""

    source: SourceSettings = Field(default_factory=SourceSettings)
    schedules: dict[str, ScheduleConfig] = Field(default_factory=_default_schedules)
    schedule_for: ScheduleFor = Field(default_factory=ScheduleFor)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    benchmarks: dict[str, BenchmarkTiers] = Field(default_factory=_default_benchmarks)
    signals: SignalSettings = Field(default_factory=SignalSettings)

    @field_validator("schedules")
    @classmethod
    def _with_default(cls, schedules: dict[str, ScheduleConfig]) -> dict[str, ScheduleConfig]:
        if "default" not in schedules:
            return {"default": ScheduleConfig(), **schedules}
        return schedules

    @field_validator("benchmarks")
    @classmethod
    def _benchmark_channels(cls, tiers: dict[str, BenchmarkTiers]) -> dict[str, BenchmarkTiers]:
        _known(list(tiers), CHANNELS, "channel", keyed_by_value=True)
        return tiers

    @_model_validator(mode="after")
    def _schedule_names(self) -> Config:
        known = set(self.schedules)
        defined = ", ".join(sorted(known))
        for kind in ("channel", "team", "customer_tier"):
            for value, name in getattr(self.schedule_for, kind).items():
                if name not in known:
                    raise KeyedError(
                        f"schedule {name!r} is not defined",
                        key=("schedule_for", kind, value),
                        fix=f"define [schedules.{name}] or use one of: {defined}",
                    )
        for i, policy in enumerate(self.sla.policies):
            if policy.schedule is not None and policy.schedule not in known:
                raise KeyedError(
                    f"schedule {policy.schedule!r} is not defined",
                    key=("sla", "policies", i, "schedule"),
                    fix=f"define [schedules.{policy.schedule}] or use one of: {defined}",
                )
        return self

    def fingerprint(self) -> str:
        """A stable short hash of the configuration, so results can name what made them."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_config() -> Config:
    return Config()


def _field_names() -> list[str]:
    names: set[str] = set()
    models: list[type[BaseModel]] = [
        Config, SourceSettings, ScheduleConfig, ScheduleFor, KpiSettings, SlaSettings,
        SlaPolicy, SlaMatch, SlaTargets, BenchmarkTiers, SignalSettings,
        _signals.EscalationSettings, _signals.VolumeSettings, _signals.GamingSettings,
        _signals.QualitySettings, _signals.WorkflowSettings, _signals.RatchetSettings,
        _signals.SurgeSettings,
    ]  # fmt: skip
    for model in models:
        names.update(model.model_fields)
    return sorted(names | set(WEEKDAYS))


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


_FIXES = {
    "missing": "add this key",
    "literal_error": "use one of the values named",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD, e.g. 2026-12-31",
    "date_parsing": "write dates as YYYY-MM-DD, e.g. 2026-12-31",
    "date_type": "write dates as YYYY-MM-DD, e.g. 2026-12-31",
    "string_type": "write a text in double quotes",
    "list_type": 'write a list in brackets, e.g. ["a", "b"]',
    "dict_type": "write a table ([section] or { key = value })",
    "model_type": "write a table ([section] or { key = value })",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "greater_than": "use a larger number",
    "less_than": "use a smaller number",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
}


def _config_error(exc: ValidationError, file: str | None) -> ConfigError:
    """The first problem as a ``ConfigError`` naming the key path and a fix."""
    errors = exc.errors()
    first = errors[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p))
    cause = (first.get("ctx") or {}).get("error")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    more = more if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        key = _key_path(loc)
        unknown = str(loc[-1]) if loc else key
        near = _nearest(unknown, _field_names())
        hint = f"did you mean {near!r}?" if near else "remove it (see docs/configuration.md)"
        return ConfigError(
            f"unknown key {unknown!r}{more}", where=Location(file=file, key=key), fix=hint
        )
    fix: str | None
    if isinstance(cause, KeyedError):
        loc = loc + cause.key
        message, fix = str(cause), cause.fix
    else:
        message = str(first["msg"]).removeprefix("Value error, ")
        fix = _FIXES.get(first["type"])
        if "is not a duration" in message:
            message = message.split(" (write")[0]
            fix = "write seconds, or text such as '90s', '30m', '4h', '1h30m', '2d'"
    section = str(loc[0]) if loc else "the sections"
    fix = fix or f"see '{section}' in docs/configuration.md"
    key = _key_path(loc)
    return ConfigError(f"{message}{more}", where=Location(file=file, key=key or None), fix=fix)


def parse_config(data: dict[str, Any], *, file: str | None = None) -> Config:
    """Validate already-parsed TOML data."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, file) from None


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or ``./supportkpi.toml`` when it exists, else the defaults)."""
    if path is None:
        if not Path(DEFAULT_CONFIG_FILE).is_file():
            return default_config()
        path = DEFAULT_CONFIG_FILE
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            "config file not found",
            where=Location(file=str(file)),
            fix="check the path, or write one with 'supportkpi config init'",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            "config file is not UTF-8 text", where=Location(file=str(file)), fix="save as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        what = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(
            f"not valid TOML: {what}",
            where=Location(file=str(file), line=line),
            fix="check quotes, brackets and '=' on that line",
        ) from None
    return parse_config(data, file=str(file))
