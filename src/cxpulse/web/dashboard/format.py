"""How figures read on the dashboard: one formatter per kind of figure, used by the
templates (as Jinja filters) and by the charts' labels, so a number reads the same
in a card, a table and a tooltip."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cxpulse.durations import duration
from cxpulse.metrics import direction as directions

DASH = "–"


def percent(v: float | None, digits: int = 1) -> str:
    """84.5% — CSAT, shares, rates (values already in percent)."""
    return DASH if v is None else f"{v:.{digits}f}%"


def nps(v: float | None) -> str:
    """+44, −12, 0: NPS runs −100..100 and its sign is the point."""
    if v is None:
        return DASH
    r = round(v)
    return f"+{r}" if r > 0 else ("0" if r == 0 else f"−{abs(r)}")


def mean(v: float | None, digits: int = 2) -> str:
    """5.01 — CES on its scale."""
    return DASH if v is None else f"{v:.{digits}f}"


def score(v: float | None) -> str:
    """78.0 — CSI, 0–100."""
    return DASH if v is None else f"{v:.1f}"


def minutes(v: float | None) -> str:
    """A duration in minutes as the CLI and the reasons say it (`cxpulse.durations`): 19 min, 3.6 h, 2 d."""
    return DASH if v is None else duration(v)


def count(v: float | None) -> str:
    """1,234"""
    return DASH if v is None else f"{v:,.0f}"


def signed(v: float | None, digits: int = 1, unit: str = "") -> str:
    """A change: +7.1 pts, −0.07, 0.0 — the sign always shown."""
    if v is None:
        return DASH
    text = f"{abs(v):.{digits}f}"
    sign = "+" if v > 0 and float(text) else ("−" if v < 0 and float(text) else "±")
    return f"{sign}{text}{unit}"


def p_value(p: float | None) -> str:
    if p is None:
        return DASH
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def when(v: Any) -> str:
    """A timestamp to the minute, in UTC (stored times are UTC)."""
    if v is None or v == "":
        return DASH
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M") + (" UTC" if v.tzinfo else "")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def day(v: date | None) -> str:
    """24 Nov 2026"""
    return DASH if v is None else f"{v.day} {v:%b %Y}"


# figure kind → (formatter of its value, formatter of a change in it)
FIGURES = {
    "csat": (percent, lambda d: signed(d, 1, " pts")),
    "nps": (nps, lambda d: signed(d, 0, " pts")),
    "ces": (mean, lambda d: signed(d, 2)),
    "csi": (score, lambda d: signed(d, 1, " pts")),
    "rate": (percent, lambda d: signed(d, 1, " pts")),
    "minutes": (minutes, lambda d: ("+" if d > 0 else "−" if d < 0 else "±") + minutes(abs(d)) if d is not None else DASH),
    "count": (lambda v: mean(v, 1), lambda d: signed(d, 1)),
}


def figure(kind: str, v: float | None) -> str:
    return FIGURES[kind][0](v)


def change(kind: str, d: float | None) -> str:
    return FIGURES[kind][1](d)


def shell(value: object) -> str:
    """A value as one shell word, for the commands the pages suggest: an account named
    `Acme Support` is `'Acme Support'`, so the command copied from the page runs as shown."""
    import shlex

    return shlex.quote(str(value))


FILTERS = {
    "shell": shell,
    "percent": percent, "nps": nps, "mean": mean, "score": score, "minutes": minutes, "count": count,
    "signed": signed, "p_value": p_value, "when": when, "day": day, "figure": figure, "change": change,
}


def judged(row: dict) -> tuple[str, str]:
    """A comparison in words and a tone for its colour: ("better", "better"), ("worse",
    "worse"), or ("too few to tell" | "no significant change" | …, "neutral"); the words and
    the minimum n are metrics/direction.py's, the CLI's too."""
    prev = row.get("previous") or {}
    word = directions.verdict(row["metric"], delta=row.get("delta"), p_value=row.get("p_value"),
                              significant=row.get("significant"), n_previous=prev.get("n"), n_current=row.get("n"))
    return word, word if word in (directions.BETTER, directions.WORSE) else "neutral"
