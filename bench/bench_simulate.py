"""Simulator speed and memory: tickets/s, events/s and peak resident memory.

Each size runs in a child process (``python -m bench.bench_simulate --child ...``) so that
its peak memory is the child's own (``resource.getrusage(RUSAGE_CHILDREN)``). Outputs are
kept in ``BENCH_DIR`` (default ``bench-data/``) as ``sim-1m/`` and ``sim-10m/`` for other
benchmarks; an existing output is regenerated only with ``--force``. Targets: at least
100k tickets/s (events and contacts included) and 10M tickets under 4 GiB.
``--quick`` runs 1M tickets only. Besides the wall time it prints the child's CPU seconds
(all threads, and the simulating main thread alone), which stay comparable when other work
loads the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GIB = 1024**3
DAYS = 90
SIZES = {"sim-1m": 1_000_000, "sim-10m": 10_000_000}


def _child(out: str, tickets: int) -> None:
    from supportkpi.simulate import simulate

    began = time.perf_counter()
    cpu = time.process_time()
    main = time.thread_time()
    # customer requests per day; answered contacts, outbound and split tickets add ~0 net
    result = simulate(out, days=DAYS, tickets_per_day=tickets / DAYS * 1.06, seed=0,
                      scenarios=["defect", "outage", "sloppy"])  # fmt: skip
    seconds = time.perf_counter() - began
    print(json.dumps({"tickets": result.tickets, "events": result.events,
                      "contacts": result.contacts, "seconds": seconds,
                      "cpu": time.process_time() - cpu,
                      "main_cpu": time.thread_time() - main}))  # fmt: skip


def run(argv: list[str]) -> None:
    if "--child" in argv:
        i = argv.index("--child")
        _child(argv[i + 1], int(argv[i + 2]))
        return
    base = Path(os.environ.get("BENCH_DIR", "bench-data"))
    base.mkdir(parents=True, exist_ok=True)
    names = ["sim-1m"] if "--quick" in argv else ["sim-1m", "sim-10m"]
    for name in names:
        out = base / name
        if (out / "truth.json").exists() and "--force" not in argv:
            print(f"{name}: cached in {out} (pass --force to regenerate and time it)")
            continue
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.run(
            [sys.executable, "-m", "bench.bench_simulate", "--child", str(out), str(SIZES[name])],
            check=True,
            capture_output=True,
            text=True,
        )
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        secs = figures["seconds"]
        note = "" if peak > before * 1024 else " (peak of an earlier child)"
        print(
            f"{name}: {figures['tickets']:,} tickets, {figures['events']:,} events, "
            f"{figures['contacts']:,} contacts in {secs:.1f} s = "
            f"{figures['tickets'] / secs:,.0f} tickets/s, {figures['events'] / secs:,.0f} "
            f"events/s; peak RSS {peak / GIB:.2f} GiB{note}"
        )
        # CPU seconds hardly move with other load on the machine, unlike the wall clock: the
        # main thread simulates, a second one writes Parquet, so on two free cores the wall
        # time is about the larger of the two
        cpu, main = figures["cpu"], figures["main_cpu"]
        print(f"  cpu {cpu:.1f} s (main thread {main:.1f} s, writer and others {cpu - main:.1f} s)")
        ok_speed = figures["tickets"] / secs >= 100_000
        ok_mem = peak < 4 * GIB
        print(f"  targets: >= 100k tickets/s {'met' if ok_speed else 'NOT met'}; "
              f"< 4 GiB {'met' if ok_mem else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    run(sys.argv[1:])
