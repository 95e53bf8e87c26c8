"""Issue 12 §3–§4 in bulk on data the demo did not shape: the second world
(tests/worlds/second.py, Zendesk exports with due dates, German, Portuguese and Spanish
words), imported as a user imports it, each account's model trained, every ticket scored.
Each reason holds the rules of tests/ml/test_reasons.py, and the due-date reasons say
what the ticket's own promise says."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime

import pytest

from cxpulse.ml.features import CATEGORICAL, snapshots
from cxpulse.service.imports import import_path
from cxpulse.service.predict import load_account, score, train
from cxpulse.storage import Store
from cxpulse.storage.histories import ticket_histories
from cxpulse.text import is_function_word, is_function_word_in
from tests.worlds.second import write_world

_QUOTED = re.compile(r"“([^”]*)”")
_WORD = re.compile(r"[^\W\d_]{2,}")
_AGE = ("ticket opened ", "customer kept waiting ", "no reply yet after ")
_MEDIAN_OF_A_CATEGORY = re.compile(r"account median (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\d\d:\d\d)")
_STATUS = CATEGORICAL.index("status")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("second-reasons")
    summary = write_world(root / "world", seed=5, tickets=1600)
    store = Store.open(str(root / "cxpulse.db"))
    import_path(store, "jsonl", root / "world" / "settings.jsonl")
    for name in summary["accounts"]:
        import_path(store, "zendesk", root / "world" / name, account=name)
    train(store)
    as_of = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # before the export's end: open tickets are open
    out = []
    for name in summary["accounts"]:
        acc = store.account(name)
        rows = {r["ticket_id"]: r for r in score(store, account=name, as_of=as_of)}
        data = load_account(store, acc)
        with store.engine.connect() as conn:
            for t, events in ticket_histories(conn, acc.id, list(rows)):
                (snap,) = snapshots(t, events, [as_of], account=acc.account, history=data.history)
                out.append((name, snap, rows[t.source_id], t))
    return out


def test_second_world_reasons_keep_every_rule(scored):
    quoted_seen = solved_seen = 0
    for account, snap, row, _t in scored:
        reasons = row["reasons"]
        assert 1 <= len(reasons) <= 3 and len(set(reasons)) == len(reasons), reasons
        words = set(_WORD.findall(unicodedata.normalize("NFC", snap.customer_text.casefold())))
        for r in reasons:
            assert r != "what the customer wrote"
            if r.startswith("customer wrote “"):
                quoted = _QUOTED.findall(r)
                assert quoted and all(q.casefold() in words for q in quoted), (r, snap.customer_text[:200])
                assert not any(is_function_word(q, snap.language) or
                               is_function_word_in(q, frozenset({"de", "en", "pt", "es"})) for q in quoted), r
                quoted_seen += 1
            assert not _MEDIAN_OF_A_CATEGORY.search(r), r
        if snap.categorical[_STATUS] in ("solved", "closed"):
            solved_seen += 1
            assert not any("no reply yet" in r or r.startswith("due in ") for r in reasons), reasons
        assert sum(r.startswith(_AGE) for r in reasons) <= 1, reasons
        assert sum("promised date" in r or r.startswith("due in ") for r in reasons) <= 1, reasons
    # its words rarely decide a score at this size (1,600 tickets, four languages: seen 0
    # quoted reasons), so rule 1 is held wherever it is said and in bulk on the demo
    assert solved_seen > 500, solved_seen


def test_second_world_due_reasons_say_the_tickets_own_promise(scored):
    """"past the promised date by 3 d" only on a ticket that is, by about that much;
    "due in 2 h" only on an open ticket whose promise is ahead."""
    said_past = said_due = 0
    for _account, snap, row, _t in scored:
        past = snap.value("past_due_minutes")
        for r in row["reasons"]:
            if r.startswith(("past the promised date by ", "solved ")) and "past the promised date" in r:
                assert past > 0, (r, past)
                assert r.endswith("of the account's tickets are late"), r
                said_past += 1
            if r.startswith("due in "):
                assert snap.categorical[_STATUS] not in ("solved", "closed") and snap.value("due_in_minutes") > 0
                said_due += 1
            if r in ("solved by the promised date", "on time for the promised date") or \
                    r.startswith(("solved by the promised date;", "on time for the promised date;")):
                assert past == 0, (r, past)
        if not math.isnan(past) and past > 0:
            assert not any(r.startswith(("on time", "solved by the promised")) for r in row["reasons"])
    assert said_past > 20, said_past
