"""The `%envdoctor` panel: an ipywidgets 8 view of a report, with register, apply and undo.

Every change goes through :mod:`jupyter_envdoctor.actions`, by fix id or environment id from
the report the panel shows. Errors of an action appear in the panel's status line. The same
report renders as static HTML (:func:`render_html`) for front ends that cannot show widgets.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Protocol, Union

import ipywidgets as widgets  # type: ignore[import-untyped]  # ipywidgets 8 ships no types

from . import actions
from .fixes import FixError, Run
from .kernelself import KernelDiagnosis, evidence_text, fact_rows, render_diagnosis_text
from .model import Environment, Finding, Fix
from .report import Report, render_text

SEVERITIES = ("error", "warning", "info")
SEVERITY_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Information"}
# Colours of the severities in the HTML report.
SEVERITY_COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0"}
# Errors an action reports as a message: a fix that cannot be planned or applied, an id the
# report no longer has, and file system errors while writing or undoing.
ACTION_ERRORS = (FixError, actions.UnknownIdError, OSError)

Rescan = Callable[[], Union[Report, KernelDiagnosis]]
_HIDDEN = "none"


# --- the panel -----------------------------------------------------------------------------------


class DoctorPanel:
    """A report as widgets: this kernel, kernels, environments and findings, with actions."""

    def __init__(self, report: Report, diagnosis: KernelDiagnosis | None = None,
                 rescan: Rescan | None = None) -> None:
        self.report = report
        self.diagnosis = diagnosis
        self._rescan = rescan
        self.status = widgets.HTML()
        self.undo_button = widgets.Button(
            description="Undo", icon="undo", tooltip="Revert the newest applied fix run",
            layout=widgets.Layout(display=_HIDDEN))
        self.rescan_button = widgets.Button(
            description="Rescan", icon="refresh", tooltip="Scan the machine again",
            layout=widgets.Layout(display=None if rescan else _HIDDEN))
        self.undo_button.on_click(lambda _: self._guard(self.undo))
        self.rescan_button.on_click(lambda _: self._guard(self.rescan))
        self.body = widgets.VBox()
        self.widget = widgets.VBox([widgets.HBox([self.rescan_button, self.undo_button]),
                                    self.status, self.body])
        self.register_rows: dict[str, RegisterRow] = {}
        self.fix_rows: dict[str, FixRow] = {}
        # Runs applied from this panel, newest last, with the row to re-enable on undo.
        self.runs: list[tuple[Run, Resettable]] = []
        self._build()

    def mimebundle(self, verbose: bool = False) -> dict[str, Any]:
        """Return the display data: the widget, with the report as HTML and text for front ends
        that have no widget manager."""
        bundle: dict[str, Any] = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = render_html(self.report, self.diagnosis, verbose)
        bundle["text/plain"] = (render_diagnosis_text(self.diagnosis, verbose) if self.diagnosis
                                else render_text(self.report, verbose))
        return bundle

    # --- sections

    def _build(self) -> None:
        self.register_rows = {}
        self.fix_rows = {}
        sections: list[Any] = []
        if self.diagnosis is not None:
            sections += self._kernel_section(self.diagnosis)
        sections += [_heading("Kernels"), widgets.HTML(kernels_html(self.report))]
        sections += [_heading("Environments"), widgets.HTML(environments_html(self.report))]
        sections += self._register_section()
        sections += self._findings_section(self.report.findings)
        sections += [widgets.HTML(_problems_html(self.report))]
        self.body.children = tuple(sections)

    def _kernel_section(self, diagnosis: KernelDiagnosis) -> list[Any]:
        parts: list[Any] = [_heading("This kernel"), widgets.HTML(kernel_facts_html(diagnosis))]
        if diagnosis.findings:
            parts.append(self._finding_list(diagnosis.findings))
        else:
            parts.append(widgets.HTML("<p>No problems found with this kernel.</p>"))
        return parts

    def _register_section(self) -> list[Any]:
        for env in unregistered_environments(self.report):
            try:
                fix = actions.registration(self.report, env.id)
            except (FixError, actions.UnknownIdError):
                continue
            self.register_rows[env.id] = RegisterRow(self, env, fix.params["display_name"])
        if not self.register_rows:
            return []
        intro = widgets.HTML("<p>These environments have ipykernel but no kernel:</p>")
        return [intro, *(row.widget for row in self.register_rows.values())]

    def _findings_section(self, findings: Sequence[Finding]) -> list[Any]:
        if not findings:
            return [_heading("Findings"), widgets.HTML("<p>No problems found.</p>")]
        parts: list[Any] = [_heading("Findings")]
        for severity in SEVERITIES:
            group = [f for f in findings if f.severity == severity]
            if group:
                parts.append(widgets.HTML(f"<b>{SEVERITY_HEADINGS[severity]} ({len(group)})</b>"))
                parts.append(self._finding_list(group))
        return parts

    def _finding_list(self, findings: Sequence[Finding]) -> Any:
        """Return an accordion with one collapsed page per finding: evidence, then fixes."""
        pages = [widgets.VBox([widgets.HTML(evidence_html(f)), *self._fix_widgets(f)])
                 for f in findings]
        accordion = widgets.Accordion(children=pages, selected_index=None)
        accordion.titles = tuple(f"{f.severity.upper()} {f.code} {f.title}" for f in findings)
        return accordion

    def _fix_widgets(self, finding: Finding) -> list[Any]:
        rows: list[Any] = []
        for fix in finding.fixes:
            if fix.action == "register-kernel":
                rows.append(widgets.HTML(f"<p>{_e(fix.title)}: use <i>Register kernel</i> "
                                         "under Environments.</p>"))
            elif fix.applicable:
                row = self.fix_rows.get(fix.id) or FixRow(self, fix)
                self.fix_rows[fix.id] = row
                rows.append(row.widget)
            else:
                rows.append(widgets.HTML(fix_command_html(fix)))
        return rows

    # --- actions

    def _guard(self, action: Callable[[], None]) -> None:
        """Run a button's action; show its error in the status line instead of a traceback."""
        try:
            action()
        except ACTION_ERRORS as e:
            self.show_error(str(e))

    def show_message(self, text: str) -> None:
        self.status.value = f"<p>{_e(text)}</p>"

    def show_error(self, text: str) -> None:
        self.status.value = f"<p style='color:{SEVERITY_COLOURS['error']}'>{_e(text)}</p>"

    def applied(self, run: Run, row: Resettable, message: str) -> None:
        """Record a run applied from this panel and offer to undo it."""
        self.runs.append((run, row))
        self.undo_button.layout.display = None
        self.show_message(f"{message} (run {run.id}). Rescan to see the new state.")

    def undo(self) -> None:
        """Revert the newest applied run, as `jupyter envdoctor undo` does."""
        run = actions.undo()
        for index, (own_run, row) in enumerate(self.runs):
            if own_run.id == run.id:
                del self.runs[index]
                row.reset()
                break
        if not self.runs:
            self.undo_button.layout.display = _HIDDEN
        self.show_message(f"Undid run {run.id}: every file it changed is restored.")

    def rescan(self) -> None:
        if self._rescan is None:
            return
        result = self._rescan()
        if isinstance(result, KernelDiagnosis):
            self.diagnosis, self.report = result, result.report
        else:
            self.report = result
        self._build()
        self.show_message("Scanned again.")


