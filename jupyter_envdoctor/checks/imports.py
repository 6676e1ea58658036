"""Checks of import paths: what `import X` really resolves to in a kernel.

I400 to I404 are here; I405 and I406, about the notebook folder, are in notebookfiles.py.
"""

from __future__ import annotations

import csv
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable

from ..discovery.importpaths import (
    Listings,
    ModuleFile,
    find_module_in,
    foreign_python,
    is_package_dir,
    modules_in,
    python_version_tuple,
    read_pth_file,
    split_pythonpath,
)
from ..discovery.scan import kernel_environ
from ..model import Distribution, Environment, Finding, Fix, Kernel, PathEntry, Severity, Snapshot
from . import remedies
from .importview import (
    absolute_entries,
    distribution_evidence,
    first_index,
    probed_kernels,
    provider,
    shadow_phrase,
    shadowed_modules,
    site_dir_for,
)
from .notebookfiles import check_notebook_installed_names, check_notebook_stdlib_names

# --- I400: the user site shadows the env -----------------------------------------------------


@dataclass
class _Shadow:
    """A module found in the user site and again, later, in the env's site dir."""

    name: str
    user_file: ModuleFile
    env_entry: PathEntry
    env_file: ModuleFile


def check_user_site_shadows(snapshot: Snapshot) -> Iterator[Finding]:
    """I400: a user-site distribution provides a module that the env also has, and wins."""
    for kernel in probed_kernels(snapshot):
        user_index = first_index(kernel.import_path, "user")
        if user_index == len(kernel.import_path):
            continue
        shadows = _user_site_shadows(kernel, user_index)
        user_entry = kernel.import_path[user_index]
        for group in _group_by_distribution(snapshot, kernel, user_entry, shadows):
            yield _user_site_finding(snapshot, kernel, user_entry, group)


def _user_site_shadows(kernel: Kernel, user_index: int) -> list[_Shadow]:
    probe = kernel.probe
    assert probe is not None
    entries = kernel.import_path
    suffixes = probe.extension_suffixes
    # The notebook folder differs per notebook, so I406 looks at it.
    earlier = absolute_entries(entries[:user_index])
    later_env = [e for e in entries[user_index + 1:] if e.kind == "env"]
    listings: Listings = {}
    shadows = []
    for name, user_file in modules_in(entries[user_index].path, suffixes,
                                      listings=listings).items():
        if name in probe.builtin_module_names or any(
                find_module_in(e.path, name, suffixes, False, listings) for e in earlier):
            continue
        for env_entry in later_env:
            env_file = find_module_in(env_entry.path, name, suffixes, False, listings)
            if env_file is not None:
                shadows.append(_Shadow(name, user_file, env_entry, env_file))
                break
    return shadows


@dataclass
class _ShadowGroup:
    """The modules of one user-site distribution that shadow one env distribution."""

    user_dist: Distribution | None
    env_dist: Distribution | None
    env_entry: PathEntry
    shadows: list[_Shadow]


def _group_by_distribution(snapshot: Snapshot, kernel: Kernel, user_entry: PathEntry,
                           shadows: list[_Shadow]) -> list[_ShadowGroup]:
    user_site = site_dir_for(snapshot, kernel, user_entry.path, "user")
    groups: dict[tuple[str, str], _ShadowGroup] = {}
    for shadow in shadows:
        env_site = site_dir_for(snapshot, kernel, shadow.env_entry.path, "env")
        user_dist = provider(user_site, shadow.name)
        env_dist = provider(env_site, shadow.name)
        key = (user_dist.metadata_path if user_dist else shadow.name,
               env_dist.metadata_path if env_dist else shadow.env_entry.path)
        group = groups.setdefault(key, _ShadowGroup(user_dist, env_dist, shadow.env_entry, []))
        group.shadows.append(shadow)
    return list(groups.values())


def _user_site_finding(snapshot: Snapshot, kernel: Kernel, user_entry: PathEntry,
                       group: _ShadowGroup) -> Finding:
    names = [s.name for s in group.shadows]
    verb = "resolves" if len(names) == 1 else "resolve"
    user_version = group.user_dist.version if group.user_dist else "a copy without metadata"
    env_version = group.env_dist.version if group.env_dist else "copy without metadata"
    title = (f"In kernel {kernel.name!r}, {', '.join(names)} {verb} to {user_version} from "
             f"{user_entry.path} ahead of the env's {env_version} in {group.env_entry.path}")
    env = snapshot.environment(kernel.environment_id)
    evidence = _user_site_evidence(snapshot, kernel, user_entry, group)
    fixes = [_remove_user_copy(kernel, env, group)]
    needed = _kernel_needs_user_site(snapshot, kernel, user_entry)
    if needed:
        # Turning the user site off would hide the kernel's own launcher: it would not start.
        evidence["user_site_off_breaks"] = needed
    else:
        turn_off = remedies.set_spec_env(kernel, {"PYTHONNOUSERSITE": "1"},
                                         "Turn off the user site (PYTHONNOUSERSITE=1)")
        fixes = [*remedies.spec_fixes(kernel, turn_off), *fixes]
    return Finding(
        code="I400",
        severity="warning",
        title=title,
        kernels=[kernel.name],
        environments=[env.prefix] if env else [],
        evidence=evidence,
        fixes=fixes,
    )


