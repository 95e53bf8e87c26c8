"""`cxpulse serve`: the dashboard, the REST API, the survey pages and the webhook deliverer on uvicorn."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption
from cxpulse.config import env_name
from cxpulse.storage import Store


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="TCP port to listen on.")] = 8000,
    base_url: Annotated[
        str,
        typer.Option("--base-url", envvar=env_name("base_url"), metavar="URL",
                     help="The address customers reach this server on, e.g. https://survey.example.com: survey "
                          "links are built on it. Default: http://HOST:PORT as served. Env: CXPULSE_BASE_URL."),
    ] = "",
    trusted_proxies: Annotated[
        str,
        typer.Option("--trusted-proxies", envvar=env_name("trusted_proxies"),
                     help="Proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated "
                          "(e.g. 127.0.0.1 behind nginx on this host). Default: none. Env: CXPULSE_TRUSTED_PROXIES."),
    ] = "",
    sync_every: Annotated[
        float,
        typer.Option("--sync-every", min=0, envvar=env_name("sync_every"), metavar="MIN",
                     help="Sync every help desk connection (`cxpulse connect`) every MIN minutes while serving, "
                          "one at a time; 0 = off. Env: CXPULSE_SYNC_EVERY."),
    ] = 5.0,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Serve the dashboard (/), the REST API (/api/v1, docs at /docs), the survey pages (/s/…, /l/…),
    deliver outgoing webhooks and sync the help desk connections in the background.

    Survey links point at --base-url (CXPULSE_BASE_URL), by default the address served on
    (http://HOST:PORT): set it to the address customers reach this server on. The server
    records it in the database, so `surveys send-due` and `surveys link` build their links
    on it too. Behind a reverse proxy, name it with --trusted-proxies so per-address limits
    count the client, not the proxy.

    The connections (`cxpulse connect`) are synced at start-up and then every --sync-every
    minutes, as `cxpulse sync` does; a failure is shown by `cxpulse connections` and on the
    dashboard's Connections page, and the next round tries again.

    Example: cxpulse serve --host 0.0.0.0 --port 8000 --db cxpulse.db --sync-every 10
    """
    import uvicorn

    from cxpulse.config import Settings
    from cxpulse.service.settings import check_base_url, record_server_base_url, serving_url
    from cxpulse.service.sync_schedule import start_sync_schedule
    from cxpulse.service.webhooks import start_deliverer
    from cxpulse.web import create_app

    proxy_options = uvicorn_proxy_options(trusted_proxies)  # a bad entry fails before anything starts
    served = serving_url(host, port)
    links = check_base_url(base_url, "--base-url / CXPULSE_BASE_URL") if base_url.strip() else served
    store = Store.open(db)
    record_server_base_url(store, links)  # the link-making commands on this database build on it
    settings = replace(Settings.from_env(), trusted_proxies=trusted_proxies,  # read once, kept in the app's context
                       sync_every=f"{sync_every:g}", base_url=links)
    app = create_app(store, settings=settings)
    start_deliverer(app)  # outgoing webhooks, every 15 s, while the server runs
    if sync_every > 0:
        start_sync_schedule(app, every=sync_every * 60)  # the connections, one at a time, while the server runs
    syncing = f"connections synced every {sync_every:g} min" if sync_every > 0 else "scheduled sync off"
    err.print(f"cxpulse on {served}/ — dashboard (log in with a key from `cxpulse keys create`), "
              f"API under /api/v1 (docs at /docs), survey pages; {syncing}; Ctrl+C stops")
    if not base_url.strip():
        err.print(f"survey links point at {links}; if customers reach this server elsewhere, restart it with "
                  "--base-url https://… (or CXPULSE_BASE_URL)", soft_wrap=True)
    import gc

    gc.collect()
    gc.freeze()  # what start-up built lives as long as the server: keep it out of every GC pass
    # fewer, later collections: a request makes short-lived objects that reference counting
    # frees; the default thresholds ran full passes often enough to put metrics p99 at 148 ms
    gc.set_threshold(50_000, 20, 20)
    uvicorn.run(app, host=host, port=port, log_level="warning", **proxy_options)


def uvicorn_proxy_options(trusted: str) -> dict:
    """uvicorn's proxy settings for `--trusted-proxies`: X-Forwarded-* believed from those
    peers only, and from none when it is empty — uvicorn alone would believe 127.0.0.1
    (or FORWARDED_ALLOW_IPS), i.e. any local peer."""
    from cxpulse.service.settings import trusted_proxies

    allowed = trusted_proxies(trusted)
    if not allowed:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}
