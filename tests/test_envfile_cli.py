"""`jupyter envdoctor export` and `check --spec` end to end, and environment files in the report.

The CLI runs as a user runs it, from the fake HOME, against rattler-built conda envs and venvs
whose pip packages the real pip or uv installed from local wheels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conda_envs import CondaEnvBuilder, find_python
from conda_pip import build_wheel
from envfile_setup import SciEnv, sci_env
from jupyter_setup import JupyterHome

from jupyter_envdoctor.envfile.reader import read_environment_file

CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))
LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def envdoctor(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    result = subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ),
                            stdin=subprocess.DEVNULL, timeout=300, check=False,
                            cwd=cwd or os.environ["HOME"])
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def sci(machine: JupyterHome, tmp_path: Path) -> SciEnv:
    """The "sci" conda env, listed in environments.txt, with requests and idna from pip."""
    env = sci_env(CondaEnvBuilder(tmp_path / "builder"), machine.root / "envs" / "sci")
    machine.environments_txt.parent.mkdir(parents=True, exist_ok=True)
    machine.environments_txt.write_text(f"{env.env.prefix}\n")
    env.add_wheel("idna", "3.6")
    env.pip_install("requests", "2.31.0", requires=("idna>=2",))
    return env


def test_export_then_check_is_clean(machine: JupyterHome, sci: SciEnv) -> None:
    output = machine.home / "proj" / "environment.yml"
    output.parent.mkdir()

    status, _, err = envdoctor("export", "sci", "-o", str(output))

    assert status == 0, err
    exported = read_environment_file(str(output))
    assert exported.error is None
    assert exported.problems == []
    assert exported.name == "sci"
    assert exported.prefix is None  # environments.txt lists it, so its name finds it
    assert exported.channels == [sci.channel_url]
    assert sorted(e.text for e in exported.conda) == [
        "numpy=1.26.4=py311_mkl_0", f"pip={_pip_version(sci)}=pyh_0",
        f"python={_python_version(sci)}=0", "pytorch=2.1.0=py3.11_cpu_0"]
    assert [e.text for e in exported.pip] == ["idna==3.6", "requests==2.31.0"]

    status, out, err = envdoctor("check", "--spec", str(output))

    assert (status, err) == (0, "")
    assert "No problems found." in out


def test_from_history_export_is_clean(machine: JupyterHome, sci: SciEnv) -> None:
    status, out, err = envdoctor("export", str(sci.env.prefix), "--from-history")

    assert status == 0, err
    assert "  - numpy\n  - pip\n  - python=3.11\n  - pytorch\n" in out
    spec = machine.home / "environment.yml"
    spec.write_text(out)
    status, out, _ = envdoctor("check", "--spec", str(spec), "--env", str(sci.env.prefix))
    assert status == 0, out


def test_check_fails_on_pip_replacement(machine: JupyterHome, sci: SciEnv) -> None:
    spec = machine.home / "environment.yml"
    assert envdoctor("export", "sci", "-o", str(spec))[0] == 0

    sci.pip_install("numpy", "2.0.0")
    status, out, err = envdoctor("check", "--spec", str(spec), "--json")

    assert (status, err) == (2, "")
    result = json.loads(out)
    assert result["summary"]["exit_code"] == 2
    (finding,) = result["findings"]
    assert finding["code"] == "S603"
    assert "pip replaced conda's numpy 1.26.4 py311_mkl_0 with numpy 2.0.0" in finding["title"]
    assert finding["evidence"]["dependency"] == "numpy=1.26.4=py311_mkl_0"
    assert finding["evidence"]["installed"] == "numpy 2.0.0"


def test_export_writes_replacement_once(machine: JupyterHome, sci: SciEnv) -> None:
    sci.pip_install("numpy", "2.0.0")

    status, out, _ = envdoctor("export", "sci")

    assert status == 0
    assert "numpy=1.26.4" not in out
    assert "      - numpy==2.0.0  # pip replaced conda's numpy 1.26.4 py311_mkl_0\n" in out
    spec = machine.home / "environment.yml"
    spec.write_text(out)
    assert envdoctor("check", "--spec", str(spec))[0] == 0


def test_check_reports_later_pip_install(machine: JupyterHome, sci: SciEnv) -> None:
    spec = machine.home / "environment.yml"
    envdoctor("export", "sci", "-o", str(spec))
    sci.pip_install("rich", "13.7.0")

    status, out, _ = envdoctor("check", "--spec", str(spec))

    assert status == 1
    assert "WARNING S607 Environment 'sci': pip installed rich 13.7.0, which " in out


def test_force_keeps_comments(machine: JupyterHome, sci: SciEnv) -> None:
    spec = machine.home / "environment.yml"
    text = ("# The team's science env\nname: sci  # the env name\nchannels:\n  - conda-forge\n"
            "dependencies:\n  # numerics\n  - numpy=1.26  # keep below 2\n  - scipy\n"
            "  - pip:\n      - requests  # http\nvariables:\n  OMP_NUM_THREADS: \"1\"\n")
    spec.write_text(text)

    status, _, err = envdoctor("export", "sci", "-o", str(spec))

    assert status == 3
    assert "exists; pass --force to rewrite it" in err
    assert spec.read_text() == text

    status, _, err = envdoctor("export", "sci", "-o", str(spec), "--force")

    assert status == 0, err
    rewritten = spec.read_text()
    assert rewritten.startswith("# The team's science env\nname: sci  # the env name\n")
    # A comment keeps its column, or moves to two spaces after a longer line.
    assert "  - numpy=1.26.4=py311_mkl_0  # keep below 2\n" in rewritten
    assert "scipy" not in rewritten
    assert "note: dropped 'scipy' (not installed)" in err
    assert "      - requests==2.31.0  # http\n" in rewritten
    # The exported channel comes first, because the pinned builds come from it.
    assert f"channels:\n  - {sci.channel_url}\n  - conda-forge\n" in rewritten
    assert rewritten.endswith("variables:\n  OMP_NUM_THREADS: \"1\"\n")
    assert envdoctor("check", "--spec", str(spec))[0] == 0


def test_venv_export_with_uv(machine: JupyterHome, tmp_path: Path) -> None:
    python = machine.venv("tools", python="3.11")
    build_wheel(tmp_path / "wheels", "beta", "1.1", {"beta/__init__.py": ""})
    alpha = build_wheel(tmp_path / "wheels", "alpha", "1.0", {"alpha/__init__.py": ""},
                        requires=("beta>=1",))
    machine.uv_install(python, "--no-index", "--find-links", str(alpha.parent), "alpha")
    prefix = python.parent.parent

    status, out, err = envdoctor("export", str(prefix))

    assert status == 0, err
    assert "channels" not in out
    assert "dependencies:\n  - python=3.11." in out
    assert "  - pip:\n      - alpha==1.0\n      - beta==1.1\n" in out
    spec = machine.home / "environment.yml"
    spec.write_text(out.replace("      - beta==1.1\n", ""))
    # beta came in with alpha, and uv's REQUESTED files do not tell dependencies apart.
    status, out, _ = envdoctor("check", "--spec", str(spec), "--env", str(prefix))
    assert status == 0, out


def test_check_usage_errors(machine: JupyterHome) -> None:
    nameless = machine.home / "nameless.yml"
    nameless.write_text("dependencies:\n  - numpy\n")

    for args, message in [
        (["check"], "name the environment file with --spec"),
        (["check", "--spec", "missing.yml"], "missing.yml not found"),
        (["check", "--spec", str(nameless)], "has no name or prefix; name the environment"),
        (["check", "--spec", str(nameless), "--env", "nothere"], "no environment or kernel named"),
        (["export"], "expected one environment"),
        (["export", "nothere"], "no environment or kernel named 'nothere'"),
    ]:
        status, _, err = envdoctor(*args)
        assert status == 3, (args, err)
        assert message in err, (args, err)
        assert "Traceback" not in err


def test_bad_file_findings(machine: JupyterHome, sci: SciEnv) -> None:
    folder = machine.home / "proj"
    (folder / "reqs").mkdir(parents=True)
    (folder / "reqs" / "base.txt").write_text("requests==2.31.0  # http\n-r extra.txt\n")
    (folder / "reqs" / "extra.txt").write_text("idna==3.6\n")
    spec = folder / "environment.yml"
    spec.write_text("name: sci\nchanels: [conda-forge]\ndependencies:\n  - python=3.11\n"
                    "  - numpy>=>1\n  - 3.11\n  - pytorch\n  - pip\n  - pip:\n"
                    "      - -r reqs/base.txt\n      - -r missing.txt\n      - requests >= 2 <3\n")

    status, out, err = envdoctor("check", "--spec", str(spec), "--json")

    assert (status, err) == (2, "")
    findings = json.loads(out)["findings"]
    titles = {f["code"]: [] for f in findings}
    for f in findings:
        titles[f["code"]].append(f["title"])
    assert sorted(titles) == ["S601", "S602", "S606"]
    assert titles["S601"] == [(f"{spec}, line 2: unknown key 'chanels', which conda ignores; "
                               "the keys are: name, channels, dependencies, prefix, variables")]
    pip_error = [t for t in titles["S602"] if "invalid pip requirement" in t]
    others = [t for t in titles["S602"] if t not in pip_error]
    assert sorted(others) == sorted([
        f"{spec}, line 5: invalid conda match spec 'numpy>=>1': unable to parse version spec: >=>1",
        (f"{spec}, line 6: dependency 3.11 is a number, expected a match spec string such as "
         "'numpy=1.26'; quote values that YAML reads as numbers"),
        f"{spec}, line 11: requirements file {folder / 'missing.txt'} not found",
    ])
    assert len(pip_error) == 1
    assert pip_error[0].startswith(
        f"{spec}, line 12: invalid pip requirement 'requests >= 2 <3': Expected comma")
    # numpy is in the history but its line does not parse, so it counts as not listed.
    assert titles["S606"] == [(f"Environment 'sci': conda package numpy 1.26.4, which you "
                               f"asked for ('numpy' in conda-meta/history), is not in {spec}")]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name: sci\ndependencies: [numpy\n", "invalid YAML at line 3 column 1"),
        ("- numpy\n", ("expected a mapping with the keys name, channels and dependencies, "
                       "found a list")),
        ("", "the file is empty"),
        ("name: sci\ndependencies: numpy\n", "'dependencies' is a string, expected a list"),
        ("name: sci\nname: other\n", 'invalid YAML at line 2 column 1: found duplicate key "name"'),
    ],
)
def test_unusable_file(machine: JupyterHome, sci: SciEnv, text: str, error: str) -> None:
    spec = machine.home / "environment.yml"
    spec.write_text(text)

    status, out, err = envdoctor("check", "--spec", str(spec), "--env", "sci")

    assert status == 2, err
    assert "ERROR   S600 Environment file " in out
    assert error in out
    assert "Traceback" not in err


def test_report_checks_file_beside_notebook(machine: JupyterHome, sci: SciEnv) -> None:
    machine.write_kernel(machine.user_kernels, "sci", [str(sci.env.python), *LAUNCHER])
    project = machine.home / "work" / "proj"
    project.mkdir(parents=True)
    notebook = {"cells": [], "metadata": {"kernelspec": {"name": "sci", "display_name": "sci"}},
                "nbformat": 4, "nbformat_minor": 5}
    (project / "analysis.ipynb").write_text(json.dumps(notebook))
    (project / "environment.yml").write_text(
        "name: project\ndependencies:\n  - python=3.11\n  - numpy\n  - pytorch=*=*cuda*\n"
        "  - pip\n  - pip:\n      - requests==2.31.0\n")

    status, out, _ = envdoctor("--json", "--no-probe", "--ignore=E200", "--ignore=K102")

    report = json.loads(out)
    envfile = [f for f in report["findings"] if f["code"].startswith("S")]
    assert [f["code"] for f in envfile] == ["S603"]
    assert envfile[0]["kernels"] == ["sci"]
    assert envfile[0]["evidence"]["found_by"] == "notebook folder"
    assert "build py3.11_cpu_0 does not match *cuda*" in envfile[0]["title"]
    assert status == 2


def test_report_checks_configured_file(machine: JupyterHome, sci: SciEnv) -> None:
    machine.write_kernel(machine.user_kernels, "sci", [str(sci.env.python), *LAUNCHER])
    spec = machine.root / "specs" / "sci.yml"
    spec.parent.mkdir()
    spec.write_text("name: sci\ndependencies:\n  - python=3.11\n  - numpy\n  - pytorch\n"
                    "  - pip\n")
    config = machine.home / ".jupyter" / "jupyter_envdoctor_config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"EnvDoctor": {"environment_files": {"sci": str(spec)}}}))

    status, out, _ = envdoctor("--json", "--no-probe")

    report = json.loads(out)
    envfile = [f for f in report["findings"] if f["code"].startswith("S")]
    assert [f["code"] for f in envfile] == ["S607"]
    assert envfile[0]["evidence"]["found_by"] == "configured"
    assert envfile[0]["evidence"]["installed"] == "requests 2.31.0"
    assert status >= 1


def _pip_version(sci: SciEnv) -> str:
    return str(sci.env.record("pip")["version"])


def _python_version(sci: SciEnv) -> str:
    return str(sci.env.record("python")["version"])


def test_export_editable_install(machine: JupyterHome) -> None:
    python = machine.venv("dev", python="3.11")
    project = machine.home / "work" / "mypkg"
    (project / "mypkg").mkdir(parents=True)
    (project / "mypkg" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "mypkg"\nversion = "0.1"\n')
    # uv fetches hatchling from PyPI to build the editable wheel.
    machine.uv_install(python, "-e", str(project))
    prefix = str(python.parent.parent)
    beside = machine.home / "work" / "environment.yml"
    elsewhere = machine.root / "elsewhere" / "environment.yml"
    elsewhere.parent.mkdir()

    assert envdoctor("export", prefix, "-o", str(beside))[0] == 0
    assert envdoctor("export", prefix, "-o", str(elsewhere))[0] == 0

    # conda runs pip in the file's folder, so a source inside it is written relative to it.
    assert "  - pip:\n      - -e ./mypkg\n" in beside.read_text()
    assert (f"  - pip:\n      - -e {project}  # local path: it exists only on this machine\n"
            in elsewhere.read_text())
    for spec in (beside, elsewhere):
        status, out, _ = envdoctor("check", "--spec", str(spec), "--env", prefix)
        assert status == 0, out
    moved = machine.root / "elsewhere" / "moved.yml"
    moved.write_text(beside.read_text())
    status, out, _ = envdoctor("check", "--spec", str(moved), "--env", prefix)
    assert status == 2
    assert "ERROR   S604 " in out
    assert "is not installed" in out


def test_export_unlisted_venv_writes_prefix(machine: JupyterHome, tmp_path: Path) -> None:
    python = machine.venv("plain", location=machine.root / "elsewhere" / "plain")
    build_wheel(tmp_path / "wheels", "alpha", "1.0", {"alpha/__init__.py": ""})
    machine.uv_install(python, "--no-index", "--find-links", str(tmp_path / "wheels"), "alpha")
    prefix = python.parent.parent
    spec = machine.home / "proj" / "environment.yml"
    spec.parent.mkdir()
    assert envdoctor("export", "plain")[0] == 3  # no registry lists it

    status, _, err = envdoctor("export", str(prefix), "-o", str(spec))

    assert status == 0, err
    assert spec.read_text().endswith(f"prefix: {prefix}\n")
    status, out, err = envdoctor("check", "--spec", str(spec))
    assert (status, err) == (0, ""), out
    assert f"Environment: {prefix} (venv)" in out

    # The report finds the environment of a configured file by its prefix too.
    spec.write_text(spec.read_text().replace("      - alpha==1.0\n", "      - alpha==2.0\n"))
    config = machine.home / ".jupyter" / "jupyter_envdoctor_config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"EnvDoctor": {"environment_files": {str(prefix): str(spec)}}}))
    status, out, _ = envdoctor("--json", "--no-probe")
    report = json.loads(out)
    assert [p for p in report["problems"] if "environment_files" in p] == []
    envfile = [f for f in report["findings"] if f["code"].startswith("S")]
    assert [f["code"] for f in envfile] == ["S604"]
    assert envfile[0]["evidence"]["prefix"] == str(prefix)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"name: sci\ndependencies: [numpy\n", "invalid YAML at line 3 column 1"),
        (b"", "the file is empty"),
        (b"- numpy\n", "expected a mapping with the keys name, channels and dependencies"),
        (b"name: sci\xff\n", "the file is not UTF-8 text"),
    ],
)
def test_check_unusable_file_without_env(machine: JupyterHome, content: bytes,
                                         error: str) -> None:
    spec = machine.home / "environment.yml"
    spec.write_bytes(content)

    status, out, err = envdoctor("check", "--spec", str(spec))

    assert (status, out) == (3, "")
    assert f"error: environment file {spec} cannot be used: {error}" in err
    assert "has no name or prefix" not in err


def test_force_keeps_what_user_wrote(machine: JupyterHome, sci: SciEnv) -> None:
    folder = machine.home / "proj"
    folder.mkdir()
    (folder / "req.txt").write_text("idna==3.6\n")
    spec = folder / "environment.yml"
    spec.write_text(
        "name: sci\nchannels:\n  - conda-forge  # main channel\ndependencies:\n"
        "  - numpy=1.26.4=py311_mkl_0  # the MKL build\n  - scipy\n  - pip\n  - pip:\n"
        "      - -r req.txt\n      - --index-url https://example.invalid/simple\n"
        "      - requests[socks]>=2; python_version >= '3.8'  # http\n"
        "      - pywin32==306; sys_platform == 'win32'\n      - flask\n")
    sci.pip_install("numpy", "2.0.0")

    status, _, err = envdoctor("export", "sci", "-o", str(spec), "--force")

    assert status == 0, err
    text = spec.read_text()
    assert f"channels:\n  - {sci.channel_url}\n  - conda-forge  # main channel\n" in text
    assert ("      - numpy==2.0.0  # the MKL build; pip replaced conda's numpy 1.26.4 "
            "py311_mkl_0\n") in text
    assert "      - -r req.txt\n      - --index-url https://example.invalid/simple\n" in text
    assert '      - requests[socks]==2.31.0; python_version >= "3.8"  # http\n' in text
    assert "      - pywin32==306; sys_platform == 'win32'\n" in text
    assert "idna" not in text  # req.txt lists it
    for dropped in ("scipy", "flask"):
        assert dropped not in text
        assert f"note: dropped '{dropped}' (not installed)" in err
    assert "note: kept channel 'conda-forge', which no installed package came from" in err
    assert "note: kept the -r lines of the pip section" in err


def test_directory_as_file(machine: JupyterHome, sci: SciEnv) -> None:
    folder = machine.home / "adir"
    folder.mkdir()

    for args, message in [
        (["check", "--spec", str(folder)], f"{folder} is a directory; give the environment file"),
        (["export", "sci", "-o", str(folder)], f"{folder} is a directory; give the file to write"),
        (["export", "sci", "-o", str(folder), "--force"], f"{folder} is a directory"),
        (["export", str(folder)], f"{folder} is a folder but not a Python environment"),
    ]:
        status, _, err = envdoctor(*args)
        assert status == 3, (args, err)
        assert message in err, (args, err)


def test_common_options_accepted(machine: JupyterHome, sci: SciEnv) -> None:
    spec = machine.home / "environment.yml"
    assert envdoctor("export", "sci", "--no-cache", "--no-probe", "-o", str(spec))[0] == 0

    status, out, err = envdoctor("check", "--spec", str(spec), "--no-cache", "--no-probe",
                                 "--ignore=S999", "--ignore=s607")

    assert status == 0, err
    assert "No problems found." in out
    assert err == "jupyter envdoctor: warning: ignoring unknown finding code S999\n"


def test_stdout_export_writes_absolute_paths(machine: JupyterHome, sci: SciEnv) -> None:
    wheel = build_wheel(sci.wheels, "localpkg", "2.0.0", {"localpkg/__init__.py": ""})
    subprocess.run([str(sci.env.python), "-m", "pip", "install", "-q", "--no-index",
                    str(wheel)], check=True)

    status, out, err = envdoctor("export", "sci", cwd=sci.wheels.parent)

    assert status == 0, err
    assert (f"      - localpkg @ {wheel.as_uri()}  # local path: it exists only on this "
            "machine\n") in out


def test_venv_seed_packages_not_listed(machine: JupyterHome, tmp_path: Path) -> None:
    prefix = machine.root / "seeded"
    # `python -m venv` runs ensurepip, which on Python 3.11 installs pip and setuptools.
    subprocess.run([str(find_python("3.11").executable), "-m", "venv", str(prefix)], check=True)
    assert list(prefix.glob("lib/python3.11/site-packages/setuptools-*.dist-info"))

    status, out, err = envdoctor("export", str(prefix))

    assert status == 0, err
    assert "setuptools" not in out
    spec = tmp_path / "environment.yml"
    spec.write_text("name: seeded\ndependencies:\n  - python=3.11\n  - pip\n")
    status, out, _ = envdoctor("check", "--spec", str(spec), "--env", str(prefix))
    assert status == 0, out


def test_force_on_empty_file(machine: JupyterHome, sci: SciEnv) -> None:
    spec = machine.home / "empty.yml"
    spec.write_text("")

    status, _, err = envdoctor("export", "sci", "-o", str(spec), "--force")

    assert status == 0, err
    assert spec.read_text().startswith("name: sci\nchannels:\n")


@pytest.mark.parametrize("command", ["export", "check"])
def test_help_examples_aligned(command: str) -> None:
    _, out, _ = envdoctor(command, "--help")

    section = out.split("Examples\n--------\n", 1)[1].strip("\n").split("\n\n", 1)[0]
    examples = section.splitlines()
    assert len(examples) == 3
    assert {len(line) - len(line.lstrip()) for line in examples} == {4}


@pytest.mark.parametrize("from_history", [False, True])
def test_force_moves_replaced_entry_to_pip(machine: JupyterHome, sci: SciEnv,
                                           from_history: bool) -> None:
    spec = machine.home / "environment.yml"
    spec.write_text("name: sci\ndependencies:\n  - python\n  - pytorch\n"
                    "  - numpy>=1.20   # for arrays\n")
    sci.pip_install("numpy", "2.0.0")
    history = ["--from-history"] if from_history else []

    status, _, err = envdoctor("export", "sci", *history, "-o", str(spec), "--force")

    assert status == 0, err
    text = spec.read_text()
    assert ("      - numpy==2.0.0  # for arrays; pip replaced conda's numpy 1.26.4 "
            "py311_mkl_0\n") in text
    assert ("note: moved 'numpy>=1.20' to the pip section as 'numpy==2.0.0', because pip or "
            "uv installed it") in err
    assert "dropped 'numpy" not in err


def test_force_keeps_sequence_indent(machine: JupyterHome, sci: SciEnv) -> None:
    mixed = machine.home / "mixed.yml"
    mixed.write_text("name: sci\ndependencies:\n  - numpy\n  - pip:\n"
                     "    - requests==2.31.0 # keep\n")
    flat = machine.home / "flat.yml"
    flat.write_text("name: sci\ndependencies:\n- numpy  # arrays\n- pip:\n  - requests # http\n")

    for path in (mixed, flat):
        status, _, err = envdoctor("export", "sci", "--from-history", "-o", str(path), "--force")
        assert status == 0, err

    # ruamel.yaml writes one indent for every level, so the mixed file gets conda's layout,
    # and its comment two spaces after the longer line.
    assert "  - pip:\n      - requests==2.31.0  # keep\n      - idna==3.6\n" in mixed.read_text()
    flat_text = flat.read_text()
    assert "dependencies:\n- numpy  # arrays\n" in flat_text
    assert "- pip:\n  - requests==2.31.0  # http\n  - idna==3.6\n" in flat_text


def test_export_dash_output_is_stdout(machine: JupyterHome, sci: SciEnv) -> None:
    status, out, err = envdoctor("export", "sci", "-o", "-")

    assert status == 0, err
    assert out.startswith("name: sci\n")
    assert not (machine.home / "-").exists()


def test_check_missing_file_prefix(machine: JupyterHome, sci: SciEnv) -> None:
    missing_prefix = machine.root / "gone"
    spec = machine.home / "environment.yml"
    spec.write_text(f"name: sci\nprefix: {missing_prefix}\ndependencies:\n  - numpy\n")
    not_env = machine.root / "plain"
    not_env.mkdir()
    spec_folder = machine.home / "folder.yml"
    spec_folder.write_text(f"name: sci\nprefix: {not_env}\ndependencies:\n  - numpy\n")

    status, _, err = envdoctor("check", "--spec", str(spec))

    assert status == 3
    assert (f"error: the prefix of {spec}, {missing_prefix}, does not exist; name the environment to "
            "check with --env") in err
    status, _, err = envdoctor("check", "--spec", str(spec_folder))
    assert status == 3
    assert f"{not_env} is a folder but not a Python environment" in err
    assert f"{spec_folder} names this prefix, so name the environment with --env" in err
    status, _, err = envdoctor("check", "--spec", str(spec), "--env", "sci")
    assert status != 3, err


def test_requirements_file_entry_finding(machine: JupyterHome, sci: SciEnv) -> None:
    folder = machine.home / "proj"
    folder.mkdir()
    requirements = folder / "req.txt"
    requirements.write_text("requests==2.0\n")
    spec = folder / "environment.yml"
    spec.write_text("name: sci\ndependencies:\n  - python\n  - numpy\n  - pytorch\n  - pip\n"
                    "  - pip:\n      - -r req.txt\n      - idna==3.7\n")

    status, out, _ = envdoctor("check", "--spec", str(spec), "--json")

    assert status == 2
    findings = {f["evidence"]["dependency"]: f for f in json.loads(out)["findings"]
                if f["code"] == "S604"}
    from_requirements = findings["requests==2.0"]
    assert f"of {requirements}: version 2.31.0" in from_requirements["title"]
    assert str(spec) not in from_requirements["title"]
    assert [fix for fix in from_requirements["fixes"] if "export" in (fix["command"] or "")] == []
    from_file = findings["idna==3.7"]
    assert f"of {spec}: version 3.6" in from_file["title"]
    assert any("export" in (fix["command"] or "") for fix in from_file["fixes"])
