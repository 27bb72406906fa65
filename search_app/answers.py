"""The question view: the landing screen, the conversation, each answer with its sources, the not-found
view with the closest passages folded, and the timeline."""

from __future__ import annotations

from functools import partial

import streamlit as st

from indexer.engine import MAX_QUESTION_CHARS, Engine, clean_question

from . import actions, cards, conversation, landing, share
from . import filters as flt
from . import highlight as hl
from . import timeline as tl
from .i18n import t

state = st.session_state
SHOWN_TURNS = 5  # the latest questions drawn; the earlier ones behind a button


@st.cache_data(show_spinner=False, max_entries=8)
def example_questions(_engine: Engine, key: str, lang: str) -> list[str]:
    """Questions about the archive's most mentioned names that the engine answers (once per build and language)."""
    return landing.example_questions(_engine.index.passages, lang, lambda q: _engine.ask(q, k=3).found)


def landing_screen(engine: Engine, key: str, lang: str) -> None:
    """What a new reader sees before asking: example questions, the archive's size and span, the latest issues."""
    issues = engine.index.issues.values()
    n, first, last = landing.span(issues, lang)
    passages = len(engine.index)
    if first:
        start = landing.elide(first) if lang == "fr" else first
        st.caption(t("span", lang, n=n, passages=passages, start=start, end=last))
    else:
        st.caption(t("span.undated", lang, n=n, passages=passages))
    examples = example_questions(engine, key, lang)
    if examples:
        st.markdown(f"**{t('welcome', lang)}**")
        row = st.container(horizontal=True)
        for n, question in enumerate(examples):
            row.button(hl.escape_markdown(question), key=f"example-{n}", on_click=actions.ask, args=(question,))
    st.markdown(f"**{t('latest', lang)}**")
    for info in landing.latest(issues):
        day, title = st.columns([1, 4], vertical_alignment="center")
        day.caption(info.date or t("undated", lang))
        title.button(hl.escape_markdown(info.title), key=f"latest-{info.id}", type="tertiary",
                     on_click=actions.open_issue, args=(info.id,))


def ask_view(engine: Engine, settings: conversation.Settings, key: str, lang: str) -> None:
    st.caption(t("tagline", lang))
    typed = st.chat_input(t("ask", lang), key="question")  # no max_chars: the browser drops a longer paste silently
    if len(" ".join((typed or "").split())) > MAX_QUESTION_CHARS:
        st.warning(t("question.long", lang, n=MAX_QUESTION_CHARS))
    question = clean_question(typed or state.pop("pending", None) or "")
    if question:
        state.turns.append(conversation.Turn(question, settings))
    conversation.follow(state.turns, settings)
    if not state.turns:
        landing_screen(engine, key, lang)
        return
    labels = flt.issue_labels(list(engine.index.issues.values()))
    first = 0 if state.get("all_turns") else max(0, len(state.turns) - SHOWN_TURNS)
    if first:  # each run of the page draws every turn shown: a long conversation would slow every answer
        st.button(t("earlier", lang, n=first), key="earlier", type="tertiary", on_click=actions.show_all_turns)
    for n, turn in enumerate(state.turns[first:], start=first):
        latest = n == len(state.turns) - 1
        with st.chat_message("user"):
            st.markdown(hl.escape_markdown(turn.question))
        with st.chat_message("assistant"):
            if turn.answer is None:
                answer_now(engine, turn, lang)
            show_answer(turn, n, labels, lang, latest)
            if latest and turn.answer.found:
                show_timeline(engine, turn, lang)


def answer_now(engine: Engine, turn: conversation.Turn, lang: str) -> None:
    live = st.empty()

    def on_text(text: str) -> None:  # the LLM's answer so far, its citations already checked
        live.markdown(hl.answer_markdown(text) + " ▌")

    with st.spinner(t("searching", lang)):
        conversation.ask(engine, turn, on_text)
    live.empty()


def notice_text(notice: str, lang: str) -> str:
    """Why the LLM was not used, in the reader's language when the error says which way it failed."""
    code = getattr(notice, "code", None)
    reason = t(f"llm.{code}", lang, endpoint=getattr(notice, "endpoint", "")) if code else str(notice)
    return t("llm_down", lang, notice=reason)


def show_answer(turn: conversation.Turn, n: int, labels: dict[str, str], lang: str, latest: bool) -> None:
    answer, described = turn.answer, flt.describe(turn.settings.filters, labels)
    note = t("filtered", lang, filters=described) if described else ""
    link = share.link(cards.page_url(), share.params_for(lang=lang, question=turn.question, filters=turn.settings.filters))
    if not answer.found:
        st.info(hl.escape_markdown(f"{t('not_found', lang)} {t('not_found.hint', lang)}"))
        if note:
            st.caption(hl.escape_markdown(note))
        if answer.hits:  # the archive was searched: the closest passages, folded
            with st.expander(t("not_found.closest", lang, n=len(answer.hits)), expanded=False):
                for rank, hit in enumerate(answer.hits, start=1):
                    cards.card(hit, rank, f"{n}-{rank}", lang)
        return
    if answer.notice:
        st.warning(hl.escape_markdown(notice_text(answer.notice, lang)))
    st.markdown(hl.answer_markdown(answer.text))
    st.caption(hl.escape_markdown(" ".join(filter(None, (t("via_llm" if answer.via_llm else "extractive", lang), note)))))
    cards.copy_link(link, lang)
    with st.expander(f"{t('sources', lang)} ({len(answer.hits)})", expanded=latest):
        for rank, hit in enumerate(answer.hits, start=1):
            cards.card(hit, rank, f"{n}-{rank}", lang, used=hl.used_spans(answer, rank))


def show_timeline(engine: Engine, turn: conversation.Turn, lang: str) -> None:
    f = turn.settings.filters
    cache_key = (str(engine.index.path), turn.question, f.languages, f.issues, f.domains)
    if state.get("timeline_key") != cache_key:
        state.timeline_key, state.timeline_hits = cache_key, conversation.timeline_hits(engine, turn.question, f)
    data = tl.timeline(state.timeline_hits)
    st.markdown(f"**{t('timeline', lang)}**")
    if data.dated.empty:
        st.caption(t("timeline.empty", lang))
    else:
        st.caption(t("timeline.help", lang))
        chart = tl.chart(data.dated, x_title=t("timeline.x", lang), y_title=t("timeline.y", lang), issue_title=t("timeline.issue", lang))
        key = f"timeline-{state.chart}"
        st.altair_chart(chart, key=key, on_select=partial(actions.pick_period, key), selection_mode=tl.SELECTION)
    if data.undated:
        items = ", ".join(f"{title} ({n})" for title, n in data.undated)
        st.caption(hl.escape_markdown(t("timeline.undated", lang, items=items)))
