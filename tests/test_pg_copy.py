"""Bulk writes through COPY on PostgreSQL store what the SQLite path stores (issue 19 §1).

Each test imports the same files into a fresh SQLite file and a fresh PostgreSQL database
and compares every table, row by row, ids included: new rows are numbered in the order
they come on both, and a re-import uses up no ids on PostgreSQL. The text is chosen to
trip COPY's text format: tabs, newlines, backslashes, its own NULL marker `\\N` and
end-of-data marker `\\.`, unicode, very long text, and NULLs beside empty strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import Account
from cxpulse.service import load as load_module
from cxpulse.service.derive import derive_stale
from cxpulse.service.imports import import_path
from cxpulse.storage import Store, pg_copy
from cxpulse.storage import tables as T
from tests.factories import make_ticket, random_help_desk, write_jsonl
from tests.pg import private_database

CLOCK_COLUMNS = {"accounts": {"created_at"}}  # when the account was first stored: a clock reading


@pytest.fixture
def pg(tmp_path) -> Iterator[Store]:
    with private_database("cxpulse_copy") as url:
        store = Store.open(url)
        try:
            yield store
        finally:
            store.engine.dispose()


@pytest.fixture
def lite(tmp_path) -> Iterator[Store]:
    store = Store.open(tmp_path / "lite.db")
    yield store
    store.engine.dispose()


@pytest.fixture
def copies(monkeypatch) -> list[tuple[str, int]]:
    """(table, rows) of each staged COPY upsert, to show the PostgreSQL side went through COPY."""
    seen: list[tuple[str, int]] = []
    real = pg_copy.copy_upsert

    def spy(conn, table, account_id, keys, rows, **kw):
        seen.append((table.name, len(rows)))
        return real(conn, table, account_id, keys, rows, **kw)

    monkeypatch.setattr(pg_copy, "copy_upsert", spy)
    return seen


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every table as sorted rows (ids included), without clock readings."""
    out = {}
    with store.engine.connect() as c:
        for table in T.metadata.sorted_tables:
            cols = [col for col in table.c if col.name not in CLOCK_COLUMNS.get(table.name, set())]
            out[table.name] = sorted((tuple(r) for r in c.execute(select(*cols))), key=repr)
    return out


def assert_same(lite: Store, pg: Store) -> dict[str, list[tuple]]:
    a, b = snapshot(lite), snapshot(pg)
    differ = {name: (len(a[name]), len(b[name])) for name in a if a[name] != b[name]}
    for name in differ:  # the first differing row of each, to read in the failure
        first = next((x, y) for x, y in zip(a[name] + [None], b[name] + [None]) if x != y)
        differ[name] += first
    assert not differ, f"tables that differ (SQLite rows, PostgreSQL rows, first differing pair): {differ}"
    return a


def both(lite: Store, pg: Store, path: Path, account: str = "acme") -> dict:
    """Import into both; the two summaries must agree, count for count."""
    s1 = import_path(lite, "jsonl", path, account=account, rejects_path=path.with_suffix(".lite.rejects"))
    s2 = import_path(pg, "jsonl", path, account=account, rejects_path=path.with_suffix(".pg.rejects"))
    counts = lambda s: (s.read, s.inserted, s.updated, s.unchanged, s.rejected,  # noqa: E731
                        {k: vars(v) for k, v in s.by_kind.items()})
    assert counts(s1) == counts(s2)
    return counts(s1)[:5]


@pytest.mark.postgres
@pytest.mark.parametrize("copy_from", [pg_copy.COPY_MIN_ROWS, 1], ids=["large-batches", "every-batch"])
def test_an_import_through_copy_stores_what_sqlite_stores_and_a_reimport_changes_nothing(
        copy_from, lite, pg, copies, tmp_path, monkeypatch):
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", copy_from)
    records, _facts = random_help_desk(seed=19, tickets=600)
    account = {"type": "account", "name": "acme", "timezone": "Europe/Vilnius",
               "business_hours": {"start": "09:00", "end": "18:00", "weekdays": [0, 1, 2, 3, 4]}}
    path = write_jsonl(tmp_path / "desk.jsonl", [account, *records])

    read, inserted, updated, unchanged, rejected = both(lite, pg, path)

    assert (inserted, updated, unchanged, rejected) == (read, 0, 0, 0)
    assert {"tickets", "ticket_events", "responses"} <= {name for name, _n in copies}
    first = assert_same(lite, pg)
    assert len(first["ticket_kpis"]) == 600 and first["rollup_day"] and not first["stale_derived"]

    copies.clear()
    _read, inserted, updated, unchanged, _rejected = both(lite, pg, path)

    assert (inserted, updated, unchanged) == (0, 0, read)
    assert copies  # the re-import went through COPY too, and changed nothing
    assert assert_same(lite, pg) == first


