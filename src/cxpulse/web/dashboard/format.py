"""How figures read on the dashboard: one formatter per kind of figure, used by the
templates (as Jinja filters) and by the charts' labels, so a number reads the same
in a card, a table and a tooltip.

Each formats for the request's language (`web.i18n.language`): English as the CLI
says it ("1,234", "84.5%", "24 Nov 2026"), the others by Babel's locale data ("1 234",
"84,5 %", "24 нояб. 2026 г.")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_interval, format_time
from babel.numbers import format_decimal, get_decimal_symbol

from cxpulse.durations import duration
from cxpulse.metrics import direction as directions
from cxpulse.web.i18n import N_, babel_locale, gettext, language

DASH = "–"


def _english() -> bool:
    return language() == "en"


def _decimal(v: float, digits: int, grouped: bool = True) -> str:
    """`v` with `digits` decimals in the current locale (never called for English)."""
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(v, digits) if digits > 0 else round(v), pattern, locale=babel_locale())


def number(v: float, digits: int) -> str:
    """A plain number with `digits` decimals: 0.83 in English, 0,83 in Russian."""
    return f"{v:.{digits}f}" if _english() else _decimal(v, digits, grouped=False)


def percent(v: float | None, digits: int = 1) -> str:
    """84.5% — CSAT, shares, rates (values already in percent)."""
    if v is None:
        return DASH
    if _english():
        return f"{v:.{digits}f}%"
    sign = "" if babel_locale().startswith("el") else "\u00a0"  # 84,5 % in Russian and Lithuanian, 84,5% in Greek
    return f"{_decimal(v, digits)}{sign}%"


def nps(v: float | None) -> str:
    """+44, −12, 0: NPS runs −100..100 and its sign is the point."""
    if v is None:
        return DASH
    r = round(v)
    return f"+{r}" if r > 0 else ("0" if r == 0 else f"−{abs(r)}")


def mean(v: float | None, digits: int = 2) -> str:
    """5.01 — CES on its scale."""
    if v is None:
        return DASH
    return f"{v:.{digits}f}" if _english() else _decimal(v, digits)


def score(v: float | None) -> str:
    """78.0 — CSI, 0–100."""
    return mean(v, 1)


def minutes(v: float | None) -> str:
    """A duration in minutes as the CLI and the reasons say it (`cxpulse.durations`): 19 min, 3.6 h, 2 d."""
    if v is None:
        return DASH
    if _english():
        return duration(v)
    return local_duration(v)


def local_duration(v: float) -> str:
    """`cxpulse.durations.duration` in the current language: the same units and rounding."""
    m = abs(v)
    if m < 59.5:
        return gettext("%(n)s min") % {"n": _decimal(m, 0)}
    h = m / 60.0
    if h < 47.5:
        return gettext("%(n)s h") % {"n": _short(h)}
    return gettext("%(n)s d") % {"n": _short(h / 24.0)}


def _short(x: float) -> str:
    """As durations.number: one decimal below 10, and only when it says something."""
    if abs(x) < 9.95:
        rounded = round(x, 1)
        return _decimal(rounded, 0 if rounded == int(rounded) else 1)
    return _decimal(x, 0)


def count(v: float | None) -> str:
    """1,234"""
    if v is None:
        return DASH
    return f"{v:,.0f}" if _english() else _decimal(v, 0)


def signed(v: float | None, digits: int = 1, unit: str = "") -> str:
    """A change: +7.1 pts, −0.07, 0.0 — the sign always shown."""
    if v is None:
        return DASH
    text = f"{abs(v):.{digits}f}"
    sign = "+" if v > 0 and float(text) else ("−" if v < 0 and float(text) else "±")
    if not _english():
        text = _decimal(abs(v), digits)
        unit = (" " + gettext("pts")) if unit == " pts" else unit
    return f"{sign}{text}{unit}"


def p_value(p: float | None) -> str:
    if p is None:
        return DASH
    if _english():
        return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return f"p < {_decimal(0.001, 3)}" if p < 0.001 else f"p = {_decimal(p, 3)}"


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
        if _english():
            return v.strftime("%Y-%m-%d %H:%M") + (" UTC" if v.tzinfo else "")
        return (f"{format_date(v, 'short', locale=babel_locale())} {format_time(v, 'HH:mm', locale=babel_locale())}"
                + (" UTC" if v.tzinfo else ""))
    if isinstance(v, date):
        return v.isoformat() if _english() else format_date(v, "short", locale=babel_locale())
    return str(v)


def day(v: date | None) -> str:
    """24 Nov 2026 (24 нояб. 2026 г., 24 Νοε 2026, 2026-11-24)"""
    if v is None:
        return DASH
    return f"{v.day} {v:%b %Y}" if _english() else format_date(v, "medium", locale=babel_locale())


def span(since: date, until: date) -> str:
    """A period: "1 Jun 2026 to 30 Jun 2026"; in the other languages as the locale says a
    range of dates ("1—30 июн. 2026 г.")."""
    if _english():
        return f"{day(since)} to {day(until)}"
    return format_interval(since, until, "yMMMd", locale=babel_locale())


def short_day(v: date) -> str:
    """A chart's week label: 24 Nov."""
    return f"{v.day} {v:%b}" if _english() else format_date(v, "d MMM", locale=babel_locale())


