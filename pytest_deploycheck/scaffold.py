"""``deploycheck init``: a starter ``checks/`` — config, a sample checklist, an empty
allowed_signers and the attestations directory — that runs at once with
``pytest -m predeploy`` and shows a gate waiting for a sign-off."""

from __future__ import annotations

from pathlib import Path

CONFIG = """\
# pytest-deploycheck project config: environments, their variables, who signs what.
project: {project}
release: "{release}"   # the release being deployed: sign-offs name it (or --deploycheck-release)
default_environment: staging
environments:
  staging:
    variables: {{base_url: "https://staging.example.com"}}
  production:
    variables: {{base_url: "https://example.com"}}
roles:
  release-manager: []        # principals, as named in checks/allowed_signers
"""

CHECKLIST = """\
# A starter checklist. Run the pre-deployment gate with:  pytest -m predeploy
checklist: release
title: Release checklist
phase: predeploy
sections:
  - id: build-machine
    title: Build machine
    items:
      - id: disk-space
        title: Disk space adequate
        check: {disk: {path: ., min_free: 1GB}}
      - id: environment
        title: Environment variables verified
        check: {env: {names: [PATH]}}
  - id: service
    title: Service
    only_in: [production]
    items:
      - id: health
        title: All endpoints responding
        check: {http: {url: "${base_url}/health", status: 200, max_latency: 500ms}}
        retry: {timeout: 60s, interval: 2s}
  - id: sign-offs
    title: Sign-offs
    items:
      - id: release-approved
        title: Release approved by the release manager
        attest: {roles: [release-manager]}
"""

SIGNERS = """\
# Who may sign off, in OpenSSH's allowed_signers format, one key a line:
# alice@example.com namespaces="deploycheck" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
# Then name the principals under 'roles' in checks/deploycheck.yaml.
"""

GITATTRIBUTES_LINE = "checks/attestations/** -text"


def files(project: str, release: str = "0.1.0") -> dict[str, str]:
    """Relative path → content of what ``init`` writes."""
    return {"checks/deploycheck.yaml": CONFIG.format(project=project, release=release),
            "checks/release.yaml": CHECKLIST,
            "checks/allowed_signers": SIGNERS,
            "checks/attestations/.gitkeep": ""}


def scaffold(root: Path, force: bool, release: str = "0.1.0") -> tuple[list[str], list[str]]:
    """Write the starter files under ``root``: (written, refused because they exist)."""
    planned = files(root.resolve().name, release)
    existing = [p for p in planned if not p.endswith(".gitkeep") and (root / p).exists()]
    if existing and not force:
        return [], existing
    written = []
    for relative, content in planned.items():
        target = root / relative
        if target.exists() and relative.endswith(".gitkeep"):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(relative)
    attributes = root / ".gitattributes"
    known = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if GITATTRIBUTES_LINE not in known.splitlines():
        # signatures cover exact bytes: no line-ending conversion of attestation files
        attributes.write_text(known + ("" if not known or known.endswith("\n") else "\n")
                              + GITATTRIBUTES_LINE + "\n", encoding="utf-8")
        written.append(".gitattributes")
    return written, []
