"""Running a benchmark step in a child process and measuring its peak memory.

A child process keeps each measurement's memory apart from the parent's; its resident set
is sampled every 20 ms while it runs.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil


def run_child(args: list[str], *, cwd: Path | None = None, what: str = "child") -> tuple[str, int]:
    """Run ``python args...``; return (its standard output, its peak RSS in bytes)."""
    child = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        proc = psutil.Process(child.pid)
        while not done.is_set():
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"benchmark {what} failed:\n{stderr[-3000:]}")
    return stdout, peak
