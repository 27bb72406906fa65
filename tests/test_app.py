"""The reader's page, driven with Streamlit's AppTest over the session's real index; and its small modules."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from search_app import filters as flt
from search_app import highlight as hl
from search_app import landing, scripts
from search_app import timeline as tl
from search_app.i18n import STRINGS, t
from search_app.naming import heading

TITLE_FR, TITLE_EN = heading("AI Weekly", "fr"), heading("AI Weekly", "en")  # 10 of the 11 issues are AI Weekly

APP = str(Path(__file__).resolve().parents[1] / "search_app" / "app.py")
OPENAI_YOUTUBE = "what did we write about OpenAI and YouTube?"
AI_BREW = "La course aux données d’entraînement pour l’IA"  # curly apostrophes, as the issue writes them
BROAD = "Qu'a annoncé OpenAI ?"  # answered from several issues
ABSENT = "Qui a gagné la coupe du monde de rugby ?"
TATIN = "What's the best pizza in Naples?"  # a subject the archive never mentions


@pytest.fixture
def page(monkeypatch, built_index):
    """The page over the session's index, run once (the first run loads the model: seconds)."""
    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception and not oops(app), app.exception
    return app


def opened(monkeypatch, built_index, **params: str) -> AppTest:
    """A new session on the page opened from a URL with these query parameters."""
    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params.update(params)
    app.run()
    assert not app.exception and not oops(app), app.exception
    return app


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception and not oops(app), app.exception
    return app


def unmark(markdown: str) -> str:
    """What the reader sees of Markdown escaped by the page (bold citations aside)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def unhtml(body: str) -> str:
    """What the reader sees of the page's HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def sources(app: AppTest) -> list[str]:
    """The titles of the source cards drawn, in page order (of every answer on the page)."""
    return [unhtml(m) for h in app.html for m in re.findall(r'<div class="aib-meta"><b>\[\d+\] (.*?)</b>', h.value)]


def unfold(app: AppTest) -> AppTest:
    """Open every folded section of sources (their cards are drawn once open), as a reader's click does."""
    for n in range(len(app.session_state["turns"])):
        for key in (f"also-{n}", f"sources-{n}", f"closest-{n}"):
            if key in app.session_state:
                app.session_state[key] = True
    app.run()
    assert not app.exception and not oops(app), app.exception
    return app


def oops(app: AppTest) -> bool:
    """Whether the page's own error box (an unexpected error) is shown."""
    return any(t("oops", "fr", home="")[:30] in e.value or t("oops", "en", home="")[:30] in e.value for e in app.error)


def pick_view(app: AppTest, view: str) -> AppTest:
    """The view picked at the top of the page."""
    app.button_group(key="view").set_value(view).run()
    assert not app.exception and not oops(app)
    return app


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def shown(app: AppTest) -> str:
    parts = [*app.markdown, *app.caption, *app.info, *app.warning, *app.error]
    return "\n".join(unmark(p.value) for p in parts)


# --- asking ----------------------------------------------------------------------------------------------


def test_openai_youtube_question_is_answered_from_the_ai_brew_issue(page, engine):
    assert AI_BREW in {i.title for i in engine.index.issues.values()}
    ask(page, OPENAI_YOUTUBE)
    answer = unmark(page.chat_message[1].markdown[0].value)
    assert re.search(r"\[\d\]", answer) and "YouTube" in answer
    assert sources(page)[0] == AI_BREW
    first = next(h.value for h in page.html if "aib-meta" in h.value)
    assert "2024-04" in first and '<mark class="aib-used">' in first  # dated, with the sentences used highlighted
    assert '<span class="aib-badge aib-badge-cited">cité</span>' in first


def test_a_long_conversation_draws_its_latest_questions_and_keeps_the_others_behind_a_button(page):
    from search_app.asking import SHOWN_TURNS

    asked = [f"Qu'a-t-on écrit sur {name} ?" for name in ("OpenAI", "Mistral", "YouTube", "Nvidia", "Google", "Meta", "Apple")]
    for question in asked:
        ask(page, question)
    shown = [unmark(m.markdown[0].value) for m in page.chat_message if m.name == "user"]
    assert shown == asked[-SHOWN_TURNS:]
    earlier = next(b for b in page.button if b.key == "earlier")
    assert earlier.label == t("earlier", "fr", n=len(asked) - SHOWN_TURNS)
    earlier.click().run()
    assert [unmark(m.markdown[0].value) for m in page.chat_message if m.name == "user"] == asked
    assert len(page.get("vega_lite_chart")) <= 1 and not any(b.key == "earlier" for b in page.button)


