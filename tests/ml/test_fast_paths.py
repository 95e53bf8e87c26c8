"""The fast scoring paths give the same answers as the plain ones they replace.

Batch scoring reads text through a per-chunk table, detects languages with a code-point
table, builds snapshots in one loop and shares big batches with a second process; each
of these is held here to the straightforward version on demo tickets in four languages.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse import text as T
from cxpulse.demo import generate
from cxpulse.domain import is_satisfied
from cxpulse.ml.context import PastRating, RatingHistory
from cxpulse.ml.evaluation import TrainingSet
from cxpulse.ml.features import snapshot, snapshot_batch, snapshots, training_times
from cxpulse.ml.model import SatisfactionModel


def _demo(tickets: int = 3000, seed: int = 11) -> list[tuple]:
    """Each demo account's tickets with events, its ratings and their history."""
    accounts, tix, csat = {}, {}, {}
    for rec in generate(seed, tickets=tickets):
        name = rec.account
        if rec.kind == "account":
            accounts[name], tix[name], csat[name] = rec.obj, {}, []
        elif rec.kind == "ticket":
            tix[name][rec.obj.source_id] = (rec.obj, [])
        elif rec.kind == "event":
            tix[name][rec.obj.ticket_id][1].append(rec.obj)
        elif rec.kind == "response" and rec.obj.kind == "csat":
            csat[name].append(rec.obj)
    out = []
    for name, by_id in tix.items():
        rated: dict[str, tuple[datetime, bool]] = {}
        past = []
        for r in csat[name]:
            t, _ = by_id[r.ticket_id]
            ok = is_satisfied(r.scale, r.score)
            past.append(PastRating(r.given_at, r.ticket_id, r.agent_id or t.assignee_id,
                                   r.customer_id or t.requester_id, ok))
            rated[r.ticket_id] = (r.given_at, ok)
        out.append((accounts[name], list(by_id.values()), rated, RatingHistory(past)))
    return out


@pytest.fixture(scope="module")
def fitted():
    """A model of the account with most ratings; tickets of every account (four languages) to score."""
    demo = _demo()
    account, tickets, rated, history = max(demo, key=lambda d: len(d[2]))
    rows = []
    for t, evs in tickets:
        if t.source_id in rated:
            at, ok = rated[t.source_id]
            rows += [(s, ok) for s in snapshots(t, evs, training_times(t, evs, until=at), account=account,
                                                 history=history)]
    model = SatisfactionModel().fit(TrainingSet.build(rows))
    rng = np.random.default_rng(3)
    items = []
    for account, tickets, _, history in demo:
        for i in rng.permutation(len(tickets))[:250]:
            t, evs = tickets[i]
            end = max((e.at for e in evs), default=t.created_at)
            when = t.created_at + (end - t.created_at) * float(rng.uniform(0.05, 1.0))
            items.append((t, evs, when, account, history))
    return model, items


def test_a_batch_of_snapshots_equals_one_snapshot_at_a_time(fitted):
    _, items = fitted
    one_by_one = [snapshot(t, e, as_of=w, account=a, history=h) for t, e, w, a, h in items]
    assert snapshot_batch(items) == one_by_one


def test_text_margins_from_the_chunk_table_equal_the_sparse_product(fitted):
    model, items = fitted
    snaps = snapshot_batch(items)
    text = model.text_model_
    assert {s.language for s in snaps} >= {"en", "ru", "el", "lt"}
    np.testing.assert_allclose(text.margin(snaps), text.margin_reference(snaps), rtol=1e-9, atol=1e-9)
    # and again from a warm table
    np.testing.assert_allclose(text.margin(snaps[::-1]), text.margin_reference(snaps[::-1]), rtol=1e-9, atol=1e-9)


def test_quoted_words_from_the_chunk_table_equal_the_plain_ranking(fitted):
    model, items = fitted
    text = model.text_model_
    snaps = snapshot_batch(items)
    quotes: list = []
    text.margin(snaps, quotes)  # the quotable words collected on the way, as scoring does
    for s, quoted in zip(snaps, quotes):
        for direction in (-1, 1):
            assert text.words(s, direction) == text.words_reference(s, direction)
            assert text.words(s, direction, quoted=quoted) == text.words_reference(s, direction)


