"""Variables that `conda activate` sets for an environment, read from its files without running them."""

from __future__ import annotations

import glob
import json
import logging
import os
import re

from ..model import Activation

log = logging.getLogger(__name__)

_EXPORT = re.compile(r"^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_PREFIX_REF = re.compile(r"\$\{CONDA_PREFIX\}|\$CONDA_PREFIX\b")
_BARE_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def read_activation(prefix: str) -> Activation:
    """Collect the variables that activation sets: conda-meta/state, env_vars.d, activate.d."""
    activation = Activation()
    _read_state(prefix, activation)
    _read_env_vars_d(prefix, activation)
    for script in sorted(glob.glob(os.path.join(prefix, "etc", "conda", "activate.d", "*.sh"))):
        activation.scripts.append(script)
        exports, skipped = _read_exports(script, prefix)
        activation.variables.update(exports)
        activation.unparsed.extend(f"{script}: {line}" for line in skipped)
    return activation


def _read_state(prefix: str, activation: Activation) -> None:
    path = os.path.join(prefix, "conda-meta", "state")
    data = _load_json(path, activation)
    env_vars = data.get("env_vars") if isinstance(data, dict) else None
    if isinstance(env_vars, dict):
        activation.variables.update({str(k): str(v) for k, v in env_vars.items()})
        activation.sources.append(path)


def _read_env_vars_d(prefix: str, activation: Activation) -> None:
    for path in sorted(glob.glob(os.path.join(prefix, "etc", "conda", "env_vars.d", "*.json"))):
        data = _load_json(path, activation)
        if isinstance(data, dict):
            activation.variables.update({str(k): str(v) for k, v in data.items()})
            activation.sources.append(path)


def _load_json(path: str, activation: Activation) -> object:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        activation.unparsed.append(f"{path}: cannot read: {e}")
        return None


def _read_exports(script: str, prefix: str) -> tuple[dict[str, str], list[str]]:
    """Return the `export NAME=VALUE` lines of a script, with $CONDA_PREFIX filled in.

    Other variable references become ``${NAME}``, the form jupyter_client fills in from the
    server's environment when it starts the kernel. Lines that do something else (tests,
    functions, commands) are returned as skipped.
    """
    try:
        with open(script, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        return {}, [f"cannot read: {e.strerror}"]
    exports: dict[str, str] = {}
    skipped: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _EXPORT.match(stripped)
        if match is None:
            skipped.append(stripped)
            continue
        value = _unquote(match.group(2).strip())
        value = _PREFIX_REF.sub(lambda _: prefix, value)
        exports[match.group(1)] = _BARE_REF.sub(lambda m: "${" + m.group(1) + "}", value)
    return exports, skipped


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def resolve_for_spec(variables: dict[str, str], server_environ: dict[str, str]) -> dict[str, str]:
    """Return the values to write into a spec's env so the kernel gets what activation sets.

    A ``${NAME}`` whose variable the server does not set would stay literal in the kernel
    (jupyter_client uses ``string.Template.safe_substitute``), so such references are dropped
    together with the path separator next to them.
    """
    resolved = {}
    for name, value in variables.items():
        def keep_or_drop(match: re.Match[str]) -> str:
            return match.group(0) if match.group(1) in server_environ else ""

        value = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", keep_or_drop, value)
        value = re.sub(r"::+", ":", value).strip(":")
        resolved[name] = value
    return resolved
