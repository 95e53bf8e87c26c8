"""End to end with real parts: send-due mails an invitation through a real SMTP server
(aiosmtpd on loopback), a real browser (Playwright driving Debian's chromium) follows the
emailed one-click link to the live server (uvicorn), picks a reason by its label, types a
comment and submits with the keyboard; the database then holds exactly that one answer.

Skipped only when /usr/bin/chromium is missing outside CI; under CI it fails instead.
"""

from __future__ import annotations

import email
import os
import shutil
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from cxpulse.service.mailer import SmtpMailer
from cxpulse.service.settings import SmtpSettings
from cxpulse.service.surveys import create_survey, send_due
from cxpulse.storage import Store
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import Survey
from cxpulse.web import create_app
from tests.live import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, browser_or_skip, free_port, serving
from tests.survey_helpers import ACCOUNT, customer, responses, seed, ticket

CSAT = Survey(name="csat", kind="csat", reasons=("slow", "not_solved", "unfriendly", "other"))
COMMENT = "Still broken — всё ещё не работает <b>x</b> & Ελλάδα"

class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def live_server(tmp_path, monkeypatch):
    """(store, base url): uvicorn serving create_app(store) in a thread on a free loopback port."""
    store = Store.open(tmp_path / "live.db")
    port = free_port()
    monkeypatch.setenv("CXPULSE_BASE_URL", f"http://127.0.0.1:{port}")  # so the emailed links lead to this server
    monkeypatch.delenv("CXPULSE_SECRET", raising=False)
    with serving(create_app(store), port) as base:
        yield store, base
    store.engine.dispose()


def test_a_customer_answers_an_emailed_survey_in_a_real_browser(smtp_server, live_server, tmp_path):
    sync_playwright = browser_or_skip()
    inbox, smtp_port = smtp_server
    store, base = live_server
    now = datetime.now(UTC).replace(microsecond=0)
    seed(store, [customer("c1", locale="en-GB", name="Dana"),
                 ticket("T-77", "c1", solved_at=now - timedelta(hours=2), subject="Printer on fire")])
    create_survey(store, ACCOUNT, CSAT, now=now - timedelta(days=1))
    mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp_port, sender="survey@acme.example"))
    assert send_due(store, mailer).sent == 1

    (raw,) = inbox.messages
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "c1@example.com"
    html_part = message.get_body(preferencelist=("html",)).get_content()
    assert f"{base}/s/" in html_part

    m = i18n.texts("en")
    score_label = dict(i18n.score_labels(CSAT, "en"))[2]
    reason_label = i18n.reason_text("not_solved", "en")
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            page.on("response", lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.set_default_timeout(5000)

            # the email as the customer sees it; follow the link of score 2 by its text
            page.set_content(html_part)
            page.get_by_text(score_label, exact=True).click()
            page.wait_for_url(f"{base}/s/**")
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("h1").inner_text() == m["page.thanks_title"]
            assert score_label in page.locator(".chosen").inner_text()

            # a reason, picked by clicking its label
            page.locator("label", has_text=reason_label).click()
            assert page.get_by_label(reason_label).is_checked()

            # the keyboard from here on: Tab to the comment, type, Tab to Send, Enter
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "comment"
            page.keyboard.type(COMMENT)
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "(() => { const e = document.activeElement, s = getComputedStyle(e);"
                " return [e.tagName, e.textContent.trim(), s.outlineStyle, s.outlineWidth]; })()")
            assert focused == ["BUTTON", m["page.submit"], "solid", "3px"]  # a visible focus ring
            assert page.evaluate(CONTRAST_JS) == []
            page.screenshot(path=str(tmp_path / "survey-form.png"), full_page=True)
            page.keyboard.press("Enter")

            page.wait_for_load_state()
            page.get_by_text(m["page.feedback_saved"]).wait_for()
            assert page.locator("h1").inner_text() == m["page.thanks_title"]
            assert page.evaluate(CONTRAST_JS) == []
            page.screenshot(path=str(tmp_path / "survey-saved.png"), full_page=True)
        finally:
            browser.close()

    rows = responses(store)
    assert len(rows) == 1
    (row,) = rows
    assert (row["score"], row["reason"], row["comment"]) == (2, "not_solved", COMMENT)
    assert (row["ticket_id"], row["customer_id"], row["kind"]) == ("T-77", "c1", "csat")
    assert console_errors == []  # nothing blocked by the Content-Security-Policy, no script errors
    assert (tmp_path / "survey-form.png").stat().st_size > 0
    if os.environ.get("CXPULSE_KEEP_SCREENSHOTS"):
        shutil.copy(tmp_path / "survey-form.png", os.environ["CXPULSE_KEEP_SCREENSHOTS"])


