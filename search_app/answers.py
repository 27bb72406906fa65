"""One answer on the page, by its outcome:

- answered: the answer, then its sources in two groups: those it cites (in the order it cites them)
  and those also related, each card marked so;
- related: "not exactly this", said plainly, then what the archive does say, with its sources;
- none: the not-found box, the closest passages folded.

Sources that are not in view cost nothing: earlier answers' sources, the related ones and the closest
passages sit in folded sections whose cards are drawn only once the reader opens them.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from indexer.answer.answer import Answer

from . import cards, conversation, share
from . import filters as flt
from . import highlight as hl
from .i18n import language_name, t


def notice_text(notice: str, lang: str) -> str:
    """Why the LLM was not used, in the reader's language when the error says which way it failed."""
    code = getattr(notice, "code", None)
    reason = t(f"llm.{code}", lang, endpoint=getattr(notice, "endpoint", "")) if code else str(notice)
    return t("llm_down", lang, notice=reason)


def split_sources(answer: Answer) -> tuple[list[int], list[int]]:
    """(the ranks the answer cites, in its reading order; the other ranks, in rank order)."""
    cited = [n for n in answer.cited if 1 <= n <= len(answer.hits)]
    return cited, [n for n in range(1, len(answer.hits) + 1) if n not in cited]


def folded(label: str, key: str, *, expanded: bool = False):
    """A folded section that draws its content only when open: `with` it, then draw if `.open`."""
    return st.expander(label, expanded=expanded, key=key, on_change="rerun")


def show_answer(turn: conversation.Turn, n: int, labels: dict[str, str], lang: str, latest: bool) -> None:
    answer, described = turn.answer, flt.describe(turn.settings.filters, labels)
    note = t("filtered", lang, filters=described) if described else ""
    if answer.outcome == "none":
        not_found(answer, n, lang, note)
        return
    if answer.outcome == "related":
        st.markdown(f":orange-badge[{t('related', lang)}]")  # no icon: a screen reader read its name, "help"
        st.caption(t("related.help", lang))
    if answer.notice:
        st.warning(hl.escape_markdown(notice_text(answer.notice, lang)))
    st.markdown(hl.answer_markdown(answer.text))
    lines = [t("via_llm" if answer.via_llm else "extractive", lang), note]
    quoted = replace(answer, language=lang).quotes_language  # by the page's language, whatever the question's
    if quoted:
        lines.append(t("quotes", lang, language=language_name(quoted, lang)))
    st.caption(hl.escape_markdown(" ".join(filter(None, lines))))
    link = share.link(cards.page_url(), share.params_for(lang=lang, question=turn.question, filters=turn.settings.filters))
    cards.copy_link(link, lang)
    sources(answer, n, lang, latest)


def sources(answer: Answer, n: int, lang: str, latest: bool) -> None:
    """The latest answer's cited sources drawn, the others folded; an earlier answer's sources all folded."""
    cited, others = split_sources(answer)

    def draw(ranks: list[int]) -> None:
        for rank in ranks:
            cards.card(answer.hits[rank - 1], rank, f"{n}-{rank}", lang, used=hl.used_spans(answer, rank),
                       badge="cited" if rank in cited else "also", turn=n)

    if not latest:
        with folded(f"{t('sources', lang)} ({len(answer.hits)})", f"sources-{n}") as section:
            if section.open:
                draw(cited + others)
        return
    if cited:
        st.markdown(f"**{t('cited', lang)}**")
        draw(cited)
    if others:
        with folded(t("also", lang, n=len(others)), f"also-{n}") as section:
            if section.open:
                draw(others)


def not_found(answer: Answer, n: int, lang: str, note: str) -> None:
    hint = t("not_found.hint.filters" if note else "not_found.hint", lang)
    st.info(hl.escape_markdown(f"{t('not_found', lang)} {hint}"))
    if note:
        st.caption(hl.escape_markdown(note))
    if answer.hits:  # the archive was searched: the closest passages, folded
        with folded(t("not_found.closest", lang, n=len(answer.hits)), f"closest-{n}") as section:
            if section.open:
                for rank, hit in enumerate(answer.hits, start=1):
                    cards.card(hit, rank, f"{n}-{rank}", lang, turn=n)
