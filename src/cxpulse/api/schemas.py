"""The API's request and response shapes, one family per resource (`XPublic`, `XsPublic`
with `data` and `count`, `XCreate`, `XUpdate`), and the opaque page cursor.

They document the API (OpenAPI at /openapi.json) and check what goes in; the service
layer returns plain dicts that fit them.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, create_model

from cxpulse.api.errors import ApiError
from cxpulse.metrics.facts import KPIS
from cxpulse.surveys.definitions import ATTRIBUTES, KINDS, LANGUAGES

MAX_PAGE = 500
DEFAULT_PAGE = 100
MAX_ID = 200  # source ids are at most 200 characters (storage/tables.py)


# ---- errors ----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, stable: branch on this", examples=["account_not_found"])
    message: str = Field(description="what happened and what to do, for people")
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- accounts ----------------------------------------------------------------------------


class AccountPublic(BaseModel):
    name: str
    timezone: str
    business_hours: str = Field(examples=["mon-fri 09:00-17:00"])
    csat_scale: str
    alert_below: int
    min_rated_for_model: int
    tickets: int
    events: int
    responses: int


class AccountsPublic(BaseModel):
    data: list[AccountPublic]
    count: int


# ---- tickets ---------------------------------------------------------------------------------


# One field per KPI, in the order metrics/facts.py declares them; a duration may be null.
KpisPublic = create_model(
    "KpisPublic", **{k.name: ((k.type | None) if k.nullable else k.type, ...) for k in KPIS}
)


class TicketPublic(BaseModel):
    ticket_id: str
    subject: str
    status: str = Field(description="the status now: new, open, pending, hold, solved or closed")
    open: bool
    channel: str
    priority: str
    group: str
    category: str
    requester_id: str
    agent: str = Field(description="the assigned agent's id")
    agent_name: str = Field(description="the agent's name, when the help desk sent its users; else empty")
    created_at: datetime
    updated_at: datetime | None
    solved_at: datetime | None
    due_at: datetime | None = Field(None, description="the time the customer was promised a resolution, if any")
    kpis: KpisPublic | None = Field(description="null until the ticket's KPIs are derived")
    score: int | None = Field(description="predicted satisfaction 0-100; null until scored")
    probability: float | None
    reasons: list[str]
    model_version: int | None
    scored_at: datetime | None
    sla_deadline: datetime | None = Field(
        None, description="the nearest deadline of the ticket's running SLA targets; null: none running (docs/sla.md)")
    sla_target: str | None = Field(None, description="which target that deadline is: first_reply, next_reply, "
                                   "resolution or requester_wait")
    sla_breaches: int = Field(0, description="SLA targets breached, as derived from the events")


class TicketsPublic(BaseModel):
    data: list[TicketPublic]
    count: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class AtRiskPublic(TicketsPublic):
    no_score: str | None = Field(
        default=None,
        description="why the list is empty when the account's model is no better than chance "
        "(its AUC's 95% interval holds 0.5): it gives no scores; null otherwise",
    )


# ---- alerts and models -------------------------------------------------------------------------


class AlertPublic(BaseModel):
    id: int
    ticket_id: str
    at: datetime
    score: int
    threshold: int
    model_version: int
    reasons: list[str]


class AlertsPublic(BaseModel):
    data: list[AlertPublic]
    count: int
    next_cursor: str | None


class ModelPublic(BaseModel):
    version: int
    scope: str = Field(description="account, or pooled-shifted (trained across accounts, shifted to this one)")
    learner: str
    created_at: datetime
    card: dict[str, Any] = Field(description="AUC with its 95% interval (auc_low, auc_high) and better_than_chance, "
                                 "Brier, base rate, calibration, early-life AUC (docs/prediction.md)")


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    count: int


# ---- surveys -----------------------------------------------------------------------------------


class SurveyFields(BaseModel):
    """The fields a survey may set; surveys/definitions.py validates their values."""

    model_config = ConfigDict(extra="forbid")

    scale: str | None = Field(None, examples=["1-5"])
    attributes: list[str] | None = Field(None, max_length=len(ATTRIBUTES) * 3, examples=[[]])
    reasons: list[str] | None = Field(None, max_length=50)
    comment: bool | None = None
    delay_minutes: int | None = Field(None, ge=0, le=60 * 24 * 365)
    throttle_days: int | None = Field(None, ge=0, le=365)
    reminder_days: int | None = Field(None, ge=1, le=365)
    expire_days: int | None = Field(None, ge=1, le=365)
    language: str | None = Field(None, examples=list(LANGUAGES))
    active: bool | None = None


class SurveyCreate(SurveyFields):
    name: str = Field(min_length=1, max_length=100, examples=["csat"])
    kind: str = Field(examples=list(KINDS))


class SurveyUpdate(SurveyFields):
    """Only the fields given change; the name and kind stay (make a new survey for another kind)."""


class SurveyPublic(BaseModel):
    id: int
    name: str
    kind: str
    scale: str
    attributes: list[str]
    reasons: list[str]
    comment: bool
    delay_minutes: int
    throttle_days: int
    reminder_days: int | None
    expire_days: int
    language: str
    active: bool
    created_at: datetime


class SurveysPublic(BaseModel):
    data: list[SurveyPublic]
    count: int


# ---- ingest ------------------------------------------------------------------------------------


class IngestBatch(BaseModel):
    items: list[Any] = Field(
        description="at most 1000 objects, each as one line of the JSON Lines format (docs/formats.md) "
        "without `type`; a bad item is reported in `errors`, the good ones are stored",
    )


class ItemErrorPublic(BaseModel):
    index: int = Field(description="the item's position in `items`, from 0")
    field: str
    reason: str
    kept: bool = Field(False, description="true: only this field was left out; the item was stored without it")


class IngestResult(BaseModel):
    read: int
    inserted: int
    updated: int
    unchanged: int = Field(description="already stored with the same content (a batch sent twice)")
    rejected: int = Field(description="items refused whole (no id, no time, …)")
    fields_rejected: int = Field(0, description="bad optional fields left out of items that were stored")
    errors: list[ItemErrorPublic]
    refreshed: bool = Field(description="the derived data (KPIs, rollups, scores) is refreshed already: with "
                            "`wait=true`; otherwise it follows in the background within about a second")
    rescored: int | None = Field(description="open tickets scored again because of this batch (with `wait=true`)")


class ZendeskResult(IngestResult):
    ticket_id: str
    shape: str = Field(description='"event:<type>" for an event-type webhook, "trigger" for a trigger body')
    mapped: bool = Field(description="false: an event type that only updates the ticket's fields")


# ---- cursors ---------------------------------------------------------------------------------


def encode_cursor(value: Any) -> str:
    """An opaque page cursor: clients pass it back as they got it."""
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def bad_cursor() -> ApiError:
    return ApiError(400, "invalid_cursor", "the cursor is not one this API gave out; start again without it")


def decode_cursor(text: str | None) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_cursor() from None


def cursor_time(value: Any) -> datetime | None:
    """A time from a cursor (ISO 8601 with its zone), or None where the row had none."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad_cursor() from None
    if at.tzinfo is None:
        raise bad_cursor()
    return at


