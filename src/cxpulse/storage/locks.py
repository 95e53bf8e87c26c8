"""One writer per account at a time on PostgreSQL; writers of other accounts run side by side.

Several processes may import, sync, serve and score against one PostgreSQL server. Two
of them writing the same account would collide: both classify a new source id as new
and insert it (a unique-key error), both delete and recount a rollup (rows counted
twice), both replace a prediction (a primary-key error). So every transaction that
writes an account's raw rows or what derives from them first takes a transaction-level
advisory lock keyed on (ACCOUNT_WRITES, account id), released by its commit or rollback.

It is taken as the transaction's first statement: a transaction that waits for it holds
no row lock another writer could be waiting for, so the lock cannot deadlock against
row locks. A transaction writes one account only, so it never waits for a second one.

A process deriving what other processes left stale need not wait for an account another
process is writing now (`try_lock_account`): that writer derives it when it is done, or
the next run does.

Migrations take a lock of their own (`lock_migrations`): processes opening a new
database at once would otherwise all create its tables.

SQLite serialises writers itself (one write transaction per database file at a time,
busy_timeout: storage/engine.py): there the lock is nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection

# the advisory lock's first key ("CXPW"); the account id is the second. The survey answers'
# session lock (storage/surveys.py, "CXPU") is another key: a process holding that one
# takes this one too, on another connection, without waiting for itself.
ACCOUNT_WRITES = 0x43585057
MIGRATIONS = 0x4358504D  # "CXPM"
ACCOUNT_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s, %s)"  # (ACCOUNT_WRITES, account id)


def lock_account(conn: Connection, account_id: int) -> None:
    """Wait until no other transaction writes this account, then hold it until ours ends.

    Call it first thing in the transaction (see the module's docstring)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(ACCOUNT_LOCK_SQL, (ACCOUNT_WRITES, int(account_id)))


def try_lock_account(conn: Connection, account_id: int) -> bool:
    """`lock_account` if no other transaction writes this account now, else False at once."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%s, %s)",
                                     (ACCOUNT_WRITES, int(account_id))).scalar())


def lock_migrations(conn: Connection) -> None:
    """Wait until no other process migrates this database, then hold it until our transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s, 0)", (MIGRATIONS,))
