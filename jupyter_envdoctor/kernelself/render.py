"""Text and JSON output of a kernel diagnosis and of `why MODULE` in the kernel."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..model import Finding
from ..report import finding_json, render_text
from ..why import explanation_json
from ..why import render_text as render_why
from .diagnosis import KernelDiagnosis, ModuleExplanation
from .matching import SpecMatch


def render_module_text(result: ModuleExplanation) -> str:
    """Return `why` as text, with a line on the module this process has already imported."""
    text = render_why(result.explanation)
    if result.loaded_from is None:
        return text
    top = result.explanation.module.split(".")[0]
    line = (f"This kernel has already imported {top} from {result.loaded_from}; `import {top}` "
            "returns that module until the kernel restarts.")
    return text + "\n" + line + "\n"


def module_json(result: ModuleExplanation) -> dict[str, Any]:
    return {**explanation_json(result.explanation), "loaded_from": result.loaded_from}


# --- output -------------------------------------------------------------------------------------------


def diagnosis_json(diagnosis: KernelDiagnosis) -> dict[str, Any]:
    """Return the running kernel's section of the JSON document: facts, match, findings."""
    running = diagnosis.running
    facts = dataclasses.asdict(running)
    for key in ("environ", "stdlib_module_names", "builtin_module_names"):
        del facts[key]
    spec = diagnosis.match.kernel
    env = diagnosis.environment
    return {
        **facts,
        "environment_prefix": env.prefix if env else None,
        "environment_kind": env.kind if env else None,
        "kernelspec": {
            "name": spec.name if spec else None,
            "display_name": spec.display_name if spec else None,
            "spec_path": spec.spec_path if spec else None,
            "certain": diagnosis.match.certain,
            "reason": diagnosis.match.reason,
            "alternatives": diagnosis.match.alternatives,
            "argv_matches": diagnosis.match.argv_matches,
        },
        "import_path": [dataclasses.asdict(e) for e in diagnosis.kernel.import_path],
        "notes": list(diagnosis.notes),
        "findings": [finding_json(f) for f in diagnosis.findings],
    }


def document_json(diagnosis: KernelDiagnosis) -> dict[str, Any]:
    """Return the machine report's JSON with the running kernel's section as ``running_kernel``."""
    return {**diagnosis.report.to_json(), "running_kernel": diagnosis_json(diagnosis)}


def render_diagnosis_text(diagnosis: KernelDiagnosis, verbose: bool = False) -> str:
    """Return the running kernel's facts and findings, then the machine report, as text."""
    lines = ["This kernel", *_fact_lines(diagnosis), ""]
    if diagnosis.findings:
        for finding in diagnosis.findings:
            lines.extend(finding_lines(finding, verbose))
            lines.append("")
    else:
        lines += ["No problems found with this kernel.", ""]
    lines += [f"note: {note}" for note in diagnosis.notes]
    lines += ["", "The machine", "", render_text(diagnosis.report, verbose)]
    return "\n".join(lines).rstrip() + "\n"


def fact_rows(diagnosis: KernelDiagnosis) -> list[tuple[str, str]]:
    """Return (label, value) rows that describe the running kernel, for text and HTML."""
    running, env, spec = diagnosis.running, diagnosis.environment, diagnosis.match.kernel
    user_site = running.user_site or "-"
    rows = [
        ("interpreter", f"{running.executable} (Python {running.version})"),
        ("environment", f"{env.prefix} ({env.kind} {env.name!r})" if env else running.prefix),
        ("kernel spec", _spec_text(diagnosis.match) if spec else "not found"),
        ("display name", spec.display_name if spec else "-"),
        ("working dir", running.cwd),
        ("notebook", running.session_name or "-"),
        ("user site", f"{'on' if running.user_site_enabled else 'off'}: {user_site}"),
        ("PYTHONPATH", running.pythonpath if running.pythonpath is not None else "(not set)"),
        ("server", diagnosis.report.snapshot.server.executable),
    ]
    return rows


def _spec_text(match: SpecMatch) -> str:
    spec = match.kernel
    assert spec is not None
    certainty = "named in the connection file" if match.certain else "most likely"
    return f"{spec.name!r} ({spec.spec_path or spec.source}), {certainty}"


def _fact_lines(diagnosis: KernelDiagnosis) -> list[str]:
    rows = fact_rows(diagnosis)
    width = max(len(label) for label, _ in rows) + 1
    lines = [f"  {(label + ':').ljust(width)} {value}" for label, value in rows]
    lines.append("  sys.path:")
    for index, entry in enumerate(diagnosis.kernel.import_path, start=1):
        note = f"  ({entry.note})" if entry.note else ""
        lines.append(f"    {index:>2} {entry.kind:10} {entry.path or repr('')}{note}")
    return lines


def finding_lines(finding: Finding, verbose: bool = False) -> list[str]:
    """Return one finding as text: severity, code and title, evidence, then its fixes."""
    lines = [f"{finding.severity.upper():7} {finding.code} {finding.title}"]
    for key, value in finding.evidence.items():
        if value in (None, [], {}, "") and not verbose:
            continue
        lines.append(f"          {key}: {evidence_text(value)}")
    for fix in finding.fixes:
        how = f"jupyter envdoctor fix --fix {fix.id}" if fix.applicable else fix.command
        lines += [f"  fix:    {fix.title}", f"          {how}"]
    return lines


def evidence_text(value: Any) -> str:
    """Return an evidence value on one line: mappings as key=value, lists joined by "; "."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={evidence_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(evidence_text(v) for v in value)
    return str(value)
