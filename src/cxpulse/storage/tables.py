"""The schema. Raw input (users, tickets, events, responses) is the source of truth;
ticket_kpis and the rollup_* tables are derived and rebuilt from it; models, predictions
and alerts are derived too (`cxpulse train` and `cxpulse score` make them again).

Rows from a help desk are keyed by (account_id, source_id) so a second import of the same
data finds them; `content_hash` tells an unchanged row from an updated one. Times are
naive UTC; `day`/`created_day` are local dates in the account's timezone.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cxpulse.metrics.facts import KPIS

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("business_hours", Text, nullable=False, default=""),  # JSON or ""
    Column("csat_scale", String(16), nullable=False, default="1-5"),
    Column("min_rated_for_model", Integer, nullable=False, default=300),
    Column("alert_below", Integer, nullable=False, default=40),
    Column("ticket_url", String(500), nullable=True),  # the help desk's ticket page, "{id}" for the id
    Column("long_hold_days", Integer, nullable=False, default=14, server_default="14"),
    Column("created_at", DateTime, nullable=False),
)


def _source_key(name: str, *, account_fk: bool = False) -> tuple:
    # users, tickets, events and responses have no foreign key to accounts: their rows come from code that
    # stored the account first (accounts are never deleted), and on PostgreSQL the key's
    # check cost ~40% of a bulk insert (3.6 s per million rows measured; migration 0020).
    account = ForeignKey("accounts.id") if account_fk else None
    return (
        Column("account_id", Integer, *([account] if account is not None else []), nullable=False),
        Column("source_id", String(200), nullable=False),
    )


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    *_source_key("users"),
    Column("role", String(16), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("locale", String(32), nullable=False, default=""),
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_users_source"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    *_source_key("tickets"),
    Column("subject", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(32), nullable=False, default="new"),
    Column("channel", String(64), nullable=False, default=""),
    Column("priority", String(32), nullable=False, default=""),
    Column("group_name", String(200), nullable=False, default=""),
    Column("category", String(200), nullable=False, default=""),
    Column("requester_id", String(200), nullable=False, default=""),
    Column("assignee_id", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Column("solved_at", DateTime),
    Column("metrics", Text, nullable=False, default=""),  # JSON of help-desk KPIs or ""
    Column("due_at", DateTime),  # the promised resolution time, latest known
    Column("tags", Text, nullable=False, default=""),  # space-separated, lower-case (SLA policies test them)
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_tickets_source"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True),
    *_source_key("ticket_events"),
    Column("ticket_id", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("author_id", String(200), nullable=False, default=""),
    Column("author_role", String(16), nullable=False, default="system"),
    Column("public", Boolean, nullable=False, default=True),
    Column("body", Text, nullable=False, default=""),
    Column("value_from", Text, nullable=False, default=""),
    Column("value_to", Text, nullable=False, default=""),
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_events_source"),
    Index("ix_events_ticket", "account_id", "ticket_id"),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Integer, primary_key=True),
    *_source_key("responses"),
    Column("ticket_id", String(200), nullable=False, default=""),
    Column("customer_id", String(200), nullable=False, default=""),
    Column("agent_id", String(200), nullable=False, default=""),
    Column("channel", String(64), nullable=False, default=""),
    Column("given_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("scale", String(8), nullable=False),
    Column("score", Integer, nullable=False),
    Column("attribute", String(100), nullable=False, default=""),
    Column("importance", Integer),
    Column("comment", Text, nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),
    # a public review's (kind "review"; channel holds its source: google-play, app-store…)
    Column("language", String(16), nullable=False, default=""),
    Column("reply", Text, nullable=False, default=""),  # the company's public reply
    Column("replied_at", DateTime),
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_responses_source"),
    Index("ix_responses_ticket", "account_id", "ticket_id"),
    Index("ix_responses_day", "account_id", "day"),  # the drill-down's lists of one period's answers
)

# ---- derived, rebuildable -------------------------------------------------------------

_KPI_TYPES = {float: Float, int: Integer, bool: Boolean}

ticket_kpis = Table(
    "ticket_kpis",
    metadata,
    Column("account_id", Integer, primary_key=True),
    Column("ticket_id", String(200), primary_key=True),
    Column("created_day", Date, nullable=False),
    Column("channel", String(64), nullable=False, default=""),
    Column("group_name", String(200), nullable=False, default=""),
    Column("category", String(200), nullable=False, default=""),
    Column("agent_id", String(200), nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("solved_day", Date),
    *(Column(k.name, _KPI_TYPES[k.type], nullable=k.nullable) for k in KPIS),  # metrics/facts.py declares them
    Column("source", String(8), nullable=False),
    Column("due_at", DateTime),  # the promise as of the ticket's end (None: no promise)
    Column("solved_at", DateTime),  # exact, to tell on time from late
    Index("ix_kpis_day", "account_id", "created_day"),
    Index("ix_kpis_solved_day", "account_id", "solved_day"),  # the tickets solved in a period (resolution rate)
)


def _rollup(name: str, *dims: Column) -> Table:
    """Counts of responses per score at one grain (DESIGN.md: rollups of counts)."""
    return Table(
        name,
        metadata,
        Column("account_id", Integer, primary_key=True),
        *dims,
        Column("kind", String(8), primary_key=True),
        Column("scale", String(8), primary_key=True),
        Column("attribute", String(100), primary_key=True),
        Column("score", Integer, primary_key=True),
        Column("importance", Integer, primary_key=True),  # -1 when none was given
        Column("n", Integer, nullable=False),
    )


# The coarse grains DESIGN.md recommends; a query is answered from the coarsest that can.
rollup_day = _rollup(
    "rollup_day",
    Column("day", Date, primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("group_name", String(200), primary_key=True),
)
# rollup_day without channel and group: ~40× fewer rows at the day grain, for what is not
# narrowed by them — the ragged days of an overview's year (queries.plan_grains)
rollup_day_account = _rollup(
    "rollup_day_account",
    Column("day", Date, primary_key=True),
)
rollup_month_agent = _rollup(
    "rollup_month_agent",
    Column("month", Date, primary_key=True),
    Column("agent_id", String(200), primary_key=True),
)
rollup_month_category = _rollup(
    "rollup_month_category",
    Column("month", Date, primary_key=True),
    Column("category", String(200), primary_key=True),
)

# Each SLA target of each ticket (metrics/sla.py), derived with its KPIs; reports group it
# by the ticket's labels in ticket_kpis. A running target's deadline is judged against the
# clock when read, like a promise (due_at): past it, the target is breached.
ticket_sla = Table(
    "ticket_sla",
    metadata,
    Column("account_id", Integer, primary_key=True),
    Column("ticket_id", String(200), primary_key=True),
    Column("kind", String(16), primary_key=True),  # first_reply | next_reply | resolution | requester_wait
    Column("seq", Integer, primary_key=True),  # 1, 2, … for next replies; 0 otherwise
    Column("policy", String(200), nullable=False),
    Column("target_minutes", Float, nullable=False),
    Column("business_hours", Boolean, nullable=False),
    Column("status", String(8), nullable=False),  # met | breached | running
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("breached_at", DateTime),
    Column("deadline", DateTime),  # running: when it breaches if nothing changes (NULL while paused)
    Column("paused", Boolean, nullable=False),
    Column("elapsed_minutes", Float, nullable=False),
    Index("ix_ticket_sla_deadline", "account_id", "status", "deadline"),
)

ROLLUPS = (rollup_day, rollup_day_account, rollup_month_agent, rollup_month_category)  # rollup_day first: the next is summed from it
DERIVED = (ticket_kpis, ticket_sla, *ROLLUPS)

# What derived data is stale: a row is written in the same transaction as the raw
# rows that make it stale, and deleted in the one that writes the derived rows again, so a
# crash anywhere leaves it for the next import, refresh or rebuild (storage/stale.py). The
# new ratings of an import wait here for their webhooks, and its changed tickets for their
# new scores, the same way.
stale_derived = Table(
    "stale_derived",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("ticket_id", String(200)),  # this ticket's KPIs, and the days of its responses
    Column("day", Date),  # this local day's rollups
    Column("response_id", String(200)),  # a new rating, not yet offered to the webhooks (low_rating)
    Column("rescore_id", String(200)),  # a ticket of an account with a model, not yet scored again
    # all NULL: everything derived of the account (its timezone or business hours changed)
    Index("ix_stale_derived_account", "account_id", "id"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("ticket_id", String(200), nullable=False, default=""),
    Column("customer_id", String(200), nullable=False, default=""),
    Column("kind", String(8), nullable=False),
    Column("sent_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_invitations_source"),
)


# ---- prediction: derived from the stored events and ratings (train, score) ---------------

models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    # NULL for the pooled model trained across accounts; small accounts store it shifted
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("scope", String(16), nullable=False),  # "account" | "pooled-shifted" | "pooled"
    Column("version", Integer, nullable=False),  # 1, 2, … per account (and for the pooled model)
    Column("learner", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("card", Text, nullable=False),  # the model card, JSON
    Column("blob", LargeBinary, nullable=False),  # SatisfactionModel.to_bytes()
    UniqueConstraint("account_id", "version", name="uq_models_version"),
)

predictions = Table(
    "predictions",
    metadata,
    # the current prediction of each ticket: scoring "now" replaces it
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("ticket_id", String(200), primary_key=True),
    Column("as_of", DateTime, nullable=False),
    Column("scored_at", DateTime, nullable=False),
    Column("score", Integer, nullable=False),
    Column("probability", Float, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of strings
    Column("model_version", Integer, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    # one row per crossing below the account's alert_below, kept as a log
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("ticket_id", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("score", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("model_version", Integer, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of strings
    Index("ix_alerts_account_at", "account_id", "at"),
)


# ---- surveys: definitions, invitations, throttle, signature-link votes --------------------

surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("definition", Text, nullable=False),  # surveys.definitions.Survey.to_dict(), JSON
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "name", name="uq_surveys_name"),
)

survey_invitations = Table(
    "survey_invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("survey_id", Integer, ForeignKey("surveys.id"), nullable=False),
    Column("ticket_id", String(200), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("email", Text, nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    # scheduled | sending | sent | answered | cancelled | throttled | expired | failed | skipped
    Column("status", String(16), nullable=False),
    Column("solved_at", DateTime, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("reminder_at", DateTime),
    Column("reminded_at", DateTime),
    Column("expires_at", DateTime),
    Column("answered_at", DateTime),  # the first click: the 15-minute replace window starts here
    Column("clicked_score", Integer),  # the first click's score: a different one soon after is a link scanner
    Column("scanner_until", DateTime),  # a scanner's burst was seen: clicks before this store nothing
    Column("confirmed_at", DateTime),  # the page's form was posted: a person answered
    Column("claimed_by", String(64), nullable=False, default=""),
    Column("claimed_at", DateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=False, default=""),
    UniqueConstraint("survey_id", "ticket_id", name="uq_survey_invitations_ticket"),  # never twice per ticket
    Index("ix_survey_invitations_status_due", "status", "due_at"),
)

survey_contacts = Table(
    "survey_contacts",
    metadata,
    # the throttle: when a customer of an account was last sent a survey, claimed atomically
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("customer_id", String(200), primary_key=True),
    Column("last_sent_at", DateTime),
)

link_votes = Table(
    "link_votes",
    metadata,
    # ratings given through a signature/chat link; ticket_id NULL when none was given
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("survey_id", Integer, ForeignKey("surveys.id"), nullable=False),
    Column("ticket_id", String(200)),
    Column("customer_id", String(200), nullable=False, default=""),
    Column("ip_hash", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("survey_id", "ticket_id", "customer_id", name="uq_link_votes_ticket"),
    Index("ix_link_votes_ip", "survey_id", "ip_hash", "at"),
)

# ---- employee surveys (issue 17 §1): the invitation never names the answer, the answer never the agent

employee_surveys = Table(
    "employee_surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("definition", Text, nullable=False),  # surveys.employee.EmployeeSurvey.to_json()
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "name", name="uq_employee_surveys_name"),
)

employee_invitations = Table(
    "employee_invitations",
    metadata,
    # one per agent per round; `used` says only that it was answered: no time, no answer id
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("survey_id", Integer, ForeignKey("employee_surveys.id"), nullable=False),
    Column("period", String(16), nullable=False),  # 2026-Q4 or 2026-12
    Column("agent_id", String(200), nullable=False),
    Column("email", Text, nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("group_name", String(200), nullable=False, default=""),
    Column("tenure", String(8), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # sending | sent | failed | used
    Column("sent_at", DateTime),  # the run's time, the same for every agent of a round
    Column("expires_at", DateTime),
    Column("error", Text, nullable=False, default=""),
    UniqueConstraint("survey_id", "period", "agent_id", name="uq_employee_invitations_round"),
)

employee_answers = Table(
    "employee_answers",
    metadata,
    # no agent, no invitation, no email, no date but the round's first day; the key is random
    Column("id", String(32), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("survey_id", Integer, ForeignKey("employee_surveys.id"), nullable=False),
    Column("period", String(16), nullable=False),
    Column("day", Date, nullable=False),
    Column("enps", Integer, nullable=False),
    Column("ratings", Text, nullable=False),  # JSON {question: 1..5}
    Column("comment", Text, nullable=False, default=""),
    Column("group_name", String(200), nullable=False, default=""),
    Column("tenure", String(8), nullable=False, default=""),
    Index("ix_employee_answers_survey", "account_id", "survey_id", "period"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)


# ---- serving: API keys, outgoing webhooks and their delivery log --------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),  # NULL: an admin key
    Column("admin", Boolean, nullable=False, default=False),
    # admin | account | reviewer | shopper: what the key may do (service/keys.py, ROLES)
    Column("role", String(16), nullable=False, default="account", server_default="account"),
    Column("prefix", String(16), nullable=False),  # the key's public start, shown in listings
    Column("key_hash", String(64), nullable=False),  # sha256 hex of the whole key; never the key
    Column("name", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Column("language", String(8)),  # the dashboard's language its user picked; NULL: the browser's
    UniqueConstraint("key_hash", name="uq_api_keys_hash"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(100), nullable=False),  # signs each delivery (HMAC-SHA256 header)
    Column("events", String(200), nullable=False, default="alert,low_rating"),  # comma-separated
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("webhook_id", Integer, ForeignKey("webhooks.id"), nullable=False),
    Column("event", String(32), nullable=False),  # alert | low_rating
    Column("event_key", String(200), nullable=False),  # what it is about, e.g. "alert-17": never queued twice
    Column("payload", Text, nullable=False),  # the JSON body, fixed when queued
    Column("status", String(16), nullable=False),  # pending | retrying | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", DateTime, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
    Column("claimed_by", String(64), nullable=False, default=""),
    Column("claimed_at", DateTime),
    UniqueConstraint("webhook_id", "event_key", name="uq_webhook_deliveries_event"),
    Index("ix_webhook_deliveries_due", "status", "next_at"),
)


# ---- SLA policies (issue 16): an account's ordered policies, versioned by time ------------

sla_policy_sets = Table(
    "sla_policy_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("effective_from", DateTime, nullable=False),  # holds from here until the next set's
    Column("policies", Text, nullable=False),  # JSON list of domain.sla.policy_to_dict, in match order
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "effective_from", name="uq_sla_policy_sets_from"),
)


# ---- connections: a help desk's API that `cxpulse sync` reads (issue 15) --------------------

connections = Table(
    "connections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),  # one connection per account
    Column("kind", String(16), nullable=False),  # zendesk | freshdesk
    Column("base_url", Text, nullable=False),
    Column("email", String(320), nullable=False, default=""),  # Zendesk's agent email; "" for Freshdesk
    Column("token", Text, nullable=False),  # as given: the sync sends it; never printed back
    Column("cursor", Text, nullable=False, default=""),  # JSON of where the next sync starts; "" = the start
    Column("last_sync_at", DateTime),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("account_id", name="uq_connections_account"),
)


# ---- sync leases: who is syncing an account's connection right now (issue 15) ---------------

sync_leases = Table(
    "sync_leases",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),  # one sync per account at a time
    Column("holder", String(200), nullable=False),  # who: "serve:<host>:<pid>" or "cli:<host>:<pid>"
    Column("started_at", DateTime, nullable=False),
    Column("until", DateTime, nullable=False),  # renewed while the sync runs; past it, the lease is free
)


# ---- quality reviews (issue 16): scorecards, reviews, the review queue, disputes -----------

qa_scorecards = Table(
    "qa_scorecards",
    metadata,
    # one row per version: editing a scorecard adds a version; a review keeps the row it used
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2, … per (account, name)
    Column("criteria", Text, nullable=False),  # JSON list: key, labels per language, weight, scale, na_allowed, critical
    Column("content_hash", String(32), nullable=False),  # the same criteria applied again add no version
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "name", "version", name="uq_qa_scorecards_version"),
)

qa_reviews = Table(
    "qa_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    # the review's id: another QA tool's (an import) or the API caller's; a second write of it changes nothing
    *_source_key("qa_reviews", account_fk=True),
    Column("ticket_id", String(200), nullable=False),
    Column("conversation_id", String(200), nullable=False, default=""),  # one conversation (event) of it, or ""
    Column("reviewer", String(200), nullable=False),
    Column("agent_id", String(200), nullable=False, default=""),  # the reviewed agent (the ticket's assignee)
    Column("scorecard_id", Integer, ForeignKey("qa_scorecards.id"), nullable=False),  # that version's row
    Column("score", Float),  # the review's IQS 0–100 (metrics.qa.review_score); NULL: every criterion N/A
    Column("root_cause", String(200), nullable=False, default=""),
    Column("comment", Text, nullable=False, default=""),
    Column("mystery", Boolean, nullable=False, default=False),  # a shopper's test contact: out of CSAT and training
    Column("created_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),  # local day of created_at in the account's timezone
    Column("content_hash", String(32), nullable=False),
    UniqueConstraint("account_id", "source_id", name="uq_qa_reviews_source"),
    Index("ix_qa_reviews_ticket", "account_id", "ticket_id", "mystery"),
    Index("ix_qa_reviews_day", "account_id", "day"),
)

qa_review_scores = Table(
    "qa_review_scores",
    metadata,
    # one row per criterion of a review: what agreement and the criterion-level IQS read
    Column("review_id", Integer, ForeignKey("qa_reviews.id"), primary_key=True),
    Column("criterion", String(100), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("score", Integer),  # 0/1 (pass_fail: fail/pass) or 1–4; NULL: N/A
    Column("comment", Text, nullable=False, default=""),
    Index("ix_qa_review_scores_account", "account_id", "criterion"),
)

# QA rollups (storage/qa_rollups.py): what the IQS reports sum, counted per month from the
# reviews above, so a report over a million reviews reads thousands of rows. Refreshed
# for the months a review write touches, rebuilt with everything else by `cxpulse rebuild`.
qa_rollup_month_agent = Table(
    "qa_rollup_month_agent",
    metadata,
    Column("account_id", Integer, primary_key=True),
    Column("month", Date, primary_key=True),  # first day of the reviews' local month
    Column("agent_id", String(200), primary_key=True),
    Column("mystery", Boolean, primary_key=True),
    Column("n", Integer, nullable=False),  # reviews with a score (not all N/A)
    Column("total", Float, nullable=False),  # Σ review IQS
    Column("total_sq", Float, nullable=False),  # Σ review IQS²
)


def _qa_criterion_rollup(name: str, *dims: Column) -> Table:
    """Rated criteria per score (N/A left out) at one grain."""
    return Table(
        name,
        metadata,
        Column("account_id", Integer, primary_key=True),
        Column("month", Date, primary_key=True),
        *dims,
        Column("mystery", Boolean, primary_key=True),
        Column("scorecard_id", Integer, primary_key=True),
        Column("criterion", String(100), primary_key=True),
        Column("score", Integer, primary_key=True),
        Column("n", Integer, nullable=False),
    )


qa_rollup_criterion_month = _qa_criterion_rollup("qa_rollup_criterion_month")
qa_rollup_criterion_agent = _qa_criterion_rollup(
    "qa_rollup_criterion_agent", Column("agent_id", String(200), primary_key=True))
QA_ROLLUPS = (qa_rollup_month_agent, qa_rollup_criterion_month, qa_rollup_criterion_agent)

# Reviewer agreement counted on write (storage/qa_agreement.py): Krippendorff's alpha needs
# of the units (a ticket × criterion, the latest score of each reviewer) only their pairs of
# values summed per unit size. Units of tickets two or more reviewers reviewed are counted per
# grain of the report's --by keys ("", "agent", "month", "agent,month"; the account always),
# per the span of months of the ticket's reviews, and per mystery flag; kept in step by every
# review write, recounted by `cxpulse rebuild`.


def _agreement_rollup(name: str, *tail: Column) -> Table:
    return Table(
        name,
        metadata,
        Column("account_id", Integer, primary_key=True),
        # the --by keys it groups: "", agent, month, agent,month; and "*", "agent,*": all time (no window)
        Column("grain", String(16), primary_key=True),
        Column("month", Date, primary_key=True),  # the unit's month with month in grain, else first_month
        Column("agent_id", String(200), primary_key=True),  # the reviewed agent with agent in grain, else ""
        Column("first_month", Date, primary_key=True),  # first and last month of the ticket's reviews: a
        Column("last_month", Date, primary_key=True),  # window holds the unit whole only if it holds both
        Column("mystery", Boolean, primary_key=True),  # made of mystery reviews alone, or of the others alone
        Column("mixed", Boolean, primary_key=True),  # the ticket has both: --mystery include reads it raw
        Column("scale", String(16), primary_key=True),
        Column("criterion", String(100), primary_key=True),
        *tail,
        Column("n", Integer, nullable=False),
    )


AGREEMENT_PAIRS = [(c, k) for c in range(5) for k in range(5) if c <= k]  # values 0/1 or 1–4
qa_rollup_agreement = _agreement_rollup(
    "qa_rollup_agreement",  # per unit size m (scores, N/A left out): the units and the pairs of values in them,
    Column("m", Integer, primary_key=True),  # what the coincidence matrix adds up: o_ck = Σ_m pairs / (m − 1)
    *[Column(f"p{c}{k}", Integer, nullable=False) for c, k in AGREEMENT_PAIRS])
qa_rollup_agreement_reviewers = _agreement_rollup(
    "qa_rollup_agreement_reviewers",  # per reviewer: the units where their latest score is not N/A
    Column("reviewer", String(200), primary_key=True))
qa_rollup_agreement_tickets = Table(
    "qa_rollup_agreement_tickets",
    metadata,
    # the tickets above that a query may have to read from the reviews: those whose reviews
    # span months (a window can cut them) or mix mystery with other reviews (--mystery include)
    Column("account_id", Integer, primary_key=True),
    Column("ticket_id", String(200), primary_key=True),
    Column("first_month", Date, nullable=False),
    Column("last_month", Date, nullable=False),
    Column("mixed", Boolean, nullable=False),
)
AGREEMENT_ROLLUPS = (qa_rollup_agreement, qa_rollup_agreement_reviewers, qa_rollup_agreement_tickets)

qa_queue = Table(
    "qa_queue",
    metadata,
    # tickets sampled for review (`cxpulse qa sample`), each assigned to a reviewer
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("ticket_id", String(200), nullable=False),
    Column("agent_id", String(200), nullable=False, default=""),
    Column("assignee", String(200), nullable=False),  # the reviewer
    Column("strategy", String(16), nullable=False),  # random | low-csat | at-risk | long | reopened
    Column("sample_id", String(32), nullable=False),  # the `qa sample` run that picked it
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "ticket_id", "assignee", name="uq_qa_queue_ticket"),
)

qa_disputes = Table(
    "qa_disputes",
    metadata,
    # an agent disagrees with a review; shown beside it until the reviewer resolves it
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("review_id", Integer, ForeignKey("qa_reviews.id"), nullable=False),
    Column("agent_id", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("resolver", String(200), nullable=False, default=""),
    Column("resolver_comment", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Index("ix_qa_disputes_review", "review_id"),
)
