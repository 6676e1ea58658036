"""Write an exported environment as YAML: a new file, or an update of an existing one that
keeps the user's comments, key order and other keys (such as `variables`)."""

from __future__ import annotations

import io
import os
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from ..atomicfile import write_atomic
from ..model import EnvironmentFileEntry
from .condaspec import InvalidSpecError, parse_conda_spec
from .export import ExportedEnvironment, ExportLine
from .pipspec import parse_pip_entry
from .requirements import PipLines, add_pip_line, editable_target
from .yamlio import DEFAULT_INDENT, Indent, load_text, round_trip_yaml


def render(exported: ExportedEnvironment) -> str:
    """Return a new environment.yml for ``exported``."""
    document = CommentedMap()
    document["name"] = exported.name
    if exported.channels:
        document["channels"] = CommentedSeq(exported.channels)
    document["dependencies"] = _dependencies(exported)
    if exported.prefix:
        # `conda env export` writes the prefix last, too.
        document["prefix"] = exported.prefix
    return _dump(document)


def render_update(existing_text: str, exported: ExportedEnvironment,
                  notes: list[str] | None = None, source: str | None = None) -> str:
    """Return ``existing_text`` updated to ``exported``, keeping what the user wrote.

    The update keeps comments, other keys, the place of each package and the file's
    channels. An end-of-line comment moves with its package from the conda list to `pip:`.
    pip lines keep their extras and marker, and `-r` lines, pip options and lines whose
    marker excludes this environment's Python stay. The file's list indentation stays when
    ruamel.yaml can write it back. ``notes`` receives a sentence for each line that is
    dropped or moved to `pip:`. ``source`` is the file's path, for reading the files of `-r` lines.

    Raises ValueError when the existing text is neither empty nor a YAML mapping.
    """
    notes = [] if notes is None else notes
    if not existing_text.strip():
        return render(exported)  # An empty file has nothing to keep.
    document = load_text(existing_text)
    indent = _file_indent(existing_text, document)
    if document is None:
        # Only comments: keep them above the new content.
        return existing_text.rstrip("\n") + "\n" + render(exported)
    if not isinstance(document, CommentedMap):
        # A ValueError like the YAML errors of load_text: the file's content is invalid.
        raise ValueError("the existing file is not a YAML mapping")  # noqa: TRY004
    document["name"] = exported.name
    if exported.prefix and "prefix" not in document:
        document["prefix"] = exported.prefix
    _update_channels(document, exported.channels, notes)

    old = document.get("dependencies")
    if not isinstance(old, CommentedSeq):
        document["dependencies"] = _dependencies(exported)
        return _dump(document, indent)
    pip_mapping = _take_pip_mapping(old)
    conda_comments = _comments_by_key(old, _conda_key)
    moved_to_pip = _moved_to_pip(old, exported)
    merged = _merge(old, exported.conda, _CondaLines(indent, moved_to_pip), notes)
    if exported.pip:
        if pip_mapping is None:
            pip_mapping = CommentedMap()
        moved = {moved_to_pip[key].key: comment for key, comment in conda_comments.items()
                 if key in moved_to_pip}
        pip_lines = _PipLines(indent, exported.marker_values, source, moved)
        if pip_lines.included:
            notes.append("kept the -r lines of the pip section; the requirements files they "
                         "name are not updated, and packages they list are not added again")
        pip_mapping["pip"] = _merge(pip_mapping.get("pip"), exported.pip, pip_lines, notes)
        merged.append(pip_mapping)
    elif pip_mapping is not None and isinstance(pip_mapping.get("pip"), CommentedSeq):
        for item in pip_mapping["pip"]:
            notes.append(f"dropped pip line {item!r}: nothing that pip or uv installed is left")
    return _dump(document, indent)


def _moved_to_pip(dependencies: CommentedSeq,
                  exported: ExportedEnvironment) -> dict[str, ExportLine]:
    """Return conda entry key -> the `pip:` line of the package, for conda entries of the
    file whose package pip or uv installed (or replaced), so it is exported under `pip:`."""
    conda_keys = {line.key for line in exported.conda}
    pip_lines = {line.key: line for line in exported.pip}
    moved = {}
    for item in dependencies:
        key = _conda_key(item) if isinstance(item, str) else None
        if key is None or key in conda_keys:
            continue
        pip_line = pip_lines.get(exported.replaced_by_pip.get(key, canonicalize_name(key)))
        if pip_line is not None:
            moved[key] = pip_line
    return moved


def _update_channels(document: CommentedMap, channels: list[str], notes: list[str]) -> None:
    """Write the exported channels first, in their order, then the file's other channels.

    The pinned builds come from the exported channels, so those must have the highest
    priority; the file's other channels stay below them, with their comments. A venv has
    no channels to export, so then the file's channels stay as they are.
    """
    if not channels:
        return
    old = document.get("channels")
    if not isinstance(old, CommentedSeq):
        document["channels"] = CommentedSeq(channels)
        return
    comments = {index: tokens for index, tokens in old.ca.items.items()}
    items = [(item, comments.get(index)) for index, item in enumerate(old)]
    exported = [channel.rstrip("/") for channel in channels]
    ordered = []
    for channel in channels:
        match = next((pair for pair in items if _channel_key(pair[0]) == channel.rstrip("/")),
                     None)
        ordered.append(match if match is not None else (channel, None))
    for item, tokens in items:
        if _channel_key(item) not in exported:
            ordered.append((item, tokens))
            notes.append(f"kept channel {item!r}, which no installed package came from")
    old.clear()
    old.ca.items.clear()
    for index, (item, tokens) in enumerate(ordered):
        old.append(item)
        if tokens is not None:
            old.ca.items[index] = tokens


def _channel_key(item: Any) -> str:
    return item.strip().rstrip("/") if isinstance(item, str) else repr(item)


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


class _CondaLines:
    """Matching and update rules for the conda list of an existing file.

    ``moved_to_pip`` maps the key of a conda entry to the `pip:` line that replaces it.
    """

    def __init__(self, indent: Indent, moved_to_pip: dict[str, ExportLine] | None = None) -> None:
        # Where the written item text starts: after `- ` under `dependencies:`.
        self.text_column = indent.sequence
        self.moved_to_pip = moved_to_pip or {}

    def key_of(self, item: str) -> str:
        return _conda_key(item)

    def keep_unmatched(self, item: str) -> bool:
        return False

    def rewrite(self, item: str, line: ExportLine) -> str:
        return line.text

    def comment_for(self, line: ExportLine) -> str | None:
        return line.comment

    def is_listed(self, line: ExportLine) -> bool:
        return False

    def moved_note(self, item: str, key: str) -> str | None:
        """Return the note for a conda entry that moves to `pip:`, else None."""
        line = self.moved_to_pip.get(key)
        if line is None:
            return None
        return (f"moved {item!r} to the pip section as {line.text!r}, because pip or uv "
                "installed it")


class _PipLines(_CondaLines):
    """Matching and update rules for the pip list of an existing file."""

    def __init__(self, indent: Indent, marker_values: dict[str, str] | None,
                 source: str | None, moved_comments: dict[str, str]) -> None:
        super().__init__(indent)
        # The `pip:` key starts where a dependency's text does, and its items are one
        # sequence level deeper.
        self.text_column = 2 * indent.sequence
        self.marker_values = marker_values
        self.moved_comments = moved_comments
        self.included = _included_names(source) if source else set()

    def key_of(self, item: str) -> str:
        return _pip_key(item)

    def keep_unmatched(self, item: str) -> bool:
        text = item.strip()
        if text.startswith("-") and editable_target(text) is None:
            return True  # `-r FILE`, `-c FILE`, `--index-url URL`: pip options, no package
        requirement = _requirement(text)
        if requirement is None or requirement.marker is None or self.marker_values is None:
            return False
        # A line for another Python or platform describes nothing in this environment.
        return not requirement.marker.evaluate(self.marker_values)

    def rewrite(self, item: str, line: ExportLine) -> str:
        """Return the exported line with the extras and marker of the file's line."""
        old = _requirement(item)
        new = _requirement(line.text)
        if old is None or new is None or not (old.extras or old.marker):
            return line.text
        text = new.name
        if old.extras:
            text += "[" + ",".join(sorted(old.extras)) + "]"
        text += f" @ {new.url}" if new.url else str(new.specifier)
        if old.marker:
            text += f"; {old.marker}"
        return text

    def comment_for(self, line: ExportLine) -> str | None:
        moved = self.moved_comments.get(line.key)
        if moved and line.comment:
            return f"{moved}; {line.comment}"
        return moved or line.comment

    def is_listed(self, line: ExportLine) -> bool:
        return line.key in self.included


def _merge(old: Any, lines: list[ExportLine], rules: _CondaLines,
           notes: list[str]) -> CommentedSeq:
    """Update the string items of ``old`` in place from ``lines``, matched by package name:
    items of packages not in ``lines`` go (with a note), new packages are added at the end."""
    sequence = old if isinstance(old, CommentedSeq) else CommentedSeq()
    text_column = rules.text_column
    exported = {line.key: line for line in lines}
    done: set[str] = set()
    for index in range(len(sequence) - 1, -1, -1):
        item = sequence[index]
        if not isinstance(item, str):
            notes.append(f"dropped {item!r}: expected a string")
            del sequence[index]
            continue
        key = rules.key_of(item)
        if key not in exported or key in done:
            if rules.keep_unmatched(item):
                continue
            moved = None if key in done else rules.moved_note(item, key)
            if moved is not None:
                notes.append(moved)
            else:
                reason = "listed twice" if key in done else "not installed"
                notes.append(f"dropped {item!r} ({reason})")
            del sequence[index]
            continue
        done.add(key)
        line = exported[key]
        sequence[index] = rules.rewrite(item, line)
        comment = rules.comment_for(line)
        if index in sequence.ca.items and sequence.ca.items[index][0] is not None:
            _keep_two_spaces(sequence.ca.items[index][0], text_column + len(sequence[index]))
        elif comment:
            sequence.yaml_add_eol_comment(comment, index, column=text_column + len(sequence[index]) + 2)
    for line in lines:
        if line.key in done or rules.is_listed(line):
            continue
        sequence.append(line.text)
        comment = rules.comment_for(line)
        if comment:
            sequence.yaml_add_eol_comment(comment, len(sequence) - 1, column=text_column + len(line.text) + 2)
    return sequence


def _keep_two_spaces(comment: Any, line_end: int) -> None:
    """Move an end-of-line comment right so at least two spaces separate it from the text.

    ruamel.yaml keeps a comment's column, and puts one space before it when the new text
    reaches that column.
    """
    column = getattr(comment, "column", None)
    if isinstance(column, int) and column < line_end + 2:
        comment.column = line_end + 2


def _comments_by_key(sequence: CommentedSeq, key_of: Any) -> dict[str, str]:
    """Return package key -> the text of the end-of-line comment of its item."""
    comments = {}
    for index, item in enumerate(sequence):
        tokens = sequence.ca.items.get(index)
        if not isinstance(item, str) or not tokens or tokens[0] is None:
            continue
        text = str(tokens[0].value).strip()
        if text.startswith("#") and "\n" not in text:
            comments[key_of(item)] = text.lstrip("#").strip()
    return comments


def _included_names(source: str) -> set[str]:
    """Return the canonical names that the `-r` files of the file's pip section list."""
    try:
        with open(source, encoding="utf-8") as stream:
            document = load_text(stream.read())
    except (OSError, UnicodeDecodeError, ValueError):
        return set()
    names: set[str] = set()
    dependencies = document.get("dependencies") if isinstance(document, dict) else None
    for item in dependencies if isinstance(dependencies, list) else []:
        section = item.get("pip") if isinstance(item, dict) else None
        for text in section if isinstance(section, list) else []:
            if not isinstance(text, str) or not text.strip().startswith(("-r", "--requirement")):
                continue
            lines = PipLines()
            add_pip_line(lines, text, source, None)
            names.update(_pip_key(entry.text) for entry in lines.entries)
    return names


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


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


def _file_indent(text: str, document: Any) -> Indent:
    """Return the sequence indentation of ``text`` when ruamel.yaml can write it back.

    ruamel.yaml applies one sequence indent and dash offset to every level, so a file that
    indents its `pip:` list differently from its `dependencies:` list gets conda's layout.
    """
    if document is None:
        return DEFAULT_INDENT
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except YAMLError:
        return DEFAULT_INDENT
    if not isinstance(sequence, int) or not isinstance(offset, int) or sequence < offset + 2:
        return DEFAULT_INDENT
    guessed = Indent(sequence, offset)
    # Keep the guess only when it writes the unchanged file back as it is.
    return guessed if _dump(document, guessed) == text else DEFAULT_INDENT


def _dump(document: CommentedMap, indent: Indent = DEFAULT_INDENT) -> str:
    stream = io.StringIO()
    round_trip_yaml(indent).dump(document, stream)
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
