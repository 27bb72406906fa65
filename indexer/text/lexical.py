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
import math
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
        self._counts: TermCounts | None = None  # kept by `build` and `appended`, saved beside the scores

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str], *,
              terms: Callable[[str, str], list[str]] | None = None) -> "LexicalIndex":
        """BM25 over `texts`; `terms(text, language)` may be a remembered `tokenize` (remembered under TOKENIZER_VERSION)."""
        return cls.from_counts(TermCounts.empty().add(_documents(texts, languages, terms)))

    @classmethod
    def appended(cls, folder: Path, texts: Sequence[str], languages: Sequence[str], *,
                 terms: Callable[[str, str], list[str]] | None = None) -> "LexicalIndex":
        """The index saved in `folder` with `texts` added after its passages: the same scores, to the
        bit, as `build` over all the passages (BM25's statistics are recomputed from the saved term
        counts; no old passage is tokenized again). TermsMissing when `folder` has no term counts."""
        return cls.from_counts(TermCounts.load(folder).add(_documents(texts, languages, terms)))

    @classmethod
    def from_counts(cls, counts: "TermCounts") -> "LexicalIndex":
        index = cls(_bm25(counts))
        index._counts = counts
        return index

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
        if self._counts is not None:
            self._counts.save(folder)
        (folder / "tokenizer.json").write_text(json.dumps({"tokenizer": "indexer.text.lexical.tokenize", "version": TOKENIZER_VERSION}))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))


class TermsMissing(Exception):
    """A saved index without term counts (built before they were kept): it can only be rebuilt."""


BM25_K1, BM25_B = 1.2, 0.75
_COUNT_FILES = ("terms.indptr.npy", "terms.ids.npy", "terms.tf.npy")


class TermCounts:
    """Each passage's distinct terms and how often each occurs (a CSR matrix: passage -> term id,
    count), and the vocabulary, numbered in order of first occurrence. BM25 is a function of
    these alone, so an index can grow by passages without its old passages being tokenized again."""

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, ids: np.ndarray, tf: np.ndarray):
        self.vocab, self.indptr, self.ids, self.tf = vocab, indptr, ids, tf

    @classmethod
    def empty(cls) -> "TermCounts":
        return cls({}, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def add(self, documents: Sequence[Sequence[str]]) -> "TermCounts":
        """These counts with `documents` (lists of terms) appended as passages len(self), len(self)+1, …"""
        vocab = dict(self.vocab)
        flat = [vocab.setdefault(term, len(vocab)) for doc in documents for term in doc]
        lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
        doc_of = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        pairs, tf = np.unique((doc_of << 32) | np.asarray(flat, dtype=np.int64), return_counts=True)
        distinct = np.bincount(pairs >> 32, minlength=len(documents)) if len(pairs) else np.zeros(len(documents), dtype=np.int64)
        indptr = np.concatenate([self.indptr, self.indptr[-1] + np.cumsum(distinct)])
        ids = np.concatenate([self.ids, (pairs & 0xFFFFFFFF).astype(np.int32)])
        return TermCounts(vocab, indptr.astype(np.int64), ids, np.concatenate([self.tf, tf.astype(np.int32)]))

    def save(self, folder: Path) -> None:
        for name, array in zip(_COUNT_FILES, (self.indptr, self.ids, self.tf)):
            np.save(folder / name, array, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> "TermCounts":
        folder = Path(folder)
        if not all((folder / name).is_file() for name in _COUNT_FILES):
            raise TermsMissing(f"{folder} has no term counts")
        indptr, ids, tf = (np.load(folder / name, allow_pickle=False) for name in _COUNT_FILES)
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        if len(indptr) < 1 or indptr[-1] != len(ids) or len(ids) != len(tf) or (len(ids) and int(ids.max()) >= len(vocab)):
            raise TermsMissing(f"the term counts in {folder} do not agree with each other")
        return cls(vocab, indptr, ids, tf)


def _documents(texts: Sequence[str], languages: Sequence[str], terms: Callable[[str, str], list[str]] | None) -> list[list[str]]:
    if terms is None:
        memo: dict = {}
        terms = partial(tokenize, memo=memo)
    return [terms(t, lang) or [""] for t, lang in zip(texts, languages, strict=True)]


def _bm25(counts: TermCounts):
    """A bm25s index (Lucene BM25, k1 1.2, b 0.75) computed from term counts with numpy: the same
    float operations, in the same precision, as bm25s's own `index` on the passages' terms, so the
    same scores to the bit (tests/test_append.py checks it), in a fraction of the time."""
    import bm25s

    n, vocab_size = len(counts), len(counts.vocab)
    bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(counts.indptr))
    lengths = np.add.reduceat(counts.tf.astype(np.int64), counts.indptr[:-1]) if len(counts.tf) else np.zeros(n, dtype=np.int64)
    lengths[np.diff(counts.indptr) == 0] = 0
    average = lengths.mean() if n else 0.0
    df = np.bincount(counts.ids, minlength=vocab_size)
    idf = np.array([math.log(1 + (n - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()], dtype=np.float32)
    norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lengths.astype(np.float64) / average) if n else np.zeros(0)
    tf = counts.tf.astype(np.float32)
    tfc = tf / (norm[rows] + tf)
    data = (idf[counts.ids] * tfc).astype(np.float32)
    order = np.lexsort((rows, counts.ids))  # column (term) major, passages ascending: bm25s's CSC layout
    indptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    bm25.scores = {"data": data[order], "indices": rows[order], "indptr": indptr, "num_docs": n}
    bm25.vocab_dict = dict(counts.vocab)
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None
    return bm25
