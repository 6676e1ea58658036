"""Broken input becomes a finding or a message; nothing raises and nothing is changed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from jupyter_setup import JupyterHome, codes, doctor, only

from jupyter_envdoctor.checks import remedies
from jupyter_envdoctor.fixes import (
    FixError,
    apply_fixes,
    plan_all,
    plan_fix,
    select_fixes,
    undo_last,
)
from jupyter_envdoctor.model import Finding, Kernel

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "invalid JSON at line 1 column 1: Expecting value"),
        ('{"argv": ["python"', "invalid JSON at line 1 column 19: Expecting ',' delimiter"),
        ("[1, 2]", "kernel.json must hold a JSON object, not list"),
        ('{"display_name": "x"}', "missing required field argv"),
        ('{"argv": "python -m ipykernel"}', "argv must be a non-empty list of strings"),
        ('{"argv": []}', "argv must be a non-empty list of strings"),
        ('{"argv": ["python", 3]}', "argv must be a non-empty list of strings"),
        ('{"argv": ["python"], "env": {"A": 1}}', "env must be an object whose values are strings"),
    ],
)
def test_invalid_spec_is_reported(machine: JupyterHome, text: str, error: str) -> None:
    machine.write_kernel(machine.user_kernels, "bad", text=text)

    _, findings = doctor(machine, probe=False)

    finding = only(findings, "K100", "bad")
    assert finding.evidence["error"] == error
    assert (machine.user_kernels / "bad" / "kernel.json").read_text() == text


def test_non_utf8_spec(machine: JupyterHome) -> None:
    folder = machine.user_kernels / "latin1"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_bytes(b'{"argv": ["python"], "display_name": "caf\xe9"}')

    _, findings = doctor(machine, probe=False)

    assert only(findings, "K100", "latin1").evidence["error"] == "kernel.json is not valid UTF-8 (byte 41)"


def test_broken_symlinks(machine: JupyterHome, tmp_path: Path) -> None:
    link_spec = machine.user_kernels / "dangling"
    link_spec.mkdir(parents=True)
    (link_spec / "kernel.json").symlink_to(tmp_path / "nowhere.json")
    interpreter = tmp_path / "linked-env" / "bin" / "python3"
    interpreter.parent.mkdir(parents=True)
    interpreter.symlink_to(tmp_path / "deleted-python")
    machine.write_kernel(machine.user_kernels, "linked", [str(interpreter), *LAUNCHER])

    _, findings = doctor(machine)

    assert only(findings, "K100", "dangling").evidence["error"] == "kernel.json is a broken symlink"
    linked = only(findings, "K101", "linked")
    assert linked.evidence["problem"] == f"is a broken symlink (to {tmp_path / 'deleted-python'})"

    apply_fixes(plan_all(select_fixes(findings))[0])
    assert not link_spec.exists()
    undo_last()
    assert os.readlink(link_spec / "kernel.json") == str(tmp_path / "nowhere.json")


def test_interpreter_not_executable(machine: JupyterHome, tmp_path: Path) -> None:
    fake = tmp_path / "noexec-env" / "bin" / "python3"
    fake.parent.mkdir(parents=True)
    fake.write_text("not a program")
    fake.chmod(stat.S_IRUSR | stat.S_IWUSR)
    machine.write_kernel(machine.user_kernels, "noexec", [str(fake), *LAUNCHER])

    _, findings = doctor(machine)

    assert only(findings, "K101", "noexec").evidence["problem"] == "is not executable"
    assert "K104" not in codes(findings)


def test_hanging_interpreter(machine: JupyterHome, tmp_path: Path) -> None:
    hang = tmp_path / "hang" / "bin" / "python"
    hang.parent.mkdir(parents=True)
    hang.write_text("#!/bin/sh\nsleep 60\n")
    hang.chmod(0o755)
    machine.write_kernel(machine.user_kernels, "stuck", [str(hang), *LAUNCHER])

    _, findings = doctor(machine, probe_timeout=1.0)

    finding = only(findings, "K104", "stuck")
    assert finding.severity == "error"
    assert finding.evidence["timed_out"] is True


def test_crashing_interpreter(machine: JupyterHome, tmp_path: Path) -> None:
    crash = tmp_path / "crash" / "bin" / "python"
    crash.parent.mkdir(parents=True)
    crash.write_text("#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 3\n")
    crash.chmod(0o755)
    machine.write_kernel(machine.user_kernels, "crash", [str(crash), *LAUNCHER])

    _, findings = doctor(machine)

    finding = only(findings, "K104", "crash")
    assert finding.evidence["timed_out"] is False
    assert "3" in finding.evidence["error"]
    assert "init_fs_encoding" in finding.evidence["error"]


def test_kernel_dir_is_a_file(machine: JupyterHome) -> None:
    machine.user_kernels.mkdir(parents=True)
    (machine.user_kernels / "notes.txt").write_text("not a kernel")
    (machine.system_dir / "kernels").rmdir()
    (machine.system_dir / "kernels").write_text("oops")

    snapshot, _ = doctor(machine, probe=False)

    assert f"kernel dir {machine.system_dir / 'kernels'} is a file, not a directory" in snapshot.problems


def test_environments_txt_junk(machine: JupyterHome, tmp_path: Path) -> None:
    machine.environments_txt.parent.mkdir(parents=True)
    machine.environments_txt.write_bytes(
        b"relative/env\n" + str(tmp_path / "gone").encode() + b"\n\n" + str(tmp_path).encode()
        + b"\n/caf\xe9/env\n")

    _, findings = doctor(machine, probe=False)

    stale = sorted((f.evidence["line"], f.evidence["status"]) for f in findings if f.code == "E202")
    assert stale == [(1, "invalid"), (2, "missing"), (4, "not-an-env"), (5, "invalid")]


def test_plan_refuses_outside_kernel_dirs(tmp_path: Path) -> None:
    from jupyter_envdoctor.checks.remedies import make_fix

    fix = make_fix("remove-spec", "remove", {"resource_dir": str(tmp_path), "kernel": "x"})

    with pytest.raises(FixError, match="not inside a kernels dir"):
        plan_fix(fix)


def test_fix_of_spec_changed_meanwhile(machine: JupyterHome) -> None:
    folder = machine.write_kernel(machine.user_kernels, "bare", ["python", *LAUNCHER])
    _, findings = doctor(machine, probe=False)
    (fix,) = select_fixes(findings, codes=["K102"])
    planned, _ = plan_all([fix])
    apply_fixes(planned)
    (folder / "kernel.json").write_text(json.dumps({"argv": ["edited"]}))

    with pytest.raises(FixError, match="changed since it was applied"):
        undo_last()
    assert json.loads((folder / "kernel.json").read_text()) == {"argv": ["edited"]}


def test_register_checks_ipykernel_first(machine: JupyterHome) -> None:
    from jupyter_envdoctor.checks.remedies import register_kernel
    from jupyter_envdoctor.discovery.environments import describe_prefix

    venv = machine.venv("no-ipykernel")
    env = describe_prefix(str(venv.parent.parent), "test")
    assert env is not None

    with pytest.raises(FixError, match="cannot import ipykernel; install it first: .* -m pip install"):
        plan_fix(register_kernel(env))
    assert not machine.user_kernels.exists()


def test_bare_name_not_on_path(machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "old", ["python3.4", *LAUNCHER])

    snapshot, findings = doctor(machine, probe=False)

    finding = only(findings, "K102", "old")
    assert finding.severity == "error"
    assert finding.title == "Kernel 'old' starts a bare 'python3.4': no 'python3.4' is on PATH, so the kernel cannot start"
    assert finding.fixes == []
    assert [k.interpreter for k in snapshot.kernels if k.name == "old"] == [None]


def test_fix_never_writes_through_links(machine: JupyterHome, tmp_path: Path) -> None:
    env_specs = tmp_path / "env" / "share" / "jupyter" / "kernels"
    target = machine.write_kernel(env_specs, "python3", ["python", *LAUNCHER])
    original = (target / "kernel.json").read_bytes()
    machine.user_kernels.mkdir(parents=True)
    (machine.user_kernels / "linked").symlink_to(target)
    file_link = machine.user_kernels / "filelink"
    file_link.mkdir()
    (file_link / "kernel.json").symlink_to(target / "kernel.json")
    _, findings = doctor(machine, probe=False)

    edits = [f for f in select_fixes(findings, codes=["K102"])]
    planned, skipped = plan_all(edits)

    assert planned == []
    assert sorted(reason.split(":")[0] for _, reason in skipped) == [
        f"cannot edit {file_link / 'kernel.json'}", f"cannot edit {machine.user_kernels / 'linked' / 'kernel.json'}"]
    removal = plan_fix(remedies.remove_spec(_kernel(findings, "linked")))
    apply_fixes([removal])
    assert not os.path.lexists(machine.user_kernels / "linked")
    assert (target / "kernel.json").read_bytes() == original
    undo_last()
    assert os.readlink(machine.user_kernels / "linked") == str(target)


def test_diff_marks_missing_final_newline(machine: JupyterHome) -> None:
    folder = machine.write_kernel(machine.user_kernels, "bare", text='{"argv": ["python", "-m", "ipykernel_launcher"]}')
    _, findings = doctor(machine, probe=False)

    (plan,) = plan_all(select_fixes(findings, codes=["K102"]))[0]

    assert '-{"argv": ["python", "-m", "ipykernel_launcher"]}\n\\ No newline at end of file\n' in plan.diff()
    assert str(folder) in plan.diff()


def _kernel(findings: list[Finding], name: str) -> Kernel:
    """Return a Kernel stand-in for remedies, built from a finding's spec path."""
    finding = next(f for f in findings if name in f.kernels)
    spec_path = finding.evidence["spec_path"]
    return Kernel(name=name, resource_dir=os.path.dirname(spec_path), spec_path=spec_path,
                  source="user", search_rank=0)


def test_interpreter_that_cannot_start(machine: JupyterHome, tmp_path: Path) -> None:
    from conda_envs import find_python

    machine.write_kernel(machine.user_kernels, "nohome", [str(find_python("3.11").executable), *LAUNCHER],
                         env={"PYTHONHOME": str(tmp_path / "no-such-home")})

    _, findings = doctor(machine)

    error = only(findings, "K104", "nohome").evidence["error"]
    assert "Fatal Python error: init_fs_encoding" in error
    assert "No module named 'encodings'" in error
