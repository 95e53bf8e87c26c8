"""What the dashboard charts beside the report's rows: how the answers spread over the
scale, which reasons the low answers picked, and NPS and CES by the same KPI buckets the
report gives CSAT by (csat-by-kpi). Counts come from storage; the figures from cxpulse.metrics.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cxpulse import metrics as formulas
from cxpulse.metrics.stats import Estimate
from cxpulse.storage import Store, listing, queries

BUCKET_ORDER = {
    "first_reply": [b for b, _ in queries.FIRST_REPLY_BUCKETS] + ["no reply"],
    "reopens": ["0", "1", "2+"],
    "reassignments": ["0", "1", "2+"],
    "due": ["on time", "late"],
}


@dataclass(frozen=True, slots=True)
class Spread:
    """The answers of one survey kind on one scale, per score, lowest score first."""

    kind: str
    scale: str
    counts: list[tuple[int, int]]  # (score, answers), every score of the scale
    n: int


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str
    reason: str
    n: int
    share: float  # of the low answers of that kind that gave a reason, in percent


def _window(store: Store, account: str, since: date, until: date, where) -> queries.Window:
    return queries.Window((store.account(account).id,), since, until, tuple(where))


def spreads(store: Store, account: str, since: date, until: date, where=()) -> list[Spread]:
    """CSAT, NPS and CES answers per score (the scale's every score, zeros included); the
    same counts the figures are computed from."""
    from cxpulse.domain.types import Scale

    with store.engine.connect() as conn:
        counts, _grain = queries.response_counts(conn, by=(), window=_window(store, account, since, until, where),
                                                 kinds=("csat", "nps", "ces"))
    per: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for c in counts:
        per[(c.kind, c.scale)][c.score] += c.n
    out = []
    for (kind, scale), scores in sorted(per.items(), key=lambda kv: ("csat", "nps", "ces").index(kv[0][0])):
        lo, hi = Scale(scale).bounds
        out.append(Spread(kind, scale, [(s, scores.get(s, 0)) for s in range(lo, hi + 1)], sum(scores.values())))
    return out


def low_reasons(store: Store, account: str, since: date, until: date, where=()) -> list[Reason]:
    """The reasons low answers gave (CSAT not satisfied, NPS detractors, CES not easy),
    counted, most often picked first."""
    with store.engine.connect() as conn:
        rows = queries.reason_counts(conn, window=_window(store, account, since, until, where),
                                     low=listing.low_condition(()))
    totals: dict[str, int] = defaultdict(int)
    for kind, _reason, n in rows:
        totals[kind] += n
    out = [Reason(kind, reason, n, 100.0 * n / totals[kind]) for kind, reason, n in rows]
    return sorted(out, key=lambda r: (("csat", "nps", "ces", "csi").index(r.kind) if r.kind in listing.LIST_KINDS
                                      else 9, -r.n, r.reason))


def by_bucket(store: Store, account: str, since: date, until: date, where=(), *, kind: str,
              now: datetime | None = None) -> dict[str, list[tuple[str, Estimate, str]]]:
    """NPS (`kind` nps) or CES (ces: the account's main scale) per KPI bucket: for each of
    first_reply, reopens, reassignments, due, a list of (bucket, estimate, scale)."""
    window = _window(store, account, since, until, where)
    with store.engine.connect() as conn:
        data = {bucket: queries.csat_by_kpi_bucket(conn, bucket=bucket, by=(), window=window,
                                                   now=now or datetime.now(UTC), kind=kind).get((), {})
                for bucket in BUCKET_ORDER}
    # CES scales never mix: the one with most answers over every bucket is the account's
    totals: dict[str, int] = defaultdict(int)
    for per_label in data.values():
        for scales in per_label.values():
            for scale, cnt in scales.items():
                totals[scale] += sum(cnt.values())
    main = max(totals, key=totals.get) if totals else None
    out: dict[str, list[tuple[str, Estimate, str]]] = {}
    for bucket, labels in BUCKET_ORDER.items():
        found = []
        for label in labels:
            scales = data[bucket].get(label)
            if not scales:
                continue
            if kind == "nps":
                pooled: dict[int, int] = defaultdict(int)
                for cnt in scales.values():
                    for score, n in cnt.items():
                        pooled[score] += n
                found.append((label, formulas.nps(pooled), "0-10"))
            elif main in scales:
                found.append((label, formulas.ces(scales[main], main).mean, main))
        if found:
            out[bucket] = found
    return out
