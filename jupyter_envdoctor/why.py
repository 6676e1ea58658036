"""`jupyter envdoctor why MODULE`: every place `import MODULE` can come from in a kernel.

Pure functions over a Snapshot and the file system: they read dirs and metadata, print nothing
and change nothing. The search follows the kernel's classified sys.path
(:func:`~jupyter_envdoctor.discovery.importpaths.classify_import_path`) with the notebook
folder filled in.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checks.importview import distributions_providing, site_dir_for
from .checks.notebookfiles import notebook_folder_findings
from .discovery.importpaths import ModuleFile, entry_folder, find_module_in
from .model import Distribution, Finding, Kernel, PathEntry, Snapshot
from .report import finding_json

DEFAULT_KERNEL = "python3"
# Entries of these kinds hold installed distributions worth reading.
_SITE_KINDS = ("user", "env", "pythonpath", "pth", "other")


class WhyError(ValueError):
    """The question cannot be answered: an invalid name, no such kernel, or no probe."""


class KernelNotFoundError(WhyError):
    """No visible kernel has the requested name, or there is no default kernel."""


class KernelNotProbedError(WhyError):
    """The kernel's sys.path is unknown: it was not probed, the probe failed, or it is not Python."""


@dataclass
class SearchedEntry:
    """One sys.path entry of the kernel, as the search for the module saw it."""

    index: int  # 1-based position in the kernel's sys.path
    entry: PathEntry
    folder: str  # the dir searched: the entry's path with the working dir filled in
    # The same dir as an earlier entry, which Python searches again to the same effect.
    duplicate_of: int | None = None


@dataclass
class Location:
    """A place on the kernel's sys.path where the module exists."""

    index: int  # 1-based position of the entry in the kernel's sys.path
    kind: str  # the entry's kind: cwd, pythonpath, pth, user, env, stdlib, other
    folder: str
    path: str  # the package dir or module file
    form: str  # package, module, extension, bytecode, namespace or zip
    distribution: Distribution | None = None
    # More metadata dirs that claim the same module (duplicates, leftovers).
    other_distributions: list[Distribution] = field(default_factory=list)
    wins: bool = False


@dataclass
class Explanation:
    """The origin of `import MODULE` in one kernel, and the copies it could have been."""

    module: str
    kernel: str
    interpreter: str | None
    python_version: str | None
    environment_prefix: str | None
    cwd: str
    # "built-in" (compiled into the interpreter), "startup" (imported while Python started),
    # "path" (found on sys.path) or "not found".
    resolution: str
    # The file the module was loaded from when resolution is "startup", or "frozen".
    startup_origin: str | None
    stdlib: bool
    search_path: list[SearchedEntry]
    locations: list[Location]
    # For a dotted name: the file or dir of the full name inside the winning package.
    submodule_path: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def winner(self) -> Location | None:
        return next((location for location in self.locations if location.wins), None)

    @property
    def shadowed(self) -> list[Location]:
        """Locations that lose to the winner; namespace portions are merged, not shadowed."""
        winner = self.winner
        if winner is None or winner.form == "namespace":
            return []
        return [loc for loc in self.locations if loc.index > winner.index]


# --- choosing the kernel ---------------------------------------------------------------------


def choose_kernel(snapshot: Snapshot, name: str | None) -> Kernel:
    """Return the visible kernel named ``name``, by default "python3" or the only Python kernel.

    Raises KernelNotFoundError, naming the known kernels, when there is no such kernel, and
    KernelNotProbedError when the kernel has no successful probe, so its sys.path is unknown.
    """
    visible = [k for k in snapshot.visible_kernels() if k.error is None]
    names = ", ".join(sorted(k.name for k in visible)) or "none"
    if name is None:
        kernel = _default_kernel(visible)
        if kernel is None:
            raise KernelNotFoundError(
                f"no kernel named {DEFAULT_KERNEL!r} and not exactly one Python kernel: choose "
                f"one with --kernel (kernels: {names})")
    else:
        kernel = next((k for k in visible if k.name == name), None)
        if kernel is None:
            raise KernelNotFoundError(f"kernel not found: {name!r} (kernels: {names})")
    _require_probe(kernel)
    return kernel


def _default_kernel(visible: list[Kernel]) -> Kernel | None:
    named = next((k for k in visible if k.name == DEFAULT_KERNEL), None)
    if named is not None:
        return named
    python = [k for k in visible if k.is_python]
    return python[0] if len(python) == 1 else None


def _require_probe(kernel: Kernel) -> None:
    if not kernel.is_python:
        raise KernelNotProbedError(f"kernel {kernel.name!r} is not a Python kernel "
                                   f"({kernel.language or 'unknown language'})")
    probe = kernel.probe
    if probe is None:
        raise KernelNotProbedError(
            f"kernel {kernel.name!r} was not probed, so its sys.path is unknown: run without "
            "--no-probe")
    if not probe.ok:
        raise KernelNotProbedError(
            f"the interpreter of kernel {kernel.name!r} could not be probed, so its sys.path "
            f"is unknown: {probe.error}")


