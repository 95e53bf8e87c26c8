"""Storage has one face (STYLE.md, example 12; issue 14 §1): the use cases and the edges
call named storage functions and never write SQL, so no module under service/, api/,
web/ or cli/ imports sqlalchemy — at the top, inside a function, or for type checking.

The edges open the store through `Store.open` / `make_engine`, which import it for them.
Should an edge ever need sqlalchemy to open the store, name that one module here, with
the reason, rather than loosening the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cxpulse"
OUTER = ("service", "api", "web", "cli")
# module (relative to src/cxpulse) → why it may import sqlalchemy; none does today
ALLOWED: dict[str, str] = {}


def _sqlalchemy_imports(path: Path) -> list[str]:
    """`import sqlalchemy…` / `from sqlalchemy… import …` anywhere in the module, as 'line: text'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", OUTER)
def test_service_and_edges_do_not_import_sqlalchemy(folder):
    offenders = {
        str(p.relative_to(SRC)): hits
        for p in _modules(folder)
        if (hits := _sqlalchemy_imports(p)) and str(p.relative_to(SRC)) not in ALLOWED
    }
    assert offenders == {}, "write the query in a storage module and call it by name: " + repr(offenders)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from sqlalchemy.exc import IntegrityError\n    import sqlalchemy as sa\n")
    assert _sqlalchemy_imports(module) == ["2: from sqlalchemy.exc import IntegrityError", "3: import sqlalchemy as sa"]


def test_every_allowed_exception_still_exists_and_still_needs_it():
    for name in ALLOWED:
        assert _sqlalchemy_imports(SRC / name), f"{name} no longer imports sqlalchemy: drop it from ALLOWED"


INNER = ("domain", "metrics", "storage")
UPPER = tuple(f"cxpulse.{name}" for name in (*OUTER, "ml"))


@pytest.mark.parametrize("folder", INNER)
def test_inner_layers_never_import_upward(folder):
    """domain, metrics and storage know nothing of ml, the use cases or the edges (DESIGN.md)."""
    offenders = []
    for path in _modules(folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            offenders += [f"{path.relative_to(SRC)}: {n}" for n in names if n.startswith(UPPER)]
    assert offenders == []
