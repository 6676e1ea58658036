"""Tests of interpreter probes and the probe cache, run against real interpreters and scripts."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from pathlib import Path

import pytest
from conda_envs import BaseInterpreter, find_python

from jupyter_envdoctor.discovery.interpreters import (
    CACHE_FILE_NAME,
    CACHE_FORMAT_VERSION,
    ProbeCache,
    ProbeRequest,
    probe_interpreters,
    probe_key,
)


@pytest.fixture(scope="module")
def python311() -> BaseInterpreter:
    return find_python("3.11")


@pytest.fixture(scope="module")
def venv311(tmp_path_factory: pytest.TempPathFactory, python311: BaseInterpreter) -> Path:
    prefix = tmp_path_factory.mktemp("venvs") / "plain"
    make_venv(prefix, python311)
    return prefix


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def make_venv(prefix: Path, python: BaseInterpreter) -> Path:
    subprocess.run(
        [str(python.executable), "-m", "venv", "--without-pip", str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return prefix


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def counting_wrapper(path: Path, target: Path, counter: Path) -> Path:
    """Write a script that appends a line to ``counter`` and then runs ``target``."""
    return write_script(path, f'echo run >> "{counter}"\nexec "{target}" "$@"\n')


def spawn_count(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def request_for(executable: Path | str, home: Path, *modules: str, **extra: str) -> ProbeRequest:
    environ = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), **extra}
    return ProbeRequest.from_environ(str(executable), environ, modules or ("ipykernel",))


def process_is_gone(pid: int) -> bool:
    """Return whether ``pid`` has exited (a zombie waiting for its parent counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


# --- what a probe reports ---------------------------------------------------------------------


def test_probe_of_venv_reports_venv(venv311: Path, python311: BaseInterpreter, home: Path) -> None:
    request = request_for(venv311 / "bin" / "python", home, "ipykernel", "json")

    result = probe_interpreters([request])[request]

    assert result.ok, result.error
    assert result.executable == str(venv311 / "bin" / "python")
    assert result.prefix == str(venv311)
    assert result.base_prefix == str(python311.executable.parent.parent)
    assert result.version == python311.version
    assert str(venv311 / "lib" / "python3.11" / "site-packages") in result.path
    assert result.user_site_enabled is False
    assert result.importable == {"ipykernel": False, "json": True}
    assert result.timed_out is False
    assert result.error is None


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.13"])
def test_probe_script_runs_on_each_python(version: str, home: Path) -> None:
    python = find_python(version)
    modules = ("json", "xml.dom", "os.path", "ipykernel", "nosuch", "nosuch.sub", "json.nosuch")
    request = request_for(python.executable, home, *modules)

    result = probe_interpreters([request])[request]

    assert result.ok, result.error
    assert result.version == python.version
    assert result.version.startswith(version + ".")
    assert result.prefix == str(python.executable.parent.parent)
    assert result.base_prefix == result.prefix
    assert result.user_site_enabled is True
    assert result.user_site == str(home / ".local" / "lib" / f"python{version}" / "site-packages")
    assert result.importable == {
        "json": True,
        "xml.dom": True,
        "os.path": True,
        "ipykernel": False,
        "nosuch": False,
        "nosuch.sub": False,
        "json.nosuch": False,
    }


def test_probe_uses_request_environ(python311: BaseInterpreter, home: Path, tmp_path: Path) -> None:
    extra_dir = tmp_path / "extra"
    extra_dir.mkdir()
    plain = request_for(python311.executable, home, "json")
    with_vars = request_for(
        python311.executable, home, "json", PYTHONPATH=str(extra_dir), PYTHONNOUSERSITE="1"
    )

    results = probe_interpreters([plain, with_vars])

    assert results[plain].user_site_enabled is True
    assert str(extra_dir) not in results[plain].path
    assert results[with_vars].user_site_enabled is False
    assert str(extra_dir) in results[with_vars].path


def test_probe_finds_modules_without_running_them(
    python311: BaseInterpreter, home: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "__init__.py").write_text("")
    (source / "pkg" / "sub.py").write_text("")
    marker = tmp_path / "imported"
    (source / "sideeffect.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    modules = ("pkg", "pkg.sub", "pkg.missing", "sideeffect", "sideeffect.child")
    request = request_for(python311.executable, home, *modules, PYTHONPATH=str(source))

    result = probe_interpreters([request])[request]

    assert result.importable == {
        "pkg": True,
        "pkg.sub": True,
        "pkg.missing": False,
        "sideeffect": True,
        "sideeffect.child": False,
    }
    # Finding "sideeffect.child" imports its parent, as find_spec does. Finding
    # "sideeffect" alone imports nothing.
    assert marker.exists()
    marker.unlink()
    probe_interpreters(
        [request_for(python311.executable, home, "sideeffect", PYTHONPATH=str(source))]
    )
    assert not marker.exists()


def test_probe_ignores_noise_from_pth_files(venv311: Path, tmp_path: Path, home: Path) -> None:
    noisy = tmp_path / "noisy"
    make_venv(noisy, find_python("3.11"))
    site_packages = noisy / "lib" / "python3.11" / "site-packages"
    (site_packages / "noise.pth").write_text(
        'import sys; sys.stdout.write(\'noise without a newline {"not": "json"}\')\n'
    )
    (site_packages / "sitecustomize.py").write_text("print('@@ more noise @@')\n")
    request = request_for(noisy / "bin" / "python", home, "json")

    result = probe_interpreters([request])[request]

    assert result.ok, result.error
    assert result.prefix == str(noisy)
    assert result.importable == {"json": True}


# --- failures ---------------------------------------------------------------------------------


def test_hanging_interpreter_times_out(tmp_path: Path, home: Path) -> None:
    pid_file = tmp_path / "sleep.pid"
    script = write_script(tmp_path / "hang", f'sleep 60 &\necho $! > "{pid_file}"\nwait\n')
    request = request_for(script, home)

    started = time.monotonic()
    result = probe_interpreters([request], timeout=1.0)[request]
    elapsed = time.monotonic() - started

    assert result.ok is False
    assert result.timed_out is True
    assert result.error == "timed out after 1 s"
    assert elapsed < 5.0
    sleep_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5.0
    while not process_is_gone(sleep_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_is_gone(sleep_pid), f"child {sleep_pid} of the timed-out probe still runs"


def test_crashing_interpreter_reports_exit_code(tmp_path: Path, home: Path) -> None:
    script = write_script(tmp_path / "crash", "echo starting >&2\necho 'fatal: boom' >&2\nexit 3\n")
    request = request_for(script, home)

    result = probe_interpreters([request])[request]

    assert result.ok is False
    assert result.timed_out is False
    assert result.error == f"interpreter {script} exited with code 3: fatal: boom"


def test_interpreter_killed_by_signal(tmp_path: Path, home: Path) -> None:
    script = write_script(tmp_path / "killed", "kill -9 $$\n")
    request = request_for(script, home)

    result = probe_interpreters([request])[request]

    assert result.ok is False
    assert result.error == f"interpreter {script} was killed by signal SIGKILL: no error output"


def test_output_without_result_is_an_error(tmp_path: Path, home: Path) -> None:
    script = write_script(tmp_path / "chatty", "echo hello\n")
    request = request_for(script, home)

    result = probe_interpreters([request])[request]

    assert result.ok is False
    assert result.error == (
        f"interpreter {script} printed no probe result (exit code 0): no error output"
    )


def test_invalid_result_is_an_error(tmp_path: Path, home: Path) -> None:
    script = write_script(tmp_path / "liar", "echo '@@jupyter-envdoctor-probe-1@@{\"path\": 3}'\n")
    request = request_for(script, home)

    result = probe_interpreters([request])[request]

    assert result.ok is False
    assert result.error == (
        f"interpreter {script} printed an invalid probe result: path is not a list of strings"
    )


def test_unrunnable_interpreters_fail_without_spawning(tmp_path: Path, home: Path) -> None:
    missing = tmp_path / "missing" / "python"
    not_executable = tmp_path / "python-text"
    not_executable.write_text("#!/bin/sh\necho never\n")
    not_executable.chmod(0o644)
    directory = tmp_path / "python-dir"
    directory.mkdir()
    broken_link = tmp_path / "python-link"
    broken_link.symlink_to(tmp_path / "deleted-python")
    requests = [
        request_for(path, home) for path in (missing, not_executable, directory, broken_link)
    ]
    bare = request_for("python-that-does-not-exist", home)

    results = probe_interpreters([*requests, bare])

    errors = [results[request].error for request in requests]
    assert errors == [
        f"interpreter not found: {missing}",
        f"interpreter is not executable: {not_executable}",
        f"interpreter is a directory: {directory}",
        f"interpreter is a broken symbolic link: {broken_link} -> {tmp_path / 'deleted-python'}",
    ]
    assert results[bare].error == "interpreter not found on PATH: python-that-does-not-exist"
    assert all(result.ok is False for result in results.values())


def test_bare_name_resolves_on_request_path(tmp_path: Path, home: Path, venv311: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "python", f'exec "{venv311 / "bin" / "python"}" "$@"\n')
    request = ProbeRequest.from_environ("python", {"PATH": str(bin_dir), "HOME": str(home)})

    result = probe_interpreters([request])[request]

    assert result.ok, result.error
    assert result.executable == "python"
    assert result.prefix == str(venv311)


def test_invalid_max_workers_raises(venv311: Path, home: Path) -> None:
    with pytest.raises(ValueError, match="invalid max_workers 0"):
        probe_interpreters([request_for(venv311 / "bin" / "python", home)], max_workers=0)


# --- concurrency and deduplication ------------------------------------------------------------


def test_probes_run_concurrently(tmp_path: Path, home: Path, venv311: Path) -> None:
    # Each script waits for the other's file before it runs Python, so the two probes can
    # only finish when they run at the same time.
    python = venv311 / "bin" / "python"
    first_file, second_file = tmp_path / "first", tmp_path / "second"
    wait_loop = 'i=0; while [ ! -e "{}" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n'
    first = write_script(
        tmp_path / "first.sh",
        f'touch "{first_file}"\n' + wait_loop.format(second_file) + f'exec "{python}" "$@"\n',
    )
    second = write_script(
        tmp_path / "second.sh",
        f'touch "{second_file}"\n' + wait_loop.format(first_file) + f'exec "{python}" "$@"\n',
    )
    requests = [request_for(first, home), request_for(second, home)]

    results = probe_interpreters(requests, timeout=8.0, max_workers=2)

    assert [results[request].ok for request in requests] == [True, True]


def test_hanging_probe_does_not_block_others(tmp_path: Path, home: Path, venv311: Path) -> None:
    hang = request_for(write_script(tmp_path / "hang", "exec sleep 60\n"), home)
    good = request_for(venv311 / "bin" / "python", home)

    results = probe_interpreters([hang, good], timeout=1.0)

    assert results[hang].timed_out is True
    assert results[good].ok is True


def test_equivalent_requests_spawn_once(tmp_path: Path, home: Path, venv311: Path) -> None:
    counter = tmp_path / "count"
    wrapper = counting_wrapper(tmp_path / "python", venv311 / "bin" / "python", counter)
    request = request_for(wrapper, home)
    same = request_for(wrapper, home)
    unrelated_difference = request_for(wrapper, home, JPY_SESSION_NAME="notebook.ipynb")

    results = probe_interpreters([request, same, unrelated_difference])

    assert spawn_count(counter) == 1
    assert len(results) == 2
    assert results[request] is results[unrelated_difference]
    assert results[request].ok is True


def test_probe_key_depends_only_on_path_variables(home: Path) -> None:
    base = request_for("/opt/python", home)
    reordered = ProbeRequest("/opt/python", tuple(reversed(base.environ)), base.modules)
    other_variable = request_for("/opt/python", home, EDITOR="vi")
    other_pythonpath = request_for("/opt/python", home, PYTHONPATH="/src")
    other_module = request_for("/opt/python", home, "numpy")

    assert probe_key(base) == probe_key(reordered) == probe_key(other_variable)
    assert probe_key(base) != probe_key(other_pythonpath)
    assert probe_key(base) != probe_key(other_module)


# --- cache ------------------------------------------------------------------------------------


@pytest.fixture
def counted_venv(tmp_path: Path, python311: BaseInterpreter) -> tuple[Path, Path, Path]:
    """Return (venv prefix, wrapper that runs its python, counter file)."""
    prefix = make_venv(tmp_path / "counted", python311)
    counter = tmp_path / "count"
    wrapper = counting_wrapper(tmp_path / "wrapped-python", prefix / "bin" / "python", counter)
    return prefix, wrapper, counter


def test_cache_hit_returns_stored_result(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, counter = counted_venv
    cache = ProbeCache(str(tmp_path / "cache"))
    request = request_for(wrapper, home)

    first = probe_interpreters([request], cache=cache)[request]
    second = probe_interpreters([request], cache=cache)[request]

    assert first.ok is True
    assert second is first
    assert spawn_count(counter) == 1


def test_cache_survives_a_new_instance(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, counter = counted_venv
    request = request_for(wrapper, home)
    first = probe_interpreters([request], cache=ProbeCache(str(tmp_path / "cache")))[request]

    second = probe_interpreters([request], cache=ProbeCache(str(tmp_path / "cache")))[request]

    assert second == first
    assert spawn_count(counter) == 1
    document = json.loads((tmp_path / "cache" / CACHE_FILE_NAME).read_text())
    assert document["version"] == CACHE_FORMAT_VERSION
    assert list(document["entries"]) == [probe_key(request)]
    assert [name for name in os.listdir(tmp_path / "cache")] == [CACHE_FILE_NAME]


def test_cache_reprobes_after_sys_path_dir_changes(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    prefix, wrapper, counter = counted_venv
    cache = ProbeCache(str(tmp_path / "cache"))
    request = request_for(wrapper, home)
    first = probe_interpreters([request], cache=cache)[request]

    site_packages = prefix / "lib" / "python3.11" / "site-packages"
    status = site_packages.stat()
    os.utime(site_packages, ns=(status.st_atime_ns, status.st_mtime_ns + 10_000_000_000))
    second = probe_interpreters([request], cache=cache)[request]

    assert spawn_count(counter) == 2
    assert second is not first
    assert second.ok is True


def test_cache_reprobes_when_user_site_appears(
    python311: BaseInterpreter, tmp_path: Path, home: Path
) -> None:
    counter = tmp_path / "count"
    wrapper = counting_wrapper(tmp_path / "wrapped-python", python311.executable, counter)
    cache = ProbeCache(str(tmp_path / "cache"))
    request = request_for(wrapper, home)
    user_site = home / ".local" / "lib" / "python3.11" / "site-packages"
    first = probe_interpreters([request], cache=cache)[request]
    assert str(user_site) not in first.path

    user_site.mkdir(parents=True)
    second = probe_interpreters([request], cache=cache)[request]

    assert spawn_count(counter) == 2
    assert str(user_site) in second.path


def test_cache_reprobes_when_executable_changes(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, counter = counted_venv
    cache = ProbeCache(str(tmp_path / "cache"))
    request = request_for(wrapper, home)
    probe_interpreters([request], cache=cache)

    with wrapper.open("a") as file:
        file.write("# edited\n")
    probe_interpreters([request], cache=cache)

    assert spawn_count(counter) == 2


def test_cache_key_follows_path_variables(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, counter = counted_venv
    cache = ProbeCache(str(tmp_path / "cache"))
    probe_interpreters([request_for(wrapper, home)], cache=cache)

    probe_interpreters([request_for(wrapper, home, EDITOR="vi")], cache=cache)
    assert spawn_count(counter) == 1

    probe_interpreters([request_for(wrapper, home, PYTHONPATH=str(tmp_path))], cache=cache)
    assert spawn_count(counter) == 2


def test_failed_probes_are_not_cached(tmp_path: Path, home: Path) -> None:
    counter = tmp_path / "count"
    script = write_script(tmp_path / "crash", f'echo run >> "{counter}"\nexit 3\n')
    cache = ProbeCache(str(tmp_path / "cache"))
    request = request_for(script, home)

    probe_interpreters([request], cache=cache)
    result = probe_interpreters([request], cache=cache)[request]

    assert result.ok is False
    assert spawn_count(counter) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"version": 1, "entries": {"\xff": 1}}',
        json.dumps({"version": CACHE_FORMAT_VERSION + 1, "entries": {}}).encode(),
        json.dumps(["a", "list"]).encode(),
        json.dumps({"version": CACHE_FORMAT_VERSION, "entries": {"key": {"result": 3}}}).encode(),
    ],
    ids=["invalid-json", "invalid-utf8", "other-version", "not-an-object", "malformed-entry"],
)
def test_unusable_cache_file_is_rebuilt(
    content: bytes, counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, counter = counted_venv
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / CACHE_FILE_NAME).write_bytes(content)
    request = request_for(wrapper, home)

    result = probe_interpreters([request], cache=ProbeCache(str(cache_dir)))[request]

    assert result.ok is True
    assert spawn_count(counter) == 1
    document = json.loads((cache_dir / CACHE_FILE_NAME).read_text())
    assert document["version"] == CACHE_FORMAT_VERSION
    assert list(document["entries"]) == [probe_key(request)]


def test_cache_drops_deleted_interpreters(
    counted_venv: tuple[Path, Path, Path], tmp_path: Path, home: Path
) -> None:
    _, wrapper, _ = counted_venv
    doomed = counting_wrapper(tmp_path / "doomed-python", wrapper, tmp_path / "doomed-count")
    cache_dir = str(tmp_path / "cache")
    probe_interpreters([request_for(doomed, home)], cache=ProbeCache(cache_dir))

    doomed.unlink()
    kept = request_for(wrapper, home)
    probe_interpreters([kept], cache=ProbeCache(cache_dir))

    document = json.loads((tmp_path / "cache" / CACHE_FILE_NAME).read_text())
    assert list(document["entries"]) == [probe_key(kept)]


def test_unwritable_cache_logs_warning(
    counted_venv: tuple[Path, Path, Path],
    tmp_path: Path,
    home: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, wrapper, _ = counted_venv
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    request = request_for(wrapper, home)

    with caplog.at_level(logging.WARNING, logger="jupyter_envdoctor.discovery.interpreters"):
        result = probe_interpreters([request], cache=ProbeCache(str(blocker / "cache")))[request]

    assert result.ok is True
    assert f"cannot write probe cache {blocker / 'cache' / CACHE_FILE_NAME}" in caplog.text


def test_default_cache_dir_is_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))

    cache = ProbeCache()

    assert cache.path == str(tmp_path / "xdg-cache" / "jupyter-envdoctor" / CACHE_FILE_NAME)
