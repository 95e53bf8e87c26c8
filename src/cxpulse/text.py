"""Language-independent text helpers: words, stems, and what sets low-rated tickets apart.

Tickets come in any language (README), so nothing here assumes English or ASCII: words
are Unicode words (combining marks included, so Devanagari or decomposed Lithuanian stays
whole); the language is identified among 76 (py3langid's model, after cheap checks that
settle Greek, Russian, Lithuanian and plain English without it); stems come from Snowball
(34 languages) and stop words from stopwordsiso (58 languages) plus our own greetings and
sign-offs. What was measured to choose them: docs/languages.md.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import snowballstemmer

from cxpulse.config import Settings

__all__ = ["Term", "detect_language", "name_words", "overrepresented_terms", "stems", "tokens"]

# ISO 639-1 → Snowball algorithm: every language snowballstemmer has (porter and
# dutch_porter are variants). snowballstemmer stems; simplemma's lemmas would cover 20
# more languages, but at ~20 MB of dictionaries, ~100 MB of memory and seconds of loading
# per language, against Snowball's pure-Python rules (docs/languages.md).
SNOWBALL = {
    "en": "english", "ru": "russian", "el": "greek", "lt": "lithuanian", "pt": "portuguese",
    "es": "spanish", "de": "german", "fr": "french", "pl": "polish", "tr": "turkish",
    "it": "italian", "nl": "dutch", "sv": "swedish", "da": "danish", "no": "norwegian",
    "nb": "norwegian", "fi": "finnish", "hu": "hungarian", "ro": "romanian", "cs": "czech",
    "ca": "catalan", "eu": "basque", "et": "estonian", "ga": "irish", "id": "indonesian",
    "hy": "armenian", "ar": "arabic", "hi": "hindi", "ne": "nepali", "fa": "persian",
    "sr": "serbian", "ta": "tamil", "yi": "yiddish", "eo": "esperanto", "st": "sesotho",
}

# The languages `detect_language` answers with: py3langid's, less the dialects, historic
# and rare ones that short support lines are mistaken for ("Hello" is not Breton).
LANGUAGES: tuple[str, ...] = tuple(sorted(
    "af am ar az be bg bn bs ca cs cy da de el en eo es et eu fa fi fr ga gl gu he hi hr hu "
    "hy id is it ja ka kk km kn ko ky lb lt lv mk ml mn mr ms mt my ne nl no pa pl ps pt ro "
    "ru si sk sl sq sr sv sw ta te th tl tr uk ur uz vi zh".split()
))
# Languages written in Latin letters: their words get their own stemmer, Latin words in
# text of other scripts the English one (as before: "VPN не работает", "waiting").
_LATIN_LANGS = frozenset(
    "af az bs ca cs cy da de en eo es et eu fi fr ga gl hr hu id is it lb lt lv ms mt nl no nb "
    "pl pt ro sk sl sq st sv sw tl tr uz vi".split()
)

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


def _detect_four(text: str) -> str:
    """The former detector: "ru", "el", "lt", "en" by script and tell-tale letters and
    words ("" without letters of these scripts). Kept as the fast first check."""
    return _four(text[:_SAMPLE])[0]


def _four(sample: str) -> tuple[str, str, list[str]]:
    """`_detect_four`'s answer, with the casefolded sample and its Latin words when it
    counted them (so `detect_language` does not count them again)."""
    # Letters counted from the UTF-8 bytes and words from one split rather than regex by
    # regex: the same answers (tests/ml/test_fast_paths.py holds it to the original), faster.
    if sample.isascii():
        # no Cyrillic, no Greek, none of the Lithuanian or "not Lithuanian" letters
        words = sample.lower().translate(_ASCII_WORDS).split()
        if not words:  # every ASCII letter is in a word
            return "", "", words
        lt = 2 * sum(map(_LT_WORDS.__contains__, words))
        if lt < 2:
            return "en", "", words
        return ("lt" if lt > 2 * sum(map(_EN_WORDS.__contains__, words)) else "en"), "", words
    cyrillic, greek, latin = _script_counts(sample)
    if cyrillic == greek == latin == 0:
        return "", "", []
    if cyrillic >= greek and cyrillic > latin:
        return "ru", "", []
    if greek > latin:
        return "el", "", []
    lowered = sample.casefold()
    words = _LATIN_WORD.findall(lowered)
    lt = 2 * sum(map(lowered.count, _LT_STRONG_LETTERS)) + sum(map(lowered.count, _LT_WEAK_LETTERS))
    lt += 2 * sum(map(_LT_WORDS.__contains__, words))
    if lt < 2:
        return "en", lowered, words
    en = 2 * sum(map(_EN_WORDS.__contains__, words)) + 2 * len(_NOT_LT.findall(lowered))
    return ("lt" if lt > en else "en"), lowered, words


# Cyrillic letters Russian does not use (Ukrainian, Belarusian, Serbian, Macedonian,
# Kazakh…), and Bulgarian's vowel ъ ("съм", "във", "къде"; Russian's hard sign stands
# only before е ё ю я):
# without them Cyrillic text is Russian.
_NOT_RU_CYRILLIC = re.compile("[іїєґўђјљњћџѓќѕәғқңөұүһ" + "іїєґўђјљњћџѓќѕәғқңөұүһ".upper() + "]")
_BG_HARD = re.compile("ъ(?![еёюяЕЁЮЯ])")  # Russian writes ъ only before е ё ю я

# Letters only Lithuanian writes (ė į ų), and letters of its Latin neighbours it never writes
_LT_ONLY = re.compile("[ėįų]")
_NOT_LT_LETTERS = re.compile("[łśćńźżóřěůňťďľĺŕāēīōķļņģáéíýúàèìòùâêîôûäöüßõñçøåæ]")  # regexes: C speed
# English words no other language writes as a word (checked against stopwordsiso's lists
# of the Latin-script languages): a line made of enough of them is English.
_EN_ONLY = frozenset(
    "the and you your with this that what please been would could should they there hello "
    "thanks thank why when where still but not any our received order from about already "
    "after some who how which were their them these those than then since into only very "
    "does did again never today yesterday way can get got because here need know really".split()
)  # none of them in stopwordsiso's list of another Latin-script language: not "has" (es),
#    "have" (da), "it" (lt), "just" (sv), "we"/"my" (pl), "are" (ro), "is"/"of" (nl),
#    "was"/"will"/"also" (de), "to"/"on"/"do" (pl), "for" (no), "me" (es), "be" (lt)
_MAX_LIB = 300  # characters the model reads: enough for a language, bounds the cost


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language (one of `LANGUAGES`), "" without letters.

    Cheap checks first, which settle most support mail without the model: Greek script
    is Greek; Cyrillic without other Cyrillic languages' letters or Bulgarian's ъ is
    Russian; what the former detector took for Lithuanian is Lithuanian if it has none
    of its neighbours' letters (ł, ó, ā, ř…) and Lithuanian's own (ė į ų) or words
    ("sveiki", "kaip"; two of them when typed without diacritics); Latin with two or
    more English-only words ("the", "you", "please"), a tenth of all, is English; one word
    alone keeps the former detector's answer (English for Latin letters). Anything
    else goes to py3langid's naive Bayes model over byte n-grams restricted to
    `LANGUAGES` (≈40 µs a line, loaded on first use: docs/languages.md).
    """
    sample = text[:_SAMPLE]
    if sample.isascii():  # the commonest case, on its own short path
        words = sample.lower().translate(_ASCII_WORDS).split()
        if not words:
            return ""
        if sum(map(_LT_WORDS.__contains__, words)) >= 2 and len(_LT_WORDS.intersection(words)) >= 2:
            return "lt"  # Lithuanian typed without diacritics: two of its words, not just "del"
        if len(words) < 2:  # one word tells no language apart: English, as before
            return "en"
        return "en" if _english(words) else _model_language(sample)
    four, lowered, words = _four(sample)
    if four == "":  # no Latin, Cyrillic or Greek letters: another script, or no letters
        return _model_language(sample) if any(map(str.isalpha, sample)) else ""
    if four == "el":
        return four
    if four == "ru":
        if not _NOT_RU_CYRILLIC.search(sample) and ("ъ" not in sample or not _BG_HARD.search(sample)):
            return "ru"
        return _model_language(sample)
    if four == "lt" and not _NOT_LT_LETTERS.search(lowered) and (
        _LT_ONLY.search(lowered) or not _LT_WORDS.isdisjoint(words)
    ):
        return "lt"
    if len(words) < 2:  # one word tells no language apart: the former answer
        return four
    return "en" if _english(words) else _model_language(sample)


