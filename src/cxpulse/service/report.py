"""The report use case: counts from storage, figures from cxpulse.metrics, one row shape.

Every row has `metric`, `group` (the --by keys), `value`, `n`, `low`, `high`; KPI rows
add `p90` and `mean`; with a comparison, `previous`, `delta`, `p_value`, `significant`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from cxpulse import metrics as formulas
from cxpulse.domain import InvalidQuery
from cxpulse.metrics.csat import satisfied_count
from cxpulse.metrics.stats import count_ratio
from cxpulse.domain.sla import TARGET_KINDS
from cxpulse.metrics.facts import KPIS
from cxpulse.service import employee_report, qa_report
from cxpulse.service.employee_report import EMPLOYEE_METRICS, EMPLOYEE_ONLY_BY
from cxpulse.service.qa_report import QA_METRICS, QA_ROWS
from cxpulse.storage import Store
from cxpulse.storage import queries
from cxpulse.storage import reviews as review_store

METRICS = ("csat", "nps", "ces", "csi", "kpi", "response-rate")
EXTRA_METRICS = ("csat-by-kpi", "reviews", "sla", *QA_METRICS, *EMPLOYEE_METRICS)  # asked for by name; QA_METRICS: quality reviews (qa_report.py)
# --metric reviews: the public reviews' figures (metrics/reviews.py, docs/reviews.md)
REVIEW_METRICS = ("reviews", "reviews_positive", "review_sentiment", "review_reply_rate", "review_reply_minutes")
REVIEW_ONLY_BY = ("source", "language")  # keys only reviews have
SLA_METRICS = tuple(f"sla_{kind}" for kind in TARGET_KINDS)  # share of the targets that ended, met
KPI_VALUES = tuple(k.name for k in KPIS if k.unit != "flag")  # the figures summarised; flags are counted
# The KPI rows' metric names (docs/cli.md); a business-hours variant and the customer's
# messages ride on their calendar / agent-side row as an extra key.
KPI_METRICS = tuple(v for v in KPI_VALUES if not v.endswith("_bh_minutes") and v != "customer_messages")
KPI_EXTRAS = {
    "first_reply_minutes": ("business_hours", "first_reply_bh_minutes"),
    "full_resolution_minutes": ("business_hours", "full_resolution_bh_minutes"),
    "requester_wait_minutes": ("business_hours", "requester_wait_bh_minutes"),
    "agent_replies": ("customer_messages", "customer_messages"),
}
RATE_METRICS = ("resolution_rate", "reopen_rate", "one_touch_rate")
DUE_METRICS = ("overdue_rate", "overdue_minutes")  # only for groups with tickets that carry a due time
DEFAULT_COMPARE_DAYS = 30
ROW_ORDER = {m: i for i, m in enumerate(
    ("csat", "nps", "ces", "ces_easy", "csi", "csi_attribute", *KPI_METRICS, *RATE_METRICS, *DUE_METRICS,
     "response_rate", "csat_by_first_reply", "csat_by_reopens", "csat_by_reassignments", "csat_by_due",
     *REVIEW_METRICS, *SLA_METRICS, "csat_by_sla", *QA_ROWS, *EMPLOYEE_METRICS)
)}


@dataclass(frozen=True, slots=True)
class ReportQuery:
    metrics: tuple[str, ...] = METRICS
    by: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    account: str | None = None
    compare_previous: bool = False
    now: datetime | None = None  # when an open ticket's promise is judged (overdue); None: the clock
    mystery: str = "exclude"  # the QA metrics: mystery shoppers' reviews left out, "only" or "include"
    where: tuple[tuple[str, str], ...] = ()  # narrowed to one agent/group/channel/category: (key, value) pairs


def parse_metrics(text: str | None) -> tuple[str, ...]:
    if not text:
        return METRICS
    names = tuple(_ALIASES.get(m.strip(), m.strip()) for m in text.split(",") if m.strip())
    bad = [m for m in names if m not in METRICS + EXTRA_METRICS]
    if bad:
        raise InvalidQuery(f"unknown metric {bad[0]!r}; use {', '.join(METRICS + EXTRA_METRICS)}")
    return names


_ALIASES = {"qa_agreement": "qa-agreement", "qa_vs_csat": "qa-vs-csat"}  # the rows' names, as the issue writes them


def parse_by(text: str | None) -> tuple[str, ...]:
    by = tuple(k.strip() for k in (text or "").split(",") if k.strip())
    if len(by) > 2:
        raise InvalidQuery("--by takes one or two keys, e.g. --by agent,month")
    if any(k in REVIEW_ONLY_BY for k in by):
        review_store.check_review_by(by)
    else:
        # criterion: the QA metrics' own key; tenure, quarter: the employee survey's (employee_report.py)
        queries.check_by([k for k in by if k != qa_report.CRITERION_KEY and k not in EMPLOYEE_ONLY_BY])
    return by


def _check_review_query(q: ReportQuery) -> None:
    """--by source or language groups reviews only; reviews group by their own keys."""
    if any(k in REVIEW_ONLY_BY for k in q.by):
        others = [m for m in q.metrics if m != "reviews"]
        if others:
            raise InvalidQuery(f"--by {','.join(q.by)} groups public reviews only: use --metric reviews, "
                               f"not {others[0]}")
    if q.metrics == ("reviews",):
        review_store.check_review_by(q.by)


# The metrics counted from tickets and survey answers, which know each answer's agent,
# group, channel and category; reviews, QA and the employee survey are narrowed by their own keys.
FILTERABLE = frozenset(METRICS) | {"csat-by-kpi", "sla"}


def _check_where(q: ReportQuery) -> None:
    if not q.where:
        return
    queries.check_where(q.where)
    keys = [k for k, _v in q.where]
    if len(set(keys)) != len(keys):
        raise InvalidQuery(f"filter {keys[0]!r} given twice; give each of agent, group, channel, category once")
    other = [m for m in q.metrics if m not in FILTERABLE]
    if other:
        raise InvalidQuery(f"{other[0]} cannot be narrowed to one {keys[0]}; filters apply to "
                           f"{', '.join(sorted(FILTERABLE))}")


# ---- the use case ----------------------------------------------------------------------


def report(store: Store, query: ReportQuery) -> list[dict]:
    """The report's rows; with compare_previous, each row also carries the previous period."""
    if query.since and query.until and query.since > query.until:
        raise InvalidQuery(f"--since {query.since} is after --until {query.until}")
    _check_review_query(query)
    qa_report.check_query(query.metrics, query.by, query.mystery)
    employee_report.check_query(query.metrics, query.by)
    _check_where(query)
    ids, names = _accounts(store, query.account)
    if query.compare_previous:
        query = _with_period(store, query, ids)
    window = queries.Window(ids, query.since, query.until, query.where)
    if not query.compare_previous:
        return _rows(store, query, window, names)
    length = (query.until - query.since).days + 1
    prev_window = queries.Window(ids, query.since - timedelta(days=length), query.since - timedelta(days=1),
                                 query.where)
    # one period after the other: side by side in two threads was slower with a year of
    # KPIs (the Python half of each holds the GIL), and no faster without
    current = _rows(store, query, window, names)
    previous = {_key(r): r for r in _rows(store, query, prev_window, names)}
    for row in current:
        _attach_change(row, previous.get(_key(row)))
    for row in current:
        row["period"] = {"since": query.since.isoformat(), "until": query.until.isoformat()}
    return current


