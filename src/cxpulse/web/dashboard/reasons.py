"""The model's reasons in the page's language, translated when a page shows them.

Why at render time: scoring writes each ticket's reasons in English (ml/features.py) and
they are stored so (`predictions.reasons`, `alerts.reasons`): the CLI, the CSV exports and
the API serve them as a contract, and scoring must stay cheap (≥ 20,000 tickets/s). So
nothing changes there; the dashboard reads a stored reason back into its template and its
figures and says it again in the page's language.

A reason is one of a finite set of sentences (features.reason, snapshot_reason,
category_reason, text_reason), alone or with references after "; " ("first reply after
14 h; account median 2 h"). Each part is matched against TEMPLATES — the English
sentences themselves, with placeholders for the figures — and said again from the
catalog, the figures in the locale's format: durations keep their number and unit (min,
h, d), percentages and counts are formatted by Babel, weekdays and language names are
Babel's, a category's label is translated and its value kept as written, the customer's
quoted words are kept as written. A reason with a part that matches nothing is shown in
English as stored, never dropped (an older or newer scorer may word one we do not know);
tests/test_reason_words.py generates every reason features.py can say and fails on one
that does not translate.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from babel.dates import get_day_names
from markupsafe import Markup, escape

from cxpulse.ml.features import CATEGORICAL, LANGUAGE_NAMES, WEEKDAYS
from cxpulse.web.dashboard import format as F
from cxpulse.web.i18n import N_, Nn_, babel_locale, gettext, language, ngettext

__all__ = ["CATEGORY_LABELS", "TEMPLATES", "parse", "reason_words"]

# Every sentence (or reference after "; ") ml/features.py words a reason with, as a
# catalog message: %(duration)s "14 h", %(number)s "1,200", %(percent)s "55%",
# %(hour)s "14:00", %(weekday)s "Saturday", %(value)s any of those (an account median).
# A pair is a plural: its %(number)s picks the form.
TEMPLATES: tuple[str | tuple[str, str], ...] = (
    # features._WORDS, the value
    N_("the agent has replied"), N_("no agent reply yet"),
    N_("first reply after %(duration)s"),
    N_("no reply yet after %(duration)s"),
    N_("ticket opened %(duration)s ago"),
    N_("waiting %(duration)s since the customer's last message"), N_("the agent spoke last"),
    N_("customer kept waiting %(duration)s in all"),
    N_("solved after %(duration)s"),
    N_("first reply after %(duration)s of business hours"),
    N_("no reply yet after %(duration)s of business hours"),
    N_("customer kept waiting %(duration)s of business hours in all"),
    Nn_("%(number)s agent reply", "%(number)s agent replies"), N_("no agent replies"),
    Nn_("%(number)s customer message", "%(number)s customer messages"), N_("no customer messages"),
    N_("reopened once"), Nn_("reopened %(number)s time", "reopened %(number)s times"), N_("never reopened"),
    N_("reassigned once"), Nn_("reassigned %(number)s time", "reassigned %(number)s times"),
    N_("never reassigned"),
    N_("moved to another group once"),
    Nn_("moved to another group %(number)s time", "moved to another group %(number)s times"),
    N_("never moved to another group"),
    N_("created at %(hour)s local time"),
    N_("created on a %(weekday)s"),
    Nn_("customer wrote %(number)s character", "customer wrote %(number)s characters"),
    Nn_("agents wrote %(number)s character", "agents wrote %(number)s characters"),
    N_("agent's recent CSAT %(percent)s"),
    Nn_("agent has %(number)s rating in the last 90 days", "agent has %(number)s ratings in the last 90 days"),
    N_("customer's past CSAT %(percent)s"),
    Nn_("customer rated %(number)s ticket before", "customer rated %(number)s tickets before"),
    N_("customer never rated before"),
    N_("account's recent CSAT %(percent)s"),
    N_("due in %(duration)s"),
    N_("past the promised date by %(duration)s"), N_("on time for the promised date"),
    N_("SLA deadline in %(duration)s"),
    Nn_("%(number)s SLA target breached", "%(number)s SLA targets breached"), N_("no SLA target breached"),
    # features._WORDS, the reference
    N_("most tickets replied by then"), N_("most tickets not yet replied by then"),
    N_("account median %(value)s"),
    N_("%(percent)s of the account's tickets are"),
    N_("usually %(percent)s"),
    N_("%(percent)s of the account's tickets are late"),
    N_("account %(percent)s"),  # snapshot_reason: the account's own recent CSAT beside an agent's
    # features._SOLVED_WORDS
    N_("solved %(duration)s past the promised date"), N_("solved by the promised date"),
    N_("solved with no reply after %(duration)s"),
    N_("solved with no reply after %(duration)s of business hours"),
    # features._UNKNOWN
    N_("replies unknown"), N_("no reply yet"), N_("already replied"), N_("age unknown"),
    N_("waiting time unknown"), N_("not solved yet"), N_("no reply yet (business hours)"),
    N_("already replied (business hours)"), N_("waiting in business hours unknown"),
    N_("agent replies unknown"), N_("customer messages unknown"), N_("reopens unknown"),
    N_("reassignments unknown"), N_("group transfers unknown"), N_("creation hour unknown"),
    N_("creation day unknown"), N_("customer text unknown"), N_("agent text unknown"),
    N_("agent has no ratings in the last 90 days"), N_("agent's ratings unknown"),
    N_("customer's ratings unknown"), N_("account has no ratings in the last 90 days"),
    N_("no promised date ahead"), N_("no promised date"), N_("no SLA deadline running"), N_("no SLA policy"),
    # features.text_reason before it left out a ticket without words (stored rows keep it)
    N_("what the customer wrote"),
)

# features.category_reason's labels: "channel: phone" says the label in the page's language
CATEGORY_LABELS: dict[str, str] = {
    "channel": N_("channel"), "priority": N_("priority"), "language": N_("language"), "status": N_("status"),
    "group": N_("group"), "category": N_("category"),
}
_NOT_SET, _NOT_RECOGNISED = N_("not set"), N_("not recognised")
_WROTE = N_("customer wrote %(words)s")  # features.text_reason: the quoted words are kept as written
_UNITS = {"min": N_("%(n)s min"), "h": N_("%(n)s h"), "d": N_("%(n)s d")}  # cxpulse.durations' units

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_KINDS = {
    "duration": rf"{_NUMBER} (?:{'|'.join(_UNITS)})",
    "percent": r"\d+%",
    "hour": r"\d\d:\d\d",
    "weekday": "|".join(WEEKDAYS),
    "number": _NUMBER,
}
_KINDS["value"] = "|".join(f"(?:{k})" for k in _KINDS.values())  # an account median: any figure
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_N = re.compile(r" \(n=(\d+)\)$")  # features.reason's sample size after a CSAT share
_LANGUAGE_CODES = {name: code for code, name in LANGUAGE_NAMES.items()}
_CATEGORY = re.compile(
    rf"({'|'.join(CATEGORICAL)}): (.*?)(?:; ({_KINDS['percent']}) of the account's tickets are)?", re.S)
_SHARE = N_("%(percent)s of the account's tickets are")


def _pattern(template: str) -> re.Pattern:
    """The English sentence as a regex: its words literally, each placeholder its figure's."""
    out, at = [], 0
    for m in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[at:m.start()].replace("%%", "%")))
        out.append(f"(?P<{m.group(1)}>{_KINDS[m.group(1)]})")
        at = m.end()
    out.append(re.escape(template[at:].replace("%%", "%")))
    return re.compile("".join(out))