@pytest.mark.postgres
def test_changed_and_new_rows_through_copy_update_and_insert_as_on_sqlite(lite, pg, copies, tmp_path):
    records, _facts = random_help_desk(seed=7, tickets=500)
    both(lite, pg, write_jsonl(tmp_path / "a.jsonl", records))
    later = [
        {**r, "status": "open", "subject": "Reopened\tby the customer"} if r["type"] == "ticket" and i % 3 == 0
        else {**r, "body": r["body"] + "\n(edited)"} if r.get("kind") == "comment" and i % 4 == 0 else r
        for i, r in enumerate(records)
    ]
    later += [make_ticket(id=f"N{i}", subject=f"new {i}") for i in range(300)]

    read, inserted, updated, unchanged, rejected = both(lite, pg, write_jsonl(tmp_path / "b.jsonl", later))

    assert inserted == 300 and updated > 300 and unchanged > 0 and rejected == 0
    assert read == inserted + updated + unchanged
    assert_same(lite, pg)  # ids too: the new tickets are numbered on from the old, in the file's order


@pytest.mark.postgres
def test_a_first_import_copies_straight_into_the_tables_and_a_later_one_merges(lite, pg, tmp_path, monkeypatch):
    staged: list[str] = []
    real = pg_copy._stage
    monkeypatch.setattr(pg_copy, "_stage", lambda conn, table, cols, **kw: (
        staged.append(table.name), real(conn, table, cols, **kw))[1])
    records, _facts = random_help_desk(seed=5, tickets=500)
    both(lite, pg, write_jsonl(tmp_path / "a.jsonl", records))
    assert staged == []  # nothing stored yet: every batch went straight in
    later = [{**r, "subject": "changed"} if r["type"] == "ticket" else r for r in records]

    both(lite, pg, write_jsonl(tmp_path / "b.jsonl", later))

    assert "tickets" in staged  # batches holding stored rows are merged
    assert_same(lite, pg)


@pytest.mark.postgres
def test_rows_stored_by_another_writer_between_look_and_copy_are_merged_not_lost(lite, pg, tmp_path, monkeypatch):
    """A writer that took no account lock may store a batch's source id after the look:
    the straight COPY then fails on the unique key, is rolled back, and the batch is merged."""
    records, _facts = random_help_desk(seed=7, tickets=400)
    both(lite, pg, write_jsonl(tmp_path / "a.jsonl", records))
    monkeypatch.setattr(pg_copy, "_any_stored", lambda *a: False)  # the look misses what is stored
    later = [{**r, "status": "open"} if r["type"] == "ticket" and i % 2 else r for i, r in enumerate(records)]
    later += [make_ticket(id=f"N{i}", subject=f"new {i}") for i in range(250)]

    read, inserted, updated, unchanged, rejected = both(lite, pg, write_jsonl(tmp_path / "b.jsonl", later))

    assert inserted == 250 and updated > 0 and unchanged > 0 and rejected == 0
    # everything as on SQLite but the ids of the new rows: the failed COPY used some up
    no_ids = lambda snap: {t: sorted((r[1:] for r in rows), key=repr) for t, rows in snap.items()}  # noqa: E731
    assert no_ids(snapshot(lite)) == no_ids(snapshot(pg))


# Text that COPY's text format must escape: its column and row separators, its escape
# character, its NULL marker and end-of-data marker, as whole values and inside others.
AWKWARD = [
    "tab\there", "line\nbreak", "crlf\r\nend", "lone\rcr", "back\\slash", "\\", "\\\\", "\\N", "\\.", "\\.\n",
    "ends with backslash\\", "\\t literal", "'quotes\" and `ticks`", ",;|", "  spaces kept  ", "",
    "Ελληνικά · русский · lietuvių · עברית · العربية · 中文 · 日本語", "e\u0301 combining", "zero\u200bwidth",
    "\ufeffBOM first", "emoji 😀👍🏽🇱🇹", "\u2028line sep\u2029para sep", "\x01\x1f\x7f controls",
]


