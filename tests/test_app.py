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
from search_app import landing
from search_app import timeline as tl
from search_app.i18n import STRINGS, t

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
    assert not app.exception, app.exception
    return app


def opened(monkeypatch, built_index, **params: str) -> AppTest:
    """A new session on the page opened from a URL with these query parameters."""
    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params.update(params)
    app.run()
    assert not app.exception, app.exception
    return app


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception, app.exception
    return app


def unmark(markdown: str) -> str:
    """What the reader sees of Markdown escaped by the page (bold citations aside)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def unhtml(body: str) -> str:
    """What the reader sees of the page's HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def sources(app: AppTest) -> list[str]:
    """The titles of the listed sources, in rank order (of every answer on the page)."""
    return [unhtml(m) for h in app.html for m in re.findall(r'<div class="aib-meta"><b>\[\d+\] (.*?)</b>', h.value)]


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


def test_a_long_conversation_draws_its_latest_questions_and_keeps_the_others_behind_a_button(page):
    from search_app.answers import SHOWN_TURNS

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
    listed = sources(page)
    assert AI_BREW in listed and len(set(listed)) > 2
    other = next(i for i in engine.index.issues.values() if i.title == listed[1] != AI_BREW)
    widget(page.multiselect, "Numéros").set_value([other.id]).run()
    assert set(sources(page)) == {other.title}
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
    widget(page.sidebar.button, "Effacer la période").click().run()
    assert page.session_state["period"] is None and AI_BREW in sources(page)


def test_nothing_found_says_so_and_folds_the_closest_passages(page):
    ask(page, TATIN)
    text = shown(page)
    assert "Rien dans l'archive ne répond à cette question." in text and "retirez des filtres" in text
    assert not page.get("vega_lite_chart") and not any(e.label.startswith(t("sources", "fr")) for e in page.expander)
    [folded] = [e for e in page.expander if "probablement sans rapport avec la question" in e.label]
    assert not folded.proto.expanded  # folded: the reader sees the archive was searched, not an answer
    assert sources(page)  # the closest passages are there, numbered, inside the folded block


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
    assert page.title[0].value == t("title", "fr") and page.chat_input[0].placeholder == t("ask", "fr")
    page.sidebar.toggle[0].set_value(True).run()
    assert page.title[0].value == t("title", "en") and page.chat_input[0].placeholder == t("ask", "en")
    assert widget(page.multiselect, "Languages") and widget(page.sidebar.radio, "View")
    ask(page, ABSENT)
    assert "Nothing in the archive answers this question." in shown(page)


def test_the_issues_view_lists_every_issue_newest_first_and_opens_one(page, engine):
    page.sidebar.radio[0].set_value("issues").run()
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
        hl.scroll_script("x'); alert(1); ('")


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
    from indexer.records import Hit

    def hit(issue: str, day: str | None) -> Hit:
        return Hit(0, 1.0, issue, f"{issue}.md", f"Titre {issue}", day, None, "", "fr", "texte", 0, 5)

    data = tl.timeline([hit("b", "2025-11-02"), hit("a", "2024-04"), hit("b", "2025-11-02"), hit("c", None)])
    assert data.dated.to_dict("records") == [
        {"day": "2024-04-01", "date": "2024-04", "title": "Titre a", "passages": 1},
        {"day": "2025-11-02", "date": "2025-11-02", "title": "Titre b", "passages": 2},
    ]
    assert data.undated == [("Titre c", 1)]
    assert tl.chart(data.dated, x_title="x", y_title="y", issue_title="i").to_dict()["params"][0]["name"] == tl.SELECTION


def test_every_string_exists_in_both_languages():
    assert STRINGS["fr"].keys() == STRINGS["en"].keys()


# --- round two: landing, shareable URLs, links, sites, more like this -----------------------------------------


def link_buttons(app: AppTest) -> list[tuple[str, str]]:
    return [(b.proto.label, b.proto.url) for b in app.get("link_button")]


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
    assert app.title[0].value == t("title", "en") and app.sidebar.toggle[0].value is True
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
    articles = [(label, url) for label, url in link_buttons(page) if label.startswith("Lire l'article · ")]
    assert articles and all(url.startswith("https://") for _, url in articles)
    assert any(label == "Lire l'article · anthropic.com" for label, _ in articles)
    widget(page.multiselect, "Sites liés").set_value(["anthropic.com"]).run()
    cards = cards_html(page)
    assert cards and len([1 for label, _ in link_buttons(page) if label == "Lire l'article · anthropic.com"]) >= len(cards)
    assert param(page, "site") == ["anthropic.com"] and "anthropic.com" in shown(page)


def test_the_sites_view_counts_outlets_over_time_and_lists_a_sites_items(page):
    page.sidebar.radio[0].set_value("sites").run()
    table = page.dataframe[0].value
    assert list(table.columns) == ["Site", "Brèves", "Numéros", "Premier numéro", "Dernier numéro"]
    assert table["Brèves"].is_monotonic_decreasing and "openai.com" in set(table["Site"])
    assert page.get("vega_lite_chart")  # items per issue date for the most linked sites
    page.selectbox(key="site_pick").set_value("openai.com").run()
    items = cards_html(page)
    assert items and len([1 for label, _ in link_buttons(page) if label == "Lire l'article · openai.com"]) >= len(items)


def test_more_like_this_follows_a_passage_into_other_issues(page):
    ask(page, OPENAI_YOUTUBE)
    page.button(key="similar-0-1").click().run()
    assert unmark(page.subheader[0].value) == t("similar.title", "fr")
    cards = [unhtml(m) for h in page.html for m in re.findall(r'<div class="aib-meta"><b>(.*?)</b>', h.value)]
    assert cards[0] == AI_BREW and len(cards) > 2 and AI_BREW not in cards[1:]  # the passage, then other issues
    page.radio(key="similar_order").set_value("similarity").run()
    assert [unhtml(m) for h in page.html for m in re.findall(r'<div class="aib-meta"><b>(.*?)</b>', h.value)][0] == AI_BREW
    page.button(key="similar-back").click().run()
    assert sources(page)[0] == AI_BREW  # back to the answer
