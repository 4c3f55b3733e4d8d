"""No test module imports another: what tests share lives in support modules (e2e/journeys.py,
e2e/support.py, tests/authenticator.py …), so running or changing one test file never
drags in, or breaks, another's tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tests", "e2e")


def all_test_modules() -> dict[str, Path]:
    """Every test module, by its dotted name (e2e.test_backup)."""
    return {
        f"{package}.{path.stem}": path
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("test_*.py"))
    }


def imported(module: str, source: str) -> set[str]:
    """The modules `module` imports by name, relative imports resolved; for `from p import n`
    both p and p.n, as n may be a module."""
    package = module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".") if node.level else []
            if node.level > 1:
                base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def test_the_parser_sees_plain_from_and_relative_imports():
    source = """
import e2e.test_a
import e2e.test_b as b
from e2e.test_c import helper
from e2e import test_d
from .test_e import thing
from . import test_f
from ..e2e.test_g import other
from e2e.journeys import start

def later():
    from tests.test_h import Clock
"""
    found = imported("e2e.test_x", source)
    for name in ("a", "b", "c", "d", "e", "f", "g"):
        assert f"e2e.test_{name}" in found, name
    assert "tests.test_h" in found and "e2e.journeys" in found
    assert "e2e.test_x" not in found


def test_no_test_module_imports_another():
    modules = all_test_modules()
    assert "e2e.test_backup" in modules and "tests.test_api" in modules
    found = [
        f"{module} imports {name}"
        for module, path in modules.items()
        for name in sorted(imported(module, path.read_text()) & modules.keys())
    ]
    assert found == [], "move what they share into a support module:\n" + "\n".join(found)
