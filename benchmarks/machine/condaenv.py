"""One conda environment: a real interpreter, Python projects, native libraries, conda-meta."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

from .catalog import Project
from .condarecords import CondaPackage, HistoryBlock, history_text, record_json, write_record
from .distinfo import render_distribution
from .environment import BuiltEnvironment
from .files import TreeWriter
from .interpreter import BaseInterpreter, PackagedFile, install_python

# Native libraries that conda-forge's python depends on, with a file or two each.
# (name, version, build, files relative to the prefix)
NATIVE_LIBRARIES = (
    ("_libgcc_mutex", "0.1", "conda_forge", ()),
    ("_openmp_mutex", "4.5", "2_gnu", ("lib/libgomp.so.1",)),
    ("bzip2", "1.0.8", "hd590300_5", ("bin/bzip2", "lib/libbz2.so.1.0.8", "include/bzlib.h")),
    ("ca-certificates", "2024.2.2", "hbcca054_0", ("ssl/cacert.pem",)),
    ("ld_impl_linux-64", "2.40", "h41732ed_0", ("bin/x86_64-conda-linux-gnu-ld",)),
    ("libffi", "3.4.2", "h7f98852_5", ("lib/libffi.so.8.1.0", "include/ffi.h")),
    ("libgcc-ng", "13.2.0", "h807b86a_5", ("lib/libgcc_s.so.1", "lib/libatomic.so.1.2.0")),
    ("libgomp", "13.2.0", "h807b86a_5", ("lib/libgomp.so.1.0.0",)),
    ("libnsl", "2.0.1", "hd590300_0", ("lib/libnsl.so.3.0.0",)),
    ("libsqlite", "3.45.1", "h2797004_0", ("lib/libsqlite3.so.0.8.6", "include/sqlite3.h")),
    ("libstdcxx-ng", "13.2.0", "h7e041cc_5", ("lib/libstdc++.so.6.0.32",)),
    ("libuuid", "2.38.1", "h0b41bf4_0", ("lib/libuuid.so.1.3.0",)),
    ("libxcrypt", "4.4.36", "hd590300_1", ("lib/libcrypt.so.2.0.0",)),
    ("libzlib", "1.2.13", "hd590300_5", ("lib/libz.so.1.2.13",)),
    ("ncurses", "6.4", "h59595ed_2", ("lib/libncursesw.so.6.4", "share/terminfo/x/xterm")),
    ("openssl", "3.2.1", "hd590300_0", ("bin/openssl", "lib/libssl.so.3", "lib/libcrypto.so.3")),
    ("python_abi", "3.11", "4_cp311", ()),
    ("readline", "8.2", "h8228510_1", ("lib/libreadline.so.8.2",)),
    ("tk", "8.6.13", "noxft_h4845f30_101", ("lib/libtk8.6.so", "lib/libtcl8.6.so")),
    ("tzdata", "2024a", "h0c530f3_0", ("share/zoneinfo/UTC", "share/zoneinfo/Europe/Berlin")),
    ("xz", "5.2.6", "h166bdaf_0", ("bin/xz", "lib/liblzma.so.5.2.6")),
)
PYTHON_BUILD = "hab00c5b_0_cpython"


def build_conda_environment(writer: TreeWriter, name: str, prefix: Path, projects: list[Project],
                            base: BaseInterpreter, python_files: list[PackagedFile],
                            conda_root: Path, rng: random.Random) -> BuiltEnvironment:
    """Create the environment ``name`` at ``prefix`` with a python record and ``projects``."""
    install_python(prefix, base)
    env = BuiltEnvironment(name, prefix, list(projects))
    minor = base.minor
    env.packages["python"] = CondaPackage(
        "python", base.version, PYTHON_BUILD, "linux-64",
        tuple(_python_depends()), tuple(python_files),
        softlinks=("bin/python", f"bin/python{minor.split('.')[0]}"), requested_spec=f"python={minor}",
        license="Python-2.0")
    for library, version, build, paths in NATIVE_LIBRARIES:
        files = writer.write_all(prefix, {p: _library_stub(library, p) for p in paths})
        env.packages[library] = CondaPackage(library, version, build, "linux-64", (), tuple(files))
    for project in projects:
        env.packages[project.conda_name] = install_project(writer, env, project)

    env.conda_meta.mkdir(exist_ok=True)
    for sequence, package in enumerate(env.packages.values()):
        if package.name == "python":
            _write_python_record(env.conda_meta, package, conda_root / "pkgs")
        else:
            write_record(env.conda_meta, record_json(package, conda_root / "pkgs", sequence))
    _write_history(env, conda_root / "bin" / "conda", rng)
    return env


@functools.lru_cache(maxsize=1)
def _python_record_text(package: CondaPackage, pkgs_dir: Path) -> str:
    # The python record is the same in every env and a few MB long, so it is encoded once.
    return json.dumps(record_json(package, pkgs_dir, 0), indent=2, sort_keys=True)


def _write_python_record(conda_meta: Path, package: CondaPackage, pkgs_dir: Path) -> None:
    (conda_meta / f"{package.dist_name}.json").write_text(_python_record_text(package, pkgs_dir))


def install_project(writer: TreeWriter, env: BuiltEnvironment, project: Project) -> CondaPackage:
    """Write ``project`` into the env as conda links it; return its package (no record yet)."""
    installed = render_distribution(project, "conda", requested=False)
    if project.name == "ipykernel":
        installed.data["share/jupyter/kernels/python3/kernel.json"] = _ipykernel_spec()
    files = writer.write_all(env.site_packages, installed.site, "lib/python3.11/site-packages")
    files += writer.write_all(env.prefix, installed.data)
    return CondaPackage(project.conda_name, project.version, project.conda_build,
                        "linux-64" if project.native else "noarch", _depends(project), tuple(files),
                        noarch=not project.native)


def _ipykernel_spec() -> bytes:
    # The spec ipykernel's package ships: argv names a bare python, which the env's own
    # server resolves to its interpreter.
    spec = {"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "metadata": {"debugger": True}}
    return (json.dumps(spec, indent=1) + "\n").encode()


def _depends(project: Project) -> tuple[str, ...]:
    if project.native:
        depends = ["libgcc-ng >=12", "python >=3.11,<3.12.0a0", "python_abi 3.11.* *_cp311"]
    else:
        depends = ["python >=3.8"]
    for requirement in project.requires:
        name, _, bound = requirement.partition(">=")
        depends.append(f"{name.lower()} >={bound}" if bound else name.lower())
    return tuple(sorted(depends))


def _python_depends() -> list[str]:
    names = ("bzip2", "ld_impl_linux-64", "libffi", "libgcc-ng", "libnsl", "libsqlite",
             "libuuid", "libxcrypt", "libzlib", "ncurses", "openssl", "readline", "tk", "xz")
    versions = {library: version for library, version, _, _ in NATIVE_LIBRARIES}
    return [f"{name} >={versions[name]}" for name in names] + ["tzdata"]


def _library_stub(library: str, path: str) -> bytes:
    return f"{library} {path}\n".encode() * 16


def _write_history(env: BuiltEnvironment, conda: Path, rng: random.Random) -> None:
    packages = list(env.packages.values())
    # Create with python, its libraries and the first projects; install the rest later.
    split = len(NATIVE_LIBRARIES) + 1 + max(1, len(env.projects) // 2)
    later = packages[split:]
    chunks = [later[i::3] for i in range(3)] if later else []
    prefix = env.prefix
    blocks = [HistoryBlock(f"{conda} create -p {prefix} python=3.11 ipykernel",
                           tuple(packages[:split]), update_specs=("python=3.11", "ipykernel"))]
    for chunk in chunks:
        if chunk:
            names = [p.name for p in chunk[:6]]
            blocks.append(HistoryBlock(f"{conda} install -p {prefix} {' '.join(names)}",
                                       tuple(chunk), update_specs=tuple(names)))
    (env.conda_meta / "history").write_text(history_text(blocks, rng.randint(0, 300)))
