"""`cxpulse webhooks …`: endpoints that receive alerts and low ratings, the delivery run, the log.

Thin like every command: parse, call one function of service.webhooks, render.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.render import print_record, print_rows
from cxpulse.durations import parse_time
from cxpulse.storage import Store

webhooks_app = typer.Typer(
    name="webhooks",
    help="Post alerts and new low ratings to your URLs, signed (HMAC-SHA256), retried with backoff; "
    "see docs/webhooks.md.\n\n"
    "Example: cxpulse webhooks add --account acme --url https://hooks.example.com/cxpulse",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

AccountFilter = Annotated[str | None, typer.Option("--account", "-a", help="Account name (default: all accounts).")]
LIST_COLUMNS = ["id", "account", "url", "events", "created_at", "pending", "retrying", "delivered", "failed"]
LOG_COLUMNS = ["id", "account", "webhook_id", "event", "event_key", "status", "attempts", "last_status_code",
               "last_error", "created_at", "delivered_at", "next_at"]


def _hook(w) -> dict:
    return {"id": w.id, "account": w.account, "url": w.url, "events": ",".join(w.events), "active": w.active,
            "created_at": w.created_at.isoformat(timespec="seconds"),
            **{s: w.deliveries.get(s, 0) for s in ("pending", "retrying", "delivered", "failed")}}


@webhooks_app.command("add")
@handle_errors
def add(
    account: Annotated[str, typer.Option("--account", "-a", help="The account whose events are posted.")],
    url: Annotated[str, typer.Option("--url", help="Where to POST: an http:// or https:// URL on a public address "
                                     "(a local one only if CXPULSE_WEBHOOKS_ALLOW_HOSTS names its host).")],
    events: Annotated[str, typer.Option("--events", help="Comma-separated: alert, low_rating.")] = "alert,low_rating",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Add an endpoint and print its signing secret — the last word of the output, shown only this once.

    Example: cxpulse webhooks add --account acme --url https://hooks.example.com/cxpulse --events alert
    """
    from cxpulse.service.webhooks import add_webhook

    # a local or private address only when the operator's setting allows it: deliveries check it again
    secret, hook = add_webhook(Store.open(db), account, url, events=events.split(","))
    err.print(f"webhook {hook.id} of account {hook.account} posts {', '.join(hook.events)} to {hook.url}; "
              "its signing secret (store it in the receiver now, it is not shown again):")
    typer.echo(secret)


@webhooks_app.command("list")
@handle_errors
def list_cmd(account: AccountFilter = None, fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """The active endpoints, with their deliveries per status (never their secrets).

    Example: cxpulse webhooks list --account acme
    """
    from cxpulse.service.webhooks import list_webhooks

    rows = [_hook(w) for w in list_webhooks(Store.open(db), account)]
    print_rows(rows, LIST_COLUMNS, fmt, title="webhooks")


@webhooks_app.command("remove")
@handle_errors
def remove(
    webhook_id: Annotated[int, typer.Argument(help="The endpoint's id, as `cxpulse webhooks list` shows it.")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Stop posting to an endpoint; what it still had to send is marked failed, its log stays.

    Example: cxpulse webhooks remove 3
    """
    from cxpulse.service.webhooks import remove_webhook

    hook = remove_webhook(Store.open(db), webhook_id)
    err.print(f"removed webhook {hook.id} ({hook.url}) of account {hook.account}")


@webhooks_app.command("deliver")
@handle_errors
def deliver(
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many deliveries in this run.")] = 100,
    now: Annotated[str | None, typer.Option("--now", help="Pretend it is this time (ISO 8601); for tests.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Post the deliveries that are due and record each outcome (cron-safe).

    Runs in parallel with `cxpulse serve` (which runs it every 15 s) or another cron run:
    a delivery is claimed before it is posted, so it is never posted twice at once.

    Example: * * * * * cxpulse webhooks deliver --db /var/lib/cxpulse/cxpulse.db
    """
    from cxpulse.service.webhooks import deliver_due

    summary = deliver_due(Store.open(db), now=parse_time(now, "--now"), limit=limit)
    print_record({"claimed": summary.claimed, "delivered": summary.delivered, "retrying": summary.retrying,
                  "failed": summary.failed}, fmt, title="webhooks deliver")


@webhooks_app.command("log")
@handle_errors
def log(
    account: AccountFilter = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, retrying, delivered or failed.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="The newest this many.")] = 50,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The delivery log, newest first: event, status, attempts, last answer or error.

    Example: cxpulse webhooks log --account acme --status failed
    """
    from cxpulse.service.webhooks import deliveries

    rows = deliveries(Store.open(db), account, status=status, limit=limit)
    flat = [{**r, **{k: r[k].isoformat(timespec="seconds") if r[k] else "" for k in ("created_at", "delivered_at",
                                                                                      "next_at")}} for r in rows]
    print_rows(flat, ["id", "account", "event", "event_key", "status", "attempts", "last_status_code", "last_error",
                      "created_at", "next_at"], fmt, title="webhook deliveries (newest first)", json=rows,
               csv_columns=LOG_COLUMNS)
