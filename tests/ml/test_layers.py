"""`ml` imports nothing from the layers above it (STYLE.md: imports point one way, from
the edges inwards): process fan-out, storage and settings are the service's to pass in."""

from __future__ import annotations

import ast
from pathlib import Path

ML = Path(__file__).resolve().parents[2] / "src" / "cxpulse" / "ml"
UPPER = ("cxpulse.service", "cxpulse.storage", "cxpulse.api", "cxpulse.web", "cxpulse.cli")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in `path`, at the top or inside a function;
    `from a import b` counts as both `a` and `a.b` (b may be a module)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def test_no_module_under_ml_imports_service_or_any_layer_above():
    found = [f"{path.name}:{line} imports {name}" for path in sorted(ML.rglob("*.py"))
             for line, name in _imports(path) if any(name == u or name.startswith(u + ".") for u in UPPER)]
    assert found == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from cxpulse import service\n    from cxpulse.service.processes import x\n")
    assert [n for _, n in _imports(sample) if n.startswith(UPPER)] == ["cxpulse.service",
                                                                      "cxpulse.service.processes",
                                                                      "cxpulse.service.processes.x"]
