"""The dashboard in the team's language (issue 18): every page in Russian, Greek and
Lithuanian, chosen by the browser's Accept-Language (by q-value) or by the key's own
choice in the header, with numbers and dates in the locale's format — and no English
left on any page.

The no-English check renders every dashboard page in English and in each language and
compares their visible text: every text node, every `title`, `aria-label` and
`placeholder`, the charts' labels and tooltips included. A node that reads the same in
both, and still has an English word in it, is a string someone forgot to mark for
translation or to translate; the test names it and the page. Left out, on purpose:

- text inside an element with a `lang` of its own — the templates mark with `lang=""` what
  customers, agents and reviewers wrote (subjects, comments, reasons, terms), which is in
  its own language, and the language switcher names each language in that language;
- text inside `<code>` — commands to type, which are the same in every language;
- names and ids from the desk itself (agents, groups, accounts, tickets, surveys, the
  webhook's URL...): `_data_words` reads them from the store, so a name is never
  mistaken for an untranslated word, and a new English string next to one still is;
- ALLOWED below: the figures' names (CSAT, NPS...), units and marks that read the same in
  all four languages.

A new English string added to a template without `{% trans %}`/`_()`, or marked but left
out of a catalog, fails this test on the page that shows it; a marked text that no page of
the fixture desk shows is still caught by test_every_marked_text_is_in_every_catalog."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from cxpulse.storage import Store
from cxpulse.web import i18n
from cxpulse.web.dashboard import format as F
from tests.dashboard_helpers import NOW, OWN, OWN_SURVEY, client_for, csrf_of, login, seed_desk
from tests.test_dashboard import PAGES as OVERVIEW_PAGES

PAGES = tuple(dict.fromkeys((*OVERVIEW_PAGES, "/responses", "/tickets", "/tickets?solved=1", "/reviews", "/team",
                             "/quality", "/responses?kind=nps", "/agents?sort=csat&dir=asc",
                             "/at-risk?status=long-hold", "/tickets?sla=first_reply&sla_status=breached", "/login")))
LANGUAGES = ("ru", "el", "lt")

# Words that are the same in every language the dashboard speaks: the figures' and the
# product's names, statistics' letters, abbreviations and terms of the trade (Greek writes
# "Webhooks" too), the codes of the languages, the learners' ids and the keys' prefix.
ALLOWED = frozenset("""
CSAT NPS CES CSI IQS eNPS AUC KPI KPIs SLA API URL CSV UTC cxpulse n z p r pp en ru el lt Webhooks
logreg lgbm blend cxp
""".split())


class _Text(HTMLParser):
    """A page's visible text nodes and readable attributes, outside `lang=""` and `<code>`."""

    SKIP = {"script", "style", "code", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.nodes: list[str] = []

    def _skipped(self) -> bool:
        return any(s for _t, s in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = tag in self.SKIP or (tag != "html" and "lang" in a)  # lang="": no language; lang="xx": its own
        if not skip and not self._skipped():
            for name in ("title", "aria-label", "placeholder"):
                if a.get(name):
                    self.nodes.append(a[name])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def _data_words(store: Store) -> frozenset[str]:
    """Every word of the desk's own names and ids: they read the same in every language."""
    queries = (
        "SELECT name FROM accounts", "SELECT name FROM users", "SELECT source_id FROM users",
        "SELECT source_id FROM tickets", "SELECT DISTINCT group_name FROM tickets",
        "SELECT DISTINCT category FROM tickets",
        "SELECT DISTINCT channel FROM responses WHERE kind = 'review'", "SELECT name FROM surveys",
        "SELECT url FROM webhooks", "SELECT name FROM api_keys", "SELECT name FROM qa_scorecards",
    )
    words: set[str] = {OWN, OWN_SURVEY}
    with store.engine.connect() as conn:
        for q in queries:
            for (value,) in conn.execute(text(q)).all():
                if isinstance(value, str):
                    words.update(_words(value))
    return frozenset(words)


def _words(node: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'’]*", node)


def english_left(node: str, data: frozenset[str]) -> list[str]:
    """The English words of `node` that are neither data nor allowed (two letters or more)."""
    return [w for w in _words(node) if len(w) > 1 and w not in ALLOWED and w not in data]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("i18n") / "cxpulse.db")
    yield seed_desk(store)
    store.engine.dispose()


@pytest.fixture(scope="module")
def client(desk):
    c = client_for(desk.store)
    assert login(c, desk.own_key).status_code == 303
    return c


def _get(client, path: str, accept: str) -> str:
    r = client.get(path, headers={"Accept-Language": accept})
    assert r.status_code == 200, (path, accept, r.text[:300])
    return r.text


def _ticket_pages(store: Store) -> tuple[str, ...]:
    """A rated ticket's answers with their comments, and its review form (the Quality pages)."""
    with store.engine.connect() as conn:
        ticket = conn.execute(text(
            "SELECT r.ticket_id FROM responses r JOIN accounts a ON a.id = r.account_id "
            "WHERE a.name = :own AND r.kind = 'csat' AND r.ticket_id != '' ORDER BY r.ticket_id LIMIT 1"),
            {"own": OWN}).scalar_one()
    return (f"/comments?ticket={ticket}", f"/quality/review/{ticket}")


def test_no_page_has_an_untranslated_string(desk, client):
    data = _data_words(desk.store)
    login_client = client_for(desk.store)
    problems = []
    for path in PAGES + _ticket_pages(desk.store):
        c = login_client if path == "/login" else client
        english = set(visible_text(_get(c, path, "en")))
        for lang in LANGUAGES:
            for node in visible_text(_get(c, path, lang)):
                if node in english and english_left(node, data):
                    problems.append(f"{lang} {path}: {node!r}")
    assert not problems, "English left on the translated pages:\n" + "\n".join(sorted(set(problems)))


def test_the_check_finds_an_english_string_that_was_not_translated(desk):
    """The check itself: an English sentence beside a name is caught, the name alone is not."""
    data = _data_words(desk.store)
    agent = next(iter(sorted(w for w in data if w[0].isupper() and w.isalpha())))
    assert english_left(f"{agent} · 3 answers", data) == ["answers"]
    assert english_left(f"{agent} · CSAT 84.5% · n = 12", data) == []
    html = '<p>Сохранено <code>cxpulse demo</code> <span lang="">Printer broken</span></p><p title="Export it">x</p>'
    assert visible_text(html) == ["Сохранено", "Export it", "x"]


def test_the_page_follows_accept_language_by_q_value(client):
    html = _get(client, "/", "fr;q=1, el;q=0.5, ru;q=0.9")
    assert '<html lang="ru">' in html and "Обзор" in html and "Удовлетворённость" in html
    html = _get(client, "/", "de, lt")
    assert '<html lang="lt">' in html and "Apžvalga" in html
    html = _get(client, "/", "de, fr")
    assert '<html lang="en">' in html and "Satisfaction" in html


def test_the_login_page_speaks_the_browsers_language(desk):
    c = client_for(desk.store)
    html = c.get("/login", headers={"Accept-Language": "el-GR"}).text
    assert '<html lang="el">' in html and "Κλειδί API" in html


def test_a_key_keeps_the_language_its_user_picks_over_the_browsers(desk):
    c = client_for(desk.store)
    assert login(c, desk.own_key).status_code == 303
    html = c.get("/agents", headers={"Accept-Language": "ru"}).text
    assert '<html lang="ru">' in html and 'name="language"' in html
    r = c.post("/language", data={"csrf": csrf_of(html), "language": "lt", "next": "/agents"},
               headers={"Accept-Language": "ru"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/agents"
    html = c.get("/agents", headers={"Accept-Language": "ru"}).text
    assert '<html lang="lt">' in html and "Agentai" in html
    # kept with the key, not the session: a new login with the same key starts in Lithuanian
    again = client_for(desk.store)
    assert login(again, desk.own_key).status_code == 303
    assert '<html lang="lt">' in again.get("/", headers={"Accept-Language": "el"}).text
    # without the CSRF token nothing changes; "" follows the browser again
    assert c.post("/language", data={"csrf": "forged", "language": "el"}, follow_redirects=False).status_code == 403
    html = c.get("/", headers={"Accept-Language": "el"}).text
    assert '<html lang="lt">' in html
    c.post("/language", data={"csrf": csrf_of(html), "language": "", "next": "/"}, follow_redirects=False)
    assert '<html lang="el">' in c.get("/", headers={"Accept-Language": "el"}).text
    # a language the dashboard does not speak is not kept
    html = c.get("/", headers={"Accept-Language": "el"}).text
    c.post("/language", data={"csrf": csrf_of(html), "language": "xx", "next": "/"}, follow_redirects=False)
    assert '<html lang="el">' in c.get("/", headers={"Accept-Language": "el"}).text


def test_numbers_and_dates_are_formatted_for_the_locale(client):
    html = _get(client, "/?from=2026-06-01&to=2026-06-30", "ru")
    assert "1—30 июн. 2026\u202fг." in html  # the period line, as Russian writes a range of days
    assert re.search(r'data-metric="csat"><a [^>]*>\d+,\d\u00a0%</a>', html)  # 84,5 % — a comma, a no-break space
    html = _get(client, "/?from=2026-06-01&to=2026-06-30", "el")
    assert "1–30 Ιουν 2026" in html and re.search(r'data-metric="csat"><a [^>]*>\d+,\d%</a>', html)
    html = _get(client, "/?from=2026-06-01&to=2026-06-30", "en")
    assert "1 Jun 2026 to 30 Jun 2026" in html and re.search(r'data-metric="csat"><a [^>]*>\d+\.\d%</a>', html)


def test_formats_per_language():
    from datetime import date

    for lang, expected in (("en", ("1,234", "84.5%", "5.01", "19 min", "1.5 h", "24 Nov 2026", "p < 0.001")),
                           ("ru", ("1\u00a0234", "84,5\u00a0%", "5,01", "19 мин", "1,5 ч", "24 нояб. 2026\u202fг.",
                                   "p < 0,001")),
                           ("el", ("1.234", "84,5%", "5,01", "19 λεπ.", "1,5 ώρ.", "24 Νοε 2026", "p < 0,001")),
                           ("lt", ("1\u00a0234", "84,5\u00a0%", "5,01", "19 min.", "1,5 val.", "2026-11-24",
                                   "p < 0,001"))):
        i18n.use(lang)
        try:
            got = (F.count(1234), F.percent(84.5), F.mean(5.01), F.minutes(19), F.minutes(90),
                   F.day(date(2026, 11, 24)), F.p_value(0.0001))
        finally:
            i18n.use("en")
        assert got == expected, lang


def test_every_catalog_has_every_message_and_keeps_its_placeholders():
    """A catalog entry left empty shows English; one that drops or renames a %(name)s breaks
    the page when it is formatted. Both fail here, whichever page would show them."""
    from importlib import resources

    from babel.messages.pofile import read_po

    for lang in LANGUAGES:
        with resources.files("cxpulse.web").joinpath("locales", f"{lang}.po").open("rb") as f:
            catalog = read_po(f, locale=lang)
        for m in catalog:
            if not m.id:
                continue
            english = m.id[-1] if isinstance(m.id, tuple) else m.id  # a plural: its "many" form
            forms = m.string if isinstance(m.string, tuple) else (m.string,)
            assert all(forms), f"{lang}: no translation of {m.id!r}"
            assert not m.fuzzy, f"{lang}: {m.id!r} is marked fuzzy"
            for form in forms:
                assert sorted(set(re.findall(r"%\(\w+\)\w", english))) == sorted(
                    set(re.findall(r"%\(\w+\)\w", form))), (lang, m.id, form)
                assert english.count("<") == form.count("<"), (lang, m.id, form)  # the markup kept


def test_every_marked_text_is_in_every_catalog():
    """What `pybabel extract` finds in the sources (locales/babel.cfg's map) is in each
    catalog: a text marked on a page the fixture desk does not reach is still caught."""
    from importlib import resources
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "trim_blocks": "true", "lstrip_blocks": "true"}
    method_map = [("src/cxpulse/web/**.py", "python"), ("src/cxpulse/web/templates/dashboard/**.html", "jinja2")]
    keywords = {"_": None, "N_": None, "Nn_": (1, 2), "gettext": None, "ngettext": (1, 2),
                "pgettext": ((1, "c"), 2)}
    found = {(context, msg if isinstance(msg, str) else msg[0])
             for _file, _line, msg, _comments, context in extract_from_dir(
                 str(root), method_map, options_map={"src/cxpulse/web/templates/dashboard/**.html": options},
                 keywords=keywords)}
    assert len(found) > 500
    for lang in LANGUAGES:
        with resources.files("cxpulse.web").joinpath("locales", f"{lang}.po").open("rb") as f:
            catalog = read_po(f, locale=lang)
        have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
        assert not found - have, f"{lang}: not in the catalog: {sorted(found - have, key=str)[:10]}"


def test_a_model_no_better_than_chance_says_so_in_the_pages_language():
    """The sentence shown instead of scores: the service's own words in English, the page's
    language otherwise, with the AUC and its interval in the locale's format."""
    from cxpulse.service.predict import no_score_reason
    from cxpulse.web.dashboard.predictions import no_score_words

    card = {"account": "coin", "version": 3, "better_than_chance": False, "auc": 0.512, "auc_low": 0.44,
            "auc_high": 0.58, "verdict": "no better than chance on this account's data", "scope": "account"}
    assert no_score_words(card) == no_score_reason(card)
    assert no_score_words({**card, "better_than_chance": True}) is None
    i18n.use("ru")
    try:
        said = no_score_words(card)
    finally:
        i18n.use("en")
    assert said.startswith("Нет оценок для coin: его модель версии 3 не лучше случайного угадывания")
    assert "AUC 0,51, 95% интервал: 0,44 – 0,58" in said and "cxpulse train" in said


def test_a_refused_form_says_why_in_the_pages_language(client):
    form = _get(client, f"/surveys/{OWN_SURVEY}", "lt")
    bad = {"csrf": csrf_of(form), "delay_minutes": "greitai", "throttle_days": "14", "expire_days": "0",
           "language": "en"}
    r = client.post(f"/surveys/{OWN_SURVEY}", data=bad, headers={"Accept-Language": "lt"})
    assert r.status_code == 422 and "Niekas neišsaugota" in r.text
    assert "Delsa po išsprendimo (minutėmis): &#39;greitai&#39; nėra sveikasis skaičius." in r.text


def _reasons(html: str) -> list[str]:
    """The model's reasons on a page, each as its `<li>` reads in HTML."""
    return [li for ol in re.findall(r'<ol class="reasons">(.*?)</ol>', html, re.S)
            for li in re.findall(r"<li[^>]*>(.*?)</li>", ol, re.S)]


def test_the_models_reasons_are_said_in_the_pages_language(client):
    """Stored in English (the CLI's, the API's and the CSV's contract), shown in the page's
    language on the At risk and Alerts pages; tests/test_reason_words.py goes through every
    reason features.py can word."""
    for path in ("/at-risk?per=100", "/alerts"):
        english = _reasons(_get(client, path, "en"))
        assert len(english) >= 3, path
        for lang in LANGUAGES:
            said = _reasons(_get(client, path, lang))
            assert len(said) == len(english), (path, lang)
            assert not [s for s in said if 'lang="en"' in s], (path, lang)  # none left in English
            assert not set(said) & set(english), (path, lang)
    ru = _get(client, "/at-risk?per=100", "ru")
    assert re.search(r"<li>[^<]*(медиана аккаунта|обращени|ответ)", ru)
    # the export is a contract: the stored English, whatever the page's language
    exported = client.get("/at-risk?per=100&format=csv", headers={"Accept-Language": "ru"}).text
    assert "account median" in exported or "of the account's tickets" in exported


def test_a_value_the_service_refuses_is_said_in_the_pages_language(desk, client):
    """The survey form's refusals worded by the service (surveys/definitions.validate) reach
    the page in Russian; the CLI's English is tests/test_survey_form_errors.py's."""
    from cxpulse.service.surveys import get_survey

    before = get_survey(desk.store, OWN, OWN_SURVEY).survey
    form = _get(client, f"/surveys/{OWN_SURVEY}", "ru")
    bad = {"csrf": csrf_of(form), "delay_minutes": "60", "throttle_days": "14", "reminder_days": "30",
           "expire_days": "28", "language": "ru", "reasons": "slow"}
    r = client.post(f"/surveys/{OWN_SURVEY}", data=bad, headers={"Accept-Language": "ru"})
    assert r.status_code == 422 and "Ничего не сохранено" in r.text, r.text[:500]
    assert "Напомнить через (дни): 30 — не раньше, чем «Ссылки истекают через (дни)» (28)" in r.text
    bad.update(reminder_days="", reasons="slow, Slow")
    r = client.post(f"/surveys/{OWN_SURVEY}", data=bad, headers={"Accept-Language": "ru"})
    assert "Причины, предлагаемые после низкой оценки: &#39;Slow&#39; — недопустимый ключ" in r.text
    assert "is not a valid key" not in r.text and "reminder_days" not in r.text.split('role="alert"')[1][:300]
    assert get_survey(desk.store, OWN, OWN_SURVEY).survey == before
