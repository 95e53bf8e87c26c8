"""The quality-review rows of `cxpulse report` (issue 16, §2): SQL sums and counts from
storage/qa.py, figures from metrics/qa.py, the report's one row shape.

- `iqs`: the mean review score 0–100 with its t-interval and n reviews, per --by group;
  `iqs_criterion`: each criterion's share of its points (`criterion`, `label`, `scale`);
  `--by criterion` gives the criterion rows alone, one group per criterion.
- `qa_agreement`: Krippendorff's alpha per criterion over the tickets two or more reviewers
  scored — nominal on pass/fail, ordinal on 1–4 — with `tickets` (units) and `reviewers`;
  over whole months by account, agent, month and criterion from the units counted on write
  (storage/qa_agreement.py), else from the score rows (`raw_agreement_rows`).
- `qa_vs_csat`: per agent, IQS beside CSAT; `qa_vs_csat_correlation`: Pearson's r over the
  agents that have both, with its Fisher-z interval.

`mystery`: "exclude" (default) leaves the mystery shoppers' reviews out, "only" reports
them alone, "include" mixes them in.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence

from cxpulse.domain import InvalidQuery
from cxpulse.domain.scorecards import Criterion, CriterionScale, scorecard_from_mapping
from cxpulse.metrics.csat import csat_mixed
from cxpulse.metrics.qa import (
    alpha_from_pairs,
    correlation_interval,
    criterion_score,
    iqs_from_sums,
    krippendorff_alpha,
    unit_pairs,
)
from cxpulse.storage import qa as stored
from cxpulse.storage import qa_agreement, qa_rollups, queries

QA_METRICS = ("iqs", "qa-agreement", "qa-vs-csat")
QA_ROWS = ("iqs", "iqs_criterion", "qa_agreement", "qa_vs_csat", "qa_vs_csat_correlation")
MYSTERY_MODES = ("exclude", "only", "include")
CRITERION_KEY = "criterion"  # a --by key of the QA metrics alone


def check_query(metrics: Sequence[str], by: Sequence[str], mystery: str) -> None:
    if mystery not in MYSTERY_MODES:
        raise InvalidQuery(f"--mystery {mystery!r}: use one of {', '.join(MYSTERY_MODES)}")
    if CRITERION_KEY in by:
        other = [m for m in metrics if m not in ("iqs", "qa-agreement")]
        if other:
            raise InvalidQuery(f"--by criterion goes with --metric iqs or qa-agreement, not {other[0]}")
    if "qa-vs-csat" in metrics and not set(by) <= {"account", "agent"}:
        raise InvalidQuery("qa-vs-csat is per agent: --by takes account or agent with it, or nothing")


def _criteria(conn, ids) -> dict[tuple[int, str], Criterion]:
    """(scorecard row, criterion key) → its Criterion, for the scorecards named."""
    out = {}
    for sid, row in stored.scorecards_by_ids(conn, ids).items():
        card = scorecard_from_mapping({"name": row.name, "version": row.version, "criteria": json.loads(row.criteria)})
        for c in card.criteria:
            out[(sid, c.key)] = c
    return out


def _row(metric: str, by: Sequence[str], group: tuple, est, **extra) -> dict:
    return {"metric": metric, "group": dict(zip(by, group)), "value": est.value, "n": est.n, "low": est.low,
            "high": est.high, **extra}


def qa_rows(conn, *, metrics: Sequence[str], by: Sequence[str], window: queries.Window, mystery: str) -> list[dict]:
    rows: list[dict] = []
    if "iqs" in metrics:
        rows += _iqs_rows(conn, by, window, mystery)
    if "qa-agreement" in metrics:
        rows += _agreement_rows(conn, by, window, mystery)
    if "qa-vs-csat" in metrics:
        rows += _vs_csat_rows(conn, by, window, mystery)
    return rows


def _iqs_rows(conn, by: Sequence[str], window, mystery: str) -> list[dict]:
    rows = []
    plain_by = [k for k in by if k != CRITERION_KEY]
    if CRITERION_KEY not in by:
        for group, (total, sq, n) in sorted(stored.iqs_sums(conn, by=plain_by, window=window, mystery=mystery).items()):
            rows.append(_row("iqs", by, group, iqs_from_sums(total, sq, n)))
    counts = stored.criterion_counts(conn, by=plain_by, window=window, mystery=mystery)
    criteria = _criteria(conn, {sid for per in counts.values() for sid, _k in per})
    for group, per in sorted(counts.items()):
        merged: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        shown: dict[tuple[str, str], Criterion] = {}
        for (sid, key), cnt in per.items():
            c = criteria.get((sid, key))
            if c is None:
                continue
            shown[(key, c.scale.value)] = c
            for score, n in cnt.items():
                merged[(key, c.scale.value)][score] += n
        for (key, scale), cnt in sorted(merged.items()):
            c = shown[(key, scale)]
            rated = {(bool(s) if c.scale is CriterionScale.PASS_FAIL else s): n for s, n in cnt.items()}
            full = _with_criterion(by, group, key)
            rows.append(_row("iqs_criterion", by, full, criterion_score(rated, c), criterion=key, label=c.label("en"),
                             scale=scale, critical=c.critical))
    return rows


def _with_criterion(by: Sequence[str], group: tuple, key: str) -> tuple:
    """The group labels of `by` (which may hold `criterion`) from a group without it."""
    if CRITERION_KEY not in by:
        return group
    rest = iter(group)
    return tuple(key if k == CRITERION_KEY else next(rest) for k in by)


def _agreement_rows(conn, by: Sequence[str], window, mystery: str) -> list[dict]:
    plain_by = [k for k in by if k != CRITERION_KEY]
    if qa_rollups.answers(plain_by, window):
        return _rolled_agreement_rows(conn, by, plain_by, window, mystery)
    if set(plain_by) <= stored.AGREEMENT_KEYS:
        return _counted_agreement_rows(conn, by, plain_by, window, mystery)
    return raw_agreement_rows(conn, by, window, mystery)


def _scored_units(conn, plain_by: Sequence[str], window, mystery: str,
                  tickets=None) -> dict[tuple, dict[str, dict[str, int | None]]]:
    """(group, criterion, scale) → ticket → reviewer → latest score, from every score row
    of the tickets two or more reviewers reviewed (or of `tickets` alone: account → ids)."""
    units: dict[tuple, dict[str, dict[str, int | None]]] = defaultdict(lambda: defaultdict(dict))
    seen = list(stored.agreement_scores(conn, by=plain_by, window=window, mystery=mystery, tickets=tickets))
    criteria = _criteria(conn, {sid for _g, _t, _c, sid, _r, _s in seen})
    for group, ticket, key, sid, reviewer, score in seen:
        c = criteria.get((sid, key))
        if c is None:
            continue
        units[(group, key, c.scale.value)][ticket][reviewer] = score
    return units


def raw_agreement_rows(conn, by: Sequence[str], window, mystery: str) -> list[dict]:
    """qa_agreement rows from every score row, in Python: any --by, any window; the
    reference the counted paths are tested against (tests/test_qa_agreement_rollup.py)."""
    plain_by = [k for k in by if k != CRITERION_KEY]
    rows = []
    for (group, key, scale), tickets in sorted(_scored_units(conn, plain_by, window, mystery).items()):
        level = "nominal" if scale == CriterionScale.PASS_FAIL.value else "ordinal"
        coded = [list(per.values()) for per in tickets.values()]
        paired = [u for u in coded if sum(v is not None for v in u) >= 2]
        alpha = krippendorff_alpha(coded, level) if paired else None
        reviewers = {r for per in tickets.values() for r, v in per.items() if v is not None}
        rows.append({"metric": "qa_agreement", "group": dict(zip(by, _with_criterion(by, group, key))),
                     "value": alpha, "n": len(paired), "low": None, "high": None, "criterion": key, "scale": scale,
                     "level": level, "tickets": len(paired), "reviewers": len(reviewers)})
    return rows


def _rolled_agreement_rows(conn, by: Sequence[str], plain_by: Sequence[str], window, mystery: str) -> list[dict]:
    """raw_agreement_rows from the units counted on write (storage/qa_agreement.py), plus
    the few tickets they cannot answer for this window and --mystery, read from the rows.
    Alpha from the units' pairs (alpha_from_pairs, exact): the same float either way."""
    found, reviewers = qa_agreement.rolled_units(conn, by=plain_by, window=window, mystery=mystery)
    # (group, criterion, scale) → unit size → pairs of values; and the units with a pair
    pairs: dict[tuple, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    paired: dict[tuple, int] = defaultdict(int)
    for group, key, scale, m, n, per in found:
        pairs[(group, key, scale)][m].update(per)
        paired[(group, key, scale)] += n if m >= 2 else 0
    extra = qa_agreement.raw_tickets(conn, window=window, mystery=mystery)
    if extra:
        for unit, tickets in _scored_units(conn, plain_by, window, mystery, extra).items():
            for per in tickets.values():
                values = Counter(v for v in per.values() if v is not None)
                pairs[unit][values.total()].update(unit_pairs(values))
                paired[unit] += int(values.total() >= 2)
            reviewers.setdefault(unit, set()).update(r for per in tickets.values() for r, v in per.items()
                                                     if v is not None)
    rows = []
    for (group, key, scale), per_m in sorted(pairs.items()):
        level = "nominal" if scale == CriterionScale.PASS_FAIL.value else "ordinal"
        tickets = paired[(group, key, scale)]
        alpha = alpha_from_pairs(per_m, level) if tickets else None
        rows.append({"metric": "qa_agreement", "group": dict(zip(by, _with_criterion(by, group, key))),
                     "value": alpha, "n": tickets, "low": None, "high": None, "criterion": key, "scale": scale,
                     "level": level, "tickets": tickets, "reviewers": len(reviewers.get((group, key, scale), ()))})
    return rows


def _vs_csat_rows(conn, by: Sequence[str], window, mystery: str) -> list[dict]:
    per_by = [k for k in by if k == "account"] + ["agent"]
    iqs = stored.iqs_sums(conn, by=per_by, window=window, mystery=mystery)
    counts, _grain = queries.response_counts(conn, by=per_by, window=window, kinds=("csat",))
    csat_counts: dict[tuple, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for c in counts:
        csat_counts[c.group][c.scale][c.score] += c.n
    rows = []
    pairs: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for group, (total, sq, n) in sorted(iqs.items()):
        if group[-1] == "":
            continue  # reviews of no known agent
        quality = iqs_from_sums(total, sq, n)
        sat = csat_mixed(csat_counts[group]) if group in csat_counts else None
        rows.append({"metric": "qa_vs_csat", "group": dict(zip(per_by, group)), "value": quality.value,
                     "n": quality.n, "low": quality.low, "high": quality.high,
                     "csat": None if sat is None else sat.value, "csat_n": 0 if sat is None else sat.n,
                     "csat_low": None if sat is None else sat.low, "csat_high": None if sat is None else sat.high})
        if sat is not None and sat.value is not None and quality.value is not None:
            pairs[group[:-1]].append((quality.value, sat.value))
    outer = per_by[:-1]
    for head, xy in sorted(pairs.items()):
        found = correlation_interval([x for x, _ in xy], [y for _, y in xy])
        r, low, high = found if found is not None else (None, None, None)
        rows.append({"metric": "qa_vs_csat_correlation", "group": dict(zip(outer, head)), "value": r, "n": len(xy),
                     "low": low, "high": high})
    return rows


def _counted_agreement_rows(conn, by: Sequence[str], plain_by: Sequence[str], window, mystery: str) -> list[dict]:
    """_agreement_rows from units counted in SQL (storage/qa.py agreement_units): the same
    figures, without a Python row per score of every ticket two reviewers scored."""
    found, reviewer_counts = stored.agreement_units(conn, by=plain_by, window=window, mystery=mystery)
    criteria = _criteria(conn, {sid for _g, _k, sid, _c, _n in found})
    # (group, criterion, scale) → [(unit's values, how many such units)]
    units: dict[tuple, list[tuple[list, int]]] = defaultdict(list)
    for group, key, sid, counts, n in found:
        c = criteria.get((sid, key))
        if c is None:
            continue
        units[(group, key, c.scale.value)].append(([s for s, k in counts.items() for _ in range(k)], n))
    rows = []
    for (group, key, scale), coded in sorted(units.items()):
        level = "nominal" if scale == CriterionScale.PASS_FAIL.value else "ordinal"
        paired = [(u, n) for u, n in coded if len(u) >= 2]
        alpha = krippendorff_alpha([u for u, _n in paired], level, weights=[n for _u, n in paired]) if paired else None
        tickets = sum(n for _u, n in paired)
        rows.append({"metric": "qa_agreement", "group": dict(zip(by, _with_criterion(by, group, key))),
                     "value": alpha, "n": tickets, "low": None, "high": None, "criterion": key, "scale": scale,
                     "level": level, "tickets": tickets, "reviewers": reviewer_counts.get((group, key), 0)})
    return rows