class Resettable(Protocol):
    """A row whose action can be undone, which makes it usable again."""

    def reset(self) -> None: ...


class RegisterRow:
    """A display name and a button that registers a kernel for one environment."""

    def __init__(self, panel: DoctorPanel, env: Environment, display_name: str) -> None:
        self.panel = panel
        self.environment = env
        self.display_name = widgets.Text(value=display_name, description="Display name",
                                         layout=widgets.Layout(width="24em"))
        self.button = widgets.Button(description="Register kernel", icon="plus",
                                     tooltip=f"Write a kernel spec that runs {env.python}")
        self.button.on_click(lambda _: panel._guard(self.register))
        label = widgets.HTML(f"<code>{_e(env.prefix)}</code> ({_e(env.kind)}, "
                             f"Python {_e(env.python_version or '?')})")
        self.widget = widgets.HBox([label, self.display_name, self.button])

    def register(self) -> None:
        display_name = self.display_name.value.strip() or None
        fix = actions.registration(self.panel.report, self.environment.id, display_name=display_name)
        outcome = actions.apply([fix])
        if outcome.run is None:
            raise FixError(_skipped_text(outcome.skipped))
        self._set_enabled(False)
        name, label = fix.params["name"], fix.params["display_name"]
        self.panel.applied(outcome.run, self,
                           f"Registered kernel {name!r} ({label}) for {self.environment.prefix}")

    def reset(self) -> None:
        self._set_enabled(True)

    def _set_enabled(self, enabled: bool) -> None:
        self.button.disabled = not enabled
        self.display_name.disabled = not enabled


