"""Every language, not four (issue 11 §4): Portuguese, Spanish, German, French, Polish and
Turkish support mail beside English, Russian, Greek and Lithuanian — detected right,
stemmed, and never a function word as a theme of the drill-down or a quoted reason word."""

from __future__ import annotations

import numpy as np
import pytest

from cxpulse import text as T
from cxpulse.ml.evaluation import TrainingSet
from cxpulse.ml.features import Snapshot, category_reason
from cxpulse.ml.model import SatisfactionModel
from cxpulse.service.drilldown import low_ratings
from cxpulse.service.imports import import_path
from tests.factories import make_ticket, write_jsonl
from tests.ml.test_model import make_snapshot

# Real-looking lines (a subject or a first line), written for these tests.
LINES = {
    "pt": [
        "Comprei um fone e até agora não recebi nada",
        "O pedido chegou com uma peça faltando",
        "Boa tarde, gostaria de saber quando meu produto será entregue",
        "Produto excelente, chegou bem embalado. Obrigado!",
        "Já faz duas semanas e o status continua em transporte",
    ],
    "es": [
        "Buenas tardes, el pedido llegó incompleto",
        "Hace diez días que espero el reembolso",
        "No me llega el código de verificación al móvil",
        "La factura tiene un importe equivocado",
        "Gracias por la atención, todo resuelto",
    ],
    "de": [
        "Guten Tag, meine Lieferung ist unvollständig",
        "Seit zehn Tagen warte ich auf die Erstattung",
        "Der Bestätigungscode kommt nicht auf meinem Handy an",
        "Die Rechnung hat einen falschen Betrag",
        "Danke für die Hilfe, alles erledigt",
    ],
    "fr": [
        "Bonjour, ma livraison est incomplète",
        "J'attends mon remboursement depuis dix jours",
        "Je ne reçois pas le code de vérification sur mon téléphone",
        "La facture indique un montant erroné",
        "Merci pour votre aide, tout est réglé",
    ],
    "pl": [
        "Dzień dobry, przesyłka przyszła niekompletna",
        "Od dziesięciu dni czekam na zwrot pieniędzy",
        "Nie dostaję kodu weryfikacyjnego na telefon",
        "Na fakturze jest błędna kwota",
        "Dziękuję za pomoc, wszystko załatwione",
    ],
    "tr": [
        "Merhaba, siparişim eksik geldi",
        "On gündür para iademi bekliyorum",
        "Doğrulama kodu telefonuma gelmiyor",
        "Faturada yanlış tutar yazıyor",
        "Yardımınız için teşekkürler, sorun çözüldü",
    ],
    "en": [
        "Hi, my delivery arrived incomplete",
        "I've been waiting ten days for my refund",
        "The verification code never reaches my phone",
        "The invoice shows the wrong amount",
        "Thanks for your help, all sorted",
    ],
    "ru": [
        "Здравствуйте, заказ пришёл неполный",
        "Десять дней жду возврата денег",
        "Код подтверждения не приходит на телефон",
        "В счёте неверная сумма",
    ],
    "el": [
        "Καλημέρα, η παραγγελία ήρθε ελλιπής",
        "Δέκα μέρες περιμένω την επιστροφή χρημάτων",
        "Ο κωδικός επιβεβαίωσης δεν έρχεται στο κινητό",
    ],
    "lt": [
        "Laba diena, siuntinys atėjo nepilnas",
        "Dešimt dienų laukiu pinigų grąžinimo",
        "Patvirtinimo kodas neateina į telefoną",
        "Saskaitoje neteisinga suma, prasau patikrinti",  # typed without diacritics
    ],
}


@pytest.mark.parametrize(("lang", "line"), [(lang, line) for lang, lines in LINES.items() for line in lines])
def test_the_language_of_a_support_line_is_detected(lang, line):
    assert T.detect_language(line) == lang


