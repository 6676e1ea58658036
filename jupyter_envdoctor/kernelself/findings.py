"""The N500, N501 and N502 findings about the running kernel, and the order of its findings."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from ..checks import remedies
from ..checks.notebookfiles import notebook_folder_findings
from ..model import SEVERITY_ORDER, Environment, Finding, Fix, Kernel, Severity, Snapshot
from ..report import Report
from .matching import SpecMatch, _environment_prefix, environment_at, running_environment
from .running import RunningKernel, project_environments

# Codes of the findings about the running kernel itself; they need a live kernel, so the
# machine report never has them.
WRONG_ENVIRONMENT = "N500"  # the kernel runs another environment than its spec's label names
STALE_SPEC = "N501"  # the spec that started the kernel now names another environment
PROJECT_ENVIRONMENT = "N502"  # the notebook folder has a project environment the kernel skips
KERNEL_CODES = frozenset({WRONG_ENVIRONMENT, STALE_SPEC, PROJECT_ENVIRONMENT})


# --- findings about the running kernel -------------------------------------------------------------


def running_findings(running: RunningKernel, report: Report, match: SpecMatch,
                     kernel: Kernel) -> list[Finding]:
    """Return the findings about this kernel: wrong-environment findings first, then by severity."""
    snapshot = report.snapshot
    env = running_environment(running, snapshot)
    findings: list[Finding] = []
    if match.kernel is not None and env is not None:
        findings += _claimed_environment(report, match.kernel, env)
        findings += _stale_spec(snapshot, match, env)
    if env is not None:
        findings += _project_environment(report, running, kernel, env)
    findings += notebook_folder_findings(snapshot, [running.cwd], kernels=[kernel])
    wrong = [f for f in findings if f.code in KERNEL_CODES]
    others = sorted((f for f in findings if f.code not in KERNEL_CODES),
                    key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.title))
    return wrong + others


def _claimed_environment(report: Report, spec: Kernel, env: Environment) -> list[Finding]:
    """N500: the spec's display name or metadata names another environment (its K111)."""
    claim = next((f for f in report.findings if f.code == "K111" and spec.name in f.kernels), None)
    if claim is None:
        return []
    claimed = [e for e in report.snapshot.environments
               if e.prefix in claim.environments[1:] and e.prefix != env.prefix]
    if not claimed:
        return []
    label = str(claim.evidence.get("claimed", claimed[0].name))
    claimed_prefixes = [e.prefix for e in claimed]
    targets = kernels_running(report.snapshot, [e.prefix for e in claimed], exclude=spec.name)
    title = (f"This kernel runs {env.prefix}, but its kernel {spec.name!r} is labelled {label!r}"
             f" ({spec.display_name}): {_switch_advice(report, targets, claimed)}")
    evidence = {
        "kernel": spec.name,
        "display_name": spec.display_name,
        "spec_path": spec.spec_path,
        "claimed": label,
        "claimed_prefixes": claimed_prefixes,
        "running_prefix": env.prefix,
        "interpreter": spec.interpreter,
        "switch_to": [_kernel_label(k) for k in targets],
    }
    return [Finding(code=WRONG_ENVIRONMENT, severity="warning", title=title, kernels=[spec.name],
                    environments=[env.prefix, *claimed_prefixes], evidence=evidence,
                    fixes=_register_fixes(report, claimed, targets) + list(claim.fixes))]


def _stale_spec(snapshot: Snapshot, match: SpecMatch, env: Environment) -> list[Finding]:
    """N501: the spec named in the connection file now starts another environment."""
    spec = match.kernel
    if spec is None or not match.certain or spec.launch is None:
        return []
    # A bare python always becomes the server's interpreter, whatever the spec was written for.
    if spec.launch.kind == "bare-python" or not spec.interpreter:
        return []
    spec_prefix = _environment_prefix(spec, snapshot)
    if spec_prefix == env.prefix or (spec_prefix is None and _same_prefix_dir(spec.interpreter, env)):
        return []
    title = (f"Kernel {spec.name!r} now starts {spec.interpreter}, but this kernel process runs "
             f"{env.python or env.prefix}: the spec changed after this kernel started, or the "
             "server reads another spec of that name. A restart reuses the old argv, so shut this "
             "kernel down and start it again to run what the spec names")
    evidence = {"kernel": spec.name, "spec_path": spec.spec_path,
                "spec_interpreter": spec.interpreter, "spec_prefix": spec_prefix,
                "running_prefix": env.prefix}
    return [Finding(code=STALE_SPEC, severity="warning", title=title, kernels=[spec.name],
                    environments=[env.prefix], evidence=evidence)]


def _same_prefix_dir(interpreter: str, env: Environment) -> bool:
    return os.path.dirname(os.path.dirname(os.path.realpath(interpreter))) == env.prefix


def _project_environment(report: Report, running: RunningKernel, kernel: Kernel,
                         env: Environment) -> list[Finding]:
    """N502: the notebook folder (or a folder above it) has a project env that this kernel skips."""
    projects = project_environments(running.cwd)
    if not projects:
        return []
    project = environment_at(projects[0], report.snapshot)
    if project is None or project.prefix == env.prefix:
        return []
    targets = kernels_running(report.snapshot, [project.prefix])
    severity: Severity = "warning" if targets or project.has_ipykernel else "info"
    title = (f"The notebook folder's project environment {project.prefix} is not the one this "
             f"kernel runs ({env.prefix}): {_switch_advice(report, targets, [project])}")
    evidence = {
        "kernel": kernel.name,
        "cwd": running.cwd,
        "project_prefix": project.prefix,
        "project_has_ipykernel": project.has_ipykernel,
        "running_prefix": env.prefix,
        "switch_to": [_kernel_label(k) for k in targets],
    }
    fixes = _register_fixes(report, [project], targets)
    if not targets and not project.has_ipykernel and project.python:
        command = remedies.install_ipykernel_command(project, project.python)
        fixes.append(remedies.run_command(f"Install ipykernel into {project.prefix}", command))
    return [Finding(code=PROJECT_ENVIRONMENT, severity=severity, title=title,
                    kernels=[kernel.name], environments=[env.prefix, project.prefix],
                    evidence=evidence, fixes=fixes)]


def kernels_running(snapshot: Snapshot, prefixes: Iterable[str], exclude: str | None = None) -> list[Kernel]:
    """Return the visible, valid kernels that run one of the environments at ``prefixes``."""
    wanted = set(prefixes)
    return [k for k in snapshot.visible_kernels()
            if k.error is None and k.name != exclude and _environment_prefix(k, snapshot) in wanted]


def _switch_advice(report: Report, targets: Sequence[Kernel], envs: Sequence[Environment]) -> str:
    if targets:
        names = " or ".join(f"kernel {k.name!r} ({k.display_name})" for k in targets)
        return f"switch the notebook to {names}"
    if any(e.has_ipykernel for e in envs):
        return "no kernel runs it yet: register one, then switch the notebook to it"
    return "no kernel runs it and it has no ipykernel: install ipykernel and register a kernel"


def _register_fixes(report: Report, envs: Sequence[Environment], targets: Sequence[Kernel]) -> list[Fix]:
    """Return the E200 register-kernel fixes for ``envs`` when no kernel runs them yet."""
    if targets:
        return []
    prefixes = {e.prefix for e in envs}
    return [fix for finding in report.findings if finding.code == "E200"
            and prefixes & set(finding.environments) for fix in finding.fixes]


def _kernel_label(kernel: Kernel) -> dict[str, str]:
    return {"name": kernel.name, "display_name": kernel.display_name}
