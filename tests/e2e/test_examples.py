"""The CI examples in examples/ci are valid YAML, chain the gates, and use only options
that exist — so the documentation cannot drift from the plugin."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "ci").glob("*.yml"))


FLAGS = {"--self-contained-html"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_option_an_example_uses_exists(example: Path, tmp_path: Path) -> None:
    text = example.read_text()
    yaml.safe_load(text)  # valid YAML
    options = sorted(set(re.findall(
        r"(--(?:deploycheck-[a-z-]+|html|junitxml|junit-xml|self-contained-html))\b", text)))
    assert "--deploycheck-env" in options
    # pytest's own parser is the judge: an unknown option is a usage error (exit 4)
    args = [o if o in FLAGS else f"{o}=x" for o in options]
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert "unrecognized arguments" not in done.stderr, done.stderr
    assert done.returncode != 4, done.stderr
    phases = set(re.findall(r"pytest -m (\w+)", text))
    assert phases == {"predeploy", "deploy", "postdeploy", "rollback"}


def test_the_github_workflow_chains_the_gates_and_rolls_back_on_failure() -> None:
    jobs = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text())["jobs"]
    assert jobs["deploy"]["needs"] == "predeploy"
    assert jobs["postdeploy"]["needs"] == "deploy"
    assert jobs["rollback"]["if"].startswith("failure()")


def test_the_gitlab_pipeline_runs_the_stages_in_order() -> None:
    pipeline = yaml.safe_load((ROOT / "examples/ci/gitlab-ci.yml").read_text())
    assert pipeline["stages"] == ["predeploy", "deploy", "postdeploy", "rollback"]
    assert pipeline["rollback"]["when"] == "on_failure"
    assert all(pipeline[job]["artifacts"]["when"] == "always"
               for job in ("predeploy", "deploy", "postdeploy", "rollback"))
