"""Language-independent text helpers: words, stems, and what sets low-rated tickets apart.

Tickets come in English, Russian, Greek and Lithuanian at least (DESIGN.md), so nothing
here assumes English or ASCII: words are Unicode words (combining marks included, so
Devanagari or decomposed Lithuanian stays whole), stems come from Snowball per script,
and stop words exist for all four languages.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import snowballstemmer

__all__ = ["Term", "detect_language", "name_words", "overrepresented_terms", "stems", "tokens"]

SNOWBALL = {"en": "english", "ru": "russian", "el": "greek", "lt": "lithuanian"}

_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")
_LT_STRONG_LETTERS = "ąęėįųū"  # rare outside Lithuanian
_LT_WEAK_LETTERS = "čšž"  # shared with Czech, Latvian, Croatian…
_NOT_LT = re.compile(r"[łśćńźżóřěůňťďľĺŕāēīōķļņģáéíýúàèìòùâêîôûäöüßõñçøåæ]")
_LATIN_WORD = re.compile(r"[a-zą-ž]+")
_LT_WORDS = frozenset(
    "ir yra kad labai ačiū aciu laba diena sveiki prašau prasau nėra nera buvo jūsų jusu "
    "kaip dėl del kodėl kodel negavau gavau užsakymas užsakymo uzsakymas uzsakymo jau tik "
    "šiandien siandien niekas ką ka mūsų musu galite gal".split()
)
_EN_WORDS = frozenset(
    "the and is are to you my not have it for of please was with this that what can "
    "order hi hello thanks".split()
)
_SAMPLE = 2000  # characters enough to tell a language; keeps detection O(1) on long mail


# What `detect_language` counts — letters of _CYRILLIC, _GREEK, _LATIN — read off the
# UTF-8 bytes: a lead byte names the script of its character
# (c Cyrillic, g Greek, l Latin, ASCII letters l too), except four leads whose characters
# straddle a script's edge ("?"): those characters are counted by their second byte.
_BYTE_CLASS = bytearray(b"." * 256)
for _b in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _BYTE_CLASS[_b] = ord("l")
for _lo, _hi, _cls_byte in ((0xD0, 0xD3, "c"), (0xCE, 0xCF, "g"), (0xC3, 0xC8, "l")):
    for _b in range(_lo, _hi + 1):
        _BYTE_CLASS[_b] = ord(_cls_byte)
for _b in (0xC9, 0xCD, 0xD4, 0xE1):
    _BYTE_CLASS[_b] = ord("?")
_BYTE_CLASS = bytes(_BYTE_CLASS)  # type: ignore[assignment]
_EDGE_CYRILLIC = re.compile(rb"\xd4[\x80-\xaf]")  # U+0500–U+052F
_EDGE_GREEK = re.compile(rb"\xcd[\xb0-\xbf]|\xe1[\xbc-\xbf]")  # U+0370–U+037F, U+1F00–U+1FFF
_EDGE_LATIN = re.compile(rb"\xc9[\x80-\x8f]|\xe1[\xb8-\xbb]")  # U+0240–U+024F, U+1E00–U+1EFF
# ASCII casefolded: `_LATIN_WORD` letters kept, everything else a space
_ASCII_WORDS = {c: (chr(c) if _LATIN_WORD.match(chr(c)) else " ") for c in range(128)}


def _script_counts(sample: str) -> tuple[int, int, int]:
    """(Cyrillic, Greek, Latin) letters of `sample`, as the three regexes count them
    (tests/ml/test_fast_paths.py checks every code point up to U+3000): one byte translation and three
    counts, ~3× cheaper than a numpy pass over the code points."""
    raw = sample.encode("utf-8", "surrogatepass")
    marks = raw.translate(_BYTE_CLASS)  # type: ignore[arg-type]
    cyrillic, greek, latin = marks.count(b"c"), marks.count(b"g"), marks.count(b"l")
    if b"?" in marks:
        cyrillic += len(_EDGE_CYRILLIC.findall(raw))
        greek += len(_EDGE_GREEK.findall(raw))
        latin += len(_EDGE_LATIN.findall(raw))
    return cyrillic, greek, latin


def detect_language(text: str) -> str:
    """"ru", "el", "lt" or "en" by script and a few tell-tale letters and words.

    Cyrillic → "ru", Greek → "el", Latin with Lithuanian letters or words → "lt",
    other Latin → "en"; "" when the text has no letters of these scripts. Cheap
    enough to run per message: it picks the stemmer, it does not need to be subtle.
    """
    # Letters counted from the UTF-8 bytes and words from one split rather than regex by
    # regex: the same answers (tests/ml/test_fast_paths.py holds it to the original), faster.
    sample = text[:_SAMPLE]
    if sample.isascii():
        # no Cyrillic, no Greek, none of the Lithuanian or "not Lithuanian" letters
        words = sample.lower().translate(_ASCII_WORDS).split()
        if not words:  # every ASCII letter is in a word
            return ""
        lt = 2 * sum(map(_LT_WORDS.__contains__, words))
        if lt < 2:
            return "en"
        return "lt" if lt > 2 * sum(map(_EN_WORDS.__contains__, words)) else "en"
    cyrillic, greek, latin = _script_counts(sample)
    if cyrillic == greek == latin == 0:
        return ""
    if cyrillic >= greek and cyrillic > latin:
        return "ru"
    if greek > latin:
        return "el"
    lowered = sample.casefold()
    words = _LATIN_WORD.findall(lowered)
    lt = 2 * sum(map(lowered.count, _LT_STRONG_LETTERS)) + sum(map(lowered.count, _LT_WEAK_LETTERS))
    lt += 2 * sum(map(_LT_WORDS.__contains__, words))
    if lt < 2:
        return "en"
    en = 2 * sum(map(_EN_WORDS.__contains__, words)) + 2 * len(_NOT_LT.findall(lowered))
    return "lt" if lt > en else "en"


@lru_cache(maxsize=1)
def _word_re() -> re.Pattern[str]:
    """Unicode letters/digits plus combining marks (which `\\w` leaves out)."""
    ranges: list[str] = []
    start = prev = -2
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] == "M":
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(f"\\u{start:04x}-\\u{prev:04x}")
                start = cp
            prev = cp
    ranges.append(f"\\u{start:04x}-\\u{prev:04x}")
    return re.compile(r"(?:[^\W_]|[" + "".join(ranges) + r"])+")


def tokens(text: str) -> list[str]:
    """Casefolded, NFC-normalized Unicode words; numbers and 1-letter words dropped.

    Greek keeps its final sigma (casefold turns ς into σ), so "ΟΔΟΣ" and "οδος" are the
    same token and Greek text reads as Greek.
    """
    folded = unicodedata.normalize("NFC", text.casefold())
    out: list[str] = []
    for tok in _word_re().findall(folded):
        if len(tok) < 2 or tok.isnumeric():
            continue
        if tok[-1] == "σ":
            tok = tok[:-1] + "ς"
        out.append(tok)
    return out


_local = threading.local()  # Snowball stemmers keep state while stemming: one per thread


def _stemmer(lang: str) -> Any:
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    stemmer = cache.get(lang)
    if stemmer is None:
        stemmer = cache[lang] = snowballstemmer.stemmer(SNOWBALL[lang])
    return stemmer


@lru_cache(maxsize=200_000)
def _stem(lang: str, word: str) -> str:
    return _stemmer(lang).stemWord(word)


def _script_lang(token: str, latin_lang: str) -> str:
    c = token[0]
    if "\u0400" <= c <= "\u052f":
        return "ru"
    if "\u0370" <= c <= "\u03ff" or "\u1f00" <= c <= "\u1fff":
        return "el"
    if c <= "\u024f" or "\u1e00" <= c <= "\u1eff":
        return latin_lang
    return ""


def _token_stems(text: str, lang: str | None) -> list[tuple[str, str]]:
    toks = tokens(text)
    if lang is None:
        lang = detect_language(text)
    if lang not in SNOWBALL:
        return [(t, t) for t in toks]
    latin = lang if lang in ("en", "lt") else "en"
    out = []
    for t in toks:
        script = _script_lang(t, latin)
        out.append((t, _stem(script, t) if script else t))
    return out


def stems(text: str, lang: str | None = None) -> list[str]:
    """Snowball stems of `tokens(text)`, so "waiting" and "waited" count as one word.

    `lang` (detected when None) picks the stemmer for Latin words; Cyrillic and Greek
    words always get the Russian and Greek stemmers, since support mail mixes scripts
    ("VPN не работает"). For languages without a stemmer here the tokens come back.
    """
    return [s for _, s in _token_stems(text, lang)]


def name_words(names: Iterable[str]) -> frozenset[str]:
    """People's names as the words and stems a reason must not quote: each part of each
    name as a token and as its stem in the four languages ("Андрею" is "Андрей" to a
    reader). A reason that says 'customer wrote "paulius"' names the agent, not a cause."""
    out: set[str] = set()
    for name in names:
        for tok in tokens(name):
            out.add(tok)
            for lang in SNOWBALL:
                out.update(stems(tok, lang))
    return frozenset(out)


# Short stop lists: function words that are frequent everywhere, and the greetings and
# sign-offs every letter carries ("thanks in advance", "с уважением", "iš anksto") — a
# reason that quotes them explains nothing. Negations are kept on purpose — "not
# resolved", "не помогло" are what low ratings are made of.
_STOP_WORDS_RAW = {
    "en": """a about after again all also am an and any are as at be been before being
        but by can could dear did do does doing for from had has have having he hello her
        here hi him his how i if in into is it its just ll me more my of on once only or
        other our out please re regards she should so some such than thank thanks that the their them then
        there these they this those through to too up us ve very was we were what when
        where which while who whom why will with would you your yours advance best kind
        cheers sincerely morning""",
    "ru": """а без более бы был была были было быть в вам вас весь во вот все всего всех
        вы где да даже для до его ее если есть еще же за здесь и из или им их к как какой
        когда кто ли либо мне может мой моя мы на над надо наш него нее ней нам нас них но
        ну о об однако он она они оно от очень по под после при про с со так также такой
        там те тем то того тоже той только том тот ты у уже хотя чего чей чем что чтобы
        чье эта эти это этого этой этом этот я здравствуйте спасибо пожалуйста уважением
        заранее привет добрый""",
    "el": """αλλά από αυτά αυτές αυτή αυτό αυτοί αυτός για εγώ είμαι είναι είσαι εκείνος
        ενώ ένα έναν έχει έχετε έχουμε έχω εσείς εσύ η θα κάθε και κάποιος κατά με μετά
        μου μας μια να ο οι όμως όπως ότι όταν πού που πως πώς προς σας σε στα στη στην
        στις στο στον στους στων σου τα τη την της τι τις το τον τους του των ή ως γεια
        ευχαριστώ παρακαλώ εκτίμηση καλημέρα χαιρετώ προτέρων""",
    "lt": """ar arba aš bei bet būti bus buvo dar dėl iki ir iš jau ji jie jis jo jos jūs
        jūsų kad kai kaip kas kur man mano mes mūsų nes nuo o per po prie savo su tai tas
        ta tik to už yra jums mus jį ją tą apie labai laba labas diena sveiki ačiū prašau
        pagarbiai anksto dėkui""",
}


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


STOP_WORDS: frozenset[str] = frozenset(
    _strip_accents(w) for words in _STOP_WORDS_RAW.values() for w in words.split()
)


@lru_cache(maxsize=200_000)
def _is_stop(token: str) -> bool:
    # Accents are stripped on both sides: Greek and Lithuanian are often typed without them.
    return _strip_accents(token) in STOP_WORDS


@dataclass(frozen=True, slots=True)
class Term:
    """A word or two-word phrase over-represented in low-rated tickets."""

    term: str  # the most frequent surface form ("waiting" for the stem "wait")
    low_count: int  # low-rated documents containing it
    other_count: int  # other documents containing it
    z: float  # z-score of the weighted log-odds ratio


def _count(
    docs: Iterable[str], phrases: bool, surfaces: dict[str, Counter[str]]
) -> Counter[str]:
    presence: Counter[str] = Counter()
    for doc in docs:
        seen: set[str] = set()
        prev: tuple[str, str] | None = None
        for tok, stem in _token_stems(doc, None):
            if _is_stop(tok):
                prev = None  # a stop word breaks a phrase
                continue
            seen.add(stem)
            surfaces.setdefault(stem, Counter())[tok] += 1
            if phrases and prev is not None:
                key = f"{prev[1]} {stem}"
                seen.add(key)
                surfaces.setdefault(key, Counter())[f"{prev[0]} {tok}"] += 1
            prev = (tok, stem)
        presence.update(seen)
    return presence


def overrepresented_terms(
    low_docs: Iterable[str],
    other_docs: Iterable[str],
    *,
    top: int = 20,
    min_count: int = 3,
    phrases: bool = True,
) -> list[Term]:
    """Words and phrases that low-rated tickets use more than the others, strongest first.

    Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi &
    Quinn 2008, "Fightin' Words"), the prior being the pooled counts. Counting document
    presence (not occurrences) stops one long angry email from dominating; the prior
    and the z-score stop rare words from topping the list on two mentions. Terms are
    stems (and stem bigrams when `phrases`), shown by their most frequent surface form;
    only terms with z > 0 and in at least `min_count` low documents are kept.
    """
    surfaces: dict[str, Counter[str]] = {}
    low = _count(low_docs, phrases, surfaces)
    other = _count(other_docs, phrases, surfaces)
    n_low = sum(low.values())
    n_other = sum(other.values())
    a0 = n_low + n_other  # prior strength: the pooled corpus
    out: list[Term] = []
    for key, y_low in low.items():
        if y_low < min_count:
            continue
        y_other = other.get(key, 0)
        alpha = y_low + y_other
        rest_low = n_low + a0 - y_low - alpha
        rest_other = n_other + a0 - y_other - alpha
        if rest_low <= 0 or rest_other <= 0:
            continue  # the only term there is: nothing to compare it with
        delta = math.log((y_low + alpha) / rest_low) - math.log((y_other + alpha) / rest_other)
        z = delta / math.sqrt(1.0 / (y_low + alpha) + 1.0 / (y_other + alpha))
        if z > 0:
            surface = max(surfaces[key].items(), key=lambda kv: (kv[1], kv[0]))[0]
            out.append(Term(surface, y_low, y_other, z))
    out.sort(key=lambda t: (-t.z, t.term))
    return out[:top]
