"""conda's environments.txt registry and the envs_dirs entries of its .condarc files."""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator, Sequence

from ..model import RegistryEntry
from .candidates import Candidate, SearchContext
from .prefixreader import (
    CONDA_MARKER,
    _cannot_read,
    _has_undecodable_bytes,
    _list_dir_or_empty,
    _printable,
    _unique,
)

logger = logging.getLogger(__name__)

_CONDARC_ENVS_KEY = re.compile(r"(envs_dirs|envs_path)\s*:(.*)")

# conda reads these files outside any home or root prefix (conda/base/constants.py SEARCH_PATH).
SYSTEM_CONDARC_PATHS: tuple[str, ...] = (
    (
        "C:/ProgramData/conda/.condarc",
        "C:/ProgramData/conda/condarc",
        "C:/ProgramData/conda/condarc.d",
    )
    if os.name == "nt"
    else (
        "/etc/conda/.condarc",
        "/etc/conda/condarc",
        "/etc/conda/condarc.d",
        "/var/lib/conda/.condarc",
        "/var/lib/conda/condarc",
        "/var/lib/conda/condarc.d",
    )
)


# conda locator: environments.txt -----------------------------------------------------------


def _registry_status(value: str, context: SearchContext) -> str:
    if _has_undecodable_bytes(value) or any(ord(char) < 32 for char in value):
        return "invalid"
    if not os.path.isabs(value):
        return "invalid"
    try:
        is_environment = stat.S_ISREG(os.stat(os.path.join(value, CONDA_MARKER)).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        is_environment = False
    except OSError as error:
        # NOTE: an env that exists but cannot be read is reported as not-an-env, with the
        # reason in problems, because RegistryEntry has no status for it.
        context.problems.append(_cannot_read(value, error))
        return "not-an-env"
    if is_environment:
        return "ok"
    # A symlink to a deleted prefix counts as missing.
    return "not-an-env" if os.path.exists(value) else "missing"


def _read_environments_txt(context: SearchContext) -> Iterator[Candidate]:
    path = context.home_path(".conda", "environments.txt")
    try:
        # conda writes UTF-8, but a hand-edited file may contain any bytes. surrogateescape
        # keeps them, so such a line is reported as invalid instead of failing the read.
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().split("\n")
    except FileNotFoundError:
        logger.debug("no conda registry at %s", path)
        return
    except OSError as error:
        context.problems.append(_cannot_read(path, error))
        return

    for number, line in enumerate(lines, start=1):
        value = line.strip()
        # conda skips blank lines and lines starting with "#"
        # (conda.gateways.disk.read.yield_lines).
        if not value or value.startswith("#"):
            continue
        status = _registry_status(value, context)
        context.registry.append(RegistryEntry(path, number, _printable(value), status))
        if status == "ok":
            yield Candidate(value, "environments.txt")


# conda locator: .condarc envs_dirs ---------------------------------------------------------


def _strip_yaml_comment(text: str) -> str:
    """Cut a ``#`` comment that starts the text or follows whitespace, outside quotes."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index]
    return text


def _unquote_yaml_scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def _split_flow_items(text: str) -> list[str]:
    """Split the inside of a YAML flow list on commas outside quotes."""
    items, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return [_unquote_yaml_scalar(item) for item in items if item.strip()]


def _read_block_items(lines: Sequence[str], start: int) -> tuple[list[str], int]:
    """Read ``- item`` lines from ``start`` and return the items and the index after the list."""
    items = []
    index = start
    while index < len(lines):
        text = _strip_yaml_comment(lines[index]).rstrip()
        stripped = text.strip()
        if not stripped:
            index += 1
            continue
        if not (stripped == "-" or stripped.startswith("- ")):
            break
        item = _unquote_yaml_scalar(stripped[1:])
        if item:
            items.append(item)
        index += 1
    return items, index


def parse_condarc_envs_dirs(text: str) -> list[str]:
    """Return the entries of the top-level ``envs_dirs`` key (alias ``envs_path``) of a .condarc.

    NOTE: this is not a YAML parser. It reads a block list of ``- item`` lines, a flow
    list ``[a, b]`` (which may span lines), or a plain scalar that conda splits on
    os.pathsep. Items may be single- or double-quoted, but escapes other than ``\\\\`` and
    ``\\"``, anchors, tags and multi-line scalars are not understood.
    """
    lines = text.splitlines()
    entries: list[str] = []
    index = 0
    while index < len(lines):
        match = _CONDARC_ENVS_KEY.fullmatch(lines[index].rstrip())
        index += 1
        if match is None:
            continue
        rest = _strip_yaml_comment(match.group(2)).strip()

        if rest.startswith("["):
            # A flow list may continue on the following lines until its closing bracket.
            while "]" not in rest and index < len(lines):
                rest += " " + _strip_yaml_comment(lines[index]).strip()
                index += 1
            entries.extend(_split_flow_items(rest[1:].split("]", 1)[0]))
        elif rest:
            entries.extend(item for item in _unquote_yaml_scalar(rest).split(os.pathsep) if item)
        else:
            items, index = _read_block_items(lines, index)
            entries.extend(items)
    return entries


def _condarc_paths(context: SearchContext, roots: Sequence[str]) -> list[str]:
    """Return the .condarc files and condarc.d dirs that conda reads, in conda's order."""
    environ = context.environ
    paths: list[str] = list(SYSTEM_CONDARC_PATHS)
    for root in roots:
        paths += [
            os.path.join(root, ".condarc"),
            os.path.join(root, "condarc"),
            os.path.join(root, "condarc.d"),
        ]
    config_homes = [context.home_path(".config")]
    if environ.get("XDG_CONFIG_HOME"):
        config_homes.insert(0, environ["XDG_CONFIG_HOME"])
    for config_home in config_homes:
        paths += [
            os.path.join(config_home, "conda", name)
            for name in (".condarc", "condarc", "condarc.d")
        ]
    paths += [context.home_path(".conda", name) for name in (".condarc", "condarc", "condarc.d")]
    paths.append(context.home_path(".condarc"))
    if environ.get("CONDA_PREFIX"):
        paths += [
            os.path.join(environ["CONDA_PREFIX"], name)
            for name in (".condarc", "condarc", "condarc.d")
        ]
    if environ.get("CONDARC"):
        paths.append(context.expand(environ["CONDARC"]))
    return _unique(paths)


def _read_condarc_file(context: SearchContext, path: str) -> list[str]:
    # Like conda, any search path entry that is a dir is read as a condarc.d dir.
    if os.path.isdir(path):
        return _read_condarc_dir(context, path)
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except FileNotFoundError:
        return []
    except OSError as error:
        context.problems.append(_cannot_read(path, error))
        return []
    logger.debug("read conda configuration %s", path)
    return parse_condarc_envs_dirs(text)


def _read_condarc_dir(context: SearchContext, path: str) -> list[str]:
    # conda reads the .yml and .yaml files of a condarc.d dir in name order
    # (conda.common.configuration.load_file_configs).
    entries = []
    for name in sorted(_list_dir_or_empty(path).names):
        if name.endswith((".yml", ".yaml")):
            entries += _read_condarc_file(context, os.path.join(path, name))
    return entries


def _condarc_envs_dirs(context: SearchContext, roots: Sequence[str]) -> list[str]:
    envs_dirs = []
    for condarc in _condarc_paths(context, roots):
        for entry in _read_condarc_file(context, condarc):
            expanded = context.expand(entry)
            if os.path.isabs(expanded):
                envs_dirs.append(expanded)
            else:
                logger.debug("ignored relative envs_dirs entry %r in %s", entry, condarc)
    return _unique(envs_dirs)
