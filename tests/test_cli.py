"""`jupyter envdoctor` end to end: report, fix, report again, undo, on one machine with many faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conda_envs import CondaEnvBuilder, Dist, Package, find_python
from jupyter_setup import JupyterHome

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))


def envdoctor(*args: str, environ: dict[str, str]) -> tuple[int, str, str]:
    # From HOME, as a user would: the current dir is the default root dir that gets searched.
    result = subprocess.run([CLI, *args], capture_output=True, text=True, env=environ,
                            stdin=subprocess.DEVNULL, timeout=300, check=False, cwd=environ["HOME"])
    return result.returncode, result.stdout, result.stderr


def kernel_files(*roots: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


def build_broken_machine(machine: JupyterHome, builder: CondaEnvBuilder) -> dict[str, Any]:
    """Lay out every kind of kernel fault at once on one machine whose server runs in base."""
    txt = machine.environments_txt
    base = builder.create(machine.root / "conda", python="3.11", ipykernel=True)
    old3 = builder.create(machine.root / "old3", python="3.7", ipykernel=True, environments_txt=txt)
    builder.create(base.prefix / "envs" / "studio", python="3.11", ipykernel=True)
    builder.create(base.prefix / "envs" / "py27", python="2.7")
    pandas_env = builder.create(
        base.prefix / "envs" / "pandas-env", python="3.11", ipykernel=True,
        packages=[Package("pandas", "0.25.3", "py311_0", dists=(Dist("pandas", "0.25.3"),))])
    tf = builder.create(base.prefix / "envs" / "tf", python="3.11", ipykernel=True,
                        state_env_vars={"XLA_FLAGS": "--xla_gpu_cuda_data_dir=/opt/cuda"})
    gone = builder.create(machine.root / "gone", python="3.11", ipykernel=True)
    proj = machine.venv("proj")

    user = machine.user_kernels
    machine.write_kernel(user, "python3", [str(old3.python), *LAUNCHER])
    machine.write_kernel(user, "oldenv", [str(gone.python), *LAUNCHER])
    machine.write_kernel(user, "broken", text='{"argv": ["python", "-m"')
    machine.write_kernel(user, "proj", [str(proj), *LAUNCHER])
    machine.write_kernel(user, "pandas-env", [str(pandas_env.python), *LAUNCHER])
    machine.write_kernel(user, "tf", [str(tf.python), *LAUNCHER])
    machine.write_kernel(machine.system_dir / "kernels", "legacy", ["python3", *LAUNCHER])
    subprocess.run(["rm", "-rf", str(gone.prefix)], check=True)
    machine.link_on_path("python3", find_python("3.9").executable)

    # A python3 of another version comes first on PATH, so the bare "python3" of the legacy
    # spec means one interpreter to jupyter_client and another to other launchers.
    environ = dict(os.environ)
    environ["PATH"] = os.pathsep.join([str(machine.bin_dir), str(base.prefix / "bin"), environ["PATH"]])
    return {"base": base, "proj": proj, "environ": environ}


def finding_codes(report: dict[str, Any], minimum: str = "warning") -> list[str]:
    levels = ("error",) if minimum == "error" else ("error", "warning")
    return sorted(f["code"] for f in report["findings"] if f["severity"] in levels)


def test_report_fix_undo(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    layout = build_broken_machine(machine, conda_builder)
    environ = layout["environ"]
    server = f"--server-python={layout['base'].python}"
    before = kernel_files(machine.user_kernels, machine.system_dir)

    status, out, err = envdoctor("--json", "--no-cache", server, environ=environ)

    assert (status, err) == (2, "")
    report = json.loads(out)
    assert report["schema_version"] == 1
    assert finding_codes(report) == ["K100", "K101", "K102", "K103", "K105", "K107", "K107", "K107", "K108"]
    info = sorted(f["code"] for f in report["findings"] if f["severity"] == "info")
    assert info == ["E200", "E201", "K107"]
    assert report["summary"] == {"errors": 3, "warnings": 6, "info": 3, "exit_code": 2}

    status, out, err = envdoctor("fix", "--yes", "--no-cache", server, environ=environ)

    assert status == 0, out + err
    assert "Applied 10 fixes" in out, out
    assert "jupyter envdoctor undo" in out
    _, out, _ = envdoctor("--json", "--no-cache", server, environ=environ)
    assert finding_codes(json.loads(out)) == ["K103"]

    # K103's fix is a package install that the user runs.
    machine.uv_install(layout["proj"], "ipykernel")
    status, out, _ = envdoctor("--no-cache", server, environ=environ)
    assert status == 0, out
    assert "E201" in out

    status, out, err = envdoctor("undo", "--yes", environ=environ)

    assert status == 0, out + err
    assert kernel_files(machine.user_kernels, machine.system_dir) == before
    status, _, err = envdoctor("undo", "--yes", environ=environ)
    assert (status, err.strip()) == (1, "Nothing to undo: no applied fix run.")


def test_text_report_names_fixes(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    layout = build_broken_machine(machine, conda_builder)
    server = f"--server-python={layout['base'].python}"

    status, out, err = envdoctor("--no-cache", server, environ=layout["environ"])

    assert (status, err) == (2, "")
    assert "Findings: 3 errors, 6 warnings, 3 info" in out
    assert "ERROR   K100 Kernel spec 'broken' is invalid: invalid JSON at line 1 column 25: Expecting ',' delimiter" in out
    assert f"K103 Kernel 'proj' cannot start: {layout['proj']} cannot import ipykernel_launcher" in out
    assert "jupyter envdoctor fix --fix remove-spec-" in out


def test_fix_dry_run_changes_nothing(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    layout = build_broken_machine(machine, conda_builder)
    before = kernel_files(machine.user_kernels, machine.system_dir)

    status, out, _ = envdoctor("fix", "--dry-run", "--no-cache", "--code=K107",
                               f"--server-python={layout['base'].python}", environ=layout["environ"])

    assert status == 0
    assert '+  "PATH": "' in out
    assert "Dry run: nothing was changed." in out
    assert kernel_files(machine.user_kernels, machine.system_dir) == before


def test_fix_without_terminal_asks_for_yes(machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "broken", text="{")

    status, _, err = envdoctor("fix", "--no-cache", environ=dict(os.environ))

    assert status == 1
    assert "run again with --yes to confirm" in err
    assert (machine.user_kernels / "broken" / "kernel.json").read_text() == "{"


def test_bad_argument_exit_code(machine: JupyterHome) -> None:
    status, _, err = envdoctor("--timeout=soon", environ=dict(os.environ))

    assert status == 3
    assert "Traceback" not in err
    assert "invalid value for --timeout: expected a float, not the str 'soon'" in err


def test_jupyter_subcommand(machine: JupyterHome) -> None:
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    result = subprocess.run([jupyter, "envdoctor", "--no-probe"], capture_output=True, text=True,
                            env=dict(os.environ), timeout=120, check=False, cwd=os.environ["HOME"])

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Jupyter server: ")


def test_unknown_option_exit_code(machine: JupyterHome) -> None:
    status, _, err = envdoctor("--bogus", environ=dict(os.environ))

    assert status == 3
    assert "Traceback" not in err


def test_shared_config_file(machine: JupyterHome) -> None:
    config_dir = machine.home / ".jupyter"
    config_dir.mkdir()
    (config_dir / "jupyter_envdoctor_config.py").write_text('c.EnvDoctor.ignore = ["K100"]\n')
    machine.write_kernel(machine.user_kernels, "broken", text="{")

    report_status, _, _ = envdoctor("--no-probe", environ=dict(os.environ))
    fix_status, fix_out, _ = envdoctor("fix", "--dry-run", "--no-probe", environ=dict(os.environ))

    assert report_status == 0
    assert (fix_status, fix_out.strip()) == (0, "Nothing to fix.")


def test_selection_errors(machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "broken", text="{")
    environ = dict(os.environ)

    for args, message in [
        (["fix", "--code=Z999"], "unknown finding code Z999"),
        (["fix", "--kernel=nokernel"], "no kernel named nokernel; the kernels are: broken"),
        (["fix", "--fix=remove-spec-0000000000"], "no fix with id remove-spec-0000000000"),
        (["fxi"], "unknown command 'fxi'; the commands are: check, export, fix, undo"),
        (["--bogus=1"], "unknown option --bogus"),
        (["--json", "fix"], "the command goes first, before its options: jupyter envdoctor fix --json"),
        (["undo", "--timeout=5"], "unknown option --timeout"),
        (["--timeout=0"], "the probe timeout must be a positive number of seconds, not 0.0"),
        (["--server-python=/nonexistent/python"], "the server interpreter /nonexistent/python does not exist"),
    ]:
        status, _, err = envdoctor(*args, "--no-probe", environ=environ)
        assert status == 3, (args, err)
        assert message in err, (args, err)
