"""Conda match specs of an environment file, matched against conda-meta records by py-rattler.

py-rattler implements conda's MatchSpec grammar (`name`, `name=1.2`, `name>=1.2,<2`,
`name=1.2=*cuda*`, `channel::name`) and its version ordering. Its ``MatchSpec.matches`` ignores
the channel and subdir (py-rattler 0.28), so those are compared here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..model import CondaRecord

if TYPE_CHECKING:
    from rattler import MatchSpec

# conda maps these channel names to repo.anaconda.com, not to conda.anaconda.org.
DEFAULT_CHANNEL_URLS = {
    "pkgs/main": "https://repo.anaconda.com/pkgs/main",
    "pkgs/r": "https://repo.anaconda.com/pkgs/r",
    "pkgs/msys2": "https://repo.anaconda.com/pkgs/msys2",
}
_ANACONDA_ORG = "https://conda.anaconda.org/"


class InvalidSpecError(ValueError):
    """A dependency that conda or pip cannot parse."""


@dataclass(frozen=True)
class CondaSpec:
    """A parsed conda dependency of an environment file."""

    text: str
    name: str  # normalized (lower case) package name
    match_spec: MatchSpec
    channel: str | None  # the name of the channel before `::`
    channel_url: str | None  # its URL as conda expands it, without a trailing slash


def parse_conda_spec(text: str) -> CondaSpec:
    """Parse a conda match spec as `conda env create` reads it; raise InvalidSpecError."""
    rattler = _rattler()
    try:
        # Not strict: conda itself accepts `name=1.2=*cuda*`, which strict parsing rejects.
        match_spec = rattler.MatchSpec(text)
    except _parse_errors() as error:
        raise InvalidSpecError(f"invalid conda match spec {text!r}: {error}") from error
    package_name = match_spec.name.as_package_name()
    if package_name is None:
        raise InvalidSpecError(f"invalid conda match spec {text!r}: no exact package name")
    channel = match_spec.channel
    if channel is None:
        return CondaSpec(text, package_name.normalized, match_spec, None, None)
    # py-rattler expands every channel name below conda.anaconda.org; conda maps its
    # default channels to repo.anaconda.com.
    url = DEFAULT_CHANNEL_URLS.get(channel.name, channel.base_url.rstrip("/"))
    return CondaSpec(text, package_name.normalized, match_spec, channel.name, url)


def mismatch(spec: CondaSpec, record: CondaRecord) -> str | None:
    """Return why ``record`` does not satisfy ``spec``, or None when it does."""
    try:
        package_record = _package_record(record)
    except _parse_errors() as error:  # An installed version that rattler cannot parse.
        return f"the installed record cannot be matched: {error}"

    if not spec.match_spec.matches(package_record):
        return _field_mismatch(spec, record, package_record)
    if not channel_matches(spec, record):
        wanted = display_channel_url(spec.channel_url or "")
        return f"it comes from channel {display_channel(record)}, not {wanted}"
    subdir = spec.match_spec.subdir
    if subdir and record.subdir and subdir != record.subdir:
        return f"it is built for {record.subdir}, not {subdir}"
    return None


def _package_record(record: CondaRecord) -> Any:
    rattler = _rattler()
    return rattler.PackageRecord(record.name, record.version, rattler.BuildString(record.build),
                                 record.build_number, record.subdir or "noarch")


def _field_mismatch(spec: CondaSpec, record: CondaRecord, package_record: Any) -> str:
    """Name the part of the spec (version or build) that the record fails."""
    rattler = _rattler()
    version_spec = spec.match_spec.version
    if version_spec:
        try:
            version_ok = rattler.VersionSpec(version_spec).matches(rattler.Version(record.version))
        except _parse_errors():  # An unparsable installed version cannot match either.
            version_ok = False
        if not version_ok:
            return f"version {record.version} does not match {version_spec}"
    build_spec = spec.match_spec.build
    if build_spec:
        only_build = rattler.MatchSpec(f"{record.name} * {build_spec}")
        if not only_build.matches(package_record):
            return f"build {record.build} does not match {build_spec}"
    return f"{record.name} {record.version} {record.build} does not match {spec.text}"


def channel_matches(spec: CondaSpec, record: CondaRecord) -> bool:
    """Tell whether the record comes from the channel the spec names (any, without `::`)."""
    if spec.channel is None:
        return True
    if record.channel is None:
        return False
    if spec.channel == "defaults":
        return any(record_base_url(record) == url for url in DEFAULT_CHANNEL_URLS.values())
    return record_base_url(record) == spec.channel_url


def channel_base_url(channel: str) -> str:
    """Return a channel's URL without a trailing slash, as conda expands a channel name."""
    channel = channel.rstrip("/")
    if channel in DEFAULT_CHANNEL_URLS:
        return DEFAULT_CHANNEL_URLS[channel]
    if "://" in channel:
        return channel
    return _ANACONDA_ORG + channel


def record_base_url(record: CondaRecord) -> str:
    """Return the URL of the record's channel without its subdir and trailing slash."""
    channel = (record.channel or "").rstrip("/")
    if record.subdir and channel.endswith("/" + record.subdir):
        channel = channel[: -len(record.subdir) - 1]
    return channel_base_url(channel) if channel else ""


def display_channel(record: CondaRecord) -> str:
    """Return the record's channel as an environment file names it: `conda-forge`,
    `pkgs/main`, or the URL of a channel elsewhere."""
    return display_channel_url(record_base_url(record))


def display_channel_url(url: str) -> str:
    """Return the short name of a channel URL (without subdir), as `channels:` lists it."""
    for name, default_url in DEFAULT_CHANNEL_URLS.items():
        if url == default_url:
            return name
    if url.startswith(_ANACONDA_ORG):
        return url[len(_ANACONDA_ORG):]
    if urlparse(url).scheme:
        return url
    return url or "unknown channel"


def _parse_errors() -> tuple[type[Exception], ...]:
    """Return the exceptions py-rattler raises for input it cannot parse."""
    errors = _rattler().exceptions
    return (errors.InvalidMatchSpecError, errors.InvalidVersionError,
            errors.InvalidVersionSpecError, errors.InvalidPackageNameError,
            errors.PackageNameMatcherParseError, errors.InvalidChannelError, ValueError, TypeError)


def _rattler() -> Any:
    try:
        import rattler
        import rattler.exceptions
    except ImportError as error:
        # NOTE: py-rattler 0.28 publishes wheels for Python 3.10 and newer only.
        raise InvalidSpecError(
            "conda match specs need the py-rattler package, which is not installed "
            "(it needs Python 3.10 or newer): pip install py-rattler") from error
    return rattler
