"""Imports point one way, from the edges inwards (DESIGN.md; STYLE.md): a test per arrow.

- service/, api/, web/ and cli/ never import sqlalchemy: storage has one face, named
  functions, and the edges open the store through `Store.open`;
- domain, metrics and storage know nothing of ml, the use cases or the edges;
- ml knows nothing of service, storage or the edges: process fan-out, storage and
  settings are the service's to pass in;
- the edges (api/, web/, cli/) call use cases in service/, and of storage import only
  what opening the store needs, and call no method of it.

Every import counts: at the top, inside a function, or for type checking. Should a module
ever need an exception, name it in the test's table with the reason, rather than
loosening the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cxpulse"
SERVICE_AND_EDGES = ("service", "api", "web", "cli")
EDGES = ("api", "web", "cli")
INNER = ("domain", "metrics", "storage")
# module (relative to src/cxpulse) → why it may import sqlalchemy; none does today
SQLALCHEMY_ALLOWED: dict[str, str] = {}
# storage module → the names an edge may import from it: the Store (Store.open, and the
# type of what it holds), the default database path the CLI's --db shows, and the error
# a busy store raises, which the API's one error handler answers with 503
STORAGE_FOR_EDGES = {"cxpulse.storage": {"Store"}, "cxpulse.storage.engine": {"DEFAULT_DB"},
                     "cxpulse.storage.errors": {"StoreBusy"}}


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names imported from it) of every import in `path`, anywhere in it;
    `import a.b` gives ("a.b", ["*"])."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, ["*"]) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, "." * node.level + (node.module or ""), [a.name for a in node.names]))
    return out


def modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


def _where(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _under(module: str, names: list[str], packages: tuple[str, ...]) -> bool:
    """`module` (or `module.name`, a submodule imported by name) is one of `packages` or below."""
    full = [module] + [f"{module}.{n}" for n in names]
    return any(m == p or m.startswith(p + ".") for m in full for p in packages)


@pytest.mark.parametrize("folder", SERVICE_AND_EDGES)
def test_service_and_edges_do_not_import_sqlalchemy(folder):
    offenders = [f"{_where(p)}:{line} {module}" for p in modules(folder) if _where(p) not in SQLALCHEMY_ALLOWED
                 for line, module, names in imports(p) if _under(module, [], ("sqlalchemy",))]
    assert offenders == [], "write the query in a storage module and call it by name"


def test_every_allowed_exception_still_needs_it():
    for name in SQLALCHEMY_ALLOWED:
        assert any(_under(m, [], ("sqlalchemy",)) for _, m, _ in imports(SRC / name)), f"drop {name}"


@pytest.mark.parametrize("folder", INNER)
def test_inner_layers_never_import_upward(folder):
    upper = tuple(f"cxpulse.{name}" for name in (*SERVICE_AND_EDGES, "ml"))
    offenders = [f"{_where(p)}:{line} {module}" for p in modules(folder)
                 for line, module, names in imports(p) if _under(module, names, upper)]
    assert offenders == []


def test_ml_imports_nothing_from_service_storage_or_the_edges():
    upper = tuple(f"cxpulse.{name}" for name in (*SERVICE_AND_EDGES, "storage"))
    offenders = [f"{_where(p)}:{line} {module}" for p in modules("ml")
                 for line, module, names in imports(p) if _under(module, names, upper)]
    assert offenders == []


def test_the_edges_import_from_storage_only_what_opening_the_store_needs():
    bad = [(_where(p), line, module, name) for edge in EDGES for p in modules(edge)
           for line, module, names in imports(p) if "storage" in module.split(".") or "storage" in names
           for name in names if name not in STORAGE_FOR_EDGES.get(module, set())]
    assert not bad, f"call a service function instead (add a thin one in service/ if none fits): {bad}"


def test_the_edges_call_no_method_of_the_store():
    """`store.account(…)`, `store.accounts()`…: service has a function for each (service/accounts.py)."""
    calls = []
    for edge in EDGES:
        for path in modules(edge):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = node.func.value
                    if (owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")) == "store":
                        calls.append((_where(path), node.lineno, node.func.attr))
    assert not calls, calls


def test_the_checks_see_imports_inside_functions_and_submodules_by_name(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from sqlalchemy.exc import IntegrityError\n    import sqlalchemy as sa\n"
                      "    from cxpulse import service\n    from cxpulse.storage import Store\n")
    found = imports(sample)
    assert [(line, module) for line, module, _ in found] == [
        (2, "sqlalchemy.exc"), (3, "sqlalchemy"), (4, "cxpulse"), (5, "cxpulse.storage")]
    assert _under("cxpulse", ["service"], ("cxpulse.service",))  # `from cxpulse import service`
    assert not _under("cxpulse", ["text"], ("cxpulse.service",))