# --- the search ------------------------------------------------------------------------------


def validate_module_name(module: str) -> None:
    """Raise WhyError unless ``module`` is a dotted Python name such as ``numpy.linalg``."""
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise WhyError(f"invalid module name: {module!r} (expected a name such as numpy or "
                       "numpy.linalg)")


def explain(snapshot: Snapshot, kernel: Kernel, module: str, cwd: str,
            findings: Sequence[Finding] = ()) -> Explanation:
    """Return every place the top-level package of ``module`` exists on the kernel's sys.path,
    in search order, with the winner marked, its distribution, and the findings about it."""
    validate_module_name(module)
    _require_probe(kernel)
    probe = kernel.probe
    assert probe is not None
    top = module.split(".")[0]
    cwd = os.path.abspath(cwd)
    env = snapshot.environment(kernel.environment_id)
    search_path = searched_entries(kernel.import_path, cwd)
    namespaces = not (probe.version or "3").startswith("2.")
    locations = _locations(search_path, top, probe.extension_suffixes, namespaces)
    resolution, startup_origin = _resolve(locations, top, probe.builtin_module_names,
                                          probe.startup_modules)
    _attach_distributions(snapshot, kernel, locations, top)
    explanation = Explanation(
        module=module,
        kernel=kernel.name,
        interpreter=kernel.interpreter,
        python_version=probe.version,
        environment_prefix=env.prefix if env else None,
        cwd=cwd,
        resolution=resolution,
        startup_origin=startup_origin,
        stdlib=top in probe.stdlib_module_names,
        search_path=search_path,
        locations=locations,
    )
    explanation.submodule_path = _submodule_path(explanation, probe.extension_suffixes)
    folder_findings = notebook_folder_findings(snapshot, [cwd], kernels=[kernel])
    explanation.findings = related_findings([*findings, *folder_findings], explanation)
    return explanation


def searched_entries(import_path: Sequence[PathEntry], cwd: str) -> list[SearchedEntry]:
    """Return the kernel's sys.path with the working dir filled in and repeated dirs marked."""
    searched: list[SearchedEntry] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(import_path, start=1):
        folder = entry_folder(entry, cwd)
        key = os.path.normcase(os.path.abspath(folder))
        searched.append(SearchedEntry(index, entry, folder, first_index.get(key)))
        first_index.setdefault(key, index)
    return searched


def _locations(search_path: Sequence[SearchedEntry], top: str,
               extension_suffixes: Sequence[str], namespaces: bool) -> list[Location]:
    locations = []
    for searched in search_path:
        if searched.duplicate_of is not None:
            continue
        found = find_module_in(searched.folder, top, extension_suffixes, namespaces)
        if found is not None:
            locations.append(_location(searched, found))
    return locations


def _location(searched: SearchedEntry, found: ModuleFile) -> Location:
    return Location(searched.index, searched.entry.kind, searched.folder, found.path, found.form)


def _resolve(locations: list[Location], top: str, builtins: Sequence[str],
             startup: dict[str, str | None]) -> tuple[str, str | None]:
    """Mark the winning location, and return the resolution and the startup origin.

    A built-in module wins before sys.path is searched. A module imported while Python
    started stays in sys.modules, so the location it came from wins. Otherwise the first
    regular module wins, and namespace portions count only when there is none.
    """
    if top in builtins:
        return "built-in", None
    if top in startup:
        origin = startup[top]
        for location in locations:
            if origin and _contains(location.path, origin):
                location.wins = True
        return "startup", origin
    regular = next((loc for loc in locations if loc.form != "namespace"), None)
    winner = regular or (locations[0] if locations else None)
    if winner is None:
        return "not found", None
    winner.wins = True
    return "path", None


def _contains(location: str, origin: str) -> bool:
    location = os.path.normcase(os.path.abspath(location))
    origin = os.path.normcase(os.path.abspath(origin))
    return origin == location or origin.startswith(location + os.sep)


def _submodule_path(explanation: Explanation, extension_suffixes: Sequence[str]) -> str | None:
    """Return the file or dir of a dotted name inside the winning package, or None."""
    winner = explanation.winner
    parts = explanation.module.split(".")
    if winner is None or len(parts) == 1 or winner.form not in ("package", "namespace"):
        return None
    # A namespace package is searched through all of its portions, in sys.path order.
    if winner.form == "namespace":
        folders = [loc.path for loc in explanation.locations if loc.form == "namespace"]
    else:
        folders = [winner.path]
    found: ModuleFile | None = None
    for part in parts[1:]:
        found = next((f for f in (find_module_in(folder, part, extension_suffixes)
                                  for folder in folders) if f is not None), None)
        if found is None:
            return None
        folders = [found.path]
    return found.path if found else None


# --- distributions ---------------------------------------------------------------------------


