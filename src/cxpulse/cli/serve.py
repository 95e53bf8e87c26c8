"""`cxpulse serve`: the survey pages (and later the API and dashboard) on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption
from cxpulse.storage import Store


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="TCP port to listen on.")] = 8000,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Serve the survey pages: one-click rating links (/s/…), signature and chat links (/l/…), /healthz.

    The links in survey emails point at CXPULSE_BASE_URL (default http://127.0.0.1:8000):
    set it to the address customers reach this server on.

    Example: cxpulse serve --host 0.0.0.0 --port 8000 --db cxpulse.db
    """
    import uvicorn

    from cxpulse.web import create_app

    store = Store.open(db)
    err.print(f"serving survey pages on http://{host}:{port} (Ctrl+C stops)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="info")
