"""The server extension on a real jupyter_server: every endpoint, auth, cache, and a slow scan.

pytest-jupyter's `jp_environ` points HOME, JUPYTER_DATA_DIR and jupyter_core's system and env
paths at the test's tmp_path. It is extended here to run after the `machine` fixture, and its
data dir is the machine's user dir, so the kernel dirs the server lists and the dirs the
doctor scans are the same.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Callable

import pytest
from jupyter_server.serverapp import ServerApp
from jupyter_setup import JupyterHome
from tornado.httpclient import HTTPResponse
from traitlets.config import Config

from jupyter_envdoctor import __version__
from jupyter_envdoctor.serverext import EnvDoctorExtension

pytest_plugins = ["pytest_jupyter.jupyter_server"]

Fetch = Callable[..., Any]
MISSING_PYTHON = "/nonexistent/envs/gone/bin/python"
LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


@pytest.fixture
def jp_data_dir(tmp_path: Path) -> Path:
    """Use the machine's user data dir as JUPYTER_DATA_DIR, where `--user` specs go."""
    folder = tmp_path / "home" / ".local" / "share" / "jupyter"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def jp_config_dir(tmp_path: Path) -> Path:
    """Write the config file `jupyter envdoctor` reads into JUPYTER_CONFIG_DIR."""
    folder = tmp_path / "config"
    folder.mkdir()
    config = {"EnvDoctor": {"ignore": ["K112"]}}
    (folder / "jupyter_envdoctor_config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture
def jp_environ(machine: JupyterHome, jp_environ: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set pytest-jupyter's Jupyter dirs after the fake machine's HOME and JUPYTER_PATH."""
    # pytest-jupyter copies the test's sys.path into PYTHONPATH; every kernel would inherit it.
    monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config({
        "ServerApp": {"jpserver_extensions": {"jupyter_envdoctor": True}},
        "EnvDoctor": {
            "extra_env_dirs": [str(tmp_path / "venvs")],
            "use_cache": False,
            "probe_timeout": 20.0,
        },
    })


def extension(serverapp: ServerApp) -> EnvDoctorExtension:
    app = serverapp.extension_manager.extension_points["jupyter_envdoctor"].app
    assert isinstance(app, EnvDoctorExtension)
    return app


def body(response: HTTPResponse) -> Any:
    return json.loads(response.body.decode("utf-8"))


async def get_report(jp_fetch: Fetch, **params: str) -> dict[str, Any]:
    response = await jp_fetch("envdoctor", "report", params=params)
    assert response.code == 200
    report: dict[str, Any] = body(response)
    return report


def post(jp_fetch: Fetch, *parts: str, data: Any = None) -> Any:
    text = "" if data is None else json.dumps(data)
    return jp_fetch(*parts, method="POST", body=text, raise_error=False,
                    allow_nonstandard_methods=True)


def fix_of(report: dict[str, Any], code: str, action: str) -> dict[str, Any]:
    fixes: list[dict[str, Any]] = [fix for finding in report["findings"] if finding["code"] == code
             for fix in finding["fixes"] if fix["action"] == action]
    assert len(fixes) == 1, f"expected one {action} fix of {code}: {fixes}"
    return fixes[0]


def environment_named(report: dict[str, Any], name: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [e for e in report["environments"] if e["name"] == name]
    assert len(matches) == 1, f"expected one environment named {name}: {matches}"
    return matches[0]


def slow_python(machine: JupyterHome, seconds: float) -> Path:
    """Write an interpreter that takes ``seconds`` to start, then runs the test's Python."""
    path = machine.root / "slow" / "bin" / "python"
    path.parent.mkdir(parents=True)
    path.write_text(f"#!/bin/sh\nsleep {seconds}\nexec {sys.executable} \"$@\"\n")
    path.chmod(0o755)
    return path


async def wait_for_scan(app: EnvDoctorExtension, count: int) -> None:
    deadline = time.monotonic() + 10
    while app.scanner.scan_count < count:
        assert time.monotonic() < deadline, "the scan did not start"
        await asyncio.sleep(0.02)


# --- report and kernels -------------------------------------------------------------------


async def test_report_endpoint(jp_fetch: Fetch, jp_serverapp: ServerApp,
                               machine: JupyterHome, jp_root_dir: Path) -> None:
    venv = machine.venv("proj", ipykernel=True)
    machine.ipykernel_install(venv, "proj")
    machine.venv("work", location=jp_root_dir / "work" / ".venv")

    report = await get_report(jp_fetch)

    assert report["schema_version"] == 1
    assert report["tool"]["name"] == "jupyter-envdoctor"
    assert jp_serverapp.kernel_spec_manager is not None
    manager_dirs = jp_serverapp.kernel_spec_manager.kernel_dirs
    assert report["server"]["kernel_dirs"] == manager_dirs[:len(report["server"]["kernel_dirs"])]
    (kernel,) = [k for k in report["kernels"] if k["name"] == "proj"]
    assert kernel["interpreter"] == str(venv)
    assert kernel["probe"]["ok"] is True
    # Found through c.EnvDoctor.extra_env_dirs, so the server's config reached the doctor.
    assert "extra_dirs" in environment_named(report, "proj")["found_by"]
    # EnvDoctor.root_dir defaults to the server's root dir.
    assert "root_dir" in environment_named(report, "work")["found_by"]


async def test_envdoctor_config_file_read(jp_fetch: Fetch, jp_serverapp: ServerApp,
                                          machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "my kernel", [MISSING_PYTHON, *LAUNCHER])

    report = await get_report(jp_fetch)

    assert extension(jp_serverapp).doctor.ignore == ["K112"]
    codes = [f["code"] for f in report["findings"] if "my kernel" in f["kernels"]]
    assert "K101" in codes
    assert "K112" not in codes
    entry = body(await jp_fetch("envdoctor", "kernels", "my kernel"))
    assert [k["name"] for k in entry["kernels"]] == ["my kernel"]


async def test_report_cache_rule(jp_fetch: Fetch, jp_serverapp: ServerApp,
                                 machine: JupyterHome) -> None:
    scanner = extension(jp_serverapp).scanner

    first = await get_report(jp_fetch)
    again = await get_report(jp_fetch)
    assert scanner.scan_count == 1
    assert again["generated"] == first["generated"]

    machine.write_kernel(machine.user_kernels, "added", [MISSING_PYTHON, *LAUNCHER])
    changed = await get_report(jp_fetch)
    assert scanner.scan_count == 2
    assert "added" in [k["name"] for k in changed["kernels"]]

    await get_report(jp_fetch, refresh="1")
    assert scanner.scan_count == 3
    response = await jp_fetch("envdoctor", "report", params={"refresh": "maybe"},
                              raise_error=False)
    assert response.code == 400
    assert body(response)["message"] == "invalid value for refresh: 'maybe' (expected 1, true, yes, 0, false or no)"


async def test_kernel_entry(jp_fetch: Fetch, machine: JupyterHome) -> None:
    # JUPYTER_PATH comes before the user dir, so its "dup" hides the user's.
    machine.write_kernel(machine.system_dir / "kernels", "dup", [MISSING_PYTHON, *LAUNCHER])
    machine.write_kernel(machine.user_kernels, "dup", [MISSING_PYTHON, *LAUNCHER])

    response = await jp_fetch("envdoctor", "kernels", "DUP")

    data = body(response)
    assert data["name"] == "dup"
    assert [k["visible"] for k in data["kernels"]] == [True, False]
    assert data["kernels"][0]["source"] == "jupyter_path"
    assert data["kernels"][1]["source"] == "user"
    codes = sorted(f["code"] for f in data["findings"])
    assert "K101" in codes
    assert "K105" in codes
    assert all("dup" in f["kernels"] for f in data["findings"])


async def test_unknown_kernel_404(jp_fetch: Fetch, machine: JupyterHome) -> None:
    response = await jp_fetch("envdoctor", "kernels", "nope", raise_error=False)

    assert response.code == 404
    message = body(response)["message"]
    assert message == "kernel 'nope' is not in the report; GET envdoctor/report lists every kernel"
    assert str(machine.root) not in message


# --- fixes and undo --------------------------------------------------------------------------


async def test_fix_apply_then_undo(jp_fetch: Fetch, jp_serverapp: ServerApp,
                                   machine: JupyterHome) -> None:
    folder = machine.write_kernel(machine.user_kernels, "gone", [MISSING_PYTHON, *LAUNCHER])
    spec = folder / "kernel.json"
    original = spec.read_bytes()
    fix = fix_of(await get_report(jp_fetch), "K101", "remove-spec")

    preview = body(await jp_fetch("envdoctor", "fixes", fix["id"]))
    assert preview["fix"]["id"] == fix["id"]
    assert f"--- {spec}" in preview["diff"]
    assert preview["changes"] == [{"path": str(spec), "change": "removed"}]
    assert preview["reason"] is None
    assert spec.read_bytes() == original

    applied = await post(jp_fetch, "envdoctor", "fixes", fix["id"])
    assert applied.code == 200
    result = body(applied)
    assert result["changes"] == [{"path": str(spec), "change": "removed"}]
    assert not folder.exists()
    specs = body(await jp_fetch("api", "kernelspecs"))["kernelspecs"]
    assert "gone" not in specs

    undone = await post(jp_fetch, "envdoctor", "undo")
    assert undone.code == 200
    assert body(undone)["run"] == result["run"]
    assert body(undone)["files"] == [str(spec)]
    assert spec.read_bytes() == original
    assert "gone" in [k["name"] for k in (await get_report(jp_fetch))["kernels"]]

    nothing = await post(jp_fetch, "envdoctor", "undo")
    assert nothing.code == 409
    assert body(nothing)["message"].startswith("nothing to undo: no applied fix run in ")


async def test_undo_refuses_changed_files(jp_fetch: Fetch, machine: JupyterHome) -> None:
    folder = machine.write_kernel(machine.user_kernels, "gone", [MISSING_PYTHON, *LAUNCHER])
    fix = fix_of(await get_report(jp_fetch), "K101", "remove-spec")
    assert (await post(jp_fetch, "envdoctor", "fixes", fix["id"])).code == 200

    machine.write_kernel(machine.user_kernels, "gone", [MISSING_PYTHON, *LAUNCHER],
                         display_name="made again")
    response = await post(jp_fetch, "envdoctor", "undo")

    assert response.code == 409
    assert "changed since it was applied: " + str(folder / "kernel.json") in body(response)["message"]
    assert json.loads((folder / "kernel.json").read_text())["display_name"] == "made again"


async def test_command_fix_rejected(jp_fetch: Fetch, machine: JupyterHome) -> None:
    machine.venv("bare")
    fix = fix_of(await get_report(jp_fetch), "E201", "command")

    preview = body(await jp_fetch("envdoctor", "fixes", fix["id"]))
    response = await post(jp_fetch, "envdoctor", "fixes", fix["id"])

    expected = (f"fix {fix['id']} is a command for you to run in a terminal, which the server "
                f"does not run: {fix['command']}")
    assert preview["reason"] == expected
    assert preview["diff"] == ""
    assert response.code == 400
    assert body(response)["message"] == expected


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_fix_404(jp_fetch: Fetch, method: str) -> None:
    if method == "GET":
        response = await jp_fetch("envdoctor", "fixes", "remove-spec-0000000000", raise_error=False)
    else:
        response = await post(jp_fetch, "envdoctor", "fixes", "remove-spec-0000000000")

    assert response.code == 404
    assert body(response)["message"] == ("no fix with id remove-spec-0000000000 in the current "
                                         "report; GET envdoctor/report lists the fixes")


# --- register ------------------------------------------------------------------------------


async def test_register_kernel(jp_fetch: Fetch, machine: JupyterHome) -> None:
    venv = machine.venv("analysis", ipykernel=True)
    env = environment_named(await get_report(jp_fetch), "analysis")
    assert "analysis" not in body(await jp_fetch("api", "kernelspecs"))["kernelspecs"]

    response = await post(jp_fetch, "envdoctor", "kernels",
                          data={"environment": env["id"], "name": "Analysis",
                                "display_name": "Analysis (3.11)"})

    assert response.code == 201
    result = body(response)
    spec_path = machine.user_kernels / "analysis" / "kernel.json"
    assert result["name"] == "analysis"
    assert result["spec_path"] == str(spec_path)
    assert result["run"]
    assert "envdoctor/undo" in result["undo"]
    assert response.headers["Location"].endswith("/api/kernelspecs/analysis")
    assert json.loads(spec_path.read_text())["argv"][0] == str(venv)
    specs = body(await jp_fetch("api", "kernelspecs"))["kernelspecs"]
    assert specs["analysis"]["spec"]["display_name"] == "Analysis (3.11)"
    report = await get_report(jp_fetch)
    assert environment_named(report, "analysis")["kernels"] == ["analysis"]


async def test_panel_register_reaches_server(jp_fetch: Fetch, machine: JupyterHome) -> None:
    from jupyter_envdoctor.config import EnvDoctor
    from jupyter_envdoctor.widget import DoctorPanel

    machine.venv("analysis", ipykernel=True)
    report = EnvDoctor(extra_env_dirs=[str(machine.root / "venvs")], use_cache=False).report()
    (env,) = [e for e in report.snapshot.environments if e.name == "analysis"]
    panel = DoctorPanel(report)

    panel.register_rows[env.id].button.click()

    specs = body(await jp_fetch("api", "kernelspecs"))["kernelspecs"]
    assert specs["analysis"]["spec"]["display_name"] == "Python 3.11 (analysis)"


async def test_register_rejections(jp_fetch: Fetch, machine: JupyterHome) -> None:
    machine.venv("with-kernel", ipykernel=True)
    machine.venv("no-kernel")
    report = await get_report(jp_fetch)
    good = environment_named(report, "with-kernel")["id"]
    bare = environment_named(report, "no-kernel")["id"]
    cases: list[tuple[Any, int, str]] = [
        ({"environment": "0123456789ab"}, 404,
         ("no environment with id '0123456789ab' in the current report; "
          "GET envdoctor/report lists the environments")),
        ({"environment": good, "name": "../evil"}, 400,
         "invalid kernel name '../evil': use ASCII letters, digits, '-', '.' and '_'"),
        ({"environment": bare}, 400, "cannot register a kernel for "),
        ({"environment": good, "argv": ["/bin/sh"]}, 400,
         "unknown field argv: the body takes only environment, name, display_name"),
        ({"name": "x"}, 400, "missing environment: give the id of an environment"),
        (["not", "an", "object"], 400, 'expected a JSON object such as {"environment": "<id>"}'),
        ({"environment": good, "name": 3}, 400, "invalid name: expected a string"),
    ]

    for data, code, message in cases:
        response = await post(jp_fetch, "envdoctor", "kernels", data=data)
        assert (data, response.code) == (data, code)
        assert body(response)["message"].startswith(message)
    # Only pytest-jupyter's echo kernel: no rejected request wrote a kernel dir.
    assert [p.name for p in machine.user_kernels.iterdir()] == ["echo"]


# --- why -----------------------------------------------------------------------------------


async def test_why_endpoint(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "project").mkdir()
    (jp_root_dir / "project" / "helpers.py").write_text("VALUE = 1\n")

    response = await jp_fetch("envdoctor", "why",
                              params={"module": "helpers", "kernel": "echo", "path": "project"})

    data = body(response)
    assert data["kernel"] == "echo"
    assert data["resolution"] == "path"
    assert data["cwd"] == str((jp_root_dir / "project").resolve())
    assert [loc["kind"] for loc in data["locations"] if loc["wins"]] == ["cwd"]


@pytest.mark.parametrize(("params", "code", "message"), [
    ({"module": "no such"}, 400, "invalid module name: 'no such'"),
    ({"module": "json", "kernel": "nope"}, 404, "kernel not found: 'nope'"),
    ({"module": "json", "kernel": "echo", "path": "../.."}, 400, "invalid path '../..'"),
    ({"module": "json", "kernel": "echo", "path": "missing"}, 404, "folder not found: 'missing'"),
])
async def test_why_rejections(jp_fetch: Fetch, params: dict[str, str], code: int,
                              message: str) -> None:
    response = await jp_fetch("envdoctor", "why", params=params, raise_error=False)

    assert response.code == code
    assert body(response)["message"].startswith(message)


# --- auth ----------------------------------------------------------------------------------


ENDPOINTS = [
    ("GET", ("envdoctor", "report")),
    ("GET", ("envdoctor", "kernels", "python3")),
    ("GET", ("envdoctor", "fixes", "remove-spec-0000000000")),
    ("GET", ("envdoctor", "why")),
    ("POST", ("envdoctor", "kernels")),
    ("POST", ("envdoctor", "fixes", "remove-spec-0000000000")),
    ("POST", ("envdoctor", "undo")),
]


@pytest.mark.parametrize(("method", "parts"), ENDPOINTS)
async def test_request_without_token_403(jp_fetch: Fetch, method: str, parts: tuple[str, ...]) -> None:
    response = await jp_fetch(*parts, method=method, body="" if method == "POST" else None,
                              headers={"Authorization": ""}, raise_error=False,
                              params={"module": "json"} if parts[-1] == "why" else None)

    assert response.code == 403


@pytest.mark.parametrize("parts", [parts for method, parts in ENDPOINTS if method == "POST"])
async def test_cookie_post_needs_xsrf(jp_fetch: Fetch, parts: tuple[str, ...]) -> None:
    # A token request logs in: the server sets its login cookie, as for a browser.
    login = await jp_fetch("envdoctor", "kernels", "nope", raise_error=False)
    login_cookie = cookies(login)
    assert login_cookie, "the token request set no login cookie"
    # Pages set the _xsrf cookie that browser code copies into the X-XSRFToken header.
    page = await jp_fetch("login", headers={"Authorization": ""}, raise_error=False)
    xsrf = SimpleCookie(page.headers["Set-Cookie"])["_xsrf"].value
    cookie_only = {"Authorization": "", "Cookie": login_cookie}

    read = await jp_fetch("envdoctor", "kernels", "nope", headers=cookie_only, raise_error=False)
    forged = await jp_fetch(*parts, method="POST", body="", headers=cookie_only, raise_error=False)
    with_xsrf = await jp_fetch(*parts, method="POST", body="", raise_error=False,
                               headers={**cookie_only, "Cookie": f"{login_cookie}; _xsrf={xsrf}",
                                        "X-XSRFToken": xsrf})

    assert read.code == 404
    assert forged.code == 403
    assert "_xsrf" in body(forged)["message"]
    assert with_xsrf.code != 403


def cookies(response: HTTPResponse) -> str:
    """Return the cookies a response sets, as a Cookie request header."""
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)


# --- one scan at a time ------------------------------------------------------------------------


async def test_concurrent_reports_share_scan(jp_fetch: Fetch, jp_serverapp: ServerApp,
                                             machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "slow", [str(slow_python(machine, 1)), *LAUNCHER])
    app = extension(jp_serverapp)

    first = asyncio.ensure_future(jp_fetch("envdoctor", "report"))
    await wait_for_scan(app, 1)
    others = [jp_fetch("envdoctor", "report") for _ in range(4)]
    responses = await asyncio.gather(first, *others)

    assert app.scanner.scan_count == 1
    assert len({r.body for r in responses}) == 1


async def test_loop_responsive_during_scan(jp_fetch: Fetch, jp_serverapp: ServerApp,
                                           machine: JupyterHome) -> None:
    machine.write_kernel(machine.user_kernels, "slow", [str(slow_python(machine, 3)), *LAUNCHER])
    app = extension(jp_serverapp)

    pending = asyncio.ensure_future(jp_fetch("envdoctor", "report"))
    await wait_for_scan(app, 1)
    started = time.monotonic()
    status = await jp_fetch("api", "status")
    waited = time.monotonic() - started

    assert status.code == 200
    assert not pending.done()
    assert waited < 1.0
    report = body(await pending)
    (slow,) = [k for k in report["kernels"] if k["name"] == "slow"]
    assert slow["probe"]["ok"] is True


# --- packaging -------------------------------------------------------------------------------


def test_engine_imports_no_tornado() -> None:
    code = ("import sys, jupyter_envdoctor, jupyter_envdoctor.actions, jupyter_envdoctor.why; "
            "print(sorted(m for m in ('tornado', 'jupyter_server', 'IPython', 'ipywidgets') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": ""})

    assert result.stdout.strip() == "[]"


def test_extension_points_name_the_app() -> None:
    import jupyter_envdoctor

    (point,) = jupyter_envdoctor._jupyter_server_extension_points()

    assert point["app"] is EnvDoctorExtension
    assert point["module"] == "jupyter_envdoctor.serverext.app"


def test_server_config_file_enables_extension() -> None:
    path = Path(__file__).parent.parent / "jupyter-config" / "jupyter_server_config.d"
    data = json.loads((path / "jupyter_envdoctor.json").read_text())

    assert data == {"ServerApp": {"jpserver_extensions": {"jupyter_envdoctor": True}}}


def test_extension_enabled_on_install() -> None:
    # pip installs jupyter-config/ into the env's etc/jupyter, which enables the extension.
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    result = subprocess.run([jupyter, "server", "extension", "list"], capture_output=True, text=True,
                            timeout=120, check=False, env={**os.environ, "NO_COLOR": "1"})
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)

    assert "jupyter_envdoctor enabled" in output
    assert f"jupyter_envdoctor {__version__} OK" in output
