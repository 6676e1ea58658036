"""Compare a `jupyter-envdoctor --json` report with what the generator planted.

`python benchmarks/verify.py REPORT.json [--root DIR]` prints the differences and exits 1
when the report misses a kernel, an environment or a planted finding code, or names a
path outside the machine's root.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

from generate import DEFAULT_ROOT


def compare(report: dict, manifest: dict) -> tuple[list[str], dict[str, int]]:
    """Return the problems found and the count of findings per code."""
    problems = []
    root = manifest["root"]
    if len(report["kernels"]) != len(manifest["kernels"]):
        problems.append(f"{len(report['kernels'])} kernels reported, {len(manifest['kernels'])} planted")
    if len(report["environments"]) != len(manifest["environments"]):
        problems.append(f"{len(report['environments'])} environments reported, "
                        f"{len(manifest['environments'])} built")
    outside = [k["spec_path"] for k in report["kernels"] if not k["spec_path"].startswith(root)]
    outside += [e["prefix"] for e in report["environments"] if not e["prefix"].startswith(root)]
    if outside:
        problems.append(f"paths of the real machine in the report: {', '.join(outside)}")

    counts = collections.Counter(f["code"] for f in report["findings"])
    # Faults that only --deep finds are left out: the benchmark times the default scan.
    planted = {code for fault in manifest["faults"] if not fault.get("deep_only")
               for code in fault["codes"]}
    planted |= {code for kernel in manifest["kernels"] for code in kernel["codes"]}
    missing = sorted(planted - set(counts))
    if missing:
        problems.append(f"planted but not reported: {', '.join(missing)}")
    if report["problems"]:
        problems.append(f"scan problems: {report['problems']}")
    return problems, dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="output of `jupyter-envdoctor --json`")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the machine's root dir")
    arguments = parser.parse_args(argv)
    manifest = json.loads((arguments.root / "machine.json").read_text())
    problems, counts = compare(json.loads(arguments.report.read_text()), manifest)
    print("findings per code:", ", ".join(f"{code} {n}" for code, n in counts.items()))
    skipped = manifest.get("skipped_faults", {})
    if skipped:
        print(f"not planted at these sizes, so not checked: {', '.join(skipped)}")
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
