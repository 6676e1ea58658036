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
    # Top-level names of the standard library: sys.stdlib_module_names on Python 3.10+,
    # else the built-in modules plus the modules and packages in the stdlib dirs.
    stdlib_module_names: list[str] = field(default_factory=list)
    builtin_module_names: list[str] = field(default_factory=list)
    # Top-level modules imported while the interpreter started (site, .pth files,
    # sitecustomize) -> where each came from: a file, "built-in", "frozen", or None.
    startup_modules: dict[str, str | None] = field(default_factory=dict)
    # File name endings of extension modules (".cpython-311-x86_64-linux-gnu.so", ".so").
    extension_suffixes: list[str] = field(default_factory=list)
    no_user_site: bool | None = None  # sys.flags.no_user_site: -s or PYTHONNOUSERSITE
    safe_path: bool | None = None  # sys.flags.safe_path (3.11+): -P or PYTHONSAFEPATH
    # The probe's working dir, which PYTHONPATH's empty and relative entries resolve against.
    cwd: str | None = None


@dataclass
class PathEntry:
    """One entry of a kernel's sys.path, with where it came from."""

    path: str
    # "cwd" (the notebook's folder), "pythonpath", "pth" (added by a .pth file), "user"
    # (user site), "env" (the env's own site dir), "stdlib", or "other".
    kind: str
    exists: bool = True
    added_by: str | None = None  # the .pth file or variable that added it
    note: str | None = None  # e.g. "a package dir", "site-packages of Python 2.7"


@dataclass
class Kernel:
    """One kernel.json on disk (or the built-in python3 spec), loaded or not."""

    name: str
    resource_dir: str
    spec_path: str
    # Location of the kernel dir: "jupyter_path" (JUPYTER_PATH), "user", "env", "system",
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
    # sys.path of the kernel as its interpreter reported it, classified; empty without a probe.
    import_path: list[PathEntry] = field(default_factory=list)

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
    # Kernel dirs inside the prefix (share/jupyter/kernels/*), which only a server running in that env searches.
    own_kernel_specs: list[str] = field(default_factory=list)
    kernels: list[str] = field(default_factory=list)
    # Canonical names of the distributions in the env's site dirs, from dist-info dir names.
    distributions: list[str] = field(default_factory=list)
    activation: Activation | None = None
    error: str | None = None


@dataclass
class Distribution:
    """One installed distribution: a .dist-info or .egg-info dir (or file) in a site dir."""

    name: str  # canonical (PEP 503) name
    raw_name: str  # the Name field of its METADATA
    version: str
    metadata_path: str
    site_dir: str
    installer: str | None = None  # first line of INSTALLER: pip, uv, conda, ...
    requested: bool = False  # REQUESTED exists: the user asked for it directly
    direct_url: dict[str, Any] | None = None  # parsed direct_url.json
    editable_source: str | None = None  # the source dir of an editable install
    top_level: list[str] = field(default_factory=list)  # importable top-level names it provides
    # Requires-Dist lines; empty for a distribution that conda linked and nothing rewrote,
    # whose METADATA is not read (the conda record's depends describe it).
    requires: list[str] = field(default_factory=list)
    record_count: int | None = None  # entries in RECORD; None without a RECORD
    missing_files: list[str] = field(default_factory=list)  # RECORD entries not on disk
    local_version: str | None = None  # the "+cpu" part of "2.3.1+cpu"
    # conda-meta record file that lists this metadata dir in its files; None when unowned.
    conda_record: str | None = None
    error: str | None = None
    # "dist-info", "egg-info" (a dir or a file) or "egg-link" (an old `setup.py develop`).
    metadata_kind: str = "dist-info"
    # RECORD entries not on disk, all of them; missing_files keeps only the first few.
    missing_file_count: int = 0
    editable_source_missing: bool = False
    # Other metadata paths in the same site dir whose RECORD lists some of the same files,
    # with the number of such files.
    shared_files: dict[str, int] = field(default_factory=dict)
    # Shared files whose sha256 was compared with this RECORD, and those that differ on disk:
    # metadata whose files all match is the one that describes what is installed.
    hashes_checked: int = 0
    hash_mismatches: list[str] = field(default_factory=list)
    # Facts about the build, read from its files. "cuda" is "none" for a CPU build of torch, or
    # the CUDA version in torch/version.py. "blas" is "openblas" when RECORD lists a bundled
    # OpenBLAS library, or "mkl" for a bundled MKL, and "blas_library" is that library's path.
    build_variant: dict[str, str] = field(default_factory=dict)


