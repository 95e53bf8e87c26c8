"""`cxpulse qa …`: scorecards, review samples and the queue, reviews imported from another
QA tool, the reviews themselves. Thin like every command: parse, call service.qa, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.render import plain, print_rows, warn
from cxpulse.storage import Store

qa_app = typer.Typer(
    name="qa",
    help="Quality reviews: scorecards (versioned), samples of tickets to review and the review queue, "
    "reviews imported from another QA tool. `cxpulse report --metric iqs` reports them.\n\n"
    "Example: cxpulse qa sample --account acme --n 20 --strategy low-csat --reviewer rita",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
scorecard_app = typer.Typer(
    name="scorecard",
    help="An account's scorecards: the criteria a review scores, their weights, scales and wording.\n\n"
    "Example: cxpulse qa scorecard apply chat.toml --account acme",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
qa_app.add_typer(scorecard_app, name="scorecard")

AccountRequired = Annotated[str, typer.Option("--account", "-a", help="The account.")]
CRITERION_COLUMNS = ["scorecard", "version", "key", "label", "weight", "scale", "na_allowed", "critical"]
REVIEW_COLUMNS = ["review_id", "created_at", "ticket_id", "agent_id", "reviewer", "scorecard", "scorecard_version",
                  "score", "mystery", "root_cause", "disputes"]


def _criteria_rows(cards, language: str) -> list[dict]:
    return [{"scorecard": c.scorecard.name, "version": c.scorecard.version, "key": k.key, "label": k.label(language),
             "weight": k.weight, "scale": k.scale.value, "na_allowed": k.na_allowed, "critical": k.critical}
            for c in cards for k in c.scorecard.criteria]


@scorecard_app.command("apply")
@handle_errors
def scorecard_apply(
    path: Annotated[Path, typer.Argument(help="A scorecard file: TOML, or JSON by its .json suffix (docs/qa.md).")],
    account: AccountRequired,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Store a scorecard: changed criteria make a new version (reviews keep theirs); the same file again changes nothing.

    Example: cxpulse qa scorecard apply examples/qa/scorecard.toml --account acme
    """
    from cxpulse.service.qa import apply_scorecard, read_scorecard_file

    card, made = apply_scorecard(Store.open(db), account, read_scorecard_file(path), where=str(path))
    print_rows(_criteria_rows([card], "en"), CRITERION_COLUMNS, fmt, json=card.as_dict(),
               title=f"scorecard {card.scorecard.name} v{card.scorecard.version}")
    err.print(f"{'new version' if made else 'unchanged'}: {card.scorecard.name} v{card.scorecard.version}")