def test_earlier_questions_stay_in_the_session(page):
    ask(page, OPENAI_YOUTUBE)
    ask(page, "Qu'a annoncé Mistral AI ?")
    questions = [unmark(m.markdown[0].value) for m in page.chat_message if m.name == "user"]
    assert questions == [OPENAI_YOUTUBE, "Qu'a annoncé Mistral AI ?"]
    assert len(page.get("vega_lite_chart")) == 1  # the timeline follows the latest question only


def test_filters_change_the_sources(page, engine):
    ask(page, BROAD)
    listed = sources(unfold(page))
    assert AI_BREW in listed and len(set(listed)) > 2
    other = next(i for i in engine.index.issues.values() if i.title == listed[1] != AI_BREW)
    widget(page.multiselect, "Numéros").set_value([other.id]).run()
    assert set(sources(unfold(page))) == {other.title}
    widget(page.multiselect, "Numéros").set_value([]).run()
    last_day = flt.date_bounds(engine.index.issues.values())[1]
    widget(page.date_input, "Période").set_value((date(2025, 1, 1), last_day)).run()
    narrowed = sources(page)
    assert narrowed and AI_BREW not in narrowed
    assert "2025-01-01" in shown(page)  # the caption says which filters applied


def test_a_period_picked_on_the_timeline_filters_the_answer(page):
    ask(page, OPENAI_YOUTUBE)
    assert page.get("vega_lite_chart") and AI_BREW in sources(page)
    page.session_state["period"] = ("2025-10-01", "2025-12-31")  # what pick_period stores from the chart's event
    page.run()
    assert AI_BREW not in sources(page)
    assert "2025-10-01 → 2025-12-31" in "\n".join(unmark(i.value) for i in page.sidebar.info)
    picked = widget(page.date_input, "Période").value
    assert picked[0] == date(2025, 10, 1)  # the date picker shows the period too (issue 23)
    widget(page.sidebar.button, "Effacer la période").click().run()
    assert page.session_state["period"] is None and AI_BREW in sources(page)
    assert widget(page.date_input, "Période").value[0] < date(2025, 1, 1)  # and what it showed before


def test_nothing_found_says_so_and_folds_the_closest_passages(page):
    ask(page, TATIN)
    text = shown(page)
    assert "Rien dans l'archive ne répond à cette question." in text
    assert "retirez des filtres" not in text  # no filter is set: no hint about filters
    assert not page.get("vega_lite_chart") and not any(e.label.startswith(t("sources", "fr")) for e in page.expander)
    [folded] = [e for e in page.expander if "probablement sans rapport avec la question" in e.label]
    assert not folded.proto.expanded  # folded: the reader sees the archive was searched, not an answer
    assert not sources(page)  # folded cards are drawn only once opened
    assert sources(unfold(page))  # the closest passages, numbered, inside the folded block


def test_a_filter_that_excludes_everything_finds_nothing(page, engine):
    days = sorted({flt.day_of(i.date, last=True) for i in engine.index.issues.values() if i.date})
    gap = next((a, b) for a, b in zip(days, days[1:]) if (b - a).days > 2)  # a stretch with no issue
    ask(page, OPENAI_YOUTUBE)
    widget(page.date_input, "Période").set_value((gap[0] + timedelta(days=1), gap[1] - timedelta(days=1))).run()
    assert "retirez des filtres" in shown(page) and not sources(page)


