"""evlm's pre-commit hooks (.pre-commit-hooks.yaml) on a sample survey, through `pre-commit try-repo` as a survey's
maintainer would first try them. pre-commit builds a virtualenv and pip-installs this repository into it, so this
needs the package registry: deselect it offline with `-m "not registry"`; .ci/run runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_manifest() -> None:
    """Each hook runs an evlm command on the whole survey (never on the file names pre-commit would pass)."""
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert {hook: spec["entry"] for hook, spec in hooks.items()} == {
        "evlm-format": "evlm format",
        "evlm-build-check": "evlm build --check",
        "evlm-check": "evlm check",
    }
    assert all(spec["language"] == "python" and spec["pass_filenames"] is False for spec in hooks.values())


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True)


def _try_repo(survey: Path, home: Path) -> subprocess.CompletedProcess[str]:
    pre_commit = str(Path(sys.executable).with_name("pre-commit"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [pre_commit, "try-repo", str(ROOT), "--all-files", "--color", "never"],
        cwd=survey,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _status(output: str, hook_name: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(hook_name))
    return line.rsplit(".", 1)[-1].strip()


@pytest.mark.registry
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="try-repo needs evlm's own git repository")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_try_repo(tmp_path: Path) -> None:
    """The hooks pass on a current survey; on a hand-edited one, the formatter fixes the database's form and the
    freshness check fails on a README edited by hand."""
    survey = tmp_path / "survey"
    (survey / "data").mkdir(parents=True)
    for name in ("papers.toml", "README.template.md", "papers.bib", "papers-per-year.svg"):
        shutil.copy(ROOT / "data" / name, survey / "data" / name)
    shutil.copy(ROOT / "README.md", survey / "README.md")
    _git("init", "-q", cwd=survey)
    _git("add", "-A", cwd=survey)
    _git("commit", "-qm", "a survey", cwd=survey)

    passed = _try_repo(survey, tmp_path / "home")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert [_status(passed.stdout, name) for name in ("evlm format", "evlm build", "evlm check")] == ["Passed"] * 3

    database = survey / "data" / "papers.toml"
    canonical = database.read_text(encoding="utf-8")
    database.write_text(canonical.replace("\nyear = 2025\n", "\nyear    =    2025\n", 1), encoding="utf-8")
    readme = survey / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("## ", "## Edited ", 1), encoding="utf-8")
    _git("commit", "-qam", "hand edits", cwd=survey)

    failed = _try_repo(survey, tmp_path / "home")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert _status(failed.stdout, "evlm format") == "Failed"
    assert "files were modified by this hook" in failed.stdout
    assert database.read_text(encoding="utf-8") == canonical
    assert _status(failed.stdout, "evlm build") == "Failed"
    assert "stale: README.md" in failed.stdout
    assert _status(failed.stdout, "evlm check") == "Passed"
