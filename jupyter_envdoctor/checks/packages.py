"""Checks of installed packages: what pip did to conda, stale and duplicate metadata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

from ..model import Finding, Snapshot

CHECKS: list[Callable[[Snapshot], Iterator[Finding]]] = []
