"""A columnar buffer of ticket events, filled block by block with numpy arrays.

Blocks are appended in the order things happen in a ticket's life; the buffer is sorted
by (ticket, time, insertion order) at the end, so events of one instant keep their logical
order. Strings (ids, vocabularies) are built only when the day is turned into Arrow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["KIND", "ROLE", "STATUS", "EventBuffer"]

KIND = {k: i for i, k in enumerate(
    ("message", "note", "status", "priority", "assignment", "escalation", "promise", "work",
     "rating", "confirmation")
)}  # fmt: skip
ROLE = {"customer": 0, "agent": 1, "bot": 2, "system": 3}
STATUS = {s: i for i, s in enumerate(("new", "open", "pending", "on_hold", "solved", "closed"))}

_FIELDS: dict[str, tuple[Any, Any]] = {
    "ticket": (np.int64, None),
    "at": (np.int64, None),
    "kind": (np.int8, None),
    "role": (np.int8, None),
    "actor": (np.int64, -1),
    "public": (np.int8, -1),
    "status": (np.int8, -1),
    "priority": (np.int8, -1),
    "team": (np.int8, -1),
    "assignee": (np.int64, -1),
    "escalated_to": (np.int8, -1),
    "promised_at": (np.int64, -1),
    "work_seconds": (np.float64, np.nan),
    "rating": (np.int8, -1),
}


class EventBuffer:
    """Collects event blocks; ``columns()`` returns them concatenated and sorted."""

    def __init__(self) -> None:
        self._blocks: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in _FIELDS}

    def add(
        self,
        ticket: npt.NDArray[np.int64],
        at: npt.NDArray[Any],
        kind: str,
        role: str,
        **values: npt.NDArray[Any] | int | float,
    ) -> None:
        n = len(ticket)
        if n == 0:
            return
        given: dict[str, Any] = {
            "ticket": ticket,
            "at": np.asarray(at).astype(np.int64),
            "kind": KIND[kind],
            "role": ROLE[role],
            **values,
        }
        for name, (dtype, default) in _FIELDS.items():
            value = given.get(name, default)
            if name not in given and default is None:
                raise ValueError(f"event field {name} is required")
            self._blocks[name].append(np.broadcast_to(np.asarray(value, dtype=dtype), n))

    def columns(self, until: int) -> dict[str, npt.NDArray[Any]]:
        """All events up to ``until`` (epoch seconds, exclusive), sorted per ticket."""
        if not self._blocks["ticket"]:
            return {name: np.empty(0, dtype=dtype) for name, (dtype, _) in _FIELDS.items()}
        cols = {name: np.concatenate(parts) for name, parts in self._blocks.items()}
        keep = cols["at"] < until
        order = np.flatnonzero(keep)
        sub = np.lexsort((order, cols["at"][order], cols["ticket"][order]))
        order = order[sub]
        return {name: col[order] for name, col in cols.items()}
