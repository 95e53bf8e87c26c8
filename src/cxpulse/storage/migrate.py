"""Bring a database's schema to the newest migration; cheap when it already is.

Every command opens the store, and nearly always the schema is current: that check reads
the migrations' revision ids from their files and the database's `alembic_version` row
in plain SQL, without importing alembic (~0.15 s of a `cxpulse score --ticket` that must
take ≤ 1 s). Alembic itself loads only to upgrade, or when the files do not say plainly
which revision is the newest (a merge of two heads).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from cxpulse.domain import StorageUnavailable
from cxpulse.storage.locks import lock_migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_ASSIGN = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)
_ID = re.compile(r"""^['"]([\w-]+)['"]$""")


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def _plain_head() -> str | None:
    """The newest revision id, read from the migration files when each names one revision
    and one parent (a simple chain); None otherwise — then alembic decides."""
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(_ASSIGN.findall(path.read_text(encoding="utf-8")))
        rev, down = found.get("revision", ""), found.get("down_revision", "")
        m = _ID.match(rev)
        if m is None:
            return None
        if down == "None":
            parents[m.group(1)] = None
            continue
        d = _ID.match(down)
        if d is None:  # a tuple (merge) or anything not plain
            return None
        parents[m.group(1)] = d.group(1)
    heads = set(parents) - {p for p in parents.values() if p is not None}
    return heads.pop() if len(heads) == 1 else None


def _current(engine: Engine) -> str | None:
    """The database's revision, or None when it has none yet (or no alembic_version table)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table: a new database
        return None
    return rows[0][0] if len(rows) == 1 else None


def migrate(engine: Engine) -> None:
    """Upgrade to head; the first connection is made here, so an unreachable database is named here."""
    try:
        engine.connect().close()
    except (OperationalError, InterfaceError) as e:
        raise StorageUnavailable(_explain(engine, e)) from None
    head = _plain_head()
    if head is not None and _current(engine) == head:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as conn:
        lock_migrations(conn)  # PostgreSQL: another process opening a new database migrates it first
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _explain(engine: Engine, e: Exception) -> str:
    url = engine.url.render_as_string(hide_password=True)
    first = str(getattr(e, "orig", e)).strip().splitlines()[0]
    if engine.dialect.name == "sqlite":
        return f"cannot open the SQLite file {engine.url.database!r}: {first} — check that its folder exists and is writable"
    return f"cannot reach the database at {url}: {first} — is the server running, and is the URL right?"
