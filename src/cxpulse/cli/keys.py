"""`cxpulse keys …`: API keys for the REST API and the dashboard login."""

from __future__ import annotations

from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.render import print_rows
from cxpulse.storage import Store

keys_app = typer.Typer(
    name="keys",
    help="API keys: one per account (it reads and writes that account only) or admin (every account); "
    "a reviewer key (reviews, the queue, conversations) or a shopper key (mystery reviews only) of one account. "
    "A key is printed once, when created, and stored only as a hash.\n\n"
    "Example: cxpulse keys create --account acme",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

COLUMNS = ["prefix", "account", "role", "name", "created_at", "last_used_at", "revoked_at"]


def _row(k) -> dict:
    return {
        "prefix": k.prefix, "account": k.account or "", "role": k.role, "admin": k.admin, "name": k.name,
        "created_at": k.created_at, "last_used_at": k.last_used_at, "revoked_at": k.revoked_at,
    }


@keys_app.command("create")
@handle_errors
def create(
    account: Annotated[str | None, typer.Option("--account", "-a", help="The account the key belongs to.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="A key for every account (cross-account work).")] = False,
    name: Annotated[str, typer.Option("--name", help="A note to tell keys apart, e.g. 'zendesk trigger'.")] = "",
    role: Annotated[
        str | None,
        typer.Option("--role", help="account (default), reviewer (reviews, the queue, conversations; no settings), "
                     "shopper (mystery reviews only) or admin (as --admin)."),
    ] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Create a key and print it — the last word of the output. It is shown only this once.

    Example: cxpulse keys create --account acme --role reviewer --name "QA: Rūta"
    """
    from cxpulse.service.keys import create_key

    key, info = create_key(Store.open(db), account=account, admin=admin, name=name, role=role)
    scope = "admin key (every account)" if info.admin else f"{info.role} key for account {info.account}"
    err.print(f"{scope}, {info.prefix}…; store it now, it is not shown again:")
    typer.echo(key)


@keys_app.command("list")
@handle_errors
def list_cmd(
    account: Annotated[str | None, typer.Option("--account", "-a", help="Only this account's keys.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The keys (their prefixes, never the keys), with when each was last used.

    Example: cxpulse keys list --account acme
    """
    from cxpulse.service.keys import list_keys

    rows = [_row(k) for k in list_keys(Store.open(db), account)]
    print_rows(rows, COLUMNS, fmt, title="API keys")


@keys_app.command("revoke")
@handle_errors
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix as `cxpulse keys list` shows it (or the whole key).")],
    db: DbOption = DB_DEFAULT,
) -> None:
    """Revoke a key: requests with it get 401 from now on.

    Example: cxpulse keys revoke cxp_Ab12Cd34
    """
    from cxpulse.service.keys import revoke_key

    info = revoke_key(Store.open(db), prefix)
    err.print(f"revoked {info.prefix}… ({'admin' if info.admin else info.account})")