# (regex, message or plural pair): a plural's two English forms both read back to the pair
_MATCHERS: tuple[tuple[re.Pattern, str | tuple[str, str]], ...] = tuple(
    (_pattern(form), t) for t in TEMPLATES for form in ((t,) if isinstance(t, str) else t))


def parse(part: str) -> tuple[str | tuple[str, str], dict[str, str]] | None:
    """One part of a stored reason (no "; ") as (its template, its figures as written), or
    None when no template says it. parse("first reply after 14 h") ==
    ("first reply after %(duration)s", {"duration": "14 h"})."""
    for pattern, template in _MATCHERS:
        m = pattern.fullmatch(part)
        if m:
            return template, m.groupdict()
    return None


def reason_words(reason: str) -> Markup:
    """A stored reason in the page's language, as HTML: what customers and the help desk
    wrote (quoted words, a category's value) in `lang=""`; a reason not understood in
    English as stored, `lang="en"`. English: the stored text itself."""
    lang = language()
    if lang == "en":
        return escape(reason)
    return _translated(reason if isinstance(reason, str) else str(reason), lang)  # a stored oddity shown, not raised


@lru_cache(maxsize=8192)
def _translated(reason: str, lang: str) -> Markup:  # lang: the cache's key; gettext reads it from the request
    said = _say(reason)
    return said if said is not None else Markup('<span lang="en">%s</span>') % reason


