"""The answer a question's shape wants (`Query.shape`): a digest for a subject or list question
(`indexer.answer.digest`), else the fact answer (`indexer.answer.answer.fact_answer`)."""

from __future__ import annotations

from typing import Sequence

from indexer.answer.answer import NOT_FOUND, Answer, fact_answer
from indexer.answer.digest import digest_answer
from indexer.answer.evidence import Support
from indexer.records import Hit
from indexer.search.index import Index
from indexer.text.query import Query


def extractive_answer(index: Index, query: Query, hits: Sequence[Hit], *, evidence: int | None = None,
                      supports: Sequence[Support] = ()) -> Answer:
    """The answer from `hits` (`evidence`: the rank of the passage holding it; `supports`: what each of
    the best holds, from the found decision)."""
    if not hits:
        return Answer(query.text, query.language, NOT_FOUND[query.language], [], outcome="none", shape=query.shape)
    if query.shape in ("subject", "list"):
        answer = digest_answer(index, query, hits, supports=supports)
        if answer is not None:
            return answer
    return fact_answer(index, query, hits, evidence=evidence, supports=supports)
