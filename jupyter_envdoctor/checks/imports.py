"""Checks of import paths: what `import X` really resolves to in a kernel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

from ..model import Finding, Snapshot

CHECKS: list[Callable[[Snapshot], Iterator[Finding]]] = []
