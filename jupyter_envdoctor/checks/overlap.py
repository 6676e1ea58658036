"""Checks across kernel specs: hidden same-named specs, duplicates, specs naming another env."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator

from ..model import Environment, Finding, Fix, Kernel, Snapshot
from . import remedies

_BRACKETED = re.compile(r"[\(\[]([^\)\]]+)[\)\]]")


def check_hidden_specs(snapshot: Snapshot) -> Iterator[Finding]:
    """K105: a spec hides a same-named spec in a later kernel dir (a warning when they differ)."""
    by_path = {k.spec_path: k for k in snapshot.kernels}
    for hidden in snapshot.kernels:
        winner = by_path.get(hidden.hidden_by or "")
        if winner is None:
            continue
        same = _same_interpreter(winner, hidden)
        winner_env = snapshot.environment(winner.environment_id)
        hidden_env = snapshot.environment(hidden.environment_id)
        evidence: dict[str, object] = {
            "visible_spec": winner.spec_path,
            "visible_interpreter": winner.interpreter,
            "visible_python_version": _version(winner, winner_env),
            "hidden_spec": hidden.spec_path,
            "hidden_interpreter": hidden.interpreter,
            "hidden_python_version": _version(hidden, hidden_env),
            "server_python": snapshot.server.executable,
        }
        if winner_env and hidden_env and winner_env.id != hidden_env.id:
            evidence["packages_only_in_hidden_env"] = sorted(
                set(hidden_env.distributions) - set(winner_env.distributions))
        yield Finding(
            code="K105",
            severity="info" if same else "warning",
            title=(f"Kernel {winner.name!r} in {os.path.dirname(winner.resource_dir)} hides the spec in "
                   f"{os.path.dirname(hidden.resource_dir)}"
                   + ("" if same else f"; it runs {winner.interpreter} instead of {hidden.interpreter}")),
            kernels=[winner.name],
            environments=[e.prefix for e in (winner_env, hidden_env) if e],
            evidence=evidence,
            fixes=[] if same else _unshadow_fixes(winner, winner_env, snapshot),
        )


def _unshadow_fixes(winner: Kernel, env: Environment | None, snapshot: Snapshot) -> list[Fix]:
    if not remedies.editable(winner):
        return []
    fixes = []
    if env is not None:
        # Renaming keeps both kernels usable, so it comes first; removing is the alternative.
        taken = {k.name for k in snapshot.kernels}
        new_name = remedies.free_kernel_name(remedies.portable_kernel_name(env.name), taken)
        fixes.append(remedies.rename_spec(winner, new_name))
    fixes.append(remedies.remove_spec(winner))
    return fixes


def check_duplicate_kernels(snapshot: Snapshot) -> Iterator[Finding]:
    """K106: several visible kernels run the same environment's interpreter."""
    groups: dict[str, list[Kernel]] = defaultdict(list)
    for kernel in snapshot.visible_kernels():
        if kernel.error is None and kernel.environment_id and kernel.interpreter:
            groups[kernel.environment_id].append(kernel)
    for env_id, kernels in groups.items():
        if len(kernels) < 2:
            continue
        env = snapshot.environment(env_id)
        assert env is not None
        activated = [k for k in kernels if k.source == "nb_conda_kernels"]
        static_user = [k for k in kernels
                       if remedies.editable(k) and k.launch and k.launch.kind == "python"]
        redundant = static_user if activated else []
        names = ", ".join(repr(k.name) for k in kernels)
        yield Finding(
            code="K106",
            severity="warning" if redundant else "info",
            title=f"{env.python or env.prefix} backs {len(kernels)} kernels: {names}",
            kernels=[k.name for k in kernels],
            environments=[env.prefix],
            evidence={
                "kernels": {k.name: {"spec_path": k.spec_path, "source": k.source,
                                     "activated": k.launch is not None and k.launch.kind != "python"
                                     and k.launch.kind != "bare-python"} for k in kernels},
            },
            fixes=[remedies.remove_spec(k) for k in redundant],
        )


def check_claimed_environment(snapshot: Snapshot) -> Iterator[Finding]:
    """K111: the spec names one environment (display name, metadata) but runs another."""
    names = {e.name for e in snapshot.environments if e.kind != "system"}
    for kernel in snapshot.visible_kernels():
        env = snapshot.environment(kernel.environment_id)
        if kernel.error is not None or env is None:
            continue
        claimed = _claimed_env(kernel, env, names)
        if claimed is None:
            continue
        claimed_envs = [e for e in snapshot.environments if e.name == claimed or e.prefix == claimed]
        yield Finding(
            code="K111",
            severity="warning",
            title=f"Kernel {kernel.name!r} is labelled {claimed!r} but runs {env.prefix}",
            kernels=[kernel.name],
            environments=[env.prefix] + [e.prefix for e in claimed_envs],
            evidence={"spec_path": kernel.spec_path, "display_name": kernel.display_name,
                      "claimed": claimed, "interpreter": kernel.interpreter},
            fixes=_repoint_to_claimed(kernel, claimed_envs),
        )


def _claimed_env(kernel: Kernel, env: Environment, names: set[str]) -> str | None:
    """Return the env the spec says it runs, when that differs from ``env``; else None."""
    path = kernel.metadata.get("conda_env_path")
    # A static copy of an nb_conda_kernels spec keeps the env path it was made for.
    copied = kernel.source != "nb_conda_kernels"
    if copied and isinstance(path, str) and path and os.path.realpath(path) != env.prefix:
        return path
    for token in _BRACKETED.findall(kernel.display_name):
        token = token.strip()
        if token.startswith("conda env:"):
            token = token[len("conda env:"):].strip()
        if token in names and token not in (env.name, os.path.basename(env.prefix)):
            return str(token)
    return None


def _repoint_to_claimed(kernel: Kernel, claimed_envs: list[Environment]) -> list[Fix]:
    if len(claimed_envs) != 1 or not claimed_envs[0].python or not remedies.editable(kernel):
        return []
    if kernel.launch is None or kernel.launch.kind not in ("python", "bare-python"):
        return []
    return [remedies.repoint_spec(kernel, claimed_envs[0].python)]


def _same_interpreter(a: Kernel, b: Kernel) -> bool:
    if a.interpreter is None or b.interpreter is None:
        return a.argv == b.argv
    return os.path.normpath(a.interpreter) == os.path.normpath(b.interpreter) and a.env == b.env


def _version(kernel: Kernel, env: Environment | None) -> str | None:
    if kernel.probe is not None and kernel.probe.version:
        return kernel.probe.version
    return env.python_version if env else None


CHECKS = [check_hidden_specs, check_duplicate_kernels, check_claimed_environment]
