"""The QA rollups (storage/qa_rollups.py) answer the IQS reports exactly as the reviews do,
on SQLite and PostgreSQL: after reviews written one by one, replaced into another month,
agent or mystery flag, after `cxpulse rebuild`, and after migration 0013 on a database that
held reviews before it."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cxpulse.service import qa
from cxpulse.service.derive import rebuild
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import qa as stored
from cxpulse.storage import qa_rollups
from cxpulse.storage import tables as T
from tests.qa_helpers import AT, help_desk, review

QUERIES = [
    dict(metrics=("iqs",), account="acme"),
    dict(metrics=("iqs",), account="acme", by=("agent",)),
    dict(metrics=("iqs",), account="acme", by=("criterion",)),
    dict(metrics=("iqs",), account="acme", by=("month",)),
    dict(metrics=("iqs",), account="acme", by=("agent", "criterion")),
    dict(metrics=("iqs",), by=("account", "month")),
    dict(metrics=("iqs",), account="acme", mystery="only"),
    dict(metrics=("iqs",), account="acme", by=("agent",), mystery="include"),
    dict(metrics=("iqs",), account="acme", since=date(2026, 2, 1), until=date(2026, 3, 31)),
    dict(metrics=("iqs",), account="acme", since=date(2026, 2, 3), until=date(2026, 3, 20)),  # not whole months
    dict(metrics=("qa-agreement",), account="acme"),
    dict(metrics=("qa-agreement",), account="acme", by=("agent",)),
    dict(metrics=("qa-agreement",), account="acme", by=("criterion", "month")),
    dict(metrics=("qa-agreement",), by=("account",), mystery="include"),
    dict(metrics=("qa-agreement",), account="acme", mystery="only"),
    dict(metrics=("qa-vs-csat",), account="acme"),
    dict(metrics=("qa-vs-csat",), by=("account", "agent"), mystery="include"),
]


def _rounded(rows: list[dict]) -> list[dict]:
    """The rows with floats to 9 places: a sum of sums adds the same scores in another order."""
    return [{k: round(v, 9) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def _reports(store) -> list[list[dict]]:
    return [_rounded(report(store, ReportQuery(**q))) for q in QUERIES]


def _raw_reports(store, monkeypatch) -> list[list[dict]]:
    with monkeypatch.context() as m:
        m.setattr(qa_rollups, "answers", lambda by, window: False)
        m.setattr(stored, "AGREEMENT_KEYS", set())  # agreement from every score row, in Python
        return _reports(store)


def _rollups(store) -> dict[str, list[tuple]]:
    with store.engine.connect() as conn:
        return {t.name: sorted(tuple(str(round(v, 9) if isinstance(v, float) else v) for v in row)
                               for row in conn.execute(select(t)))
                for t in T.QA_ROLLUPS}  # sums to 9 places: the database adds in its own order


def _many_reviews(store, seed: int = 5) -> None:
    """40 reviews over four months, two agents, four reviewers, some mystery; then eight of
    them written again with another month, score or mystery flag (a replacement)."""
    rnd = random.Random(seed)
    ids = []
    for i in range(40):
        ticket = f"T{rnd.randint(1, 6)}"
        reviewer = f"rev{i % 4}"
        at = AT - timedelta(days=rnd.randrange(0, 110), hours=rnd.randrange(24))
        rid = f"q{i}"
        review(store, ticket, reviewer, solution=rnd.choice([None, 1, 2, 3, 4]), tone=rnd.random() < 0.7,
               honesty=rnd.random() < 0.9, mystery=rnd.random() < 0.15, at=at, id=rid)
        ids.append((rid, ticket, reviewer))
    for rid, ticket, reviewer in rnd.sample(ids, 8):
        review(store, ticket, reviewer, solution=rnd.choice([1, 4]), tone=False, mystery=rnd.random() < 0.5,
               at=AT - timedelta(days=rnd.randrange(0, 110)), id=rid)


@pytest.mark.parametrize("deltas_up_to", [500, 0], ids=["added-in", "months-recounted"])
def test_the_rollups_and_counted_units_answer_every_qa_report_as_the_review_rows_do(store, tmp_path, monkeypatch,
                                                                                   deltas_up_to):
    monkeypatch.setattr(qa, "ROLLUP_DELTAS_UP_TO", deltas_up_to)  # a write of few reviews, or an import of many
    help_desk(store, tmp_path)
    _many_reviews(store)
    with store.engine.connect() as conn:
        months = conn.execute(select(func.count(func.distinct(T.qa_rollup_month_agent.c.month)))).scalar_one()
    assert months >= 3  # the reviews did spread over months, and the rollups hold them
    from_rollups = _reports(store)
    assert all(from_rollups), "every query has rows"
    alphas = [r["value"] for r in from_rollups[QUERIES.index(dict(metrics=("qa-agreement",), account="acme"))]]
    assert any(a is not None and 0 < abs(a) < 1 for a in alphas), alphas  # agreement neither trivial nor empty
    assert from_rollups == _raw_reports(store, monkeypatch)


def test_rebuild_recounts_the_rollups_a_write_kept(store, tmp_path):
    help_desk(store, tmp_path)
    _many_reviews(store, seed=9)
    kept = _rollups(store)
    assert kept["qa_rollup_criterion_agent"]
    with store.engine.begin() as conn:
        for t in T.QA_ROLLUPS:
            conn.execute(t.delete())
    assert report(store, ReportQuery(metrics=("iqs",), account="acme")) == []  # the rollups are what is read
    rebuild(store)
    assert _rollups(store) == kept


def test_migration_0013_counts_the_reviews_stored_before_it(tmp_path, monkeypatch):
    from alembic import command

    from cxpulse.storage import Store
    from cxpulse.storage.migrate import alembic_config, migrate

    store = Store.open(tmp_path / "old.db")
    help_desk(store, tmp_path)
    _many_reviews(store, seed=2)
    kept = _rollups(store)
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012_qa")
    migrate(store.engine)
    assert _rollups(store) == kept
    assert _reports(store) == _raw_reports(store, monkeypatch)
    store.engine.dispose()


def test_a_week_read_from_the_reviews_adds_up_its_days(store, tmp_path):
    help_desk(store, tmp_path)
    review(store, "T1", "rita", solution=4, at=AT)  # Tuesday 2026-03-10: 100
    review(store, "T2", "rita", solution=1, tone=False, at=AT + timedelta(days=1))  # Wednesday: honesty alone, 1 of 4 points → 25
    weeks = report(store, ReportQuery(metrics=("iqs",), account="acme", by=("week",)))
    (iqs,) = [r for r in weeks if r["metric"] == "iqs"]
    assert (iqs["group"]["week"], iqs["n"], iqs["value"]) == ("2026-W11", 2, pytest.approx(62.5))
    solution = next(r for r in weeks if r.get("criterion") == "solution")
    assert solution["n"] == 2
