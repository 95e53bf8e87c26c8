"""The invitation email: HTML and plain text, in the customer's language.

Jinja2 renders both parts from `templates/`; the HTML one is autoescaped (customer
names, ticket subjects and company names are user-supplied), the text one is not. The
HTML uses tables and inline styles only, because mail clients drop <style> blocks, and
one link per score, so a rating is a single click.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import jinja2

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import Survey
from cxpulse.surveys.i18n import pick_language, question, scale_anchors, score_descriptions, texts
from cxpulse.surveys.rules import as_utc

__all__ = ["Email", "render_invitation"]

SUBJECT_SHOWN = 120  # characters of the ticket subject quoted in the email
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Email:
    """A rendered email, ready for a Mailer: subject, the two parts, their language."""

    subject: str
    text: str
    html: str
    language: str


@dataclass(frozen=True)
class _Button:
    score: int
    label: str  # visible
    aria: str  # the accessible name: says the whole scale position
    url: str


def render_invitation(
    survey: Survey,
    lang: str,
    *,
    ticket_id: str,
    ticket_subject: str,
    customer_name: str,
    links: list[tuple[int, str, str]],
    open_url: str | None,
    reminder: bool = False,
    account_name: str = "",
    expires_at: datetime | None = None,
) -> Email:
    """The invitation (or its reminder): one link per (score, label, url) in `links`,
    plus `open_url` to open the survey page without a rating (the only link for CSI)."""
    lang = pick_language(lang, survey.language)
    m = texts(lang)
    ticket = _one_line(str(ticket_id))
    subject_line = _one_line(ticket_subject or "")
    if len(subject_line) > SUBJECT_SHOWN:
        subject_line = subject_line[: SUBJECT_SHOWN - 1].rstrip() + "…"
    name = _one_line(customer_name or "")
    company = _one_line(account_name or "")
    buttons = _buttons(survey, lang, links)
    if open_url is not None:
        _check_url(open_url)
    if not buttons and not open_url:
        raise SurveyError("links: an invitation needs at least one score link or an open_url")

    intro_key = "email.reminder_intro" if reminder else "email.intro"
    anchors = scale_anchors(survey, lang) if buttons else None
    top = survey.scores()[-1]
    context = {
        "lang": lang,
        "subject": m.format("email.subject_reminder" if reminder else "email.subject", ticket=ticket),
        "greeting": m.format("email.greeting", name=name) if name else m["email.greeting_no_name"],
        "intro": (
            m.format(intro_key, subject=subject_line, ticket=ticket)
            if subject_line
            else m.format(intro_key + "_no_subject", ticket=ticket)
        ),
        "question": question(survey, lang, ticket=ticket, company=company),
        "buttons": buttons,
        "stacked": anchors is None,
        "anchors": anchors and (
            m.format("scale.anchor", score=survey.scores()[0], label=anchors[0]),
            m.format("scale.anchor", score=top, label=anchors[1]),
        ),
        "one_click": m["email.one_click"],
        "open_url": open_url,
        "open_label": m["email.open_survey"] if buttons else m["email.start_survey"],
        "csi_call": m["email.csi_call"],
        "expires": m.format("email.expires", date=m.date(as_utc(expires_at))) if expires_at else "",
        "signoff": m["email.signoff"],
        "team": m.format("email.team", company=company) if company else m["email.team_no_company"],
        "reason": m.format("email.reason", company=company) if company else m["email.reason_no_company"],
    }
    env = _environment()
    return Email(
        subject=context["subject"],
        text=env.get_template("email.txt").render(context),
        html=env.get_template("email.html").render(context),
        language=lang,
    )


def _buttons(survey: Survey, lang: str, links: list[tuple[int, str, str]]) -> list[_Button]:
    names = dict(score_descriptions(survey, lang))
    buttons = []
    seen: set[int] = set()
    for score, label, url in links:
        if score not in names:
            raise SurveyError(f"links: score {score!r} is not on the {survey.scale} scale (allowed: {', '.join(map(str, names))})")
        if score in seen:
            raise SurveyError(f"links: score {score} is listed twice")
        seen.add(score)
        _check_url(url)
        label = _one_line(str(label)) or str(score)
        aria = names[score] if label in (str(score), names[score]) else f"{label} ({names[score]})"
        buttons.append(_Button(score, label, aria, url))
    return buttons


def _check_url(url: object) -> None:
    # Only web links: a javascript: or data: URL must never reach a customer's inbox.
    if not isinstance(url, str) or not re.match(r"https?://[^\s]+\Z", url):
        raise SurveyError(f"links: {url!r} is not an http(s) URL")


def _one_line(text: str) -> str:
    """Collapse line breaks and runs of space: subjects become mail headers."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cxpulse.surveys", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
