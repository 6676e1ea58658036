"""Real-world kernel and environment faults: each is diagnosed, fixed, re-checked and undone."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conda_envs import CondaEnvBuilder, Dist, Package
from jupyter_setup import JupyterHome, codes, doctor, only

from jupyter_envdoctor.fixes import apply_fixes, plan_all, select_fixes, undo_last
from jupyter_envdoctor.model import Finding

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def activated_environ(prefix: Path) -> dict[str, str]:
    """Return os.environ with PATH as `conda activate` leaves it for a base env."""
    environ = dict(os.environ)
    environ["PATH"] = f"{prefix / 'bin'}{os.pathsep}{environ['PATH']}"
    return environ


def snapshot_files(root: Path) -> dict[str, bytes]:
    """Return the bytes of every kernel.json-bearing file below ``root``, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() or p.is_symlink() and p.exists()}


def fix_all(findings: list[Finding], **selection: object) -> None:
    fixes = select_fixes(findings, **selection)  # type: ignore[arg-type]
    planned, skipped = plan_all(fixes)
    assert skipped == []
    apply_fixes(planned)


def pandas(version: str, build: str = "py311_0") -> Package:
    return Package("pandas", version, build, dists=(Dist("pandas", version),))


def test_user_spec_hides_env_spec(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    old3 = conda_builder.create(machine.root / "opt" / "old3", python="3.7", ipykernel=True)
    new3 = conda_builder.create(machine.root / "opt" / "new3", python="3.11",
                                packages=[pandas("2.2.2")], ipykernel=True)
    machine.write_kernel(machine.user_kernels, "python3", [str(old3.python), *LAUNCHER],
                         display_name="Python 3")
    before = snapshot_files(machine.user_kernels)
    environ = activated_environ(new3.prefix)

    _, findings = doctor(machine, new3.python, environ)

    finding = only(findings, "K105", "python3")
    assert finding.severity == "warning"
    assert finding.evidence["visible_spec"] == str(machine.user_kernels / "python3" / "kernel.json")
    assert finding.evidence["visible_interpreter"] == str(old3.python)
    assert finding.evidence["visible_python_version"].startswith("3.7.")
    assert finding.evidence["hidden_spec"] == str(new3.prefix / "share/jupyter/kernels/python3/kernel.json")
    assert finding.evidence["hidden_interpreter"] == str(new3.python)
    assert finding.evidence["packages_only_in_hidden_env"] == ["pandas"]
    assert [f.action for f in finding.fixes] == ["rename-spec", "remove-spec"]
    assert finding.fixes[0].params["new_name"] == "old3"
    assert codes([f for f in findings if f.severity != "info"]) == ["K105", "K107"]

    fix_all(findings, codes=["K105"])
    snapshot, after = doctor(machine, new3.python, environ)
    visible = {k.name: k.interpreter for k in snapshot.kernels if k.visible}
    assert visible == {"python3": str(new3.python), "old3": str(old3.python)}
    assert [(f.code, f.kernels) for f in after if f.severity != "info"] == [("K107", ["old3"])]

    undo_last()
    assert snapshot_files(machine.user_kernels) == before


def test_deleted_envs_and_invalid_json(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    gone_venv = machine.venv("myproject", ipykernel=True)
    machine.ipykernel_install(gone_venv, "myproject")
    gone_conda = conda_builder.create(machine.root / "envs" / "oldenv", python="3.11", ipykernel=True)
    machine.write_kernel(machine.user_kernels, "oldenv", [str(gone_conda.python), *LAUNCHER])
    project = machine.root / "work" / "project"
    good_venv = machine.venv(".venv", ipykernel=True, location=project / ".venv")
    hexdigits = "0f" * 32
    machine.write_kernel(machine.user_kernels, f"python3912jvsc74a57bd0{hexdigits}",
                         [str(good_venv), *LAUNCHER], display_name=".venv")
    spec = json.dumps({"argv": ["python", *LAUNCHER], "display_name": "VS Code"}, indent=1)
    machine.write_kernel(machine.user_kernels, f"pythonjvsc74a57bd0{hexdigits}",
                         text=spec + "\n}\n  stray")
    _remove_tree(gone_venv.parent.parent)
    _remove_tree(gone_conda.prefix)
    before = snapshot_files(machine.user_kernels)

    _, findings = doctor(machine)

    missing_venv = only(findings, "K101", "myproject")
    assert missing_venv.evidence["interpreter"] == str(gone_venv)
    assert missing_venv.evidence["problem"] == "does not exist"
    missing_conda = only(findings, "K101", "oldenv")
    assert missing_conda.evidence["interpreter"] == str(gone_conda.python)
    assert missing_conda.evidence["environment_exists"] is False
    assert missing_conda.evidence["in_environments_txt"] is False
    invalid = only(findings, "K100")
    assert invalid.kernels == [f"pythonjvsc74a57bd0{hexdigits}"]
    assert invalid.evidence["error"] == "invalid JSON at line 11 column 1: Extra data"
    for finding in (missing_venv, missing_conda, invalid):
        assert [f.action for f in finding.fixes] == ["remove-spec"]
    assert codes([f for f in findings if f.severity != "info"]) == ["K100", "K101", "K101"]

    fix_all(findings)
    _, after = doctor(machine)
    assert [f for f in after if f.severity != "info"] == []
    assert sorted(p.name for p in machine.user_kernels.iterdir()) == [
        f"python3912jvsc74a57bd0{hexdigits}"]

    undo_last()
    assert snapshot_files(machine.user_kernels) == before


def test_bare_python_argv(machine: JupyterHome) -> None:
    from conda_envs import find_python

    machine.link_on_path("python", find_python("2.7").executable)
    python39 = machine.venv("py39", python="3.9", ipykernel=True)
    machine.link_on_path("python3", python39)
    machine.write_kernel(machine.system_dir / "kernels", "python3", ["python", *LAUNCHER],
                         display_name="Python 3")
    before = snapshot_files(machine.system_dir)

    snapshot, findings = doctor(machine)

    finding = only(findings, "K102", "python3")
    assert finding.severity == "warning"
    assert finding.evidence["argv0"] == "python"
    assert finding.evidence["jupyter_client_runs"] == snapshot.server.executable
    assert finding.evidence["path_python"] == str(machine.bin_dir / "python")
    assert finding.evidence["path_python_version"] == "2.7.18"
    assert finding.evidence["path_python_has_ipykernel"] is False
    assert [(f.action, f.params["interpreter"]) for f in finding.fixes] == [
        ("repoint-spec", snapshot.server.executable)]
    assert codes([f for f in findings if f.severity != "info"]) == ["K102"]

    fix_all(findings)
    spec = json.loads((machine.system_dir / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == snapshot.server.executable
    _, after = doctor(machine)
    assert [f for f in after if f.severity != "info"] == []

    undo_last()
    assert snapshot_files(machine.system_dir) == before


def test_nb_conda_kernels_duplicates(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    manager = {"JupyterApp": {"kernel_spec_manager_class": "nb_conda_kernels.CondaKernelSpecManager"}}
    base = conda_builder.create(machine.root / "opt" / "conda", python="3.11", ipykernel=True,
                                jupyter_config=manager)
    ds = conda_builder.create(base.prefix / "envs" / "ds", python="3.11", ipykernel=True)
    machine.write_kernel(machine.user_kernels, "ds", [str(ds.python), *LAUNCHER], display_name="ds")
    before = snapshot_files(machine.user_kernels)
    environ = activated_environ(base.prefix)

    snapshot, findings = doctor(machine, base.python, environ)

    assert snapshot.server.nb_conda_kernels is True
    names = sorted(k.name for k in snapshot.kernels if k.visible)
    assert names == ["conda-base-py", "conda-env-ds-py", "ds", "python3"]
    ds_duplicates = only(findings, "K106", "ds")
    assert ds_duplicates.severity == "warning"
    assert sorted(ds_duplicates.kernels) == ["conda-env-ds-py", "ds"]
    assert ds_duplicates.evidence["kernels"]["conda-env-ds-py"]["activated"] is True
    assert ds_duplicates.evidence["kernels"]["ds"]["activated"] is False
    assert [(f.action, f.params["kernel"]) for f in ds_duplicates.fixes] == [("remove-spec", "ds")]
    base_duplicates = only(findings, "K106", "python3")
    assert base_duplicates.severity == "info"
    assert sorted(base_duplicates.kernels) == ["conda-base-py", "python3"]
    assert base_duplicates.fixes == []
    assert codes([f for f in findings if f.severity != "info"]) == ["K106", "K107"]

    fix_all(findings, codes=["K106"])
    _, after = doctor(machine, base.python, environ)
    assert [f for f in after if f.severity != "info"] == []

    undo_last()
    assert snapshot_files(machine.user_kernels) == before


def test_env_without_kernel(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    base = conda_builder.create(machine.root / "opt" / "conda", python="3.11", ipykernel=True)
    studio = conda_builder.create(base.prefix / "envs" / "studio", python="3.11", ipykernel=True)
    py27 = conda_builder.create(base.prefix / "envs" / "py27", python="2.7")
    environ = activated_environ(base.prefix)

    _, findings = doctor(machine, base.python, environ)

    register = only(findings, "E200")
    assert register.environments == [str(studio.prefix)]
    assert register.evidence["specs_inside_env_not_searched"] == [
        str(studio.prefix / "share" / "jupyter" / "kernels" / "python3")]
    (fix,) = register.fixes
    assert fix.action == "register-kernel"
    assert fix.params["name"] == "studio"
    assert fix.params["display_name"] == "Python 3.11 (studio)"
    assert fix.params["interpreter"] == str(studio.python)
    assert fix.params["env"]["CONDA_PREFIX"] == str(studio.prefix)
    needs_ipykernel = only(findings, "E201")
    assert needs_ipykernel.environments == [str(py27.prefix)]
    assert [f.command for f in needs_ipykernel.fixes] == [f"conda install -p {py27.prefix} ipykernel"]
    assert [f for f in findings if f.severity != "info"] == []

    fix_all(findings, codes=["E200"])
    spec = json.loads((machine.user_kernels / "studio" / "kernel.json").read_text())
    assert spec["argv"] == [str(studio.python), "-Xfrozen_modules=off", *LAUNCHER]
    assert spec["display_name"] == "Python 3.11 (studio)"
    assert spec["env"]["PATH"] == f"{studio.prefix / 'bin'}:${{PATH}}"
    assert sorted(p.name for p in (machine.user_kernels / "studio").iterdir()) == [
        "kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]
    _, after = doctor(machine, base.python, environ)
    assert codes(after) == ["E201"]

    undo_last()
    assert not (machine.user_kernels / "studio").exists()


def test_interpreter_without_ipykernel(machine: JupyterHome) -> None:
    proj = machine.venv("proj")
    machine.uv_install(proj, "packaging")
    machine.write_kernel(machine.user_kernels, "proj", [str(proj), *LAUNCHER])

    _, findings = doctor(machine)

    finding = only(findings, "K103", "proj")
    assert finding.severity == "error"
    assert finding.evidence["module"] == "ipykernel_launcher"
    assert finding.evidence["interpreter"] == str(proj)
    (fix,) = finding.fixes
    assert fix.action == "command"
    assert fix.command == f"{proj} -m ensurepip && {proj} -m pip install ipykernel"
    assert codes([f for f in findings if f.severity != "info"]) == ["K103"]

    # The user runs the printed command. uv replaces pip here so that the download is cached.
    machine.uv_install(proj, "ipykernel")
    _, after = doctor(machine)
    assert [f for f in after if f.severity != "info"] == []


def test_kernel_bypasses_activation(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    base = conda_builder.create(machine.root / "opt" / "conda", python="3.11",
                                packages=[pandas("1.1.4")], ipykernel=True)
    env = conda_builder.create(base.prefix / "envs" / "pandas-env", python="3.11",
                               packages=[pandas("0.25.3", "py311_1")], ipykernel=True)
    machine.write_kernel(machine.user_kernels, "pandas-env", [str(env.python), *LAUNCHER])
    before = snapshot_files(machine.user_kernels)
    environ = activated_environ(base.prefix)

    _, findings = doctor(machine, base.python, environ)

    finding = only(findings, "K107", "pandas-env")
    assert finding.severity == "warning"
    assert finding.evidence["python_on_path"] == str(base.prefix / "bin" / "python")
    assert finding.environments == [str(env.prefix)]
    (fix,) = finding.fixes
    assert fix.params["env"] == {"PATH": f"{env.prefix / 'bin'}:${{PATH}}",
                                 "CONDA_PREFIX": str(env.prefix)}
    assert codes([f for f in findings if f.severity != "info"]) == ["K107"]

    fix_all(findings)
    _, after = doctor(machine, base.python, environ)
    assert [f for f in after if f.severity != "info"] == []

    undo_last()
    assert snapshot_files(machine.user_kernels) == before


def test_activation_variables_skipped(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    script = ('export LD_LIBRARY_PATH="$CONDA_PREFIX/lib:'
              '$CONDA_PREFIX/lib/python3.10/site-packages/nvidia/cudnn/lib:$LD_LIBRARY_PATH"\n')
    tf = conda_builder.create(machine.root / "envs" / "tf", python="3.10", ipykernel=True,
                              activate_d={"env_vars.sh": script},
                              state_env_vars={"XLA_FLAGS": "--xla_gpu_cuda_data_dir=PLACEHOLDER"},
                              environments_txt=machine.environments_txt)
    state = tf.prefix / "conda-meta" / "state"
    state.write_text(json.dumps({"env_vars": {"XLA_FLAGS": f"--xla_gpu_cuda_data_dir={tf.prefix}/lib"}}))
    machine.write_kernel(machine.user_kernels, "tf", [str(tf.python), *LAUNCHER])
    before = snapshot_files(machine.user_kernels)

    _, findings = doctor(machine)

    finding = only(findings, "K108", "tf")
    assert finding.severity == "warning"
    assert finding.evidence["missing"] == {
        "XLA_FLAGS": f"--xla_gpu_cuda_data_dir={tf.prefix}/lib",
        "LD_LIBRARY_PATH": f"{tf.prefix}/lib:{tf.prefix}/lib/python3.10/site-packages/nvidia/cudnn/lib",
    }
    assert finding.evidence["activation_scripts"] == [
        str(tf.prefix / "etc" / "conda" / "activate.d" / "env_vars.sh")]
    assert [f.action for f in finding.fixes] == ["set-spec-env"]
    assert codes([f for f in findings if f.severity != "info"]) == ["K107", "K108"]

    fix_all(findings)
    spec = json.loads((machine.user_kernels / "tf" / "kernel.json").read_text())
    assert spec["env"]["XLA_FLAGS"] == f"--xla_gpu_cuda_data_dir={tf.prefix}/lib"
    assert spec["env"]["CONDA_PREFIX"] == str(tf.prefix)
    _, after = doctor(machine)
    assert [f for f in after if f.severity != "info"] == []

    undo_last()
    assert snapshot_files(machine.user_kernels) == before


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


def test_wrapper_kernels(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    base = conda_builder.create(machine.root / "opt" / "conda", python="3.11", ipykernel=True)
    env = conda_builder.create(base.prefix / "envs" / "ml", python="3.11", ipykernel=True)
    conda = str(base.prefix / "bin" / "conda")
    machine.write_kernel(machine.user_kernels, "by-prefix", [conda, "run", "-p", str(env.prefix),
                                                             "python", *LAUNCHER])
    machine.write_kernel(machine.user_kernels, "by-name", [conda, "run", "-n", "ml", "python", *LAUNCHER])
    machine.write_kernel(machine.user_kernels, "gone-name", [conda, "run", "-n", "deleted", "python",
                                                             *LAUNCHER])
    script = (f"source {base.prefix}/bin/activate {machine.root}/nowhere && exec python "
              "-m ipykernel_launcher -f {connection_file}")
    machine.write_kernel(machine.user_kernels, "gone-prefix", ["bash", "-c", script])
    machine.write_kernel(machine.user_kernels, "ir", ["R", "--slave", "-e", "IRkernel::main()",
                                                      "--args", "{connection_file}"], language="R")

    snapshot, findings = doctor(machine, base.python, activated_environ(base.prefix))

    kernels = {k.name: k for k in snapshot.kernels if k.visible}
    assert kernels["by-prefix"].interpreter == str(env.prefix / "bin" / "python")
    assert kernels["by-name"].interpreter == str(env.prefix / "bin" / "python")
    assert kernels["by-prefix"].environment_id == kernels["by-name"].environment_id
    assert kernels["ir"].interpreter is None
    assert [f.kernels for f in findings if "ir" in f.kernels] == []
    assert only(findings, "K109", "gone-name").title == (
        "Kernel 'gone-name' runs through " + conda + ", but no conda environment is named 'deleted'")
    assert only(findings, "K109", "gone-prefix").title == (
        f"Kernel 'gone-prefix' runs through bash, but {machine.root}/nowhere does not exist")
    duplicates = only(findings, "K106", "by-name")
    assert sorted(duplicates.kernels) == ["by-name", "by-prefix"]
    assert codes([f for f in findings if f.severity != "info"]) == ["K109", "K109"]
