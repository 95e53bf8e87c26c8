"""Build an engine from what the user typed: a file path (SQLite) or a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event

# Connection and Engine are the types the layers above hold and hand back to storage:
# named here, so those layers need not import sqlalchemy.
__all__ = ["DEFAULT_DB", "Connection", "Engine", "database_url", "make_engine"]

DEFAULT_DB = "cxpulse.db"


def database_url(db: str | Path | None) -> str:
    """`cxpulse.db` or `/tmp/x.db` → SQLite; `postgresql://…` → PostgreSQL via psycopg 3."""
    text = str(db or DEFAULT_DB)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text  # an explicit SQLAlchemy URL, e.g. sqlite:///x.db or postgresql+psycopg://
    return f"sqlite:///{Path(text).expanduser()}"


def make_engine(db: str | Path | None) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
