"""An environment as an environment.yml: what conda installed, and what pip or uv installed.

Conda packages are pinned to version and build, or, with ``from_history``, written as the
specs the user asked for in conda-meta/history. Every distribution that pip or uv installed
goes under `pip:` with its exact version or its source. A package that pip replaced over a
conda record is written once, under `pip:`, as what is really installed.
"""

from __future__ import annotations

import os
import pathlib
import shlex
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse
from urllib.request import url2pathname

from packaging.utils import canonicalize_name

from ..checks.envfileview import InstalledPackages, installed_packages
from ..checks.packageview import PackageView
from ..checks.requirements import marker_environment
from ..model import CondaRecord, Distribution, HistoryBlock
from .condaspec import channel_base_url, display_channel, display_channel_url

LOCAL_PATH_COMMENT = "local path: it exists only on this machine"


@dataclass
class ExportLine:
    """One dependency to write, the package name it stands for, and an optional comment."""

    text: str
    key: str  # canonical package name, to find the same dependency in an existing file
    comment: str | None = None


@dataclass
class ExportedEnvironment:
    """The content of an exported environment.yml."""

    name: str
    channels: list[str] = field(default_factory=list)
    conda: list[ExportLine] = field(default_factory=list)
    pip: list[ExportLine] = field(default_factory=list)
    # Written when a search by name cannot find the environment again.
    prefix: str | None = None
    # PEP 508 marker values of the environment's Python, to keep file lines whose marker
    # excludes it.
    marker_values: dict[str, str] | None = None
    # Conda package name -> the key of its `pip:` line, for conda packages whose Python
    # distribution pip or uv replaced.
    replaced_by_pip: dict[str, str] = field(default_factory=dict)


def export_environment(view: PackageView, *, from_history: bool = False,
                       file_dir: str | None = None) -> ExportedEnvironment:
    """Describe ``view``'s environment as an environment file.

    ``file_dir`` is the folder of the file to write. conda runs pip in that folder, so local
    sources inside it are written relative to it.
    """
    installed = installed_packages(view)
    exported = ExportedEnvironment(name=view.env.name,
                                   marker_values=marker_environment(view.env))
    records = sorted(installed.records.values(), key=lambda r: r.name)
    exported.channels = channel_order(records, view.packages.history)
    primary = exported.channels[0] if exported.channels else None

    if not view.is_conda:
        exported.conda = _built_in_lines(view, installed)
    elif from_history:
        exported.conda = _history_lines(installed)
    else:
        exported.conda = [_pinned_line(record, primary) for record in records]

    exported.pip = _pip_lines(installed, file_dir)
    exported.replaced_by_pip = {
        name: canonicalize_name(replacement.dist.name)
        for name, replacement in installed.replaced.items()}
    if exported.pip and not any(line.key == "pip" for line in exported.conda):
        exported.conda.append(ExportLine("pip", "pip"))
    return exported


def channel_order(records: list[CondaRecord], history: list[HistoryBlock]) -> list[str]:
    """Return the channels of the records: those the user passed with `-c` first, in that
    order, then the rest by number of packages, most first."""
    counts = Counter(display_channel(r) for r in records if r.channel)
    ordered = [c for c in _history_channels(history) if c in counts]
    rest = sorted((c for c in counts if c not in ordered), key=lambda c: (-counts[c], c))
    return ordered + rest


def _history_channels(history: list[HistoryBlock]) -> list[str]:
    channels: list[str] = []
    for block in history:
        try:
            words = shlex.split(block.command or "")
        except ValueError:
            continue
        for index, word in enumerate(words):
            value = None
            if word in ("-c", "--channel") and index + 1 < len(words):
                value = words[index + 1]
            elif word.startswith("--channel="):
                value = word.split("=", 1)[1]
            elif word.startswith("-c") and len(word) > 2 and not word.startswith("--"):
                value = word[2:]
            if value:
                name = display_channel_url(channel_base_url(value))
                if name not in channels:
                    channels.append(name)
    return channels