def test_at_least_fifty_languages_are_told_apart_and_named():
    assert len(T.LANGUAGES) >= 50
    assert T.detect_language("Ми чекаємо на відповідь вже тиждень, замовлення досі не прийшло") == "uk"
    assert T.detect_language("Objednávka stále nedorazila, čekám už týden") == "cs"
    assert T.detect_language("注文した商品がまだ届いていません") == "ja"
    assert category_reason("language", "pt") == "language: Portuguese"


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("pt", ("entregue", "entrega", "entregas")),
        ("es", ("esperando", "esperar", "espero")),
        ("de", ("Lieferung", "Lieferungen")),
        ("fr", ("remboursement", "remboursements")),
        ("pl", ("zamówienie", "zamówienia")),
        ("tr", ("siparişim", "siparişi", "sipariş")),
    ],
)
def test_inflections_of_the_new_languages_share_a_stem(lang, forms):
    assert len({T.stems(f, lang)[0] for f in forms}) == 1


# A low rating in each language is a complaint full of function words ("um", "uma",
# "até" in the Brazilian reviews), a high one a thank-you.
COMPLAINTS = {
    "pt": ("Comprei um {x} e até agora não chegou, já fiz uma reclamação", ["fone", "relógio", "tênis", "livro"],
           "Recebi o {x} no prazo, tudo certo", ("chegou", "reclamação")),
    "es": ("Compré un {x} y hasta ahora no ha llegado, ya puse una queja", ["móvil", "reloj", "libro", "bolso"],
           "Recibí el {x} a tiempo, todo bien", ("llegado", "queja")),
    "de": ("Ich habe einen {x} bestellt und er ist bis heute nicht angekommen, ich habe schon eine Beschwerde geschrieben",
           ["Kopfhörer", "Wecker", "Rucksack", "Toaster"], "Der {x} kam pünktlich, alles gut",
           ("angekommen", "beschwerde")),
    "fr": ("J'ai commandé un {x} et il n'est toujours pas arrivé, j'ai déjà fait une réclamation",
           ["casque", "réveil", "livre", "sac"], "J'ai reçu le {x} à temps, tout va bien", ("arrivé", "réclamation")),
    "pl": ("Zamówiłem {x} i do dziś nie dotarł, już złożyłem reklamację", ["telefon", "zegarek", "plecak", "toster"],
           "Dostałem {x} na czas, wszystko w porządku", ("dotarł", "reklamację")),
    "tr": ("Bir {x} sipariş ettim ve hâlâ gelmedi, bir de şikayet yazdım", ["kulaklık", "saat", "çanta", "kitap"],
           "{x} zamanında geldi, her şey yolunda", ("gelmedi", "şikayet")),
    "en": ("I ordered a {x} and it still has not arrived, I already filed a complaint", ["headset", "clock", "bag", "book"],
           "Got the {x} on time, all good", ("arrived", "complaint")),
    "ru": ("Заказал {x}, и до сих пор не пришёл, я уже написал жалобу", ["телефон", "часы", "рюкзак", "тостер"],
           "Получил {x} вовремя, всё хорошо", ("пришёл", "жалобу")),
    "el": ("Παρήγγειλα ένα {x} και ακόμα δεν έχει έρθει, έκανα ήδη μια καταγγελία", ["ρολόι", "κινητό", "βιβλίο", "σακίδιο"],
           "Πήρα το {x} στην ώρα του, όλα καλά", ("έρθει", "καταγγελία")),
    "lt": ("Užsakiau {x} ir jis iki šiol neatkeliavo, jau parašiau skundą", ["laikrodį", "telefoną", "kuprinę", "knygą"],
           "Gavau {x} laiku, viskas gerai", ("neatkeliavo", "skundą")),
}


def _is_function_phrase(term: str, lang: str) -> bool:
    """A theme made of function words only (a negation may start a phrase, never be one)."""
    return all(T.is_function_word(w, lang) for w in T.tokens(term))