@dataclass
class CondaRecord:
    """One conda-meta/<name>-<version>-<build>.json record of a conda prefix."""

    path: str
    name: str
    version: str
    build: str
    channel: str | None = None
    subdir: str | None = None
    depends: list[str] = field(default_factory=list)
    build_number: int = 0
    # Prefix-relative metadata dirs (dist-info / egg-info) listed in the record's files.
    metadata_dirs: list[str] = field(default_factory=list)
    file_count: int = 0
    missing_files: list[str] = field(default_factory=list)  # listed in files, gone from disk
    error: str | None = None
    missing_file_count: int = 0  # all listed files gone from disk; missing_files keeps a few
    # Owned metadata dirs (prefix-relative) that are gone from disk.
    missing_metadata_dirs: list[str] = field(default_factory=list)
    # Owned metadata dirs still on disk whose RECORD or INSTALLER differs from the package's,
    # because another installer rewrote them.
    changed_metadata_dirs: list[str] = field(default_factory=list)
    # With a deep scan: files whose sha256 differs from paths_data (a few, and the count).
    altered_files: list[str] = field(default_factory=list)
    altered_file_count: int = 0


@dataclass
class HistoryBlock:
    """One `==> date <==` block of conda-meta/history."""

    date: str
    command: str | None = None
    added: list[str] = field(default_factory=list)  # "channel/subdir::name-version-build"
    removed: list[str] = field(default_factory=list)
    specs: list[str] = field(default_factory=list)  # from "# update specs:" / "# remove specs:"
    # The verb of that specs line: "update" (the user asked for the specs) or "remove".
    specs_action: str | None = None


@dataclass
class SiteDir:
    """A folder on a kernel's sys.path that contains installed distributions or .pth files."""

    path: str
    # "env" (the env's own site-packages), "user" (user site), "pythonpath", "pth" (added by a
    # .pth file), "system" (another installation's site dir) or "cwd".
    kind: str
    distributions: list[Distribution] = field(default_factory=list)
    # Leftovers of an interrupted pip run: entries starting with "~".
    leftovers: list[str] = field(default_factory=list)
    # .pth file -> the paths it adds (import lines are listed as "import ...").
    pth_entries: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None


@dataclass
class EnvironmentPackages:
    """Installed packages and conda records of one environment, read from its files."""

    environment_id: str
    site_dirs: list[SiteDir] = field(default_factory=list)
    conda_records: list[CondaRecord] = field(default_factory=list)
    history: list[HistoryBlock] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Whether conda record files were also compared by sha256 (a deep scan).
    deep: bool = False


@dataclass
class EnvironmentFileEntry:
    """One dependency of an environment file, as written."""

    text: str
    section: str  # "conda" or "pip"
    # The environment file, or the requirements file that a pip `-r` line names.
    source: str
    line: int | None = None  # 1-based; None when the YAML parser gives no position


@dataclass
class EnvironmentFileProblem:
    """Input of an environment file that conda or pip would reject or ignore."""

    # "unknown-key", "invalid-value" or "requirements-file" (a `-r` file that cannot be read).
    kind: str
    message: str
    source: str
    line: int | None = None


@dataclass
class EnvironmentFile:
    """An environment.yml read from disk: what `conda env create -f` would install."""

    path: str
    name: str | None = None
    prefix: str | None = None
    channels: list[str] = field(default_factory=list)
    conda: list[EnvironmentFileEntry] = field(default_factory=list)
    pip: list[EnvironmentFileEntry] = field(default_factory=list)
    has_pip_section: bool = False
    problems: list[EnvironmentFileProblem] = field(default_factory=list)
    # Why the file cannot be used at all: unreadable, invalid YAML, not a mapping.
    error: str | None = None


@dataclass
class EnvironmentFileUse:
    """An environment file that describes an environment, and why the doctor links the two."""

    file: EnvironmentFile
    environment_id: str
    kernels: list[str] = field(default_factory=list)
    # "configured" (c.EnvDoctor.environment_files), "notebook folder" or "command line".
    found_by: str = "configured"


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
    # The server's root dir, whose notebook folders are checked for modules that shadow others.
    root_dir: str | None = None
    # Environment id -> its installed packages (filled by the package scan).
    packages: dict[str, EnvironmentPackages] = field(default_factory=dict)
    # Environment files beside notebooks or configured for a kernel or environment.
    environment_files: list[EnvironmentFileUse] = field(default_factory=list)
    # Values derived from this snapshot once and shared: package views, notebook folders and
    # findings that several checks filter. Nothing changes a snapshot after the scan, and
    # dataclasses.replace starts a copy with an empty memo.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def environment(self, env_id: str | None) -> Environment | None:
        for env in self.environments:
            if env.id == env_id:
                return env
        return None

    def visible_kernels(self) -> list[Kernel]:
        return [k for k in self.kernels if k.visible]
