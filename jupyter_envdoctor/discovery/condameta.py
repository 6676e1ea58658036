"""The conda-meta dir of a conda or pixi prefix: package records, history and pinned specs.

Read directly, never through `conda list`: when pip removed the metadata dir a record owns,
conda deletes that record the next time it reads the env, and the evidence is gone.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from ..model import CondaRecord, EnvironmentPackages, HistoryBlock
from .filecheck import missing_files

# Missing or altered files kept in a record; the *_count fields have the totals.
LISTED_FILES = 10

_HISTORY_HEADER = re.compile(r"^==>\s*(.*?)\s*<==\s*$")
_SPECS_LINE = re.compile(r"^#\s*(update|remove|neutered)\s+specs:\s*(.*)$")
# The metadata files that identify a Python distribution among a record's files.
_METADATA_FILE_SUFFIXES = (".dist-info/RECORD", ".dist-info/METADATA", ".egg-info/PKG-INFO")
_METADATA_SUFFIXES = (*_METADATA_FILE_SUFFIXES, ".egg-info")
_SITE_DIR_NAMES = ("/site-packages/", "/dist-packages/")


def read_conda_meta(prefix: str, packages: EnvironmentPackages, deep: bool = False) -> None:
    """Read the records, history and pinned specs of ``prefix`` into ``packages``.

    With ``deep``, every file a record lists with a sha256 is also hashed and compared.
    """
    conda_meta = os.path.join(prefix, "conda-meta")
    try:
        entries = sorted(os.listdir(conda_meta))
    except OSError as error:
        packages.problems.append(f"cannot list {conda_meta}: {error.strerror or error}")
        return

    for entry in entries:
        if entry.endswith(".json"):
            packages.conda_records.append(read_record(os.path.join(conda_meta, entry), prefix, deep))
    packages.history = _read_optional(os.path.join(conda_meta, "history"), parse_history, packages)
    packages.pinned = _read_optional(os.path.join(conda_meta, "pinned"), parse_pinned, packages)


def _read_optional(path: str, parse: Any, packages: EnvironmentPackages) -> Any:
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return parse(stream.read())
    except FileNotFoundError:
        return []
    except OSError as error:
        packages.problems.append(f"cannot read {path}: {error.strerror or error}")
        return []


# --- records -------------------------------------------------------------------------------------


def read_record(path: str, prefix: str, deep: bool = False) -> CondaRecord:
    """Read one conda-meta record; a broken one comes back with ``error`` set, never raises."""
    record = _record_from_file_name(path)
    try:
        # The python record lists every file of the interpreter, so it is parsed once here
        # and its file list walked once below.
        with open(path, "rb") as stream:
            written = os.fstat(stream.fileno()).st_mtime_ns
            data = json.load(stream)
    except OSError as error:
        record.error = f"cannot read the record: {error.strerror or error}"
        return record
    except ValueError as error:
        record.error = f"invalid JSON: {error}"
        return record
    if not isinstance(data, dict):
        record.error = f"invalid record: expected a JSON object, found {type(data).__name__}"
        return record

    problems: list[str] = []
    _read_fields(data, record, problems)
    files = _string_list(data, "files", problems)
    paths_data = _paths_data(data, problems, deep)
    _check_files(record, prefix, files, paths_data, deep, written)
    if problems:
        record.error = "invalid record: " + "; ".join(problems)
    return record


def _record_from_file_name(path: str) -> CondaRecord:
    # "<name>-<version>-<build>.json", which names the record even when its JSON is broken.
    stem = os.path.basename(path)[: -len(".json")]
    parts = stem.rsplit("-", 2)
    if len(parts) == 3:
        return CondaRecord(path=path, name=parts[0], version=parts[1], build=parts[2])
    return CondaRecord(path=path, name=stem, version="", build="")


def _read_fields(data: dict[str, Any], record: CondaRecord, problems: list[str]) -> None:
    for key in ("name", "version"):
        value = data.get(key)
        if isinstance(value, str) and value:
            setattr(record, key, value)
        else:
            problems.append(_wrong_type(key, value, "a string"))
    # Older conda wrote "build_string"; both name the same field.
    build = data.get("build", data.get("build_string"))
    if isinstance(build, str):
        record.build = build
    else:
        problems.append(_wrong_type("build", build, "a string"))
    for key in ("channel", "subdir"):
        value = data.get(key)
        if isinstance(value, str):
            setattr(record, key, value)
        elif value is not None:
            problems.append(_wrong_type(key, value, "a string"))
    record.depends = _string_list(data, "depends", problems)
    build_number = data.get("build_number", 0)
    if isinstance(build_number, int) and not isinstance(build_number, bool):
        record.build_number = build_number
    else:
        problems.append(_wrong_type("build_number", build_number, "an integer"))


def _wrong_type(key: str, value: Any, expected: str) -> str:
    if value is None:
        return f"{key!r} is missing"
    return f"{key!r} is {type(value).__name__}, expected {expected}"


def _string_list(data: dict[str, Any], key: str, problems: list[str]) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(_wrong_type(key, value, "a list of strings"))
        return []
    strings = [item for item in value if isinstance(item, str)]
    if len(strings) != len(value):
        problems.append(f"{key!r} has {len(value) - len(strings)} entries that are not strings")
    return strings


def _paths_data(data: dict[str, Any], problems: list[str], deep: bool) -> dict[str, str]:
    """Return prefix-relative path -> the sha256 the file should have in the prefix.

    Unless ``deep``, only the RECORD and INSTALLER files are kept, the only ones hashed then.
    """
    paths_data = data.get("paths_data")
    if paths_data is None:
        return {}
    paths = paths_data.get("paths") if isinstance(paths_data, dict) else None
    if not isinstance(paths, list):
        problems.append(_wrong_type("paths_data", paths_data, "an object with a 'paths' list"))
        return {}

    if not deep:
        # The python record alone lists thousands of paths, and only these two are hashed.
        paths = [item for item in paths if isinstance(item, dict)
                 and str(item.get("_path")).endswith(("/RECORD", "/INSTALLER"))]
    expected = {}
    for item in paths:
        if not isinstance(item, dict) or not isinstance(item.get("_path"), str):
            continue
        if item.get("path_type", "hardlink") != "hardlink":
            continue
        # A file with a prefix placeholder is rewritten on install, so its package sha256
        # does not match the installed file; only sha256_in_prefix (newer conda) does.
        digest = item.get("sha256_in_prefix")
        if digest is None and item.get("prefix_placeholder") is None:
            digest = item.get("sha256")
        if isinstance(digest, str):
            expected[item["_path"]] = digest
    return expected


def _check_files(record: CondaRecord, prefix: str, files: list[str],
                 expected: dict[str, str], deep: bool, written: int) -> None:
    record.file_count = len(files)
    # A comprehension with one suffix test rules out nearly every file before the full test.
    candidates = [path for path in files if path.endswith(_METADATA_SUFFIXES)]
    for path in candidates:
        metadata_dir = metadata_dir_of(path)
        if metadata_dir is not None and metadata_dir not in record.metadata_dirs:
            record.metadata_dirs.append(metadata_dir)
    missing = missing_files(prefix, files, exhaustive=deep)
    record.missing_file_count = len(missing)
    record.missing_files = missing[:LISTED_FILES]

    for metadata_dir in record.metadata_dirs:
        if not os.path.lexists(os.path.join(prefix, metadata_dir)):
            record.missing_metadata_dirs.append(metadata_dir)
        elif _metadata_changed(prefix, metadata_dir, expected, written):
            record.changed_metadata_dirs.append(metadata_dir)

    if deep:
        altered = list(_altered_files(prefix, expected))
        record.altered_file_count = len(altered)
        record.altered_files = altered[:LISTED_FILES]


def metadata_dir_of(path: str) -> str | None:
    """Return the dist-info or egg-info dir that a record's file identifies, else None."""
    if path.endswith(_METADATA_FILE_SUFFIXES):
        metadata_dir = path.rsplit("/", 1)[0]
    elif path.endswith(".egg-info"):
        metadata_dir = path
    else:
        return None
    return metadata_dir if any(name in path for name in _SITE_DIR_NAMES) else None


