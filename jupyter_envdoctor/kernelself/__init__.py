"""A kernel's diagnosis of itself: what it really runs, which spec started it, and what is wrong.

The functions here run inside a kernel process (the `%envdoctor` magic calls them) but import
neither IPython nor ipykernel, so any front end that runs in a kernel can use them. They read
the live process (``sys.executable``, ``sys.prefix``, ``sys.path``, the working dir and the
command line) and match it against the kernel specs of a machine report. The findings about
this one kernel start with the one that reports a kernel running the wrong environment.
"""

from __future__ import annotations

from .diagnosis import (
    KernelDiagnosis,
    ModuleExplanation,
    configure,
    diagnose,
    explain_module,
    loaded_module_origin,
)
from .findings import (
    KERNEL_CODES,
    PROJECT_ENVIRONMENT,
    STALE_SPEC,
    WRONG_ENVIRONMENT,
    kernels_running,
    running_findings,
)
from .matching import (
    UNMATCHED_NAME,
    SpecMatch,
    argv_matches,
    as_kernel,
    environment_at,
    live_import_path,
    live_probe,
    match_kernelspec,
    running_environment,
)
from .render import (
    diagnosis_json,
    document_json,
    evidence_text,
    fact_rows,
    finding_lines,
    module_json,
    render_diagnosis_text,
    render_module_text,
)
from .running import (
    PROJECT_ENV_DIRS,
    PROJECT_ROOT_MARKERS,
    RunningKernel,
    connection_file_from_argv,
    parent_interpreter,
    process_argv,
    project_environments,
    read_connection_names,
    read_running_kernel,
)

__all__ = [
    "KERNEL_CODES",
    "PROJECT_ENVIRONMENT",
    "PROJECT_ENV_DIRS",
    "PROJECT_ROOT_MARKERS",
    "STALE_SPEC",
    "UNMATCHED_NAME",
    "WRONG_ENVIRONMENT",
    "KernelDiagnosis",
    "ModuleExplanation",
    "RunningKernel",
    "SpecMatch",
    "argv_matches",
    "as_kernel",
    "configure",
    "connection_file_from_argv",
    "diagnose",
    "diagnosis_json",
    "document_json",
    "environment_at",
    "evidence_text",
    "explain_module",
    "fact_rows",
    "finding_lines",
    "kernels_running",
    "live_import_path",
    "live_probe",
    "loaded_module_origin",
    "match_kernelspec",
    "module_json",
    "parent_interpreter",
    "process_argv",
    "project_environments",
    "read_connection_names",
    "read_running_kernel",
    "render_diagnosis_text",
    "render_module_text",
    "running_environment",
    "running_findings",
]
