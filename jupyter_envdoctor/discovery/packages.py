"""What is installed where: distributions per site dir, conda-meta records, and who owns what."""

from __future__ import annotations

from ..model import Environment, EnvironmentPackages, SiteDir


def read_site_dir(path: str, kind: str) -> SiteDir:
    """Read the distributions, leftovers and .pth files of one site dir."""
    # TODO: distributions, leftovers and .pth files are not read yet.
    return SiteDir(path=path, kind=kind)


def read_environment_packages(env: Environment, extra_site_dirs: list[SiteDir]) -> EnvironmentPackages:
    """Read an env's own site dirs and conda-meta; ``extra_site_dirs`` come from kernels' sys.path."""
    return EnvironmentPackages(environment_id=env.id, site_dirs=list(extra_site_dirs))
