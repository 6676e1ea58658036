"""Tests of the conda environment builder in conda_envs.py."""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conda_envs import (
    CondaEnv,
    CondaEnvBuilder,
    Dist,
    Package,
    PythonNotFoundError,
    dist_info_dirname,
    find_python,
    pip_install_like,
    remove_dist_info,
)

NUMPY = Package(
    "numpy",
    "1.26.4",
    build="py311_mkl_0",
    depends=("python >=3.11,<3.12.0a0",),
    dists=(Dist("numpy", "1.26.4", requires=("packaging",)),),
)
NUMPY_RECORD_FILE = "lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD"


@pytest.fixture
def numpy_env(conda_builder: CondaEnvBuilder, tmp_path: Path) -> CondaEnv:
    return conda_builder.create(tmp_path / "np", "3.11", [NUMPY], ipykernel=True)


def all_record_files(env: CondaEnv) -> set[str]:
    files: set[str] = set()
    for record_path in env.conda_meta.glob("*.json"):
        files.update(json.loads(record_path.read_text())["files"])
    return files


def read_history_blocks(env: CondaEnv) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in (env.conda_meta / "history").read_text().splitlines():
        if line.startswith("==> "):
            blocks.append([])
        if line:
            blocks[-1].append(line)
    return blocks


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# Interpreter


def test_env_python_imports_numpy(numpy_env: CondaEnv) -> None:
    output = numpy_env.run_python("import sys, numpy; print(sys.prefix, numpy.__version__)")

    assert output == f"{numpy_env.prefix} 1.26.4\n"


def test_env_python_paths_stay_in_prefix(numpy_env: CondaEnv) -> None:
    output = numpy_env.run_python(
        "import json, site, sys; print(json.dumps([sys.exec_prefix, site.getsitepackages()]))"
    )
    exec_prefix, site_packages = json.loads(output)

    assert exec_prefix == str(numpy_env.prefix)
    assert site_packages == [str(numpy_env.site_packages)]
    assert numpy_env.python == numpy_env.prefix / "bin" / "python"
    assert numpy_env.site_packages == numpy_env.prefix / "lib/python3.11/site-packages"


@pytest.mark.parametrize("name", ["python", "python3", "python3.11"])
def test_env_bin_names_run_same_python(numpy_env: CondaEnv, name: str) -> None:
    env = CondaEnv(
        numpy_env.prefix, numpy_env.prefix / "bin" / name, numpy_env.site_packages, "3.11"
    )

    output = env.run_python("import sys; print(sys.prefix, sys.version_info[:2])")

    assert output == f"{numpy_env.prefix} (3, 11)\n"


