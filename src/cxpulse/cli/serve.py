"""`cxpulse serve`: the dashboard, the REST API, the survey pages and the webhook deliverer on uvicorn."""

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
    """Serve the dashboard (/), the REST API (/api/v1, docs at /docs), the survey pages (/s/…, /l/…) and
    deliver outgoing webhooks in the background.

    The links in survey emails point at CXPULSE_BASE_URL (default http://127.0.0.1:8000):
    set it to the address customers reach this server on.

    Example: cxpulse serve --host 0.0.0.0 --port 8000 --db cxpulse.db
    """
    import uvicorn

    from cxpulse.service.webhooks import start_deliverer
    from cxpulse.web import create_app

    store = Store.open(db)
    app = create_app(store)
    start_deliverer(app)  # outgoing webhooks, every 15 s, while the server runs
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    err.print(f"cxpulse on http://{shown}:{port}/ — dashboard (log in with a key from `cxpulse keys create`), "
              f"API under /api/v1 (docs at /docs), survey pages; Ctrl+C stops")
    import gc

    gc.collect()
    gc.freeze()  # what start-up built lives as long as the server: keep it out of every GC pass
    # fewer, later collections: a request makes short-lived objects that reference counting
    # frees; the default thresholds ran full passes often enough to put metrics p99 at 148 ms
    gc.set_threshold(50_000, 20, 20)
    uvicorn.run(app, host=host, port=port, log_level="warning")
