"""The folders' import rules (README): a dependency arrow the wrong way fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"nlu", "storage", "handlers", "bot", "web"}
ALLOWED = {
    "nlu": set(),
    "storage": set(),
    "handlers": {"nlu", "storage"},
    "web": {"handlers", "storage"},
    "bot": {"handlers", "storage", "web"},
}
PLATFORM_LIBRARIES = {"aiogram", "fastapi", "starlette", "uvicorn", "aiohttp"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_the_architecture_allows(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported_roots(path) & OURS) - ALLOWED[package] - {package})
        for path in (ROOT / package).rglob("*.py")
    }
    assert {file: bad for file, bad in wrong.items() if bad} == {}


def test_the_core_never_imports_a_platform_library() -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(imported_roots(p) & PLATFORM_LIBRARIES)
                 for p in (ROOT / "handlers").rglob("*.py")}
    assert {f: libs for f, libs in offenders.items() if libs} == {}