def test_scores_and_reasons_do_not_depend_on_the_batch_or_the_process(fitted):
    import multiprocessing

    model, items = fitted
    alone = [model.score([snapshot(t, e, as_of=w, account=a, history=h)])[0] for t, e, w, a, h in items[:80]]
    # forked: both processes take chunks of 250
    together = model.score_tickets(items, workers=2, processes=multiprocessing.get_context("fork"))
    assert [(s.ticket_id, s.score, s.reasons) for s in together[:80]] == [
        (s.ticket_id, s.score, s.reasons) for s in alone
    ]
    assert [s.probability for s in together] == [s.probability for s in model.score_tickets(items, workers=1)]


def test_a_second_process_that_is_not_forked_scores_its_half(fitted):
    """With threads about (a server), the helper is spawned, not forked: it gets half the batch pickled."""
    import multiprocessing

    model, items = fitted
    spawned = model.score_tickets(items, workers=2, processes=multiprocessing.get_context("spawn"))
    assert [(s.ticket_id, s.score, s.reasons) for s in spawned] == [
        (s.ticket_id, s.score, s.reasons) for s in model.score_tickets(items, workers=1)
    ]


# the regex counting the four-language check (`_detect_four`, the first step of
# `detect_language`) did before its code-point table
def _detect_reference(text: str) -> str:
    sample = text[: T._SAMPLE]
    cyrillic = len(T._CYRILLIC.findall(sample))
    greek = len(T._GREEK.findall(sample))
    latin = len(T._LATIN.findall(sample))
    if cyrillic == greek == latin == 0:
        return ""
    if cyrillic >= greek and cyrillic > latin:
        return "ru"
    if greek > latin:
        return "el"
    lowered = sample.casefold()
    words = T._LATIN_WORD.findall(lowered)
    lt = 2 * len(re.findall(r"[ąęėįųū]", lowered)) + len(re.findall(r"[čšž]", lowered))
    lt += 2 * sum(w in T._LT_WORDS for w in words)
    en = 2 * sum(w in T._EN_WORDS for w in words) + 2 * len(T._NOT_LT.findall(lowered))
    return "lt" if lt >= 2 and lt > en else "en"


def test_language_detection_agrees_with_the_regex_counting(fitted):
    _, items = fitted
    texts = [t.subject + "\n" + t.description for t, *_ in items]
    texts += [e.body for _, evs, *_ in items[:100] for e in evs if e.body]
    texts += ["", "1234 !!", "labas, ačiū", "labas aciu", "Ελλάδα ok", "привет hello", "Ÿ€ ß", "x" * 5000]
    for s in texts:
        assert T._detect_four(s) == _detect_reference(s), s[:80]


def test_every_code_point_is_counted_as_the_regexes_count_it():
    # the scripts end below U+2000; beyond, a sample of planes, surrogates and the last code point
    for c in [*range(0x3000), 0xD800, 0xDFFF, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF]:
        ch = chr(c)
        word = ch * 3 + " labas"
        if c < 0x2100:
            assert T._detect_four(word) == _detect_reference(word), hex(c)
        want = tuple(2 * bool(re.match(r, ch)) for r in (T._CYRILLIC, T._GREEK, T._LATIN))
        assert T._script_counts(ch * 2) == want, hex(c)


@given(st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["T1", "T2", "T3", "T4"]), st.sampled_from(["a1", "a2", ""]),
                          st.sampled_from(["c1", "c2"]), st.booleans()), max_size=30),
       st.lists(st.tuples(st.sampled_from([50, 100, 150, 250]), st.sampled_from(["a1", "a2", "a3", ""]),
                          st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(["T1", "T2", "T9"])), max_size=20))
def test_context_keeps_its_answers_for_one_time_and_they_equal_the_three_questions(ratings, asks):
    """`RatingHistory.context` keeps the agent and account answers of the last time asked
    (a batch as of one time asks them again and again): in any order of questions, the
    same figures as asking `agent`, `customer` and `account` one by one."""
    day0 = datetime(2026, 1, 1, tzinfo=UTC)
    history = RatingHistory([PastRating(day0 + timedelta(days=d), t, a, c, ok) for d, t, a, c, ok in ratings])
    for d, agent, customer, ticket in asks:
        at = day0 + timedelta(days=d)
        got = history.context(agent, customer, before=at, exclude_ticket=ticket)
        want = (*history.agent(agent, before=at, exclude_ticket=ticket),
                *history.customer(customer, before=at, exclude_ticket=ticket),
                *history.account(before=at, exclude_ticket=ticket))
        assert [None if isinstance(x, float) and math.isnan(x) else x for x in got] == [
            None if isinstance(x, float) and math.isnan(x) else x for x in want]
