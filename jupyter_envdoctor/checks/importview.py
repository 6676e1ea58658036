"""Helpers of the import-path checks: probed kernels, shadowed modules, site dirs' distributions.

Every import-path check reads the kernel's classified sys.path (Kernel.import_path), which
contains the notebook folder as an entry of kind "cwd" with an empty path. Dirs are listed to find
the top-level modules each entry provides, so the checks see what the import system would see.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from packaging.utils import canonicalize_name

from ..discovery.importpaths import Listings, find_module_in, modules_in
from ..discovery.packages import read_site_dir
from ..model import Distribution, Kernel, PathEntry, SiteDir, Snapshot


def probed_kernels(snapshot: Snapshot) -> list[Kernel]:
    """Return the visible Python kernels whose sys.path is known."""
    return [k for k in snapshot.visible_kernels()
            if k.error is None and k.is_python and k.probe is not None and k.probe.ok
            and k.import_path]


def absolute_entries(entries: Sequence[PathEntry]) -> list[PathEntry]:
    """Return the entries that name a dir on their own, without the kernel's working dir."""
    return [e for e in entries if os.path.isabs(e.path)]


def first_index(entries: Sequence[PathEntry], kind: str) -> int:
    """Return the index of the first entry of ``kind``, or len(entries) when there is none."""
    return next((i for i, e in enumerate(entries) if e.kind == kind), len(entries))


def same_dir(first: str, second: str) -> bool:
    return os.path.normcase(os.path.abspath(first)) == os.path.normcase(os.path.abspath(second))


def shadowed_modules(kernel: Kernel, index: int, folder: str,
                     listings: Listings | None = None) -> dict[str, str]:
    """Return module name -> the path it hides, for the modules in ``folder`` (the sys.path entry
    at ``index``) that a later entry also provides.

    Built-in modules are never shadowed. A module imported while Python started counts only
    when it was loaded from ``folder`` itself, since that import already happened.
    """
    probe = kernel.probe
    assert probe is not None
    later = [e for e in absolute_entries(kernel.import_path[index + 1:])
             if not same_dir(e.path, folder)]
    shadowed = {}
    for name in modules_in(folder, probe.extension_suffixes, listings=listings):
        if name in probe.builtin_module_names:
            continue
        if name in probe.startup_modules:
            origin = probe.startup_modules[name] or ""
            if not origin.startswith(folder.rstrip(os.sep) + os.sep):
                continue
        for entry in later:
            hidden = find_module_in(entry.path, name, probe.extension_suffixes, False, listings)
            if hidden is not None:
                shadowed[name] = hidden.path
                break
    return shadowed


def shadow_phrase(kernel: Kernel, shadowed: dict[str, str]) -> str:
    """Return "its random shadows the standard library's random" for a title."""
    if not shadowed:
        return "its modules become top-level modules of that kernel"
    probe = kernel.probe
    stdlib_names = set(probe.stdlib_module_names) if probe else set()
    stdlib = sorted(n for n in shadowed if n in stdlib_names)
    installed = sorted(n for n in shadowed if n not in stdlib_names)
    parts = []
    if stdlib:
        parts.append(f"the standard library's {', '.join(stdlib)}")
    if installed:
        parts.append(f"the installed {', '.join(installed)}")
    verb = "shadows" if len(shadowed) == 1 else "shadow"
    return f"its {', '.join(sorted(shadowed))} {verb} {' and '.join(parts)}"


def site_dir_for(snapshot: Snapshot, kernel: Kernel, folder: str, kind: str) -> SiteDir:
    """Return the SiteDir of ``folder`` from the package scan, or read it now."""
    packages = snapshot.packages.get(kernel.environment_id or "")
    for site_dir in packages.site_dirs if packages else []:
        if same_dir(site_dir.path, folder):
            return site_dir
    return read_site_dir(folder, kind)


def distributions_providing(site_dir: SiteDir, name: str) -> list[Distribution]:
    """Return the distributions in ``site_dir`` that provide top-level module ``name``.

    A distribution that lists no top-level modules counts when its canonical name is the
    module's.
    """
    listed = [d for d in site_dir.distributions if name in d.top_level]
    if listed:
        return listed
    canonical = canonicalize_name(name)
    return [d for d in site_dir.distributions if not d.top_level and d.name == canonical]


def provider(site_dir: SiteDir, name: str) -> Distribution | None:
    """Return the first distribution in ``site_dir`` that provides module ``name``."""
    providers = distributions_providing(site_dir, name)
    return providers[0] if providers else None


def distribution_evidence(dist: Distribution | None) -> dict[str, Any] | None:
    if dist is None:
        return None
    return {"name": dist.raw_name, "version": dist.version, "installer": dist.installer,
            "metadata_path": dist.metadata_path, "conda_record": dist.conda_record}