class FixRow:
    """A kernel spec fix: Apply shows its diff, Confirm applies it."""

    def __init__(self, panel: DoctorPanel, fix: Fix) -> None:
        self.panel = panel
        self.fix = fix
        self.apply_button = widgets.Button(description="Apply…", icon="wrench",
                                           tooltip="Show the change before applying it")
        self.confirm_button = widgets.Button(description="Confirm", button_style="warning",
                                             layout=widgets.Layout(display=_HIDDEN))
        self.cancel_button = widgets.Button(description="Cancel",
                                            layout=widgets.Layout(display=_HIDDEN))
        self.diff = widgets.HTML()
        self.apply_button.on_click(lambda _: panel._guard(self.preview))
        self.confirm_button.on_click(lambda _: panel._guard(self.confirm))
        self.cancel_button.on_click(lambda _: self.reset())
        title = widgets.HTML(f"{_e(fix.title)}")
        buttons = widgets.HBox([title, self.apply_button, self.confirm_button, self.cancel_button])
        self.widget = widgets.VBox([buttons, self.diff])

    def preview(self) -> None:
        """Show the change the fix would make, read from the disk as it is now."""
        planned, skipped = actions.preview([self.fix])
        if not planned:
            raise FixError(_skipped_text(skipped))
        diff = "".join(plan.diff() for plan in planned)
        self.diff.value = f"<pre>{_e(diff)}</pre>"
        self._show_confirmation(True)

    def confirm(self) -> None:
        outcome = actions.apply([self.fix])
        if outcome.run is None:
            raise FixError(_skipped_text(outcome.skipped))
        self._show_confirmation(False)
        self.apply_button.disabled = True
        self.diff.value = ""
        self.panel.applied(outcome.run, self, f"Applied: {self.fix.title}")

    def reset(self) -> None:
        self._show_confirmation(False)
        self.apply_button.disabled = False
        self.diff.value = ""

    def _show_confirmation(self, visible: bool) -> None:
        self.apply_button.layout.display = _HIDDEN if visible else None
        self.confirm_button.layout.display = None if visible else _HIDDEN
        self.cancel_button.layout.display = None if visible else _HIDDEN


def unregistered_environments(report: Report) -> list[Environment]:
    """Return the environments that have ipykernel and an interpreter but no visible kernel.

    The server's own environment is left out: its built-in python3 kernel runs it.
    """
    return [e for e in report.snapshot.environments
            if e.has_ipykernel and e.python and not e.kernels and not e.is_server and not e.error]


def _skipped_text(skipped: Iterable[tuple[Fix, str]]) -> str:
    reasons = [f"{fix.title}: {reason}" for fix, reason in skipped]
    return "; ".join(reasons) or "nothing to apply"


# --- HTML ------------------------------------------------------------------------------------------


def render_html(report: Report, diagnosis: KernelDiagnosis | None = None,
                verbose: bool = False) -> str:
    """Return the report as static HTML, with each finding's evidence in a <details> element."""
    parts = ["<div class='jupyter-envdoctor'>"]
    if diagnosis is not None:
        parts += ["<h3>This kernel</h3>", kernel_facts_html(diagnosis)]
        parts += [finding_html(f, verbose) for f in diagnosis.findings]
    parts += ["<h3>Kernels</h3>", kernels_html(report)]
    parts += ["<h3>Environments</h3>", environments_html(report)]
    parts.append("<h3>Findings</h3>")
    parts += [finding_html(f, verbose) for f in report.findings] or ["<p>No problems found.</p>"]
    parts += [_problems_html(report), "</div>"]
    return "\n".join(parts)