def filter_choices(store: Store, account: str, since: date, until: date) -> dict[str, list[tuple[str, str]]]:
    """What a view of one account can be narrowed to: (value, label) per agent, group,
    channel and category seen in the period; agents labelled with their names."""
    ids, _names = _accounts(store, account)
    with store.engine.connect() as conn:
        values = queries.dimension_values(conn, queries.Window(ids, since, until))
        names = queries.agent_names(conn) if values["agent"] else {}
    out = {key: [(v, v) for v in vs] for key, vs in values.items()}
    out["agent"] = sorted(((v, names.get(v) or v) for v in values["agent"]), key=lambda p: p[1].casefold())
    return out


def report_period(store: Store, query: ReportQuery) -> tuple[date | None, date | None]:
    """The first and last day a report covers, for a person to read: with --compare-previous
    the period compared (the one given, else the last 30 days with data); otherwise the days
    given, and where --since or --until is not given, the first or last day with data the
    report's metrics read. (None, None) when there is no data at all."""
    ids, _names = _accounts(store, query.account)
    if query.compare_previous:
        q = _with_period(store, query, ids)
        return q.since, q.until
    if query.since is not None and query.until is not None:
        return query.since, query.until
    sources = set()
    if any(m in query.metrics for m in ("csat", "nps", "ces", "csi", "response-rate", "csat-by-kpi")):
        sources.add("surveys")
    if any(m in query.metrics for m in ("kpi", "sla", "csat-by-kpi")):
        sources.add("tickets")
    if "reviews" in query.metrics:
        sources.add("reviews")
    if any(m in QA_METRICS for m in query.metrics):
        sources.add("qa")
    if any(m in EMPLOYEE_METRICS for m in query.metrics):
        sources.add("employee")
    with store.engine.connect() as conn:
        first, last = queries.data_span(conn, queries.Window(ids, query.since, query.until, query.where),
                                        sorted(sources))
    return query.since or first, query.until or last