def test_py37_env_reports_its_version(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    env = conda_builder.create(tmp_path / "py37", "3.7", ipykernel=True)

    output = env.run_python("import sys; print(sys.prefix); print('%d.%d' % sys.version_info[:2])")

    assert output.splitlines() == [str(tmp_path / "py37"), "3.7"]
    assert env.version == "3.7"
    assert env.site_packages == tmp_path / "py37/lib/python3.7/site-packages"
    assert env.record("python")["version"] == find_python("3.7").version
    assert "lib/python3.7/site-packages/ipykernel/__init__.py" in env.record("ipykernel")["files"]


def test_find_python_missing_version_raises() -> None:
    with pytest.raises(PythonNotFoundError, match=r"no Python 3\.99 interpreter found"):
        find_python("3.99")


def test_find_python_invalid_version_raises() -> None:
    with pytest.raises(ValueError, match="expected X.Y"):
        find_python("3")


# ---------------------------------------------------------------------------
# conda-meta records written by rattler


def test_numpy_record_fields(numpy_env: CondaEnv, conda_builder: CondaEnvBuilder) -> None:
    record = numpy_env.conda_meta / "numpy-1.26.4-py311_mkl_0.json"
    data: dict[str, Any] = json.loads(record.read_text())

    assert data["name"] == "numpy"
    assert data["version"] == "1.26.4"
    assert data["build"] == "py311_mkl_0"
    assert data["depends"] == ["python >=3.11,<3.12.0a0"]
    assert data["subdir"] == conda_builder.native_subdir
    assert data["channel"] == conda_builder.channel_url + "/"
    assert data["fn"] == "numpy-1.26.4-py311_mkl_0.tar.bz2"
    assert data["requested_specs"] == ["numpy"]
    assert NUMPY_RECORD_FILE in data["files"]


def test_numpy_record_hashes_match_files(numpy_env: CondaEnv) -> None:
    paths = numpy_env.record("numpy")["paths_data"]["paths"]

    assert len(paths) == 5
    for entry in paths:
        installed = numpy_env.prefix / entry["_path"]
        assert sha256_hex(installed) == entry["sha256"], entry["_path"]
        assert installed.stat().st_size == entry["size_in_bytes"], entry["_path"]


def test_python_record_lists_interpreter_and_stdlib(numpy_env: CondaEnv) -> None:
    files = numpy_env.record("python")["files"]

    assert "bin/python3.11" in files
    assert "bin/python" in files
    assert "lib/python3.11/os.py" in files
    assert "lib/python3.11/lib-dynload" in files
    assert "lib/python3.11/site-packages/README.txt" in files
    assert not any(path.startswith("lib/python3.11/site-packages/numpy") for path in files)


def test_dist_info_record_matches_files(numpy_env: CondaEnv) -> None:
    record_file = numpy_env.prefix / NUMPY_RECORD_FILE
    rows = list(csv.reader(record_file.read_text().splitlines()))

    assert [row[0] for row in rows] == [
        "numpy/__init__.py",
        "numpy-1.26.4.dist-info/METADATA",
        "numpy-1.26.4.dist-info/INSTALLER",
        "numpy-1.26.4.dist-info/REQUESTED",
        "numpy-1.26.4.dist-info/RECORD",
    ]
    assert rows[-1] == ["numpy-1.26.4.dist-info/RECORD", "", ""]
    for path, hash_value, size in rows[:-1]:
        data = (numpy_env.site_packages / path).read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        assert hash_value == "sha256=" + digest.decode(), path
        assert int(size) == len(data), path


def test_dist_info_metadata_and_installer(numpy_env: CondaEnv) -> None:
    info_dir = numpy_env.site_packages / "numpy-1.26.4.dist-info"

    assert (info_dir / "INSTALLER").read_text() == "conda\n"
    assert (info_dir / "METADATA").read_text() == (
        "Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\nRequires-Dist: packaging\n"
    )
    assert (info_dir / "REQUESTED").is_file()


# ---------------------------------------------------------------------------
# conda-meta/history


def test_history_block_lists_installed(numpy_env: CondaEnv, conda_builder: CondaEnvBuilder) -> None:
    blocks = read_history_blocks(numpy_env)
    channel = conda_builder.channel_url
    python_version = find_python("3.11").version

    assert len(blocks) == 1
    header, cmd, conda_version, *changes, specs = blocks[0]
    assert re.fullmatch(r"==> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <==", header)
    assert cmd == f"# cmd: conda create -p {numpy_env.prefix} python=3.11 numpy ipykernel"
    assert conda_version == "# conda version: 24.1.2"
    assert changes == [
        f"+{channel}/{conda_builder.native_subdir}::numpy-1.26.4-py311_mkl_0",
        f"+{channel}/{conda_builder.native_subdir}::python-{python_version}-0",
        f"+{channel}/noarch::ipykernel-6.29.5-pyh0_0",
    ]
    assert specs == "# update specs: ['python=3.11', 'numpy', 'ipykernel']"


def test_history_cmd_override(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    env = conda_builder.create(tmp_path / "env", history_cmd="conda create -n work python=3.11")

    cmd_line = read_history_blocks(env)[0][1]

    assert cmd_line == "# cmd: conda create -n work python=3.11"


# ---------------------------------------------------------------------------
# ipykernel preset


def test_ipykernel_kernelspec_owned_by_record(numpy_env: CondaEnv) -> None:
    kernel_json = numpy_env.prefix / "share/jupyter/kernels/python3/kernel.json"
    files = numpy_env.record("ipykernel")["files"]

    assert json.loads(kernel_json.read_text()) == {
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    assert "share/jupyter/kernels/python3/kernel.json" in files
    assert "lib/python3.11/site-packages/ipykernel_launcher.py" in files
    assert "lib/python3.11/site-packages/ipykernel-6.29.5.dist-info/RECORD" in files
    assert numpy_env.record("ipykernel")["noarch"] == "python"


def test_ipykernel_dist_and_logos(numpy_env: CondaEnv) -> None:
    spec = importlib.util.find_spec("ipykernel")
    assert spec is not None and spec.submodule_search_locations
    source_resources = Path(next(iter(spec.submodule_search_locations))) / "resources"
    site = numpy_env.site_packages

    assert numpy_env.run_python("import ipykernel; print(ipykernel.__version__)") == "6.29.5\n"
    assert (site / "ipykernel-6.29.5.dist-info/INSTALLER").read_text() == "conda\n"
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        source = (source_resources / name).read_bytes()
        assert (site / "ipykernel/resources" / name).read_bytes() == source
        assert (numpy_env.prefix / "share/jupyter/kernels/python3" / name).read_bytes() == source


# ---------------------------------------------------------------------------
# pip over conda


def test_pip_install_like_has_no_record(numpy_env: CondaEnv) -> None:
    info_dir = pip_install_like(numpy_env, Dist("requests", "2.31.0"))

    assert info_dir == numpy_env.site_packages / "requests-2.31.0.dist-info"
    assert (info_dir / "INSTALLER").read_text() == "pip\n"
    assert numpy_env.run_python("import requests; print(requests.__version__)") == "2.31.0\n"
    owned = all_record_files(numpy_env)
    assert not any("requests" in path for path in owned)


def test_pip_upgrade_over_conda_numpy(numpy_env: CondaEnv) -> None:
    remove_dist_info(numpy_env.site_packages, "numpy", "1.26.4")
    pip_install_like(numpy_env.prefix, Dist("numpy", "2.0.0"))

    assert numpy_env.run_python("import numpy; print(numpy.__version__)") == "2.0.0\n"
    assert not (numpy_env.prefix / NUMPY_RECORD_FILE).exists()
    assert NUMPY_RECORD_FILE in numpy_env.record("numpy")["files"]
    installer = numpy_env.site_packages / "numpy-2.0.0.dist-info/INSTALLER"
    assert installer.read_text() == "pip\n"


def test_pip_install_like_data_files(numpy_env: CondaEnv) -> None:
    dist = Dist(
        "my-kernel",
        "0.1",
        requested=False,
        extra_files={"torch/version.py": "cuda = None\n"},
        data_files={"share/jupyter/kernels/mine/kernel.json": "{}"},
    )

    info_dir = pip_install_like(numpy_env.site_packages, dist, installer="uv")

    assert info_dir.name == "my_kernel-0.1.dist-info"
    assert (info_dir / "INSTALLER").read_text() == "uv\n"
    assert not (info_dir / "REQUESTED").exists()
    assert (numpy_env.prefix / "share/jupyter/kernels/mine/kernel.json").read_text() == "{}"
    assert numpy_env.run_python("import my_kernel, torch.version as v; print(v.cuda)") == "None\n"
    assert "../../../share/jupyter/kernels/mine/kernel.json" in (info_dir / "RECORD").read_text()


def test_remove_dist_info_missing_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="numpy-9.9.dist-info"):
        remove_dist_info(tmp_path, "numpy", "9.9")


def test_dist_info_dirname_escapes_name() -> None:
    assert dist_info_dirname("typing-extensions", "4.12.2") == "typing_extensions-4.12.2.dist-info"
    assert dist_info_dirname("zope.interface", "6.0") == "zope_interface-6.0.dist-info"


# ---------------------------------------------------------------------------
# Environment extras


def test_env_extras_written(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    environments_txt = tmp_path / "home/.conda/environments.txt"
    env = conda_builder.create(
        tmp_path / "gpu",
        activate_d={"env_vars.sh": "export LD_LIBRARY_PATH=/opt/cuda/lib64\n"},
        state_env_vars={"XLA_FLAGS": "--xla_gpu_cuda_data_dir=/opt/cuda"},
        jupyter_config={"KernelSpecManager": {"ensure_native_kernel": False}},
        environments_txt=environments_txt,
    )

    activate_script = env.prefix / "etc/conda/activate.d/env_vars.sh"
    assert activate_script.read_text() == "export LD_LIBRARY_PATH=/opt/cuda/lib64\n"
    assert json.loads((env.conda_meta / "state").read_text()) == {
        "env_vars": {"XLA_FLAGS": "--xla_gpu_cuda_data_dir=/opt/cuda"}
    }
    jupyter_config = env.prefix / "etc/jupyter/jupyter_config.json"
    assert json.loads(jupyter_config.read_text()) == {
        "KernelSpecManager": {"ensure_native_kernel": False}
    }
    assert environments_txt.read_text() == f"{env.prefix}\n"
    assert "etc/conda/activate.d/env_vars.sh" not in all_record_files(env)


def test_environments_txt_appends_once(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    environments_txt = tmp_path / "environments.txt"
    environments_txt.write_text("/opt/conda")  # no trailing newline, as users may leave it

    first = conda_builder.create(tmp_path / "a", environments_txt=environments_txt)
    second = conda_builder.create(tmp_path / "b", environments_txt=environments_txt)

    assert environments_txt.read_text().splitlines() == [
        "/opt/conda",
        str(first.prefix),
        str(second.prefix),
    ]


def test_create_rejects_nonempty_prefix(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "file.txt").write_text("x")

    with pytest.raises(FileExistsError, match="prefix is not empty"):
        conda_builder.create(tmp_path / "env")


# ---------------------------------------------------------------------------
# Channel and archive reuse


def test_package_archive_built_once(tmp_path: Path) -> None:
    builder = CondaEnvBuilder(tmp_path / "work")
    builder.create(tmp_path / "first", "3.11", [NUMPY])
    archive = builder.channel_dir / builder.native_subdir / "numpy-1.26.4-py311_mkl_0.tar.bz2"
    repodata = builder.channel_dir / builder.native_subdir / "repodata.json"
    archive_mtime = archive.stat().st_mtime_ns
    repodata_mtime = repodata.stat().st_mtime_ns

    second = builder.create(tmp_path / "second", "3.11", [NUMPY])

    assert archive.stat().st_mtime_ns == archive_mtime
    assert repodata.stat().st_mtime_ns == repodata_mtime
    assert second.run_python("import numpy; print(numpy.__version__)") == "1.26.4\n"


def test_same_build_other_python_rejected(tmp_path: Path) -> None:
    builder = CondaEnvBuilder(tmp_path / "work")
    unpinned = Package("scipy", "1.10.1", build="py_0", dists=(Dist("scipy", "1.10.1"),))
    builder.create(tmp_path / "py311", "3.11", [unpinned])

    with pytest.raises(ValueError, match="Give this variant its own build string"):
        builder.create(tmp_path / "py37", "3.7", [unpinned])


def test_duplicate_package_names_rejected(conda_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="requested more than once: numpy"):
        conda_builder.create(tmp_path / "env", "3.11", [NUMPY, NUMPY])
