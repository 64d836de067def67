"""The core imports nothing of slakeeper outside core, and no framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "src" / "slakeeper" / "core"
ALLOWED_THIRD_PARTY = {"numpy", "holidays", "tzdata"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_only_core_stdlib_numpy_holidays(module: Path) -> None:
    import sys

    for name in _imports(module):
        top = name.split(".")[0]
        if top == "slakeeper":
            assert name.startswith("slakeeper.core"), f"{module.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (
                f"{module.name} imports {name}"
            )
