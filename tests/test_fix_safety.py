"""Fixes that would break what they repair are withheld, and the evidence gives the reason."""

from __future__ import annotations

from pathlib import Path

from conda_envs import Dist, find_python, pip_install_like
from jupyter_setup import JupyterHome, doctor, only

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def test_user_site_off_kept_when_ipykernel_lives_there(machine: JupyterHome) -> None:
    python = find_python("3.9").executable
    user_site = machine.home / ".local" / "lib" / "python3.9" / "site-packages"
    user_site.mkdir(parents=True)
    machine.uv_install(python, "--target", str(user_site), "ipykernel")
    pip_install_like(user_site, Dist("setuptools", "57.5.0"))
    machine.write_kernel(machine.user_kernels, "base39", [str(python), *LAUNCHER])

    _, findings = doctor(machine)

    finding = only(findings, "I400", "base39")
    assert finding.evidence["user_site_off_breaks"].startswith("ipykernel ")
    assert [f.action for f in finding.fixes] == ["command"]


def test_editable_source_in_root_is_not_shadowing(machine: JupyterHome, tmp_path: Path) -> None:
    venv = machine.venv("dev", ipykernel=True)
    project = tmp_path / "project"
    (project / "mylib").mkdir(parents=True)
    (project / "mylib" / "__init__.py").write_text("")
    (project / "analysis.ipynb").write_text("{}")
    site = next((venv.parent.parent / "lib").glob("python*/site-packages"))
    (site / "__editable__.mylib.pth").write_text(f"{project}\n")
    machine.write_kernel(machine.user_kernels, "dev", [str(venv), *LAUNCHER])

    _, findings = doctor(machine, root_dir=str(project))

    assert [f.title for f in findings if f.code in ("I405", "I406")] == []
