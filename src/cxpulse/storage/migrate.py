"""Bring a database's schema to the newest migration; cheap when it already is."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from cxpulse.domain import StorageUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade to head; the first connection is made here, so an unreachable database is named here."""
    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    try:
        engine.connect().close()
    except (OperationalError, InterfaceError) as e:
        raise StorageUnavailable(_explain(engine, e)) from None
    with engine.begin() as conn:
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
