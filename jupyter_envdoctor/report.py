"""The report: a versioned JSON document (`jupyter envdoctor --json`) and its text form."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

from ._version import __version__
from .checks import exit_code
from .model import Environment, Finding, Fix, Kernel, Snapshot

# Bumped when a field changes meaning or goes away; new fields do not bump it.
SCHEMA_VERSION = 1


@dataclasses.dataclass
class Report:
    snapshot: Snapshot
    findings: list[Finding]

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def to_json(self) -> dict[str, Any]:
        return report_json(self.snapshot, self.findings)


def report_json(snapshot: Snapshot, findings: list[Finding]) -> dict[str, Any]:
    """Return the report as JSON-ready data (schema documented in docs/report-schema.md)."""
    server = snapshot.server
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "jupyter-envdoctor", "version": __version__},
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "server": {
            "executable": server.executable,
            "prefix": server.prefix,
            "python_version": server.version,
            "kernel_dirs": server.kernel_dirs,
            "config_dirs": server.config_dirs,
            "kernel_spec_manager": server.kernel_spec_manager,
            "nb_conda_kernels": server.nb_conda_kernels,
        },
        "kernels": [kernel_json(k, snapshot) for k in snapshot.kernels],
        "environments": [environment_json(e) for e in snapshot.environments],
        "findings": [finding_json(f) for f in findings],
        "registry": [dataclasses.asdict(r) for r in snapshot.registry],
        "problems": list(snapshot.problems),
        "summary": {"errors": counts["error"], "warnings": counts["warning"], "info": counts["info"],
                    "exit_code": exit_code(findings)},
    }


def kernel_json(kernel: Kernel, snapshot: Snapshot) -> dict[str, Any]:
    env = snapshot.environment(kernel.environment_id)
    data = {
        "name": kernel.name,
        "display_name": kernel.display_name,
        "language": kernel.language,
        "resource_dir": kernel.resource_dir,
        "spec_path": kernel.spec_path,
        "source": kernel.source,
        "search_rank": kernel.search_rank,
        "visible": kernel.visible,
        "hidden_by": kernel.hidden_by,
        "error": kernel.error,
        "argv": kernel.argv,
        "env": kernel.env,
        "metadata": kernel.metadata,
        "launch": dataclasses.asdict(kernel.launch) if kernel.launch else None,
        "interpreter": kernel.interpreter,
        "environment_id": kernel.environment_id,
        "environment_prefix": env.prefix if env else None,
        "python_version": kernel.probe.version if kernel.probe and kernel.probe.version else
        (env.python_version if env else None),
        "probe": dataclasses.asdict(kernel.probe) if kernel.probe else None,
    }
    return data


def environment_json(env: Environment) -> dict[str, Any]:
    return dataclasses.asdict(env)


def finding_json(finding: Finding) -> dict[str, Any]:
    data = dataclasses.asdict(finding)
    data["fixes"] = [fix_json(f) for f in finding.fixes]
    return data


def fix_json(fix: Fix) -> dict[str, Any]:
    data = dataclasses.asdict(fix)
    data["applicable"] = fix.applicable
    return data


def render_text(report: Report, verbose: bool = False) -> str:
    """Return the human-readable report: server, kernels, environments, findings with fixes."""
    snapshot, findings = report.snapshot, report.findings
    lines: list[str] = []
    server = snapshot.server
    lines.append(f"Jupyter server: {server.executable} (Python {server.version or '?'})")
    if server.nb_conda_kernels:
        lines.append("Kernel spec manager: nb_conda_kernels (conda envs appear as conda-* kernels)")
    lines.append("")
    lines.extend(_kernel_table(snapshot) if snapshot.kernels else ["No kernels found."])
    lines.append("")
    lines.extend(_environment_table(snapshot, verbose))
    lines.append("")
    lines.extend(findings_text(findings, verbose))
    for problem in snapshot.problems:
        lines.append(f"note: {problem}")
    return "\n".join(lines).rstrip() + "\n"


def _kernel_table(snapshot: Snapshot) -> list[str]:
    rows = [("KERNEL", "RUNS", "PYTHON", "SPEC")]
    for kernel in snapshot.kernels:
        env = snapshot.environment(kernel.environment_id)
        if kernel.error:
            runs = "(invalid spec)"
        elif not kernel.is_python:
            runs = f"({kernel.language or 'non-Python'} kernel: {kernel.argv[0] if kernel.argv else '?'})"
        else:
            runs = env.prefix if env else (kernel.interpreter or "?")
        version = (kernel.probe.version if kernel.probe and kernel.probe.version
                   else env.python_version if env else None) or "-"
        name = kernel.name if kernel.visible else f"{kernel.name} (hidden)"
        rows.append((name, runs, version, kernel.spec_path or f"built-in ({kernel.resource_dir})"))
    return ["Kernels"] + _table(rows)


def _environment_table(snapshot: Snapshot, verbose: bool) -> list[str]:
    rows = [("ENVIRONMENT", "KIND", "PYTHON", "KERNELS")]
    for env in snapshot.environments:
        if not verbose and env.kind == "system" and not env.kernels and not env.is_server:
            continue
        label = env.prefix + (" (server)" if env.is_server else "")
        rows.append((label, env.kind, env.python_version or "-", ", ".join(env.kernels) or "-"))
    return ["Environments"] + _table(rows)


def findings_text(findings: list[Finding], verbose: bool) -> list[str]:
    """Return the lines of the findings part of the text report, counts first."""
    if not findings:
        return ["No problems found."]
    counts = [plural(sum(1 for f in findings if f.severity == s), s) for s in ("error", "warning", "info")]
    lines = ["Findings: " + ", ".join(counts)]
    for finding in findings:
        lines.append("")
        lines.append(f"{finding.severity.upper():7} {finding.code} {finding.title}")
        for key, value in finding.evidence.items():
            if value in (None, [], {}, "") and not verbose:
                continue
            lines.extend(_evidence_lines(key, value, "          "))
        for fix in finding.fixes:
            how = f"jupyter envdoctor fix --fix {fix.id}" if fix.applicable else fix.command
            lines.append(f"  fix:    {fix.title}")
            lines.append(f"          {how}")
    return lines


def _evidence_lines(key: str, value: Any, indent: str) -> list[str]:
    """Render one evidence item; nested mappings get one indented line per key."""
    if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
        lines = [f"{indent}{key}:"]
        for inner_key, inner_value in value.items():
            lines.extend(_evidence_lines(str(inner_key), inner_value, indent + "  "))
        return lines
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return [f"{indent}{key}:"] + [f"{indent}  - {_short(item)}" for item in value]
    return [f"{indent}{key}: {_short(value)}"]


def plural(count: int, noun: str) -> str:
    """Return "1 error", "2 errors"; "info" has no plural."""
    if count == 1 or noun == "info":
        return f"{count} {noun}"
    return f"{count} {noun}es" if noun.endswith(("s", "x", "sh", "ch")) else f"{count} {noun}s"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_short(v) for v in value)
    return str(value)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [str(c).ljust(w) for c, w in zip(row, widths)] + [str(row[-1])]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def first_error(report: Report) -> Finding | None:
    return next((f for f in report.findings if f.severity == "error"), None)