def _metadata_changed(prefix: str, metadata_dir: str, expected: dict[str, str],
                      written: int) -> bool:
    """Tell whether pip or uv rewrote RECORD or INSTALLER, as a reinstall in place does.

    A file whose mtime is earlier than the record's (``written``, in ns) is still the one
    conda linked, because conda writes the record after linking the package's files. Only
    files as new as the record or newer are hashed (an equal mtime, because the kernel's
    file clock ticks in milliseconds), which spares two reads per package in a large env.
    """
    for file_name in ("RECORD", "INSTALLER"):
        path = f"{metadata_dir}/{file_name}"
        digest = expected.get(path)
        if digest is None:
            continue
        full_path = os.path.join(prefix, path)
        try:
            modified = os.stat(full_path).st_mtime_ns
        except OSError:
            return True
        if modified >= written and file_sha256(full_path) != digest:
            return True
    return False


def _altered_files(prefix: str, expected: dict[str, str]) -> Iterator[str]:
    for path, digest in expected.items():
        full_path = os.path.join(prefix, path)
        if path.endswith((".pyc", ".pyo")) or not os.path.isfile(full_path):
            continue  # Missing files are counted by the fast check.
        if file_sha256(full_path) != digest:
            yield path


def file_digest(path: str) -> bytes | None:
    """Return the sha256 digest of a file, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1024 * 1024), b""):
                digest.update(block)
    except (OSError, ValueError):  # ValueError: a NUL byte in a listed path.
        return None
    return digest.digest()


def file_sha256(path: str) -> str | None:
    """Return the hex sha256 of a file, as conda's paths_data records it; None if unreadable."""
    digest = file_digest(path)
    return None if digest is None else digest.hex()


