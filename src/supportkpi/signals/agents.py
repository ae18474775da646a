"""Per-agent trailing windows, shared by the gaming and quality detectors.

Detectors count facts per agent and UTC hour in the engine, each fact at the instant it
became known (a solve at its solve, a reopen at the reopen, a parking at the status
change). Here the hours become local days; each day ending inside the analysis window is
judged on the trailing ``window_days`` days that end with it, so a signal is raised at the
end of the first day whose window crosses the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from supportkpi.signals.context import Context

__all__ = ["agent_teams", "flagged_runs", "trailing"]


def agent_teams(ctx: Context) -> dict[str, str]:
    """agent_id -> team, from the agents table (agents without a team are left out)."""
    a = ctx.inputs.agents
    frame = a.filter(a.team.notnull()).select("agent_id", "team").to_pandas()
    return {str(r["agent_id"]): str(r["team"]) for r in frame.to_dict("records")}


def trailing(
    ctx: Context, hourly: pd.DataFrame, columns: Sequence[str], window_days: int
) -> pd.DataFrame:
    """Sums of ``columns`` per agent over the trailing ``window_days`` local days, for
    every day that has ended by ``until`` (columns agent_id, day, end, *columns)."""
    if hourly.empty:
        return pd.DataFrame(columns=["agent_id", "day", "end", *columns])
    frame = hourly.assign(day=ctx.local_day(hourly["hour"]))
    daily = frame.groupby(["agent_id", "day"])[list(columns)].sum()
    first, last = (
        daily.index.get_level_values("day").min(),
        ctx.local_day(pd.Series([pd.Timestamp(ctx.until) - pd.Timedelta(seconds=1)])).iloc[0],
    )
    days = pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D")
    days = days.tz_localize(ctx.tz)
    agents = sorted(daily.index.get_level_values("agent_id").unique())
    full = pd.MultiIndex.from_product([agents, days], names=["agent_id", "day"])
    daily = daily.reindex(full, fill_value=0)
    parts = []
    for agent, rows in daily.groupby(level="agent_id", sort=True):
        summed = rows.droplevel("agent_id").rolling(window_days, min_periods=1).sum()
        parts.append(summed.reset_index().assign(agent_id=str(agent)))
    rolled = pd.concat(parts, ignore_index=True)
    rolled["end"] = [ctx.day_end(d) for d in rolled["day"]]
    out: pd.DataFrame = rolled[rolled["end"] <= pd.Timestamp(ctx.until)].reset_index(drop=True)
    return out


def flagged_runs(judged: pd.DataFrame, gap_days: int = 2) -> list[tuple[str, pd.DataFrame]]:
    """Flagged days of one agent at most ``gap_days`` apart form one signal."""
    out: list[tuple[str, pd.DataFrame]] = []
    for agent, rows in judged[judged["flag"]].groupby("agent_id", sort=True):
        rows = rows.sort_values("day")
        start = 0
        days = list(rows["day"])
        for i in range(1, len(days) + 1):
            if i == len(days) or (days[i] - days[i - 1]).days > gap_days + 1:
                out.append((str(agent), rows.iloc[start:i]))
                start = i
    return out


def window_bounds(ctx: Context, run: pd.DataFrame, window_days: int) -> tuple[datetime, datetime]:
    """The instants covered by a run of judged days (the first day's trailing window
    start to the last day's end)."""
    first_day = run.iloc[0]["day"]
    start = ctx.day_end(first_day - pd.Timedelta(days=window_days))
    return start, run.iloc[-1]["end"]
