"""A passage drawn as a card: title, a cited / also-related mark, date, section, links to the articles it
links to and to the issue online, the text (used sentences marked), and one row of controls: open the
issue at the passage, more like this, and a link to share."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from indexer.records import Hit

from . import actions, share
from . import highlight as hl
from .i18n import language_name, t

MAX_ARTICLES = 3  # article links per card


def page_url() -> str:
    """The page's own address, for links to share (the browser's, when Streamlit knows it)."""
    url = getattr(st.context, "url", None)
    if url:
        return url
    host = st.context.headers.get("host") if st.context.headers else None
    return f"http://{host}/" if host else "http://localhost:8501/"


def copy_link(url: str, lang: str) -> None:
    """A "link" control: the URL in a code box, with its copy button always shown (see highlight.STYLE)."""
    with st.popover(t("copy", lang), icon=":material/link:"):
        st.caption(t("copy.help", lang))
        st.code(url, language=None, wrap_lines=True)


def links_of(hit: Hit, lang: str) -> list[tuple[str, str, str]]:
    """(text, URL, tooltip) for the articles a passage links to, then its issue online."""
    out = [(link.domain, link.url, t("article.title", lang, domain=link.domain)) for link in hit.links if hl.safe_url(link.url)]
    out = out[:MAX_ARTICLES]
    if hl.safe_url(hit.url):
        out.append((t("online", lang), hit.url, t("link", lang)))
    return out


def card(hit: Hit, rank: int | None, key: str, lang: str, *, used: Sequence[tuple[int, int]] = (),
         similar: bool = True, badge: str | None = None, turn: int | None = None) -> None:
    """One passage with its controls; `key` makes its keys unique on the page; `badge` is "cited" or "also";
    `turn` is the question it answers, where the back button returns."""
    with st.container(border=True, key=f"card-{key}"):
        details = (hit.date or t("undated", lang), hit.section, language_name(hit.language, lang))
        body = hl.marked_html(hit.text, used, offset=hit.start)
        mark = (badge, t(f"badge.{badge}", lang)) if badge else None
        st.html(hl.source_html(rank, hit.title, details, body, badge=mark, links=links_of(hit, lang)))
        row = st.container(horizontal=True, gap="small")
        row.button(t("open", lang), key=f"open-{key}", on_click=actions.open_issue,
                   args=(hit.issue_id, (hit.start, hit.end), tuple(used), turn))
        if similar:
            row.button(t("similar", lang), key=f"similar-{key}", on_click=actions.show_similar,
                       args=(hit.chunk_id, turn))
        with row:
            copy_link(share.link(page_url(), share.params_for(lang=lang, issue=hit.issue_id, at=hit.start)), lang)


def issue_row(info, key: str, lang: str) -> None:
    """An issue in a list: its date, then its title (a button that opens it) on the same line, a phone's too."""
    with st.container(key=f"dated-{key}"):
        day, title = st.columns([1, 4], vertical_alignment="center")
        day.caption(info.date or t("undated", lang))
        title.button(hl.escape_markdown(info.title), key=key, type="tertiary", on_click=actions.open_issue, args=(info.id,))
