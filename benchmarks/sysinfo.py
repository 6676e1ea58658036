"""The hardware and software a benchmark ran on, for the results and the docs page."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path


def describe_machine(root: Path, doctor_python: str = sys.executable) -> dict:
    """Return CPU, cores, RAM, OS, Python and the file systems of the machine root and /."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(_mem_total_kib() / 2**20, 1),
        "os": platform.platform(),
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({doctor_python})",
        "root_filesystem": _filesystem_of(root),
        "system_disk": _filesystem_of(Path("/")),
        "doctor_revision": doctor_revision(Path(__file__).resolve().parent.parent),
    }


def doctor_revision(repository: Path) -> str:
    """Return the commit of the doctor's checkout, with "+changes" when files differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repository,
                                capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "jupyter_envdoctor"],
                                 cwd=repository, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+changes" if changed.strip() else commit


def _cpu_model() -> str:
    for line in _read_lines("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_kib() -> int:
    for line in _read_lines("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def _filesystem_of(path: Path) -> str:
    """Return "device type" of the mount that contains ``path``, from /proc/mounts."""
    real = os.path.realpath(path)
    best = ("", "unknown", "unknown")
    for line in _read_lines("/proc/mounts"):
        device, mount_point, kind = line.split()[:3]
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best[0]):
            best = (mount_point, device, kind)
    mount_point, device, kind = best
    return f"{device} ({kind}) at {mount_point}"


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read().splitlines()
    except OSError:
        return []