@pytest.mark.parametrize("lang", list(COMPLAINTS))
def test_drilldown_themes_are_never_function_words(store, tmp_path, lang):
    low_text, things, high_text, expected = COMPLAINTS[lang]
    records = []
    for i in range(48):
        low = i % 3 == 0
        thing = things[i % len(things)]
        subject = (low_text if low else high_text).format(x=thing)
        records.append(make_ticket(id=f"T{i}", subject=subject, created_at=f"2026-03-{1 + i % 28:02d}T08:00:00Z"))
        records.append({"type": "rating", "id": f"R{i}", "ticket_id": f"T{i}", "score": 1 if low else 5,
                        "given_at": f"2026-03-{1 + i % 28:02d}T12:00:00Z"})
    import_path(store, "jsonl", write_jsonl(tmp_path / "d.jsonl", records), account="acme")
    terms = [t.term for t in low_ratings(store, account="acme").terms]
    assert T.detect_language(low_text.format(x=things[0])) == lang
    assert terms, "no themes"
    function = [t for t in terms if _is_function_phrase(t, lang)]
    assert function == [], f"function words among the themes: {function}"
    found = " ".join(terms).casefold()
    assert any(w.casefold() in found for w in expected), terms


def test_brazilian_review_themes_leave_out_um_uma_ate():
    """The issue's case: "um", "uma", "até" were among the top ten low-rating themes."""
    low = [f"Comprei {a} {x} e até hoje não recebi, {b} vergonha" for a, b in (("um", "uma"), ("uma", "que"))
           for x in ("fone", "caixa de som", "mochila", "capa", "luminária", "panela")]
    high = [f"Chegou {x} antes do prazo, recomendo" for x in ("rápido", "bem embalado", "certinho", "perfeito")] * 6
    terms = [t.term for t in T.overrepresented_terms(low, high, top=10)]
    assert terms
    assert not {"um", "uma", "até", "ate", "e", "que", "não"} & set(terms)
    assert "não recebi" in terms or "recebi" in terms  # the negation lives on in its phrase


def test_reasons_never_quote_a_function_word():
    """A text model trained on complaints in ten languages, whose low ratings use their
    function words more: what the reasons quote is a content word, in every language."""
    rng = np.random.default_rng(3)
    rows = []
    for lang, (low_text, things, high_text, _) in COMPLAINTS.items():
        for i in range(90):
            angry = rng.random() < 0.5
            body = (low_text if angry else high_text).format(x=things[i % len(things)])
            snap = make_snapshot(f"{lang}{i}", 0, rng, text=body)
            snap = Snapshot(snap.ticket_id, snap.as_of, snap.numeric, snap.categorical, body, "",
                            T.detect_language(body))
            rows.append((snap, not angry))
    model = SatisfactionModel().fit(TrainingSet.build(rows))
    scored = model.score([r[0] for r in rows])
    quoted: list[tuple[str, str]] = []
    for (snap, _), s in zip(rows, scored):
        for reason in s.reasons:
            if reason.startswith("customer wrote"):
                quoted += [(w, snap.language) for w in reason.split("“")[1:] for w in [w.split("”")[0]]]
    assert quoted, "no reason quoted a word"
    function = sorted({(w, lang) for w, lang in quoted if _is_function_phrase(w, lang)})
    assert function == [], f"function words quoted: {function}"
    assert len({lang for _, lang in quoted}) >= 6  # quotes in most of the ten languages


@pytest.mark.parametrize(
    "word",
    ["obrigado", "atenciosamente", "saludos", "gracias", "freundlichen", "grüßen", "cordialement",
     "pozdrawiam", "dziękuję", "teşekkürler", "saygılarımla", "уважением", "pagarbiai", "εκτίμηση", "regards"],
)
def test_greetings_and_sign_offs_of_every_language_are_stop_words(word):
    assert T._is_stop(word) and T.is_function_word(word, "en")


def test_the_four_languages_keep_their_stems_and_stop_words():
    """The first four stay as they were: the same Snowball stemmers, the same hand lists."""
    assert T.stems("ждали ответа", "ru") == ["ждал", "ответ"]
    assert T.stems("απαντήσεις", "el") == T.stems("απάντηση", "el")
    assert T.stems("atsakymo", "lt") == T.stems("atsakymas", "lt")
    for lang, words in T._STOP_WORDS_RAW.items():
        if lang in ("en", "ru", "el", "lt"):
            assert all(T.is_function_word(w, lang) for w in words.split())