def _awkward_desk() -> list[dict]:
    long_text = ("Ilgas tekstas su\ttabais ir\nnaujomis eilutėmis \\ " * 40_000)[:1_500_000]  # 1.5 MB
    out = []
    for i, text in enumerate([*AWKWARD, long_text]):
        tid = f"W{i}"
        out.append(make_ticket(id=tid, subject=text, description=text, group=text[:200], category=text[:200],
                               created_at=f"2026-03-{1 + i % 27:02d}T09:00:00Z",
                               # a ticket without an assignee, solve time or due date: NULLs and empty strings
                               **({"assignee_id": "", "status": "open"} if i % 2 else {})))
        out.append({"type": "event", "id": f"{tid}-1", "ticket_id": tid, "at": f"2026-03-{1 + i % 27:02d}T09:05:00Z",
                    "kind": "comment", "author_id": "a1", "author_role": "agent", "body": text})
        out.append({"type": "rating", "id": f"{tid}-r", "ticket_id": tid, "score": 1 + i % 5,
                    "given_at": f"2026-03-{1 + i % 27:02d}T10:00:00Z", "comment": text, "reason": text[:300]})
        out.append({"type": "response", "id": f"{tid}-csi", "ticket_id": tid, "kind": "csi", "score": 1 + i % 5,
                    "attribute": text[:100] or "speed", "given_at": f"2026-03-{1 + i % 27:02d}T10:00:00Z",
                    **({"importance": 1 + i % 5} if i % 2 else {})})  # a NULL importance beside given ones
    return out


@pytest.mark.postgres
def test_awkward_text_goes_through_copy_exactly_as_written(lite, pg, copies, tmp_path, monkeypatch):
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1)  # these few rows too
    desk = _awkward_desk()
    path = write_jsonl(tmp_path / "awkward.jsonl", desk)

    read, inserted, _updated, _unchanged, rejected = both(lite, pg, path)

    assert rejected == 0 and inserted == read == len(desk)
    assert copies
    assert_same(lite, pg)
    with pg.engine.connect() as c:
        subjects = dict(c.execute(select(T.tickets.c.source_id, T.tickets.c.subject)).all())
        bodies = dict(c.execute(select(T.ticket_events.c.ticket_id, T.ticket_events.c.body)).all())
        importance = dict(c.execute(select(T.responses.c.source_id, T.responses.c.importance)
                                    .where(T.responses.c.kind == "csi")).all())
    written = {r["id"]: r["subject"] for r in desk if r["type"] == "ticket"}
    assert subjects == written and bodies == written  # byte for byte, the 1.5 MB text too
    assert importance["W0-csi"] is None and importance["W1-csi"] == 2

    again = import_path(pg, "jsonl", path, account="acme")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, read)  # read back as written: same hashes


@pytest.mark.postgres
def test_awkward_text_goes_through_the_one_statement_of_small_batches_exactly_as_written(lite, pg, copies,
                                                                                        tmp_path, monkeypatch):
    # below COPY_MIN_ROWS a batch is one statement of rows sent as JSON (storage/pg_unnest.py):
    # quotes, braces, commas, backslashes and NULL-looking text, microseconds, a false
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 10**9)
    desk = _awkward_desk()
    desk += [{**r, "id": f"{r['id']}-x", "subject": text} for r, text in
             zip((r for r in desk if r["type"] == "ticket"), ['{"a,b"}', "NULL", "\\N", "a\\\"b", "{}", ""])]
    desk.append({"type": "event", "id": "W0-2", "ticket_id": "W0", "at": "2026-03-01T09:05:00.123456Z",  # µs, False
                 "kind": "comment", "author_id": "a1", "author_role": "agent", "public": False, "body": "x"})
    path = write_jsonl(tmp_path / "awkward.jsonl", desk)

    read, inserted, _updated, _unchanged, rejected = both(lite, pg, path)

    assert rejected == 0 and inserted == read == len(desk) and not copies
    assert_same(lite, pg)
    again = import_path(pg, "jsonl", path, account="acme")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, read)


