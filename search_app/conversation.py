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
    """What an answer depends on besides the question: the sidebar's filters, k, the LLM switch and the
    page's language (the language the answer's own words are in, whatever the question's)."""

    filters: Filters = Filters()
    k: int = 5
    llm: bool = False
    lang: str = "fr"


@dataclass
class Turn:
    question: str
    settings: Settings
    answer: Answer | None = None  # None until asked (or when the settings changed for the latest turn)


def ask(engine: Engine, turn: Turn, on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer `turn` with its settings; the LLM endpoint is used only when switched on and configured."""
    llm = LLMSettings.from_env() if turn.settings.llm else None
    answer = engine.ask(turn.question, k=turn.settings.k, filters=turn.settings.filters, llm=llm, on_token=on_token)
    turn.answer = in_page_language(engine, answer, turn.settings)
    return turn.answer


def in_page_language(engine: Engine, answer: Answer, settings: Settings) -> Answer:
    """`answer` speaking the page's language: a related answer's lead ("The archive does not report exactly
    this: …", and "Here is what it says:") is written again in it, and the answer's language is the page's, so
    that quotes in another language say so (`Answer.quotes_language`). The quotes stay as the archive wrote them."""
    lang = settings.lang
    if answer.language != lang and answer.outcome == "related" and answer.missing is not None:
        from indexer.answer.related import not_reported, said_so

        missing, lead = answer.missing, said_so(answer.language, answer.missing, "\x00")[:-1]
        if answer.text.startswith(lead):
            answer.text = said_so(lang, missing, answer.text[len(lead):])
        elif answer.premise and answer.text.startswith(answer.premise):  # an LLM's answer after the lead
            answer.text = not_reported(lang, missing) + answer.text[len(answer.premise):]
        answer.premise = not_reported(lang, missing)
    answer.language = lang
    return answer


def follow(engine: Engine, turns: list[Turn], settings: Settings) -> None:
    """The latest turn follows the sidebar: when its settings changed it is asked again; when only the
    page's language changed, its answer is written in it (`in_page_language`) without asking again."""
    if turns and turns[-1].settings != settings:
        last = turns[-1]
        same = last.answer is not None and replace(last.settings, lang=settings.lang) == settings
        turns[-1] = Turn(last.question, settings, in_page_language(engine, last.answer, settings) if same else None)


def undated(filters: Filters) -> Filters:
    """`filters` over all dates: the timeline shows every date."""
    return replace(filters, date_from=None, date_to=None)


def timeline_hits(engine: Engine, question: str, filters: Filters) -> list[Hit]:
    """The passages closest to the question (up to TIMELINE_K, at least half the best one's fused score),
    whatever their date: the timeline shows them all."""
    hits = engine.search(question, k=TIMELINE_K, per_issue=None, filters=undated(filters))
    return [h for h in hits if h.score >= 0.5 * hits[0].score]
