"""The employee-survey rows of `cxpulse report` (issue 17 §1) and GET /api/v1/metrics.

- `enps`: % promoters (9–10) − % detractors (0–6) of "How likely are you to recommend working
  in this team?", with the NPS interval (metrics/nps.py);
- `employee`: the mean of each 1–5 process question with its t-interval (`question`, `label`).

--by takes account, group, tenure, month and quarter. Every answer is placed at the start of
its round (month or quarter), so no slice is finer than a round. Within each round, a cell
with fewer than 5 answers shows no figure and no n, only `note: "fewer than 5 answers"`; so
does any cell that would let a hidden one be worked out by subtraction
(surveys.employee.hidden_cells). A figure over several rounds adds up only the rounds in
which its cell was shown (and says so in `note`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from cxpulse.domain import InvalidQuery
from cxpulse.metrics.nps import nps
from cxpulse.service.employee import question_text
from cxpulse.metrics.stats import moments_from_counts, t_estimate
from cxpulse.storage import employee as stored
from cxpulse.storage import queries
from cxpulse.surveys.employee import FEWER, MIN_CELL, hidden_cells, round_start

EMPLOYEE_METRICS = ("enps", "employee")
EMPLOYEE_BY = ("account", "group", "tenure", "month", "quarter")
EMPLOYEE_ONLY_BY = ("tenure", "quarter")
LEFT_OUT = "rounds in which this group had fewer than 5 answers are left out"


def check_query(metrics: Sequence[str], by: Sequence[str]) -> None:
    """--by keys the employee rows understand; tenure and quarter with the employee metrics only."""
    mine = [m for m in metrics if m in EMPLOYEE_METRICS]
    if mine:
        bad = [k for k in by if k not in EMPLOYEE_BY]
        if bad:
            raise InvalidQuery(f"--by {bad[0]} does not group employee answers (anonymous: no agent, no ticket); "
                               f"use {', '.join(EMPLOYEE_BY)}")
    only = [k for k in by if k in EMPLOYEE_ONLY_BY]
    others = [m for m in metrics if m not in EMPLOYEE_METRICS]
    if only and others:
        raise InvalidQuery(f"--by {only[0]} groups employee answers only: use --metric enps or employee, "
                           f"not {others[0]}")


def _key(a: stored.AnswerRow, account: int, key: str) -> str:
    if key == "account":
        return str(account)
    if key == "group":
        return a.group_name
    if key == "tenure":
        return a.tenure
    start = round_start(a.period)
    if key == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _cells(conn, by: Sequence[str], window: queries.Window):
    """(answers per shown cell, the note of each wholly hidden cell, the notes of cells with a hidden round).

    The grid is worked out per round: within one round, the cells and the ones that would
    reveal them are hidden (hidden_cells); a figure over several rounds adds up only the
    cells its rounds showed. So a figure never includes a hidden cell, and comparing two
    windows cannot isolate one.
    """
    rounds: dict[str, dict[tuple[str, ...], list[stored.AnswerRow]]] = defaultdict(lambda: defaultdict(list))
    for account_id, a in stored.answers_by_account(conn, window.account_ids):
        start = round_start(a.period)
        if (window.since and start < window.since.replace(day=1)) or (window.until and start > window.until):
            continue
        rounds[f"{account_id}/{a.period}"][tuple(_key(a, account_id, k) for k in by)].append(a)
    cells: dict[tuple[str, ...], list[stored.AnswerRow]] = defaultdict(list)
    notes: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for grid in rounds.values():
        hidden_here = hidden_cells({c: len(v) for c, v in grid.items()})
        for cell, answers in grid.items():
            if cell in hidden_here:
                notes[cell].add(hidden_here[cell])
            else:
                cells[cell] += answers
    hidden = {cell: sorted(n)[0] for cell, n in notes.items() if cell not in cells}
    cells.update({cell: [] for cell in hidden})
    return cells, hidden, notes


def employee_rows(conn, *, metrics: Sequence[str], by: Sequence[str], window: queries.Window) -> list[dict]:
    """The enps and employee rows per --by cell, with the anonymity rules applied."""
    cells, hidden, notes = _cells(conn, by, window)
    rows: list[dict] = []
    for cell, answers in sorted(cells.items()):
        group = dict(zip(by, cell))
        if cell in hidden:
            rows += [_hidden("enps", group, hidden[cell])] if "enps" in metrics else []
            continue  # no question rows: even which questions were asked is not told
        if "enps" in metrics:
            counts: dict[int, int] = defaultdict(int)
            for a in answers:
                counts[a.enps] += 1
            rows.append(_row("enps", group, nps(counts), **_left_out(notes, cell)))
        if "employee" in metrics:
            per: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            for a in answers:
                for q, v in a.ratings.items():
                    per[q][v] += 1
            for q in sorted(per):
                extra = {"question": q, "label": question_text(q, "en")}
                n = sum(per[q].values())
                if n < MIN_CELL:  # a question only some of the cell's answers had
                    rows.append(_hidden("employee", group, FEWER, **extra))
                    continue
                mean, var, n = moments_from_counts(per[q])
                rows.append(_row("employee", group, t_estimate(mean, var, n, bounds=(1, 5)), **extra,
                                 **_left_out(notes, cell)))
    return rows


def _left_out(notes: dict, cell: tuple) -> dict:
    """A shown figure some of whose rounds were hidden says so, without saying how many answers."""
    return {"note": LEFT_OUT} if cell in notes else {}


def _row(metric: str, group: dict, est, **extra) -> dict:
    return {"metric": metric, "group": dict(group), "value": est.value, "n": est.n, "low": est.low, "high": est.high,
            **extra}


def _hidden(metric: str, group: dict, note: str, **extra) -> dict:
    return {"metric": metric, "group": dict(group), "value": None, "n": None, "low": None, "high": None, "note": note,
            **extra}


def employee_comments(store, *, account: str | None = None, by: Sequence[str] = (), since=None, until=None,
                      top_terms: int = 15) -> list[dict]:
    """What the agents would change first, per --by cell: the themes (words and phrases the
    detractors' comments use more than the others', each in at least 3 comments — the
    drill-down's extraction), and the whole comments only where the cell is shown (the same
    rules as the figures: 5 answers or more, nothing a subtraction would reveal). Comments are
    listed in alphabetical order, so their order tells nothing about who wrote when."""
    from cxpulse.text import overrepresented_terms

    check_query(("enps",), by)
    ids = (store.account(account).id,) if account else None
    window = queries.Window(ids, since, until)
    with store.engine.connect() as conn:
        cells, hidden, notes = _cells(conn, by, window)
    names = {str(a.id): a.name for a in store.accounts()}
    out = []
    for cell, mine in sorted(cells.items()):
        group = dict(zip(by, cell))
        if cell in hidden:
            out.append({"group": _named(group, names), "n": None, "note": hidden[cell], "themes": [], "comments": []})
            continue
        low = [a.comment for a in mine if a.comment and a.enps <= 6]
        other = [a.comment for a in mine if a.comment and a.enps > 6]
        terms = overrepresented_terms(low, other, top=top_terms) if low and other else []
        out.append({"group": _named(group, names), "n": len(mine), **_left_out(notes, cell),
                    "themes": [{"term": t.term, "detractors": t.low_count, "others": t.other_count} for t in terms],
                    "comments": sorted(a.comment for a in mine if a.comment)})
    return out


def _named(group: dict, names: dict[str, str]) -> dict:
    return {k: (names.get(v, v) if k == "account" else v) for k, v in group.items()}
