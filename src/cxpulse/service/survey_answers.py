"""Recording what customers answer (re-exported by service.surveys): one-click ratings,
the follow-up form (reason, comment, CSI questions), and signature/chat-link votes.

An answer is a `Response` stored through `service.load.load` and `service.derive.derive_touched`,
like an imported one, so reports and rollups see it at once. Its source id is
`survey-{invitation}` (CSI: `survey-{invitation}-{attribute}`; links: `link-{vote}`), so a
replaced answer updates the same row. A token that does not verify raises TokenInvalid or
TokenExpired before anything is read or written. Texts are stored as typed: escaping
is the page's job.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cxpulse.domain import NotFound, Response, ResponseKind, Scale, SurveyError, TokenInvalid
from cxpulse.readers.base import Record
from cxpulse.service.derive import derive_touched
from cxpulse.service.load import Touched, load
from cxpulse.service.settings import secret
from cxpulse.service.survey_definitions import StoredSurvey, now_utc, survey_by_id
from cxpulse.service.webhooks import ANSWER_HOLD, queue_low_ratings, withdraw_low_ratings
from cxpulse.storage import Store, stale
from cxpulse.storage import surveys as survey_store
from cxpulse.storage.errors import WriteConflict
from cxpulse.surveys import i18n, rules
from cxpulse.surveys.definitions import LANGUAGES, Survey
from cxpulse.surveys.tokens import Claims, verify, verify_ticket_link

VOTES_PER_IP_HOUR = 5
MAX_ID = 200  # ticket and customer ids, as the tables hold them


@dataclass
class ClickResult:
    outcome: str  # "recorded" | "replaced" | "refused" | "opened" (a token without a score) | "scanner"
    survey: Survey
    language: str
    score: int | None
    invitation_id: int  # 0 for a link vote
    ticket_id: str
    token: str
    refusal: str = ""  # when refused: "too_late" | "already_rated" | "rate_limited" | "inactive"
    customer_id: str = ""

    @property
    def changed(self) -> bool:
        """Whether responses were stored or deleted: a server's kept reports must be
        recomputed (`App.data_changed`) so the answer shows at once."""
        return self.outcome in ("recorded", "replaced", "scanner")


@dataclass
class PageContext:
    """Everything a survey page shows; texts already in `language`."""

    survey: Survey
    language: str
    token: str
    question: str
    labels: list[tuple[int, str]]  # (score, label) per button, low to high
    reasons: list[tuple[str, str]]  # (key, text)
    comment_allowed: bool
    comment_max: int
    score: int | None = None  # the recorded score, else the token's
    ticket_id: str = ""
    ticket_subject: str = ""
    customer_id: str = ""
    agent_id: str = ""
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # CSI: (key, question, importance question)
    answers: dict[str, tuple[int, int]] = field(default_factory=dict)  # CSI answers given so far
    reason: str = ""
    comment: str = ""
    answered: bool = False
    can_change_score: bool = True  # False once the 15-minute replace window is over
    invitation_id: int = 0


# ---- checks ------------------------------------------------------------------------------


def _check_text(survey: Survey, reason: str, comment: str) -> None:
    if reason and reason not in survey.reasons:
        allowed = ", ".join(survey.reasons) or "none"
        raise SurveyError(f"reason {reason!r} is not one of this survey's reasons ({allowed})")
    if comment and not survey.comment:
        raise SurveyError("this survey takes no comment")
    if "\x00" in comment:
        raise SurveyError("the comment contains a NUL character, which cannot be stored")
    if len(comment) > rules.COMMENT_MAX:
        raise SurveyError(f"the comment has {len(comment)} characters; at most {rules.COMMENT_MAX} are kept")


def _check_score(survey: Survey, score: int) -> int:
    if not isinstance(score, int) or isinstance(score, bool) or score not in survey.scores():
        raise SurveyError(f"score {score!r} is not on this survey's scale {survey.scale} ({survey.scores()})")
    return score


def _csi_answers(survey: Survey, answers: dict[str, tuple[int, int]]) -> list[tuple[str, int, int]]:
    missing = [a for a in survey.attributes if a not in answers]
    if missing:
        raise SurveyError(f"answer every question; missing: {', '.join(missing)}")
    extra = sorted(set(answers) - set(survey.attributes))
    if extra:
        raise SurveyError(f"{extra[0]!r} is not one of this survey's attributes ({', '.join(survey.attributes)})")
    out = []
    for attr in survey.attributes:
        score, importance = answers[attr]
        _check_score(survey, score)
        if importance not in range(1, 6):
            raise SurveyError(f"importance of {attr!r} must be 1–5, not {importance!r}")
        out.append((attr, score, int(importance)))
    return out


# ---- storing ------------------------------------------------------------------------------


def _keys(survey: Survey, inv_id: int) -> list[str]:
    if survey.kind == "csi":
        return [f"survey-{inv_id}-{a}" for a in survey.attributes]
    return [f"survey-{inv_id}"]


def _save(store: Store, stored: StoredSurvey, source_ids: list[str], rows: list[tuple[str, int, int | None]], *,
          ticket_id: str, customer_id: str, given_at: datetime, reason: str, comment: str,
          agent_id: str = "") -> None:
    """Store (or replace) the responses; reason and comment ride on the first row only."""
    s = stored.survey
    responses = [
        Response(source_id=sid, given_at=given_at, kind=ResponseKind(s.kind), scale=Scale(s.scale), score=score,
                 ticket_id=ticket_id, customer_id=customer_id, agent_id=agent_id, attribute=attr,
                 importance=importance, comment=comment if i == 0 else "", reason=reason if i == 0 else "")
        for i, (sid, (attr, score, importance)) in enumerate(zip(source_ids, rows))
    ]
    records = [Record("response", r, account=stored.account_name) for r in responses]
    with survey_store.answers_lock(store.engine, stored.account_id):
        try:
            result = load(store, records, account=stored.account_name)
        except WriteConflict:  # a simultaneous click inserted the same row first: update it now
            result = load(store, records, account=stored.account_name)
        derive_touched(store, result.touched)
    queue_low_ratings(store, stored.account_id, responses, hold=ANSWER_HOLD)  # webhooks out, if low


def _verified(store: Store, token: str, now: datetime) -> tuple[Claims, survey_store.InvitationRow, StoredSurvey]:
    claims = verify(secret(store), token, now)
    with store.engine.connect() as conn:
        inv = survey_store.invitation(conn, claims.invitation_id)
    if inv is None or (inv.ticket_id, inv.customer_id, inv.survey_id) != (
            claims.ticket_id, claims.customer_id, claims.survey_id):
        raise TokenInvalid("this survey link belongs to no invitation")
    try:
        stored = survey_by_id(store, inv.survey_id)
    except NotFound:
        raise TokenInvalid("this survey link's survey no longer exists") from None
    if claims.score is not None and claims.score not in stored.survey.scores():
        raise TokenInvalid("this survey link carries a score off the survey's scale")
    return claims, inv, stored


def _customer_locale(store: Store, account_id: int, customer_id: str) -> str:
    """The customer's profile language as we speak it, "" when unknown (no profile, none we speak)."""
    if not customer_id:
        return ""
    with store.engine.connect() as conn:
        person = survey_store.customer(conn, account_id, customer_id)
    return i18n.language_of(person[2]) if person else ""


