"""One environment file checked against one environment: the finding and fix builders."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from typing import Any

from ..model import EnvironmentFileEntry, EnvironmentFileUse, Finding, Fix, Severity
from . import remedies
from .packageview import PackageView


@dataclass
class FileContext:
    """An environment file, the environment it describes, and the kernels that run it."""

    use: EnvironmentFileUse
    view: PackageView
    # Whether the file pins builds (`name=1.2=build`), so a rewrite should pin them too.
    pins_builds: bool = False

    @property
    def path(self) -> str:
        return self.use.file.path

    @property
    def label(self) -> str:
        return self.view.label

    def finding(self, code: str, severity: Severity, title: str, evidence: dict[str, Any],
                fixes: list[Fix] | None = None) -> Finding:
        evidence = {"environment_file": self.path, "prefix": self.view.env.prefix,
                    "found_by": self.use.found_by, **evidence}
        return Finding(code=code, severity=severity, title=title, kernels=list(self.use.kernels),
                       environments=[self.view.env.prefix], evidence=evidence,
                       fixes=fixes or [])


def entry_evidence(entry: EnvironmentFileEntry) -> dict[str, Any]:
    return {"dependency": entry.text, "section": entry.section, "file": entry.source,
            "line": entry.line}


def export_fix(context: FileContext) -> Fix:
    """Return the command that rewrites the file from the environment, keeping its comments."""
    history = "" if context.pins_builds else " --from-history"
    command = (f"jupyter envdoctor export{history} --force -o {shlex.quote(context.path)} "
               f"{shlex.quote(context.view.env.prefix)}")
    return remedies.run_command(
        f"Rewrite {os.path.basename(context.path)} from {context.view.env.prefix} "
        "(its comments are kept)", command)


def entry_fixes(context: FileContext, entry: EnvironmentFileEntry) -> list[Fix]:
    """Return the rewrite fix for an entry of the environment file itself.

    An entry from a `-r` requirements file gets none, because export keeps `-r` lines and
    does not update the files they name.
    """
    return [export_fix(context)] if entry.source == context.path else []
