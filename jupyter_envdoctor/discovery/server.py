"""The Jupyter server a report is made for: its interpreter, kernel dirs and config dirs.

By default that is this Python process, which is right when `jupyter envdoctor` runs in the
server's environment. Another server's interpreter can be named instead; its kernel
dirs then follow jupyter_core's rules applied to that interpreter's prefix.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import sys
from collections.abc import Mapping

from jupyter_core import paths as jpaths

from ..model import ServerInfo

log = logging.getLogger(__name__)

NB_CONDA_MANAGER = "nb_conda_kernels.CondaKernelSpecManager"
CONFIG_FILES = ("jupyter_config.json", "jupyter_server_config.json", "jupyter_notebook_config.json")
_VERSION_DIR = re.compile(r"^python(\d+\.\d+)$")


def server_info(
    executable: str | None = None, environ: Mapping[str, str] | None = None
) -> ServerInfo:
    """Describe the server that runs ``executable`` (default: this interpreter)."""
    env: dict[str, str] = dict(os.environ if environ is None else environ)
    if executable is None or _same_file(executable, sys.executable):
        return _describe_this_process(env)
    return _describe_other_interpreter(executable, env)


def _describe_this_process(env: dict[str, str]) -> ServerInfo:
    info = ServerInfo(
        executable=sys.executable,
        prefix=sys.prefix,
        version=platform.python_version(),
        kernel_dirs=jpaths.jupyter_path("kernels"),
        config_dirs=jpaths.jupyter_config_path(),
        environ=env,
    )
    _read_kernel_spec_manager(info)
    return info


def _describe_other_interpreter(executable: str, env: dict[str, str]) -> ServerInfo:
    prefix = _prefix_of(executable)
    own_env = os.path.join(sys.prefix, "share", "jupyter")
    data_dirs = [_swap_prefix(d, own_env, os.path.join(prefix, "share", "jupyter"))
                 for d in jpaths.jupyter_path()]
    data_dirs = _order_user_and_env(data_dirs, prefix, env)
    own_etc = os.path.join(sys.prefix, "etc", "jupyter")
    config_dirs = [_swap_prefix(d, own_etc, os.path.join(prefix, "etc", "jupyter"))
                   for d in jpaths.jupyter_config_path()]
    info = ServerInfo(
        executable=executable,
        prefix=prefix,
        version=_static_version(prefix) or "",
        kernel_dirs=[os.path.join(d, "kernels") for d in data_dirs],
        config_dirs=config_dirs,
        environ=env,
    )
    _read_kernel_spec_manager(info)
    return info


def _swap_prefix(path: str, old: str, new: str) -> str:
    return new if os.path.normpath(path) == os.path.normpath(old) else path


def _order_user_and_env(data_dirs: list[str], prefix: str, env: Mapping[str, str]) -> list[str]:
    """Put the env dir before or after the user dir as jupyter_core would for ``prefix``."""
    env_dir = os.path.join(prefix, "share", "jupyter")
    user_dir = jpaths.jupyter_data_dir()
    if env_dir not in data_dirs or user_dir not in data_dirs:
        return data_dirs
    ordered = [d for d in data_dirs if d != env_dir]
    user_index = ordered.index(user_dir)
    ordered.insert(user_index if _prefers_env(prefix, env) else user_index + 1, env_dir)
    return ordered


def _prefers_env(prefix: str, env: Mapping[str, str]) -> bool:
    # The same three rules as jupyter_core.paths.prefer_environment_over_user, applied to
    # another interpreter's prefix instead of sys.prefix.
    if "JUPYTER_PREFER_ENV_PATH" in env:
        return env["JUPYTER_PREFER_ENV_PATH"].lower() not in ("", "0", "false", "no", "off", "n")
    if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        return True
    conda_prefix = env.get("CONDA_PREFIX")
    return bool(
        conda_prefix
        and prefix.startswith(conda_prefix)
        and env.get("CONDA_DEFAULT_ENV", "base") != "base"
    )


def _prefix_of(executable: str) -> str:
    folder = os.path.dirname(os.path.abspath(executable))
    if os.path.basename(folder) in ("bin", "Scripts"):
        return os.path.dirname(folder)
    return folder


def _static_version(prefix: str) -> str | None:
    try:
        names = os.listdir(os.path.join(prefix, "lib"))
    except OSError:
        return None
    versions = [m.group(1) for m in map(_VERSION_DIR.match, names) if m]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)


def _same_file(a: str, b: str) -> bool:
    # Compare within one bin dir only: a venv's bin/python links to its base interpreter,
    # which other venvs share, so following the link would confuse two environments.
    if os.path.dirname(os.path.abspath(a)) != os.path.dirname(os.path.abspath(b)):
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _read_kernel_spec_manager(info: ServerInfo) -> None:
    """Find the configured KernelSpecManager class in the server's JSON config files.

    Later config dirs have lower priority, so the first dir that sets the class wins.
    """
    for config_dir in info.config_dirs:
        for name in CONFIG_FILES:
            manager = _manager_in_config(os.path.join(config_dir, name))
            if manager:
                info.kernel_spec_manager = manager
                info.nb_conda_kernels = manager.startswith("nb_conda_kernels")
                log.debug("kernel spec manager %s set in %s", manager, config_dir)
                return
    # NOTE: Python config files (jupyter_server_config.py) are not read: running them would
    # execute user code, so a manager set only there is not seen.


def _manager_in_config(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("cannot read Jupyter config %s: %s", path, e)
        return None
    if not isinstance(config, dict):
        return None
    for section in config.values():
        if isinstance(section, dict):
            manager = section.get("kernel_spec_manager_class")
            if isinstance(manager, str):
                return manager
    return None