def _english(words: list[str]) -> bool:
    english = sum(map(_EN_ONLY.__contains__, words))
    return english >= 2 and 10 * english >= len(words) or (english == 1 and len(words) == 2)


_model_lock = threading.Lock()
_model: Any = None


def _load_model() -> Any:
    """py3langid's model restricted to `LANGUAGES`, its weights as float32 (its float16
    matrix products are several times slower): ~1.5 s and ~80 MB, once per process —
    unpacked from py3langid's LZMA file the first time, then read back from a copy kept
    in the user's cache folder (`_model_cache`: a tenth of the time, which a one-ticket
    `cxpulse score` or a batch of 100,000 would otherwise pay every run)."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _cached_model()
    return _model


def preload_model() -> None:
    """Load the model now, before a process forks: a batch shared with a forked second
    process (`SatisfactionModel.score_tickets`) otherwise loads it in both — each on the
    first line the cheap checks leave open, which a batch of thousands of tickets has."""
    _load_model()


def _model_cache() -> Path | None:
    """Where the unpacked model is kept: $CXPULSE_CACHE_DIR, else the XDG cache folder;
    named by py3langid's version and `LANGUAGES`, so an upgrade never reads a stale one."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("py3langid")
    except PackageNotFoundError:  # pragma: no cover - py3langid is a dependency
        return None
    base = Settings.from_env().cache_dir or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "cxpulse")
    tag = hashlib.blake2b(repr((ver, LANGUAGES, 1)).encode(), digest_size=6).hexdigest()
    return Path(base) / f"langid-{ver}-{tag}.pickle"


