"""The `%envdoctor` panel driven from Python: register, apply with a diff first, undo."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

from jupyter_setup import JupyterHome, doctor, only

from jupyter_envdoctor.report import Report
from jupyter_envdoctor.widget import DoctorPanel

HIDDEN = "none"


def make_report(machine: JupyterHome, **options: object) -> Report:
    snapshot, findings = doctor(machine, probe=False, **options)  # type: ignore[arg-type]
    return Report(snapshot, findings)


def missing_interpreter_spec(machine: JupyterHome) -> Path:
    argv = ["/nonexistent/envs/old/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    folder = machine.write_kernel(machine.user_kernels, "old", argv, display_name="Python (old)")
    return folder / "kernel.json"


def test_register_button_writes_spec(machine: JupyterHome) -> None:
    venv = machine.venv("analysis", ipykernel=True)
    report = make_report(machine, extra_env_dirs=[str(venv.parent.parent.parent)])
    (env,) = [e for e in report.snapshot.environments if e.name == "analysis"]
    panel = DoctorPanel(report)
    row = panel.register_rows[env.id]
    assert row.display_name.value == "Python 3.11 (analysis)"

    row.display_name.value = "Analysis (widget)"
    row.button.click()

    spec_file = machine.user_kernels / "analysis" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    assert spec["argv"][0] == str(venv)
    assert spec["display_name"] == "Analysis (widget)"
    assert row.button.disabled
    assert panel.undo_button.layout.display != HIDDEN
    assert "Registered kernel 'analysis' (Analysis (widget))" in html.unescape(panel.status.value)

    panel.undo_button.click()

    assert not spec_file.parent.exists()
    assert not row.button.disabled
    assert panel.undo_button.layout.display == HIDDEN


def test_apply_shows_diff_first(machine: JupyterHome) -> None:
    spec_file = missing_interpreter_spec(machine)
    original = spec_file.read_bytes()
    report = make_report(machine)
    (fix,) = only(report.findings, "K101", "old").fixes
    panel = DoctorPanel(report)
    row = panel.fix_rows[fix.id]

    row.apply_button.click()

    assert f"--- {spec_file}" in row.diff.value
    assert "+++ /dev/null" in row.diff.value
    assert row.confirm_button.layout.display != HIDDEN
    assert spec_file.read_bytes() == original

    row.confirm_button.click()

    assert not spec_file.exists()
    assert row.apply_button.disabled

    panel.undo_button.click()

    assert spec_file.read_bytes() == original
    assert "Undid run" in panel.status.value


def test_cancel_leaves_spec_alone(machine: JupyterHome) -> None:
    spec_file = missing_interpreter_spec(machine)
    report = make_report(machine)
    (fix,) = only(report.findings, "K101", "old").fixes
    row = DoctorPanel(report).fix_rows[fix.id]

    row.apply_button.click()
    row.cancel_button.click()

    assert spec_file.exists()
    assert row.diff.value == ""
    assert row.confirm_button.layout.display == HIDDEN


def test_action_error_shows_in_panel(machine: JupyterHome) -> None:
    spec_file = missing_interpreter_spec(machine)
    report = make_report(machine)
    (fix,) = only(report.findings, "K101", "old").fixes
    panel = DoctorPanel(report)
    shutil.rmtree(spec_file.parent)

    panel.fix_rows[fix.id].apply_button.click()

    assert f"kernel spec {spec_file.parent} no longer exists" in panel.status.value
    assert panel.fix_rows[fix.id].confirm_button.layout.display == HIDDEN

    panel.undo_button.click()

    assert "nothing to undo" in panel.status.value


def test_mimebundle_has_text_and_html(machine: JupyterHome) -> None:
    missing_interpreter_spec(machine)
    panel = DoctorPanel(make_report(machine))

    bundle = panel.mimebundle()

    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert "K101 Kernel &#x27;old&#x27;" in bundle["text/html"]
    assert "<details>" in bundle["text/html"]
    assert "ERROR   K101 Kernel 'old'" in bundle["text/plain"]
