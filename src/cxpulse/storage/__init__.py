"""Where data lives: SQLite by default, PostgreSQL by URL; migrations; reads and writes."""

from cxpulse.storage.engine import database_url, make_engine
from cxpulse.storage.store import Store, StoredAccount, UpsertCounts

__all__ = ["Store", "StoredAccount", "UpsertCounts", "database_url", "make_engine"]