def _invitation_language(store: Store, inv: survey_store.InvitationRow, survey: Survey,
                         accepted: Sequence[str]) -> str:
    """The customer's language when their profile names one we speak (the email was in it);
    else the browser's first we speak (`accepted`, from Accept-Language); else the email's."""
    if accepted and not _customer_locale(store, inv.account_id, inv.customer_id):
        return accepted[0]
    return inv.language or survey.language


def _existing(store: Store, stored: StoredSurvey, keys: list[str]) -> dict[str, dict]:
    with store.engine.connect() as conn:
        return survey_store.stored_responses(conn, stored.account_id, keys)


def _answer(store: Store, inv: survey_store.InvitationRow, now: datetime, score: int | None = None
            ) -> tuple[bool, survey_store.InvitationRow]:
    """(this is the first answer, the invitation as it stands after) — decided atomically."""
    if inv.answered_at is None:
        with store.engine.begin() as conn:
            if survey_store.mark_answered(conn, inv.id, now, score):
                return True, dataclasses.replace(inv, answered_at=now, clicked_score=score, status="answered")
    return False, _reread(store, inv)


def _reread(store: Store, inv: survey_store.InvitationRow) -> survey_store.InvitationRow:
    with store.engine.connect() as conn:
        again = survey_store.invitation(conn, inv.id)
    return again if again is not None else inv


def _scanning(inv: survey_store.InvitationRow, now: datetime) -> bool:
    """Inside a link scanner's burst: its clicks store nothing until the window has passed."""
    return inv.confirmed_at is None and inv.scanner_until is not None and now <= inv.scanner_until


