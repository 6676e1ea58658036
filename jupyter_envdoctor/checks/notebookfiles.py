"""Checks of modules in notebook folders named like a standard library or installed module.

Jupyter starts a kernel in the folder of its notebook, and that folder is on the kernel's
sys.path. Which folders the report looks at: the root dir, and the folders below it down to
NOTEBOOK_SEARCH_DEPTH levels that hold a notebook (see discovery/notebookdirs.py).
`jupyter envdoctor why --cwd DIR` checks one folder of the user's choice.
"""

from __future__ import annotations

import glob
import os
import shlex
from collections.abc import Iterator, Sequence
from typing import Any

from ..discovery.importpaths import Listings, ModuleFile, find_module_in, modules_in
from ..discovery.notebookdirs import snapshot_notebook_folders
from ..model import Finding, Fix, Kernel, PathEntry, Severity, Snapshot
from . import remedies
from .importview import (
    absolute_entries,
    distribution_evidence,
    first_index,
    probed_kernels,
    provider,
    site_dir_for,
)

# Entry kinds whose dirs hold installed modules (not the stdlib or the notebook folder).
_INSTALLED_KINDS = ("pythonpath", "pth", "user", "env", "other")


def check_notebook_stdlib_names(snapshot: Snapshot) -> Iterator[Finding]:
    """I405: a module in a notebook folder is named like a standard library module."""
    yield from (f for f in _root_dir_findings(snapshot) if f.code == "I405")


def check_notebook_installed_names(snapshot: Snapshot) -> Iterator[Finding]:
    """I406: a module in a notebook folder is named like an installed module and shadows it."""
    yield from (f for f in _root_dir_findings(snapshot) if f.code == "I406")


def _root_dir_findings(snapshot: Snapshot) -> list[Finding]:
    """Return the I405 and I406 findings of the root dir's notebook folders, made once per
    snapshot for both checks."""
    findings: list[Finding] | None = snapshot.memo.get("notebook_folder_findings")
    if findings is None:
        findings = list(notebook_folder_findings(snapshot, snapshot_notebook_folders(snapshot)))
        snapshot.memo["notebook_folder_findings"] = findings
    return findings


# --- the findings ----------------------------------------------------------------------------


def notebook_folder_findings(snapshot: Snapshot, folders: Sequence[str],
                             kernels: Sequence[Kernel] | None = None) -> list[Finding]:
    """Return I405 and I406 findings for the modules in ``folders``, per probed kernel."""
    findings = []
    for kernel in kernels if kernels is not None else probed_kernels(snapshot):
        probe = kernel.probe
        folder_index = next((i for i, e in enumerate(kernel.import_path)
                             if _is_notebook_entry(e)), None)
        if probe is None or not probe.ok or folder_index is None:
            continue
        listings: Listings = {}
        for folder in folders:
            for name, module in modules_in(folder, probe.extension_suffixes,
                                           listings=listings).items():
                finding = _module_finding(snapshot, kernel, folder_index, module, name, listings)
                if finding is not None:
                    findings.append(finding)
    return findings


def _is_notebook_entry(entry: PathEntry) -> bool:
    # An empty or "." PYTHONPATH entry is the working dir too.
    return entry.kind == "cwd" or (
        entry.kind == "pythonpath" and (entry.path == "" or os.path.normpath(entry.path) == "."))


def _module_finding(snapshot: Snapshot, kernel: Kernel, folder_index: int, module: ModuleFile,
                    name: str, listings: Listings) -> Finding | None:
    probe = kernel.probe
    assert probe is not None
    entries = kernel.import_path
    if name in probe.builtin_module_names:
        return None
    if name in probe.stdlib_module_names:
        return _stdlib_name_finding(kernel, folder_index, module, name, listings)
    earlier = absolute_entries(entries[:folder_index])
    if any(find_module_in(e.path, name, probe.extension_suffixes, False, listings)
           for e in earlier):
        return None  # an entry ahead of the folder provides it, so the folder's copy loses
    for entry in entries[folder_index + 1:]:
        if entry.kind in _INSTALLED_KINDS and os.path.isabs(entry.path):
            installed = find_module_in(entry.path, name, probe.extension_suffixes, False, listings)
            if installed is not None and _same_path(installed.path, module.path):
                return None  # the installed copy is this file, e.g. an editable install's source
            if installed is not None:
                return _installed_name_finding(snapshot, kernel, module, name, entry, installed)
    return None