def test_duplicate_source_ids_in_one_batch_store_the_last_through_copy(store, monkeypatch):
    """The same upsert on both stores (the `store` fixture): the last version of a source id wins."""
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1)
    acc = store.ensure_account("acme")
    keys = ("source_id", "role", "name", "email", "locale")
    rows = [(("u1", "agent", "First\tname", "", ""), "h1"), (("u2", "customer", "B\\N", "", ""), "h2"),
            (("u1", "agent", "Second\nname", "", ""), "h3")]

    counts = store.upsert_values(T.users, acc.id, keys, rows)
    again = store.upsert_values(T.users, acc.id, keys, [(("u2", "customer", "B\\N", "", ""), "h2"),
                                                        (("u1", "admin", "Third", "", ""), "h4")])

    assert (counts.inserted, counts.updated, counts.unchanged, counts.touched) == (2, 0, 1, ["u1", "u2"])
    assert (again.inserted, again.updated, again.unchanged, again.touched) == (0, 1, 1, ["u1"])
    with store.engine.connect() as c:
        stored = c.execute(select(T.users.c.id, T.users.c.source_id, T.users.c.role, T.users.c.name,
                                  T.users.c.content_hash).order_by(T.users.c.id)).all()
    assert [tuple(r) for r in stored] == [(1, "u1", "admin", "Third", "h4"), (2, "u2", "customer", "B\\N", "h2")]


@pytest.mark.postgres
def test_a_new_timezone_moves_response_days_through_copy_as_on_sqlite(lite, pg, tmp_path, monkeypatch):
    updates: list[tuple[str, int]] = []
    real = pg_copy.copy_update
    monkeypatch.setattr(pg_copy, "copy_update", lambda conn, table, rows, columns: (
        updates.append((table.name, len(rows))), real(conn, table, rows, columns))[1])
    records, _facts = random_help_desk(seed=11, tickets=500)
    line = {"type": "account", "name": "acme", "timezone": "UTC"}
    both(lite, pg, write_jsonl(tmp_path / "utc.jsonl", [line, *records]))
    before = assert_same(lite, pg)

    for store in (lite, pg):  # `cxpulse settings acme --timezone …`, then the refresh the next command does
        store.update_account(Account(name="acme", timezone="Pacific/Kiritimati"))
        derive_stale(store)

    after = assert_same(lite, pg)
    assert updates and updates[0][0] == "responses" and updates[0][1] > pg_copy.COPY_MIN_ROWS
    assert after["responses"] != before["responses"]  # 14 hours ahead: most ratings move to the next day


@pytest.mark.postgres
def test_a_large_import_leaves_the_planner_statistics_of_what_it_wrote(pg, tmp_path, monkeypatch):
    """Statistics taken at the first batch only described 5,000 rows by the end of a 10M-event
    import (autovacuum had not taken them again): the import takes them before its refresh."""
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1)
    records, _facts = random_help_desk(seed=7, tickets=300)
    account = {"type": "account", "name": "acme", "timezone": "UTC"}
    path = write_jsonl(tmp_path / "desk.jsonl", [account, *records])
    monkeypatch.setattr(pg_copy, "ANALYZE_AFTER_ROWS", 10**9)
    import_path(pg, "jsonl", path, account="acme")
    assert not pg_copy.analyze_after_bulk(pg.engine, 10**9 - 1)  # below the mark: nothing run
    monkeypatch.setattr(pg_copy, "ANALYZE_AFTER_ROWS", 100)
    with pg.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE ticket_events")
    path2 = write_jsonl(tmp_path / "more.jsonl", [account, *random_help_desk(seed=8, tickets=900)[0]])
    summary = import_path(pg, "jsonl", path2, account="acme")
    assert summary.inserted >= 100
    with pg.engine.connect() as conn:
        counted = conn.exec_driver_sql("SELECT count(*) FROM ticket_events").scalar()
        planned = conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = CAST('ticket_events' AS regclass)").scalar()
    assert planned == counted  # ANALYZE of a small table reads every row: the statistics are of all of them


