"""Every `cxpulse` command. Each parses its options, calls one service function, renders."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from cxpulse.cli.sla import sla_app
from cxpulse.cli.connections import connect_app, connections, disconnect, sync
from cxpulse.cli.errors import err, handle_errors
from cxpulse.cli.keys import keys_app
from cxpulse.cli.leave import leave_now
from cxpulse.cli.progress import progress_bar as _progress_bar
from cxpulse.cli.qa import qa_app
from cxpulse.cli.options import (
    DB_DEFAULT,
    AccountOption,
    DbOption,
    Engine,
    EngineOption,
    FormatOption,
    OutputFormat,
    SparkMasterOption,
    is_terminal,
)
from cxpulse.cli.render import cell, csv_field, error_line, out, plain, print_record, print_rows, print_table, warn
from cxpulse.cli.serve import serve
from cxpulse.cli.surveys import surveys_app
from cxpulse.cli.webhooks import webhooks_app
from cxpulse.collector import collector_paused
from cxpulse.durations import duration, parse_day, parse_time
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
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="jsonl | zendesk | csv | reviews")],
    path: Annotated[Path, typer.Argument(help="A file (jsonl, csv, a reviews export) or a directory (zendesk export).")],
    account: Annotated[str, typer.Option("--account", "-a", help="Account the data belongs to.")] = "default",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="CSV and reviews --source csv: the TOML mapping of columns (see examples/).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="reviews only: google-play | app-store | trustpilot | google-business | csv "
                     "(docs/reviews.md says how to get each export)."),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Where bad rows go (default: beside the input, .rejects.jsonl).")
    ] = None,
    fmt_out: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Import tickets, events, ratings and responses, or public reviews. Importing the same data twice changes nothing.

    Example: cxpulse import zendesk ./export --account acme

    Example: cxpulse import reviews reviews_com.acme_202611.csv --source google-play --account acme
    """
    from cxpulse.service.imports import import_path, input_size

    store = Store.open(db)
    def refreshing(tickets: int) -> None:
        if tickets and is_terminal():
            err.print(f"read {path.name}; updating KPIs and rollups of {tickets:,} tickets…")

    with _progress_bar(f"importing {path.name}", input_size(path)) as advance:
        summary = import_path(
            store, fmt, path, account=account, mapping=mapping, source=source, rejects_path=rejects, progress=advance,
            on_refresh=refreshing,
        )
    rows = [{"kind": k, **vars(c)} for k, c in summary.by_kind.items()]
    rows.append(
        {"kind": "total", "read": summary.read, "inserted": summary.inserted, "updated": summary.updated,
         "unchanged": summary.unchanged}
    )
    print_rows(rows, ["kind", "read", "inserted", "updated", "unchanged"], fmt_out, json=summary.as_dict(),
               title=f"import {fmt} {path} → {', '.join(summary.accounts) or account}")
    if fmt_out is OutputFormat.json:  # the summary carries the warnings, rejects and notes said below
        return
    for warning in summary.warnings:
        warn(f"warning: {warning}")
    if summary.rejected or summary.fields_rejected:
        what = f"rejected {summary.rejected} rows"
        if summary.fields_rejected:
            what += f" and left out {summary.fields_rejected} bad fields of rows that went in"
        warn(f"{what} — each with file:line, field and reason in {summary.rejects_path}")
        whole = [r for r in summary.first_rejects if not r.kept][:5]
        parts = [r for r in summary.first_rejects if r.kept][: 5 if not whole else 3]
        for r in whole + parts:
            err.print(plain(f"  {r}"))
    else:
        err.print("rejected 0 rows")
    for what, n in summary.notes.items():
        warn(f"{n:,} rows went in with {what} — check the source; the first ones:")
        for note in [x for x in summary.first_notes if x.what == what][:3]:
            err.print(plain(f"  {note}"))
    if summary.rescored:
        err.print(f"rescored {summary.rescored} open tickets the import changed (see `cxpulse score --open`)")


