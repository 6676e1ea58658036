"""Setups made the standard way report nothing above info, and registered kernels really start."""

from __future__ import annotations

import os
from pathlib import Path

from conda_envs import CondaEnvBuilder
from jupyter_setup import JupyterHome, doctor, only, run_in_kernel

from jupyter_envdoctor.fixes import apply_fixes, plan_all, select_fixes


def test_fresh_venv_kernel_is_clean(machine: JupyterHome) -> None:
    venv = machine.venv("fresh", ipykernel=True)
    machine.ipykernel_install(venv, "fresh", display_name="Python (fresh)")

    snapshot, findings = doctor(machine)

    assert [f.title for f in findings if f.severity != "info"] == []
    (kernel,) = [k for k in snapshot.kernels if k.name == "fresh"]
    env = snapshot.environment(kernel.environment_id)
    assert env is not None
    assert (env.kind, env.prefix) == ("venv", str(venv.parent.parent))
    assert kernel.probe is not None and kernel.probe.importable == {
        "ipykernel": True, "ipykernel_launcher": True}


def test_clean_conda_env_is_clean(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    env = conda_builder.create(machine.root / "envs" / "clean", python="3.11", ipykernel=True,
                               environments_txt=machine.environments_txt)
    _, findings = doctor(machine)
    register = only(findings, "E200")
    planned, skipped = plan_all(select_fixes([register]))
    assert skipped == []
    apply_fixes(planned)

    snapshot, findings = doctor(machine)

    assert [f.title for f in findings] == []
    (kernel,) = [k for k in snapshot.kernels if k.name == "clean"]
    assert kernel.interpreter == str(env.python)
    assert kernel.env == {"PATH": f"{env.prefix / 'bin'}:${{PATH}}", "CONDA_PREFIX": str(env.prefix)}


def test_registered_kernel_starts(machine: JupyterHome, tmp_path: Path) -> None:
    venv = machine.venv("project", ipykernel=True)
    prefix = venv.parent.parent
    _, findings = doctor(machine, extra_env_dirs=[str(prefix.parent)])
    register = only(findings, "E200")
    assert register.fixes[0].params["name"] == "project"
    apply_fixes(plan_all(select_fixes([register]))[0])

    printed = run_in_kernel("project", "import sys; print(sys.prefix)")

    assert printed.strip() == str(prefix)
    _, after = doctor(machine, extra_env_dirs=[str(prefix.parent)])
    assert [f for f in after if f.code == "E200"] == []
    assert os.path.isfile(machine.user_kernels / "project" / "logo-64x64.png")
