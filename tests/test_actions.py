"""Actions on a report by id: what a front end may ask for, and what it may not."""

from __future__ import annotations

import json

import pytest
from jupyter_setup import JupyterHome, doctor

from jupyter_envdoctor import actions
from jupyter_envdoctor.fixes import FixError
from jupyter_envdoctor.report import Report


def make_report(machine: JupyterHome, **options: object) -> Report:
    snapshot, findings = doctor(machine, **options)  # type: ignore[arg-type]
    return Report(snapshot, findings)


def test_register_by_environment_id(machine: JupyterHome) -> None:
    venv = machine.venv("analysis", ipykernel=True)
    report = make_report(machine, extra_env_dirs=[str(venv.parent.parent.parent)])
    (env,) = [e for e in report.snapshot.environments if e.name == "analysis"]

    outcome = actions.apply([actions.registration(report, env.id, "My-Analysis", "Analysis (3.11)")])

    assert outcome.run is not None
    spec = json.loads((machine.user_kernels / "my-analysis" / "kernel.json").read_text())
    assert spec["argv"][0] == str(venv)
    assert spec["display_name"] == "Analysis (3.11)"
    assert spec["env"]["VIRTUAL_ENV"] == env.prefix
    actions.undo()
    assert not (machine.user_kernels / "my-analysis").exists()


def test_unknown_ids_are_rejected(machine: JupyterHome) -> None:
    report = make_report(machine, probe=False)

    with pytest.raises(actions.UnknownIdError, match="no environment with id 'nope'"):
        actions.registration(report, "nope")
    with pytest.raises(actions.UnknownIdError, match="no fix with id remove-spec-0"):
        actions.find_fixes(report, ["remove-spec-0"])


def test_invalid_kernel_name(machine: JupyterHome) -> None:
    venv = machine.venv("named", ipykernel=True)
    report = make_report(machine, probe=False, extra_env_dirs=[str(venv.parent.parent.parent)])
    (env,) = [e for e in report.snapshot.environments if e.name == "named"]

    with pytest.raises(FixError, match="invalid kernel name '../evil'"):
        actions.registration(report, env.id, "../evil")
