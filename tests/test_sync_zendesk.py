"""`cxpulse sync` against the fake Zendesk API (tests/fakes, 127.0.0.1 only): a full sync
stores what `cxpulse import zendesk` stores (tickets, events, users, responses,
invitations, KPIs) of the same world, and so do changes between two syncs; a second sync
changes nothing; each page is committed before the cursor moves past it, and a stopped
sync resumes there; the incremental exports are paced to their documented limit and the
rate-limit headers are honoured; a change is rescored and its low rating posted; a deleted
ticket leaves the open ones; the newer CSAT's survey responses are read where the account
has them; a 429 and a 500 are survived; and a bad token stops it with a clear error that
does not hold the token. (Killed with SIGKILL and run again: tests/test_sync_crash.py.)"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
import pytest
from sqlalchemy import select

from cxpulse.domain import SyncError
from cxpulse.service import http_fetch
from cxpulse.service import sync as sync_mod
from cxpulse.service.connections import connect, list_connections
from cxpulse.service.imports import import_path
from cxpulse.service.sync import sync
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from tests.fakes.waits import no_real_waits
from tests.fakes.zendesk_api import FakeZendesk, make_world, write_export

TICKETS = "tickets"


@pytest.fixture(scope="module")
def world():
    return make_world(7, tickets=30)


@pytest.fixture
def fake(world):
    f = FakeZendesk(copy.deepcopy(world), page_size=10)
    with f.running():
        yield f


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    return no_real_waits(monkeypatch)  # the waits asked for, recorded


def _connect(store: Store, fake: FakeZendesk, token: str | None = None) -> None:
    connect(store, "acme", "zendesk", fake.url, token or fake.token, email=fake.email)


def _rows(store: Store, table, drop=("id", "account_id", "ticket_id", "imported_at", "updated_at_db")) -> list:
    cols = [c for c in table.c if c.name not in drop]
    with store.engine.connect() as c:
        return sorted((tuple(map(str, r)) for r in c.execute(select(*cols))))


def test_a_full_sync_stores_what_a_file_import_stores(store: Store, fake, world, tmp_path):
    _connect(store, fake)
    got = sync(store, "acme")
    assert got.inserted > 0 and not got.rejected
    imported = Store.open(tmp_path / "imported.db")
    try:
        import_path(imported, "zendesk", write_export(world, tmp_path / "export"), account="acme",
                    rejects_path=tmp_path / "rejects.jsonl")
        for table in (T.tickets, T.users, T.responses, T.invitations, T.ticket_events, T.ticket_kpis):
            assert _rows(store, table) == _rows(imported, table), table.name
            assert store.count(table) > 0 or table is T.invitations, table.name
    finally:
        imported.engine.dispose()
    assert fake.requests[TICKETS] == 3  # 30 tickets, pages of 10, the last one end_of_stream
    (c,) = list_connections(store)
    assert c["cursor"] and c["last_sync_at"] and not c["last_error"]


def test_a_second_sync_changes_nothing_and_a_change_comes_next(store: Store, fake):
    _connect(store, fake)
    sync(store, "acme")
    before = _rows(store, T.tickets)
    again = sync(store, "acme")
    assert again.inserted == again.updated == 0
    assert _rows(store, T.tickets) == before
    tid = sorted(t for t, v in fake.world.tickets.items() if v["status"] in ("new", "open", "pending"))[0]
    events = store.count(T.ticket_events)
    fake.change_ticket(tid, status="solved", comment="Fixed, thanks for waiting.")
    third = sync(store, "acme")
    assert third.by_kind["ticket"].updated == 1
    assert store.count(T.ticket_events) == events + 2  # the comment and the status change
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.status).where(T.tickets.c.source_id == str(tid))).scalar() == "solved"


def test_a_429_and_a_500_are_survived(store: Store, fake, no_sleeping):
    _connect(store, fake)
    fake.fail_next(TICKETS, "429", retry_after=7)
    fake.fail_next(TICKETS, "500")
    fake.fail_next("users", "drop")
    got = sync(store, "acme")
    assert got.inserted > 0
    assert 7.0 in no_sleeping and len(no_sleeping) == 3


def test_an_endpoint_failing_past_its_retries_names_it(store: Store, fake):
    _connect(store, fake)
    for _ in range(http_fetch.RETRIES + 1):
        fake.fail_next(TICKETS, "500")
    with pytest.raises(SyncError, match="incremental/tickets/cursor.json"):
        sync(store, "acme")
    (c,) = list_connections(store)
    assert "cursor.json" in c["last_error"] and not c["cursor"]


def test_a_bad_token_gives_a_clear_error_without_the_token(store: Store, fake):
    bad = "wrong-token-secret-9876"
    _connect(store, fake, token=bad)
    with pytest.raises(SyncError, match="refused the credentials") as e:
        sync(store, "acme")
    assert bad not in str(e.value) and "9876" not in str(e.value)
    (c,) = list_connections(store)
    assert bad not in c["last_error"]


def test_the_sync_command_prints_the_import_summary_and_never_the_token(db_arg, fake):
    from typer.testing import CliRunner

    from cxpulse.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["connect", "zendesk", "acme", "--url", fake.url, "--email", fake.email,
                             "--token", fake.token, "--db", db_arg])
    assert ok.exit_code == 0, ok.output
    got = runner.invoke(app, ["sync", "--account", "acme", "--format", "json", "--db", db_arg])
    assert got.exit_code == 0, got.output
    assert '"inserted"' in got.output and fake.token not in got.output
    runner.invoke(app, ["connect", "zendesk", "acme", "--url", fake.url, "--email", fake.email,
                        "--token", "bad-token-SECRET-4321", "--db", db_arg])
    bad = runner.invoke(app, ["sync", "--db", db_arg])
    said = bad.output + (bad.stderr if bad.stderr_bytes is not None else "")
    assert bad.exit_code != 0 and "refused the credentials" in said and "SECRET" not in said


# ---- page by page: the cursor after each committed page ---------------------------------


def _cursor(store: Store) -> dict:
    (c,) = list_connections(store)
    return json.loads(c["cursor"]) if c["cursor"] else {}


def _break_after(fake: FakeZendesk, endpoint: str, stage: str, pages: int):
    """A progress callback that makes `endpoint` fail past its retries once `pages` pages of
    `stage` are stored: the sync stops on the next page, as a dropped network would stop it."""
    stored_pages = {"n": 0}

    def progress(p) -> None:
        if p.stage == stage:
            stored_pages["n"] += 1
            if stored_pages["n"] == pages:
                for _ in range(http_fetch.RETRIES + 1):
                    fake.fail_next(endpoint, "500")
    return progress


def test_each_ticket_page_is_committed_before_the_cursor_moves_and_a_rerun_resumes_after_it(store: Store, fake):
    _connect(store, fake)
    seen: list[int] = []
    breaker = _break_after(fake, TICKETS, "tickets", 2)
    with pytest.raises(SyncError, match="cursor.json"):
        sync(store, "acme", progress=lambda p: (seen.append(p.tickets), breaker(p)))
    assert store.count(T.tickets) == 20  # pages 1 and 2 stored
    stopped = _cursor(store)
    assert stopped["tickets"] and "events_since" not in stopped  # the events were not reached
    assert seen == sorted(seen) and seen[-1] == 20
    before = fake.requests[TICKETS]
    again = sync(store, "acme")
    assert store.count(T.tickets) == 30 and again.by_kind["ticket"].inserted == 10
    assert fake.requests[TICKETS] - before == 1  # only the page after the saved cursor


def test_each_events_page_moves_the_events_start_and_a_rerun_reads_no_page_twice(store: Store, world, tmp_path):
    f = FakeZendesk(copy.deepcopy(world), page_size=10, events_page_size=40)
    with f.running():
        _connect(store, f)
        with pytest.raises(SyncError, match="ticket_events.json"):
            sync(store, "acme", progress=_break_after(f, "ticket_events", "events", 2))
        start = _cursor(store)["events_since"]
        assert start > 0 and 0 < store.count(T.ticket_events)
        sent: list[int] = []
        real = sync_mod._get

        def watch(client, url, params, **kw):
            if url == sync_mod.EVENTS:
                sent.append(int(params["start_time"]))
            return real(client, url, params, **kw)

        sync_mod._get = watch
        try:
            sync(store, "acme")
        finally:
            sync_mod._get = real
        assert sent[0] == start  # resumed where the last stored page ended
    clean = Store.open(tmp_path / "clean.db")
    g = FakeZendesk(copy.deepcopy(world), page_size=10, events_page_size=40)
    with g.running():
        _connect(clean, g)
        sync(clean, "acme")
    for table in (T.ticket_events, T.ticket_kpis, T.tickets):
        assert _rows(store, table) == _rows(clean, table), table.name
    clean.engine.dispose()


def test_a_page_reader_keeps_no_page_after_reading_it(world, tmp_path):
    from cxpulse.readers.zendesk_api import PageReader

    f = FakeZendesk(copy.deepcopy(world), page_size=10)
    with f.running():
        page = httpx.get(f.url + sync_mod.TICKETS, params={"start_time": 0, "include": "metric_sets"},
                         auth=f.auth).json()
    reader = PageReader(tmp_path)
    records = list(reader.tickets(page, "page 1"))
    assert sum(r.kind == "ticket" for r in records) == 10
    assert any(r.obj.metrics for r in records if r.kind == "ticket")  # the side-loaded metric sets were read
    assert not reader._r.metrics and not reader._r.requesters


# ---- the incremental exports' rate limit -------------------------------------------------


def test_the_incremental_exports_get_at_most_ten_requests_in_any_minute(store: Store, world, monkeypatch):
    now = [0.0]
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(http_fetch, "sleep", wait)
    monkeypatch.setattr(http_fetch, "clock", lambda: now[0])
    sent: list[float] = []
    real = sync_mod._get

    def watch(client, url, params, **kw):
        got = real(client, url, params, **kw)
        if url in (sync_mod.TICKETS, sync_mod.EVENTS):
            sent.append(now[0])
        return got

    monkeypatch.setattr(sync_mod, "_get", watch)
    f = FakeZendesk(copy.deepcopy(world), page_size=2, events_page_size=60)
    with f.running():
        _connect(store, f)
        sync(store, "acme")
    assert len(sent) == f.requests[TICKETS] + f.requests["ticket_events"] >= 20  # 15 ticket pages and the events
    assert all(sent[i + 10] - sent[i] >= 60.0 for i in range(len(sent) - 10))
    assert now[0] >= 60.0 * ((len(sent) - 1) // 10)


def test_the_export_rate_is_a_setting(monkeypatch):
    monkeypatch.setenv("CXPULSE_ZENDESK_EXPORT_RPM", "30")
    assert sync_mod._export_rpm() == 30
    monkeypatch.setenv("CXPULSE_ZENDESK_EXPORT_RPM", "fast")
    with pytest.raises(SyncError, match="CXPULSE_ZENDESK_EXPORT_RPM='fast'"):
        sync_mod._export_rpm()
    monkeypatch.delenv("CXPULSE_ZENDESK_EXPORT_RPM")
    assert sync_mod._export_rpm() == 10


@pytest.mark.parametrize(("headers", "held"), [
    ({"ratelimit-remaining": "0", "ratelimit-reset": "17"}, 17.0),
    ({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0"}, 60.0),  # no reset given: a whole minute
    ({"X-Rate-Limit-Remaining": "3", "ratelimit-reset": "17"}, None),
])
def test_no_requests_remaining_holds_the_next_request_until_the_reset(monkeypatch, headers, held):
    now = [100.0]
    waits: list[float] = []
    monkeypatch.setattr(http_fetch, "sleep", lambda s: (waits.append(s), now.__setitem__(0, now[0] + s)))
    monkeypatch.setattr(http_fetch, "clock", lambda: now[0])
    answers = iter([httpx.Response(200, json={"tickets": []}, headers=headers),
                    httpx.Response(200, json={"tickets": []})])
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)), base_url="http://desk.test")
    pacer = sync_mod.Pacer(None)
    sync_mod._get(client, "/api/v2/users.json", {}, pacer=pacer)
    sync_mod._get(client, "/api/v2/users.json", {}, pacer=pacer)
    assert waits == ([] if held is None else [pytest.approx(held)])


def test_the_fake_says_how_many_requests_remain_under_both_documented_names(fake):
    r = httpx.get(fake.url + "/api/v2/users.json", auth=fake.auth)
    assert r.headers["ratelimit-remaining"] == r.headers["x-rate-limit-remaining"]
    assert int(r.headers["ratelimit-limit"]) == 700


# ---- a change on the next sync: rescoring, alerts, deleted tickets -----------------------


def test_a_change_on_the_next_sync_is_rescored_and_alerted_and_a_deleted_ticket_leaves_the_open_ones(
        store: Store, fake, tmp_path):
    from cxpulse.service.imports import import_path
    from cxpulse.service.predict import score, train
    from cxpulse.service.webhooks import add_webhook, deliveries
    from cxpulse.storage import predictions as P
    from cxpulse.storage import tickets as stored_tickets
    from tests.factories import write_jsonl
    from tests.test_predict import waiting_help_desk

    desk = waiting_help_desk(seed=5, rated=120, account="acme")  # ids T0…: none is a Zendesk id
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", desk), account="acme")
    train(store, "acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    _connect(store, fake)
    open_ids = sorted(t for t, v in fake.world.tickets.items() if v["status"] in ("new", "open", "pending", "hold"))
    first = sync(store, "acme")
    assert first.rescored == len(open_ids) == 2
    acme = store.account("acme").id

    def prediction(tid: int) -> dict:
        with store.engine.connect() as c:
            (p,) = P.read_predictions(c, acme, [str(tid)])
        return p

    rated, deleted = open_ids
    before = prediction(rated)
    requester = fake.world.tickets[rated]["requester_id"]
    fake.change_ticket(rated, comment="Still broken and nobody answers.", author_id=requester)
    fake.rate_ticket(rated, "bad", comment="Too slow")
    fake.delete_ticket(deleted)

    second = sync(store, "acme")

    after = prediction(rated)
    assert second.rescored == 1 and after["scored_at"] > before["scored_at"]  # its row scored again, now
    rating = next(r["id"] for r in fake.world.ratings if r["ticket_id"] == rated)
    low = [d["event_key"] for d in deliveries(store, "acme") if d["event_key"].startswith("low_rating-")]
    assert low == [f"low_rating-{rating}"]
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.status).where(T.tickets.c.source_id == str(deleted))).scalar() == "deleted"
        assert stored_tickets.ticket(c, acme, str(deleted))["open"] is False
        at_risk, _ = stored_tickets.at_risk(c, acme, limit=1000)
        assert str(deleted) not in {t["ticket_id"] for t in at_risk} and str(rated) in {t["ticket_id"] for t in at_risk}
        assert str(deleted) not in P.open_ticket_ids(c, acme)
    scored = {s["ticket_id"] for s in score(store, account="acme", open_only=True)}
    assert str(rated) in scored and str(deleted) not in scored
    queued = len(deliveries(store, "acme"))
    assert sync(store, "acme").rescored == 0 and len(deliveries(store, "acme")) == queued  # nothing new, nothing again


def test_a_ticket_deleted_between_two_syncs_is_deleted_not_open(store: Store, fake):
    _connect(store, fake)
    sync(store, "acme")
    tid = next(t for t, v in sorted(fake.world.tickets.items()) if v["status"] in ("new", "hold"))
    acme = store.account("acme").id
    from cxpulse.storage import tickets as stored_tickets

    with store.engine.connect() as c:
        assert stored_tickets.ticket(c, acme, str(tid))["open"] is True
    fake.delete_ticket(tid)
    assert sync(store, "acme").by_kind["ticket"].updated == 1
    with store.engine.connect() as c:
        shown = stored_tickets.ticket(c, acme, str(tid))
        assert (shown["status"], shown["open"]) == ("deleted", False)
        page, _ = stored_tickets.ticket_page(c, acme, open_only=True)
        assert str(tid) not in {t["ticket_id"] for t in page}


# ---- the newer CSAT: survey responses ----------------------------------------------------


def _survey(sid: str, ticket: dict, at: str, expires: str, *, rating: int | None = None, comment: str = "",
            reason: str = "") -> dict:
    """A survey response in the reference's shape (CSAT Survey Responses: List Survey Responses)."""
    question = {"id": "01J1WBE8QR0YQVE373K2JDJR0F", "type": "rating_scale_numeric", "sub_type": "customer_satisfaction",
                "options": [{"rating": n, "label": {"type": "static", "value": str(n)}} for n in range(1, 6)]}
    answers: list[dict] = [
        {"type": "rating_scale", "rating": rating, "rating_category": "good" if rating >= 4 else "bad",
         "question": question, "created_at": at, "updated_at": at} if rating is not None else
        {"type": "skipped", "question": question, "created_at": at, "updated_at": at}]
    if reason:
        answers.append({"type": "closed_ended", "selections": [{"option_id": "01R", "type": "predefined"}],
                        "question": {"id": "01Q2", "type": "closed_ended",
                                     "options": [{"id": "01R", "label": {"type": "static", "value": reason}}]},
                        "created_at": at, "updated_at": at})
    if comment:
        answers.append({"type": "open_ended", "value": comment, "question": {"id": "01Q3", "type": "open_ended"},
                        "created_at": at, "updated_at": at})
    tid = str(ticket["id"])
    return {"id": sid, "responder_id": ticket["requester_id"], "subject_zrns": [f"zen:ticket:{tid}"],
            "subjects": [{"id": tid, "type": "ticket", "zrn": f"zen:ticket:{tid}"}],
            "survey": {"id": "01J58KJ9RAE0D2EK7HRVM7Z8F2", "state": "enabled", "version": 3},
            "expires_at": expires, "answers": answers}


