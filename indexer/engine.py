"""The index and its embedder, loaded once, behind the two calls readers make: search and ask."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from .answer import NOT_FOUND, Answer, extractive_answer
from .config import LLMSettings
from .embed import Embedder, load_embedder
from .errors import IndexMismatch
from .index import Index, open_index
from .records import Hit
from .found import Verdict, judge, probe_vectors
from .retrieve import Filters, query_language, search

MAX_QUESTION_CHARS = 500


@dataclass
class Engine:
    index: Index
    embedder: Embedder

    def __post_init__(self):
        self._vector = lru_cache(maxsize=256)(lambda q: self.embedder.embed_queries([q])[0])
        self._probe = probe_vectors(self.index, self.embedder)

    def query_vector(self, query: str) -> np.ndarray:
        return self._vector(query)

    def search(self, query: str, *, k: int = 10, filters: Filters = Filters(), method: str = "hybrid",
               per_issue: int | None = 3, language: str | None = None) -> list[Hit]:
        """The `k` closest passages, whether or not they answer the query (see `judge`)."""
        query = clean_question(query)
        return search(self.index, self.embedder, query, k=k, filters=filters, method=method, per_issue=per_issue,
                      query_vector=self.query_vector(query), language=language)

    def judge(self, query: str, hits: list[Hit], *, language: str | None = None) -> Verdict:
        """Whether `hits` (from `search`) answer `query`: the calibrated found decision."""
        query = clean_question(query)
        return judge(self.index, query, language or query_language(query), hits, self.query_vector(query), self._probe)

    def ask(self, question: str, *, k: int = 5, filters: Filters = Filters(), llm: LLMSettings | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Retrieve, judge, then answer: extractively, or through the LLM endpoint when one is given
        (falling back to the extractive answer, with a notice, when it fails). When the archive does
        not answer the question, the answer says so and its hits are the closest passages anyway."""
        question = clean_question(question)
        language = query_language(question)
        hits = self.search(question, k=k, filters=filters, language=language)
        verdict = self.judge(question, hits, language=language)
        if not verdict.found:
            return Answer(question, language, NOT_FOUND[language], hits, outcome="none", confidence=verdict.confidence)
        answer = extractive_answer(self.index, question, self.query_vector(question), hits, language)
        answer.confidence = verdict.confidence
        if llm is None or not llm.configured:
            return answer
        from .llm import answer_with_fallback

        text, notice = answer_with_fallback(question, hits, language, llm, fallback=lambda: answer.text, on_token=on_token)
        answer.notice = notice
        if notice is None:
            answer.text, answer.via_llm = text, True
        return answer


def clean_question(question: str) -> str:
    """Whitespace collapsed and length bounded (MAX_QUESTION_CHARS)."""
    return " ".join(question.split())[:MAX_QUESTION_CHARS]


def load_engine(index_dir: Path, *, model: str | None = None, embedder: Embedder | None = None) -> Engine:
    """Open the index (refusing a damaged one, or one built with another `model`) and its embedder
    (pass an already loaded `embedder` of the index's model to reuse it)."""
    index = open_index(Path(index_dir), model=model)
    if embedder is not None and embedder.model_id != index.model:
        raise IndexMismatch(f"the index in {index_dir} was built with {index.model!r}, not {embedder.model_id!r}; "
                            f"rebuild it: python -m indexer rebuild --index {index_dir} --model {embedder.model_id}")
    return Engine(index, embedder or load_embedder(model or index.model))