def _scanner(store: Store, stored: StoredSurvey, inv: survey_store.InvitationRow, keys: list[str], now: datetime,
             result: ClickResult) -> ClickResult | None:
    """A click of a scanner's burst: undo the burst's first click if this one found it, or
    extend the window; either way nothing counts, and the page asks the person to confirm.
    None when the person's form was posted meanwhile: then this click is judged as usual."""
    until = now + rules.SCANNER_WINDOW
    with store.engine.begin() as conn:
        if inv.answered_at is None or not survey_store.mark_scanner(conn, inv.id, inv.answered_at, until):
            survey_store.extend_scanner(conn, inv.id, until)
    if not _scanning(_reread(store, inv), now):
        return None
    _forget(store, stored, keys)
    return dataclasses.replace(result, outcome="scanner", score=None)


def _forget(store: Store, stored: StoredSurvey, keys: list[str]) -> None:
    """Delete what a scanner's click stored: the responses, the derived rows counting them,
    kept reports, and its low-rating webhook (held, so never posted yet)."""
    with survey_store.answers_lock(store.engine, stored.account_id):
        with store.engine.begin() as conn:
            gone = survey_store.delete_responses(conn, stored.account_id, keys)
            if gone:  # what counted them is stale: marked with the deletion, derived by `derive_touched`
                stale.mark_tickets(conn, stored.account_id, {t for t, _d in gone})
                stale.mark_days(conn, stored.account_id, {d for _t, d in gone if d is not None})
        if gone:
            days = [d for _t, d in gone]
            derive_touched(store, {stored.account_name: Touched(tickets={t for t, _d in gone}, first_day=min(days),
                                                         last_day=max(days))})
    if gone:
        withdraw_low_ratings(store, stored.account_id, keys)


# ---- one-click links and the follow-up form --------------------------------------------------


def record_click(store: Store, token: str, *, now: datetime | None = None, accepted: Sequence[str] = ()
                 ) -> ClickResult:
    """A click on a score in the email: record it, replace the first within 15 minutes,
    refuse later. A token without a score only opens the page ("opened").

    A mail link scanner fetches every score link within seconds: a different score within
    SCANNER_WINDOW of the first click, before the page's form was posted, undoes that first
    click and starts a scanner window in which clicks store nothing ("scanner"); the page
    then asks to confirm the score, and the form — or a click after the window — decides."""
    now = now_utc(now)
    claims, inv, stored = _verified(store, token, now)
    survey = stored.survey
    keys = _keys(survey, inv.id)
    result = ClickResult("opened", survey, _invitation_language(store, inv, survey, accepted), None, inv.id,
                         inv.ticket_id, token, customer_id=inv.customer_id)
    previous = _existing(store, stored, keys).get(keys[0], {})
    if claims.score is None:
        return dataclasses.replace(result, score=previous.get("score"))

    def settled(inv, scanning: bool):
        """A scanner's click or a click too late ends here (its result); else the invitation, read again."""
        if scanning:
            scanned = _scanner(store, stored, inv, keys, now, result)
            if scanned is not None:
                return scanned, inv
            inv = _reread(store, inv)
        if rules.click_outcome(inv.answered_at, now) == "refuse":
            return dataclasses.replace(result, outcome="refused", refusal="too_late", score=previous.get("score")), inv
        return None, inv

    done, inv = settled(inv, _scanning(inv, now))
    if done is not None:
        return done
    first, inv = _answer(store, inv, now, claims.score)
    if not first:
        done, inv = settled(inv, _scanning(inv, now) or rules.scanner_burst(
            inv.answered_at, inv.clicked_score, claims.score, now, confirmed=inv.confirmed_at is not None))
        if done is not None:
            return done
    reason = previous.get("reason", "") if survey.is_low(claims.score) else ""
    _save(store, stored, keys, [("", claims.score, None)], ticket_id=inv.ticket_id, customer_id=inv.customer_id,
          given_at=inv.answered_at or now, reason=reason, comment=previous.get("comment", ""))
    if _scanning(_reread(store, inv), now):  # a burst was seen while this click was stored: it goes too
        _forget(store, stored, keys)
        return dataclasses.replace(result, outcome="scanner", score=None)
    return dataclasses.replace(result, outcome="recorded" if first else "replaced", score=claims.score)