def _accounts(store: Store, account: str | None) -> tuple[tuple[int, ...] | None, dict[int, str]]:
    accounts = store.accounts()
    names = {a.id: a.name for a in accounts}
    if account is None:
        return None, names
    acc = store.account(account)
    return (acc.id,), names


def _agent_names(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return queries.agent_names(conn)


def _with_period(store: Store, q: ReportQuery, ids) -> ReportQuery:
    """A comparison needs a period: the one given, else the last 30 days that have data."""
    until = q.until
    if until is None:
        with store.engine.connect() as conn:
            latest = queries.latest_response_day(conn, ids, reviews=q.metrics == ("reviews",))
        until = latest if latest is not None else date.today()
    since = q.since or until - timedelta(days=DEFAULT_COMPARE_DAYS - 1)
    return replace(q, since=since, until=until)


def _rows(store: Store, q: ReportQuery, window: queries.Window, names: dict[int, str]) -> list[dict]:
    rows: list[dict] = []
    with store.engine.connect() as conn:
        kinds = [m for m in q.metrics if m in ("csat", "nps", "ces", "csi")]
        counts: list[queries.ScoreCount] = []
        if kinds or "response-rate" in q.metrics:
            counts, _grain = queries.response_counts(conn, by=q.by, window=window)
        if kinds:
            rows += _response_rows(counts, q.metrics, q.by)
        now = q.now or datetime.now(UTC)
        if "kpi" in q.metrics:
            rows += _kpi_rows(conn, q.by, window)
            rows += _due_rows(conn, q.by, window, now)
        if "response-rate" in q.metrics:
            rows += _response_rate_rows(conn, counts, q.by, window)
        if "csat-by-kpi" in q.metrics:
            rows += _bucket_rows(conn, q.by, window, now)
        if "reviews" in q.metrics and all(k in review_store.REVIEW_BY for k in q.by):
            rows += _review_rows(review_store.reviews(conn, by=q.by, window=window), q.by)
        if "sla" in q.metrics:
            rows += _sla_rows(conn, q.by, window, now)
        if any(m in QA_METRICS for m in q.metrics):
            rows += qa_report.qa_rows(conn, metrics=q.metrics, by=q.by, window=window, mystery=q.mystery)
        if any(m in EMPLOYEE_METRICS for m in q.metrics):
            rows += employee_report.employee_rows(conn, metrics=q.metrics, by=q.by, window=window)
    if "agent" in q.by or "qa-vs-csat" in q.metrics:
        agent_names = _agent_names(store)
        for row in rows:
            if "agent" in row["group"]:
                row["agent_name"] = agent_names.get(row["group"]["agent"], "")
    if "account" in q.by:
        for row in rows:
            aid = row["group"]["account"]
            row["group"]["account"] = names.get(int(aid), aid) if aid not in ("", None) else aid
    return sorted(rows, key=lambda r: (q.metrics.index(_family(r["metric"])), tuple(r["group"].values()),
                                       ROW_ORDER[r["metric"]]))


def _family(metric: str) -> str:
    if metric in SLA_METRICS or metric == "csat_by_sla":
        return "sla"
    if metric.startswith("ces"):
        return "ces"
    if metric.startswith("csi"):
        return "csi"
    if metric.startswith("csat_by"):
        return "csat-by-kpi"
    if metric in KPI_METRICS or metric in RATE_METRICS or metric in DUE_METRICS:
        return "kpi"
    if metric == "response_rate":
        return "response-rate"
    if metric in REVIEW_METRICS:
        return "reviews"
    if metric == "iqs_criterion":
        return "iqs"
    if metric.startswith("qa_"):
        return "qa-vs-csat" if metric.startswith("qa_vs_csat") else "qa-agreement"
    return metric


def _row(metric: str, by: Sequence[str], group: tuple, est, **extra) -> dict:
    return {
        "metric": metric,
        "group": dict(zip(by, group)),
        "value": est.value,
        "n": est.n,
        "low": est.low,
        "high": est.high,
        **extra,
    }


# ---- satisfaction figures ---------------------------------------------------------------


def _response_rows(counts: list[queries.ScoreCount], wanted: Sequence[str], by: Sequence[str]) -> list[dict]:
    per: dict[tuple, dict] = defaultdict(
        lambda: {"csat": defaultdict(lambda: defaultdict(int)), "nps": defaultdict(int),
                 "ces": defaultdict(lambda: defaultdict(int)),
                 "csi": defaultdict(lambda: defaultdict(lambda: defaultdict(int)))}
    )
    for c in counts:
        g = per[c.group]
        if c.kind == "csat":
            g["csat"][c.scale][c.score] += c.n
        elif c.kind == "nps":
            g["nps"][c.score] += c.n
        elif c.kind == "ces":
            g["ces"][c.scale][c.score] += c.n
        elif c.kind == "csi":
            g["csi"][c.scale][c.attribute][(c.score, c.importance)] += c.n
    rows = []
    for group, g in per.items():
        if "csat" in wanted and g["csat"]:
            sat = sum(satisfied_count(dict(v), s)[0] for s, v in g["csat"].items())
            rows.append(_row("csat", by, group, formulas.csat_mixed(g["csat"]), satisfied=sat))
        if "nps" in wanted and g["nps"]:
            rows.append(_row("nps", by, group, formulas.nps(g["nps"]), counts=dict(sorted(g["nps"].items()))))
        if "ces" in wanted:
            for scale, cnt in g["ces"].items():
                res = formulas.ces(cnt, scale)
                rows.append(_row("ces", by, group, res.mean, scale=scale, counts=dict(sorted(cnt.items()))))
                rows.append(_row("ces_easy", by, group, res.easy, scale=scale))
        if "csi" in wanted:
            for scale, answers in g["csi"].items():
                res = formulas.csi(answers, scale)
                rows.append(_row("csi", by, group, res.value, scale=scale))
                for a in res.attributes:
                    rows.append(
                        _row("csi_attribute", by, group, a.satisfaction, scale=scale, attribute=a.attribute,
                             importance=a.importance, quadrant=a.quadrant)
                    )
    return rows


# ---- KPIs ------------------------------------------------------------------------------------


def _kpi_rows(conn, by: Sequence[str], window: queries.Window) -> list[dict]:
    columns = queries.kpi_value_columns(conn, by=by, window=window)
    solved_in_period = queries.kpi_counts(conn, by=by, window=window, day_column="solved_day")
    rows = []
    for group in sorted(set(columns) | set(solved_in_period)):
        cols = columns.get(group)
        solved = cols["solved"] if cols else ()
        for name in KPI_METRICS:
            row = {"metric": name, "group": dict(zip(by, group)), **_summary(cols[name] if cols else ())}
            if name in KPI_EXTRAS:
                key, source = KPI_EXTRAS[name]
                extra = _summary(cols[source] if cols else ())
                row[key] = extra if extra["n"] else None  # None: the account sets no business hours
            rows.append(row)
        n_created = len(solved)
        is_solved = np.asarray(solved) > 0  # the columns are float arrays, flags 0/1
        solved_of_created = int(np.count_nonzero(is_solved))
        reopened = int(np.count_nonzero(is_solved & (cols["reopens"] > 0))) if cols else 0
        one_touch = int(np.count_nonzero(is_solved & (cols["one_touch"] > 0))) if cols else 0
        rows.append(_rate("resolution_rate", by, group, solved_in_period.get(group, 0), n_created))
        rows.append(_rate("reopen_rate", by, group, reopened, solved_of_created))
        rows.append(_rate("one_touch_rate", by, group, one_touch, solved_of_created))
    return rows


def _summary(values) -> dict:
    s = formulas.summarize(values)
    return {"value": s.median, "n": s.n, "low": s.low, "high": s.high, "p90": s.p90, "mean": s.mean}


def _rate(metric: str, by, group, k: int, n: int) -> dict:
    """A share in percent with Wilson bounds; resolution can pass 100% (old tickets solved
    now): solved is then no part of created, and its interval is the ratio of two counts'."""
    est = formulas.share(k, n) if k <= n else count_ratio(k, n)
    return {**_row(metric, by, group, est), "p90": None, "mean": est.value, "count": k}


# ---- due dates -------------------------------------------------------------------------------


def _due_rows(conn, by: Sequence[str], window: queries.Window, now: datetime) -> list[dict]:
    """overdue_rate and overdue_minutes of the tickets created in the window with a due time.

    Late: solved after the promise, or still open past it at `now` (lateness so far).
    On time: solved by it. Open with the promise still ahead: not known yet, so outside
    the rate (counted as `pending`).
    """
    late_minutes: dict[tuple, list[float]] = defaultdict(list)
    on_time: dict[tuple, int] = defaultdict(int)
    pending: dict[tuple, int] = defaultdict(int)
    for group, due_at, solved_at in queries.due_rows(conn, by=by, window=window):
        end = solved_at if solved_at is not None else now
        if end > due_at:
            late_minutes[group].append((end - due_at).total_seconds() / 60.0)
        elif solved_at is not None:
            on_time[group] += 1
        else:
            pending[group] += 1
    rows = []
    for group in sorted(set(late_minutes) | set(on_time) | set(pending)):
        late = len(late_minutes[group])
        rate = _rate("overdue_rate", by, group, late, late + on_time[group])
        rate["pending"] = pending[group]
        rows.append(rate)
        rows.append({"metric": "overdue_minutes", "group": dict(zip(by, group)), **_summary(late_minutes[group])})
    return rows


# ---- response rate ---------------------------------------------------------------------------


def _response_rate_rows(conn, counts: list[queries.ScoreCount], by, window: queries.Window) -> list[dict]:
    sent = queries.invitation_counts(conn, by=by, window=window)
    answered: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    csi_by_attr: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in counts:
        if c.kind == "csi":
            csi_by_attr[c.group][c.attribute] += c.n
        else:
            answered[c.group][c.kind] += c.n
    for group, attrs in csi_by_attr.items():
        answered[group]["csi"] = max(attrs.values())  # one survey answers every attribute
    rows = []
    for group, kinds in sent.items():
        for kind, n_sent in kinds.items():
            k = min(answered[group].get(kind, 0), n_sent)
            rows.append(_row("response_rate", by, group, formulas.share(k, n_sent), kind=kind, responses=k))
    return rows


# ---- satisfaction by KPI bucket --------------------------------------------------------------


def _bucket_rows(conn, by, window: queries.Window, now: datetime) -> list[dict]:
    rows = []
    order = {"first_reply": [b for b, _ in queries.FIRST_REPLY_BUCKETS] + ["no reply"], "reopens": ["0", "1", "2+"],
             "reassignments": ["0", "1", "2+"], "due": ["on time", "late"]}
    for bucket, labels in order.items():
        data = queries.csat_by_kpi_bucket(conn, bucket=bucket, by=by, window=window, now=now)
        for group, per_label in data.items():
            for label in labels:
                if label in per_label:
                    rows.append(
                        _row(f"csat_by_{bucket}", by, group, formulas.csat_mixed(per_label[label]), bucket=label)
                    )
    return rows


# ---- public reviews ----------------------------------------------------------------------------


def _review_rows(stored, by: Sequence[str]) -> list[dict]:
    """Per group: mean stars and the share of 4–5 stars, the texts' mean sentiment, and the
    review channel's KPIs — the share of reviews the company answered in public and the
    minutes its replies took (docs/reviews.md)."""
    from cxpulse.sentiment import sentiment

    stars: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    feelings: dict[tuple, list[float]] = defaultdict(list)
    replied: dict[tuple, int] = defaultdict(int)
    waits: dict[tuple, list[float]] = defaultdict(list)
    for rv in stored:
        g = rv.group
        stars[g][rv.score] += 1
        felt = sentiment(rv.comment, rv.language)
        if felt is not None:
            feelings[g].append(felt)
        if rv.reply:
            replied[g] += 1
            if rv.replied_at is not None:
                waits[g].append((rv.replied_at - rv.given_at).total_seconds() / 60.0)
    rows = []
    for g, counts in stars.items():
        rating = formulas.review_rating(counts)
        n = sum(counts.values())
        rows.append(_row("reviews", by, g, rating.stars, scale="1-5", counts=dict(sorted(counts.items()))))
        rows.append(_row("reviews_positive", by, g, rating.positive, count=counts.get(4, 0) + counts.get(5, 0)))
        rows.append(_row("review_sentiment", by, g, formulas.mean_score(feelings[g]), scored=len(feelings[g])))
        rows.append(_row("review_reply_rate", by, g, formulas.reply_rate(replied[g], n), count=replied[g]))
        s = formulas.reply_minutes(waits[g])
        rows.append({"metric": "review_reply_minutes", "group": dict(zip(by, g)), "value": s.median, "n": s.n,
                     "low": s.low, "high": s.high, "p90": s.p90, "mean": s.mean})
    return rows


# ---- SLA targets ------------------------------------------------------------------------------


def _sla_rows(conn, by, window: queries.Window, now: datetime) -> list[dict]:
    """One row per group and target kind: the share of the targets that ended which were met
    (Wilson interval), `n` those that ended, `count` the breached, `running` those still
    running; then csat_by_sla, CSAT of tickets with every target met against those with a breach.

    A running target past its deadline at `now` is breached: the clock has reached it."""
    met: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    breached: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    running: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group, kind, status, deadline in queries.sla_target_rows(conn, by=by, window=window):
        if status == "met":
            met[group][kind] += 1
        elif status == "breached" or (deadline is not None and deadline <= now):
            breached[group][kind] += 1
        else:
            running[group][kind] += 1
    rows = []
    for group in sorted(set(met) | set(breached) | set(running)):
        for kind in TARGET_KINDS:
            k, b, r = met[group][kind], breached[group][kind], running[group][kind]
            if k + b + r == 0:
                continue
            est = formulas.share(k, k + b)
            rows.append({**_row(f"sla_{kind}", by, group, est), "p90": None, "mean": est.value, "count": b,
                         "met": k, "running": r})
    for group, per_label in queries.csat_by_sla(conn, by=by, window=window, now=now).items():
        for label in ("met", "breached"):
            if label in per_label:
                rows.append(_row("csat_by_sla", by, group, formulas.csat_mixed(per_label[label]), bucket=label))
    return rows


# ---- comparison ------------------------------------------------------------------------------


def _key(row: dict) -> tuple:
    return (row["metric"], tuple(row["group"].items()), row.get("scale"), row.get("attribute"),
            row.get("kind"), row.get("bucket"), row.get("criterion"))


def _attach_change(row: dict, prev: dict | None) -> None:
    row["previous"] = None if prev is None else {k: prev[k] for k in ("value", "n", "low", "high")}
    if prev is None or row["value"] is None or prev["value"] is None:
        row.update(delta=None, p_value=None, significant=None)
        return
    row["delta"] = row["value"] - prev["value"]
    change = _test(row, prev)
    row["p_value"] = change.p_value if change else None
    row["significant"] = change.significant if change else None


def _test(row: dict, prev: dict) -> formulas.Change | None:
    """The significance test DESIGN.md names for each figure; None where none applies."""
    m = row["metric"]
    if m in SLA_METRICS:
        return formulas.compare_shares(prev["met"], prev["n"], row["met"], row["n"])
    if m == "csat" or m.startswith("csat_by"):
        return formulas.compare_shares(prev.get("satisfied", _succ(prev)), prev["n"], row.get("satisfied", _succ(row)), row["n"])
    if m in ("ces_easy", "response_rate", "overdue_rate", "reviews_positive", "review_reply_rate") or m in RATE_METRICS:
        if _succ(prev) > prev["n"] or _succ(row) > row["n"]:
            return None
        return formulas.compare_shares(_succ(prev), prev["n"], _succ(row), row["n"])
    if m == "nps":
        return formulas.compare_nps(prev["counts"], row["counts"])
    if m in ("ces", "reviews"):
        return formulas.compare_means(prev["counts"], row["counts"], scale=row["scale"])
    return None


def _succ(row: dict) -> int:
    if "count" in row:
        return row["count"]
    if "responses" in row:
        return row["responses"]
    return round((row["value"] or 0) * row["n"] / 100)


def rounded(obj):
    """Floats to 3 decimals, all the way down: the JSON `cxpulse report --format json`
    prints and `GET /api/v1/metrics` answers."""
    if isinstance(obj, float):
        return round(obj, 3)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj
