"""ruamel.yaml set up the same way for reading and writing environment files."""

from __future__ import annotations

from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError


class Indent(NamedTuple):
    """Block sequence layout: the column of an item's text and of its dash, relative to the
    parent key."""

    sequence: int
    offset: int


# `conda env export` indents list items by two spaces under their key.
DEFAULT_INDENT = Indent(sequence=4, offset=2)


def round_trip_yaml(indent: Indent = DEFAULT_INDENT) -> YAML:
    """Return a YAML instance that keeps comments and writes sequences with ``indent``."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=indent.sequence, offset=indent.offset)
    yaml.width = 4096
    return yaml


def load_text(text: str) -> Any:
    """Parse YAML text; raise ValueError with the line and column of the first error."""
    try:
        return round_trip_yaml().load(text)
    except MarkedYAMLError as error:
        raise ValueError(_marked_message(error)) from error
    except YAMLError as error:
        raise ValueError(f"invalid YAML: {error}") from error


def _marked_message(error: MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "invalid YAML"
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"invalid YAML at line {mark.line + 1} column {mark.column + 1}: {problem}"


def line_of(container: Any, index: Any) -> int | None:
    """Return the 1-based line of item ``index`` of a parsed sequence or mapping, if known."""
    positions = getattr(container, "lc", None)
    if positions is None:
        return None
    try:
        if isinstance(index, int):
            line, _ = positions.item(index)
        else:
            line, _ = positions.key(index)
    except (KeyError, IndexError, TypeError):
        return None
    return int(line) + 1
