"""Build a Snapshot: kernels, the environments behind them, and live facts from their interpreters."""

from __future__ import annotations

import glob
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from string import Template
from typing import Callable

from packaging.utils import canonicalize_name

from ..model import Environment, EnvironmentPackages, Kernel, ServerInfo, SiteDir, Snapshot
from .activation import read_activation
from .cachedpackages import cached_own_packages, cached_site_dir
from .envfiles import find_environment_files
from .environments import find_environments, prefix_of_interpreter
from .importpaths import classify_import_path
from .interpreters import ProbeCache, ProbeRequest, probe_interpreters
from .kernelspecs import find_kernels
from .launchers import substitutes_to_server
from .nbconda import conda_kernels
from .package_cache import PackageCache
from .packages import add_extra_site_dirs, resolve_deep
from .server import server_info

log = logging.getLogger(__name__)

DEFAULT_MANAGER = "jupyter_client.kernelspec.KernelSpecManager"

Progress = Callable[[str], None]


@dataclass
class ScanOptions:
    """Scan settings, filled from configuration by the CLI and the server extension."""

    server_python: str | None = None
    environ: dict[str, str] | None = None
    extra_env_dirs: Sequence[str] = ()
    root_dir: str | None = None
    probe: bool = True
    probe_timeout: float = 10.0
    use_cache: bool = True
    cache_dir: str | None = None
    # Compare every conda file with its recorded sha256 (slow); None reads JUPYTER_ENVDOCTOR_DEEP.
    deep: bool | None = None
    # Kernel name, environment name or prefix -> the environment file that describes it.
    environment_files: Mapping[str, str] = field(default_factory=dict)
    progress: Progress | None = field(default=None, repr=False)


def scan(options: ScanOptions | None = None) -> Snapshot:
    """Discover kernels and environments, then probe each distinct kernel interpreter."""
    options = options or ScanOptions()
    report = options.progress or (lambda message: None)

    report("reading kernel specs")
    server = server_info(options.server_python, options.environ)
    kernels, problems = find_kernels(server)
    for kernel in kernels:
        kernel.interpreter = resolve_interpreter(kernel, server, [])

    report("finding environments")
    interpreters = [k.interpreter for k in kernels if k.interpreter]
    environments, registry, env_problems = find_environments(
        server, interpreters, options.extra_env_dirs, options.root_dir, server.environ
    )
    problems.extend(env_problems)
    for folder in [*options.extra_env_dirs, *([options.root_dir] if options.root_dir else [])]:
        if not os.path.isdir(folder):
            problems.append(f"{folder} was given as a folder to search for environments, "
                            "but it is not a directory")
    for env in environments:
        env.distributions = distribution_names(env.prefix)
        if env.kind in ("conda", "pixi"):
            env.activation = read_activation(env.prefix)

    if server.nb_conda_kernels:
        kernels.extend(conda_kernels(server, environments, len(server.kernel_dirs) + 1))
    elif server.kernel_spec_manager != DEFAULT_MANAGER:
        problems.append(f"the server uses kernel spec manager {server.kernel_spec_manager}; "
                        "only the kernel.json files it would also find are shown")
    for kernel in kernels:
        kernel.interpreter = resolve_interpreter(kernel, server, environments)
    _link_kernels_to_environments(kernels, environments)

    snapshot = Snapshot(server=server, kernels=kernels, environments=environments,
                        registry=registry, problems=problems, root_dir=options.root_dir)
    snapshot.environment_files = find_environment_files(snapshot, options.environment_files)
    deep = resolve_deep(options.deep)
    cache = PackageCache(options.cache_dir) if options.use_cache and not deep else None
    if options.probe:
        report(f"probing {len({k.interpreter for k in kernels if k.interpreter})} interpreters")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="envdoctor-probes") as pool:
            # Probes mostly wait for their interpreters, which run on other cores, so the
            # packages of the envs are read meanwhile.
            probing = pool.submit(_probe_kernels, snapshot, options)
            report("reading installed packages")
            own = _read_own_packages(snapshot, deep, cache)
            probing.result()
    else:
        report("reading installed packages")
        own = _read_own_packages(snapshot, deep, cache)
    _scan_packages(snapshot, deep, cache, own)
    if cache is not None:
        cache.save()
    return snapshot


def _read_own_packages(snapshot: Snapshot, deep: bool,
                       cache: PackageCache | None) -> dict[str, EnvironmentPackages]:
    """Read the own packages of the envs that a kernel runs or an environment file describes."""
    described = {use.environment_id for use in snapshot.environment_files}
    return {env.id: cached_own_packages(cache, env, deep) for env in snapshot.environments
            if env.kernels or env.id in described}


def _scan_packages(snapshot: Snapshot, deep: bool, cache: PackageCache | None,
                   own: dict[str, EnvironmentPackages]) -> None:
    """Classify each kernel's sys.path, then add its extra site dirs to its env's packages.

    ``own`` has the packages read while the probes ran; an env that only a hidden kernel's
    extra site dirs bring in is read here.
    """
    extra: dict[str, dict[str, SiteDir]] = {}
    for kernel in snapshot.kernels:
        kernel.import_path = classify_import_path(kernel, snapshot.server)
        if kernel.environment_id is None:
            continue
        for entry in kernel.import_path:
            if entry.kind in ("user", "pythonpath", "pth") and entry.exists:
                site_dirs = extra.setdefault(kernel.environment_id, {})
                if entry.path not in site_dirs:
                    site_dirs[entry.path] = cached_site_dir(cache, entry.path, entry.kind, deep)
    for env in snapshot.environments:
        packages = own.get(env.id)
        if packages is None and env.id in extra:
            packages = cached_own_packages(cache, env, deep)
        if packages is not None:
            add_extra_site_dirs(packages, list(extra.get(env.id, {}).values()))
            snapshot.packages[env.id] = packages


