"""One installed distribution, read with importlib.metadata: metadata, RECORD facts, editables.

Nothing here imports the distribution or runs a tool: every fact comes from files in the
metadata dir and from cheap existence checks of the files its RECORD lists.
"""

from __future__ import annotations

import csv
import email.message
import email.parser
import importlib.metadata
import json
import os
import pathlib
import re
import urllib.parse
import urllib.request
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..model import Distribution
from .filecheck import missing_files

# A RECORD this large is not a real one (the largest wheels list about 100,000 files, a few
# MB); reading it would only cost memory. NOTE: the limit is a guess, not a measured maximum.
MAX_RECORD_BYTES = 64 * 1024 * 1024

# Missing files kept in Distribution.missing_files; missing_file_count has the total.
LISTED_MISSING_FILES = 10

# torch/version.py is a few lines; anything larger is not the file torch writes.
MAX_VERSION_PY_BYTES = 64 * 1024

_TORCH_CUDA = re.compile(r"^cuda\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)
_EXTENSION_SUFFIX = re.compile(r"\.(?:cpython-[^.]+|abi3|pypy[^.]*)?\.?(?:so|pyd)$")
_METADATA_DIR_SUFFIXES = (".dist-info", ".egg-info", ".data")


class RecordEntry(NamedTuple):
    """One RECORD row: a path relative to the site dir, its sha256 (urlsafe base64) and size.

    A named tuple, because a large env has hundreds of thousands of rows and a tuple is
    several times cheaper to build than a frozen dataclass.
    """

    path: str
    sha256: str | None
    size: int | None


def read_distribution(site_dir: str, entry: str, deep: bool = False,
                      conda_linked: bool = False) -> tuple[Distribution, list[RecordEntry]]:
    """Read the metadata dir (or egg-info file) ``entry`` of ``site_dir``.

    Returns the distribution and its RECORD rows (empty for egg-info, whose file lists are
    not relative to the site dir). Read failures go to ``Distribution.error``. With ``deep``,
    every file RECORD lists is looked for, not only one per directory.

    A ``conda_linked`` distribution is one that a conda record owns and no other installer
    rewrote. Its name and version come from the dir name, and its requirements are left
    empty, because conda's record and its depends describe it. Its files are looked for
    through the record, unless ``deep``. This took a quarter off a cold scan of the
    benchmark machine.
    """
    path = os.path.join(site_dir, entry)
    kind = "dist-info" if entry.endswith(".dist-info") else "egg-info"
    fallback_name = _project_from_entry(entry)
    dist = Distribution(
        name=canonicalize_name(fallback_name),
        raw_name=fallback_name,
        version=_version_from_entry(entry),
        metadata_path=path,
        site_dir=site_dir,
        metadata_kind=kind,
    )
    meta = _MetadataDir(path)
    problems: list[str] = []

    if conda_linked:
        dist.local_version = _local_version(dist.version)
    else:
        _read_identity(meta, dist, problems)
    _read_install_facts(meta, dist, problems)
    records: list[RecordEntry] = []
    if kind == "dist-info":
        records = _read_record(meta, dist, problems)
        if deep or not conda_linked:
            _check_record_files(dist, records, deep)
    dist.top_level = _top_level_names(meta, dist, records, problems)
    dist.build_variant = _build_variant(dist, records)

    if problems:
        dist.error = "; ".join(problems)
    return dist, records


def read_egg_link(site_dir: str, entry: str) -> Distribution:
    """Read an ``.egg-link`` of ``setup.py develop``: its first line is the source dir."""
    path = os.path.join(site_dir, entry)
    raw_name = entry[: -len(".egg-link")]
    dist = Distribution(name=canonicalize_name(raw_name), raw_name=raw_name, version="",
                        metadata_path=path, site_dir=site_dir, metadata_kind="egg-link")
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            first_line = stream.readline().strip()
    except OSError as error:
        dist.error = f"cannot read {entry}: {error.strerror or error}"
        return dist
    if not first_line:
        dist.error = f"{entry} is empty"
        return dist

    source = os.path.normpath(os.path.join(site_dir, first_line))
    dist.editable_source = source
    dist.editable_source_missing = not os.path.isdir(source)
    if not dist.editable_source_missing:
        _read_egg_info_in_source(dist, source)
    return dist


def read_pth_file(site_dir: str, entry: str) -> list[str]:
    """Return what a .pth file adds: paths (relative ones resolved as site.py does) and
    ``import`` lines, which site.py runs instead of adding."""
    with open(os.path.join(site_dir, entry), encoding="utf-8", errors="replace") as stream:
        lines = stream.read().splitlines()
    added = []
    for line in lines:
        text = line.rstrip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(("import ", "import\t")):
            added.append(text)
        else:
            added.append(os.path.normpath(os.path.join(site_dir, text)))
    return added


# --- metadata fields ---------------------------------------------------------------------------


class _MetadataDir(importlib.metadata.PathDistribution):
    """A PathDistribution whose read_text opens the file directly.

    The inherited read_text builds a pathlib.Path for each file, which took an eighth of a
    profiled cold scan of a machine with 12,000 distributions.
    """

    def __init__(self, path: str) -> None:
        super().__init__(pathlib.Path(path))
        self.path = path

    def read_text(self, filename: str | os.PathLike[str]) -> str | None:
        # The same errors as PathDistribution.read_text mean "no such file"; "" is the
        # metadata path itself, as for an egg-info file.
        name = os.fspath(filename)
        target = os.path.join(self.path, name) if name else self.path
        try:
            with open(target, encoding="utf-8") as stream:
                return stream.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            return None


def _project_from_entry(entry: str) -> str:
    # pip writes "<name>-<version>.dist-info"; an egg-info may be "<name>-<ver>-py3.11.egg-info"
    # or just "<name>.egg-info".
    stem = entry.rsplit(".", 1)[0]
    return stem.split("-", 1)[0] or stem


def _version_from_entry(entry: str) -> str:
    parts = entry.rsplit(".", 1)[0].split("-")
    return parts[1] if len(parts) > 1 else ""


def _read_text(meta: importlib.metadata.PathDistribution, name: str,
               problems: list[str]) -> str | None:
    # PathDistribution.read_text returns None for a missing file; a file that is not UTF-8
    # raises UnicodeDecodeError, and an unreadable one may raise OSError.
    try:
        return meta.read_text(name)
    except (OSError, ValueError) as error:
        problems.append(f"cannot read {name or 'the egg-info file'}: {error}")
        return None


def _read_identity(meta: importlib.metadata.PathDistribution, dist: Distribution,
                   problems: list[str]) -> None:
    try:
        message = _metadata_headers(meta)
    except (OSError, ValueError) as error:
        problems.append(f"cannot read METADATA: {error}")
        return
    # Newer importlib.metadata returns None when there is no METADATA or PKG-INFO at all.
    name = message["Name"] if message is not None else None
    version = message["Version"] if message is not None else None
    if not name:
        problems.append("METADATA has no Name field")
    else:
        dist.raw_name = str(name)
        dist.name = canonicalize_name(dist.raw_name)
    if not version:
        problems.append("METADATA has no Version field")
    else:
        dist.version = str(version)
    dist.local_version = _local_version(dist.version)

    try:
        # The parsed METADATA has the Requires-Dist lines already, and asking meta.requires
        # would parse it again; an egg-info keeps them in requires.txt.
        requires = message.get_all("Requires-Dist") if message is not None else None
        dist.requires = list(requires if requires is not None else meta.requires or [])
    except (OSError, ValueError) as error:
        problems.append(f"cannot read the requirements: {error}")


def _metadata_headers(meta: importlib.metadata.PathDistribution) -> email.message.Message | None:
    """Parse the header fields of the core metadata, or return None when there is none.

    The files are tried in the order of ``PathDistribution.metadata``. Only the header block
    is parsed, because the body is the long description, which no check reads and which
    takes most of the parsing time of a large METADATA.
    """
    text = meta.read_text("METADATA") or meta.read_text("PKG-INFO") or meta.read_text("")
    if text is None:
        return None
    return email.parser.HeaderParser().parsestr(text)


def _local_version(version: str) -> str | None:
    try:
        return Version(version).local
    except InvalidVersion:
        return None


def _read_install_facts(meta: importlib.metadata.PathDistribution, dist: Distribution,
                        problems: list[str]) -> None:
    installer = _read_text(meta, "INSTALLER", problems)
    if installer and installer.strip():
        dist.installer = installer.strip().splitlines()[0]
    dist.requested = os.path.exists(os.path.join(dist.metadata_path, "REQUESTED"))

    direct_url_text = _read_text(meta, "direct_url.json", problems)
    if direct_url_text is None:
        return
    try:
        direct_url = json.loads(direct_url_text)
    except ValueError as error:
        problems.append(f"invalid direct_url.json: {error}")
        return
    if not isinstance(direct_url, dict):
        problems.append("invalid direct_url.json: expected a JSON object")
        return
    dist.direct_url = direct_url
    source = _editable_source(direct_url)
    if source is not None:
        dist.editable_source = source
        dist.editable_source_missing = not os.path.isdir(source)


def _editable_source(direct_url: dict[str, Any]) -> str | None:
    # PEP 610: an editable install has dir_info.editable true and a file:// url.
    # Conda-built packages often carry a direct_url.json of their build dir without
    # "editable", which proves nothing.
    dir_info = direct_url.get("dir_info")
    url = direct_url.get("url")
    if not isinstance(dir_info, dict) or dir_info.get("editable") is not True:
        return None
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    return urllib.request.url2pathname(urllib.parse.urlparse(url).path)


def _read_egg_info_in_source(dist: Distribution, source: str) -> None:
    try:
        entries = os.listdir(source)
    except OSError as error:
        dist.error = f"cannot list {source}: {error.strerror or error}"
        return
    for entry in sorted(entries):
        if entry.endswith(".egg-info") and canonicalize_name(_project_from_entry(entry)) == dist.name:
            meta = _MetadataDir(os.path.join(source, entry))
            problems: list[str] = []
            _read_identity(meta, dist, problems)
            if problems:
                dist.error = "; ".join(problems)
            return


# --- RECORD --------------------------------------------------------------------------------------


def _read_record(meta: importlib.metadata.PathDistribution, dist: Distribution,
                 problems: list[str]) -> list[RecordEntry]:
    record_path = os.path.join(dist.metadata_path, "RECORD")
    try:
        size = os.stat(record_path).st_size
    except FileNotFoundError:
        return []
    except OSError as error:
        problems.append(f"cannot read RECORD: {error.strerror or error}")
        return []
    if size > MAX_RECORD_BYTES:
        problems.append(f"RECORD is {size // (1024 * 1024)} MiB, over the "
                        f"{MAX_RECORD_BYTES // (1024 * 1024)} MiB limit; its files were not checked")
        return []

    text = _read_text(meta, "RECORD", problems)
    if text is None:
        return []
    try:
        # PathDistribution.files gives the same rows, but building a PackagePath for each
        # costs about five times as much as the CSV parsing (77 ms against 15 ms for the
        # 18,834 rows of one venv with 112 distributions).
        records = [_record_entry(row) for row in csv.reader(text.splitlines()) if row]
    except (ValueError, csv.Error) as error:
        problems.append(f"invalid RECORD: {error}")
        return []
    dist.record_count = len(records)
    return records


def _record_entry(row: list[str]) -> RecordEntry:
    """Turn a RECORD row (path, "algorithm=digest" or "", size or "") into a RecordEntry."""
    if len(row) != 3:
        raise ValueError(f"the row for {row[0]!r} has {len(row)} fields, expected 3")
    path, file_hash, size = row
    algorithm, _, digest = file_hash.partition("=")
    try:
        return RecordEntry(path, digest if algorithm == "sha256" else None, int(size) if size else None)
    except ValueError:
        raise ValueError(f"the size of {path!r} is not a number: {size!r}") from None


def _check_record_files(dist: Distribution, records: list[RecordEntry], exhaustive: bool) -> None:
    missing = missing_files(dist.site_dir, (record.path for record in records), exhaustive)
    dist.missing_file_count = len(missing)
    dist.missing_files = missing[:LISTED_MISSING_FILES]


def is_module_file(path: str) -> bool:
    """Tell whether a RECORD path is inside the site dir and outside every metadata dir."""
    if path.startswith(("../", "/")) or path.endswith((".pyc", ".pyo")):
        return False
    first = path.split("/", 1)[0]
    return not first.endswith(_METADATA_DIR_SUFFIXES) and first != "__pycache__"


def _top_level_names(meta: importlib.metadata.PathDistribution, dist: Distribution,
                     records: list[RecordEntry], problems: list[str]) -> list[str]:
    text = _read_text(meta, "top_level.txt", problems)
    if text is not None:
        return sorted({line.strip() for line in text.splitlines() if line.strip()})
    names = set()
    for record in records:
        if not is_module_file(record.path):
            continue
        name = _module_name(record.path)
        if name is not None:
            names.add(name)
    return sorted(names)


def _module_name(path: str) -> str | None:
    first, _, rest = path.partition("/")
    if rest:
        # A directory: a package when its name is an identifier ("numpy.libs" is not).
        return first if first.isidentifier() else None
    if first.endswith(".py"):
        name = first[:-3]
    elif _EXTENSION_SUFFIX.search(first):
        name = first.split(".", 1)[0]
    else:
        return None
    return name if name.isidentifier() else None


# --- build variant -------------------------------------------------------------------------------


def _build_variant(dist: Distribution, records: list[RecordEntry]) -> dict[str, str]:
    variant: dict[str, str] = {}
    if dist.name == "torch":
        cuda = _torch_cuda(dist.site_dir)
        if cuda is not None:
            variant["cuda"] = cuda
    blas = _bundled_blas(records)
    if blas is not None:
        variant["blas"], variant["blas_library"] = blas
    return variant


def _torch_cuda(site_dir: str) -> str | None:
    """Return the ``cuda`` value of torch/version.py: "none" for a CPU build, else the version."""
    path = os.path.join(site_dir, "torch", "version.py")
    try:
        if os.path.getsize(path) > MAX_VERSION_PY_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as stream:
            text = stream.read()
    except OSError:
        return None
    match = _TORCH_CUDA.search(text)
    if match is None:
        return None
    value = match.group(1)
    if value == "None":
        return "none"
    return value.strip("'\"")


def _bundled_blas(records: list[RecordEntry]) -> tuple[str, str] | None:
    """Return ("openblas" or "mkl", the library's RECORD path) of a BLAS the wheel bundles."""
    # auditwheel vendors shared libraries into "<project>.libs/", delocate into ".dylibs/".
    for record in records:
        folder, _, file_name = record.path.rpartition("/")
        if not folder.endswith((".libs", ".dylibs")):
            continue
        lowered = file_name.lower()
        if "openblas" in lowered:
            return "openblas", record.path
        if "mkl" in lowered:
            return "mkl", record.path
    return None
