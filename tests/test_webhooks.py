"""Webhooks out, on SQLite and PostgreSQL: queueing (idempotent, recent, per account), signed
delivery to a real HTTP receiver on loopback, the retry schedule, concurrent runs, the CLI,
the deliverer inside the app."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app as cli
from cxpulse.domain import InvalidQuery, NotFound, Response, ResponseKind, Scale
from cxpulse.service.imports import import_path
from cxpulse.service.webhooks import (
    BACKOFF,
    add_webhook,
    deliver_due,
    deliveries,
    is_low,
    list_webhooks,
    queue_alerts,
    queue_low_ratings,
    remove_webhook,
    start_deliverer,
)
from cxpulse.storage import tables as T
from tests.factories import make_ticket, write_jsonl

NOW = datetime.now(UTC).replace(microsecond=0)
S = timedelta(seconds=1)


class Receiver:
    """An HTTP server on a loopback port that answers `fail` 500s first (or always), then 200."""

    def __init__(self, *, fail: int = 0, always: int | None = None, delay: float = 0.0) -> None:
        self.fail, self.always, self.delay = fail, always, delay
        self.requests: list[tuple[str, Any, bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.requests.append((self.path, self.headers, body))  # a Message: any header case
                    failing = receiver.always is not None or receiver.fail > 0
                    receiver.fail -= 1
                self.send_response(receiver.always if receiver.always is not None else 500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(monkeypatch):
    """The operator's allowance for the test receiver on 127.0.0.1 (refused without it)."""
    monkeypatch.setenv("CXPULSE_WEBHOOKS_ALLOW_HOSTS", "127.0.0.1")


