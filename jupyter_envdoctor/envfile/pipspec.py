"""pip lines of an environment file, parsed with packaging and matched against distributions.

A line is a PEP 508 requirement (`requests>=2`, `name @ URL`), an editable install
(`-e PATH` or `-e VCS_URL#egg=NAME`), a local path (a wheel, an sdist or a project dir) or a
URL, as pip accepts them in a requirements file.
"""

from __future__ import annotations

import hashlib
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
# The VCS schemes of pip (`git+https://...`), which direct_url.json records without the prefix.
_VCS_SCHEME = re.compile(r"^(?P<vcs>git|hg|svn|bzr)\+(?P<url>.+)$", re.IGNORECASE)
# A full commit id of git (SHA-1 or SHA-256) or Mercurial.
_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$", re.IGNORECASE)


@dataclass(frozen=True)
class PipSpec:
    """A parsed pip line of an environment file."""

    text: str
    # "requirement" (name and version specifiers), "editable", "path" or "url".
    kind: str
    name: str | None  # canonical name; None when only installing the target would reveal it
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
        # packaging appends the line and a caret on further lines; a message keeps one line.
        reason = str(error).splitlines()[0]
        raise InvalidSpecError(f"invalid pip requirement {text!r}: {reason}") from error
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
    if name is None and _VCS_SCHEME.match(text):
        # pip learns the name only by cloning and building the project, which a check of
        # files cannot do.
        raise InvalidSpecError(
            f"pip requirement {text!r} names no package, so it cannot be matched with what is "
            f"installed; write it as 'NAME @ {text}'")
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
        return f"it was installed from {_installed_source(dist)}, not from {spec.target}"
    remote = remote_source(spec)
    if remote is not None:
        reason = _source_mismatch(remote, dist)
        if reason is not None:
            return reason
    return _hash_mismatch(spec, dist)


def _installed_source(dist: Distribution) -> str:
    """Describe where ``dist`` was installed from, as its dist-info records it."""
    if dist.editable_source is not None:
        return f"{dist.editable_source} (editable)"
    url = (dist.direct_url or {}).get("url")
    if not isinstance(url, str):
        return "an index (its dist-info has no direct_url.json)"
    return _file_url_path(url) if url.startswith("file:") else url


def _hash_mismatch(spec: PipSpec, dist: Distribution) -> str | None:
    """Compare the `#sha256=...` fragment of the line's URL with the archive hash that
    direct_url.json records; None when they match or either one is missing."""
    url = spec.requirement.url if spec.requirement is not None else spec.text
    requested = _url_hashes(url or "")
    archive_info = (dist.direct_url or {}).get("archive_info")
    if not requested or not isinstance(archive_info, dict):
        return None
    installed: dict[str, str] = {}
    hashes = archive_info.get("hashes")
    if isinstance(hashes, dict):
        installed.update({k.lower(): v.lower() for k, v in hashes.items()
                          if isinstance(k, str) and isinstance(v, str)})
    legacy = archive_info.get("hash")  # PEP 610's older `"hash": "sha256=..."` form
    if isinstance(legacy, str) and "=" in legacy:
        algorithm, value = legacy.split("=", 1)
        installed.setdefault(algorithm.lower(), value.lower())
    for algorithm, value in requested.items():
        if algorithm in installed and installed[algorithm] != value:
            return (f"the installed archive has {algorithm} {installed[algorithm]} "
                    f"(direct_url.json), not the {algorithm} {value} that the line names")
    return None


def _url_hashes(url: str) -> dict[str, str]:
    """Return algorithm -> hex digest of the hash fragments of a URL (`#sha256=...`)."""
    fragment = urlparse(url).fragment
    hashes = {}
    for part in fragment.split("&"):
        algorithm, _, value = part.partition("=")
        if algorithm.lower() in hashlib.algorithms_guaranteed and value:
            hashes[algorithm.lower()] = value.lower()
    return hashes


@dataclass(frozen=True)
class RemoteSource:
    """The URL of a `name @ URL` or URL line, split as direct_url.json (PEP 610) stores it."""

    url: str  # without the VCS prefix, the revision and the fragment
    vcs: str | None = None  # "git", "hg", "svn" or "bzr"
    revision: str | None = None  # the commit, tag or branch after the last "@"


def remote_source(spec: PipSpec) -> RemoteSource | None:
    """Return the remote URL a line installs from; None for index, local and editable lines."""
    if spec.kind not in ("requirement", "url") or spec.target is None or spec.is_local:
        return None
    url = spec.target.split("#", 1)[0]
    vcs = _VCS_SCHEME.match(url)
    if vcs is None:
        return RemoteSource(url)
    parts = urlparse(vcs.group("url"))
    path, revision = parts.path, None
    if "@" in path:
        path, revision = path.rsplit("@", 1)
    return RemoteSource(parts._replace(path=path).geturl(), vcs.group("vcs").lower(),
                        revision or None)


def unverified_revision(spec: PipSpec, dist: Distribution) -> str | None:
    """Return why the revision of a VCS line cannot be compared with the installed commit.

    A branch or tag name is resolved to a commit only by asking the repository. When
    direct_url.json has no `requested_revision` to compare the name with, the files cannot
    tell whether the installed commit is the one the name meant.
    """
    remote = remote_source(spec)
    if remote is None or remote.vcs is None or remote.revision is None:
        return None
    if _COMMIT_ID.match(remote.revision):
        return None
    vcs_info = (dist.direct_url or {}).get("vcs_info")
    if not isinstance(vcs_info, dict) or vcs_info.get("requested_revision") is not None:
        return None
    commit = vcs_info.get("commit_id")
    if isinstance(commit, str) and commit.startswith(remote.revision.lower()):
        return None  # an abbreviated commit id
    return (f"direct_url.json records commit {commit} but not which revision was requested, "
            f"so it cannot be verified that {remote.revision!r} names that commit")


def _source_mismatch(remote: RemoteSource, dist: Distribution) -> str | None:
    direct_url = dist.direct_url or {}
    installed_url = direct_url.get("url")
    if not isinstance(installed_url, str):
        return (f"it was installed from an index (its dist-info has no direct_url.json), "
                f"not from {remote.url}")
    vcs_info = direct_url.get("vcs_info")
    if remote.vcs is not None and not isinstance(vcs_info, dict):
        return f"it was installed from {installed_url}, not from a {remote.vcs} checkout of {remote.url}"
    if not _same_url(installed_url, remote.url):
        return f"it was installed from {installed_url}, not from {remote.url}"
    if remote.vcs is None or remote.revision is None or not isinstance(vcs_info, dict):
        return None

    commit = vcs_info.get("commit_id")
    requested = vcs_info.get("requested_revision")
    if isinstance(commit, str) and commit.lower().startswith(remote.revision.lower()) \
            and re.fullmatch(r"[0-9a-f]{7,64}", remote.revision, re.IGNORECASE):
        return None
    if _COMMIT_ID.match(remote.revision):
        return f"commit {commit} is installed, not {remote.revision}"
    if isinstance(requested, str) and requested != remote.revision:
        return (f"revision {requested!r} (commit {commit}) is installed, "
                f"not {remote.revision!r}")
    return None


def _same_url(first: str, second: str) -> bool:
    """Compare two URLs without their user info, which pip leaves out of direct_url.json
    (except a `git@` user), and without a trailing slash."""
    def normal(url: str) -> str:
        parts = urlparse(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        user = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
        netloc = f"git@{host}" if user == "git" else host
        return parts._replace(netloc=netloc.lower(), path=parts.path.rstrip("/")).geturl()
    return normal(first) == normal(second)


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
