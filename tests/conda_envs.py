"""Build real conda environments offline for tests.

Each requested package is written as a ``.tar.bz2`` conda package into a local
file channel, which py-rattler indexes, solves and installs. The
``conda-meta/*.json`` records are therefore rattler's own output, not
hand-written imitations. The ``python`` package wraps an interpreter that is
already on this machine (from pyenv or PATH), so ``PREFIX/bin/python`` is a
real CPython whose ``sys.prefix`` is ``PREFIX``.

Tests import this module as ``conda_envs`` because pytest puts ``tests/`` on
``sys.path`` (the directory has no ``__init__.py``).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import rattler
from rattler.index import index_fs

# Written into the "# conda version:" line of conda-meta/history.
CONDA_VERSION = "24.1.2"
IPYKERNEL_VERSION = "6.29.5"

# Fixed mtime for archive members so that rebuilding a package gives identical bytes.
_ARCHIVE_MTIME = 1_700_000_000

FileContent = Union[str, bytes]


@dataclass(frozen=True)
class Dist:
    """A Python distribution (a ``*.dist-info`` directory plus its modules).

    ``modules`` are top-level packages, each written as ``<module>/__init__.py``
    with ``__version__ = "<version>"``. ``None`` means one package named after
    the distribution (lower case, ``-`` and ``.`` replaced by ``_``).
    ``extra_files`` are site-packages-relative and override generated modules.
    ``data_files`` are prefix-relative, like the ``.data/data/`` part of a
    wheel, and RECORD lists them as ``../../../<path>``.
    """

    name: str
    version: str
    modules: Sequence[str] | None = None
    requires: Sequence[str] = ()
    installer: str = "conda"
    requested: bool = True
    extra_files: Mapping[str, FileContent] = field(default_factory=dict)
    data_files: Mapping[str, FileContent] = field(default_factory=dict)


@dataclass(frozen=True)
class Package:
    """A conda package to build into the local channel.

    ``files`` maps archive paths to contents. For a ``noarch="python"``
    package, rattler installs archive paths under ``site-packages/`` into
    ``lib/pythonX.Y/site-packages/``, and other paths land in the prefix as they are.
    A package with ``dists`` and no ``noarch`` is built for the Python version
    of the environment it is first installed into.
    """

    name: str
    version: str
    build: str = "0"
    build_number: int = 0
    depends: Sequence[str] = ()
    dists: Sequence[Dist] = ()
    files: Mapping[str, FileContent] = field(default_factory=dict)
    noarch: str | None = None

    @property
    def dist_name(self) -> str:
        """The conda ``name-version-build`` string, also the archive's base name."""
        return f"{self.name}-{self.version}-{self.build}"


@dataclass(frozen=True)
class CondaEnv:
    """A conda environment created by :class:`CondaEnvBuilder`."""

    prefix: Path
    python: Path
    site_packages: Path
    version: str

    @property
    def conda_meta(self) -> Path:
        """The ``conda-meta`` directory holding the package records and history."""
        return self.prefix / "conda-meta"

    def record(self, name: str) -> dict[str, Any]:
        """Load the conda-meta record of the installed package ``name``."""
        matches = [
            path
            for path in self.conda_meta.glob(f"{name}-*.json")
            if json.loads(path.read_text())["name"] == name
        ]
        if len(matches) != 1:
            raise LookupError(
                f"expected one conda-meta record for {name!r} in {self.conda_meta}, "
                f"found {len(matches)}"
            )
        record: dict[str, Any] = json.loads(matches[0].read_text())
        return record

    def run_python(self, code: str) -> str:
        """Run ``code`` with the environment's interpreter and return its stdout.

        PYTHONPATH and PYTHONHOME are removed from the child's environment so
        that the test process cannot leak into ``sys.path``. Raises
        :class:`subprocess.CalledProcessError` with stderr when the code fails.
        """
        child_env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME")
        }
        completed = subprocess.run(
            [str(self.python), "-c", code],
            check=False,
            capture_output=True,
            text=True,
            env=child_env,
            timeout=60,
        )
        if completed.returncode != 0:
            raise subprocess.CalledProcessError(
                completed.returncode, completed.args, completed.stdout, completed.stderr
            )
        return completed.stdout