def _pinned_line(record: CondaRecord, primary: str | None) -> ExportLine:
    channel = display_channel(record) if record.channel else None
    # Packages from other channels name theirs, so channel priority cannot pick another build.
    prefix = f"{channel}::" if channel and channel != primary else ""
    return ExportLine(f"{prefix}{record.name}={record.version}={record.build}", record.name)


def _history_lines(installed: InstalledPackages) -> list[ExportLine]:
    lines = []
    for name, spec in sorted(installed.requested.items()):
        if name in installed.records:
            lines.append(ExportLine(spec, name))
    return lines


def _built_in_lines(view: PackageView, installed: InstalledPackages) -> list[ExportLine]:
    # A venv or system Python has no conda records: conda would provide Python and pip.
    lines = []
    if view.env.python_version:
        lines.append(ExportLine(f"python={view.env.python_version}", "python"))
    if "pip" in installed.dists:
        lines.append(ExportLine("pip", "pip"))
    return lines


def _pip_lines(installed: InstalledPackages, file_dir: str | None) -> list[ExportLine]:
    replaced = {r.dist.metadata_path: r for r in installed.replaced.values()}
    lines = []
    for name, dist in sorted(installed.dists.items()):
        if installed.is_conda_owned(dist) or dist.installer == "conda" or name == "pip":
            continue
        if name in installed.seed:
            continue  # `python -m venv` installs it again.
        line = pip_line(dist, file_dir)
        replacement = replaced.get(dist.metadata_path)
        if replacement is not None:
            record = replacement.record
            note = f"{dist.installer or 'pip'} replaced conda's {record.name} {record.version} {record.build}"
            line.comment = f"{note}; {line.comment}" if line.comment else note
        lines.append(line)
    return lines


def pip_line(dist: Distribution, file_dir: str | None) -> ExportLine:
    """Return the requirement line that installs ``dist`` as it is installed now."""
    key = canonicalize_name(dist.name)
    if dist.editable_source is not None or dist.metadata_kind == "egg-link":
        source = dist.editable_source or ""
        return _local_line("-e ", source, key, file_dir)

    direct_url = dist.direct_url or {}
    url = direct_url.get("url")
    vcs_info = direct_url.get("vcs_info")
    if isinstance(url, str) and isinstance(vcs_info, dict):
        vcs = vcs_info.get("vcs", "git")
        commit = vcs_info.get("commit_id")
        revision = f"@{commit}" if isinstance(commit, str) else ""
        return ExportLine(f"{dist.raw_name} @ {vcs}+{url}{revision}", key)
    if isinstance(url, str) and url.startswith("file:"):
        path = url2pathname(urlparse(url).path)
        return _local_line(f"{dist.raw_name} @ ", path, key, file_dir, as_url=True)
    if isinstance(url, str) and url:
        return ExportLine(f"{dist.raw_name} @ {url}", key)
    return ExportLine(f"{dist.raw_name}=={dist.version}", key)


def _local_line(lead: str, path: str, key: str, file_dir: str | None,
                as_url: bool = False) -> ExportLine:
    """Return a line for a local source: relative to the file's folder when it is inside it,
    which works on any checkout of that folder, else absolute, with a comment."""
    if file_dir is not None and _is_inside(path, file_dir):
        relative = os.path.relpath(path, file_dir).replace(os.sep, "/")
        target = "." if relative == "." else f"./{relative}"
        # pip has no relative file: URLs, and a path line needs no name.
        return ExportLine(f"{'' if as_url else lead}{target}", key)
    target = pathlib.Path(path).as_uri() if as_url else path
    return ExportLine(f"{lead}{target}", key, LOCAL_PATH_COMMENT)


def _is_inside(path: str, folder: str) -> bool:
    real_path, real_folder = os.path.realpath(path), os.path.realpath(folder)
    return real_path == real_folder or real_path.startswith(real_folder.rstrip(os.sep) + os.sep)
