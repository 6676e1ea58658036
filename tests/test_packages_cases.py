"""What pip did to conda, and other package faults, in real envs: rattler-built conda envs, venvs
and the real pip.

Tests that change files inside a conda env use a builder of their own, because rattler
hard-links env files to its package cache and an in-place write would change every env
built from that cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conda_envs import (
    CondaEnv,
    CondaEnvBuilder,
    Dist,
    Package,
    dist_files,
    dist_info_dirname,
    pip_install_like,
)
from conda_pip import build_wheel, pip_package, run_pip
from jupyter_setup import JupyterHome, codes, doctor, only

from jupyter_envdoctor.model import Finding, Snapshot

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


@pytest.fixture
def own_builder(tmp_path: Path) -> CondaEnvBuilder:
    """Return a builder for this test alone, with its own channel and package cache."""
    return CondaEnvBuilder(tmp_path / "own-builder")


def add_kernel(machine: JupyterHome, name: str, python: Path) -> None:
    machine.write_kernel(machine.user_kernels, name, [str(python), *LAUNCHER])


def package_codes(findings: list[Finding]) -> list[str]:
    return codes([f for f in findings if f.code.startswith("P")])


def command(finding: Finding) -> str:
    (fix,) = finding.fixes
    assert fix.action == "command"
    assert fix.command is not None
    return fix.command


def python_package(name: str, version: str, build: str, depends: tuple[str, ...] = ("python",),
                   extra_files: dict[str, str] | None = None) -> Package:
    dist = Dist(name, version, extra_files=extra_files or {})
    return Package(name, version, build, depends=depends, noarch="python", dists=(dist,))


def write_stale_metadata(site: Path, dist: Dist, installer: str = "pip") -> Path:
    """Write the dist-info of ``dist`` without its modules, as a failed uninstall leaves it."""
    info_dir = dist_info_dirname(dist.name, dist.version)
    site_files, _ = dist_files(dist, installer)
    for relative, data in site_files.items():
        if relative.startswith(info_dir + "/"):
            (site / relative).parent.mkdir(parents=True, exist_ok=True)
            (site / relative).write_bytes(data)
    return site / info_dir


# --- pip over conda, stale and duplicate metadata -------------------------------------------


def test_two_metadata_dirs_in_venv(machine: JupyterHome) -> None:
    python = machine.venv("p1")
    site = python.parent.parent / "lib" / "python3.11" / "site-packages"
    pip_install_like(site, Dist("Jinja2", "3.0.3", modules=("jinja2",)))
    pip_install_like(site, Dist("jinja2", "3.1.2", modules=("jinja2",)))
    add_kernel(machine, "p1", python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P302"]
    finding = only(findings, "P302", "p1")
    assert finding.severity == "warning"
    assert "3.0.3 and 3.1.2" in finding.title
    stale = site / "Jinja2-3.0.3.dist-info"
    assert finding.evidence["live_metadata"] == str(site / "jinja2-3.1.2.dist-info")
    assert finding.evidence["stale_metadata"] == [str(stale)]
    by_version = {m["version"]: m for m in finding.evidence["metadata"]}
    assert by_version["3.0.3"]["hash_mismatches"] == ["jinja2/__init__.py"]
    assert by_version["3.1.2"]["hash_mismatch_count"] == 0
    assert by_version["3.1.2"]["installer"] == "pip"
    assert command(finding) == f"rm -r {stale} && {python} -m pip install --force-reinstall jinja2==3.1.2"


def test_stale_pip_metadata_beside_conda(machine: JupyterHome, own_builder: CondaEnvBuilder) -> None:
    env = own_builder.create(machine.root / "envs" / "test_env", packages=[
        python_package("bqplot", "0.11.9", "pyhd8ed1ab_0")])
    stale = write_stale_metadata(env.site_packages, Dist("bqplot", "0.11.0"))
    add_kernel(machine, "test_env", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P301"]
    finding = only(findings, "P301", "test_env")
    assert finding.title == ("Environment 'test_env': stale pip metadata bqplot 0.11.0 beside "
                             "conda's bqplot 0.11.9")
    assert finding.evidence["stale_metadata"] == str(stale)
    assert finding.evidence["stale_installer"] == "pip"
    assert finding.evidence["conda_version"] == "0.11.9"
    assert finding.evidence["conda_record"] == str(env.conda_meta / "bqplot-0.11.9-pyhd8ed1ab_0.json")
    assert finding.evidence["shared_files"] == 1
    assert (finding.evidence["conda_hashes_checked"], finding.evidence["conda_hash_mismatch_count"]) == (1, 0)
    assert finding.evidence["stale_hash_mismatches"] == ["bqplot/__init__.py"]
    assert command(finding) == (f"rm -r {stale} && conda install -p {env.prefix} --force-reinstall "
                                "bqplot=0.11.9=pyhd8ed1ab_0")


def test_pip_files_over_conda_metadata(machine: JupyterHome, own_builder: CondaEnvBuilder) -> None:
    env = own_builder.create(machine.root / "envs" / "viz", packages=[
        python_package("bqplot", "0.11.9", "pyhd8ed1ab_0")])
    # An install that wrote its files but left conda's dist-info, as `pip install --ignore-installed`.
    newer = pip_install_like(env, Dist("bqplot", "0.12.0"))
    add_kernel(machine, "viz", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P300"]
    finding = only(findings, "P300", "viz")
    assert finding.title == "Environment 'viz': pip replaced conda's bqplot 0.11.9 with bqplot 0.12.0"
    assert finding.evidence["how"] == "overwritten"
    assert finding.evidence["installed_metadata"] == str(newer)
    assert command(finding) == (f"{env.python} -m pip uninstall -y bqplot && conda install -p {env.prefix} "
                                "--force-reinstall bqplot=0.11.9=pyhd8ed1ab_0")


def scientific_env(builder: CondaEnvBuilder, prefix: Path) -> CondaEnv:
    return builder.create(prefix, packages=[
        Package("mkl", "2023.2.0", "h84fe81f_50496", files={"lib/libmkl_rt.so.2": "mkl"}),
        Package("libblas", "3.9.0", "20_linux64_mkl", depends=("mkl >=2023.2.0,<2024.0a0",),
                files={"lib/libblas.so.3": "blas"}),
        Package("numpy", "1.26.4", "py311h64a7726_0", depends=("python", "libblas >=3.9.0,<4.0a0"),
                dists=(Dist("numpy", "1.26.4"),)),
        Package("scipy", "1.11.4", "py311h64a7726_0", depends=("python", "numpy >=1.23.5,<2.0a0"),
                dists=(Dist("scipy", "1.11.4"),)),
        python_package("requests", "2.31.0", "pyhd8ed1ab_0"),
        python_package("idna", "3.6", "pyhd8ed1ab_0"),
        pip_package(),
    ])


def test_real_pip_over_conda_numpy(machine: JupyterHome, own_builder: CondaEnvBuilder,
                                   tmp_path: Path) -> None:
    env = scientific_env(own_builder, machine.root / "envs" / "sci")
    wheels = tmp_path / "wheels"
    numpy = build_wheel(wheels, "numpy", "2.0.0", {
        "numpy/__init__.py": "__version__ = '2.0.0'\n",
        "numpy.libs/libscipy_openblas64_-99b71e71.so": b"\x7fELF openblas"})
    requests = build_wheel(wheels, "requests", "2.32.3", {"requests/__init__.py": "__version__ = '2.32.3'\n"})
    idna = build_wheel(wheels, "idna", "3.6", {"idna/__init__.py": "__version__ = '3.6'\n"})
    run_pip(env.python, "install", "--no-index", "--no-deps", "--force-reinstall", str(numpy), str(requests),
            str(idna))
    add_kernel(machine, "sci", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P300", "P300", "P305", "P308"]
    swapped = only(findings, "P305", "sci")
    assert swapped.severity == "warning"
    assert swapped.title == ("Environment 'sci': pip replaced conda's MKL build numpy 1.26.4 with the "
                             "OpenBLAS wheel numpy 2.0.0")
    assert swapped.evidence["installer"] == "pip"
    assert swapped.evidence["conda_version"] == "1.26.4"
    assert swapped.evidence["installed_version"] == "2.0.0"
    assert swapped.evidence["how"] == "removed"
    assert swapped.evidence["conda_list_deletes_record"] is True
    assert swapped.evidence["bundled_blas_library"] == "numpy.libs/libscipy_openblas64_-99b71e71.so"
    assert "libblas 3.9.0 20_linux64_mkl" in swapped.evidence["mkl_evidence"]
    assert command(swapped) == (f"{env.python} -m pip uninstall -y numpy && conda install -p {env.prefix} "
                                "--force-reinstall numpy=1.26.4=py311h64a7726_0")

    replaced, reinstalled = sorted((f for f in findings if f.code == "P300"), key=lambda f: f.title, reverse=True)
    assert replaced.title == "Environment 'sci': pip replaced conda's requests 2.31.0 with requests 2.32.3"
    assert (replaced.evidence["conda_version"], replaced.evidence["installed_version"]) == ("2.31.0", "2.32.3")
    assert replaced.evidence["installer"] == "pip"
    assert replaced.evidence["conda_history"].endswith(f"conda create -p {env.prefix} python=3.11 mkl "
                                                            "libblas numpy scipy requests idna pip")
    assert command(replaced) == (f"{env.python} -m pip uninstall -y requests && conda install -p "
                                 f"{env.prefix} --force-reinstall requests=2.31.0=pyhd8ed1ab_0")

    # The same version, reinstalled in place by pip: the dist-info is there, but pip's.
    assert reinstalled.title == "Environment 'sci': pip replaced conda's idna 3.6 with idna 3.6"
    assert reinstalled.evidence["how"] == "reinstalled"
    assert reinstalled.evidence["conda_list_deletes_record"] is False

    broken = only(findings, "P308", "sci")
    assert broken.title == ("Environment 'sci': scipy 1.11.4 requires numpy >=1.23.5,<2.0a0, but numpy "
                            "2.0.0 is installed")
    assert broken.evidence["source"] == "conda depends"
    assert command(broken) == command(swapped)
    # The doctor read conda-meta without changing it: the orphaned records are still there.
    assert (env.conda_meta / "numpy-1.26.4-py311h64a7726_0.json").is_file()
    assert (env.conda_meta / "requests-2.31.0-pyhd8ed1ab_0.json").is_file()


def test_pip_dependency_replaced_cuda_torch(machine: JupyterHome, own_builder: CondaEnvBuilder,
                                            tmp_path: Path) -> None:
    cuda_build = "cuda118_py310h1234567_0"
    env = own_builder.create(machine.root / "opt" / "conda" / "envs" / "dl", python="3.10", packages=[
        Package("cuda-version", "11.8", "h70ddcb2_3", noarch="generic"),
        Package("libtorch", "2.1.0", "cuda118_h7654321_0", depends=("cuda-version >=11.8,<11.9.0a0",),
                files={"lib/libtorch.so": "cuda"}),
        Package("pytorch", "2.1.0", cuda_build, depends=("python", "libtorch 2.1.0 cuda118*"),
                dists=(Dist("torch", "2.1.0", extra_files={"torch/version.py": "cuda = '11.8'\n"}),)),
        pip_package(),
    ])
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "torch", "2.3.1+cpu", {
        "torch/__init__.py": "__version__ = '2.3.1+cpu'\n",
        "torch/version.py": "from typing import Optional\ncuda: Optional[str] = None\n"})
    build_wheel(wheels, "somepkg", "1.0", {"somepkg/__init__.py": ""}, requires=["torch<=2.3.1,>=2.0"])
    run_pip(env.python, "install", "--no-index", "--find-links", str(wheels),
            "--upgrade", "--upgrade-strategy", "eager", "somepkg")
    add_kernel(machine, "dl", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P304"]
    finding = only(findings, "P304", "dl")
    assert finding.severity == "error"
    assert finding.title == (f"Environment 'dl': pip replaced conda's CUDA build pytorch 2.1.0 ({cuda_build}) "
                             "with the CPU build torch 2.3.1+cpu, pulled in by somepkg 1.0")
    assert finding.evidence["installer"] == "pip"
    assert finding.evidence["requested"] is False
    assert finding.evidence["installed_local_version"] == "cpu"
    assert finding.evidence["installed_cuda"] == "none"
    assert finding.evidence["pulled_in_by"] == ["somepkg 1.0"]
    assert finding.evidence["still_cuda_records"] == ["cuda-version 11.8 h70ddcb2_3",
                                                      "libtorch 2.1.0 cuda118_h7654321_0"]
    assert command(finding) == (f"{env.python} -m pip uninstall -y torch && conda install -p {env.prefix} "
                                f"--force-reinstall pytorch=2.1.0={cuda_build} && {env.python} -m pip "
                                "install --force-reinstall --no-deps somepkg==1.0")


def test_conda_swapped_cuda_for_cpu(machine: JupyterHome, own_builder: CondaEnvBuilder) -> None:
    env = own_builder.create(machine.root / "envs" / "dl", packages=[
        Package("pytorch-mutex", "1.0", "cpu", noarch="generic"),
        Package("cpuonly", "2.0", "0", depends=("pytorch-mutex 1.0 cpu",), noarch="generic"),
        Package("libtorch", "2.1.0", "cuda118_h7654321_0", files={"lib/libtorch.so": "cuda"}),
        Package("pytorch", "2.1.0", "py3.11_cpu_0", depends=("python", "pytorch-mutex 1.0 cpu"),
                dists=(Dist("torch", "2.1.0", extra_files={"torch/version.py": "cuda = None\n"}),)),
    ])
    cuda_build = "py3.11_cuda11.8_cudnn8.7.0_0"
    with (env.conda_meta / "history").open("a") as history:
        history.write(f"==> 2024-03-01 10:00:00 <==\n# cmd: conda install -p {env.prefix} cpuonly\n"
                      f"-pytorch/linux-64::pytorch-2.1.0-{cuda_build}\n-pytorch/noarch::pytorch-mutex-1.0-cuda\n"
                      "+pytorch/linux-64::pytorch-2.1.0-py3.11_cpu_0\n+pytorch/noarch::pytorch-mutex-1.0-cpu\n"
                      "+pytorch/noarch::cpuonly-2.0-0\n# update specs: ['cpuonly']\n")
    add_kernel(machine, "dl", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P304"]
    finding = only(findings, "P304", "dl")
    assert finding.title == (f"Environment 'dl': conda replaced the CUDA build pytorch 2.1.0 ({cuda_build}) "
                             "with the CPU build 2.1.0 (py3.11_cpu_0)")
    assert finding.evidence["history_date"] == "2024-03-01 10:00:00"
    assert finding.evidence["cpu_selectors"] == ["cpuonly 2.0 0", "pytorch-mutex 1.0 cpu"]
    assert finding.evidence["still_cuda_records"] == ["libtorch 2.1.0 cuda118_h7654321_0"]
    assert command(finding) == (f"conda remove -p {env.prefix} cpuonly && conda install -p {env.prefix} "
                                f"pytorch=2.1.0={cuda_build}")


# --- clean setups and broken input ---------------------------------------------------------------


def test_clean_envs_have_no_package_findings(machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    env = scientific_env(conda_builder, machine.root / "envs" / "clean-sci")
    add_kernel(machine, "clean-sci", env.python)
    venv = machine.venv("clean-venv", ipykernel=True)
    add_kernel(machine, "clean-venv", venv)

    snapshot, findings = doctor(machine, probe=False)

    assert [f.title for f in findings if f.code.startswith("P")] == []
    packages = snapshot.packages[only_env_id(snapshot, env.prefix)]
    owned = {d.name: d.conda_record for s in packages.site_dirs for d in s.distributions}
    assert owned["numpy"] == str(env.conda_meta / "numpy-1.26.4-py311h64a7726_0.json")
    assert owned["pip"] == str(env.conda_meta / f"pip-{pip_package().version}-pyh_0.json")


def only_env_id(snapshot: Snapshot, prefix: Path) -> str:
    environments = [e for e in snapshot.environments if e.prefix == str(prefix)]
    assert len(environments) == 1
    return environments[0].id


def test_malformed_records_are_findings(machine: JupyterHome, own_builder: CondaEnvBuilder) -> None:
    env = own_builder.create(machine.root / "envs" / "broken", packages=[
        python_package("attrs", "23.2.0", "pyh71513ae_0"), python_package("six", "1.16.0", "pyh6c4a22f_0"),
        python_package("idna", "3.6", "pyhd8ed1ab_0")])
    truncated = env.conda_meta / "attrs-23.2.0-pyh71513ae_0.json"
    truncated.write_text(truncated.read_text()[:100])
    wrong_types = env.conda_meta / "six-1.16.0-pyh6c4a22f_0.json"
    record = json.loads(wrong_types.read_text())
    wrong_types.write_text(json.dumps({**record, "files": {"a": 1}, "depends": "python"}))
    (env.conda_meta / "idna-3.6-pyhd8ed1ab_0.json").write_text("[]")
    add_kernel(machine, "broken", env.python)

    _, findings = doctor(machine, probe=False)

    errors = {f.evidence["path"]: f.evidence["error"] for f in findings if f.code == "P313"}
    assert errors[str(truncated)].startswith("invalid JSON: ")
    assert errors[str(wrong_types)] == ("invalid record: 'depends' is str, expected a list of strings; "
                                        "'files' is dict, expected a list of strings")
    assert errors[str(env.conda_meta / "idna-3.6-pyhd8ed1ab_0.json")] == (
        "invalid record: expected a JSON object, found list")
    assert package_codes(findings) == ["P313", "P313", "P313"]


def test_venv_package_faults(machine: JupyterHome, tmp_path: Path) -> None:
    python = machine.venv("faults")
    site = python.parent.parent / "lib" / "python3.11" / "site-packages"
    (site / "~umpy").mkdir()
    (site / "~umpy-1.26.4.dist-info").mkdir()
    pip_install_like(site, Dist("opencv-python", "4.9.0.80", modules=("cv2",)))
    pip_install_like(site, Dist("opencv-python-headless", "4.8.1.78", modules=("cv2",)))
    pip_install_like(site, Dist("requests", "2.31.0", requires=("idna>=2.5", "certifi; python_version<'3'")))
    (site / "requests" / "__init__.py").unlink()
    editable = pip_install_like(site, Dist("myproject", "0.1", modules=()))
    (editable / "direct_url.json").write_text(json.dumps(
        {"url": (tmp_path / "gone").as_uri(), "dir_info": {"editable": True}}))
    (site / "olddev.egg-link").write_text(f"{tmp_path / 'gone-too'}\n.\n")
    add_kernel(machine, "faults", python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P303", "P306", "P307", "P308", "P312", "P312"]
    leftovers = only(findings, "P303", "faults")
    # shlex.quote quotes "~", which a shell would expand at the start of a word.
    assert command(leftovers) == f"rm -r '{site / '~umpy'}' '{site / '~umpy-1.26.4.dist-info'}'"
    shared = only(findings, "P306", "faults")
    assert shared.title == ("Environment 'faults': opencv-python 4.9.0.80 and opencv-python-headless 4.8.1.78 "
                            "both install cv2")
    assert command(shared) == (f"{python} -m pip uninstall -y opencv-python && {python} -m pip install "
                               "--force-reinstall --no-deps opencv-python-headless==4.8.1.78")
    missing = only(findings, "P307", "faults")
    assert missing.title == "Environment 'faults': requests 2.31.0 (pip) is missing 1 of its 5 files"
    assert missing.evidence["missing_files"] == ["requests/__init__.py"]
    requirement = only(findings, "P308", "faults")
    assert requirement.title == "Environment 'faults': requests 2.31.0 requires idna>=2.5, but idna is not installed"
    assert command(requirement) == f"{python} -m pip install 'idna>=2.5'"
    sources = sorted(f.evidence["editable_source"] for f in findings if f.code == "P312")
    assert sources == [str(tmp_path / "gone"), str(tmp_path / "gone-too")]


def test_pip_in_conda_base(machine: JupyterHome, own_builder: CondaEnvBuilder) -> None:
    env = own_builder.create(machine.root / "miniconda3", packages=[
        python_package("requests", "2.31.0", "pyhd8ed1ab_0"),
        python_package("conda", "24.1.2", "py311_0", depends=("python", "requests >=2.28.0,<3")),
    ])
    (env.prefix / "condabin").mkdir()
    shutil.rmtree(env.site_packages / "requests-2.31.0.dist-info")
    (env.site_packages / "requests" / "__init__.py").unlink()
    pip_install_like(env, Dist("requests", "2.32.3"))
    pip_install_like(env, Dist("rich", "13.7.0"))
    add_kernel(machine, "base", env.python)

    _, findings = doctor(machine, probe=False)

    assert package_codes(findings) == ["P300", "P311"]
    base = only(findings, "P311", "base")
    assert base.severity == "warning"
    assert base.evidence["conda_dependencies"] == ["requests"]
    assert [p["name"] for p in base.evidence["packages"]] == ["requests", "rich"]
    assert command(base) == f"{env.python} -m pip uninstall -y rich"
    assert only(findings, "P300", "base").evidence["installed_version"] == "2.32.3"


def test_conda_files_missing_and_altered(machine: JupyterHome, own_builder: CondaEnvBuilder,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = own_builder.create(machine.root / "envs" / "tampered", packages=[
        python_package("attrs", "23.2.0", "pyh71513ae_0", extra_files={"attrs/_make.py": "x = 1\n"}),
        Package("zlib", "1.2.13", "hd590300_5", files={"lib/libz.so.1": "zlib"}),
    ])
    (env.prefix / "lib" / "libz.so.1").unlink()
    changed = env.site_packages / "attrs" / "_make.py"
    changed.unlink()  # A new inode, so the package cache keeps its copy.
    changed.write_text("x = 2\n")
    add_kernel(machine, "tampered", env.python)

    _, fast = doctor(machine, probe=False)
    monkeypatch.setenv("JUPYTER_ENVDOCTOR_DEEP", "1")
    _, deep = doctor(machine, probe=False)

    assert package_codes(fast) == ["P309"]
    missing = only(fast, "P309", "tampered")
    assert missing.title == "Environment 'tampered': conda package zlib 1.2.13 is missing 1 of its 1 file"
    assert command(missing) == f"conda install -p {env.prefix} --force-reinstall zlib=1.2.13=hd590300_5"
    assert package_codes(deep) == ["P309", "P310"]
    altered = only(deep, "P310", "tampered")
    assert altered.evidence["altered_files"] == ["lib/python3.11/site-packages/attrs/_make.py"]
    assert command(altered) == f"conda install -p {env.prefix} --force-reinstall attrs=23.2.0=pyh71513ae_0"


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Return size and mtime of every file and link below ``root``, by relative path."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def test_report_changes_no_file(machine: JupyterHome, own_builder: CondaEnvBuilder, tmp_path: Path) -> None:
    env = scientific_env(own_builder, machine.root / "envs" / "readonly")
    numpy = build_wheel(tmp_path / "wheels", "numpy", "2.0.0", {"numpy/__init__.py": "__version__ = '2.0.0'\n"})
    run_pip(env.python, "install", "--no-index", "--no-deps", str(numpy))
    add_kernel(machine, "readonly", env.python)
    before = {"env": tree_state(env.prefix), "home": tree_state(machine.home)}

    _, findings = doctor(machine, deep=True)

    assert "P305" in codes(findings) or "P300" in codes(findings)
    assert {"env": tree_state(env.prefix), "home": tree_state(machine.home)} == before
