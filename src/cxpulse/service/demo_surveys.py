"""The demo's surveys: a CSAT, CES, NPS and CSI survey per demo account, and the year of
invitations the generator sent stored as theirs.

The generated help desk asks every solved ticket for CSAT and samples of them for CES, NPS
and CSI (`cxpulse.demo.ratings`); those invitations are rows of `invitations`, which the
dashboard counts as "Sent". Here each becomes the survey invitation it stands for — to
the customer's address, in their language, sent at the same moment, answered when the
generator gave an answer to it, expired when its 28 days ran out by the demo's end, else
still open — so `cxpulse surveys list` shows what the overview counts, `cxpulse surveys
link` works, and the pages behind the links can be tried.

The surveys are defined at the end of the demo's last day: a `surveys send-due` run later
asks only about tickets solved after it, never the year's (which were asked already).
Their throttle is 0 since the generator asked every solved ticket. Same records, same
rows; a rerun adds nothing (one invitation per survey and ticket).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from cxpulse.demo import PROFILES, Profile
from cxpulse.demo.profiles import CSI_ATTRIBUTES
from cxpulse.domain import NotFound, ResponseKind, Role
from cxpulse.readers import Record
from cxpulse.service.survey_definitions import create_survey, get_survey
from cxpulse.storage import Store
from cxpulse.storage import surveys as survey_store
from cxpulse.surveys import i18n, rules
from cxpulse.surveys.definitions import Survey

DELAYS = {"csat": 60, "ces": 120, "nps": 24 * 60, "csi": 24 * 60}  # minutes after the solve, as generated
KINDS = tuple(DELAYS)


def demo_surveys(p: Profile) -> list[Survey]:
    """The four surveys of a demo account, named after their kind, in its customers' main language."""
    main = max(p.languages, key=lambda lw: lw[1])[0]
    scale = {"csat": str(p.scale)}
    return [Survey(name=kind, kind=kind, scale=scale.get(kind, ""), delay_minutes=DELAYS[kind], throttle_days=0,
                   attributes=CSI_ATTRIBUTES if kind == "csi" else (), language=i18n.pick_language(main, "en"))
            for kind in KINDS]


@dataclass
class _Account:
    customers: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (email, locale)
    solved: dict[str, datetime] = field(default_factory=dict)  # ticket -> solved at
    sent: list[tuple[str, str, str, datetime]] = field(default_factory=list)  # (kind, ticket, customer, at)
    answers: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)  # (kind, ticket) -> first


class InvitationLog:
    """What the survey invitations are built from, noted as the records stream by (`tap`)."""

    def __init__(self) -> None:
        self.accounts: dict[str, _Account] = {}

    def tap(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records unchanged; the customers, solves, invitations and answers noted."""
        for rec in records:
            kind, obj = rec.kind, rec.obj
            if kind in ("user", "ticket", "invitation", "response"):
                acc = self.accounts.setdefault(rec.account, _Account())
                if kind == "user" and obj.role is Role.CUSTOMER:
                    acc.customers[obj.source_id] = (obj.email, obj.locale)
                elif kind == "ticket" and obj.solved_at is not None:
                    acc.solved[obj.source_id] = obj.solved_at
                elif kind == "invitation":
                    acc.sent.append((obj.kind.value, obj.ticket_id, obj.customer_id, obj.sent_at))
                elif kind == "response" and obj.kind is not ResponseKind.REVIEW:
                    key = (obj.kind.value, obj.ticket_id)
                    if key not in acc.answers or obj.given_at < acc.answers[key][0]:
                        acc.answers[key] = (obj.given_at, obj.score)
            yield rec


def store_demo_surveys(store: Store, log: InvitationLog, end: date) -> int:
    """Define each demo account's surveys and store its year of invitations as theirs;
    the number of invitations stored (0 on a rerun)."""
    defined_at = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    stored = 0
    for p in PROFILES:
        acc = log.accounts.get(p.name)
        if acc is None:
            continue
        surveys = {}
        for survey in demo_surveys(p):
            try:
                surveys[survey.kind] = get_survey(store, p.name, survey.name)
            except NotFound:
                surveys[survey.kind] = create_survey(store, p.name, survey, now=defined_at)
        rows = []
        for kind, ticket_id, customer_id, sent_at in acc.sent:
            s = surveys[kind]
            email, locale = acc.customers.get(customer_id, ("", ""))
            expires = rules.expires_at(sent_at, s.survey)
            answer = acc.answers.get((kind, ticket_id))
            status = "answered" if answer else ("expired" if expires <= defined_at else "sent")
            rows.append({
                "account_id": s.account_id, "survey_id": s.id, "ticket_id": ticket_id, "customer_id": customer_id,
                "email": email, "language": i18n.pick_language(locale, s.survey.language), "status": status,
                "solved_at": acc.solved.get(ticket_id, sent_at), "due_at": sent_at, "sent_at": sent_at,
                "expires_at": expires, "answered_at": answer[0] if answer else None,
                "clicked_score": answer[1] if answer and kind != "csi" else None,
            })
        with store.engine.begin() as conn:
            stored += survey_store.insert_history(conn, rows)
    return stored
