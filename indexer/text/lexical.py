"""Lexical side: language-aware tokenization and a BM25 index (bm25s) over it.

French is handled properly: elisions (l', d', qu'…) are cut, French and English
stopwords dropped, accents folded, then words stemmed with Snowball in the text's
language. Names and numbers ("OpenAI", "GPT-4", "2024") are also
kept as written (lower-cased, folded), so they match exactly whatever the
language of the question.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import unicodedata
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:[-.]\d\w*)*", re.UNICODE)  # keeps "GPT-4o", "Llama-3.1-70B" whole
TOKENIZER_VERSION = 1  # bump when tokenize's terms change: saved indexes and remembered terms depend on it
STEMMER_LANGUAGES = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese", "nl": "dutch"}


_PUNCTUATION = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2019": "'", "\u02bc": "'"})


def fold(text: str) -> str:
    """Lower-case and strip accents, hyphens and apostrophes made plain: 'Données' -> 'donnees',
    'États‑Unis' (a non-breaking hyphen) -> 'etats-unis'."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_PUNCTUATION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=None)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

    words = set(STOPWORDS_FRENCH) | set(STOPWORDS_EN_PLUS)
    return frozenset(words | {fold(w) for w in words})


@lru_cache(maxsize=None)
def _stemmer(language: str):
    import Stemmer

    return Stemmer.Stemmer(STEMMER_LANGUAGES.get(language, "french"))


def tokenize(text: str, language: str = "fr", *, memo: dict | None = None) -> list[str]:
    """Terms of `text` for BM25, stemmed in `language` (ISO code; unknown codes stem as French).

    `memo` (a dict shared by the calls over one corpus) keeps each word's terms, so a word is
    folded and stemmed once per corpus rather than once per occurrence."""
    memo = {} if memo is None else memo
    terms: list[str] = []
    for word in _WORD.findall(_ELISION.sub(" ", text)):
        key = (word, language)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _word_terms(word, language)
        terms.extend(found)
    return terms


def _word_terms(word: str, language: str) -> tuple[str, ...]:
    lower = word.lower()
    if lower in _stopwords() or (len(lower) < 2 and not lower.isdigit()):
        return ()
    stemmed = _stemmer(language).stemWord(fold(lower))  # folded first: "donnees" typed without accents matches "données"
    if word[0].isupper() or any(c.isdigit() for c in word):
        surface = fold(lower)
        if surface != stemmed:
            return (stemmed, surface)
    return (stemmed,)


class LexicalIndex:
    """BM25 over pre-tokenized passages; scores for every passage, so filters are a mask."""

    def __init__(self, bm25):
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str], *,
              terms: Callable[[str, str], list[str]] | None = None) -> "LexicalIndex":
        """BM25 over `texts`; `terms(text, language)` may be a remembered `tokenize` (remembered under TOKENIZER_VERSION)."""
        import bm25s

        if terms is None:
            memo: dict = {}
            terms = partial(tokenize, memo=memo)
        corpus = [terms(t, lang) or [""] for t, lang in zip(texts, languages, strict=True)]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(corpus, show_progress=False)
        return cls(bm25)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for a query's `terms` (`tokenize`; zeros when none is known)."""
        n = int(self._bm25.scores["num_docs"])
        ids = self._bm25.get_tokens_ids(list(terms))
        if not ids:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def __len__(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def document_frequency(self, term: str) -> int:
        """In how many passages a term (a stem, or a name as written, folded) occurs."""
        t = self._bm25.vocab_dict.get(term)
        indptr = self._bm25.scores["indptr"]
        return 0 if t is None else int(indptr[t + 1] - indptr[t])

    def passages_with(self, term: str) -> np.ndarray:
        """The ids of the passages a term occurs in."""
        t = self._bm25.vocab_dict.get(term)
        if t is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][indptr[t] : indptr[t + 1]], dtype=np.int64)

    def terms_starting(self, prefix: str) -> list[str]:
        """The index's terms (stems, and names as written, folded) that start with `prefix`."""
        start = bisect.bisect_left(self._sorted_terms, prefix)
        return list(itertools.takewhile(lambda term: term.startswith(prefix), self._sorted_terms[start:]))

    @cached_property
    def _sorted_terms(self) -> list[str]:
        return sorted(self._bm25.vocab_dict)

    def coverage(self, terms: Sequence[str], ids: Sequence[int]) -> np.ndarray:
        """For each passage in `ids`, the idf-weighted share of a query's `terms` it contains.

        Terms the index has never seen weigh as much as the rarest term, so a question
        about something absent from the archive scores low everywhere."""
        terms = list(dict.fromkeys(terms))
        ids = np.asarray(ids, dtype=np.int64)
        if not terms or not len(ids):
            return np.zeros(len(ids), dtype=np.float32)
        vocab, indptr, indices = self._bm25.vocab_dict, self._bm25.scores["indptr"], self._bm25.scores["indices"]
        n = int(self._bm25.scores["num_docs"])
        found = np.zeros(len(ids), dtype=np.float64)
        total = 0.0
        for term in terms:
            t = vocab.get(term)
            df = 0 if t is None else int(indptr[t + 1] - indptr[t])
            weight = np.log(1 + (n - df + 0.5) / (df + 0.5))
            total += weight
            if df:
                found += weight * np.isin(ids, indices[indptr[t] : indptr[t + 1]])
        return (found / total).astype(np.float32)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)
        (folder / "tokenizer.json").write_text(json.dumps({"tokenizer": "indexer.text.lexical.tokenize", "version": TOKENIZER_VERSION}))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))
