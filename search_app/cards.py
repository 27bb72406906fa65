"""A passage drawn as a card: title, date, section, the text (used sentences marked), and its controls:
open the issue at the passage, more like this, copy a link to it, and read the articles it links to."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from indexer.records import Hit

from . import actions, share
from . import highlight as hl
from .i18n import language_name, t

MAX_ARTICLES = 3  # "read the article" buttons per card


def page_url() -> str:
    """The page's own address, for links to share (the browser's, when Streamlit knows it)."""
    url = getattr(st.context, "url", None)
    if url:
        return url
    host = st.context.headers.get("host") if st.context.headers else None
    return f"http://{host}/" if host else "http://localhost:8501/"


def copy_link(url: str, lang: str) -> None:
    """A "link" control: the URL in a code box, which has its own copy button."""
    with st.popover(t("copy", lang), icon=":material/link:"):
        st.caption(t("copy.help", lang))
        st.code(url, language=None)


def card(hit: Hit, rank: int | None, key: str, lang: str, *, used: Sequence[tuple[int, int]] = (),
         similar: bool = True) -> None:
    """One passage with its controls; `key` makes its buttons' keys unique on the page."""
    with st.container(border=True):
        details = (hit.date or t("undated", lang), hit.section, language_name(hit.language, lang))
        body = hl.marked_html(hit.text, used, offset=hit.start)
        st.html(hl.source_html(rank, hit.title, details, body))
        row = st.container(horizontal=True)
        row.button(t("open", lang), key=f"open-{key}", on_click=actions.open_issue,
                   args=(hit.issue_id, (hit.start, hit.end), tuple(used)))
        if similar:
            row.button(t("similar", lang), key=f"similar-{key}", on_click=actions.show_similar, args=(hit.chunk_id,))
        for link in hit.links[:MAX_ARTICLES]:
            if hl.safe_url(link.url):
                row.link_button(t("article", lang, domain=link.domain), hl.safe_url(link.url))
        if hl.safe_url(hit.url):
            row.link_button(t("link", lang), hl.safe_url(hit.url))
        with row:
            copy_link(share.link(page_url(), share.params_for(lang=lang, issue=hit.issue_id, at=hit.start)), lang)
