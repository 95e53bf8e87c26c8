"""A large input is read in a second process: the result must be the in-process result."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxpulse.domain import FormatError
from cxpulse.service import pipeline
from cxpulse.service.imports import import_path
from cxpulse.storage import tables as T
from tests.factories import random_help_desk, write_jsonl


@pytest.fixture
def reader_process(monkeypatch):
    """Every input counts as large: the import goes through the reader process."""
    started = []
    real = pipeline.read_in_process

    def spy(make_reader, progress):
        started.append(make_reader)
        return real(make_reader, progress)

    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    monkeypatch.setattr("cxpulse.service.imports.read_in_process", spy)
    return started


def _contents(store) -> dict:
    with store.engine.connect() as c:
        return {
            t.name: sorted(tuple(r) for r in c.execute(select(*[col for col in t.c if col.name != "id"])))
            for t in (T.users, T.tickets, T.ticket_events, T.responses, T.ticket_kpis, T.rollup_day)
        }


def _mixed_file(tmp_path):
    records, _facts = random_help_desk(seed=5, tickets=400)
    lines = [*records[:700], {"type": "event", "id": "bad-1", "ticket_id": "T1", "at": "yesterday", "kind": "comment"},
             *records[700:], {"type": "rating", "id": "bad-2", "ticket_id": "T2", "score": 9, "given_at": "2026-03-05T10:00:00Z"},
             # a later version of a ticket in the same file wins, as it does in-process
             {**records[0], "channel": "phone"}]
    path = write_jsonl(tmp_path / "desk.jsonl", lines)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    return path


def test_an_import_through_the_reader_process_stores_what_an_in_process_import_stores(store, tmp_path, reader_process):
    path = _mixed_file(tmp_path)
    seen: list[int] = []
    summary = import_path(store, "jsonl", path, account="acme", rejects_path=tmp_path / "r1.jsonl", progress=seen.append)
    assert len(reader_process) == 1
    through_process = _contents(store)
    again = import_path(store, "jsonl", path, account="acme", rejects_path=tmp_path / "r2.jsonl")

    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert [(r.line, r.field) for r in summary.first_rejects] == [(701, "at"), (lines - 2, "score"), (lines, "(line)")]
    assert summary.inserted > 1500 and summary.unchanged == 1  # the superseded ticket version
    assert (again.inserted, again.updated) == (0, 0)
    assert (tmp_path / "r1.jsonl").read_text(encoding="utf-8").count("\n") == 3
    assert seen and seen[-1] == path.stat().st_size
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.channel).where(T.tickets.c.source_id == "T0")).scalar_one() == "phone"
        assert c.execute(select(T.ticket_events.c.body).where(T.ticket_events.c.source_id == "T0-1")).scalar_one() \
            == "Ничего не работает"

    assert through_process["ticket_kpis"] and through_process["rollup_day"]


def test_in_process_and_reader_process_imports_give_identical_tables(tmp_path, monkeypatch):
    from cxpulse.storage import Store

    path = _mixed_file(tmp_path)
    serial = Store.open(tmp_path / "serial.db")
    import_path(serial, "jsonl", path, account="acme")
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    parallel = Store.open(tmp_path / "parallel.db")
    import_path(parallel, "jsonl", path, account="acme")
    assert _contents(serial) == _contents(parallel)


def test_a_file_that_is_not_json_lines_stops_before_anything_is_written(store, tmp_path, reader_process):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"type": "ticket", "subject": "Ačiū"}\n'.encode("cp1257"))
    with pytest.raises(FormatError) as err:
        import_path(store, "jsonl", path, account="acme")
    assert err.value.path == str(path) and err.value.line == 1 and "UTF-8" in str(err.value)
    assert store.count(T.tickets) == 0
