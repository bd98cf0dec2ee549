"""The reusable GitHub Action (action.yml) and the example workflow in docs/workflow.md: valid against SchemaStore's
schemas, and the action's check steps pass on a sample survey and fail on a stale one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import ROOT, TEST_DATA

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def _schema(name: str) -> Any:
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))


def test_action_is_valid() -> None:
    """action.yml is valid action metadata (SchemaStore's github-action.json), and a composite action."""
    jsonschema.validate(ACTION, _schema("github-action.schema.json"))
    assert ACTION["runs"]["using"] == "composite"


def test_schema_can_fail() -> None:
    """The schema is strict enough to catch a typo in a step (so the test above can fail)."""
    broken = json.loads(json.dumps(ACTION))
    broken["runs"]["steps"][1]["shel"] = broken["runs"]["steps"][1].pop("shell")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("github-action.schema.json"))


def test_example_workflow_is_valid() -> None:
    """The example workflow in docs/workflow.md is a valid workflow and uses every input it sets."""
    text = (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    (workflow,) = [b for b in blocks if "jobs" in b]
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub reads it as "on"
    jsonschema.validate(workflow, _schema("github-workflow.schema.json"))
    (step,) = [s for s in workflow["jobs"]["check"]["steps"] if "evlm" in s.get("uses", "")]
    assert set(step["with"]) <= set(ACTION["inputs"])


def _steps() -> list[dict[str, Any]]:
    """The action's steps that check the survey (not the set-up, which a test cannot run offline as CI would)."""
    return [s for s in ACTION["runs"]["steps"] if s.get("run", "").lstrip().startswith(("evlm", "if"))]


def _run_steps(survey: Path, inputs: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Run the check steps as the runner would: in bash, with their `env` (inputs substituted), skipping a step
    whose `if` is false."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    bin_dir = str(Path(sys.executable).parent)
    results = []
    for step in _steps():
        condition = step.get("if", "")
        if condition and values["links"] != "true":
            assert condition == "${{ inputs.links == 'true' }}"
            continue
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
        for name, value in step.get("env", {}).items():
            env[name] = re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], value)
        results.append(
            subprocess.run(["bash", "-e", "-c", step["run"]], cwd=survey, env=env, capture_output=True, text=True)
        )
    return results


def test_steps_pass_on_a_current_survey(repo: Path) -> None:
    """build --check and check --format github both pass on the shipped survey."""
    results = _run_steps(repo, {})
    assert len(results) == 2
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]


def test_steps_fail_on_a_stale_readme(repo: Path) -> None:
    """A README edited by hand fails the freshness step; the lint step prints annotations GitHub reads."""
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nedited by hand\n", encoding="utf-8")
    build, lint = _run_steps(repo, {"strict": "true"})
    assert build.returncode == 1 and "stale: README.md" in build.stderr
    assert lint.returncode == 1
    assert re.search(r"^::(error|warning|notice) ", lint.stdout, re.MULTILINE), lint.stdout
