"""Every finding code has its page under docs/checks/ and a row in the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_envdoctor.checks import KNOWN_CODES
from jupyter_envdoctor.kernelself import KERNEL_CODES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "checks"


@pytest.mark.parametrize("code", sorted(KNOWN_CODES | KERNEL_CODES))
def test_code_has_page(code: str) -> None:
    page = DOCS / f"{code}.md"

    assert page.is_file(), f"{page} is missing"
    assert page.read_text().startswith(f"# {code}: ")
    assert f"[{code}]({code}.md)" in (DOCS / "index.md").read_text()
