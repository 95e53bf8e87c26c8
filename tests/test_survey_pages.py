"""The survey pages through FastAPI's TestClient, on SQLite and PostgreSQL: one-click
ratings, the follow-up form, signature links, refusals, escaping and accessibility."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse.service.surveys import create_survey, invitation_links, link_url, send_due
from cxpulse.storage import tables as T
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import Survey
from cxpulse.surveys.rules import COMMENT_MAX
from cxpulse.web import create_app
from tests.survey_helpers import (
    ACCOUNT,
    T0,
    RecordingMailer,
    count,
    customer,
    invitations,
    responses,
    seed,
    ticket,
    token_of,
)

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
SENT = T0 + 3 * H
CSAT = Survey(name="csat", kind="csat", reasons=("slow", "not_solved", "other"))
NASTY = "<script>alert(1)</script>"
CSS = Path(__file__).resolve().parents[1] / "src" / "cxpulse" / "web" / "static" / "style.css"


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self, at) -> None:
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(SENT + 5 * MIN)


@pytest.fixture
def client(store, clock):
    with TestClient(create_app(store, clock=clock)) as c:
        yield c


def _desk(store, *tickets: tuple[str, str], survey: Survey = CSAT) -> None:
    """Tickets (id, customer locale) solved at T0+1h; customer c-<id>; invitations sent at SENT."""
    recs = []
    for tid, locale in tickets:
        recs += [customer(f"c-{tid}", locale=locale), ticket(tid, f"c-{tid}", solved_at=T0 + H)]
    seed(store, recs)
    create_survey(store, ACCOUNT, survey, now=T0)
    assert send_due(store, RecordingMailer(), now=SENT).sent == len(tickets)


def _links(store, tid: str) -> dict[int, str]:
    inv = invitations(store)[tid]
    return {score: "/s/" + token_of(url) for score, _label, url in invitation_links(store, inv["id"])}


# ---- a small HTML checker: structure and accessibility of every page -----------------------------


class Page(HTMLParser):
    """The parts of a page the checks below look at."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title = ""
        self.h1 = 0
        self.viewport = False
        self.controls: list[dict] = []  # inputs, textareas, selects that need a label
        self.labels: set[str] = set()
        self.buttons: list[str] = []
        self.radios: list[dict] = []
        self.problems: list[str] = []
        self._in: list[str] = []
        self._button: list[str] | None = None
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "meta" and a.get("name") == "viewport":
            self.viewport = "width=device-width" in (a.get("content") or "")
        if tag == "script":
            self.problems.append("a <script> element")
        if "style" in a:
            self.problems.append(f"an inline style on <{tag}>")
        self.problems += [f"an inline handler {k} on <{tag}>" for k in a if k.startswith("on")]
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "input" and a.get("type") == "radio":
            self.radios.append(a)
        if tag == "button":
            self._button = []
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self.buttons.append("".join(self._button).strip())
            self._button = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._button is not None:
            self._button.append(data)
        self.text.append(data)

    @property
    def body_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def check_page(response, lang: str | None = None) -> Page:
    """Every page: its language, a title, one h1, a viewport, a label per control, no scripts."""
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    page = Page(response.text)
    assert page.lang in ("en", "ru", "el", "lt")
    if lang:
        assert page.lang == lang
    assert page.title.strip()
    assert page.h1 == 1
    assert page.viewport
    assert page.problems == []
    for control in page.controls:
        assert control.get("id") in page.labels, f"no <label for> for {control}"
    assert all(page.buttons), "a button without text"
    assert '<link rel="stylesheet" href="/static/style.css">' in response.text
    return page


# ---- the app itself --------------------------------------------------------------------------------


def test_healthz_answers_and_every_response_carries_the_security_headers(client):
    r = client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert r.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert r.headers["x-content-type-options"] == "nosniff"
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "http" not in css.text  # nothing loaded from elsewhere


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_stylesheet_colours_have_enough_contrast_and_focus_is_visible():
    css = CSS.read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    for text, background in [("text", "bg"), ("muted", "bg"), ("accent", "bg"), ("accent-text", "accent"),
                             ("accent-text", "accent-hover"), ("error", "bg"), ("text", "panel"),
                             ("muted", "panel")]:
        assert contrast(colours[text], colours[background]) >= 4.5, (text, background)
    assert contrast(colours["border"], colours["bg"]) >= 3  # the edges of controls
    assert contrast(colours["focus"], colours["bg"]) >= 3
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", css)
    assert "outline: none" not in css and "outline:0" not in css.replace(" ", "")


