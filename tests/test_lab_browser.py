"""The Environment Doctor panel in a real JupyterLab, driven in Chromium by Playwright.

Run these apart from the other tests (`python -m pytest -m browser`): Playwright's sync API
runs its own event loop, which clashes with pytest-jupyter's loop fixtures in one process.
Screenshots of each state go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from jupyter_setup import JupyterHome, install_fake_home
from lab_server import CHROMIUM, CHROMIUM_ARGS, LabServer, running_lab
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
PANEL_TAB = '.lm-TabBar-tab[data-id="jupyter-envdoctor-panel"]'
# A scan starts every kernel's interpreter once, with a 10 s timeout each.
SCAN_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def machine_environ(machine: JupyterHome, extension_enabled: bool = True) -> dict[str, str]:
    """Return the server's environment: the fake HOME, and a config dir with the doctor's settings."""
    config_dir = machine.root / "config"
    config_dir.mkdir(exist_ok=True)
    doctor_config = {"EnvDoctor": {"extra_env_dirs": [str(machine.root / "venvs")],
                                   "use_cache": False}}
    (config_dir / "jupyter_envdoctor_config.json").write_text(json.dumps(doctor_config))
    if not extension_enabled:
        # What `jupyter server extension disable --user jupyter_envdoctor` writes.
        server_config = {"ServerApp": {"jpserver_extensions": {"jupyter_envdoctor": False}}}
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(server_config))
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_RUNTIME_DIR": str(machine.root / "runtime")}


def build_broken_machine(machine: JupyterHome) -> None:
    """Lay out the faults the panel should find: the ones the Binder demo has too."""
    deleted_python = machine.venv("oldenv")
    machine.write_kernel(machine.user_kernels, "oldenv", [str(deleted_python), *LAUNCHER],
                         display_name="Python (oldenv)")
    shutil.rmtree(deleted_python.parent.parent)

    machine.write_kernel(machine.user_kernels, "broken-json",
                         text='{"argv": ["python", "-m", "ipykernel_launcher",\n')
    machine.write_kernel(machine.user_kernels, "bare-python", ["python", *LAUNCHER],
                         display_name="Bare python")
    machine.venv("analysis", ipykernel=True)

    # A local folder named like an installed package (requests, which JupyterLab needs) next to
    # a notebook in the server's root dir: an import-path conflict (I406).
    shadow = machine.root / "notebooks" / "requests"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("")
    (shadow.parent / "analysis.ipynb").write_text("{}")


@pytest.fixture(scope="module")
def broken_lab(tmp_path_factory: pytest.TempPathFactory,
               uv_cache: Path) -> Iterator[tuple[JupyterHome, LabServer]]:
    """Return one JupyterLab on a broken machine, shared by the tests that change it in turn."""
    root = tmp_path_factory.mktemp("broken-lab")
    with pytest.MonkeyPatch.context() as monkeypatch:
        machine = install_fake_home(monkeypatch, root, uv_cache)
        monkeypatch.delenv("PYTHONPATH", raising=False)
        build_broken_machine(machine)
        environ = machine_environ(machine)
    with running_lab(root, environ) as server:
        yield machine, server


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_panel(page: Page, server: LabServer) -> None:
    """Open JupyterLab, wait until it restored its layout, and show the panel."""
    page.goto(server.lab_url)
    # The server exposes the app (expose_app_in_browser). Its `restored` promise resolves once
    # the workspace's layout is back, so the restore cannot undo a later click on the tab.
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=SCAN_TIMEOUT_MS)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    tab = page.locator(PANEL_TAB)
    # The workspace of an earlier test may have the panel open already; a click would close it.
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    expect(page.locator(".jp-EnvDoctor")).to_be_visible()


def set_theme(page: Page, theme: str) -> None:
    page.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
                  theme)
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    # A splash screen covers the page while the theme's CSS loads.
    expect(page.locator("#jupyterlab-splash")).to_have_count(0, timeout=30_000)


def kernel_row(page: Page, name: str) -> Any:
    return page.locator(f'.jp-EnvDoctor-kernel[data-kernel="{name}"]')


def wait_for(condition: Callable[[], bool], description: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {description}")
        time.sleep(0.2)


def spec_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_panel_lists_kernels_and_findings(page: Page,
                                          broken_lab: tuple[JupyterHome, LabServer]) -> None:
    _, server = broken_lab
    open_panel(page, server)

    oldenv = kernel_row(page, "oldenv")
    expect(oldenv).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    expect(oldenv).to_have_attribute("data-status", "error")
    expect(oldenv.locator('.jp-EnvDoctor-finding[data-code="K101"]')).to_be_visible()
    expect(kernel_row(page, "broken-json")).to_have_attribute("data-status", "error")
    expect(kernel_row(page, "broken-json").locator('[data-code="K100"]')).to_be_visible()
    # Here PATH finds the server's python first, so the bare `python` is only an info finding.
    expect(kernel_row(page, "bare-python").locator('[data-code="K102"]')).to_be_visible()
    expect(kernel_row(page, "python3")).to_be_visible()

    analysis = page.locator('.jp-EnvDoctor-environment[data-prefix$="/venvs/analysis"]')
    expect(analysis).to_contain_text("venv")
    expect(analysis).to_contain_text("No kernel uses it.")
    expect(analysis.locator(".jp-EnvDoctor-registerButton")).to_be_enabled()
    # The refresh button rescans, which starts every kernel's interpreter again.
    page.locator('.jp-EnvDoctor .jp-Toolbar-item[data-jp-item-name="refresh"] button').click()
    loading = page.locator(".jp-EnvDoctor-loading")
    expect(loading).to_be_visible()
    screenshot(page, "panel-loading")
    expect(loading).to_have_count(0, timeout=SCAN_TIMEOUT_MS)
    expect(oldenv).to_have_attribute("data-status", "error")

    conflicts = page.locator(".jp-EnvDoctor-conflicts")
    expect(conflicts.locator('.jp-EnvDoctor-finding[data-code="I406"]')).to_have_count(2)
    conflicts.locator(".jp-EnvDoctor-kernelFilter select").select_option("python3")
    expect(conflicts.locator('.jp-EnvDoctor-finding[data-code="I406"]')).to_have_count(1)
    expect(conflicts.locator(".jp-EnvDoctor-finding")).to_contain_text("kernel 'python3'")
    conflicts.locator(".jp-EnvDoctor-severityFilter select").select_option("error")
    expect(conflicts.locator(".jp-EnvDoctor-finding")).to_have_count(0)
    expect(conflicts).to_contain_text("No package-source or import-path conflicts.")
    conflicts.locator(".jp-EnvDoctor-severityFilter select").select_option("")
    conflicts.locator(".jp-EnvDoctor-kernelFilter select").select_option("")

    page.keyboard.press("Control+Shift+L")  # File > New Launcher, beside the panel
    expect(page.locator(".jp-Launcher").last).to_be_visible()
    screenshot(page, "panel-kernels")

    oldenv.locator(".jp-EnvDoctor-details summary").first.click()
    expect(oldenv.locator(".jp-EnvDoctor-evidence")).to_contain_text("spec_path")
    screenshot(page, "panel-evidence")

    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Environment Doctor")
    items = page.locator(".lm-CommandPalette-item")
    expect(items.filter(has_text="Open Environment Doctor Panel")).to_have_count(1)
    expect(items.filter(has_text="Refresh Environment Doctor")).to_have_count(1)
    expect(items.filter(has_text="Fix All Safe Kernel Spec Problems")).to_have_count(1)
    screenshot(page, "command-palette")
    page.keyboard.press("Escape")

    set_theme(page, "JupyterLab Dark")
    screenshot(page, "panel-dark-theme")
    set_theme(page, "JupyterLab Light")


def test_register_kernel_shows_in_launcher(page: Page,
                                           broken_lab: tuple[JupyterHome, LabServer]) -> None:
    machine, server = broken_lab
    open_panel(page, server)
    page.keyboard.press("Control+Shift+L")  # File > New Launcher
    launcher = page.locator(".jp-Launcher").last
    expect(launcher).to_be_visible()
    expect(launcher).not_to_contain_text("Analysis Env")

    analysis = page.locator('.jp-EnvDoctor-environment[data-prefix$="/venvs/analysis"]')
    analysis.locator(".jp-EnvDoctor-registerButton").click(timeout=SCAN_TIMEOUT_MS)
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator('input[name="name"]')).to_have_value("analysis")
    dialog.locator('input[name="display_name"]').fill("Analysis Env")
    screenshot(page, "register-dialog")
    dialog.locator("button.jp-mod-accept").click()

    toast = page.locator(".jp-Notification-Toast-success",
                         has_text='Registered kernel "Analysis Env" (analysis)')
    expect(toast).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    # The launcher that was already open lists the new kernel, with no page reload.
    expect(launcher.locator('.jp-LauncherCard[title="Analysis Env"]').first).to_be_visible(
        timeout=30_000)
    screenshot(page, "register-launcher")

    toast.get_by_role("button", name="Details").click()
    details = page.locator(".jp-Dialog")
    expect(details).to_contain_text(str(machine.user_kernels / "analysis" / "kernel.json"))
    expect(details).to_contain_text("jupyter envdoctor undo")
    screenshot(page, "register-details")
    details.locator("button.jp-mod-accept").click()

    spec = json.loads((machine.user_kernels / "analysis" / "kernel.json").read_text())
    assert spec["display_name"] == "Analysis Env"
    assert spec["argv"][0] == str(machine.root / "venvs" / "analysis" / "bin" / "python")
    expect(kernel_row(page, "analysis")).to_be_visible(timeout=SCAN_TIMEOUT_MS)


def test_apply_then_undo_restores_spec(page: Page,
                                       broken_lab: tuple[JupyterHome, LabServer]) -> None:
    machine, server = broken_lab
    folder = machine.user_kernels / "oldenv"
    before = spec_files(folder)
    open_panel(page, server)

    oldenv = kernel_row(page, "oldenv")
    oldenv.locator(".jp-EnvDoctor-applyButton").first.click(timeout=SCAN_TIMEOUT_MS)
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-EnvDoctor-diff")).to_contain_text(str(folder / "kernel.json"),
                                                                 timeout=SCAN_TIMEOUT_MS)
    screenshot(page, "apply-diff")
    assert spec_files(folder) == before, "the preview changed the spec"
    dialog.locator("button.jp-mod-accept").click()

    expect(page.locator(".jp-Notification-Toast-success", has_text="Applied")).to_be_visible(
        timeout=SCAN_TIMEOUT_MS)
    wait_for(lambda: spec_files(folder) != before if folder.exists() else True, "the fix")
    screenshot(page, "applied")

    page.locator('.jp-EnvDoctor .jp-Toolbar-item[data-jp-item-name="undo"] button').click()
    expect(page.locator(".jp-Notification-Toast-success", has_text="Undid run")).to_be_visible(
        timeout=SCAN_TIMEOUT_MS)
    wait_for(lambda: folder.exists() and spec_files(folder) == before, "the undo")
    expect(kernel_row(page, "oldenv")).to_have_attribute("data-status", "error",
                                                         timeout=SCAN_TIMEOUT_MS)
    screenshot(page, "undone")


def test_fix_all_safe_then_undo_each(page: Page,
                                     broken_lab: tuple[JupyterHome, LabServer]) -> None:
    machine, server = broken_lab
    before = spec_files(machine.user_kernels)
    open_panel(page, server)
    expect(kernel_row(page, "oldenv")).to_be_visible(timeout=SCAN_TIMEOUT_MS)

    page.locator('.jp-EnvDoctor .jp-Toolbar-item[data-jp-item-name="fix-all"] button').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-EnvDoctor-diff").first).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    expect(dialog).to_contain_text("Remove kernel spec 'oldenv'")
    expect(dialog).to_contain_text("Remove kernel spec 'broken-json'")
    screenshot(page, "fix-all-diffs")
    dialog.locator("button.jp-mod-accept").click()

    toast = page.locator(".jp-Notification-Toast-success", has_text="each as its own fix run")
    expect(toast).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    applied = int(re.search(r"Applied (\d+) fixes", toast.inner_text()).group(1))
    assert applied >= 2
    wait_for(lambda: not (machine.user_kernels / "oldenv").exists(), "oldenv removed")
    assert not (machine.user_kernels / "broken-json").exists()
    screenshot(page, "fix-all-applied")

    undo = page.locator('.jp-EnvDoctor .jp-Toolbar-item[data-jp-item-name="undo"] button')
    for count in range(1, applied + 1):
        undo.click()
        expect(page.locator(".jp-Notification-Toast-success", has_text="Undid run")).to_have_count(
            count, timeout=SCAN_TIMEOUT_MS)
    wait_for(lambda: spec_files(machine.user_kernels) == before, "every fix run undone")
    expect(kernel_row(page, "broken-json")).to_be_visible(timeout=SCAN_TIMEOUT_MS)


def test_error_state_without_server_extension(page: Page, tmp_path: Path,
                                              uv_cache: Path) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        machine = install_fake_home(monkeypatch, tmp_path, uv_cache)
        environ = machine_environ(machine, extension_enabled=False)
    with running_lab(tmp_path, environ) as server:
        open_panel(page, server)

        error = page.locator(".jp-EnvDoctor-error")
        expect(error).to_contain_text("Server extension not enabled", timeout=SCAN_TIMEOUT_MS)
        expect(error).to_contain_text("jupyter server extension list")
        screenshot(page, "error-no-server-extension")
