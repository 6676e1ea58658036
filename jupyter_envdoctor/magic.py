"""`%envdoctor`: the IPython line magic that diagnoses the kernel it runs in.

    %load_ext jupyter_envdoctor
    %envdoctor                # the panel; a text and HTML report where widgets cannot show
    %envdoctor --text         # this kernel's facts and findings, then the machine report
    %envdoctor --json         # the JSON report, with this kernel in "running_kernel"
    %envdoctor why numpy      # where `import numpy` comes from in this kernel

The work is done by :mod:`jupyter_envdoctor.kernelself`; this module parses the line, reads
the settings and picks the output.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display
from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

from .config import EnvDoctor
from .kernelself import (
    KernelDiagnosis,
    diagnose,
    document_json,
    explain_module,
    module_json,
    render_diagnosis_text,
    render_module_text,
)
from .why import WhyError

# Config files read for the settings, as `jupyter envdoctor` reads them.
CONFIG_FILE_NAMES = ("jupyter_config", "jupyter_envdoctor_config")
USAGE = "%envdoctor [--text | --json] [--verbose]   or   %envdoctor why MODULE [--json]"


def load_ipython_extension(ipython: Any) -> None:
    """Register the `%envdoctor` line magic with ``ipython`` (an InteractiveShell)."""

    def envdoctor(line: str) -> None:
        """Diagnose the environment this kernel runs.

        %envdoctor                show the panel (text and HTML where widgets cannot show)
        %envdoctor --text         print this kernel's facts and findings, then the machine report
        %envdoctor --json         print the JSON report; this kernel is in "running_kernel"
        %envdoctor --verbose      also show empty evidence and plain Python installations
        %envdoctor why MODULE     print where `import MODULE` comes from in this kernel
        """
        run_magic(ipython, line)

    ipython.register_magic_function(envdoctor, "line", "envdoctor")


@dataclass
class MagicRequest:
    """The request of one `%envdoctor` line."""

    output: str = "panel"  # "panel", "text" or "json"
    module: str | None = None  # the MODULE of `why MODULE`
    verbose: bool = False


def parse_line(line: str) -> MagicRequest:
    """Parse the arguments of `%envdoctor`; raise UsageError with the usage on a bad line."""
    try:
        words = shlex.split(line)
    except ValueError as e:
        raise UsageError(f"invalid %envdoctor arguments ({e}): {USAGE}") from e
    request = MagicRequest()
    positional = []
    for word in words:
        if word in ("--json", "--text"):
            if request.output != "panel":
                raise UsageError(f"--json and --text exclude each other: {USAGE}")
            request.output = word[2:]
        elif word in ("--verbose", "-v"):
            request.verbose = True
        elif word.startswith("-"):
            raise UsageError(f"unknown option {word}: {USAGE}")
        else:
            positional.append(word)
    if positional:
        if positional[0] != "why" or len(positional) != 2:
            raise UsageError(f"unexpected arguments {' '.join(positional)!r}: {USAGE}")
        request.module = positional[1]
    return request


def run_magic(ipython: Any, line: str) -> None:
    """Run one `%envdoctor` line in ``ipython``."""
    request = parse_line(line)
    diagnosis = diagnose(load_doctor())
    if request.module is not None:
        show_module(diagnosis, request)
    elif request.output == "json":
        print(json.dumps(document_json(diagnosis), indent=1))
    elif request.output == "text" or not shows_widgets(ipython):
        print(render_diagnosis_text(diagnosis, request.verbose), end="")
    else:
        show_panel(diagnosis, request.verbose)


def show_module(diagnosis: KernelDiagnosis, request: MagicRequest) -> None:
    assert request.module is not None
    try:
        result = explain_module(diagnosis, request.module)
    except WhyError as e:
        raise UsageError(str(e)) from e
    if request.output == "json":
        print(json.dumps(module_json(result), indent=1))
    else:
        print(render_module_text(result), end="")


def show_panel(diagnosis: KernelDiagnosis, verbose: bool) -> None:
    """Display the panel, with text and HTML in the same output for front ends without widgets."""
    # Imported here so that --text, --json and `why` work without ipywidgets.
    from .widget import DoctorPanel

    def rescan() -> KernelDiagnosis:
        return diagnose(load_doctor())

    panel = DoctorPanel(diagnosis.report, diagnosis, rescan=rescan)
    display(panel.mimebundle(verbose), raw=True)  # type: ignore[no-untyped-call]


def shows_widgets(ipython: Any) -> bool:
    """Tell whether ``ipython`` is a kernel shell, whose front ends may render widgets.

    A terminal IPython cannot, so it gets text. Front ends of a kernel that have no widget
    manager (nbconvert, jupyter console) fall back to the text and HTML of the panel's output.
    """
    try:
        from ipykernel.zmqshell import ZMQInteractiveShell
    except ImportError:
        return False
    return isinstance(ipython, ZMQInteractiveShell)


def load_doctor() -> EnvDoctor:
    """Return an EnvDoctor with the settings of the Jupyter config files."""
    return EnvDoctor(config=load_jupyter_config())


def load_jupyter_config() -> Config:
    """Read jupyter_config.{json,py} and jupyter_envdoctor_config.{json,py} from the config dirs.

    jupyter_config_path() lists the dirs with the highest priority first, so they are read in
    reverse and later files override earlier ones. A file that cannot be read or run is skipped
    with a message on stderr.
    """
    config = Config()
    for folder in reversed(jupyter_config_path()):
        for name in CONFIG_FILE_NAMES:
            for loader in (JSONFileConfigLoader(name + ".json", folder),
                           PyFileConfigLoader(name + ".py", folder)):
                try:
                    config.merge(loader.load_config())
                except ConfigFileNotFound:
                    continue
                except (OSError, ValueError, SyntaxError) as e:
                    print(f"jupyter-envdoctor: skipped config file {loader.full_filename}: {e}",
                          file=sys.stderr)
    return config
