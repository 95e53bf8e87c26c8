"""API keys as stored: one row per key, kept as its hash and its clear prefix, with the
account it belongs to (none for an admin key). What a key may do is service/keys.py's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from cxpulse.storage import tables


def insert_key(
    conn: Connection, *, account_id: int | None, admin: bool, prefix: str, key_hash: str, name: str,
    created_at: datetime, role: str = "account",
) -> int:
    """Store a new key; returns its id."""
    return conn.execute(
        insert(tables.api_keys).values(
            account_id=account_id, admin=admin, role=role, prefix=prefix, key_hash=key_hash, name=name,
            created_at=created_at,
        )
    ).inserted_primary_key[0]


def key_by_id(conn: Connection, key_id: int) -> Row:
    """The key's row with its account's name (`account_name`, None for an admin key)."""
    return conn.execute(_select().where(tables.api_keys.c.id == key_id)).one()


def key_by_hash(conn: Connection, key_hash: str) -> Row | None:
    return conn.execute(_select().where(tables.api_keys.c.key_hash == key_hash)).first()


def key_rows(conn: Connection, account_id: int | None = None) -> list[Row]:
    """Every key (of one account when given), oldest first."""
    q = _select().order_by(tables.api_keys.c.id)
    if account_id is not None:
        q = q.where(tables.api_keys.c.account_id == account_id)
    return list(conn.execute(q))


def key_ids_with_prefix(conn: Connection, prefix: str) -> list[int]:
    k = tables.api_keys.c
    return [kid for (kid,) in conn.execute(select(k.id).where(k.prefix == prefix))]


def touch_key(conn: Connection, key_id: int, now: datetime, *, unless_after: datetime) -> None:
    """Set `last_used_at` to `now` unless it is already later than `unless_after`:
    conditional, so concurrent requests write it once."""
    k = tables.api_keys.c
    conn.execute(
        update(tables.api_keys)
        .where(and_(k.id == key_id, or_(k.last_used_at.is_(None), k.last_used_at < unless_after)))
        .values(last_used_at=now)
    )


def revoke(conn: Connection, key_id: int, now: datetime) -> None:
    """Mark the key revoked at `now` (a key revoked earlier keeps its first time)."""
    k = tables.api_keys.c
    conn.execute(update(tables.api_keys).where(and_(k.id == key_id, k.revoked_at.is_(None))).values(revoked_at=now))


def set_language(conn: Connection, key_id: int, language: str | None) -> None:
    """The dashboard language the key's user picked (None: follow the browser)."""
    conn.execute(update(tables.api_keys).where(tables.api_keys.c.id == key_id).values(language=language))


def _select():
    k, a = tables.api_keys, tables.accounts
    return select(k, a.c.name.label("account_name")).select_from(k.outerjoin(a, a.c.id == k.c.account_id))
