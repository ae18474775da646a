"""The event buffer: defaults for fields a block leaves out, and the per-ticket sort.

The sort packs (ticket rank, time, insertion index) into one int64 key when the three fit
in 63 bits and falls back to a three-key lexsort otherwise; both must give the same order:
by ticket rank, then time, then the order the events were added.
"""

from __future__ import annotations

import numpy as np
import pytest

from supportkpi.simulate.events import KIND, ROLE, STATUS, EventBuffer


def _buffer(base: int) -> EventBuffer:
    ev = EventBuffer()
    # ticket 0: request at base+10, then an agent reply at the same instant (added later)
    ev.add(np.array([0, 1, 2]), np.array([base + 10, base + 5, base + 7]), "message", "customer",
           actor=np.array([100, 101, 102]), public=1)  # fmt: skip
    ev.add(np.array([0, 2]), np.array([base + 10, base + 3]), "status", "agent",
           actor=np.array([7, 8]), status=STATUS["open"])  # fmt: skip
    ev.add(np.array([1]), np.array([base + 99]), "work", "agent", actor=np.array([9]),
           work_seconds=np.array([12.5]))  # fmt: skip
    return ev


@pytest.mark.parametrize("base", [1_700_000_000, 0])
def test_sorted_by_rank_then_time_then_insertion(base: int) -> None:
    # rank: ticket 2 first, then 0, then 1
    cols = _buffer(base).columns(until=base + 1000, rank=np.array([1, 2, 0]))
    assert cols["ticket"].tolist() == [2, 2, 0, 0, 1, 1]
    assert (cols["at"] - base).tolist() == [3, 7, 10, 10, 5, 99]
    kinds = ("status", "message", "message", "status", "message", "work")
    assert cols["kind"].tolist() == [KIND[k] for k in kinds]
    roles = ("agent", "customer", "customer", "agent", "customer", "agent")
    assert cols["role"].tolist() == [ROLE[r] for r in roles]
    assert cols["actor"].tolist() == [8, 102, 100, 7, 101, 9]
    # fields a block did not give take their defaults
    assert cols["public"].tolist() == [-1, 1, 1, -1, 1, -1]
    assert cols["status"].tolist() == [1, -1, -1, 1, -1, -1]
    assert cols["rating"].tolist() == [-1] * 6
    assert np.isnan(cols["work_seconds"]).tolist() == [True] * 5 + [False]
    assert cols["work_seconds"][-1] == 12.5


def test_events_after_until_are_dropped_and_index_order_without_rank() -> None:
    cols = _buffer(0).columns(until=10)
    assert cols["ticket"].tolist() == [1, 2, 2]
    assert cols["at"].tolist() == [5, 3, 7]


def test_too_wide_keys_fall_back_to_the_same_order() -> None:
    ev = EventBuffer()
    far = 2**60  # time range alone needs 61 bits: no room for rank and insertion bits
    ev.add(np.array([1, 0, 1, 0]), np.array([far, 5, 0, 5]), "note", "agent",
           actor=np.array([10, 11, 12, 13]), public=0)  # fmt: skip
    cols = ev.columns(until=2**62)
    assert cols["ticket"].tolist() == [0, 0, 1, 1]
    assert cols["at"].tolist() == [5, 5, 0, far]
    assert cols["actor"].tolist() == [11, 13, 12, 10]


def test_required_and_unknown_fields_are_refused() -> None:
    ev = EventBuffer()
    with pytest.raises(ValueError, match="unknown event fields"):
        ev.add(np.array([0]), np.array([1]), "note", "agent", colour=1)
    with pytest.raises(ValueError, match="2 values for 1 events"):
        ev.add(np.array([0]), np.array([1]), "note", "agent", actor=np.array([1, 2]))
