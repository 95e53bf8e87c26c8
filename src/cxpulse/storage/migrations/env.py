"""Alembic environment: cxpulse passes its own connection in (see storage.migrate)."""

from alembic import context

from cxpulse.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` run by hand with -x db=...
    from cxpulse.storage.engine import make_engine

    db = context.get_x_argument(as_dictionary=True).get("db")
    connection = make_engine(db).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
