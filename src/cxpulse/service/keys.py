"""API keys: per-account keys for the API and the dashboard, and admin keys.

Every key has a role (issue 16, §4): `admin` (every account), `account` (everything of
its account), `reviewer` (its account's review queue, tickets and conversations,
scorecards; creates reviews and resolves disputes; changes no setting) and `shopper`
(creates mystery reviews — and reads the scorecards the review is made on — nothing
else). What each role may do is RIGHTS below, the one table the API and the dashboard ask.

A key is shown once, when it is created, and kept only as its SHA-256: a database that
leaks gives nobody a key. The hash of a random 192-bit key needs no salt or slow hash
(there is nothing to guess), and looking it up by its hash is one indexed read per
request. The key's first characters (`prefix`) are kept in clear so a listing can tell
keys apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cxpulse.domain import InvalidQuery, NotFound
from cxpulse.storage import Store
from cxpulse.storage import keys as stored_keys

KEY_START = "cxp_"
PREFIX_CHARS = 12  # "cxp_" and 8 characters: enough to tell keys apart, useless to guess
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often per key

ROLES = ("admin", "account", "reviewer", "shopper")
# What a role may do in its account (admin: in every account). A right not listed is refused.
#   read        reports, accounts, at-risk, alerts, models, surveys, webhooks (everything readable)
#   write       ingest, surveys, webhooks, scorecards: every change of data or settings
#   tickets     tickets and their conversations
#   queue       the review queue
#   scorecards  read the scorecards
#   reviews     list reviews and their disputes
#   review      create a review
#   mystery     create a mystery review (a shopper's: every review they create is one)
#   resolve     resolve a dispute
#   dispute     open a dispute on a review (for an agent, through the team's integration)
RIGHTS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "write", "tickets", "queue", "scorecards", "reviews", "review", "mystery",
                        "resolve", "dispute"}),
    "account": frozenset({"read", "write", "tickets", "queue", "scorecards", "reviews", "review", "mystery",
                          "resolve", "dispute"}),
    "reviewer": frozenset({"tickets", "queue", "scorecards", "reviews", "review", "resolve"}),
    "shopper": frozenset({"scorecards", "mystery"}),
}


@dataclass(frozen=True)
class KeyInfo:
    """Who a request's key belongs to: an account (name and id), or admin (account None)."""

    id: int
    account_id: int | None
    account: str | None
    admin: bool
    role: str
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    language: str | None = None  # the dashboard's language its user picked (None: the browser's)

    def can_read(self, account_id: int) -> bool:
        return self.admin or self.account_id == account_id

    def may(self, right: str) -> bool:
        """Whether this key's role grants `right` (RIGHTS) in the accounts it can reach."""
        return right in RIGHTS.get(self.role, frozenset())


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    store: Store, *, account: str | None = None, admin: bool = False, name: str = "", now: datetime | None = None,
    role: str | None = None,
) -> tuple[str, KeyInfo]:
    """A new key for `account` (or an admin key): returns the key itself — shown once —
    and what is stored about it. `role` is one of ROLES (default: account, or admin with
    `admin`); every role but admin belongs to one account."""
    role = role or ("admin" if admin else "account")
    if role not in ROLES:
        raise InvalidQuery(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if admin and role != "admin":
        raise InvalidQuery(f"an admin key has the role admin, not {role!r}: leave out --admin or --role")
    admin = role == "admin"
    if admin == (account is not None):
        raise InvalidQuery("give an account for an account, reviewer or shopper key, or ask for an admin key "
                           "— not both, not neither")
    account_id = store.account(account).id if account is not None else None  # NotFound names the account
    key = KEY_START + secrets.token_urlsafe(24)
    now = _naive(now or datetime.now(UTC))
    with store.engine.begin() as conn:
        kid = stored_keys.insert_key(conn, account_id=account_id, admin=admin, prefix=key[:PREFIX_CHARS],
                                     key_hash=hash_key(key), name=name, created_at=now, role=role)
    return key, _info(store, kid)


def verify_key(store: Store, key: str, *, now: datetime | None = None) -> KeyInfo | None:
    """The key's owner, or None for an unknown or revoked key (the caller says 401)."""
    if not key.startswith(KEY_START) or len(key) > 200:
        return None
    with store.engine.connect() as conn:
        row = stored_keys.key_by_hash(conn, hash_key(key))
    if row is None or row.revoked_at is not None:
        return None
    info = _row_info(row)
    now = _naive(now or datetime.now(UTC))
    if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
        with store.engine.begin() as conn:  # conditional: concurrent requests write it once
            stored_keys.touch_key(conn, row.id, now, unless_after=now - TOUCH_EVERY)
    return info


def list_keys(store: Store, account: str | None = None) -> list[KeyInfo]:
    account_id = store.account(account).id if account is not None else None
    with store.engine.connect() as conn:
        return [_row_info(r) for r in stored_keys.key_rows(conn, account_id)]


def revoke_key(store: Store, prefix: str, *, now: datetime | None = None) -> KeyInfo:
    """Revoke the key that starts with `prefix` (as `cxpulse keys list` shows it)."""
    with store.engine.connect() as conn:
        rows = stored_keys.key_ids_with_prefix(conn, prefix[:PREFIX_CHARS])
    if not rows:
        raise NotFound(f"no API key starts with {prefix!r}; `cxpulse keys list` shows them")
    if len(rows) > 1:
        raise InvalidQuery(f"{len(rows)} keys start with {prefix!r}; give more of the key")
    now = _naive(now or datetime.now(UTC))
    with store.engine.begin() as conn:
        stored_keys.revoke(conn, rows[0], now)
    return _info(store, rows[0])


def set_key_language(store: Store, key_id: int, language: str | None) -> None:
    """Keep the dashboard language a key's user picked; None (or "") follows the browser again.
    Only the dashboard's languages are kept: anything else is an error naming them."""
    from cxpulse.surveys.definitions import LANGUAGES

    if language and language not in LANGUAGES:
        raise InvalidQuery(f"language {language!r} is not one the dashboard speaks; use one of {', '.join(LANGUAGES)}")
    with store.engine.begin() as conn:
        stored_keys.set_language(conn, key_id, language or None)


def _info(store: Store, kid: int) -> KeyInfo:
    with store.engine.connect() as conn:
        return _row_info(stored_keys.key_by_id(conn, kid))


def _row_info(r) -> KeyInfo:
    return KeyInfo(
        id=r.id, account_id=r.account_id, account=r.account_name, admin=bool(r.admin),
        role="admin" if r.admin else (r.role or "account"), prefix=r.prefix,
        name=r.name, created_at=_aware(r.created_at), last_used_at=_aware(r.last_used_at),
        revoked_at=_aware(r.revoked_at), language=r.language,
    )


def _naive(t: datetime) -> datetime:
    """Stored times are naive UTC (storage/rows.py)."""
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _aware(t: datetime | None) -> datetime | None:
    return None if t is None else t.replace(tzinfo=UTC)
