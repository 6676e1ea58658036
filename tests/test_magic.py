"""`%envdoctor` in real kernels started with jupyter_client from kernel specs of a fake machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_setup import JupyterHome, doctor, started_kernel

from jupyter_envdoctor.kernelself import (
    PROJECT_ENVIRONMENT,
    WRONG_ENVIRONMENT,
    RunningKernel,
    match_kernelspec,
)

REPO = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LOAD_EXTENSION = "%load_ext jupyter_envdoctor"


@pytest.fixture(scope="module")
def kernel_python(tmp_path_factory: pytest.TempPathFactory, uv_cache: Path) -> Path:
    """Return the interpreter of a venv with ipykernel, numpy and this project (editable)."""
    builder = JupyterHome(tmp_path_factory.mktemp("kernel-venv"), uv_cache)
    python = builder.venv("doctored")
    builder.uv_install(python, "ipykernel", "numpy", "-e", str(REPO))
    return python


def test_magic_reports_local_numpy(machine: JupyterHome, kernel_python: Path,
                                   tmp_path: Path) -> None:
    machine.ipykernel_install(kernel_python, "doctored", display_name="Python (doctored)")
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    local_numpy = notebook_dir / "numpy.py"
    local_numpy.write_text("VERSION = 'mine'\n")
    local_email = notebook_dir / "email.py"
    local_email.write_text("SENDER = 'me'\n")

    with started_kernel("doctored", cwd=notebook_dir) as kernel:
        kernel.run(LOAD_EXTENSION)
        text = kernel.run("%envdoctor --text").stdout
        document = json.loads(kernel.run("%envdoctor --json").stdout)
        why_json = kernel.run("%envdoctor why json").stdout
        why_numpy = json.loads(kernel.run("%envdoctor why numpy --json").stdout)
        panel = kernel.run("%envdoctor").displays

    running = document["running_kernel"]
    assert running["executable"] == str(kernel_python)
    assert running["cwd"] == str(notebook_dir)
    assert running["environment_prefix"] == str(kernel_python.parent.parent)
    assert running["kernelspec"]["name"] == "doctored"
    assert running["kernelspec"]["certain"] is True
    assert running["kernelspec"]["argv_matches"] is True
    (shadow,) = [f for f in running["findings"] if f["code"] == "I406"]
    assert shadow["evidence"]["file"] == str(local_numpy)
    assert shadow["evidence"]["installed_distribution"]["name"] == "numpy"
    (stdlib_name,) = [f for f in running["findings"] if f["code"] == "I405"]
    assert stdlib_name["evidence"]["file"] == str(local_email)
    # The live kernel has the folder after the stdlib, so the stdlib's email wins.
    assert stdlib_name["severity"] == "info"
    assert stdlib_name["evidence"]["folder_ahead_of_stdlib"] is False
    assert document["schema_version"] == 1

    assert f"interpreter:  {kernel_python}" in text
    assert "kernel spec:  'doctored'" in text
    assert "named in the connection file" in text
    assert f"I406 numpy.py in {notebook_dir} shadows the installed numpy" in text

    assert "`import json` in kernel 'doctored'" in why_json
    assert "(package, entry" in why_json
    assert "stdlib)" in why_json

    winner = next(loc for loc in why_numpy["locations"] if loc["wins"])
    assert winner["path"] == str(local_numpy)
    assert winner["kind"] == "cwd"
    assert len(why_numpy["shadowed_indexes"]) == 1

    (bundle,) = panel
    assert WIDGET_VIEW in bundle
    assert "numpy.py" in bundle["text/html"]
    assert bundle["text/plain"].startswith("This kernel")


def test_magic_names_kernel_to_switch_to(machine: JupyterHome, kernel_python: Path) -> None:
    # The display name of "labelled" names enva, but its argv runs the doctored venv.
    enva = machine.venv("enva", ipykernel=True)
    machine.ipykernel_install(enva, "enva", display_name="Python 3 (enva)")
    argv = [str(kernel_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    machine.write_kernel(machine.user_kernels, "labelled", argv, display_name="Python 3 (enva)")

    with started_kernel("labelled") as kernel:
        kernel.run(LOAD_EXTENSION)
        document = json.loads(kernel.run("%envdoctor --json").stdout)
        text = kernel.run("%envdoctor --text").stdout

    top = document["running_kernel"]["findings"][0]
    assert top["code"] == WRONG_ENVIRONMENT
    assert top["evidence"]["switch_to"] == [{"name": "enva", "display_name": "Python 3 (enva)"}]
    assert top["evidence"]["running_prefix"] == str(kernel_python.parent.parent)
    assert top["evidence"]["claimed_prefixes"] == [str(enva.parent.parent)]
    assert "switch the notebook to kernel 'enva' (Python 3 (enva))" in top["title"]
    assert [fix["action"] for fix in top["fixes"]] == ["repoint-spec"]
    first_finding = text.split("\n\n")[1]
    assert first_finding.startswith(f"WARNING {WRONG_ENVIRONMENT} This kernel runs")


def test_magic_suggests_project_venv(machine: JupyterHome, kernel_python: Path,
                                     tmp_path: Path) -> None:
    machine.ipykernel_install(kernel_python, "doctored")
    project = tmp_path / "project"
    project_python = machine.venv("project", location=project / ".venv")
    (project / "pyproject.toml").write_text("[project]\nname = 'analysis'\n")
    notebooks = project / "notebooks"
    notebooks.mkdir()

    with started_kernel("doctored", cwd=notebooks) as kernel:
        kernel.run(LOAD_EXTENSION)
        document = json.loads(kernel.run("%envdoctor --json").stdout)

    top = document["running_kernel"]["findings"][0]
    assert top["code"] == PROJECT_ENVIRONMENT
    assert top["severity"] == "info"
    assert top["evidence"]["project_prefix"] == str(project / ".venv")
    assert top["evidence"]["switch_to"] == []
    (install,) = top["fixes"]
    assert install["command"].startswith(f"{project_python} -m ensurepip")


def test_match_without_kernel_name(machine: JupyterHome, kernel_python: Path) -> None:
    argv = [str(kernel_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    machine.write_kernel(machine.user_kernels, "first", argv)
    machine.write_kernel(machine.user_kernels, "second", argv)
    snapshot, _ = doctor(machine, probe=False)
    connection_file = "/run/kernel-1.json"
    running = RunningKernel(
        executable=str(kernel_python), prefix=str(kernel_python.parent.parent),
        base_prefix="/usr", version="3.11.0", path=[], cwd=str(machine.home),
        argv=[*argv[:-1], connection_file], connection_file=connection_file,
        kernel_name=None, session_name=None, parent_pid=None, parent_interpreter=None,
        user_site=None, user_site_enabled=False, pythonpath=None)

    match = match_kernelspec(running, snapshot)

    assert match.kernel is not None and match.kernel.name == "first"
    assert match.certain is False
    assert match.alternatives == ["second"]
    assert match.reason == "no kernel name in the connection file; matched by interpreter and arguments"
