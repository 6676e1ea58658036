"""Checks of single kernel specs: can they load, start, and find the right interpreter?"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

from ..discovery.launchers import substitutes_to_server
from ..model import Finding, Kernel, Severity, Snapshot
from . import remedies

WRAPPER_KINDS = ("nb-conda-runner", "conda-run", "shell-activate", "pixi-run")
_VALID_NAME = re.compile(r"^[a-z0-9._-]+$", re.IGNORECASE)


def check_invalid_specs(snapshot: Snapshot) -> Iterator[Finding]:
    """K100: kernel.json that is unreadable, not JSON, or has fields of the wrong type.

    jupyter_client skips specs it cannot parse, and fails to start the others.
    """
    for kernel in snapshot.kernels:
        if kernel.error is None:
            continue
        yield Finding(
            code="K100",
            severity="error",
            title=f"Kernel spec {kernel.name!r} is invalid: {kernel.error}",
            kernels=[kernel.name],
            evidence={"spec_path": kernel.spec_path, "error": kernel.error,
                      "hint": "to keep the kernel, correct kernel.json by hand instead"},
            fixes=remedies.spec_fixes(kernel, remedies.remove_spec(kernel)),
        )


def check_missing_interpreters(snapshot: Snapshot) -> Iterator[Finding]:
    """K101: the interpreter in argv is gone, a broken symlink, a directory, or not executable."""
    for kernel in _loaded(snapshot):
        launch = kernel.launch
        if launch is None or launch.kind != "python" or not kernel.interpreter:
            continue
        problem = _interpreter_problem(kernel.interpreter)
        if problem is None:
            continue
        evidence: dict[str, Any] = {
            "spec_path": kernel.spec_path, "interpreter": kernel.interpreter, "problem": problem}
        prefix = _prefix_guess(kernel.interpreter)
        fixes = remedies.spec_fixes(kernel, remedies.remove_spec(kernel))
        env = snapshot.environment(kernel.environment_id)
        if env is not None and env.kind == "venv" and env.base_home and not os.path.isdir(env.base_home):
            # The venv is still there, only its base Python is gone: recreating the venv
            # (E203) repairs this kernel, so removing it would lose a working setup.
            evidence["venv_still_exists"] = True
            fixes = []
        if prefix:
            evidence["environment_prefix"] = prefix
            evidence["environment_exists"] = os.path.isdir(prefix)
            evidence["in_environments_txt"] = any(
                e.value.rstrip("/") == prefix for e in snapshot.registry)
        yield Finding(
            code="K101",
            severity="error",
            title=f"Kernel {kernel.name!r} runs {kernel.interpreter}, which {problem}",
            kernels=[kernel.name],
            environments=[prefix] if prefix else [],
            evidence=evidence,
            fixes=fixes,
        )


def check_bare_python(snapshot: Snapshot) -> Iterator[Finding]:
    """K102: argv[0] is a bare name, so what runs depends on the launcher and on PATH."""
    server = snapshot.server
    for kernel in _loaded(snapshot):
        launch = kernel.launch
        if launch is None or launch.kind != "bare-python" or not kernel.visible:
            continue
        if kernel.source in ("env", "builtin") and kernel.interpreter == server.executable:
            # ipykernel's own spec in the server's env: the bare name means "this env's python".
            continue
        program = launch.interpreter or "python"
        evidence: dict[str, Any] = {
            "spec_path": kernel.spec_path,
            "argv0": program,
            "jupyter_client_runs": kernel.interpreter,
            "server_python": server.executable,
        }
        title = f"Kernel {kernel.name!r} starts a bare {program!r}: " + _bare_outcome(
            kernel, snapshot, program, evidence)
        severity: Severity = "warning" if kernel.interpreter else "error"
        if _same_interpreter(evidence.get("path_program", evidence.get("path_python")), kernel.interpreter):
            severity = "info"  # Every launcher runs the same interpreter today.
        yield Finding(
            code="K102",
            severity=severity,
            title=title,
            kernels=[kernel.name],
            evidence=evidence,
            fixes=remedies.spec_fixes(kernel, remedies.repoint_spec(kernel, kernel.interpreter))
            if kernel.interpreter else [],
        )


def _bare_outcome(kernel: Kernel, snapshot: Snapshot, program: str, evidence: dict[str, Any]) -> str:
    """Describe what jupyter_client and other front ends run for a bare argv[0]."""
    server = snapshot.server
    if not substitutes_to_server(program, server.version):
        if kernel.interpreter is None:
            return f"no {program!r} is on PATH, so the kernel cannot start"
        return f"every launcher runs {kernel.interpreter}, the first {program!r} on PATH"
    jupyter_client = f"jupyter_client runs the server's {server.executable}"
    path_python = snapshot.path_python if program == "python" else None
    if path_python is None:
        other = shutil.which(program, path=server.environ.get("PATH", os.defpath))
        evidence["path_program"] = other
        if _same_interpreter(other, kernel.interpreter):
            return f"{jupyter_client}, and so do other launchers while PATH finds it first"
        return f"{jupyter_client}, other launchers run {other or f'no {program!r} (none on PATH)'}"
    evidence["path_python"] = path_python.executable
    evidence["path_python_version"] = path_python.version
    evidence["path_python_has_ipykernel"] = path_python.importable.get("ipykernel")
    if _same_interpreter(path_python.executable, kernel.interpreter):
        return f"{jupyter_client}, and so do other launchers while PATH finds it first"
    ipykernel = "with" if path_python.importable.get("ipykernel") else "without"
    return (f"{jupyter_client}, other launchers run {path_python.executable} "
            f"(Python {path_python.version or '?'}, {ipykernel} ipykernel)")


def check_launcher_importable(snapshot: Snapshot) -> Iterator[Finding]:
    """K103: the interpreter runs, but cannot import the module the kernel starts."""
    for kernel in _loaded(snapshot):
        probe = kernel.probe
        if probe is None or not probe.ok or not kernel.visible:
            continue
        module = kernel.launch.module if kernel.launch else None
        missing = [m for m in (module,) if m and probe.importable.get(m) is False]
        if not missing:
            continue
        env = snapshot.environment(kernel.environment_id)
        interpreter = kernel.interpreter or probe.executable
        fixes = []
        if missing[0].split(".")[0] in ("ipykernel", "ipykernel_launcher"):
            install = remedies.install_ipykernel_command(env, interpreter)
            fixes = [remedies.run_command(f"Install ipykernel into {env.prefix if env else interpreter}",
                                          install)]
        yield Finding(
            code="K103",
            severity="error",
            title=f"Kernel {kernel.name!r} cannot start: {interpreter} cannot import {missing[0]}",
            kernels=[kernel.name],
            environments=[env.prefix] if env else [],
            evidence={"spec_path": kernel.spec_path, "interpreter": interpreter,
                      "module": missing[0], "sys_prefix": probe.prefix, "python_version": probe.version},
            fixes=fixes,
        )


def check_probe_failures(snapshot: Snapshot) -> Iterator[Finding]:
    """K104: the interpreter exists but hangs, crashes or prints nonsense when started."""
    for kernel in _loaded(snapshot):
        probe = kernel.probe
        if probe is None or probe.ok or not kernel.visible:
            continue
        if kernel.interpreter and _interpreter_problem(kernel.interpreter) is not None:
            continue  # K101 or K109 already reports a missing interpreter.
        yield Finding(
            code="K104",
            severity="error",
            title=f"Interpreter of kernel {kernel.name!r} {'hangs' if probe.timed_out else 'fails'}: {probe.error}",
            kernels=[kernel.name],
            evidence={"spec_path": kernel.spec_path, "interpreter": probe.executable,
                      "timed_out": probe.timed_out, "error": probe.error},
        )


def check_missing_wrapper_targets(snapshot: Snapshot) -> Iterator[Finding]:
    """K109: a wrapper (runner, conda run, activate, pixi run) names an env that is gone."""
    for kernel in _loaded(snapshot):
        launch = kernel.launch
        if launch is None or launch.kind not in WRAPPER_KINDS or not kernel.visible:
            continue
        problem = None
        if launch.target_prefix and not os.path.exists(launch.target_prefix):
            problem = f"{launch.target_prefix} does not exist"
        elif launch.target_name and not launch.target_prefix and kernel.interpreter is None:
            problem = f"no conda environment is named {launch.target_name!r}"
        elif kernel.interpreter and _interpreter_problem(kernel.interpreter):
            problem = f"{kernel.interpreter} {_interpreter_problem(kernel.interpreter)}"
        if problem is None:
            continue
        yield Finding(
            code="K109",
            severity="error",
            title=f"Kernel {kernel.name!r} runs through {launch.wrapper or launch.kind}, but {problem}",
            kernels=[kernel.name],
            environments=[launch.target_prefix] if launch.target_prefix else [],
            evidence={"spec_path": kernel.spec_path, "launcher": launch.kind, "argv": kernel.argv},
            fixes=remedies.spec_fixes(kernel, remedies.remove_spec(kernel)),
        )


def check_pythonhome_pythonpath(snapshot: Snapshot) -> Iterator[Finding]:
    """K110: PYTHONHOME or PYTHONPATH from the spec or the server reaches the kernel."""
    server_env = snapshot.server.environ
    for kernel in _loaded(snapshot):
        if not kernel.visible or not kernel.is_python:
            continue
        for var in ("PYTHONHOME", "PYTHONPATH"):
            if kernel.env.get(var) == "":
                continue  # An empty value in the spec hides the server's value on purpose.
            if var in kernel.env:
                origin = "kernel spec"
            elif server_env.get(var):
                origin = "server environment"
            else:
                continue
            value = kernel.env.get(var, server_env.get(var, ""))
            fixes = remedies.spec_fixes(kernel, remedies.set_spec_env(kernel, {var: None}, f"Remove {var}")) \
                if var in kernel.env else []
            evidence = {"spec_path": kernel.spec_path, "variable": var, "value": value, "origin": origin}
            if origin == "server environment":
                evidence["correct_server_environment"] = (
                    f"unset {var} where the Jupyter server is started")
            elif not fixes:
                evidence["no_spec_fix"] = remedies.NO_SPEC_FIX
            yield Finding(
                code="K110",
                severity="warning",
                title=f"Kernel {kernel.name!r} inherits {var}={value} from the {origin}",
                kernels=[kernel.name],
                evidence=evidence,
                fixes=fixes,
            )


def check_invalid_names(snapshot: Snapshot) -> Iterator[Finding]:
    """K112: a kernel dir whose name jupyter_client warns about and front ends may mangle."""
    for kernel in snapshot.kernels:
        if kernel.source in ("builtin", "nb_conda_kernels") or _VALID_NAME.match(kernel.name):
            continue
        taken = {k.name for k in snapshot.kernels}
        new_name = remedies.free_kernel_name(remedies.portable_kernel_name(kernel.name), taken)
        yield Finding(
            code="K112",
            severity="warning",
            title=f"Kernel dir name {kernel.name!r} has characters other than ASCII letters, digits, - . _",
            kernels=[kernel.name],
            evidence={"resource_dir": kernel.resource_dir},
            fixes=remedies.spec_fixes(kernel, remedies.rename_spec(kernel, new_name)),
        )


def _same_interpreter(a: str | None, b: str | None) -> bool:
    # python and python3 in one bin dir are one interpreter. Resolving further is wrong: a
    # venv's bin/python links to its base interpreter, which other venvs share.
    if not a or not b or os.path.dirname(a) != os.path.dirname(b):
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _loaded(snapshot: Snapshot) -> list[Kernel]:
    return [k for k in snapshot.kernels if k.error is None and k.launch is not None]


def _interpreter_problem(path: str) -> str | None:
    if os.path.islink(path) and not os.path.exists(path):
        return f"is a broken symlink (to {os.readlink(path)})"
    if not os.path.exists(path):
        return "does not exist"
    if os.path.isdir(path):
        return "is a directory"
    if not os.access(path, os.X_OK):
        return "is not executable"
    return None


def _prefix_guess(interpreter: str) -> str | None:
    folder = os.path.dirname(interpreter)
    if os.path.basename(folder) in ("bin", "Scripts"):
        return os.path.dirname(folder)
    return None


CHECKS = [
    check_invalid_specs,
    check_missing_interpreters,
    check_bare_python,
    check_launcher_importable,
    check_probe_failures,
    check_missing_wrapper_targets,
    check_pythonhome_pythonpath,
    check_invalid_names,
]