def _cached_model() -> Any:
    import pickle

    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    path = _model_cache()
    if path is not None and path.is_file():
        try:
            ptc, pc, classes, nextmove, row, output = pickle.loads(path.read_bytes())
            return LanguageIdentifier(ptc, pc, classes, nextmove, output, tk_row=row)
        except Exception:  # a partial or foreign file: unpack the model again below
            pass
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages([c for c in LANGUAGES if c in set(ident.nb_classes)])
    ident.nb_ptc = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
    ident.nb_pc = np.asarray(ident.nb_pc, dtype=np.float32)
    ident._full_model = ()  # the float16 copy of all 97 languages: never used again
    if path is not None:
        try:  # written whole under another name, then renamed: a reader never sees half of it
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps((ident.nb_ptc, ident.nb_pc, ident.nb_classes, ident.tk_nextmove,
                                          ident.tk_row, ident.tk_output), protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)
        except OSError:  # a read-only home: unpacked again next time, nothing worse
            pass
    return ident


@lru_cache(maxsize=4096)
def _model_language(sample: str) -> str:
    ident = _model if _model is not None else _load_model()
    lang = ident.classify(sample[:_MAX_LIB])[0]
    return lang if lang in _LANGUAGE_SET else ""


_LANGUAGE_SET = frozenset(LANGUAGES)


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


