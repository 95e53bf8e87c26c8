"""The two in-process helpers behind the API's speed: the coalescing refresher of derived
data after ingest, and the report cache (single computation, stale-while-revalidate)."""

from __future__ import annotations

import threading
import time
from datetime import date

from cxpulse.service.load import Touched
from cxpulse.service.refresher import Refresher, merge
from cxpulse.service.report import ReportQuery
from cxpulse.service.report_cache import ReportCache


def touched(name: str, *tickets: str, day: date | None = None) -> dict[str, Touched]:
    t = Touched(tickets=set(tickets))
    if day:
        t.add_day(day)
    return {name: t}


def test_merge_is_the_union_of_what_batches_touched():
    into = touched("acme", "T1", day=date(2026, 3, 5))
    merge(into, touched("acme", "T2", day=date(2026, 3, 1)))
    merge(into, touched("globex", "G1"))
    assert into["acme"].tickets == {"T1", "T2"} and into["globex"].tickets == {"G1"}
    assert (into["acme"].first_day, into["acme"].last_day) == (date(2026, 3, 1), date(2026, 3, 5))


def test_batches_in_a_burst_are_refreshed_in_one_round():
    rounds: list[dict[str, set[str]]] = []

    def work(store, what, urgent):
        rounds.append({name: set(t.tickets) for name, t in what.items()})
        return 0

    r = Refresher(object(), work)
    for i in range(5):
        r.submit(touched("acme", f"T{i}"))
    assert r.wait(timeout=10)
    assert rounds == [{"acme": {"T0", "T1", "T2", "T3", "T4"}}] and r.pending == 0


def test_a_failed_round_is_retried_and_nothing_is_lost():
    calls: list[set[str]] = []

    def work(store, what, urgent):
        calls.append(set(what["acme"].tickets))
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return 2

    r = Refresher(object(), work)
    r.submit(touched("acme", "T1"))
    assert r.wait(timeout=10)
    assert calls == [{"T1"}, {"T1"}] and r.stats.failures == 1 and r.stats.rescored == 2


def test_a_report_is_computed_once_however_many_ask_together_and_again_after_a_change():
    computed: list[ReportQuery] = []

    def compute(store, q):
        computed.append(q)
        time.sleep(0.05)
        return [{"metric": "csat", "n": len(computed)}]

    cache = ReportCache(compute=compute)
    q = ReportQuery(metrics=("csat",))
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(None, q))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(computed) == 1 and answers == [[{"metric": "csat", "n": 1}]] * 8
    assert cache.peek(None, ReportQuery(metrics=("nps",))) is None  # another query: not kept
    cache.invalidate()
    assert cache.peek(None, q) is None and cache.get(None, q) == [{"metric": "csat", "n": 2}]


def test_an_old_report_is_answered_at_once_and_computed_again_behind():
    n = {"calls": 0}

    def compute(store, q):
        n["calls"] += 1
        return [{"n": n["calls"]}]

    cache = ReportCache(ttl=0.0, compute=compute)
    q = ReportQuery()
    assert cache.get(None, q) == [{"n": 1}]
    assert cache.get(None, q) == [{"n": 1}]  # old: answered as it was, recomputed in a thread
    for _ in range(100):
        if cache.peek(None, q) == [{"n": 2}]:
            break
        time.sleep(0.01)
    assert n["calls"] >= 2