def record_feedback(store: Store, token: str, *, reason: str = "", comment: str = "",
                    answers: dict[str, tuple[int, int]] | None = None, score: int | None = None,
                    now: datetime | None = None, accepted: Sequence[str] = ()) -> ClickResult:
    """The follow-up form: a reason, a comment, CSI answers, or a score (page opened
    without one; also `answers={"score": (s, 0)}`). Everything is checked before
    anything is written, so a refused form leaves the rating as it was."""
    now = now_utc(now)
    claims, inv, stored = _verified(store, token, now)
    survey = stored.survey
    _check_text(survey, reason, comment)
    keys = _keys(survey, inv.id)
    existing = _existing(store, stored, keys)
    answers = dict(answers or {})
    if survey.kind == "csi":
        if answers:
            rows = _csi_answers(survey, answers)
        elif len(existing) == len(keys):
            rows = [(existing[k]["attribute"], existing[k]["score"], existing[k]["importance"]) for k in keys]
        else:
            raise SurveyError(f"answer every question; missing: {', '.join(survey.attributes)}")
    else:
        if score is None and "score" in answers:
            score = answers["score"][0]
        if score is None:
            score = existing[keys[0]]["score"] if keys[0] in existing else claims.score
        if score is None:
            raise SurveyError("choose a score first")
        rows = [("", _check_score(survey, score), None)]
    before = [(existing[k]["score"], existing[k]["importance"]) for k in keys if k in existing]
    changes_rating = before != [(s, i) for _a, s, i in rows]
    result = ClickResult("recorded", survey, _invitation_language(store, inv, survey, accepted), rows[0][1], inv.id,
                         inv.ticket_id, token, customer_id=inv.customer_id)
    if before and changes_rating and rules.click_outcome(inv.answered_at, now) == "refuse":
        return dataclasses.replace(result, outcome="refused", refusal="too_late", score=before[0][0])
    first, inv = _answer(store, inv, now, rows[0][1] if survey.kind != "csi" else None)
    _save(store, stored, keys, rows, ticket_id=inv.ticket_id, customer_id=inv.customer_id,
          given_at=inv.answered_at or now, reason=reason, comment=comment)
    with store.engine.begin() as conn:
        survey_store.confirm(conn, inv.id, now)  # a person posted the form: no later click is taken for a scanner's
    return dataclasses.replace(result, outcome="recorded" if first or not existing else "replaced")


def survey_page(store: Store, token: str, *, now: datetime | None = None, accepted: Sequence[str] = ()
                ) -> PageContext:
    """What the page behind a survey link shows: the question, the answer so far, the form.
    Its language: the customer's, else the browser's (`accepted`), else the email's."""
    now = now_utc(now)
    claims, inv, stored = _verified(store, token, now)
    survey = stored.survey
    lang = _invitation_language(store, inv, survey, accepted)
    keys = _keys(survey, inv.id)
    existing = _existing(store, stored, keys)
    with store.engine.connect() as conn:
        brief = survey_store.ticket_brief(conn, inv.account_id, inv.ticket_id)
    first = existing.get(keys[0], {})
    page = _page(survey, lang, token, ticket_id=inv.ticket_id, company=stored.account_name)
    return dataclasses.replace(
        page, score=first.get("score", claims.score), ticket_id=inv.ticket_id,
        ticket_subject=brief[0] if brief else "", customer_id=inv.customer_id, invitation_id=inv.id,
        answers={r["attribute"]: (r["score"], r["importance"]) for r in existing.values() if r["attribute"]},
        reason=first.get("reason", ""), comment=first.get("comment", ""), answered=inv.answered_at is not None,
        can_change_score=rules.click_outcome(inv.answered_at, now) != "refuse",
    )


def _page(survey: Survey, lang: str, token: str, *, ticket_id: str = "", company: str = "") -> PageContext:
    return PageContext(
        survey=survey, language=lang, token=token,
        question=i18n.question(survey, lang, ticket=ticket_id, company=company),
        labels=i18n.score_labels(survey, lang), reasons=[(r, i18n.reason_text(r, lang)) for r in survey.reasons],
        comment_allowed=survey.comment, comment_max=rules.COMMENT_MAX,
        attributes=[(a, i18n.question(survey, lang, a), i18n.question(survey, lang, a, importance=True))
                    for a in survey.attributes],
    )


# ---- signature and chat links ------------------------------------------------------------------


