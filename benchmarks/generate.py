"""Write the benchmark's synthetic machine: `python benchmarks/generate.py [--root DIR]`.

The machine has conda envs with realistic conda-meta records, venvs, kernel specs and the
usual faults, all below one root dir. ROOT/env.json contains the variables that make the
doctor see only that machine; ROOT/machine.json lists what was planted, and which faults
were skipped because they do not fit the sizes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from machine import Sizes, build_machine
from machine.plan import MINIMUM, check_sizes


def default_root() -> Path:
    """Return /dev/shm/envdoctor-bench where /dev/shm exists, else one in the temp dir.

    A RAM-backed root keeps generation fast: on the 2-core VM this was written on, ext4
    took 0.35 to 0.65 ms to create each small file, against 0.014 ms on tmpfs, and the
    default machine has about 400,000 files. The doctor's reads are timed with a warm page
    cache, where both file systems serve them from memory.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm / "envdoctor-bench"
    return Path(tempfile.gettempdir()) / "envdoctor-bench"


DEFAULT_ROOT = default_root()


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Sizes()
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Minimum sizes: " + ", ".join(f"--{name.replace('_', '-')} {value}"
                                             for name, value in MINIMUM.items())
        + ". Faults that need more envs, venvs, distributions or kernel specs than given are "
          "skipped, and ROOT/machine.json lists them under skipped_faults.")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help=f"dir to write the machine to (default {DEFAULT_ROOT})")
    parser.add_argument("--envs", type=int, default=defaults.envs,
                        help="conda envs, the base env included (default %(default)s)")
    parser.add_argument("--dists", type=int, default=defaults.dists,
                        help="Python distributions per conda env (default %(default)s)")
    parser.add_argument("--venvs", type=int, default=defaults.venvs,
                        help="virtual environments (default %(default)s)")
    parser.add_argument("--venv-dists", type=int, default=defaults.venv_dists,
                        help="distributions per venv (default %(default)s)")
    parser.add_argument("--kernels", type=int, default=defaults.kernels,
                        help="kernel specs in the kernel dirs the server sees (default %(default)s)")
    parser.add_argument("--seed", type=int, default=defaults.seed,
                        help="seed of every random choice (default %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="replace the machine that --root already contains")
    arguments = parser.parse_args(argv)
    problems = check_sizes(arguments)
    if problems:
        parser.error("; ".join(problems))
    return arguments


def prepare_root(root: Path, force: bool) -> None:
    """Make sure ``root`` is free; with ``force``, delete a machine written there before."""
    if not root.exists() or not any(root.iterdir()):
        return
    if not (root / "machine.json").is_file():
        raise SystemExit(f"error: {root} is not empty and has no machine.json; "
                         "choose another --root")
    if not force:
        raise SystemExit(f"error: {root} already contains a machine; pass --force to replace it")
    shutil.rmtree(root)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    sizes = Sizes(envs=arguments.envs, dists=arguments.dists, venvs=arguments.venvs,
                  venv_dists=arguments.venv_dists, kernels=arguments.kernels, seed=arguments.seed)
    prepare_root(arguments.root, arguments.force)
    build_machine(arguments.root, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