def month(v: date, with_year: bool = False) -> str:
    """A chart's month label: Nov, or Nov 2026 at a year's start."""
    if _english():
        return f"{v:%b %Y}" if with_year else f"{v:%b}"
    return format_date(v, "LLL y" if with_year else "LLL", locale=babel_locale())


def decimal_point() -> str:
    """The current locale's decimal separator ("." or ",")."""
    return "." if _english() else get_decimal_symbol(babel_locale())


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


def plus(v: float, digits: int = 0) -> str:
    """A change with its sign always, as printf's %+f: +1.2, -0.4 (+1,2 and -0,4 in Russian)."""
    return f"{v:+.{digits}f}" if _english() else ("+" if v >= 0 else "-") + _decimal(abs(v), digits)


def number_g(v: float) -> str:
    """A setting's number as printf's %g: 15, 2.5 (2,5 in Russian)."""
    text = f"{v:g}"
    return text if _english() else text.replace(".", decimal_point())


# ---- words the templates build from data (their texts are in the catalogs) ------------------------

FILTER_NAMES = {"agent": N_("agent"), "group": N_("group"), "channel": N_("channel"), "category": N_("category")}
# metrics/direction.py's verdicts, shown by macros.significance
VERDICTS = (N_("better"), N_("worse"), N_("no significant change"), N_("too few to tell"), N_("not tested"),
            N_("no previous data"), N_("higher"), N_("lower"))
# words the pages show from stored data or other layers: webhook delivery statuses, review-queue
# strategies, message authors, channels, model inputs, sort orders, the employee survey's notes
DATA_WORDS = (N_("retrying"), N_("delivered"), N_("failed"), N_("random"), N_("low-csat"), N_("at-risk"), N_("long"),
              N_("reopened"), N_("customer"), N_("system"), N_("email"), N_("chat"), N_("phone"), N_("web"),
              N_("api"), N_("ascending"), N_("descending"), N_("tickets"), N_("events since"), N_("cursor"),
              N_("fewer than 5 answers"),
              N_("hidden so that a group with fewer than 5 answers cannot be worked out from the others"),
              N_("rounds in which this group had fewer than 5 answers are left out"))
# the model's inputs as the model card names them (ml/features.py, "_" read as " ")
FEATURE_WORDS = (N_("replied"), N_("first reply minutes"), N_("no reply minutes"), N_("elapsed minutes"),
                 N_("customer waiting minutes"), N_("requester wait minutes"), N_("resolution minutes"),
                 N_("first reply bh minutes"), N_("no reply bh minutes"), N_("requester wait bh minutes"),
                 N_("agent replies"), N_("customer messages"), N_("reopens"), N_("reassignments"),
                 N_("group transfers"), N_("created hour"), N_("created weekday"), N_("customer text chars"),
                 N_("agent text chars"), N_("agent csat"), N_("agent csat n"), N_("customer csat"),
                 N_("customer csat n"), N_("account csat"), N_("due in minutes"), N_("past due minutes"),
                 N_("sla due in minutes"), N_("sla breaches"), N_("text"), N_("priority"), N_("tags"), N_("due"))
# metrics/csi.py's quadrants of the CSI priority matrix
QUADRANTS = (N_("fix first"), N_("keep up"), N_("low priority"), N_("maintain"))
STATUSES = (N_("new"), N_("open"), N_("pending"), N_("hold"), N_("solved"), N_("closed"))


def by_grain(figure: str, grain: str) -> str:
    """"CSAT by week", "CSAT by month"."""
    return (gettext("%(figure)s by week") if grain == "week" else gettext("%(figure)s by month")) % {"figure": figure}


def score_of(score: object, top: object) -> str:
    """"4 of 5": an answer on its scale."""
    return gettext("%(score)s of %(max)s") % {"score": score, "max": top}


def status_label(status: str | None) -> str:
    """A ticket's status in the current language (a help desk's own status as it is)."""
    return gettext(status) if status else ""


def feature_name(feature: str) -> str:
    """A model input as words: first_reply_minutes → "first reply minutes", translated when known."""
    return gettext(feature.replace("_", " "))


GLOBALS = {"by_grain": by_grain, "score_of": score_of, "status_label": status_label, "feature_name": feature_name,
           "filter_names": FILTER_NAMES}

FILTERS = {
    "shell": shell,
    "percent": percent, "nps": nps, "mean": mean, "score": score, "minutes": minutes, "count": count,
    "signed": signed, "p_value": p_value, "when": when, "day": day, "figure": figure, "change": change,
    "number": number, "span": span, "plus": plus, "number_g": number_g,
}


def judged(row: dict) -> tuple[str, str]:
    """A comparison in words and a tone for its colour: ("better", "better"), ("worse",
    "worse"), or ("too few to tell" | "no significant change" | …, "neutral"); the words and
    the minimum n are metrics/direction.py's, the CLI's too."""
    prev = row.get("previous") or {}
    word = directions.verdict(row["metric"], delta=row.get("delta"), p_value=row.get("p_value"),
                              significant=row.get("significant"), n_previous=prev.get("n"), n_current=row.get("n"))
    return word, word if word in (directions.BETTER, directions.WORSE) else "neutral"
