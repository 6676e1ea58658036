"""Benchmark jupyter-envdoctor on the synthetic heavy machine.

`python benchmarks/run.py [--root DIR] [--runs N]` generates the machine when DIR has
none, then times the doctor's command line (cold, cold --no-cache, warm, one env changed),
the same in one process as the server extension runs it, the peer commands a user would
run instead, and the I/O floor. Prints a table with the ratios and targets, and writes
the results with the machine description as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import mutate
import results
from doctorcli import DoctorCommand
from generate import DEFAULT_ROOT
from iofloor import time_io_floor
from machine import Sizes, build_machine, load_environment
from peers import time_peer_chain
from sysinfo import describe_machine
from timing import Measurement, Run
from verify import compare

HERE = Path(__file__).resolve().parent


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help=f"the machine's root dir, generated when missing (default {DEFAULT_ROOT})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--peer-runs", type=int, default=None,
                        help="runs of the peer chain, which takes about 30 s each (default --runs)")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default ROOT/results.json)")
    return parser.parse_args(argv)


def verify_machine(doctor: DoctorCommand, manifest: dict) -> dict:
    """Run the doctor once, untimed, which also warms the page cache; check its report."""
    shutil.rmtree(doctor.cache_dir, ignore_errors=True)
    output = doctor.root / "report.json"
    run = doctor.run(output=output)
    report = json.loads(output.read_text())
    problems, counts = compare(report, manifest)
    print(f"untimed first run: {run.seconds:.2f} s, exit code {run.exit_code}, "
          f"{len(report['kernels'])} kernels, {len(report['environments'])} environments, "
          f"{sum(counts.values())} findings")
    for problem in problems:
        print(f"warning: {problem}")
    return report


def time_in_process(environ: dict[str, str], document: dict, changed: Path, runs: int,
                    cwd: Path) -> list[Measurement]:
    """Run inprocess.py in a child with the machine's environment; return its rows."""
    command = [sys.executable, str(HERE / "inprocess.py"), "--config-file", document["config_file"],
               "--cache-dir", environ["XDG_CACHE_HOME"], "--changed-env", str(changed),
               "--runs", str(runs)]
    completed = subprocess.run(command, env=environ, cwd=cwd, capture_output=True, text=True,
                               check=False, timeout=3600)
    if completed.returncode != 0:
        raise RuntimeError(f"inprocess.py failed with exit code {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    data = json.loads(completed.stdout)
    rss = data["max_rss_kib"]
    note = "one process, package imported before timing"
    rows = [("in-process cold", "cold"), ("in-process cold, use_cache off", "cold_no_cache"),
            ("in-process warm", "warm"), ("in-process one env changed", "one_env_changed"),
            ("in-process server cache hit", "server_cache_hit")]
    return [Measurement(name, [Run(s, rss) for s in data[key]], note) for name, key in rows]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    root = arguments.root.absolute()
    if not (root / "machine.json").is_file():
        print(f"no machine at {root}; generating one")
        build_machine(root, Sizes())
    document = load_environment(root)
    manifest = json.loads((root / "machine.json").read_text())
    environ = document["environ"]
    doctor = DoctorCommand(environ, root)
    changed = mutate.choose_environment(manifest)
    mutate.restore(changed)

    started = time.monotonic()
    report = verify_machine(doctor, manifest)
    runs = arguments.runs
    measurements = [doctor.cold(runs), doctor.cold(runs, "--no-cache"), doctor.warm(runs),
                    doctor.one_env_changed(runs, changed)]
    measurements += time_in_process(environ, document, changed, runs, root)
    peer_runs = arguments.peer_runs if arguments.peer_runs is not None else runs
    measurements.append(time_peer_chain(manifest, environ, root, peer_runs))
    floor, floor_files = time_io_floor(report, Path(environ["HOME"]), runs)
    measurements.append(floor)

    print()
    print(results.render_table(measurements))
    print()
    print(results.render_targets(measurements))
    machine = describe_machine(root)
    print()
    for key, value in machine.items():
        print(f"{key}: {value}")

    output = arguments.json or root / "results.json"
    output.write_text(json.dumps({
        "machine": machine,
        "synthetic_machine": {"sizes": manifest["sizes"], "files_read_by_doctor": floor_files,
                              "kernels": len(report["kernels"]),
                              "environments": len(report["environments"])},
        "measurements": [m.summary() for m in measurements],
        "ratios": results.ratios(measurements),
        "targets": [t.to_json() for t in results.targets(measurements)],
        "benchmark_seconds": round(time.monotonic() - started, 1),
    }, indent=2) + "\n")
    print(f"\nresults written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
