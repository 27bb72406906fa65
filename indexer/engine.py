"""The index and its embedder, loaded once, behind the two calls readers make: search and ask."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from indexer.answer.answer import NOT_FOUND, Answer, related_answer
from indexer.answer.shaped import extractive_answer
from indexer.config import LLMSettings
from indexer.build.embed import Embedder, load_embedder
from indexer.errors import IndexMismatch
from indexer.answer.found import Verdict, judge, probe_vectors
from indexer.search.index import Index, open_index
from indexer.text.query import Query, read_query
from indexer.records import Hit
from indexer.search.retrieve import Filters, search

MAX_QUESTION_CHARS = 500
DIGEST_HITS = 12  # a subject or list question's digest reads this many hits (the decision reads the first 5)


@dataclass
class Engine:
    index: Index
    embedder: Embedder

    def __post_init__(self):
        self._vector = lru_cache(maxsize=256)(lambda q: self.embedder.embed_queries([q])[0])
        self._probe = probe_vectors(self.index, self.embedder)

    def query_vector(self, text: str) -> np.ndarray:
        return self._vector(text)

    def read(self, question: str | Query) -> Query:
        """The question read once (`indexer.text.query`): cleaned, its language, names, terms and vector."""
        if isinstance(question, Query):
            return question
        text = clean_question(question)
        return read_query(text, self.query_vector)

    def search(self, query: str | Query, *, k: int = 10, filters: Filters = Filters(), method: str = "hybrid",
               per_issue: int | None = 3) -> list[Hit]:
        """The `k` closest passages, whether or not they answer the query (see `judge`)."""
        return search(self.index, self.read(query), k=k, filters=filters, method=method, per_issue=per_issue)

    def depth(self, query: Query, k: int) -> int:
        """How many hits an answer to `query` reads: more for a digest, which lists every item on a subject."""
        return max(k, DIGEST_HITS) if query.shape != "fact" else k

    def judge(self, query: str | Query, hits: list[Hit]) -> Verdict:
        """What `hits` (from `search`) do with `query`: answer it, relate to it, or neither."""
        return judge(self.index, self.read(query), hits, self._probe)

    def ask(self, question: str | Query, *, k: int = 5, filters: Filters = Filters(), llm: LLMSettings | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Retrieve, judge, then answer: extractively, or through the LLM endpoint when one is given
        (falling back to the extractive answer, with a notice, when it fails). When the archive only
        relates to the question, the answer says what it does not report and what it does; when it
        does not answer at all, the answer says so and its hits are the closest passages anyway."""
        query = self.read(question)
        hits = self.search(query, k=self.depth(query, k), filters=filters)
        verdict = self.judge(query, hits)
        if verdict.outcome == "none":
            return Answer(query.text, query.language, NOT_FOUND[query.language], hits, outcome="none",
                          confidence=verdict.confidence)
        if verdict.outcome == "answered":
            answer = extractive_answer(self.index, query, hits, evidence=verdict.evidence, supports=verdict.signals.supports)
            answer.hits = answer.hits[:max(k, len(answer.cited))]  # the cited sources, then the closest others
        else:
            answer = related_answer(self.index, query, hits, verdict.signals)
        answer.confidence = verdict.confidence
        if llm is None or not llm.configured:
            return answer
        from indexer.answer.llm import answer_with_fallback

        # the model reads the sources the answer cites (they come first), at most `k`
        passages = answer.hits[:min(k, len(answer.cited) or k)]
        text, notice = answer_with_fallback(query.text, passages, query.language, llm, fallback=lambda: answer.text,
                                            on_token=on_token, premise=answer.premise, shape=query.shape)
        answer.notice = notice
        if notice is None:  # a related answer keeps the archive's own word on the premise first
            answer.text, answer.via_llm = " ".join(filter(None, (answer.premise, text))), True
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
