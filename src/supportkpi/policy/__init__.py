"""The configuration (``supportkpi.toml``) and the rules that apply it to data."""

from supportkpi.policy.config import (
    DEFAULT_CONFIG_FILE,
    BenchmarkTiers,
    Config,
    KpiSettings,
    ScheduleConfig,
    SlaPolicy,
    SlaTargets,
    default_config,
    load_config,
    parse_config,
)
from supportkpi.policy.durations import format_duration, parse_duration
from supportkpi.policy.rules import GRADES, Grade, grade, match_policy, policy_case, schedule_case

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "GRADES",
    "BenchmarkTiers",
    "Config",
    "Grade",
    "KpiSettings",
    "ScheduleConfig",
    "SlaPolicy",
    "SlaTargets",
    "default_config",
    "format_duration",
    "grade",
    "load_config",
    "match_policy",
    "parse_config",
    "parse_duration",
    "policy_case",
    "schedule_case",
]
