"""Tests of environment discovery on real venvs, rattler-built conda envs and hand-made prefixes.

Every test runs with HOME pointing at an empty dir under tmp_path and passes an explicit
environ, so neither the user's nor the machine's environments take part.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from conda_envs import BaseInterpreter, CondaEnvBuilder, find_python

from jupyter_envdoctor.discovery import condarc
from jupyter_envdoctor.discovery.environments import (
    describe_prefix,
    find_environments,
    parse_condarc_envs_dirs,
    prefix_of_interpreter,
)
from jupyter_envdoctor.model import Environment, RegistryEntry, ServerInfo, environment_id


@pytest.fixture(scope="module")
def python311() -> BaseInterpreter:
    return find_python("3.11")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    # The machine's own /etc/conda configuration must not add environments to these tests.
    monkeypatch.setattr(condarc, "SYSTEM_CONDARC_PATHS", ())
    return path


@pytest.fixture
def server(tmp_path: Path, python311: BaseInterpreter) -> ServerInfo:
    prefix = make_venv(tmp_path / "server-venv", python311)
    return server_in(prefix)


def server_in(prefix: Path) -> ServerInfo:
    return ServerInfo(
        executable=str(prefix / "bin" / "python"),
        prefix=str(prefix),
        version="2.14.0",
        kernel_dirs=[],
        config_dirs=[],
    )


def real(path: Path | str) -> str:
    return os.path.realpath(path)


def inside(prefix: Path, *parts: str) -> str:
    """Return a path inside the real path of ``prefix``, itself left unresolved."""
    return os.path.join(real(prefix), *parts)


def make_venv(prefix: Path, python: BaseInterpreter) -> Path:
    subprocess.run(
        [str(python.executable), "-m", "venv", "--without-pip", str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return prefix


def make_conda_prefix(prefix: Path, python: BaseInterpreter) -> Path:
    """Write the least a conda prefix needs: history, a python record name, bin/python."""
    conda_meta = prefix / "conda-meta"
    conda_meta.mkdir(parents=True)
    (conda_meta / "history").write_text("==> 2024-01-15 10:00:00 <==\n# cmd: conda create\n")
    (conda_meta / f"python-{python.version}-h_0.json").write_text("{}")
    (prefix / "bin").mkdir()
    (prefix / "bin" / "python").symlink_to(python.executable)
    return prefix


def set_pyvenv_cfg(prefix: Path, values: Mapping[str, str]) -> None:
    config = prefix / "pyvenv.cfg"
    lines = [
        line for line in config.read_text().splitlines() if line.split("=")[0].strip() not in values
    ]
    lines += [f"{key} = {value}" for key, value in values.items()]
    config.write_text("\n".join(lines) + "\n")


def find(
    server: ServerInfo,
    home: Path,
    environ: Mapping[str, str] | None = None,
    **options: object,
) -> tuple[dict[str, Environment], list[RegistryEntry], list[str]]:
    """Run find_environments with only HOME and ``environ`` set; index the result by prefix."""
    found, registry, problems = find_environments(
        server,
        environ={"HOME": str(home), **(environ or {})},
        **options,  # type: ignore[arg-type]
    )
    by_prefix = {environment.prefix: environment for environment in found}
    assert len(by_prefix) == len(found), "an environment was reported twice"
    return by_prefix, registry, problems


def found_by(envs: Mapping[str, Environment], prefix: Path | str) -> list[str]:
    assert real(prefix) in envs, f"{prefix} was not found; found {sorted(envs)}"
    return envs[real(prefix)].found_by


# --- conda: environments.txt ------------------------------------------------------------------


def test_environments_txt_statuses(
    server: ServerInfo, home: Path, tmp_path: Path, conda_builder: CondaEnvBuilder
) -> None:
    ok_env = conda_builder.create(tmp_path / "somewhere" / "ok")
    plain_dir = tmp_path / "plain-dir"
    plain_dir.mkdir()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    lines = [
        str(ok_env.prefix).encode(),
        b"",
        str(tmp_path / "deleted").encode(),
        b"relative/env",
        b"/opt/caf\xe9-env",
        b"# a comment",
        str(plain_dir).encode() + b"\r",
        b"  " + str(a_file).encode() + b"  ",
    ]
    registry_path = home / ".conda" / "environments.txt"
    registry_path.parent.mkdir()
    registry_path.write_bytes(b"\n".join(lines) + b"\n")

    envs, registry, problems = find(server, home)

    assert [(entry.line_number, entry.value, entry.status) for entry in registry] == [
        (1, str(ok_env.prefix), "ok"),
        (3, str(tmp_path / "deleted"), "missing"),
        (4, "relative/env", "invalid"),
        (5, "/opt/caf\ufffd-env", "invalid"),
        (7, str(plain_dir), "not-an-env"),
        (8, str(a_file), "not-an-env"),
    ]
    assert {entry.registry for entry in registry} == {str(registry_path)}
    assert found_by(envs, ok_env.prefix) == ["environments.txt"]
    assert envs[real(ok_env.prefix)].kind == "conda"
    assert real(plain_dir) not in envs
    assert problems == []


def test_environments_txt_that_is_a_directory(server: ServerInfo, home: Path) -> None:
    registry_path = home / ".conda" / "environments.txt"
    registry_path.mkdir(parents=True)

    _, registry, problems = find(server, home)

    assert registry == []
    assert problems == [f"cannot read {registry_path}: Is a directory"]


# --- conda: .condarc, variables and roots -----------------------------------------------------


def test_condarc_envs_dirs(
    server: ServerInfo, home: Path, tmp_path: Path, conda_builder: CondaEnvBuilder
) -> None:
    block_env = conda_builder.create(home / "block-envs" / "first")
    quoted_env = conda_builder.create(tmp_path / "shared" / "quoted envs" / "second")
    flow_env = conda_builder.create(tmp_path / "flow" / "third")
    variable_env = conda_builder.create(tmp_path / "from-condarc-variable" / "fourth")
    (home / ".condarc").write_text(
        "channels:\n"
        "  - conda-forge\n"
        "envs_dirs:\n"
        "  - ~/block-envs   # the default place\n"
        "\n"
        '  - "$SHARED/quoted envs"\n'
        "pkgs_dirs:\n"
        f"  - {tmp_path / 'flow'}\n"
    )
    (home / ".config" / "conda").mkdir(parents=True)
    (home / ".config" / "conda" / "condarc").write_text(f"envs_dirs: [ '{tmp_path / 'flow'}' ]\n")
    custom_condarc = tmp_path / "custom.condarc"
    custom_condarc.write_text(f"envs_path: {tmp_path / 'from-condarc-variable'}\n")
    environ = {"SHARED": str(tmp_path / "shared"), "CONDARC": str(custom_condarc)}

    envs, _, problems = find(server, home, environ)

    for env in (block_env, quoted_env, flow_env, variable_env):
        assert found_by(envs, env.prefix) == ["condarc"]
        assert envs[real(env.prefix)].name == env.prefix.name
    assert problems == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "envs_dirs:\n  - /a\n  - '/b'   # note\n\n  - \"/c d\"\nchannels:\n  - /x\n",
            ["/a", "/b", "/c d"],
        ),
        ("envs_dirs:\n- /a\n- /b\nchannels: [/x]\n", ["/a", "/b"]),
        ("envs_dirs: [\"/a, b\", '/c''s', /d]\n", ["/a, b", "/c's", "/d"]),
        ("envs_dirs: [\n  /a,\n  /b  # comment\n]\n", ["/a", "/b"]),
        ("envs_path:\n  - /a\n", ["/a"]),
        (f"envs_dirs: /a{os.pathsep}/b\n", ["/a", "/b"]),
        ("envs_dirs: [/a#b]  # /c\n", ["/a#b"]),
        ("conda:\n  envs_dirs: [/nested]\n", []),
        ("channels:\n  - defaults\n", []),
        ("envs_dirs: []\n", []),
        ('envs_dirs:\n  - "C:\\\\envs"\n', ["C:\\envs"]),
    ],
    ids=[
        "block-list",
        "block-list-at-key-indent",
        "flow-list-quoted",
        "flow-list-multiline",
        "envs-path-alias",
        "scalar-split-on-pathsep",
        "hash-inside-value",
        "nested-key-ignored",
        "no-key",
        "empty-flow-list",
        "escaped-backslash",
    ],
)
def test_parse_condarc_envs_dirs(text: str, expected: list[str]) -> None:
    assert parse_condarc_envs_dirs(text) == expected


def test_conda_envs_path_variable(
    server: ServerInfo, home: Path, tmp_path: Path, conda_builder: CondaEnvBuilder
) -> None:
    env = conda_builder.create(tmp_path / "envs-a" / "analysis")
    (tmp_path / "envs-a" / "not-an-env").mkdir()
    value = os.pathsep.join([str(tmp_path / "envs-a"), str(tmp_path / "absent"), "relative/envs"])

    envs, _, problems = find(server, home, {"CONDA_ENVS_PATH": value})

    assert found_by(envs, env.prefix) == ["CONDA_ENVS_PATH"]
    assert real(tmp_path / "envs-a" / "not-an-env") not in envs
    assert problems == []


def test_conda_root_from_conda_exe(
    server: ServerInfo,
    home: Path,
    tmp_path: Path,
    conda_builder: CondaEnvBuilder,
    python311: BaseInterpreter,
) -> None:
    root = conda_builder.create(tmp_path / "miniconda3")
    (root.prefix / "condabin").mkdir()
    science = conda_builder.create(root.prefix / "envs" / "science", ipykernel=True)
    listed = conda_builder.create(tmp_path / "listed-in-root-condarc" / "listed")
    (root.prefix / ".condarc").write_text(f"envs_dirs:\n  - {listed.prefix.parent}\n")
    environ = {"CONDA_EXE": str(root.prefix / "condabin" / "conda")}

    envs, _, problems = find(server, home, environ)

    base = envs[real(root.prefix)]
    assert (base.kind, base.name, base.is_conda_base) == ("conda", "base", True)
    assert base.found_by == ["CONDA_EXE"]
    assert base.python == inside(root.prefix, "bin", "python")
    assert base.python_version == python311.version
    assert base.has_ipykernel is False
    env = envs[real(science.prefix)]
    assert (env.kind, env.name, env.is_conda_base) == ("conda", "science", False)
    assert env.found_by == ["envs_dirs"]
    assert env.python_version == python311.version
    assert env.has_ipykernel is True
    assert env.id == environment_id(real(science.prefix))
    assert found_by(envs, listed.prefix) == ["condarc"]
    assert problems == []


def test_server_in_conda_env_finds_its_root(
    home: Path, tmp_path: Path, conda_builder: CondaEnvBuilder
) -> None:
    root = conda_builder.create(tmp_path / "anaconda3")
    served = conda_builder.create(root.prefix / "envs" / "lab", ipykernel=True)
    sibling = conda_builder.create(root.prefix / "envs" / "other")

    envs, _, _ = find(server_in(served.prefix), home)

    assert next(iter(envs)) == real(served.prefix)
    assert envs[real(served.prefix)].is_server is True
    assert envs[real(served.prefix)].found_by == ["server", "envs_dirs"]
    assert found_by(envs, root.prefix) == ["conda-root"]
    assert envs[real(root.prefix)].is_conda_base is True
    assert found_by(envs, sibling.prefix) == ["envs_dirs"]
    assert [env.prefix for env in envs.values() if env.is_server] == [real(served.prefix)]


def test_conda_prefix_and_mamba_root(
    server: ServerInfo, home: Path, tmp_path: Path, conda_builder: CondaEnvBuilder
) -> None:
    active = conda_builder.create(tmp_path / "loose" / "active")
    mamba_root = conda_builder.create(tmp_path / "micromamba")
    mamba_env = conda_builder.create(mamba_root.prefix / "envs" / "tools")
    home_env = conda_builder.create(home / ".conda" / "envs" / "in-home")
    environ = {"CONDA_PREFIX": str(active.prefix), "MAMBA_ROOT_PREFIX": str(mamba_root.prefix)}

    envs, _, problems = find(server, home, environ)

    assert found_by(envs, active.prefix) == ["CONDA_PREFIX"]
    assert found_by(envs, mamba_root.prefix) == ["MAMBA_ROOT_PREFIX"]
    assert envs[real(mamba_root.prefix)].name == "base"
    assert found_by(envs, mamba_env.prefix) == ["envs_dirs"]
    assert found_by(envs, home_env.prefix) == ["envs_dirs"]
    assert problems == []


def test_hand_made_conda_prefix(tmp_path: Path, python311: BaseInterpreter) -> None:
    prefix = make_conda_prefix(tmp_path / "handmade", python311)
    # A record whose name also starts with "python-" must not be read as the python record.
    (prefix / "conda-meta" / "python-dateutil-2.9.0-pyhd8ed1ab_0.json").write_text("{}")
    site_packages = prefix / "lib" / "python3.11" / "site-packages"
    (site_packages / "ipykernel-6.29.5.dist-info").mkdir(parents=True)
    kernels = prefix / "share" / "jupyter" / "kernels"
    (kernels / "python3").mkdir(parents=True)
    (kernels / "python3" / "kernel.json").write_text("{}")
    (kernels / "leftover").mkdir()

    env = describe_prefix(str(prefix), "extra_dirs")

    assert env is not None
    assert (env.kind, env.name, env.is_conda_base) == ("conda", "handmade", False)
    assert env.python == inside(prefix, "bin", "python")
    assert env.python_version == python311.version
    assert env.has_ipykernel is True
    assert env.own_kernel_specs == [inside(prefix, "share", "jupyter", "kernels", "python3")]
    assert env.found_by == ["extra_dirs"]
    assert env.error is None


def test_describe_prefix_rejects_non_environments(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    empty = tmp_path / "empty"
    empty.mkdir()
    meta_without_history = tmp_path / "meta-only"
    (meta_without_history / "conda-meta").mkdir(parents=True)
    leftover_site = tmp_path / "leftover"
    (leftover_site / "lib" / "python3.9" / "site-packages").mkdir(parents=True)

    for path in (tmp_path / "missing", a_file, empty, meta_without_history, leftover_site):
        assert describe_prefix(str(path), "test") is None, path


# --- venvs ------------------------------------------------------------------------------------


def test_venv_in_workon_home(
    server: ServerInfo, home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    venv = make_venv(tmp_path / "workon" / "webapp", python311)
    default = make_venv(home / ".virtualenvs" / "scratch", python311)

    envs, _, problems = find(server, home, {"WORKON_HOME": str(tmp_path / "workon")})

    env = envs[real(venv)]
    assert (env.kind, env.name, env.found_by) == ("venv", "webapp", ["WORKON_HOME"])
    assert env.python == inside(venv, "bin", "python")
    assert env.python_version == python311.version
    assert env.base_home == str(python311.executable.parent)
    assert env.base_version == python311.version
    assert env.has_ipykernel is False
    assert env.own_kernel_specs == []
    assert env.is_server is False
    assert env.error is None
    assert found_by(envs, default) == ["virtualenvs"]
    assert envs[real(server.prefix)].is_server is True
    assert next(iter(envs)) == real(server.prefix)
    assert problems == []


def test_venvs_of_tools(server: ServerInfo, home: Path, python311: BaseInterpreter) -> None:
    venvs_dir = make_venv(home / ".venvs" / "tools", python311)
    poetry = make_venv(
        home / ".cache" / "pypoetry" / "virtualenvs" / "app-Ab12Cd34-py3.11", python311
    )
    pipenv = make_venv(home / ".local" / "share" / "virtualenvs" / "app-Xy98", python311)

    envs, _, _ = find(server, home)

    assert found_by(envs, venvs_dir) == ["venvs"]
    assert found_by(envs, poetry) == ["poetry"]
    assert found_by(envs, pipenv) == ["pipenv"]


def test_pyenv_versions_and_virtualenvs(
    server: ServerInfo, home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    versions = tmp_path / "pyenv" / "versions"
    versions.mkdir(parents=True)
    base_prefix = python311.executable.parent.parent
    (versions / python311.version).symlink_to(base_prefix)
    pyenv_env = make_venv(versions / "3.11-local" / "envs" / "analysis", python311)
    (versions / "analysis").symlink_to(pyenv_env)

    envs, _, problems = find(server, home, {"PYENV_ROOT": str(tmp_path / "pyenv")})

    base = envs[real(base_prefix)]
    assert (base.kind, base.found_by) == ("system", ["pyenv"])
    assert base.python_version == python311.version
    assert base.python is not None and real(base.python) == real(python311.executable)
    env = envs[real(pyenv_env)]
    assert (env.kind, env.name, env.found_by) == ("venv", "analysis", ["pyenv"])
    assert real(versions / "3.11-local") not in envs
    assert problems == []


def test_project_envs_under_root_dir(
    server: ServerInfo,
    home: Path,
    tmp_path: Path,
    python311: BaseInterpreter,
    conda_builder: CondaEnvBuilder,
) -> None:
    root = tmp_path / "work"
    at_root = make_venv(root / ".venv", python311)
    project = make_venv(root / "project" / ".venv", python311)
    nested = make_venv(root / "group" / "nested" / ".venv", python311)
    too_deep = make_venv(root / "group" / "nested" / "deeper" / ".venv", python311)
    hidden = make_venv(root / ".hidden" / ".venv", python311)
    pixi = conda_builder.create(root / "project" / ".pixi" / "envs" / "default")
    (root / "group" / "loop").symlink_to(root)

    envs, _, problems = find(server, home, root_dir=str(root))

    assert (envs[real(at_root)].name, envs[real(at_root)].found_by) == ("work", ["root_dir"])
    assert (envs[real(project)].name, envs[real(project)].found_by) == ("project", ["root_dir"])
    assert found_by(envs, nested) == ["root_dir"]
    assert real(too_deep) not in envs
    assert real(hidden) not in envs
    env = envs[real(pixi.prefix)]
    assert (env.kind, env.name, env.found_by) == ("pixi", "default", ["pixi"])
    assert problems == []


def test_venv_whose_home_was_deleted(
    server: ServerInfo, home: Path, python311: BaseInterpreter, tmp_path: Path
) -> None:
    venv = make_venv(home / ".virtualenvs" / "orphan", python311)
    deleted_base = tmp_path / "old-python"
    (deleted_base / "bin").mkdir(parents=True)
    deleted_home = str(deleted_base / "bin")
    (deleted_base / "bin").rmdir()
    deleted_base.rmdir()
    set_pyvenv_cfg(venv, {"home": deleted_home})

    envs, _, problems = find(server, home)

    env = envs[real(venv)]
    assert env.base_home == deleted_home
    assert env.base_version is None
    assert env.python_version == python311.version
    assert env.error is None
    assert problems == []


@pytest.mark.parametrize(
    ("config", "stated"),
    [({"version": "3.10.13"}, "3.10.13"), ({"version_info": "3.9.18.final.0"}, "3.9.18")],
    ids=["venv-version", "virtualenv-version-info"],
)
def test_venv_whose_base_version_changed(
    config: dict[str, str],
    stated: str,
    server: ServerInfo,
    home: Path,
    python311: BaseInterpreter,
) -> None:
    venv = make_venv(home / ".virtualenvs" / "upgraded", python311)
    text = (venv / "pyvenv.cfg").read_text()
    (venv / "pyvenv.cfg").write_text(
        "".join(line for line in text.splitlines(keepends=True) if not line.startswith("version"))
    )
    set_pyvenv_cfg(venv, config)

    envs, _, _ = find(server, home)

    env = envs[real(venv)]
    assert env.python_version == stated
    assert env.base_home == str(python311.executable.parent)
    assert env.base_version == python311.version


# --- kernels, extra dirs and deduplication ----------------------------------------------------


def test_kernel_interpreter_and_symlink_share_one_entry(
    server: ServerInfo, home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    venv = make_venv(tmp_path / "elsewhere" / "kernel-env", python311)
    workon = tmp_path / "workon"
    workon.mkdir()
    (workon / "alias").symlink_to(venv)

    envs, _, _ = find(
        server,
        home,
        {"WORKON_HOME": str(workon)},
        interpreters=[str(venv / "bin" / "python"), str(tmp_path / "no-env" / "bin" / "python")],
    )

    env = envs[real(venv)]
    assert env.found_by == ["kernel", "WORKON_HOME"]
    assert env.prefix == real(venv)
    assert env.name == "kernel-env"


def test_extra_dirs(
    server: ServerInfo, home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    itself = make_venv(tmp_path / "standalone", python311)
    holder = tmp_path / "holder"
    first = make_venv(holder / "first", python311)
    second = make_conda_prefix(holder / "second", python311)
    (holder / "not-an-env").mkdir()

    envs, _, problems = find(server, home, extra_dirs=[str(itself), str(holder)])

    assert found_by(envs, itself) == ["extra_dirs"]
    assert found_by(envs, first) == ["extra_dirs"]
    assert found_by(envs, second) == ["extra_dirs"]
    assert real(holder) not in envs
    assert real(holder / "not-an-env") not in envs
    assert problems == []


def test_default_environ_is_the_servers(
    home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    server = server_in(make_venv(tmp_path / "server", python311))
    venv = make_venv(tmp_path / "workon" / "from-server-environ", python311)
    server.environ = {"WORKON_HOME": str(tmp_path / "workon")}

    found, _, _ = find_environments(server)

    assert real(venv) in [env.prefix for env in found]


def test_prefix_of_interpreter(tmp_path: Path, python311: BaseInterpreter) -> None:
    venv = make_venv(tmp_path / "venv", python311)
    conda = make_conda_prefix(tmp_path / "conda", python311)
    base_prefix = str(python311.executable.parent.parent)
    (tmp_path / "local" / "bin").mkdir(parents=True)
    (tmp_path / "local" / "bin" / "python3.11").symlink_to(python311.executable)
    (tmp_path / "no-marker" / "bin").mkdir(parents=True)
    (tmp_path / "no-marker" / "bin" / "python").write_text("")
    windows_venv = tmp_path / "winvenv"
    (windows_venv / "Scripts").mkdir(parents=True)
    (windows_venv / "pyvenv.cfg").write_text("home = C:\\Python311\n")
    windows_conda = tmp_path / "winconda"
    (windows_conda / "conda-meta").mkdir(parents=True)
    (windows_conda / "conda-meta" / "history").write_text("")

    cases = {
        str(venv / "bin" / "python"): str(venv),
        str(venv / "bin" / "python3.11"): str(venv),
        str(venv / "bin" / "python3.9"): str(venv),
        str(conda / "bin" / "python"): str(conda),
        str(python311.executable): base_prefix,
        str(tmp_path / "local" / "bin" / "python3.11"): base_prefix,
        str(windows_venv / "Scripts" / "python.exe"): str(windows_venv),
        str(windows_conda / "python.exe"): str(windows_conda),
        str(tmp_path / "no-marker" / "bin" / "python"): None,
        str(tmp_path / "deleted-env" / "bin" / "python"): None,
        "python3": None,
    }
    results = {interpreter: prefix_of_interpreter(interpreter) for interpreter in cases}

    assert results == cases


def test_windows_layouts_read_on_any_platform(tmp_path: Path) -> None:
    venv = tmp_path / "winvenv"
    (venv / "Scripts").mkdir(parents=True)
    (venv / "Scripts" / "python.exe").write_text("")
    (venv / "Lib" / "site-packages" / "ipykernel").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = C:\\Python311\nversion = 3.11.7\n")
    conda = tmp_path / "winconda"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "conda-meta" / "history").write_text("")
    (conda / "conda-meta" / "python-3.11.7-h4de0772_0_cpython.json").write_text("{}")
    (conda / "Lib").mkdir()
    (conda / "Lib" / "os.py").write_text("")
    (conda / "Scripts").mkdir()
    (conda / "Scripts" / "conda.exe").write_text("")
    for name in ("python.exe", "python311.dll"):
        (conda / name).write_text("")
    system = tmp_path / "Python312"
    (system / "Lib").mkdir(parents=True)
    (system / "Lib" / "os.py").write_text("")
    (system / "include").mkdir()
    (system / "include" / "patchlevel.h").write_text('#define PY_VERSION              "3.12.4"\n')
    for name in ("python.exe", "python312.dll"):
        (system / name).write_text("")

    venv_env = describe_prefix(str(venv), "test")
    conda_env = describe_prefix(str(conda), "test")
    system_env = describe_prefix(str(system), "test")

    assert venv_env is not None
    assert conda_env is not None
    assert system_env is not None
    assert (venv_env.kind, venv_env.python_version, venv_env.has_ipykernel) == (
        "venv",
        "3.11.7",
        True,
    )
    assert venv_env.python == inside(venv, "Scripts", "python.exe")
    assert venv_env.base_home == "C:\\Python311"
    assert venv_env.base_version is None
    assert (conda_env.kind, conda_env.name, conda_env.is_conda_base) == ("conda", "base", True)
    assert conda_env.python == inside(conda, "python.exe")
    assert conda_env.python_version == "3.11.7"
    assert (system_env.kind, system_env.python_version) == ("system", "3.12.4")


# --- broken input -----------------------------------------------------------------------------


def test_broken_input_is_reported(
    server: ServerInfo, home: Path, tmp_path: Path, python311: BaseInterpreter
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    dangling_dir = tmp_path / "dangling-dir"
    dangling_dir.symlink_to(tmp_path / "removed-dir")
    good_dir = tmp_path / "envs"
    good = make_conda_prefix(good_dir / "good", python311)
    (good_dir / "dangling-env").symlink_to(tmp_path / "removed-env")
    undecodable = os.fsencode(good_dir) + b"/caf\xe9"
    os.makedirs(undecodable + b"/conda-meta")
    open(undecodable + b"/conda-meta/history", "w").close()
    (good_dir / "readme.txt").write_text("")
    broken_cfg_venv = make_venv(home / ".virtualenvs" / "broken-cfg", python311)
    (broken_cfg_venv / "pyvenv.cfg").unlink()
    (broken_cfg_venv / "pyvenv.cfg").mkdir()
    root_file = tmp_path / "root-file"
    root_file.write_text("")
    environ = {"CONDA_ENVS_PATH": os.pathsep.join([str(a_file), str(dangling_dir), str(good_dir)])}

    envs, _, problems = find(server, home, environ, root_dir=str(root_file))

    assert sorted(problems) == sorted(
        [
            f"cannot read {a_file}: Not a directory",
            f"cannot read {dangling_dir}: broken symbolic link to {tmp_path / 'removed-dir'}",
            (
                f"cannot read {good_dir / 'dangling-env'}: "
                f"broken symbolic link to {tmp_path / 'removed-env'}"
            ),
            f"skipped {good_dir / 'caf'}\ufffd: the name is not valid UTF-8",
            f"cannot read {root_file}: Not a directory",
        ]
    )
    assert found_by(envs, good) == ["CONDA_ENVS_PATH"]
    broken = envs[real(broken_cfg_venv)]
    assert broken.kind == "venv"
    assert broken.error == f"cannot read {inside(broken_cfg_venv, 'pyvenv.cfg')}: Is a directory"
    assert broken.python_version == "3.11"


def test_find_environments_runs_no_program(
    server: ServerInfo,
    home: Path,
    tmp_path: Path,
    python311: BaseInterpreter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_conda_prefix(home / ".conda" / "envs" / "conda-env", python311)
    make_venv(home / ".virtualenvs" / "venv", python311)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"discovery started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    found, _, _ = find_environments(server, environ={"HOME": str(home)})

    assert len(found) == 3
