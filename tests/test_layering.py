"""The dependency direction of ARCHITECTURE.md, enforced on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ["config", "policies", "archive", "search", "reports", "gateway", "cli", "web"]
ALLOWED = {
    "config": set(),
    "policies": {"config"},
    "archive": {"config"},
    "search": {"config", "archive"},
    "reports": {"config", "archive"},
    "gateway": {"config", "policies", "archive", "search", "reports"},
    "web": {"config", "policies", "archive", "search", "reports", "gateway"},
    "cli": {"config", "policies", "archive", "search", "reports", "gateway", "web"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", [p for p in PACKAGES if (REPO / p).is_dir()])
def test_imports_follow_the_dependency_direction(package: str) -> None:
    wrong = []
    for path in sorted((REPO / package).rglob("*.py")):
        others = (_imports(path) & set(PACKAGES)) - {package}
        for name in sorted(others - ALLOWED[package]):
            wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, "\n".join(wrong)
