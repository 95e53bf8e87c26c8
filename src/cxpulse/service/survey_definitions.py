"""Survey definitions per account: create, change, list. (Re-exported by service.surveys.)

A definition is `surveys.definitions.Survey`, validated there and stored as JSON; the
row's `created_at` matters: only tickets solved after it are surveyed (unless a
`--since` says otherwise), so defining a survey never mails a year of old tickets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from cxpulse.domain import NotFound, SurveyError
from cxpulse.storage import Store
from cxpulse.storage import surveys as survey_store
from cxpulse.surveys.definitions import Survey, validate


@dataclass(frozen=True)
class StoredSurvey:
    id: int
    account_id: int
    account_name: str
    survey: Survey
    created_at: datetime  # aware UTC

    @property
    def name(self) -> str:
        return self.survey.name


def now_utc(now: datetime | None = None) -> datetime:
    """`now` as aware UTC (tests inject it; naive means UTC)."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _stored(row: survey_store.SurveyRow, account_name: str) -> StoredSurvey:
    survey = Survey.from_dict(row.definition)
    if survey.active != row.active or survey.name != row.name:
        survey = dataclasses.replace(survey, active=row.active, name=row.name)
    return StoredSurvey(row.id, row.account_id, account_name, survey, row.created_at)


def create_survey(store: Store, account: str, survey: Survey, *, now: datetime | None = None) -> StoredSurvey:
    """Store a new survey of an existing account; its name must be new in that account."""
    acc = store.account(account)
    survey = validate(survey)
    with store.engine.begin() as conn:
        new_id = survey_store.insert_survey(conn, acc.id, survey.name, survey.kind, survey.to_dict(), survey.active,
                                  now_utc(now))
    if new_id is None:
        raise SurveyError(f"account {account!r} already has a survey named {survey.name!r}; "
                          f"change it with `cxpulse surveys update {survey.name}`")
    return get_survey(store, account, survey.name)


def update_survey(store: Store, account: str, name: str, *, now: datetime | None = None, **changes) -> StoredSurvey:
    """Change fields of a survey (any Survey field, e.g. reminder_days=3, active=False)."""
    current = get_survey(store, account, name)
    fields = {f.name for f in dataclasses.fields(Survey)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise SurveyError(f"a survey has no field {unknown[0]!r}; fields: {', '.join(sorted(fields))}")
    survey = validate(dataclasses.replace(current.survey, **changes))
    with store.engine.begin() as conn:
        if survey.name != name and survey_store.survey_rows(conn, account_id=current.account_id, name=survey.name):
            raise SurveyError(f"account {account!r} already has a survey named {survey.name!r}")
        survey_store.update_survey(conn, current.id, survey.name, survey.kind, survey.to_dict(), survey.active, now_utc(now))
    return get_survey(store, account, survey.name)


def list_surveys(store: Store, account: str | None = None, *, active_only: bool = False) -> list[StoredSurvey]:
    accounts = {a.id: a.name for a in store.accounts()}
    account_id = store.account(account).id if account else None
    with store.engine.connect() as conn:
        rows = survey_store.survey_rows(conn, account_id=account_id, active_only=active_only)
    return [_stored(r, accounts[r.account_id]) for r in rows]


def get_survey(store: Store, account: str, name: str) -> StoredSurvey:
    acc = store.account(account)
    with store.engine.connect() as conn:
        rows = survey_store.survey_rows(conn, account_id=acc.id, name=name)
    if not rows:
        known = ", ".join(s.name for s in list_surveys(store, account)) or "none yet"
        raise NotFound(f"account {account!r} has no survey named {name!r} (surveys: {known})")
    return _stored(rows[0], acc.name)


def survey_by_id(store: Store, survey_id: int) -> StoredSurvey:
    with store.engine.connect() as conn:
        rows = survey_store.survey_rows(conn, survey_id=survey_id)
    if not rows:
        raise NotFound(f"no survey with id {survey_id}")
    names = {a.id: a.name for a in store.accounts()}
    return _stored(rows[0], names[rows[0].account_id])