def test_an_llm_answer_is_shown_as_written_and_the_switch_turns_it_off(monkeypatch, built_index):
    from tests.llm_server import delta, send_events, stub_server

    def reply(handler, server):
        send_events(handler, delta("OpenAI a transcrit des vidéos YouTube <b>sans</b> "), delta("accord [1]."), delta("", "stop"), "[DONE]")

    with stub_server(reply) as llm:
        monkeypatch.setenv("AIBREW_INDEX", str(built_index))
        monkeypatch.setenv("AIBREW_LLM_BASE_URL", llm.base_url)
        app = ask(AppTest.from_file(APP, default_timeout=300).run(), OPENAI_YOUTUBE)
        assert unmark(app.chat_message[1].markdown[0].value) == "OpenAI a transcrit des vidéos YouTube <b>sans</b> accord [1]."
        assert t("via_llm", "fr") in unmark(app.chat_message[1].caption[0].value) and len(llm.requests) == 1
        widget(app.sidebar.toggle, "Réponse rédigée par le LLM").set_value(False).run()  # the latest answer follows
        assert t("extractive", "fr") in unmark(app.chat_message[1].caption[0].value) and len(llm.requests) == 1


def test_llm_endpoint_down_shows_the_extractive_answer_with_a_notice(monkeypatch, built_index):
    from tests.llm_server import free_port

    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.setenv("AIBREW_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    monkeypatch.setenv("AIBREW_LLM_TIMEOUT", "3")
    app = AppTest.from_file(APP, default_timeout=300).run()
    assert widget(app.sidebar.toggle, "Réponse rédigée par le LLM").value is True
    ask(app, OPENAI_YOUTUBE)
    warning = unmark(app.warning[0].value)
    assert "Le LLM n'a pas pu répondre" in warning and "est injoignable" in warning  # in the reader's language
    assert "could not reach" not in warning
    assert AI_BREW in sources(app) and re.search(r"\[\d\]", unmark(app.chat_message[1].markdown[0].value))


# --- states, views, language ------------------------------------------------------------------------------


def test_no_index_yet_shows_the_command_that_builds_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AIBREW_INDEX", str(tmp_path / "empty"))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "python -m indexer rebuild" in app.code[0].value
    assert "Pas encore d'index" in unmark(app.info[0].value)
    assert not app.chat_input


def test_the_language_switch_changes_the_interface(page):
    assert page.title[0].value == TITLE_FR and page.chat_input[0].placeholder == t("ask", "fr")
    assert not page.sidebar.toggle and not page.sidebar.button_group  # on the page, not only in the sidebar
    page.toggle(key="english").set_value(True).run()
    assert page.title[0].value == TITLE_EN and page.chat_input[0].placeholder == t("ask", "en")
    assert widget(page.multiselect, "Languages") and page.button_group(key="view").proto.label == "View"
    ask(page, ABSENT)
    assert "Nothing in the archive answers this question." in shown(page)
    assert param(page, "lang") == ["en"]


def test_the_issues_view_lists_every_issue_newest_first_and_opens_one(page, engine):
    pick_view(page, "issues")
    titles = [unmark(b.label) for b in page.button if b.key and b.key.startswith("issue-")]
    expected = flt.newest_first(engine.index.issues.values())
    assert titles == [i.title for i in expected] and AI_BREW in titles
    next(b for b in page.button if unmark(b.label) == AI_BREW).click().run()
    assert unmark(page.subheader[0].value) == AI_BREW
    body = next(h.value for h in page.html if "aib-issue" in h.value)
    issue = next(i for i in engine.index.issues.values() if i.title == AI_BREW)
    assert unhtml(body) == issue.text
    widget(page.button, "← Retour à la liste").click().run()
    assert len([b for b in page.button if b.key and b.key.startswith("issue-")]) == len(expected)


def test_a_source_opens_its_issue_at_the_passage(page):
    ask(page, OPENAI_YOUTUBE)
    page.button(key="open-0-1").click().run()
    assert page.session_state["view"] == "issues" and unmark(page.subheader[0].value) == AI_BREW
    body = next(h.value for h in page.html if "aib-issue" in h.value)
    anchor = re.search(r'<span id="(aib-focus-\d+-\d+)"></span>', body).group(1)
    assert '<span class="aib-passage">' in body and '<mark class="aib-used">' in body
    assert any(anchor in h.value and "<script>" in h.value for h in page.html)  # scrolled into view
    widget(page.button, "← Retour à la réponse").click().run()
    assert page.session_state["view"] == "ask" and AI_BREW in sources(page)


# --- the modules ---------------------------------------------------------------------------------------------


PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(2)> **gras** [lien](javascript:x) :red[rouge] $x$"


def test_archive_text_is_escaped_in_html_and_markdown():
    out = hl.marked_html(PAYLOAD, [(0, 26)], passage=(0, len(PAYLOAD)), anchor="aib-focus-0-1")
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert unhtml(out) == PAYLOAD
    md = hl.escape_markdown(PAYLOAD)
    assert not re.search(r"(?<!\\)[<>*\[\]$:()]", md) and unmark(md) == PAYLOAD
    assert hl.safe_url("javascript:alert(1)") is None and hl.safe_url("https://example.com/a") == "https://example.com/a"
    with pytest.raises(ValueError):
        scripts.passage_script("x'); alert(1); ('")
    with pytest.raises(ValueError):
        scripts.bring_script("turn-1'); alert(1); ('", 1)
    out = hl.source_html(1, "<b>titre</b>", ["<i>"], "", badge=("cited", "<cité>"),
                         links=[("<x>", "javascript:alert(1)", "t"), ("a\"b", 'https://e.org/?a="b"', "t"), ("e.org", "https://e.org/?a=1&b=2", "<t>")])
    assert "javascript:" not in out and "<i>" not in out and "<cité>" not in out and 'a="b"' not in out
    assert '<a href="https://e.org/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer" title="&lt;t&gt;">e.org ↗</a>' in out


def test_marked_html_highlights_sentences_by_issue_offsets():
    text = "Une phrase. Deux phrases. Trois."
    out = hl.marked_html(text[12:], [(12, 25)], offset=12)
    assert out == '<mark class="aib-used">Deux phrases.</mark> Trois.'
    assert hl.answer_markdown("Vrai [1]. Aussi [2].") == r"Vrai **\[1\]**\. Aussi **\[2\]**\."


def test_filters_from_the_sidebar():
    bounds = (date(2024, 4, 1), date(2025, 12, 31))
    assert flt.build_filters(bounds, bounds) == flt.Filters()  # the whole range keeps undated issues in
    narrowed = flt.build_filters((date(2025, 1, 1), bounds[1]), bounds, ["fr"], ["a"], period=("2024-06-01", "2025-06-30"))
    assert narrowed == flt.Filters("2025-01-01", "2025-06-30", ("fr",), ("a",))
    assert flt.day_of("2024-02", last=True) == date(2024, 2, 29)


def ms(day: str) -> int:
    """Epoch milliseconds of a UTC day, as Vega-Lite sends a brushed end back."""
    return (date.fromisoformat(day) - date(1970, 1, 1)).days * 86_400_000


def test_the_timeline_period_comes_back_from_the_chart_selection():
    state = {"selection": {tl.SELECTION: {"day": [ms("2025-12-01") + 3_600_000, ms("2025-11-02")]}}}
    assert tl.period_from_selection(state) == ("2025-11-02", "2025-12-01")
    assert tl.period_from_selection({"selection": {tl.SELECTION: {}}}) is None
    assert tl.period_from_selection({"selection": {tl.SELECTION: {"day": ["2025-11-02T00:00:00.000Z", "2025-11-09"]}}}) == ("2025-11-02", "2025-11-09")


def test_the_timeline_groups_passages_by_issue_and_keeps_undated_ones_apart():
    from indexer.records import IssueInfo

    issues = {i: IssueInfo(i, f"{i}.md", f"Titre {i}", day, None, None, "fr", "texte")
              for i, day in (("a", "2024-04"), ("b", "2025-11-02"), ("c", None))}
    data = tl.timeline(issues, ["b", "a", "b", "c"])  # one issue id per passage counted
    assert data.dated.to_dict("records") == [
        {"day": "2024-04-01", "date": "2024-04", "title": "Titre a", "passages": 1},
        {"day": "2025-11-02", "date": "2025-11-02", "title": "Titre b", "passages": 2},
    ]
    assert data.undated == [("Titre c", 1)]
    assert tl.chart(data.dated, x_title="x", y_title="y", issue_title="i").to_dict()["params"][0]["name"] == tl.SELECTION


def test_every_string_exists_in_both_languages():
    assert STRINGS["fr"].keys() == STRINGS["en"].keys()


# --- round two: landing, shareable URLs, links, sites, more like this -----------------------------------------


def article_links(app: AppTest) -> list[tuple[str, str]]:
    """(text, URL) of the links in the source cards drawn."""
    return [(unhtml(text), html.unescape(url)) for h in app.html
            for url, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?) ↗</a>', h.value)]


def param(app: AppTest, name: str) -> list[str]:
    """A query parameter of the page's URL, as a list of values."""
    value = app.query_params.get(name)
    return value if isinstance(value, list) else [] if value is None else [value]


def cards_html(app: AppTest) -> list[str]:
    return [h.value for h in app.html if '<div class="aib-meta">' in h.value]


def copy_links(app: AppTest) -> list[str]:
    return [c.value for c in app.code if c.value.startswith("http")]


def test_the_landing_page_offers_answered_examples_the_latest_issues_and_the_archive_span(page, engine):
    issues = engine.index.issues.values()
    n, first, last = landing.span(issues, "fr")
    assert f"{n} numéros ({len(engine.index)} passages), {landing.elide(first)} à {last}." in shown(page)
    latest = [unmark(b.label) for b in page.button if b.key and b.key.startswith("latest-")]
    assert latest == [i.title for i in flt.newest_first(issues)[:5]]
    examples = [unmark(b.label) for b in page.button if b.key and b.key.startswith("example-")]
    assert 4 <= len(examples) <= 6 and all(q.startswith("Qu'a-t-on écrit sur ") for q in examples)
    for question in examples:  # the archive really answers each one
        answer = engine.ask(question)
        name = question.removeprefix("Qu'a-t-on écrit sur ").removesuffix(" ?")
        assert answer.found and answer.hits and name.split()[0].lower() in answer.text.lower()
    page.button(key="example-0").click().run()
    assert unmark(page.chat_message[0].markdown[0].value) == examples[0] and sources(page)
    assert param(page, "q") == [examples[0]]  # the address bar follows: the answer can be shared
    assert not [b for b in page.button if b.key and b.key.startswith("example-")]  # the landing gives way


def test_a_shared_question_url_asks_it_in_the_readers_language(monkeypatch, built_index):
    app = opened(monkeypatch, built_index, q=OPENAI_YOUTUBE, lang="en")
    assert app.title[0].value == TITLE_EN and app.toggle(key="english").value is True
    assert unmark(app.chat_message[0].markdown[0].value) == OPENAI_YOUTUBE and sources(app)[0] == AI_BREW
    answer_link = next(u for u in copy_links(app) if "q=" in u)
    assert "q=what+did+we+write+about+OpenAI+and+YouTube%3F" in answer_link and "lang=en" in answer_link
    assert any("issue=000_4890d60036440a5b&at=" in u for u in copy_links(app))  # each source has its own link


def test_a_shared_issue_url_opens_the_issue_at_the_passage(monkeypatch, built_index, engine):
    issue = next(i for i in engine.index.issues.values() if i.title == AI_BREW)
    passage = [p for p in engine.index.passages if p.issue_id == issue.id][3]
    app = opened(monkeypatch, built_index, issue=issue.id, at=str(passage.start))
    assert app.session_state["view"] == "issues" and unmark(app.subheader[0].value) == AI_BREW
    body = next(h.value for h in app.html if "aib-issue" in h.value)
    assert f'<span id="aib-focus-{passage.start}-{passage.end}"></span>' in body
    assert any("aib-focus" in h.value and "<script>" in h.value for h in app.html)
    assert param(app, "issue") == [issue.id] and param(app, "at") == [str(passage.start)]


def test_filters_in_a_shared_url_apply_to_its_question(monkeypatch, built_index):
    app = opened(monkeypatch, built_index, q=BROAD, **{"from": "2025-10-01", "to": "2025-11-30"})
    listed = sources(app)
    assert listed and AI_BREW not in listed and "2025-10-01 → 2025-11-30" in shown(app)
    assert param(app, "from") == ["2025-10-01"] and param(app, "to") == ["2025-11-30"]


def test_source_cards_link_to_the_articles_and_the_site_filter_keeps_their_items(page):
    ask(page, "Qu'a annoncé Anthropic ?")
    articles = article_links(unfold(page))
    assert articles and all(url.startswith("https://") for _, url in articles)
    assert any(text == "anthropic.com" for text, _ in articles)
    widget(page.multiselect, "Sites liés").set_value(["anthropic.com"]).run()
    cards = cards_html(unfold(page))
    assert cards and all('title="Lire l&#x27;article sur anthropic.com">anthropic.com ↗</a>' in card for card in cards)
    assert param(page, "site") == ["anthropic.com"] and "anthropic.com" in shown(page)


def test_the_sites_view_counts_outlets_over_time_and_lists_a_sites_items(page):
    pick_view(page, "sites")
    [table] = [h.value for h in page.html if 'class="aib-sites"' in h.value]  # an HTML table: it fits a phone
    assert [unhtml(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table)] == ["Site", "Brèves", "Numéros", "Premier numéro", "Dernier numéro"]
    rows = [[unhtml(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    items = [int(row[1]) for row in rows]
    assert items == sorted(items, reverse=True) and "openai.com" in {row[0] for row in rows}
    assert page.get("vega_lite_chart")  # items per issue date for the most linked sites
    assert not cards_html(page) and param(page, "view") == ["sites"]  # no site picked yet
    page.selectbox(key="site_pick").set_value("openai.com").run()
    items = cards_html(page)
    assert items and all(">openai.com ↗</a>" in item for item in items)
    assert param(page, "view") == ["sites"] and param(page, "of") == ["openai.com"]


def test_more_like_this_follows_a_passage_into_other_issues(page):
    ask(page, OPENAI_YOUTUBE)
    page.button(key="similar-0-1").click().run()
    assert unmark(page.subheader[0].value) == t("similar.title", "fr")
    cards = [unhtml(m) for h in page.html for m in re.findall(r'<div class="aib-meta"><b>(.*?)</b>', h.value)]
    assert cards[0] == AI_BREW and len(cards) > 2 and AI_BREW not in cards[1:]  # the passage, then other issues
    page.radio(key="similar_order").set_value("date").run()
    assert [unhtml(m) for h in page.html for m in re.findall(r'<div class="aib-meta"><b>(.*?)</b>', h.value)][0] == AI_BREW
    page.button(key="similar-back").click().run()
    assert sources(page)[0] == AI_BREW  # back to the answer


# --- round three: outcomes, cited sources, links that never break, history, every view's URL, the timeline --------


MISTRAL = "Qu'a-t-on écrit sur Mistral ?"


def badges(app: AppTest) -> list[tuple[int, str]]:
    """(rank, mark) of the source cards drawn, in page order."""
    return [(int(rank), mark) for h in app.html
            for rank, mark in re.findall(r'<b>\[(\d+)\] .*?</b> <span class="aib-badge aib-badge-(\w+)">', h.value)]


def test_an_answer_lists_the_sources_it_cites_then_the_others_folded(page, engine):
    expected = engine.ask(MISTRAL)
    assert expected.outcome == "answered" and expected.cited
    ask(page, MISTRAL)
    assert badges(page) == [(n, "cited") for n in expected.cited]  # the cited ones, in the answer's reading order
    assert t("cited", "fr") in shown(page)
    others = [n for n in range(1, len(expected.hits) + 1) if n not in expected.cited]
    [folded] = [e for e in page.expander if e.label == t("also", "fr", n=len(others))]
    assert not folded.proto.expanded
    assert badges(unfold(page)) == [(n, "cited") for n in expected.cited] + [(n, "also") for n in others]
    assert "aussi dans l’archive</span>" in "".join(cards_html(page))


def test_an_answer_that_is_not_exactly_what_was_asked_says_so(monkeypatch, built_index, engine):
    from indexer.answer.answer import Answer, Sentence

    from search_app.conversation import Settings, Turn

    question = "Mistral a-t-il racheté Nvidia ?"
    hits = engine.search(MISTRAL, k=5)
    source = hits[1]
    said = Sentence(source.text[:80], 2, source.issue_id, source.start, source.start + 80, 1.0)
    answer = Answer(question, "fr", f"L'archive ne dit pas que Mistral a racheté Nvidia. Elle rapporte : {said.text} [2]",
                    hits, [said], outcome="related")
    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["turns"] = [Turn(question, Settings(), answer)]  # the sidebar's defaults: not asked again
    app.run()
    assert not app.exception and not oops(app)
    reply = app.chat_message[1]
    assert t("related", "fr") in reply.markdown[0].value and t("related.help", "fr") in shown(app)
    assert "L'archive ne dit pas que Mistral a racheté Nvidia." in unmark(reply.markdown[1].value)
    assert "Rien dans l'archive" not in shown(app) and not any(i.value for i in reply.info)  # not the not-found box
    assert badges(app) == [(2, "cited")] and badges(unfold(app))[1:] == [(n, "also") for n in (1, 3, 4, 5)]
    app.toggle(key="english").set_value(True).run()
    assert t("related", "en") in app.chat_message[1].markdown[0].value


def test_an_english_reader_is_told_the_quotes_are_from_the_french_archive(page, engine):
    question = "What did we write about OpenAI?"
    assert engine.ask(question).quotes_language == "fr"
    page.toggle(key="english").set_value(True).run()
    ask(page, question)
    assert t("quotes", "en", language="French") in shown(page)
    ask(page, MISTRAL)  # a French question on the English page: said the same way, by the page's language (issue 23)
    assert t("quotes", "en", language="French") in unmark(page.chat_message[3].caption[0].value)
    page.toggle(key="english").set_value(False).run()  # the French page: French quotes need no such line
    assert "Les citations viennent" not in shown(page)


def test_the_index_details_are_in_an_about_expander(page, engine):
    assert not any("Modèle" in unmark(c.value) for c in page.sidebar.caption if c not in page.sidebar.expander[0].caption)
    [about] = [e for e in page.sidebar.expander if e.label == t("about", "fr")]
    assert not about.proto.expanded and t("index.issues", "fr", value=len(engine.index.issues)) in unmark(about.caption[0].value)
    assert engine.index.model not in shown(page) and "Construit" not in unmark(about.caption[0].value)  # internals (issue 23)


BAD_LINKS = [  # (query, what the page still does, the parameter named in the note)
    ({"from": "2025-02-30", "q": "Mistral"}, "asks", "from=2025-02-30"),
    ({"from": "2025-13", "q": "Mistral"}, "asks", "from=2025-13"),
    ({"from": "2025-00", "q": "Mistral"}, "asks", "from=2025-00"),
    ({"from": "2025-12-45", "q": "Mistral"}, "asks", "from=2025-12-45"),
    ({"from": "0000-01-01", "q": "Mistral"}, "asks", "from=0000-01-01"),
    ({"to": "2025-13", "q": "Mistral"}, "asks", "to=2025-13"),
    ({"issue": "does-not-exist", "q": "Mistral"}, "asks", "issue=does-not-exist"),
    ({"site": "nonexistent.example", "q": "Mistral"}, "asks", "site=nonexistent.example"),
    ({"in": "bogus", "q": "Mistral"}, "asks", "in=bogus"),
    ({"from": "2025-12-01", "to": "2025-01", "q": "Mistral"}, "asks", "from=2025-12-01 > to=2025-01"),
    ({"issue": "AI_Weekly_Dec13-19_2025", "at": "-5"}, "opens", "at=-5"),
    ({"issue": "AI_Weekly_Dec13-19_2025", "at": "abc"}, "opens", "at=abc"),
]


@pytest.mark.parametrize("query, does, named", BAD_LINKS, ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else "")
def test_a_bad_link_says_in_one_line_what_was_ignored_and_keeps_the_rest(monkeypatch, built_index, query, does, named):
    app = opened(monkeypatch, built_index, **query)  # no exception, no error box
    [note] = [unmark(w.value) for w in app.warning]
    assert note.startswith("Lien : ignoré ") and named in note and "\n" not in note
    if does == "asks":
        assert unmark(app.chat_message[0].markdown[0].value) == "Mistral" and app.chat_message[1].markdown
    else:
        assert unmark(app.subheader[0].value).startswith("AI Weekly") and param(app, "issue") == [query["issue"]]
    assert app.sidebar.multiselect  # the filters are still there
    ask(app, OPENAI_YOUTUBE)  # the reader moves on: the note goes
    assert not app.warning


def issue_shown(app: AppTest) -> bool:
    return any('<div class="aib-text aib-issue">' in h.value for h in app.html)


def test_back_and_forward_move_between_the_answer_and_the_issue(page):
    ask(page, MISTRAL)
    answer_url = dict(page.query_params)
    page.button(key="open-0-1").click().run()
    issue_url = dict(page.query_params)
    assert page.session_state["view"] == "issues" and "issue" in issue_url
    page.query_params.clear()
    page.query_params.update(answer_url)  # Back: the browser reruns the page at the previous address
    page.run()
    assert page.session_state["view"] == "ask" and sources(page) and not issue_shown(page)
    assert dict(page.query_params) == answer_url and len(page.session_state["turns"]) == 1  # shown again, not asked again
    page.query_params.clear()
    page.query_params.update(issue_url)  # Forward
    page.run()
    assert issue_shown(page) and dict(page.query_params) == issue_url


def test_every_view_gets_a_url_that_opens_it(page, monkeypatch, built_index):
    ask(page, MISTRAL)
    urls = {}
    pick_view(page, "issues")
    urls["issues"] = dict(page.query_params)
    pick_view(page, "sites")
    urls["sites"] = dict(page.query_params)
    page.selectbox(key="site_pick").set_value("openai.com").run()
    urls["site"] = dict(page.query_params)
    pick_view(page, "ask")
    page.button(key="similar-0-1").click().run()
    urls["like"] = dict(page.query_params)
    page.radio(key="similar_order").set_value("date").run()
    urls["like newest"] = dict(page.query_params)
    assert urls == {"issues": {"view": "issues"}, "sites": {"view": "sites"}, "site": {"view": "sites", "of": "openai.com"},
                    "like": {"like": urls["like"]["like"], "at": urls["like"]["at"]},  # closest first: the default
                    "like newest": {**urls["like"], "order": "date"}}
    assert opened(monkeypatch, built_index, **urls["issues"]).subheader[0].value == t("archive", "fr")
    assert opened(monkeypatch, built_index, **urls["sites"]).subheader[0].value == t("sites.title", "fr")
    site = opened(monkeypatch, built_index, **urls["site"])
    assert site.selectbox(key="site_pick").value == "openai.com" and cards_html(site)
    like = opened(monkeypatch, built_index, **urls["like newest"])
    assert unmark(like.subheader[0].value) == t("similar.title", "fr") and like.radio(key="similar_order").value == "date"
    assert unmark(like.button(key="similar-back").label) == t("back", "fr")


def test_an_issue_has_one_back_button_to_where_the_reader_came_from(page):
    first = next(b for b in page.button if b.key and b.key.startswith("latest-"))
    first.click().run()
    assert [unmark(b.label) for b in page.button if b.label.startswith("←")] == [t("back.home", "fr")]
    page.button(key="issue-back").click().run()
    assert page.session_state["view"] == "ask" and any(b.key == first.key for b in page.button)  # the landing again


def test_the_timeline_says_what_it_counts_and_counts_every_source_that_names_it(page, engine):
    ask(page, MISTRAL)
    ids, said = page.session_state["timeline"]
    assert said == ["Mistral"] and "Passages qui nomment « Mistral », par date de numéro" in shown(page)
    answer = engine.ask(MISTRAL)
    naming = [h for h in answer.hits if "mistral" in f"{h.section} {h.text}".lower()]
    assert len(naming) >= 4 and {h.chunk_id for h in naming} <= set(ids)  # the 12-07 source about Mistral included
    english = "What did we write about OpenAI?"
    ask(page, english)
    ids, said = page.session_state["timeline"]
    dates = {engine.index.issues[engine.index.passages[i].issue_id].date for i in ids}
    assert said == ["OpenAI"] and {h.date for h in engine.ask(english).hits} <= dates  # sources back to October
    assert min(d for d in dates if d) < "2025-01"


def test_a_question_without_a_name_counts_the_closest_passages(page, engine):
    question = "Que disent les dirigeants tech de leurs données ?"
    ask(page, question)
    if page.session_state["turns"][-1].answer.outcome == "none":
        pytest.skip("not answered by this build")
    ids, said = page.session_state["timeline"]
    assert said == [] and t("timeline.closest", "fr", n=len(ids)) in shown(page)
    assert {h.chunk_id for h in page.session_state["turns"][-1].answer.hits} <= set(ids)


def test_readers_never_get_error_details_from_streamlit():
    """Streamlit itself, run from the repository, reads the repository's config: error details off."""
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=Path(APP).parents[1],
                           capture_output=True, text=True, timeout=120, check=True).stdout
    assert re.search(r'^showErrorDetails = "none"$', shown, re.M), "client.showErrorDetails must be off for readers"
