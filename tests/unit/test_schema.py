"""`deploycheck schema`: the JSON Schema editors validate checklists with, as they type."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_deploycheck.documents import CHECKLIST_KEY
from pytest_deploycheck.schema import checklist_schema
from pytest_deploycheck.yamlsrc import load

ROOT = Path(__file__).resolve().parents[2]

ALL_KINDS = """
    checklist: production
    title: Production Deployment Checklist
    phase: predeploy
    tags: [general]
    on: web
    sections:
      - id: infra
        title: Infrastructure
        severity: high
        items:
          - id: disk
            title: Disk space adequate
            check: {disk: {path: /var, min_free: 20GB, max_used_percent: "${max_used}"}}
            retry: {timeout: 60s, interval: 2s}
          - id: api
            title: All endpoints responding
            only_in: [production]
            timeout: 5s
            check:
              http:
                url: "${base_url}/health"
                status: [200, 204]
                max_latency: 500ms
                json_path: {"$.status": ok}
          - id: signed
            title: Security sign-off
            attest: {roles: [security-lead], quorum: 2}
      - id: rollback
        title: Rollback
        phase: rollback
        ordered: true
        items:
          - {id: stop, title: Stop, check: {command: {run: [./stop.sh], exit_code: "${code}"}}}
          - {id: port, title: Port, check: {port: {port: "${port}", protocol: tcp}}}
    """


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(subprocess.run(
        [sys.executable, "-m", "pytest_deploycheck", "schema"], capture_output=True, text=True,
        check=True, timeout=60).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)  # a valid JSON Schema itself
    return jsonschema.Draft202012Validator(schema)


def read(text: str) -> Any:
    """YAML as editors read it (1.2: ``on:`` is a key, not true), as the loader does."""
    return load(textwrap.dedent(text), "checklist.yaml").data


def problems(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


def test_every_checklist_of_this_repository_validates(
    validator: jsonschema.Draft202012Validator
) -> None:
    files = [p for p in sorted((ROOT / "checks").rglob("*.yaml"))
             if CHECKLIST_KEY.search(p.read_text())]
    assert files
    for path in files:
        assert problems(validator, read(path.read_text())) == [], path


def test_every_kind_of_item_validates_variables_included(
    validator: jsonschema.Draft202012Validator
) -> None:
    assert problems(validator, read(ALL_KINDS)) == []


@pytest.mark.parametrize(("typo", "where"), [
    (("titel", "x"), "sections/0/items/0"),
    (("stauts", 200), "sections/0/items/1/check"),
])
def test_a_typo_d_key_is_rejected(validator: jsonschema.Draft202012Validator,
                                  typo: tuple[str, Any], where: str) -> None:
    data = read(ALL_KINDS)
    section = data["sections"][0]
    target = section["items"][0] if where.endswith("items/0") else section["items"][1][
        "check"]["http"]
    target[typo[0]] = typo[1]
    found = problems(validator, data)
    assert len(found) == 1
    assert found[0].startswith(where + ":")
    best = jsonschema.exceptions.best_match(validator.iter_errors(data))
    assert f"'{typo[0]}' was unexpected" in best.message


def test_an_item_with_both_check_and_attest_is_rejected(
    validator: jsonschema.Draft202012Validator
) -> None:
    data = read(ALL_KINDS)
    data["sections"][0]["items"][2]["check"] = {"env": {"names": ["PATH"]}}
    assert problems(validator, data)


def test_the_schema_has_a_fragment_per_check_type() -> None:
    schema = checklist_schema()
    from pytest_deploycheck.registry import REGISTRY

    assert {k.removeprefix("check.") for k in schema["$defs"] if k.startswith("check.")} == set(
        REGISTRY.names())


def test_deploycheck_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "checklist.schema.json"
    done = subprocess.run([sys.executable, "-m", "pytest_deploycheck", "schema", "-o",
                           str(target)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(target.read_text())["title"] == "pytest-deploycheck checklist"


def repository_checklists() -> list[Path]:
    """Every checklist file of this repository (not the virtualenv's, nor build output)."""
    return sorted(p for pattern in ("*.yaml", "*.yml") for p in ROOT.rglob(pattern)
                  if not any(part.startswith(".") or part in ("build", "node_modules")
                             for part in p.relative_to(ROOT).parts)
                  and CHECKLIST_KEY.search(p.read_text(encoding="utf-8", errors="replace")))


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema, the tool behind the common pre-commit hook: formats checked."""
    return subprocess.run([str(Path(sys.executable).with_name("check-jsonschema")),
                           "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_check_jsonschema_accepts_every_checklist_of_the_repository(tmp_path: Path) -> None:
    schema = tmp_path / "checklist.schema.json"
    schema.write_text(json.dumps(checklist_schema()))
    files = repository_checklists()
    assert {f.relative_to(ROOT).as_posix() for f in files} >= {
        "checks/production.yaml", "checks/backtesting.yaml"}
    done = check_jsonschema(schema, *files)
    assert done.returncode == 0, done.stdout + done.stderr
    # what the schema cannot check (a Python regex, a variable in it) it accepts, as
    # collection does; what is plainly wrong it still refuses
    (tmp_path / "ok.yaml").write_text(textwrap.dedent(ALL_KINDS) + textwrap.indent(
        textwrap.dedent("""\
            - id: extra
              title: Extra
              items:
                - id: log
                  title: Log
                  check: {file: {path: x.log, matches: "(?i)^release ${release}$"}}
            """), "  "))
    assert check_jsonschema(schema, tmp_path / "ok.yaml").returncode == 0
    (tmp_path / "bad.yaml").write_text((tmp_path / "ok.yaml").read_text().replace(
        "timeout: 5s", "timeout: soon"))
    refused = check_jsonschema(schema, tmp_path / "bad.yaml")
    assert refused.returncode == 1
    assert "timeout" in refused.stdout
