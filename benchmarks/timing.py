"""Timing a command: wall time and peak RSS of one child process, and the statistics of runs."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One timed run: wall seconds, peak RSS in KiB (0 when not measured) and exit code."""

    seconds: float
    max_rss_kib: int = 0
    exit_code: int = 0


@dataclass
class Measurement:
    """The runs of one row of the result table."""

    name: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    def summary(self) -> dict:
        if not self.runs:
            return {"name": self.name, "runs": 0, "note": self.note}
        rss = max(run.max_rss_kib for run in self.runs)
        return {
            "name": self.name,
            "runs": len(self.runs),
            "median_s": statistics.median(self.seconds),
            "min_s": min(self.seconds),
            "max_s": max(self.seconds),
            "peak_rss_mb": round(rss / 1024, 1) if rss else None,
            "exit_codes": sorted({run.exit_code for run in self.runs}),
            "note": self.note,
        }


def run_command(argv: list[str], environ: dict[str, str], cwd: Path,
                stdout_path: Path | None = None, timeout: float = 600) -> Run:
    """Run ``argv`` with exactly ``environ``; return its wall time and peak RSS.

    The peak RSS comes from wait4() on this child, so it is the largest resident size of
    the child and of the processes it waited for (probes), not their sum.
    """
    with open(stdout_path or os.devnull, "wb") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=environ, cwd=cwd, stdout=stdout,
                                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        _, status, usage = _wait(process, timeout)
        seconds = time.perf_counter() - started
    return Run(seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status))


def _wait(process: subprocess.Popen, timeout: float):
    # A blocking wait4 returns as soon as the child ends; polling would add its interval.
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    try:
        pid, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    # Popen must not wait for the pid that wait4 reaped.
    process.returncode = os.waitstatus_to_exitcode(status)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        raise TimeoutError(f"{process.args[0]} was killed after {timeout} s")
    return pid, status, usage
