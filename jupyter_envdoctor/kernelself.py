"""A kernel's diagnosis of itself: what it really runs, which spec started it, and what is wrong.

The functions here run inside a kernel process (the `%envdoctor` magic calls them) but import
neither IPython nor ipykernel, so any front end that runs in a kernel can use them. They read
the live process (``sys.executable``, ``sys.prefix``, ``sys.path``, the working dir and the
command line) and match it against the kernel specs of a machine report. The findings about
this one kernel start with the one that reports a kernel running the wrong environment.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import json
import os
import platform
import re
import site
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from .checks import remedies
from .checks.notebookfiles import notebook_folder_findings
from .config import EnvDoctor
from .discovery.environments import describe_prefix
from .discovery.importpaths import classify_import_path
from .discovery.scan import Progress
from .model import (
    SEVERITY_ORDER,
    Environment,
    Finding,
    Fix,
    Kernel,
    Launch,
    PathEntry,
    ProbeResult,
    ServerInfo,
    Severity,
    Snapshot,
)
from .report import Report, finding_json, render_text
from .why import Explanation, explain, explanation_json
from .why import render_text as render_why

# Codes of the findings about the running kernel itself; they need a live kernel, so the
# machine report never has them.
WRONG_ENVIRONMENT = "N500"  # the kernel runs another environment than its spec's label names
STALE_SPEC = "N501"  # the spec that started the kernel now names another environment
PROJECT_ENVIRONMENT = "N502"  # the notebook folder has a project environment the kernel skips
KERNEL_CODES = frozenset({WRONG_ENVIRONMENT, STALE_SPEC, PROJECT_ENVIRONMENT})

# Project environments looked for in the notebook folder and the folders above it.
PROJECT_ENV_DIRS = (".venv", "venv", os.path.join(".pixi", "envs", "default"))
# Files and folders that mark a project's root, where the search for its environment stops.
PROJECT_ROOT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg", "pixi.toml",
                        "environment.yml", "requirements.txt")
# Used as the kernel name when no kernel spec matches the running process.
UNMATCHED_NAME = "(this kernel)"

_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?t?(\.exe)?$", re.IGNORECASE)
_CONNECTION_FILE_OPTIONS = ("-f", "--f")


# --- the live process --------------------------------------------------------------------------


@dataclass
class RunningKernel:
    """Facts the kernel process reads about itself."""

    executable: str  # sys.executable
    prefix: str  # sys.prefix
    base_prefix: str
    version: str
    path: list[str]  # sys.path as it is now, after ipykernel and IPython changed it
    cwd: str  # the working dir, which is the notebook's folder under Jupyter servers
    argv: list[str]  # the process command line: interpreter, options, module and arguments
    connection_file: str | None
    # The kernel spec name and session name that jupyter_client wrote into the connection
    # file (jupyter_client 8.10 writes both); None when the file has none.
    kernel_name: str | None
    session_name: str | None  # the notebook path: JPY_SESSION_NAME, set by jupyter_server
    parent_pid: int | None  # JPY_PARENT_PID: the process of the server or client that started it
    # The Python interpreter of that process, read from /proc (Linux only); None when unknown.
    parent_interpreter: str | None
    user_site: str | None
    user_site_enabled: bool
    pythonpath: str | None
    stdlib_module_names: list[str] = field(default_factory=list)
    builtin_module_names: list[str] = field(default_factory=list)
    extension_suffixes: list[str] = field(default_factory=list)
    no_user_site: bool = False
    safe_path: bool = False
    # The process environment; left out of the JSON output because it may hold secrets.
    environ: dict[str, str] = field(default_factory=dict, repr=False)


def read_running_kernel(environ: Mapping[str, str] | None = None) -> RunningKernel:
    """Read the facts of this process; ``environ`` replaces os.environ (for tests)."""
    env = dict(os.environ if environ is None else environ)
    argv = process_argv()
    connection_file = connection_file_from_argv(argv)
    info = read_connection_names(connection_file) if connection_file else {}
    parent_pid = _parse_pid(env.get("JPY_PARENT_PID"))
    return RunningKernel(
        executable=sys.executable,
        prefix=sys.prefix,
        base_prefix=sys.base_prefix,
        version=platform.python_version(),
        path=list(sys.path),
        cwd=os.getcwd(),
        argv=argv,
        connection_file=connection_file,
        kernel_name=info.get("kernel_name"),
        session_name=env.get("JPY_SESSION_NAME") or info.get("jupyter_session"),
        parent_pid=parent_pid,
        parent_interpreter=parent_interpreter(parent_pid),
        user_site=site.getusersitepackages() if site.ENABLE_USER_SITE is not None else None,
        user_site_enabled=site.ENABLE_USER_SITE is True,
        pythonpath=env.get("PYTHONPATH"),
        stdlib_module_names=sorted(getattr(sys, "stdlib_module_names", ())),
        builtin_module_names=sorted(sys.builtin_module_names),
        extension_suffixes=list(importlib.machinery.EXTENSION_SUFFIXES),
        no_user_site=bool(sys.flags.no_user_site),
        safe_path=bool(getattr(sys.flags, "safe_path", False)),
        environ=env,
    )


def process_argv() -> list[str]:
    """Return this process's command line as it was started, interpreter first."""
    original = getattr(sys, "orig_argv", None)  # Python 3.10+
    if original:
        return list(original)
    try:
        with open("/proc/self/cmdline", "rb") as file:
            raw = file.read()
    except OSError:
        return [sys.executable, *sys.argv]
    return [os.fsdecode(part) for part in raw.split(b"\0") if part]