class PythonNotFoundError(LookupError):
    """Raised when no base interpreter of the requested X.Y version is installed."""


@dataclass(frozen=True)
class BaseInterpreter:
    """An installed CPython whose binary and stdlib the ``python`` package reuses."""

    executable: Path
    stdlib: Path
    version: str  # full version, such as "3.11.7"

    @property
    def short_version(self) -> str:
        """The ``X.Y`` version, such as ``"3.11"``."""
        major, minor = self.version.split(".")[:2]
        return f"{major}.{minor}"


@dataclass(frozen=True)
class _File:
    data: bytes
    mode: int = 0o644


@dataclass(frozen=True)
class _Symlink:
    target: str


_Payload = dict[str, Union[_File, _Symlink]]


# ---------------------------------------------------------------------------
# Locating base interpreters


def find_python(version: str) -> BaseInterpreter:
    """Find an installed CPython ``X.Y`` through pyenv, then through PATH.

    Raises :class:`PythonNotFoundError` naming the version and the places searched.
    """
    if not re.fullmatch(r"\d+\.\d+", version):
        raise ValueError(f"invalid Python version {version!r}: expected X.Y, such as '3.11'")

    searched: list[str] = []
    for versions_dir in _pyenv_versions_dirs():
        searched.append(f"{versions_dir}/{version}.*")
        executable = _newest_pyenv_executable(versions_dir, version)
        if executable is not None:
            return _probe_interpreter(executable, version)

    searched.append(f"python{version} on PATH")
    on_path = shutil.which(f"python{version}")
    if on_path is not None:
        return _probe_interpreter(Path(on_path), version)

    raise PythonNotFoundError(
        f"no Python {version} interpreter found (searched {', '.join(searched)}). "
        f"Install it, for example with `pyenv install {version}`"
    )


def _pyenv_versions_dirs() -> list[Path]:
    roots: list[Path] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        completed = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, check=False, timeout=30
        )
        if completed.returncode == 0 and completed.stdout.strip():
            roots.append(Path(completed.stdout.strip()))

    unique_dirs: list[Path] = []
    for root in roots:
        versions_dir = root / "versions"
        if versions_dir.is_dir() and versions_dir not in unique_dirs:
            unique_dirs.append(versions_dir)
    return unique_dirs


def _newest_pyenv_executable(versions_dir: Path, version: str) -> Path | None:
    # Free-threaded builds such as "3.13.0t" are skipped, because their stdlib is in lib/pythonX.Yt.
    candidates: list[tuple[int, Path]] = []
    for install in versions_dir.iterdir():
        match = re.fullmatch(re.escape(version) + r"\.(\d+)", install.name)
        executable = install / "bin" / f"python{version}"
        if match and executable.is_file():
            candidates.append((int(match.group(1)), executable))
    if not candidates:
        return None
    return max(candidates)[1]


# Runs under the probed interpreter, which may be Python 2.7.
_PROBE_CODE = (
    "import json, sys\n"
    "print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3],\n"
    "                  'base_prefix': getattr(sys, 'base_prefix', sys.prefix)}))\n"
)