def cursor_int(value: Any) -> int:
    """An id or score from a cursor, within what the tables hold (32-bit integers)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise bad_cursor()
    return value


# ---- SLA policies (docs/sla.md) -----------------------------------------------------------------


class SlaPolicyPublic(BaseModel):
    title: str
    description: str = ""
    filter: dict[str, list[dict[str, str]]] = Field(
        description="Zendesk's filter: `all` conditions must hold, and one of `any` when given; "
        "each {field, operator, value}")
    targets: dict[str, dict[str, Any]] = Field(
        description="by kind (first_reply, next_reply, resolution, requester_wait): {minutes, hours: calendar|business}")


class SlaVersionPublic(BaseModel):
    effective_from: datetime
    policies: list[SlaPolicyPublic]


class SlaPoliciesPublic(BaseModel):
    account: str
    effective_from: datetime | None = Field(description="when the policies in force now started; null: none")
    policies: list[SlaPolicyPublic] = Field(description="the policies in force now, in match order (the first match wins)")
    versions: list[SlaVersionPublic] = Field(description="every version, oldest first")


class SlaPoliciesPut(BaseModel):
    effective_from: datetime | None = Field(None, description="when they start to hold; default: an account's first policies from the start of its history, a change from now")
    policies: list[dict[str, Any]] = Field(
        description="in match order; each as `policies` answers it ({title, description, filter: {all, any}, "
        "targets}) — `all`/`any` may also sit beside `title`, as in the TOML file")


class SlaPoliciesApplied(SlaPoliciesPublic):
    changed: bool = Field(description="false: the same policies already held from that time")
    tickets: int = Field(description="tickets whose SLA targets were derived again")
    notes: list[str]
