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
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from supportkpi.errors import ConfigError, Location
from supportkpi.model.schema import CHANNELS, PRIORITIES, STATUSES
from supportkpi.policy.durations import parse_duration

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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Berlin' or 'UTC')"
        ) from None
    return name


class SourceSettings(_Model):
    timezone: str = "UTC"
    language: Literal["en", "ru"] = "en"

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))


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
                raise ValueError(f"unknown day {day!r} (use {', '.join(WEEKDAYS)})")
            for text in intervals:
                match = _INTERVAL.match(text)
                if not match:
                    raise ValueError(f"{day}: {text!r} is not an interval like '09:00-17:00'")
                if match.group(3) == "24" and match.group(4) != "00":
                    raise ValueError(f"{day}: {text!r} ends after 24:00")
                if text[:5] == text[6:]:
                    raise ValueError(f"{day}: {text!r} is empty")
        return week

    @_model_validator(mode="after")
    def _holidays(self) -> ScheduleConfig:
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holiday_subdivision needs holiday_country")
        if self.holiday_country:
            import holidays

            try:
                holidays.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision, years=2026
                )
            except NotImplementedError:
                raise ValueError(
                    f"no public holidays known for country {self.holiday_country!r}"
                    f" subdivision {self.holiday_subdivision!r} (use an ISO code such as 'DE')"
                ) from None
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


def _known(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    for value in values:
        if value not in allowed:
            near = difflib.get_close_matches(value, allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ValueError(f"unknown {what} {value!r}{hint}; valid: {', '.join(allowed)}")
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
                raise ValueError(f"two policies are named {name!r}; give each a unique name")
        return policies


class BenchmarkTiers(_Model):
    satisfactory: Seconds
    good: Seconds
    excellent: Seconds

    @_model_validator(mode="after")
    def _ordered(self) -> BenchmarkTiers:
        if not self.excellent <= self.good <= self.satisfactory:
            raise ValueError("tiers must satisfy excellent <= good <= satisfactory")
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

    @field_validator("schedules")
    @classmethod
    def _with_default(cls, schedules: dict[str, ScheduleConfig]) -> dict[str, ScheduleConfig]:
        if "default" not in schedules:
            return {"default": ScheduleConfig(), **schedules}
        return schedules

    @field_validator("benchmarks")
    @classmethod
    def _benchmark_channels(cls, tiers: dict[str, BenchmarkTiers]) -> dict[str, BenchmarkTiers]:
        _known(list(tiers), CHANNELS, "channel")
        return tiers

    @_model_validator(mode="after")
    def _schedule_names(self) -> Config:
        known = set(self.schedules)
        for kind in ("channel", "team", "customer_tier"):
            for value, name in getattr(self.schedule_for, kind).items():
                if name not in known:
                    raise ValueError(
                        f"schedule_for.{kind}.{value} names schedule {name!r}, which is not "
                        f"defined (defined: {', '.join(sorted(known))})"
                    )
        for policy in self.sla.policies:
            if policy.schedule is not None and policy.schedule not in known:
                raise ValueError(
                    f"policy {policy.name!r} names schedule {policy.schedule!r}, which is not "
                    f"defined (defined: {', '.join(sorted(known))})"
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
        SlaPolicy, SlaMatch, SlaTargets, BenchmarkTiers,
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


def _config_error(exc: ValidationError, file: str | None) -> ConfigError:
    first = exc.errors()[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p))
    key = _key_path(loc)
    if first["type"] == "extra_forbidden":
        unknown = str(loc[-1]) if loc else key
        near = difflib.get_close_matches(unknown, _field_names(), n=1)
        fix = f"did you mean {near[0]!r}?" if near else "remove it (see docs/configuration.md)"
        return ConfigError(f"unknown key {unknown!r}", where=Location(file=file, key=key), fix=fix)
    message = str(first["msg"]).removeprefix("Value error, ")
    return ConfigError(
        message,
        where=Location(file=file, key=key or None),
        fix="see docs/configuration.md for the allowed values",
    )


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
