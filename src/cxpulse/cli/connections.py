"""`cxpulse connect zendesk|freshdesk`, `cxpulse connections`, `cxpulse disconnect`: the help
desk API each account syncs from. The token is stored, and printed back only as `…last4`.

Thin like every command: parse, call one function of service.connections, render.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.progress import progress_bar
from cxpulse.cli.render import print_rows
from cxpulse.config import env_name
from cxpulse.storage import Store

connect_app = typer.Typer(
    name="connect",
    help="Store an account's help desk API connection (Zendesk or Freshdesk), for `cxpulse sync`. "
    "The token is stored and never printed back (shown as …last4).\n\n"
    "Example: cxpulse connect zendesk acme --url https://acme.zendesk.com --email agent@acme.com",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

COLUMNS = ["account", "kind", "url", "email", "token", "last_sync_at", "cursor", "last_error"]
AccountArg = Annotated[str, typer.Argument(help="The account the help desk's data goes into (created if new).")]
UrlOption = Annotated[str, typer.Option("--url", help="The help desk's base URL (http:// or https://).")]


def _times(c: dict) -> dict:
    return {**c, **{k: c[k].isoformat(timespec="seconds") if c[k] else "" for k in ("last_sync_at", "created_at",
                                                                                    "updated_at")}}


def _said(c: dict) -> None:
    who = f" as {c['email']}" if c["email"] else ""
    err.print(f"account {c['account']} connected to {c['kind']} at {c['url']}{who}, token {c['token']}; "
              "`cxpulse connections` lists it")


@connect_app.command("zendesk")
@handle_errors
def zendesk(
    account: AccountArg,
    url: UrlOption,
    email: Annotated[str, typer.Option("--email", help="The email of the agent the API token belongs to.")] = "",
    token: Annotated[str, typer.Option("--token", envvar=env_name("zendesk_token"), show_envvar=True,
                                       help="A Zendesk API token (Admin Center → Apps and integrations → "
                                       "Zendesk API). Better from the env: keeps it out of shell history.")] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Connect an account to Zendesk's API; a second connect replaces the first.

    Example: CXPULSE_ZENDESK_TOKEN=… cxpulse connect zendesk acme --url https://acme.zendesk.com --email agent@acme.com
    """
    from cxpulse.service.connections import connect

    _said(connect(Store.open(db), account, "zendesk", url, token, email=email))


@connect_app.command("freshdesk")
@handle_errors
def freshdesk(
    account: AccountArg,
    url: UrlOption,
    token: Annotated[str, typer.Option("--token", envvar=env_name("freshdesk_token"), show_envvar=True,
                                       help="A Freshdesk API key (Profile settings → View API key). "
                                       "Better from the env: keeps it out of shell history.")] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Connect an account to Freshdesk's API (v2); a second connect replaces the first.

    Example: CXPULSE_FRESHDESK_TOKEN=… cxpulse connect freshdesk acme --url https://acme.freshdesk.com
    """
    from cxpulse.service.connections import connect

    _said(connect(Store.open(db), account, "freshdesk", url, token))


@handle_errors
def connections(fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """The help desk connections: kind, URL, token (…last4), last sync, cursor position, last error.

    Example: cxpulse connections --format json
    """
    from cxpulse.service.connections import list_connections

    found = list_connections(Store.open(db))
    print_rows([_times(c) for c in found], COLUMNS, fmt, title="connections", json=found,
               csv_columns=[*COLUMNS, "created_at", "updated_at"],
               empty="no connections; `cxpulse connect zendesk|freshdesk ACCOUNT --url URL` adds one")


@handle_errors
def disconnect(
    account: Annotated[str, typer.Argument(help="The account whose connection goes; its imported data stays.")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Remove an account's help desk connection (and its token); the data it synced stays.

    Example: cxpulse disconnect acme
    """
    from cxpulse.service.connections import disconnect as remove

    c = remove(Store.open(db), account)
    err.print(f"account {c['account']} disconnected from {c['kind']} at {c['url']}")


@handle_errors
def sync(
    account: Annotated[str | None, typer.Option("--account", "-a", help="Sync this account only "
                                                "(default: every connected account).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Read everything from the start, not since the saved cursor.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar (there is none off a terminal).")] = False,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Pull what changed in the connected help desks and store it as `cxpulse import` does.

    Example: cxpulse sync --account acme
    """
    from cxpulse.domain import SyncBusy
    from cxpulse.service.connections import list_connections
    from cxpulse.service.sync_lease import guarded_sync as pull  # one sync per account at a time, `serve`'s too

    store = Store.open(db)
    names = [account] if account else [c["account"] for c in list_connections(store)]
    if not names:
        err.print("no connections; `cxpulse connect zendesk ACCOUNT --url URL` adds one")
        return
    for name in names:
        with progress_bar(f"sync {name}", None, unit="pages", quiet=quiet) as advance:
            shown = None if advance is None else (
                lambda p, name=name: advance(p.pages, f"sync {name}: {p.tickets:,} tickets read ({p.stage})"))
            try:
                summary = pull(store, name, full=full, progress=shown)
            except SyncBusy as e:
                if account:
                    raise
                err.print(f"skipped: {e}")  # `cxpulse serve`'s schedule (or another run) has it now
                continue
        rows = [{"kind": k, **vars(c)} for k, c in summary.by_kind.items()]
        rows.append({"kind": "total", "read": summary.read, "inserted": summary.inserted, "updated": summary.updated,
                     "unchanged": summary.unchanged})
        print_rows(rows, ["kind", "read", "inserted", "updated", "unchanged"], fmt, json=summary.as_dict(),
                   title=f"sync {name}{' (full)' if full else ''}")
        if summary.rejected or summary.fields_rejected:
            err.print(f"rejected {summary.rejected} rows, left out {summary.fields_rejected} bad fields")
        if summary.rescored:
            err.print(f"rescored {summary.rescored} open tickets the sync changed (see `cxpulse score --open`)")
