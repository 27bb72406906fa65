"""The reader's page: layout and session state only; the work is in search_app's modules.

    streamlit run search_app/app.py      (from the repository root; AIBREW_INDEX picks the index folder)

The URL carries what the page shows (see search_app/share.py): the address bar follows the page, and a
URL opened, reloaded, or reached with the browser's Back and Forward, shows what it names.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `streamlit run` puts search_app/ on the path, not the repository root
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from indexer.config import Config  # noqa: E402
from search_app import early  # noqa: E402
from search_app import highlight as hl  # noqa: E402
from search_app import naming  # noqa: E402
from search_app.i18n import language_name, t  # noqa: E402

# The first screen (the title) is drawn before the rest is imported and the engine loads (issue 23: the
# first visit waited 9.7 s for anything); search, pandas and Altair come in with `page`.

state = st.session_state
DEFAULTS = {"turns": [], "view": "ask", "reading": None, "similar": None, "period": None, "chart": 0, "english": False}


def main() -> None:
    folder = Config.from_env().index_dir
    name = naming.archive_name(folder)
    st.set_page_config(page_title=name or t("title.short"), page_icon="☕")
    for key, value in DEFAULTS.items():
        state.setdefault(key, value)
    state.pop("rerun_app", None)
    st.html(hl.STYLE)
    hinted = state.english if "url" in state else st.query_params.get("lang") == "en"  # the link's language, unchecked
    title, wait = st.empty(), st.empty()
    title.title(naming.heading(name, "en" if hinted else "fr"))
    place, stand_in = early.slot(), None
    if "url" not in state:  # the session's first screen, while the rest loads
        wait.caption(t("loading", "en" if hinted else "fr"))
        if not early.ready(folder):  # the engine is not loaded yet: the question box now, the engine in a thread
            early.question_box(place, "en" if hinted else "fr")
            stand_in = place
            early.start_loading(folder)
    from search_app import body

    body.guarded(page)(folder, name, title, wait, stand_in)


def page(folder: Path, name: str | None, title, wait, stand_in=None) -> None:
    from search_app import actions, body, loading, share

    params = share.as_lists({k: st.query_params.get_all(k) for k in st.query_params})
    link = None
    if params != state.get("url"):  # the session's first run, or the reader went Back or Forward to this URL
        link, notes = share.read(params)
        state.english = link.lang == "en"
    lang = "en" if state.english else "fr"
    title.title(naming.heading(name, lang))
    engine = loading.engine_or_notice(folder, lang)
    wait.empty()
    if stand_in is not None:
        stand_in.empty()  # the page's own question box follows (body.body)
    if engine is None:
        return
    key = engine.index.path.name
    bounds = loading.index_facts(engine, key)["bounds"]
    if link is not None:
        link, more = share.check(link, engine.index, bounds)
        actions.follow_link(link, engine.index, key, bounds)
        state.notes, state.notes_for, state.url = notes + more, None, params
    settings = sidebar(engine, lang, key, bounds)
    body.body(str(folder), settings, lang)


def sidebar(engine, lang: str, key: str, bounds):
    from search_app import actions, conversation, loading
    from search_app import filters as flt

    bar, facts = st.sidebar, loading.index_facts(engine, key)
    bar.subheader(t("filters", lang))
    actions.show_period(key, bounds)
    dates = bar.date_input(t("dates", lang), value=bounds, min_value=bounds[0], max_value=bounds[1], key=f"dates-{key}") if bounds else ()
    languages = bar.multiselect(t("languages", lang), facts["languages"], key=f"languages-{key}",
                                format_func=partial(language_name, lang=lang), placeholder=t("all.languages", lang))
    chosen = bar.multiselect(t("issues", lang), facts["issues"], key=f"issues-{key}", format_func=facts["labels"].get,
                             placeholder=t("all.issues", lang))
    counts = facts["sites"]
    sites = bar.multiselect(t("sites", lang), list(counts), key=f"sites-{key}", format_func=lambda s: f"{s} ({counts[s]})",
                            placeholder=t("all.sites", lang)) if counts else []
    if state.period:
        bar.info(t("period", lang, start=state.period[0], end=state.period[1]))
        bar.button(t("period.clear", lang), on_click=actions.clear_period)
    k = bar.slider(t("k", lang), 1, 20, 5, key="k")
    llm = loading.llm_available() and bar.toggle(t("llm", lang), value=True, key="llm")
    with bar.expander(t("about", lang)):
        st.caption("  \n".join(hl.escape_markdown(t(f"index.{name}", lang, value=v)) for name, v in facts["status"].items()))
    filters = flt.build_filters(tuple(dates or ()), bounds, languages, chosen, state.period, sites)
    return conversation.Settings(filters, k, bool(llm), lang)


main()