# ---- one-click links -------------------------------------------------------------------------------


def test_a_click_records_the_rating_once_and_offers_reasons_and_a_comment(store, client):
    _desk(store, ("t1", "en"))
    r = client.get(_links(store, "t1")[2])
    assert r.status_code == 200
    page = check_page(r, "en")
    m = i18n.texts("en")
    assert m["page.thanks_title"] in page.title
    assert "Dissatisfied" in page.body_text  # the chosen score, in words
    assert [x["value"] for x in page.radios] == ["slow", "not_solved", "other", ""]
    assert {x["name"] for x in page.radios} == {"reason"}
    assert m["reason.not_solved"] in page.body_text
    (textarea,) = [c for c in page.controls if c.get("name") == "comment"]
    assert textarea["maxlength"] == str(COMMENT_MAX)
    assert page.buttons == [m["page.submit"]]
    assert r.headers["cache-control"] == "no-store"
    assert [(x["score"], x["source_id"]) for x in responses(store)] == [(2, f"survey-{invitations(store)['t1']['id']}")]
    assert invitations(store)["t1"]["status"] == "answered"


def test_a_high_score_asks_for_no_reason(store, client):
    _desk(store, ("t1", "en"))
    page = check_page(client.get(_links(store, "t1")[5]))
    assert page.radios == [] and "Very satisfied" in page.body_text


def test_a_second_click_within_15_minutes_replaces_the_first_later_ones_are_refused(store, client, clock):
    _desk(store, ("t1", "lt"))
    links = _links(store, "t1")
    assert client.get(links[2]).status_code == 200
    clock.at += 10 * MIN
    again = client.get(links[4])
    assert again.status_code == 200
    check_page(again, "lt")
    assert i18n.texts("lt")["page.replaced_body"] in Page(again.text).body_text
    assert [x["score"] for x in responses(store)] == [4]
    clock.at += 6 * MIN
    late = client.get(links[1])
    assert late.status_code == 409
    page = check_page(late, "lt")
    assert i18n.texts("lt")["page.refused_title"] in page.title
    assert [x["score"] for x in responses(store)] == [4]


