"""`cxpulse report --format table`: the report's rows as a person reads them.

The JSON and CSV print the rows as they are (the contract, docs/cli.md); this module only
shapes the table:
- every figure reads in its unit: 25.2 h, 42 min, 3.1 d for a duration
  (`cxpulse.durations`), 86.4% for a share, +37 for an NPS;
- a table shows only the columns that have a value in some row;
- rows of one group (no --by) are one figure per line, with its 95% interval and n;
  rows by agent, month, … are one line per group with the figures as columns, one table
  per family of figures (satisfaction, service KPIs, …), agents named;
- with --compare-previous, both periods with their dates and n, the change, its p-value
  and what it means — better, worse, no significant change — by the metric's direction
  (`cxpulse.metrics.direction`, shared with the dashboard).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rich.table import Table

from cxpulse.cli.render import out, plain
from cxpulse.durations import duration, number
from cxpulse.metrics.direction import MIN_COMPARE_N, verdict

BLANK = ""


@dataclass(frozen=True, slots=True)
class Spec:
    """How one report metric reads: its label, the kind of figure, the table it goes in
    when rows are by group, and its n column there (None: none; "own": "<label> n";
    another text: that column, filled from this metric's n)."""

    label: str
    kind: str  # percent | nps | mean | score | minutes | count | ratio
    section: str
    n: str | None = None


SATISFACTION, CSI_ATTRIBUTES, SERVICE = "satisfaction", "CSI attributes", "service KPIs"
RESPONSES, BY_KPI, REVIEWS, SLA = "response rate", "CSAT by KPI", "public reviews", "SLA targets met"
QUALITY, QA_VS_CSAT, EMPLOYEE = "quality reviews", "quality vs CSAT", "employee survey"

SPECS: dict[str, Spec] = {
    "csat": Spec("CSAT", "percent", SATISFACTION, "own"),
    "nps": Spec("NPS", "nps", SATISFACTION, "own"),
    "ces": Spec("CES", "mean", SATISFACTION, "own"),
    "ces_easy": Spec("CES easy", "percent", SATISFACTION),
    "csi": Spec("CSI", "score", SATISFACTION, "own"),
    "csi_attribute": Spec("CSI", "score", CSI_ATTRIBUTES),
    "first_reply_minutes": Spec("1st reply", "minutes", SERVICE),
    "full_resolution_minutes": Spec("resolution", "minutes", SERVICE),
    "requester_wait_minutes": Spec("customer wait", "minutes", SERVICE),
    "agent_replies": Spec("replies", "count", SERVICE),
    "reopens": Spec("reopens", "count", SERVICE),
    "reassignments": Spec("reassigned", "count", SERVICE),
    "group_transfers": Spec("transfers", "count", SERVICE),
    "resolution_rate": Spec("resolved", "percent", SERVICE, "tickets"),
    "reopen_rate": Spec("reopened", "percent", SERVICE),
    "one_touch_rate": Spec("one-touch", "percent", SERVICE),
    "overdue_rate": Spec("overdue", "percent", SERVICE),
    "overdue_minutes": Spec("overdue by", "minutes", SERVICE),
    "response_rate": Spec("response rate", "percent", RESPONSES, "own"),
    "csat_by_first_reply": Spec("CSAT by 1st reply", "percent", BY_KPI),
    "csat_by_reopens": Spec("CSAT by reopens", "percent", BY_KPI),
    "csat_by_reassignments": Spec("CSAT by reassignments", "percent", BY_KPI),
    "csat_by_due": Spec("CSAT by due time", "percent", BY_KPI),
    "reviews": Spec("stars", "mean", REVIEWS, "reviews"),
    "reviews_positive": Spec("4–5 stars", "percent", REVIEWS),
    "review_sentiment": Spec("sentiment", "ratio", REVIEWS),
    "review_reply_rate": Spec("replied", "percent", REVIEWS),
    "review_reply_minutes": Spec("reply time", "minutes", REVIEWS),
    "sla_first_reply": Spec("1st reply", "percent", SLA, "own"),
    "sla_next_reply": Spec("next reply", "percent", SLA, "own"),
    "sla_resolution": Spec("resolution", "percent", SLA, "own"),
    "sla_requester_wait": Spec("customer wait", "percent", SLA, "own"),
    "csat_by_sla": Spec("CSAT, SLA targets", "percent", SLA),
    "iqs": Spec("IQS", "score", QUALITY, "own"),
    "iqs_criterion": Spec("IQS", "score", QUALITY),
    "qa_agreement": Spec("agreement", "ratio", QUALITY),
    "qa_vs_csat": Spec("IQS", "score", QA_VS_CSAT, "own"),
    "qa_vs_csat_correlation": Spec("IQS–CSAT correlation", "ratio", QA_VS_CSAT, "own"),
    "enps": Spec("eNPS", "nps", EMPLOYEE, "own"),
    "employee": Spec("employee", "mean", EMPLOYEE),
}
SUMMARY_KINDS = ("minutes", "count")  # rows that carry p90 and mean: a median of values
SECTION_TITLES = {  # by group, what the table's cells are
    SERVICE: "service KPIs: times are medians, replies to transfers are means per ticket; tickets created",
    RESPONSES: "response rate: answered of sent, per survey",
    SLA: "SLA targets met: share of the targets that ended; n ended",
}
QUALIFIED_ONLY = (CSI_ATTRIBUTES, RESPONSES)  # by group, their columns are named by the qualifier alone
NONE = "(none)"  # a group whose key is empty: tickets with no agent, no group, …
NAMED_KEYS = {"agent": "agent_name"}  # a --by key whose rows carry a name beside the id


def spec(metric: str) -> Spec:
    """The metric's Spec; one this module does not know reads as a plain number, on its own."""
    return SPECS.get(metric, Spec(metric, "ratio", metric))


# ---- one figure as text ----------------------------------------------------------------------


def _signed(v: float, digits: int) -> str:
    text = f"{abs(v):.{digits}f}"
    if float(text) == 0:
        return text
    return ("+" if v > 0 else "-") + text


FIGURE: dict[str, Callable[[float], str]] = {
    "percent": lambda v: f"{v:.1f}%",
    "nps": lambda v: _signed(v, 0),
    "mean": lambda v: f"{v:.2f}",
    "score": lambda v: f"{v:.1f}",
    "minutes": duration,
    "count": number,
    "ratio": lambda v: f"{v:.2f}",
}


def figure(kind: str, value: float | None) -> str:
    """A value in its unit: 86.4%, +37, 5.14, 25 h, 1.5; blank when there is none.

    >>> figure("minutes", 1514.6), figure("minutes", 42), figure("percent", 86.42), figure("nps", -6.4)
    ('25 h', '42 min', '86.4%', '-6')
    """
    if value is None:
        return BLANK
    return FIGURE[kind](value)


def interval(kind: str, low: float | None, high: float | None) -> str:
    """The 95% interval in the figure's unit, its unit said once: "82.2–89.7%", "24–28 h",
    "59 min–1.2 h"; "-6 to +40" when a bound is negative; blank without one.

    >>> interval("minutes", 1440, 1680), interval("percent", 82.2, 89.7), interval("nps", -6.1, 40.1)
    ('24–28 h', '82.2–89.7%', '-6 to +40')
    """
    if low is None or high is None:
        return BLANK
    lo, hi = figure(kind, low), figure(kind, high)
    if kind == "nps" or low < 0:
        return f"{lo} to {hi}"
    for unit in (" min", " h", " d", "%"):
        if lo.endswith(unit) and hi.endswith(unit):
            return f"{lo[: -len(unit)]}–{hi}"
    return f"{lo}–{hi}"


def change(kind: str, delta: float | None) -> str:
    """current − previous, its sign always shown: +2.1 pts, -12 min, +0.12; blank without one.

    >>> change("percent", 2.06), change("minutes", -75), change("mean", 0.0)
    ('+2.1 pts', '-1.2 h', '0.00')
    """
    if delta is None:
        return BLANK
    if kind == "minutes":
        text = duration(delta)
        return text if round(delta) == 0 else ("+" if delta > 0 else "-") + text
    digits = {"percent": 1, "nps": 0, "mean": 2, "score": 1, "count": 1, "ratio": 2}[kind]
    unit = " pts" if kind in ("percent", "nps", "score") else ""
    return _signed(delta, digits) + unit


def p_value(p: float | None) -> str:
    """0.012, < 0.001; blank when no test applies."""
    if p is None:
        return BLANK
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def count(n: int | float | None) -> str:
    return BLANK if n is None else f"{n:,.0f}"


# ---- which figure a row is -------------------------------------------------------------------


def qualifier(row: dict) -> str:
    """What tells rows of one metric apart within a group: the CSI attribute, the survey a
    response rate is of, the KPI bucket, the QA criterion, the employee question, the CES scale;
    never a --by key, which has a column of its own."""
    for key in ("attribute", "kind", "bucket"):
        if row.get(key) not in (None, "") and key not in row["group"]:
            return str(row[key])
    if row.get("criterion") not in (None, "") and "criterion" not in row["group"]:
        return str(row.get("label") or row["criterion"])
    if row.get("question") not in (None, "") and "question" not in row["group"]:
        return str(row.get("label") or row["question"])
    if row["metric"] in ("ces", "ces_easy") and row.get("scale"):
        return str(row["scale"])
    return BLANK


def label(row: dict) -> str:
    """The figure's name in a table: "CSAT", "CSI · speed", "response rate · nps", "CES · 1-7"."""
    s, q = spec(row["metric"]), qualifier(row)
    if row["metric"] == "employee" and q:
        return q
    if q and row["metric"] in ("ces", "ces_easy"):
        return f"{s.label} ({q})"
    return f"{s.label} · {q}" if q else s.label


def column_label(row: dict) -> str:
    """The figure's column in a table by group, where the table's title names the family:
    "competence" under CSI attributes, "csat" under response rate."""
    if spec(row["metric"]).section in QUALIFIED_ONLY and qualifier(row):
        return qualifier(row)
    return label(row)


def note(row: dict) -> str:
    """What else a row says, in words: a CSI quadrant, the SLA targets breached and running,
    a rate's count, the business-hours median, the agreement's reviewers."""
    m, said = row["metric"], []
    if row.get("quadrant"):
        said.append(str(row["quadrant"]))
    if m.startswith("sla_"):
        said.append(f"breached {count(row.get('count'))}, running {count(row.get('running'))}")
    elif m == "response_rate":
        said.append(f"answered {count(row.get('responses'))} of {count(row['n'])} sent")
    elif "count" in row and spec(m).kind == "percent" and row.get("count") is not None:
        said.append(f"{count(row['count'])} of {count(row['n'])}")
    if row.get("pending"):
        said.append(f"{count(row['pending'])} not due yet")
    hours = row.get("business_hours")
    if isinstance(hours, dict) and hours.get("value") is not None:
        said.append(f"in business hours {duration(hours['value'])}")
    messages = row.get("customer_messages")
    if isinstance(messages, dict) and messages.get("value") is not None:
        said.append(f"customer messages {number(messages['value'])}")
    if m == "qa_agreement" and row.get("reviewers") is not None:
        said.append(f"{row.get('level', '')} · {count(row.get('tickets'))} tickets, "
                    f"{count(row.get('reviewers'))} reviewers".strip(" ·"))
    if row.get("critical"):
        said.append("critical")
    return "; ".join(said)


# ---- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    right: bool = False  # numbers align right


def nonempty(columns: Sequence[Column], rows: Sequence[dict]) -> list[Column]:
    """The columns with a value in some row: a column blank all the way down says nothing.

    >>> [c.key for c in nonempty([Column("a", "a"), Column("b", "b")], [{"a": "1", "b": ""}, {"a": ""}])]
    ['a']
    """
    return [c for c in columns if any(r.get(c.key) not in (None, BLANK) for r in rows)]


def show(title: str | None, columns: Sequence[Column], rows: Sequence[dict]) -> None:
    """One table of text cells, blank columns left out, every cell printed literally."""
    table = Table(title=plain(title) if title is not None else None)
    shown = nonempty(columns, rows)
    for c in shown:
        table.add_column(plain(c.header), justify="right" if c.right else "left")
    for r in rows:
        table.add_row(*(plain(r.get(c.key) or BLANK) for c in shown))
    out.print(table)


def group_columns(keys: Sequence[str]) -> list[Column]:
    """The --by keys as columns; an agent by name first, then the id (two agents may share a name)."""
    cols = []
    for k in keys:
        if k in NAMED_KEYS:
            cols += [Column(f"group:{NAMED_KEYS[k]}", k), Column(f"group:{k}", f"{k} id")]
        else:
            cols.append(Column(f"group:{k}", k))
    return cols


def group_cells(row: dict) -> dict:
    cells = {f"group:{k}": str(v) if v not in (None, "") else NONE for k, v in row["group"].items()}
    for k, name_key in NAMED_KEYS.items():
        if k in row["group"]:
            cells[f"group:{name_key}"] = str(row.get(name_key) or row["group"][k] or NONE)
    return cells


def one_group_table(rows: Sequence[dict]) -> None:
    """Rows of one group: a line per figure, with its interval, n and, for the medians, p90 and mean."""
    lines = []
    for r in rows:
        kind = spec(r["metric"]).kind
        summary = kind in SUMMARY_KINDS
        lines.append({
            "metric": label(r), "value": figure(kind, r["value"]), "interval": interval(kind, r["low"], r["high"]),
            "n": count(r["n"]), "p90": figure(kind, r.get("p90")) if summary else BLANK,
            "mean": figure(kind, r.get("mean")) if summary else BLANK, "note": note(r),
        })
    show(None, [Column("metric", "metric"), Column("value", "value", True), Column("interval", "95% interval", True),
                 Column("n", "n", True), Column("p90", "p90", True), Column("mean", "mean", True),
                 Column("note", "note")], lines)


def by_group_tables(rows: Sequence[dict]) -> None:
    """Rows by group: per family of figures, a table with a line per group and a column per
    figure ("86.4% (82.2–89.7%)") and its n where the figures' n differ."""
    sections: dict[str, list[dict]] = {}
    for r in rows:
        sections.setdefault(spec(r["metric"]).section, []).append(r)
    for section, section_rows in sections.items():
        keys = list(dict.fromkeys(k for r in section_rows for k in r["group"]))
        columns: dict[str, Column] = {c.key: c for c in group_columns(keys)}
        lines: dict[tuple, dict] = {}
        for r in section_rows:
            s = spec(r["metric"])
            line = lines.setdefault(tuple(r["group"].items()), group_cells(r))
            key = column_label(r)
            if s.kind in SUMMARY_KINDS:  # by group, a median alone (a count: its mean); intervals: one group or JSON
                value = r.get("mean") if s.kind == "count" else r["value"]
                columns.setdefault(key, Column(key, key, True))
                line[key] = figure(s.kind, value)
                continue
            columns.setdefault(key, Column(key, key, True))
            line[key] = _with_interval(s.kind, r["value"], r["low"], r["high"])
            if s.n is not None:
                n_key = (f"{key} sent" if section == RESPONSES else f"{key} n") if s.n == "own" else s.n
                columns.setdefault(n_key, Column(n_key, n_key, True))
                line[n_key] = count(r["n"])
            if r["metric"] == "qa_vs_csat":  # the agent's CSAT beside the agent's IQS
                for k, text in (("CSAT", figure("percent", r.get("csat"))), ("CSAT n", count(r.get("csat_n")))):
                    columns.setdefault(k, Column(k, k, True))
                    line[k] = text
        shared = {spec(r["metric"]).n for r in section_rows} - {None, "own"}  # one n for the table: beside the groups
        ordered = sorted(columns.values(), key=lambda c: 0 if c.key.startswith("group:") else 1 if c.key in shared else 2)
        show(SECTION_TITLES.get(section, section), ordered, list(lines.values()))


def compare_table(rows: Sequence[dict], since: date, until: date) -> None:
    """Each figure in this period and the one before, with their dates and n, the change,
    its p-value and what it means: better, worse, no significant change (or why nothing is claimed)."""
    length = (until - since).days + 1
    before = (since - timedelta(days=length), since - timedelta(days=1))
    keys = list(dict.fromkeys(k for r in rows for k in r["group"]))
    lines = []
    for r in rows:
        kind, prev = spec(r["metric"]).kind, r.get("previous") or {}
        lines.append({
            **group_cells(r), "metric": label(r),
            "now": _with_interval(kind, r["value"], r["low"], r["high"]), "now_n": count(r["n"]),
            "before": _with_interval(kind, prev.get("value"), prev.get("low"), prev.get("high")),
            "before_n": count(prev.get("n")),
            "change": change(kind, r.get("delta")), "p": p_value(r.get("p_value")),
            "verdict": verdict(r["metric"], delta=r.get("delta"), p_value=r.get("p_value"),
                               significant=r.get("significant"), n_previous=prev.get("n"), n_current=r["n"]),
        })
    show(None, [*group_columns(keys), Column("metric", "metric"),
                 Column("now", f"{since} – {until}", True), Column("now_n", "n", True),
                 Column("before", f"{before[0]} – {before[1]}", True), Column("before_n", "n", True),
                 Column("change", "change", True), Column("p", "p", True), Column("verdict", "verdict")], lines)


def _with_interval(kind: str, value, low, high) -> str:
    cell, span = figure(kind, value), interval(kind, low, high)
    return f"{cell} ({span})" if cell and span else cell


COMPARE_NOTE = (f"better / worse: a change significant at p < 0.05, in the direction that is better or worse for "
                f"that figure; nothing is claimed when either period has fewer than {MIN_COMPARE_N} answers "
                "(tickets, for the KPIs); the KPIs' medians and CSI have no test.")


def title(account: str | None, by: Sequence[str], since: date | None, until: date | None,
          where: Sequence[tuple[str, str]] = ()) -> str:
    """"cxpulse report · nordlicht · channel email · 2026-11-07 – 2026-12-06 · by agent"."""
    if since is not None and until is not None:
        span = f"{since} – {until}"
    else:  # no data in the period: say which bound was asked for
        span = f"from {since}: no data" if since else f"up to {until}: no data" if until else "no data"
    narrowed = "".join(f" · {key} {value or NONE}" for key, value in where)
    return f"cxpulse report · {account or 'all accounts'}{narrowed} · {span}" + (f" · by {','.join(by)}" if by else "")


def print_report(rows: Sequence[dict], *, account: str | None, by: Sequence[str], since: date | None,
                 until: date | None, compare: bool, where: Sequence[tuple[str, str]] = ()) -> None:
    """The report's rows as tables for a person (the layouts in this module's docstring)."""
    # the heading on a line of its own: as a table's title it would wrap over a narrow table
    out.print(plain(title(account, by, since, until, where)), style="bold", soft_wrap=True)
    if not rows:
        return
    if compare and since is not None and until is not None:
        compare_table(rows, since, until)
        out.print(plain(COMPARE_NOTE), style="dim", soft_wrap=True)
        return
    alone = [r for r in rows if not r["group"]]
    grouped = [r for r in rows if r["group"]]
    if alone or not grouped:
        one_group_table(alone)
    if grouped:
        by_group_tables(grouped)
