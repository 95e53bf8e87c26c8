"""What PostgreSQL does for the SQL a call issues: each SELECT's EXPLAIN (FORMAT JSON) plan.

Used by tests/test_pg_explain.py (a report never reads raw responses when a rollup
answers) and by bench/bench_report.py --explain (the same at 10M rows).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event


@dataclass
class Plan:
    """One statement's plan: the tables it reads and how (node type per relation)."""

    sql: str
    params: object
    root: dict
    scans: list[tuple[str, str, str]] = field(default_factory=list)  # (node type, relation, index or "")

    @property
    def relations(self) -> set[str]:
        return {rel for _node, rel, _ix in self.scans}

    def scans_of(self, relation: str) -> list[tuple[str, str]]:
        """(node type, index) of each read of `relation`."""
        return [(node, ix) for node, rel, ix in self.scans if rel == relation]


def _bitmap_indexes(node: dict) -> list[str]:
    """The indexes under a Bitmap Heap Scan (through BitmapAnd/BitmapOr)."""
    if node.get("Node Type") == "Bitmap Index Scan":
        return [node.get("Index Name", "")]
    return [ix for child in node.get("Plans", []) for ix in _bitmap_indexes(child)]


def _walk(node: dict, out: list[tuple[str, str, str]]) -> None:
    if node.get("Node Type") == "Bitmap Heap Scan":  # the table read, named by the index(es) that found its rows
        out.append((node["Node Type"], node["Relation Name"], "+".join(_bitmap_indexes(node))))
        return
    if "Relation Name" in node:
        out.append((node["Node Type"], node["Relation Name"], node.get("Index Name", "")))
    for child in node.get("Plans", []):
        _walk(child, out)


@contextmanager
def captured_selects(engine: Engine, kinds: tuple[str, ...] = ("SELECT", "WITH")) -> Iterator[list[tuple[str, object]]]:
    """The SELECT statements (or those starting with `kinds`), with their parameters, run
    on `engine` inside the block."""
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001 - event signature
        if statement.lstrip().upper().startswith(kinds) and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def explain(engine: Engine, statements: list[tuple[str, object]], *, analyze: bool = False,
            settings: dict[str, str] | None = None) -> list[Plan]:
    """EXPLAIN each statement (in a transaction rolled back after), with `settings` SET LOCAL."""
    plans = []
    opts = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with engine.connect() as conn:
        for name, value in (settings or {}).items():
            conn.exec_driver_sql(f"SET LOCAL {name} = {value}")
        for sql, params in statements:
            raw = conn.exec_driver_sql(f"EXPLAIN ({opts}) {sql}", params).scalar_one()
            root = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            scans: list[tuple[str, str, str]] = []
            _walk(root["Plan"], scans)
            plans.append(Plan(sql, params, root, scans))
        conn.rollback()
    return plans


def plans_of(engine: Engine, call: Callable[[], object], *, kinds: tuple[str, ...] = ("SELECT", "WITH"),
             **kw) -> list[Plan]:
    """Run `call`, then EXPLAIN every SELECT (or statement starting with `kinds`) it issued."""
    with captured_selects(engine, kinds) as seen:
        call()
    return explain(engine, seen, **kw)
