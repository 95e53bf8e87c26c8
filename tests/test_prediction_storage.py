"""Prediction storage on both databases: model versions, current predictions, the alert log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cxpulse.service.imports import import_path
from cxpulse.storage import predictions as P
from tests.factories import make_ticket, write_jsonl

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _save(conn, account_id, scope="account", card=None):
    version = P.next_model_version(conn, account_id)
    P.insert_model(conn, account_id=account_id, scope=scope, version=version, learner="lgbm", created_at=T0,
                   card={"version": version, "auc": 0.71, **(card or {})}, blob=b"\x00model" + bytes([version]))
    return version


def test_model_versions_increase_per_account_and_apart_for_the_pooled_model(store):
    acme = store.ensure_account("acme").id
    with store.engine.begin() as conn:
        assert P.latest_model(conn, acme) is None
        assert [_save(conn, acme), _save(conn, acme), _save(conn, None, "pooled")] == [1, 2, 1]
    with store.engine.connect() as conn:
        latest = P.latest_model(conn, acme)
        pooled = P.latest_model(conn, None)
        bare = P.latest_model(conn, acme, with_blob=False)
    assert (latest.version, latest.scope, latest.blob, latest.card["auc"]) == (2, "account", b"\x00model\x02", 0.71)
    assert latest.created_at == T0
    assert (pooled.version, pooled.account_id, pooled.scope) == (1, None, "pooled")
    assert bare.blob is None and bare.version == 2


def _row(tid, score, minutes, version=1):
    at = T0 + timedelta(minutes=minutes)
    return {"ticket_id": tid, "as_of": at, "scored_at": at, "score": score, "probability": score / 100,
            "reasons": ["first reply after 14 h; account median 2 h", "канал: phone", "ω"], "model_version": version}


def test_an_alert_is_logged_once_per_crossing_below_the_threshold(store):
    acme = store.ensure_account("acme").id
    logged = []
    # A: above, crosses, stays below, goes back above, crosses again; B: first score is below;
    # C: below but not open (not in alert_on) — no early warning for it
    for step, scores in enumerate([{"A": 50, "B": 10, "C": 5}, {"A": 30}, {"A": 20}, {"A": 45}, {"A": 39}]):
        with store.engine.begin() as conn:
            rows = [_row(tid, s, step, version=step + 1) for tid, s in scores.items()]
            logged += P.record_predictions(conn, acme, rows, threshold=40, alert_on={"A", "B"})
    assert [(a["ticket_id"], a["score"], a["model_version"]) for a in logged] == [("B", 10, 1), ("A", 30, 2), ("A", 39, 5)]
    with store.engine.connect() as conn:
        stored = P.read_alerts(conn)
        current = P.read_predictions(conn, acme)
    assert [(a["account"], a["ticket_id"], a["score"], a["threshold"]) for a in stored] == [
        ("acme", "A", 39, 40), ("acme", "A", 30, 40), ("acme", "B", 10, 40)]
    assert stored[0]["reasons"][1] == "канал: phone" and stored[0]["at"] == T0 + timedelta(minutes=4)
    # one current prediction per ticket, lowest score first, with the version that made it
    assert [(p["ticket_id"], p["score"], p["model_version"]) for p in current] == [("C", 5, 1), ("B", 10, 1), ("A", 39, 5)]
    assert current[2]["reasons"][2] == "ω"


def test_alerts_and_predictions_stay_within_their_account(store):
    acme, other = store.ensure_account("acme").id, store.ensure_account("other").id
    with store.engine.begin() as conn:
        P.record_predictions(conn, acme, [_row("A", 10, 0)], threshold=40, alert_on={"A"})
        P.record_predictions(conn, other, [_row("A", 90, 0)], threshold=40, alert_on={"A"})
    with store.engine.connect() as conn:
        assert [a["account"] for a in P.read_alerts(conn)] == ["acme"]
        assert P.read_alerts(conn, [other]) == []
        assert P.stored_scores(conn, other, ["A", "B"]) == {"A": 90}
    with store.engine.begin() as conn:
        P.delete_predictions(conn, acme)
    with store.engine.connect() as conn:
        assert P.read_predictions(conn, acme) == [] and len(P.read_predictions(conn, other)) == 1


def test_reads_for_training_and_scoring(store, tmp_path):
    records = [
        make_ticket(id="1", status="solved", assignee_id="a1", requester_id="c1"),
        make_ticket(id="2", status="open", assignee_id="a2", requester_id="c2"),
        make_ticket(id="3", status="Pending"),
        {"type": "rating", "id": "r1", "ticket_id": "1", "score": 2, "given_at": "2026-03-03T09:00:00Z"},
        {"type": "rating", "id": "r2", "ticket_id": "1", "score": 5, "given_at": "2026-03-04T09:00:00Z",
         "agent_id": "a9"},
        {"type": "response", "id": "n1", "ticket_id": "1", "kind": "nps", "score": 9, "given_at": "2026-03-03T09:00:00Z"},
    ]
    import_path(store, "jsonl", write_jsonl(tmp_path / "a.jsonl", records), account="acme")
    import_path(store, "jsonl", write_jsonl(tmp_path / "b.jsonl", [make_ticket(id="2")]), account="other")
    acme = store.account("acme").id
    with store.engine.connect() as conn:
        ratings = P.csat_ratings(conn, acme)
        assert [(r.ticket_id, r.score, r.agent_id, r.customer_id) for r in ratings] == [("1", 2, "a1", "c1"), ("1", 5, "a9", "c1")]
        assert ratings[0].given_at == datetime(2026, 3, 3, 9, tzinfo=UTC) and ratings[0].scale == "1-5"
        assert P.open_ticket_ids(conn, acme) == ["2", "3"]
        assert P.open_ticket_ids(conn, acme, ["1", "3", "9"]) == ["3"]
        assert [name for _id, name in P.accounts_with_ticket(conn, "2")] == ["acme", "other"]
        assert P.accounts_with_ticket(conn, "404") == []


def test_open_ticket_ids_come_back_as_written_and_none_when_nothing_is_open(store, tmp_path):
    """The account's open ids, read in one step (SQLite: a JSON array): an id with a quote,
    a backslash, a comma or a non-Latin letter comes back as the help desk wrote it, and an
    account with nothing open gives an empty list."""
    odd = ['q"1', "b\\2", "c,3", "Ж-4", "e 5"]
    records = [make_ticket(id=i, status="open") for i in odd] + [make_ticket(id="done", status="solved")]
    import_path(store, "jsonl", write_jsonl(tmp_path / "a.jsonl", records), account="acme")
    import_path(store, "jsonl", write_jsonl(tmp_path / "b.jsonl", [make_ticket(id="x", status="solved")]),
                account="quiet")
    with store.engine.connect() as conn:
        assert P.open_ticket_ids(conn, store.account("acme").id) == sorted(odd)
        assert P.open_ticket_ids(conn, store.account("quiet").id) == []
