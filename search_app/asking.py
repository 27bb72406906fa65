"""The question view: the question box, the landing screen before the first question, the conversation
(its latest questions drawn, the earlier ones behind a button) and the timeline under the latest answer."""

from __future__ import annotations

from functools import partial

import streamlit as st

from indexer.engine import MAX_QUESTION_CHARS, Engine, clean_question

from . import actions, answers, cards, conversation, early, landing, loading
from . import highlight as hl
from . import scripts
from . import timeline as tl
from .i18n import t

state = st.session_state
SHOWN_TURNS = 5  # the latest questions drawn; the earlier ones behind a button
WARN_AT = MAX_QUESTION_CHARS - 100  # the counter under the question box shows from this length


@st.cache_data(show_spinner=False, max_entries=8)
def example_candidates(_engine: Engine, key: str, lang: str) -> list[str]:
    """Questions about the archive's main subjects, to be checked (once per build and language)."""
    return landing.candidate_questions(_engine.index.passages, lang)


@st.cache_data(show_spinner=False, max_entries=256)
def example_answered(_engine: Engine, key: str, question: str) -> bool:
    """Whether the engine answers an example question (once per build)."""
    return _engine.ask(question, k=3).found


def show_examples(engine: Engine, key: str, lang: str, box) -> None:
    """The example questions the engine answers, in `box`, each drawn as soon as it is checked."""
    row = None

    def answered(question: str) -> bool:
        nonlocal row
        if not example_answered(engine, key, question):
            return False
        if row is None:
            box.markdown(f"**{t('welcome', lang)}**")
            row = box.container(horizontal=True)
        n = len(shown)
        shown.append(question)
        row.button(hl.escape_markdown(question), key=f"example-{n}", on_click=actions.ask, args=(question,))
        return True

    shown: list[str] = []
    landing.example_questions(engine.index.passages, lang, answered, candidates=example_candidates(engine, key, lang))


def question_box(lang: str, notes) -> str | None:
    """The question box, pinned at the page's bottom in every view, with its counter; a question typed, or
    None. A question too long is shortened, and `notes` (a container) says so."""
    typed = st.bottom.chat_input(t("ask", lang), key="question")  # no max_chars: the browser drops a longer paste silently
    typed = typed or early.typed_early()  # typed in the first screen's box, while the engine loaded
    st.html(scripts.counter_script(MAX_QUESTION_CHARS, WARN_AT, t("counter", lang), t("counter.over", lang))
            + scripts.skip_script(t("skip", lang)), unsafe_allow_javascript=True)
    if typed and len(" ".join(typed.split())) > MAX_QUESTION_CHARS:
        notes.warning(t("question.long", lang, n=MAX_QUESTION_CHARS))
        state.noted = True
    return clean_question(typed) if typed else None


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
    examples = st.container()  # filled last: the latest issues are drawn while the examples are checked
    st.markdown(f"**{t('latest', lang)}**")
    for info in landing.latest(issues):
        cards.issue_row(info, f"latest-{info.id}", lang)
    show_examples(engine, key, lang, examples)


def ask_view(engine: Engine, settings: conversation.Settings, key: str, lang: str) -> None:
    st.caption(t("tagline", lang))
    question = clean_question(state.pop("pending", None) or "")
    if question:
        state.turns.append(conversation.Turn(question, settings))
        state.focus, state.scroll = None, "turn"
    conversation.follow(engine, state.turns, settings)
    if not state.turns:
        landing_screen(engine, key, lang)
        return
    labels = loading.index_facts(engine, key)["labels"]
    focus = len(state.turns) - 1 if state.get("focus") is None else state.focus
    first = 0 if state.get("all_turns") else max(0, min(focus, len(state.turns) - SHOWN_TURNS))
    if first:  # each run of the page draws every turn shown: a long conversation would slow every answer
        st.button(t("earlier", lang, n=first), key="earlier", type="tertiary", on_click=actions.show_all_turns)
    for n, turn in enumerate(state.turns[first:], start=first):
        latest = n == len(state.turns) - 1
        with st.container(key=f"turn-{n}"):
            with st.chat_message("user"):
                st.markdown(hl.escape_markdown(turn.question))
            with st.chat_message("assistant"):
                if turn.answer is None:
                    answer_now(engine, turn, lang)
                answers.show_answer(turn, n, labels, lang, latest)
                if latest and turn.answer.outcome != "none":
                    show_timeline(engine, key, turn, lang)
    if state.get("scroll") == "turn":
        state.scroll = f"turn-{focus}"


def answer_now(engine: Engine, turn: conversation.Turn, lang: str) -> None:
    live = st.empty()

    def on_text(text: str) -> None:  # the LLM's answer so far, its citations already checked
        live.markdown(hl.answer_markdown(text) + " ▌")

    with st.spinner(t("searching", lang)):
        conversation.ask(engine, turn, on_text)
    live.empty()


def show_timeline(engine: Engine, key: str, turn: conversation.Turn, lang: str) -> None:
    """What the chart counts (see timeline.py), said above it, per issue date; a period brushed on it filters the answer."""
    f = turn.settings.filters
    cache_key = (key, turn.question, f.languages, f.issues, f.domains)
    if state.get("timeline_key") != cache_key:
        state.timeline_key, state.timeline = cache_key, counted(engine, key, turn)
    ids, said = state.timeline
    data = tl.timeline(engine.index.issues, [engine.index.passages[i].issue_id for i in ids])
    st.markdown(f"**{t('timeline', lang)}**")
    if data.dated.empty:
        st.caption(t("timeline.empty", lang))
    else:
        shown = t("or", lang).join(f"« {name} »" if lang == "fr" else f"“{name}”" for name in said)
        what = t("timeline.names", lang, names=shown, n=len(ids), issues=len(data.dated) + len(data.undated)) if said \
            else t("timeline.closest", lang, n=len(ids))
        st.caption(hl.escape_markdown(f"{what} {t('timeline.pick', lang)}"))
        spec = tl.spec(x_title=t("timeline.x", lang), y_title=t("timeline.y", lang), issue_title=t("timeline.issue", lang))
        chart_key = f"timeline-{state.chart}"
        st.vega_lite_chart(data.dated, spec, key=chart_key, on_select=partial(actions.pick_period, chart_key), selection_mode=tl.SELECTION)
    if data.undated:
        items = ", ".join(f"{title} ({n})" for title, n in data.undated)
        st.caption(hl.escape_markdown(t("timeline.undated", lang, items=items)))


def counted(engine: Engine, key: str, turn: conversation.Turn) -> tuple[list[int], list[str]]:
    """(the passage ids the timeline counts, the names it counts them for: none for a question without a name)."""
    names = tl.subject(turn.question)
    if names:
        keep = conversation.undated(turn.settings.filters).mask(engine.index)
        corpus = loading.folded_passages(engine, key)
        ids = tl.naming(corpus, names, keep, within=tl.candidates(corpus, names))
        if ids:
            return ids, tl.as_written(turn.question, names)
    near = conversation.timeline_hits(engine, turn.question, turn.settings.filters)
    return sorted({h.chunk_id for h in near} | {h.chunk_id for h in turn.answer.hits}), []