def connection_file_from_argv(argv: Sequence[str]) -> str | None:
    """Return the connection file given with ``-f FILE`` (or ``--f=FILE``), as ipykernel reads it."""
    for index, arg in enumerate(argv):
        if arg in _CONNECTION_FILE_OPTIONS and index + 1 < len(argv):
            return argv[index + 1]
        for option in _CONNECTION_FILE_OPTIONS:
            if arg.startswith(option + "="):
                return arg[len(option) + 1:]
    return None


def read_connection_names(path: str) -> dict[str, str]:
    """Return the non-empty ``kernel_name`` and ``jupyter_session`` of a connection file.

    The file also contains the kernel's signing key, which is never copied into the result.
    """
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in ("kernel_name", "jupyter_session")
            if isinstance(data.get(key), str) and data[key]}


def parent_interpreter(pid: int | None) -> str | None:
    """Return the Python interpreter that process ``pid`` runs, from its command line.

    A script with a ``#!`` line starts with the interpreter of that line as argv[0], so a
    `jupyter lab` script names the environment it belongs to. Returns None when the process
    cannot be read (not Linux, or gone) or its argv[0] is not an absolute path to a Python.
    """
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            program = os.fsdecode(file.read().split(b"\0")[0])
    except OSError:
        return None
    if not os.path.isabs(program) or not _PYTHON_NAME.match(os.path.basename(program)):
        return None
    return program if os.access(program, os.X_OK) else None