def _attach_distributions(snapshot: Snapshot, kernel: Kernel, locations: list[Location],
                          top: str) -> None:
    for location in locations:
        if location.kind not in _SITE_KINDS:
            continue
        site_dir = site_dir_for(snapshot, kernel, location.folder, location.kind)
        owners = distributions_providing(site_dir, top)
        if owners:
            location.distribution = owners[0]
            location.other_distributions = owners[1:]


# --- findings --------------------------------------------------------------------------------


def related_findings(findings: Iterable[Finding], explanation: Explanation) -> list[Finding]:
    """Return the findings about the kernel that name the module or one of its distributions."""
    names = {explanation.module, explanation.module.split(".")[0]}
    for location in explanation.locations:
        for dist in [location.distribution, *location.other_distributions]:
            if dist is not None:
                names.update((dist.name, dist.raw_name))
    related: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for finding in findings:
        if explanation.kernel not in finding.kernels and finding.kernels:
            continue
        if (finding.code, finding.title) in seen or not _mentions(finding.evidence, names):
            continue
        seen.add((finding.code, finding.title))
        related.append(finding)
    return related


def _mentions(value: Any, names: set[str]) -> bool:
    if isinstance(value, str):
        return value in names
    if isinstance(value, dict):
        return any(_mentions(key, names) or _mentions(item, names) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_mentions(item, names) for item in value)
    return False


# --- output --------------------------------------------------------------------------------


def explanation_json(explanation: Explanation) -> dict[str, Any]:
    """Return the explanation as JSON-ready data, with the winner's 1-based sys.path index."""
    data = dataclasses.asdict(explanation)
    winner = explanation.winner
    data["winner_index"] = winner.index if winner else None
    data["shadowed_indexes"] = [location.index for location in explanation.shadowed]
    data["findings"] = [finding_json(f) for f in explanation.findings]
    return data


# --- text ------------------------------------------------------------------------------------


def render_text(explanation: Explanation) -> str:
    """Return the explanation as text for a terminal."""
    lines = [_headline(explanation), ""]
    lines += _location_lines(explanation)
    lines += ["", "sys.path of the kernel, in search order:"]
    lines += _search_path_lines(explanation)
    if explanation.findings:
        lines += ["", "Findings about it:"]
        for finding in explanation.findings:
            lines.append(f"  {finding.severity.upper():7} {finding.code} {finding.title}")
            for fix in finding.fixes:
                command = (f"jupyter envdoctor fix --fix {fix.id}" if fix.applicable
                           else fix.command or "")
                lines.append(f"    fix: {fix.title}: {command}")
    return "\n".join(lines) + "\n"


def _headline(explanation: Explanation) -> str:
    e = explanation
    where = (f"kernel {e.kernel!r} ({e.interpreter}, Python {e.python_version or '?'}), "
             f"started in {e.cwd}")
    winner = e.winner
    if e.resolution == "built-in":
        return f"`import {e.module}` in {where}: a built-in module of the interpreter."
    if e.resolution == "startup" and winner is None:
        return (f"`import {e.module}` in {where}: already imported while Python started, "
                f"from {e.startup_origin or 'an unknown origin'}.")
    if winner is None:
        return f"`import {e.module}` in {where}: not found on the kernel's sys.path."
    text = f"`import {e.module}` in {where}: {_describe(winner)}"
    if e.resolution == "startup":
        text += ", imported while Python started"
    if e.submodule_path:
        text += f"; {e.module} is {e.submodule_path}"
    return text + "."


def _describe(location: Location) -> str:
    text = f"{location.path} ({location.form}, entry {location.index}, {location.kind})"
    dist = location.distribution
    if dist is not None:
        text += f" from {dist.raw_name} {dist.version}"
        if dist.installer:
            text += f" installed by {dist.installer}"
    return text


def _location_lines(explanation: Explanation) -> list[str]:
    if not explanation.locations:
        return [f"No entry of sys.path has {explanation.module.split('.')[0]}."]
    lines = ["Where it exists on sys.path:"]
    shadowed = {id(location) for location in explanation.shadowed}
    for location in explanation.locations:
        mark = ""
        if location.wins:
            mark = "wins"
        elif id(location) in shadowed:
            mark = "shadowed"
        lines.append(f"  {mark:8} {_describe(location)}")
        for other in location.other_distributions:
            lines.append(f"           also claimed by {other.raw_name} {other.version} "
                         f"({other.metadata_path})")
    return lines


def _search_path_lines(explanation: Explanation) -> list[str]:
    lines = []
    for searched in explanation.search_path:
        entry = searched.entry
        details = [note for note in (
            "missing" if not os.path.exists(searched.folder) else None,
            f"added by {entry.added_by}" if entry.added_by else None,
            f"same dir as entry {searched.duplicate_of}" if searched.duplicate_of else None,
            entry.note,
        ) if note]
        suffix = f"  ({'; '.join(details)})" if details else ""
        lines.append(f"  {searched.index:>2} {entry.kind:10} {searched.folder}{suffix}")
    return lines
