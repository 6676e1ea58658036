"""The kernel spec that started the running process, and that process as a Kernel of the model."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

from ..discovery.environments import describe_prefix
from ..discovery.importpaths import classify_import_path
from ..model import Environment, Kernel, Launch, PathEntry, ProbeResult, ServerInfo, Snapshot
from .running import RunningKernel

# Used as the kernel name when no kernel spec matches the running process.
UNMATCHED_NAME = "(this kernel)"


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
