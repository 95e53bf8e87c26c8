"""What `pip install cxpulse` (no extras) brings must cover every module the package
imports at run time — at the top of a module or inside a function (issue 13 §11: webhook
delivery imported httpx2 lazily, and httpx2 was only a dev extra). CI checks the same on a
real wheel in a fresh venv (.ci/wheel_smoke.py); this test catches it in every run."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cxpulse"


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _runtime_closure(requirements: list[str]) -> set[str]:
    """The distributions a plain install brings: the dependencies and theirs, without extras."""
    seen: set[str] = set()
    todo = [_name(r) for r in requirements if "sys_platform == 'win32'" not in r]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in reqs if "extra ==" not in r]
    return seen


# an optional extra → the modules that may import what only it brings: each checks the extra
# is installed before it imports any of it, and says `pip install 'cxpulse[extra]'` when not
EXTRA_HOMES = {"spark": {"src/cxpulse/service/spark.py"}}


def _imports() -> dict[str, set[str]]:
    """Top-level module name → the files importing it, for every import not guarded by `except ImportError`."""
    out: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                    and any(h.type is None or "ImportError" in ast.unparse(h.type) for h in t.handlers)
                    for b in t.body for n in ast.walk(b)}
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                out.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return out


def test_every_runtime_import_is_a_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _runtime_closure(project["dependencies"])
    extras = {extra: _runtime_closure(project["optional-dependencies"][extra]) for extra in EXTRA_HOMES}
    providers = metadata.packages_distributions()
    missing = []
    for module, files in sorted(_imports().items()):
        if module == "cxpulse" or module in sys.stdlib_module_names:
            continue
        dists = {_name(d) for d in providers.get(module, [])}
        if dists & runtime:
            continue
        if any(files <= homes and dists & extras[extra] for extra, homes in EXTRA_HOMES.items()):
            continue  # brought by an extra, imported only where that extra is checked for
        where = ", ".join(sorted(files))
        missing.append(f"{module} (imported by {where}; from {', '.join(sorted(dists)) or 'no installed package'})")
    assert missing == [], "imported at run time but not installed by `pip install cxpulse`: " + "; ".join(missing)
