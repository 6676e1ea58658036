"""One scan shared by every request: run in a worker thread, joined while in flight, cached.

NOTE: the cache is reused while none of the watched paths changes its stamp (modification
time in nanoseconds, size and inode, or "missing"). The watched paths are:

- each kernel dir of the server and of the last report, each folder in it and that folder's
  kernel.json, so adding, removing, renaming or rewriting a spec is seen;
- ``~/.conda/environments.txt`` and each ``extra_env_dirs`` folder, so a newly registered
  environment is seen;
- for each environment of the last report: its prefix, ``bin`` (``Scripts``),
  ``conda-meta`` and site-packages dirs, so that installing or removing a package or the
  interpreter is seen;
- the interpreter of each kernel;
- each environment file (environment.yml) that the last report checked.

Other changes are not seen until ``?refresh=1`` or a write through the API: a new venv in a
folder that is not watched (``~/.virtualenvs``, pyenv, ``.venv`` below the root dir), a
``.condarc`` edit, a package file rewritten in place, or a change within one tick of a file
system with coarse timestamps (FAT, some network shares). Stamps of the kernel dirs and of
the previous report's environments are taken before the scan, so a change during the scan
triggers a new scan. An environment first found by a scan is stamped after it, so a change
to it during that scan is missed.
"""

from __future__ import annotations

import asyncio
import glob
import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from ..discovery.stamps import Stamp, stamp
from ..report import Report

T = TypeVar("T")


@dataclass(frozen=True)
class WatchList:
    """The paths whose stamps decide whether a cached report is still current."""

    kernel_dirs: tuple[str, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class ScanResult:
    """A finished scan: the report, its JSON and the stamps to compare against.

    The JSON is made once per scan, so its ``generated`` is the time of the scan.
    """

    report: Report
    report_json: dict[str, Any]
    report_text: str
    generation: int
    watch: WatchList
    stamps: dict[str, Stamp]


class SharedScan:
    """Run ``make_report`` for every request that needs a report, at most once at a time.

    Requests that arrive while a scan runs wait for that scan. ``invalidate`` raises the
    generation, so that requests made after it wait for a scan that started after it. The
    handlers call it after every fix run, registration and undo, and ``refresh`` calls it.
    """

    def __init__(self, make_report: Callable[[], Report], fixed_watch: Callable[[], WatchList],
                 executor: Executor, log: logging.Logger) -> None:
        self._make_report = make_report
        self._fixed_watch = fixed_watch
        self._executor = executor
        self._log = log
        self._generation = 0
        self._cached: ScanResult | None = None
        self._task: asyncio.Future[ScanResult] | None = None
        # Number of scans started, which tests and logs use to show that requests share scans.
        self.scan_count = 0

    def invalidate(self) -> None:
        """Make the next request wait for a scan that starts after this call."""
        self._generation += 1

    async def result(self, refresh: bool = False) -> ScanResult:
        """Return a current scan result; with ``refresh``, one from a scan started now or later."""
        if refresh:
            self.invalidate()
        required = self._generation
        while True:
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._current_result())
            # shield: a request that goes away must not cancel the scan the others wait for.
            result = await asyncio.shield(self._task)
            if result.generation >= required:
                return result
            # That scan started before an invalidation this request must see: wait for the next.

    async def report(self, refresh: bool = False) -> Report:
        return (await self.result(refresh)).report

    async def _current_result(self) -> ScanResult:
        generation = self._generation
        cached = self._cached
        if cached is not None and cached.generation == generation:
            now = await self._run(take_stamps, cached.watch)
            changed = first_change(cached.stamps, now)
            if changed is None:
                # Cache hit: nothing watched changed since the last scan.
                return cached
            self._log.info("%s changed since the last scan; scanning again", changed)
            before = now
        else:
            # First scan, or invalidated: stamp what the previous report used, before scanning.
            previous = cached.report if cached is not None else None
            before = await self._run(take_stamps, self._watch_list(previous))

        self.scan_count += 1
        started = time.monotonic()
        report, data, text = await self._run(self._scan)
        watch = self._watch_list(report)
        stamps = await self._run(complete_stamps, watch, before)
        self._log.info("scan %d took %.1f s: %d kernels, %d environments, %d findings",
                       self.scan_count, time.monotonic() - started, len(report.snapshot.kernels),
                       len(report.snapshot.environments), len(report.findings))

        result = ScanResult(report, data, text, generation, watch, stamps)
        self._cached = result
        return result

    def _scan(self) -> tuple[Report, dict[str, Any], str]:
        report = self._make_report()
        data = report.to_json()
        # default=str as in `jupyter envdoctor --json`, for values json cannot encode.
        return report, data, json.dumps(data, default=str)

    def _watch_list(self, report: Report | None) -> WatchList:
        fixed = self._fixed_watch()
        if report is None:
            return fixed
        kernel_dirs = _unique([*fixed.kernel_dirs, *report.snapshot.server.kernel_dirs])
        return WatchList(tuple(kernel_dirs), tuple(_unique([*fixed.paths, *report_paths(report)])))

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)


def report_paths(report: Report) -> list[str]:
    """Return the environment folders, interpreters and environment files a report used."""
    paths: list[str] = []
    for env in report.snapshot.environments:
        prefix = env.prefix
        paths += [prefix, os.path.join(prefix, "bin"), os.path.join(prefix, "Scripts"),
                  os.path.join(prefix, "conda-meta"), os.path.join(prefix, "Lib", "site-packages")]
        paths += sorted(glob.glob(os.path.join(glob.escape(prefix), "lib", "python*", "site-packages")))
    paths += [k.interpreter for k in report.snapshot.kernels if k.interpreter]
    paths += [use.file.path for use in report.snapshot.environment_files]
    return paths


def take_stamps(watch: WatchList) -> dict[str, Stamp]:
    """Stamp every watched path, and each folder of each kernel dir with its kernel.json."""
    stamps: dict[str, Stamp] = {}
    for kernel_dir in watch.kernel_dirs:
        stamps[kernel_dir] = stamp(kernel_dir)
        for folder in _subfolders(kernel_dir):
            stamps[folder] = stamp(folder)
            spec = os.path.join(folder, "kernel.json")
            stamps[spec] = stamp(spec)
    for path in watch.paths:
        stamps[path] = stamp(path)
    return stamps


def complete_stamps(watch: WatchList, before: dict[str, Stamp]) -> dict[str, Stamp]:
    """Stamp ``watch``, keeping the stamps taken before the scan for paths that had one.

    An older stamp makes a change during the scan show up as a change at the next request.
    """
    now = take_stamps(watch)
    return {path: before.get(path, value) for path, value in now.items()}


def first_change(old: dict[str, Stamp], new: dict[str, Stamp]) -> str | None:
    """Return a path whose stamp differs, or that only one side has; None when all match."""
    for path in sorted(old.keys() | new.keys()):
        if old.get(path, "absent") != new.get(path, "absent"):
            return path
    return None


def _subfolders(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entry.path for entry in entries if entry.is_dir())
    except OSError:
        return []


def _unique(paths: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(paths))


__all__: Sequence[str] = ["ScanResult", "SharedScan", "Stamp", "WatchList", "first_change",
                          "report_paths", "stamp", "take_stamps"]
