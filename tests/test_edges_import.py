"""The edges (api/, web/, cli/) call use cases in service/, never storage, except to open
the store (STYLE.md example 12): of cxpulse.storage they import only what opening it needs."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cxpulse"
EDGES = ("api", "web", "cli")
# module → the names an edge may import from it: the Store (Store.open, and the type of
# what it holds), the default database path the CLI's --db shows, and the error a busy
# store raises, which the API's one error handler answers with 503
ALLOWED = {"cxpulse.storage": {"Store"}, "cxpulse.storage.engine": {"DEFAULT_DB"},
           "cxpulse.storage.errors": {"StoreBusy"}}


def _storage_imports() -> list[tuple[str, int, str, str]]:
    found = []
    for edge in EDGES:
        for path in sorted((SRC / edge).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                where = path.relative_to(SRC).as_posix()
                if isinstance(node, ast.ImportFrom):
                    module = ("." * node.level) + (node.module or "")
                    names = [a.name for a in node.names]
                    if "storage" in module.split(".") or "storage" in names:
                        found += [(where, node.lineno, module, name) for name in names]
                elif isinstance(node, ast.Import):
                    found += [(where, node.lineno, a.name, "*") for a in node.names if "storage" in a.name.split(".")]
    return found


def test_the_edges_import_from_storage_only_what_opening_the_store_needs():
    bad = [(where, line, module, name) for where, line, module, name in _storage_imports()
           if name not in ALLOWED.get(module, set())]
    assert not bad, f"call a service function instead (add a thin one in service/ if none fits): {bad}"


def test_the_check_sees_an_edge_that_opens_the_store():
    assert any(module == "cxpulse.storage" and name == "Store" for _w, _l, module, name in _storage_imports())


def test_the_edges_call_no_method_of_the_store():
    """`store.account(…)`, `store.accounts()`…: service has a function for each (service/accounts.py)."""
    calls = []
    for edge in EDGES:
        for path in sorted((SRC / edge).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = node.func.value
                    name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                    if name == "store":
                        calls.append((path.relative_to(SRC).as_posix(), node.lineno, node.func.attr))
    assert not calls, calls
