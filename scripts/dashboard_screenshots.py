#!/usr/bin/env python
"""The screenshots of docs/dashboard.md, made again from the pages as they are now.

    .venv/bin/python scripts/dashboard_screenshots.py            # writes docs/img/dashboard-*.png

It builds a smaller demo help desk (`cxpulse demo --tickets 6000 --end 2026-10-31`: the same
pages as the full 20,000, in a third of the time) in a temporary SQLite file, gives the
busiest account what a team sets up in its first week — the help desk's ticket address
(`cxpulse settings --ticket-url`), a webhook whose receiver answered its alerts, a
Zendesk connection — then serves the dashboard on a free loopback port, logs in with the
demo's key in Debian's chromium (driven by Playwright, as the browser tests do) and saves
one PNG per page: 1280 px wide and at most 900 px tall (the top of a longer page), and the
overview and one list at 390 px, a phone's width, at most 1,800 px tall. `make screenshots` runs it.

Deterministic: the demo is seeded, and the whole run — the demo, training, scoring, the
server — reads the clock as 2026-11-01 09:00 UTC, so the same code draws the same pages
and a changed PNG means a changed page.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cxpulse  # noqa: E402

END = date(2026, 10, 31)  # the demo's last day
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # the clock of the whole run: the next morning
TICKETS = 6000
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--font-render-hinting=none",
                 "--lang=en-GB"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PHONE_HEIGHT = 1800  # a phone's picture goes on for two screens: the overview's cards come after its view bar
HELP_DESK = "https://nordlicht.zendesk.com/agent/tickets/{id}"
WEBHOOK_URL = "https://hooks.nordlicht.example/cxpulse"

# (file name, path): every page of the navigation and the two drill-down lists, at desktop width
PAGES: tuple[tuple[str, str], ...] = (
    ("overview", "/"),
    ("agents", "/agents"),
    ("groups", "/groups"),
    ("drivers", "/drivers"),
    ("team", "/team"),
    ("sla", "/sla"),
    ("quality", "/quality"),
    ("low-ratings", "/low-ratings"),
    ("reviews", "/reviews"),
    ("at-risk", "/at-risk"),
    ("model", "/model"),
    ("alerts", "/alerts"),
    ("webhooks", "/webhooks"),
    ("surveys", "/surveys"),
    ("connections", "/connections"),
    ("responses", "/responses?kind=csat&low=1"),
    ("tickets", "/tickets?sort=first_reply"),  # as the first-reply card opens it
)
PHONE_PAGES: tuple[tuple[str, str], ...] = (("overview-390", "/"), ("responses-390", "/responses?kind=csat&low=1"))


# ---- a fixed clock -----------------------------------------------------------------------

_REAL_DATETIME, _REAL_DATE = datetime, date


class _Frozen(type):
    """isinstance(x, FrozenDatetime) is isinstance(x, datetime): the stand-in is the class to the code."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls.real)


class FrozenDatetime(_REAL_DATETIME, metaclass=_Frozen):
    """`datetime` whose now() is NOW; everything it makes is a plain datetime."""

    real = _REAL_DATETIME

    def __new__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _REAL_DATETIME(*args, **kwargs)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return NOW.astimezone(tz) if tz is not None else NOW.replace(tzinfo=None)

    @classmethod
    def utcnow(cls):  # type: ignore[no-untyped-def,override]
        return NOW.replace(tzinfo=None)

    @classmethod
    def today(cls):  # type: ignore[no-untyped-def,override]
        return NOW.replace(tzinfo=None)


class FrozenDate(_REAL_DATE, metaclass=_Frozen):
    """`date` whose today() is NOW's day."""

    real = _REAL_DATE

    def __new__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _REAL_DATE(*args, **kwargs)

    @classmethod
    def today(cls):  # type: ignore[no-untyped-def,override]
        return NOW.date()


@contextmanager
def frozen_clock() -> Iterator[None]:
    """Every cxpulse module below the edges reads NOW for the current time while the block
    runs: the service and storage read `datetime.now`, the pages read the app's clock
    (create_app's `clock`). The API and web modules keep the real classes: FastAPI reads
    their routes' annotations on the first request. Every module is imported first, so
    none imports the real class later; outside the block they all have it back."""
    for m in pkgutil.walk_packages(cxpulse.__path__, "cxpulse."):
        importlib.import_module(m.name)
    patched = []
    for name, module in list(sys.modules.items()):
        if name.startswith("cxpulse.") and not name.startswith(("cxpulse.api.", "cxpulse.web.")):
            for attr, real, frozen in (("datetime", _REAL_DATETIME, FrozenDatetime), ("date", _REAL_DATE, FrozenDate)):
                if getattr(module, attr, None) is real:
                    setattr(module, attr, frozen)
                    patched.append((module, attr, real))
    try:
        yield
    finally:
        for module, attr, real in patched:
            setattr(module, attr, real)


