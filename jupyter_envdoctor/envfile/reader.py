"""Read an environment.yml into an EnvironmentFile, reporting what conda would reject or ignore.

Only the structure is checked here. Whether each dependency parses as a conda match spec or a
pip requirement is decided when it is matched against an environment.
"""

from __future__ import annotations

import os
from typing import Any

from ..model import EnvironmentFile, EnvironmentFileEntry, EnvironmentFileProblem
from .requirements import PipLines, add_pip_line
from .yamlio import line_of, load_text

# The keys `conda env create` reads; it ignores others with a warning.
KNOWN_KEYS = ("name", "channels", "dependencies", "prefix", "variables")
# Environment files larger than this are not read (a real one is a few KB).
MAX_FILE_BYTES = 4 * 1024 * 1024


def read_environment_file(path: str) -> EnvironmentFile:
    """Read and check the environment file at ``path``. Bad input goes to ``error`` or
    ``problems`` of the result instead of raising."""
    env_file = EnvironmentFile(path=os.path.abspath(path))
    try:
        data = load_text(_read_text(env_file.path))
    except (OSError, ValueError) as error:
        env_file.error = _reason(error)
        return env_file

    if data is None:
        env_file.error = "the file is empty"
        return env_file
    if not isinstance(data, dict):
        env_file.error = (f"expected a mapping with the keys name, channels and dependencies, "
                          f"found {_type_name(data)}")
        return env_file
    _read_keys(env_file, data)
    return env_file


def _read_text(path: str) -> str:
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"the file has {size} bytes, more than the {MAX_FILE_BYTES} read")
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def _reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "the file does not exist"
    if isinstance(error, UnicodeDecodeError):
        return f"the file is not UTF-8 text: {error}"
    if isinstance(error, OSError):
        return f"cannot read the file: {error.strerror or error}"
    return str(error)


def _read_keys(env_file: EnvironmentFile, data: dict[Any, Any]) -> None:
    for key in data:
        if key not in KNOWN_KEYS:
            _problem(env_file, "unknown-key",
                     f"unknown key {key!r}, which conda ignores; the keys are: "
                     + ", ".join(KNOWN_KEYS), line_of(data, key))

    env_file.name = _optional_string(env_file, data, "name")
    env_file.prefix = _optional_string(env_file, data, "prefix")
    env_file.channels = _channels(env_file, data)
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        _problem(env_file, "invalid-value",
                 f"'variables' is {_type_name(variables)}, expected a mapping",
                 line_of(data, "variables"))

    dependencies = data.get("dependencies", [])
    if dependencies is None:
        dependencies = []
    if not isinstance(dependencies, list):
        env_file.error = f"'dependencies' is {_type_name(dependencies)}, expected a list"
        return
    _read_dependencies(env_file, dependencies)


def _optional_string(env_file: EnvironmentFile, data: dict[Any, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    _problem(env_file, "invalid-value", f"{key!r} is {_type_name(value)}, expected a string",
             line_of(data, key))
    return None


def _channels(env_file: EnvironmentFile, data: dict[Any, Any]) -> list[str]:
    channels = data.get("channels")
    if channels is None:
        return []
    if not isinstance(channels, list):
        _problem(env_file, "invalid-value",
                 f"'channels' is {_type_name(channels)}, expected a list of channel names",
                 line_of(data, "channels"))
        return []
    names = []
    for index, channel in enumerate(channels):
        if isinstance(channel, str) and channel.strip():
            names.append(channel.strip())
        else:
            _problem(env_file, "invalid-value",
                     f"channel {channel!r} is {_type_name(channel)}, expected a channel name",
                     line_of(channels, index))
    return names


def _read_dependencies(env_file: EnvironmentFile, dependencies: list[Any]) -> None:
    for index, item in enumerate(dependencies):
        line = line_of(dependencies, index)
        if isinstance(item, str) and item.strip():
            env_file.conda.append(EnvironmentFileEntry(item.strip(), "conda", env_file.path, line))
        elif isinstance(item, dict) and list(item) == ["pip"]:
            _read_pip_section(env_file, item["pip"], line_of(item, "pip") or line)
        elif isinstance(item, dict):
            keys = ", ".join(repr(key) for key in item)
            _problem(env_file, "invalid-entry",
                     f"dependency mapping with {keys}: only a 'pip' list can be nested here",
                     line)
        else:
            # YAML reads an unquoted 3.11 as a number and "- " alone as null.
            _problem(env_file, "invalid-entry",
                     f"dependency {item!r} is {_type_name(item)}, expected a match spec string "
                     "such as 'numpy=1.26'; quote values that YAML reads as numbers",
                     line)


def _read_pip_section(env_file: EnvironmentFile, section: Any, line: int | None) -> None:
    env_file.has_pip_section = True
    if section is None:
        return
    if not isinstance(section, list):
        _problem(env_file, "invalid-entry",
                 f"the 'pip' section is {_type_name(section)}, expected a list of requirements",
                 line)
        return

    pip_lines = PipLines()
    for index, item in enumerate(section):
        item_line = line_of(section, index)
        if isinstance(item, str) and item.strip():
            add_pip_line(pip_lines, item, env_file.path, item_line)
        else:
            _problem(env_file, "invalid-entry",
                     f"pip requirement {item!r} is {_type_name(item)}, expected a string",
                     item_line)
    env_file.pip.extend(pip_lines.entries)
    env_file.problems.extend(pip_lines.problems)


def _problem(env_file: EnvironmentFile, kind: str, message: str, line: int | None) -> None:
    env_file.problems.append(EnvironmentFileProblem(kind, message, env_file.path, line))


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