def distribution_names(prefix: str) -> list[str]:
    """Return the canonical names of the distributions in the prefix's site dirs.

    Names come from the metadata dir names alone (name-version.dist-info), which is enough
    to compare two envs and costs one listdir per site dir.
    """
    names = set()
    for site_dir in glob.glob(os.path.join(prefix, "lib", "python*", "site-packages")) + [
            os.path.join(prefix, "Lib", "site-packages")]:
        try:
            entries = os.listdir(site_dir)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith((".dist-info", ".egg-info")) and "-" in entry:
                names.add(canonicalize_name(entry.split("-", 1)[0]))
    return sorted(names)


def kernel_environ(kernel: Kernel, server: ServerInfo) -> dict[str, str]:
    """Return the environment the kernel process gets: the server's, updated by the spec's env.

    jupyter_client fills ``${VAR}`` from the server's environment with
    ``string.Template.safe_substitute``, so an unset variable stays literal.
    """
    environ = dict(server.environ)
    for key, value in kernel.env.items():
        environ[key] = Template(value).safe_substitute(server.environ)
    return environ


def resolve_interpreter(
    kernel: Kernel, server: ServerInfo, environments: list[Environment]
) -> str | None:
    """Return the Python interpreter the kernel really runs, or None when it is not Python."""
    launch = kernel.launch
    if launch is None or launch.kind == "other":
        return None
    if launch.kind == "python":
        return _absolute_or_on_path(launch.interpreter or "", kernel_environ(kernel, server))
    if launch.kind == "bare-python":
        if substitutes_to_server(launch.interpreter or "", server.version):
            return server.executable
        return _absolute_or_on_path(launch.interpreter or "", kernel_environ(kernel, server))
    return _wrapped_interpreter(kernel, environments)


def _wrapped_interpreter(kernel: Kernel, environments: list[Environment]) -> str | None:
    """Return the interpreter a wrapper (runner, conda run, activate, pixi) ends up running."""
    launch = kernel.launch
    assert launch is not None
    prefix = launch.target_prefix
    if launch.kind == "pixi-run" and prefix:
        manifest_dir = prefix if os.path.isdir(prefix) else os.path.dirname(prefix)
        prefix = os.path.join(manifest_dir, ".pixi", "envs", "default")
    if prefix is None and launch.target_name:
        prefix = _prefix_of_named_env(launch.target_name, environments)
    inner = launch.inner_argv[0] if launch.inner_argv else "python"
    if os.path.isabs(inner):
        return inner
    if prefix is None:
        return None
    # Activation puts the env's bin first on PATH, so a bare name resolves inside the env.
    return os.path.join(prefix, "Scripts" if os.name == "nt" else "bin", os.path.basename(inner))


def _prefix_of_named_env(name: str, environments: list[Environment]) -> str | None:
    if name == "base":
        return next((e.prefix for e in environments if e.is_conda_base), None)
    return next((e.prefix for e in environments if e.kind == "conda" and e.name == name), None)


def _absolute_or_on_path(program: str, environ: dict[str, str]) -> str | None:
    if os.path.isabs(program):
        return program
    return shutil.which(program, path=environ.get("PATH", os.defpath))


def _link_kernels_to_environments(kernels: list[Kernel], environments: list[Environment]) -> None:
    by_prefix = {env.prefix: env for env in environments}
    for kernel in kernels:
        if not kernel.interpreter:
            continue
        prefix = prefix_of_interpreter(kernel.interpreter)
        env = by_prefix.get(os.path.realpath(prefix)) if prefix else None
        if env is None:
            continue
        kernel.environment_id = env.id
        if kernel.visible and kernel.name not in env.kernels:
            env.kernels.append(kernel.name)


def _probe_kernels(snapshot: Snapshot, options: ScanOptions) -> None:
    requests: dict[str, ProbeRequest] = {}
    for kernel in snapshot.kernels:
        request = _probe_request(kernel, snapshot.server)
        if request is not None:
            requests[kernel.spec_path + "\0" + kernel.name] = request
    path_python = _path_python_request(snapshot)
    if path_python is not None:
        requests["\0path-python"] = path_python
    cache = ProbeCache(options.cache_dir) if options.use_cache else None
    results = probe_interpreters(requests.values(), options.probe_timeout, cache)
    if path_python is not None:
        snapshot.path_python = results.get(path_python)
    for kernel in snapshot.kernels:
        request = requests.get(kernel.spec_path + "\0" + kernel.name)
        if request is not None:
            kernel.probe = results.get(request)


def _probe_request(kernel: Kernel, server: ServerInfo) -> ProbeRequest | None:
    if not kernel.interpreter or kernel.launch is None:
        return None
    modules = ["ipykernel"]
    module = kernel.launch.module
    if module and module not in modules:
        modules.append(module)
    environ = kernel_environ(kernel, server)
    return ProbeRequest(
        executable=kernel.interpreter,
        environ=tuple(sorted(environ.items())),
        modules=tuple(modules),
    )


def _path_python_request(snapshot: Snapshot) -> ProbeRequest | None:
    """Return a probe of the `python` on PATH, which front ends other than jupyter_client run
    for a bare argv[0]; None when no visible kernel has one."""
    if not any(k.visible and k.launch and k.launch.kind == "bare-python" for k in snapshot.kernels):
        return None
    environ = snapshot.server.environ
    found = shutil.which("python", path=environ.get("PATH", os.defpath))
    if found is None:
        return None
    return ProbeRequest(found, tuple(sorted(environ.items())), ("ipykernel",))