# --- history and pinned --------------------------------------------------------------------------


def parse_history(text: str) -> list[HistoryBlock]:
    """Parse conda-meta/history into its ``==> date <==`` blocks."""
    blocks: list[HistoryBlock] = []
    for line in text.splitlines():
        line = line.strip()
        header = _HISTORY_HEADER.match(line)
        if header:
            blocks.append(HistoryBlock(date=header.group(1)))
            continue
        if not blocks or not line:
            continue
        _add_history_line(blocks[-1], line)
    return blocks


def _add_history_line(block: HistoryBlock, line: str) -> None:
    if line.startswith("+"):
        block.added.append(line[1:])
    elif line.startswith("-"):
        block.removed.append(line[1:])
    elif line.startswith("# cmd:"):
        block.command = line[len("# cmd:"):].strip()
    else:
        specs = _SPECS_LINE.match(line)
        if specs and specs.group(1) != "neutered":
            block.specs.extend(_parse_specs(specs.group(2)))
            block.specs_action = specs.group(1)


def _parse_specs(text: str) -> list[str]:
    # conda writes the specs as a Python list literal: ['numpy', 'scipy>=1.11'].
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [text]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def parse_pinned(text: str) -> list[str]:
    """Return the specs of conda-meta/pinned: one a line, comments and blank lines skipped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def split_dist_string(text: str) -> tuple[str, str, str, str] | None:
    """Split a history entry "channel/subdir::name-version-build" into its four parts."""
    channel, _, dist = text.rpartition("::")
    parts = dist.rsplit("-", 2)
    if len(parts) != 3:
        return None
    return channel, parts[0], parts[1], parts[2]