# ---- the demo desk -----------------------------------------------------------------------


def build_desk(db: Path, tickets: int) -> tuple[str, str]:
    """The demo in `db`, and its busiest account set up as a team would in its first week.
    Returns (the demo's admin key, the account the dashboard lands on)."""
    import httpx2

    from cxpulse.service.accounts import busiest_account, update_settings
    from cxpulse.service.connections import connect
    from cxpulse.service.demo import run_demo
    from cxpulse.service.predict import alerts
    from cxpulse.service.webhook_delivery import deliver_due
    from cxpulse.service.webhooks import add_webhook, queue_alerts
    from cxpulse.storage import Store

    store = Store.open(str(db))
    try:
        summary = run_demo(store, tickets=tickets, end=END)
        account = busiest_account(store)
        assert account is not None, "the demo stored no account"
        update_settings(store, account, ticket_url=HELP_DESK)
        connect(store, account, "zendesk", "https://nordlicht.zendesk.com", "zd-demo-token-0000-4711",
                email="ops@nordlicht.example", now=NOW - timedelta(days=2))
        # a webhook for the alerts; its receiver took the first ones and was down for the last
        add_webhook(store, account, WEBHOOK_URL, events=("alert",), now=NOW - timedelta(days=2))
        queued = [dict(a) for a in alerts(store, account)[:8]]
        queue_alerts(store, store.account(account).id, queued, now=NOW - timedelta(minutes=2))
        answered = iter([200] * (len(queued) - 2) + [503] * 2)
        receiver = httpx2.Client(transport=httpx2.MockTransport(lambda request: httpx2.Response(next(answered))))
        deliver_due(store, now=NOW - timedelta(seconds=30), client=receiver)
        return summary.login_key, account
    finally:
        store.engine.dispose()


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """The dashboard over `db`, served by uvicorn in a thread on a free loopback port, its
    clock at NOW. The app is built before the clock is frozen (FastAPI reads the routes'
    annotations then, and wants the real classes), and serves with it frozen."""
    import socket

    import uvicorn

    from cxpulse.storage import Store
    from cxpulse.web import create_app

    store = Store.open(str(db))
    app = create_app(store, clock=lambda: NOW)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    with frozen_clock():
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise SystemExit("the server did not start within 20 s")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            store.engine.dispose()


# ---- the browser -------------------------------------------------------------------------


def shoot_all(base: str, key: str, out: Path, max_height: int) -> list[Path]:
    """Log in with `key`, then one PNG per page into `out`; returns the files written."""
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for viewport, pages, tallest in ((DESKTOP, PAGES, max_height), (PHONE, PHONE_PAGES, PHONE_HEIGHT)):
                context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC",
                                              color_scheme="light", reduced_motion="reduce")
                page = context.new_page()
                page.set_default_timeout(30_000)
                page.goto(f"{base}/login")
                page.get_by_label("API key").fill(key)
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/")
                for name, path in pages:
                    response = page.goto(base + path)
                    if response is None or response.status != 200:
                        raise SystemExit(f"{path} answered {response.status if response else 'nothing'}")
                    # down to the end of the page's content, or `tallest` px of a longer page
                    bottom = page.evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom"
                                           " + window.scrollY)")
                    height = min(tallest, max(bottom, 200))
                    target = out / f"dashboard-{name}.png"
                    page.screenshot(path=str(target), full_page=True,
                                    clip={"x": 0, "y": 0, "width": viewport["width"], "height": height})
                    written.append(target)
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="where the PNGs go (docs/img)")
    parser.add_argument("--tickets", type=int, default=TICKETS, help=f"demo size (default {TICKETS})")
    parser.add_argument("--max-height", type=int, default=DESKTOP["height"],
                        help="a page taller than this is cut to its top (default 900 px)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: `apt-get install chromium` (the browser tests use it too)")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cxpulse-shots-") as tmp:
        db = Path(tmp) / "demo.db"
        with frozen_clock():
            key, account = build_desk(db, args.tickets)
        built = time.monotonic()
        with serving(db) as base:
            written = shoot_all(base, key, args.out, args.max_height)
    total = sum(f.stat().st_size for f in written)
    print(f"{len(written)} screenshots of {account}'s dashboard in {args.out} ({total / 1024:.0f} KB; demo "
          f"{built - started:.0f} s, browser {time.monotonic() - built:.0f} s)")
    for f in written:
        print(f"  {f.name:32} {f.stat().st_size / 1024:6.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
