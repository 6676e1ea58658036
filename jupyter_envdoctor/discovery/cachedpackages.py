"""Read packages through the package cache: what each entry watches, and how entries combine."""

from __future__ import annotations

import dataclasses
import os

from ..model import Environment, EnvironmentPackages, SiteDir
from .package_cache import PackageCache
from .packages import environment_site_dirs, read_environment_packages, read_site_dir
from .stamps import stamp


def cached_site_dir(cache: PackageCache | None, path: str, kind: str, deep: bool) -> SiteDir:
    """Return the SiteDir of ``path``, from the cache while nothing it watches changed."""
    if cache is None or deep:
        return read_site_dir(path, kind, deep)
    key = f"site\0{kind}\0{path}"
    cached = cache.get(key)
    if isinstance(cached, SiteDir):
        return cached
    before = {path: stamp(path)}
    site_dir = read_site_dir(path, kind)
    cache.put(key, site_dir, site_dir_watch(site_dir), before)
    return site_dir


def cached_own_packages(cache: PackageCache | None, env: Environment, deep: bool) -> EnvironmentPackages:
    """Return the env's own site dirs and conda records, from the cache while nothing it
    watches changed. Callers may extend the ``site_dirs`` list of the result."""
    if cache is None or deep:
        return read_environment_packages(env, [], deep=deep)
    key = f"env\0{env.kind}\0{env.prefix}\0{env.python_version}"
    cached = cache.get(key)
    if not isinstance(cached, EnvironmentPackages):
        before = {path: stamp(path) for path in _environment_dirs(env)}
        cached = read_environment_packages(env, [], deep=False)
        cache.put(key, cached, environment_watch(env, cached), before)
    # The cached object is shared with the cache, so the extras go into a copy of the list.
    return dataclasses.replace(cached, site_dirs=list(cached.site_dirs))


def site_dir_watch(site_dir: SiteDir) -> list[str]:
    """Return the paths whose stamps change when the site dir's packages change."""
    paths = [site_dir.path, *site_dir.pth_entries]
    for dist in site_dir.distributions:
        paths.append(dist.metadata_path)
        if dist.editable_source:
            paths.append(dist.editable_source)
        if dist.name == "torch":
            # The CUDA variant comes from this file, which a reinstall rewrites in place.
            paths.append(os.path.join(site_dir.path, "torch", "version.py"))
    return paths


def environment_watch(env: Environment, packages: EnvironmentPackages) -> list[str]:
    """Return the paths whose stamps change when the env's own packages or records change."""
    paths = _environment_dirs(env)
    for site_dir in packages.site_dirs:
        paths += site_dir_watch(site_dir)
    return paths


def _environment_dirs(env: Environment) -> list[str]:
    """Return the env's own site dirs, and the dirs and files whose change adds or removes one
    of them or a conda record."""
    prefix = env.prefix
    # Adding or removing lib/pythonX.Y changes which site dirs are read.
    paths = [os.path.join(prefix, "lib"), os.path.join(prefix, "Lib", "site-packages")]
    paths += environment_site_dirs(env)
    if env.kind in ("conda", "pixi"):
        conda_meta = os.path.join(prefix, "conda-meta")
        # conda appends to history in every transaction; rattler adds and removes records.
        paths += [conda_meta, os.path.join(conda_meta, "history"), os.path.join(conda_meta, "pinned")]
    return paths
