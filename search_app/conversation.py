"""The session's questions and answers, and the two engine calls the page makes for them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from indexer.answer.answer import Answer
from indexer.config import LLMSettings
from indexer.engine import Engine
from indexer.records import Hit
from indexer.search.retrieve import Filters

TIMELINE_K = 50


@dataclass(frozen=True)
class Settings:
    """What an answer depends on besides the question: the sidebar's filters, k and the LLM switch."""

    filters: Filters = Filters()
    k: int = 5
    llm: bool = False


@dataclass
class Turn:
    question: str
    settings: Settings
    answer: Answer | None = None  # None until asked (or when the settings changed for the latest turn)


def ask(engine: Engine, turn: Turn, on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer `turn` with its settings; the LLM endpoint is used only when switched on and configured."""
    llm = LLMSettings.from_env() if turn.settings.llm else None
    turn.answer = engine.ask(turn.question, k=turn.settings.k, filters=turn.settings.filters, llm=llm, on_token=on_token)
    return turn.answer


def follow(turns: list[Turn], settings: Settings) -> None:
    """The latest turn follows the sidebar: when its settings changed it is asked again."""
    if turns and turns[-1].settings != settings:
        turns[-1] = Turn(turns[-1].question, settings)


def undated(filters: Filters) -> Filters:
    """`filters` over all dates: the timeline shows every date."""
    return replace(filters, date_from=None, date_to=None)


def timeline_hits(engine: Engine, question: str, filters: Filters) -> list[Hit]:
    """The passages closest to the question (up to TIMELINE_K, at least half the best one's fused score),
    whatever their date: the timeline shows them all."""
    hits = engine.search(question, k=TIMELINE_K, per_issue=None, filters=undated(filters))
    return [h for h in hits if h.score >= 0.5 * hits[0].score]
