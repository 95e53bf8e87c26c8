"""Every `cxpulse` command. Each parses its options, calls one service function, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, AccountOption, DbOption, FormatOption, OutputFormat, is_terminal
from cxpulse.cli.render import out, print_csv, print_json, print_table
from cxpulse.storage import Store

app = typer.Typer(
    name="cxpulse",
    help="Measure, predict and ask for customer satisfaction (CSAT, CES, NPS, CSI) with service KPIs.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("import")
@handle_errors
def import_cmd(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="jsonl | zendesk | csv")],
    path: Annotated[Path, typer.Argument(help="A file (jsonl, csv) or a directory (zendesk export).")],
    account: Annotated[str, typer.Option("--account", "-a", help="Account the data belongs to.")] = "default",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="CSV only: the TOML mapping of columns (see examples/).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Where bad rows go (default: beside the input, .rejects.jsonl).")
    ] = None,
    fmt_out: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Import tickets, events, ratings and responses. Importing the same data twice changes nothing.

    Example: cxpulse import zendesk ./export --account acme
    """
    from cxpulse.service.imports import import_path, input_size

    store = Store.open(db)
    with _progress_bar(f"importing {path.name}", input_size(path)) as advance:
        summary = import_path(store, fmt, path, account=account, mapping=mapping, rejects_path=rejects, progress=advance)
    if fmt_out is OutputFormat.json:
        print_json(summary.as_dict())
        return
    rows = [{"kind": k, **vars(c)} for k, c in summary.by_kind.items()]
    rows.append(
        {"kind": "total", "read": summary.read, "inserted": summary.inserted, "updated": summary.updated,
         "unchanged": summary.unchanged}
    )
    cols = ["kind", "read", "inserted", "updated", "unchanged"]
    if fmt_out is OutputFormat.csv:
        print_csv(rows, cols)
    else:
        print_table(rows, cols, title=f"import {fmt} {path} → {', '.join(summary.accounts) or account}")
    if summary.rejected:
        err.print(f"[yellow]rejected {summary.rejected} rows[/] — each with file:line, field and reason in {summary.rejects_path}")
        for r in summary.first_rejects[:5]:
            err.print(f"  {r}", markup=False)
    else:
        err.print("rejected 0 rows")


@app.command()
@handle_errors
def rebuild(account: AccountOption = None, db: DbOption = DB_DEFAULT) -> None:
    """Recompute every derived table (ticket KPIs, rollups) from the stored events and responses.

    Example: cxpulse rebuild --account acme
    """
    from cxpulse.service.derive import rebuild as do_rebuild

    store = Store.open(db)
    with _progress_bar("rebuilding", None, unit="tickets") as advance:
        summary = do_rebuild(store, account, progress=advance)
    out.print(f"rebuilt {summary.accounts} account(s), {summary.tickets} tickets")


@app.command()
@handle_errors
def accounts(fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """List the accounts with their ticket, event and response counts.

    Example: cxpulse accounts --format json
    """
    from cxpulse.service.accounts import account_overview

    rows = account_overview(Store.open(db))
    cols = ["name", "timezone", "csat_scale", "tickets", "events", "responses"]
    if fmt is OutputFormat.json:
        print_json(rows)
    elif fmt is OutputFormat.csv:
        print_csv(rows, cols)
    else:
        print_table(rows, cols, title="accounts")


class _progress_bar:
    """A Rich progress bar on a terminal; silent otherwise. Yields an `advance(done)` callable."""

    def __init__(self, label: str, total: int | None, unit: str = "bytes") -> None:
        self.label, self.total, self.unit = label, total, unit
        self.bar: Progress | None = None

    def __enter__(self):
        if not is_terminal():
            return None
        cols = [TextColumn("{task.description}"), BarColumn()]
        cols += [DownloadColumn(), TransferSpeedColumn()] if self.unit == "bytes" else [TextColumn("{task.completed} " + self.unit)]
        self.bar = Progress(*cols, TimeRemainingColumn(), console=err, transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
