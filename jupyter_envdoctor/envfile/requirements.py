"""The pip section of an environment file, and the requirements files its `-r` lines name.

conda writes the pip section to a requirements file in the environment file's folder and runs
`pip install -r` on it, so relative paths in it (`-r`, `-e ./src`) are relative to that
folder. Nested `-r` lines are relative to the file that contains them, as pip reads them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..model import EnvironmentFileEntry, EnvironmentFileProblem

_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(?P<path>.+)$")
_CONSTRAINT = re.compile(r"^(?:-c|--constraint)\b")
# `-e` or `-r` with nothing after it, which pip rejects.
_BARE_OPTION = re.compile(r"^(?:-e|--editable|-r|--requirement)\s*=?$")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+|(?=\S))(?P<target>.+)$")


@dataclass
class PipLines:
    """The requirement lines of a pip section, with the files they came from."""

    entries: list[EnvironmentFileEntry] = field(default_factory=list)
    problems: list[EnvironmentFileProblem] = field(default_factory=list)


def add_pip_line(lines: PipLines, text: str, source: str, line: int | None,
                 reading: tuple[str, ...] = ()) -> None:
    """Add one pip line; a `-r` line adds the lines of the file it names instead.

    ``reading`` contains the requirements files that include this line, to detect a cycle.
    """
    text = text.strip()
    if _BARE_OPTION.match(text):
        lines.problems.append(EnvironmentFileProblem(
            "invalid-entry", f"pip line {text!r} needs a value: pip rejects {text} without "
            "a path or URL after it", source, line))
        return
    include = _INCLUDE.match(text)
    if include:
        _include(lines, include.group("path").strip(), source, line, reading)
        return
    if _CONSTRAINT.match(text):
        return  # Constraints limit versions but install nothing.
    if text.startswith("-") and not _EDITABLE.match(text):
        return  # Options such as --index-url change where pip looks, not what it installs.
    lines.entries.append(EnvironmentFileEntry(text=text, section="pip", source=source, line=line))


def editable_target(text: str) -> str | None:
    """Return the path or URL of an `-e` line, or None when the line is not editable."""
    match = _EDITABLE.match(text.strip())
    return match.group("target").strip() if match else None


def _include(lines: PipLines, path: str, source: str, line: int | None,
             reading: tuple[str, ...]) -> None:
    full_path = os.path.normpath(os.path.join(os.path.dirname(source), os.path.expanduser(path)))
    if os.path.realpath(full_path) in reading:
        lines.problems.append(EnvironmentFileProblem(
            "requirements-file",
            f"requirements file {full_path} includes itself through its -r lines, "
            "which pip cannot install", source, line))
        return
    try:
        with open(full_path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        message = f"requirements file {full_path} not found"
        lines.problems.append(EnvironmentFileProblem("requirements-file", message, source, line))
        return
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        message = f"cannot read requirements file {full_path}: {reason}"
        lines.problems.append(EnvironmentFileProblem("requirements-file", message, source, line))
        return

    for number, logical in _logical_lines(text):
        add_pip_line(lines, logical, full_path, number, (*reading, os.path.realpath(full_path)))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Return (first line number, text) of each requirement, joined at trailing backslashes
    and without comments, as pip reads a requirements file."""
    result: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        # pip drops a comment that starts the line or follows whitespace.
        stripped = re.sub(r"(^|\s+)#.*$", "", raw)
        if stripped.endswith("\\"):
            pending += stripped[:-1]
            continue
        logical = (pending + stripped).strip()
        pending = ""
        if logical:
            result.append((start, logical))
    if pending.strip():
        result.append((start, pending.strip()))
    return result
