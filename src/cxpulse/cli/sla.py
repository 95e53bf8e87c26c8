"""`cxpulse sla apply FILE --account A` and `cxpulse sla show --account A`: an account's SLA
policies (docs/sla.md). Thin like every command: parse, call service.sla, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.render import print_rows
from cxpulse.storage import Store

sla_app = typer.Typer(
    name="sla",
    help="SLA policies: which tickets each covers and its targets (first reply, next reply, resolution, "
    "requester wait), in calendar or business minutes.\n\n"
    "Example: cxpulse sla apply policies.toml --account acme",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

AccountRequired = Annotated[str, typer.Option("--account", "-a", help="The account the policies belong to.")]
COLUMNS = ["effective_from", "position", "title", "matches", "first_reply", "next_reply", "resolution",
           "requester_wait"]


@sla_app.command("apply")
@handle_errors
def apply(
    file: Annotated[Path, typer.Argument(help="A TOML policy file (docs/sla.md shows the format).")],
    account: AccountRequired,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Check a policy file and store it as the account's SLA policies from its effective_from
    on (without one: an account's first policies cover its whole history, a change holds from
    now); every ticket's SLA targets are derived again. The same policies again change nothing.
    A file with a problem is refused whole, each problem named with its line and fix.

    Example: cxpulse sla apply policies.toml --account acme
    """
    from cxpulse.service.sla import apply_policies, read_policy_file

    result = apply_policies(Store.open(db), account, read_policy_file(file), path=str(file))
    when = result.effective_from.isoformat(timespec="seconds")
    if not result.changed:
        err.print(f"account {result.account}: the same {result.policies} policies already hold from {when}; nothing changed")
    else:
        err.print(f"account {result.account}: {result.policies} SLA policies from {when}; targets of "
                  f"{result.tickets:,} tickets derived again. `cxpulse sla show --account {result.account}` lists them")
    for note in result.notes:
        err.print(f"note: {note}")


@sla_app.command("show")
@handle_errors
def show(account: AccountRequired, fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """The account's SLA policies, every version, in match order (the first match wins).

    Example: cxpulse sla show --account acme --format json
    """
    from cxpulse.service.sla import policies_document, policy_rows

    store = Store.open(db)
    print_rows(policy_rows(store, account), COLUMNS, fmt, title=f"SLA policies of {account}",
               json=policies_document(store, account),
               empty=f"no SLA policies; `cxpulse sla apply FILE --account {account}` sets them (docs/sla.md)")
