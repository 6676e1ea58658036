"""Which fixes `jupyter envdoctor fix` takes from each finding."""

from __future__ import annotations

from jupyter_envdoctor.checks.remedies import make_fix, run_command
from jupyter_envdoctor.fixes import select_fixes
from jupyter_envdoctor.model import Finding, Fix


def remove(name: str) -> Fix:
    return make_fix("remove-spec", f"remove {name}", {"resource_dir": f"/k/kernels/{name}", "kernel": name})


def test_alternatives_take_first() -> None:
    rename = make_fix("rename-spec", "rename", {"resource_dir": "/k/kernels/a", "new_name": "b"})
    finding = Finding("K105", "warning", "hidden", ["a"], fixes=[remove("a"), rename])

    assert [f.action for f in select_fixes([finding])] == ["remove-spec"]


def test_same_action_takes_all() -> None:
    finding = Finding("K106", "warning", "duplicates", ["a", "b"],
                      fixes=[remove("a"), remove("b")])

    assert [f.params["kernel"] for f in select_fixes([finding])] == ["a", "b"]


def test_commands_need_opt_in() -> None:
    finding = Finding("K103", "error", "no ipykernel", ["p"],
                      fixes=[run_command("install", "python -m pip install ipykernel")])

    assert select_fixes([finding]) == []
    assert [f.command for f in select_fixes([finding], include_commands=True)] == [
        "python -m pip install ipykernel"]


def test_selection_by_code_and_kernel() -> None:
    first = Finding("K101", "error", "gone", ["a"], fixes=[remove("a")])
    second = Finding("K100", "error", "invalid", ["b"], fixes=[remove("b")])

    assert [f.params["kernel"] for f in select_fixes([first, second], codes=["k100"])] == ["b"]
    assert [f.params["kernel"] for f in select_fixes([first, second], kernels=["a"])] == ["a"]
