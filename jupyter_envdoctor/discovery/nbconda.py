"""The kernels nb_conda_kernels' CondaKernelSpecManager adds, derived from the conda envs on disk.

nb_conda_kernels learns the envs by running `conda info --json`; this module derives the
same kernels from the environments discovery already found, so no conda process runs.
"""

from __future__ import annotations

import os

from ..model import Environment, Kernel, ServerInfo
from .kernelspecs import load_kernel
from .launchers import classify_argv

RUNNER_MODULE = "nb_conda_kernels.runner"


def conda_kernels(server: ServerInfo, environments: list[Environment], rank: int) -> list[Kernel]:
    """Return one kernel per kernel spec inside each conda env, named as nb_conda_kernels does."""
    root = _conda_root(environments)
    kernels = []
    for env in environments:
        if env.kind != "conda" or root is None:
            continue
        for resource_dir in env.own_kernel_specs:
            kernel = _runner_kernel(server, env, root, resource_dir, rank)
            if kernel is not None:
                kernels.append(kernel)
    return kernels


def _runner_kernel(
    server: ServerInfo, env: Environment, root: str, resource_dir: str, rank: int
) -> Kernel | None:
    original = load_kernel(os.path.basename(resource_dir).lower(), resource_dir, "env", rank)
    if original.error is not None or not original.argv:
        return None

    folder = os.path.basename(resource_dir).lower()
    suffix = {"python3": "py", "python2": "py", "ir": "r"}.get(folder, folder)
    env_part = "base" if env.is_conda_base else f"env-{env.name}"
    language = original.language or "python"
    display = f"{language.capitalize()} [conda env:{'base' if env.is_conda_base else env.name}]"
    if env.is_server:
        display += " *"

    argv = ["python", "-m", RUNNER_MODULE, root, env.prefix, *original.argv]
    kernel = Kernel(
        name=f"conda-{env_part}-{suffix}",
        resource_dir=resource_dir,
        spec_path=original.spec_path,
        source="nb_conda_kernels",
        search_rank=rank,
        argv=argv,
        display_name=display,
        language=original.language,
        env=dict(original.env),
        metadata={
            "conda_env_name": "base" if env.is_conda_base else env.name,
            "conda_env_path": env.prefix,
            "conda_language": language.capitalize(),
            "conda_raw_kernel_name": folder,
            "conda_is_base_environment": env.is_conda_base,
            "conda_is_currently_running": env.is_server,
        },
    )
    kernel.launch = classify_argv(argv)
    return kernel


def _conda_root(environments: list[Environment]) -> str | None:
    for env in environments:
        if env.kind == "conda" and env.is_conda_base:
            return env.prefix
    return None
