"""A review's sentiment, −1 (negative) … +1 (positive), from a small multilingual lexicon.

Why a lexicon: the packages the registry has are English-only (vaderSentiment, afinn's
English list) or pull a neural model and a download at run time; reviews come in English,
Russian, Greek and Lithuanian first. So cxpulse keeps its own word lists for those four
(SENTIMENT_WORDS below: the words people use about a service, an app, a delivery), matched
on Snowball stems (cxpulse.text) so one entry covers a word's inflections.

The score: each lexicon word counts ±1 (±2 for strong ones); a negation among the three
words before it in its clause ("not", "не", "δεν", "ne", or Lithuanian's ne- prefix: "neatsako") turns
it around; score = Σ weights / Σ |weights|, so +1 is all praise, −1 all complaint, and 0
a mix. A text with no lexicon word has no score (None): it is left out of the mean,
not counted as neutral. Texts in other languages are scored with the English list (words
people borrow: "app", "ok") and mostly get None.

Measured on a labelled sample written for it (tests/fixtures/sentiment/): docs/reviews.md
gives the accuracy per language; tests/test_sentiment.py recomputes it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cxpulse.text import detect_language, stems, tokens

__all__ = ["LEXICON_LANGUAGES", "label", "sentiment"]

# word: weight. Surface forms (any case, with accents); stemmed when loaded.
SENTIMENT_WORDS: dict[str, dict[str, int]] = {
    "en": {
        **dict.fromkeys("""good great excellent amazing awesome perfect love loved lovely fantastic wonderful
            helpful friendly polite kind quick fast speedy easy smooth reliable recommend recommended best
            thanks thank grateful happy pleased satisfied solved resolved fixed professional nice
            brilliant superb outstanding efficient convenient intuitive simple useful works working
            patient responsive prompt courteous impressed smoothly painless""".split(), 1),
        **dict.fromkeys("""excellent amazing perfect fantastic outstanding superb brilliant love""".split(), 2),
        **dict.fromkeys("""bad poor slow terrible awful horrible worst useless rude broken crash crashes crashed
            bug buggy problem problems issue issues error errors fail failed fails failure waiting wait waited
            late delay delayed lost refund scam disappointed disappointing annoying frustrating
            unhelpful ignored ignore nobody impossible complicated confusing expensive overpriced charged
            unacceptable hate hated wrong missing stuck freezes freeze laggy lag glitch glitches
            unresponsive cancelled canceled incompetent mess nightmare avoid joke ridiculous""".split(), -1),
        **dict.fromkeys("""terrible awful horrible worst useless scam hate nightmare unacceptable""".split(), -2),
    },
    "ru": {
        **dict.fromkeys("""хороший хорошо хорошая отличный отлично отличная прекрасный прекрасно замечательно
            замечательный супер удобный удобно удобное быстро быстрый быстрая вежливый вежливо вежливые
            приятный приятно спасибо благодарю благодарность рекомендую советую лучший лучшее доволен довольна
            довольны помогли помог помогла решили решил решена решён исправили работает понятный понятно
            простой просто надёжный надежный внимательный оперативно оперативный профессионально
            профессиональный молодцы классный классно круто люблю нравится понравилось""".split(), 1),
        **dict.fromkeys("""отличный отлично прекрасный прекрасно замечательно замечательный супер""".split(), 2),
        **dict.fromkeys("""плохой плохо плохая ужасный ужасно ужас отвратительный отвратительно медленно медленный
            долго грубый грубо хамство вылетает вылет виснет зависает тормозит глючит глюк глюки ошибка
            ошибки ошибку проблема проблемы проблему сломано сломалось баг баги жаль разочарован разочарована
            разочарование обман мошенники опоздал опоздание задержка задержали потеряли пропал пропали
            никто игнорируют игнор бесполезный бесполезно невозможно сложно дорого списали дважды худший
            худшее кошмар позор отстой жду ждал ждала ждать неделю молчит молчат""".split(), -1),
        **dict.fromkeys("""ужасный ужасно ужас отвратительный отвратительно обман мошенники худший кошмар позор
            отстой""".split(), -2),
    },
    "el": {
        **dict.fromkeys("""καλός καλή καλό καλά καλύτερη καλύτερο εξαιρετικός εξαιρετική εξαιρετικό τέλεια τέλειο
            τέλειος υπέροχη υπέροχο υπέροχος γρήγορη γρήγορα γρήγορο γρήγορος ευγενικός ευγενική ευγενικό
            ευγενικοί εξυπηρετικός εξυπηρετική εξυπηρετικό ευχαριστώ ευχαριστούμε ευχαριστίες συστήνω
            προτείνω ικανοποιημένος ικανοποιημένη ευχαριστημένος ευχαριστημένη βοήθησαν βοήθησε λύθηκε
            έλυσαν έλυσε λειτουργεί εύκολη εύκολο εύκολα απλή απλό αξιόπιστη αξιόπιστο άψογη άψογο άψογα
            φιλικό φιλική φιλικός επαγγελματίες επαγγελματικό μπράβο άριστη άριστο ωραία ωραίο""".split(), 1),
        **dict.fromkeys("""εξαιρετικός εξαιρετική εξαιρετικό τέλεια τέλειο υπέροχη υπέροχο άψογη άψογο άψογα
            άριστη""".split(), 2),
        **dict.fromkeys("""κακός κακή κακό κακά χάλια απαράδεκτο απαράδεκτη απαίσια απαίσιο άθλια άθλιο άθλιος
            αργή αργό αργά αργεί αργούν αργοπορία καθυστέρηση καθυστέρησε καθυστερεί κολλάει κόλλησε κρασάρει
            σφάλμα σφάλματα πρόβλημα προβλήματα απογοήτευση απογοητευμένος απογοητευμένη αγενής αγενείς
            άχρηστη άχρηστο άχρηστος ακριβό ακριβή απάτη χάθηκε χάθηκαν περίμενα περιμένω αναμονή κανείς
            αδύνατο δύσκολο δύσκολη μπερδεμένο χειρότερη χειρότερο χρέωσαν διπλή ακύρωσαν""".split(), -1),
        **dict.fromkeys("""χάλια απαράδεκτο απαράδεκτη απαίσια απαίσιο άθλια άθλιο άθλιος απάτη χειρότερη
            χειρότερο""".split(), -2),
    },
    "lt": {
        **dict.fromkeys("""geras gera gerai geri geras puikus puiki puikiai puiku nuostabus nuostabi nuostabiai
            greitas greita greitai greiti malonus maloni maloniai mandagus mandagi mandagiai ačiū dėkoju
            dėkui rekomenduoju patenkintas patenkinta patiko patinka padėjo išsprendė išsprendžė sutvarkė
            sutvarkyta veikia patogu patogus patogi paprasta paprastas aiškus aišku profesionalus
            profesionaliai šaunu šaunuoliai super geriausias geriausia rūpestingi draugiškas draugiška
            operatyviai""".split(), 1),
        **dict.fromkeys("""puikus puiki puikiai puiku nuostabus nuostabi nuostabiai geriausias geriausia""".split(), 2),
        **dict.fromkeys("""blogas bloga blogai prastas prasta prastai siaubingas siaubinga siaubingai baisus
            baisu lėtas lėta lėtai vėlavo vėluoja vėlavimas vėlai strigo stringa lūžta užstringa klaida klaidos
            problema problemos problemų nusivylęs nusivylusi nusivylimas nemandagus nemandagi grubus grubiai
            nenaudinga beprasmis brangu brangus apgavystė sukčiai dingo pamesta laukiau laukti laukiu niekas
            neįmanoma sudėtinga painu blogiausias blogiausia nuskaičiavo dvigubai atšaukė gėda""".split(), -1),
        **dict.fromkeys("""siaubingas siaubinga siaubingai baisus baisu apgavystė sukčiai blogiausias
            blogiausia gėda""".split(), -2),
    },
}
LEXICON_LANGUAGES = tuple(SENTIMENT_WORDS)
# "problem solved": in a clause that says the problem was solved, the problem words do not count
SOLVED_WORDS = {"en": "solved resolved fixed sorted", "ru": "решили решил решила решена решён исправили",
                "el": "λύθηκε έλυσαν έλυσε", "lt": "išsprendė išsprendžė sutvarkė sutvarkyta"}
PROBLEM_WORDS = {"en": "problem problems issue issues", "ru": "проблема проблемы проблему вопрос",
                 "el": "πρόβλημα προβλήματα θέμα", "lt": "problema problemos problemą problemų"}
NEGATORS = frozenset("""not no never nothing cannot can't don't didn't doesn't won't isn't wasn't aren't
    не нет никогда ни δεν μη μην όχι ποτέ ne nėra niekada""".split())
WINDOW = 3  # a negation turns the lexicon words among the next three of its clause around
_CLAUSE = re.compile(r"[.,;:!?…()\n]+|\s[-–—]\s|\b(?:but|но|а|αλλά|όμως|bet|tačiau)\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def _stem_set(words: str, lang: str) -> frozenset[str]:
    return frozenset(stems(words, lang))


@lru_cache(maxsize=None)
def _lexicon(lang: str) -> dict[str, int]:
    """Stem → weight for a language; the strongest weight of a stem wins."""
    out: dict[str, int] = {}
    for word, weight in SENTIMENT_WORDS[lang].items():
        for stem in stems(word, lang):
            if abs(weight) >= abs(out.get(stem, 0)):
                out[stem] = weight
    return out


@lru_cache(maxsize=65_536)  # one page reads a review's score for several breakdowns: computed once
def sentiment(text: str, language: str = "") -> float | None:
    """Σ weights / Σ |weights| of the lexicon words in `text`, in −1…1; None without any.

    >>> sentiment("Great support, thank you", "en")
    1.0
    >>> sentiment("Приложение не работает, поддержка молчит", "ru")
    -1.0
    >>> sentiment("The weather", "en") is None
    True
    """
    if not text or not text.strip():
        return None
    lang = language or detect_language(text)
    lang = lang if lang in SENTIMENT_WORDS else "en"
    lexicon = _lexicon(lang)
    total = mass = 0.0
    for clause in _CLAUSE.split(text):  # a negation does not reach past a comma or a full stop
        words = tokens(clause)
        word_stems = stems(clause, lang)
        if len(word_stems) != len(words):
            word_stems = words
        negated_until = -1
        solved = _stem_set(SOLVED_WORDS[lang], lang)
        problems = _stem_set(PROBLEM_WORDS[lang], lang) if not solved.isdisjoint(word_stems) else frozenset()
        for i, (word, stem) in enumerate(zip(words, word_stems)):
            if stem in problems:
                continue
            if word in NEGATORS:
                negated_until = i + WINDOW
                continue
            weight = lexicon.get(stem)
            flip = i <= negated_until
            if weight is None and lang == "lt" and stem.startswith("ne") and len(stem) > 4:
                weight = lexicon.get(stem[2:])  # ne-: Lithuanian's negation is a prefix (neatsako, nepatiko)
                flip = weight is not None and not flip
            if weight is None:
                continue
            total += -weight if flip else weight
            mass += abs(weight)
    return None if mass == 0 else total / mass


def label(score: float | None) -> str:
    """"positive" above 0, "negative" below, "neutral" at 0 or without a score."""
    if score is None or score == 0:
        return "neutral"
    return "positive" if score > 0 else "negative"