@app.command()
@handle_errors
def rebuild(account: AccountOption = None, db: DbOption = DB_DEFAULT) -> None:
    """Recompute every derived table (ticket KPIs, SLA targets, rollups) from the stored events and responses.

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
    """List the accounts with their ticket, event, survey response and public review counts.

    Example: cxpulse accounts --format json
    """
    from cxpulse.service.accounts import account_overview

    rows = account_overview(Store.open(db))
    cols = ["name", "timezone", "csat_scale", "tickets", "events", "responses", "reviews"]
    print_rows(rows, cols, fmt, title="accounts")


@app.command()
@handle_errors
def settings(
    account: Annotated[str, typer.Argument(help="The account to show or change.")],
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA timezone, e.g. Europe/Vilnius.")] = None,
    business_hours: Annotated[
        str | None,
        typer.Option("--business-hours", help='Working hours in the timezone, e.g. "mon-fri 09:00-17:00"; "none" for none.'),
    ] = None,
    csat_scale: Annotated[str | None, typer.Option("--csat-scale", help="1-5 (satisfied = 4 or 5) or binary.")] = None,
    alert_below: Annotated[
        int | None, typer.Option("--alert-below", help="Alert when an open ticket's score crosses below this (0-100).")
    ] = None,
    min_rated: Annotated[
        int | None, typer.Option("--min-rated", help="Rated tickets an account needs for a model of its own.")
    ] = None,
    ticket_url: Annotated[
        str | None,
        typer.Option("--ticket-url", help='The help desk\'s ticket page, {id} for the id: the dashboard links every '
                                          'ticket there, e.g. "https://acme.zendesk.com/agent/tickets/{id}"; "none" for none.'),
    ] = None,
    long_hold_days: Annotated[
        int | None,
        typer.Option("--long-hold-days", help="The at-risk page lists tickets on hold longer than this many days "
                     "apart, in a tab of their own (default 14)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Show an account's settings, or change them. A new timezone or business hours recomputes
    the account's KPIs at once (their business-hours variants depend on both).

    Example: cxpulse settings acme --timezone Europe/Vilnius --business-hours "mon-fri 09:00-18:00"
    """
    from cxpulse.service.accounts import settings_row, update_settings

    store = Store.open(db)
    change = update_settings(
        store, account, timezone=timezone, business_hours=business_hours, csat_scale=csat_scale,
        alert_below=alert_below, min_rated_for_model=min_rated, ticket_url=ticket_url,
        long_hold_days=long_hold_days,
    )
    print_record(settings_row(change.account), fmt, title=account, label="setting")
    if change.changed:
        err.print(f"changed: {', '.join(change.changed)}"
                  + (f"; KPIs of {change.rebuilt_tickets:,} tickets recomputed" if change.rebuilt_tickets else ""))