def _stdlib_name_finding(kernel: Kernel, folder_index: int, module: ModuleFile, name: str,
                         listings: Listings) -> Finding:
    probe = kernel.probe
    assert probe is not None
    entries = kernel.import_path
    folder = os.path.dirname(module.path)
    file_name = os.path.basename(module.path)
    # A module imported while Python started stays in sys.modules, whatever the folder holds.
    imported_at_startup = name in probe.startup_modules
    folder_first = folder_index < first_index(entries, "stdlib") and not imported_at_startup
    severity: Severity
    if folder_first:
        severity = "error"
        title = (f"{file_name} in {folder} replaces the standard library's {name} in kernel "
                 f"{kernel.name!r}: the kernel searches that folder first, even while "
                 "ipykernel starts, so it can fail to start there")
    else:
        severity = "info"
        title = (f"{file_name} in {folder} cannot be imported as {name} in kernel "
                 f"{kernel.name!r}: the standard library's {name} comes first")
    evidence: dict[str, Any] = {
        "file": module.path,
        "folder": folder,
        "module": name,
        "stdlib_file": _stdlib_file(entries, name, probe.extension_suffixes, listings),
        "notebook_folder_entry": entries[folder_index].note,
        "folder_ahead_of_stdlib": folder_first,
        "imported_at_startup": imported_at_startup,
        "python_version": probe.version,
    }
    return Finding(code="I405", severity=severity, title=title, kernels=[kernel.name],
                   evidence=evidence, fixes=[rename_module_fix(module, name)])


def _same_path(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _stdlib_file(entries: Sequence[PathEntry], name: str, suffixes: Sequence[str],
                 listings: Listings) -> str | None:
    for entry in entries:
        if entry.kind == "stdlib":
            found = find_module_in(entry.path, name, suffixes, False, listings)
            if found is not None:
                return found.path
    return None


def _installed_name_finding(snapshot: Snapshot, kernel: Kernel, module: ModuleFile, name: str,
                            entry: PathEntry, installed: ModuleFile) -> Finding:
    folder = os.path.dirname(module.path)
    dist = provider(site_dir_for(snapshot, kernel, entry.path, entry.kind), name)
    installed_copy = f"{dist.raw_name} {dist.version}" if dist else installed.path
    title = (f"{os.path.basename(module.path)} in {folder} shadows the installed {name} "
             f"({installed_copy}) for notebooks there in kernel {kernel.name!r}")
    evidence: dict[str, Any] = {
        "file": module.path,
        "folder": folder,
        "module": name,
        "installed_path": installed.path,
        "installed_distribution": distribution_evidence(dist),
    }
    return Finding(code="I406", severity="warning", title=title, kernels=[kernel.name],
                   evidence=evidence, fixes=[rename_module_fix(module, name)])


# --- the fix ---------------------------------------------------------------------------------


def rename_module_fix(module: ModuleFile, name: str) -> Fix:
    """Return the command that renames a shadowing module and deletes its cached bytecode.

    After the rename the old __pycache__/NAME.*.pyc files would do no harm, since Python reads
    them only next to their source, but they are deleted so that nothing is left under the
    old name.
    """
    folder = os.path.dirname(module.path)
    suffix = "" if module.form == "package" else module.path[len(os.path.join(folder, name)):]
    new_name = _free_name(folder, f"{name}_local", suffix)
    target = os.path.join(folder, new_name + suffix)
    commands = [f"mv -n {shlex.quote(module.path)} {shlex.quote(target)}"]
    cached = sorted(glob.glob(os.path.join(glob.escape(folder), "__pycache__",
                                           glob.escape(name) + ".*.pyc")))
    if cached:
        commands.append("rm -f " + " ".join(shlex.quote(path) for path in cached))
        title = (f"Rename {module.path} to {target}, delete its cached bytecode, and import "
                 f"it as {new_name}")
    else:
        title = f"Rename {module.path} to {target} and import it as {new_name}"
    return remedies.run_command(title, " && ".join(commands))


def _free_name(folder: str, stem: str, suffix: str) -> str:
    candidate, number = stem, 2
    while os.path.lexists(os.path.join(folder, candidate + suffix)):
        candidate, number = f"{stem}{number}", number + 1
    return candidate