@pytest.mark.parametrize("guess", [True, False, None], ids=["guess-new", "guess-stored", "no-guess"])
def test_a_wrong_guess_of_new_rows_costs_time_not_rows(store, monkeypatch, guess):
    """upsert_values' `expect_new` picks PostgreSQL's path; every guess stores the same."""
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1)
    acc = store.ensure_account("acme")
    keys = ("source_id", "role", "name", "email", "locale")
    first = store.upsert_values(T.users, acc.id, keys, [((f"u{i}", "agent", f"n{i}", "", ""), f"h{i}") for i in range(5)],
                                expect_new=guess)
    mixed = [((f"u{i}", "agent", f"n{i}", "", ""), f"h{i}") for i in range(3)]  # stored, same
    mixed += [(("u3", "admin", "changed", "", ""), "x3"), (("u9", "customer", "new", "", ""), "h9")]

    second = store.upsert_values(T.users, acc.id, keys, mixed, expect_new=guess)

    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.inserted, second.updated, second.unchanged, second.touched) == (1, 1, 3, ["u9", "u3"])
    with store.engine.connect() as c:
        stored = c.execute(select(T.users.c.source_id, T.users.c.role, T.users.c.content_hash)
                           .order_by(T.users.c.source_id)).all()
    assert [tuple(r) for r in stored] == [("u0", "agent", "h0"), ("u1", "agent", "h1"), ("u2", "agent", "h2"),
                                          ("u3", "admin", "x3"), ("u4", "agent", "h4"), ("u9", "customer", "h9")]


@pytest.mark.postgres
def test_an_import_written_behind_in_many_batches_stores_what_sqlite_stores(lite, pg, tmp_path, monkeypatch):
    """On PostgreSQL a writer thread stores each batch while the next is gathered: the same
    rows, ids and counts as SQLite's import, which writes in line."""
    monkeypatch.setattr(load_module, "BATCH", 97)  # many batches of every kind, interleaved
    writers: list[bool] = []
    real = load_module.WriteBehind
    monkeypatch.setattr(load_module, "WriteBehind", lambda *a, **k: (writers.append(True), real(*a, **k))[1])
    records, _facts = random_help_desk(seed=23, tickets=300)
    path = write_jsonl(tmp_path / "desk.jsonl", records)

    read, inserted, _updated, _unchanged, _rejected = both(lite, pg, path)

    assert writers == [True]  # PostgreSQL's import only
    assert inserted == read
    assert assert_same(lite, pg)["ticket_kpis"]


@pytest.mark.parametrize("overlap", [False, True], ids=["in-line", "written-behind"])
def test_batches_gathered_before_a_stream_error_are_stored_before_it_is_raised(store, monkeypatch, tmp_path, overlap):
    from cxpulse.readers.base import Record
    from cxpulse.readers.jsonl import read_jsonl
    from cxpulse.service.load import load, prepare

    monkeypatch.setattr(load_module, "BATCH", 50)
    path = write_jsonl(tmp_path / "t.jsonl", [make_ticket(id=f"T{i}") for i in range(120)])

    def stream():
        for rec in read_jsonl(path):
            yield prepare(rec) if rec.__class__ is Record else rec
        raise RuntimeError("the file ended early")

    with pytest.raises(RuntimeError, match="ended early"):
        load(store, stream(), account="acme", overlap=overlap)
    assert store.count(T.tickets) == 100  # two full batches; the 20 gathered after them are not stored


@pytest.mark.postgres
def test_a_large_import_and_a_rebuild_leave_the_derived_tables_vacuumed(pg, tmp_path, monkeypatch):
    """Until a vacuum, the reports' index-only scans of KPI rows and rollups read the heap
    for every row (8.0 s against 3.1 s for a year of 1M tickets' KPIs): a large import, and a
    rebuild, vacuum them before they return; a small one leaves it to autovacuum."""
    from cxpulse.service.derive import rebuild

    def vacuumed() -> set[str]:
        with pg.engine.connect() as conn:
            return {name for (name,) in conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL")}

    records, _facts = random_help_desk(seed=9, tickets=200)
    path = write_jsonl(tmp_path / "desk.jsonl", records)
    monkeypatch.setattr(pg_copy, "ANALYZE_AFTER_ROWS", 10**9)
    import_path(pg, "jsonl", path, account="acme")
    assert "ticket_kpis" not in vacuumed()

    monkeypatch.setattr(pg_copy, "ANALYZE_AFTER_ROWS", 100)
    import_path(pg, "jsonl", write_jsonl(tmp_path / "more.jsonl", random_help_desk(seed=10, tickets=200)[0]),
                account="acme")
    assert {"ticket_kpis", "rollup_day", "rollup_month_agent", "stale_derived"} <= vacuumed()

    with pg.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_reset()")
    rebuild(pg)
    assert "ticket_kpis" in vacuumed()
