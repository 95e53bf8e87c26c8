"""On PostgreSQL, reports read the rollups through their indexes, never the raw responses
when a rollup answers (issue 19 §1): checked with EXPLAIN on the SQL `report()` issues.

The data is small, so the planner would rightly scan these tiny tables from end to end;
the index checks therefore run with `enable_seqscan = off`, which asks a different
question — is there an index these predicates can use? — whose answer does not depend
on the size. Which tables a plan reads does not depend on it either. bench_report.py
--explain prints the same plans at 10M rows.
"""

from __future__ import annotations

from datetime import date

import pytest

from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from tests.factories import random_help_desk, write_jsonl
from tests.pg import private_database
from tests.pg_explain import plans_of

pytestmark = pytest.mark.postgres

KINDS = ("csat", "nps", "ces", "csi")
ROLLUPS = {"rollup_day", "rollup_day_account", "rollup_month_agent", "rollup_month_category"}
INDEXED = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    """Two accounts of a small help desk on a PostgreSQL database of this module's own."""
    with private_database("cxpulse_explain") as url:
        store = Store.open(url)
        tmp = tmp_path_factory.mktemp("explain")
        for seed, account in ((5, "acme"), (6, "globex")):
            records, _ = random_help_desk(seed=seed, tickets=200)
            import_path(store, "jsonl", write_jsonl(tmp / f"{account}.jsonl", records), account=account)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        yield store
        store.engine.dispose()


def _plans(store: Store, q: ReportQuery, **kw):
    rows = []
    plans = plans_of(store.engine, lambda: rows.extend(report(store, q)), **kw)
    assert rows, "the report returned nothing: the plans would prove nothing"
    return plans


def _read(plans) -> set[str]:
    return set().union(*(p.relations for p in plans))


CASES = {
    "one account, overview": ReportQuery(metrics=KINDS, account="acme"),
    "one account --by month": ReportQuery(metrics=KINDS, account="acme", by=("month",)),
    "one account --by agent, one month": ReportQuery(metrics=KINDS, account="acme", by=("agent",),
                                                     since=date(2026, 3, 1), until=date(2026, 3, 31)),
    "one account, 30 days (the dashboard's period)": ReportQuery(metrics=KINDS, account="acme",
                                                                 since=date(2026, 3, 2), until=date(2026, 3, 31)),
    "all accounts --by account,month": ReportQuery(metrics=KINDS, by=("account", "month")),
}


@pytest.mark.parametrize("label", list(CASES))
def test_a_report_a_rollup_answers_never_reads_raw_responses(pg, label):
    read = _read(_plans(pg, CASES[label]))
    assert read & ROLLUPS, f"{label}: no rollup read at all ({sorted(read)})"
    assert "responses" not in read, f"{label}: reads the raw responses ({sorted(read)})"
    assert "tickets" not in read, f"{label}: joins the tickets, which only the raw path needs ({sorted(read)})"


@pytest.mark.parametrize("label", [k for k in CASES if k.startswith("one account")])
def test_one_account_reads_its_rollup_rows_through_an_index(pg, label):
    """Every read of a rollup (and of accounts) in a one-account report can go through an
    index that starts with the account, so its cost follows that account's size, not
    the whole table's."""
    plans = _plans(pg, CASES[label], settings={"enable_seqscan": "off"})
    seen = 0
    for plan in plans:
        for name in plan.relations & ROLLUPS:
            for node, index in plan.scans_of(name):
                seen += 1
                assert node in INDEXED, f"{label}: {node} on {name}\n{plan.sql}"
                assert index.startswith(name), (label, node, index)  # its primary key, {name}_pkey
            # and the index's condition names the account (not a full index scan)
            text = repr(plan.root)
            assert "account_id" in text and ("Index Cond" in text or "Recheck Cond" in text), plan.sql
    assert seen, f"{label}: no rollup read"


def test_a_query_no_rollup_answers_does_read_the_raw_rows(pg):
    """The check above can fail: a ragged week by agent comes from the raw rows, and the
    plans say so."""
    q = ReportQuery(metrics=KINDS, account="acme", by=("agent", "week"),
                    since=date(2026, 3, 3), until=date(2026, 3, 20))
    read = _read(_plans(pg, q))
    assert "responses" in read and not read & ROLLUPS


def test_the_raw_rows_of_one_account_are_read_through_an_index(pg):
    """When nothing but raw rows answers, one account's rows are still found by an index
    on the account (and its days), not by reading every account's."""
    q = ReportQuery(metrics=KINDS, account="acme", by=("agent", "week"),
                    since=date(2026, 3, 3), until=date(2026, 3, 20))
    for plan in _plans(pg, q, settings={"enable_seqscan": "off"}):
        for node, index in plan.scans_of("responses"):
            assert node in INDEXED, f"{node} on responses\n{plan.sql}"


def test_an_import_recounts_one_month_from_that_months_responses_only(pg):
    """An import recounts the rollups of the months it touched; the raw responses of that
    month are found by (account, day) — at 10M rows, the largest account's one-month
    recount read all its 3M responses without ix_responses_day (docs/postgres.md)."""
    from cxpulse.storage.rollups import refresh_rollups

    acme = pg.account("acme").id

    def recount() -> None:
        with pg.engine.connect() as conn:
            refresh_rollups(conn, acme, first_day=date(2026, 3, 1), last_day=date(2026, 3, 31))
            conn.rollback()

    plans = plans_of(pg.engine, recount, kinds=("INSERT",), settings={"enable_seqscan": "off"})
    reads = [scan for p in plans for scan in p.scans_of("responses")]
    assert len(reads) == 3, reads  # one recount per rollup
    assert all(ix == "ix_responses_day" for _node, ix in reads), reads


def test_compare_previous_finds_the_last_day_with_data_by_index(pg):
    plans = _plans(pg, ReportQuery(metrics=KINDS, account="acme", compare_previous=True),
                   settings={"enable_seqscan": "off"})
    reads = [scan for p in plans for scan in p.scans_of("responses")]
    assert reads and all(ix == "ix_responses_day" for _node, ix in reads), reads
    assert not ROLLUPS.isdisjoint(_read(plans))
