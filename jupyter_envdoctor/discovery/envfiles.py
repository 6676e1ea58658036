"""Environment files that describe the environments of kernels: configured ones, and an
environment.yml (or .yaml) in a notebook folder.

An environment.yml in a notebook folder describes the environment of each kernel that the
folder's notebooks name in `metadata.kernelspec.name`. When no notebook there names a known
kernel, it describes the environment whose name (or prefix) the file's `name` (or `prefix`)
gives, if one was found.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from collections.abc import Mapping

from ..envfile.reader import read_environment_file
from ..model import Environment, EnvironmentFile, EnvironmentFileUse, Kernel, Snapshot
from .activation import read_activation
from .environments import find_environments
from .notebookdirs import snapshot_notebook_folders

log = logging.getLogger(__name__)

ENVIRONMENT_FILE_NAMES = ("environment.yml", "environment.yaml")
# Notebooks read per folder for their kernel name, and the largest one read.
MAX_NOTEBOOKS_PER_FOLDER = 50
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def find_environment_files(snapshot: Snapshot,
                           configured: Mapping[str, str]) -> list[EnvironmentFileUse]:
    """Return the environment files of the snapshot's kernels and environments, each read once.

    ``configured`` maps a kernel name, an environment name or an environment prefix to the
    path of its environment file. Relative paths start at the root dir.
    """
    uses: list[EnvironmentFileUse] = []
    files: dict[str, EnvironmentFile] = {}
    for key, configured_path in configured.items():
        targets = _configured_targets(snapshot, key)
        if not targets:
            snapshot.problems.append(
                f"c.EnvDoctor.environment_files names {key!r}, which is no kernel, "
                "environment name or environment prefix found")
            continue
        env_file = _read(files, _absolute(configured_path, snapshot.root_dir))
        for env, kernels in targets:
            uses.append(EnvironmentFileUse(env_file, env.id, kernels, "configured"))

    for folder in snapshot_notebook_folders(snapshot):
        path = _environment_file_in(folder)
        if path is None:
            continue
        env_file = _read(files, path)
        for env, kernels in _folder_targets(snapshot, folder, env_file):
            uses.append(EnvironmentFileUse(env_file, env.id, kernels, "notebook folder"))
    return _unique(uses)


def _read(files: dict[str, EnvironmentFile], path: str) -> EnvironmentFile:
    if path not in files:
        files[path] = read_environment_file(path)
    return files[path]


def _absolute(path: str, root_dir: str | None) -> str:
    path = os.path.expanduser(path)
    return os.path.abspath(os.path.join(root_dir or os.getcwd(), path))


def _configured_targets(snapshot: Snapshot, key: str) -> list[tuple[Environment, list[str]]]:
    kernels = [k for k in snapshot.visible_kernels() if k.name == key and k.environment_id]
    if kernels:
        return [(env, [k.name]) for k in kernels
                if (env := snapshot.environment(k.environment_id)) is not None]
    named = environments_named(snapshot, key)
    if not named:
        found = _environment_at(snapshot, key)
        named = [found] if found is not None else []
    return [(env, list(env.kernels)) for env in named]


def _environment_at(snapshot: Snapshot, key: str) -> Environment | None:
    """Find the environment at the prefix ``key``, which no registry or kernel lists, and add
    it to the snapshot so its packages are read."""
    prefix = os.path.realpath(os.path.expanduser(key))
    if not os.path.isdir(prefix):
        return None
    environments, _, _ = find_environments(snapshot.server, [], [prefix], None,
                                           snapshot.server.environ)
    known = {env.id for env in snapshot.environments}
    for env in environments:
        if os.path.realpath(env.prefix) != prefix:
            continue
        if env.id not in known:
            # scan.py imports this module, so its helper is imported here, when needed.
            from .scan import distribution_names

            env.distributions = distribution_names(env.prefix)
            if env.kind in ("conda", "pixi"):
                env.activation = read_activation(env.prefix)
            snapshot.environments.append(env)
        return snapshot.environment(env.id)
    return None


def environments_named(snapshot: Snapshot, key: str) -> list[Environment]:
    """Return the environments whose prefix is ``key`` or, failing that, whose name is."""
    real = os.path.realpath(os.path.expanduser(key))
    by_prefix = [e for e in snapshot.environments if os.path.realpath(e.prefix) == real]
    if by_prefix:
        return by_prefix
    return [e for e in snapshot.environments if e.name == key]


def _environment_file_in(folder: str) -> str | None:
    for name in ENVIRONMENT_FILE_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def _folder_targets(snapshot: Snapshot, folder: str,
                    env_file: EnvironmentFile) -> list[tuple[Environment, list[str]]]:
    by_name = {k.name: k for k in snapshot.visible_kernels()}
    kernels: dict[str, list[Kernel]] = {}
    for name in notebook_kernel_names(folder):
        kernel = by_name.get(name)
        if kernel is not None and kernel.environment_id:
            kernels.setdefault(kernel.environment_id, []).append(kernel)
    targets = []
    for env_id, env_kernels in kernels.items():
        env = snapshot.environment(env_id)
        if env is not None:
            targets.append((env, sorted({k.name for k in env_kernels})))
    if targets:
        return targets

    # No notebook names a kernel that runs an environment: go by the file's own name or prefix.
    key = env_file.prefix or env_file.name
    if not key:
        return []
    return [(env, list(env.kernels)) for env in environments_named(snapshot, key)]


def notebook_kernel_names(folder: str) -> list[str]:
    """Return the kernel names that the notebooks in ``folder`` store in their metadata."""
    names: list[str] = []
    notebooks = sorted(glob.glob(os.path.join(glob.escape(folder), "*.ipynb")))
    for path in notebooks[:MAX_NOTEBOOKS_PER_FOLDER]:
        try:
            if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
                continue
            with open(path, encoding="utf-8") as stream:
                metadata = json.load(stream).get("metadata", {})
        except (OSError, ValueError, AttributeError) as error:
            log.debug("cannot read the kernel name of %s: %s", path, error)
            continue
        kernelspec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
        name = kernelspec.get("name") if isinstance(kernelspec, dict) else None
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def _unique(uses: list[EnvironmentFileUse]) -> list[EnvironmentFileUse]:
    """Keep the first use of each (file, environment) pair; configured ones come first."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for use in uses:
        key = (use.file.path, use.environment_id)
        if key not in seen:
            seen.add(key)
            unique.append(use)
    return unique