def test_a_link_scanner_fetching_every_score_decides_nothing_the_customers_later_click_does(store, client, clock):
    """Issue 13 §6: a scanner fetched all links of the email in order and stored the last;
    the customer's own click 30 minutes later got 409. Now the burst stores nothing, its pages
    ask to confirm, and the customer's click decides — then the usual 15-minute rule holds."""
    from cxpulse.service.report import ReportQuery, report

    _desk(store, ("t1", "el"), ("t2", "en"))
    links = _links(store, "t1")
    m = i18n.texts("el")
    for score in sorted(links):  # the scanner: every link, in order, within a second or two
        clock.at += timedelta(milliseconds=300)
        r = client.get(links[score])
        assert r.status_code == 200, (score, r.status_code)
    page = check_page(r, "el")
    assert m["page.confirm_body"] in page.body_text  # the page asks a person to confirm, nothing stored
    assert [x["value"] for x in page.radios if x["name"] == "score" and "checked" in x] == ["5"]
    assert responses(store) == [] and invitations(store)["t1"]["answered_at"] is None
    assert sum(r["n"] for r in report(store, ReportQuery(metrics=("csat",)))) == 0

    clock.at += 30 * MIN  # the customer's own click
    mine = client.get(links[2])
    assert mine.status_code == 200 and m["page.thanks_body"] in Page(mine.text).body_text
    assert [x["score"] for x in responses(store)] == [2]
    clock.at += 5 * MIN  # a real second click within 15 minutes still replaces
    assert client.get(links[3]).status_code == 200
    clock.at += 11 * MIN
    assert client.get(links[1]).status_code == 409  # and after them it is refused, as before
    assert [x["score"] for x in responses(store)] == [3]
    (csat,) = report(store, ReportQuery(metrics=("csat",)))
    assert csat["n"] == 1

    # the other customer answers the confirm page's form inside the scanner's window: a person
    other = _links(store, "t2")
    client.get(other[1])
    client.get(other[2])
    assert responses(store) == [x for x in responses(store) if x["ticket_id"] == "t1"]
    saved = client.post(other[2], data={"score": "4", "comment": "fine"})
    assert saved.status_code == 200
    assert sorted((x["ticket_id"], x["score"]) for x in responses(store)) == [("t1", 3), ("t2", 4)]
    clock.at += 20 * timedelta(seconds=1)
    assert client.get(other[5]).status_code == 200  # within 15 minutes of the form: a person's change
    assert sorted((x["ticket_id"], x["score"]) for x in responses(store)) == [("t1", 3), ("t2", 5)]


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:],  # one character of the signature
    lambda t: t[:-1],
    lambda t: t.replace(".", ""),
    lambda t: t + "x",
    lambda t: "x" * 40,
    lambda t: "." * 5,
    lambda t: "%00%ff%fe",
    lambda t: "Ελλάδα-ß-🙂",
    lambda t: "A" * 5000,
    lambda t: "<script>alert(1)</script>",
    lambda t: t[:5] + "\n" + t[5:],  # a line break (mail clients wrap long links)
])
def test_a_tampered_token_shows_link_not_valid_and_records_nothing(store, client, mangle):
    _desk(store, ("t1", "en"))
    good = token_of(_links(store, "t1")[2])
    bad = "/s/" + quote(mangle(good), safe="")
    r = client.get(bad)
    assert r.status_code == 400
    page = check_page(r, "en")
    assert i18n.texts("en")["page.invalid_title"] in page.title
    assert "<script>alert" not in r.text
    posted = client.post(bad, data={"reason": "slow", "comment": "hi"})
    assert posted.status_code == 400
    check_page(posted)
    assert count(store, T.responses) == 0
    assert invitations(store)["t1"]["answered_at"] is None


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_token_whatever_its_shape_gives_a_server_error_or_records_anything(store, client, data):
    if not invitations(store):
        _desk(store, ("t1", "en"))
    good = token_of(_links(store, "t1")[3])
    edits = st.lists(st.tuples(st.integers(0, len(good) - 1), st.characters(codec="utf-8")), min_size=1, max_size=4)
    bad = data.draw(st.one_of(st.text(max_size=300), edits.map(lambda es: _edit(good, es))))
    if bad == good:
        return
    path = quote(bad, safe="").replace(".", "%2E")  # else a client folds "/s/.." into "/"
    for method in (client.get, client.post):
        r = method("/s/" + path)
        assert r.status_code == 400, (bad, r.status_code)
        r = method("/l/" + path)
        assert r.status_code == 400, (bad, r.status_code)
    assert count(store, T.responses) == 0


def _edit(token: str, edits) -> str:
    chars = list(token)
    for i, c in edits:
        chars[i] = c
    return "".join(chars)


def test_the_invalid_page_speaks_the_browsers_language(store, client):
    r = client.get("/s/nonsense", headers={"Accept-Language": "el-GR,el;q=0.9,en;q=0.5"})
    assert r.status_code == 400
    page = check_page(r, "el")
    assert i18n.texts("el")["page.invalid_title"] in page.title
    assert check_page(client.get("/s/nonsense", headers={"Accept-Language": "fr, ru;q=0.8"}), "ru")


def test_an_expired_link_shows_the_survey_closed_and_records_nothing(store, client, clock):
    _desk(store, ("t1", "ru"))
    clock.at = SENT + timedelta(days=28, minutes=1)
    r = client.get(_links(store, "t1")[5])
    assert r.status_code == 410
    page = check_page(r)
    assert i18n.texts(page.lang)["page.expired_title"] in page.title
    assert count(store, T.responses) == 0


