"""The index and its embedder, loaded once, behind the two calls readers make: search and ask."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from .answer import Answer, extractive_answer
from .config import LLMSettings
from .embed import Embedder, load_embedder
from .errors import IndexMismatch
from .index import Index, open_index
from .records import Hit
from .retrieve import Filters, Floor, query_language, search

MAX_QUESTION_CHARS = 500


@dataclass
class Engine:
    index: Index
    embedder: Embedder

    def __post_init__(self):
        self._vector = lru_cache(maxsize=256)(lambda q: self.embedder.embed_queries([q])[0])

    def query_vector(self, query: str) -> np.ndarray:
        return self._vector(query)

    def search(self, query: str, *, k: int = 10, filters: Filters = Filters(), method: str = "hybrid",
               per_issue: int | None = 3, floor: Floor | None = Floor(), language: str | None = None) -> list[Hit]:
        query = clean_question(query)
        return search(self.index, self.embedder, query, k=k, filters=filters, method=method, per_issue=per_issue,
                      floor=floor, query_vector=self.query_vector(query), language=language)

    def ask(self, question: str, *, k: int = 5, filters: Filters = Filters(), llm: LLMSettings | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Retrieve, then answer: extractively, or through the LLM endpoint when one is given
        (falling back to the extractive answer, with a notice, when it fails)."""
        question = clean_question(question)
        language = query_language(question)
        hits = self.search(question, k=k, filters=filters, language=language)
        answer = extractive_answer(self.index, question, self.query_vector(question), hits, language)
        if llm is None or not llm.configured or not hits:
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
