"""A columnar buffer of ticket events, filled block by block with numpy arrays.

Blocks are appended in the order things happen in a ticket's life; the buffer is sorted
by (ticket, time, insertion order) at the end, so events of one instant keep their logical
order. Strings (ids, vocabularies) are built only when the day is turned into Arrow.

A block keeps only the fields it was given (scalars stay scalars); the columns are laid
out once, at the end, with each missing field at its default. The sort is one ``np.sort``
of packed int64 keys (ticket rank, time, insertion index), several times faster than a
three-key ``lexsort``; the insertion index in the low bits makes every key unique, so the
order is the same whatever the sorting algorithm.
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


def _bits(top: int) -> int:
    """Bits needed for the values ``0 .. top``."""
    return max(int(top), 0).bit_length()


class EventBuffer:
    """Collects event blocks; ``columns()`` returns them concatenated and sorted."""

    def __init__(self) -> None:
        self._blocks: list[tuple[int, dict[str, Any]]] = []

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
        unknown = set(values) - set(_FIELDS)
        if unknown:
            raise ValueError(f"unknown event fields {sorted(unknown)}")
        given: dict[str, Any] = {
            "ticket": ticket,
            "at": np.asarray(at).astype(np.int64),
            "kind": KIND[kind],
            "role": ROLE[role],
            **values,
        }
        for name, value in given.items():
            if np.ndim(value) and len(value) != n:
                raise ValueError(f"event field {name} has {len(value)} values for {n} events")
        self._blocks.append((n, given))

    def _column(self, name: str) -> npt.NDArray[Any]:
        """One field over all blocks, in insertion order."""
        dtype, default = _FIELDS[name]
        total = sum(n for n, _ in self._blocks)
        out = np.empty(total, dtype=dtype)
        start = 0
        for n, given in self._blocks:
            value = given.get(name, default)
            if value is None:
                raise ValueError(f"event field {name} is required")
            out[start : start + n] = value
            start += n
        return out

    def columns(
        self, until: int, rank: npt.NDArray[np.int64] | None = None
    ) -> dict[str, npt.NDArray[Any]]:
        """All events up to ``until`` (epoch seconds, exclusive), sorted per ticket.

        Tickets are ordered by ``rank[ticket]`` when given (by their index otherwise), then
        by time, then by the order the events were added.
        """
        if not self._blocks:
            return {name: np.empty(0, dtype=dtype) for name, (dtype, _) in _FIELDS.items()}
        ticket = self._column("ticket")
        at = self._column("at")
        kept = np.flatnonzero(at < until)
        everything = len(kept) == len(at)  # most days: no event after the period
        t_key = ticket if everything else ticket[kept]
        t_key = t_key if rank is None else np.asarray(rank, np.int64)[t_key]
        a_key = at if everything else at[kept]
        order = kept
        if len(kept):
            a_key = a_key - a_key.min()
            t_key = t_key - t_key.min()
            i_bits = _bits(len(ticket) - 1)
            a_bits = _bits(int(a_key.max()))
            if _bits(int(t_key.max())) + a_bits + i_bits <= 63:
                packed = (t_key << (a_bits + i_bits)) | (a_key << i_bits) | kept
                order = np.sort(packed) & ((1 << i_bits) - 1)
            else:  # too wide to pack: the slower three-key sort, same order
                order = kept[np.lexsort((kept, a_key, t_key))]
        out = {"ticket": ticket[order], "at": at[order]}
        for name in _FIELDS:
            if name not in out:
                out[name] = self._column(name)[order]
        return out
