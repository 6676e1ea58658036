"""The package and import path faults planted into the built environments.

Each function changes files the way the named mistake does on a real machine and returns
a Fault: what was planted, where, and the finding codes the doctor should report for it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .catalog import Project
from .condarecords import CondaPackage, record_json, write_record
from .distinfo import dist_info_name, module_files, render_distribution
from .environment import BuiltEnvironment
from .files import TreeWriter


@dataclass(frozen=True)
class Fault:
    """One planted problem and the codes that should report it.

    ``deep_only`` faults are found only by `jupyter envdoctor --deep`, because a default
    scan looks for one listed file per directory.
    """

    description: str
    location: str
    codes: tuple[str, ...]
    deep_only: bool = False


def _bumped(version: str) -> str:
    major, minor, *_ = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def _pip_replace(writer: TreeWriter, env: BuiltEnvironment, project: Project, version: str,
                 files: dict[str, bytes] | None = None) -> Path:
    """Do what `pip install NAME==VERSION` does over conda's copy: swap the dist-info."""
    shutil.rmtree(env.site_packages / dist_info_name(project.name, project.version))
    installed = render_distribution(project, "pip", version=version, files=files)
    writer.write_all(env.site_packages, installed.site)
    return env.site_packages / installed.dist_info


def pip_over_conda(writer: TreeWriter, env: BuiltEnvironment) -> Fault:
    numpy = env.project("numpy")
    _pip_replace(writer, env, numpy, _bumped(numpy.version))
    return Fault("pip upgraded conda's numpy; conda's record still lists the old dist-info",
                 str(env.prefix), ("P300",))


def pip_reinstall_in_place(writer: TreeWriter, env: BuiltEnvironment) -> Fault:
    # `pip install --force-reinstall requests` rewrites INSTALLER and RECORD in the dir that
    # conda's record owns, so both exist but the hashes no longer match the record.
    requests = env.project("requests")
    writer.write_all(env.site_packages, render_distribution(requests, "pip").site)
    return Fault("pip reinstalled conda's requests in place (INSTALLER pip, conda record kept)",
                 str(env.prefix), ("P300",))


def cuda_torch_replaced(writer: TreeWriter, env: BuiltEnvironment, conda_root: Path) -> Fault:
    torch = env.project("torch")
    _rebuild_record(env, "pytorch", "cuda118_py311h9f3ccb8_301", conda_root)
    files = {"torch/__init__.py": b'__version__ = "2.1.0+cpu"\n',
             "torch/version.py": b"__version__ = '2.1.0+cpu'\ncuda = None\ngit_version = 'a8e7c98'\n"}
    _pip_replace(writer, env, torch, f"{torch.version}+cpu", files)
    return Fault("pip replaced conda's CUDA build of torch with the +cpu wheel", str(env.prefix),
                 ("P304",))


def mkl_numpy_replaced(writer: TreeWriter, env: BuiltEnvironment, conda_root: Path) -> Fault:
    numpy = env.project("numpy")
    for name, build in (("libblas", "20_linux64_mkl"), ("mkl", "h213fc3f_46356")):
        package = CondaPackage(name, "3.9.0" if name == "libblas" else "2023.2.0", build,
                               "linux-64", (), ())
        env.packages[name] = package
        write_record(env.conda_meta, record_json(package, conda_root / "pkgs", len(env.packages)))
    files = module_files(numpy)
    files["numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so"] = b"\x7fELF" + b"\0" * 4096
    _pip_replace(writer, env, numpy, _bumped(numpy.version), files)
    return Fault("pip replaced conda's MKL numpy with a wheel that bundles OpenBLAS",
                 str(env.prefix), ("P305",))


def _rebuild_record(env: BuiltEnvironment, conda_name: str, build: str, conda_root: Path) -> None:
    old = env.record_path(conda_name)
    package = dataclasses.replace(env.packages[conda_name], build=build)
    old.unlink()
    env.packages[conda_name] = package
    write_record(env.conda_meta, record_json(package, conda_root / "pkgs", 7))


def deleted_package_files(env: BuiltEnvironment) -> list[Fault]:
    """Delete a subpackage of conda's tornado, and one file that has siblings left."""
    subpackage = env.site_packages / "tornado" / "sub1"
    shutil.rmtree(subpackage)
    single = env.site_packages / "tornado" / "core.py"
    single.unlink()
    # P309 reports both; P307 leaves conda-owned distributions to it.
    return [Fault("a subpackage of conda's tornado was deleted by hand", str(subpackage),
                  ("P309",)),
            Fault("one file of conda's tornado was deleted, its siblings remain", str(single),
                  ("P309",), deep_only=True)]


