"""Storage's names for the database failures the layers above react to, so that they
catch these and never import the database library themselves.

- `WriteConflict`: a write a constraint refused — in practice a unique key another
  writer inserted first (two requests storing the same new source id at once); loading
  again finds the row stored and updates it.
- `StoreBusy`: the database is locked, busy or unreachable right now (SQLite's
  "database is locked", a PostgreSQL server gone); worth a retry, not a bug. The API
  answers 503 with Retry-After.

They are the SQLAlchemy exceptions under a name of ours (not wrappers): whatever raises
them deep in a query or at commit is caught as is.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError as WriteConflict
from sqlalchemy.exc import OperationalError as StoreBusy

__all__ = ["StoreBusy", "WriteConflict"]
