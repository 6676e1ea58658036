"""`jupyter envdoctor why MODULE`: the engine on real kernels, and the command's messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conda_envs import CondaEnvBuilder, Dist, Package
from jupyter_setup import JupyterHome, doctor

from jupyter_envdoctor.model import Snapshot
from jupyter_envdoctor.why import (
    KernelNotFoundError,
    KernelNotProbedError,
    WhyError,
    choose_kernel,
    explain,
    render_text,
)

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))


@pytest.fixture
def science(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> tuple[Snapshot, Path, Path]:
    """Return a scan of a kernel "sci" whose env has numpy with numpy.linalg, and namespace
    portions of "plugins" in both the env and the notebook folder."""
    numpy = Dist("numpy", "1.26.4", extra_files={"numpy/linalg/__init__.py": "",
                                                 "plugins/env_plugin.py": ""})
    env = conda_builder.create(machine.root / "envs" / "sci", python="3.11", ipykernel=True,
                               packages=[Package("numpy", "1.26.4", "py311_0", dists=(numpy,))])
    machine.write_kernel(machine.user_kernels, "sci", [str(env.python), *LAUNCHER])
    work = machine.root / "work"
    (work / "plugins").mkdir(parents=True)
    (work / "plugins" / "local_plugin.py").write_text("")
    snapshot, _ = doctor(machine)
    return snapshot, env.site_packages, work


def test_why_installed_package_and_submodule(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, site_packages, work = science
    kernel = choose_kernel(snapshot, "sci")

    explanation = explain(snapshot, kernel, "numpy.linalg", str(work))

    assert explanation.resolution == "path"
    winner = explanation.winner
    assert winner is not None
    assert winner.path == str(site_packages / "numpy")
    assert winner.kind == "env"
    assert winner.distribution is not None
    assert (winner.distribution.version, winner.distribution.installer) == ("1.26.4", "conda")
    assert explanation.submodule_path == str(site_packages / "numpy" / "linalg")
    assert explanation.shadowed == []
    assert explanation.stdlib is False
    assert f"numpy.linalg is {site_packages / 'numpy' / 'linalg'}" in render_text(explanation)


def test_why_namespace_portions_merge(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, site_packages, work = science
    kernel = choose_kernel(snapshot, "sci")

    explanation = explain(snapshot, kernel, "plugins", str(work))

    assert [(loc.kind, loc.form, loc.wins) for loc in explanation.locations] == [
        ("cwd", "namespace", True), ("env", "namespace", False)]
    assert explanation.shadowed == []
    env_plugin = explain(snapshot, kernel, "plugins.env_plugin", str(work))
    assert env_plugin.submodule_path == str(site_packages / "plugins" / "env_plugin.py")
    local_plugin = explain(snapshot, kernel, "plugins.local_plugin", str(work))
    assert local_plugin.submodule_path == str(work / "plugins" / "local_plugin.py")


def test_why_builtin_startup_and_stdlib(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, _, work = science
    kernel = choose_kernel(snapshot, "sci")

    builtin = explain(snapshot, kernel, "sys", str(work))
    startup = explain(snapshot, kernel, "os", str(work))
    stdlib = explain(snapshot, kernel, "email", str(work))

    assert builtin.resolution == "built-in"
    assert builtin.locations == []
    assert "a built-in module of the interpreter" in render_text(builtin)
    assert startup.resolution == "startup"
    assert startup.startup_origin is not None
    assert stdlib.resolution == "path"
    assert stdlib.stdlib is True
    assert stdlib.winner is not None
    assert stdlib.winner.kind == "stdlib"


def test_why_module_found_nowhere(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, _, work = science
    kernel = choose_kernel(snapshot, "sci")

    explanation = explain(snapshot, kernel, "pandas", str(work))

    assert explanation.resolution == "not found"
    assert explanation.locations == []
    assert render_text(explanation).splitlines()[0].endswith(
        ": not found on the kernel's sys.path.")


def test_why_kernel_choice(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, _, _ = science

    assert choose_kernel(snapshot, None).name == "python3"
    with pytest.raises(KernelNotFoundError, match=r"kernel not found: 'nope' \(kernels: python3, sci\)"):
        choose_kernel(snapshot, "nope")
    with pytest.raises(WhyError, match="invalid module name: 'numpy-linalg'"):
        explain(snapshot, choose_kernel(snapshot, "sci"), "numpy-linalg", "/")


def test_why_command_messages(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    env = conda_builder.create(machine.root / "envs" / "sci", python="3.11", ipykernel=True)
    machine.write_kernel(machine.user_kernels, "sci", [str(env.python), *LAUNCHER])

    def why(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, "why", *args, "--no-cache"], capture_output=True, text=True,
                              timeout=120, check=False)

    unknown = why("numpy", "--kernel=nope", "--no-probe")
    unprobed = why("numpy", "--kernel=sci", "--no-probe")
    missing = why("pandas", "--kernel=sci", f"--cwd={machine.root}")
    no_module = why("--kernel=sci", "--no-probe")

    assert unknown.returncode == 3
    assert unknown.stderr.strip() == (
        "jupyter envdoctor: error: kernel not found: 'nope' (kernels: python3, sci)")
    assert unprobed.returncode == 2
    assert unprobed.stderr.strip() == (
        "jupyter envdoctor: error: kernel 'sci' was not probed, so its sys.path is unknown: "
        "run without --no-probe")
    assert missing.returncode == 1, missing.stderr
    assert missing.stdout.splitlines()[0].endswith(": not found on the kernel's sys.path.")
    assert no_module.returncode == 3
    assert "expected one module name" in no_module.stderr


def test_kernel_without_probe_raises(science: tuple[Snapshot, Path, Path]) -> None:
    snapshot, _, _ = science
    kernel = choose_kernel(snapshot, "sci")
    kernel.probe = None

    with pytest.raises(KernelNotProbedError, match="kernel 'sci' was not probed"):
        explain(snapshot, kernel, "numpy", "/")
