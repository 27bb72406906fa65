"""The reading views: the list of issues and one issue, the sites the newsletter links to, and
"more like this" for a passage."""

from __future__ import annotations

import streamlit as st

from indexer.engine import Engine
from indexer.records import IssueInfo
from indexer.similar import ORDERS, hit_of, more_like_this

from . import actions, cards, domains, share
from . import filters as flt
from . import highlight as hl
from .i18n import language_name, t

state = st.session_state
TOP_SITES = 8  # sites drawn on the chart
MAX_ITEMS = 30  # items listed for a site


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
    row = st.container(horizontal=True)
    row.button(t("back.list", lang), on_click=actions.open_issue, args=(None,))
    if state.turns:
        row.button(t("back.answer", lang), on_click=actions.back_to_answer)
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
        st.html(hl.scroll_script(anchor), unsafe_allow_javascript=True)


def similar_view(engine: Engine, passage_id: int, lang: str) -> None:
    """The passages of other issues nearest to one passage, newest first or closest first."""
    index = engine.index
    st.button(t("back", lang), key="similar-back", on_click=actions.show_similar, args=(None,))
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


def sites_view(engine: Engine, lang: str) -> None:
    """Which sites the newsletter links to, how often, over time; and one site's items."""
    index = engine.index
    st.subheader(t("sites.title", lang))
    table = domains.table(index)
    if table.empty:
        st.info(t("sites.none", lang))
        return
    linking = sum(1 for p in index.passages if p.links)
    st.caption(t("sites.count", lang, n=len(table), items=linking))
    shown = table.rename(columns={c: t(f"sites.col.{c}", lang) for c in table.columns})
    st.dataframe(shown, hide_index=True, height=min(36 * (len(shown) + 1), 320))
    top = list(table["site"][:TOP_SITES])
    st.markdown(f"**{t('sites.chart', lang)}**")
    st.altair_chart(domains.chart(domains.over_time(index, top), x_title=t("timeline.x", lang),
                                  y_title=t("sites.col.items", lang), site_title=t("sites.col.site", lang)))
    site = st.selectbox(t("sites.pick", lang), list(table["site"]), key="site_pick",
                        format_func=lambda s: f"{s} ({int(table.loc[table['site'] == s, 'items'].iloc[0])})")
    for n, item in enumerate(domains.items_of(index, site)[:MAX_ITEMS]):
        cards.card(hit_of(index, item.passage_id, 1.0), None, f"site-{n}", lang)