def _script_lang(token: str, lang: str) -> str:
    """The stemmer for `token` in text of language `lang`: the word's own script decides
    (Cyrillic → Russian unless the text is Serbian, Greek → Greek, Latin → the text's
    language if written in Latin, else English); other scripts take the text's language."""
    c = token[0]
    if "\u0400" <= c <= "\u052f":
        return "sr" if lang == "sr" else "ru"
    if "\u0370" <= c <= "\u03ff" or "\u1f00" <= c <= "\u1fff":
        return "el"
    if c <= "\u024f" or "\u1e00" <= c <= "\u1eff":
        return lang if lang in _LATIN_LANGS else "en"
    return lang


def _token_stems(text: str, lang: str | None) -> list[tuple[str, str]]:
    toks = tokens(text)
    if lang is None:
        lang = detect_language(text)
    if lang not in SNOWBALL:
        return [(t, t) for t in toks]
    out = []
    for t in toks:
        script = _script_lang(t, lang)
        out.append((t, _stem(script, t) if script in SNOWBALL else t))
    return out


def stems(text: str, lang: str | None = None) -> list[str]:
    """Snowball stems of `tokens(text)`, so "waiting" and "waited" count as one word.

    `lang` (detected when None) picks the stemmer for the words of its script; Cyrillic
    and Greek words get the Russian and Greek stemmers in text of any language, since
    support mail mixes scripts ("VPN не работает"). For languages without a Snowball
    stemmer (Ukrainian, Bulgarian, Japanese…) the tokens come back.
    """
    return [s for _, s in _token_stems(text, lang)]


def name_words(names: Iterable[str], languages: Iterable[str] | None = None) -> frozenset[str]:
    """People's names as the words and stems a reason must not quote: each part of each
    name as a token and as its stem in each of `languages` (the tickets' languages) and
    the first four, or in every stemmed language when None ("Андрею" is "Андрей" to a
    reader). A reason that says 'customer wrote "paulius"' names the agent, not a cause."""
    langs = SNOWBALL if languages is None else {"en", "ru", "el", "lt", *languages} & SNOWBALL.keys()
    out: set[str] = set()
    for name in names:
        for tok in tokens(name):
            out.add(tok)
            for lang in langs:
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
    # greetings, thanks and sign-offs of the languages after the first four (their
    # function words come from stopwordsiso, per language: `stop_words`)
    "pt": """olá ola oi bom boa dia tarde noite obrigado obrigada obrigadão agradeço
        atenciosamente cordialmente abraço abraços prezado prezada prezados caro cara
        favor desde já aguardo""",
    "es": """hola buenos buenas días tardes noches gracias saludos atentamente cordialmente
        estimado estimada estimados querido favor agradezco saludo""",
    "de": """hallo guten tag morgen abend danke dank vielen herzlichen mit freundlichen
        grüßen grüße gruß liebe lieber sehr geehrte geehrter geehrten bitte vorab beste""",
    "fr": """bonjour bonsoir salut merci cordialement sincèrement salutations madame monsieur
        cher chère distinguées veuillez agréer remerciant avance svp plaît""",
    "pl": """dzień dobry witam cześć dziękuję dziękujemy dzięki pozdrawiam pozdrowienia
        serdecznie szanowni szanowny szanowna państwo pani pan proszę uprzejmie""",
    "tr": """merhaba selam günaydın iyi günler akşamlar teşekkürler teşekkür ederim ederiz
        saygılarımla saygılar sevgiler lütfen sayın rica kolay gelsin""",
    "it": """ciao buongiorno buonasera salve grazie cordiali saluti distinti gentile
        gentili egregio prego cortesemente""",
    "nl": """hallo hoi goedemorgen goedemiddag dank bedankt groeten vriendelijke groet
        met beste geachte alvast""",
}


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _bare(word: str) -> str:
    """How stop words are compared: casefolded, accents stripped (Greek, Lithuanian and
    Portuguese are often typed without them)."""
    return _strip_accents(unicodedata.normalize("NFC", word.casefold()))