def kernel_facts_html(diagnosis: KernelDiagnosis) -> str:
    rows = _table(("", ""), fact_rows(diagnosis), header=False)
    path_rows = [(str(i), e.kind, e.path or "''", e.note or "")
                 for i, e in enumerate(diagnosis.kernel.import_path, start=1)]
    sys_path = _table(("#", "kind", "entry", "note"), path_rows)
    notes = "".join(f"<p><b>Note:</b> {_e(note)}</p>" for note in diagnosis.notes)
    return f"{rows}<details><summary>sys.path</summary>{sys_path}</details>{notes}"


def kernels_html(report: Report) -> str:
    snapshot = report.snapshot
    rows = []
    for kernel in snapshot.kernels:
        env = snapshot.environment(kernel.environment_id)
        runs = env.prefix if env else (kernel.interpreter or "?")
        version = kernel.probe.version if kernel.probe and kernel.probe.version else (
            env.python_version if env else None)
        name = kernel.name if kernel.visible else f"{kernel.name} (hidden)"
        status = _status(f for f in report.findings if kernel.name in f.kernels)
        rows.append((name, kernel.display_name, runs, version or "-", status))
    if not rows:
        return "<p>No kernels found.</p>"
    return _table(("kernel", "display name", "runs", "Python", "status"), rows)


def environments_html(report: Report) -> str:
    rows = []
    for env in report.snapshot.environments:
        if env.kind == "system" and not env.kernels and not env.is_server:
            continue
        label = env.prefix + (" (server)" if env.is_server else "")
        status = _status(f for f in report.findings if env.prefix in f.environments)
        rows.append((label, env.kind, env.python_version or "-", ", ".join(env.kernels) or "-",
                     status))
    if not rows:
        return "<p>No environments found.</p>"
    return _table(("environment", "kind", "Python", "kernels", "status"), rows)


def finding_html(finding: Finding, verbose: bool = False) -> str:
    """Return one finding as a collapsed <details>: title, evidence, fixes."""
    colour = SEVERITY_COLOURS[finding.severity]
    summary = (f"<summary><b style='color:{colour}'>{finding.severity.upper()}</b> "
               f"{_e(finding.code)} {_e(finding.title)}</summary>")
    fixes = "".join(fix_command_html(fix) for fix in finding.fixes)
    return f"<details>{summary}{evidence_html(finding, verbose)}{fixes}</details>"


def evidence_html(finding: Finding, verbose: bool = False) -> str:
    rows = [(key, evidence_text(value)) for key, value in finding.evidence.items()
            if verbose or value not in (None, [], {}, "")]
    return _table(("evidence", ""), rows, header=False) if rows else ""


def fix_command_html(fix: Fix) -> str:
    """Return a fix as the command that applies it: `jupyter envdoctor fix`, or its own."""
    how = f"jupyter envdoctor fix --fix {fix.id}" if fix.applicable else (fix.command or "")
    return f"<p>Fix: {_e(fix.title)}<br><code>{_e(how)}</code></p>"


def _problems_html(report: Report) -> str:
    return "".join(f"<p>Note: {_e(problem)}</p>" for problem in report.snapshot.problems)


def _status(findings: Iterable[Finding]) -> str:
    """Return the codes of ``findings`` by severity, or "ok" when there are none."""
    concerned = list(findings)
    codes = {s: sorted({f.code for f in concerned if f.severity == s}) for s in SEVERITIES}
    parts = [f"{s}: {', '.join(c)}" for s, c in codes.items() if c]
    return "; ".join(parts) or "ok"


def _table(columns: Sequence[str], rows: Iterable[Sequence[str]], header: bool = True) -> str:
    head = "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in columns) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{_e(str(cell))}</td>"
                                    for cell in row) + "</tr>" for row in rows)
    return f"<table>{head}{body}</table>"


def _heading(text: str) -> Any:
    return widgets.HTML(f"<h3>{_e(text)}</h3>")


def _e(text: str) -> str:
    return html.escape(text, quote=True)
