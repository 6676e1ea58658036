"""The whole diagnosis of the running kernel, and `why MODULE` on its live sys.path."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from ..config import EnvDoctor
from ..discovery.scan import Progress
from ..model import Environment, Finding, Kernel
from ..report import Report
from ..why import Explanation, explain
from .findings import running_findings
from .matching import SpecMatch, as_kernel, match_kernelspec, running_environment
from .running import RunningKernel, project_environments, read_running_kernel

# --- the whole diagnosis -------------------------------------------------------------------------


@dataclass
class KernelDiagnosis:
    """The running kernel's facts and findings, with the machine report they were read from."""

    running: RunningKernel
    report: Report
    match: SpecMatch
    kernel: Kernel  # the running kernel, with the live sys.path
    environment: Environment | None
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)


def diagnose(doctor: EnvDoctor, running: RunningKernel | None = None,
             progress: Progress | None = None) -> KernelDiagnosis:
    """Scan the machine as the Jupyter server would see it, then diagnose this kernel."""
    running = running or read_running_kernel()
    notes = configure(doctor, running)
    report = doctor.report(progress=progress, environ=running.environ)
    match = match_kernelspec(running, report.snapshot)
    kernel = as_kernel(running, match, report.snapshot)
    ignored = {code.upper() for code in doctor.ignore}
    findings = [f for f in running_findings(running, report, match, kernel) if f.code not in ignored]
    if not match.certain:
        notes.append(_uncertain_match_note(match))
    return KernelDiagnosis(running, report, match, kernel,
                           running_environment(running, report.snapshot), findings, notes)


def configure(doctor: EnvDoctor, running: RunningKernel) -> list[str]:
    """Point the scan at the server that started this kernel and at nearby project envs.

    Returns notes on what could not be known for sure.
    """
    notes = []
    if doctor.server_python is None and running.parent_interpreter:
        doctor.server_python = running.parent_interpreter
        notes.append(f"The Jupyter server was taken to be {running.parent_interpreter}, the "
                     f"interpreter of process {running.parent_pid} (JPY_PARENT_PID).")
    elif doctor.server_python is None:
        notes.append("The Jupyter server's interpreter is unknown, so kernel dirs are the ones "
                     "this kernel's Python sees; set c.EnvDoctor.server_python to report for "
                     "the server.")
    # The report reads the kernel's environment variables as the server's: spec `env` values
    # and the variables ipykernel sets are in it too.
    extra = [p for p in project_environments(running.cwd) if p not in doctor.extra_env_dirs]
    doctor.extra_env_dirs = [*doctor.extra_env_dirs, *extra]
    return notes


def _uncertain_match_note(match: SpecMatch) -> str:
    if match.kernel is None:
        return f"No kernel spec could be matched to this kernel: {match.reason}."
    text = (f"This kernel was most likely started from kernel {match.kernel.name!r}, but that is "
            f"not certain: {match.reason}.")
    if match.alternatives:
        text += f" Kernels {', '.join(repr(n) for n in match.alternatives)} start the same process."
    return text


# --- where a module comes from -------------------------------------------------------------------


@dataclass
class ModuleExplanation:
    """`why MODULE` for the running kernel: the search on its live sys.path, and what it has loaded."""

    explanation: Explanation
    # Origin of the top-level module that this process has already imported: a file,
    # "built-in" or "frozen". None when it is not imported. `import` returns that module
    # until the kernel restarts.
    loaded_from: str | None


def explain_module(diagnosis: KernelDiagnosis, module: str) -> ModuleExplanation:
    """Explain where ``module`` comes from in this kernel; raise WhyError for an invalid name."""
    explanation = explain(diagnosis.report.snapshot, diagnosis.kernel, module,
                          diagnosis.running.cwd, diagnosis.report.findings)
    return ModuleExplanation(explanation, loaded_module_origin(module.split(".")[0]))


def loaded_module_origin(name: str) -> str | None:
    """Return where module ``name`` in sys.modules was loaded from, or None when it is not."""
    module = sys.modules.get(name)
    if module is None:
        return None
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
    if isinstance(origin, str):
        return origin
    return "built-in" if name in sys.builtin_module_names else "unknown origin"