def _probe_interpreter(executable: Path, version: str) -> BaseInterpreter:
    completed = subprocess.run(
        [str(executable), "-c", _PROBE_CODE],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if completed.returncode != 0:
        raise PythonNotFoundError(
            f"Python {version} at {executable} failed to run: {completed.stderr.strip()}"
        )
    info = json.loads(completed.stdout)
    base_prefix = Path(info["base_prefix"])

    interpreter = BaseInterpreter(
        executable=_base_executable(base_prefix, executable, version),
        stdlib=base_prefix / "lib" / f"python{version}",
        version=info["version"],
    )
    if interpreter.short_version != version:
        raise PythonNotFoundError(
            f"{executable} reports Python {interpreter.version}, expected {version}"
        )
    if not (interpreter.stdlib / "os.py").is_file():
        raise PythonNotFoundError(
            f"Python {version} at {executable} has no standard library at {interpreter.stdlib}"
        )
    return interpreter


def _base_executable(base_prefix: Path, found: Path, version: str) -> Path:
    # A venv's bin/pythonX.Y is a symlink, so the package copies the base install's binary.
    candidate = base_prefix / "bin" / f"python{version}"
    if candidate.is_file():
        return candidate
    return found.resolve()


# ---------------------------------------------------------------------------
# Python distributions (dist-info directories)


def dist_info_dirname(name: str, version: str) -> str:
    """Return the ``*.dist-info`` directory name that pip writes for ``name`` and ``version``."""
    escaped_name = re.sub(r"[-_.]+", "_", name)
    return f"{escaped_name}-{version}.dist-info"


def _module_name(dist_name: str) -> str:
    return re.sub(r"[-.]+", "_", dist_name).lower()


def _to_bytes(content: FileContent) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _metadata_text(dist: Dist) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {dist.name}", f"Version: {dist.version}"]
    lines.extend(f"Requires-Dist: {requirement}" for requirement in dist.requires)
    return "\n".join(lines) + "\n"


def dist_files(dist: Dist, installer: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Render ``dist`` as site-packages files and prefix-relative data files.

    The first mapping includes the dist-info directory with a RECORD that
    lists every file of both mappings with its sha256 hash and size.
    """
    site_files: dict[str, bytes] = {}
    modules = dist.modules if dist.modules is not None else (_module_name(dist.name),)
    for module in modules:
        site_files[f"{module}/__init__.py"] = f'__version__ = "{dist.version}"\n'.encode()
    for path, content in dist.extra_files.items():
        site_files[path] = _to_bytes(content)

    info_dir = dist_info_dirname(dist.name, dist.version)
    site_files[f"{info_dir}/METADATA"] = _metadata_text(dist).encode()
    site_files[f"{info_dir}/INSTALLER"] = f"{installer}\n".encode()
    if dist.requested:
        site_files[f"{info_dir}/REQUESTED"] = b""

    data_files = {path: _to_bytes(content) for path, content in dist.data_files.items()}
    record_rows = [[path, _record_hash(data), str(len(data))] for path, data in site_files.items()]
    # RECORD paths are relative to site-packages, which is lib/pythonX.Y/site-packages.
    record_rows += [
        ["../../../" + path, _record_hash(data), str(len(data))]
        for path, data in data_files.items()
    ]
    record_rows.append([f"{info_dir}/RECORD", "", ""])

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(record_rows)
    site_files[f"{info_dir}/RECORD"] = buffer.getvalue().encode()
    return site_files, data_files


def _site_packages_of(target: CondaEnv | Path) -> Path:
    if isinstance(target, CondaEnv):
        return target.site_packages
    target = Path(target)
    if target.name == "site-packages":
        return target
    candidates = sorted(target.glob("lib/python*/site-packages"))
    if len(candidates) != 1:
        raise ValueError(
            f"expected one lib/pythonX.Y/site-packages under {target}, found {len(candidates)}. "
            "Pass the site-packages directory itself"
        )
    return candidates[0]


def pip_install_like(target: CondaEnv | Path, dist: Dist, *, installer: str = "pip") -> Path:
    """Write ``dist`` into a site-packages directory the way ``pip install`` would.

    ``target`` is an environment, a prefix or a site-packages directory. No
    conda record is written, and ``installer`` replaces ``dist.installer``.
    Existing files at the same paths are overwritten, but an older dist-info
    of the same project stays; remove it with :func:`remove_dist_info`.
    Returns the new dist-info directory.
    """
    site_dir = _site_packages_of(target)
    site_files, data_files = dist_files(dist, installer)
    _write_files(site_dir, site_files)
    if data_files:
        _write_files(site_dir.parents[2], data_files)
    return site_dir / dist_info_dirname(dist.name, dist.version)


def remove_dist_info(site_dir: Path, name: str, version: str) -> None:
    """Delete the dist-info directory of ``name`` ``version``, leaving its module files."""
    info_dir = Path(site_dir) / dist_info_dirname(name, version)
    if not info_dir.is_dir():
        raise FileNotFoundError(f"dist-info directory not found: {info_dir}")
    shutil.rmtree(info_dir)


def _write_files(root: Path, files: Mapping[str, bytes]) -> None:
    for relative_path, data in files.items():
        path = root / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# ---------------------------------------------------------------------------
# Package presets


def ipykernel_package(version: str = IPYKERNEL_VERSION) -> Package:
    """Return a stub ``noarch: python`` ipykernel package with the files ipykernel ships.

    It contains the ``ipykernel`` package, ``ipykernel_launcher.py``, the
    dist-info (INSTALLER conda), the logos and the ``python3`` kernelspec. It
    depends on ``python`` without a version bound, so it installs into any
    test environment. The launcher exits with an error: it cannot run a kernel.
    """
    resources = _ipykernel_resources()
    kernelspec_dir = "share/jupyter/kernels/python3"
    kernel_json = {
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }

    extra_files: dict[str, FileContent] = {
        "ipykernel_launcher.py": (
            "import sys\n"
            "sys.exit('ipykernel_launcher: this is a stub ipykernel from the "
            "jupyter-envdoctor tests and cannot start a kernel')\n"
        ),
    }
    data_files: dict[str, FileContent] = {
        f"{kernelspec_dir}/kernel.json": json.dumps(kernel_json, indent=1) + "\n",
    }
    for logo in resources:
        extra_files[f"ipykernel/resources/{logo.name}"] = logo.read_bytes()
        data_files[f"{kernelspec_dir}/{logo.name}"] = logo.read_bytes()

    dist = Dist("ipykernel", version, extra_files=extra_files, data_files=data_files)
    return Package(
        "ipykernel", version, build="pyh0_0", depends=("python",), dists=(dist,), noarch="python"
    )


def _ipykernel_resources() -> list[Path]:
    spec = importlib.util.find_spec("ipykernel")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "ipykernel is not installed in the test environment, but the stub ipykernel "
            "package copies its logo files. Install ipykernel, which the test extra lists"
        )
    resources_dir = Path(next(iter(spec.submodule_search_locations))) / "resources"
    logos = sorted(resources_dir.glob("logo-*"))
    if not logos:
        raise FileNotFoundError(f"no logo-* files found in {resources_dir}")
    return logos


# ---------------------------------------------------------------------------
# Conda package archives


def _python_payload(interpreter: BaseInterpreter) -> _Payload:
    # CPython sets sys.prefix to the directory above bin/ when it finds the
    # landmark lib/pythonX.Y/os.py there, so symlinks to the base stdlib are enough.
    # The copied binary finds libpython through its absolute RUNPATH.
    short = interpreter.short_version
    major = short.split(".")[0]
    payload: _Payload = {
        f"bin/python{short}": _File(interpreter.executable.read_bytes(), mode=0o755),
        f"bin/python{major}": _Symlink(f"python{short}"),
        "bin/python": _Symlink(f"python{short}"),
        f"lib/python{short}/site-packages/README.txt": _File(
            b"This directory exists so that 3rd party packages can be installed here.\n"
        ),
    }
    for entry in sorted(interpreter.stdlib.iterdir()):
        if entry.name != "site-packages":
            payload[f"lib/python{short}/{entry.name}"] = _Symlink(str(entry))
    return payload


def _package_payload(package: Package, python_version: str) -> _Payload:
    payload: _Payload = {}
    if package.noarch == "python":
        site_dir = "site-packages"
    else:
        site_dir = f"lib/python{python_version}/site-packages"

    for dist in package.dists:
        site_files, data_files = dist_files(dist, dist.installer)
        for path, data in site_files.items():
            payload[f"{site_dir}/{path}"] = _File(data)
        for path, data in data_files.items():
            payload[path] = _File(data)
    for path, content in package.files.items():
        payload[path] = _File(_to_bytes(content))
    return payload


def _index_json(package: Package, subdir: str) -> dict[str, Any]:
    index: dict[str, Any] = {
        "name": package.name,
        "version": package.version,
        "build": package.build,
        "build_number": package.build_number,
        "depends": list(package.depends),
        "subdir": subdir,
    }
    if package.noarch is not None:
        index["noarch"] = package.noarch
    return index


def _paths_json(payload: _Payload) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for path in sorted(payload):
        item = payload[path]
        if isinstance(item, _Symlink):
            entries.append({"_path": path, "path_type": "softlink"})
        else:
            entries.append(
                {
                    "_path": path,
                    "path_type": "hardlink",
                    "sha256": hashlib.sha256(item.data).hexdigest(),
                    "size_in_bytes": len(item.data),
                }
            )
    return {"paths": entries, "paths_version": 1}


def _add_tar_member(archive: tarfile.TarFile, path: str, item: _File | _Symlink) -> None:
    info = tarfile.TarInfo(path)
    info.mtime = _ARCHIVE_MTIME
    if isinstance(item, _Symlink):
        info.type = tarfile.SYMTYPE
        info.linkname = item.target
        info.mode = 0o777
        archive.addfile(info)
    else:
        info.size = len(item.data)
        info.mode = item.mode
        archive.addfile(info, io.BytesIO(item.data))


def write_conda_package(path: Path, index: Mapping[str, Any], payload: _Payload) -> None:
    """Write a ``.tar.bz2`` conda package with ``info/index.json``, ``paths.json`` and ``files``."""
    info_files = {
        "info/index.json": json.dumps(index, indent=2, sort_keys=True),
        "info/paths.json": json.dumps(_paths_json(payload), indent=2),
        "info/files": "".join(f"{member}\n" for member in sorted(payload)),
    }
    with tarfile.open(path, "w:bz2") as archive:
        for info_path, text in info_files.items():
            _add_tar_member(archive, info_path, _File(text.encode()))
        for member in sorted(payload):
            _add_tar_member(archive, member, payload[member])


def _payload_digest(index: Mapping[str, Any], payload: _Payload) -> str:
    digest = hashlib.sha256(json.dumps(index, sort_keys=True).encode())
    for path in sorted(payload):
        item = payload[path]
        digest.update(path.encode() + b"\0")
        if isinstance(item, _Symlink):
            digest.update(b"symlink\0" + item.target.encode())
        else:
            digest.update(b"file\0%o\0" % item.mode + item.data)
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Environments


class CondaEnvBuilder:
    """Build packages into a local channel under ``workdir`` and create environments.

    Each distinct archive is written once, and the channel is re-indexed only
    after new archives were added. Dependencies are solved against every
    package this builder has built so far, not only those of one call.
    Call it from synchronous code, because it runs rattler's coroutines with
    :func:`asyncio.run`.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir).absolute()
        self.channel_dir = self.workdir / "channel"
        self.package_cache_dir = self.workdir / "pkgs"
        self._repodata_cache_dir = self.workdir / "repodata-cache"
        self.native_subdir = str(rattler.Subdir.current())
        for subdir in (self.native_subdir, "noarch"):
            (self.channel_dir / subdir).mkdir(parents=True, exist_ok=True)

        self._archive_digests: dict[str, str] = {}
        self._index_is_stale = True
        self._interpreters: dict[str, BaseInterpreter] = {}

    @property
    def channel_url(self) -> str:
        """The ``file://`` URL of the local channel, without a trailing slash."""
        return self.channel_dir.as_uri()

    def interpreter(self, version: str) -> BaseInterpreter:
        """Return the base interpreter for ``version`` (``"3.11"``), found once per builder."""
        if version not in self._interpreters:
            self._interpreters[version] = find_python(version)
        return self._interpreters[version]

    def create(
        self,
        prefix: Path,
        python: str = "3.11",
        packages: Sequence[Package] = (),
        *,
        ipykernel: bool = False,
        activate_d: Mapping[str, str] | None = None,
        state_env_vars: Mapping[str, str] | None = None,
        jupyter_config: Mapping[str, Any] | None = None,
        environments_txt: Path | None = None,
        history_cmd: str | None = None,
    ) -> CondaEnv:
        """Create a conda environment at ``prefix`` with Python ``python`` and ``packages``.

        ``ipykernel=True`` adds :func:`ipykernel_package`. ``activate_d`` maps
        file names to scripts for ``etc/conda/activate.d/``, ``state_env_vars``
        go into ``conda-meta/state`` as ``conda env config vars set`` stores
        them, and ``jupyter_config`` becomes ``etc/jupyter/jupyter_config.json``.
        These files belong to no package record. ``environments_txt`` gets the
        prefix appended unless it is listed already. ``history_cmd`` replaces
        the default ``# cmd:`` line of ``conda-meta/history``.
        """
        prefix = Path(prefix).absolute()
        if prefix.exists() and any(prefix.iterdir()):
            raise FileExistsError(f"prefix is not empty: {prefix}")

        interpreter = self.interpreter(python)
        all_packages = self._packages_for_env(interpreter, packages, ipykernel)
        for package in all_packages:
            self._add_to_channel(package, python)

        requested_specs = [f"python={python}"] + [package.name for package in all_packages[1:]]
        records = self._solve(all_packages)
        self._install(records, prefix, requested_specs)

        cmd = history_cmd or f"conda create -p {prefix} {' '.join(requested_specs)}"
        _append_history(prefix, records, self.channel_url, cmd, requested_specs)
        _write_env_extras(prefix, activate_d, state_env_vars, jupyter_config)
        if environments_txt is not None:
            register_environment(Path(environments_txt), prefix)

        env = CondaEnv(
            prefix=prefix,
            python=prefix / "bin" / "python",
            site_packages=prefix / "lib" / f"python{python}" / "site-packages",
            version=python,
        )
        _check_interpreter_prefix(env)
        return env

    def _packages_for_env(
        self, interpreter: BaseInterpreter, packages: Sequence[Package], ipykernel: bool
    ) -> list[Package]:
        python_package = Package("python", interpreter.version)
        all_packages = [python_package, *packages]
        if ipykernel:
            all_packages.append(ipykernel_package())

        names = [package.name for package in all_packages]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"package names requested more than once: {', '.join(duplicates)}")
        return all_packages

    def _add_to_channel(self, package: Package, python_version: str) -> None:
        if package.noarch not in (None, "python", "generic"):
            raise ValueError(
                f"invalid noarch {package.noarch!r} for {package.dist_name}: "
                "expected None, 'python' or 'generic'"
            )
        if package.noarch == "generic" and package.dists:
            raise ValueError(
                f"{package.dist_name} is noarch generic, which has no site-packages "
                "for its dists. Use noarch='python' or a native package"
            )

        subdir = "noarch" if package.noarch else self.native_subdir
        index = _index_json(package, subdir)
        if package.name == "python":
            payload = _python_payload(self.interpreter(python_version))
        else:
            payload = _package_payload(package, python_version)

        archive_name = f"{subdir}/{package.dist_name}.tar.bz2"
        digest = _payload_digest(index, payload)
        known_digest = self._archive_digests.get(archive_name)
        if known_digest == digest:
            return
        if known_digest is not None:
            raise ValueError(
                f"{archive_name} was already built with other contents, for example "
                "for another Python version. Give this variant its own build string, "
                "such as py37_0"
            )

        write_conda_package(self.channel_dir / archive_name, index, payload)
        self._archive_digests[archive_name] = digest
        self._index_is_stale = True

    def _solve(self, packages: Sequence[Package]) -> list[rattler.RepoDataRecord]:
        if self._index_is_stale:
            asyncio.run(index_fs(self.channel_dir, write_zst=False, write_shards=False))
            self._index_is_stale = False

        # A new gateway per solve, because a gateway keeps repodata in memory.
        gateway = rattler.Gateway(cache_dir=self._repodata_cache_dir)
        exact_specs = [
            rattler.MatchSpec(f"{package.name} =={package.version} {package.build}")
            for package in packages
        ]
        return asyncio.run(
            rattler.solve(
                sources=[rattler.Channel(self.channel_url)],
                specs=exact_specs,
                gateway=gateway,
                platforms=[rattler.Subdir(self.native_subdir), rattler.Subdir("noarch")],
                virtual_packages=[],
            )
        )

    def _install(
        self, records: list[rattler.RepoDataRecord], prefix: Path, requested_specs: list[str]
    ) -> None:
        asyncio.run(
            rattler.install(
                records,
                target_prefix=prefix,
                cache_dir=self.package_cache_dir,
                installed_packages=[],
                execute_link_scripts=False,
                show_progress=False,
                # NOTE: py-rattler 0.28's install() forwards requested_specs to the
                # Rust side without unwrapping MatchSpec, so it needs the inner object.
                requested_specs=[rattler.MatchSpec(spec)._match_spec for spec in requested_specs],
            )
        )


