"""Language-independent text features: hashed character n-grams plus hashed Snowball stems.

Why this shape (DESIGN.md, "Models, measured here"): the text goes into a logistic
regression whose out-of-fold probability is one stacked input of the main learner, and
nothing here may assume English. Character n-grams of each word (padded with spaces, like
scikit-learn's "char_wb") work in any script and survive typos and inflection; Snowball
stems (per the ticket's language, `cxpulse.text.stems`: 34 languages) add whole words, which are also
what a reason can quote.

Both are hashed into fixed column ranges, so no vocabulary is learned or stored: the
vectorizer is stateless, a model file stays small, and a word never seen in training
lands in a column whose weight is (nearly) zero.

Speed matters (batch scoring ≥ 20,000 tickets/s end to end): a whitespace-separated chunk
of text is analysed once per language — its words, their stems, their n-gram columns —
and cached, so scoring a ticket is one casefold, one split and a dict lookup per chunk;
the sparse matrix is assembled for the whole batch at once in numpy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from typing import TYPE_CHECKING

import numpy as np
from mmh3 import hash as _mmh3

from cxpulse.text import is_function_word, stems

if TYPE_CHECKING:  # scipy.sparse loads with `transform` (training): scoring needs neither it nor scikit-learn
    from scipy import sparse

__all__ = ["TextVectorizer"]

_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only, two or more: numbers and ids carry no tone
_CACHE_LIMIT = 400_000  # chunks remembered per language before the cache starts afresh
_EMPTY = np.zeros(0, dtype=np.int32)
MAX_CHARS = 1000  # characters of a text read by default: a mail's start carries its point


def _is_stop(word: str, lang: str) -> bool:
    # stop words and negations of the ticket's language (cxpulse.text.stop_words)
    return len(word) < 3 or is_function_word(word, lang)


class TextVectorizer:
    """Texts → sparse rows over [char n-gram columns | stem columns], L2-normalised.

    Each row has unit length (repeated n-grams counted as separate entries);
    `stem_weight` sets a stem's value against one n-gram's. `max_chars` caps
    the characters read per text (it bounds the cost of a very long mail).
    """

    def __init__(
        self,
        *,
        char_bits: int = 18,
        stem_bits: int = 16,
        ngram_range: tuple[int, int] = (3, 3),
        max_chars: int = MAX_CHARS,
        stem_weight: float = 3.0,
    ) -> None:
        lo, hi = ngram_range
        if not 1 <= lo <= hi <= 8:
            raise ValueError(f"ngram_range must satisfy 1 <= lo <= hi <= 8, got {ngram_range}")
        self.char_bits = char_bits
        self.stem_bits = stem_bits
        self.ngram_range = (lo, hi)
        self.max_chars = max_chars
        self.stem_weight = stem_weight
        self._cache: dict[str, dict[str, tuple[np.ndarray, tuple[tuple[str, str, int], ...]]]] = {}

    @property
    def n_features(self) -> int:
        return (1 << self.char_bits) + (1 << self.stem_bits)

    @property
    def stem_offset(self) -> int:
        """The first stem column: columns below it are character n-grams."""
        return 1 << self.char_bits

    # the chunk cache is a speed-up, not state: keep it out of pickles
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def _analyse(self, chunk: str, lang: str, salt: int = 0) -> tuple[np.ndarray, tuple[tuple[str, str, int], ...]]:
        """A chunk's columns (n-grams, then stems) and its quotable (word, stem, stem column)s.
        `salt` 1 hashes the agents' words apart from the customer's."""
        lo, hi = self.ngram_range
        # MurmurHash3 (x86, 32 bit) of the UTF-8 bytes: scikit-learn's murmurhash3_32, bit
        # for bit (tests/ml/test_textvec_hash.py), without importing scikit-learn to score
        char_seed, stem_seed = 7 + 101 * salt, 17 + 101 * salt
        char_mask = (1 << self.char_bits) - 1
        stem_mask = (1 << self.stem_bits) - 1
        cols: list[int] = []
        words = []
        for word in _WORD.findall(unicodedata.normalize("NFC", chunk)):
            s = stems(word, lang)
            stem = s[0] if s else word
            padded = f" {word} "
            for n in range(lo, min(hi, len(padded)) + 1):
                for i in range(len(padded) - n + 1):
                    cols.append(_mmh3(padded[i : i + n], char_seed, False) & char_mask)
            stem_col = self.stem_offset + (_mmh3(stem, stem_seed, False) & stem_mask)
            if word[-1] == "σ":  # casefold turned the final sigma into σ; show it as written
                word = word[:-1] + "ς"
            words.append((word, stem, stem_col))
        cols.extend(w[2] for w in words)
        # reasons quote words, never stop words: filtered here, once per chunk
        return np.array(cols, dtype=np.int32), tuple(w for w in words if not _is_stop(w[0], lang))

    def _lookup(self, lang: str):
        cache = self._cache.get(lang)
        if cache is None or len(cache) > _CACHE_LIMIT:
            cache = self._cache[lang] = {}
        return cache

    def _chunks(self, text: str) -> list[str]:
        return text[: self.max_chars].casefold().split()

    def words(self, text: str, lang: str) -> list[tuple[str, str, int]]:
        """(word, stem, column) for each word of `text`: what a reason can quote (stop
        words and negations of `lang` left out: "the", "um" or "и" explain nothing)."""
        cache = self._lookup(lang)
        out: list[tuple[str, str, int]] = []
        for chunk in self._chunks(text):
            hit = cache.get(chunk)
            if hit is None:
                hit = cache[chunk] = self._analyse(chunk, lang)
            out.extend(hit[1])
        return out

    def transform(
        self, texts: Sequence[str], languages: Sequence[str], *, agent_texts: Sequence[str] | None = None
    ) -> sparse.csr_matrix:
        """One sparse row per text; `languages` (ISO 639-1 codes, "" for none) pick the stemmers.

        `agent_texts`, when given, go into the same rows hashed with another seed: what the
        agents wrote counts apart from what the customer wrote (measured on the demo:
        +0.005 to +0.02 AUC).
        """
        if len(texts) != len(languages) or (agent_texts is not None and len(agent_texts) != len(texts)):
            raise ValueError(f"{len(texts)} texts, {len(languages)} languages"
                             + ("" if agent_texts is None else f", {len(agent_texts)} agent texts"))
        from scipy import sparse

        n = len(texts)
        parts: list[np.ndarray] = []
        counts = np.zeros(n, dtype=np.int64)  # entries per row
        sides = [(texts, 0)] if agent_texts is None else [(texts, 0), (agent_texts, 1)]
        for i, lang in enumerate(languages):
            total = 0
            for side, salt in sides:
                cache = self._lookup(lang if not salt else lang + "#agent")
                chunks = self._chunks(side[i])
                try:
                    arrs = [cache[c][0] for c in chunks]
                except KeyError:
                    for c in chunks:
                        if c not in cache:
                            cache[c] = self._analyse(c, lang, salt)
                    arrs = [cache[c][0] for c in chunks]
                parts.extend(arrs)
                total += sum(map(len, arrs))
            counts[i] = total
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.concatenate(parts) if parts else _EMPTY
        m = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float64), indices, indptr), shape=(n, self.n_features)
        )
        # A repeated n-gram stays as repeated entries (products add them up); sorting and
        # merging them would cost more than everything else here (measured: 40%).
        m.data[m.indices >= self.stem_offset] = self.stem_weight
        norm = np.sqrt(np.bincount(np.repeat(np.arange(n), counts), weights=m.data**2, minlength=n))
        m.data /= np.repeat(np.maximum(norm, 1e-12), counts)
        return m