def _kernel_needs_user_site(snapshot: Snapshot, kernel: Kernel, user_entry: PathEntry) -> str | None:
    """Return the kernel's launcher package when only the user site provides it."""
    user_site = site_dir_for(snapshot, kernel, user_entry.path, "user")
    env = snapshot.environment(kernel.environment_id)
    in_env = set(env.distributions) if env else set()
    launchers = {"ipykernel"}
    if kernel.launch and kernel.launch.module:
        launchers.add(kernel.launch.module.split(".")[0])
    for dist in user_site.distributions:
        provides = dist.name in launchers or launchers & set(dist.top_level)
        if provides and dist.name not in in_env:
            return f"{dist.raw_name} {dist.version} is installed only in the user site"
    return None


def _user_site_evidence(snapshot: Snapshot, kernel: Kernel, user_entry: PathEntry,
                        group: _ShadowGroup) -> dict[str, Any]:
    user_site = site_dir_for(snapshot, kernel, user_entry.path, "user")
    shadowing = group.user_dist.metadata_path if group.user_dist else None
    return {
        "spec_path": kernel.spec_path,
        "interpreter": kernel.interpreter,
        "modules": [s.name for s in group.shadows],
        "user_site": user_entry.path,
        "user_distribution": distribution_evidence(group.user_dist),
        "user_paths": [s.user_file.path for s in group.shadows],
        "env_site": group.env_entry.path,
        "env_distribution": distribution_evidence(group.env_dist),
        "env_paths": [s.env_file.path for s in group.shadows],
        "PYTHONNOUSERSITE": kernel_environ(kernel, snapshot.server).get("PYTHONNOUSERSITE"),
        # PYTHONNOUSERSITE=1 hides these too, and the kernel may rely on them.
        "other_user_site_distributions": sorted(
            f"{d.raw_name} {d.version}" for d in user_site.distributions
            if d.metadata_path != shadowing),
    }


def _remove_user_copy(kernel: Kernel, env: Environment | None, group: _ShadowGroup) -> Fix:
    """Return the command that deletes the user-site copy, and nothing else.

    pip has no `uninstall --user`: it uninstalls the first distribution of that name on
    sys.path, which is the user-site copy here. In a virtualenv pip refuses to touch the user
    site ("outside environment"), and an env without pip cannot run it, so those get `rm -r`
    of the exact files the copy's RECORD lists.
    """
    user_dist = group.user_dist
    python = kernel.interpreter or "python"
    title = f"Delete the user-site copy of {', '.join(s.name for s in group.shadows)}"
    if (user_dist is not None and env is not None and env.kind != "venv"
            and "pip" in env.distributions):
        # An empty PYTHONNOUSERSITE counts as unset, so pip finds the user site even when the
        # shell exports the variable.
        command = (f"PYTHONNOUSERSITE= {shlex.quote(python)} -m pip uninstall -y "
                   f"{shlex.quote(user_dist.raw_name)}")
        return remedies.run_command(title, command)
    if user_dist is not None:
        paths = installed_paths(user_dist)
    else:
        paths = [s.user_file.path for s in group.shadows]
    return remedies.run_command(title, "rm -r " + " ".join(shlex.quote(p) for p in paths))