def truncated_record(env: BuiltEnvironment) -> Fault:
    path = env.record_path("certifi")
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    return Fault("a conda-meta record was cut off mid-write", str(path), ("P313",))


def editable_source_gone(writer: TreeWriter, env: BuiltEnvironment, root: Path) -> Fault:
    source = root / "src" / "labtools"
    project = Project("labtools", "labtools", "0.3.0.dev0", ("labtools",), 0, (), False, (), False)
    direct_url = json.dumps({"url": source.as_uri(), "dir_info": {"editable": True}})
    installed = render_distribution(project, "pip", direct_url=direct_url,
                                    files={"__editable__.labtools-0.3.0.dev0.pth": f"{source}\n".encode()})
    writer.write_all(env.site_packages, installed.site)
    return Fault("`pip install -e` of a source dir that was deleted since", str(source), ("P312",))


def pth_to_other_python(writer: TreeWriter, env: BuiltEnvironment, root: Path) -> Fault:
    legacy = root / "legacy" / "lib" / "python2.7" / "site-packages"
    legacy.mkdir(parents=True, exist_ok=True)
    writer.write(env.site_packages / "legacy-paths.pth", f"{legacy}\n".encode())
    return Fault(".pth file adds a Python 2.7 site-packages", str(env.site_packages), ("I404",))


def activation_scripts(writer: TreeWriter, env: BuiltEnvironment) -> Fault:
    script = ('export GDAL_DATA="${CONDA_PREFIX}/share/gdal"\n'
              'export PROJ_DATA="${CONDA_PREFIX}/share/proj"\n')
    writer.write(env.prefix / "etc" / "conda" / "activate.d" / "gdal-activate.sh", script.encode())
    return Fault("activate.d exports GDAL_DATA and PROJ_DATA, which the kernel never gets",
                 str(env.prefix), ("K108",))


def stale_metadata_and_leftover(writer: TreeWriter, env: BuiltEnvironment) -> Fault:
    requests = env.project("requests")
    old_version = f"{requests.version.split('.')[0]}.0.0"
    old = render_distribution(requests, "pip", version=old_version)
    writer.write_all(env.site_packages, {p: d for p, d in old.site.items()
                                         if p.startswith(old.dist_info)})
    writer.write(env.site_packages / "~umpy" / "__init__.py", b"# left by an interrupted pip\n")
    return Fault("an old requests dist-info beside the current one, and a ~umpy leftover",
                 str(env.site_packages), ("P302", "P303"))


def clashing_and_unmet(writer: TreeWriter, env: BuiltEnvironment) -> Fault:
    numpy = env.project("numpy")
    major = int(numpy.version.split(".")[0])
    for name in ("opencv-python", "opencv-contrib-python"):
        project = Project(name, name, "4.9.0.80", ("cv2",), 3, (), True, (), False)
        writer.write_all(env.site_packages, render_distribution(project, "pip").site)
    helper = Project("analysis-helpers", "analysis-helpers", "1.4.0", ("analysis_helpers",), 2,
                     (f"numpy>={major + 1}.0",), False, (), False)
    writer.write_all(env.site_packages, render_distribution(helper, "pip").site)
    (env.site_packages / "six.py").unlink()
    return Fault("opencv-python and opencv-contrib-python share cv2; analysis-helpers needs a "
                 "newer numpy; six.py deleted", str(env.site_packages), ("P306", "P307", "P308"))


def pip_in_base(writer: TreeWriter, base: BuiltEnvironment) -> Fault:
    project = Project("rich-click", "rich-click", "1.7.3", ("rich_click",), 6, (), False, (), True)
    writer.write_all(base.site_packages, render_distribution(project, "pip").site)
    return Fault("pip installed a package into the conda base env", str(base.prefix), ("P311",))


def user_site_copy(writer: TreeWriter, user_site: Path, env: BuiltEnvironment) -> Fault:
    requests = env.project("requests")
    copy = render_distribution(requests, "pip", version=_bumped(requests.version))
    writer.write_all(user_site, copy.site)
    return Fault("`pip install --user requests` shadows every env's requests", str(user_site),
                 ("I400",))