def _parse_pid(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def project_environments(cwd: str) -> list[str]:
    """Return the project environments (.venv, venv, .pixi) of the notebook folder, nearest first.

    The search goes up from ``cwd`` to the project root: the first folder with a project
    marker (.git, pyproject.toml, ...), else the home dir or the file system root. So a
    notebook in ``project/notebooks`` finds ``project/.venv``, but not an env in a folder
    above the project.
    """
    found = []
    home = os.path.realpath(os.path.expanduser("~"))
    folder = os.path.realpath(cwd)
    while True:
        found += [prefix for prefix in (os.path.join(folder, name) for name in PROJECT_ENV_DIRS)
                  if _is_environment(prefix)]
        parent = os.path.dirname(folder)
        if folder == home or parent == folder or _is_project_root(folder):
            return found
        folder = parent


def _is_environment(prefix: str) -> bool:
    return os.path.isfile(os.path.join(prefix, "pyvenv.cfg")) or os.path.isdir(
        os.path.join(prefix, "conda-meta"))


def _is_project_root(folder: str) -> bool:
    return any(os.path.exists(os.path.join(folder, marker)) for marker in PROJECT_ROOT_MARKERS)


# --- which kernel spec started this process -------------------------------------------------------


@dataclass
class SpecMatch:
    """The kernel spec this process was most likely started from, and how sure that is."""

    kernel: Kernel | None
    # True when the connection file names the spec; False when it was matched by interpreter
    # and arguments alone, which cannot tell apart specs that start the same process.
    certain: bool
    reason: str
    # Other specs that start the same process.
    alternatives: list[str] = field(default_factory=list)
    # True when the spec's argv, with the connection file filled in, is this command line.
    argv_matches: bool = False


def match_kernelspec(running: RunningKernel, snapshot: Snapshot) -> SpecMatch:
    """Find the visible kernel spec that started ``running``."""
    candidates = [k for k in snapshot.visible_kernels() if k.error is None and k.is_python]
    if running.kernel_name:
        named = next((k for k in candidates if k.name == running.kernel_name), None)
        if named is not None:
            reason = f"the connection file names kernel {named.name!r}"
            return SpecMatch(named, True, reason, argv_matches=argv_matches(named, running))
    # NOTE: without a kernel name, specs that start the same command line are indistinguishable,
    # so the first in search order is returned and the others are listed.
    tiers = _rank_candidates(candidates, running, snapshot)
    if not tiers:
        return SpecMatch(None, False, _no_match_reason(running))
    best, method = tiers[0]
    reason = f"no kernel name in the connection file; matched by {method}"
    if running.kernel_name:
        reason = (f"the connection file names kernel {running.kernel_name!r}, which this scan "
                  f"did not find; matched by {method}")
    return SpecMatch(best[0], False, reason, [k.name for k in best[1:]],
                     argv_matches=argv_matches(best[0], running))


def _rank_candidates(candidates: Sequence[Kernel], running: RunningKernel,
                     snapshot: Snapshot) -> list[tuple[list[Kernel], str]]:
    """Return the non-empty groups of matching specs, best first, each with its match method."""
    prefix = os.path.realpath(running.prefix)
    tests: list[tuple[str, Callable[[Kernel], bool]]] = [
        ("interpreter and arguments", lambda k: argv_matches(k, running)),
        ("interpreter", lambda k: _same_interpreter(k, running)),
        ("environment", lambda k: _environment_prefix(k, snapshot) == prefix),
    ]
    tiers = []
    for method, test in tests:
        group = sorted((k for k in candidates if test(k)), key=lambda k: (k.search_rank, k.name))
        if group:
            tiers.append((group, method))
    return tiers


def _no_match_reason(running: RunningKernel) -> str:
    if running.kernel_name:
        return (f"the connection file names kernel {running.kernel_name!r}, but no kernel spec "
                "found here has that name or starts this interpreter")
    return "no kernel spec found here starts this interpreter"


def argv_matches(kernel: Kernel, running: RunningKernel) -> bool:
    """Tell whether the spec, launched as jupyter_client does, gives this process's command line.

    jupyter_client fills in ``{connection_file}`` and ``{resource_dir}`` and expands ``~``. A
    bare ``python`` in argv[0] becomes the server's interpreter, and a wrapper (conda run, the
    nb_conda_kernels runner) runs its inner argv. For those two, the arguments are compared,
    and the interpreter the scan resolved replaces argv[0].
    """
    launch = kernel.launch
    if launch is None or not running.argv:
        return False
    wrapped = launch.kind not in ("python", "bare-python")
    argv = launch.inner_argv if wrapped else kernel.argv
    expected = [_fill_spec_argument(arg, kernel, running) for arg in argv]
    if not expected or expected[1:] != running.argv[1:]:
        return False
    if wrapped or launch.kind == "bare-python":
        return _same_interpreter(kernel, running)
    return expected[0] == running.argv[0]


def _fill_spec_argument(arg: str, kernel: Kernel, running: RunningKernel) -> str:
    arg = arg.replace("{connection_file}", running.connection_file or "{connection_file}")
    arg = arg.replace("{resource_dir}", kernel.resource_dir)
    return os.path.expanduser(arg)


def _same_interpreter(kernel: Kernel, running: RunningKernel) -> bool:
    # Compared without resolving symlinks: every venv's python links to its base interpreter.
    if not kernel.interpreter:
        return False
    spec_interpreter = _normalize(kernel.interpreter)
    started = [_normalize(running.executable), *(_normalize(a) for a in running.argv[:1])]
    return spec_interpreter in started


def _normalize(path: str) -> str:
    return os.path.normcase(os.path.abspath(path)) if path else ""


def _environment_prefix(kernel: Kernel, snapshot: Snapshot) -> str | None:
    env = snapshot.environment(kernel.environment_id)
    return env.prefix if env else None


# --- the running kernel as a Kernel of the model ---------------------------------------------------


def running_environment(running: RunningKernel, snapshot: Snapshot) -> Environment | None:
    """Return the environment of ``sys.prefix``."""
    return environment_at(running.prefix, snapshot)


def environment_at(prefix: str, snapshot: Snapshot) -> Environment | None:
    """Return the environment at ``prefix``: from the report, or read from disk."""
    real_prefix = os.path.realpath(prefix)
    found = next((e for e in snapshot.environments if e.prefix == real_prefix), None)
    return found or describe_prefix(real_prefix, "kernel")


def as_kernel(running: RunningKernel, match: SpecMatch, snapshot: Snapshot) -> Kernel:
    """Return the running kernel as a Kernel whose probe and import path are the live ones.

    It carries the matched spec's name and labels, so the engine's checks and `why` can run on
    it and name it as the user knows it.
    """
    spec = match.kernel
    env = running_environment(running, snapshot)
    argv = running.argv or [running.executable]
    kernel = Kernel(
        name=spec.name if spec else UNMATCHED_NAME,
        resource_dir=spec.resource_dir if spec else "",
        spec_path=spec.spec_path if spec else "",
        source=spec.source if spec else "running",
        search_rank=spec.search_rank if spec else -1,
        argv=list(argv),
        display_name=spec.display_name if spec else "",
        language="python",
        metadata=dict(spec.metadata) if spec else {},
        launch=Launch(kind="python", interpreter=argv[0], module=_module_of(argv)),
        interpreter=running.executable,
        environment_id=env.id if env else None,
    )
    kernel.probe = live_probe(running, spec)
    kernel.import_path = live_import_path(kernel, running, snapshot.server)
    return kernel


def _module_of(argv: Sequence[str]) -> str | None:
    for index, arg in enumerate(argv[:-1]):
        if arg == "-m":
            return argv[index + 1]
    return None


def live_probe(running: RunningKernel, spec: Kernel | None) -> ProbeResult:
    """Return the running process's facts in the form of a probe result.

    The modules imported while Python started come from the spec's probe, which ran the same
    interpreter: in the live process they are mixed with everything imported since.
    """
    spec_probe = spec.probe if spec and spec.probe and spec.probe.ok else None
    same = spec_probe is not None and _normalize(spec_probe.executable) == _normalize(running.executable)
    stdlib = running.stdlib_module_names or (spec_probe.stdlib_module_names if spec_probe else [])
    return ProbeResult(
        executable=running.executable,
        ok=True,
        sys_executable=running.executable,
        prefix=running.prefix,
        base_prefix=running.base_prefix,
        version=running.version,
        path=[p for p in running.path if not _is_working_dir(p, running.cwd)],
        user_site=running.user_site,
        user_site_enabled=running.user_site_enabled,
        stdlib_module_names=list(stdlib),
        builtin_module_names=list(running.builtin_module_names),
        startup_modules=dict(spec_probe.startup_modules) if same and spec_probe else {},
        extension_suffixes=list(running.extension_suffixes),
        no_user_site=running.no_user_site,
        safe_path=running.safe_path,
        cwd=running.cwd,
    )


def live_import_path(kernel: Kernel, running: RunningKernel, server: ServerInfo) -> list[PathEntry]:
    """Classify the live sys.path, keeping the notebook folder where this process has it.

    The engine's classification predicts where ipykernel and IPython put the notebook folder.
    The live sys.path shows where it is, so those entries replace the predicted one.
    """
    live_server = dataclasses.replace(server, environ=dict(running.environ))
    classified = [e for e in classify_import_path(kernel, live_server) if e.kind != "cwd"]
    pending: dict[str, list[PathEntry]] = {}
    for classified_entry in classified:
        pending.setdefault(_normalize(classified_entry.path), []).append(classified_entry)
    entries = []
    for raw in running.path:
        queue = pending.get(_normalize(raw), [])
        entry = queue.pop(0) if queue and raw else None
        # The absolute working dir may also be a PYTHONPATH or .pth entry; only an entry that
        # nothing else explains is the notebook folder.
        if raw == "" or (_is_working_dir(raw, running.cwd) and (entry is None or entry.kind == "other")):
            entry = PathEntry(raw, "cwd", note="the kernel's working dir, in this process's sys.path")
        entries.append(entry or PathEntry(raw, "other", exists=os.path.exists(raw)))
    return entries


def _is_working_dir(path: str, cwd: str) -> bool:
    return path == "" or _normalize(path) == _normalize(cwd)


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
             "server reads another spec of that name; restart the kernel to run what the spec "
             "names")
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


