"""Time report building inside one process, as the server extension does it.

run.py starts this script with the machine's environment (`env -i` and env.json), so the
doctor reads the machine's HOME and Jupyter dirs. The package is imported once; each timed
call is what the extension's worker thread runs per scan: EnvDoctor.report(), then the JSON
document and its text. Prints one JSON object with the runs of every scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mutate
from traitlets.config.loader import JSONFileConfigLoader

from jupyter_envdoctor.config import EnvDoctor
from jupyter_envdoctor.discovery.server import server_info
from jupyter_envdoctor.serverext.scanner import SharedScan, WatchList


def make_doctor(config_file: Path, use_cache: bool) -> EnvDoctor:
    """Return an EnvDoctor with the settings of the machine's jupyter_envdoctor_config.json."""
    config = JSONFileConfigLoader(config_file.name, str(config_file.parent)).load_config()
    doctor = EnvDoctor(config=config)
    doctor.use_cache = use_cache
    return doctor


def build_report(doctor: EnvDoctor) -> float:
    started = time.perf_counter()
    report = doctor.report()
    json.dumps(report.to_json(), default=str)
    return time.perf_counter() - started


def time_cold(doctor: EnvDoctor, cache_dir: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        shutil.rmtree(cache_dir, ignore_errors=True)
        times.append(build_report(doctor))
    return times


def time_changed(doctor: EnvDoctor, prefix: Path, runs: int) -> list[float]:
    build_report(doctor)
    times = []
    try:
        for _ in range(runs):
            mutate.toggle_package(prefix)
            times.append(build_report(doctor))
    finally:
        mutate.restore(prefix)
    return times


def time_shared_scan_hits(doctor: EnvDoctor, runs: int) -> list[float]:
    """Time the server's in-memory cache: a request when nothing watched changed."""
    log = logging.getLogger("benchmark")
    with ThreadPoolExecutor(2) as executor:
        scanner = SharedScan(doctor.report, lambda: _fixed_watch(doctor), executor, log)
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(scanner.result())
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                loop.run_until_complete(scanner.result())
                times.append(time.perf_counter() - started)
        finally:
            loop.close()
    return times


def _fixed_watch(doctor: EnvDoctor) -> WatchList:
    # What the extension watches besides the report's own paths: the server's kernel dirs
    # (here the doctor's own list of them) and conda's environments.txt.
    server = server_info(doctor.server_python)
    registry = str(Path.home() / ".conda" / "environments.txt")
    return WatchList(tuple(server.kernel_dirs), (registry, *doctor.extra_env_dirs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--changed-env", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()

    cached = make_doctor(arguments.config_file, use_cache=True)
    uncached = make_doctor(arguments.config_file, use_cache=False)
    results = {}
    results["cold"] = time_cold(cached, arguments.cache_dir, arguments.runs)
    results["cold_no_cache"] = time_cold(uncached, arguments.cache_dir, arguments.runs)
    build_report(cached)
    results["warm"] = [build_report(cached) for _ in range(arguments.runs)]
    results["one_env_changed"] = time_changed(cached, arguments.changed_env, arguments.runs)
    results["server_cache_hit"] = time_shared_scan_hits(cached, arguments.runs)
    results["max_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
