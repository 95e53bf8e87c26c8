"""Reviewer agreement from the units counted on write (storage/qa_agreement.py) gives the
very rows the score rows give (service/qa_report.py raw_agreement_rows, the reference):
on random reviews by several reviewers, with ties, N/A scores, a reviewer reviewing a
ticket twice, tickets reviewed across months and agents, mystery reviews mixed in, a
criterion whose scale changed between scorecard versions, replacements — for --by agent,
criterion, month and account, each --mystery choice and windows of whole months that cut
tickets, on SQLite and PostgreSQL. Also: a write of the same reviews again changes nothing,
`cxpulse rebuild` and migration 0015 count what the writes kept."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cxpulse.service import qa, qa_report
from cxpulse.service.derive import rebuild
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import qa_agreement
from cxpulse.storage import tables as T

START = datetime(2026, 1, 1, tzinfo=UTC)
CARD = {"name": "Chat", "criteria": [
    {"key": "solution", "labels": {"en": "Solution"}, "weight": 2, "scale": "1-4"},
    {"key": "tone", "labels": {"en": "Tone"}, "scale": "pass_fail"},
    {"key": "honesty", "labels": {"en": "Honesty"}, "scale": "pass_fail"},
]}
# version 2: tone became a 1–4 criterion; its units split by scale, as the rows do
CARD_V2 = {**CARD, "criteria": [CARD["criteria"][0], {**CARD["criteria"][1], "scale": "1-4"}, CARD["criteria"][2]]}
BYS = [(), ("agent",), ("month",), ("criterion",), ("account",), ("agent", "month"), ("criterion", "month"),
       ("account", "month"), ("account", "agent", "criterion")]
WINDOWS = [(None, None), (date(2026, 2, 1), date(2026, 3, 31)), (date(2026, 2, 1), None), (None, date(2026, 2, 28)),
           (date(2026, 3, 1), date(2026, 3, 31))]
MYSTERY = ("exclude", "only", "include")


def _score(rnd: random.Random, scale: str):
    if rnd.random() < 0.12:
        return None  # N/A
    return rnd.choice([1, 2, 3, 4, 4, 3]) if scale == "1-4" else rnd.random() < 0.7


def _reviews(rnd: random.Random, n: int, prefix: str) -> list[qa.ReviewInput]:
    """n reviews of 25 tickets by five reviewers, mostly two or three per ticket, some a
    month apart or of another agent, 15% mystery."""
    out = []
    base = {f"T{t}": (START + timedelta(days=rnd.randrange(0, 100)), f"a{rnd.randrange(3)}") for t in range(25)}
    for i in range(n):
        ticket = f"T{rnd.randrange(25)}"
        at, agent = base[ticket]
        at = at + timedelta(days=rnd.choice([0, 0, 1, 2, 35]), hours=rnd.randrange(24))
        if rnd.random() < 0.15:
            agent = f"a{rnd.randrange(3)}"
        version = rnd.choice([1, 1, 2])
        scales = {"solution": "1-4", "tone": "pass_fail" if version == 1 else "1-4", "honesty": "pass_fail"}
        out.append(qa.ReviewInput(
            ticket_id=ticket, reviewer=f"rev{rnd.randrange(5)}", id=f"{prefix}{i}", agent_id=agent,
            scorecard="Chat", scorecard_version=version, mystery=rnd.random() < 0.15, created_at=at,
            scores={k: _score(rnd, s) for k, s in scales.items()}))
    return out


def _world(store, seed: int) -> None:
    """Two accounts; reviews written one by one (the form, the API) and in batches (an
    import), then a fifth of them written again changed: another ticket, month, agent,
    mystery flag or scores."""
    rnd = random.Random(seed)
    for account in ("acme", "beta"):
        store.ensure_account(account)
        qa.apply_scorecard(store, account, CARD)
        qa.apply_scorecard(store, account, CARD_V2)
        reviews = _reviews(rnd, 90, f"{account}-")
        for r in reviews[:30]:
            qa.create_review(store, account, r)
        qa.write_reviews(store, account, reviews[30:])
        changed = _reviews(rnd, 90, f"{account}-")  # the same ids, other contents
        again = rnd.sample(changed, 18)
        for r in again[:6]:
            qa.create_review(store, account, r)
        qa.write_reviews(store, account, again[6:])


def _queries() -> list[ReportQuery]:
    out = []
    for by in BYS:
        for mystery in MYSTERY:
            for since, until in WINDOWS:
                for account in (None, "acme"):
                    out.append(ReportQuery(metrics=("qa-agreement",), by=by, mystery=mystery, since=since,
                                           until=until, account=account))
    return out


def _raw(store, monkeypatch, q: ReportQuery) -> list[dict]:
    with monkeypatch.context() as m:  # every score row, in Python: not the rollups, nor units counted in SQL
        m.setattr(qa_report, "_agreement_rows", qa_report.raw_agreement_rows)
        return report(store, q)


def _tables(store) -> dict[str, list[tuple]]:
    with store.engine.connect() as conn:
        return {t.name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(t)))
                for t in T.AGREEMENT_ROLLUPS}


def test_agreement_from_the_counted_units_equals_the_score_rows_exactly(store, monkeypatch):
    _world(store, seed=16)
    read_raw: list[int] = []
    real = qa_agreement.raw_tickets

    def spy(conn, **kw):
        found = real(conn, **kw)
        read_raw.append(sum(len(v) for v in found.values()))
        return found

    monkeypatch.setattr(qa_agreement, "raw_tickets", spy)
    compared = alphas = 0
    for q in _queries():
        read_raw.clear()
        counted = report(store, q)
        assert read_raw, f"{q}: not answered from the counted units"
        raw = _raw(store, monkeypatch, q)
        assert counted == raw, q  # every row, every figure, the same floats
        compared += len(raw)
        alphas += sum(1 for r in raw if r["value"] is not None and -1 < r["value"] < 1 and r["tickets"] >= 3)
    assert compared > 500 and alphas > 200  # the rows were many, and agreement neither trivial nor empty
    with store.engine.connect() as conn:
        tickets = conn.execute(select(T.qa_rollup_agreement_tickets.c.mixed)).scalars().all()
        split = conn.execute(select(func.count(func.distinct(T.qa_rollup_agreement.c.scale)))
                             .where(T.qa_rollup_agreement.c.criterion == "tone")).scalar_one()
    assert any(tickets) and not all(tickets)  # tickets mixing mystery reviews, tickets across months
    assert split == 2  # tone on both scales
    cut = ReportQuery(metrics=("qa-agreement",), since=date(2026, 2, 1), until=date(2026, 2, 28))
    read_raw.clear()
    report(store, cut)
    assert read_raw[0] > 0  # a window cutting tickets reads them from the rows


def test_writing_the_same_reviews_again_changes_nothing_and_rebuild_recounts_what_writes_kept(store):
    rnd = random.Random(3)
    store.ensure_account("acme")
    qa.apply_scorecard(store, "acme", CARD)
    qa.apply_scorecard(store, "acme", CARD_V2)
    reviews = _reviews(rnd, 80, "x")
    qa.write_reviews(store, "acme", reviews)
    kept = _tables(store)
    assert kept["qa_rollup_agreement"] and kept["qa_rollup_agreement_reviewers"]
    again = qa.write_reviews(store, "acme", reviews)
    assert again.unchanged == len(reviews)
    assert _tables(store) == kept
    for r in reviews[:5]:
        qa.create_review(store, "acme", r)
    assert _tables(store) == kept
    q = ReportQuery(metrics=("qa-agreement",), by=("month",))
    shown = report(store, q)
    with store.engine.begin() as conn:
        for t in T.AGREEMENT_ROLLUPS:
            conn.execute(t.delete())
    assert report(store, q) == []  # the counted units are what is read
    rebuild(store)
    assert _tables(store) == kept
    assert report(store, q) == shown


def test_moving_every_review_of_a_ticket_away_leaves_no_unit_behind(store):
    store.ensure_account("acme")
    qa.apply_scorecard(store, "acme", CARD)
    at = datetime(2026, 3, 10, tzinfo=UTC)
    for who, s in (("ann", 4), ("ben", 2)):
        qa.create_review(store, "acme", qa.ReviewInput(ticket_id="T1", reviewer=who, id=f"r-{who}", created_at=at,
                                                        scores={"solution": s, "tone": True, "honesty": True}))
    (row,) = [r for r in report(store, ReportQuery(metrics=("qa-agreement",))) if r["criterion"] == "solution"]
    assert (row["tickets"], row["reviewers"]) == (1, 2)
    qa.create_review(store, "acme", qa.ReviewInput(ticket_id="T2", reviewer="ben", id="r-ben", created_at=at,
                                                    scores={"solution": 2, "tone": True, "honesty": True}))
    assert report(store, ReportQuery(metrics=("qa-agreement",))) == []  # T1 has one reviewer left, T2 one
    assert all(not rows for rows in _tables(store).values())


def test_migration_0017_counts_the_reviews_stored_before_it(tmp_path, monkeypatch):
    from alembic import command

    from cxpulse.storage import Store
    from cxpulse.storage.migrate import alembic_config, migrate

    store = Store.open(tmp_path / "old.db")
    _world(store, seed=4)
    kept = _tables(store)
    assert kept["qa_rollup_agreement_tickets"]
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016_long_hold_days")
    migrate(store.engine)
    assert _tables(store) == kept
    q = ReportQuery(metrics=("qa-agreement",), by=("account", "criterion"), mystery="include")
    assert report(store, q) == _raw(store, monkeypatch, q)
    store.engine.dispose()


def test_the_raw_rows_stay_the_reference_for_keys_the_units_do_not_hold(store, monkeypatch):
    """--by week (or group, channel…) and windows of part of a month read the score rows."""
    _world(store, seed=8)
    called = []
    monkeypatch.setattr(qa_agreement, "rolled_units", lambda *a, **k: called.append(1))
    week = report(store, ReportQuery(metrics=("qa-agreement",), by=("week",)))
    part = report(store, ReportQuery(metrics=("qa-agreement",), since=date(2026, 2, 3), until=date(2026, 3, 20)))
    assert week and part and not called
    assert any(r["tickets"] for r in week)