def _link(store: Store, link_token: str) -> tuple[StoredSurvey, str, str]:
    """The survey, agent id and own ticket id ("" for a survey-wide link) of a link token."""
    account_id, survey_id, agent_id, own_ticket = verify_ticket_link(secret(store), link_token)
    try:
        stored = survey_by_id(store, survey_id)
    except NotFound:
        raise TokenInvalid("this survey link's survey no longer exists") from None
    if stored.account_id != account_id:
        raise TokenInvalid("this survey link belongs to no survey")
    return stored, agent_id, own_ticket


def _link_language(store: Store, stored: StoredSurvey, customer_id: str, language: str,
                   accepted: Sequence[str] = ()) -> str:
    """`?lang=`, else the customer's profile language, else the browser's first we speak
    (`accepted`, from Accept-Language), else the survey's `language`."""
    if language in LANGUAGES:
        return language
    known = _customer_locale(store, stored.account_id, customer_id)
    return known or (accepted[0] if accepted else i18n.pick_language("", stored.survey.language))


def _check_ids(ticket_id: str, customer_id: str) -> None:
    if len(ticket_id) > MAX_ID or len(customer_id) > MAX_ID:
        raise SurveyError(f"ticket and customer ids have at most {MAX_ID} characters")


def link_page(store: Store, link_token: str, *, ticket_id: str = "", customer_id: str = "",
              language: str = "", accepted: Sequence[str] = ()) -> PageContext:
    """What a signature/chat link's page shows (the question, a button per score).

    A survey-wide link's `?ticket=` is a hint anyone can type (ticket ids are sequential):
    it is shown back as typed and reveals nothing stored. Only a ticket's own signed link
    (`link_url(..., ticket_id=…)`) shows that ticket's subject, whatever the query says."""
    stored, agent_id, own_ticket = _link(store, link_token)
    ticket_id = own_ticket or ticket_id
    _check_ids(ticket_id, customer_id)
    lang = _link_language(store, stored, customer_id, language, accepted)
    subject = ""
    if own_ticket:
        with store.engine.connect() as conn:
            brief = survey_store.ticket_brief(conn, stored.account_id, ticket_id)
        subject = brief[0] if brief else ""
    page = _page(stored.survey, lang, link_token, ticket_id=ticket_id, company=stored.account_name)
    return dataclasses.replace(page, ticket_id=ticket_id, ticket_subject=subject,
                               customer_id=customer_id, agent_id=agent_id)


def ip_hash(key: bytes, ip: str) -> str:
    """Addresses are kept only as a keyed hash: enough to rate-limit, not to identify."""
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()[:32]


def record_link_vote(store: Store, link_token: str, *, score: int, ticket_id: str = "", customer_id: str = "",
                     ip: str = "", reason: str = "", comment: str = "", language: str = "",
                     now: datetime | None = None, accepted: Sequence[str] = ()) -> ClickResult:
    """A rating through a signature/chat link: one per (survey, ticket, customer) when a
    ticket is given, at most 5 per address per survey per hour; refusals are outcomes."""
    now = now_utc(now)
    stored, agent_id, own_ticket = _link(store, link_token)
    ticket_id = own_ticket or ticket_id  # a ticket's own link rates that ticket, whatever the form says
    survey = stored.survey
    _check_ids(ticket_id, customer_id)
    _check_score(survey, score)
    _check_text(survey, reason, comment)
    lang = _link_language(store, stored, customer_id, language, accepted)
    result = ClickResult("refused", survey, lang, score, 0, ticket_id, link_token, customer_id=customer_id)
    if not survey.active:
        return dataclasses.replace(result, refusal="inactive")
    key = secret(store)
    hashed = ip_hash(key, ip)
    with store.engine.begin() as conn:
        survey_store.lock_survey(conn, stored.id)  # one vote of this survey at a time: the count below stays true
        if survey_store.votes_since(conn, stored.id, hashed, now - timedelta(hours=1)) >= VOTES_PER_IP_HOUR:
            return dataclasses.replace(result, refusal="rate_limited")
        vote_id = survey_store.insert_vote(conn, account_id=stored.account_id, survey_id=stored.id, ticket_id=ticket_id,
                                 customer_id=customer_id, ip_hash=hashed, at=now)
    if vote_id is None:
        return dataclasses.replace(result, refusal="already_rated")
    _save(store, stored, [f"link-{vote_id}"], [("", score, None)], ticket_id=ticket_id, customer_id=customer_id,
          given_at=now, reason=reason, comment=comment, agent_id=agent_id)
    return dataclasses.replace(result, outcome="recorded")