def render_module_text(result: ModuleExplanation) -> str:
    """Return `why` as text, with a line on the module this process has already imported."""
    text = render_why(result.explanation)
    if result.loaded_from is None:
        return text
    top = result.explanation.module.split(".")[0]
    line = (f"This kernel has already imported {top} from {result.loaded_from}; `import {top}` "
            "returns that module until the kernel restarts.")
    return text + "\n" + line + "\n"


def module_json(result: ModuleExplanation) -> dict[str, Any]:
    return {**explanation_json(result.explanation), "loaded_from": result.loaded_from}


# --- output -------------------------------------------------------------------------------------------


def diagnosis_json(diagnosis: KernelDiagnosis) -> dict[str, Any]:
    """Return the running kernel's section of the JSON document: facts, match, findings."""
    running = diagnosis.running
    facts = dataclasses.asdict(running)
    for key in ("environ", "stdlib_module_names", "builtin_module_names"):
        del facts[key]
    spec = diagnosis.match.kernel
    env = diagnosis.environment
    return {
        **facts,
        "environment_prefix": env.prefix if env else None,
        "environment_kind": env.kind if env else None,
        "kernelspec": {
            "name": spec.name if spec else None,
            "display_name": spec.display_name if spec else None,
            "spec_path": spec.spec_path if spec else None,
            "certain": diagnosis.match.certain,
            "reason": diagnosis.match.reason,
            "alternatives": diagnosis.match.alternatives,
            "argv_matches": diagnosis.match.argv_matches,
        },
        "import_path": [dataclasses.asdict(e) for e in diagnosis.kernel.import_path],
        "notes": list(diagnosis.notes),
        "findings": [finding_json(f) for f in diagnosis.findings],
    }


