"""Data model shared by discovery, checks, fixes and every front end.

Everything here is plain data: dataclasses that serialize to the JSON report with
``dataclasses.asdict``. Discovery fills them in, checks read them, front ends render them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# Kinds of kernel launch, by the program in argv. Only "python" and "bare-python" name the
# kernel's interpreter directly; the wrappers activate an environment first.
LaunchKind = Literal[
    "python",  # absolute (or relative) path to a Python interpreter
    "bare-python",  # "python", "python3" or "python3.X", resolved by the launcher
    "nb-conda-runner",  # python -m nb_conda_kernels.runner ROOT PREFIX ARGV...
    "conda-run",  # conda run -p PREFIX / -n NAME ARGV...
    "shell-activate",  # bash -c '... activate ENV && exec ...'
    "pixi-run",  # pixi run [--manifest-path M] ARGV...
    "other",  # a non-Python kernel or a launcher this tool does not understand
]

EnvironmentKind = Literal["conda", "venv", "system", "pixi"]


def environment_id(prefix: str) -> str:
    """Return the stable id of the environment at ``prefix``: 12 hex digits of its SHA-1."""
    return hashlib.sha1(prefix.encode("utf-8", "surrogateescape")).hexdigest()[:12]


@dataclass
class Launch:
    """The process a kernel's argv starts: interpreter, module and the env a wrapper activates."""

    kind: LaunchKind
    # The interpreter as written in argv (absolute path, or a bare name for "bare-python").
    interpreter: str | None = None
    # The module run with ``-m`` (``ipykernel_launcher`` for ipykernel's specs).
    module: str | None = None
    # The environment a wrapper activates, when it names one by path or by name.
    target_prefix: str | None = None
    target_name: str | None = None
    # The argv that the wrapper finally runs inside the target environment.
    inner_argv: list[str] = field(default_factory=list)
    # The wrapper program itself (conda, pixi, bash), as written.
    wrapper: str | None = None


@dataclass
class ProbeResult:
    """Facts a live interpreter reported about itself, run with a kernel's environment."""

    executable: str
    ok: bool
    error: str | None = None
    timed_out: bool = False
    sys_executable: str | None = None
    prefix: str | None = None
    base_prefix: str | None = None
    version: str | None = None
    path: list[str] = field(default_factory=list)
    user_site: str | None = None
    user_site_enabled: bool | None = None
    # Module name -> whether the interpreter can find it (ipykernel, the argv's -m module).
    importable: dict[str, bool] = field(default_factory=dict)


@dataclass
class Kernel:
    """One kernel.json on disk (or the built-in python3 spec), loaded or not."""

    name: str
    resource_dir: str
    spec_path: str
    # Where the kernel dir lives: "jupyter_path" (JUPYTER_PATH), "user", "env", "system",
    # "builtin" (ipykernel's resources) or "nb_conda_kernels" (made by its manager).
    source: str
    # Index of the kernel dir in the server's search order, lower wins.
    search_rank: int
    error: str | None = None
    argv: list[str] = field(default_factory=list)
    display_name: str = ""
    language: str = ""
    env: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    launch: Launch | None = None
    # The interpreter the kernel process really runs, after launcher substitution.
    interpreter: str | None = None
    environment_id: str | None = None
    # spec_path of the same-named spec that wins over this one; None for the visible one.
    hidden_by: str | None = None
    probe: ProbeResult | None = None

    @property
    def visible(self) -> bool:
        return self.hidden_by is None

    @property
    def is_python(self) -> bool:
        return self.launch is not None and self.launch.kind != "other"


@dataclass
class Activation:
    """Variables that `conda activate` sets for an env, which a kernel started without it misses."""

    variables: dict[str, str] = field(default_factory=dict)
    # activate.d scripts, and the state / env_vars.d files the variables came from.
    scripts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # Script lines that do more than `export NAME=VALUE`, which this tool does not run.
    unparsed: list[str] = field(default_factory=list)


@dataclass
class Environment:
    """A Python environment found on disk: a conda prefix, a venv, or a plain installation."""

    id: str
    prefix: str
    kind: EnvironmentKind
    name: str
    python: str | None = None
    python_version: str | None = None
    # How the environment was found ("environments.txt", "envs_dirs", "kernel", "server", ...).
    found_by: list[str] = field(default_factory=list)
    is_server: bool = False
    is_conda_base: bool = False
    # For a venv: the "home" of pyvenv.cfg and the version it was made with.
    base_home: str | None = None
    base_version: str | None = None
    has_ipykernel: bool = False
    # Kernel dirs inside the prefix (share/jupyter/kernels/*), which only that env's server sees.
    own_kernel_specs: list[str] = field(default_factory=list)
    kernels: list[str] = field(default_factory=list)
    # Canonical names of the distributions in the env's site dirs, from dist-info dir names.
    distributions: list[str] = field(default_factory=list)
    activation: Activation | None = None
    error: str | None = None


@dataclass
class RegistryEntry:
    """One line of a conda environments.txt file."""

    registry: str
    line_number: int
    value: str
    # "ok", "missing" (the prefix is gone), "not-an-env" (no conda-meta/history) or "invalid".
    status: str


@dataclass
class ServerInfo:
    """The Jupyter server the report is made for (by default, this Python process)."""

    executable: str
    prefix: str
    version: str
    kernel_dirs: list[str]
    config_dirs: list[str]
    # The environment the server starts kernels with (os.environ unless configured).
    environ: dict[str, str] = field(default_factory=dict)
    kernel_spec_manager: str = "jupyter_client.kernelspec.KernelSpecManager"
    nb_conda_kernels: bool = False


@dataclass
class Fix:
    """A remedy for a finding: an action the tool can apply, or a command for the user."""

    id: str
    # "remove-spec", "repoint-spec", "register-kernel", "rename-spec", "set-spec-env",
    # or "command" for something only the user can run.
    action: str
    title: str
    params: dict[str, Any] = field(default_factory=dict)
    command: str | None = None

    @property
    def applicable(self) -> bool:
        return self.action != "command"


@dataclass
class Finding:
    """A diagnosed problem, or a fact worth knowing, about kernels and environments."""

    code: str
    severity: Severity
    title: str
    kernels: list[str] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    fixes: list[Fix] = field(default_factory=list)


@dataclass
class Snapshot:
    """Everything discovery found; the input of every check."""

    server: ServerInfo
    kernels: list[Kernel] = field(default_factory=list)
    environments: list[Environment] = field(default_factory=list)
    registry: list[RegistryEntry] = field(default_factory=list)
    # Messages about input that could not be read at all (unreadable dirs and files).
    problems: list[str] = field(default_factory=list)
    # The `python` on the server's PATH, probed when a visible kernel has a bare argv[0].
    path_python: ProbeResult | None = None

    def environment(self, env_id: str | None) -> Environment | None:
        for env in self.environments:
            if env.id == env_id:
                return env
        return None

    def visible_kernels(self) -> list[Kernel]:
        return [k for k in self.kernels if k.visible]