# Our own lists above, in every language at once: short and checked by hand, so a
# Russian "спасибо" inside English mail is still a greeting.
STOP_WORDS: frozenset[str] = frozenset(
    _bare(w) for words in _STOP_WORDS_RAW.values() for w in words.split()
)

# Negations are function words, yet "not resolved", "não chegou", "nie działa" are what
# low ratings are made of: they never stand alone as a theme or a quoted word, but they
# start a phrase. (stopwordsiso lists most of them.)
NEGATIONS: frozenset[str] = frozenset(_bare(w) for w in """
    not no never nothing nobody none cannot can't don't didn't doesn't won't isn't
    не нет никогда ничего никто ни δεν μη μην όχι ποτέ τίποτα κανείς ne nėra niekada nieko niekas
    não nao nunca nada nenhum nenhuma ninguém nem jamais
    ni ningún ninguna nadie
    nicht nie nichts kein keine keinen keiner niemand
    pas rien aucun aucune personne
    nigdy nic żaden żadna nikt
    değil yok hiç hiçbir hayır
    non mai niente nessuno niet geen nooit niets
    """.split())

# Words stopwordsiso lists (its English list is an old search-engine list) that a
# complaint is made of: kept as words. Only for the languages we read tickets in.
_KEEP = frozenset(_bare(w) for w in """
    problem problems help order orders need needed work works working worked information
    late number still yet again without wrong right thing things
    ещё еще опять снова без ακόμα ακόμη ξανά χωρίς dar vėl be
    ainda sem problema problemas pedido apoio tempo
    todavía aún sin otra vez
    noch immer wieder ohne
    toujours encore sans
    nadal jeszcze znowu bez
    hâlâ hala henüz yine tekrar
    """.split())


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """Words that are never a theme or a quoted word in text of language `lang`, compared
    as `_bare` forms: our greetings and sign-offs and short lists (`STOP_WORDS`, all
    languages), stopwordsiso's list for `lang` (58 languages, less `_KEEP`), negations."""
    import stopwordsiso

    package = {_bare(w) for w in stopwordsiso.stopwords(lang)} if lang and stopwordsiso.has_lang(lang) else set()
    return frozenset((package - _KEEP) | STOP_WORDS | NEGATIONS)


@lru_cache(maxsize=200_000)
def _is_stop(token: str, lang: str = "") -> bool:
    """A stop word of `lang` (or of our own lists for every language), negations aside."""
    bare = _bare(token)
    return bare not in NEGATIONS and bare in stop_words(lang)


@lru_cache(maxsize=200_000)
def is_function_word(word: str, lang: str = "") -> bool:
    """A stop word or a negation: never a theme on its own, never a quoted word."""
    return _bare(word) in stop_words(lang)


_CYRILLIC_LANGS = ("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg")


@lru_cache(maxsize=200_000)
def is_function_word_in(word: str, languages: frozenset[str]) -> bool:
    """A function word (`is_function_word`) of any of `languages` — or of any language
    written in the word's own script when that is Cyrillic or Greek. For what a reason
    quotes: a ticket's detected language can be wrong, and mail mixes languages ("kodėl"
    in a ticket read as English, "меня" in a Greek one), so the account's languages and
    the word's script are asked too."""
    bare = _bare(word)
    if not bare:
        return False
    c = bare[0]
    langs = set(languages)
    if "\u0400" <= c <= "\u052f":
        langs.update(_CYRILLIC_LANGS)
    elif "\u0370" <= c <= "\u03ff" or "\u1f00" <= c <= "\u1fff":
        langs.add("el")
    if not langs:
        langs.add("")
    return any(bare in stop_words(lang) for lang in langs)


def _is_negation(token: str) -> bool:
    return _bare(token) in NEGATIONS


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
        lang = detect_language(doc)
        for tok, stem in _token_stems(doc, lang):
            if _is_stop(tok, lang):
                prev = None  # a stop word breaks a phrase
                continue
            if _is_negation(tok):  # only as a phrase's first word: "not resolved"
                prev = (tok, stem)
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
