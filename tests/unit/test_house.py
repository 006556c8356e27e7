"""The shape of the house (shared/DESIGN.md §8), kept by tests: every check type a
documented module of its own; no import cycle; no module over 400 lines; pytest imported
by the pytest layer alone, which stays small; the plain modules usable without pytest."""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_deploycheck
from pytest_deploycheck import checks
from pytest_deploycheck.registry import REGISTRY

PACKAGE = Path(pytest_deploycheck.__file__).parent
ROOT = PACKAGE.parent
CHECK_MODULES = sorted(m.name for m in pkgutil.iter_modules(checks.__path__)
                       if not m.name.startswith("_"))
# lines of code (no docstrings, comments or blank lines) of the modules that import pytest:
# about 1,000 before the redesign (1,400 with their docstrings); "about 600 would do"
PYTEST_LAYER_LIMIT = 600


@functools.cache
def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports when it runs (TYPE_CHECKING excluded)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = modules()
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] \
                if node.level else []
            target = ".".join([*base, node.module] if node.module else base) \
                if node.level else node.module or ""
            found |= {t for t in (target, *(f"{target}.{a.name}" for a in node.names))
                      if t in known}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
    return found - {name}


@pytest.mark.parametrize("name", CHECK_MODULES)
def test_every_check_module_is_a_registered_documented_type(name: str) -> None:
    assert name in REGISTRY.names()
    found = REGISTRY.get(name)
    assert found is not None
    assert found.origin.startswith(f"pytest_deploycheck.checks.{name}.")
    doc = importlib.import_module(f"pytest_deploycheck.checks.{name}").__doc__ or ""
    assert re.search(rf"\.\. code-block:: yaml\n\n\s+check:\n\s+{name}:", doc), (
        f"checks/{name}.py's docstring has no YAML example of 'check: {{{name}: …}}'")
    assert "Evidence" in doc
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^### {name} — ", readme, re.M), f"README has no '### {name} — …' section"


def test_the_built_in_types_are_found_without_a_hand_kept_list() -> None:
    assert [n for n in REGISTRY.names() if n in CHECK_MODULES] == CHECK_MODULES
    assert len(CHECK_MODULES) == 24


def test_no_import_cycle() -> None:
    graph = {name: imports(name, path) for name, path in modules().items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " → ".join(
            [*visiting[visiting.index(name):], name])
        visiting.append(name)
        for other in sorted(graph[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_no_module_over_400_lines() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > 400}
    assert long == {}


def code_lines(path: Path) -> int:
    """Lines of code: not docstrings, comments or blank lines."""
    source = path.read_text()
    documentation = {n for node in ast.walk(ast.parse(source))
                     if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                     and node.body and isinstance(node.body[0], ast.Expr)
                     and isinstance(node.body[0].value, ast.Constant)
                     and isinstance(node.body[0].value.value, str)
                     for n in range(node.body[0].lineno, (node.body[0].end_lineno or 0) + 1)}
    return sum(1 for n, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and n not in documentation)


def test_pytest_is_imported_by_the_pytest_layer_alone_and_it_stays_small() -> None:
    uses_pytest = {name: path for name, path in modules().items()
                   if re.search(r"^\s*(import pytest|from pytest\b|from _pytest|import _pytest)",
                                path.read_text(), re.M)}
    assert all(name.startswith("pytest_deploycheck.plugin") for name in uses_pytest), (
        sorted(uses_pytest))
    lines = sum(code_lines(p) for p in uses_pytest.values())
    assert lines <= PYTEST_LAYER_LIMIT, f"the pytest layer has grown to {lines} lines of code"


def test_no_class_in_the_pytest_layer_has_over_12_methods() -> None:
    for name, path in modules().items():
        if name.startswith("pytest_deploycheck.plugin"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
                    assert len(methods) <= 12, f"{name}.{node.name}: {len(methods)} methods"


def test_the_plain_modules_load_without_pytest() -> None:
    plain = [name for name in modules() if not name.startswith("pytest_deploycheck.plugin")
             and name not in ("pytest_deploycheck.__main__",)]
    script = ("import importlib, sys\n"
              f"for name in {plain!r}:\n"
              "    importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m in ('pytest', '_pytest')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