def _append_history(
    prefix: Path,
    records: Sequence[rattler.RepoDataRecord],
    channel_url: str,
    cmd: str,
    requested_specs: Sequence[str],
) -> None:
    # Block layout of write_head, write_changes and write_specs in conda/history.py.
    # The block is appended, so whatever rattler wrote stays.
    installed = sorted(
        f"+{channel_url}/{record.subdir}::{record.name.normalized}-{record.version}-{record.build}"
        for record in records
    )
    lines = [
        f"==> {time.strftime('%Y-%m-%d %H:%M:%S')} <==",
        f"# cmd: {cmd}",
        f"# conda version: {CONDA_VERSION}",
        *installed,
        f"# update specs: {list(requested_specs)!r}",
    ]
    history = prefix / "conda-meta" / "history"
    with history.open("a", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


def _write_env_extras(
    prefix: Path,
    activate_d: Mapping[str, str] | None,
    state_env_vars: Mapping[str, str] | None,
    jupyter_config: Mapping[str, Any] | None,
) -> None:
    for file_name, script in (activate_d or {}).items():
        if Path(file_name).name != file_name:
            raise ValueError(f"invalid activate.d file name {file_name!r}: expected a bare name")
        path = prefix / "etc" / "conda" / "activate.d" / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script)

    if state_env_vars is not None:
        state = {"env_vars": dict(state_env_vars)}
        (prefix / "conda-meta" / "state").write_text(json.dumps(state))

    if jupyter_config is not None:
        path = prefix / "etc" / "jupyter" / "jupyter_config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(jupyter_config, indent=2))


def register_environment(environments_txt: Path, prefix: Path) -> None:
    """Append ``prefix`` to a conda ``environments.txt`` file unless it is listed already."""
    environments_txt.parent.mkdir(parents=True, exist_ok=True)
    text = environments_txt.read_text() if environments_txt.exists() else ""
    if str(prefix) in text.splitlines():
        return
    separator = "\n" if text and not text.endswith("\n") else ""
    with environments_txt.open("a", encoding="utf-8") as stream:
        stream.write(f"{separator}{prefix}\n")


def _check_interpreter_prefix(env: CondaEnv) -> None:
    try:
        reported = env.run_python("import sys; print(sys.prefix)").strip()
    except subprocess.CalledProcessError as error:
        raise RuntimeError(
            f"{env.python} failed to run (exit status {error.returncode}): {error.stderr.strip()}"
        ) from error
    if os.path.realpath(reported) != os.path.realpath(env.prefix):
        raise RuntimeError(f"{env.python} reports sys.prefix {reported!r}, expected {env.prefix}")