# ---- every survey page fits a 360 px phone (issue 13 §9) ----------------------------------------------

# In the page: what does not fit the screen — the page scrolling sideways, an element past
# its right edge, or a box whose text is wider than the box (cut, or spilling over).
FIT_JS = """
() => {
  const vw = document.documentElement.clientWidth, bad = [];
  const what = el => el.tagName + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  if (document.documentElement.scrollWidth > vw) bad.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || s.visibility === 'hidden') continue;
    if (r.right > vw + 0.5 || r.left < -0.5) bad.push('wider than the screen: ' + what(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    if (s.display !== 'inline' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) bad.push('text cut: ' + what(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  return bad;
}
"""
PHONE = {"width": 360, "height": 740}


def _every_kind_and_scale() -> list[Survey]:
    from cxpulse.surveys.definitions import KINDS, SCALES

    out = []
    for kind in KINDS:
        for scale in SCALES[kind]:
            extra = {"attributes": ("speed", "competence", "personal_approach")} if kind == "csi" else {}
            out.append(Survey(name=f"{kind}-{scale}", kind=kind, scale=scale, throttle_days=0, **extra))
    return out


def test_every_survey_page_fits_a_360_px_phone_in_every_language(live_server, tmp_path):
    """Each kind and scale, in each language: the email's landing page, the page asking to
    confirm a score (a scanner's burst, every score as a radio), the CSI questions, and the
    signature link's buttons — no text cut, nothing wider than a 360 px screen."""
    from sqlalchemy import select

    from cxpulse.service.surveys import invitation_links, link_url, list_surveys
    from cxpulse.storage import tables as T
    from cxpulse.surveys.definitions import LANGUAGES

    sync_playwright = browser_or_skip()
    store, base = live_server
    now = datetime.now(UTC).replace(microsecond=0)
    seed(store, [r for lang in LANGUAGES for r in (customer(f"c-{lang}", locale=lang),
                                                    ticket(f"T-{lang}", f"c-{lang}", solved_at=now - timedelta(hours=2)))])
    surveys = _every_kind_and_scale()
    for survey in surveys:
        create_survey(store, ACCOUNT, survey, now=now - timedelta(days=1))

    class Mailer:
        def send(self, to, email) -> None:
            pass

    assert send_due(store, Mailer()).sent == len(surveys) * len(LANGUAGES)
    pages: list[tuple[str, str]] = []  # (what, url)
    with store.engine.connect() as conn:
        rows = conn.execute(select(T.survey_invitations.c.id, T.survey_invitations.c.survey_id,
                                   T.survey_invitations.c.language)).all()
    names = {s.id: s.survey.name for s in list_surveys(store, ACCOUNT)}
    for inv_id, survey_id, lang in rows:
        links = invitation_links(store, inv_id)
        what = f"{names[survey_id]} {lang}"
        pages.append((f"{what} email landing", links[0][2]))
        if len(links) > 1:  # two different scores at once: the page asking to confirm shows every score
            pages.append((f"{what} confirm", links[-1][2]))
    for survey in surveys:
        if survey.kind != "csi":
            url = link_url(store, ACCOUNT, survey.name)
            pages += [(f"{survey.name} {lang} signature link", f"{url}?ticket=T-{lang}&lang={lang}") for lang in LANGUAGES]

    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE)
            page.set_default_timeout(5000)
            for what, url in pages:
                page.goto(url)
                bad = page.evaluate(FIT_JS)
                if bad:
                    problems[what] = bad
                    page.screenshot(path=str(tmp_path / f"{len(problems)}.png"), full_page=True)
                if os.environ.get("CXPULSE_KEEP_SCREENSHOTS"):  # a folder: every page as a phone shows it
                    page.screenshot(path=os.path.join(os.environ["CXPULSE_KEEP_SCREENSHOTS"],
                                                      what.replace(" ", "_") + ".png"), full_page=True)
        finally:
            browser.close()
    assert len(pages) >= 60
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items()) + f"\nscreenshots in {tmp_path}"
