"""pip lines that name a URL or a VCS commit, compared with the direct_url.json that pip wrote.

The env's pip installs two wheels by path, then each direct_url.json is rewritten to what pip
writes (PEP 610) for an install from a git repository or an archive URL. The URLs are under
`.invalid` and nothing fetches them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conda_envs import CondaEnvBuilder
from conda_pip import build_wheel, run_pip
from envfile_setup import SciEnv, compare, sci_env

from jupyter_envdoctor.model import Finding

COMMIT = "3f2a1c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49"
OTHER_COMMIT = "0" * 40
REPO = "https://example.invalid/team/gitpkg"
WHEEL_URL = "https://example.invalid/wheels/iniconfig-1.0.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> SciEnv:
    root = tmp_path_factory.mktemp("sources")
    env = sci_env(CondaEnvBuilder(root / "builder"), root / "envs" / "sci")
    site = _site_packages(env)
    for name, version, direct_url in [
        ("gitpkg", "0.3.0", {"url": REPO, "vcs_info": {"vcs": "git", "commit_id": COMMIT,
                                                       "requested_revision": "main"}}),
        ("nobranch", "1.0", {"url": "https://example.invalid/team/nobranch",
                             "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
        ("iniconfig", "1.0.0", {"url": WHEEL_URL, "archive_info": {}}),
        ("indexpkg", "2.0", None),
    ]:
        wheel = build_wheel(root / "wheels", name, version, {f"{name}/__init__.py": ""})
        run_pip(env.env.python, "install", "--no-index", "--no-deps", str(wheel))
        record = site / f"{name}-{version}.dist-info" / "direct_url.json"
        if direct_url is None:
            record.unlink()  # as after an install from an index
        else:
            record.write_text(json.dumps(direct_url))
    # pip's own direct_url.json for a wheel installed by path, with archive_info hashes.
    run_pip(env.env.python, "install", "--no-index", "--no-deps", str(_local_wheel(env)))
    return env


def _local_wheel(env: SciEnv) -> Path:
    path = env.wheels / "localwheel-1.0-py3-none-any.whl"
    if not path.exists():
        build_wheel(env.wheels, "localwheel", "1.0", {"localwheel/__init__.py": ""})
    return path


def _site_packages(env: SciEnv) -> Path:
    (site,) = env.env.prefix.glob("lib/python3*/site-packages")
    return site


def findings_about(sources: SciEnv, tmp_path: Path, line: str) -> list[Finding]:
    """Return the findings about ``line`` in a file that lists everything installed."""
    pip = ["gitpkg", "nobranch", "iniconfig", "indexpkg"]
    path = tmp_path / "environment.yml"
    text = "name: sci\ndependencies:\n  - python=3.11\n  - numpy\n  - pytorch\n  - pip\n"
    text += "  - pip:\n" + "".join(f"      - {entry!r}\n" for entry in [line, *pip])
    path.write_text(text)
    return [f for f in compare(path, sources.env.prefix) if f.evidence.get("dependency") == line]


@pytest.mark.parametrize(
    ("line", "severity", "reason"),
    [
        (f"gitpkg @ git+{REPO}@main", None, None),
        (f"gitpkg @ git+{REPO}", None, None),
        (f"gitpkg @ git+{REPO}@{COMMIT}", None, None),
        (f"gitpkg @ git+{REPO}@{COMMIT[:10]}", None, None),
        ("gitpkg @ git+https://user:secret@example.invalid/team/gitpkg/@main", None, None),
        (f"gitpkg @ git+{REPO}@main#egg=gitpkg", None, None),
        ("gitpkg @ git+https://example.invalid/other/repo@main", "error",
         f"it was installed from {REPO}, not from https://example.invalid/other/repo"),
        (f"gitpkg @ git+{REPO}@v2", "error",
         f"revision 'main' (commit {COMMIT}) is installed, not 'v2'"),
        (f"gitpkg @ git+{REPO}@{OTHER_COMMIT}", "error",
         f"commit {COMMIT} is installed, not {OTHER_COMMIT}"),
        (f"gitpkg @ {REPO}/archive/main.zip", "error",
         f"it was installed from {REPO}, not from {REPO}/archive/main.zip"),
        ("nobranch @ git+https://example.invalid/team/nobranch@main", "info",
         f"direct_url.json records commit {COMMIT} but not which revision was requested"),
        (f"nobranch @ git+https://example.invalid/team/nobranch@{COMMIT}", None, None),
        (f"iniconfig @ {WHEEL_URL}", None, None),
        (WHEEL_URL, None, None),
        ("iniconfig @ https://example.invalid/other/iniconfig-1.0.0-py3-none-any.whl", "error",
         (f"it was installed from {WHEEL_URL}, not from "
          "https://example.invalid/other/iniconfig-1.0.0-py3-none-any.whl")),
        (f"iniconfig @ git+{REPO}@main", "error",
         f"it was installed from {WHEEL_URL}, not from a git checkout of {REPO}"),
        ("indexpkg @ https://example.invalid/indexpkg-2.0-py3-none-any.whl", "error",
         ("it was installed from an index (its dist-info has no direct_url.json), not from "
          "https://example.invalid/indexpkg-2.0-py3-none-any.whl")),
    ],
)
def test_url_line_verdict(sources: SciEnv, tmp_path: Path, line: str, severity: str | None,
                          reason: str | None) -> None:
    findings = findings_about(sources, tmp_path, line)

    if severity is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.code == "S604"
    assert finding.severity == severity
    assert str(finding.evidence["reason"]).startswith(str(reason))
    # indexpkg has no direct_url.json, as after an install from an index.
    assert ("direct_url" in finding.evidence) == (not line.startswith("indexpkg"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"git+{REPO}@main", f"pip requirement 'git+{REPO}@main' names no package"),
        ("rich>>1", "invalid pip requirement 'rich>>1': Expected semicolon"),
    ],
)
def test_unparsable_pip_line(sources: SciEnv, tmp_path: Path, line: str, message: str) -> None:
    (finding,) = findings_about(sources, tmp_path, line)

    assert finding.code == "S602"
    assert message in finding.title
    assert "\n" not in finding.title


@pytest.mark.parametrize("line", ["-e", "-r", "--editable", "--requirement="])
def test_option_without_value(sources: SciEnv, tmp_path: Path, line: str) -> None:
    findings_about(sources, tmp_path, line)
    path = tmp_path / "environment.yml"

    findings = [f for f in compare(path, sources.env.prefix) if f.code == "S602"]

    (finding,) = findings
    assert finding.title == (f"{path}, line 8: pip line {line!r} needs a value: pip rejects "
                             f"{line} without a path or URL after it")


def test_local_wheel_hash_and_source(sources: SciEnv, tmp_path: Path) -> None:
    wheel = _local_wheel(sources)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    other = tmp_path / "other" / wheel.name
    wrong = "0" * 64
    direct_url = json.loads((_site_packages(sources) / "localwheel-1.0.dist-info"
                             / "direct_url.json").read_text())
    assert direct_url["archive_info"]["hashes"] == {"sha256": digest}

    assert findings_about(sources, tmp_path, f"localwheel @ {wheel.as_uri()}#sha256={digest}") == []
    (finding,) = findings_about(sources, tmp_path, f"localwheel @ {wheel.as_uri()}#sha256={wrong}")
    assert finding.code == "S604"
    assert finding.evidence["reason"] == (
        f"the installed archive has sha256 {digest} (direct_url.json), not the sha256 "
        f"{wrong} that the line names")
    (finding,) = findings_about(sources, tmp_path, f"localwheel @ {other.as_uri()}")
    assert finding.evidence["reason"] == f"it was installed from {wheel}, not from {other}"
