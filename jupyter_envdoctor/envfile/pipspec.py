"""pip lines of an environment file, parsed with packaging and matched against distributions.

A line is a PEP 508 requirement (`requests>=2`, `name @ URL`), an editable install
(`-e PATH` or `-e VCS_URL#egg=NAME`), a local path (a wheel, an sdist or a project dir) or a
URL, as pip accepts them in a requirements file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ..model import Distribution, EnvironmentFileEntry
from .condaspec import InvalidSpecError
from .requirements import editable_target

_EGG = re.compile(r"[#&]egg=(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
# `name @ URL` and `name[extra] @ URL` (PEP 508 direct references).
_DIRECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")


@dataclass(frozen=True)
class PipSpec:
    """A parsed pip line of an environment file."""

    text: str
    # "requirement" (name and version specifiers), "editable", "path" or "url".
    kind: str
    name: str | None  # canonical name; None when only installing the target tells it
    requirement: Requirement | None = None
    target: str | None = None  # absolute path or URL of an editable, path or URL line
    version: str | None = None  # the version a wheel's file name states

    @property
    def is_local(self) -> bool:
        """Whether the line names a path on this machine, which another machine lacks."""
        if self.target is None:
            return False
        return self.kind == "path" or "://" not in self.target


def parse_pip_entry(entry: EnvironmentFileEntry) -> PipSpec:
    """Parse a pip line; relative paths are relative to the file the line is in."""
    text = entry.text
    base_dir = os.path.dirname(entry.source)
    editable = editable_target(text)
    if editable is not None:
        return _editable(text, editable, base_dir)
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return _url(text)
    if _looks_like_path(text):
        return _path(text, os.path.normpath(os.path.join(base_dir, os.path.expanduser(text))))
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise InvalidSpecError(f"invalid pip requirement {text!r}: {error}") from error
    target = requirement.url
    if target is not None and target.startswith("file:"):
        target = _file_url_path(target)
    return PipSpec(text, "requirement", canonicalize_name(requirement.name), requirement,
                   target=target)


def _editable(text: str, target: str, base_dir: str) -> PipSpec:
    egg = _EGG.search(target)
    name = canonicalize_name(egg.group("name")) if egg else None
    if "://" in target or re.match(r"^[a-z]+\+", target):
        if target.startswith("file:"):
            return PipSpec(text, "editable", name, target=_file_url_path(target))
        return PipSpec(text, "editable", name, target=target)
    path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(target.split("#")[0])))
    return PipSpec(text, "editable", name, target=path)


def _path(text: str, path: str) -> PipSpec:
    name, version = _wheel_name(os.path.basename(path))
    return PipSpec(text, "path", name, target=path, version=version)


def _url(text: str) -> PipSpec:
    egg = _EGG.search(text)
    name, version = _wheel_name(os.path.basename(urlparse(text).path))
    if egg:
        name = canonicalize_name(egg.group("name"))
    target = _file_url_path(text) if text.startswith("file:") else text
    return PipSpec(text, "url" if not text.startswith("file:") else "path", name, target=target,
                   version=version)


def _looks_like_path(text: str) -> bool:
    if _DIRECT_REFERENCE.match(text):
        return False
    # pip takes a line as a path when it contains a separator or names an archive.
    if text.startswith((".", "/", "~")) or text.endswith(_ARCHIVE_SUFFIXES):
        return True
    return os.sep in text and not re.search(r"[<>=!~;@ ]", text)


def _wheel_name(file_name: str) -> tuple[str | None, str | None]:
    if not file_name.endswith(".whl"):
        return None, None
    try:
        name, version, _, _ = parse_wheel_filename(file_name)
    except InvalidWheelFilename:
        return None, None
    return name, str(version)


def _file_url_path(url: str) -> str:
    return os.path.normpath(url2pathname(unquote(urlparse(url).path)))


# --- matching ----------------------------------------------------------------------------------


def applies(spec: PipSpec, marker_values: dict[str, str]) -> bool:
    """Tell whether the line's environment marker holds for the environment's Python."""
    if spec.requirement is None or spec.requirement.marker is None:
        return True
    marker: Marker = spec.requirement.marker
    return marker.evaluate(marker_values)


def find_installed(spec: PipSpec, installed: dict[str, Distribution]) -> Distribution | None:
    """Return the distribution that the line names or installed, if one is there."""
    if spec.name is not None:
        return installed.get(spec.name)
    if spec.target is None:
        return None
    for dist in installed.values():
        if _installed_from(dist, spec.target):
            return dist
    return None


def pip_mismatch(spec: PipSpec, dist: Distribution) -> str | None:
    """Return why the installed ``dist`` does not satisfy the line, or None when it does."""
    specifier = spec.requirement.specifier if spec.requirement is not None else None
    if specifier and not specifier.contains(dist.version, prereleases=True):
        return f"version {dist.version} does not match {specifier}"
    if spec.version is not None and spec.version != dist.version:
        return f"version {dist.version} is installed, not the wheel's {spec.version}"
    if spec.kind == "editable" and "://" not in (spec.target or ""):
        if dist.editable_source is None:
            return "it is not an editable install"
        if not _same_path(dist.editable_source, spec.target or ""):
            return f"it is an editable install of {dist.editable_source}, not of {spec.target}"
    local_source = spec.kind == "path" or (spec.kind == "requirement" and spec.is_local)
    if local_source and spec.version is None and not _installed_from(dist, spec.target or ""):
        return f"it was not installed from {spec.target}"
    # NOTE: for a remote URL or VCS line only the name is compared, not the URL that
    # direct_url.json records, because pip rewrites VCS URLs to a commit id.
    return None


def _installed_from(dist: Distribution, target: str) -> bool:
    if dist.editable_source and _same_path(dist.editable_source, target):
        return True
    url = (dist.direct_url or {}).get("url")
    if not isinstance(url, str):
        return False
    if url.startswith("file:"):
        return _same_path(_file_url_path(url), target)
    return url == target


def _same_path(first: str, second: str) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)