def test_feedback_is_saved_with_its_reason_and_comment(store, client):
    _desk(store, ("t1", "en"))
    link = _links(store, "t1")[2]
    client.get(link)
    r = client.post(link, data={"reason": "not_solved", "comment": "Still broken.\r\nSecond line"})
    assert r.status_code == 200
    page = check_page(r, "en")
    assert i18n.texts("en")["page.feedback_saved"] in page.body_text
    (row,) = responses(store)
    assert (row["score"], row["reason"], row["comment"]) == (2, "not_solved", "Still broken.\nSecond line")


def test_a_comment_that_is_too_long_is_refused_and_the_rating_stays(store, client):
    _desk(store, ("t1", "el"))
    link = _links(store, "t1")[1]
    client.get(link)
    r = client.post(link, data={"reason": "slow", "comment": "ω" * (COMMENT_MAX + 1)})
    assert r.status_code == 422
    page = check_page(r, "el")
    assert i18n.texts("el").format("page.comment_too_long", max=COMMENT_MAX) in page.body_text
    assert [x["value"] for x in page.radios if "checked" in x] == ["slow"]  # what was typed is kept
    (row,) = responses(store)
    assert (row["score"], row["reason"], row["comment"]) == (1, "", "")
    exactly = client.post(link, data={"comment": "ω" * COMMENT_MAX})
    assert exactly.status_code == 200
    assert responses(store)[0]["comment"] == "ω" * COMMENT_MAX


def test_an_unknown_reason_is_refused_and_a_huge_body_is_not_read(store, client):
    _desk(store, ("t1", "en"))
    link = _links(store, "t1")[2]
    client.get(link)
    r = client.post(link, data={"reason": "<b>ugly</b>", "comment": "x"})
    assert r.status_code == 422
    assert "<b>ugly</b>" not in r.text
    assert client.post(link, data={"comment": "x" * 200_000}).status_code == 413
    assert responses(store)[0]["comment"] == ""


def test_an_html_comment_is_stored_raw_and_shown_escaped(store, client, clock):
    _desk(store, ("t1", "en"))
    link = _links(store, "t1")[2]
    client.get(link)
    comment = f'{NASTY} & "quotes" <b>bold</b>'
    assert client.post(link, data={"reason": "other", "comment": comment}).status_code == 200
    assert responses(store)[0]["comment"] == comment  # raw in the database
    clock.at += 5 * MIN
    again = client.get(link)  # the page shows the stored comment again
    assert again.status_code == 200
    check_page(again)
    assert NASTY not in again.text and "<b>bold</b>" not in again.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; &lt;b&gt;bold&lt;/b&gt;" in again.text
    too_long = client.post(link, data={"comment": NASTY * 200})  # re-shown in the form with the error
    assert too_long.status_code == 422
    assert NASTY not in too_long.text and "&lt;script&gt;" in too_long.text


def test_a_csi_survey_page_asks_every_question_with_labelled_radios(store, client):
    _desk(store, ("t1", "ru"), survey=Survey(name="csi", kind="csi", attributes=("speed", "empathy")))
    ((_, _, url),) = invitation_links(store, invitations(store)["t1"]["id"])
    link = "/s/" + token_of(url)
    r = client.get(link)
    assert r.status_code == 200
    page = check_page(r, "ru")
    assert {x["name"] for x in page.radios} == {"score_speed", "importance_speed", "score_empathy",
                                                "importance_empathy"}
    assert len(page.radios) == 20
    assert count(store, T.responses) == 0  # opening the page records nothing
    partial = client.post(link, data={"score_speed": "4", "importance_speed": "5"})
    assert partial.status_code == 422
    assert i18n.texts("ru")["page.score_required"] in Page(partial.text).body_text
    assert count(store, T.responses) == 0
    saved = client.post(link, data={"score_speed": "4", "importance_speed": "5", "score_empathy": "2",
                                    "importance_empathy": "3", "comment": "Спасибо"})
    assert saved.status_code == 200
    rows = {x["attribute"]: (x["score"], x["importance"]) for x in responses(store)}
    assert rows == {"speed": (4, 5), "empathy": (2, 3)}


# ---- signature and chat links -------------------------------------------------------------------------


def _link_token(store, survey: Survey = CSAT, **customers: str) -> str:
    seed(store, [customer(cid, locale=locale) for cid, locale in customers.items()]
         + [ticket("t1", "c_en", solved_at=T0 + H)])
    create_survey(store, ACCOUNT, survey, now=T0)
    return token_of(link_url(store, ACCOUNT, survey.name, agent_id="a1"))


