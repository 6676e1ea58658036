"""Write an exported environment as YAML: a new file, or an update of an existing one that
keeps the user's comments, key order and other keys (such as `variables`)."""

from __future__ import annotations

import io
import os
from typing import Any

from packaging.utils import canonicalize_name
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..atomicfile import write_atomic
from ..model import EnvironmentFileEntry
from .condaspec import InvalidSpecError, parse_conda_spec
from .export import ExportedEnvironment, ExportLine
from .pipspec import parse_pip_entry
from .yamlio import load_text, round_trip_yaml


def render(exported: ExportedEnvironment) -> str:
    """Return a new environment.yml for ``exported``."""
    document = CommentedMap()
    document["name"] = exported.name
    if exported.channels:
        document["channels"] = CommentedSeq(exported.channels)
    document["dependencies"] = _dependencies(exported)
    return _dump(document)


def render_update(existing_text: str, exported: ExportedEnvironment) -> str:
    """Return ``existing_text`` with its name, channels and dependencies replaced by
    ``exported``. A dependency of the same package keeps its place and comment.

    Raises ValueError when the existing text is not a YAML mapping.
    """
    document = load_text(existing_text)
    if not isinstance(document, CommentedMap):
        # A ValueError like the YAML errors of load_text: the file's content is invalid.
        raise ValueError("the existing file is not a YAML mapping")  # noqa: TRY004
    document["name"] = exported.name
    # A venv has no channels to export, so the file keeps the ones it names.
    if exported.channels:
        old_channels = document.get("channels")
        new_lines = [ExportLine(c, c) for c in exported.channels]
        document["channels"] = _merge(old_channels, new_lines, lambda text: text)

    old = document.get("dependencies")
    if not isinstance(old, CommentedSeq):
        document["dependencies"] = _dependencies(exported)
        return _dump(document)
    pip_mapping = _take_pip_mapping(old)
    merged = _merge(old, exported.conda, _conda_key)
    if exported.pip:
        if pip_mapping is None:
            pip_mapping = CommentedMap()
        pip_mapping["pip"] = _merge(pip_mapping.get("pip"), exported.pip, _pip_key)
        merged.append(pip_mapping)
    return _dump(document)


def _dependencies(exported: ExportedEnvironment) -> CommentedSeq:
    dependencies = _sequence(exported.conda)
    if exported.pip:
        dependencies.append(CommentedMap([("pip", _sequence(exported.pip))]))
    return dependencies


def _sequence(lines: list[ExportLine]) -> CommentedSeq:
    sequence = CommentedSeq()
    for line in lines:
        sequence.append(line.text)
        if line.comment:
            sequence.yaml_add_eol_comment(line.comment, len(sequence) - 1)
    return sequence


def _merge(old: Any, lines: list[ExportLine], key_of: Any) -> CommentedSeq:
    """Update the string items of ``old`` in place from ``lines``, matched by package name:
    items of packages not in ``lines`` go, new packages are added at the end."""
    if not isinstance(old, CommentedSeq):
        return _sequence(lines)
    wanted = {line.key: line for line in lines}
    done: set[str] = set()
    for index in range(len(old) - 1, -1, -1):
        item = old[index]
        key = key_of(item) if isinstance(item, str) else None
        if key not in wanted or key in done:
            del old[index]
            continue
        done.add(key)
        line = wanted[key]
        old[index] = line.text
        if line.comment and index not in old.ca.items:
            old.yaml_add_eol_comment(line.comment, index)
    for line in lines:
        if line.key not in done:
            old.append(line.text)
            if line.comment:
                old.yaml_add_eol_comment(line.comment, len(old) - 1)
    return old


def _take_pip_mapping(dependencies: CommentedSeq) -> CommentedMap | None:
    """Remove the `pip:` mapping and any other non-string item; return the pip mapping."""
    pip_mapping = None
    for index in range(len(dependencies) - 1, -1, -1):
        item = dependencies[index]
        if isinstance(item, str):
            continue
        if isinstance(item, CommentedMap) and "pip" in item and pip_mapping is None:
            pip_mapping = item
        del dependencies[index]
    return pip_mapping


def _conda_key(text: str) -> str:
    try:
        return parse_conda_spec(text).name
    except InvalidSpecError:
        return text


def _pip_key(text: str) -> str:
    entry = EnvironmentFileEntry(text=text, section="pip", source="")
    try:
        spec = parse_pip_entry(entry)
    except InvalidSpecError:
        return text
    return spec.name or canonicalize_name(text)


def _dump(document: CommentedMap) -> str:
    stream = io.StringIO()
    round_trip_yaml().dump(document, stream)
    return stream.getvalue()


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so a reader sees the old file or the new one, never a part."""
    write_atomic(os.path.abspath(path), text.encode("utf-8"), _mode_of(path))


def _mode_of(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
