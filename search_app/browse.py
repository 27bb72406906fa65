"""The reading views: the list of issues and one issue, the sites the newsletter links to (and one site's
items), and "more like this" for a passage. Each has one back button, to where the reader came from."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from indexer.engine import Engine
from indexer.search.index import Index
from indexer.records import IssueInfo
from indexer.search.similar import hit_of, more_like_this

from . import actions, cards, domains, share
from . import filters as flt
from . import highlight as hl
from .i18n import language_name, t

state = st.session_state
TOP_SITES = 8  # sites drawn on the chart
MAX_ITEMS = 30  # items listed for a site
ISSUE_BACK = "issue-back"  # the issue view's back button, its first element


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
        cards.issue_row(info, f"issue-{info.id}", lang)


def show_issue(info: IssueInfo, reading: dict, lang: str) -> None:
    back_button(lang, ISSUE_BACK)
    st.subheader(hl.escape_markdown(info.title))
    meta = (info.date or t("undated", lang), t("issue.number", lang, number=info.number) if info.number else "",
            language_name(info.language, lang))  # not its file name: readers never see the archive's files
    st.caption(hl.escape_markdown(" · ".join(filter(None, meta))))
    passage = reading["passage"]
    links = st.container(horizontal=True)
    if hl.safe_url(info.url):
        links.link_button(t("link", lang), hl.safe_url(info.url))
    with links:
        cards.copy_link(share.link(cards.page_url(), share.params_for(lang=lang, issue=info.id, at=passage[0] if passage else None)), lang)
    st.html(f'<div class="aib-text aib-issue">{hl.marked_html(info.text, reading["used"], passage=passage, anchor=focus_anchor(reading))}</div>')


def focus_anchor(reading: dict | None) -> str | None:
    """The id of the element where the passage an issue was opened at starts (the page scrolls to it)."""
    passage = reading and reading.get("passage")
    return f"aib-focus-{passage[0]}-{passage[1]}" if passage else None


def similar_view(engine: Engine, passage_id: int, lang: str) -> None:
    """The passages of other issues nearest to one passage, closest first (or newest first)."""
    index = engine.index
    back_button(lang, "similar-back")
    st.subheader(t("similar.title", lang))
    source = hit_of(index, passage_id, 1.0)
    st.caption(hl.escape_markdown(t("similar.of", lang, section=source.section or source.title, title=source.title)))
    cards.card(source, None, "similar-source", lang, similar=False)
    order = st.radio(t("similar.order", lang), share.PAGE_ORDERS, key="similar_order", horizontal=True,
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


def sites_table(table: pd.DataFrame, lang: str) -> str:
    """The sites table as HTML that fits a phone (long names wrap; a phone leaves out the first issue's date)."""
    head = "".join(f'<th class="aib-{c}">{html.escape(t(f"sites.col.{c}", lang))}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(f'<td class="aib-{c}">{html.escape(str(v if v is not None else ""))}</td>'
                                    for c, v in row.items()) + "</tr>" for row in table.to_dict("records"))
    return f'<div class="aib-sites"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def sites_view(engine: Engine, key: str, lang: str) -> None:
    """Which sites the newsletter links to, how often, over time; and one site's items."""
    index = engine.index
    st.subheader(t("sites.title", lang))
    table, linking, over_time = site_facts(index, key)
    if table.empty:
        st.info(t("sites.none", lang))
        return
    st.caption(t("sites.count", lang, n=len(table), items=linking))
    st.html(sites_table(table, lang))
    st.markdown(f"**{t('sites.chart', lang)}**")
    st.altair_chart(domains.chart(over_time, x_title=t("timeline.x", lang),
                                  y_title=t("sites.col.items", lang), site_title=t("sites.col.site", lang)))
    items = dict(zip(table["site"], table["items"]))
    site = st.selectbox(t("sites.pick", lang), list(items), key="site_pick", index=None, placeholder=t("sites.choose", lang),
                        format_func=lambda s: f"{s} ({items[s]})", on_change=actions.show_site)
    if site:
        with st.container(key=actions.SITE_ITEMS):
            st.markdown(f"**{hl.escape_markdown(t('sites.items', lang, site=site))}**")
            for n, item in enumerate(domains.items_of(index, site)[:MAX_ITEMS]):
                cards.card(hit_of(index, item.passage_id, 1.0), None, f"site-{n}", lang)