def document_json(diagnosis: KernelDiagnosis) -> dict[str, Any]:
    """Return the machine report's JSON with the running kernel's section as ``running_kernel``."""
    return {**diagnosis.report.to_json(), "running_kernel": diagnosis_json(diagnosis)}


def render_diagnosis_text(diagnosis: KernelDiagnosis, verbose: bool = False) -> str:
    """Return the running kernel's facts and findings, then the machine report, as text."""
    lines = ["This kernel", *_fact_lines(diagnosis), ""]
    if diagnosis.findings:
        for finding in diagnosis.findings:
            lines.extend(finding_lines(finding, verbose))
            lines.append("")
    else:
        lines += ["No problems found with this kernel.", ""]
    lines += [f"note: {note}" for note in diagnosis.notes]
    lines += ["", "The machine", "", render_text(diagnosis.report, verbose)]
    return "\n".join(lines).rstrip() + "\n"


def fact_rows(diagnosis: KernelDiagnosis) -> list[tuple[str, str]]:
    """Return (label, value) rows that describe the running kernel, for text and HTML."""
    running, env, spec = diagnosis.running, diagnosis.environment, diagnosis.match.kernel
    user_site = running.user_site or "-"
    rows = [
        ("interpreter", f"{running.executable} (Python {running.version})"),
        ("environment", f"{env.prefix} ({env.kind} {env.name!r})" if env else running.prefix),
        ("kernel spec", _spec_text(diagnosis.match) if spec else "not found"),
        ("display name", spec.display_name if spec else "-"),
        ("working dir", running.cwd),
        ("notebook", running.session_name or "-"),
        ("user site", f"{'on' if running.user_site_enabled else 'off'}: {user_site}"),
        ("PYTHONPATH", running.pythonpath if running.pythonpath is not None else "(not set)"),
        ("server", diagnosis.report.snapshot.server.executable),
    ]
    return rows


def _spec_text(match: SpecMatch) -> str:
    spec = match.kernel
    assert spec is not None
    certainty = "named in the connection file" if match.certain else "most likely"
    return f"{spec.name!r} ({spec.spec_path or spec.source}), {certainty}"


def _fact_lines(diagnosis: KernelDiagnosis) -> list[str]:
    rows = fact_rows(diagnosis)
    width = max(len(label) for label, _ in rows) + 1
    lines = [f"  {(label + ':').ljust(width)} {value}" for label, value in rows]
    lines.append("  sys.path:")
    for index, entry in enumerate(diagnosis.kernel.import_path, start=1):
        note = f"  ({entry.note})" if entry.note else ""
        lines.append(f"    {index:>2} {entry.kind:10} {entry.path or repr('')}{note}")
    return lines


def finding_lines(finding: Finding, verbose: bool = False) -> list[str]:
    """Return one finding as text: severity, code and title, evidence, then its fixes."""
    lines = [f"{finding.severity.upper():7} {finding.code} {finding.title}"]
    for key, value in finding.evidence.items():
        if value in (None, [], {}, "") and not verbose:
            continue
        lines.append(f"          {key}: {evidence_text(value)}")
    for fix in finding.fixes:
        how = f"jupyter envdoctor fix --fix {fix.id}" if fix.applicable else fix.command
        lines += [f"  fix:    {fix.title}", f"          {how}"]
    return lines


def evidence_text(value: Any) -> str:
    """Return an evidence value on one line: mappings as key=value, lists joined by "; "."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={evidence_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(evidence_text(v) for v in value)
    return str(value)
