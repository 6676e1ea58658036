"""Shared ground of the package checks: one env's packages indexed, and the fix commands."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from ..model import (
    CondaRecord,
    Distribution,
    Environment,
    EnvironmentPackages,
    Finding,
    Severity,
    Snapshot,
)
from . import remedies


@dataclass
class PackageView:
    """The packages of one environment, with the lookups the checks need."""

    env: Environment
    packages: EnvironmentPackages
    own: list[Distribution] = field(init=False)
    records_by_path: dict[str, CondaRecord] = field(init=False)
    records_by_name: dict[str, CondaRecord] = field(init=False)
    dist_by_path: dict[str, Distribution] = field(init=False)
    own_by_name: dict[str, list[Distribution]] = field(init=False)
    # Results that several checks derive from this view, computed by the first one.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.own = [d for s in self.packages.site_dirs if s.kind == "env" for d in s.distributions]
        self.own_by_name = {}
        for dist in self.own:
            self.own_by_name.setdefault(dist.name, []).append(dist)
        self.records_by_path = {r.path: r for r in self.packages.conda_records}
        self.records_by_name = {r.name: r for r in self.packages.conda_records}
        self.dist_by_path = {d.metadata_path: d for s in self.packages.site_dirs for d in s.distributions}

    @property
    def label(self) -> str:
        return f"Environment {self.env.name!r}"

    @property
    def kernels(self) -> list[str]:
        return list(self.env.kernels)

    @property
    def is_conda(self) -> bool:
        return self.env.kind in ("conda", "pixi")

    @property
    def python(self) -> str:
        return self.env.python or os.path.join(self.env.prefix, "bin", "python")

    def installed_by_project(self) -> dict[str, Distribution]:
        """Return, per project of the env's own site dirs, the distribution that counts as
        installed: the one whose RECORD hashes match the files, else the newest."""
        return {project: live_distribution(dists) or max(dists, key=lambda d: version_key(d.version))
                for project, dists in self.own_by_name.items()}

    def own_named(self, project: str) -> list[Distribution]:
        return list(self.own_by_name.get(project, ()))

    def record_of(self, dist: Distribution) -> CondaRecord | None:
        return self.records_by_path.get(dist.conda_record) if dist.conda_record else None

    def absolute(self, prefix_relative: str) -> str:
        return os.path.join(self.env.prefix, *prefix_relative.split("/"))

    def relative(self, path: str) -> str:
        """Return ``path`` relative to the prefix with "/" separators, as conda records list files."""
        inside = self.env.prefix + os.sep
        # os.path.relpath normalizes both paths on every call; most paths start with the prefix.
        relative = path[len(inside):] if path.startswith(inside) else os.path.relpath(path, self.env.prefix)
        return relative.replace(os.sep, "/")


def package_views(snapshot: Snapshot) -> Iterator[PackageView]:
    """Return a view of each scanned environment, in the order of snapshot.environments.

    The views are built once per snapshot and shared by every check.
    """
    views: list[PackageView] | None = snapshot.memo.get("package_views")
    if views is None:
        views = [PackageView(env, snapshot.packages[env.id])
                 for env in snapshot.environments if env.id in snapshot.packages]
        snapshot.memo["package_views"] = views
    return iter(views)


def version_key(version: str) -> tuple[int, Version | str]:
    """Sort key that orders PEP 440 versions properly and puts unparsable ones first."""
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def live_distribution(dists: list[Distribution]) -> Distribution | None:
    """Return the one metadata whose RECORD hashes all match the files on disk, else None."""
    matching = [d for d in dists if d.hashes_checked and not d.hash_mismatches]
    return matching[0] if len(matching) == 1 else None


def describe_record(record: CondaRecord) -> str:
    return f"{record.name} {record.version} {record.build}"


def describe_dist(dist: Distribution) -> str:
    # An egg-link whose source is gone has no version to show.
    return f"{dist.raw_name} {dist.version}" if dist.version else dist.raw_name


def count_files(count: int) -> str:
    return "1 file" if count == 1 else f"{count} files"


# --- fix commands --------------------------------------------------------------------------------


def join_commands(commands: Iterable[str]) -> str:
    return " && ".join(commands)


def package_finding(view: PackageView, code: str, severity: Severity, title: str,
                    evidence: dict[str, Any], fix_title: str, commands: Iterable[str]) -> Finding:
    """Return a finding about a package of ``view``'s environment, fixed by running ``commands``."""
    return Finding(code=code, severity=severity, title=title, kernels=view.kernels,
                   environments=[view.env.prefix], evidence=evidence,
                   fixes=[remedies.run_command(fix_title, join_commands(commands))])


def pip_uninstall(view: PackageView, dist: Distribution) -> str:
    if dist.installer == "uv":
        return f"uv pip uninstall --python {shlex.quote(view.python)} {shlex.quote(dist.raw_name)}"
    return f"{shlex.quote(view.python)} -m pip uninstall -y {shlex.quote(dist.raw_name)}"


def pip_reinstall(view: PackageView, name: str, version: str, installer: str | None,
                  no_deps: bool = False) -> str:
    """Return the command that reinstalls ``name==version`` with uv or pip, as ``installer`` did."""
    requirement = shlex.quote(f"{name}=={version}")
    deps = " --no-deps" if no_deps else ""
    if installer == "uv":
        return (f"uv pip install --python {shlex.quote(view.python)} --reinstall-package "
                f"{shlex.quote(name)}{deps} {requirement}")
    return f"{shlex.quote(view.python)} -m pip install --force-reinstall{deps} {requirement}"


def pip_install(view: PackageView, requirement: str, installer: str | None) -> str:
    if installer == "uv":
        return f"uv pip install --python {shlex.quote(view.python)} {shlex.quote(requirement)}"
    return f"{shlex.quote(view.python)} -m pip install {shlex.quote(requirement)}"


def conda_reinstall(view: PackageView, name: str, version: str, build: str,
                    force: bool = True) -> str:
    """Return the command that puts conda's exact ``name=version=build`` back."""
    if view.env.kind == "pixi":
        return pixi_reinstall(view, name)
    flag = " --force-reinstall" if force else ""
    return f"conda install -p {shlex.quote(view.env.prefix)}{flag} {shlex.quote(f'{name}={version}={build}')}"


def conda_install_spec(view: PackageView, spec: str) -> str:
    if view.env.kind == "pixi":
        return pixi_reinstall(view, spec.split()[0])
    return f"conda install -p {shlex.quote(view.env.prefix)} {shlex.quote(spec)}"


def conda_remove(view: PackageView, name: str, force: bool = False) -> str:
    flag = " --force" if force else ""
    return f"conda remove -p {shlex.quote(view.env.prefix)}{flag} {shlex.quote(name)}"


def pixi_reinstall(view: PackageView, name: str) -> str:
    """Return `pixi reinstall` for an env at <workspace>/.pixi/envs/<env name>."""
    envs_dir = os.path.dirname(view.env.prefix)
    workspace = os.path.dirname(os.path.dirname(envs_dir))
    env_name = os.path.basename(view.env.prefix)
    return (f"pixi reinstall --manifest-path {shlex.quote(workspace)} "
            f"-e {shlex.quote(env_name)} {shlex.quote(name)}")


def remove_paths(paths: Iterable[str]) -> str:
    return "rm -r " + " ".join(shlex.quote(p) for p in paths)
