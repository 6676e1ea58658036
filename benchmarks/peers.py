"""The commands a user would run for the same facts without the doctor.

`jupyter kernelspec list --json` lists the kernels, and pip's `inspect` lists each
environment's distributions with their metadata (pip runs against another interpreter
with `--python`, since pip 22.3). pipdeptree adds the requirement tree when installed.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from timing import Measurement, Run, run_command

DEV_BIN = Path(sys.executable).parent


def peer_commands(manifest: dict) -> list[list[str]]:
    """Return the chain of commands: kernel specs, then one pip run per environment."""
    commands = [[str(DEV_BIN / "jupyter-kernelspec"), "list", "--json"]]
    for env in manifest["environments"]:
        python = str(Path(env["prefix"]) / "bin" / "python")
        commands.append([sys.executable, "-m", "pip", "--python", python, "inspect"])
        if has_pipdeptree():
            commands.append([sys.executable, "-m", "pipdeptree", "--python", python, "--json"])
    return commands


def has_pipdeptree() -> bool:
    return importlib.util.find_spec("pipdeptree") is not None


def time_peer_chain(manifest: dict, environ: dict[str, str], cwd: Path, runs: int) -> Measurement:
    """Run the whole chain ``runs`` times, one command after another, as a script would."""
    commands = peer_commands(manifest)
    note = f"{len(commands)} commands: kernelspec list + pip inspect per env"
    note += "; pipdeptree per env" if has_pipdeptree() else "; pipdeptree not installed, left out"
    measurement = Measurement("peer chain", note=note)
    for _ in range(runs):
        started = time.perf_counter()
        failed = 0
        peak = 0
        for command in commands:
            run = run_command(command, environ, cwd)
            failed += run.exit_code != 0
            peak = max(peak, run.max_rss_kib)
        measurement.runs.append(Run(time.perf_counter() - started, peak, failed))
    # NOTE: pip fails on the venv whose base Python is gone; that run still counts, as the
    # user would have waited for it too. exit_codes is the number of failed commands.
    return measurement
