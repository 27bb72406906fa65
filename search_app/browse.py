"""The reading views: the list of issues and one issue, the sites the newsletter links to (and one site's
items), and "more like this" for a passage. Each has one back button, to where the reader came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indexer.engine import Engine
from indexer.search.index import Index
from indexer.records import IssueInfo
from indexer.search.similar import ORDERS, hit_of, more_like_this

from . import actions, cards, domains, share
from . import filters as flt
from . import highlight as hl
from . import scripts
from .i18n import language_name, t

state = st.session_state
TOP_SITES = 8  # sites drawn on the chart
MAX_ITEMS = 30  # items listed for a site


def back_button(lang: str, key: str) -> None:
    """The view's one back button, named after where it goes."""
    back = state.get("back")
    if back is None:
        label = "back" if state.similar is not None else "back.list"
    elif back.get("similar") is not None:
        label = "back.similar"
    elif back.get("reading"):
        label = "back.issue"
    else:
        label = {"issues": "back.list", "sites": "back.sites"}.get(back.get("view"), "back.answer" if state.turns else "back.home")
    st.button(t(label, lang), key=key, on_click=actions.go_back)


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
        title.button(hl.escape_markdown(info.title), key=f"issue-{info.id}", type="tertiary", on_click=actions.open_issue, args=(info.id,))


def show_issue(info: IssueInfo, reading: dict, lang: str) -> None:
    back_button(lang, "issue-back")
    st.subheader(hl.escape_markdown(info.title))
    meta = (info.date or t("undated", lang), t("issue.number", lang, number=info.number) if info.number else "",
            language_name(info.language, lang), t("issue.source", lang, source=info.source))
    st.caption(hl.escape_markdown(" · ".join(filter(None, meta))))
    passage = reading["passage"]
    links = st.container(horizontal=True)
    if hl.safe_url(info.url):
        links.link_button(t("link", lang), hl.safe_url(info.url))
    with links:
        cards.copy_link(share.link(cards.page_url(), share.params_for(lang=lang, issue=info.id, at=passage[0] if passage else None)), lang)
    anchor = f"aib-focus-{passage[0]}-{passage[1]}" if passage else None
    st.html(f'<div class="aib-text aib-issue">{hl.marked_html(info.text, reading["used"], passage=passage, anchor=anchor)}</div>')
    if anchor:
        st.html(scripts.passage_script(anchor), unsafe_allow_javascript=True)


def similar_view(engine: Engine, passage_id: int, lang: str) -> None:
    """The passages of other issues nearest to one passage, newest first or closest first."""
    index = engine.index
    back_button(lang, "similar-back")
    st.subheader(t("similar.title", lang))
    source = hit_of(index, passage_id, 1.0)
    st.caption(hl.escape_markdown(t("similar.of", lang, section=source.section or source.title, title=source.title)))
    cards.card(source, None, "similar-source", lang, similar=False)
    order = st.radio(t("similar.order", lang), ORDERS, key="similar_order", horizontal=True,
                     format_func=lambda o: t(f"similar.{o}", lang))
    hits = more_like_this(index, passage_id, order=order)
    if not hits:
        st.info(t("similar.none", lang))
    for n, hit in enumerate(hits):
        cards.card(hit, None, f"like-{passage_id}-{n}", lang)


@st.cache_data(show_spinner=False, max_entries=4)
def site_facts(_index: Index, key: str) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """(the sites table, the number of passages that link out, the most linked sites over time), once per build."""
    table = domains.table(_index)
    linking = sum(1 for p in _index.passages if p.links)
    return table, linking, domains.over_time(_index, list(table["site"][:TOP_SITES]))


def sites_view(engine: Engine, key: str, lang: str) -> None:
    """Which sites the newsletter links to, how often, over time; and one site's items."""
    index = engine.index
    st.subheader(t("sites.title", lang))
    table, linking, over_time = site_facts(index, key)
    if table.empty:
        st.info(t("sites.none", lang))
        return
    st.caption(t("sites.count", lang, n=len(table), items=linking))
    shown = table.rename(columns={c: t(f"sites.col.{c}", lang) for c in table.columns})
    st.dataframe(shown, hide_index=True, height=min(36 * (len(shown) + 1), 320))
    st.markdown(f"**{t('sites.chart', lang)}**")
    st.altair_chart(domains.chart(over_time, x_title=t("timeline.x", lang),
                                  y_title=t("sites.col.items", lang), site_title=t("sites.col.site", lang)))
    items = dict(zip(table["site"], table["items"]))
    site = st.selectbox(t("sites.pick", lang), list(items), key="site_pick", index=None, placeholder=t("sites.choose", lang),
                        format_func=lambda s: f"{s} ({items[s]})")
    if site:
        for n, item in enumerate(domains.items_of(index, site)[:MAX_ITEMS]):
            cards.card(hit_of(index, item.passage_id, 1.0), None, f"site-{n}", lang)
