"""Runs every ``bench/bench_*.py`` module's ``run(args)`` in name order.

``make bench`` runs them all; ``python -m bench simulate kpis`` runs those whose name
contains one of the words. ``BENCH_DIR`` (default ``bench-data/``) holds generated data, so
later benchmarks reuse what earlier ones generated.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [a for a in argv if not a.startswith("-")]
    if wanted:
        names = [n for n in names if any(w in n for w in wanted)]
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name} ===", flush=True)
        module.run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
