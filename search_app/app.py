"""The reader's page: layout and session state only; the work is in search_app's modules.

    streamlit run search_app/app.py      (from the repository root; AIBREW_INDEX picks the index folder)

The URL carries what a reader may share (see search_app/share.py): ?q=, ?issue=&at=, ?lang=, filters.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `streamlit run` puts search_app/ on the path, not the repository root
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from indexer.engine import Engine  # noqa: E402
from search_app import actions, answers, browse, conversation, loading, share  # noqa: E402
from search_app import domains as dm  # noqa: E402
from search_app import filters as flt  # noqa: E402
from search_app import highlight as hl  # noqa: E402
from search_app.i18n import language_name, t  # noqa: E402

state = st.session_state
VIEWS = ("ask", "issues", "sites")


def main() -> None:
    st.set_page_config(page_title="AI Brew", page_icon="☕")
    defaults = {"turns": [], "view": "ask", "reading": None, "period": None, "chart": 0, "similar": None}
    for name, value in defaults.items():
        state.setdefault(name, value)
    shared = None
    if "shared" not in state:  # the session's first run: what the URL asks for
        shared = state.shared = share.read({k: st.query_params.get_all(k) for k in st.query_params})
        if shared.lang:
            state.english = shared.lang == "en"
    lang = "en" if st.sidebar.toggle(t("english"), key="english") else "fr"
    st.html(hl.STYLE)
    st.title(t("title", lang))
    folder = loading.index_dir()
    engine = loading.engine_or_notice(folder, lang)
    if engine is None:
        return
    key = engine.index.path.name
    bounds = flt.date_bounds(engine.index.issues.values())
    if shared is not None:
        actions.apply_shared(shared, engine.index, key, bounds)
    settings = sidebar(engine, lang, key, bounds)
    if state.similar is not None and 0 <= state.similar < len(engine.index):
        browse.similar_view(engine, state.similar, lang)
    elif state.view == "issues":
        browse.issues_view(engine, lang)
    elif state.view == "sites":
        browse.sites_view(engine, lang)
    else:
        answers.ask_view(engine, settings, key, lang)
    keep_url(settings, lang)


@st.cache_data(show_spinner=False, max_entries=4)
def site_counts(_engine: Engine, key: str) -> dict[str, int]:
    return dm.counts(_engine.index)


def sidebar(engine: Engine, lang: str, key: str, bounds) -> conversation.Settings:
    bar, issues = st.sidebar, engine.index.issues
    bar.radio(t("view", lang), VIEWS, key="view", horizontal=True, format_func=lambda v: t(f"view.{v}", lang),
              on_change=actions.show_similar, args=(None,))
    bar.subheader(t("filters", lang))
    dates = bar.date_input(t("dates", lang), value=bounds, min_value=bounds[0], max_value=bounds[1], key=f"dates-{key}") if bounds else ()
    languages = bar.multiselect(t("languages", lang), sorted(set(engine.index.columns["language"])), key=f"languages-{key}",
                                format_func=partial(language_name, lang=lang),
                                placeholder=t("all.languages", lang))
    labels = flt.issue_labels(list(issues.values()))
    chosen = bar.multiselect(t("issues", lang), [i.id for i in flt.newest_first(issues.values())], key=f"issues-{key}",
                             format_func=labels.get, placeholder=t("all.issues", lang))
    counts = site_counts(engine, key)
    sites = bar.multiselect(t("sites", lang), list(counts), key=f"sites-{key}", format_func=lambda s: f"{s} ({counts[s]})",
                            placeholder=t("all.sites", lang)) if counts else []
    if state.period:
        bar.info(t("period", lang, start=state.period[0], end=state.period[1]))
        bar.button(t("period.clear", lang), on_click=actions.clear_period)
    k = bar.slider(t("k", lang), 1, 20, 5, key="k")
    llm = loading.llm_available() and bar.toggle(t("llm", lang), value=True, key="llm")
    bar.subheader(t("index", lang))
    status = loading.index_status(engine.index.manifest)
    bar.caption("  \n".join(hl.escape_markdown(t(f"index.{name}", lang, value=v)) for name, v in status.items()))
    filters = flt.build_filters(tuple(dates or ()), bounds, languages, chosen, state.period, sites)
    return conversation.Settings(filters, k, bool(llm))


def keep_url(settings: conversation.Settings, lang: str) -> None:
    """The address bar follows the page: the issue being read, or the latest question and its filters."""
    reading = state.reading if state.view == "issues" else None
    if reading:
        params = share.params_for(lang=lang, issue=reading["issue"], at=reading["passage"][0] if reading["passage"] else None)
    else:
        question = state.turns[-1].question if state.turns and state.view == "ask" else None
        params = share.params_for(lang=lang, question=question, filters=settings.filters)
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if current != wanted:
        st.query_params.from_dict(params)


main()
