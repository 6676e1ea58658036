"""The I/O floor: open and read every file the doctor reads, without parsing any of it.

The list comes from a doctor report of the machine: every kernel.json in its kernel dirs,
and for each environment that a visible kernel runs, conda-meta's records and history and
the metadata files of every dist-info in its site dirs and in the user site. The files are
read once untimed so that the page cache is warm, then timed in this process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from timing import Measurement, Run

# The dist-info files the doctor opens (distributions.py reads them with importlib.metadata).
DIST_INFO_FILES = ("METADATA", "RECORD", "INSTALLER", "direct_url.json", "top_level.txt")
CONDA_META_FILES = ("history", "pinned", "state")


def files_the_doctor_reads(report: dict, home: Path) -> list[str]:
    """Return the paths of the files the doctor reads for ``report``, existing ones only."""
    paths = []
    for kernel_dir in report["server"]["kernel_dirs"]:
        paths += _kernel_specs(kernel_dir)
    paths.append(str(home / ".conda" / "environments.txt"))
    user_site = home / ".local" / "lib" / "python3.11" / "site-packages"
    for env in report["environments"]:
        if not env["kernels"]:
            continue
        prefix = Path(env["prefix"])
        paths += _conda_meta(prefix / "conda-meta")
        for site_dir in sorted(prefix.glob("lib/python*/site-packages")) + [user_site]:
            paths += _metadata_files(site_dir)
    return [path for path in paths if os.path.isfile(path)]


def _kernel_specs(kernel_dir: str) -> list[str]:
    try:
        names = sorted(os.listdir(kernel_dir))
    except OSError:
        return []
    return [os.path.join(kernel_dir, name, "kernel.json") for name in names]


def _conda_meta(folder: Path) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [str(folder / n) for n in names if n.endswith(".json") or n in CONDA_META_FILES]


def _metadata_files(site_dir: Path) -> list[str]:
    try:
        names = sorted(os.listdir(site_dir))
    except OSError:
        return []
    paths = []
    for name in names:
        if name.endswith(".dist-info"):
            paths += [str(site_dir / name / f) for f in DIST_INFO_FILES]
        elif name.endswith((".pth", ".egg-link")):
            paths.append(str(site_dir / name))
    return paths


def read_all(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as stream:
            total += len(stream.read())
    return total


def time_io_floor(report: dict, home: Path, runs: int) -> tuple[Measurement, dict]:
    """Time reading the doctor's files ``runs`` times after one warm-up pass."""
    paths = files_the_doctor_reads(report, home)
    size = read_all(paths)
    measurement = Measurement("I/O floor (warm page cache)",
                              note=f"{len(paths)} files, {size / 2**20:.0f} MiB, read in this process")
    for _ in range(runs):
        started = time.perf_counter()
        read_all(paths)
        measurement.runs.append(Run(time.perf_counter() - started))
    return measurement, {"files": len(paths), "bytes": size}
