"""The doctor's command line timed cold, warm and after one environment changed.

Cold runs start with the cache dir (XDG_CACHE_HOME of the machine) deleted, so the probe
cache and any scan cache are rebuilt. Warm runs reuse what the run before them wrote.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import mutate
from timing import Measurement, run_command

DOCTOR = str(Path(sys.executable).parent / "jupyter-envdoctor")


class DoctorCommand:
    """Runs `jupyter-envdoctor --json` on the machine, with its environment and root dir."""

    def __init__(self, environ: dict[str, str], root: Path) -> None:
        self.environ = environ
        self.root = root
        self.cache_dir = Path(environ["XDG_CACHE_HOME"])
        # The config file names the root dir, so the working dir only has to exist.
        self.cwd = root

    def run(self, *options: str, output: Path | None = None):
        return run_command([DOCTOR, "--json", *options], self.environ, self.cwd, output)

    def cold(self, runs: int, *options: str) -> Measurement:
        name = "doctor cold" + (f" {' '.join(options)}" if options else "")
        measurement = Measurement(name, note="CLI, cache dir deleted before each run")
        for _ in range(runs):
            shutil.rmtree(self.cache_dir, ignore_errors=True)
            measurement.runs.append(self.run(*options))
        return measurement

    def warm(self, runs: int) -> Measurement:
        self.run()
        measurement = Measurement("doctor warm", note="CLI, cache from the run before")
        measurement.runs += [self.run() for _ in range(runs)]
        return measurement

    def one_env_changed(self, runs: int, prefix: Path) -> Measurement:
        self.run()
        measurement = Measurement("doctor one env changed",
                                  note=f"CLI, cache; bench-toggle installed or removed in {prefix.name}")
        try:
            for _ in range(runs):
                mutate.toggle_package(prefix)
                measurement.runs.append(self.run())
        finally:
            mutate.restore(prefix)
        return measurement
