"""The reader's page: layout and session state only; the work is in search_app's modules.

    streamlit run search_app/app.py      (from the repository root; AIBREW_INDEX picks the index folder)
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `streamlit run` puts search_app/ on the path, not the repository root
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from indexer.engine import MAX_QUESTION_CHARS, Engine, clean_question  # noqa: E402
from indexer.records import IssueInfo  # noqa: E402
from search_app import conversation, loading  # noqa: E402
from search_app import filters as flt  # noqa: E402
from search_app import highlight as hl  # noqa: E402
from search_app import timeline as tl  # noqa: E402
from search_app.i18n import language_name, t  # noqa: E402

state = st.session_state


def main() -> None:
    st.set_page_config(page_title="AI Brew", page_icon="☕")
    for name, value in {"turns": [], "view": "ask", "reading": None, "period": None, "chart": 0}.items():
        state.setdefault(name, value)
    lang = "en" if st.sidebar.toggle(t("english"), key="english") else "fr"
    st.html(hl.STYLE)
    st.title(t("title", lang))
    folder = loading.index_dir()
    engine = loading.engine_or_notice(folder, lang)
    if engine is None:
        return
    key = engine.index.path.name
    settings = sidebar(engine, lang, key)
    if state.view == "issues":
        issues_view(engine, lang)
    else:
        ask_view(engine, settings, lang)


def sidebar(engine: Engine, lang: str, key: str) -> conversation.Settings:
    bar, issues = st.sidebar, engine.index.issues
    bar.radio(t("view", lang), ["ask", "issues"], key="view", horizontal=True, format_func=lambda v: t(f"view.{v}", lang))
    bar.subheader(t("filters", lang))
    bounds = flt.date_bounds(issues.values())
    dates = bar.date_input(t("dates", lang), value=bounds, min_value=bounds[0], max_value=bounds[1], key=f"dates-{key}") if bounds else ()
    languages = bar.multiselect(t("languages", lang), sorted(set(engine.index.columns["language"])), key=f"languages-{key}",
                                format_func=partial(language_name, lang=lang),
                                placeholder=t("all.languages", lang))
    labels = flt.issue_labels(list(issues.values()))
    chosen = bar.multiselect(t("issues", lang), [i.id for i in flt.newest_first(issues.values())], key=f"issues-{key}",
                             format_func=labels.get, placeholder=t("all.issues", lang))
    if state.period:
        bar.info(t("period", lang, start=state.period[0], end=state.period[1]))
        bar.button(t("period.clear", lang), on_click=clear_period)
    k = bar.slider(t("k", lang), 1, 20, 5, key="k")
    llm = loading.llm_available() and bar.toggle(t("llm", lang), value=True, key="llm")
    bar.subheader(t("index", lang))
    status = loading.index_status(engine.index.manifest)
    bar.caption("  \n".join(hl.escape_markdown(t(f"index.{name}", lang, value=v)) for name, v in status.items()))
    return conversation.Settings(flt.build_filters(tuple(dates or ()), bounds, languages, chosen, state.period), k, bool(llm))


def ask_view(engine: Engine, settings: conversation.Settings, lang: str) -> None:
    st.caption(t("tagline", lang))
    raw = st.chat_input(t("ask", lang), key="question") or ""  # no max_chars: the browser drops a longer paste silently
    question = clean_question(raw)
    if len(" ".join(raw.split())) > MAX_QUESTION_CHARS:
        st.warning(t("question.long", lang, n=MAX_QUESTION_CHARS))
    if question:
        state.turns.append(conversation.Turn(question, settings))
    conversation.follow(state.turns, settings)
    labels = flt.issue_labels(list(engine.index.issues.values()))
    for n, turn in enumerate(state.turns):
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
    live, tokens = st.empty(), []

    def on_token(token: str) -> None:
        tokens.append(token)
        live.markdown(hl.escape_markdown("".join(tokens)) + " ▌")

    with st.spinner(t("searching", lang)):
        conversation.ask(engine, turn, on_token)
    live.empty()


def show_answer(turn: conversation.Turn, n: int, labels: dict[str, str], lang: str, latest: bool) -> None:
    answer, described = turn.answer, flt.describe(turn.settings.filters, labels)
    note = t("filtered", lang, filters=described) if described else ""
    if not answer.found:
        st.info(hl.escape_markdown(f"{t('not_found', lang)} {t('not_found.hint', lang)}"))
        if note:
            st.caption(hl.escape_markdown(note))
        return
    if answer.notice:
        st.warning(hl.escape_markdown(t("llm_down", lang, notice=answer.notice)))
    st.markdown(hl.answer_markdown(answer.text))
    st.caption(hl.escape_markdown(" ".join(filter(None, (t("via_llm" if answer.via_llm else "extractive", lang), note)))))
    with st.expander(f"{t('sources', lang)} ({len(answer.hits)})", expanded=latest):
        for rank, hit in enumerate(answer.hits, start=1):
            used = hl.used_spans(answer, rank)
            with st.container(border=True):
                details = (hit.date or t("undated", lang), hit.section, language_name(hit.language, lang))
                st.html(hl.source_html(rank, hit.title, details, hl.marked_html(hit.text, used, offset=hit.start)))
                row = st.container(horizontal=True)
                row.button(t("open", lang), key=f"open-{n}-{rank}", on_click=open_issue, args=(hit.issue_id, (hit.start, hit.end), tuple(used)))
                if hl.safe_url(hit.url):
                    row.link_button(t("link", lang), hl.safe_url(hit.url))


def show_timeline(engine: Engine, turn: conversation.Turn, lang: str) -> None:
    cache_key = (str(engine.index.path), turn.question, turn.settings.filters.languages, turn.settings.filters.issues)
    if state.get("timeline_key") != cache_key:
        state.timeline_key, state.timeline_hits = cache_key, conversation.timeline_hits(engine, turn.question, turn.settings.filters)
    data = tl.timeline(state.timeline_hits)
    st.markdown(f"**{t('timeline', lang)}**")
    if data.dated.empty:
        st.caption(t("timeline.empty", lang))
    else:
        st.caption(t("timeline.help", lang))
        chart = tl.chart(data.dated, x_title=t("timeline.x", lang), y_title=t("timeline.y", lang), issue_title=t("timeline.issue", lang))
        key = f"timeline-{state.chart}"
        st.altair_chart(chart, key=key, on_select=partial(pick_period, key), selection_mode=tl.SELECTION)
    if data.undated:
        items = ", ".join(f"{title} ({n})" for title, n in data.undated)
        st.caption(hl.escape_markdown(t("timeline.undated", lang, items=items)))


def issues_view(engine: Engine, lang: str) -> None:
    reading = state.reading
    if reading and reading["issue"] in engine.index.issues:
        show_issue(engine.index.issues[reading["issue"]], reading, lang)
        return
    ordered = flt.newest_first(engine.index.issues.values())
    st.subheader(t("archive", lang))
    st.caption(t("archive.count", lang, n=len(ordered)))
    for info in ordered:
        day, title = st.columns([1, 4], vertical_alignment="center")
        day.caption(info.date or t("undated", lang))
        title.button(hl.escape_markdown(info.title), key=f"issue-{info.id}", type="tertiary", on_click=open_issue, args=(info.id,))


def show_issue(info: IssueInfo, reading: dict, lang: str) -> None:
    row = st.container(horizontal=True)
    row.button(t("back.list", lang), on_click=open_issue, args=(None,))
    if reading["passage"]:
        row.button(t("back.answer", lang), on_click=back_to_answer)
    st.subheader(hl.escape_markdown(info.title))
    meta = (info.date or t("undated", lang), t("issue.number", lang, number=info.number) if info.number else "",
            language_name(info.language, lang), t("issue.source", lang, source=info.source))
    st.caption(hl.escape_markdown(" · ".join(filter(None, meta))))
    if hl.safe_url(info.url):
        st.link_button(t("link", lang), hl.safe_url(info.url))
    passage = reading["passage"]
    anchor = f"aib-focus-{passage[0]}-{passage[1]}" if passage else None
    st.html(f'<div class="aib-text aib-issue">{hl.marked_html(info.text, reading["used"], passage=passage, anchor=anchor)}</div>')
    if anchor:
        st.html(hl.scroll_script(anchor), unsafe_allow_javascript=True)


# --- callbacks: they run before the page, so they may set widget state ("view") -----------------


def open_issue(issue_id: str | None, passage: tuple[int, int] | None = None, used: tuple = ()) -> None:
    state.reading = {"issue": issue_id, "passage": passage, "used": used} if issue_id else None
    state.view = "issues"


def back_to_answer() -> None:
    state.reading, state.view = None, "ask"


def pick_period(key: str) -> None:
    state.period = tl.period_from_selection(state.get(key))


def clear_period() -> None:
    state.period, state.chart = None, state.chart + 1


main()
