"""The jupyter_server extension: the report and its actions as a REST API under envdoctor/.

Only this package imports tornado and jupyter_server; the engine around it stays free of them.
"""

from __future__ import annotations

from .app import EnvDoctorExtension

__all__ = ["EnvDoctorExtension"]
