"""The canonical tables as Ibis expressions: what the KPI engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis

__all__ = ["Inputs"]


@dataclass(frozen=True)
class Inputs:
    """The four canonical tables on one backend (columns as in ``supportkpi.model``)."""

    tickets: ibis.Table
    events: ibis.Table
    contacts: ibis.Table
    agents: ibis.Table

    @classmethod
    def from_backend(cls, con: Any) -> Inputs:
        """Read the canonical tables of a connected Ibis backend (tables named as the model)."""
        return cls(
            tickets=con.table("tickets"),
            events=con.table("events"),
            contacts=con.table("contacts"),
            agents=con.table("agents"),
        )
