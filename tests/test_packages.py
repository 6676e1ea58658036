"""Package discovery on small site dirs and conda-meta trees written by the tests."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from conda_envs import Dist, pip_install_like

from jupyter_envdoctor.checks.requirements import check_requirements, parse_conda_spec
from jupyter_envdoctor.discovery.condameta import (
    metadata_dir_of,
    parse_history,
    parse_pinned,
    read_record,
    split_dist_string,
)
from jupyter_envdoctor.discovery.packages import read_environment_packages, read_site_dir
from jupyter_envdoctor.model import (
    Distribution,
    Environment,
    Finding,
    ServerInfo,
    SiteDir,
    Snapshot,
    environment_id,
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "lib" / "python3.11" / "site-packages"
    folder.mkdir(parents=True)
    return folder


def only_dist(site_dir: SiteDir, name: str) -> Distribution:
    matches = [d for d in site_dir.distributions if d.name == name]
    assert len(matches) == 1, [d.metadata_path for d in site_dir.distributions]
    return matches[0]


# --- one distribution ----------------------------------------------------------------------------


def test_dist_info_facts(site: Path) -> None:
    extension = "fastcore.cpython-311-x86_64-linux-gnu.so"
    pip_install_like(site, Dist("Torch", "2.3.1+cpu", modules=("torch",), requires=("filelock",),
                                requested=False, extra_files={extension: b"\x7fELF", "helper.py": "",
                                                              "torch.libs/libgomp.so": b"", "LICENSE": ""}))

    dist = only_dist(read_site_dir(str(site), "env"), "torch")

    assert (dist.raw_name, dist.version, dist.local_version) == ("Torch", "2.3.1+cpu", "cpu")
    assert dist.installer == "pip"
    assert dist.requested is False
    assert dist.requires == ["filelock"]
    assert dist.top_level == ["fastcore", "helper", "torch"]
    assert dist.record_count == 8
    assert (dist.missing_file_count, dist.missing_files) == (0, [])
    assert dist.metadata_kind == "dist-info"
    assert dist.error is None


def test_top_level_txt_wins_over_record(site: Path) -> None:
    info = pip_install_like(site, Dist("PyYAML", "6.0.1", modules=("yaml", "_yaml")))
    (info / "top_level.txt").write_text("_yaml\nyaml\n\n")

    assert only_dist(read_site_dir(str(site), "env"), "pyyaml").top_level == ["_yaml", "yaml"]


@pytest.mark.parametrize(("source_exists", "missing"), [(True, False), (False, True)])
def test_editable_source(site: Path, tmp_path: Path, source_exists: bool, missing: bool) -> None:
    source = tmp_path / "src" / "my project"
    if source_exists:
        source.mkdir(parents=True)
    info = pip_install_like(site, Dist("myproject", "0.1", modules=()))
    direct_url = {"url": source.as_uri(), "dir_info": {"editable": True}}
    (info / "direct_url.json").write_text(json.dumps(direct_url))

    dist = only_dist(read_site_dir(str(site), "env"), "myproject")

    assert dist.editable_source == str(source)
    assert dist.editable_source_missing is missing
    assert dist.direct_url == direct_url


def test_conda_build_direct_url_is_not_editable(site: Path) -> None:
    info = pip_install_like(site, Dist("attrs", "23.2.0"), installer="conda")
    (info / "direct_url.json").write_text('{"url": "file:///home/conda/feedstock/work", "dir_info": {}}')

    dist = only_dist(read_site_dir(str(site), "env"), "attrs")

    assert dist.editable_source is None
    assert dist.editable_source_missing is False


def test_missing_record_files(site: Path) -> None:
    pip_install_like(site, Dist("requests", "2.31.0", extra_files={"requests/api.py": "",
                                                                   "requests/__pycache__/api.cpython-311.pyc": b""}))
    (site / "requests" / "api.py").unlink()
    (site / "requests" / "__pycache__" / "api.cpython-311.pyc").unlink()

    spot_checked = only_dist(read_site_dir(str(site), "env"), "requests")
    dist = only_dist(read_site_dir(str(site), "env", deep=True), "requests")

    # A default scan looks at one file of requests/, which is still there.
    assert spot_checked.missing_file_count == 0
    # Deleted byte code is harmless and not counted.
    assert (dist.missing_file_count, dist.missing_files) == (1, ["requests/api.py"])


def test_removed_package_dir_is_missing(site: Path) -> None:
    pip_install_like(site, Dist("requests", "2.31.0", extra_files={"requests/api.py": "",
                                                                   "requests/adapters/base.py": ""}))
    subprocess.run(["rm", "-r", str(site / "requests")], check=True)

    dist = only_dist(read_site_dir(str(site), "env"), "requests")

    assert dist.missing_file_count == 3
    assert sorted(dist.missing_files) == ["requests/__init__.py", "requests/adapters/base.py",
                                          "requests/api.py"]


def test_egg_info_dir_and_file(site: Path) -> None:
    (site / "legacy-1.0-py3.11.egg-info").mkdir()
    (site / "legacy-1.0-py3.11.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\n")
    (site / "legacy-1.0-py3.11.egg-info" / "requires.txt").write_text("six\n\n[test]\npytest\n")
    (site / "oldfile-0.5-py3.11.egg-info").write_text("Metadata-Version: 1.0\nName: oldfile\nVersion: 0.5\n")

    site_dir = read_site_dir(str(site), "env")

    legacy = only_dist(site_dir, "legacy")
    assert (legacy.version, legacy.metadata_kind, legacy.record_count) == ("1.0", "egg-info", None)
    assert legacy.requires == ["six", 'pytest; extra == "test"']
    oldfile = only_dist(site_dir, "oldfile")
    assert (oldfile.version, oldfile.error) == ("0.5", None)


@pytest.mark.parametrize("source_exists", [True, False])
def test_egg_link(site: Path, tmp_path: Path, source_exists: bool) -> None:
    source = tmp_path / "checkout"
    if source_exists:
        (source / "devpkg.egg-info").mkdir(parents=True)
        (source / "devpkg.egg-info" / "PKG-INFO").write_text("Name: devpkg\nVersion: 0.3.dev0\n")
    (site / "devpkg.egg-link").write_text(f"{source}\n.\n")

    dist = only_dist(read_site_dir(str(site), "env"), "devpkg")

    assert dist.metadata_kind == "egg-link"
    assert dist.editable_source == str(source)
    assert dist.editable_source_missing is not source_exists
    assert dist.version == ("0.3.dev0" if source_exists else "")


def test_leftovers_and_pth_files(site: Path) -> None:
    (site / "~umpy").mkdir()
    (site / "~umpy-1.26.4.dist-info").mkdir()
    (site / "extra.pth").write_text("# comment\n\n../../../src\n/opt/shared\nimport sys; sys.flags\n")

    site_dir = read_site_dir(str(site), "pythonpath")

    assert site_dir.kind == "pythonpath"
    assert site_dir.leftovers == ["~umpy", "~umpy-1.26.4.dist-info"]
    assert site_dir.distributions == []
    assert site_dir.pth_entries == {str(site / "extra.pth"): [
        str(site.parents[2] / "src"), "/opt/shared", "import sys; sys.flags"]}


@pytest.mark.parametrize(
    ("file_name", "content", "error"),
    [
        ("METADATA", b"Name: bad\nVersion: 1\nSummary: caf\xe9\n", "cannot read METADATA"),
        ("METADATA", b"Name: bad\n", "METADATA has no Version field"),
        ("RECORD", b"bad/__init__.py,sha256=x,1,extra\n", "invalid RECORD"),
        ("RECORD", b"bad/__init__.py,sha256=x,many\n", "invalid RECORD"),
        ("direct_url.json", b'{"url": ', "invalid direct_url.json"),
        ("INSTALLER", b"\xff\xfe", "cannot read INSTALLER"),
    ],
)
def test_broken_metadata_sets_error(site: Path, file_name: str, content: bytes, error: str) -> None:
    info = pip_install_like(site, Dist("bad", "1"))
    (info / file_name).write_bytes(content)

    dist = only_dist(read_site_dir(str(site), "env"), "bad")

    assert dist.error is not None and dist.error.startswith(error), dist.error


def test_huge_record_is_skipped(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_envdoctor.discovery import distributions

    monkeypatch.setattr(distributions, "MAX_RECORD_BYTES", 10)
    pip_install_like(site, Dist("big", "1.0"))

    dist = only_dist(read_site_dir(str(site), "env"), "big")

    assert dist.record_count is None
    assert dist.error is not None and "over the 0 MiB limit" in dist.error


def test_unlistable_site_dir(tmp_path: Path) -> None:
    site_dir = read_site_dir(str(tmp_path / "missing"), "user")

    assert site_dir.error is not None and site_dir.error.startswith("cannot list")
    assert site_dir.distributions == []


def test_torch_version_py(site: Path) -> None:
    pip_install_like(site, Dist("torch", "2.3.1", extra_files={
        "torch/version.py": "from typing import Optional\n__version__ = '2.3.1'\ncuda: Optional[str] = None\n",
        "numpy.libs/libscipy_openblas64_-99b71e71.so": b""}))

    dist = only_dist(read_site_dir(str(site), "env"), "torch")

    assert dist.build_variant == {"cuda": "none", "blas": "openblas",
                                  "blas_library": "numpy.libs/libscipy_openblas64_-99b71e71.so"}


# --- files that several RECORDs list ------------------------------------------------------------


def test_duplicate_metadata_hashes(site: Path) -> None:
    pip_install_like(site, Dist("Jinja2", "3.0.3", modules=("jinja2",)))
    pip_install_like(site, Dist("jinja2", "3.1.2", modules=("jinja2",)))

    site_dir = read_site_dir(str(site), "env")

    old, new = sorted((d for d in site_dir.distributions), key=lambda d: d.version)
    assert (old.version, new.version) == ("3.0.3", "3.1.2")
    assert old.shared_files == {new.metadata_path: 1}
    assert new.shared_files == {old.metadata_path: 1}
    assert (old.hashes_checked, old.hash_mismatches) == (1, ["jinja2/__init__.py"])
    assert (new.hashes_checked, new.hash_mismatches) == (1, [])


def test_namespace_init_is_not_shared(site: Path) -> None:
    init = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    pip_install_like(site, Dist("backports.tarfile", "1.2", modules=(),
                                extra_files={"backports/__init__.py": init, "backports/tarfile.py": ""}))
    pip_install_like(site, Dist("backports.zoneinfo", "0.2", modules=(),
                                extra_files={"backports/__init__.py": init, "backports/zoneinfo.py": ""}))

    site_dir = read_site_dir(str(site), "env")

    assert [d.shared_files for d in site_dir.distributions] == [{}, {}]


def test_identical_files_are_not_shared(site: Path) -> None:
    # Every nvidia-*-cu12 wheel ships the same empty nvidia/__init__.py.
    for name in ("nvidia-cublas-cu12", "nvidia-cudnn-cu12"):
        pip_install_like(site, Dist(name, "12.1", modules=(), extra_files={"nvidia/__init__.py": ""}))

    site_dir = read_site_dir(str(site), "env")

    assert [d.shared_files for d in site_dir.distributions] == [{}, {}]


def test_two_projects_one_module(site: Path) -> None:
    pip_install_like(site, Dist("opencv-python", "4.9.0", modules=("cv2",)))
    pip_install_like(site, Dist("opencv-python-headless", "4.8.1", modules=("cv2",)))

    site_dir = read_site_dir(str(site), "env")

    full = only_dist(site_dir, "opencv-python")
    headless = only_dist(site_dir, "opencv-python-headless")
    assert full.shared_files == {headless.metadata_path: 1}
    assert (full.hash_mismatches, headless.hash_mismatches) == (["cv2/__init__.py"], [])


# --- conda-meta ----------------------------------------------------------------------------------


HISTORY = """\
==> 2024-01-05 10:00:00 <==
# cmd: /opt/conda/bin/conda create -n dl pytorch
# conda version: 23.11.0
+pytorch/linux-64::pytorch-2.1.0-py3.10_cuda11.8_cudnn8.7.0_0
+pytorch/noarch::pytorch-mutex-1.0-cuda
# update specs: ['pytorch']
==> 2024-02-01 09:30:00 <==
# cmd: /opt/conda/bin/conda install -n dl cpuonly
-pytorch/linux-64::pytorch-2.1.0-py3.10_cuda11.8_cudnn8.7.0_0
+pytorch/linux-64::pytorch-2.1.0-py3.10_cpu_0
# update specs: ['cpuonly']
# neutered specs: ['x']
==> 2024-03-01 08:00:00 <==
# cmd: conda remove -n dl cpuonly
# remove specs: ['cpuonly', 'b
"""


def test_parse_history() -> None:
    blocks = parse_history("stray line before any block\n" + HISTORY)

    assert [b.date for b in blocks] == ["2024-01-05 10:00:00", "2024-02-01 09:30:00", "2024-03-01 08:00:00"]
    assert blocks[0].command == "/opt/conda/bin/conda create -n dl pytorch"
    assert blocks[0].added == ["pytorch/linux-64::pytorch-2.1.0-py3.10_cuda11.8_cudnn8.7.0_0",
                               "pytorch/noarch::pytorch-mutex-1.0-cuda"]
    assert blocks[1].removed == ["pytorch/linux-64::pytorch-2.1.0-py3.10_cuda11.8_cudnn8.7.0_0"]
    assert blocks[1].specs == ["cpuonly"]
    # A spec list that is not a valid literal is kept as written.
    assert blocks[2].specs == ["['cpuonly', 'b"]


def test_parse_pinned_and_dist_strings() -> None:
    assert parse_pinned("# pins\nnumpy 1.26.*\n\n  python 3.11.*  \n") == ["numpy 1.26.*", "python 3.11.*"]
    assert split_dist_string("conda-forge/linux-64::numpy-1.26.4-py311h64a7726_0") == (
        "conda-forge/linux-64", "numpy", "1.26.4", "py311h64a7726_0")
    assert split_dist_string("garbage") is None


@pytest.mark.parametrize(
    ("path", "metadata_dir"),
    [
        ("lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD",
         "lib/python3.11/site-packages/numpy-1.26.4.dist-info"),
        ("lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA",
         "lib/python3.11/site-packages/numpy-1.26.4.dist-info"),
        ("lib/python3.11/site-packages/numpy-1.26.4.dist-info/INSTALLER", None),
        ("lib/python3.11/site-packages/six-1.16.0-py3.11.egg-info",
         "lib/python3.11/site-packages/six-1.16.0-py3.11.egg-info"),
        ("lib/python3.11/site-packages/old-1.0-py3.11.egg-info/PKG-INFO",
         "lib/python3.11/site-packages/old-1.0-py3.11.egg-info"),
        ("Lib/site-packages/torch-2.1.0.dist-info/RECORD", "Lib/site-packages/torch-2.1.0.dist-info"),
        ("info/recipe/foo.dist-info/RECORD", None),
        ("lib/python3.11/site-packages/numpy/__init__.py", None),
    ],
)
def test_metadata_dir_of(path: str, metadata_dir: str | None) -> None:
    assert metadata_dir_of(path) == metadata_dir


def write_record(conda_meta: Path, name: str, text: str) -> str:
    conda_meta.mkdir(parents=True, exist_ok=True)
    path = conda_meta / f"{name}.json"
    path.write_text(text)
    return str(path)


VALID_RECORD = {"name": "numpy", "version": "1.26.4", "build": "py311_0", "channel": "conda-forge",
                "depends": ["python >=3.11,<3.12.0a0"],
                "files": ["lib/python3.11/site-packages/numpy/__init__.py",
                          "lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD"]}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (json.dumps(VALID_RECORD)[:40], "invalid JSON: "),
        ("[]", "invalid record: expected a JSON object, found list"),
        (json.dumps({**VALID_RECORD, "files": {"a": 1}}), "invalid record: 'files' is dict, expected a list of strings"),
        (json.dumps({**VALID_RECORD, "depends": ["python", 3]}), "invalid record: 'depends' has 1 entries that are not strings"),
        (json.dumps({k: v for k, v in VALID_RECORD.items() if k != "name"}), "invalid record: 'name' is missing"),
        (json.dumps({**VALID_RECORD, "build": 0}), "invalid record: 'build' is int, expected a string"),
        (json.dumps({**VALID_RECORD, "paths_data": []}), "invalid record: 'paths_data' is list"),
    ],
)
def test_malformed_record(tmp_path: Path, text: str, error: str) -> None:
    path = write_record(tmp_path / "conda-meta", "numpy-1.26.4-py311_0", text)

    record = read_record(path, str(tmp_path))

    assert record.error is not None and record.error.startswith(error), record.error
    # The file name still names the package.
    assert (record.name, record.version) == ("numpy", "1.26.4")


def test_record_files_and_ownership(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    pip_install_like(site, Dist("numpy", "1.26.4"), installer="conda")
    (site / "numpy" / "__init__.py").unlink()
    record = {**VALID_RECORD, "files": [*VALID_RECORD["files"], "lib/libgone.so"]}
    write_record(tmp_path / "conda-meta", "numpy-1.26.4-py311_0", json.dumps(record))
    (tmp_path / "conda-meta" / "history").write_text(HISTORY)
    (tmp_path / "conda-meta" / "pinned").write_text("numpy 1.26.*\n")
    env = Environment(id=environment_id(str(tmp_path)), prefix=str(tmp_path), kind="conda", name="t",
                      python_version="3.11.7")

    packages = read_environment_packages(env, [], deep=False)

    (numpy,) = packages.conda_records
    assert numpy.metadata_dirs == ["lib/python3.11/site-packages/numpy-1.26.4.dist-info"]
    assert (numpy.file_count, numpy.missing_file_count) == (3, 2)
    assert numpy.missing_files == ["lib/python3.11/site-packages/numpy/__init__.py", "lib/libgone.so"]
    assert numpy.missing_metadata_dirs == []
    assert numpy.error is None
    assert only_dist(packages.site_dirs[0], "numpy").conda_record == numpy.path
    assert len(packages.history) == 3
    assert packages.pinned == ["numpy 1.26.*"]
    assert packages.deep is False


def test_deep_scan_from_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "data.txt").write_text("changed\n")
    record = {**VALID_RECORD, "files": ["lib/data.txt"], "paths_data": {"paths_version": 1, "paths": [
        {"_path": "lib/data.txt", "path_type": "hardlink", "sha256": "0" * 64, "size_in_bytes": 9}]}}
    write_record(tmp_path / "conda-meta", "numpy-1.26.4-py311_0", json.dumps(record))
    env = Environment(id="x", prefix=str(tmp_path), kind="conda", name="t")
    monkeypatch.setenv("JUPYTER_ENVDOCTOR_DEEP", "1")

    packages = read_environment_packages(env, [])

    assert packages.deep is True
    assert packages.conda_records[0].altered_files == ["lib/data.txt"]
    assert packages.conda_records[0].altered_file_count == 1


def test_venv_has_no_conda_meta(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    pip_install_like(site, Dist("six", "1.16.0"))
    os.makedirs(tmp_path / "lib" / "python3.10" / "site-packages")
    extra = read_site_dir(str(tmp_path / "user-site"), "user")
    env = Environment(id="x", prefix=str(tmp_path), kind="venv", name="t", python_version="3.11.7")

    packages = read_environment_packages(env, [extra])

    # Only the env's own Python version is read: the 3.10 dir is a leftover of an upgrade.
    assert [(s.path, s.kind) for s in packages.site_dirs] == [(str(site), "env"), (extra.path, "user")]
    assert packages.conda_records == []


# --- conda match specs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "name", "alternatives", "build"),
    [
        ("numpy", "numpy", [], None),
        ("numpy >=1.23.5,<2.0a0", "numpy", ["<2.0a0,>=1.23.5"], None),
        ("python_abi 3.11.* *_cp311", "python_abi", ["==3.11.*"], "*_cp311"),
        ("libblas * *mkl", "libblas", [], "*mkl"),
        ("pytorch =2.1", "pytorch", ["==2.1.*"], None),
        ("pytorch =2.1.*", "pytorch", ["==2.1.*"], None),
        ("mkl 2023.1.0", "mkl", ["==2023.1.0"], None),
        ("openssl >=3.0,<4|1.1.1.*", "openssl", ["<4,>=3.0", "==1.1.1.*"], None),
        ("conda-forge::six 1.16.*", "six", ["==1.16.*"], None),
    ],
)
def test_parse_conda_spec(spec: str, name: str, alternatives: list[str], build: str | None) -> None:
    dependency = parse_conda_spec(spec)

    assert dependency is not None
    assert dependency.name == name
    assert [str(a) for a in dependency.alternatives] == alternatives
    assert dependency.build == build


@pytest.mark.parametrize("spec", ["numpy[version='>=1.2']", "openssl 1.1.1w", "foo 1.2*", "a b c d", "(x)"])
def test_unsupported_conda_spec(spec: str) -> None:
    assert parse_conda_spec(spec) is None


# --- requirements --------------------------------------------------------------------------------


def snapshot_of(env: Environment) -> Snapshot:
    server = ServerInfo(executable="/usr/bin/python3", prefix="/usr", version="3.11.7", kernel_dirs=[],
                        config_dirs=[])
    env.kernels = ["k"]
    return Snapshot(server=server, environments=[env], packages={env.id: read_environment_packages(env, [])})


@pytest.mark.parametrize(
    ("python_version", "requirement", "installed", "state"),
    [
        ("3.10.13", 'tomli>=1.1; python_version < "3.11"', None, "tomli is not installed"),
        ("3.11.7", 'tomli>=1.1; python_version < "3.11"', None, None),
        ("3.11.7", 'pytest; extra == "test"', None, None),
        ("3.11.7", "numpy<2", ("numpy", "2.0.0"), "numpy 2.0.0 is installed"),
        ("3.11.7", "numpy>=2.0", ("numpy", "2.1.0rc1"), None),
        ("3.11.7", "Typing_Extensions>=4", ("typing-extensions", "4.9.0"), None),
        ("3.11.7", "torch<=2.3.1,>=2.0", ("torch", "2.3.1+cpu"), None),
        ("3.11.7", "not a requirement !!", None, None),
    ],
)
def test_requires_dist(tmp_path: Path, python_version: str, requirement: str,
                       installed: tuple[str, str] | None, state: str | None) -> None:
    site = tmp_path / "lib" / f"python{python_version.rsplit('.', 1)[0]}" / "site-packages"
    pip_install_like(site, Dist("app", "1.0", requires=(requirement,)))
    if installed is not None:
        pip_install_like(site, Dist(*installed))
    env = Environment(id="e", prefix=str(tmp_path), kind="venv", name="t", python_version=python_version)

    findings = list(check_requirements(snapshot_of(env)))

    if state is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.title == f"Environment 't': app 1.0 requires {requirement}, but {state}"
        assert finding.kernels == ["k"]


@pytest.mark.parametrize(
    ("depends", "state"),
    [
        ("libblas * *mkl", "libblas 3.9.0 is installed"),
        ("libblas >=3.9.0,<4.0a0", None),
        ("libblas 3.8.*", "libblas 3.9.0 is installed"),
        ("liblapack", "liblapack is not installed"),
        ("__glibc >=2.17", None),
        ("libblas 3.9.0 20_*", None),
        ("openssl 1.1.1w", None),
    ],
)
def test_conda_depends(tmp_path: Path, depends: str, state: str | None) -> None:
    write_record(tmp_path / "conda-meta", "libblas-3.9.0-20_linux64_openblas",
                 json.dumps({"name": "libblas", "version": "3.9.0", "build": "20_linux64_openblas"}))
    write_record(tmp_path / "conda-meta", "numpy-1.26.4-py311_0",
                 json.dumps({"name": "numpy", "version": "1.26.4", "build": "py311_0", "depends": [depends]}))
    env = Environment(id="e", prefix=str(tmp_path), kind="conda", name="c", python_version="3.11.7")

    findings = list(check_requirements(snapshot_of(env)))

    if state is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.title == f"Environment 'c': numpy 1.26.4 requires {depends}, but {state}"
        assert command_of(finding) == f"conda install -p {tmp_path} {shlex.quote(depends)}"


def command_of(finding: Finding) -> str | None:
    (fix,) = finding.fixes
    return fix.command
