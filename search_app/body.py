"""The page's body, a fragment: the views, the question box, the address bar and where the page scrolls.

A question, a source's buttons, a view picked, a section opened: each runs this fragment again, not the
whole page (the sidebar's filters over the whole archive stay as they are). What changes the sidebar
(the language, a period brushed on the timeline) asks for the whole page to run again.
"""

from __future__ import annotations

import logging
from functools import wraps

import streamlit as st

from indexer.engine import Engine

from . import actions, asking, browse, cards, conversation, loading, scripts, share
from .i18n import t

state = st.session_state
LOG = logging.getLogger("search_app")
NOTES = "page-notes"  # the container of the page's notes (st-key-page-notes)


def guarded(draw):
    """`draw`, with any unexpected error shown as the page's own box (what to do, no traceback) and logged."""
    @wraps(draw)
    def run(*args, **kwargs):
        try:
            return draw(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a bug must not show the server's paths to a reader
            LOG.exception("the page failed")
            lang = "en" if state.get("english") else "fr"
            st.error(t("oops", lang, home=share.link(cards.page_url(), share.params_for(lang=lang))))
    return run


def lang_changed() -> None:
    state.rerun_app = True  # the title and the sidebar are outside this fragment


@st.fragment
@guarded
def body(folder: str, settings: conversation.Settings, lang: str) -> None:
    if state.get("rerun_app"):
        st.rerun()
    engine = loading.engine_or_notice(folder, lang)  # the live build: a rebuild is picked up on the next question
    if engine is None:
        return
    key = engine.index.path.name
    notes = st.container(key=NOTES)  # where the page says what it left out: brought into view with what it shows
    typed = asking.question_box(lang, notes)  # pinned at the bottom; read first, as a question typed shows the question view
    if typed:
        actions.ask(typed)
    controls(lang)
    if similar_shown(engine) is not None:
        browse.similar_view(engine, state.similar, lang)
    elif state.view == "issues":
        browse.issues_view(engine, lang)
    elif state.view == "sites":
        browse.sites_view(engine, key, lang)
    else:
        asking.ask_view(engine, settings, key, lang)
    keep_url(engine, settings, lang)
    if state.get("notes"):
        notes.warning(link_notes(state.notes, lang))
    scroll(noted=bool(state.get("notes")) or bool(state.pop("noted", False)))


def controls(lang: str) -> None:
    """The views and the language, at the top of the page where a thumb finds them on a phone too."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    row.segmented_control(t("view", lang), share.VIEWS, key="view", required=True, label_visibility="collapsed",
                          format_func=lambda v: t(f"view.{v}", lang), on_change=actions.switch_view)
    row.toggle(t("english", lang), key="english", on_change=lang_changed)


def link_notes(notes: list[share.Note], lang: str) -> str:
    """What a link asked for that was left out, and why, in one line."""
    from .highlight import escape_markdown

    items = "; ".join(f"{n.name}={n.value[:60]} ({t(f'link.{n.reason}', lang)})" for n in notes)
    return escape_markdown(t("link.ignored", lang, items=items))


def similar_shown(engine: Engine) -> int | None:
    """The passage whose "more like this" view is shown, when the state names one of this index."""
    return state.similar if state.similar is not None and 0 <= state.similar < len(engine.index) else None


def address(engine: Engine, settings: conversation.Settings, lang: str) -> dict[str, str | list[str]]:
    """The query parameters of what the page shows: the address bar follows the page."""
    common = {"lang": lang, "filters": settings.filters}
    if similar_shown(engine) is not None:
        p = engine.index.passages[state.similar]
        return share.params_for(**common, like=p.issue_id, at=p.start, order=state.get("similar_order"))
    if state.view == "issues" and state.reading:
        passage = state.reading["passage"]
        return share.params_for(**common, issue=state.reading["issue"], at=passage[0] if passage else None)
    if state.view != "ask":
        return share.params_for(**common, view=state.view, of=state.get("site_pick"))
    turns, focus = state.turns, state.get("focus")
    question = turns[focus if focus is not None and focus < len(turns) else -1].question if turns else None
    return share.params_for(**common, question=question)


def keep_url(engine: Engine, settings: conversation.Settings, lang: str) -> None:
    """Write the address (a new entry in the browser's history) when the page moved; notes about a link
    are kept until the reader moves away from what it opened."""
    wanted = share.as_lists(address(engine, settings, lang))
    if state.get("notes_for") is None:
        state.notes_for = wanted
    elif state.notes_for != wanted:
        state.notes, state.notes_for = [], None
    if share.as_lists({k: st.query_params.get_all(k) for k in st.query_params}) != wanted:
        st.query_params.from_dict(wanted)
    before = state.pop("history_before", None)
    if before is not None and before < len(state.turns):  # an earlier answer's address, in history before this one
        earlier = share.params_for(lang=lang, filters=settings.filters, question=state.turns[before].question)
        state.scrolls = state.get("scrolls", 0) + 1
        st.html(scripts.history_script(share.query_string(earlier), share.query_string(wanted), state.scrolls),
                unsafe_allow_javascript=True)
    state.url = wanted


def scroll(noted: bool = False) -> None:
    """Bring what the reader just asked for into view: the latest (or focused) question, the passage an
    issue was opened at (above the pinned question bar), an issue's head (its text starts high on a phone),
    or the page's top. When the page has just said
    what it left out (`noted`), its note comes first: it is brought to the top, what it is about below it."""
    target = state.pop("scroll", None)
    if target and noted:
        state.scrolls = state.get("scrolls", 0) + 1
        st.html(scripts.bring_script(NOTES, state.scrolls), unsafe_allow_javascript=True)
    elif target:
        state.scrolls = state.get("scrolls", 0) + 1
        reading = state.view == "issues" and state.similar is None and state.reading
        anchor = browse.focus_anchor(state.reading) if reading else None
        if anchor:
            st.html(scripts.passage_script(anchor, state.scrolls), unsafe_allow_javascript=True)
            return
        key = target if target.startswith("turn-") or target == actions.SITE_ITEMS else browse.ISSUE_BACK if reading else None
        st.html(scripts.bring_script(key, state.scrolls), unsafe_allow_javascript=True)
