"""Every form of conda match spec and pip line, matched against a real rattler-built env.

The env has numpy 1.26.4 (build py311_mkl_0), a CPU build of pytorch 2.1.0, the real pip,
and requests 2.31.0 with its dependency idna, which pip installed from local wheels.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conda_envs import CondaEnvBuilder
from envfile_setup import SciEnv, compare, sci_env

from jupyter_envdoctor.model import Finding


@pytest.fixture(scope="module")
def sci(tmp_path_factory: pytest.TempPathFactory) -> SciEnv:
    root = tmp_path_factory.mktemp("specs")
    env = sci_env(CondaEnvBuilder(root / "builder"), root / "envs" / "sci")
    env.add_wheel("idna", "3.6")
    env.pip_install("requests", "2.31.0", requires=("idna>=2",))
    return env


def verdict(sci: SciEnv, tmp_path: Path, conda: list[str], pip: list[str],
            entry: str) -> list[str]:
    """Return the codes of the findings about ``entry`` in a file listing these dependencies."""
    lines = ["name: sci", "dependencies:"] + [f"  - {spec!r}" for spec in conda]
    lines += ["  - pip:"] + [f"      - {line!r}" for line in pip] if pip else []
    path = tmp_path / "environment.yml"
    path.write_text("\n".join(lines) + "\n")
    findings = compare(path, sci.env.prefix)
    return sorted(f.code for f in findings if _about(f, entry))


def _about(finding: Finding, entry: str) -> bool:
    return finding.evidence.get("dependency") == entry


@pytest.mark.parametrize(
    ("spec", "codes"),
    [
        ("numpy", []),
        ("numpy=1.26", []),
        ("numpy=1.26.4", []),
        ("numpy=1.25", ["S603"]),
        ("numpy==1.26.4", []),
        ("numpy==1.26", ["S603"]),
        ("numpy>=1.20,<2", []),
        ("numpy>=2", ["S603"]),
        ("numpy 1.26.*", []),
        ("numpy=1.26.4=py311_mkl_0", []),
        ("numpy=1.26.4=py311_openblas_0", ["S603"]),
        ("numpy=*=*mkl*", []),
        ("pytorch=*=*cuda*", ["S603"]),
        ("pytorch=2.1=*cuda*", ["S603"]),
        ("pytorch=2.1=*cpu*", []),
        ("pytorch>=2.1,<2.2", []),
        ("conda-forge::numpy", ["S603"]),
        ("CHANNEL::numpy", []),
        ("scipy", ["S603"]),
        ("numpy>=>1", ["S602"]),
        ("numpy[foo=bar]", ["S602"]),
        (">=1.2", ["S602"]),
        ("requests", ["S605"]),
        ("requests=2.31.0", ["S605"]),
        ("requests=2.32", ["S603"]),
        ("requests=*=*cuda*", ["S603"]),
    ],
)
def test_conda_spec_verdict(sci: SciEnv, tmp_path: Path, spec: str, codes: list[str]) -> None:
    spec = spec.replace("CHANNEL", sci.channel_url)
    conda = [spec, "pip", "python=3.11"]

    assert verdict(sci, tmp_path, conda, ["requests==2.31.0", "idna==3.6"], spec) == codes


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("requests", []),
        ("requests==2.31.0", []),
        ("requests>=2,<3", []),
        ("Requests ~= 2.31", []),
        ("requests==2.32.0", ["S604"]),
        ("requests<2", ["S604"]),
        ('requests==9.9; python_version < "3"', []),
        ('requests==9.9; python_version >= "3.11"', ["S604"]),
        ("requests[socks]==2.31.0", []),
        ("absent-package", ["S604"]),
        ("absent-package==1.0", ["S604"]),
        ("requests===2.31.0", []),
        ("requests >= 2 <3", ["S602"]),
        ("requests==", ["S602"]),
        ("numpy==1.26.4", ["S605"]),
        ("torch", ["S605"]),
        ("./wheels/requests-2.31.0-py3-none-any.whl", []),
        ("./wheels/requests-2.30.0-py3-none-any.whl", ["S604"]),
        ("-e ./not-installed", ["S604"]),
    ],
)
def test_pip_line_verdict(sci: SciEnv, tmp_path: Path, line: str, codes: list[str]) -> None:
    conda = ["python=3.11", "numpy", "pytorch", "pip"]
    pip = [line, "requests==2.31.0", "idna==3.6"]
    # Wheel paths are relative to the file, so the file goes beside the wheels folder.
    folder = sci.wheels.parent if line.startswith("./wheels") else tmp_path

    assert verdict(sci, folder, conda, pip, line) == codes


def test_history_specs_are_requested(sci: SciEnv, tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: sci\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
                    "      - requests==2.31.0\n")

    findings = compare(path, sci.env.prefix)

    unlisted = sorted(f.evidence["installed"] for f in findings if f.code == "S606")
    assert unlisted == ["numpy 1.26.4 py311_mkl_0", "pytorch 2.1.0 py3.11_cpu_0"]
    # idna came in as a dependency of requests, so it is not reported as unlisted.
    assert [f.code for f in findings if f.code != "S606"] == []


def test_pip_package_unlisted(sci: SciEnv, tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: sci\ndependencies:\n  - python=3.11\n  - numpy\n  - pytorch\n"
                    "  - pip\n")

    findings = compare(path, sci.env.prefix)

    assert [f.code for f in findings] == ["S607"]
    assert findings[0].evidence["installed"] == "requests 2.31.0"
    assert findings[0].evidence["installer"] == "pip"


def test_pip_section_without_pip(sci: SciEnv, tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: sci\ndependencies:\n  - python=3.11\n  - numpy\n  - pytorch\n"
                    "  - pip:\n      - requests==2.31.0\n")

    findings = compare(path, sci.env.prefix)

    assert [f.code for f in findings] == ["S606", "S608"]
    # pip is in the history's specs, so leaving it out is also an unlisted conda package.
    assert findings[0].evidence["requested_spec"] == "pip"
    assert findings[1].evidence["pip_requirements"] == ["requests==2.31.0"]
