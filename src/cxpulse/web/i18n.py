"""The dashboard's language: which one a request is served in, its texts and its formats.

The dashboard speaks LANGUAGES (the survey pages' four). A request's language is the one
the logged-in key chose (the header's language switcher, kept with the key), else the
first of the browser's `Accept-Language` we speak (by q-value), else English. It is set
once per request (`use`) and read by everything that words or formats a figure on the
way to the page (`language`), so Python code and templates need not pass it around.

Texts are gettext catalogs: `web/locales/LANG.po`, read at run time with Babel (no build
step: the .po files are package data). English is the source text itself; a text missing
from a catalog shows in English, and tests/test_dashboard_i18n.py fails on any such text.
`docs/dashboard.md` ("Languages") says how to add or change a translation.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from cxpulse.surveys.i18n import accepted_languages

__all__ = ["LANGUAGES", "NAMES", "N_", "Nn_", "gettext", "language", "negotiate", "ngettext", "pgettext", "pick", "use"]

LANGUAGES = ("en", "ru", "el", "lt")
NAMES = {"en": "English", "ru": "Русский", "el": "Ελληνικά", "lt": "Lietuvių"}  # each in its own language
BABEL_LOCALES = {"en": "en_GB", "ru": "ru_RU", "el": "el_GR", "lt": "lt_LT"}

_current: ContextVar[str] = ContextVar("cxpulse_dashboard_language", default="en")


def language() -> str:
    """The language the current request is served in ("en" outside a request)."""
    return _current.get()


def use(lang: str) -> None:
    """Serve the rest of the current request in `lang` (one of LANGUAGES)."""
    _current.set(lang if lang in LANGUAGES else "en")


def negotiate(accept_language: str | None) -> str:
    """The first language of an `Accept-Language` header that the dashboard speaks, else English."""
    return next(iter(accepted_languages(accept_language)), "en")


def pick(chosen: str | None, accept_language: str | None) -> str:
    """A key's own choice wins over the browser's."""
    return chosen if chosen in LANGUAGES else negotiate(accept_language)


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of `lang`, read once from its .po file (English: the text itself)."""
    if lang == "en" or lang not in LANGUAGES:
        return _gettext.NullTranslations()
    source = resources.files("cxpulse.web").joinpath("locales", f"{lang}.po")
    with source.open("rb") as f:
        po = read_po(f, locale=lang)
    buf = BytesIO()
    write_mo(buf, po)  # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return Translations(fp=buf, domain="cxpulse")


def gettext(message: str) -> str:
    """`message` in the current language (as is when the catalog lacks it)."""
    return catalog(language()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for `n`, by the current language's plural rule."""
    return catalog(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` as meant in `context` ("Review" as a public review, not as a QA review)."""
    return catalog(language()).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark for translation, translate later"
    """Marks a module-level text for the catalogs; it is translated where it is shown (`gettext`)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 — N_ for a plural pair
    """Marks a plural pair kept in a table for the catalogs (`pybabel extract -k Nn_:1,2`);
    it is translated where it is shown (`ngettext`)."""
    return singular, plural


def babel_locale() -> str:
    """The Babel locale of the current language, for numbers and dates."""
    return BABEL_LOCALES[language()]
