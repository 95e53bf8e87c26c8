"""The write side of storage: accounts and idempotent upserts of raw rows.

An upsert classifies each incoming row against what is stored under the same
(account, source_id): new → inserted, same content hash → unchanged, else → updated.
So importing the same data twice changes nothing, and a changed ticket is updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, and_, bindparam, select, update

from cxpulse.domain import Account, NotFound
from cxpulse.storage import rows as R
from cxpulse.storage import tables as T
from cxpulse.storage.engine import make_engine
from cxpulse.storage.migrate import migrate

KEY_CHUNK = 2000


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # source ids that were inserted or updated: what derived data must be refreshed for
    touched: list[str] = field(default_factory=list)

    def add(self, other: "UpsertCounts") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.touched.extend(other.touched)


@dataclass(frozen=True, slots=True)
class StoredAccount:
    id: int
    account: Account

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.account.timezone)


class Store:
    """One database: SQLite file or PostgreSQL. Build it with `Store.open(db)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, db: str | Path | None) -> "Store":
        engine = make_engine(db)
        migrate(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ---- accounts ------------------------------------------------------------------

    def accounts(self) -> list[StoredAccount]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(T.accounts).order_by(T.accounts.c.name)).all()
        return [StoredAccount(r.id, R.account_of(r)) for r in rows]

    def account(self, name: str) -> StoredAccount:
        with self.engine.connect() as conn:
            row = conn.execute(select(T.accounts).where(T.accounts.c.name == name)).first()
        if row is None:
            known = ", ".join(a.name for a in self.accounts()) or "none yet"
            raise NotFound(f"no account named {name!r} (accounts: {known})")
        return StoredAccount(row.id, R.account_of(row))

    def ensure_account(self, account: Account | str) -> StoredAccount:
        """Return the stored account of that name, creating it with these settings if new."""
        if isinstance(account, str):
            account = Account(name=account)
        try:
            return self.account(account.name)
        except NotFound:
            pass
        with self.engine.begin() as conn:
            conn.execute(T.accounts.insert().values(**_account_values(account), created_at=_now()))
        return self.account(account.name)

    def update_account(self, account: Account) -> StoredAccount:
        with self.engine.begin() as conn:
            conn.execute(
                T.accounts.update()
                .where(T.accounts.c.name == account.name)
                .values(**_account_values(account))
            )
        return self.account(account.name)

    # ---- raw rows ------------------------------------------------------------------

    def upsert(self, table: Table, account_id: int, rows: Sequence[dict]) -> UpsertCounts:
        """Insert new rows, update changed ones, leave identical ones alone."""
        counts = UpsertCounts()
        latest: dict[str, dict] = {}
        for row in rows:  # within one batch the last version of a source id wins
            row = dict(row)
            row["content_hash"] = R.content_hash(row)
            if row["source_id"] in latest:
                counts.unchanged += 1  # superseded in the same batch: stored once, below
            latest[row["source_id"]] = row
        with self.engine.begin() as conn:
            stored = self._stored_hashes(conn, table, account_id, list(latest))
            new, changed = [], []
            for sid, row in latest.items():
                old = stored.get(sid)
                if old is None:
                    new.append({**row, "account_id": account_id})
                elif old != row["content_hash"]:
                    changed.append({**row, "account_id": account_id, "b_account": account_id, "b_source": sid})
                else:
                    counts.unchanged += 1
            if new:
                conn.execute(table.insert(), new)
            if changed:
                stmt = (
                    update(table)
                    .where(
                        and_(
                            table.c.account_id == bindparam("b_account"),
                            table.c.source_id == bindparam("b_source"),
                        )
                    )
                    .values({c: bindparam(c) for c in changed[0] if not c.startswith("b_") and c != "account_id"})
                )
                conn.execute(stmt, changed)
        counts.inserted = len(new)
        counts.updated = len(changed)
        counts.touched = [r["source_id"] for r in new] + [r["b_source"] for r in changed]
        return counts

    @staticmethod
    def _stored_hashes(conn, table: Table, account_id: int, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(keys), KEY_CHUNK):
            chunk = keys[i : i + KEY_CHUNK]
            q = select(table.c.source_id, table.c.content_hash).where(
                table.c.account_id == account_id, table.c.source_id.in_(chunk)
            )
            found.update((sid, h) for sid, h in conn.execute(q))
        return found

    def count(self, table: Table, account_id: int | None = None) -> int:
        from sqlalchemy import func

        q = select(func.count()).select_from(table)
        if account_id is not None:
            q = q.where(table.c.account_id == account_id)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()


def _account_values(a: Account) -> dict:
    ZoneInfo(a.timezone)  # refuse an unknown timezone before storing it
    return {
        "name": a.name,
        "timezone": a.timezone,
        "business_hours": R.business_hours_json(a.business_hours),
        "csat_scale": str(a.csat_scale),
        "min_rated_for_model": a.min_rated_for_model,
        "alert_below": a.alert_below,
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def chunks(items: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
