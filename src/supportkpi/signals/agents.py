"""Per-agent trailing windows, shared by the gaming and quality detectors.

Detectors count facts per agent and UTC hour in the engine, each fact at the instant it
became known (a solve at its solve, a reopen at the reopen, a parking at the status
change). Here every hour that ends by the analysis end is judged on the trailing
``window_days`` x 24 hours that end with it, so a signal is raised at the end of the first
hour whose window crosses the rule: the earliest whole hour at which the data seen so far
shows the pattern (at most an hour after the fact that tipped it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from supportkpi.signals.context import Context

__all__ = ["agent_teams", "flagged_runs", "trailing", "window_bounds"]

HOUR = pd.Timedelta(hours=1)


def agent_teams(ctx: Context) -> dict[str, str]:
    """agent_id -> team, from the agents table (agents without a team are left out)."""
    a = ctx.inputs.agents
    frame = a.filter(a.team.notnull()).select("agent_id", "team").to_pandas()
    return {str(r["agent_id"]): str(r["team"]) for r in frame.to_dict("records")}


def trailing(
    ctx: Context, hourly: pd.DataFrame, columns: Sequence[str], window_days: int
) -> pd.DataFrame:
    """Sums of ``columns`` per agent over the trailing ``window_days`` x 24 hours, for
    every hour that has ended by ``until`` from the agent's first fact on (columns
    agent_id, end: the UTC instant the window ends, *columns)."""
    if hourly.empty:
        return pd.DataFrame(columns=["agent_id", "end", *columns])
    frame = hourly.groupby(["agent_id", "hour"])[list(columns)].sum()
    last = pd.Timestamp(ctx.until).floor("h") - HOUR
    hours = pd.date_range(frame.index.get_level_values("hour").min(), last, freq="h")
    parts = []
    for agent, rows in frame.groupby(level="agent_id", sort=True):
        rows = rows.droplevel("agent_id").reindex(hours, fill_value=0)
        summed = rows.rolling(window_days * 24, min_periods=1).sum()
        first = rows.index[(rows != 0).any(axis=1)].min()
        summed = summed[summed.index >= first]
        ends = summed.index + HOUR
        parts.append(summed.reset_index(drop=True).assign(agent_id=str(agent), end=ends))
    if not parts:
        return pd.DataFrame(columns=["agent_id", "end", *columns])
    out: pd.DataFrame = pd.concat(parts, ignore_index=True)[["agent_id", "end", *columns]]
    return out


def flagged_runs(judged: pd.DataFrame, gap_hours: int = 48) -> list[tuple[str, pd.DataFrame]]:
    """Flagged hours of one agent at most ``gap_hours`` apart form one signal."""
    out: list[tuple[str, pd.DataFrame]] = []
    for agent, rows in judged[judged["flag"]].groupby("agent_id", sort=True):
        rows = rows.sort_values("end")
        start = 0
        ends = list(rows["end"])
        for i in range(1, len(ends) + 1):
            if i == len(ends) or ends[i] - ends[i - 1] > pd.Timedelta(hours=gap_hours + 1):
                out.append((str(agent), rows.iloc[start:i]))
                start = i
    return out


def window_bounds(run: pd.DataFrame, window_days: int) -> tuple[datetime, datetime]:
    """The instants covered by a run of judged hours (the first hour's trailing window
    start to the last hour's end)."""
    first = pd.Timestamp(run.iloc[0]["end"]).to_pydatetime()
    last = pd.Timestamp(run.iloc[-1]["end"]).to_pydatetime()
    return first - timedelta(days=window_days), last