@pytest.mark.parametrize("lang", ["en", "ru", "el", "lt"])
def test_the_link_page_asks_in_the_customers_language_with_a_button_per_score(store, client, lang):
    token = _link_token(store, c_en="en", c_ru="ru-RU", c_el="el", c_lt="lt_LT")
    r = client.get(f"/l/{token}", params={"ticket": "t1", "customer": f"c_{lang}"})
    assert r.status_code == 200
    page = check_page(r, lang)
    m = i18n.texts(lang)
    assert m["page.link_title"] in page.title
    assert [label for _s, label in i18n.score_labels(CSAT, lang)] == page.buttons
    assert f'{m["page.ticket_label"]}: t1' in page.body_text
    assert re.search(r'<form method="post">', r.text)
    assert 'name="score" value="5"' in r.text


def test_the_link_page_of_an_nps_survey_names_both_ends_of_the_scale(store, client):
    nps = Survey(name="nps", kind="nps")
    token = _link_token(store, nps, c_en="en")
    page = check_page(client.get(f"/l/{token}", params={"lang": "lt"}), "lt")
    assert page.buttons == [str(s) for s in range(11)]
    low, high = i18n.scale_anchors(nps, "lt")
    assert low in page.body_text and high in page.body_text


def test_a_ticket_id_on_the_link_page_is_escaped(store, client):
    token = _link_token(store, c_en="en")
    r = client.get(f"/l/{token}", params={"ticket": NASTY, "customer": '"><img src=x onerror=alert(1)>'})
    assert r.status_code == 200
    check_page(r)
    assert NASTY not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<img" not in r.text
    r = client.post(f"/l/{token}", data={"score": "4", "ticket": NASTY, "customer": "c_en", "comment": NASTY})
    assert r.status_code == 200
    (row,) = responses(store)
    assert (row["ticket_id"], row["comment"], row["score"]) == (NASTY, NASTY, 4)


def test_link_votes_are_one_per_ticket_and_customer_and_rate_limited_per_address(store, client):
    token = _link_token(store, c_en="en", c_ru="ru")
    first = client.post(f"/l/{token}", data={"score": "5", "ticket": "t1", "customer": "c_ru"})
    assert first.status_code == 200
    assert i18n.texts("ru")["page.feedback_saved"] in check_page(first, "ru").body_text
    again = client.post(f"/l/{token}", data={"score": "1", "ticket": "t1", "customer": "c_ru"})
    assert again.status_code == 409
    assert i18n.texts("ru")["page.already_rated"] in check_page(again, "ru").body_text
    statuses = [client.post(f"/l/{token}", data={"score": "4", "ticket": f"x{i}", "customer": "c_en"}).status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # 5 votes per address and hour, the first included
    limited = client.post(f"/l/{token}", data={"score": "4"})
    assert limited.status_code == 429
    assert i18n.texts("en")["page.rate_limited"] in check_page(limited, "en").body_text
    assert [r["score"] for r in responses(store)] == [5, 4, 4, 4, 4]
    assert count(store, T.link_votes) == 5


def test_a_bad_vote_or_link_records_nothing(store, client):
    token = _link_token(store, c_en="en")
    assert client.post(f"/l/{token}", data={"score": "11"}).status_code == 422
    assert client.post(f"/l/{token}", data={"score": "five"}).status_code == 422
    too_long = client.post(f"/l/{token}", data={"score": "3", "comment": "x" * (COMMENT_MAX + 1)})
    assert too_long.status_code == 422
    check_page(too_long)
    for bad in (token[:-2], "nonsense", token + "A"):
        assert client.get(f"/l/{bad}").status_code == 400
        assert client.post(f"/l/{bad}", data={"score": "3"}).status_code == 400
    assert client.get(f"/l/{token}", params={"ticket": "x" * 5000}).status_code == 400
    assert client.post(f"/l/{token}", data={"score": "3", "ticket": "x" * 5000}).status_code == 400
    assert count(store, T.responses) == 0 and count(store, T.link_votes) == 0