def installed_paths(dist: Distribution) -> list[str]:
    """Return the top-level files and dirs that a distribution's RECORD lists, and its metadata.

    A .pyc in a shared __pycache__ dir and a script outside the site dir are listed one by
    one, so deleting the result removes this distribution and nothing else.
    """
    paths = [dist.metadata_path]
    record = os.path.join(dist.metadata_path, "RECORD")
    try:
        with open(record, encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
    except OSError:
        return paths
    for row in rows:
        if not row or not row[0]:
            continue
        parts = row[0].replace("\\", "/").split("/")
        if parts[0] in ("..", "__pycache__") or len(parts) == 1:
            path = os.path.normpath(os.path.join(dist.site_dir, row[0]))
        else:
            path = os.path.join(dist.site_dir, parts[0])
        if os.path.lexists(path) and path not in paths:
            paths.append(path)
    return paths


# --- I401, I402, I403: PYTHONPATH entries ----------------------------------------------------


@dataclass
class _PythonPathEntry:
    """A PYTHONPATH entry as the kernel gets it, with its position in PYTHONPATH."""

    value: str
    position: int  # 1-based
    entry: PathEntry | None  # the sys.path entry it became; None when -E drops it


def check_pythonpath_package_dirs(snapshot: Snapshot) -> Iterator[Finding]:
    """I401: a PYTHONPATH entry is a package dir, so its subpackages become top-level modules."""
    for kernel in probed_kernels(snapshot):
        for item in _pythonpath_entries(snapshot, kernel):
            if item.entry is None or not os.path.isabs(item.value):
                continue
            if not is_package_dir(item.value):
                continue
            index = kernel.import_path.index(item.entry)
            shadowed = shadowed_modules(kernel, index, item.value)
            title = (f"PYTHONPATH entry {item.value} of kernel {kernel.name!r} is a package dir "
                     f"(it has __init__), so {shadow_phrase(kernel, shadowed)}")
            # Shadowing a stdlib module can stop ipykernel itself from importing.
            stdlib = kernel.probe.stdlib_module_names if kernel.probe is not None else []
            severity: Severity = "error" if set(shadowed) & set(stdlib) else "warning"
            yield _pythonpath_finding(snapshot, kernel, "I401", title, item,
                                      {"shadowed": shadowed}, severity)


def check_pythonpath_other_python(snapshot: Snapshot) -> Iterator[Finding]:
    """I402: a PYTHONPATH entry lies in another Python version's lib dir (its site-packages)."""
    for kernel in probed_kernels(snapshot):
        probe = kernel.probe
        assert probe is not None
        version = python_version_tuple(probe)
        for item in _pythonpath_entries(snapshot, kernel):
            other = foreign_python(item.value, version) if os.path.isabs(item.value) else None
            if item.entry is None or other is None:
                continue
            index = kernel.import_path.index(item.entry)
            shadowed = shadowed_modules(kernel, index, item.value)
            title = (f"PYTHONPATH entry {item.value} of kernel {kernel.name!r} "
                     f"(Python {probe.version}) belongs to Python {other}")
            if shadowed:
                title += f", and {shadow_phrase(kernel, shadowed)}"
            yield _pythonpath_finding(snapshot, kernel, "I402", title, item,
                                      {"entry_python": other, "kernel_python": probe.version,
                                       "shadowed": shadowed})


def check_pythonpath_empty_entries(snapshot: Snapshot) -> Iterator[Finding]:
    """I403: PYTHONPATH has an empty entry, which puts the working dir ahead of the stdlib."""
    for kernel in probed_kernels(snapshot):
        for item in _pythonpath_entries(snapshot, kernel):
            if item.entry is None or not _is_working_dir(item.value):
                continue
            described = "an empty entry" if item.value == "" else f"the entry {item.value!r}"
            title = (f"PYTHONPATH of kernel {kernel.name!r} has {described} (position "
                     f"{item.position}), which puts the notebook folder ahead of the standard "
                     "library, even while the kernel starts")
            yield _pythonpath_finding(snapshot, kernel, "I403", title, item, {})


def _pythonpath_entries(snapshot: Snapshot, kernel: Kernel) -> list[_PythonPathEntry]:
    values = split_pythonpath(kernel_environ(kernel, snapshot.server).get("PYTHONPATH", ""))
    pending = [e for e in kernel.import_path if e.kind == "pythonpath"]
    items = []
    for position, value in enumerate(values, start=1):
        entry = pending[0] if pending and pending[0].path == value else None
        if entry is not None:
            pending.pop(0)
        items.append(_PythonPathEntry(value, position, entry))
    return items


def _pythonpath_finding(snapshot: Snapshot, kernel: Kernel, code: str, title: str,
                        item: _PythonPathEntry, extra: dict[str, Any],
                        severity: Severity = "warning") -> Finding:
    origin = "kernel spec" if "PYTHONPATH" in kernel.env else "server environment"
    value = kernel_environ(kernel, snapshot.server).get("PYTHONPATH", "")
    cleaned = cleaned_pythonpath(kernel, value)
    evidence: dict[str, Any] = {
        "spec_path": kernel.spec_path,
        "entry": item.value,
        "position": item.position,
        "PYTHONPATH": value,
        "origin": origin,
        **extra,
    }
    if origin == "server environment":
        evidence["correct_server_environment"] = (
            f"set PYTHONPATH to {cleaned!r} where the Jupyter server is started (shell profile, "
            "service unit or container settings). An empty value is the same as none.")
    if not remedies.editable(kernel):
        evidence["no_spec_fix"] = remedies.NO_SPEC_FIX
    return Finding(
        code=code,
        severity=severity,
        title=title,
        kernels=[kernel.name],
        evidence=evidence,
        fixes=remedies.spec_fixes(kernel, _override_pythonpath(snapshot, kernel, cleaned)),
    )


def cleaned_pythonpath(kernel: Kernel, value: str) -> str:
    """Return ``value`` without its empty entries, package dirs and other Pythons' dirs."""
    probe = kernel.probe
    version = python_version_tuple(probe) if probe else None
    kept_entries = []
    for entry in split_pythonpath(value):
        if _is_working_dir(entry):
            continue
        if os.path.isabs(entry) and (is_package_dir(entry) or foreign_python(entry, version)):
            continue
        kept_entries.append(entry)
    return os.pathsep.join(kept_entries)


def _override_pythonpath(snapshot: Snapshot, kernel: Kernel, cleaned: str) -> Fix:
    # Removing the spec's PYTHONPATH only helps when the server sets none; otherwise an empty
    # value, which Python ignores, overrides the server's.
    if cleaned:
        return remedies.set_spec_env(kernel, {"PYTHONPATH": cleaned}, f"Set PYTHONPATH={cleaned}")
    if snapshot.server.environ.get("PYTHONPATH"):
        return remedies.set_spec_env(kernel, {"PYTHONPATH": ""},
                                     "Override the server's PYTHONPATH with an empty value")
    return remedies.set_spec_env(kernel, {"PYTHONPATH": None}, "Remove PYTHONPATH")


def _is_working_dir(value: str) -> bool:
    return value == "" or os.path.normpath(value) == "."


# --- I404: .pth files that add foreign paths ahead of the env --------------------------------


def check_pth_foreign_paths(snapshot: Snapshot) -> Iterator[Finding]:
    """I404: a .pth file puts a dir ahead of the stdlib, or adds another Python's dir."""
    for kernel in probed_kernels(snapshot):
        probe = kernel.probe
        assert probe is not None
        version = python_version_tuple(probe)
        entries = kernel.import_path
        first_stdlib = first_index(entries, "stdlib")
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            # A .pth import line runs once per site dir that contains it, and a venv's lib64
            # link makes two, so the same path can be inserted twice.
            if entry.kind != "pth" or entry.added_by is None or entry.path in seen:
                continue
            seen.add(entry.path)
            ahead = index < first_stdlib
            other = foreign_python(entry.path, version)
            if ahead or other:
                yield _pth_finding(kernel, index, entry, ahead, other)


def _pth_finding(kernel: Kernel, index: int, entry: PathEntry, ahead: bool,
                 other: str | None) -> Finding:
    pth_file = entry.added_by or ""
    line = next((line for path, line in read_pth_file(pth_file)
                 if os.path.normcase(path) == os.path.normcase(entry.path)), None)
    problems = []
    if ahead:
        problems.append("puts it ahead of the standard library")
    if other:
        problems.append(f"it belongs to Python {other}")
    shadowed = shadowed_modules(kernel, index, entry.path)
    title = (f"{pth_file} adds {entry.path} to the sys.path of kernel {kernel.name!r} and "
             + " and ".join(problems))
    evidence: dict[str, Any] = {
        "pth_file": pth_file,
        "line_number": line.line_number if line else None,
        "line": line.text if line else None,
        "entry": entry.path,
        "ahead_of_stdlib": ahead,
        "entry_python": other,
        "shadowed": shadowed,
    }
    fixes = []
    if line is not None:
        command = f"sed -i.bak '{line.line_number}d' {shlex.quote(pth_file)}"
        fix_title = (f"Delete line {line.line_number} of {pth_file} (the old file stays as "
                     f"{pth_file}.bak)")
        fixes.append(remedies.run_command(fix_title, command))
    return Finding(code="I404", severity="warning", title=title, kernels=[kernel.name],
                   evidence=evidence, fixes=fixes)


CHECKS: list[Callable[[Snapshot], Iterator[Finding]]] = [
    check_user_site_shadows,
    check_pythonpath_package_dirs,
    check_pythonpath_other_python,
    check_pythonpath_empty_entries,
    check_pth_foreign_paths,
    check_notebook_stdlib_names,
    check_notebook_installed_names,
]
