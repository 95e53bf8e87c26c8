"""The Python face for notebooks and scripts: `open_store` and the `Pulse` handle it returns.

Each method is a thin wrapper over one service use case — the same function the CLI
command of the same name calls — so a notebook and `cxpulse report` give the same rows.
What comes back is plain data (dicts, lists of dicts), or a pandas DataFrame where asked
for; what goes wrong is raised as the project's own errors (`cxpulse.CxpulseError` and
its subclasses in `cxpulse.domain.errors`), each saying what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cxpulse.domain import InvalidQuery
from cxpulse.storage import Store


def open_store(path_or_url: str | Path) -> Pulse:
    """Open (or create) a cxpulse database: a file path for SQLite, a `postgresql://` URL
    for PostgreSQL. Its schema is brought up to date, as every command does."""
    return Pulse(Store.open(path_or_url))


class Pulse:
    """One open database, with the use cases as methods. Make it with `open_store`;
    `close()` (or a `with` block) lets go of its connections."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"<cxpulse.Pulse {self.store.engine.url.render_as_string(hide_password=True)}>"

    def __enter__(self) -> Pulse:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.store.engine.dispose()

    # ---- data in --------------------------------------------------------------------------

    def import_file(
        self,
        fmt: str,
        path: str | Path,
        *,
        account: str = "default",
        mapping: str | Path | None = None,
        rejects_path: str | Path | None = None,
    ) -> dict:
        """`cxpulse import FORMAT PATH`: a jsonl file, a zendesk export directory or a csv
        file with its TOML mapping. Returns the import summary (`cxpulse import --format json`)."""
        from cxpulse.service.imports import import_path

        summary = import_path(self.store, fmt, path, account=account, mapping=mapping, rejects_path=rejects_path)
        return summary.as_dict()

    def import_records(self, kind: str, records: Sequence[dict], *, account: str = "default") -> dict:
        """Store records of one kind (tickets, events, ratings, responses, users), each a
        JSON Lines line without `type` — what the API's batch takes — and refresh what they
        touched before returning. Returns the batch result: counts and per-record errors."""
        from cxpulse.service.ingest import KINDS, ingest_batch

        if kind not in KINDS:
            raise InvalidQuery(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        return ingest_batch(self.store, account, kind, list(records), wait=True).as_dict()

    # ---- figures out ----------------------------------------------------------------------

    def accounts(self) -> list[dict]:
        """`cxpulse accounts`: each account with its settings and how many rows it holds."""
        from cxpulse.service.accounts import account_overview

        return account_overview(self.store)

    def report(
        self,
        metric: str | Iterable[str] | None = None,
        *,
        by: str | Iterable[str] | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        account: str | None = None,
        compare_previous: bool = False,
        frame: bool = False,
    ) -> list[dict] | Any:  # Any: a pandas DataFrame, pandas being optional
        """`cxpulse report`: one dict per figure (`metric`, `group`, `value`, `n`, `low`,
        `high`, …, as `--format json` prints them, unrounded). With `frame=True`, a pandas
        DataFrame with one row per figure and each `by` key a column of its own."""
        from cxpulse.service.report import ReportQuery, parse_by, parse_metrics
        from cxpulse.service.report import report as run_report

        query = ReportQuery(
            metrics=parse_metrics(_joined(metric)), by=parse_by(_joined(by)), since=_day(since, "since"),
            until=_day(until, "until"), account=account, compare_previous=compare_previous,
        )
        rows = run_report(self.store, query)
        return _frame(rows, query.by) if frame else rows

    # ---- the model ------------------------------------------------------------------------

    def train(self, account: str | None = None, *, learner: str = "auto") -> list[dict]:
        """`cxpulse train`: a new model version per account (or this one); returns each
        model's card (its figures on the newest 20% of the rated tickets)."""
        from cxpulse.service.predict import train

        return [t.card for t in train(self.store, account, learner=learner)]

    def evaluate(self, account: str | None = None, *, learner: str = "auto") -> dict | list[dict]:
        """`cxpulse evaluate`: the time-ordered evaluation of this account (a dict), or of
        every account (a list); nothing is stored."""
        from cxpulse.service.predict import evaluate, evaluate_all

        if account is not None:
            return evaluate(self.store, account, learner=learner)
        return evaluate_all(self.store, learner=learner)

    def score(
        self,
        account: str | None = None,
        *,
        open_only: bool = False,
        ticket: str | None = None,
        as_of: datetime | str | None = None,
    ) -> list[dict]:
        """`cxpulse score`: tickets scored 0–100 with 3 reasons, lowest first. Scoring now
        stores the predictions and raises alerts; `as_of` (a time, UTC unless it has an
        offset) only reads."""
        from cxpulse.service.predict import score

        return score(self.store, account=account, open_only=open_only, ticket=ticket, as_of=_time(as_of))


def _joined(value: str | Iterable[str] | None) -> str | None:
    """`"csat,nps"` and `["csat", "nps"]` alike: the CLI's comma-separated text."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def _day(value: date | str | None, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"{name}={value!r} is not a date: give a date or YYYY-MM-DD text") from None


def _time(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"as_of={value!r} is not a time: give a datetime or ISO 8601 text") from None


def _frame(rows: list[dict], by: Sequence[str]) -> Any:
    """The rows as a DataFrame, each `by` key a column (as the CLI's table and CSV show them)."""
    try:
        import pandas as pd
    except ImportError:
        raise InvalidQuery(
            "frame=True needs pandas, which is not installed: `pip install pandas`, "
            "or leave frame out for the rows as plain dicts"
        ) from None
    flat: list[dict[str, Any]] = [{**r["group"], **{k: v for k, v in r.items() if k != "group"}} for r in rows]
    return pd.DataFrame.from_records(flat, columns=_columns(flat, by))


def _columns(flat: list[dict], by: Sequence[str]) -> list[str]:
    """The `by` keys first, then every other key in the order it first appears."""
    seen = dict.fromkeys(by)
    for row in flat:
        seen.update(dict.fromkeys(row))
    return list(seen)