def verified(secret: str, headers: Any, body: bytes) -> dict:
    """What a receiver does: check X-Cxpulse-Signature over "<t>.<body>", then read the JSON."""
    parts = dict(p.split("=", 1) for p in headers["X-Cxpulse-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not verify"
    return json.loads(body)


def receiver_from_docs() -> dict:
    """Run the Python receiver example of docs/webhooks.md (not its server) and return its names."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    names: dict = {"__name__": "docs_example"}
    exec(compile(code, "docs/webhooks.md", "exec"), names)  # noqa: S102 - our own documentation
    return names


def rating(sid: str, score: int, *, at: datetime = NOW, kind: str = "csat", scale: str = "1-5", **more) -> Response:
    return Response(source_id=sid, given_at=at, kind=ResponseKind(kind), scale=Scale(scale), score=score,
                    ticket_id=more.pop("ticket_id", "T1"), **more)


def account_id(store, name: str) -> int:
    return store.ensure_account(name).id


def log(store, account: str | None = None) -> list[dict]:
    return deliveries(store, account, limit=1000)


# ---- what is low, what is queued ---------------------------------------------------------------


@pytest.mark.parametrize(("kind", "scale", "low", "high"), [
    ("csat", "1-5", 3, 4), ("csat", "binary", 0, 1), ("nps", "0-10", 6, 7), ("ces", "1-7", 3, 4),
    ("ces", "1-10", 5, 6), ("csi", "1-5", 2, 3),
])
def test_low_is_unsatisfied_detractor_bottom_half_or_csi_two(kind, scale, low, high):
    assert is_low(kind, scale, low) and not is_low(kind, scale, high)


def test_nothing_is_queued_without_a_subscribed_webhook(store):
    acme = account_id(store, "acme")
    assert queue_low_ratings(store, acme, [rating("r1", 1)]) == 0
    add_webhook(store, "acme", "https://hooks.example.com/a", events=["alert"])
    assert queue_low_ratings(store, acme, [rating("r1", 1)]) == 0
    assert queue_alerts(store, acme, [{"ticket_id": "T1", "at": NOW, "score": 12, "reasons": ["x"]}]) == 1


def test_only_new_recent_low_ratings_are_queued_once(store):
    acme = account_id(store, "acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    add_webhook(store, "acme", "https://hooks.example.com/b", events=["low_rating"])
    batch = [rating("r1", 1), rating("r2", 5), rating("r3", 2, at=NOW - timedelta(days=8)),
             rating("r4", 3, kind="nps", scale="0-10", comment="meh"), {"source_id": "r5", "given_at": NOW.isoformat(),
                                                                     "kind": "csat", "scale": "1-5", "score": 2}]
    assert queue_low_ratings(store, acme, batch) == 6  # r1, r4, r5 to both endpoints
    assert queue_low_ratings(store, acme, batch) == 0
    payloads = {d["event_key"]: d["payload"] for d in log(store)}
    assert set(payloads) == {"low_rating-r1", "low_rating-r4", "low_rating-r5"}
    assert payloads["low_rating-r4"] == {
        "event": "low_rating", "account": "acme", "ticket_id": "T1", "response_id": "r4", "kind": "nps",
        "scale": "0-10", "score": 3, "attribute": "", "reason": "", "comment": "meh", "customer_id": "",
        "agent_id": "", "at": NOW.isoformat()}


def test_a_long_source_id_makes_a_key_that_fits(store):
    acme = account_id(store, "acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    assert queue_low_ratings(store, acme, [rating("x" * 200, 1)]) == 1
    (d,) = log(store)
    assert len(d["event_key"]) <= 200 and d["payload"]["response_id"] == "x" * 200


def _ratings_file(tmp_path, name: str, *, days_ago: float, n: int, low_every: int = 2):
    at = NOW - timedelta(days=days_ago)
    recs = [make_ticket(id=f"T{i}", created_at=(at - timedelta(hours=2)).isoformat()) for i in range(n)]
    recs += [{"type": "rating", "id": f"T{i}-csat", "ticket_id": f"T{i}", "score": 1 if i % low_every == 0 else 5,
              "given_at": (at + timedelta(minutes=i)).isoformat(), "comment": "slow"} for i in range(n)]
    return write_jsonl(tmp_path / name, recs)


def test_an_import_queues_its_new_recent_low_ratings_and_a_reimport_nothing(store, tmp_path):
    store.ensure_account("acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    recent = _ratings_file(tmp_path, "recent.jsonl", days_ago=1, n=10)
    import_path(store, "jsonl", recent, account="acme")
    assert sorted(d["event_key"] for d in log(store)) == sorted(f"low_rating-T{i}-csat" for i in range(0, 10, 2))
    assert import_path(store, "jsonl", recent, account="acme").unchanged == 20
    assert len(log(store)) == 5
    # a history is not news: nothing older than 7 days is posted, however many
    import_path(store, "jsonl", _ratings_file(tmp_path, "old.jsonl", days_ago=30, n=400, low_every=1), account="acme")
    assert len(log(store)) == 5


def test_a_rating_imported_before_the_webhook_existed_is_not_posted_when_imported_again(store, tmp_path):
    store.ensure_account("acme")
    recent = _ratings_file(tmp_path, "recent.jsonl", days_ago=1, n=4)
    import_path(store, "jsonl", recent, account="acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    import_path(store, "jsonl", recent, account="acme")
    assert log(store) == []


def test_an_account_never_receives_another_accounts_events(store, tmp_path):
    add_webhook(store, store.ensure_account("acme").name, "https://hooks.example.com/acme")
    add_webhook(store, store.ensure_account("zeta").name, "https://hooks.example.com/zeta")
    import_path(store, "jsonl", _ratings_file(tmp_path, "a.jsonl", days_ago=1, n=4), account="acme")
    queue_alerts(store, store.account("zeta").id, [{"ticket_id": "Z1", "at": NOW, "score": 5, "reasons": []}])
    by_account = {(d["account"], d["url"].rsplit("/", 1)[1], d["event"]) for d in log(store)}
    assert by_account == {("acme", "acme", "low_rating"), ("zeta", "zeta", "alert")}
    assert {d["payload"]["account"] for d in log(store, "acme")} == {"acme"}
    assert [d["event"] for d in log(store, "zeta")] == ["alert"]


# ---- delivering ----------------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_retried_on_the_backoff_schedule_until_delivered(store, loopback_allowed):
    acme = account_id(store, "acme")
    with Receiver(fail=3) as rx:
        secret, hook = add_webhook(store, "acme", rx.url, allow_private=True, now=NOW)
        queue_alerts(store, acme, [{"ticket_id": "T9", "at": NOW, "score": 21, "threshold": 40,
                                    "model_version": 2, "reasons": ["waited 30 h", "reopened"]}], now=NOW)
        at = NOW
        assert deliver_due(store, now=at - S).claimed == 0
        assert deliver_due(store, now=at).claimed == 1  # the 1st attempt fails
        for wait in BACKOFF[:3]:  # so do the 2nd and 3rd; the 4th is answered 200
            (d,) = log(store)
            assert (d["status"], d["last_status_code"], d["last_error"]) == ("retrying", 500, "HTTP 500")
            assert d["next_at"] == at + wait
            at += wait
            assert deliver_due(store, now=at - S).claimed == 0  # not a second early
            assert deliver_due(store, now=at).claimed == 1
        (d,) = log(store)
        assert (d["status"], d["attempts"], d["last_status_code"], d["delivered_at"]) == ("delivered", 4, 200, at)
        assert deliver_due(store, now=at + timedelta(days=2)).claimed == 0
    assert len(rx.requests) == 4
    _path, headers, body = rx.requests[-1]
    assert headers["X-Cxpulse-Event"] == "alert" and headers["X-Cxpulse-Delivery"] == str(d["id"])
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Cxpulse-Signature"].startswith(f"t={int(at.timestamp())},v1=")
    assert verified(secret, headers, body) == {
        "event": "alert", "account": "acme", "ticket_id": "T9", "score": 21, "threshold": 40,
        "reasons": ["waited 30 h", "reopened"], "model_version": 2, "at": NOW.isoformat()}
    with pytest.raises(AssertionError, match="does not verify"):
        verified("whsec_wrong", headers, body)
    docs_verify = receiver_from_docs()["verify"]  # the receiver docs/webhooks.md shows agrees
    signature = headers["X-Cxpulse-Signature"]
    assert docs_verify(secret, signature, body, now=at.timestamp() + 10)
    assert not docs_verify(secret, signature, body.replace(b"21", b"99"), now=at.timestamp())
    assert not docs_verify(secret, signature, body, now=at.timestamp() + 301)
    assert list_webhooks(store, "acme")[0].deliveries == {"delivered": 1} and hook.events == ("alert", "low_rating")


def test_an_endpoint_that_always_fails_is_given_up_after_the_last_backoff(store, loopback_allowed):
    acme = account_id(store, "acme")
    with Receiver(always=503) as rx:
        add_webhook(store, "acme", rx.url, allow_private=True)
        queue_low_ratings(store, acme, [rating("r1", 1)], now=NOW)
        at = NOW
        for waited in (timedelta(0), *BACKOFF):
            at += waited
            assert deliver_due(store, now=at).claimed == 1
        (d,) = log(store)
        assert (d["status"], d["attempts"], d["last_status_code"], d["next_at"]) == ("failed", 6, 503, None)
        assert deliver_due(store, now=at + timedelta(days=30)).claimed == 0
    assert len(rx.requests) == 6


def test_an_unreachable_endpoint_records_the_error(store, loopback_allowed):
    acme = account_id(store, "acme")
    with Receiver() as rx:
        url = rx.url
    add_webhook(store, "acme", url, allow_private=True)  # the port is closed now
    queue_low_ratings(store, acme, [rating("r1", 1)], now=NOW)
    summary = deliver_due(store, now=NOW)
    (d,) = log(store)
    assert (summary.retrying, d["status"], d["last_status_code"]) == (1, "retrying", None)
    assert "ConnectError" in d["last_error"]


def test_two_deliver_runs_at_once_post_each_delivery_exactly_once(store, loopback_allowed):
    acme = account_id(store, "acme")
    with Receiver(delay=0.01) as rx:
        add_webhook(store, "acme", rx.url, allow_private=True)
        queue_low_ratings(store, acme, [rating(f"r{i}", 1) for i in range(30)], now=NOW)
        summaries = []
        runs = [threading.Thread(target=lambda: summaries.append(deliver_due(store, now=NOW))) for _ in range(2)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
    ids = [h["X-Cxpulse-Delivery"] for _p, h, _b in rx.requests]
    assert len(ids) == len(set(ids)) == 30
    assert sum(s.claimed for s in summaries) == sum(s.delivered for s in summaries) == 30
    assert {d["status"] for d in log(store)} == {"delivered"}


def test_a_removed_webhook_gets_nothing_more_and_keeps_its_log(store):
    acme = account_id(store, "acme")
    _secret, hook = add_webhook(store, "acme", "https://hooks.example.com/a")
    queue_low_ratings(store, acme, [rating("r1", 1)], now=NOW)
    store.ensure_account("zeta")
    with pytest.raises(NotFound):
        remove_webhook(store, hook.id, account="zeta")
    remove_webhook(store, hook.id, account="acme")
    assert list_webhooks(store, "acme") == []
    assert queue_low_ratings(store, acme, [rating("r2", 1)], now=NOW) == 0
    (d,) = log(store)
    assert (d["status"], d["last_error"]) == ("failed", "webhook removed before delivery")
    assert deliver_due(store, now=NOW).claimed == 0


def test_urls_and_events_are_checked(store):
    store.ensure_account("acme")
    for url in ("ftp://x.example.com", "https://", "http://127.0.0.1:8000/x", "http://10.1.2.3/x",
                "http://localhost/x", "http://[::1]/x", "http://127.1/", "http://2130706433/",
                "http://169.254.169.254/latest", "http://[::1", "http://x.example.com:99999/", "http://a b.example.com"):
        with pytest.raises(InvalidQuery):
            add_webhook(store, "acme", url)
    with pytest.raises(InvalidQuery, match="unknown webhook event 'ticket'"):
        add_webhook(store, "acme", "https://hooks.example.com/a", events=["alert", "ticket"])
    with pytest.raises(InvalidQuery, match="unknown delivery status"):
        deliveries(store, status="lost")
    assert add_webhook(store, "acme", "http://127.0.0.1:8000/x", allow_private=True)[0].startswith("whsec_")


@pytest.mark.parametrize("url", [
    "http://localhost./x", "http://LOCALHOST../x", "http://localhost.localdomain/x", "http://printer.local/x",
    "http://127.0.0.1%2e/x", "http://[::ffff:127.0.0.1]/x", "http://[::ffff:7f00:1]/x", "http://[64:ff9b::7f00:1]/x",
    "http://[64:ff9b::a9fe:a9fe]/latest", "http://[2002:7f00:1::]/x", "http://[2002:a00:1::1]/x", "http://[fe80::1%25eth0]/x",
    "http://0.0.0.0/x", "http://[::]/x", "http://100.64.0.1/x", "http://224.0.0.1/x",
])
def test_local_addresses_in_disguise_are_refused_when_added(store, url):
    store.ensure_account("acme")
    with pytest.raises(InvalidQuery, match="CXPULSE_WEBHOOKS_ALLOW_HOSTS="):
        add_webhook(store, "acme", url)


def test_the_operator_allows_named_hosts(store, monkeypatch):
    store.ensure_account("acme")
    monkeypatch.setenv("CXPULSE_WEBHOOKS_ALLOW_HOSTS", "hooks.internal, 127.0.0.1")
    assert add_webhook(store, "acme", "http://127.0.0.1:8000/x")[1].url == "http://127.0.0.1:8000/x"
    assert add_webhook(store, "acme", "http://hooks.internal./x")[0].startswith("whsec_")
    with pytest.raises(InvalidQuery, match="loopback"):
        add_webhook(store, "acme", "http://127.0.0.2:8000/x")  # allowed is what is named, not its neighbours


def test_a_name_resolving_to_a_local_address_is_refused_at_delivery(store):
    """The machine's own host name resolves to one of its addresses: an endpoint stored before
    the check (or a DNS name that later points inward) gets nothing, and the log says why and
    how to allow it. So does `localhost.`, stored by an older version."""
    import socket

    name = socket.gethostname().lower()
    try:
        socket.getaddrinfo(name, 80)
    except OSError:
        pytest.skip(f"this machine's host name {name!r} does not resolve")
    acme = account_id(store, "acme")
    with Receiver() as rx:
        port = rx.server.server_address[1]
        add_webhook(store, "acme", f"http://{name}:{port}/hook")  # a plain name passes when added
        add_webhook(store, "acme", f"http://localhost.:{port}/hook", allow_private=True)
        queue_low_ratings(store, acme, [rating("r1", 1)])
        assert deliver_due(store).retrying == 2
    assert rx.requests == []
    errors = sorted(d["last_error"] for d in log(store))
    assert re.search(rf"host '{re.escape(name)}' resolves to [0-9a-f.:]+, a (loopback|private|link-local) address; "
                     rf"allow it with CXPULSE_WEBHOOKS_ALLOW_HOSTS={re.escape(name)}", errors[0] + errors[1])
    assert any("'localhost.' is a local name; allow it with CXPULSE_WEBHOOKS_ALLOW_HOSTS=localhost" in e for e in errors)


def test_delivery_connects_to_the_address_it_checked(store, monkeypatch):
    """One resolution per post, and the connection goes to that address with the URL's Host:
    a DNS answer that changes between the check and the connect is never used."""
    import httpx2

    from cxpulse.service import webhook_targets

    acme = account_id(store, "acme")
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]  # the system resolver has never heard of hooks.example.com

    with Receiver() as rx:
        port = rx.server.server_address[1]
        add_webhook(store, "acme", f"http://hooks.example.com:{port}/hook")
        queue_low_ratings(store, acme, [rating("r1", 1)], now=NOW)
        client = httpx2.Client(transport=webhook_targets.checked_transport(resolve=resolver))
        assert deliver_due(store, client=client, now=NOW).retrying == 1  # 127.0.0.1 is loopback: refused
        assert rx.requests == [] and "resolves to 127.0.0.1, a loopback address" in log(store)[0]["last_error"]

        monkeypatch.setattr(webhook_targets, "refusal", lambda ip: None)  # as if 127.0.0.1 were public
        assert deliver_due(store, client=client, now=NOW + BACKOFF[0] + S).delivered == 1
    assert calls == ["hooks.example.com", "hooks.example.com"]
    ((path, headers, _body),) = rx.requests
    assert (path, headers["Host"]) == ("/hook", f"hooks.example.com:{port}")


# ---- where events come from: scoring and survey answers ---------------------------------------------


def test_scoring_queues_an_alert_per_crossing(store, tmp_path):
    from cxpulse.service.predict import score, train
    from tests.test_predict import waiting_help_desk

    recs = waiting_help_desk(seed=7, rated=120, open_tickets=2, account="acme", min_rated=50)
    import_path(store, "jsonl", write_jsonl(tmp_path / "a.jsonl", recs), account="acme")
    add_webhook(store, "acme", "https://hooks.example.com/a", events=["alert"])
    train(store, "acme", learner="logreg")
    score(store, account="acme", open_only=True)
    score(store, account="acme", open_only=True)  # still below: no second alert, no second post
    sent = sorted((d["payload"]["ticket_id"], d["event"]) for d in log(store))
    assert sent == [("T120", "alert"), ("T121", "alert")]
    assert all(d["payload"]["score"] < 40 and len(d["payload"]["reasons"]) == 3 for d in log(store))


def test_a_low_survey_answer_is_held_so_its_comment_rides_along(store):
    from cxpulse.service.surveys import create_survey, invitation_links, record_click, record_feedback, send_due
    from cxpulse.surveys.definitions import Survey
    from tests.survey_helpers import RecordingMailer, customer, invitations, seed, ticket, token_of

    seed(store, [customer("c1"), ticket("t1", "c1", solved_at=NOW - timedelta(hours=3))])
    create_survey(store, "acme", Survey(name="csat", kind="csat", reasons=("slow", "other")), now=NOW - timedelta(days=1))
    send_due(store, RecordingMailer(), now=NOW - timedelta(hours=1))
    links = {s: token_of(u) for s, _l, u in invitation_links(store, invitations(store)["t1"]["id"])}
    add_webhook(store, "acme", "https://hooks.example.com/a")

    record_click(store, links[1], now=NOW)
    (d,) = log(store)
    assert (d["status"], d["payload"]["score"], d["payload"]["comment"]) == ("pending", 1, "")
    assert d["next_at"] > NOW + timedelta(minutes=4)
    record_feedback(store, links[1], reason="slow", comment="Two days for an answer", now=NOW + timedelta(minutes=1))
    (d,) = log(store)
    assert (d["payload"]["reason"], d["payload"]["comment"]) == ("slow", "Two days for an answer")
    record_click(store, links[5], now=NOW + timedelta(minutes=2))  # changed their mind before it was posted
    assert log(store) == []


def test_a_link_scanners_low_click_is_withdrawn_before_it_is_posted(store):
    from cxpulse.service.surveys import create_survey, invitation_links, record_click, send_due
    from cxpulse.surveys.definitions import Survey
    from tests.survey_helpers import RecordingMailer, customer, invitations, seed, ticket, token_of

    seed(store, [customer("c1"), ticket("t1", "c1", solved_at=NOW - timedelta(hours=3))])
    create_survey(store, "acme", Survey(name="csat", kind="csat"), now=NOW - timedelta(days=1))
    send_due(store, RecordingMailer(), now=NOW - timedelta(hours=1))
    links = {s: token_of(u) for s, _l, u in invitation_links(store, invitations(store)["t1"]["id"])}
    add_webhook(store, "acme", "https://hooks.example.com/a")
    record_click(store, links[1], now=NOW)
    assert [d["status"] for d in log(store)] == ["pending"]  # held for ANSWER_HOLD
    assert record_click(store, links[2], now=NOW + S).outcome == "scanner"
    assert log(store) == []  # never posted


# ---- the CLI and the deliverer in the app --------------------------------------------------------------------


def test_cli_add_list_deliver_log_remove(tmp_path, loopback_allowed):
    from cxpulse.storage import Store

    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    store = Store.open(db)
    acme = account_id(store, "acme")
    with Receiver() as rx:
        added = runner.invoke(cli, ["webhooks", "add", "--account", "acme", "--url", rx.url, "--events", "low_rating",
                                    "--db", db])
        assert added.exit_code == 0, added.output
        secret = added.stdout.split()[-1]
        assert secret.startswith("whsec_")
        (hook,) = json.loads(runner.invoke(cli, ["webhooks", "list", "-f", "json", "--db", db]).stdout)
        assert (hook["account"], hook["events"], hook["url"]) == ("acme", "low_rating", rx.url)
        assert "secret" not in hook and secret not in json.dumps(hook)
        queue_low_ratings(store, acme, [rating("r1", 2)])
        done = runner.invoke(cli, ["webhooks", "deliver", "-f", "json", "--db", db])
        assert json.loads(done.stdout) == {"claimed": 1, "delivered": 1, "retrying": 0, "failed": 0}
    verified(secret, rx.requests[0][1], rx.requests[0][2])
    (row,) = json.loads(runner.invoke(cli, ["webhooks", "log", "--account", "acme", "-f", "json", "--db", db]).stdout)
    assert (row["status"], row["event_key"], row["payload"]["score"]) == ("delivered", "low_rating-r1", 2)
    assert runner.invoke(cli, ["webhooks", "remove", str(hook["id"]), "--db", db]).exit_code == 0
    missing = runner.invoke(cli, ["webhooks", "remove", str(hook["id"]), "--db", db])
    assert missing.exit_code == 4 and "no active webhook" in missing.output
    bad = runner.invoke(cli, ["webhooks", "add", "--account", "acme", "--url", "gopher://x", "--db", db])
    assert bad.exit_code == 2 and "http:// or https://" in bad.output


def test_the_app_runs_the_deliverer_in_the_background(store, loopback_allowed):
    from fastapi.testclient import TestClient

    from cxpulse.web import create_app

    acme = account_id(store, "acme")
    with Receiver() as rx:
        add_webhook(store, "acme", rx.url, allow_private=True)
        queue_low_ratings(store, acme, [rating("r1", 1)])
        app = create_app(store)
        start_deliverer(app, every=0.05)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            for _ in range(100):
                if rx.requests:
                    break
                time.sleep(0.05)
    assert len(rx.requests) == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(T.webhook_deliveries.c.status)).scalar_one() == "delivered"


def test_the_docstring_examples_hold():
    import doctest

    from cxpulse.service import webhook_delivery, webhooks

    for module in (webhooks, webhook_delivery):
        assert doctest.testmod(module).failed == 0


# ---- the API ------------------------------------------------------------------------------------------------


@pytest.fixture
def api(store):
    """(client, keys by account name) over an app with acme and zeta, an account key each and an admin key."""
    pytest.importorskip("cxpulse.api.deps")
    from fastapi.testclient import TestClient

    from cxpulse.api.routes.webhooks import router
    from cxpulse.service.keys import create_key
    from cxpulse.web import create_app

    app = create_app(store)
    if not any(getattr(r, "path", "") == "/api/v1/accounts/{account}/webhooks" for r in app.routes):
        from cxpulse.api.errors import install_error_handlers

        app.include_router(router, prefix="/api/v1")  # until build_api joins it
        install_error_handlers(app)
    keys = {name: create_key(store, account=store.ensure_account(name).name)[0] for name in ("acme", "zeta")}
    keys["admin"] = create_key(store, admin=True)[0]
    with TestClient(app) as client:
        yield client, {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}


def test_api_adds_lists_logs_and_removes_webhooks(api, store):
    client, auth = api
    base = "/api/v1/accounts/acme/webhooks"
    assert client.get(base).status_code == 401
    made = client.post(base, json={"url": "https://hooks.example.com/a", "events": ["low_rating"]}, headers=auth["acme"])
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["low_rating"] and hook["account"] == "acme"
    (listed,) = client.get(base, headers=auth["acme"]).json()["data"]
    assert listed["id"] == hook["id"] and "secret" not in listed

    queue_low_ratings(store, store.account("acme").id, [rating(f"r{i}", 1) for i in range(3)])
    page = client.get(f"{base}/deliveries", params={"limit": 2}, headers=auth["acme"]).json()
    assert [d["event_key"] for d in page["data"]] == ["low_rating-r2", "low_rating-r1"] and page["next_cursor"]
    rest = client.get(f"{base}/deliveries", params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth["acme"])
    assert [d["event_key"] for d in rest.json()["data"]] == ["low_rating-r0"] and rest.json()["next_cursor"] is None
    assert rest.json()["data"][0]["payload"]["score"] == 1
    assert client.get(f"{base}/deliveries", params={"cursor": "garbage"}, headers=auth["acme"]).status_code == 400
    assert client.get(f"{base}/deliveries", params={"status": "lost"}, headers=auth["acme"]).status_code in (400, 422)

    refused = client.post(base, json={"url": "http://127.0.0.1:22/"}, headers=auth["acme"])
    assert refused.status_code in (400, 422) and "error" in refused.json()
    assert client.post(base, json={"url": "https://x.example.com", "events": ["boom"]},
                       headers=auth["acme"]).status_code in (400, 422)

    assert client.delete(f"{base}/{hook['id']}", headers=auth["acme"]).status_code == 204
    assert client.get(base, headers=auth["acme"]).json()["data"] == []
    assert client.delete(f"{base}/{hook['id']}", headers=auth["acme"]).status_code == 404


def test_api_never_shows_or_changes_another_accounts_webhooks(api, store):
    client, auth = api
    _secret, hook = add_webhook(store, "acme", "https://hooks.example.com/a")
    queue_low_ratings(store, store.account("acme").id, [rating("r1", 1)])
    for path in ("/api/v1/accounts/acme/webhooks", "/api/v1/accounts/acme/webhooks/deliveries"):
        other = client.get(path, headers=auth["zeta"])
        assert other.status_code == 404 and "hooks.example.com" not in other.text
    assert client.post("/api/v1/accounts/acme/webhooks", json={"url": "https://evil.example.com"},
                       headers=auth["zeta"]).status_code == 404
    # another account's webhook id under one's own account name: not found, and left alone
    assert client.delete(f"/api/v1/accounts/zeta/webhooks/{hook.id}", headers=auth["zeta"]).status_code == 404
    assert client.delete(f"/api/v1/accounts/acme/webhooks/{hook.id}", headers=auth["zeta"]).status_code == 404
    assert [w.id for w in list_webhooks(store, "acme")] == [hook.id]
    assert client.get("/api/v1/accounts/zeta/webhooks/deliveries", headers=auth["zeta"]).json()["data"] == []
    # the admin key sees every account's
    assert len(client.get("/api/v1/accounts/acme/webhooks/deliveries", headers=auth["admin"]).json()["data"]) == 1


# ---- public reviews (issue 17 §2) ------------------------------------------------------------------


def test_a_new_one_or_two_star_review_posts_the_low_rating_webhook_once(store, tmp_path, loopback_allowed):
    store.ensure_account("acme")
    doc = json.loads((Path(__file__).resolve().parents[1] / "examples" / "trustpilot-reviews.json").read_text())
    for i, r in enumerate(doc["reviews"]):  # the example's reviews, written an hour ago: news
        r["createdAt"] = (NOW - timedelta(hours=1, minutes=i)).isoformat()
        if r.get("companyReply"):
            r["companyReply"]["createdAt"] = NOW.isoformat()
    f = tmp_path / "tp.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    with Receiver() as rx:
        secret, _hook = add_webhook(store, "acme", rx.url, allow_private=True)
        import_path(store, "reviews", f, account="acme", source="trustpilot")
        assert import_path(store, "reviews", f, account="acme", source="trustpilot").unchanged == 4
        (d,) = log(store)  # of 5, 1, 3 and 4 stars: the one-star review, once
        assert d["event_key"] == "low_rating-trustpilot:6568f2a1c7d4b20001a1b2c4"
        assert deliver_due(store, now=datetime.now(UTC) + timedelta(minutes=1)).delivered == 1
    (_path, headers, body) = rx.requests[0]
    payload = verified(secret, headers, body)
    assert (payload["kind"], payload["score"], payload["source"], payload["language"]) == ("review", 1, "trustpilot", "ru")
    assert payload["comment"].startswith("Никогда больше") and payload["reply"] == ""