SinceOption = Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD (account's local days).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Last day, inclusive, YYYY-MM-DD.")]

OVERVIEW = {  # column -> (metric, how to show it)
    "CSAT %": ("csat", "{value:.1f}±{half:.1f}"),
    "NPS": ("nps", "{value:+.0f}±{half:.0f}"),
    "CES": ("ces", "{value:.2f}"),
    "1st reply": ("first_reply_minutes", "{hours}"),
    "resolve": ("full_resolution_minutes", "{hours}"),
    "solved %": ("resolution_rate", "{value:.1f}"),
    "reopen %": ("reopen_rate", "{value:.1f}"),
}


def overview(rows: list[dict]) -> list[dict]:
    """One line per account with the figures a support lead looks at first."""
    table: dict[str, dict] = {}
    for r in rows:
        name = r["group"].get("account", "all")
        line = table.setdefault(name, {"account": name})
        for col, (metric, shape) in OVERVIEW.items():
            if r["metric"] == metric and r["value"] is not None:
                half = (r["high"] - r["low"]) / 2 if r["low"] is not None else 0.0
                line[col] = shape.format(value=r["value"], half=half, hours=duration(r["value"]))
        if r["metric"] == "csat":
            line["rated"] = r["n"]
    return list(table.values())


@app.command()
@handle_errors
def report(
    metric: Annotated[
        str | None,
        typer.Option("--metric", help="csat, nps, ces, csi, kpi, response-rate, csat-by-kpi, reviews, sla, iqs, qa-agreement, qa-vs-csat, enps or employee (the anonymous employee survey); comma-separated. Default: csat through response-rate."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="One or two of account, agent, group, channel, category, day, week, month (criterion for iqs and qa-agreement; tenure, quarter for enps and employee), e.g. agent,month."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    account: AccountOption = None,
    compare_previous: Annotated[
        bool,
        typer.Option("--compare-previous", help="Change vs the previous period of the same length, and whether it is significant. Without --since/--until: the last 30 days with data."),
    ] = False,
    mystery: Annotated[
        str,
        typer.Option("--mystery", help="The QA metrics (iqs, qa-agreement, qa-vs-csat): exclude (default), only or include the mystery shoppers' reviews."),
    ] = "exclude",
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's answers and tickets (the agent id).")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this group's answers and tickets.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Only this channel's, e.g. email, chat.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category's.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Satisfaction (CSAT, NPS, CES, CSI), service KPIs and response rate, with 95% intervals; quality reviews
    (iqs, qa-agreement, qa-vs-csat) when asked for.

    Example: cxpulse report --metric csat,kpi --by agent,month --since 2026-01-01
    """
    from cxpulse.service.report import ReportQuery, parse_by, parse_metrics
    from cxpulse.service.report import report as run_report

    q = ReportQuery(
        metrics=parse_metrics(metric), by=parse_by(by), since=parse_day(since, "--since"), until=parse_day(until, "--until"),
        account=account, compare_previous=compare_previous, mystery=mystery,
        where=tuple((k, v) for k, v in (("agent", agent), ("group", group), ("channel", channel),
                                        ("category", category)) if v is not None),
    )
    store = Store.open(db)
    rows = run_report(store, q)
    if fmt is OutputFormat.table:  # for a person; JSON and CSV below stay the rows as they are
        from cxpulse.cli.report_table import print_report
        from cxpulse.service.report import report_period

        first, last = report_period(store, q)
        print_report(rows, account=account, by=q.by, since=first, until=last, compare=compare_previous,
                     where=q.where)
        if not rows:
            err.print("no data in this period; `cxpulse accounts` shows what is stored")
        return
    cols = ["metric", "value", "n", "low", "high", "p90", "mean"]
    if any(r["metric"].startswith("qa_vs_csat") for r in rows):
        cols[cols.index("p90"):] = ["csat", "csat_n"]
    for extra in ("quadrant", "kind", "bucket", "attribute", "scale", "criterion"):
        if extra not in q.by and any(extra in r for r in rows):
            cols.insert(1, extra)
    if any("running" in r for r in rows):  # SLA rows: the breached and the still running beside the share met
        cols += ["count", "running"]
    if compare_previous:
        cols += ["previous", "delta", "significant"]
    rounded = _rounded(rows)
    # table and CSV: each --by key is a column of its own
    flat = [{**r["group"], **r, "previous": (r.get("previous") or {}).get("value")} for r in rounded]
    cols = [c for k in q.by for c in ((k, "agent_name") if k == "agent" else (k,))] + cols
    print_rows(flat, cols, fmt, json=rounded)


def _rounded(obj):
    if isinstance(obj, float):
        return round(obj, 3)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    return obj


@app.command()
@handle_errors
def drilldown(
    account: AccountOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option("--limit", help="How many low-rated tickets (or reviews) to list.")] = 15,
    reviews: Annotated[
        bool, typer.Option("--reviews", help="Public reviews instead of rated tickets: the 1–2-star ones and their themes.")
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="With --reviews: one source only, e.g. google-play.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Low ratings: the lowest-rated tickets with comments, and the words and phrases over-represented in them.
    With --reviews, the same for public reviews (1–2 stars against 3–5), in every language.

    Example: cxpulse drilldown --account nordlicht --since 2026-09-01

    Example: cxpulse drilldown --reviews --account nordlicht --source google-play
    """
    from cxpulse.service.drilldown import low_ratings, low_reviews

    if reviews:
        rd = low_reviews(Store.open(db), account=account, since=parse_day(since, "--since"),
                         until=parse_day(until, "--until"), source=source, limit=limit)
        terms = [{"term": t.term, "low": t.low_count, "other": t.other_count, "z": round(t.z, 2)} for t in rd.terms]
        cols = ["account", "source", "score", "language", "given_at", "comment", "reply"]
        print_rows(rd.low, cols, fmt, title=f"{rd.low_rated} reviews of 1–2 stars of {rd.reviews}",
                   json={"low_rated": rd.low_rated, "reviews": rd.reviews, "low": rd.low, "terms": terms},
                   csv_columns=["account", "review_id", "source", "score", "language", "given_at", "comment",
                                "sentiment", "reply", "replied_at"])
        if fmt is OutputFormat.table:
            print_table(terms, ["term", "low", "other", "z"], title="over-represented in 1–2-star reviews")
        return
    if source is not None:
        raise typer.BadParameter("--source goes with --reviews", param_hint="--source")

    d = low_ratings(Store.open(db), account=account, since=parse_day(since, "--since"), until=parse_day(until, "--until"), limit=limit)
    terms = [{"term": t.term, "low": t.low_count, "other": t.other_count, "z": round(t.z, 2)} for t in d.terms]
    print_rows(d.tickets, ["account", "ticket_id", "score", "agent", "channel", "subject", "comment"], fmt,
               title=f"{d.low_rated} low ratings of {d.rated}",
               json={"low_rated": d.low_rated, "rated": d.rated, "tickets": d.tickets, "terms": terms},
               csv_columns=["account", "ticket_id", "score", "scale", "given_at", "agent", "channel", "subject",
                            "comment", "reason"])
    if fmt is OutputFormat.table:  # the terms: a second table, for a person (JSON carries them; CSV is one table)
        print_table(terms, ["term", "low", "other", "z"], title="over-represented in low-rated tickets")


@app.command()
@handle_errors
def demo(
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same help desk.")] = 7,
    tickets: Annotated[int, typer.Option("--tickets", help="How many tickets to generate.")] = 20_000,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Last day of the demo's 12 months, YYYY-MM-DD (default: yesterday, so the open "
                     "tickets are recent when they are scored now). Same seed and end, same data."),
    ] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Build a realistic demo help desk (3 accounts, 12 months, 4 languages), store it, train a model per
    account, score the open tickets, print an overview.

    Example: cxpulse demo --db demo.db --seed 7 --end 2026-10-31
    """
    from datetime import UTC, datetime, timedelta

    from cxpulse.service.demo import run_demo
    from cxpulse.service.report import ReportQuery
    from cxpulse.service.report import report as run_report

    last_day = parse_day(end, "--end") or datetime.now(UTC).date() - timedelta(days=1)
    store = Store.open(db)
    with _progress_bar("generating demo", None, unit="records") as advance:
        s = run_demo(store, seed=seed, tickets=tickets, end=last_day, progress=advance)
    out.print(
        f"demo: {s.accounts} accounts, {s.tickets:,} tickets, {s.events:,} events, {s.responses:,} responses, "
        f"{s.reviews:,} public reviews up to {last_day} in {s.seconds:.1f} s → {db}"
    )
    rows = run_report(store, ReportQuery(metrics=("csat", "nps", "ces", "kpi"), by=("account",)))
    print_table(overview(rows), ["account", "rated", *OVERVIEW], title="overview by account (all 12 months)")
    aucs = ", ".join(f"{name} {auc:.2f}" if auc is not None else f"{name} –" for name, auc in sorted(s.models.items()))
    out.print(f"models (AUC on the newest 20% of rated tickets): {aucs}")
    out.print(f"open tickets scored: {s.open_scored:,}, of which {s.at_risk:,} below their account's alert threshold")
    out.print(f"quality reviews: {s.qa_reviews:,} on the default scorecard by two reviewers and a mystery shopper, "
              "and a review queue per account (cxpulse report --metric iqs,qa-agreement,qa-vs-csat)")
    out.print(f"surveys: {s.surveys} (csat, ces, nps, csi per account) that sent {s.invitations:,} invitations over "
              "the year (cxpulse surveys list); try a survey page: "
              "cxpulse surveys link --account nordlicht --survey csat")
    out.print("next: cxpulse report --by agent --account nordlicht · cxpulse drilldown · cxpulse score --open · "
              "cxpulse alerts · cxpulse report --metric reviews --by source")
    out.print(f"dashboard and API: cxpulse serve --db {db}, then open http://127.0.0.1:8000 and log in with this "
              "demo key (admin: every demo account; shown only now):")
    out.print(s.login_key, soft_wrap=True)


# ---- prediction --------------------------------------------------------------------------

LearnerOption = Annotated[
    str,
    typer.Option(
        "--learner",
        help="auto (default: per account, the best of lgbm, logreg and blend on the newest fifth of the training "
        "tickets), lgbm (gradient-boosted trees), logreg (logistic regression) or blend (the average of the two); "
        "docs/prediction.md compares them.",
    ),
]


def _auc(v) -> str:
    return "" if v is None else f"{v:.3f}"


def _auc_ci(v, low, high) -> str:
    """An AUC with its 95% interval: "0.812 (0.741–0.883)"."""
    if v is None:
        return ""
    return f"{v:.3f}" if low is None or high is None else f"{v:.3f} ({low:.2f}–{high:.2f})"


def _learner(card: dict) -> str:
    """"blend (lgbm 0.781 · logreg 0.792 · blend 0.801)": the choice and each candidate's validation AUC."""
    chosen = card.get("chosen") or card.get("learner", "")
    said = [f"{c['learner']} {c['validation_auc']:.3f}" for c in card.get("candidates") or []
            if c.get("validation_auc") is not None]
    return f"{chosen} ({' · '.join(said)})" if len(said) > 1 else chosen


def _card_line(card: dict) -> dict:
    early = card.get("early_auc") or {}
    lows, highs = card.get("early_auc_low") or {}, card.get("early_auc_high") or {}

    def early_ci(name: str) -> str:
        return _auc_ci(early.get(name), lows.get(name), highs.get(name))

    return {
        "account": card.get("account", ""),
        "version": card.get("version"),
        "scope": card.get("scope", ""),
        "rated": card.get("rated"),
        "n": f"{card['n_train']}/{card['n_test']}" if card.get("n_train") is not None else card.get("n_tickets"),
        "AUC (95% interval)": _auc_ci(card.get("auc"), card.get("auc_low"), card.get("auc_high")),
        "Brier": _auc(card.get("brier")),
        "baseline Brier": _auc(card.get("baseline_brier")),
        "base rate": _auc(card.get("base_rate")),
        "early AUC (before 1st reply)": early_ci("before_first_reply"),
        "early AUC (half-life)": early_ci("half_life"),
        "learner (validation AUC)": _learner(card),
    }


def _say_chance(cards: list[dict]) -> None:
    """Under a table of cards: each one whose AUC is no better than chance, in words."""
    for c in cards:
        if c.get("better_than_chance") is False:
            said = f"{c.get('account', '')}: {c.get('verdict')} — it gives no scores and raises no alerts"
            warn(said)


CARD_COLUMNS = ["account", "version", "scope", "rated", "n", "AUC (95% interval)", "Brier", "baseline Brier", "base rate",
                "early AUC (before 1st reply)", "early AUC (half-life)", "learner (validation AUC)"]


@app.command()
@handle_errors
def train(
    account: AccountOption = None,
    learner: LearnerOption = "auto",
    engine: EngineOption = Engine.default,
    spark_master: SparkMasterOption = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Train a new model version per account and print each model card's figures.

    Accounts with fewer rated tickets than their min_rated_for_model use the model
    trained across all accounts, shifted to their own base rate (scope pooled-shifted).
    An account that fails is named on stderr with the reason; the others are trained and
    stored, and the exit code is 1. When none trained, the error is the command's.

    Example: cxpulse train --account nordlicht --engine spark
    """
    from cxpulse.service.predict import train_accounts

    _check_engine(engine, spark_master)
    store = Store.open(db)
    with _progress_bar("training", None, unit="accounts") as advance:
        if engine is Engine.spark:
            from cxpulse.service.spark import train_on_spark

            run = train_on_spark(store, account, learner=learner, master=spark_master, progress=advance)
        else:
            run = train_accounts(store, account, learner=learner, progress=advance)
    if run.failed and not run.trained:
        _raise_failure(run.failed[0])
    cards = [t.card for t in run.trained]
    print_rows([_card_line(c) for c in cards], CARD_COLUMNS, fmt, json=cards,
               title="trained models (AUC, Brier: time-ordered split, n = train/test of the rated tickets)")
    if fmt is OutputFormat.table:  # what follows is said under the table, for a person
        _say_chance(cards)
        if any(c["scope"] == "pooled-shifted" for c in cards):
            err.print("pooled-shifted: too few rated tickets for an own model; the figures are the pooled model's")
    _say_failed(run.failed, "training")


def _check_engine(engine: Engine, spark_master: str | None) -> None:
    from cxpulse.domain import InvalidQuery

    if spark_master and engine is not Engine.spark:
        raise InvalidQuery("--spark-master names the cluster of --engine spark: add --engine spark, or drop it")


def _raise_failure(failed) -> None:
    """Nothing done: the first failure is the command's error (its own, when it has one)."""
    from cxpulse.domain import CxpulseError, InvalidQuery

    if isinstance(failed.error, CxpulseError):
        raise failed.error
    raise InvalidQuery(f"account {failed.account!r}: {failed.reason}")


def _say_failed(failed: list, what: str) -> None:
    """Each failed account on stderr with its reason, then exit code 1: the others were stored."""
    for f in failed:
        error_line(f"{f.account}: {what} failed — {f.reason}")
    if failed:
        err.print(f"{len(failed)} account(s) failed; the others were stored")
        raise typer.Exit(1)


def _collector_paused(fn):
    """Run `fn` with Python's cyclic garbage collector paused (as it was after): scoring
    100,000 tickets leaves as many rows of small containers, and each collection they set
    off walked every object of the process — about 1 s of `cxpulse score --open`'s 8 s,
    measured. Reference counting still frees them; a cycle waits for the next pass."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        with collector_paused():
            return fn(*args, **kwargs)

    return paused


@app.command()
@handle_errors
@_collector_paused
def score(
    account: AccountOption = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only tickets open at that time.")] = False,
    ticket: Annotated[str | None, typer.Option("--ticket", help="One ticket, by its id in the help desk.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Score as of this time (ISO 8601, UTC unless a zone is given); read-only. Default: now, stored."),
    ] = None,
    engine: EngineOption = Engine.default,
    spark_master: SparkMasterOption = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Predicted satisfaction 0–100 per ticket with its top 3 reasons, lowest first.

    Scoring now stores each prediction and raises an alert when an open ticket drops
    below the account's alert_below; --as-of only reads. With --engine spark, each
    account is scored in a Spark task; one that fails is named on stderr (exit code 1).

    Example: cxpulse score --account nordlicht --open
    """
    from cxpulse.service.predict import no_scores
    from cxpulse.service.predict import score as do_score

    _check_engine(engine, spark_master)
    store = Store.open(db)
    failed: list = []
    if engine is Engine.spark:
        if ticket is not None:
            from cxpulse.domain import InvalidQuery

            raise InvalidQuery("--ticket scores one ticket: drop --engine spark (a Spark job is for whole accounts)")
        from cxpulse.service.spark import score_on_spark

        run = score_on_spark(store, account=account, open_only=open_only, as_of=parse_time(as_of, "--as-of"),
                             master=spark_master)
        rows, failed = run.rows, run.failed
        if failed and not rows:
            _raise_failure(failed[0])
    else:
        rows = do_score(store, account=account, open_only=open_only, ticket=ticket, as_of=parse_time(as_of, "--as-of"))
    unscored = no_scores(store, rows[0]["account"] if ticket is not None and rows else account)
    for line in unscored:  # on stderr, so a JSON or CSV stdout stays what it was
        warn(line)
    if not rows and unscored and fmt is OutputFormat.table:
        return  # the warnings say why there are no scores: no empty table under them
    cols = ["account", "ticket_id", "score", "status", "reasons", "model_version"]
    print_rows(
        lambda: [{**r, "reasons": "; ".join(r["reasons"]), "as_of": r["as_of"].isoformat(timespec="seconds")}
                 for r in rows],
        cols, fmt, json=rows, csv_columns=[*cols, "probability", "as_of"], csv_text=_score_lines(rows),
        title=f"predicted satisfaction as of {rows[0]['as_of'].isoformat(timespec='seconds') if rows else 'now'}",
        empty="no tickets to score" + (" open now" if open_only else ""),
    )
    _say_failed(failed, "scoring")
    leave_now(store.engine)  # the rows of a large batch are not freed one by one on the way out


def _score_lines(rows: list[dict]) -> Iterator[str]:
    """Each scored row's CSV line, as `print_csv` would write it (`render.cell`: the
    probability with one decimal; `render.csv_lines`' quoting), in one f-string per row:
    a tuple of cells per row, joined and scanned again, was half of the serial tail of
    `cxpulse score --open` (measured 0.33 vs 0.19 s CPU at 100,000 rows)."""
    times: dict = {}  # a batch shares one as-of time: said once
    for r in rows:
        at = r["as_of"]
        said = times.get(at)
        if said is None:
            said = times[at] = at.isoformat(timespec="seconds")
        score, version, probability, status = r["score"], r["model_version"], r["probability"], r["status"]
        reasons = "; ".join(r["reasons"])
        if score.__class__ is int and version.__class__ is int and probability.__class__ is float \
                and status.__class__ is str:  # the common types, written as `cell` writes them
            line = f'{r["account"]},{r["ticket_id"]},{score},{status},{reasons},{version},{probability:.1f},{said}\n'
            # no cell needs quoting: the commas are only the separators, no quote, no line break but the last
            if line.count(",") == 7 and '"' not in line and "\r" not in line and line.count("\n") == 1:
                yield line
                continue
        cells = (r["account"], r["ticket_id"], cell(score), cell(status), reasons, cell(version), cell(probability),
                 said)
        yield ",".join(map(csv_field, cells)) + "\n"


@app.command()
@handle_errors
def evaluate(
    account: AccountOption = None,
    learner: LearnerOption = "auto",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Honest quality figures: train on the oldest 80% of rated tickets, test on the newest 20%.

    ROC AUC, Brier score beside the base-rate baseline, a calibration table, and AUC on
    snapshots early in each ticket's life. On ratings that carry no signal, AUC is near 0.5.

    Example: cxpulse evaluate --account nordlicht --format json
    """
    from cxpulse.service.predict import evaluate as do_evaluate
    from cxpulse.service.predict import evaluate_all

    store = Store.open(db)
    results = [do_evaluate(store, account, learner=learner)] if account else evaluate_all(store, learner=learner)
    print_rows([_card_line(r) for r in results], [c for c in CARD_COLUMNS if c != "version"], fmt,
               json=results[0] if account else results,
               title="time-ordered evaluation (n = train/test tickets: every rated ticket is in one)")
    if fmt is not OutputFormat.table:  # what follows is said under the table, for a person
        return
    _say_chance(results)
    for r in results:
        if r.get("calibration"):
            calib = [{"predicted": f"{c['lo']:.1f}–{c['hi']:.1f}", "n": round(c["n"], 1),
                      "mean predicted": f"{c['predicted']:.2f}", "observed": f"{c['observed']:.2f}"}
                     for c in r["calibration"]]
            print_table(calib, ["predicted", "n", "mean predicted", "observed"], title=f"calibration · {r['account']}")


@app.command()
@handle_errors
def alerts(account: AccountOption = None, fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """Early warnings: each time a ticket's predicted score crossed below its account's alert_below.

    Example: cxpulse alerts --account nordlicht --format json
    """
    from cxpulse.service.predict import alerts as list_alerts

    rows = list_alerts(Store.open(db), account)
    flat = [{**r, "reasons": "; ".join(r["reasons"]), "at": r["at"].isoformat(timespec="seconds")} for r in rows]
    print_rows(flat, ["at", "account", "ticket_id", "score", "threshold", "model_version", "reasons"], fmt,
               title="alerts (newest first)", json=rows,
               empty="no alerts; `cxpulse score --open` scores the open tickets and raises them")


app.command("serve")(serve)
app.add_typer(surveys_app, name="surveys")
app.add_typer(keys_app, name="keys")
app.add_typer(qa_app, name="qa")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(connect_app, name="connect")
app.add_typer(sla_app, name="sla")
app.command("connections")(connections)
app.command("sync")(sync)
app.command("disconnect")(disconnect)
