"""Connections: the help desk API (Zendesk or Freshdesk) each account's sync reads.

The token is stored as given — the sync has to send it — and leaves this module only to
the sync (`connection_for_sync`): every listing, message and error shows it as `…` and its
last four characters (`masked`). Like `cxpulse import --account`, connecting an account
that does not exist yet creates it, so a team can start from a connection alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from cxpulse.domain import InvalidQuery, NotFound
from cxpulse.storage import Store
from cxpulse.storage import connections as stored
from cxpulse.storage.connections import ConnectionRow

__all__ = ["KINDS", "connect", "connection_for_sync", "disconnect", "list_connections", "masked"]

KINDS = ("zendesk", "freshdesk")
SHOWN = 4  # characters of a token a listing shows: enough to tell two tokens apart


def masked(token: str) -> str:
    """The token as it may be shown: `…` and its last 4 characters (all hidden if it is short)."""
    return "…" + token[-SHOWN:] if len(token) >= 2 * SHOWN else "…"


def connect(store: Store, account: str, kind: str, url: str, token: str, email: str | None = None, *,
            now: datetime | None = None) -> dict:
    """Store the account's connection (replacing the one it had); returns it as `list_connections` shows it."""
    kind, url, email, token = _checked(kind, url, email, token)
    acc = store.ensure_account(account)
    with store.engine.begin() as conn:
        stored.save_connection(conn, account_id=acc.id, kind=kind, base_url=url, email=email, token=token,
                               now=now or datetime.now(UTC))
        return shown(stored.connection(conn, acc.id))


def list_connections(store: Store) -> list[dict]:
    """Every connection as plain dicts, the token masked."""
    with store.engine.connect() as conn:
        return [shown(c) for c in stored.connections(conn)]


def disconnect(store: Store, account: str) -> dict:
    """Remove the account's connection (its imported data stays); returns what was removed."""
    acc = store.account(account)  # NotFound names the accounts there are
    with store.engine.begin() as conn:
        row = stored.connection(conn, acc.id)
        if row is None:
            raise NotFound(f"account {account!r} has no connection; `cxpulse connections` lists them")
        stored.remove_connection(conn, acc.id)
    return shown(row)


def connection_for_sync(store: Store, account: str) -> ConnectionRow:
    """The stored connection with its token, for the sync that sends it — never to print."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        row = stored.connection(conn, acc.id)
    if row is None:
        raise NotFound(f"account {account!r} has no connection; add one with `cxpulse connect zendesk|freshdesk`")
    return row


def shown(c: ConnectionRow) -> dict:
    """What may be shown of a connection: everything but the token, which is masked."""
    return {
        "account": c.account, "kind": c.kind, "url": c.base_url, "email": c.email, "token": masked(c.token),
        "last_sync_at": c.last_sync_at, "cursor": c.cursor, "last_error": c.last_error,
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _checked(kind: str, url: str, email: str | None, token: str) -> tuple[str, str, str, str]:
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise InvalidQuery(f"unknown help desk {kind!r}: connect one of {', '.join(KINDS)}")
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is not None and "@" in parts.netloc:  # said without the URL: what is before the @ may be a secret
        raise InvalidQuery("--url holds a user or password before its host; give the token with --token "
                           f"(or CXPULSE_{kind.upper()}_TOKEN) and the URL without it")
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise InvalidQuery(f"--url {url!r} is not an http:// or https:// URL with a host; "
                           f"give the help desk's base URL, e.g. https://acme.{kind}.com")
    email = (email or "").strip()
    if kind == "zendesk" and not email:
        raise InvalidQuery("Zendesk needs the email of the agent the token belongs to: give --email agent@acme.com")
    if kind == "freshdesk" and email:
        raise InvalidQuery("Freshdesk takes the API key alone: leave out --email")
    if kind == "zendesk" and "@" not in email:
        raise InvalidQuery(f"--email {email!r} is not an email address; give the agent's, e.g. agent@acme.com")
    token = token.strip()
    if not token:
        raise InvalidQuery(f"no {kind} token: give --token or set CXPULSE_{kind.upper()}_TOKEN")
    return kind, url, email, token
