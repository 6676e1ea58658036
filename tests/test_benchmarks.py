"""The benchmark's generator on a small machine. The doctor must find only that machine and
report every fault planted in it, or the benchmark would time a report of another size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))


def run_benchmark_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARKS / name), *args], capture_output=True,
                          text=True, timeout=600, check=False)


def test_small_machine_reports_planted_faults(tmp_path: Path) -> None:
    root = tmp_path / "bench"
    generated = run_benchmark_script("generate.py", "--root", str(root), "--envs", "4",
                                     "--dists", "40", "--venvs", "2", "--kernels", "8")
    assert generated.returncode == 0, generated.stderr
    environ = json.loads((root / "env.json").read_text())["environ"]

    # Only the machine's own variables, as `env -i` in docs/benchmarks.md gives them.
    report = subprocess.run([CLI, "--json"], capture_output=True, text=True, env=environ,
                            cwd=root, timeout=600, check=False)
    (tmp_path / "report.json").write_text(report.stdout)
    verified = run_benchmark_script("verify.py", str(tmp_path / "report.json"), "--root", str(root))

    assert report.returncode in (1, 2), report.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "planted but not reported" not in verified.stdout


def test_generator_rejects_sizes_below_minimum(tmp_path: Path) -> None:
    generated = run_benchmark_script("generate.py", "--root", str(tmp_path / "bench"),
                                     "--envs", "0", "--kernels", "0")

    assert generated.returncode == 2
    assert "--envs" in generated.stderr
    assert "--kernels" in generated.stderr
    assert not (tmp_path / "bench").exists()
