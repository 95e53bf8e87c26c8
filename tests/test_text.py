import unicodedata

import pytest

from cxpulse import text as T
from cxpulse.text import Term, detect_language, overrepresented_terms, stems, tokens


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I have been waiting for a reply for three days", "en"),
        ("Я ждал ответа три дня, и никто не ответил", "ru"),
        ("Περίμενα απάντηση για τρεις μέρες", "el"),
        ("Laba diena, negavau užsakymo jau tris dienas", "lt"),
        ("Laba diena, negavau uzsakymo, kodel taip ilgai?", "lt"),  # typed without diacritics
        ("Ačiū!", "lt"),
        ("Thanks, Šimkus, the order arrived and it is fine", "en"),  # a Lithuanian name in English
        ("VPN не работает после обновления", "ru"),
        ("", ""),
        ("12345 !!!", ""),
    ],
)
def test_detect_language_on_sample_sentences(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "здравствуйте никто не ответил на моё письмо",
        "ευχαριστώ πολύ για την γρήγορη απάντηση",
        "ačiū už greitą atsakymą, viskas veikia",
        "žąsys ėjo per ūkį",
    ],
)
def test_non_latin_text_round_trips_through_tokens_unchanged_in_letters(text):
    assert " ".join(tokens(text)) == text.replace(",", "")
    # Decomposed input (as some mail clients send it) gives the same composed letters.
    assert tokens(unicodedata.normalize("NFD", text)) == tokens(text)


def test_tokens_casefold_and_drop_numbers_and_single_letters():
    assert tokens("Order #12345 is LATE – a 2nd time, Straße") == ["order", "is", "late", "2nd", "time", "strasse"]


def test_greek_tokens_keep_the_final_sigma_whatever_the_case():
    assert tokens("ΟΔΟΣ οδος") == ["οδος", "οδος"]


def test_tokens_keep_words_with_combining_marks_whole():
    assert tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_stems_of_waiting_and_waited_are_equal():
    assert stems("waiting") == stems("waited") == ["wait"]


def test_russian_past_forms_share_a_stem():
    assert stems("ждал") == stems("ждали")


def test_greek_and_lithuanian_inflections_share_a_stem():
    assert stems("απάντηση") == stems("απαντήσεις")
    assert stems("atsakymo", lang="lt") == stems("atsakymas", lang="lt")


def test_stems_follow_each_words_script_in_mixed_text():
    assert stems("не работает VPN, waiting", lang="ru") == ["не", "работа", "vpn", "wait"]


def test_stems_of_a_language_without_stemmer_are_the_tokens():
    # Ukrainian has no Snowball stemmer: its words come back as tokens
    assert stems("Ми чекаємо відповіді вже тиждень", lang="uk") == tokens("Ми чекаємо відповіді вже тиждень")


FILLERS = ["order", "delivery", "account", "invoice", "password", "refund", "parcel"]


def _corpus(planted: str, n_low: int = 12, n_other: int = 40) -> tuple[list[str], list[str]]:
    """Low docs carry `planted` between changing neighbours, so no phrase repeats as often."""
    low = [f"my {FILLERS[i % 7]} {planted} {FILLERS[(i + 3) % 7]} today" for i in range(n_low)]
    other = [f"my {FILLERS[i % 7]} answered quickly {FILLERS[(i + 2) % 7]}" for i in range(n_other)]
    return low, other


def test_a_term_planted_in_low_rated_docs_comes_first():
    low, other = _corpus("waiting")
    low += ["they waited and waited", "waited for a week"]  # same stem, other forms
    terms = overrepresented_terms(low, other)
    first = terms[0]
    assert first.term == "waiting"  # the most frequent form of the stem "wait"
    assert (first.low_count, first.other_count) == (14, 0)
    assert all(t.z > 0 for t in terms)
    assert [t.z for t in terms] == sorted((t.z for t in terms), reverse=True)


def test_a_phrase_is_reported_by_its_surface_form():
    low, other = _corpus("never answered")
    terms = overrepresented_terms(low, other)
    assert "never answered" in {t.term for t in terms}
    assert isinstance(terms[0], Term)


def test_overrepresented_terms_work_in_russian():
    low = [f"я до сих пор жду ответа, заказ номер {i}" for i in range(10)] + ["жду ответ"]
    other = [f"спасибо, заказ {i} пришёл вовремя" for i in range(30)]
    terms = overrepresented_terms(low, other, phrases=False)
    assert terms[0].term in {"жду", "ответа", "сих", "пор"}
    assert "заказ" not in {t.term for t in terms[:4]}


def test_stop_words_and_rare_terms_are_left_out():
    low, other = _corpus("the waiting")
    terms = overrepresented_terms(low + ["a unique complaint"], other, min_count=3)
    words = {t.term for t in terms}
    assert "the" not in words and "my" not in words
    assert "unique" not in words  # once is not a pattern


def test_nothing_is_overrepresented_in_identical_corpora():
    docs = ["slow delivery again", "refund please", "password reset worked"] * 5
    assert overrepresented_terms(docs, docs) == []


def test_a_name_is_recognised_in_any_case_and_inflection():
    names = T.name_words(["Андрей Смирнов", "Paulius Jonaitis", ""])
    assert {"андрей", "paulius", "jonaitis"} <= names
    # "Андрею, ответьте" is the same person: its stem is among the name's
    assert T.stems("Андрею", "ru")[0] in names and T.stems("Pauliau", "lt")[0] in names
    assert "ответьте" not in names


def test_greetings_and_sign_offs_are_stop_words():
    for word in ("уважением", "заранее", "labas", "pagarbiai", "anksto", "advance", "regards", "εκτίμηση"):
        assert T._is_stop(word), word
