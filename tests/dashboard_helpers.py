"""A small demo help desk for the dashboard tests: the seeded demo generator with few
tickets (three accounts, a model each, open tickets scored), keys, a survey per account,
a webhook with deliveries — and a logged-in TestClient."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from cxpulse.service.demo import run_demo
from cxpulse.service.keys import create_key
from cxpulse.service.predict import alerts, score, train
from cxpulse.service.surveys import create_survey
from cxpulse.service.webhooks import add_webhook, queue_alerts
from cxpulse.storage import Store
from cxpulse.surveys.definitions import Survey
from cxpulse.web import create_app

TICKETS = 600
END = date(2026, 6, 30)  # the demo's last day; the app's clock reads the next morning
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
OWN, OTHER = "nordlicht", "polar-soft"
OWN_SURVEY, OTHER_SURVEY = "csat-after-ticket", "polar-secret-survey"
WEBHOOK_URL = "https://hooks.example.com/cxpulse"
ALERT_BELOW = 70


@dataclass
class DemoDesk:
    store: Store
    own_key: str  # nordlicht's key
    other_key: str  # polar-soft's key
    admin_key: str


def seed_desk(store: Store) -> DemoDesk:
    run_demo(store, tickets=TICKETS, end=END, predict=False)
    # a small desk scores few tickets below the default 40: raise the bar so alerts are logged
    acc = store.account(OWN)
    store.update_account(dataclasses.replace(acc.account, alert_below=ALERT_BELOW))
    train(store)  # as `cxpulse demo` does: a model each (the pooled one, trained once), the open tickets scored
    score(store, open_only=True)
    own_key, _ = create_key(store, account=OWN, name="test")
    other_key, _ = create_key(store, account=OTHER, name="test")
    admin_key, _ = create_key(store, admin=True, name="test-admin")
    create_survey(store, OWN, Survey(name=OWN_SURVEY, kind="csat", reminder_days=3), now=NOW)
    create_survey(store, OTHER, Survey(name=OTHER_SURVEY, kind="nps"), now=NOW)
    add_webhook(store, OWN, WEBHOOK_URL, events=("alert",))
    queue_alerts(store, store.account(OWN).id, [dict(a) for a in alerts(store, OWN)[:3]])
    return DemoDesk(store, own_key, other_key, admin_key)


def client_for(store: Store) -> TestClient:
    return TestClient(create_app(store, clock=lambda: NOW))


def login(client: TestClient, key: str, next_path: str = "/"):
    """Fetch the login form (its token) and post the key; returns the POST's response."""
    form = client.get("/login")
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    return client.post("/login", data={"key": key, "token": token, "next": next_path}, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


HELP_DESK_URL = "https://nordlicht.zendesk.com/agent/tickets/{id}"


def shared_desk(tmp_path_factory) -> DemoDesk:
    """The demo desk on SQLite with nordlicht's help desk address set: one for the read-only
    dashboard tests of a session (tests/conftest.py's `read_desk`), built once."""
    from cxpulse.service.accounts import update_settings

    store = Store.open(tmp_path_factory.mktemp("read_desk") / "cxpulse.db")
    desk = seed_desk(store)
    update_settings(store, OWN, ticket_url=HELP_DESK_URL)
    return desk


def logged_in(store: Store, key: str) -> TestClient:
    client = client_for(store)
    assert login(client, key).status_code == 303
    return client