def _iso_ago(days: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_survey_responses_are_read_where_the_account_has_them_as_an_import_reads_them(store: Store, world, tmp_path):
    w = copy.deepcopy(world)
    solved = [t for _, t in sorted(w.tickets.items()) if t["status"] == "solved"]
    w.survey_responses = [
        _survey("01J1WB51MG6HXTYWE6Q0C93RN1", solved[0], _iso_ago(40), _iso_ago(12), rating=4,
                comment="Schnell und freundlich", reason="Speed of the reply"),
        _survey("01J1WB51MG6HXTYWE6Q0C93RN2", solved[1], _iso_ago(3), _iso_ago(-25), rating=1, comment="Ничего"),
        _survey("01J1WB51MG6HXTYWE6Q0C93RN3", solved[2], _iso_ago(2), _iso_ago(-26)),  # offered, not answered yet
    ]
    f = FakeZendesk(w, page_size=10, list_page_size=2)
    with f.running():
        _connect(store, f)
        sync(store, "acme")
        assert f.requests["survey_responses"] == 2  # two pages of two
        imported = Store.open(tmp_path / "imported.db")
        import_path(imported, "zendesk", write_export(w, tmp_path / "export"), account="acme",
                    rejects_path=tmp_path / "rejects.jsonl")
        for table in (T.responses, T.invitations, T.tickets):
            assert _rows(store, table) == _rows(imported, table), table.name
        imported.engine.dispose()
        with store.engine.connect() as c:
            got = {r.source_id: r for r in c.execute(select(T.responses).where(T.responses.c.source_id.like("zd-survey-%")))}
        one = got["zd-survey-01J1WB51MG6HXTYWE6Q0C93RN1"]
        assert (one.scale, one.score, one.ticket_id) == ("1-5", 4, str(solved[0]["id"]))
        assert (one.comment, one.reason) == ("Schnell und freundlich", "Speed of the reply")
        assert got["zd-survey-01J1WB51MG6HXTYWE6Q0C93RN2"].score == 1 and len(got) == 2
        assert store.count(T.invitations) >= 3
        # the open survey (the oldest still answerable, two days old) is where the next sync starts
        since = _cursor(store)["surveys_since"]
        assert abs(since / 1000 - (datetime.now(UTC) - timedelta(days=3)).timestamp()) < 120
        w.survey_responses[2] = _survey("01J1WB51MG6HXTYWE6Q0C93RN3", solved[2], _iso_ago(2), _iso_ago(-26), rating=5)
        later = sync(store, "acme")
        assert later.by_kind["response"].inserted == 1
        with store.engine.connect() as c:
            assert c.execute(select(T.responses.c.score).where(
                T.responses.c.source_id == "zd-survey-01J1WB51MG6HXTYWE6Q0C93RN3")).scalar() == 5


def test_an_account_without_survey_responses_is_skipped_quietly(store: Store, fake):
    _connect(store, fake)
    got = sync(store, "acme")
    assert fake.requests["survey_responses"] == 1 and not got.rejected
    assert "surveys_since" not in _cursor(store)
    assert not list_connections(store)[0]["last_error"]


# ---- the command's progress bar ----------------------------------------------------------


@pytest.mark.parametrize(("terminal", "args", "bar"), [(True, [], True), (True, ["--quiet"], False), (False, [], False)])
def test_the_sync_command_shows_its_progress_on_a_terminal_only(db_arg, fake, monkeypatch, terminal, args, bar):
    from typer.testing import CliRunner

    from cxpulse.cli import app, options

    monkeypatch.setattr(options, "is_terminal", lambda: terminal)
    shown: list[tuple] = []
    real = sync_mod.sync

    def pull(store, name, **kw):
        progress = kw["progress"]
        if progress is not None:
            kw["progress"] = lambda p: (shown.append((p.pages, p.tickets, p.stage)), progress(p))
        return real(store, name, **kw)

    monkeypatch.setattr(sync_mod, "sync", pull)
    runner = CliRunner()
    runner.invoke(app, ["connect", "zendesk", "acme", "--url", fake.url, "--email", fake.email,
                        "--token", fake.token, "--db", db_arg])
    got = runner.invoke(app, ["sync", *args, "--db", db_arg])
    assert got.exit_code == 0, got.output
    said = got.output + (got.stderr if got.stderr_bytes is not None else "")
    assert fake.token not in said and fake.token[-8:] not in said
    assert bool(shown) is bar
    if bar:
        assert shown == sorted(shown, key=lambda s: s[0]) and shown[-1][1] == 30
        assert {"users", "tickets", "events"} <= {s[2] for s in shown}


def test_an_endpoint_past_its_retries_stops_the_sync_without_the_token_wherever_it_is(store: Store, fake):
    _connect(store, fake)
    for endpoint, path in (("survey_responses", "guide/survey_responses"), ("ticket_events", "ticket_events.json")):
        for _ in range(http_fetch.RETRIES + 1):
            fake.fail_next(endpoint, "500")
        with pytest.raises(SyncError, match=path) as e:
            sync(store, "acme")
        (c,) = list_connections(store)
        for text in (str(e.value), c["last_error"], json.dumps(c, default=str)):
            assert fake.token not in text and path in c["last_error"]


def test_users_and_ratings_over_many_pages_are_read_once_each(store: Store, world, tmp_path):
    f = FakeZendesk(copy.deepcopy(world), page_size=10, list_page_size=7)
    with f.running():
        _connect(store, f)
        sync(store, "acme")
    assert f.requests["users"] == 5 and f.requests["satisfaction_ratings"] == 4  # 30 users, 28 ratings, 7 a page
    imported = Store.open(tmp_path / "imported.db")
    import_path(imported, "zendesk", write_export(world, tmp_path / "export"), account="acme",
                rejects_path=tmp_path / "rejects.jsonl")
    for table in (T.users, T.responses, T.invitations, T.tickets):
        assert _rows(store, table) == _rows(imported, table), table.name
    imported.engine.dispose()


def test_changes_between_two_syncs_end_as_an_import_of_the_changed_world(store: Store, fake, tmp_path):
    _connect(store, fake)
    sync(store, "acme")
    offered = sorted(r["ticket_id"] for r in fake.world.ratings if r["score"] == "offered")
    fake.rate_ticket(offered[0], "bad", comment="Langsam")  # offered long before the first sync, given now
    fake.rate_ticket(offered[1], "good")
    fake.change_ticket(offered[2], status="open", comment="Doch nicht gelöst.",
                       author_id=fake.world.tickets[offered[2]]["requester_id"])
    fake.delete_ticket(offered[3])
    shown = fake.requests["satisfaction_rating"]
    sync(store, "acme")
    assert fake.requests["satisfaction_rating"] - shown == 4  # each changed ticket: its rating predates the sync
    imported = Store.open(tmp_path / "imported.db")
    import_path(imported, "zendesk", write_export(fake.world, tmp_path / "export"), account="acme",
                rejects_path=tmp_path / "rejects.jsonl")
    for table in (T.tickets, T.users, T.responses, T.invitations, T.ticket_events, T.ticket_kpis):
        assert _rows(store, table) == _rows(imported, table), table.name
    imported.engine.dispose()
