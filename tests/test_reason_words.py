"""The model's reasons on a Russian, Greek or Lithuanian dashboard (web/dashboard/reasons.py).

Every reason ml/features.py can word is generated here from its own tables — each key of
`_WORDS`, `_UNKNOWN` and `_SOLVED_WORDS` through `snapshot_reason` over a spread of values
and references (0, 1, small and large durations, nan), each of CATEGORICAL through
`category_reason`, the customer's words through `text_reason` — and each must read back
into a template and leave no English word on the page. A sentence added to features.py
without a template here fails `test_every_reason_features_words_is_understood`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from markupsafe import escape

from cxpulse.ml import features
from cxpulse.ml.features import _SOLVED_WORDS, _UNKNOWN, _WORDS, CATEGORICAL, LANGUAGE_NAMES, NUMERIC, SHARED, Snapshot
from cxpulse.web import i18n
from cxpulse.web.dashboard.reasons import TEMPLATES, parse, reason_words
from tests.test_dashboard_i18n import _words, english_left, visible_text

LANGUAGES = ("ru", "el", "lt")
NAN = math.nan
# minutes: none, under a minute, 1, the unit changes (59.5 min, 47.5 h), hours, days, a year+
DURATIONS = (0.0, 0.4, 1.0, 2.0, 5.0, 21.0, 59.4, 59.6, 75.0, 90.0, 599.0, 840.0, 2849.0, 2851.0, 4320.0,
             14_400.0, 1_000_000.0, NAN)
COUNTS = (0.0, 1.0, 2.0, 5.0, 11.0, 21.0, 2.5, 1234.0, NAN)
SHARES = (0.0, 0.004, 0.09, 0.5, 0.999, 1.0, NAN)
HOURS = (0.0, 9.5, 14.0, 23.99, NAN)
WEEKDAYS = tuple(float(d) for d in range(7)) + (NAN,)
SHARE_LIKE = {"agent_csat", "customer_csat", "account_csat", "replied"}
SAME_IN_EVERY_LANGUAGE = frozenset({"min"})  # Lithuanian's minutes are "min." too


def _values(name: str) -> tuple[float, ...]:
    if name in SHARE_LIKE:
        return SHARES
    if name == "created_hour":
        return HOURS
    if name == "created_weekday":
        return WEEKDAYS
    if name.endswith("_minutes"):
        return DURATIONS
    return COUNTS


def _references(name: str) -> tuple[float, ...]:
    if name in SHARED or name == "past_due_minutes" or name in SHARE_LIKE:
        return SHARES
    return _values(name)


def _snapshot(name: str, value: float, *, status: str, account: float, n: float) -> Snapshot:
    numeric = [NAN] * len(NUMERIC)
    numeric[NUMERIC.index(name)] = value
    for count in ("agent_csat_n", "customer_csat_n"):
        numeric[NUMERIC.index(count)] = n
    if name != "account_csat":
        numeric[NUMERIC.index("account_csat")] = account
    categorical = [""] * len(CATEGORICAL)
    categorical[CATEGORICAL.index("status")] = status
    return Snapshot("T-1", datetime(2026, 11, 24, tzinfo=UTC), tuple(numeric), tuple(categorical), "", "", "")


def every_reason() -> list[str]:
    """Each reason features.py words, over the spread: numeric, categorical and text."""
    out: set[str] = set()
    names = sorted(set(_WORDS) | set(_UNKNOWN) | set(_SOLVED_WORDS))
    for name in names:
        for value in _values(name):
            for reference in _references(name):
                for status in ("open", "solved"):
                    for account, n in ((NAN, NAN), (0.82, 40.0), (0.5, 1.0), (1.0, 0.0)):
                        snap = _snapshot(name, value, status=status, account=account, n=n)
                        out.add(features.snapshot_reason(snap, name, reference))
                out.add(features.reason(name, value, reference))
    for name in CATEGORICAL:
        values = ["", "phone", "Billing & refunds", "a; b", "Über"]
        if name == "language":
            values += [*LANGUAGE_NAMES, "xx"]
        for value in values:
            for share in (None, NAN, 0.0, 0.12, 1.0):
                out.add(features.category_reason(name, value, share))
    for terms in (["refund"], ["refund", "still", "again"], ["возврат", "ξανά"], ['<b>"x"</b>', "a; b"]):
        out.add(features.text_reason(terms))
    out.discard("")
    return sorted(out)


REASONS = every_reason()


@pytest.fixture
def speak():
    def use(lang: str) -> None:
        i18n.use(lang)
    yield use
    i18n.use("en")


def test_the_spread_reaches_every_table_of_features():
    said = set(REASONS)
    assert set(_UNKNOWN.values()) <= said
    assert {"solved by the promised date", "solved with no reply after 14 h", "the agent spoke last",
            "reopened once", "never reopened", "1 agent reply", "21 agent replies", "language: Greek",
            "category: not set", "language: not recognised", "created on a Saturday; 9% of the account's tickets are",
            "agent's recent CSAT 50% (n=1); account 50%"} <= said
    assert len(REASONS) > 2000


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reason_features_words_is_understood(lang, speak):
    """A sentence features.py can say and TEMPLATES cannot read falls back to English
    (`lang="en"`): this names it, so a new one is given its template and translations."""
    speak(lang)
    not_understood = [r for r in REASONS if 'lang="en"' in reason_words(r)]
    assert not not_understood, "reasons with no template in dashboard/reasons.py:\n" + "\n".join(not_understood[:20])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_reason_leaves_an_english_word(lang, speak):
    """Each reason translated, as the page check reads it (tests/test_dashboard_i18n.py,
    whose `english_left` and `visible_text` this reuses): no word of the English reason
    left, the customer's words and a category's value (kept as written, `lang=""`) aside."""
    speak(lang)
    left = {}
    for r in REASONS:
        english = set(_words(r))  # Lithuanian writes in Latin letters too: an English word is one of the source's
        for node in visible_text(f"<li>{reason_words(r)}</li>"):
            words = [w for w in english_left(node, SAME_IN_EVERY_LANGUAGE) if w in english]
            if words:
                left[r] = (node, words)
    assert not left, "\n".join(f"{r!r} -> {said!r}" for r, said in list(left.items())[:20])


def test_every_template_is_in_every_catalog():
    """A template without its translation would read back and still show English."""
    for lang in LANGUAGES:
        catalog = i18n.catalog(lang)
        for t in TEMPLATES:
            if isinstance(t, str):
                assert catalog.gettext(t) != t, (lang, t)
            else:
                assert catalog.ngettext(*t, 5) != t[1] and catalog.ngettext(*t, 1) != t[0], (lang, t)


def test_reasons_read_in_russian(speak):
    speak("ru")
    nbsp = "\u00a0"
    assert reason_words("first reply after 14 h; account median 2 h") == "первый ответ через 14 ч; медиана аккаунта 2 ч"
    # business time keeps its hours (never "3 d"); figures in Russian digits
    assert reason_words("first reply after 72 h of business hours; account median 1,200 min") == (
        f"первый ответ через 72 ч рабочего времени; медиана аккаунта 1{nbsp}200 мин")
    assert reason_words("ticket opened 1.5 d ago; account median 2.5 h") == (
        "обращение открыто 1,5 дн. назад; медиана аккаунта 2,5 ч")
    assert reason_words("agent's recent CSAT 55% (n=40); account 82%") == (
        f"недавний CSAT агента 55{nbsp}% (n=40); аккаунт 82{nbsp}%")
    assert reason_words("21 agent replies") == "21 ответ агента"  # Russian's plural rule, not English's
    assert reason_words("reassigned 3 times") == "переназначено 3 раза"
    assert reason_words("created on a Saturday; 9% of the account's tickets are") == (
        f"день создания: суббота; так у 9{nbsp}% обращений аккаунта")
    assert reason_words("created at 14:00 local time") == "создано в 14:00 по местному времени"
    assert reason_words("language: Greek") == "язык: греческий"  # Babel's name of the language
    assert reason_words("channel: phone; 12% of the account's tickets are") == (
        f'канал: <span lang="">phone</span>; так у 12{nbsp}% обращений аккаунта')
    assert reason_words("category: a; b") == 'категория: <span lang="">a; b</span>'  # a value with "; " in it
    assert reason_words("customer wrote “refund”, “still”") == 'клиент написал <span lang="">“refund”, “still”</span>'
    # an older scorer's words still read
    assert reason_words("created at 09:30 local time; account median Thursday") == (
        "создано в 09:30 по местному времени; медиана аккаунта четверг")
    assert reason_words("what the customer wrote") == "что написал клиент"


def test_greek_and_lithuanian_have_their_own_words(speak):
    speak("el")
    assert reason_words("no reply yet after 3 d; account median 40 min") == (
        "καμία απάντηση ακόμη μετά από 3 ημ. · διάμεσος λογαριασμού 40 λεπ.".replace(" · ", "; "))
    speak("lt")
    assert reason_words("2 SLA targets breached") == "pažeisti 2 SLA tikslai"
    assert reason_words("language: Russian") == "kalba: rusų"


def test_english_shows_the_stored_text_and_the_unknown_falls_back_to_it(speak):
    for r in REASONS[:50] + ["<b>x</b>"]:
        assert reason_words(r) == escape(r)
    speak("ru")
    for odd in ("a reason a newer scorer words", "first reply after 14 h; something new", "", "; ", "channel:",
                "<script>x</script>", "first reply after soon"):
        said = reason_words(odd)
        assert said == f'<span lang="en">{escape(odd)}</span>', odd
    assert reason_words(12) == '<span lang="en">12</span>'  # not a text at all: shown, never raised


def test_parse_reads_a_reason_back_into_its_template():
    assert parse("first reply after 14 h") == ("first reply after %(duration)s", {"duration": "14 h"})
    assert parse("1 agent reply") == (("%(number)s agent reply", "%(number)s agent replies"), {"number": "1"})
    assert parse("account median 1,200") == ("account median %(value)s", {"value": "1,200"})
    assert parse("not a reason") is None


def test_a_sentence_new_to_features_is_caught(monkeypatch, speak):
    """The check above, checked: a reason features.py starts to word, without its template
    here, is found by the spread and falls back to English."""
    said, reference = _WORDS["reopens"]
    monkeypatch.setitem(_WORDS, "reopens", (lambda v: "bounced once" if v == 1 else said(v), reference))
    speak("ru")
    new = [r for r in every_reason() if 'lang="en"' in reason_words(r)]
    assert new and all(r.startswith("bounced once") for r in new)