def _say(reason: str) -> Markup | None:
    if reason.startswith("customer wrote “"):
        return _message(_WROTE, words=_kept(reason[len("customer wrote "):]))
    m = _CATEGORY.fullmatch(reason)
    if m:
        name, value, share = m.groups()
        said = Markup("%s: %s") % (gettext(CATEGORY_LABELS[name]), _category_value(name, value))
        return said if share is None else said + "; " + _message(_SHARE, percent=_percent(share))
    parts = []
    for part in reason.split("; "):
        n = _N.search(part)
        if n:
            part = part[: n.start()]
        said = _part(part)
        if said is None:
            return None
        parts.append(said if n is None else said + Markup(" (n=%s)") % F.count(float(n.group(1))))
    return Markup("; ").join(parts)


def _part(part: str) -> Markup | None:
    found = parse(part)
    if found is None:
        return None
    template, figures = found
    shown = {k: _figure(k, v) for k, v in figures.items()}
    if isinstance(template, tuple):
        count = _float(figures["number"])
        message = ngettext(*template, int(count) if count == int(count) else 2)
        return Markup(escape(message)) % shown
    return _message(template, **shown)


def _message(template: str, **figures: str | Markup) -> Markup:
    return Markup(escape(gettext(template))) % figures


def _kept(text: str) -> Markup:
    """Words someone else wrote, as written."""
    return Markup('<span lang="">%s</span>') % text


def _category_value(name: str, value: str) -> Markup | str:
    if value == "not set":
        return gettext(_NOT_SET)
    if name == "language":
        if value == "not recognised":
            return gettext(_NOT_RECOGNISED)
        code = _LANGUAGE_CODES.get(value, value)
        local = Locale.parse(babel_locale()).languages.get(code)
        return local if local else _kept(value)
    return _kept(value)


def _float(text: str) -> float:
    return float(text.replace(",", ""))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _number(text: str) -> str:
    """A figure as written ("1,200", "2.5") in the locale's digits, with the same decimals."""
    return F.mean(_float(text), _decimals(text))


def _percent(text: str) -> str:
    return F.percent(_float(text[:-1]), 0)


def _figure(kind: str, text: str) -> str:
    if kind == "value":  # an account median: whichever figure it is
        kind = next(k for k in ("duration", "percent", "hour", "weekday", "number") if re.fullmatch(_KINDS[k], text))
    if kind == "duration":  # the number and unit as stored: business time never turns into days
        n, unit = text.split(" ")
        return gettext(_UNITS[unit]) % {"n": _number(n)}
    if kind == "percent":
        return _percent(text)
    if kind == "weekday":
        return get_day_names("wide", context="stand-alone", locale=babel_locale())[WEEKDAYS.index(text)]
    if kind == "number":
        return _number(text)
    return text  # an hour, 14:00, reads the same