@scorecard_app.command("show")
@handle_errors
def scorecard_show(
    account: AccountRequired,
    name: Annotated[str | None, typer.Option("--name", help="One scorecard, by name.")] = None,
    every_version: Annotated[bool, typer.Option("--all-versions", help="Every version, not the newest only.")] = False,
    language: Annotated[str, typer.Option("--language", help="The wording to show: en, ru, el, lt…")] = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The account's scorecards and their criteria (the newest version of each).

    Example: cxpulse qa scorecard show --account acme --language lt
    """
    from cxpulse.service.qa import scorecards

    cards = scorecards(Store.open(db), account, name=name, every_version=every_version)
    print_rows(_criteria_rows(cards, language), CRITERION_COLUMNS, fmt, json=[c.as_dict() for c in cards],
               title=f"scorecards of {account}",
               empty="no scorecard yet: reviews use the default eight criteria; `cxpulse qa scorecard apply` adds one")


@qa_app.command("sample")
@handle_errors
def sample(
    account: AccountRequired,
    n: Annotated[int, typer.Option("--n", help="How many tickets to pick.")] = 20,
    strategy: Annotated[str, typer.Option("--strategy", help="random (solved tickets), low-csat (rated 1–3 or bad), "
                                          "at-risk (open, lowest predicted score), long (most messages), reopened.")
                        ] = "random",
    reviewer: Annotated[list[str] | None, typer.Option("--reviewer", help="Who reviews them; repeat for several "
                                                       "(each ticket to the one with the fewest). None: unassigned.")
                        ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="The same seed picks the same random sample.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Pick tickets to review and add them to the review queue: never one its reviewer already reviewed or has
    queued; the agents spread over the sample.

    Example: cxpulse qa sample --account acme --n 20 --strategy low-csat --reviewer rita --reviewer dmitri
    """
    from cxpulse.service.qa import sample as do_sample

    picked = do_sample(Store.open(db), account, n=n, strategy=strategy, reviewers=reviewer or (), seed=seed)
    print_rows(picked, ["ticket_id", "agent_id", "assignee", "strategy", "sample_id"], fmt,
               title=f"{len(picked)} tickets queued for review", empty="no ticket left to sample with this strategy")
    if len(picked) < n:
        warn(f"picked {len(picked)} of {n}: no more tickets fit the {strategy} strategy for these reviewers")


@qa_app.command("queue")
@handle_errors
def queue(
    account: AccountRequired,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="One reviewer's queue.")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only the tickets not reviewed yet.")] = False,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """The review queue, oldest first, with each ticket's subject and whether it is done.

    Example: cxpulse qa queue --account acme --reviewer rita --pending
    """
    from cxpulse.service.qa import review_queue

    rows = review_queue(Store.open(db), account, assignee=reviewer, pending_only=pending)
    print_rows(rows, ["ticket_id", "subject", "agent_id", "assignee", "strategy", "created_at", "done"], fmt,
               title="review queue", empty="the queue is empty; `cxpulse qa sample` fills it")


@qa_app.command("import")
@handle_errors
def import_cmd(
    path: Annotated[Path, typer.Argument(help="The other QA tool's CSV export.")],
    account: AccountRequired,
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="The TOML mapping of its columns "
                                          "(examples/qa/reviews.toml; docs/qa.md).")],
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Import reviews from another QA tool. Bad rows are rejected with file, line and column; the good ones go in;
    importing the same file twice changes nothing.

    Example: cxpulse qa import examples/qa/reviews.csv --mapping examples/qa/reviews.toml --account acme
    """
    from cxpulse.service.qa import import_reviews

    s = import_reviews(Store.open(db), account, path, mapping)
    print_rows([{k: v for k, v in s.as_dict().items() if k != "rejects"}],
               ["read", "inserted", "updated", "unchanged", "rejected"], fmt, json=s.as_dict(),
               title=f"qa import {path} → {account}")
    if fmt is OutputFormat.table:
        for r in s.rejects[:10]:
            err.print(plain(f"  {r}"))
        if len(s.rejects) > 10:
            warn(f"… and {len(s.rejects) - 10} more rejected rows (--format json lists them all)")


@qa_app.command("reviews")
@handle_errors
def reviews(
    account: AccountRequired,
    ticket: Annotated[str | None, typer.Option("--ticket", help="One ticket's reviews.")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="One agent's reviews (what they see).")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="One reviewer's reviews.")] = None,
    mystery: Annotated[str, typer.Option("--mystery", help="exclude, only or include (default) the mystery "
                                         "shoppers' reviews.")] = "include",
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Reviews, newest first, each with its score (IQS 0–100), its criteria in JSON and its disputes.

    Example: cxpulse qa reviews --account acme --agent a17 --format json
    """
    from cxpulse.domain import InvalidQuery
    from cxpulse.service.qa import list_reviews

    flags = {"include": None, "only": True, "exclude": False}
    if mystery not in flags:
        raise InvalidQuery(f"--mystery {mystery!r}: use exclude, only or include")
    rows, _ = list_reviews(Store.open(db), account, ticket=ticket, agent=agent, reviewer=reviewer,
                           mystery=flags[mystery], limit=limit)
    flat = [{**r, "disputes": _disputes(r["disputes"])} for r in rows]
    print_rows(flat, REVIEW_COLUMNS, fmt, json=rows, title=f"reviews of {account}",
               empty="no reviews; `cxpulse qa import` brings them from another tool, the API takes new ones")


def _disputes(disputes: list[dict]) -> str:
    """"1 open", "2 resolved", "1 open, 1 resolved" or "": what the table shows of them."""
    said = [f"{n} {status}" for status in ("open", "resolved")
            if (n := sum(d["status"] == status for d in disputes))]
    return ", ".join(said)
