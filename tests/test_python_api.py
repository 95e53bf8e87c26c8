"""The public Python face (`import cxpulse`, docs/python.md): every exported name resolves
and is documented, nothing else is documented as public, the page's notebook runs, and
each method gives what its service use case gives."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import types
from datetime import date
from pathlib import Path

import pytest

import cxpulse
from cxpulse.domain import CxpulseError, InvalidQuery, NotFound
from cxpulse.service.report import ReportQuery, report
from tests.factories import make_ticket

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "python.md"
NEEDS_PANDAS = "# needs pandas"


def _documented_names() -> set[str]:
    return set(re.findall(r"^### `(\w+)`", DOC.read_text(encoding="utf-8"), flags=re.M))


def _python_blocks() -> list[str]:
    """The page's ```python blocks, each padded with blank lines so a traceback names its line in the page."""
    text = DOC.read_text(encoding="utf-8")
    return ["\n" * text.count("\n", 0, m.start(1)) + m.group(1)
            for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.M | re.S)]


def test_every_exported_name_resolves():
    assert len(cxpulse.__all__) == len(set(cxpulse.__all__))
    for name in cxpulse.__all__:
        assert getattr(cxpulse, name) is not None
    star: dict = {}
    exec("from cxpulse import *", star)
    assert set(cxpulse.__all__) <= set(star)
    assert set(cxpulse.__all__) <= set(dir(cxpulse))
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        cxpulse.nothing_here  # noqa: B018


def test_the_docs_describe_every_exported_name_and_no_other():
    assert _documented_names() == set(cxpulse.__all__)


def test_errors_are_the_domain_tree():
    assert cxpulse.CxpulseError is CxpulseError
    assert issubclass(InvalidQuery, cxpulse.CxpulseError) and issubclass(NotFound, cxpulse.CxpulseError)


def test_importing_cxpulse_loads_no_other_module_of_it():
    """`cxpulse --help` and `score --ticket` import the package first: it must stay cheap."""
    code = "import cxpulse, sys; print(sorted(m for m in sys.modules if m.startswith(('cxpulse', 'sqlalchemy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src")}).stdout
    assert out.strip() == "['cxpulse']"


def test_the_notebook_in_the_docs_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the example imports a file under examples/
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # … and keeps its database here
    try:
        import pandas  # noqa: F401
        has_pandas = True
    except ImportError:
        has_pandas = False
    blocks = _python_blocks()
    assert len(blocks) >= 5
    ns: dict = {"__name__": "notebook"}
    for block in blocks:
        if block.lstrip("\n").startswith(NEEDS_PANDAS) and not has_pandas:
            continue
        exec(compile(block, str(DOC), "exec"), ns)
    assert Path(ns["folder"]).parent == tmp_path
    assert (ns["summary"]["inserted"], ns["summary"]["rejected"]) == (24, 0)
    assert set(ns["csat_by_agent"]) == {"ana", "ben"}
    card, scores = ns["card"], ns["scores"]
    assert (card["scope"], card["better_than_chance"]) == ("pooled-shifted", True)
    assert ns["figures"]["account"] == "acme"
    assert len(scores) == 10 and all(len(s["reasons"]) == 3 for s in scores)
    assert [s["score"] for s in scores] == sorted(s["score"] for s in scores)


# ---- the methods are their use cases ----------------------------------------------------------


def _records() -> dict[str, list[dict]]:
    tickets = [{k: v for k, v in make_ticket(id=f"T{i}", assignee_id=f"a{i % 2}").items() if k != "type"}
               for i in range(4)]
    ratings = [{"id": f"T{i}-csat", "ticket_id": f"T{i}", "score": score, "given_at": "2026-03-02T12:00:00Z"}
               for i, score in enumerate([5, 5, 4, 1])]  # a0 rated 5 and 4, a1 5 and 1
    return {"tickets": tickets, "ratings": ratings}


def test_records_go_in_and_the_report_is_the_services(store):
    pulse = cxpulse.Pulse(store)
    for kind, records in _records().items():
        result = pulse.import_records(kind, records, account="acme")
        assert (result["inserted"], result["rejected"], result["refreshed"]) == (len(records), 0, True)
    again = pulse.import_records("ratings", _records()["ratings"], account="acme")
    assert (again["inserted"], again["unchanged"]) == (0, 4)
    bad = pulse.import_records("ratings", [{"id": "x", "ticket_id": "T0", "score": 5}], account="acme")
    assert bad["rejected"] == 1 and bad["errors"][0]["field"] == "given_at"

    rows = pulse.report(["csat", "kpi"], by=["agent"], since="2026-03-01", until=date(2026, 3, 31))
    assert rows == report(store, ReportQuery(metrics=("csat", "kpi"), by=("agent",), since=date(2026, 3, 1),
                                             until=date(2026, 3, 31)))
    assert {r["group"]["agent"]: r["value"] for r in rows if r["metric"] == "csat"} == {"a0": 100.0, "a1": 50.0}
    assert [a["name"] for a in pulse.accounts()] == ["acme"]


def test_wrong_arguments_raise_domain_errors(tmp_path):
    with cxpulse.open_store(tmp_path / "x.db") as pulse:
        with pytest.raises(InvalidQuery, match="unknown kind 'tickts'"):
            pulse.import_records("tickts", [])
        with pytest.raises(InvalidQuery, match="since='March' is not a date"):
            pulse.report("csat", since="March")
        with pytest.raises(InvalidQuery, match="unknown metric 'happiness'"):
            pulse.report("happiness")
        with pytest.raises(InvalidQuery, match="as_of='soon' is not a time"):
            pulse.score(as_of="soon")
        with pytest.raises(NotFound, match="no accounts yet"):
            pulse.train()
        with pytest.raises(CxpulseError, match="no such file"):
            pulse.import_file("jsonl", tmp_path / "missing.jsonl")


def test_a_report_frame_has_a_column_per_by_key(tmp_path, monkeypatch):
    made = {}

    class FakeFrame:
        @classmethod
        def from_records(cls, records, columns):
            made.update(records=records, columns=columns)
            return cls()

    monkeypatch.setitem(sys.modules, "pandas", types.SimpleNamespace(DataFrame=FakeFrame))
    with cxpulse.open_store(tmp_path / "x.db") as pulse:
        for kind, records in _records().items():
            pulse.import_records(kind, records, account="acme")
        rows = pulse.report("csat", by="agent")
        assert isinstance(pulse.report("csat", by="agent", frame=True), FakeFrame)
    assert made["columns"][0] == "agent" and "group" not in made["columns"]
    assert set(made["columns"]) == {"agent"} | {k for r in rows for k in r} - {"group"}
    assert made["records"] == [{"agent": r["group"]["agent"], **{k: v for k, v in r.items() if k != "group"}}
                               for r in rows]


def test_a_report_frame_without_pandas_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with cxpulse.open_store(tmp_path / "x.db") as pulse:
        assert pulse.report("csat") == []
        with pytest.raises(InvalidQuery, match="pip install pandas"):
            pulse.report("csat", frame=True)
